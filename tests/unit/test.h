/* A tiny test harness: named cases, checks that print both values on failure. */
#ifndef PLACE_TEST_H
#define PLACE_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int test_failures;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

#define CHECK_INT(a, b)                                                                        \
    do {                                                                                       \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                  \
        if (va_ != vb_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,  \
                    #b, va_, vb_);                                                             \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                                        \
    do {                                                                                       \
        const char *sa_ = (a), *sb_ = (b);                                                     \
        if (strcmp(sa_, sb_) != 0) {                                                           \
            fprintf(stderr, "%s:%d: %s == %s failed:\n  got:    %s\n  wanted: %s\n", __FILE__, \
                    __LINE__, #a, #b, sa_, sb_);                                               \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

/* Runs every case (or only the one named in argv[1]); prints a summary line ctest can read. */
static inline int test_main(int argc, char **argv, const test_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        int before = test_failures;
        cases[i].fn();
        if (test_failures == before) {
            passed++;
            printf("ok   %s\n", cases[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", cases[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                                         \
    int test_failures;                                                                         \
    int main(int argc, char **argv)                                                            \
    {                                                                                          \
        static const test_case cases[] = {__VA_ARGS__};                                        \
        return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);                   \
    }

#define TEST(fn) {#fn, fn}

#endif

/* Runs a fuzz target without libFuzzer: a fixed seed corpus, then N random and mutated inputs
 * from a deterministic generator. Under ASan/UBSan this finds the memory errors libFuzzer would
 * find on the same inputs; build with clang -fsanitize=fuzzer (and without this file) for
 * coverage-guided runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 10000;
    uint8_t buf[4096];
    for (size_t i = 0; i < fuzz_seed_count; i++)
        LLVMFuzzerTestOneInput((const uint8_t *)fuzz_seeds[i].data, fuzz_seeds[i].len);
    for (long it = 0; it < iterations; it++) {
        size_t len;
        if (fuzz_seed_count && (rng() & 1)) {
            /* mutate a seed: flip, insert and truncate a few bytes */
            const fuzz_seed *seed = &fuzz_seeds[rng() % fuzz_seed_count];
            len = seed->len < sizeof buf ? seed->len : sizeof buf;
            memcpy(buf, seed->data, len);
            int edits = 1 + (int)(rng() % 4);
            for (int e = 0; e < edits && len; e++) {
                size_t at = rng() % len;
                switch (rng() % 3) {
                case 0: buf[at] = (uint8_t)rng(); break;
                case 1: buf[at] ^= (uint8_t)(1u << (rng() % 8)); break;
                case 2: len = at + 1; break;
                }
            }
        } else {
            len = rng() % 600;
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)rng();
        }
        /* Hand the target an exactly-sized heap copy so ASan catches any over-read. */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        LLVMFuzzerTestOneInput(copy, len);
        free(copy);
    }
    printf("%ld inputs, no crash\n", iterations + (long)fuzz_seed_count);
    return 0;
}

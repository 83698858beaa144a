/* The Kafka placement event codec (server/cluster/event.c): what one placed writes, every
 * consumer reads back exactly, and nothing a broken or foreign message holds makes a decoder
 * read out of bounds or accept garbage. */
#include <stdlib.h>

#include "event.h"
#include "test.h"

static event sample(void)
{
    event e;
    memset(&e, 0, sizeof e);
    e.seq = 0x0102030405060708ull;
    e.time_ms = 1795807335818;
    e.x = 1999;
    e.y = 65535;
    e.color = 15;
    memcpy(e.user_id, "0123456789abcdef0123456789abcdef", 33);
    strcpy(e.username, "guest-01234567");
    return e;
}

static void roundtrip(void)
{
    event e = sample(), d;
    uint8_t buf[EVENT_MAX];
    size_t n = event_encode(&e, buf);
    CHECK_INT(n, EVENT_FIXED + strlen("guest-01234567"));
    CHECK_INT(event_decode(buf, n, &d), 0);
    CHECK(d.seq == e.seq);
    CHECK_INT(d.time_ms, e.time_ms);
    CHECK_INT(d.x, 1999);
    CHECK_INT(d.y, 65535);
    CHECK_INT(d.color, 15);
    CHECK_STR(d.user_id, e.user_id);
    CHECK_STR(d.username, "guest-01234567");
}

static void little_endian_layout(void)
{
    event e = sample();
    uint8_t buf[EVENT_MAX];
    event_encode(&e, buf);
    CHECK_INT(buf[0], EVENT_VERSION);
    CHECK_INT(buf[1], 15);
    CHECK_INT(buf[2] | buf[3] << 8, 1999);
    CHECK_INT(buf[6], 0x08); /* seq's lowest byte first */
    CHECK_INT(buf[13], 0x01);
    CHECK_INT(buf[54], strlen("guest-01234567"));
}

static void longest_name(void)
{
    event e = sample(), d;
    memset(e.username, 'z', BACKEND_NAME_MAX);
    e.username[BACKEND_NAME_MAX] = 0;
    uint8_t buf[EVENT_MAX];
    size_t n = event_encode(&e, buf);
    CHECK_INT(n, EVENT_MAX);
    CHECK_INT(event_decode(buf, n, &d), 0);
    CHECK_INT(strlen(d.username), BACKEND_NAME_MAX);
}

static void refuses_bad_input(void)
{
    event e = sample(), d;
    uint8_t buf[EVENT_MAX];
    size_t n = event_encode(&e, buf);
    for (size_t cut = 0; cut < n; cut++)
        CHECK_INT(event_decode(buf, cut, &d), -1); /* every truncation */
    buf[0] = EVENT_VERSION + 1;
    CHECK_INT(event_decode(buf, n, &d), -1); /* a version this build does not know */
    buf[0] = EVENT_VERSION;
    buf[1] = 16;
    CHECK_INT(event_decode(buf, n, &d), -1); /* not a palette index */
    buf[1] = 3;
    buf[22] = 'G';
    CHECK_INT(event_decode(buf, n, &d), -1); /* a user id that is not hex */
    buf[22] = '0';
    buf[EVENT_FIXED] = '\t';
    CHECK_INT(event_decode(buf, n, &d), -1); /* a tab would break the history's COPY */
    buf[EVENT_FIXED] = 'g';
    CHECK_INT(event_decode(buf, n, &d), 0);
    buf[54] = BACKEND_NAME_MAX + 1;
    uint8_t big[EVENT_MAX + 8];
    memcpy(big, buf, n);
    CHECK_INT(event_decode(big, sizeof big, &d), -1); /* a name longer than usernames get */
}

static void random_bytes_never_crash(void)
{
    /* run under ASan (labels "asan"): any out-of-bounds read fails the test */
    srand(7);
    event d;
    int accepted = 0;
    for (int i = 0; i < 200000; i++) {
        size_t len = (size_t)(rand() % (EVENT_MAX + 4));
        uint8_t *b = malloc(len ? len : 1);
        for (size_t j = 0; j < len; j++)
            b[j] = (uint8_t)rand();
        if (len > 1 && i % 2)
            b[0] = EVENT_VERSION; /* half of them get past the version check */
        if (len >= EVENT_FIXED && i % 4 == 1) {
            /* and some look like real events apart from the random fields */
            b[1] &= 0x0f;
            for (size_t j = 22; j < 22 + BACKEND_ID_LEN; j++)
                b[j] = (uint8_t)"0123456789abcdef"[b[j] & 15];
            b[54] = (uint8_t)(len - EVENT_FIXED);
            for (size_t j = EVENT_FIXED; j < len; j++)
                b[j] = (uint8_t)('a' + b[j] % 26);
        }
        if (event_decode(b, len, &d) == 0) {
            accepted++;
            CHECK(d.color < 16);
            CHECK(strlen(d.username) <= BACKEND_NAME_MAX);
            CHECK(strspn(d.username, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
                  strlen(d.username));
            CHECK_INT(strspn(d.user_id, "0123456789abcdef"), BACKEND_ID_LEN);
        }
        free(b);
    }
    CHECK(accepted > 0);
}

TEST_MAIN(TEST(roundtrip), TEST(little_endian_layout), TEST(longest_name), TEST(refuses_bad_input),
          TEST(random_bytes_never_crash))

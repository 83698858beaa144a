/* Helpers every server module needs: the clocks in ms and random hex identifiers. */
#ifndef PLACE_SERVER_UTIL_H
#define PLACE_SERVER_UTIL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds since the Unix epoch (the protocol's time unit). */
static inline int64_t util_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds of a clock that never jumps, for ages and timeouts. */
static inline int64_t util_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes 2*nbytes lowercase hex characters of fresh randomness and a NUL into out.
 * sodium_init() must have run. */
static inline void util_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof buf)
        nbytes = sizeof buf;
    randombytes_buf(buf, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
}

#endif

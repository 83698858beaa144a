/* Failed-attempt throttling with growing delays, by key (an address's budget key, an account
 * name): the first `free` failures within the memory window cost nothing; each one after that
 * makes the key wait base_ms, then twice that, and so on up to max_ms, before it may try again.
 * A key is forgotten forget_ms after its last failure, or at once by throttle_clear (a
 * successful login clears its account). The table holds at most max_keys keys: beyond that the
 * one whose last failure is oldest is forgotten, so a flood of distinct keys costs bounded
 * memory.
 *
 * Pure and time-injected (no clock, no I/O): unit-tested in tests/unit/test_throttle.c. */
#ifndef PLACE_SERVER_THROTTLE_H
#define PLACE_SERVER_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define THROTTLE_KEY_MAX 64

typedef struct throttle throttle;

/* A new table, or NULL when out of memory. */
throttle *throttle_new(size_t max_keys, unsigned free, int64_t base_ms, int64_t max_ms,
                       int64_t forget_ms);
/* Frees it (accepts NULL). */
void throttle_free(throttle *t);

/* How long (ms) key must still wait before its next attempt at time now; 0 if it may try. */
int64_t throttle_wait(throttle *t, const char *key, int64_t now);

/* Records a failed attempt of key at now. Returns the wait it now has (ms; 0 while free). */
int64_t throttle_fail(throttle *t, const char *key, int64_t now);

/* Forgets key's failures. */
void throttle_clear(throttle *t, const char *key);

/* Keys held now. */
size_t throttle_count(const throttle *t);

#endif

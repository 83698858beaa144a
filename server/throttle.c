/* Failed-attempt throttling (see throttle.h). */
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <uthash.h>

typedef struct entry {
    char key[THROTTLE_KEY_MAX];
    unsigned fails;
    int64_t last;    /* the last failure */
    int64_t next_ok; /* no attempt before this */
    struct entry *prev, *next; /* by last failure, oldest first */
    UT_hash_handle hh;
} entry;

struct throttle {
    entry *table;
    entry *oldest, *newest;
    size_t count, max_keys;
    unsigned free;
    int64_t base_ms, max_ms, forget_ms;
};

throttle *throttle_new(size_t max_keys, unsigned free, int64_t base_ms, int64_t max_ms,
                       int64_t forget_ms)
{
    throttle *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->max_keys = max_keys ? max_keys : 1;
    t->free = free;
    t->base_ms = base_ms;
    t->max_ms = max_ms;
    t->forget_ms = forget_ms;
    return t;
}

static void unlink_entry(throttle *t, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        t->oldest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        t->newest = e->prev;
    e->prev = e->next = NULL;
}

static void drop(throttle *t, entry *e)
{
    unlink_entry(t, e);
    HASH_DEL(t->table, e);
    t->count--;
    free(e);
}

void throttle_free(throttle *t)
{
    if (!t)
        return;
    while (t->oldest)
        drop(t, t->oldest);
    free(t);
}

/* The live entry of key (an expired one is forgotten first), or NULL. */
static entry *find(throttle *t, const char *key, int64_t now)
{
    entry *e;
    HASH_FIND_STR(t->table, key, e);
    if (e && now - e->last >= t->forget_ms && now >= e->next_ok) {
        drop(t, e);
        e = NULL;
    }
    return e;
}

int64_t throttle_wait(throttle *t, const char *key, int64_t now)
{
    entry *e = find(t, key, now);
    return e && e->next_ok > now ? e->next_ok - now : 0;
}

int64_t throttle_fail(throttle *t, const char *key, int64_t now)
{
    entry *e = find(t, key, now);
    if (!e) {
        while (t->count >= t->max_keys && t->oldest)
            drop(t, t->oldest);
        if (!(e = calloc(1, sizeof *e)))
            return 0; /* out of memory: this failure goes uncounted */
        snprintf(e->key, sizeof e->key, "%s", key);
        HASH_ADD_STR(t->table, key, e);
        t->count++;
    } else {
        unlink_entry(t, e);
    }
    e->prev = t->newest;
    if (t->newest)
        t->newest->next = e;
    else
        t->oldest = e;
    t->newest = e;
    e->last = now;
    if (e->fails < 64)
        e->fails++;
    if (e->fails <= t->free)
        return 0;
    unsigned doublings = e->fails - t->free - 1;
    int64_t delay = t->base_ms;
    while (doublings-- && delay < t->max_ms)
        delay *= 2;
    if (delay > t->max_ms)
        delay = t->max_ms;
    e->next_ok = now + delay;
    return delay;
}

void throttle_clear(throttle *t, const char *key)
{
    entry *e;
    HASH_FIND_STR(t->table, key, e);
    if (e)
        drop(t, e);
}

size_t throttle_count(const throttle *t)
{
    return t->count;
}

/* The cluster's people as this process last saw them: users and sessions, in memory, on the loop
 * thread. Redis holds the truth (rstore.h); this cache only lets the connected players keep their
 * identity while Redis is down (their placements are then refused with UNAVAILABLE, and viewing
 * and broadcasts go on). It is the cluster's counterpart of the embedded store's people.h, and
 * like it knows nothing of storage: tests/unit/test_people_cache.c drives it alone.
 *
 * Bounded: past `max` users (or sessions) the memory of them starts over. */
#ifndef PLACE_SERVER_CLUSTER_PEOPLE_CACHE_H
#define PLACE_SERVER_CLUSTER_PEOPLE_CACHE_H

#include <stddef.h>

#include "backend.h"

typedef struct people_cache people_cache;

people_cache *people_cache_new(size_t max);
void people_cache_free(people_cache *pc);

/* Remembers (or refreshes) a user as Redis answered it. */
void people_cache_put_user(people_cache *pc, const backend_user *u);
/* The remembered user id: 0, or -1 when it is not known. */
int people_cache_user(people_cache *pc, const char *id, backend_user *out);
/* Forgets a user whose record changed elsewhere (a ban, an unban, a grant). */
void people_cache_drop_user(people_cache *pc, const char *id);

/* Remembers that session token belongs to user id. */
void people_cache_put_session(people_cache *pc, const char *token, const char *id);
/* The remembered user of session token: 0, or -1 when the session or its user is not known. */
int people_cache_session_user(people_cache *pc, const char *token, backend_user *out);
void people_cache_drop_session(people_cache *pc, const char *token);

#endif

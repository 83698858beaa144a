/* The embedded store's people, in memory: users (with their cooldown reservation and the
 * addresses they used), sessions, the guest LRU, and what the store keeps per address (its
 * cooldown, its budgets' windows, the banned blocks).
 *
 * Everything here belongs to the loop thread and knows nothing of SQLite or of the writer:
 * whatever must reach the disk is handed to a people_io (store_sqlite.c turns each call into a
 * write operation for the writer, store_writer.c). The clock is a parameter (`now`, ms since the
 * epoch), so tests/unit/test_people.c drives it all without a database or a loop.
 *
 * Guests cost nothing on disk until they do something worth keeping: a guest user and its
 * session live only here (on an LRU list, at most max_guests of them, and at most
 * max_guests_per_addr per address) until the guest places a pixel, registers or is named by an
 * admin act; then both are written. */
#ifndef PLACE_SERVER_PEOPLE_H
#define PLACE_SERVER_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define PEOPLE_SESSION_PERSIST_MS (3600LL * 1000) /* how stale a stored session expiry may get */

typedef struct people people;
typedef struct people_user people_user;

/* What the people write: each call queues one change (0, or -1 when it could not be queued).
 * The changes of one backend call are committed together by the caller. */
typedef struct people_io {
    void *arg;
    /* the user's whole record (users table); `reason` is its ban's reason or "" */
    int (*put_user)(void *arg, const char *id, const char *name, const char *pwhash, int is_guest,
                    int is_admin, int is_banned, int64_t banned_until, const char *reason);
    int (*put_session)(void *arg, const char *token, const char *user_id, int64_t expires);
    int (*del_session)(void *arg, const char *token);
    int (*put_user_addr)(void *arg, const char *user_id, const char *addr, int64_t seen);
    int (*put_ban)(void *arg, const backend_addr_ban *ban);
    int (*del_ban)(void *arg, const backend_addr_ban *ban);
} people_io;

typedef struct people_config {
    int cooldown_ms;
    backend_cooldown_scope scope;
    size_t max_guests;          /* unstored guests in all */
    size_t max_guests_per_addr; /* unstored guests of one address bucket */
} people_config;

people *people_new(const people_config *cfg, const people_io *io);
void people_free(people *p);
/* The cooldown of placements from now on (placed --set cooldown=); reservations already made
 * keep their end. */
void people_set_cooldown(people *p, int cooldown_ms);

/* ---- loading what the database holds (before the store opens) */

/* A stored user; `last_place` (ms, 0: never) restarts its cooldown. Returns 0 or -1. */
int people_load_user(people *p, const char *id, const char *name, const char *pwhash,
                     int is_guest, int is_admin, int is_banned, int64_t banned_until,
                     const char *reason, int64_t last_place, int64_t now);
/* A stored session of a loaded user (ignored otherwise). Returns 0, or -1 out of memory. */
/* A placement by user_id at time_ms found in the stored history: the user's cooldown runs from
 * it if that is later than what it runs from already. */
void people_load_last_place(people *p, const char *user_id, int64_t time_ms, int64_t now);
int people_load_session(people *p, const char *token, const char *user_id, int64_t expires);
/* One of a loaded user's addresses; call them most recent first. */
void people_load_user_addr(people *p, const char *user_id, const char *addr, int64_t seen);
int people_load_ban(people *p, const backend_addr_ban *ban);

/* ---- the backend's calls (backend.h says what each means) */

/* Checks the ban and the cooldowns; on success reserves the cooldown (a guest's first pixel
 * also writes the guest) and returns PLACE_ERR_NONE with r->next_placement and the reservation
 * it replaced in *prev_next (for people_place_undo). Otherwise r says the refusal. */
place_err people_place(people *p, const char *user_id, const char *addr, int64_t now,
                       backend_place_result *r, int64_t *prev_next);
/* A placement was not stored: its cooldown was not spent. */
void people_place_undo(people *p, const char *user_id, int64_t next_placement, int64_t prev_next);

int people_session_get(people *p, const char *token, int64_t now, backend_user *out);
int people_session_new(people *p, const char *user_id, int64_t now,
                       char token[BACKEND_TOKEN_LEN + 1]);
int people_session_new_guest(people *p, const char *addr, int64_t now,
                             char token[BACKEND_TOKEN_LEN + 1], backend_user *out);
void people_session_revoke(people *p, const char *token);
/* A session's write failed: `drop` (a new session) forgets it, otherwise it is written again at
 * its next use. */
void people_session_unsaved(people *p, const char *token, int drop);

int people_user_get(people *p, const char *user_id, int64_t now, backend_user *out);
/* Returns PLACE_ERR_NONE (with *fresh: a new user rather than the guest made a player),
 * PLACE_ERR_USERNAME_TAKEN or -1. The user's record is the first change it writes. */
int people_register(people *p, const char *guest_id, const char *name, const char *pwhash,
                    int64_t now, backend_user *out, int *fresh);
/* A user's write failed: it is written again at the next chance; a registration's (`name`) is
 * taken back (a fresh user goes, with any session a racing login gave it; a guest stays one). */
void people_user_unsaved(people *p, const char *user_id, const char *name, int is_register,
                         int fresh);
int people_credentials(people *p, const char *name, int64_t now, backend_user *out,
                       char pwhash[BACKEND_HASH_MAX + 1]);

/* What an admin act changed, for the sink. */
typedef struct people_admin_out {
    char banned[BACKEND_ID_LEN + 1];   /* a user banned, or "" */
    char unbanned[BACKEND_ID_LEN + 1]; /* a user unbanned, or "" */
    int bans_changed;                  /* the address bans changed */
} people_admin_out;

/* A user act (GRANT, REVOKE, BAN, UNBAN), or an address act with its block already in normal
 * form in `cidr`. Returns PLACE_ERR_NONE, PLACE_ERR_NOT_FOUND or -1, with a sentence in err. */
int people_admin(people *p, const backend_admin_req *q, const char *cidr, int64_t now, char *err,
                 size_t errcap, people_admin_out *o);
const backend_addr_ban *people_bans(const people *p, size_t *n);

void people_addr_seen(people *p, const char *user_id, const char *addr, int64_t now);
int people_addr_budget(people *p, backend_budget kind, const char *addr, int limit, int64_t now,
                       int64_t *retry_ms);

/* Forgets every expired session, and every address with nothing running any more. */
void people_sweep(people *p, int64_t now);
/* Writes every stored session's exact expiry (a clean stop). */
void people_persist_expiries(people *p);

#endif

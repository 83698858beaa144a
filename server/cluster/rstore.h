/* One connection to Redis (hiredis, blocking) with reconnection and the cluster's Lua scripts.
 *
 * Each thread that talks to Redis owns its own rstore: the loop thread for the quick calls
 * backend.h allows there (sessions, users), the placer thread for placements. A call on a
 * connection that is down tries to reconnect at most every RSTORE_RETRY_MS and otherwise fails
 * at once, so a dead Redis never stalls the caller for longer than one connect timeout.
 *
 * Every key lives under the hash tag "{place}:" so that all of them fall in one Redis Cluster
 * slot and one script may touch them together. */
#ifndef PLACE_CLUSTER_RSTORE_H
#define PLACE_CLUSTER_RSTORE_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#define RSTORE_PREFIX "{place}:"
#define RSTORE_RETRY_MS 250

typedef enum rstore_sid {
    RS_PLACE,       /* ban + cooldown check, pixel write, sequence: one atomic step */
    RS_SNAPSHOT,    /* canvas bytes, seq, width, height and Redis's clock read together */
    RS_RESIZE,      /* sets the canvas size (and grown bytes) if nothing changed meanwhile */
    RS_SESSION_GET, /* token -> user record, extending the session's life */
    RS_USER_GET,    /* id -> user record */
    RS_CREDENTIALS, /* username -> user record + password hash */
    RS_REGISTER,    /* claims a username, turning a guest into the registered user */
    RS_ADMIN,       /* an admin act on a user by name or id; a ban may ban its addresses */
    RS_ADDR_SEEN,   /* remembers an address a user came from */
    RS_REVOKE,      /* drops one session */
    RS_NEW_SESSION, /* a session for a user, making the user first when it is a new guest */
    RS_BUDGET,      /* counts one event against a per-address budget per hour */
    RS_ONLINE,      /* this process's players online: changes, heartbeat, the cluster's count */
    RS_ADMIN_PLACE, /* an admin act's pixel: written if it still has the colour the act saw */
    RS_COUNT_
} rstore_sid;

typedef struct rstore rstore;

/* A connection to addr ("host:port" or a unix socket path) with timeout_ms for connecting and
 * for each reply. It connects lazily. Returns NULL only when out of memory or addr is bad. */
rstore *rstore_new(const char *addr, int timeout_ms);

/* Closes the connection and frees r. Accepts NULL. */
void rstore_free(rstore *r);

/* Runs one command. Returns the reply (the caller frees it with freeReplyObject), or NULL when
 * Redis cannot be reached or the connection broke (it is dropped and retried later). */
redisReply *rstore_cmd(rstore *r, int argc, const char **argv, const size_t *lens);

/* Runs a script by EVALSHA (falling back to EVAL when Redis does not know it yet): argv holds
 * nkeys keys and then the arguments. Same result contract as rstore_cmd. */
redisReply *rstore_script(rstore *r, rstore_sid s, int nkeys, int argc, const char **argv,
                          const size_t *lens);

/* Pipelining, for the placer: queue n script calls, then read their replies in order.
 * rstore_pipe_begin returns 0, or -1 when Redis cannot be reached. */
int rstore_pipe_begin(rstore *r);
/* Queues a script call (EVALSHA). Returns 0 or -1. */
int rstore_pipe_script(rstore *r, rstore_sid s, int nkeys, int argc, const char **argv,
                       const size_t *lens);
/* The next reply, or NULL when the connection broke (then every later reply is NULL too). A
 * NOSCRIPT error reply is returned as is: the caller resubmits that call with rstore_script. */
redisReply *rstore_pipe_reply(rstore *r);

/* 1 if the connection is up now. */
int rstore_up(const rstore *r);

/* Element i of an array reply (a script's answer) as a number: an integer reply as it is, a
 * string reply parsed (Lua numbers may come back as either), anything else or past the end 0. */
long long rstore_num_at(const redisReply *r, size_t i);

#endif

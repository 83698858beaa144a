/* The store behind placed: where placements, users, sessions and bans live.
 *
 * The server core (ws.c, http.c, auth.c) talks only to this interface, so the embedded store
 * (store_sqlite.c: SQLite, its writer thread in store_writer.c, cooldowns and sessions in memory
 * in people.c) and cluster mode (server/cluster/: Redis + Kafka + PostgreSQL) are
 * interchangeable. A backend is opened with the loop it runs on
 * and a sink through which it reports committed placements; every callback and sink call happens
 * on that loop's thread.
 *
 * Rules every implementation keeps:
 *  - place(): the result callback runs exactly once, on the loop thread. It may run before
 *    place() returns (an immediate refusal such as COOLDOWN or BANNED); a success is reported
 *    only once the placement is durable, so an acknowledged placement survives kill -9.
 *  - sink.on_pixels() receives every committed placement exactly once, in ascending seq, on the
 *    loop thread (in cluster mode: every process's placements, so each process can broadcast).
 *  - The synchronous calls (sessions, users, admin) run on the loop thread and must be quick
 *    (memory, or a loopback round trip at most); password hashing never happens here (auth.c does
 *    it on a worker thread and passes the hash).
 *  - Every change a caller answers as done has a completion (backend_done_cb): it runs exactly
 *    once on the loop thread, possibly before the call returns, with 0 once the change is durable
 *    (embedded: committed to the database; cluster: applied by Redis) or PLACE_ERR_UNAVAILABLE if
 *    it could not be stored (disk full), in which case nothing of it survives a restart. Nothing
 *    may be answered as done before that. A completion is not called when the call itself fails.
 *  - Functions return 0 (PLACE_ERR_NONE) on success; where a protocol error is the natural
 *    answer they return that place_err value, otherwise a negative number.
 */
#ifndef PLACE_SERVER_BACKEND_H
#define PLACE_SERVER_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <uv.h>

#include "place/proto.h"

#include "canvas.h"
#include "snapshot.h"
#include "config.h"

#define BACKEND_ID_LEN 32      /* user ids: 32 lowercase hex characters */
#define BACKEND_TOKEN_LEN 64   /* session tokens: 64 lowercase hex characters (256 bits) */
#define BACKEND_NAME_MAX 32    /* usernames: 3..32 of A-Z a-z 0-9 _ - ; guests are "guest-xxxxxxxx" */
#define BACKEND_HASH_MAX 128   /* an argon2id string from crypto_pwhash_str */
#define BACKEND_HISTORY_MAX 50 /* most placements /api/v1/pixel returns */
#define BACKEND_REASON_MAX 120 /* a ban's reason, as the admin wrote it */
#define BACKEND_CIDR_MAX 64    /* an address block as text: "2001:db8::/64" */
#define BACKEND_ADDRS_PER_USER 8 /* the addresses kept per account, most recent first */
#define BACKEND_SESSION_TTL_MS (24LL * 3600 * 1000)
#define BACKEND_BUDGET_WINDOW_MS (3600LL * 1000) /* the window of the per-address budgets */
#define BACKEND_ONLINE_UNKNOWN (-2) /* online_sync: the store does not know this process */

/* Whose cooldown a placement from an address also waits for (--cooldown-scope). Every
 * placement starts its account's cooldown and, unless ACCOUNT, its address's too. */
typedef enum backend_cooldown_scope {
    BACKEND_SCOPE_ACCOUNT, /* one cooldown per account only (a new guest starts over) */
    BACKEND_SCOPE_GUESTS,  /* guests also wait for their address; registered accounts do not */
    BACKEND_SCOPE_ADDRESS, /* everyone also waits for their address */
} backend_cooldown_scope;

/* What a per-address budget counts (addr_budget). */
typedef enum backend_budget {
    BACKEND_BUDGET_GUEST,    /* new guests made for requests without a session */
    BACKEND_BUDGET_REGISTER, /* registrations */
} backend_budget;

typedef struct backend_user {
    char id[BACKEND_ID_LEN + 1];
    char name[BACKEND_NAME_MAX + 1];
    int is_guest;
    int is_admin;
    int is_banned;          /* banned now (a timed ban that ran out is no ban) */
    int64_t banned_until;   /* is_banned: ms since the epoch the ban ends; 0: never */
    char ban_reason[BACKEND_REASON_MAX + 1]; /* is_banned: the admin's words, or "" */
    int64_t next_placement; /* ms since the epoch from which the user may place; 0: now */
} backend_user;

/* A banned address block. A ban that comes from an account's ban (the addresses it used)
 * holds for guests only, so the registered players behind the same address go on. */
typedef struct backend_addr_ban {
    char cidr[BACKEND_CIDR_MAX];
    int64_t until; /* ms since the epoch; 0: never */
    int guests_only;
    char user_id[BACKEND_ID_LEN + 1]; /* the banned account it comes from, or "" */
    char reason[BACKEND_REASON_MAX + 1];
} backend_addr_ban;

/* One live setting as the store keeps it (placed --set, --freeze): a key and its text. The
 * server core (live.c) gives them meaning; the store only keeps them, applies `cooldown` to its
 * own cooldown check (set_cooldown) when told, and hands them back. */
#define BACKEND_SETTING_KEY_MAX 32
#define BACKEND_SETTING_VALUE_MAX (BACKEND_REASON_MAX + 8)
#define BACKEND_SETTINGS_MAX 16 /* keys the store keeps at most */
typedef struct backend_setting {
    char key[BACKEND_SETTING_KEY_MAX];
    char value[BACKEND_SETTING_VALUE_MAX]; /* "" in a change: forget the key */
} backend_setting;

typedef struct backend_place_result {
    place_err err;          /* PLACE_ERR_NONE: stored durably */
    uint64_t seq;           /* on success */
    int64_t next_placement; /* on success and COOLDOWN */
    int64_t retry_after_ms; /* COOLDOWN: ms to wait; -1 otherwise */
} backend_place_result;

typedef void (*backend_place_cb)(void *arg, const backend_place_result *r);

/* rc: 0 once durable, or PLACE_ERR_UNAVAILABLE (see the rules above). */
typedef void (*backend_done_cb)(void *arg, int rc);

typedef struct backend_history_entry {
    uint64_t seq;
    char user_id[BACKEND_ID_LEN + 1];
    char username[BACKEND_NAME_MAX + 1];
    int color;
    int64_t time_ms;
} backend_history_entry;

/* rc: 0, or a negative number when the history could not be read. e[0..n) newest first. */
typedef void (*backend_history_cb)(void *arg, int rc, const backend_history_entry *e, size_t n);

/* How a backend reaches the server core. Called on the loop thread only. */
typedef struct backend_sink {
    void *arg;
    /* Committed placements in ascending seq, each exactly once. */
    void (*on_pixels)(void *arg, const place_pixel *px, size_t n);
    /* A user was banned (sessions are kept, so that the user's clients come back as the same
     * banned viewer rather than as a fresh guest): the core tells their sockets BANNED and
     * closes them at once. In cluster mode every process hears it. */
    void (*on_banned)(void *arg, const char *user_id);
    /* A user's ban was lifted: the core sends the sockets it told `banned` away (1001) to come
     * back as a player. In cluster mode every process hears it. */
    void (*on_unbanned)(void *arg, const char *user_id);
    /* A session ended (logout, or replaced by a login): the core closes its sockets at once.
     * In cluster mode every process hears it. */
    void (*on_session_ended)(void *arg, const char *token);
    /* The banned address blocks, all of them (after any change, and once at start): the core
     * keeps this copy, refuses placements and new guests from them, and closes the sockets
     * it now covers. */
    void (*on_addr_bans)(void *arg, const backend_addr_ban *bans, size_t n);
    /* Cluster mode: committed placements that reached this process after their seq had been
     * given up as a hole (--hole-ms), so on_pixels never had them. Not in seq order; the core
     * tells its viewers to resync (their next snapshot, read from the shared canvas, has them).
     * May be NULL. */
    void (*on_late)(void *arg, const place_pixel *px, size_t n);
    /* The stored live settings, all of them: once while the backend opens, and after any change
     * (in cluster mode every process hears it, and again after its notifications reconnect).
     * May be NULL. */
    void (*on_settings)(void *arg, const backend_setting *kv, size_t n);
} backend_sink;

typedef enum backend_admin_op {
    BACKEND_ADMIN_GRANT,
    BACKEND_ADMIN_REVOKE,
    BACKEND_ADMIN_BAN,
    BACKEND_ADMIN_UNBAN,
    BACKEND_ADMIN_BAN_ADDR,
    BACKEND_ADMIN_UNBAN_ADDR,
    BACKEND_ADMIN_SETTINGS, /* store settings[0..nsettings) together (live.h checked them) */
} backend_admin_op;

/* One admin act. User acts name the user by exactly one of name (a registered username) and
 * id (a user id): never guessed from one string, so a decoy account named like someone's id
 * cannot redirect a ban. */
typedef struct backend_admin_req {
    backend_admin_op op;
    const char *name;       /* or NULL */
    const char *id;         /* or NULL */
    const char *addr;       /* BAN_ADDR, UNBAN_ADDR: an address or block ("10.0.0.0/8") */
    int64_t until;          /* BAN, BAN_ADDR: ms since the epoch the ban ends; 0: never */
    const char *reason;     /* BAN, BAN_ADDR: or NULL */
    int64_t addr_window_ms; /* BAN: also ban (for guests) the addresses the account used
                             * within this long before now; 0: none */
    const backend_setting *settings; /* SETTINGS: the keys to store (a value "": forget it) */
    size_t nsettings;
    /* or NULL: the act's audit row, written with it (embedded: in the act's own transaction,
     * so both are durable or neither is; cluster: in Redis right after the act) */
    const struct backend_audit_row *audit;
} backend_admin_req;

/* One row of the audit log: an admin act, kept in the store (embedded: the audit table of
 * place.db; cluster: the Redis list {place}:audit), never lost with a restart. */
#define BACKEND_AUDIT_WHO_MAX 64
#define BACKEND_AUDIT_ACT_MAX 16
#define BACKEND_AUDIT_WHAT_MAX 240
typedef struct backend_audit_row {
    int64_t time_ms; /* when, ms since the epoch */
    /* which admin: "os:NAME" (the OS user on the control socket, SO_PEERCRED, or running the
     * command when no server runs) or "account:NAME" (an admin account, e.g. the browser) */
    char who[BACKEND_AUDIT_WHO_MAX + 1];
    /* the act: ban, unban, grant, revoke, ban-ip, unban-ip, revert, wipe, restore, freeze,
     * unfreeze, set */
    char act[BACKEND_AUDIT_ACT_MAX + 1];
    char what[BACKEND_AUDIT_WHAT_MAX + 1]; /* the target and arguments, as a person reads them */
    int64_t pixels; /* pixels the act changed; -1 for an act on no pixel */
} backend_audit_row;
/* Appended to `what` of a pixel act's row while the act is under way (mod_place). */
#define BACKEND_AUDIT_UNDER_WAY " -- under way (if this stays, the act stopped before its end)"

/* row as it is put down before an act's first pixel: what + BACKEND_AUDIT_UNDER_WAY, pixels
 * -1. */
static inline void backend_audit_under_way(backend_audit_row *row)
{
    size_t len = strlen(row->what), add = sizeof BACKEND_AUDIT_UNDER_WAY - 1;
    if (len + add > BACKEND_AUDIT_WHAT_MAX)
        len = BACKEND_AUDIT_WHAT_MAX - add;
    memcpy(row->what + len, BACKEND_AUDIT_UNDER_WAY, add + 1);
    row->pixels = -1;
}

/* Pixel acts of admins (moderate.h): what the history says a set of pixels is to become. */
typedef enum backend_plan_kind {
    BACKEND_PLAN_REVERT,  /* every pixel whose current placement is user_id's (since since_ms) */
    BACKEND_PLAN_RESTORE, /* the rectangle as it was at at_ms */
} backend_plan_kind;

typedef struct backend_plan_req {
    backend_plan_kind kind;
    char user_id[BACKEND_ID_LEN + 1]; /* REVERT */
    int64_t since_ms;                 /* REVERT: placements before it are not reverted */
    uint32_t x, y, w, h;              /* RESTORE: the rectangle (inside the canvas) */
    int64_t at_ms;                    /* RESTORE */
} backend_plan_req;

/* One pixel of a plan: the colour (x, y) is to get, and the colour it has now as far as the plan
 * knows (the history's; BACKEND_PLAN_ANY: whatever it is, e.g. a wipe). */
typedef struct backend_plan_px {
    uint16_t x, y;
    uint8_t color;
    uint8_t from;
} backend_plan_px;
#define BACKEND_PLAN_ANY 0xff

/* rc 0 and px[0..n) (malloc'd, the callee frees it; may be NULL when n is 0), or rc < 0 when the
 * history could not be read. REVERT: the colour each pixel had before the user's placements
 * (the latest placement at it by anyone else, or by the user before since_ms; white if none).
 * RESTORE: each pixel of the rectangle, the colour of its latest placement with time <= at_ms
 * (white if none). */
typedef void (*backend_plan_cb)(void *arg, int rc, backend_plan_px *px, size_t n);

/* A chunk of admin placements: rc 0 once durable (then `placed` pixels of it were placed, the
 * highest seq among them last_seq (0: none); the others were skipped because a player placed
 * there since mod_begin), or PLACE_ERR_UNAVAILABLE. */
typedef void (*backend_mod_cb)(void *arg, int rc, size_t placed, uint64_t last_seq);

/* The user id that marks the placements of one admin act: BACKEND_ACT_ID_PREFIX, two hex
 * digits of the kind (BACKEND_ACT_*) and eight of the act's number; its shown name is
 * "admin-<kind>-<number>" (account_act_name). */
#define BACKEND_ACT_ID_PREFIX "0000000000000000000000"
enum { BACKEND_ACT_REVERT = 1, BACKEND_ACT_WIPE = 2, BACKEND_ACT_RESTORE = 3 };

typedef struct backend backend;

typedef struct backend_ops {
    const char *name; /* "embedded", "cluster" */

    /* The canvas as it is now: *bits is a malloc'd packed bitmap of (*w, *h) the caller frees;
     * *seq the last placement it contains. If the stored canvas is smaller than cfg's
     * width/height it is grown first (content kept); if larger, returns -1 with a sentence in
     * err ("the stored canvas is 2000x2000; refusing to shrink it to 100x100"). */
    int (*load_canvas)(backend *b, uint8_t **bits, uint32_t *w, uint32_t *h, uint64_t *seq,
                       char *err, size_t errcap);

    /* Submits a placement by user_id from the address bucket addr (peer_bucket; already
     * range-checked by the caller). Checks the ban and the cooldowns (the account's and, by
     * --cooldown-scope, the address's), numbers it, stores it, and starts both cooldowns;
     * cb(arg, result) follows exactly once. Returns 0, or a negative number if it could not
     * even be submitted (cb will not run). */
    int (*place)(backend *b, const char *user_id, const char *addr, uint32_t x, uint32_t y,
                 int color, backend_place_cb cb, void *arg);

    /* The user behind a live session token (and extends the session's life). Returns 0, or -1
     * for an unknown, expired or revoked token. */
    int (*session_get)(backend *b, const char *token, backend_user *out);
    /* A new guest user with a new session, made for a request from the address bucket addr:
     * token gets 64 hex chars + NUL. Unless --cooldown-scope is account, the guest starts with
     * the address's cooldown (a logged-out player is a guest of the same address). Returns 0
     * or < 0. */
    int (*session_new_guest)(backend *b, const char *addr, char token[BACKEND_TOKEN_LEN + 1],
                             backend_user *out);
    /* A new session for an existing user: token is filled at once, and done(arg, rc) follows
     * once it is durable (a session that could not be stored is forgotten again). Returns 0, or
     * < 0 (done will not run). */
    int (*session_new)(backend *b, const char *user_id, char token[BACKEND_TOKEN_LEN + 1],
                       backend_done_cb done, void *arg);
    /* Revokes a session at once (unknown tokens are ignored); done (may be NULL) follows once
     * the revocation is durable. */
    void (*session_revoke)(backend *b, const char *token, backend_done_cb done, void *arg);

    /* The user with this id. Returns 0 or -1 if unknown. */
    int (*user_get)(backend *b, const char *user_id, backend_user *out);
    /* Registers `name` with an argon2id hash. If guest_id names a guest, that guest becomes the
     * registered user (same id, same cooldown); else a new user is made. Returns
     * PLACE_ERR_NONE and fills *out, then done(arg, rc) follows (a registration that could not
     * be stored is undone: the name is free again); or PLACE_ERR_USERNAME_TAKEN,
     * PLACE_ERR_UNAVAILABLE or a negative number, and done will not run. */
    int (*user_register)(backend *b, const char *guest_id, const char *name, const char *pwhash,
                         backend_user *out, backend_done_cb done, void *arg);
    /* A registered user's record and password hash, for login. Returns PLACE_ERR_NONE or
     * PLACE_ERR_BAD_CREDENTIALS when no such registered user exists. */
    int (*user_credentials)(backend *b, const char *name, backend_user *out,
                            char pwhash[BACKEND_HASH_MAX + 1]);
    /* Applies an admin act (see backend_admin_req): it takes effect at once, and done follows
     * once it is durable. A ban calls sink.on_banned (every process); an address ban or unban,
     * and a ban with addr_window_ms, call sink.on_addr_bans; SETTINGS calls sink.on_settings
     * (every process). Returns PLACE_ERR_NONE, or
     * PLACE_ERR_NOT_FOUND / PLACE_ERR_BAD_REQUEST / another error with a sentence in err (done
     * will not run). */
    int (*admin)(backend *b, const backend_admin_req *req, char *err, size_t errcap,
                 backend_done_cb done, void *arg);

    /* Appends a row to the audit log; done follows once it is durable (the same rules as any
     * change). Returns 0, or < 0 (done will not run). Callers use audit_record (audit.h). */
    int (*audit_add)(backend *b, const backend_audit_row *row, backend_done_cb done, void *arg);
    /* The cooldown from now on (placed --set cooldown=): placements taken after this call wait
     * ms (0: none); the waits already running keep their end. */
    void (*set_cooldown)(backend *b, int64_t ms);

    /* Remembers that user_id came from the address bucket addr (at most
     * BACKEND_ADDRS_PER_USER addresses per user, the most recent), for a later ban of the
     * account's addresses. */
    void (*addr_seen)(backend *b, const char *user_id, const char *addr);

    /* Counts one event of `kind` for the address bucket addr against `limit` per
     * BACKEND_BUDGET_WINDOW_MS (a window that starts with the address's first event). Returns
     * 0 when it fits (and counts it), 1 when the budget is spent (*retry_ms: until the window
     * ends), or < 0 when it cannot be checked (the caller refuses: UNAVAILABLE). */
    int (*addr_budget)(backend *b, backend_budget kind, const char *addr, int limit,
                       int64_t *retry_ms);

    /* The newest placements (at most `limit`) at (x, y); cb follows exactly once on the loop
     * thread. Returns 0, or < 0 if not submitted. */
    int (*history)(backend *b, uint32_t x, uint32_t y, int limit, backend_history_cb cb,
                   void *arg);

    /* Pixel acts (moderate.h), one at a time. plan() reads what the pixels are to become from
     * the history (a worker thread; cb once on the loop thread). Returns 0, or < 0 if not
     * submitted. */
    int (*plan)(backend *b, const backend_plan_req *q, backend_plan_cb cb, void *arg);
    /* From mod_begin to mod_end, every pixel a player's placement is submitted for (or
     * committed at, if it was in flight) is marked; mod_place() places px[0..n) as act_id,
     * skipping the marked pixels (a player painted there after the act began: theirs stays;
     * cluster mode: the pixels whose colour in Redis is no longer px.from),
     * without cooldowns or bans and counting against nobody: ordinary placements otherwise (new
     * seqs, in the history, sink.on_pixels). cb follows exactly once. Return 0, or < 0 (cb will
     * not run). */
    /* *sync_seq: the seq the live canvas must reach before the act reads it (cluster mode: the
     * newest in Redis, which this process hears through Kafka a moment later; 0: none). */
    /* `row` is the act's audit row (its pixels: those changed before this chunk), given with
     * every chunk. The first chunk (not also the last) puts it down marked under way
     * (backend_audit_under_way): embedded, in the chunk's own transaction; cluster, where a
     * chunk is many Redis scripts, in Redis before the chunk's first pixel (no row, no pixels).
     * `last`: this chunk ends the act, and the final row, its pixels counting this chunk's
     * too, replaces the one under way: embedded, in the chunk's own transaction (the act's
     * last pixels and its row are durable together, or neither is); cluster, in one script
     * once the chunk's pixels are in. A last chunk may have n 0 (just the row). */
    int (*mod_begin)(backend *b, uint64_t *sync_seq);
    int (*mod_place)(backend *b, const char *act_id, const backend_plan_px *px, size_t n,
                     const backend_audit_row *row, int last, backend_mod_cb cb, void *arg);
    void (*mod_end)(backend *b);

    /* Optional (NULL: snap_source_local, snapshots of cv, the canvas this process keeps). Where
     * snapshots are read from instead (snapshot.h): the shared canvas and its seq, read
     * together. The source lives apart from b (it is closed after b) and is read on a worker
     * thread. Returns NULL when out of memory. */
    snap_source *(*snapshot_source)(backend *b, uv_loop_t *loop, const canvas *cv);

    /* Optional (NULL: the players online are this process's; online.h). Cluster mode: tells
     * the shared store which players came to this process (add) and which left it (del) since
     * the previous call -- with full, add is every player here and del is empty -- keeps this
     * process's entry alive for ttl_ms, and drops the players of every process whose entry ran
     * out. Returns the number of distinct players across the live processes, or
     * BACKEND_ONLINE_UNKNOWN when the store does not know this process (its entry ran out, or
     * the store lost its data: call again with full), or -1 when the store cannot be reached.
     * A loopback round trip on the loop thread, once per ONLINE_PERIOD_MS. */
    int64_t (*online_sync)(backend *b, const char *const *add, size_t nadd,
                           const char *const *del, size_t ndel, int full, int64_t ttl_ms);

    /* Optional (NULL: the canvas this process keeps has every committed placement). The newest
     * seq this process has shown or acknowledged to anyone (cluster mode: the newest of what
     * its Kafka feed delivered and what its placer acknowledged, which can be ahead of its
     * canvas for a moment). Reads of the history answer at least up to it. Loop thread. */
    uint64_t (*seen_seq)(backend *b);

    /* Stops taking placements, finishes those in flight (their callbacks run before it
     * returns), flushes, and releases the backend: it frees itself once its loop handles and
     * thread-pool work are done, so the loop must run on afterwards. Never runs the loop itself
     * (it is called from a loop callback). b may be NULL. */
    void (*close)(backend *b);
} backend_ops;

/* Every implementation's struct begins with this. */
struct backend {
    const backend_ops *ops;
};

/* The embedded store in cfg->data_dir (store_sqlite.c). Returns NULL with a sentence in err. */
backend *backend_embedded_open(const place_config *cfg, uv_loop_t *loop, const backend_sink *sink,
                               char *err, size_t errcap);

/* Choosing the backend (backend.c): the only code that asks whether placed runs in cluster mode
 * and whether this build has it (PLACE_BUILD_CLUSTER). */

/* 1 when cfg selects cluster mode (--redis is set). */
int backend_is_cluster(const place_config *cfg);

/* 0, or -1 with a sentence in err when cfg asks for cluster mode (--redis, --kafka, --postgres,
 * --history-writer) and this placed was built without it. */
int backend_check_build(const place_config *cfg, char *err, size_t errcap);

/* The backend cfg selects: the cluster's (cluster/cluster.h) with --redis, else the embedded
 * store. Returns NULL with a sentence in err (backend_check_build's among them). */
backend *backend_open(const place_config *cfg, uv_loop_t *loop, const backend_sink *sink,
                      char *err, size_t errcap);

/* An admin act for when no server runs on cfg->data_dir (the caller holds its lock): applied in
 * the database there, or in cluster mode in Redis. Returns PLACE_ERR_NONE, PLACE_ERR_NOT_FOUND,
 * PLACE_ERR_BAD_REQUEST or a negative number, with a sentence in err. */
int backend_admin_offline(const place_config *cfg, const backend_admin_req *q, char *err,
                          size_t errcap);

/* The size of the stored canvas (the database in cfg->data_dir, or in cluster mode Redis), for
 * an act with no server running. Returns 0, or -1 with a sentence in err. */
int backend_canvas_size(const place_config *cfg, uint32_t *w, uint32_t *h, char *err,
                        size_t errcap);

/* The audit log for the command line (placed --audit), read from the store directly (a running
 * server may hold it: SQLite's WAL lets a reader in, Redis is shared): the rows with time >=
 * since_ms, oldest first, at most `max`, into a malloc'd *rows the caller frees. Returns 0, or
 * -1 with a sentence in err. */
int backend_audit_list(const place_config *cfg, int64_t since_ms, size_t max,
                       backend_audit_row **rows, size_t *n, char *err, size_t errcap);

/* Appends an audit row when no server runs on cfg->data_dir (the caller holds its lock).
 * Returns 0, or -1 with a sentence in err. */
/* The users whose id begins with `prefix` (lowercase hex; a guest's shown name is "guest-" and
 * the first 8 digits of its id, account_guest_name), read from the store directly, whether or
 * not a server runs on it (the admin command names a guest by what it was shown): up to max ids
 * into ids[], *n how many (at most max). Returns 0, or -1 with a sentence in err. */
int backend_users_by_prefix(const place_config *cfg, const char *prefix,
                            char (*ids)[BACKEND_ID_LEN + 1], size_t max, size_t *n, char *err,
                            size_t errcap);

int backend_audit_offline(const place_config *cfg, const backend_audit_row *row, char *err,
                          size_t errcap);

/* A reader of the stored history (timeline.h) for cfg's mode: the embedded store's files in
 * cfg->data_dir (writable: checkpoints may be stored too), or cluster mode's PostgreSQL. Safe on
 * any thread (it reads cfg only). NULL with a sentence in err. */
struct tl_reader;
struct tl_reader *backend_timeline_open(const place_config *cfg, int writable, char *err,
                                        size_t errcap);

/* placed --history-writer (cluster mode's Kafka -> PostgreSQL copier): runs until stopped and
 * returns the exit status; 2 with a sentence on stderr in a build without cluster mode. */
int backend_history_writer_run(const place_config *cfg);

#endif

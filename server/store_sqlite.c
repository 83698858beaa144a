/* The embedded store: backend.h on SQLite (backend_embedded_open).
 *
 * The loop thread owns the in-memory state: users (with their cooldown reservation), sessions,
 * the sequence counter. Everything that must reach the disk becomes a write operation queued to
 * one writer thread, which takes all queued operations as one transaction (group commit: one
 * fsync for many placements), then hands them back through a uv_async to the loop thread, where
 * placements are reported to the sink and acknowledged. Queue order is commit order, so
 * placements are acknowledged and broadcast in ascending seq.
 *
 * Guests cost nothing on disk until they do something worth keeping: a guest user and its
 * session live only in memory (on an LRU list, at most --max-guests of them, the least recently
 * used forgotten beyond that) until the guest places a pixel, registers or is named by an admin
 * action; then both are written. So a client looping over cookie-less requests neither grows the
 * database nor the memory without bound. Expired sessions are swept from memory once a minute,
 * and a clean stop writes every session's exact expiry. */
#include "backend.h"
#include "store_db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "place/bitmap.h"

#include "account.h"
#include "peer.h"
#include "util.h"

#define CHECKPOINT_MS 30000 /* how often the writer stores the whole canvas */
#define TICK_MS 2000       /* the loop thread's housekeeping tick */
/* The WAL's bound (docs/deploy.md, "Disk"). The writer checkpoints on its own connection (the
 * only one that knows the log is worth copying): PASSIVE once the log holds WAL_CKPT_PAGES
 * (with 4 KiB pages, 4 MiB), which lets the next commit start the log from its beginning;
 * RESTART, which waits for readers, if the log still reached WAL_RESTART_PAGES; TRUNCATE to an
 * empty file after a second without writes. journal_size_limit (store_db.c) cuts a restarted
 * log back to 16 MiB, and a transaction holds at most BATCH_MAX operations, so the file stays
 * well under STORE_WAL_MAX_BYTES. */
#define WAL_CKPT_PAGES 1024
#define WAL_RESTART_PAGES 4096
#define BATCH_MAX 4096 /* operations in one transaction (cut between two calls' operations) */
#define SESSION_PERSIST_MS (3600LL * 1000) /* how stale a stored session expiry may get */
#define GUEST_SCAN 64 /* oldest guests looked at for one of a greedy address (see below) */
#define SWEEP_TICKS 30 /* expired sessions are swept every SWEEP_TICKS ticks (a minute) */

typedef struct session_rec session_rec;

/* What the store remembers of one address bucket: its cooldown and its budgets' windows. In
 * memory only (a restart forgets them); swept once nothing in it is running any more. */
typedef struct addr_rec {
    char addr[PEER_ADDR_MAX];
    int64_t next_placement;
    int64_t window_end[2]; /* per backend_budget */
    int count[2];
    /* its unstored guests, least recently used first: when it holds more than
     * --max-guests-per-ip, or the whole store more than --max-guests, an address's new guest
     * pushes out its own oldest one, never another address's */
    struct user_rec *g_head, *g_tail;
    size_t guests;
    UT_hash_handle hh;
} addr_rec;

typedef struct user_rec {
    char id[BACKEND_ID_LEN + 1];
    char name[BACKEND_NAME_MAX + 1]; /* "" for a guest */
    char key[BACKEND_NAME_MAX + 1];  /* account_name_key(name): the name index's key */
    char *pwhash;                    /* NULL for a guest */
    uint8_t is_guest, is_admin, is_banned;
    uint8_t stored;         /* the users table has this user (else: a guest on the LRU list) */
    uint8_t unsaved;        /* a write of this record failed: write it again at the next chance */
    int64_t banned_until;   /* 0: no end */
    char *ban_reason;       /* NULL: none */
    struct {
        char addr[PEER_ADDR_MAX];
        int64_t seen;
    } addrs[BACKEND_ADDRS_PER_USER]; /* most recent first; "" unused */
    int64_t next_placement; /* cooldown reservation, ms */
    session_rec *guest_se;  /* an unstored guest's one session (NULL once it is gone) */
    struct user_rec *lru_prev, *lru_next; /* unstored guests, least recently used first */
    addr_rec *gaddr;                      /* an unstored guest's address (NULL: unknown) */
    struct user_rec *ga_prev, *ga_next;   /* on gaddr's list, least recently used first */
    UT_hash_handle hh;      /* by id */
    UT_hash_handle hh_name; /* by name, registered users only */
} user_rec;

struct session_rec {
    char token[BACKEND_TOKEN_LEN + 1];
    user_rec *user;
    int64_t expires;
    int64_t persisted; /* the expiry the database holds (if the user is stored) */
    UT_hash_handle hh;
};

enum op_kind {
    OP_PLACE,
    OP_USER,
    OP_SESSION_PUT,
    OP_SESSION_DEL,
    OP_SESSION_DEL_USER,
    OP_ADDR_BAN_PUT,
    OP_ADDR_BAN_DEL,
    OP_USER_ADDR,
};

typedef struct wop {
    struct wop *next;
    int kind;
    int rc;
    uint8_t call_end;    /* the last operation of one call: a transaction may end after it */
    uint8_t reg_fresh;   /* OP_USER of a registration that made a new user */
    uint8_t is_register; /* OP_USER of a registration (undone in memory if it fails) */
    uint8_t drop_on_fail; /* OP_SESSION_PUT of a new session (forgotten if it fails) */
    backend_done_cb done; /* on the loop thread once committed (rc 0) or failed */
    void *done_arg;
    char user_id[BACKEND_ID_LEN + 1];
    /* OP_PLACE */
    uint64_t seq; /* given by the writer at commit, so a failed commit leaves no hole */
    uint16_t x, y;
    uint8_t color;
    int64_t time;
    int64_t next_placement;
    int64_t prev_next; /* the reservation to restore if the commit fails */
    backend_place_cb cb;
    void *arg;
    /* OP_USER */
    char name[BACKEND_NAME_MAX + 1];
    char *pwhash;
    uint8_t is_guest, is_admin, is_banned;
    int64_t banned_until;
    /* OP_USER (the ban's reason), OP_ADDR_BAN_* (the block, its reason), OP_USER_ADDR */
    backend_addr_ban ban;
    /* OP_SESSION_* */
    char token[BACKEND_TOKEN_LEN + 1];
    int64_t expires;
} wop;

typedef struct store {
    backend base;
    int cooldown_ms;
    backend_cooldown_scope scope;
    uv_loop_t *loop;
    backend_sink sink;

    sqlite3 *db;  /* the writer thread's */
    sqlite3 *rdb; /* history reads on the uv thread pool, one at a time */
    uv_timer_t tick_timer;
    int timer_open;
    pthread_mutex_t rlock;
    sqlite3_stmt *st_place, *st_last, *st_user, *st_sput, *st_sdel, *st_sdelu, *st_canvas;
    sqlite3_stmt *st_bput, *st_bdel, *st_uaddr, *st_uaddr_trim;

    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    wop *q_head, *q_tail;
    wop *done_head, *done_tail;
    wop *stage_head, *stage_tail; /* the loop thread's operations of the current call */
    int stopping;
    uv_async_t async;

    /* the writer's copy of the canvas, for checkpoints */
    uint8_t *wbits;
    uint32_t w, h;
    uint64_t wseq; /* the last committed placement */
    int wdirty;
    int64_t last_ckpt;
    int wal_pages; /* frames in the WAL after the last commit (sqlite3_wal_hook) */
    int failing;   /* the last transaction failed (logged once until one succeeds) */

    /* loop thread */
    uint8_t *initial_bits; /* handed over by load_canvas */
    uint64_t initial_seq;
    int closing;
    int closed; /* the async handle is closed: free once no thread-pool work is in flight */
    int pending_work;
    user_rec *users;
    user_rec *users_by_name;
    session_rec *sessions;
    user_rec *lru_head, *lru_tail; /* unstored guests */
    size_t nguests;
    size_t max_guests;
    size_t max_guests_per_addr;
    int sweep_ticks;
    addr_rec *addrs;
    backend_addr_ban *bans; /* the address bans, as stored */
    size_t nbans;
} store;

/* ---------------------------------------------------------------- writer thread */

static int exec_op(store *s, wop *op)
{
    sqlite3_stmt *st = NULL;
    switch (op->kind) {
    case OP_PLACE:
        st = s->st_place;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)op->seq);
        sqlite3_bind_int(st, 2, op->x);
        sqlite3_bind_int(st, 3, op->y);
        sqlite3_bind_int(st, 4, op->color);
        sqlite3_bind_text(st, 5, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, op->time);
        if (sqlite3_step(st) != SQLITE_DONE)
            break;
        sqlite3_reset(st);
        st = s->st_last;
        sqlite3_bind_int64(st, 1, op->time);
        sqlite3_bind_text(st, 2, op->user_id, -1, SQLITE_STATIC);
        break;
    case OP_USER:
        st = s->st_user;
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        if (op->name[0])
            sqlite3_bind_text(st, 2, op->name, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
        if (op->pwhash)
            sqlite3_bind_text(st, 3, op->pwhash, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int(st, 4, op->is_guest);
        sqlite3_bind_int(st, 5, op->is_admin);
        sqlite3_bind_int(st, 6, op->is_banned);
        sqlite3_bind_int64(st, 7, op->time);
        sqlite3_bind_int64(st, 8, op->banned_until);
        sqlite3_bind_text(st, 9, op->ban.reason, -1, SQLITE_STATIC);
        break;
    case OP_ADDR_BAN_PUT:
        st = s->st_bput;
        sqlite3_bind_text(st, 1, op->ban.cidr, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, op->ban.until);
        sqlite3_bind_int(st, 3, op->ban.guests_only);
        sqlite3_bind_text(st, 4, op->ban.user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, op->ban.reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, op->time);
        break;
    case OP_ADDR_BAN_DEL:
        st = s->st_bdel;
        sqlite3_bind_text(st, 1, op->ban.cidr, -1, SQLITE_STATIC);
        break;
    case OP_USER_ADDR:
        st = s->st_uaddr;
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, op->ban.cidr, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, op->time);
        if (sqlite3_step(st) != SQLITE_DONE)
            break;
        sqlite3_reset(st);
        st = s->st_uaddr_trim; /* the most recent BACKEND_ADDRS_PER_USER stay */
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, BACKEND_ADDRS_PER_USER);
        break;
    case OP_SESSION_PUT:
        st = s->st_sput;
        sqlite3_bind_text(st, 1, op->token, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, op->expires);
        break;
    case OP_SESSION_DEL:
        st = s->st_sdel;
        sqlite3_bind_text(st, 1, op->token, -1, SQLITE_STATIC);
        break;
    case OP_SESSION_DEL_USER:
        st = s->st_sdelu;
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        break;
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Says once, in words an operator acts on, that the database cannot be written (and once that
 * it can again): a full disk would otherwise print a line for every refused batch. */
static void report_write(store *s, int rc, const char *what)
{
    if (rc && !s->failing) {
        int code = sqlite3_extended_errcode(s->db);
        fprintf(stderr,
                "placed: store: cannot write %s (%s: %s)%s; placements, registrations, logins and "
                "admin actions are refused until it can be written again\n",
                STORE_DB_FILE, what, sqlite3_errmsg(s->db),
                (code & 0xff) == SQLITE_FULL ? ": the disk is full, free some space" : "");
    } else if (!rc && s->failing) {
        fprintf(stderr, "placed: store: %s can be written again\n", STORE_DB_FILE);
    }
    s->failing = rc != 0;
}

/* One transaction for the whole batch: all of it is durable, or none of it (rc = -1). The
 * placements are numbered here, after the last committed one, so a failed transaction leaves no
 * hole in the sequence. */
static void write_batch(store *s, wop *batch)
{
    uint64_t seq = s->wseq;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    for (wop *op = batch; op && rc == 0; op = op->next) {
        if (op->kind == OP_PLACE)
            op->seq = ++seq;
        rc = exec_op(s, op);
    }
    if (rc == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = -1;
    report_write(s, rc, "transaction");
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (wop *op = batch; op; op = op->next) {
        op->rc = rc;
        if (rc == 0 && op->kind == OP_PLACE) {
            place_bitmap_set(s->wbits, s->w, op->x, op->y, op->color);
            s->wseq = op->seq;
            s->wdirty = 1;
        }
    }
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    store *s = arg;
    s->wal_pages = pages;
    return SQLITE_OK;
}

/* Keeps the WAL short (see WAL_CKPT_PAGES); `idle`: no write is waiting, so the writer can
 * afford to wait for readers and empty the file. Every result is checked: a checkpoint that
 * cannot finish is said, and tried again after the next commit. */
static void wal_trim(store *s, int idle)
{
    int mode;
    if (idle && s->wal_pages > 0)
        mode = SQLITE_CHECKPOINT_TRUNCATE;
    else if (s->wal_pages >= WAL_RESTART_PAGES)
        mode = SQLITE_CHECKPOINT_RESTART;
    else if (s->wal_pages >= WAL_CKPT_PAGES)
        mode = SQLITE_CHECKPOINT_PASSIVE;
    else
        return;
    int log = -1, copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, mode, &log, &copied);
    if (rc == SQLITE_OK && log >= 0 && copied == log) {
        if (mode != SQLITE_CHECKPOINT_PASSIVE)
            s->wal_pages = 0; /* restarted: the next commit writes from the start of the file */
        return;
    }
    if (rc == SQLITE_OK && mode == SQLITE_CHECKPOINT_PASSIVE)
        return; /* a reader holds part of the log: RESTART waits for it once the log is longer */
    if (rc != SQLITE_BUSY || mode == SQLITE_CHECKPOINT_RESTART)
        fprintf(stderr, "placed: store: WAL checkpoint (%d of %d frames): %s\n", copied, log,
                rc == SQLITE_OK ? "a reader held the rest" : sqlite3_errmsg(s->db));
}

static int checkpoint(store *s)
{
    sqlite3_stmt *st = s->st_canvas;
    sqlite3_bind_int64(st, 1, s->w);
    sqlite3_bind_int64(st, 2, s->h);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)s->wseq);
    sqlite3_bind_blob(st, 4, s->wbits, (int)place_bitmap_bytes(s->w, s->h), SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc)
        fprintf(stderr, "placed: store: canvas checkpoint failed: %s\n", sqlite3_errmsg(s->db));
    s->wdirty = rc != 0;
    s->last_ckpt = util_now_ms();
    return rc;
}

/* Takes the queued operations for one transaction: all of them, or the first calls' whole
 * operations once BATCH_MAX is reached. Called with s->lock held. */
static wop *take_batch(store *s)
{
    wop *batch = s->q_head, *cut = NULL;
    size_t n = 0;
    for (wop *op = batch; op; op = op->next)
        if (++n >= BATCH_MAX && op->call_end && op->next) {
            cut = op;
            break;
        }
    if (cut) {
        s->q_head = cut->next;
        cut->next = NULL;
    } else {
        s->q_head = s->q_tail = NULL;
    }
    return batch;
}

static void *writer_main(void *arg)
{
    store *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int waited = 0;
        if (!s->q_head && !s->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            waited = pthread_cond_timedwait(&s->cond, &s->lock, &ts) != 0;
        }
        wop *batch = take_batch(s);
        int stop = s->stopping;
        pthread_mutex_unlock(&s->lock);

        if (batch)
            write_batch(s, batch);
        if (batch || (waited && !stop))
            wal_trim(s, !batch);
        if (s->wdirty && (util_now_ms() - s->last_ckpt >= CHECKPOINT_MS || (stop && !batch)))
            checkpoint(s);
        if (batch) {
            wop *tail = batch;
            while (tail->next)
                tail = tail->next;
            pthread_mutex_lock(&s->lock);
            if (s->done_tail)
                s->done_tail->next = batch;
            else
                s->done_head = batch;
            s->done_tail = tail;
            pthread_mutex_unlock(&s->lock);
            uv_async_send(&s->async);
        }
        if (stop && !batch)
            break;
    }
    /* a clean stop leaves an empty WAL behind */
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
        SQLITE_OK)
        fprintf(stderr, "placed: store: final WAL checkpoint: %s\n", sqlite3_errmsg(s->db));
    return NULL;
}

/* ---------------------------------------------------------------- loop thread */

/* Operations are staged while one call runs, then submitted together, so that the writer puts
 * all of one call's operations (a guest's record, its session and its first pixel) in the same
 * transaction: they succeed or fail as one, and the call's answer holds for all of them. */
static void enqueue(store *s, wop *op)
{
    op->next = NULL;
    if (s->stage_tail)
        s->stage_tail->next = op;
    else
        s->stage_head = op;
    s->stage_tail = op;
}

/* Hands the staged operations to the writer; `done` (may be NULL) runs on the loop thread once
 * they are committed (rc 0) or have failed (rc PLACE_ERR_UNAVAILABLE). Without staged
 * operations, done runs at once with 0. */
static void submit(store *s, backend_done_cb done, void *arg)
{
    wop *last = s->stage_tail;
    if (!last) {
        if (done)
            done(arg, 0);
        return;
    }
    last->call_end = 1;
    last->done = done;
    last->done_arg = arg;
    pthread_mutex_lock(&s->lock);
    if (s->q_tail) {
        s->q_tail->next = s->stage_head; /* the writer is already due to take the queue */
    } else {
        s->q_head = s->stage_head;
        pthread_cond_signal(&s->cond);
    }
    s->q_tail = last;
    pthread_mutex_unlock(&s->lock);
    s->stage_head = s->stage_tail = NULL;
}

static void free_op(wop *op)
{
    free(op->pwhash);
    free(op);
}

static user_rec *find_name(store *s, const char *name);
static void drop_session(store *s, session_rec *se);

/* A failed transaction changed nothing on disk: what memory already holds is marked to be
 * written again, and what was only promised is taken back. */
static void undo_failed(store *s, wop *op)
{
    user_rec *u = NULL;
    session_rec *se = NULL;
    if (op->user_id[0])
        HASH_FIND_STR(s->users, op->user_id, u);
    switch (op->kind) {
    case OP_PLACE:
        if (u && u->next_placement == op->next_placement)
            u->next_placement = op->prev_next; /* the cooldown was not spent */
        break;
    case OP_USER:
        if (!u)
            break;
        u->unsaved = 1;
        if (op->is_register && find_name(s, op->name) == u) {
            HASH_DELETE(hh_name, s->users_by_name, u);
            if (op->reg_fresh) {
                /* a login that raced the failed commit may hold a session of it */
                session_rec *se2, *tmp;
                HASH_ITER(hh, s->sessions, se2, tmp)
                    if (se2->user == u)
                        drop_session(s, se2);
                HASH_DEL(s->users, u);
                free(u->pwhash);
                free(u);
            } else { /* the guest stays a guest */
                u->name[0] = 0;
                free(u->pwhash);
                u->pwhash = NULL;
                u->is_guest = 1;
            }
        }
        break;
    case OP_SESSION_PUT:
        HASH_FIND_STR(s->sessions, op->token, se);
        if (se && op->drop_on_fail)
            drop_session(s, se);
        else if (se)
            se->persisted = 0; /* written again at its next use */
        break;
    }
}

/* Completed operations come back here: committed pixels go to the sink first (so the canvas
 * holds a pixel before its owner hears `placed`), then each placement is answered. */
static void on_done(uv_async_t *h)
{
    store *s = h->data;
    pthread_mutex_lock(&s->lock);
    wop *list = s->done_head;
    s->done_head = s->done_tail = NULL;
    pthread_mutex_unlock(&s->lock);
    if (!list)
        return;

    /* pixels in runs of up to 256, so the sink gets batches without an allocation here */
    place_pixel px[256];
    size_t n = 0;
    for (wop *op = list; op; op = op->next) {
        if (op->kind != OP_PLACE || op->rc != 0)
            continue;
        px[n++] = (place_pixel){op->seq, op->x, op->y, op->color};
        if (n == sizeof px / sizeof px[0]) {
            s->sink.on_pixels(s->sink.arg, px, n);
            n = 0;
        }
    }
    if (n)
        s->sink.on_pixels(s->sink.arg, px, n);
    while (list) {
        wop *op = list;
        list = op->next;
        if (op->rc)
            undo_failed(s, op);
        if (op->kind == OP_PLACE) {
            backend_place_result r = {PLACE_ERR_NONE, op->seq, op->next_placement, -1};
            if (op->rc) /* the disk is full or failing: nothing is wrong with the request */
                r = (backend_place_result){PLACE_ERR_UNAVAILABLE, 0, 0, -1};
            op->cb(op->arg, &r);
        }
        if (op->done)
            op->done(op->done_arg, op->rc ? PLACE_ERR_UNAVAILABLE : 0);
        free_op(op);
    }
}


static void user_out(const user_rec *u, backend_user *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->id, u->id, sizeof out->id);
    if (u->is_guest)
        store_db_guest_name(out->name, u->id);
    else
        memcpy(out->name, u->name, sizeof out->name);
    out->is_guest = u->is_guest;
    out->is_admin = u->is_admin;
    int64_t now = util_now_ms();
    out->is_banned = u->is_banned && (!u->banned_until || u->banned_until > now);
    if (out->is_banned) {
        out->banned_until = u->banned_until;
        snprintf(out->ban_reason, sizeof out->ban_reason, "%s", u->ban_reason ? u->ban_reason : "");
    }
    out->next_placement = u->next_placement > util_now_ms() ? u->next_placement : 0;
}

static int queue_user(store *s, const user_rec *u)
{
    wop *op = calloc(1, sizeof *op);
    if (!op)
        return -1;
    op->kind = OP_USER;
    memcpy(op->user_id, u->id, sizeof op->user_id);
    memcpy(op->name, u->name, sizeof op->name);
    if (u->pwhash && !(op->pwhash = strdup(u->pwhash))) {
        free(op);
        return -1;
    }
    op->is_guest = u->is_guest;
    op->is_admin = u->is_admin;
    op->is_banned = u->is_banned;
    op->banned_until = u->banned_until;
    snprintf(op->ban.reason, sizeof op->ban.reason, "%s", u->ban_reason ? u->ban_reason : "");
    op->time = util_now_ms();
    enqueue(s, op);
    return 0;
}

static int queue_session(store *s, int kind, const char *token, const char *user_id,
                         int64_t expires)
{
    wop *op = calloc(1, sizeof *op);
    if (!op)
        return -1;
    op->kind = kind;
    if (token)
        snprintf(op->token, sizeof op->token, "%s", token);
    if (user_id)
        snprintf(op->user_id, sizeof op->user_id, "%s", user_id);
    op->expires = expires;
    enqueue(s, op);
    return 0;
}

static void lru_append(store *s, user_rec *u)
{
    u->lru_prev = s->lru_tail;
    u->lru_next = NULL;
    if (s->lru_tail)
        s->lru_tail->lru_next = u;
    else
        s->lru_head = u;
    s->lru_tail = u;
    s->nguests++;
    addr_rec *a = u->gaddr;
    if (a) {
        u->ga_prev = a->g_tail;
        u->ga_next = NULL;
        if (a->g_tail)
            a->g_tail->ga_next = u;
        else
            a->g_head = u;
        a->g_tail = u;
        a->guests++;
    }
}

static void lru_unlink(store *s, user_rec *u)
{
    if (u->lru_prev)
        u->lru_prev->lru_next = u->lru_next;
    else
        s->lru_head = u->lru_next;
    if (u->lru_next)
        u->lru_next->lru_prev = u->lru_prev;
    else
        s->lru_tail = u->lru_prev;
    u->lru_prev = u->lru_next = NULL;
    s->nguests--;
    addr_rec *a = u->gaddr;
    if (a) {
        if (u->ga_prev)
            u->ga_prev->ga_next = u->ga_next;
        else
            a->g_head = u->ga_next;
        if (u->ga_next)
            u->ga_next->ga_prev = u->ga_prev;
        else
            a->g_tail = u->ga_prev;
        u->ga_prev = u->ga_next = NULL;
        a->guests--;
    }
}

/* Queues the user's record; an unstored guest becomes stored (leaves the LRU list) and its
 * session is written too, ahead of whatever the caller queues next; so are the sessions of a
 * user whose last write failed. Returns 0 or -1. */
static int save_user(store *s, user_rec *u)
{
    if (queue_user(s, u) < 0)
        return -1;
    if (u->unsaved) {
        u->unsaved = 0;
        session_rec *se, *tmp;
        HASH_ITER(hh, s->sessions, se, tmp)
            if (se->user == u && se != u->guest_se && se->persisted != se->expires &&
                queue_session(s, OP_SESSION_PUT, se->token, u->id, se->expires) == 0)
                se->persisted = se->expires;
    }
    if (u->stored)
        return 0;
    u->stored = 1;
    lru_unlink(s, u);
    u->gaddr = NULL;
    session_rec *se = u->guest_se;
    u->guest_se = NULL;
    if (se && queue_session(s, OP_SESSION_PUT, se->token, u->id, se->expires) == 0)
        se->persisted = se->expires;
    for (int i = 0; i < BACKEND_ADDRS_PER_USER && u->addrs[i].addr[0]; i++) {
        wop *op = calloc(1, sizeof *op);
        if (!op)
            break;
        op->kind = OP_USER_ADDR;
        memcpy(op->user_id, u->id, sizeof op->user_id);
        snprintf(op->ban.cidr, sizeof op->ban.cidr, "%s", u->addrs[i].addr);
        op->time = u->addrs[i].seen;
        enqueue(s, op);
    }
    return 0;
}

static void drop_session(store *s, session_rec *se)
{
    if (se->user->guest_se == se)
        se->user->guest_se = NULL;
    HASH_DEL(s->sessions, se);
    free(se);
}

/* Forgets an unstored guest (and its session): nothing of it is on disk. */
static void forget_guest(store *s, user_rec *u)
{
    if (u->guest_se)
        drop_session(s, u->guest_se);
    lru_unlink(s, u);
    HASH_DEL(s->users, u);
    free(u->pwhash);
    free(u->ban_reason);
    free(u);
}

/* Ends a session in memory and on disk; an unstored guest goes with its only session. */
static void forget_session(store *s, session_rec *se)
{
    user_rec *u = se->user;
    if (u->stored)
        queue_session(s, OP_SESSION_DEL, se->token, NULL, 0);
    drop_session(s, se);
    if (!u->stored)
        forget_guest(s, u);
}

/* Drops every expired session from memory (and the database), and every address whose
 * cooldown and budget windows are over. */
static void sweep_sessions(store *s)
{
    int64_t now = util_now_ms();
    session_rec *se, *tmp;
    HASH_ITER(hh, s->sessions, se, tmp)
        if (se->expires < now)
            forget_session(s, se);
    addr_rec *a, *atmp;
    HASH_ITER(hh, s->addrs, a, atmp)
        if (a->next_placement <= now && a->window_end[0] <= now && a->window_end[1] <= now &&
            !a->guests) {
            HASH_DEL(s->addrs, a);
            free(a);
        }
    submit(s, NULL, NULL);
}

static addr_rec *find_addr(store *s, const char *addr, int create)
{
    addr_rec *a;
    HASH_FIND_STR(s->addrs, addr, a);
    if (a || !create)
        return a;
    if (!(a = calloc(1, sizeof *a)))
        return NULL;
    snprintf(a->addr, sizeof a->addr, "%s", addr);
    HASH_ADD_STR(s->addrs, addr, a);
    return a;
}

/* The address cooldown a user waits for under the store's scope (0: none). */
static int64_t addr_wait(store *s, const user_rec *u, const char *addr)
{
    if (s->scope == BACKEND_SCOPE_ACCOUNT || (s->scope == BACKEND_SCOPE_GUESTS && !u->is_guest))
        return 0;
    addr_rec *a = addr && addr[0] ? find_addr(s, addr, 0) : NULL;
    return a ? a->next_placement : 0;
}

static int st_load_canvas(backend *b, uint8_t **bits, uint32_t *w, uint32_t *h, uint64_t *seq,
                          char *err, size_t errcap)
{
    store *s = (store *)b;
    if (!s->initial_bits) {
        snprintf(err, errcap, "the canvas was already handed over");
        return -1;
    }
    *bits = s->initial_bits;
    s->initial_bits = NULL;
    *w = s->w;
    *h = s->h;
    *seq = s->initial_seq;
    return 0;
}

static int st_place(backend *b, const char *user_id, const char *addr, uint32_t x, uint32_t y,
                    int color, backend_place_cb cb, void *arg)
{
    store *s = (store *)b;
    backend_place_result r = {PLACE_ERR_NONE, 0, 0, -1};
    int64_t now = util_now_ms();
    user_rec *u;
    HASH_FIND_STR(s->users, user_id, u);
    wop *op = NULL;
    int64_t wait = 0;
    if (u) {
        wait = addr_wait(s, u, addr);
        if (u->next_placement > wait)
            wait = u->next_placement;
    }
    if (s->closing)
        r.err = PLACE_ERR_UNAVAILABLE;
    else if (!u)
        r.err = PLACE_ERR_NOT_ALLOWED;
    else if (u->is_banned && (!u->banned_until || u->banned_until > now))
        r.err = PLACE_ERR_BANNED;
    else if (wait > now) {
        r.err = PLACE_ERR_COOLDOWN;
        r.next_placement = wait;
        r.retry_after_ms = wait - now;
    } else if (((!u->stored || u->unsaved) && save_user(s, u) < 0) ||
               !(op = calloc(1, sizeof *op)))
        r.err = PLACE_ERR_INTERNAL; /* a guest's first pixel: the guest is kept from now on */
    if (r.err) {
        submit(s, NULL, NULL);
        cb(arg, &r);
        return 0;
    }
    op->kind = OP_PLACE;
    memcpy(op->user_id, u->id, sizeof op->user_id);
    op->x = (uint16_t)x;
    op->y = (uint16_t)y;
    op->color = (uint8_t)color;
    op->time = now;
    op->prev_next = u->next_placement;
    op->next_placement = s->cooldown_ms > 0 ? now + s->cooldown_ms : 0;
    u->next_placement = op->next_placement;
    if (s->scope != BACKEND_SCOPE_ACCOUNT && s->cooldown_ms > 0 && addr && addr[0]) {
        addr_rec *a = find_addr(s, addr, 1);
        if (a)
            a->next_placement = op->next_placement;
    }
    op->cb = cb;
    op->arg = arg;
    enqueue(s, op);
    submit(s, NULL, NULL);
    return 0;
}

static int st_session_get(backend *b, const char *token, backend_user *out)
{
    store *s = (store *)b;
    session_rec *se;
    HASH_FIND_STR(s->sessions, token, se);
    if (!se)
        return -1;
    int64_t now = util_now_ms();
    if (se->expires < now) {
        forget_session(s, se);
        submit(s, NULL, NULL);
        return -1;
    }
    se->expires = now + BACKEND_SESSION_TTL_MS;
    if (!se->user->stored) {
        lru_unlink(s, se->user); /* the most recently used guest now */
        lru_append(s, se->user);
    } else if (se->expires - se->persisted > SESSION_PERSIST_MS &&
        queue_session(s, OP_SESSION_PUT, se->token, se->user->id, se->expires) == 0) {
        se->persisted = se->expires;
        submit(s, NULL, NULL);
    }
    user_out(se->user, out);
    return 0;
}

static int st_session_new(backend *b, const char *user_id, char token[BACKEND_TOKEN_LEN + 1],
                          backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    user_rec *u;
    HASH_FIND_STR(s->users, user_id, u);
    if (!u || s->closing)
        return -1;
    session_rec *se = calloc(1, sizeof *se);
    if (!se || ((!u->stored || u->unsaved) && save_user(s, u) < 0)) {
        free(se);
        submit(s, NULL, NULL);
        return -1;
    }
    util_random_hex(se->token, BACKEND_TOKEN_LEN / 2);
    se->user = u;
    se->expires = se->persisted = util_now_ms() + BACKEND_SESSION_TTL_MS;
    if (queue_session(s, OP_SESSION_PUT, se->token, u->id, se->expires) < 0) {
        free(se);
        submit(s, NULL, NULL);
        return -1;
    }
    s->stage_tail->drop_on_fail = 1;
    HASH_ADD_STR(s->sessions, token, se);
    memcpy(token, se->token, BACKEND_TOKEN_LEN + 1);
    submit(s, done, arg);
    return 0;
}

static int st_session_new_guest(backend *b, const char *addr, char token[BACKEND_TOKEN_LEN + 1],
                                backend_user *out)
{
    store *s = (store *)b;
    user_rec *u = calloc(1, sizeof *u);
    session_rec *se = calloc(1, sizeof *se);
    if (!u || !se) {
        free(u);
        free(se);
        return -1;
    }
    util_random_hex(u->id, BACKEND_ID_LEN / 2);
    u->is_guest = 1;
    u->next_placement = addr_wait(s, u, addr); /* a logged-out player waits as a guest */
    util_random_hex(se->token, BACKEND_TOKEN_LEN / 2);
    se->user = u;
    se->expires = se->persisted = util_now_ms() + BACKEND_SESSION_TTL_MS;
    u->guest_se = se;
    u->gaddr = addr && addr[0] ? find_addr(s, addr, 1) : NULL;
    HASH_ADD_STR(s->users, id, u);
    HASH_ADD_STR(s->sessions, token, se);
    lru_append(s, u);
    memcpy(token, se->token, BACKEND_TOKEN_LEN + 1);
    user_out(u, out);
    /* room is made from the new guest's own address: its oldest unplaced guest goes. Only an
     * address holding no other guest pushes out another's: the least recently used guest of an
     * address holding several, if one is among the oldest GUEST_SCAN, else the oldest. */
    addr_rec *a = u->gaddr;
    while (a && a->guests > s->max_guests_per_addr && a->g_head != u)
        forget_guest(s, a->g_head);
    int scanned = 0;
    while (s->nguests > s->max_guests && s->lru_head != u) {
        user_rec *victim = a && a->g_head != u ? a->g_head : NULL;
        for (user_rec *g = s->lru_head; !victim && g && g != u; g = g->lru_next) {
            if (g->gaddr && g->gaddr->guests > 1)
                victim = g;
            if (++scanned >= GUEST_SCAN)
                break;
        }
        forget_guest(s, victim ? victim : s->lru_head);
    }
    return 0;
}

static void st_session_revoke(backend *b, const char *token, backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    session_rec *se;
    HASH_FIND_STR(s->sessions, token, se);
    if (se)
        forget_session(s, se);
    submit(s, done, arg);
    if (s->sink.on_session_ended)
        s->sink.on_session_ended(s->sink.arg, token); /* its sockets close at once */
}

static int st_user_get(backend *b, const char *user_id, backend_user *out)
{
    store *s = (store *)b;
    user_rec *u;
    HASH_FIND_STR(s->users, user_id, u);
    if (!u)
        return -1;
    user_out(u, out);
    return 0;
}

static user_rec *find_name(store *s, const char *name)
{
    user_rec *u;
    char key[BACKEND_NAME_MAX + 1];
    account_name_key(name, key);
    HASH_FIND(hh_name, s->users_by_name, key, strlen(key), u);
    return u;
}

static int st_user_register(backend *b, const char *guest_id, const char *name, const char *pwhash,
                            backend_user *out, backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    if (s->closing)
        return PLACE_ERR_UNAVAILABLE;
    if (find_name(s, name))
        return PLACE_ERR_USERNAME_TAKEN;
    char *hash = strdup(pwhash);
    if (!hash)
        return -1;
    user_rec *u = NULL;
    if (guest_id)
        HASH_FIND_STR(s->users, guest_id, u);
    int fresh = !u || !u->is_guest;
    if (fresh) {
        if (!(u = calloc(1, sizeof *u))) {
            free(hash);
            return -1;
        }
        util_random_hex(u->id, BACKEND_ID_LEN / 2);
        u->stored = 1; /* queued below */
    }
    snprintf(u->name, sizeof u->name, "%s", name);
    free(u->pwhash);
    u->pwhash = hash;
    u->is_guest = 0;
    if (fresh)
        HASH_ADD_STR(s->users, id, u);
    account_name_key(u->name, u->key);
    HASH_ADD_KEYPTR(hh_name, s->users_by_name, u->key, strlen(u->key), u);
    wop *mark = s->stage_tail;
    if (save_user(s, u) < 0) {
        fprintf(stderr, "placed: store: out of memory saving user %s\n", u->name);
        submit(s, NULL, NULL);
        return -1; /* (the name stays taken in memory until a restart) */
    }
    wop *op = mark ? mark->next : s->stage_head; /* the OP_USER save_user queued first */
    op->is_register = 1;
    op->reg_fresh = (uint8_t)fresh;
    user_out(u, out);
    submit(s, done, arg);
    return PLACE_ERR_NONE;
}

static int st_user_credentials(backend *b, const char *name, backend_user *out,
                               char pwhash[BACKEND_HASH_MAX + 1])
{
    store *s = (store *)b;
    user_rec *u = find_name(s, name);
    if (!u || !u->pwhash)
        return PLACE_ERR_BAD_CREDENTIALS;
    user_out(u, out);
    snprintf(pwhash, BACKEND_HASH_MAX + 1, "%s", u->pwhash);
    return PLACE_ERR_NONE;
}

/* Queues an address ban's write (put) or removal. */
static int queue_ban(store *s, int kind, const backend_addr_ban *ban)
{
    wop *op = calloc(1, sizeof *op);
    if (!op)
        return -1;
    op->kind = kind;
    op->ban = *ban;
    op->time = util_now_ms();
    enqueue(s, op);
    return 0;
}

/* Adds (or replaces: one ban per block) an address ban in memory and on disk. */
static int put_ban(store *s, const backend_addr_ban *ban)
{
    for (size_t i = 0; i < s->nbans; i++)
        if (!strcmp(s->bans[i].cidr, ban->cidr)) {
            s->bans[i] = *ban;
            return queue_ban(s, OP_ADDR_BAN_PUT, ban);
        }
    backend_addr_ban *v = realloc(s->bans, (s->nbans + 1) * sizeof *v);
    if (!v)
        return -1;
    s->bans = v;
    s->bans[s->nbans++] = *ban;
    return queue_ban(s, OP_ADDR_BAN_PUT, ban);
}

/* Removes the bans on block cidr (cidr NULL: those that came from the account user_id).
 * Returns how many went. */
static size_t drop_bans(store *s, const char *cidr, const char *user_id)
{
    size_t k = 0, gone = 0;
    for (size_t i = 0; i < s->nbans; i++) {
        int drop = cidr ? !strcmp(s->bans[i].cidr, cidr)
                        : (s->bans[i].user_id[0] && !strcmp(s->bans[i].user_id, user_id));
        if (drop) {
            queue_ban(s, OP_ADDR_BAN_DEL, &s->bans[i]);
            gone++;
        } else {
            s->bans[k++] = s->bans[i];
        }
    }
    s->nbans = k;
    return gone;
}

static void report_bans(store *s)
{
    if (s->sink.on_addr_bans)
        s->sink.on_addr_bans(s->sink.arg, s->bans, s->nbans);
}

static int admin_addr(store *s, const backend_admin_req *q, char *err, size_t errcap,
                      backend_done_cb done, void *arg)
{
    backend_addr_ban ban;
    memset(&ban, 0, sizeof ban);
    if (!q->addr || store_db_block(q->addr, ban.cidr, err, errcap) < 0)
        return PLACE_ERR_BAD_REQUEST;
    if (q->op == BACKEND_ADMIN_UNBAN_ADDR) {
        if (!drop_bans(s, ban.cidr, NULL)) {
            snprintf(err, errcap, "%s is not banned", ban.cidr);
            return PLACE_ERR_NOT_FOUND;
        }
    } else {
        ban.until = q->until;
        snprintf(ban.reason, sizeof ban.reason, "%s", q->reason ? q->reason : "");
        if (put_ban(s, &ban) < 0) {
            submit(s, NULL, NULL);
            snprintf(err, errcap, "out of memory");
            return -1;
        }
    }
    report_bans(s);
    submit(s, done, arg);
    return PLACE_ERR_NONE;
}

static int st_admin(backend *b, const backend_admin_req *q, char *err, size_t errcap,
                    backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    if (s->closing) {
        snprintf(err, errcap, "the server is stopping");
        return PLACE_ERR_UNAVAILABLE;
    }
    if (q->op == BACKEND_ADMIN_BAN_ADDR || q->op == BACKEND_ADMIN_UNBAN_ADDR)
        return admin_addr(s, q, err, errcap, done, arg);
    user_rec *u = NULL;
    if (q->name)
        u = find_name(s, q->name);
    else if (q->id)
        HASH_FIND_STR(s->users, q->id, u);
    if (!u) {
        if (q->name)
            snprintf(err, errcap, "no user named \"%s\"", q->name);
        else
            snprintf(err, errcap, "no user with id \"%s\"", q->id ? q->id : "");
        return PLACE_ERR_NOT_FOUND;
    }
    int64_t now = util_now_ms();
    switch (q->op) {
    case BACKEND_ADMIN_GRANT: u->is_admin = 1; break;
    case BACKEND_ADMIN_REVOKE: u->is_admin = 0; break;
    case BACKEND_ADMIN_BAN: {
        char *reason = q->reason && q->reason[0] ? strdup(q->reason) : NULL;
        u->is_banned = 1;
        u->banned_until = q->until;
        free(u->ban_reason);
        u->ban_reason = reason;
        break;
    }
    case BACKEND_ADMIN_UNBAN:
        u->is_banned = 0;
        u->banned_until = 0;
        free(u->ban_reason);
        u->ban_reason = NULL;
        break;
    default: break;
    }
    if (save_user(s, u) < 0) {
        submit(s, NULL, NULL);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    if (q->op == BACKEND_ADMIN_BAN) {
        /* the addresses the account used lately are banned for guests, so that starting over
         * as a guest from there does not lift the ban */
        int changed = 0;
        for (int i = 0; q->addr_window_ms > 0 && i < BACKEND_ADDRS_PER_USER; i++) {
            if (!u->addrs[i].addr[0] || u->addrs[i].seen < now - q->addr_window_ms)
                continue;
            backend_addr_ban ban;
            memset(&ban, 0, sizeof ban);
            snprintf(ban.cidr, sizeof ban.cidr, "%s", u->addrs[i].addr);
            ban.until = q->until;
            ban.guests_only = 1;
            memcpy(ban.user_id, u->id, sizeof ban.user_id);
            snprintf(ban.reason, sizeof ban.reason, "%s", q->reason ? q->reason : "");
            changed |= put_ban(s, &ban) == 0;
        }
        if (s->sink.on_banned)
            s->sink.on_banned(s->sink.arg, u->id);
        if (changed)
            report_bans(s);
    } else if (q->op == BACKEND_ADMIN_UNBAN) {
        if (drop_bans(s, NULL, u->id))
            report_bans(s);
        if (s->sink.on_unbanned)
            s->sink.on_unbanned(s->sink.arg, u->id);
    }
    submit(s, done, arg);
    return PLACE_ERR_NONE;
}

/* Remembers addr for u in memory, most recent first; 1 when the stored list should be written
 * (a new address, or one last written over an hour ago). */
static int note_addr(user_rec *u, const char *addr, int64_t now)
{
    int i = 0;
    while (i < BACKEND_ADDRS_PER_USER - 1 && u->addrs[i].addr[0] && strcmp(u->addrs[i].addr, addr))
        i++;
    int known = !strcmp(u->addrs[i].addr, addr);
    int64_t seen = known ? u->addrs[i].seen : 0;
    int fresh = !known || now - seen > 3600LL * 1000;
    memmove(&u->addrs[1], &u->addrs[0], (size_t)i * sizeof u->addrs[0]);
    snprintf(u->addrs[0].addr, sizeof u->addrs[0].addr, "%s", addr);
    u->addrs[0].seen = fresh ? now : seen; /* as written: at most an hour old */
    return fresh;
}

static void st_addr_seen(backend *b, const char *user_id, const char *addr)
{
    store *s = (store *)b;
    user_rec *u;
    HASH_FIND_STR(s->users, user_id, u);
    if (!u || !addr || !addr[0])
        return;
    int64_t now = util_now_ms();
    if (!note_addr(u, addr, now) || !u->stored)
        return; /* an unstored guest's addresses live as long as it does, in memory */
    wop *op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->kind = OP_USER_ADDR;
    memcpy(op->user_id, u->id, sizeof op->user_id);
    snprintf(op->ban.cidr, sizeof op->ban.cidr, "%s", addr);
    op->time = now;
    enqueue(s, op);
    submit(s, NULL, NULL);
}

static int st_addr_budget(backend *b, backend_budget kind, const char *addr, int limit,
                          int64_t *retry_ms)
{
    store *s = (store *)b;
    int64_t now = util_now_ms();
    if (limit <= 0)
        return 0;
    addr_rec *a = find_addr(s, addr, 1);
    if (!a)
        return -1;
    if (a->window_end[kind] <= now) {
        a->window_end[kind] = now + BACKEND_BUDGET_WINDOW_MS;
        a->count[kind] = 0;
    }
    if (a->count[kind] >= limit) {
        *retry_ms = a->window_end[kind] - now;
        return 1;
    }
    a->count[kind]++;
    return 0;
}

typedef struct history_job {
    uv_work_t work;
    store *s;
    uint32_t x, y;
    int limit;
    int rc;
    size_t n;
    backend_history_cb cb;
    void *arg;
    backend_history_entry e[BACKEND_HISTORY_MAX];
} history_job;

static void history_work(uv_work_t *w)
{
    history_job *j = w->data;
    pthread_mutex_lock(&j->s->rlock);
    j->rc = store_db_history(j->s->rdb, j->x, j->y, j->limit, j->e, &j->n);
    pthread_mutex_unlock(&j->s->rlock);
}

static void free_memory(store *s);

static void on_tick(uv_timer_t *t)
{
    store *s = t->data;
    if (s->closing)
        return;
    if (++s->sweep_ticks >= SWEEP_TICKS) {
        s->sweep_ticks = 0;
        sweep_sessions(s);
    }
}

static void history_after(uv_work_t *w, int status)
{
    history_job *j = w->data;
    store *s = j->s;
    s->pending_work--;
    j->cb(j->arg, status ? -1 : j->rc, j->e, j->n);
    free(j);
    if (s->closed && s->pending_work == 0)
        free_memory(s); /* close() left this to the last history read */
}

static int st_history(backend *b, uint32_t x, uint32_t y, int limit, backend_history_cb cb,
                      void *arg)
{
    store *s = (store *)b;
    history_job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->work.data = j;
    j->s = s;
    j->x = x;
    j->y = y;
    j->limit = limit > BACKEND_HISTORY_MAX || limit <= 0 ? BACKEND_HISTORY_MAX : limit;
    j->cb = cb;
    j->arg = arg;
    if (uv_queue_work(s->loop, &j->work, history_work, history_after) < 0) {
        free(j);
        return -1;
    }
    s->pending_work++;
    return 0;
}

static void free_memory(store *s)
{
    session_rec *se, *stmp;
    HASH_ITER(hh, s->sessions, se, stmp) drop_session(s, se);
    HASH_CLEAR(hh_name, s->users_by_name);
    addr_rec *a, *atmp;
    HASH_ITER(hh, s->addrs, a, atmp)
    {
        HASH_DEL(s->addrs, a);
        free(a);
    }
    user_rec *u, *utmp;
    HASH_ITER(hh, s->users, u, utmp)
    {
        HASH_DEL(s->users, u);
        free(u->pwhash);
        free(u->ban_reason);
        free(u);
    }
    sqlite3_stmt *sts[] = {s->st_place, s->st_last, s->st_user,   s->st_sput,
                           s->st_sdel,  s->st_sdelu, s->st_canvas, s->st_bput,
                           s->st_bdel,  s->st_uaddr, s->st_uaddr_trim};
    for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++)
        sqlite3_finalize(sts[i]);
    sqlite3_close(s->db);
    sqlite3_close(s->rdb);
    free(s->wbits);
    free(s->initial_bits);
    free(s->bans);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->rlock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

static void on_async_closed(uv_handle_t *h)
{
    store *s = h->data;
    s->closed = 1;
    if (s->pending_work == 0)
        free_memory(s);
}

static void st_close(backend *b)
{
    store *s = (store *)b;
    if (!s)
        return;
    s->closing = 1;
    if (s->timer_open) {
        uv_timer_stop(&s->tick_timer);
        uv_close((uv_handle_t *)&s->tick_timer, NULL);
        s->timer_open = 0;
    }
    if (s->thread_started) {
        /* every session's exact expiry, so none ends early after a clean restart (a kill -9
         * leaves them at most SESSION_PERSIST_MS early) */
        session_rec *se, *tmp;
        HASH_ITER(hh, s->sessions, se, tmp)
            if (se->user->stored && se->expires != se->persisted &&
                queue_session(s, OP_SESSION_PUT, se->token, se->user->id, se->expires) == 0)
                se->persisted = se->expires;
        submit(s, NULL, NULL);
        pthread_mutex_lock(&s->lock);
        s->stopping = 1;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
        on_done(&s->async); /* the last acknowledgements */
    }
    uv_close((uv_handle_t *)&s->async, on_async_closed);
}

static const backend_ops embedded_ops = {
    .name = "embedded",
    .load_canvas = st_load_canvas,
    .place = st_place,
    .session_get = st_session_get,
    .session_new_guest = st_session_new_guest,
    .session_new = st_session_new,
    .session_revoke = st_session_revoke,
    .user_get = st_user_get,
    .user_register = st_user_register,
    .user_credentials = st_user_credentials,
    .admin = st_admin,
    .addr_budget = st_addr_budget,
    .addr_seen = st_addr_seen,
    .history = st_history,
    .close = st_close,
};

/* ---------------------------------------------------------------- opening */

/* Reads the stored canvas (growing it to the configured size if needed), then replays the
 * placements after its checkpoint. */
static int load_canvas_from_db(store *s, const place_config *cfg, char *err, size_t errcap)
{
    sqlite3_stmt *st = NULL;
    uint32_t w = (uint32_t)cfg->width, h = (uint32_t)cfg->height;
    uint64_t seq = 0;
    int rc = -1, grown = 0;
    uint8_t *bits = calloc(1, place_bitmap_bytes(w, h));
    if (!bits)
        goto out;
    sqlite3_prepare_v2(s->db, "SELECT width, height, seq, bits FROM canvas WHERE id = 1", -1, &st,
                       NULL);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        uint32_t sw = (uint32_t)sqlite3_column_int64(st, 0);
        uint32_t sh = (uint32_t)sqlite3_column_int64(st, 1);
        seq = (uint64_t)sqlite3_column_int64(st, 2);
        const void *blob = sqlite3_column_blob(st, 3);
        if (sw > w || sh > h) {
            snprintf(err, errcap,
                     "the stored canvas is %ux%u; refusing to shrink it to %ux%u "
                     "(start with --width %u --height %u or larger)",
                     sw, sh, w, h, sw > w ? sw : w, sh > h ? sh : h);
            goto out;
        }
        if (!blob || (size_t)sqlite3_column_bytes(st, 3) != place_bitmap_bytes(sw, sh)) {
            snprintf(err, errcap, "the stored canvas is damaged");
            goto out;
        }
        if (sw == w && sh == h)
            memcpy(bits, blob, place_bitmap_bytes(w, h));
        else if (place_bitmap_grow(blob, sw, sh, bits, w, h) == 0)
            grown = 1;
    } else {
        grown = 1; /* a new canvas: store it at once so its size is remembered */
    }
    sqlite3_finalize(st);
    st = NULL;

    sqlite3_prepare_v2(s->db, "SELECT seq, x, y, color FROM placements WHERE seq > ? ORDER BY seq",
                       -1, &st, NULL);
    if (!st) {
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(s->db));
        goto out;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    while (sqlite3_step(st) == SQLITE_ROW) {
        seq = (uint64_t)sqlite3_column_int64(st, 0);
        uint32_t x = (uint32_t)sqlite3_column_int64(st, 1), y = (uint32_t)sqlite3_column_int64(st, 2);
        if (x < w && y < h)
            place_bitmap_set(bits, w, x, y, sqlite3_column_int(st, 3));
        s->wdirty = 1;
    }
    s->wbits = bits;
    bits = NULL;
    s->w = w;
    s->h = h;
    s->wseq = s->initial_seq = seq;
    if (grown || s->wdirty) {
        if (checkpoint(s) < 0) {
            snprintf(err, errcap, "cannot write the canvas: %s", sqlite3_errmsg(s->db));
            goto out;
        }
    }
    s->last_ckpt = util_now_ms();
    if (!(s->initial_bits = malloc(place_bitmap_bytes(w, h))))
        goto out;
    memcpy(s->initial_bits, s->wbits, place_bitmap_bytes(w, h));
    rc = 0;
out:
    if (rc && !err[0])
        snprintf(err, errcap, "out of memory loading the canvas");
    sqlite3_finalize(st);
    free(bits);
    return rc;
}

static int load_people(store *s, char *err, size_t errcap)
{
    sqlite3_stmt *st = NULL;
    int64_t now = util_now_ms();
    sqlite3_prepare_v2(s->db,
                       "SELECT id, name, pwhash, is_guest, is_admin, is_banned, last_place,"
                       " banned_until, ban_reason FROM users",
                       -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        user_rec *u = calloc(1, sizeof *u);
        if (!u)
            break;
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *hash = (const char *)sqlite3_column_text(st, 2);
        snprintf(u->id, sizeof u->id, "%s", id ? id : "");
        snprintf(u->name, sizeof u->name, "%s", name ? name : "");
        u->pwhash = hash ? strdup(hash) : NULL;
        u->is_guest = (uint8_t)sqlite3_column_int(st, 3);
        u->is_admin = (uint8_t)sqlite3_column_int(st, 4);
        u->is_banned = (uint8_t)sqlite3_column_int(st, 5);
        u->stored = 1;
        u->banned_until = sqlite3_column_int64(st, 7);
        const char *reason = (const char *)sqlite3_column_text(st, 8);
        u->ban_reason = reason && reason[0] ? strdup(reason) : NULL;
        int64_t last = sqlite3_column_int64(st, 6);
        if (s->cooldown_ms > 0 && last > 0 && last + s->cooldown_ms > now)
            u->next_placement = last + s->cooldown_ms;
        HASH_ADD_STR(s->users, id, u);
        if (u->name[0] && !u->is_guest) {
            account_name_key(u->name, u->key);
            HASH_ADD_KEYPTR(hh_name, s->users_by_name, u->key, strlen(u->key), u);
        }
    }
    sqlite3_finalize(st);

    sqlite3_stmt *del = NULL;
    sqlite3_prepare_v2(s->db, "DELETE FROM sessions WHERE expires < ?", -1, &del, NULL);
    if (del) {
        sqlite3_bind_int64(del, 1, now);
        sqlite3_step(del);
        sqlite3_finalize(del);
    }
    st = NULL;
    sqlite3_prepare_v2(s->db, "SELECT token, user_id, expires FROM sessions", -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *token = (const char *)sqlite3_column_text(st, 0);
        const char *uid = (const char *)sqlite3_column_text(st, 1);
        user_rec *u = NULL;
        if (uid)
            HASH_FIND_STR(s->users, uid, u);
        if (!u || !token || strlen(token) != BACKEND_TOKEN_LEN)
            continue;
        session_rec *se = calloc(1, sizeof *se);
        if (!se)
            break;
        memcpy(se->token, token, BACKEND_TOKEN_LEN + 1);
        se->user = u;
        se->expires = se->persisted = sqlite3_column_int64(st, 2);
        HASH_ADD_STR(s->sessions, token, se);
    }
    sqlite3_finalize(st);

    /* the addresses each user used, most recent first */
    st = NULL;
    sqlite3_prepare_v2(s->db, "SELECT user_id, addr, seen FROM user_addrs ORDER BY seen DESC",
                       -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(st, 0);
        const char *addr = (const char *)sqlite3_column_text(st, 1);
        user_rec *u = NULL;
        if (uid)
            HASH_FIND_STR(s->users, uid, u);
        if (!u || !addr)
            continue;
        for (int i = 0; i < BACKEND_ADDRS_PER_USER; i++)
            if (!u->addrs[i].addr[0]) {
                snprintf(u->addrs[i].addr, sizeof u->addrs[i].addr, "%s", addr);
                u->addrs[i].seen = sqlite3_column_int64(st, 2);
                break;
            }
    }
    sqlite3_finalize(st);

    /* the address bans that have not run out */
    st = NULL;
    sqlite3_prepare_v2(s->db,
                       "SELECT cidr, until, guests_only, user_id, reason FROM addr_bans"
                       " WHERE until = 0 OR until > ?",
                       -1, &st, NULL);
    if (st)
        sqlite3_bind_int64(st, 1, now);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        backend_addr_ban *v = realloc(s->bans, (s->nbans + 1) * sizeof *v);
        if (!v)
            break;
        s->bans = v;
        backend_addr_ban *b = &s->bans[s->nbans++];
        memset(b, 0, sizeof *b);
        const char *cidr = (const char *)sqlite3_column_text(st, 0);
        const char *uid = (const char *)sqlite3_column_text(st, 3);
        const char *reason = (const char *)sqlite3_column_text(st, 4);
        snprintf(b->cidr, sizeof b->cidr, "%s", cidr ? cidr : "");
        b->until = sqlite3_column_int64(st, 1);
        b->guests_only = sqlite3_column_int(st, 2);
        snprintf(b->user_id, sizeof b->user_id, "%s", uid ? uid : "");
        snprintf(b->reason, sizeof b->reason, "%s", reason ? reason : "");
    }
    sqlite3_finalize(st);
    (void)err;
    (void)errcap;
    return 0;
}

static int prepare_all(store *s, char *err, size_t errcap)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } q[] = {
        {&s->st_place, "INSERT INTO placements(seq, x, y, color, user_id, time) VALUES(?,?,?,?,?,?)"},
        {&s->st_last, "UPDATE users SET last_place = ? WHERE id = ?"},
        {&s->st_user, "INSERT INTO users(id, name, pwhash, is_guest, is_admin, is_banned, created,"
                      " banned_until, ban_reason)"
                      " VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                      " pwhash = excluded.pwhash, is_guest = excluded.is_guest,"
                      " is_admin = excluded.is_admin, is_banned = excluded.is_banned,"
                      " banned_until = excluded.banned_until, ban_reason = excluded.ban_reason"},
        {&s->st_bput, "INSERT OR REPLACE INTO addr_bans(cidr, until, guests_only, user_id, reason,"
                      " created) VALUES(?,?,?,?,?,?)"},
        {&s->st_bdel, "DELETE FROM addr_bans WHERE cidr = ?"},
        {&s->st_uaddr, "INSERT INTO user_addrs(user_id, addr, seen) VALUES(?,?,?)"
                       " ON CONFLICT(user_id, addr) DO UPDATE SET seen = excluded.seen"},
        {&s->st_uaddr_trim, "DELETE FROM user_addrs WHERE user_id = ?1 AND addr NOT IN"
                            " (SELECT addr FROM user_addrs WHERE user_id = ?1"
                            " ORDER BY seen DESC LIMIT ?2)"},
        {&s->st_sput, "INSERT OR REPLACE INTO sessions(token, user_id, expires) VALUES(?,?,?)"},
        {&s->st_sdel, "DELETE FROM sessions WHERE token = ?"},
        {&s->st_sdelu, "DELETE FROM sessions WHERE user_id = ?"},
        {&s->st_canvas, "INSERT OR REPLACE INTO canvas(id, width, height, seq, bits)"
                        " VALUES(1,?,?,?,?)"},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        if (sqlite3_prepare_v3(s->db, q[i].sql, -1, SQLITE_PREPARE_PERSISTENT, q[i].st, NULL)) {
            snprintf(err, errcap, "database: %s", sqlite3_errmsg(s->db));
            return -1;
        }
    return 0;
}

backend *backend_embedded_open(const place_config *cfg, uv_loop_t *loop, const backend_sink *sink,
                               char *err, size_t errcap)
{
    err[0] = 0;
    store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    s->base.ops = &embedded_ops;
    s->cooldown_ms = cfg->cooldown_sec * 1000;
    s->scope = (backend_cooldown_scope)config_cooldown_scope(cfg);
    s->max_guests = cfg->max_guests > 0 ? (size_t)cfg->max_guests : 100000;
    s->max_guests_per_addr = cfg->max_guests_per_ip > 0 ? (size_t)cfg->max_guests_per_ip
                                                        : s->max_guests;
    s->loop = loop;
    s->sink = *sink;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->rlock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->async.data = s;
    if (uv_async_init(loop, &s->async, on_done) < 0) {
        snprintf(err, errcap, "uv_async_init failed");
        free_memory(s);
        return NULL;
    }
    if (store_db_open(cfg->data_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                &s->db, err, errcap) < 0 ||
        store_db_init(s->db, err, errcap) < 0 || prepare_all(s, err, errcap) < 0 ||
        load_canvas_from_db(s, cfg, err, errcap) < 0 || load_people(s, err, errcap) < 0 ||
        store_db_open(cfg->data_dir, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, &s->rdb, err,
                errcap) < 0)
        goto fail;
    /* the writer checkpoints itself (wal_trim); the hook replaces wal_autocheckpoint's */
    sqlite3_wal_hook(s->db, on_wal_commit, s);
    if (pthread_create(&s->thread, NULL, writer_main, s) != 0) {
        snprintf(err, errcap, "cannot start the writer thread");
        goto fail;
    }
    s->thread_started = 1;
    report_bans(s);
    s->tick_timer.data = s;
    if (uv_timer_init(loop, &s->tick_timer) == 0) {
        s->timer_open = 1;
        uv_timer_start(&s->tick_timer, on_tick, TICK_MS, TICK_MS);
    }
    return &s->base;
fail:
    uv_close((uv_handle_t *)&s->async, on_async_closed);
    uv_run(loop, UV_RUN_NOWAIT);
    return NULL;
}

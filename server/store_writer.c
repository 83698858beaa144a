/* The embedded store's writer thread (store_writer.h). */
#include "store_writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/bitmap.h"

#include "store_db.h"
#include "util.h"

#define CHECKPOINT_MS 30000 /* how often the writer stores the whole canvas */
/* The WAL's bound (docs/deploy.md, "Disk"). The writer checkpoints on its own connection (the
 * only one that knows the log is worth copying): PASSIVE once the log holds WAL_CKPT_BYTES
 * (in pages of the database's page size), which lets the next commit start the log from its
 * beginning; RESTART, which waits for readers, if the log still reached WAL_RESTART_BYTES;
 * TRUNCATE to an empty file after a second without writes. journal_size_limit (store_db.c) cuts
 * a restarted log back to 16 MiB, and a transaction holds at most BATCH_MAX operations, so the
 * file stays well under STORE_WAL_MAX_BYTES. */
#define WAL_CKPT_BYTES (4 * 1024 * 1024)
#define WAL_RESTART_BYTES (16 * 1024 * 1024)
#define PIXMAP_SLOTS 8192 /* the batch's pixel map: a power of two above BATCH_MAX */
#define BATCH_MAX 4096 /* operations in one transaction (cut between two calls' operations) */

struct store_writer {
    /* shared: guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    wop *q_head, *q_tail;
    wop *done_head, *done_tail;
    int stopping;

    /* the writer thread's (set up by writer_open before the thread starts) */
    sqlite3 *db;
    sqlite3_stmt *st_place, *st_user, *st_sput, *st_sdel, *st_sdelu, *st_canvas;
    sqlite3_stmt *st_bput, *st_bdel, *st_uaddr, *st_uaddr_trim, *st_audit;
    sqlite3_stmt *st_begin, *st_commit, *st_rollback; /* prepared once, not parsed per batch */
    uint8_t *wbits; /* the writer's copy of the canvas, for checkpoints */
    uint32_t w, h;
    uint64_t wseq; /* the last committed placement */
    int wdirty;
    int64_t last_ckpt;
    int wal_pages; /* frames in the WAL after the last commit (sqlite3_wal_hook) */
    int ckpt_pages, restart_pages; /* WAL_CKPT_BYTES and WAL_RESTART_BYTES in pages */
    int failing;   /* the last transaction failed (logged once until one succeeds) */
    store_heads *heads; /* each pixel's newest committed placement (shared with readers) */
    int commit_ms;      /* --commit-ms */
    int64_t last_begin; /* when the last transaction began (monotonic ms) */
    /* the batch's own pixel -> newest seq, for `prev` of a pixel placed twice in one batch:
     * open addressing, an entry is live when its stamp is the batch's */
    struct pixmap_slot {
        uint64_t pixel, seq;
        uint32_t stamp;
    } pixmap[PIXMAP_SLOTS];
    uint32_t stamp;
    /* what was written, said at a clean stop (the benchmark's WAL bytes per placement) */
    uint64_t n_txn, n_placed, n_frames, n_canvas_frames, n_canvas;
    int in_canvas; /* the commit under way is a canvas checkpoint */
    int page_size;

    /* the loop thread's */
    wop *stage_head, *stage_tail; /* the operations of the current call */
    uv_async_t async;
    writer_done_fn on_done;
    void *arg;
    pthread_t thread;
    int thread_started;
    void (*closed)(void *arg);
    void *closed_arg;
};

void wop_free(wop *op)
{
    free(op->pwhash);
    free(op->audit);
    free(op->audit_was);
    free(op->value);
    free(op);
}

/* ---------------------------------------------------------------- writer thread */

/* A live setting (rare: prepared each time). */
static int exec_setting(store_writer *wr, const wop *op)
{
    sqlite3_stmt *st = NULL;
    const char *sql = op->value ? "INSERT OR REPLACE INTO settings(key, value) VALUES(?1, ?2)"
                                : "DELETE FROM settings WHERE key = ?1";
    if (sqlite3_prepare_v2(wr->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, op->name, -1, SQLITE_STATIC);
    if (op->value)
        sqlite3_bind_text(st, 2, op->value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

static int exec_op(store_writer *wr, wop *op)
{
    sqlite3_stmt *st = NULL;
    if (op->kind == OP_SETTING)
        return exec_setting(wr, op);
    switch (op->kind) {
    case OP_PLACE:
        st = wr->st_place;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)op->seq);
        sqlite3_bind_int(st, 2, op->x);
        sqlite3_bind_int(st, 3, op->y);
        sqlite3_bind_int(st, 4, op->color);
        sqlite3_bind_text(st, 5, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, op->time);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)op->prev);
        break;
    case OP_USER:
        st = wr->st_user;
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
        st = wr->st_bput;
        sqlite3_bind_text(st, 1, op->ban.cidr, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, op->ban.until);
        sqlite3_bind_int(st, 3, op->ban.guests_only);
        sqlite3_bind_text(st, 4, op->ban.user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, op->ban.reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, op->time);
        break;
    case OP_ADDR_BAN_DEL:
        st = wr->st_bdel;
        sqlite3_bind_text(st, 1, op->ban.cidr, -1, SQLITE_STATIC);
        break;
    case OP_USER_ADDR:
        st = wr->st_uaddr;
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, op->ban.cidr, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, op->time);
        if (sqlite3_step(st) != SQLITE_DONE)
            break;
        sqlite3_reset(st);
        st = wr->st_uaddr_trim; /* the most recent BACKEND_ADDRS_PER_USER stay */
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, BACKEND_ADDRS_PER_USER);
        break;
    case OP_SESSION_PUT:
        st = wr->st_sput;
        sqlite3_bind_text(st, 1, op->token, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, op->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, op->expires);
        break;
    case OP_SESSION_DEL:
        st = wr->st_sdel;
        sqlite3_bind_text(st, 1, op->token, -1, SQLITE_STATIC);
        break;
    case OP_SESSION_DEL_USER:
        st = wr->st_sdelu;
        sqlite3_bind_text(st, 1, op->user_id, -1, SQLITE_STATIC);
        break;
    case OP_AUDIT:
        if (op->audit_was && store_db_audit_delete(wr->db, op->audit_was) < 0)
            return -1;
        st = wr->st_audit;
        store_db_audit_bind(st, op->audit);
        break;
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Says once, in words an operator acts on, that the database cannot be written (and once that
 * it can again): a full disk would otherwise print a line for every refused batch. */
static void report_write(store_writer *wr, int rc, const char *what)
{
    if (rc && !wr->failing) {
        int code = sqlite3_extended_errcode(wr->db);
        fprintf(stderr,
                "placed: store: cannot write %s (%s: %s)%s; placements, registrations, logins and "
                "admin actions are refused until it can be written again\n",
                STORE_DB_FILE, what, sqlite3_errmsg(wr->db),
                (code & 0xff) == SQLITE_FULL ? ": the disk is full, free some space" : "");
    } else if (!rc && wr->failing) {
        fprintf(stderr, "placed: store: %s can be written again\n", STORE_DB_FILE);
    }
    wr->failing = rc != 0;
}

/* The placement before seq on (x, y): an earlier one of this batch, else the committed head.
 * Records seq as the pixel's newest of the batch. */
static uint64_t chain(store_writer *wr, uint32_t x, uint32_t y, uint64_t seq)
{
    uint64_t pixel = (uint64_t)y * wr->w + x;
    size_t i = (size_t)((pixel * 0x9E3779B97F4A7C15ull) >> 51) & (PIXMAP_SLOTS - 1);
    while (wr->pixmap[i].stamp == wr->stamp && wr->pixmap[i].pixel != pixel)
        i = (i + 1) & (PIXMAP_SLOTS - 1);
    struct pixmap_slot *sl = &wr->pixmap[i];
    uint64_t prev = sl->stamp == wr->stamp ? sl->seq : store_heads_get(wr->heads, x, y);
    *sl = (struct pixmap_slot){pixel, seq, wr->stamp};
    return prev;
}

/* Runs a statement that returns no rows. Returns 0, or -1. */
static int step_once(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return rc;
}

/* One transaction for the whole batch: all of it is durable, or none of it (rc = -1). The
 * placements are numbered here, after the last committed one, so a failed transaction leaves no
 * hole in the sequence, and each is chained to the previous placement on its pixel. */
static void write_batch(store_writer *wr, wop *batch)
{
    uint64_t seq = wr->wseq;
    if (++wr->stamp == 0) { /* after 2^32 batches: forget every old stamp */
        memset(wr->pixmap, 0, sizeof wr->pixmap);
        wr->stamp = 1;
    }
    int rc = step_once(wr->st_begin);
    size_t placed = 0;
    for (wop *op = batch; op && rc == 0; op = op->next) {
        if (op->kind == OP_PLACE) {
            op->seq = ++seq;
            op->prev = chain(wr, op->x, op->y, op->seq);
            placed++;
        }
        rc = exec_op(wr, op);
    }
    if (rc == 0)
        rc = step_once(wr->st_commit);
    report_write(wr, rc, "transaction");
    if (rc)
        step_once(wr->st_rollback);
    for (wop *op = batch; op; op = op->next) {
        op->rc = rc;
        if (rc == 0 && op->kind == OP_PLACE) {
            place_bitmap_set(wr->wbits, wr->w, op->x, op->y, op->color);
            store_heads_set(wr->heads, op->x, op->y, op->seq); /* committed: readers may walk it */
            wr->wseq = op->seq;
            wr->wdirty = 1;
        }
    }
    if (rc == 0) {
        wr->n_txn++;
        wr->n_placed += placed;
    }
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    store_writer *wr = arg;
    /* the frames this commit appended (a log restarted after a checkpoint starts again at 0) */
    uint64_t frames = (uint64_t)(pages > wr->wal_pages ? pages - wr->wal_pages : pages);
    if (wr->in_canvas)
        wr->n_canvas_frames += frames;
    else
        wr->n_frames += frames;
    wr->wal_pages = pages;
    return SQLITE_OK;
}

/* Keeps the WAL short (see WAL_CKPT_PAGES); `idle`: no write is waiting, so the writer can
 * afford to wait for readers and empty the file. Every result is checked: a checkpoint that
 * cannot finish is said, and tried again after the next commit. */
static void wal_trim(store_writer *wr, int idle)
{
    int mode;
    if (idle && wr->wal_pages > 0)
        mode = SQLITE_CHECKPOINT_TRUNCATE;
    else if (wr->wal_pages >= wr->restart_pages)
        mode = SQLITE_CHECKPOINT_RESTART;
    else if (wr->wal_pages >= wr->ckpt_pages)
        mode = SQLITE_CHECKPOINT_PASSIVE;
    else
        return;
    int log = -1, copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(wr->db, NULL, mode, &log, &copied);
    if (rc == SQLITE_OK && log >= 0 && copied == log) {
        if (mode != SQLITE_CHECKPOINT_PASSIVE)
            wr->wal_pages = 0; /* restarted: the next commit writes from the start of the file */
        return;
    }
    if (rc == SQLITE_OK && mode == SQLITE_CHECKPOINT_PASSIVE)
        return; /* a reader holds part of the log: RESTART waits for it once the log is longer */
    if (rc != SQLITE_BUSY || mode == SQLITE_CHECKPOINT_RESTART)
        fprintf(stderr, "placed: store: WAL checkpoint (%d of %d frames): %s\n", copied, log,
                rc == SQLITE_OK ? "a reader held the rest" : sqlite3_errmsg(wr->db));
}

/* Stores the writer's copy of the canvas (the canvas row: its size, its last seq, its bits). */
static int checkpoint(store_writer *wr)
{
    sqlite3_stmt *st = wr->st_canvas;
    sqlite3_bind_int64(st, 1, wr->w);
    sqlite3_bind_int64(st, 2, wr->h);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)wr->wseq);
    sqlite3_bind_blob(st, 4, wr->wbits, (int)place_bitmap_bytes(wr->w, wr->h), SQLITE_STATIC);
    wr->in_canvas = 1;
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    wr->in_canvas = 0;
    wr->n_canvas++;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc)
        fprintf(stderr, "placed: store: canvas checkpoint failed: %s\n", sqlite3_errmsg(wr->db));
    wr->wdirty = rc != 0;
    wr->last_ckpt = util_now_ms();
    return rc;
}

/* Takes the queued operations for one transaction: all of them, or the first calls' whole
 * operations once BATCH_MAX is reached. Called with wr->lock held. */
static wop *take_batch(store_writer *wr)
{
    wop *batch = wr->q_head, *cut = NULL;
    size_t n = 0;
    for (wop *op = batch; op; op = op->next)
        if (++n >= BATCH_MAX && op->call_end && op->next) {
            cut = op;
            break;
        }
    if (cut) {
        wr->q_head = cut->next;
        cut->next = NULL;
    } else {
        wr->q_head = wr->q_tail = NULL;
    }
    return batch;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits on wr->cond (CLOCK_MONOTONIC) until ms from now at most; returns nonzero on timeout. */
static int wait_ms(store_writer *wr, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return pthread_cond_timedwait(&wr->cond, &wr->lock, &ts) != 0;
}

static void *writer_main(void *arg)
{
    store_writer *wr = arg;
    for (;;) {
        pthread_mutex_lock(&wr->lock);
        int waited = 0;
        if (!wr->q_head && !wr->stopping)
            waited = wait_ms(wr, 1000);
        /* group commit: a transaction begins commit_ms after the previous one began at the
         * earliest, and takes everything queued by then. Under load the loop only appends to
         * the queue meanwhile (it signals only an empty queue), so the two threads wake each
         * other once per transaction, not once per placement; an idle writer commits at once. */
        while (wr->q_head && !wr->stopping && wr->commit_ms > 0) {
            int64_t left = wr->last_begin + wr->commit_ms - mono_ms();
            if (left <= 0)
                break;
            wait_ms(wr, left);
        }
        wop *batch = take_batch(wr);
        int stop = wr->stopping;
        pthread_mutex_unlock(&wr->lock);

        if (batch) {
            wr->last_begin = mono_ms();
            write_batch(wr, batch);
        }
        if (batch || (waited && !stop))
            wal_trim(wr, !batch);
        if (wr->wdirty && (util_now_ms() - wr->last_ckpt >= CHECKPOINT_MS || (stop && !batch)))
            checkpoint(wr);
        if (batch) {
            wop *tail = batch;
            while (tail->next)
                tail = tail->next;
            pthread_mutex_lock(&wr->lock);
            if (wr->done_tail)
                wr->done_tail->next = batch;
            else
                wr->done_head = batch;
            wr->done_tail = tail;
            pthread_mutex_unlock(&wr->lock);
            uv_async_send(&wr->async);
        }
        if (stop && !batch)
            break;
    }
    if (wr->n_placed)
        fprintf(stderr,
                "placed: store: %llu placements committed in %llu transactions, %llu WAL frames"
                " of %d-byte pages: %.0f WAL bytes a placement; %llu canvas checkpoints,"
                " %llu frames\n",
                (unsigned long long)wr->n_placed, (unsigned long long)wr->n_txn,
                (unsigned long long)wr->n_frames, wr->page_size,
                (double)wr->n_frames * (wr->page_size + 24) / (double)wr->n_placed,
                (unsigned long long)wr->n_canvas, (unsigned long long)wr->n_canvas_frames);
    /* a clean stop leaves an empty WAL behind */
    if (sqlite3_wal_checkpoint_v2(wr->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
        SQLITE_OK)
        fprintf(stderr, "placed: store: final WAL checkpoint: %s\n", sqlite3_errmsg(wr->db));
    return NULL;
}

/* ---------------------------------------------------------------- loop thread */

/* Operations are staged while one call runs, then submitted together, so that the writer puts
 * all of one call's operations (a guest's record, its session and its first pixel) in the same
 * transaction: they succeed or fail as one, and the call's answer holds for all of them. */
void writer_stage(store_writer *wr, wop *op)
{
    op->next = NULL;
    if (wr->stage_tail)
        wr->stage_tail->next = op;
    else
        wr->stage_head = op;
    wr->stage_tail = op;
}

wop *writer_staged_last(store_writer *wr)
{
    return wr->stage_tail;
}

wop *writer_staged_next(store_writer *wr, wop *mark)
{
    return mark ? mark->next : wr->stage_head;
}

void writer_submit(store_writer *wr, backend_done_cb done, void *arg)
{
    wop *last = wr->stage_tail;
    if (!last) {
        if (done)
            done(arg, 0);
        return;
    }
    last->call_end = 1;
    last->done = done;
    last->done_arg = arg;
    pthread_mutex_lock(&wr->lock);
    if (wr->q_tail) {
        wr->q_tail->next = wr->stage_head; /* the writer is already due to take the queue */
    } else {
        wr->q_head = wr->stage_head;
        pthread_cond_signal(&wr->cond);
    }
    wr->q_tail = last;
    pthread_mutex_unlock(&wr->lock);
    wr->stage_head = wr->stage_tail = NULL;
}

/* Finished operations come back here and go to the owner in commit order. */
static void on_async(uv_async_t *h)
{
    store_writer *wr = h->data;
    pthread_mutex_lock(&wr->lock);
    wop *list = wr->done_head;
    wr->done_head = wr->done_tail = NULL;
    pthread_mutex_unlock(&wr->lock);
    if (list)
        wr->on_done(wr->arg, list);
}

static int prepare_all(store_writer *wr, char *err, size_t errcap)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } q[] = {
        {&wr->st_place, "INSERT INTO placements(seq, x, y, color, user_id, time, prev)"
                        " VALUES(?,?,?,?,?,?,?)"},
        {&wr->st_user, "INSERT INTO users(id, name, pwhash, is_guest, is_admin, is_banned, created,"
                       " banned_until, ban_reason)"
                       " VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                       " pwhash = excluded.pwhash, is_guest = excluded.is_guest,"
                       " is_admin = excluded.is_admin, is_banned = excluded.is_banned,"
                       " banned_until = excluded.banned_until, ban_reason = excluded.ban_reason"},
        {&wr->st_bput, "INSERT OR REPLACE INTO addr_bans(cidr, until, guests_only, user_id, reason,"
                       " created) VALUES(?,?,?,?,?,?)"},
        {&wr->st_bdel, "DELETE FROM addr_bans WHERE cidr = ?"},
        {&wr->st_uaddr, "INSERT INTO user_addrs(user_id, addr, seen) VALUES(?,?,?)"
                        " ON CONFLICT(user_id, addr) DO UPDATE SET seen = excluded.seen"},
        {&wr->st_uaddr_trim, "DELETE FROM user_addrs WHERE user_id = ?1 AND addr NOT IN"
                             " (SELECT addr FROM user_addrs WHERE user_id = ?1"
                             " ORDER BY seen DESC LIMIT ?2)"},
        {&wr->st_sput, "INSERT OR REPLACE INTO sessions(token, user_id, expires) VALUES(?,?,?)"},
        {&wr->st_sdel, "DELETE FROM sessions WHERE token = ?"},
        {&wr->st_sdelu, "DELETE FROM sessions WHERE user_id = ?"},
        {&wr->st_canvas, "INSERT OR REPLACE INTO canvas(id, width, height, seq, bits)"
                         " VALUES(1,?,?,?,?)"},
        {&wr->st_audit, STORE_DB_AUDIT_INSERT},
        {&wr->st_begin, "BEGIN IMMEDIATE"},
        {&wr->st_commit, "COMMIT"},
        {&wr->st_rollback, "ROLLBACK"},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        if (sqlite3_prepare_v3(wr->db, q[i].sql, -1, SQLITE_PREPARE_PERSISTENT, q[i].st, NULL)) {
            snprintf(err, errcap, "database: %s", sqlite3_errmsg(wr->db));
            return -1;
        }
    return 0;
}

static void finalize_all(store_writer *wr)
{
    sqlite3_stmt *sts[] = {wr->st_place, wr->st_user,   wr->st_sput,  wr->st_sdel,
                           wr->st_sdelu, wr->st_canvas, wr->st_bput,  wr->st_bdel,
                           wr->st_uaddr, wr->st_uaddr_trim, wr->st_audit, wr->st_begin,
                           wr->st_commit, wr->st_rollback};
    for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++)
        sqlite3_finalize(sts[i]);
}

static void on_closed(uv_handle_t *h)
{
    store_writer *wr = h->data;
    void (*closed)(void *) = wr->closed;
    void *arg = wr->closed_arg;
    pthread_mutex_destroy(&wr->lock);
    pthread_cond_destroy(&wr->cond);
    free(wr);
    if (closed)
        closed(arg);
}

store_writer *writer_open(sqlite3 *db, uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq,
                          int dirty, store_heads *heads, int commit_ms, uv_loop_t *loop,
                          writer_done_fn on_done, void *arg, char *err, size_t errcap)
{
    store_writer *wr = calloc(1, sizeof *wr);
    if (!wr) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    wr->db = db;
    wr->wbits = bits;
    wr->w = w;
    wr->h = h;
    wr->wseq = seq;
    wr->heads = heads;
    wr->commit_ms = commit_ms;
    wr->on_done = on_done;
    wr->arg = arg;
    sqlite3_stmt *ps = NULL;
    wr->page_size = 4096;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &ps, NULL) == SQLITE_OK &&
        sqlite3_step(ps) == SQLITE_ROW)
        wr->page_size = sqlite3_column_int(ps, 0);
    sqlite3_finalize(ps);
    wr->ckpt_pages = WAL_CKPT_BYTES / wr->page_size;
    wr->restart_pages = WAL_RESTART_BYTES / wr->page_size;
    pthread_mutex_init(&wr->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wr->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (prepare_all(wr, err, errcap) < 0)
        goto fail;
    if (dirty && checkpoint(wr) < 0) {
        snprintf(err, errcap, "cannot write the canvas: %s", sqlite3_errmsg(db));
        goto fail;
    }
    wr->last_ckpt = util_now_ms();
    wr->async.data = wr;
    if (uv_async_init(loop, &wr->async, on_async) < 0) {
        snprintf(err, errcap, "uv_async_init failed");
        goto fail;
    }
    /* the writer checkpoints itself (wal_trim); the hook replaces wal_autocheckpoint's */
    sqlite3_wal_hook(db, on_wal_commit, wr);
    if (pthread_create(&wr->thread, NULL, writer_main, wr) != 0) {
        snprintf(err, errcap, "cannot start the writer thread");
        sqlite3_wal_hook(db, NULL, NULL);
        finalize_all(wr);
        uv_close((uv_handle_t *)&wr->async, on_closed);
        return NULL;
    }
    wr->thread_started = 1;
    return wr;
fail:
    finalize_all(wr);
    pthread_mutex_destroy(&wr->lock);
    pthread_cond_destroy(&wr->cond);
    free(wr);
    return NULL;
}

void writer_close(store_writer *wr, void (*closed)(void *arg), void *arg)
{
    writer_submit(wr, NULL, NULL);
    pthread_mutex_lock(&wr->lock);
    wr->stopping = 1;
    pthread_cond_signal(&wr->cond);
    pthread_mutex_unlock(&wr->lock);
    pthread_join(wr->thread, NULL);
    on_async(&wr->async); /* the last acknowledgements */
    finalize_all(wr);
    sqlite3_close(wr->db);
    free(wr->wbits);
    wr->closed = closed;
    wr->closed_arg = arg;
    uv_close((uv_handle_t *)&wr->async, on_closed);
}

/* The embedded store: backend.h on SQLite (backend_embedded_open).
 *
 * Three parts, split along the one thread boundary of embedded mode:
 *  - people.c: users, sessions, the guest LRU, cooldowns, per-address budgets and the banned
 *    address blocks, in memory, on the loop thread;
 *  - store_writer.c: the writer thread (queue, group commit, canvas and WAL checkpoints), the
 *    only shared state;
 *  - this file, the glue: it loads the database into both at start, turns what the people write
 *    (people_io) into write operations for the writer, answers placements and completions when
 *    the writer hands the operations back (undoing in memory what a failed transaction did not
 *    store), and reads history on the uv thread pool through a connection of its own.
 *
 * Every backend call stages its operations and submits them together, so that they succeed or
 * fail as one transaction; queue order is commit order, so placements are acknowledged and
 * broadcast in ascending seq. Expired sessions are swept from memory once a minute, and a clean
 * stop writes every session's exact expiry. */
#include "backend.h"
#include "store_db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/bitmap.h"

#include "people.h"
#include "store_writer.h"
#include "util.h"

#define TICK_MS 2000   /* the loop thread's housekeeping tick */
#define SWEEP_TICKS 30 /* expired sessions are swept every SWEEP_TICKS ticks (a minute) */

typedef struct store {
    backend base;
    uv_loop_t *loop;
    backend_sink sink;
    people *people;
    store_writer *writer;
    store_heads *heads; /* each pixel's newest placement: set by the writer, read by history */

    sqlite3 *rdb; /* history reads on the uv thread pool, one at a time */
    pthread_mutex_t rlock;

    uv_timer_t tick_timer;
    int timer_open;
    int sweep_ticks;
    uint8_t *initial_bits; /* the canvas at start, until load_canvas takes it */
    uint32_t w, h;
    uint64_t initial_seq;
    int closing;
    int closed; /* the writer's handle is closed: free once no thread-pool work is in flight */
    int pending_work;
    /* an admin pixel act under way (mod_begin..mod_end): the pixels players placed since, one
     * bit each, that the act leaves alone */
    uint8_t *mod_marks;
    backend_audit_row mod_row; /* its row as put down under way (mod_row_set), st_mod_place */
    int mod_row_set;
    backend_setting settings[BACKEND_SETTINGS_MAX]; /* the live settings, as stored */
    size_t nsettings;
} store;

static void mod_mark(store *s, uint32_t x, uint32_t y)
{
    if (s->mod_marks && x < s->w && y < s->h) {
        size_t i = (size_t)y * s->w + x;
        s->mod_marks[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
}

static int mod_marked(const store *s, uint32_t x, uint32_t y)
{
    size_t i = (size_t)y * s->w + x;
    return (s->mod_marks[i >> 3] >> (i & 7)) & 1;
}

typedef struct mod_chunk {
    backend_mod_cb cb;
    void *arg;
    size_t placed;
    uint64_t last_seq;
} mod_chunk;

/* The result callback of an admin act's placements: the act's chunk is answered as a whole
 * (its done follows these), here it only learns the seqs. */
static void mod_place_cb(void *arg, const backend_place_result *r)
{
    mod_chunk *c = arg;
    if (r->err == PLACE_ERR_NONE && r->seq > c->last_seq)
        c->last_seq = r->seq;
}

/* ---------------------------------------------------------------- what the people write */

static wop *new_op(store *s, int kind, const char *user_id)
{
    wop *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->kind = kind;
    if (user_id)
        snprintf(op->user_id, sizeof op->user_id, "%s", user_id);
    op->time = util_now_ms();
    writer_stage(s->writer, op);
    return op;
}

static int io_put_user(void *arg, const char *id, const char *name, const char *pwhash,
                       int is_guest, int is_admin, int is_banned, int64_t banned_until,
                       const char *reason)
{
    store *s = arg;
    char *hash = NULL;
    if (pwhash && !(hash = strdup(pwhash)))
        return -1;
    wop *op = new_op(s, OP_USER, id);
    if (!op) {
        free(hash);
        return -1;
    }
    snprintf(op->name, sizeof op->name, "%s", name);
    op->pwhash = hash;
    op->is_guest = (uint8_t)is_guest;
    op->is_admin = (uint8_t)is_admin;
    op->is_banned = (uint8_t)is_banned;
    op->banned_until = banned_until;
    snprintf(op->ban.reason, sizeof op->ban.reason, "%s", reason);
    return 0;
}

static int io_put_session(void *arg, const char *token, const char *user_id, int64_t expires)
{
    wop *op = new_op(arg, OP_SESSION_PUT, user_id);
    if (!op)
        return -1;
    snprintf(op->token, sizeof op->token, "%s", token);
    op->expires = expires;
    return 0;
}

static int io_del_session(void *arg, const char *token)
{
    wop *op = new_op(arg, OP_SESSION_DEL, NULL);
    if (!op)
        return -1;
    snprintf(op->token, sizeof op->token, "%s", token);
    return 0;
}

static int io_put_user_addr(void *arg, const char *user_id, const char *addr, int64_t seen)
{
    wop *op = new_op(arg, OP_USER_ADDR, user_id);
    if (!op)
        return -1;
    snprintf(op->ban.cidr, sizeof op->ban.cidr, "%s", addr);
    op->time = seen;
    return 0;
}

static int io_ban(store *s, int kind, const backend_addr_ban *ban)
{
    wop *op = new_op(s, kind, NULL);
    if (!op)
        return -1;
    op->ban = *ban;
    return 0;
}

static int io_put_ban(void *arg, const backend_addr_ban *ban)
{
    return io_ban(arg, OP_ADDR_BAN_PUT, ban);
}

static int io_del_ban(void *arg, const backend_addr_ban *ban)
{
    return io_ban(arg, OP_ADDR_BAN_DEL, ban);
}

/* ---------------------------------------------------------------- what the writer hands back */

/* A failed transaction changed nothing on disk: what memory already holds is marked to be
 * written again, and what was only promised is taken back. */
static void undo_failed(store *s, const wop *op)
{
    switch (op->kind) {
    case OP_PLACE:
        people_place_undo(s->people, op->user_id, op->next_placement, op->prev_next);
        break;
    case OP_USER:
        people_user_unsaved(s->people, op->user_id, op->name, op->is_register, op->reg_fresh);
        break;
    case OP_SESSION_PUT:
        people_session_unsaved(s->people, op->token, op->drop_on_fail);
        break;
    }
}

/* Committed pixels go to the sink first (so the canvas holds a pixel before its owner hears
 * `placed`), then each placement is answered and each call completed. */
static void on_done(void *arg, wop *list)
{
    store *s = arg;
    /* pixels in runs of up to 256, so the sink gets batches without an allocation here */
    place_pixel px[256];
    size_t n = 0;
    for (wop *op = list; op; op = op->next) {
        if (op->kind != OP_PLACE || op->rc != 0)
            continue;
        if (op->cb != mod_place_cb)
            mod_mark(s, op->x, op->y); /* it was in flight when an act began */
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
        wop_free(op);
    }
}

/* ---------------------------------------------------------------- the backend's calls */

static void submit(store *s, backend_done_cb done, void *arg)
{
    writer_submit(s->writer, done, arg);
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
    backend_place_result r = {PLACE_ERR_UNAVAILABLE, 0, 0, -1};
    int64_t now = util_now_ms(), prev = 0;
    wop *op = NULL;
    if (!s->closing && people_place(s->people, user_id, addr, now, &r, &prev) == PLACE_ERR_NONE &&
        !(op = new_op(s, OP_PLACE, user_id))) {
        people_place_undo(s->people, user_id, r.next_placement, prev);
        r = (backend_place_result){PLACE_ERR_INTERNAL, 0, 0, -1};
    }
    if (!op) {
        submit(s, NULL, NULL);
        cb(arg, &r);
        return 0;
    }
    op->x = (uint16_t)x;
    op->y = (uint16_t)y;
    op->color = (uint8_t)color;
    op->time = now;
    mod_mark(s, x, y);
    op->prev_next = prev;
    op->next_placement = r.next_placement;
    op->cb = cb;
    op->arg = arg;
    submit(s, NULL, NULL);
    return 0;
}

static int st_session_get(backend *b, const char *token, backend_user *out)
{
    store *s = (store *)b;
    int rc = people_session_get(s->people, token, util_now_ms(), out);
    submit(s, NULL, NULL); /* an expired session's removal, or a stale expiry */
    return rc;
}

static int st_session_new(backend *b, const char *user_id, char token[BACKEND_TOKEN_LEN + 1],
                          backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    if (s->closing)
        return -1;
    if (people_session_new(s->people, user_id, util_now_ms(), token) < 0) {
        submit(s, NULL, NULL);
        return -1;
    }
    writer_staged_last(s->writer)->drop_on_fail = 1; /* the session's own write */
    submit(s, done, arg);
    return 0;
}

static int st_session_new_guest(backend *b, const char *addr, char token[BACKEND_TOKEN_LEN + 1],
                                backend_user *out)
{
    store *s = (store *)b;
    return people_session_new_guest(s->people, addr, util_now_ms(), token, out);
}

static void st_session_revoke(backend *b, const char *token, backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    people_session_revoke(s->people, token);
    submit(s, done, arg);
    if (s->sink.on_session_ended)
        s->sink.on_session_ended(s->sink.arg, token); /* its sockets close at once */
}

static int st_user_get(backend *b, const char *user_id, backend_user *out)
{
    store *s = (store *)b;
    return people_user_get(s->people, user_id, util_now_ms(), out);
}

static int st_user_register(backend *b, const char *guest_id, const char *name, const char *pwhash,
                            backend_user *out, backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    if (s->closing)
        return PLACE_ERR_UNAVAILABLE;
    wop *mark = writer_staged_last(s->writer);
    int fresh = 0;
    int rc = people_register(s->people, guest_id, name, pwhash, util_now_ms(), out, &fresh);
    if (rc != PLACE_ERR_NONE) {
        submit(s, NULL, NULL);
        return rc;
    }
    /* the user's record is the first operation the registration staged */
    wop *op = writer_staged_next(s->writer, mark);
    op->is_register = 1;
    op->reg_fresh = (uint8_t)fresh;
    submit(s, done, arg);
    return PLACE_ERR_NONE;
}

static int st_user_credentials(backend *b, const char *name, backend_user *out,
                               char pwhash[BACKEND_HASH_MAX + 1])
{
    store *s = (store *)b;
    return people_credentials(s->people, name, util_now_ms(), out, pwhash);
}

static void report_bans(store *s)
{
    size_t n;
    const backend_addr_ban *bans = people_bans(s->people, &n);
    if (s->sink.on_addr_bans)
        s->sink.on_addr_bans(s->sink.arg, bans, n);
}

static void report_settings(store *s)
{
    if (s->sink.on_settings)
        s->sink.on_settings(s->sink.arg, s->settings, s->nsettings);
}

/* Stores the settings of q: in memory at once, on disk through the writer (one transaction). */
static int put_settings(store *s, const backend_admin_req *q, char *err, size_t errcap)
{
    backend_setting next[BACKEND_SETTINGS_MAX];
    size_t n = s->nsettings;
    memcpy(next, s->settings, sizeof next);
    for (size_t i = 0; i < q->nsettings; i++) {
        const backend_setting *kv = &q->settings[i];
        size_t k = 0;
        while (k < n && strcmp(next[k].key, kv->key))
            k++;
        if (!kv->value[0]) {
            if (k < n)
                next[k] = next[--n];
            continue;
        }
        if (k == n && n == BACKEND_SETTINGS_MAX) {
            snprintf(err, errcap, "too many settings stored");
            return PLACE_ERR_BAD_REQUEST;
        }
        next[k] = *kv;
        n += k == n;
    }
    for (size_t i = 0; i < q->nsettings; i++) {
        wop *op = new_op(s, OP_SETTING, NULL);
        if (!op || (q->settings[i].value[0] && !(op->value = strdup(q->settings[i].value)))) {
            /* out of memory: what is staged goes (an op without its value has no key yet, so
             * it forgets nothing), and the running server keeps the settings it had */
            snprintf(err, errcap, "out of memory");
            submit(s, NULL, NULL);
            return PLACE_ERR_INTERNAL;
        }
        snprintf(op->name, sizeof op->name, "%s", q->settings[i].key);
    }
    memcpy(s->settings, next, sizeof next);
    s->nsettings = n;
    return PLACE_ERR_NONE;
}

/* The audit row of an admin act as a write operation, made before the act so that running out
 * of memory refuses the act rather than losing its row; staged after the act's own operations
 * (writer_stage), in the same call: one transaction. */
static wop *audit_op(const backend_audit_row *row)
{
    if (!row)
        return NULL;
    wop *op = calloc(1, sizeof *op);
    backend_audit_row *copy = op ? malloc(sizeof *copy) : NULL;
    if (!copy) {
        free(op);
        return NULL;
    }
    *copy = *row;
    op->kind = OP_AUDIT;
    op->time = util_now_ms();
    op->audit = copy;
    return op;
}

static int st_admin(backend *b, const backend_admin_req *q, char *err, size_t errcap,
                    backend_done_cb done, void *arg)
{
    store *s = (store *)b;
    if (s->closing) {
        snprintf(err, errcap, "the server is stopping");
        return PLACE_ERR_UNAVAILABLE;
    }
    wop *row = audit_op(q->audit);
    if (q->audit && !row) {
        snprintf(err, errcap, "out of memory");
        return PLACE_ERR_UNAVAILABLE;
    }
    if (q->op == BACKEND_ADMIN_SETTINGS) {
        int rc = put_settings(s, q, err, errcap);
        if (rc != PLACE_ERR_NONE) {
            if (row)
                wop_free(row);
            return rc;
        }
        report_settings(s);
        if (row)
            writer_stage(s->writer, row);
        submit(s, done, arg);
        return PLACE_ERR_NONE;
    }
    char cidr[BACKEND_CIDR_MAX] = "";
    if ((q->op == BACKEND_ADMIN_BAN_ADDR || q->op == BACKEND_ADMIN_UNBAN_ADDR) &&
        (!q->addr || store_db_block(q->addr, cidr, err, errcap) < 0)) {
        if (row)
            wop_free(row);
        return PLACE_ERR_BAD_REQUEST;
    }
    people_admin_out o;
    int rc = people_admin(s->people, q, cidr, util_now_ms(), err, errcap, &o);
    if (rc != PLACE_ERR_NONE) {
        if (row)
            wop_free(row);
        submit(s, NULL, NULL);
        return rc;
    }
    if (row)
        writer_stage(s->writer, row);
    if (o.banned[0] && s->sink.on_banned)
        s->sink.on_banned(s->sink.arg, o.banned);
    if (o.bans_changed)
        report_bans(s);
    if (o.unbanned[0] && s->sink.on_unbanned)
        s->sink.on_unbanned(s->sink.arg, o.unbanned);
    submit(s, done, arg);
    return PLACE_ERR_NONE;
}

static int st_audit_add(backend *b, const backend_audit_row *row, backend_done_cb done,
                        void *arg)
{
    store *s = (store *)b;
    if (s->closing)
        return PLACE_ERR_UNAVAILABLE;
    backend_audit_row *copy = malloc(sizeof *copy);
    wop *op = copy ? new_op(s, OP_AUDIT, NULL) : NULL;
    if (!op) {
        free(copy);
        submit(s, NULL, NULL);
        return -1;
    }
    *copy = *row;
    op->audit = copy;
    submit(s, done, arg);
    return 0;
}

static void st_set_cooldown(backend *b, int64_t ms)
{
    store *s = (store *)b;
    people_set_cooldown(s->people, (int)ms);
}

static void st_addr_seen(backend *b, const char *user_id, const char *addr)
{
    store *s = (store *)b;
    people_addr_seen(s->people, user_id, addr, util_now_ms());
    submit(s, NULL, NULL);
}

static int st_addr_budget(backend *b, backend_budget kind, const char *addr, int limit,
                          int64_t *retry_ms)
{
    store *s = (store *)b;
    return people_addr_budget(s->people, kind, addr, limit, util_now_ms(), retry_ms);
}

/* ---------------------------------------------------------------- history reads */

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
    /* the head first: the read transaction then begins after its commit, so it sees the row */
    uint64_t head = store_heads_get(j->s->heads, j->x, j->y);
    j->rc = store_db_history(j->s->rdb, j->x, j->y, head, j->limit, j->e, &j->n);
    pthread_mutex_unlock(&j->s->rlock);
}

static void free_memory(store *s)
{
    free(s->mod_marks);
    people_free(s->people);
    sqlite3_close(s->rdb);
    store_heads_free(s->heads);
    free(s->initial_bits);
    pthread_mutex_destroy(&s->rlock);
    free(s);
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

/* ---------------------------------------------------------------- admin pixel acts */

typedef struct plan_job {
    uv_work_t work;
    store *s;
    backend_plan_req q;
    int rc;
    backend_plan_px *px;
    size_t n;
    backend_plan_cb cb;
    void *arg;
} plan_job;

static void plan_work(uv_work_t *w)
{
    plan_job *j = w->data;
    pthread_mutex_lock(&j->s->rlock);
    j->rc = store_db_plan(j->s->rdb, &j->q, j->s->w, j->s->h, &j->px, &j->n);
    pthread_mutex_unlock(&j->s->rlock);
}

static void plan_after(uv_work_t *w, int status)
{
    plan_job *j = w->data;
    store *s = j->s;
    s->pending_work--;
    if (status) {
        free(j->px);
        j->cb(j->arg, -1, NULL, 0);
    } else {
        j->cb(j->arg, j->rc, j->px, j->n);
    }
    free(j);
    if (s->closed && s->pending_work == 0)
        free_memory(s);
}

static int st_plan(backend *b, const backend_plan_req *q, backend_plan_cb cb, void *arg)
{
    store *s = (store *)b;
    plan_job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->work.data = j;
    j->s = s;
    j->q = *q;
    j->cb = cb;
    j->arg = arg;
    if (uv_queue_work(s->loop, &j->work, plan_work, plan_after) < 0) {
        free(j);
        return -1;
    }
    s->pending_work++;
    return 0;
}

static int st_mod_begin(backend *b, uint64_t *sync_seq)
{
    store *s = (store *)b;
    *sync_seq = 0; /* the live canvas has every committed placement */
    free(s->mod_marks);
    s->mod_marks = calloc(1, ((size_t)s->w * s->h + 7) / 8);
    s->mod_row_set = 0;
    return s->mod_marks ? 0 : -1;
}

static void st_mod_end(backend *b)
{
    store *s = (store *)b;
    free(s->mod_marks);
    s->mod_marks = NULL;
}

static void mod_chunk_done(void *arg, int rc)
{
    mod_chunk *c = arg;
    c->cb(c->arg, rc, rc ? 0 : c->placed, rc ? 0 : c->last_seq);
    free(c);
}

/* The act's last chunk stages its audit row with its pixels, in the same call: the writer
 * never cuts a transaction inside a call (take_batch), so the pixels and the row commit
 * together, or neither does. An act of more than one chunk puts its row down marked under way
 * with its first chunk (same transaction), and the last chunk's row replaces it: a crash in
 * between leaves the act on record as under way, never changed pixels with no row. */
static int st_mod_place(backend *b, const char *act_id, const backend_plan_px *px, size_t n,
                        const backend_audit_row *row, int last, backend_mod_cb cb, void *arg)
{
    store *s = (store *)b;
    mod_chunk *c = calloc(1, sizeof *c);
    int first = !last && n > 0 && !s->mod_row_set;
    backend_audit_row *copy = last || first ? malloc(sizeof *copy) : NULL;
    backend_audit_row *was = last && s->mod_row_set ? malloc(sizeof *was) : NULL;
    if (s->closing || !s->mod_marks || !c || !row || ((last || first) && !copy) ||
        (last && s->mod_row_set && !was)) {
        free(c);
        free(copy);
        free(was);
        return -1;
    }
    if (last || first) { /* staged first; a last row's count is set once its pixels are known */
        wop *op = new_op(s, OP_AUDIT, NULL);
        if (!op) {
            free(copy);
            free(was);
            free(c);
            return -1;
        }
        *copy = *row;
        if (first) {
            backend_audit_under_way(copy);
            s->mod_row = *copy;
            s->mod_row_set = 1;
        }
        if (was)
            *was = s->mod_row;
        op->audit = copy;
        op->audit_was = was;
    }
    c->cb = cb;
    c->arg = arg;
    int64_t now = util_now_ms();
    for (size_t i = 0; i < n; i++) {
        if (px[i].x >= s->w || px[i].y >= s->h || mod_marked(s, px[i].x, px[i].y))
            continue;
        wop *op = new_op(s, OP_PLACE, act_id);
        if (!op)
            break; /* out of memory: the chunk places what it has */
        op->x = px[i].x;
        op->y = px[i].y;
        op->color = px[i].color & 0x0f;
        op->time = now;
        op->cb = mod_place_cb;
        op->arg = c;
        c->placed++;
    }
    if (last) /* filled in before the call is submitted: nothing reads it until then */
        copy->pixels = (row->pixels > 0 ? row->pixels : 0) + (int64_t)c->placed;
    submit(s, mod_chunk_done, c);
    return 0;
}

/* ---------------------------------------------------------------- housekeeping and closing */

static void on_tick(uv_timer_t *t)
{
    store *s = t->data;
    if (s->closing)
        return;
    if (++s->sweep_ticks >= SWEEP_TICKS) {
        s->sweep_ticks = 0;
        people_sweep(s->people, util_now_ms());
        submit(s, NULL, NULL);
    }
}

static void on_writer_closed(void *arg)
{
    store *s = arg;
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
    people_persist_expiries(s->people);
    writer_close(s->writer, on_writer_closed, s); /* commits them, and the last placements */
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
    .audit_add = st_audit_add,
    .set_cooldown = st_set_cooldown,
    .addr_budget = st_addr_budget,
    .addr_seen = st_addr_seen,
    .history = st_history,
    .plan = st_plan,
    .mod_begin = st_mod_begin,
    .mod_place = st_mod_place,
    .mod_end = st_mod_end,
    .close = st_close,
};

/* ---------------------------------------------------------------- opening */

/* Reads the stored canvas (growing it to the configured size if needed), then replays the
 * placements after its checkpoint, into *bits (the writer's copy; s->initial_bits gets another).
 * *dirty: the stored canvas must be stored again (new, grown or behind the placements). */
static int load_canvas_from_db(store *s, sqlite3 *db, const place_config *cfg, uint8_t **out,
                               uint64_t *seq_out, int *dirty, char *err, size_t errcap)
{
    sqlite3_stmt *st = NULL;
    uint32_t w = (uint32_t)cfg->width, h = (uint32_t)cfg->height;
    uint64_t seq = 0;
    int rc = -1, grown = 0;
    uint8_t *bits = calloc(1, place_bitmap_bytes(w, h));
    if (!bits)
        goto out;
    sqlite3_prepare_v2(db, "SELECT width, height, seq, bits FROM canvas WHERE id = 1", -1, &st,
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

    /* every pixel's newest placement: one pass over the history (which is the one thing a
     * start reads in proportion to the history's length) */
    uint64_t last = 0;
    if (!(s->heads = store_heads_new(w, h))) {
        snprintf(err, errcap, "out of memory for the pixels' history heads");
        goto out;
    }
    if (store_db_heads_load(db, s->heads, &last) < 0) {
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_prepare_v2(db, "SELECT seq, x, y, color FROM placements WHERE seq > ? ORDER BY seq",
                       -1, &st, NULL);
    if (!st) {
        snprintf(err, errcap, "database: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    int replayed = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        seq = (uint64_t)sqlite3_column_int64(st, 0);
        uint32_t x = (uint32_t)sqlite3_column_int64(st, 1), y = (uint32_t)sqlite3_column_int64(st, 2);
        if (x < w && y < h)
            place_bitmap_set(bits, w, x, y, sqlite3_column_int(st, 3));
        replayed = 1;
    }
    if (!(s->initial_bits = malloc(place_bitmap_bytes(w, h))))
        goto out;
    memcpy(s->initial_bits, bits, place_bitmap_bytes(w, h));
    s->w = w;
    s->h = h;
    s->initial_seq = *seq_out = seq;
    *dirty = grown || replayed;
    *out = bits;
    bits = NULL;
    rc = 0;
out:
    if (rc && !err[0])
        snprintf(err, errcap, "out of memory loading the canvas");
    sqlite3_finalize(st);
    free(bits);
    return rc;
}

static void recent_placer(void *arg, const char *user_id, int64_t time_ms)
{
    people_load_last_place(arg, user_id, time_ms, util_now_ms());
}

/* Loads the users, their sessions and addresses, and the address bans that have not run out;
 * the cooldowns still running come from the newest placements (cooldown_ms: the cooldown in
 * force, --cooldown or a stored --set cooldown=). */
static void load_people(people *p, sqlite3 *db, int64_t cooldown_ms)
{
    sqlite3_stmt *st = NULL;
    int64_t now = util_now_ms();
    sqlite3_prepare_v2(db,
                       "SELECT id, name, pwhash, is_guest, is_admin, is_banned, last_place,"
                       " banned_until, ban_reason FROM users",
                       -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        if (people_load_user(p, (const char *)sqlite3_column_text(st, 0),
                             (const char *)sqlite3_column_text(st, 1),
                             (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                             sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
                             sqlite3_column_int64(st, 7), (const char *)sqlite3_column_text(st, 8),
                             sqlite3_column_int64(st, 6), now) < 0)
            break;
    sqlite3_finalize(st);
    /* users.last_place is no longer written (layout 2, store_db.h): a database of layout 1 still
     * has it, read above; the placements of the last cooldown tell the rest */
    if (cooldown_ms > 0)
        store_db_recent_placers(db, now - cooldown_ms, recent_placer, p);

    sqlite3_stmt *del = NULL;
    sqlite3_prepare_v2(db, "DELETE FROM sessions WHERE expires < ?", -1, &del, NULL);
    if (del) {
        sqlite3_bind_int64(del, 1, now);
        sqlite3_step(del);
        sqlite3_finalize(del);
    }
    st = NULL;
    sqlite3_prepare_v2(db, "SELECT token, user_id, expires FROM sessions", -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        if (people_load_session(p, (const char *)sqlite3_column_text(st, 0),
                                (const char *)sqlite3_column_text(st, 1),
                                sqlite3_column_int64(st, 2)) < 0)
            break;
    sqlite3_finalize(st);

    /* the addresses each user used, most recent first */
    st = NULL;
    sqlite3_prepare_v2(db, "SELECT user_id, addr, seen FROM user_addrs ORDER BY seen DESC", -1,
                       &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        people_load_user_addr(p, (const char *)sqlite3_column_text(st, 0),
                              (const char *)sqlite3_column_text(st, 1),
                              sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);

    st = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT cidr, until, guests_only, user_id, reason FROM addr_bans"
                       " WHERE until = 0 OR until > ?",
                       -1, &st, NULL);
    if (st)
        sqlite3_bind_int64(st, 1, now);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        backend_addr_ban b;
        memset(&b, 0, sizeof b);
        const char *cidr = (const char *)sqlite3_column_text(st, 0);
        const char *uid = (const char *)sqlite3_column_text(st, 3);
        const char *reason = (const char *)sqlite3_column_text(st, 4);
        snprintf(b.cidr, sizeof b.cidr, "%s", cidr ? cidr : "");
        b.until = sqlite3_column_int64(st, 1);
        b.guests_only = sqlite3_column_int(st, 2);
        snprintf(b.user_id, sizeof b.user_id, "%s", uid ? uid : "");
        snprintf(b.reason, sizeof b.reason, "%s", reason ? reason : "");
        if (people_load_ban(p, &b) < 0)
            break;
    }
    sqlite3_finalize(st);
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
    s->loop = loop;
    s->sink = *sink;
    pthread_mutex_init(&s->rlock, NULL);
    people_config pc = {
        .cooldown_ms = cfg->cooldown_sec * 1000,  /* a stored --set cooldown= replaces it below */
        .scope = (backend_cooldown_scope)config_cooldown_scope(cfg),
        .max_guests = cfg->max_guests > 0 ? (size_t)cfg->max_guests : 100000,
    };
    pc.max_guests_per_addr = cfg->max_guests_per_ip > 0 ? (size_t)cfg->max_guests_per_ip
                                                        : pc.max_guests;
    people_io io = {s, io_put_user, io_put_session, io_del_session, io_put_user_addr, io_put_ban,
                    io_del_ban};
    sqlite3 *db = NULL;
    uint8_t *bits = NULL;
    uint64_t seq = 0;
    int dirty = 0;
    if (store_db_open(cfg->data_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      &db, err, errcap) < 0 ||
        store_db_init(db, err, errcap) < 0)
        goto fail;
    store_db_settings(db, s->settings, BACKEND_SETTINGS_MAX, &s->nsettings);
    /* the cooldowns restarted from the users' last placements are the stored one's */
    for (size_t i = 0; i < s->nsettings; i++) {
        char *end;
        long v = strtol(s->settings[i].value, &end, 10);
        if (!strcmp(s->settings[i].key, "cooldown") && !*end && v >= 0 && v <= 86400)
            pc.cooldown_ms = (int)v * 1000;
    }
    if (!(s->people = people_new(&pc, &io))) {
        snprintf(err, errcap, "out of memory");
        goto fail;
    }
    if (load_canvas_from_db(s, db, cfg, &bits, &seq, &dirty, err, errcap) < 0)
        goto fail;
    load_people(s->people, db, (int64_t)pc.cooldown_ms);
    if (store_db_open(cfg->data_dir, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, &s->rdb, err,
                      errcap) < 0 ||
        !(s->writer = writer_open(db, bits, s->w, s->h, seq, dirty, s->heads, cfg->commit_ms, loop,
                                  on_done, s, err, errcap))) {
        uv_run(loop, UV_RUN_NOWAIT); /* a writer that got as far as its async handle closes it */
        goto fail;
    }
    report_bans(s);
    report_settings(s);
    s->tick_timer.data = s;
    if (uv_timer_init(loop, &s->tick_timer) == 0) {
        s->timer_open = 1;
        uv_timer_start(&s->tick_timer, on_tick, TICK_MS, TICK_MS);
    }
    return &s->base;
fail:
    sqlite3_close(db);
    free(bits);
    free_memory(s);
    return NULL;
}

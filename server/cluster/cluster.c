/* The cluster backend (see cluster.h and backend.h).
 *
 * The quick calls (sessions, users, admin) are loopback round trips to Redis on the loop
 * thread, as backend.h allows. Users and sessions this process has seen are remembered
 * (people_cache.c), so that while Redis is down the connected players keep their identity: their
 * placements are then refused with UNAVAILABLE (not INTERNAL), and viewing and broadcasts go on. */
#include "cluster.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/bitmap.h"

#include "account.h"
#include "feed.h"
#include "history.h"
#include "notify.h"
#include "people_cache.h"
#include "placer.h"
#include "rstore.h"
#include "snapshot_redis.h"
#include "store_db.h"
#include "util.h"

#define LOOP_REDIS_TIMEOUT_MS 500 /* the loop thread's Redis calls wait at most this long */
#define CACHE_MAX 200000          /* remembered users or sessions; past it the memory starts over */
#define TOPIC_TIMEOUT_MS 10000
#define SNAPSHOT_REDIS_TIMEOUT_MS 2000 /* a worker thread reads the 2 MB canvas */

typedef struct cluster {
    backend base;
    place_config cfg;
    uv_loop_t *loop;
    backend_sink sink;
    rstore *rs;
    placer *pl;
    feed *fd;
    history *hist;
    notify *nt;
    int64_t addr_keep_ms; /* --ban-addresses-for */
    people_cache *people; /* the users and sessions this process has seen */
    char proc_id[17];     /* this process among the cluster's players-online entries */
    int online_used;      /* online_sync ran: the entry goes at close */
    int mod_busy;         /* an admin pixel act is under way in this process */
    uint64_t mod_sync;    /* its seq in Redis as it began */
    /* its audit row as appended under way (cl_mod_place), and where in the list (-1: none) */
    long long mod_row_at;
    char mod_row[BACKEND_AUDIT_WHO_MAX + BACKEND_AUDIT_ACT_MAX + BACKEND_AUDIT_WHAT_MAX + 64];
} cluster;

int cluster_check_config(const place_config *cfg, char *err, size_t errcap)
{
    if (!cfg->redis[0] || !cfg->kafka[0]) {
        snprintf(err, errcap, "cluster mode needs both --redis HOST:PORT and --kafka BROKERS");
        return -1;
    }
    return 0;
}

static void publish(rstore *rs, const char *msg);

/* ---------------------------------------------------------------- replies */

static const char *str_at(const redisReply *r, size_t i)
{
    if (i >= r->elements || r->element[i]->type != REDIS_REPLY_STRING)
        return "";
    return r->element[i]->str;
}

/* {id, name, guest, admin, banned, cooldown, until, reason} -> *u. Returns 0, or -1 for any
 * other reply. */
static int parse_user(const redisReply *r, backend_user *u)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 8)
        return -1;
    memset(u, 0, sizeof *u);
    int64_t now = util_now_ms();
    snprintf(u->id, sizeof u->id, "%s", str_at(r, 0));
    snprintf(u->name, sizeof u->name, "%s", str_at(r, 1));
    u->is_guest = rstore_num_at(r, 2) != 0;
    u->is_admin = rstore_num_at(r, 3) != 0;
    int64_t until = rstore_num_at(r, 6);
    u->is_banned = rstore_num_at(r, 4) != 0 && (until == 0 || until > now);
    if (u->is_banned) {
        u->banned_until = until;
        snprintf(u->ban_reason, sizeof u->ban_reason, "%s", str_at(r, 7));
    }
    int64_t next = rstore_num_at(r, 5);
    u->next_placement = next > now ? next : 0;
    return 0;
}

static int valid_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- canvas */

/* The keys RS_SNAPSHOT and RS_RESIZE take. */
static const char *canvas_keys[3] = {RSTORE_PREFIX "canvas", RSTORE_PREFIX "seq",
                                     RSTORE_PREFIX "meta"};

/* A malloc'd bitmap of `bytes` holding the canvas bitfield in `data`, zero past its end (BITFIELD
 * only grows the string as far as the highest pixel written). NULL when out of memory. */
static uint8_t *bitmap_from_reply(const redisReply *data, size_t bytes)
{
    uint8_t *out = calloc(1, bytes ? bytes : 1);
    size_t have = data->type == REDIS_REPLY_STRING ? data->len : 0;
    if (out && have)
        memcpy(out, data->str, have < bytes ? have : bytes);
    return out;
}

static int cl_load_canvas(backend *b, uint8_t **bits, uint32_t *w, uint32_t *h, uint64_t *seq,
                          char *err, size_t errcap)
{
    cluster *c = (cluster *)b;
    uint32_t want_w = (uint32_t)c->cfg.width, want_h = (uint32_t)c->cfg.height;
    for (int attempt = 0; attempt < 10; attempt++) {
        redisReply *r = rstore_script(c->rs, RS_SNAPSHOT, 3, 3, canvas_keys, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 5) {
            snprintf(err, errcap, "cannot read the canvas from Redis at %s%s%s", c->cfg.redis,
                     r && r->type == REDIS_REPLY_ERROR ? ": " : "",
                     r && r->type == REDIS_REPLY_ERROR ? r->str : "");
            if (r)
                freeReplyObject(r);
            return -1;
        }
        const redisReply *data = r->element[0];
        uint64_t s = (uint64_t)rstore_num_at(r, 1);
        uint32_t sw = (uint32_t)rstore_num_at(r, 2), sh = (uint32_t)rstore_num_at(r, 3);
        int64_t now = rstore_num_at(r, 4);
        char olds[24], oldw[16], oldh[16], neww[16], newh[16];
        snprintf(olds, sizeof olds, "%" PRIu64, s);
        snprintf(oldw, sizeof oldw, "%u", sw);
        snprintf(oldh, sizeof oldh, "%u", sh);
        snprintf(neww, sizeof neww, "%u", want_w);
        snprintf(newh, sizeof newh, "%u", want_h);
        if (sw > want_w || sh > want_h) {
            snprintf(err, errcap, "the stored canvas is %ux%u; refusing to shrink it to %ux%u", sw,
                     sh, want_w, want_h);
            freeReplyObject(r);
            return -1;
        }
        if (sw == want_w && sh == want_h) {
            uint8_t *out = bitmap_from_reply(data, place_bitmap_bytes(sw, sh));
            freeReplyObject(r);
            if (!out) {
                snprintf(err, errcap, "out of memory");
                return -1;
            }
            *bits = out;
            *w = sw;
            *h = sh;
            *seq = s;
            if (!c->fd) {
                feed_config fc = {c->cfg.kafka, c->cfg.kafka_topic, s, now, c->cfg.hole_ms};
                if (!(c->fd = feed_new(c->loop, &fc, &c->sink, err, errcap))) {
                    free(out);
                    return -1;
                }
            }
            return 0;
        }
        /* new or smaller: grow it (content kept) under a check that nobody changed it since */
        size_t bytes = place_bitmap_bytes(want_w, want_h);
        uint8_t *old = bitmap_from_reply(data, place_bitmap_bytes(sw, sh));
        uint8_t *grown = calloc(1, bytes);
        freeReplyObject(r);
        if (!old || !grown) {
            free(old);
            free(grown);
            snprintf(err, errcap, "out of memory");
            return -1;
        }
        if (sw && sh)
            place_bitmap_grow(old, sw, sh, grown, want_w, want_h);
        const char *av[9] = {canvas_keys[0], canvas_keys[1], canvas_keys[2], neww, newh,
                             oldw, oldh, olds, (const char *)grown};
        size_t al[9];
        for (int i = 0; i < 8; i++)
            al[i] = strlen(av[i]);
        al[8] = bytes;
        redisReply *rr = rstore_script(c->rs, RS_RESIZE, 3, 9, av, al);
        free(old);
        free(grown);
        if (!rr) {
            snprintf(err, errcap, "cannot write the canvas size to Redis at %s", c->cfg.redis);
            return -1;
        }
        if (sw)
            fprintf(stderr, "placed: canvas grown from %ux%u to %ux%u\n", sw, sh, want_w, want_h);
        freeReplyObject(rr);
    }
    snprintf(err, errcap, "the canvas in Redis kept changing while being resized");
    return -1;
}

/* The snapshot source: the canvas and its seq read by one script, so that they agree, on a
 * connection of its own (it is used on a worker thread). */
static int snap_read(void *arg, uint32_t w, uint32_t h, uint8_t **bits, uint64_t *seq)
{
    redisReply *r = rstore_script(arg, RS_SNAPSHOT, 3, 3, canvas_keys, NULL);
    /* a canvas of another size means a newer placed grew it: this one serves its own size */
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 5 ||
        rstore_num_at(r, 2) != (long long)w || rstore_num_at(r, 3) != (long long)h) {
        if (r)
            freeReplyObject(r);
        return -1;
    }
    uint8_t *out = bitmap_from_reply(r->element[0], place_bitmap_bytes(w, h));
    *seq = (uint64_t)rstore_num_at(r, 1);
    freeReplyObject(r);
    if (!out)
        return -1;
    *bits = out;
    return 0;
}

static void snap_source_free(void *arg)
{
    rstore_free(arg);
}

static snap_source *cl_snapshot_source(backend *b, uv_loop_t *loop, const canvas *cv)
{
    cluster *c = (cluster *)b;
    rstore *rs = rstore_new(c->cfg.redis, SNAPSHOT_REDIS_TIMEOUT_MS);
    return rs ? cluster_snap_source(loop, cv, snap_read, snap_source_free, rs) : NULL;
}

/* ---------------------------------------------------------------- placements and history */

static int cl_place(backend *b, const char *user_id, const char *addr, uint32_t x, uint32_t y,
                    int color, backend_place_cb cb, void *arg)
{
    cluster *c = (cluster *)b;
    return placer_submit(c->pl, user_id, addr, x, y, color, cb, arg);
}

static uint64_t cl_seen_seq(backend *b)
{
    cluster *c = (cluster *)b;
    uint64_t seen = feed_last_seq(c->fd), acked = placer_max_acked(c->pl);
    return seen > acked ? seen : acked;
}

static int cl_history(backend *b, uint32_t x, uint32_t y, int limit, backend_history_cb cb,
                      void *arg)
{
    cluster *c = (cluster *)b;
    if (!c->hist)
        return -1;
    return history_query(c->hist, x, y, limit, cl_seen_seq(b), cb, arg);
}

/* ---------------------------------------------------------------- admin pixel acts */

static int cl_plan(backend *b, const backend_plan_req *q, backend_plan_cb cb, void *arg)
{
    cluster *c = (cluster *)b;
    if (!c->hist)
        return -1;
    uint64_t seen = feed_last_seq(c->fd), acked = placer_max_acked(c->pl), min = c->mod_sync;
    if (seen > min)
        min = seen;
    if (acked > min)
        min = acked;
    return history_plan(c->hist, q, (uint32_t)c->cfg.width, (uint32_t)c->cfg.height, min, cb,
                        arg);
}

/* Pixels players place meanwhile, in any process, are left alone by the placer's script: an
 * act's pixel is written only if it still has the colour the act saw. */
static int cl_mod_begin(backend *b, uint64_t *sync_seq)
{
    cluster *c = (cluster *)b;
    if (c->mod_busy)
        return -1;
    c->mod_busy = 1;
    c->mod_row_at = -1;
    /* everything placed before the act, on any process: the act waits until this process's
     * canvas (and the history, cl_plan) holds it */
    const char *av[2] = {"GET", canvas_keys[1]};
    redisReply *r = rstore_cmd(c->rs, 2, av, NULL);
    *sync_seq = r && r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
    if (r)
        freeReplyObject(r);
    c->mod_sync = *sync_seq;
    return 0;
}

static void cl_mod_end(backend *b)
{
    ((cluster *)b)->mod_busy = 0;
}

typedef struct cl_chunk {
    cluster *c;
    backend_mod_cb cb;
    void *arg;
    size_t left, placed;
    uint64_t last_seq;
    int failed;
    int last;               /* the act's last chunk: its final audit row follows its pixels */
    backend_audit_row row;
} cl_chunk;

static void audit_line(const backend_audit_row *row, char *out, size_t cap);
static int audit_push_at(rstore *rs, const char *line, long long *at);
static int audit_push(rstore *rs, const backend_audit_row *row);
static int audit_settle(rstore *rs, long long at, const char *was, const char *line);

static void cl_chunk_step(cl_chunk *k)
{
    if (--k->left)
        return;
    if (k->last) {
        /* every pixel is in (or refused): the row under way becomes the final one (or, an act
         * whose only chunk is this one, with nothing under way, is appended) */
        cluster *c = k->c;
        char line[sizeof c->mod_row];
        k->row.pixels = (k->row.pixels > 0 ? k->row.pixels : 0) + (int64_t)k->placed;
        audit_line(&k->row, line, sizeof line);
        if (audit_settle(c->rs, c->mod_row_at, c->mod_row, line) < 0)
            k->failed = 1;
        else
            c->mod_row_at = -1;
    }
    k->cb(k->arg, k->failed ? PLACE_ERR_UNAVAILABLE : 0, k->placed, k->last_seq);
    free(k);
}

static void cl_chunk_px(void *arg, const backend_place_result *r)
{
    cl_chunk *k = arg;
    if (r->err != PLACE_ERR_NONE)
        k->failed = 1;
    else if (r->seq) {
        k->placed++;
        if (r->seq > k->last_seq)
            k->last_seq = r->seq;
    }
    cl_chunk_step(k);
}

static int cl_mod_place(backend *b, const char *act_id, const backend_plan_px *px, size_t n,
                        const backend_audit_row *row, int last, backend_mod_cb cb, void *arg)
{
    cluster *c = (cluster *)b;
    char name[BACKEND_NAME_MAX + 1];
    cl_chunk *k = calloc(1, sizeof *k);
    if (!k || !row || !account_act_name(act_id, name)) {
        free(k);
        return -1;
    }
    /* A chunk is many scripts, not one transaction: before the act's first pixel, its row is
     * in the log marked as under way (if the process dies before the end, that row stays and
     * says so); no row, no pixels. */
    if (c->mod_row_at < 0 && n > 0) {
        backend_audit_row started = *row;
        backend_audit_under_way(&started);
        audit_line(&started, c->mod_row, sizeof c->mod_row);
        if (audit_push_at(c->rs, c->mod_row, &c->mod_row_at) < 0) {
            c->mod_row_at = -1;
            free(k);
            return -1;
        }
    }
    k->c = c;
    k->last = last;
    k->row = *row;
    k->cb = cb;
    k->arg = arg;
    k->left = n + 1; /* one more, taken when every pixel is submitted */
    for (size_t i = 0; i < n; i++) {
        if (px[i].x >= c->cfg.width || px[i].y >= c->cfg.height ||
            placer_submit_admin(c->pl, act_id, name, px[i].x, px[i].y, px[i].color & 0x0f,
                                px[i].from, cl_chunk_px, k) < 0) {
            k->failed = 1;
            k->left--;
        }
    }
    cl_chunk_step(k);
    return 0;
}

/* ---------------------------------------------------------------- sessions and users */

static int cl_user_get(backend *b, const char *user_id, backend_user *out)
{
    cluster *c = (cluster *)b;
    if (!valid_hex(user_id, BACKEND_ID_LEN))
        return -1;
    char k1[64], k2[64];
    snprintf(k1, sizeof k1, RSTORE_PREFIX "user:%s", user_id);
    snprintf(k2, sizeof k2, RSTORE_PREFIX "cd:%s", user_id);
    const char *av[3] = {k1, k2, user_id};
    redisReply *r = rstore_script(c->rs, RS_USER_GET, 2, 3, av, NULL);
    if (!r)
        return people_cache_user(c->people, user_id, out);
    int rc = parse_user(r, out);
    freeReplyObject(r);
    if (rc == 0)
        people_cache_put_user(c->people, out);
    return rc;
}

static int cl_session_get(backend *b, const char *token, backend_user *out)
{
    cluster *c = (cluster *)b;
    if (!valid_hex(token, BACKEND_TOKEN_LEN))
        return -1;
    char key[96];
    snprintf(key, sizeof key, RSTORE_PREFIX "sess:%s", token);
    const char *av[2] = {key, "86400"};
    redisReply *r = rstore_script(c->rs, RS_SESSION_GET, 1, 2, av, NULL);
    if (!r) {
        return people_cache_session_user(c->people, token, out);
    }
    int rc = parse_user(r, out);
    freeReplyObject(r);
    if (rc < 0) {
        people_cache_drop_session(c->people, token);
        return -1;
    }
    people_cache_put_user(c->people, out);
    people_cache_put_session(c->people, token, out->id);
    return 0;
}

/* Stores a new session for user id (first creating the user when guest_name is set: a guest
 * made for the address bucket addr, starting with its cooldown unless the scope is account).
 * *next gets the new guest's next placement. */
static int new_session(cluster *c, const char *id, const char *guest_name, const char *addr,
                       char token[BACKEND_TOKEN_LEN + 1], int64_t *next)
{
    char k1[96], k2[64], k3[64], k4[96];
    util_random_hex(token, BACKEND_TOKEN_LEN / 2);
    snprintf(k1, sizeof k1, RSTORE_PREFIX "sess:%s", token);
    snprintf(k2, sizeof k2, RSTORE_PREFIX "usess:%s", id);
    snprintf(k3, sizeof k3, RSTORE_PREFIX "user:%s", id);
    snprintf(k4, sizeof k4, RSTORE_PREFIX "acd:%s", addr ? addr : "");
    int inherit = addr && addr[0] && config_cooldown_scope(&c->cfg) != BACKEND_SCOPE_ACCOUNT;
    const char *av[9] = {k1, k2, k3, k4, token, id, "86400", guest_name, inherit ? "1" : "0"};
    redisReply *r = rstore_script(c->rs, RS_NEW_SESSION, 4, 9, av, NULL);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    if (ok && next)
        *next = r->integer > util_now_ms() ? r->integer : 0;
    if (r)
        freeReplyObject(r);
    if (!ok)
        return -1;
    people_cache_put_session(c->people, token, id);
    return 0;
}

static int cl_session_new_guest(backend *b, const char *addr, char token[BACKEND_TOKEN_LEN + 1],
                                backend_user *out)
{
    cluster *c = (cluster *)b;
    memset(out, 0, sizeof *out);
    util_random_hex(out->id, BACKEND_ID_LEN / 2);
    account_guest_name(out->name, out->id);
    out->is_guest = 1;
    if (new_session(c, out->id, out->name, addr, token, &out->next_placement) < 0)
        return -1;
    people_cache_put_user(c->people, out);
    return 0;
}

/* Redis has applied a session or user change once its script answered: the completions of
 * backend.h run at once. */
static int cl_session_new(backend *b, const char *user_id, char token[BACKEND_TOKEN_LEN + 1],
                          backend_done_cb done, void *arg)
{
    if (new_session((cluster *)b, user_id, "", NULL, token, NULL) < 0)
        return -1;
    done(arg, 0);
    return 0;
}

static int cl_addr_budget(backend *b, backend_budget kind, const char *addr, int limit,
                          int64_t *retry_ms)
{
    cluster *c = (cluster *)b;
    if (limit <= 0)
        return 0;
    char key[96], lim[16], win[24];
    snprintf(key, sizeof key, RSTORE_PREFIX "bud:%d:%s", (int)kind, addr);
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(win, sizeof win, "%lld", (long long)BACKEND_BUDGET_WINDOW_MS);
    const char *av[3] = {key, lim, win};
    redisReply *r = rstore_script(c->rs, RS_BUDGET, 1, 3, av, NULL);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
        if (r)
            freeReplyObject(r);
        return -1;
    }
    int over = rstore_num_at(r, 0) != 0;
    if (over)
        *retry_ms = rstore_num_at(r, 1) > 0 ? rstore_num_at(r, 1) : 1000;
    freeReplyObject(r);
    return over;
}

static void cl_session_revoke(backend *b, const char *token, backend_done_cb done, void *arg)
{
    cluster *c = (cluster *)b;
    if (!valid_hex(token, BACKEND_TOKEN_LEN)) {
        if (done)
            done(arg, 0);
        return;
    }
    people_cache_drop_session(c->people, token);
    char key[96];
    snprintf(key, sizeof key, RSTORE_PREFIX "sess:%s", token);
    const char *av[2] = {key, token};
    redisReply *r = rstore_script(c->rs, RS_REVOKE, 1, 2, av, NULL);
    if (r)
        freeReplyObject(r);
    if (done)
        done(arg, r ? 0 : PLACE_ERR_UNAVAILABLE);
    if (c->sink.on_session_ended)
        c->sink.on_session_ended(c->sink.arg, token);
    char msg[NOTIFY_LINE_MAX];
    snprintf(msg, sizeof msg, "end %s", token);
    publish(c->rs, msg); /* the other processes close its sockets too */
}

static int cl_user_register(backend *b, const char *guest_id, const char *name,
                            const char *pwhash, backend_user *out, backend_done_cb done, void *arg)
{
    cluster *c = (cluster *)b;
    char key[96], fresh[BACKEND_ID_LEN + 1];
    char nkey[BACKEND_NAME_MAX + 1];
    account_name_key(name, nkey);
    snprintf(key, sizeof key, RSTORE_PREFIX "name:%s", nkey);
    util_random_hex(fresh, BACKEND_ID_LEN / 2);
    const char *av[5] = {key, guest_id ? guest_id : "", fresh, name, pwhash};
    redisReply *r = rstore_script(c->rs, RS_REGISTER, 1, 5, av, NULL);
    if (!r)
        return -1;
    if (r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        return PLACE_ERR_USERNAME_TAKEN;
    }
    char id[BACKEND_ID_LEN + 1] = "";
    if (r->type == REDIS_REPLY_STRING)
        snprintf(id, sizeof id, "%s", r->str);
    freeReplyObject(r);
    if (!id[0] || cl_user_get(b, id, out) < 0)
        return -1;
    done(arg, 0);
    return PLACE_ERR_NONE;
}

static int cl_user_credentials(backend *b, const char *name, backend_user *out,
                               char pwhash[BACKEND_HASH_MAX + 1])
{
    cluster *c = (cluster *)b;
    char key[96];
    char nkey[BACKEND_NAME_MAX + 1];
    account_name_key(name, nkey);
    snprintf(key, sizeof key, RSTORE_PREFIX "name:%s", nkey);
    const char *av[1] = {key};
    redisReply *r = rstore_script(c->rs, RS_CREDENTIALS, 1, 1, av, NULL);
    int rc = parse_user(r, out);
    if (rc == 0)
        snprintf(pwhash, BACKEND_HASH_MAX + 1, "%s", str_at(r, 8));
    if (r)
        freeReplyObject(r);
    return rc == 0 ? PLACE_ERR_NONE : PLACE_ERR_BAD_CREDENTIALS;
}

/* ---------------------------------------------------------------- bans and notifications */

/* Tells every process (this one too, through its own subscription). */
static void publish(rstore *rs, const char *msg)
{
    const char *av[3] = {"PUBLISH", NOTIFY_CHANNEL, msg};
    redisReply *r = rstore_cmd(rs, 3, av, NULL);
    if (r)
        freeReplyObject(r);
}

/* The hash at key as HGETALL's array reply (field, value, field, value...; the caller frees it),
 * or NULL when Redis did not answer with one (down, or an error reply). */
static redisReply *hgetall(rstore *rs, const char *key)
{
    const char *av[2] = {"HGETALL", key};
    redisReply *r = rstore_cmd(rs, 2, av, NULL);
    if (r && r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

/* Reads every address ban from Redis and hands the list to the sink. */
static void reload_bans(cluster *c)
{
    redisReply *r = hgetall(c->rs, RSTORE_PREFIX "addrbans");
    if (!r)
        return; /* Redis is down: the list we have stays; a resync follows the reconnection */
    size_t n = r->elements / 2;
    backend_addr_ban *v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        freeReplyObject(r);
        return;
    }
    size_t k = 0;
    int64_t now = util_now_ms();
    for (size_t i = 0; i < n; i++) {
        const char *cidr = str_at(r, 2 * i), *val = str_at(r, 2 * i + 1);
        backend_addr_ban *b = &v[k];
        char *end;
        b->until = strtoll(val, &end, 10);
        if (*end != '|' || (b->until && b->until <= now))
            continue;
        b->guests_only = end[1] == '1';
        const char *id = strchr(end + 1, '|');
        const char *reason = id ? strchr(id + 1, '|') : NULL;
        if (!reason)
            continue;
        snprintf(b->cidr, sizeof b->cidr, "%s", cidr);
        snprintf(b->user_id, sizeof b->user_id, "%.*s", (int)(reason - id - 1), id + 1);
        snprintf(b->reason, sizeof b->reason, "%s", reason + 1);
        k++;
    }
    freeReplyObject(r);
    if (c->sink.on_addr_bans)
        c->sink.on_addr_bans(c->sink.arg, v, k);
    free(v);
}

/* Reads the live settings from Redis and hands them to the sink. */
static void reload_settings(cluster *c)
{
    redisReply *r = hgetall(c->rs, RSTORE_PREFIX "settings");
    if (!r)
        return; /* Redis is down: the settings we have stay; a resync follows the reconnection */
    backend_setting kv[BACKEND_SETTINGS_MAX];
    size_t n = 0;
    for (size_t i = 0; i + 1 < r->elements && n < BACKEND_SETTINGS_MAX; i += 2) {
        const char *k = str_at(r, i), *v = str_at(r, i + 1);
        if (!k[0] || !v[0])
            continue;
        snprintf(kv[n].key, sizeof kv[n].key, "%s", k);
        snprintf(kv[n].value, sizeof kv[n].value, "%s", v);
        n++;
    }
    freeReplyObject(r);
    if (c->sink.on_settings)
        c->sink.on_settings(c->sink.arg, kv, n);
}

/* A message from some process of the cluster (notify.h), on the loop thread. */
static void on_notify(void *arg, const char *msg)
{
    cluster *c = arg;
    if (!strncmp(msg, "ban ", 4) && valid_hex(msg + 4, BACKEND_ID_LEN)) {
        people_cache_drop_user(c->people, msg + 4);
        if (c->sink.on_banned)
            c->sink.on_banned(c->sink.arg, msg + 4);
    } else if (!strncmp(msg, "unban ", 6) && valid_hex(msg + 6, BACKEND_ID_LEN)) {
        people_cache_drop_user(c->people, msg + 6);
        if (c->sink.on_unbanned)
            c->sink.on_unbanned(c->sink.arg, msg + 6);
    } else if (!strncmp(msg, "user ", 5) && valid_hex(msg + 5, BACKEND_ID_LEN)) {
        people_cache_drop_user(c->people, msg + 5);
    } else if (!strncmp(msg, "end ", 4) && valid_hex(msg + 4, BACKEND_TOKEN_LEN)) {
        people_cache_drop_session(c->people, msg + 4);
        if (c->sink.on_session_ended)
            c->sink.on_session_ended(c->sink.arg, msg + 4);
    } else if (!strcmp(msg, "addrbans")) {
        reload_bans(c);
    } else if (!strcmp(msg, "settings")) {
        reload_settings(c);
    } else if (!strcmp(msg, NOTIFY_RESYNC)) {
        reload_bans(c);
        reload_settings(c);
    }
}

/* Stores live settings in Redis and tells every process: one HSET for the keys set and one HDEL
 * for those forgotten (each atomic; the acts of live.c either set or forget, never both). */
static int apply_settings(rstore *rs, const backend_admin_req *q, char *err, size_t errcap)
{
    const char *set[2 + 2 * BACKEND_SETTINGS_MAX] = {"HSET", RSTORE_PREFIX "settings"};
    const char *del[2 + BACKEND_SETTINGS_MAX] = {"HDEL", RSTORE_PREFIX "settings"};
    int nset = 2, ndel = 2;
    for (size_t i = 0; i < q->nsettings && i < BACKEND_SETTINGS_MAX; i++) {
        const backend_setting *kv = &q->settings[i];
        if (kv->value[0]) {
            set[nset++] = kv->key;
            set[nset++] = kv->value;
        } else {
            del[ndel++] = kv->key;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        int argc = pass ? ndel : nset;
        if (argc == 2)
            continue;
        redisReply *r = rstore_cmd(rs, argc, pass ? del : set, NULL);
        int ok = r && r->type != REDIS_REPLY_ERROR;
        if (r)
            freeReplyObject(r);
        if (!ok) {
            snprintf(err, errcap, "cannot reach Redis");
            return -1;
        }
    }
    publish(rs, "settings");
    return PLACE_ERR_NONE;
}

/* Applies an admin act in Redis and tells every process. Returns PLACE_ERR_NONE,
 * PLACE_ERR_NOT_FOUND / PLACE_ERR_BAD_REQUEST, or -1 when Redis cannot be reached; err says
 * which. */
static int apply_admin(rstore *rs, const backend_admin_req *q, char *err, size_t errcap)
{
    char key[128], msg[NOTIFY_LINE_MAX];
    if (q->op == BACKEND_ADMIN_SETTINGS)
        return apply_settings(rs, q, err, errcap);
    if (q->op == BACKEND_ADMIN_BAN_ADDR || q->op == BACKEND_ADMIN_UNBAN_ADDR) {
        char block[BACKEND_CIDR_MAX], val[BACKEND_REASON_MAX + 64];
        if (!q->addr || store_db_block(q->addr, block, err, errcap) < 0)
            return PLACE_ERR_BAD_REQUEST;
        snprintf(val, sizeof val, "%lld|0||%s", (long long)q->until, q->reason ? q->reason : "");
        const char *set[4] = {"HSET", RSTORE_PREFIX "addrbans", block, val};
        const char *del[3] = {"HDEL", RSTORE_PREFIX "addrbans", block};
        redisReply *r = q->op == BACKEND_ADMIN_BAN_ADDR ? rstore_cmd(rs, 4, set, NULL)
                                                        : rstore_cmd(rs, 3, del, NULL);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            if (r)
                freeReplyObject(r);
            snprintf(err, errcap, "cannot reach Redis");
            return -1;
        }
        int none = q->op == BACKEND_ADMIN_UNBAN_ADDR && r->type == REDIS_REPLY_INTEGER &&
                   r->integer == 0;
        freeReplyObject(r);
        if (none) {
            snprintf(err, errcap, "%s is not banned", block);
            return PLACE_ERR_NOT_FOUND;
        }
        publish(rs, "addrbans");
        return PLACE_ERR_NONE;
    }
    static const char *const act[] = {"grant", "revoke", "ban", "unban"};
    const char *id = q->id ? q->id : "";
    char nkey[BACKEND_NAME_MAX + 1];
    account_name_key(q->name ? q->name : "", nkey);
    if (q->name)
        snprintf(key, sizeof key, RSTORE_PREFIX "name:%s", nkey);
    else
        snprintf(key, sizeof key, RSTORE_PREFIX "user:%s", id);
    char until[24], window[24];
    snprintf(until, sizeof until, "%lld", (long long)q->until);
    snprintf(window, sizeof window, "%lld", (long long)q->addr_window_ms);
    const char *av[7] = {key, q->name ? "name" : "id", act[q->op], until,
                         q->reason ? q->reason : "", id, window};
    redisReply *r = (q->name || valid_hex(id, BACKEND_ID_LEN))
                        ? rstore_script(rs, RS_ADMIN, 1, 7, av, NULL)
                        : NULL;
    if (!r && (q->name || valid_hex(id, BACKEND_ID_LEN))) {
        snprintf(err, errcap, "cannot reach Redis");
        return -1;
    }
    char uid[BACKEND_ID_LEN + 1] = "";
    if (r && r->type == REDIS_REPLY_STRING)
        snprintf(uid, sizeof uid, "%s", r->str);
    if (r)
        freeReplyObject(r);
    if (!uid[0]) {
        if (q->name) /* the embedded store's words */
            snprintf(err, errcap, "no user named \"%s\"", q->name);
        else
            snprintf(err, errcap, "no user with id \"%s\"", id);
        return PLACE_ERR_NOT_FOUND;
    }
    snprintf(msg, sizeof msg, "%s %s",
             q->op == BACKEND_ADMIN_BAN     ? "ban"
             : q->op == BACKEND_ADMIN_UNBAN ? "unban"
                                            : "user",
             uid);
    publish(rs, msg);
    if (q->op == BACKEND_ADMIN_UNBAN || (q->op == BACKEND_ADMIN_BAN && q->addr_window_ms > 0))
        publish(rs, "addrbans");
    return PLACE_ERR_NONE;
}

static int cl_admin(backend *b, const backend_admin_req *q, char *err, size_t errcap,
                    backend_done_cb done, void *arg)
{
    cluster *c = (cluster *)b;
    int rc = apply_admin(c->rs, q, err, errcap);
    if (rc != PLACE_ERR_NONE)
        return rc;
    /* this process acts at once too (the same message through Redis follows, harmlessly) */
    if (q->op == BACKEND_ADMIN_BAN_ADDR || q->op == BACKEND_ADMIN_UNBAN_ADDR ||
        q->op == BACKEND_ADMIN_UNBAN || q->addr_window_ms > 0)
        reload_bans(c);
    if (q->op == BACKEND_ADMIN_SETTINGS)
        reload_settings(c);
    /* the row right after the act (Redis has no transaction across the act's scripts) */
    done(arg, q->audit && audit_push(c->rs, q->audit) < 0 ? PLACE_ERR_UNAVAILABLE : 0);
    return PLACE_ERR_NONE;
}

/* ---------------------------------------------------------------- the audit log */

/* The audit log is the Redis list AUDIT_KEY, one entry per act, oldest first:
 * "time<TAB>pixels<TAB>who<TAB>act<TAB>what" (audit_record keeps tabs and newlines out of the
 * text). Redis keeps it as it keeps the users and bans. */
#define AUDIT_KEY RSTORE_PREFIX "audit"

static void audit_line(const backend_audit_row *row, char *out, size_t cap)
{
    snprintf(out, cap, "%lld\t%lld\t%s\t%s\t%s", (long long)row->time_ms,
             (long long)row->pixels, row->who, row->act, row->what);
}

/* Appends line; *at (may be NULL) gets its index (the list is never trimmed). */
static int audit_push_at(rstore *rs, const char *line, long long *at)
{
    const char *av[3] = {"RPUSH", AUDIT_KEY, line};
    redisReply *r = rstore_cmd(rs, 3, av, NULL);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    if (ok && at)
        *at = r->integer - 1;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static int audit_push(rstore *rs, const backend_audit_row *row)
{
    char line[BACKEND_AUDIT_WHO_MAX + BACKEND_AUDIT_ACT_MAX + BACKEND_AUDIT_WHAT_MAX + 64];
    audit_line(row, line, sizeof line);
    return audit_push_at(rs, line, NULL);
}

/* Replaces the entry at `at` with line if it still holds `was` (one script: atomic in Redis),
 * else (at < 0, or the entry is not there) appends line. */
static int audit_settle(rstore *rs, long long at, const char *was, const char *line)
{
    if (at < 0)
        return audit_push_at(rs, line, NULL);
    static const char lua[] =
        "if redis.call('LINDEX', KEYS[1], ARGV[1]) == ARGV[2] then "
        "redis.call('LSET', KEYS[1], ARGV[1], ARGV[3]) else "
        "redis.call('RPUSH', KEYS[1], ARGV[3]) end return 1";
    char idx[32];
    snprintf(idx, sizeof idx, "%lld", at);
    const char *av[7] = {"EVAL", lua, "1", AUDIT_KEY, idx, was, line};
    redisReply *r = rstore_cmd(rs, 7, av, NULL);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static int cl_audit_add(backend *b, const backend_audit_row *row, backend_done_cb done, void *arg)
{
    cluster *c = (cluster *)b;
    if (audit_push(c->rs, row) < 0)
        return -1;
    done(arg, 0); /* Redis has applied it */
    return 0;
}

int cluster_canvas_size(const place_config *cfg, uint32_t *w, uint32_t *h, char *err,
                        size_t errcap)
{
    rstore *rs = rstore_new(cfg->redis, 2000);
    if (!rs) {
        snprintf(err, errcap, "--redis %s: not HOST:PORT", cfg->redis);
        return -1;
    }
    const char *av[4] = {"HMGET", canvas_keys[2], "width", "height"};
    redisReply *r = rstore_cmd(rs, 4, av, NULL);
    rstore_free(rs);
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && rstore_num_at(r, 0) > 0 &&
             rstore_num_at(r, 1) > 0;
    if (ok) {
        *w = (uint32_t)rstore_num_at(r, 0);
        *h = (uint32_t)rstore_num_at(r, 1);
    } else {
        snprintf(err, errcap, "no canvas in Redis at %s", cfg->redis);
    }
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

int cluster_audit_offline(const place_config *cfg, const backend_audit_row *row, char *err,
                          size_t errcap)
{
    rstore *rs = rstore_new(cfg->redis, 2000);
    if (!rs) {
        snprintf(err, errcap, "--redis %s: not HOST:PORT", cfg->redis);
        return -1;
    }
    int rc = audit_push(rs, row);
    if (rc < 0)
        snprintf(err, errcap, "cannot reach Redis at %s", cfg->redis);
    rstore_free(rs);
    return rc;
}

int cluster_users_by_prefix(const place_config *cfg, const char *prefix,
                            char (*ids)[BACKEND_ID_LEN + 1], size_t max, size_t *n, char *err,
                            size_t errcap)
{
    *n = 0;
    rstore *rs = rstore_new(cfg->redis, 2000);
    if (!rs) {
        snprintf(err, errcap, "--redis %s: not HOST:PORT", cfg->redis);
        return -1;
    }
    char match[96], cursor[32] = "0";
    snprintf(match, sizeof match, RSTORE_PREFIX "user:%.32s*", prefix);
    size_t plen = strlen(RSTORE_PREFIX "user:");
    int rc = 0;
    do {
        const char *av[6] = {"SCAN", cursor, "MATCH", match, "COUNT", "1000"};
        redisReply *r = rstore_cmd(rs, 6, av, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            snprintf(err, errcap, "cannot read the users from Redis at %s", cfg->redis);
            rc = -1;
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements && *n < max; i++) {
            const redisReply *k = r->element[1]->element[i];
            /* the user's own key: the prefix and exactly an id */
            if (k->type != REDIS_REPLY_STRING || k->len != plen + BACKEND_ID_LEN ||
                !valid_hex(k->str + plen, BACKEND_ID_LEN))
                continue;
            size_t j = 0; /* SCAN may return a key twice */
            while (j < *n && strcmp(ids[j], k->str + plen))
                j++;
            if (j == *n)
                snprintf(ids[(*n)++], BACKEND_ID_LEN + 1, "%s", k->str + plen);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") && *n < max);
    rstore_free(rs);
    return rc;
}

int cluster_audit_list(const place_config *cfg, int64_t since_ms, size_t max,
                       backend_audit_row **rows, size_t *n, char *err, size_t errcap)
{
    *rows = NULL;
    *n = 0;
    rstore *rs = rstore_new(cfg->redis, 2000);
    if (!rs) {
        snprintf(err, errcap, "--redis %s: not HOST:PORT", cfg->redis);
        return -1;
    }
    const char *av[4] = {"LRANGE", AUDIT_KEY, "0", "-1"};
    redisReply *r = rstore_cmd(rs, 4, av, NULL);
    rstore_free(rs);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r)
            freeReplyObject(r);
        snprintf(err, errcap, "cannot read the audit log from Redis at %s", cfg->redis);
        return -1;
    }
    backend_audit_row *v = calloc(r->elements ? r->elements : 1, sizeof *v);
    if (!v) {
        freeReplyObject(r);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < r->elements && k < max; i++) {
        backend_audit_row *a = &v[k];
        char *end;
        const char *line = str_at(r, i);
        a->time_ms = strtoll(line, &end, 10);
        if (*end != '\t' || a->time_ms < since_ms)
            continue;
        a->pixels = strtoll(end + 1, &end, 10);
        const char *who = *end == '\t' ? end + 1 : NULL;
        const char *act = who ? strchr(who, '\t') : NULL;
        const char *what = act ? strchr(act + 1, '\t') : NULL;
        if (!what)
            continue;
        snprintf(a->who, sizeof a->who, "%.*s", (int)(act - who), who);
        snprintf(a->act, sizeof a->act, "%.*s", (int)(what - act - 1), act + 1);
        snprintf(a->what, sizeof a->what, "%s", what + 1);
        k++;
    }
    freeReplyObject(r);
    *rows = v;
    *n = k;
    return 0;
}

static void cl_set_cooldown(backend *b, int64_t ms)
{
    cluster *c = (cluster *)b;
    placer_set_cooldown(c->pl, ms);
}

static void cl_addr_seen(backend *b, const char *user_id, const char *addr)
{
    cluster *c = (cluster *)b;
    if (c->addr_keep_ms <= 0 || !valid_hex(user_id, BACKEND_ID_LEN) || !addr || !addr[0])
        return;
    char key[96], keep[24], max[8];
    snprintf(key, sizeof key, RSTORE_PREFIX "uaddr:%s", user_id);
    snprintf(keep, sizeof keep, "%lld", (long long)c->addr_keep_ms);
    snprintf(max, sizeof max, "%d", BACKEND_ADDRS_PER_USER);
    const char *av[4] = {key, addr, keep, max};
    redisReply *r = rstore_script(c->rs, RS_ADDR_SEEN, 1, 4, av, NULL);
    if (r)
        freeReplyObject(r);
}

/* ---------------------------------------------------------------- players online */

/* keys[0..n) joined by spaces, malloc'd (player keys hold no space); NULL when out of memory. */
static char *join_keys(const char *const *keys, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(keys[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(keys[i]);
        memcpy(p, keys[i], k);
        p += k;
        *p++ = ' ';
    }
    *p = '\0';
    return s;
}

/* Runs RS_ONLINE (mode '0' changes, '1' everything, '2' leaving). Returns its count,
 * BACKEND_ONLINE_UNKNOWN, or -1. */
static int64_t online_script(cluster *c, const char *const *add, size_t nadd,
                             const char *const *del, size_t ndel, char mode, int64_t ttl_ms)
{
    char mykey[64], ttl[24], m[2] = {mode, 0};
    snprintf(mykey, sizeof mykey, RSTORE_PREFIX "online:p:%s", c->proc_id);
    snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
    char *adds = join_keys(add, nadd), *dels = join_keys(del, ndel);
    redisReply *r = NULL;
    if (adds && dels) {
        const char *av[8] = {RSTORE_PREFIX "online:procs", RSTORE_PREFIX "online:users", mykey,
                             c->proc_id, ttl, m, adds, dels};
        r = rstore_script(c->rs, RS_ONLINE, 3, 8, av, NULL);
    }
    free(adds);
    free(dels);
    int64_t count = -1;
    if (r && r->type == REDIS_REPLY_INTEGER)
        count = r->integer < 0 ? BACKEND_ONLINE_UNKNOWN : r->integer;
    if (r)
        freeReplyObject(r);
    return count;
}

static int64_t cl_online_sync(backend *b, const char *const *add, size_t nadd,
                              const char *const *del, size_t ndel, int full, int64_t ttl_ms)
{
    cluster *c = (cluster *)b;
    c->online_used = 1;
    return online_script(c, add, nadd, del, full ? 0 : ndel, full ? '1' : '0', ttl_ms);
}

static void cl_close(backend *b)
{
    cluster *c = (cluster *)b;
    if (!c)
        return;
    if (c->online_used) /* our players leave the count now, not when our entry runs out */
        online_script(c, NULL, 0, NULL, 0, '2', 0);
    notify_stop(c->nt);
    placer_close(c->pl);
    feed_close(c->fd);
    history_close(c->hist);
    rstore_free(c->rs);
    people_cache_free(c->people);
    free(c);
}

static const backend_ops cluster_ops = {
    .name = "cluster",
    .load_canvas = cl_load_canvas,
    .place = cl_place,
    .session_get = cl_session_get,
    .session_new_guest = cl_session_new_guest,
    .session_new = cl_session_new,
    .session_revoke = cl_session_revoke,
    .user_get = cl_user_get,
    .user_register = cl_user_register,
    .user_credentials = cl_user_credentials,
    .admin = cl_admin,
    .audit_add = cl_audit_add,
    .set_cooldown = cl_set_cooldown,
    .addr_budget = cl_addr_budget,
    .addr_seen = cl_addr_seen,
    .history = cl_history,
    .plan = cl_plan,
    .mod_begin = cl_mod_begin,
    .mod_place = cl_mod_place,
    .mod_end = cl_mod_end,
    .snapshot_source = cl_snapshot_source,
    .online_sync = cl_online_sync,
    .seen_seq = cl_seen_seq,
    .close = cl_close,
};

backend *backend_cluster_open(const place_config *cfg, uv_loop_t *loop, const backend_sink *sink,
                              char *err, size_t errcap)
{
    if (cluster_check_config(cfg, err, errcap) < 0)
        return NULL;
    cluster *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    c->base.ops = &cluster_ops;
    c->cfg = *cfg;
    c->loop = loop;
    c->sink = *sink;
    util_random_hex(c->proc_id, 8);
    if (!(c->people = people_cache_new(CACHE_MAX))) {
        snprintf(err, errcap, "out of memory");
        goto err;
    }
    if (!(c->rs = rstore_new(cfg->redis, LOOP_REDIS_TIMEOUT_MS))) {
        snprintf(err, errcap, "--redis %s: not HOST:PORT", cfg->redis);
        goto err;
    }
    char terr[256];
    if (feed_ensure_topic(cfg->kafka, cfg->kafka_topic, TOPIC_TIMEOUT_MS, terr, sizeof terr) < 0)
        fprintf(stderr, "placed: warning: %s; going on (placements wait for Kafka)\n", terr);
    placer_config pc = {cfg->redis, cfg->kafka, cfg->kafka_topic,
                        (int64_t)cfg->cooldown_sec * 1000, config_cooldown_scope(cfg),
                        (uint32_t)cfg->width};
    if (!(c->pl = placer_new(loop, &pc, err, errcap)))
        goto err;
    if (cfg->postgres[0] && !(c->hist = history_new(loop, cfg->postgres))) {
        snprintf(err, errcap, "out of memory");
        goto err;
    }
    config_duration_ms(cfg->ban_addresses_for, &c->addr_keep_ms);
    reload_bans(c);
    reload_settings(c);
    if (!(c->nt = notify_start(loop, cfg->redis, on_notify, c))) {
        snprintf(err, errcap, "out of memory");
        goto err;
    }
    return &c->base;
err:
    cl_close(&c->base);
    return NULL;
}

int cluster_admin_offline(const place_config *cfg, const backend_admin_req *q, char *err,
                          size_t errcap)
{
    rstore *rs = rstore_new(cfg->redis, 2000);
    if (!rs) {
        snprintf(err, errcap, "--redis %s: not HOST:PORT", cfg->redis);
        return -1;
    }
    int rc = apply_admin(rs, q, err, errcap);
    if (rc == PLACE_ERR_NONE && q->audit && audit_push(rs, q->audit) < 0) {
        snprintf(err, errcap, "done, but its audit row could not be written to Redis at %s",
                 cfg->redis);
        rc = PLACE_ERR_UNAVAILABLE;
    }
    rstore_free(rs);
    return rc;
}

int cluster_writer_run(const place_config *cfg)
{
    if (!cfg->kafka[0] || !cfg->postgres[0]) {
        fprintf(stderr, "placed: --history-writer needs --kafka BROKERS and --postgres CONNINFO\n");
        return 2;
    }
    char err[256];
    if (feed_ensure_topic(cfg->kafka, cfg->kafka_topic, TOPIC_TIMEOUT_MS, err, sizeof err) < 0)
        fprintf(stderr, "placed: warning: %s; going on\n", err);
    return history_writer_run(cfg->postgres, cfg->kafka, cfg->kafka_topic, (uint32_t)cfg->width,
                              (uint32_t)cfg->height, (uint64_t)cfg->checkpoint_every);
}

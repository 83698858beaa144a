/* The history routes and the checkpointer (see history_api.h). */
#include "history_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "place/bitmap.h"

#include "canvas.h"
#include "peer.h"
#include "timeline.h"
#include "util.h"

#define CKPT_TICK_MS 1000      /* how often the checkpointer looks for work */
#define CKPT_ROWS 200000       /* placements one checkpointer job reads at most */
#define CKPT_RETRY_MS 10000    /* after a failure */
#define WAIT_HISTORY_MS 2000   /* cluster: how long a job waits for the history to catch up */
#define HEAT_DEFAULT_MS (3600LL * 1000)
#define IMMUTABLE "public, max-age=31536000, immutable"
#define SETTLE_ROWS 1000000   /* cluster: placements one job reads at most to settle seqs */

enum { J_SNAP, J_STREAM, J_HEAT, J_BOUNDS, J_CKPT };

typedef struct heat_entry {
    int used, busy;
    int64_t since;
    uint32_t block, cols, rows;
    uint64_t from_seq, to_seq;
    uint32_t *counts;
    uint64_t last_use;
} heat_entry;

typedef struct hjob {
    uv_work_t work;
    hist_api *api;
    struct hjob *next;
    int kind;
    http_req *req;
    char addr[PEER_ADDR_MAX]; /* the budget key it counts against; "" for the server's own */
    tl_reader *rd;
    /* in */
    uint64_t seq; /* J_SNAP: the seq asked for; J_STREAM: from */
    int by_time;
    int64_t at;
    uint64_t live; /* the newest seq when asked */
    uint32_t w, h;
    size_t limit;
    heat_entry *heat;
    int gzip;
    uint64_t settled; /* in: every seq <= it is settled (history_api's); out: the same, maybe more */
    /* out */
    int rc; /* 0; -1 the store cannot be read; -2 the history has not caught up yet */
    canvas_snap *snap;
    uint8_t *body;
    size_t body_len;
    int body_gz;
    uint64_t first_seq;
    int64_t first_time;
    size_t count; /* J_STREAM: placements in the answer */
    uint64_t last; /* J_STREAM: the seq of its last placement */
    uint64_t replayed; /* J_SNAP: placements read after the checkpoint (X-Place-Replayed) */
} hjob;

struct hist_api {
    place_server *srv;
    uv_loop_t *loop;
    int cluster;
    int hole_ms;      /* cluster: --hole-ms */
    uint64_t settled; /* cluster: every seq <= it is settled (settle()); embedded: unused */
    int closing;
    hjob *head, *tail;
    size_t waiting;
    int running, heat_running;
    tl_reader *idle[HIST_RUNNING];
    size_t n_idle;
    struct {
        char key[PEER_ADDR_MAX];
        int n;
    } addrs[HIST_RUNNING + HIST_WAITING];
    canvas_snap *snaps[HIST_SNAP_CACHE]; /* most recently used first */
    heat_entry heats[HIST_HEAT_CACHE];
    uint64_t use_clock;
    /* the first placement, for canvas/info */
    uint64_t first_seq;
    int64_t first_time;
    int first_known, bounds_running;
    /* the checkpointer (embedded mode) */
    uv_timer_t timer;
    int timer_closed;
    tl_ckpt_state ck;
    tl_reader *ck_rd;
    int ck_running;
    int64_t ck_retry_at;
};

/* ---------------------------------------------------------------- per-address counts */

static int addr_count(hist_api *h, const char *key, int delta)
{
    size_t n = sizeof h->addrs / sizeof h->addrs[0], free_slot = n;
    for (size_t i = 0; i < n; i++) {
        if (h->addrs[i].n && !strcmp(h->addrs[i].key, key)) {
            h->addrs[i].n += delta;
            return h->addrs[i].n;
        }
        if (!h->addrs[i].n && free_slot == n)
            free_slot = i;
    }
    if (delta <= 0 || free_slot == n)
        return 0;
    snprintf(h->addrs[free_slot].key, sizeof h->addrs[free_slot].key, "%s", key);
    h->addrs[free_slot].n = delta;
    return delta;
}

static int addr_held(hist_api *h, const char *key)
{
    for (size_t i = 0; i < sizeof h->addrs / sizeof h->addrs[0]; i++)
        if (h->addrs[i].n && !strcmp(h->addrs[i].key, key))
            return h->addrs[i].n;
    return 0;
}

/* ---------------------------------------------------------------- the work */

static tl_reader *job_reader(hjob *j)
{
    if (!j->rd) {
        char err[256];
        j->rd = backend_timeline_open(&j->api->srv->cfg, 0, err, sizeof err);
        if (!j->rd)
            fprintf(stderr, "placed: history: %s\n", err);
    }
    return j->rd;
}

/* Waits (cluster mode: the history writer is a moment behind) until the history holds seq.
 * Returns 0, -1 (cannot read) or -2 (not there in time). */
static int wait_for(hjob *j, uint64_t seq)
{
    uint64_t fs, last;
    int64_t ft;
    for (int waited = 0;; waited += 50) {
        if (j->rd->ops->bounds(j->rd, &fs, &ft, &last) < 0)
            return -1;
        if (last >= seq)
            return 0;
        if (waited >= WAIT_HISTORY_MS)
            return -2;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Cluster mode: a seq is settled when its placement is in the history, or when it is a hole
 * older than the feeds' window: the first stored placement after it was placed more than
 * --hole-ms ago (what feed.c waits before skipping a hole; docs/protocol.md "The canvas through
 * time"). Below the writer's newest seq an event may still be in flight (Kafka's order is not
 * seq order), so a past answer is final only up to the settled seqs. Advances j->settled towards
 * upto (at most SETTLE_ROWS placements read; a later job goes on from there). Embedded mode:
 * every stored seq is settled. Returns 0 or -1. */
static int settle(hjob *j, uint64_t upto)
{
    if (!j->api->cluster) {
        if (j->settled < upto)
            j->settled = upto;
        return 0;
    }
    if (j->settled >= upto)
        return 0;
    tl_row *rows = malloc(TL_CHUNK * sizeof *rows);
    if (!rows)
        return -1;
    int64_t old = util_now_ms() - j->api->hole_ms;
    uint64_t s = j->settled;
    size_t read = 0;
    int rc = 0;
    while (s < upto && read < SETTLE_ROWS) {
        long n = j->rd->ops->rows(j->rd, s, upto, rows, TL_CHUNK);
        if (n == 0) /* none stored in (s, upto]: the gap ends at the next one beyond */
            n = j->rd->ops->rows(j->rd, upto, UINT64_MAX, rows, 1);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break; /* nothing after s at all: not settled */
        read += (size_t)n;
        long i = 0;
        for (; i < n; i++) {
            if (rows[i].seq != s + 1 && rows[i].time >= old)
                break; /* a gap whose event may still come */
            s = rows[i].seq < upto ? rows[i].seq : upto;
        }
        if (i < n)
            break;
    }
    free(rows);
    j->settled = s;
    return rc;
}

static void gzip_body(hjob *j)
{
    uLongf cap = compressBound((uLong)j->body_len) + 32;
    uint8_t *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!out || deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
                             Z_DEFAULT_STRATEGY) != Z_OK) {
        free(out);
        return;
    }
    z.next_in = j->body;
    z.avail_in = (uInt)j->body_len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
        free(j->body);
        j->body = out;
        j->body_len = z.total_out;
        j->body_gz = 1;
    } else {
        free(out);
    }
    deflateEnd(&z);
}

static void snap_work(hjob *j)
{
    tl_reader *rd = j->rd;
    if (j->by_time) {
        if (rd->ops->seq_at_time(rd, j->at, &j->seq) < 0) {
            j->rc = -1;
            return;
        }
        if (j->seq > j->live)
            j->seq = j->live;
    }
    if ((j->rc = wait_for(j, j->seq)) < 0)
        return;
    if (settle(j, j->seq) < 0) {
        j->rc = -1;
        return;
    }
    uint8_t *bits = malloc(place_bitmap_bytes(j->w, j->h));
    if (!bits || tl_canvas_at_count(rd, j->seq, bits, j->w, j->h, &j->replayed) < 0 ||
        !(j->snap = canvas_snap_make(bits, j->w, j->h, j->seq))) {
        free(bits);
        j->rc = -1;
        return;
    }
    free(bits);
    /* built for a request or a few (the cache): the fastest level. At the default level, zlib
     * took three quarters of a past snapshot's time on a busy 2000x2000 canvas (perf) */
    canvas_snap_gzip_level(j->snap, 1);
}

static void stream_work(hjob *j)
{
    uint64_t upto = j->live;
    if (j->seq < upto && (j->rc = wait_for(j, upto)) == -1)
        return;
    j->rc = 0;
    tl_row *rows = malloc((j->limit ? j->limit : 1) * sizeof *rows);
    place_pixel *px = malloc((j->limit ? j->limit : 1) * sizeof *px);
    long n = rows && px && j->seq < upto ? j->rd->ops->rows(j->rd, j->seq, upto, rows, j->limit)
                                         : 0;
    if (!rows || !px || n < 0) {
        j->rc = -1;
        goto out;
    }
    for (long i = 0; i < n; i++)
        px[i] = (place_pixel){.seq = rows[i].seq, .x = rows[i].x, .y = rows[i].y,
                              .color = rows[i].color};
    j->count = (size_t)n;
    uint64_t last = n ? rows[n - 1].seq : j->seq;
    j->last = last;
    if (j->count >= j->limit && settle(j, last) < 0) {
        j->rc = -1;
        goto out;
    }
    int64_t t = n ? rows[n - 1].time : 0;
    size_t cap = place_batch_size((uint32_t)n);
    if (!(j->body = malloc(cap))) {
        j->rc = -1;
        goto out;
    }
    int len = place_batch_encode(j->body, cap, j->seq, last, t, px, (uint32_t)n);
    if (len < 0) {
        j->rc = -1;
        goto out;
    }
    j->body_len = (size_t)len;
    if (j->gzip && j->body_len > 1024)
        gzip_body(j);
out:
    free(rows);
    free(px);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void heat_work(hjob *j)
{
    heat_entry *e = j->heat;
    tl_reader *rd = j->rd;
    if (!e->counts) {
        uint64_t from = 0;
        if (!(e->counts = calloc((size_t)e->cols * e->rows, sizeof *e->counts)) ||
            (e->since > 0 && rd->ops->seq_at_time(rd, e->since - 1, &from) < 0)) {
            free(e->counts);
            e->counts = NULL;
            j->rc = -1;
            return;
        }
        e->from_seq = e->to_seq = from;
    }
    /* cluster mode: the history writer is a moment behind; what it has not stored yet is
     * counted by a later request (the window's counts are extended from to_seq) */
    if (e->to_seq < j->live && wait_for(j, j->live) == -1) {
        j->rc = -1;
        return;
    }
    /* the kept counts go only as far as the settled seqs (cluster mode: an event below the
     * writer's newest seq may still come, and a kept count would miss it for good); the rest,
     * up to live, is counted for this answer only */
    if (settle(j, j->live) < 0) {
        j->rc = -1;
        return;
    }
    size_t cells = (size_t)e->cols * e->rows;
    uint64_t keep = j->settled < j->live ? j->settled : j->live, top = e->to_seq;
    tl_row *rows = malloc(TL_CHUNK * sizeof *rows);
    uint32_t *counts = e->counts;
    if (!rows) {
        j->rc = -1;
        return;
    }
    for (int part = 0; part < 2 && j->rc == 0; part++) {
        uint64_t upto = part == 0 ? keep : j->live;
        if (part == 1 && top < upto) { /* a copy: these counts are not kept */
            if (!(counts = malloc(cells * sizeof *counts))) {
                j->rc = -1;
                break;
            }
            memcpy(counts, e->counts, cells * sizeof *counts);
        }
        while (top < upto) {
            long n = rd->ops->rows(rd, top, upto, rows, TL_CHUNK);
            if (n < 0) {
                j->rc = -1;
                break;
            }
            if (n == 0)
                break;
            for (long i = 0; i < n; i++)
                if (rows[i].x < e->cols * e->block && rows[i].y < e->rows * e->block)
                    counts[(size_t)(rows[i].y / e->block) * e->cols + rows[i].x / e->block]++;
            top = rows[n - 1].seq;
            if (part == 0)
                e->to_seq = top;
        }
    }
    free(rows);
    if (j->rc < 0) {
        if (counts != e->counts)
            free(counts);
        return;
    }
    if (!(j->body = malloc(TL_HEAT_HEADER + 2 * cells))) {
        if (counts != e->counts)
            free(counts);
        j->rc = -1;
        return;
    }
    uint8_t *b = j->body;
    uint32_t maxc = 0;
    memset(b, 0, TL_HEAT_HEADER);
    memcpy(b, TL_HEAT_MAGIC, 4);
    b[4] = TL_HEAT_VERSION;
    b[5] = 2;
    b[6] = (uint8_t)e->block;
    b[7] = (uint8_t)(e->block >> 8);
    put32(b + 8, j->w);
    put32(b + 12, j->h);
    put32(b + 16, e->cols);
    put32(b + 20, e->rows);
    put64(b + 24, (uint64_t)e->since);
    put64(b + 32, e->from_seq);
    put64(b + 40, top);
    for (size_t i = 0; i < cells; i++) {
        uint32_t c = counts[i];
        if (c > maxc)
            maxc = c;
        uint16_t v = c > 65535 ? 65535 : (uint16_t)c;
        b[TL_HEAT_HEADER + 2 * i] = (uint8_t)v;
        b[TL_HEAT_HEADER + 2 * i + 1] = (uint8_t)(v >> 8);
    }
    put32(b + 48, maxc);
    if (counts != e->counts)
        free(counts);
    j->body_len = TL_HEAT_HEADER + 2 * cells;
    if (j->gzip)
        gzip_body(j);
}

static void job_work(uv_work_t *w)
{
    hjob *j = w->data;
    if (j->kind == J_CKPT) {
        hist_api *h = j->api;
        char err[256];
        if (!h->ck_rd && !(h->ck_rd = backend_timeline_open(&h->srv->cfg, 1, err, sizeof err))) {
            fprintf(stderr, "placed: checkpoints: %s\n", err);
            j->rc = -1;
            return;
        }
        j->rc = tl_ckpt_step(h->ck_rd, &h->ck, j->live, CKPT_ROWS) < 0 ? -1 : 0;
        return;
    }
    if (!job_reader(j)) {
        j->rc = -1;
        return;
    }
    switch (j->kind) {
    case J_SNAP:
        snap_work(j);
        break;
    case J_STREAM:
        stream_work(j);
        break;
    case J_HEAT:
        heat_work(j);
        break;
    case J_BOUNDS: {
        uint64_t last;
        j->rc = j->rd->ops->bounds(j->rd, &j->first_seq, &j->first_time, &last);
        break;
    }
    }
}

/* ---------------------------------------------------------------- the queue */

static void ck_schedule(hist_api *h);

static void job_after(uv_work_t *w, int status);
static void job_done(hist_api *h, hjob *j);

static void start_jobs(hist_api *h)
{
    hjob **pp = &h->head, *prev = NULL;
    while (*pp && h->running < HIST_RUNNING) {
        hjob *j = *pp;
        if (j->kind == J_HEAT && h->heat_running) { /* one heatmap scan at a time */
            prev = j;
            pp = &j->next;
            continue;
        }
        *pp = j->next;
        if (h->tail == j)
            h->tail = prev;
        h->waiting--;
        j->next = NULL;
        if (h->n_idle)
            j->rd = h->idle[--h->n_idle];
        j->work.data = j;
        h->running++;
        if (j->kind == J_HEAT)
            h->heat_running = 1;
        if (uv_queue_work(h->loop, &j->work, job_work, job_after) < 0) {
            j->rc = -1;
            job_done(h, j);
        }
    }
}

/* Queues j for its request (or the server's own work: req NULL). Returns 0, or answers the
 * request (busy) and frees j. */
static int submit(hist_api *h, hjob *j)
{
    http_req *r = j->req;
    if (r) {
        if (h->closing) {
            http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
            free(j);
            return -1;
        }
        if (addr_held(h, j->addr) >= HIST_PER_ADDR) {
            http_add_header(r, "Retry-After", "1");
            http_reply_error(r, 429, PLACE_ERR_RATE_LIMITED,
                             "Too many history requests from your address at once; try again in a "
                             "moment.");
            free(j);
            return -1;
        }
        if (h->waiting >= HIST_WAITING) {
            http_add_header(r, "Retry-After", "1");
            http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                             "The server is busy reading the history; try again in a moment.");
            free(j);
            return -1;
        }
        addr_count(h, j->addr, 1);
        r->pending = 1;
    }
    j->api = h;
    if (h->tail)
        h->tail->next = j;
    else
        h->head = j;
    h->tail = j;
    h->waiting++;
    start_jobs(h);
    return 0;
}

static void snap_cache_put(hist_api *h, canvas_snap *s)
{
    canvas_snap_unref(h->snaps[HIST_SNAP_CACHE - 1]);
    memmove(h->snaps + 1, h->snaps, (HIST_SNAP_CACHE - 1) * sizeof h->snaps[0]);
    s->refs++;
    h->snaps[0] = s;
}

static canvas_snap *snap_cache_get(hist_api *h, uint64_t seq, uint32_t w, uint32_t hh)
{
    for (size_t i = 0; i < HIST_SNAP_CACHE; i++) {
        canvas_snap *s = h->snaps[i];
        if (s && s->seq == seq && s->width == w && s->height == hh) {
            memmove(h->snaps + 1, h->snaps, i * sizeof h->snaps[0]);
            h->snaps[0] = s;
            s->refs++;
            return s;
        }
    }
    return NULL;
}

static void answer(hist_api *h, hjob *j)
{
    http_req *r = j->req;
    char seq[32];
    if (j->rc == -2) {
        http_add_header(r, "Retry-After", "1");
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                         "That part of the history is not stored yet; try again in a moment.");
        return;
    }
    if (j->rc < 0) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                         "The history cannot be read right now: try again in a moment.");
        return;
    }
    switch (j->kind) {
    case J_SNAP: {
        /* a seq not yet settled (cluster: an event below it may still come), or at= a time not
         * yet over (which may still gain placements): neither kept nor cached for long */
        int settled = j->settled >= j->seq &&
                      (!j->by_time || j->at < util_now_ms() - 5000 - (h->cluster ? h->hole_ms : 0));
        if (settled)
            snap_cache_put(h, j->snap);
        snprintf(seq, sizeof seq, "%" PRIu64, j->replayed);
        http_add_header(r, "X-Place-Replayed", seq);
        http_reply_snap(r, j->snap, settled ? IMMUTABLE : "public, max-age=1");
        j->snap = NULL;
        break;
    }
    case J_STREAM:
    case J_HEAT:
        snprintf(seq, sizeof seq, "%" PRIu64, j->live);
        http_add_header(r, "X-Place-Seq", seq);
        http_add_header(r, "Access-Control-Expose-Headers", "X-Place-Seq");
        if (j->kind == J_HEAT) {
            http_add_header(r, "Cache-Control", "public, max-age=10");
        } else {
            /* a full answer never changes; a short one grows as placements come */
            http_add_header(r, "Cache-Control",
                            j->count >= j->limit && j->settled >= j->last ? IMMUTABLE
                                : "no-cache");
        }
        if (j->body_gz) {
            http_add_header(r, "Content-Encoding", "gzip");
            http_add_header(r, "Vary", "Accept-Encoding");
        }
        http_reply_bytes(r, 200, "application/octet-stream", j->body, j->body_len);
        j->body = NULL;
        break;
    }
}

/* A request job is over (ran, or could not be started): its place, its reader and its answer. */
static void job_done(hist_api *h, hjob *j)
{
    h->running--;
    if (j->rc >= 0 && j->settled > h->settled)
        h->settled = j->settled;
    if (j->kind == J_HEAT) {
        h->heat_running = 0;
        j->heat->busy--;
        if (j->rc < 0) { /* a half-counted window is no use: the next scan starts it again */
            free(j->heat->counts);
            j->heat->counts = NULL;
        }
    }
    if (j->kind == J_BOUNDS) {
        h->bounds_running = 0;
        if (j->rc == 0 && !h->first_known) {
            h->first_known = 1;
            if (j->first_seq) {
                h->first_seq = j->first_seq;
                h->first_time = j->first_time;
            }
        }
    }
    /* the reader goes back to the pool, unless it failed (it is opened again next time) */
    if (j->rd) {
        if (j->rc != -1 && h->n_idle < HIST_RUNNING && !h->closing)
            h->idle[h->n_idle++] = j->rd;
        else
            tl_close(j->rd);
    }
    if (j->req) {
        addr_count(h, j->addr, -1);
        answer(h, j);
    }
    canvas_snap_unref(j->snap);
    free(j->body);
    free(j);
}

static void job_after(uv_work_t *w, int status)
{
    hjob *j = w->data;
    hist_api *h = j->api;
    if (status < 0 && j->rc == 0)
        j->rc = -1;
    if (j->kind == J_CKPT) {
        h->ck_running = 0;
        if (j->rc < 0) {
            h->ck_retry_at = util_mono_ms() + CKPT_RETRY_MS;
            tl_close(h->ck_rd);
            h->ck_rd = NULL;
        }
        free(j);
        ck_schedule(h);
        return;
    }
    job_done(h, j);
    if (!h->closing)
        start_jobs(h);
}

/* ---------------------------------------------------------------- the checkpointer */

static void ck_schedule(hist_api *h)
{
    if (h->closing || h->cluster || h->ck_running || util_mono_ms() < h->ck_retry_at)
        return;
    uint64_t live = canvas_seq(h->srv->canvas);
    if (h->ck.bits && live / h->ck.every <= h->ck.seq / h->ck.every)
        return; /* no multiple of --checkpoint-every reached since the last one */
    hjob *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->kind = J_CKPT;
    j->api = h;
    j->live = live;
    j->work.data = j;
    if (uv_queue_work(h->loop, &j->work, job_work, job_after) < 0) {
        free(j);
        return;
    }
    h->ck_running = 1;
}

static void on_tick(uv_timer_t *t)
{
    hist_api *h = t->data;
    ck_schedule(h);
    if (!h->first_known && !h->bounds_running && !h->closing) {
        hjob *j = calloc(1, sizeof *j);
        if (j) {
            j->kind = J_BOUNDS;
            h->bounds_running = 1;
            submit(h, j);
        }
    }
}

/* ---------------------------------------------------------------- the service */

hist_api *hist_api_new(place_server *srv)
{
    hist_api *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->srv = srv;
    h->loop = srv->loop;
    h->cluster = backend_is_cluster(&srv->cfg);
    h->hole_ms = srv->cfg.hole_ms;
    h->ck.w = canvas_width(srv->canvas);
    h->ck.h = canvas_height(srv->canvas);
    h->ck.every = (uint64_t)srv->cfg.checkpoint_every;
    if (uv_timer_init(h->loop, &h->timer) < 0) {
        free(h);
        return NULL;
    }
    h->timer.data = h;
    uv_timer_start(&h->timer, on_tick, 0, CKPT_TICK_MS);
    return h;
}

static void on_timer_closed(uv_handle_t *t)
{
    ((hist_api *)t->data)->timer_closed = 1;
}

void hist_api_close(hist_api *h)
{
    if (!h)
        return;
    h->closing = 1;
    uv_timer_stop(&h->timer);
    uv_close((uv_handle_t *)&h->timer, on_timer_closed);
    while (h->head) {
        hjob *j = h->head;
        h->head = j->next;
        h->waiting--;
        if (j->req) {
            addr_count(h, j->addr, -1);
            http_reply_error(j->req, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
        }
        free(j);
    }
    h->tail = NULL;
    while (h->running || h->ck_running || !h->timer_closed)
        uv_run(h->loop, UV_RUN_ONCE);
    while (h->n_idle)
        tl_close(h->idle[--h->n_idle]);
    tl_close(h->ck_rd);
    tl_ckpt_free(&h->ck);
    for (size_t i = 0; i < HIST_SNAP_CACHE; i++)
        canvas_snap_unref(h->snaps[i]);
    for (size_t i = 0; i < HIST_HEAT_CACHE; i++)
        free(h->heats[i].counts);
    free(h);
}

void hist_api_on_pixels(hist_api *h, const place_pixel *px, size_t n)
{
    if (h && n && !h->first_seq && h->first_known) {
        h->first_seq = px[0].seq;
        h->first_time = util_now_ms();
    }
}

void hist_api_first(const hist_api *h, uint64_t *seq, int64_t *time)
{
    *seq = h ? h->first_seq : 0;
    *time = h ? h->first_time : 0;
}

/* ---------------------------------------------------------------- the routes */

/* A whole-number query argument. Returns 1 and sets *v, 0 when absent, -1 when malformed. */
static int u64_arg(http_req *r, const char *name, uint64_t *v)
{
    char buf[128];
    const char *s = lws_get_urlarg_by_name(r->wsi, name, buf, sizeof buf);
    if (!s)
        return 0;
    if (!*s || strlen(s) > 19)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    *v = strtoull(s, NULL, 10);
    return errno ? -1 : 1;
}

/* A time query argument (ms, or ISO-8601; a "+" of a time zone arrives decoded as a space).
 * Returns 1 and sets *ms, 0 when absent, -1 when malformed. */
static int time_arg(http_req *r, const char *name, int64_t *ms)
{
    char buf[128];
    const char *s = lws_get_urlarg_by_name(r->wsi, name, buf, sizeof buf);
    if (!s)
        return 0;
    char t[64];
    snprintf(t, sizeof t, "%s", s);
    if (t[0] && strspn(t, "0123456789") == strlen(t)) { /* ms since the epoch, any size */
        if (strlen(t) > 15)
            return -1;
        *ms = strtoll(t, NULL, 10);
        return 1;
    }
    char *T = strpbrk(t, "Tt");
    for (char *p = T ? T : t + strlen(t); *p; p++)
        if (*p == ' ')
            *p = '+';
    if (!t[0] || config_time_ms(t, util_now_ms(), ms) < 0)
        return -1;
    return 1;
}

/* The newest seq a request may be answered up to: what the canvas holds, or (cluster mode) what
 * this process has already shown or acknowledged, which its canvas may not hold yet; a reader
 * waits for the history to reach it (wait_for), so a player's own acknowledged placements are
 * always in the answer. */
static uint64_t live_seq(const place_server *srv)
{
    uint64_t live = canvas_seq(srv->canvas);
    if (srv->store && srv->store->ops->seen_seq) {
        uint64_t seen = srv->store->ops->seen_seq(srv->store);
        if (seen > live)
            live = seen;
    }
    return live;
}

static hjob *new_job(http_req *r, int kind)
{
    hjob *j = calloc(1, sizeof *j);
    if (!j) {
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
        return NULL;
    }
    j->kind = kind;
    j->req = r;
    peer_bucket(r->addr, j->addr);
    j->live = live_seq(r->srv);
    j->w = canvas_width(r->srv->canvas);
    j->h = canvas_height(r->srv->canvas);
    j->gzip = http_accepts_gzip(r);
    j->settled = r->srv->hist ? r->srv->hist->settled : 0;
    return j;
}

int hist_api_wants(http_req *r)
{
    char buf[128]; /* lws finds no argument whose value does not fit */
    return lws_get_urlarg_by_name(r->wsi, "seq=", buf, sizeof buf) ||
           lws_get_urlarg_by_name(r->wsi, "at=", buf, sizeof buf);
}

static void reply_beyond(http_req *r, uint64_t asked, uint64_t live)
{
    char msg[160], seq[32];
    snprintf(seq, sizeof seq, "%" PRIu64, live);
    snprintf(msg, sizeof msg, "seq %" PRIu64 " is beyond the newest placement, %" PRIu64 ".",
             asked, live);
    http_add_header(r, "X-Place-Seq", seq);
    http_add_header(r, "Cache-Control", "no-cache");
    http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST, msg);
}

void hist_api_snapshot(http_req *r)
{
    hist_api *h = r->srv->hist;
    uint64_t seq = 0;
    int64_t at = 0;
    int has_seq = u64_arg(r, "seq=", &seq), has_at = time_arg(r, "at=", &at);
    if (has_seq < 0 || has_at < 0 || has_seq == has_at) {
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST,
                         "Give either seq (a whole number) or at (milliseconds since the epoch, or "
                         "an ISO-8601 time such as 2026-11-29T15:30:00Z).");
        return;
    }
    uint64_t live = live_seq(r->srv);
    if (has_seq && seq > live) {
        reply_beyond(r, seq, live);
        return;
    }
    if (!h) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
        return;
    }
    if (has_seq) {
        canvas_snap *s = snap_cache_get(h, seq, canvas_width(r->srv->canvas),
                                        canvas_height(r->srv->canvas));
        if (s) {
            http_add_header(r, "X-Place-Replayed", "0"); /* kept: nothing read */
            http_reply_snap(r, s, IMMUTABLE);
            return;
        }
    }
    hjob *j = new_job(r, J_SNAP);
    if (!j)
        return;
    j->seq = seq;
    j->by_time = has_at;
    j->at = at;
    submit(h, j);
}

void hist_api_history(http_req *r)
{
    hist_api *h = r->srv->hist;
    uint64_t from = 0, limit = HIST_STREAM_MAX;
    int hf = u64_arg(r, "from=", &from), hl = u64_arg(r, "limit=", &limit);
    if (hf <= 0 || hl < 0 || limit == 0) {
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST,
                         "from must be a seq (a whole number) and limit a whole number from 1.");
        return;
    }
    if (!h) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
        return;
    }
    hjob *j = new_job(r, J_STREAM);
    if (!j)
        return;
    j->seq = from;
    j->limit = limit < HIST_STREAM_MAX ? (size_t)limit : HIST_STREAM_MAX;
    submit(h, j);
}

void hist_api_heatmap(http_req *r)
{
    hist_api *h = r->srv->hist;
    int64_t since = util_now_ms() - HEAT_DEFAULT_MS;
    uint64_t block = 1;
    int hs = time_arg(r, "since=", &since), hb = u64_arg(r, "block=", &block);
    if (hs < 0 || hb < 0 || block == 0 || block > 256 || (block & (block - 1)) || since < 0) {
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST,
                         "since must be a time (milliseconds since the epoch, or ISO-8601) and "
                         "block a power of two from 1 to 256.");
        return;
    }
    if (!h) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
        return;
    }
    since -= since % 60000; /* whole minutes, so answers are shared */
    uint32_t w = canvas_width(r->srv->canvas), hh = canvas_height(r->srv->canvas);
    uint32_t b = tl_heat_block(w, hh, (uint32_t)block);
    /* the window's counts, kept and extended; a new window takes the least recently used
     * entry that no scan is using */
    heat_entry *e = NULL, *victim = NULL;
    for (size_t i = 0; i < HIST_HEAT_CACHE; i++) {
        heat_entry *c = &h->heats[i];
        if (c->used && c->since == since && c->block == b && c->cols == (w + b - 1) / b &&
            c->rows == (hh + b - 1) / b)
            e = c;
        else if (!c->busy && (!victim || !c->used || (victim->used && c->last_use < victim->last_use)))
            victim = c;
    }
    if (!e) {
        if (!victim) {
            http_add_header(r, "Retry-After", "1");
            http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                             "The server is busy reading the history; try again in a moment.");
            return;
        }
        e = victim;
        free(e->counts);
        memset(e, 0, sizeof *e);
        e->used = 1;
        e->since = since;
        e->block = b;
        e->cols = (w + b - 1) / b;
        e->rows = (hh + b - 1) / b;
    }
    e->last_use = ++h->use_clock;
    hjob *j = new_job(r, J_HEAT);
    if (!j)
        return;
    j->heat = e;
    e->busy++;
    if (submit(h, j) < 0)
        e->busy--;
}

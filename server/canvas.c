/* The live canvas and the snapshot built from it (see canvas.h). */
#include "canvas.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "place/bitmap.h"

#include "util.h"

#define REBUILD_MS 1000

/* One snapshot being made on the thread pool: read from the source first (from_source), or
 * already filled from the local canvas and only gzipped there. */
typedef struct build_job {
    canvas_snap *s;
    int from_source;
    int64_t started; /* monotonic ms */
} build_job;

typedef struct snap_waiter {
    canvas_snap_cb cb;
    void *arg;
    struct snap_waiter *next;
} snap_waiter;

static struct {
    uv_loop_t *loop;
    uint8_t *bits;
    uint32_t w, h;
    uint64_t seq;
    canvas_snap *current;
    int64_t current_at; /* with a source: when current was read (monotonic ms) */
    build_job *building; /* on the thread pool */
    uv_work_t work;
    uv_timer_t timer;
    int timer_open;
    canvas_source src;
    int has_src;
    snap_waiter *waiters; /* requests waiting for a fresh snapshot */
} cv;

static void snap_free(canvas_snap *s)
{
    if (!s)
        return;
    free(s->plain);
    free(s->gz);
    free(s);
}

void canvas_snap_unref(canvas_snap *s)
{
    if (s && --s->refs == 0)
        snap_free(s);
}

canvas_snap *canvas_snapshot(void)
{
    if (cv.current)
        cv.current->refs++;
    return cv.current;
}

/* A snapshot with the plain bytes of (bits, w, h, seq); gz still empty. */
static canvas_snap *snap_make(const uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq)
{
    canvas_snap *s = calloc(1, sizeof *s);
    size_t px = place_bitmap_bytes(w, h);
    if (!s || !(s->plain = malloc(PLACE_SNAPSHOT_HEADER_SIZE + px))) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->seq = seq;
    s->width = w;
    s->height = h;
    place_snapshot_header hdr = {w, h, seq};
    place_snapshot_write_header(s->plain, &hdr);
    memcpy(s->plain + PLACE_SNAPSHOT_HEADER_SIZE, bits, px);
    s->plain_len = PLACE_SNAPSHOT_HEADER_SIZE + px;
    snprintf(s->etag, sizeof s->etag, "\"%" PRIu64 "-%ux%u\"", s->seq, s->width, s->height);
    return s;
}

/* A snapshot of the local canvas as it is now. */
static canvas_snap *snap_begin(void)
{
    return snap_make(cv.bits, cv.w, cv.h, cv.seq);
}

/* gzip (RFC 1952) of the plain bytes; on failure gz stays NULL and requests get plain. */
static void snap_gzip(canvas_snap *s)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    uLong cap = deflateBound(&z, (uLong)s->plain_len);
    uint8_t *out = malloc(cap);
    if (out) {
        z.next_in = s->plain;
        z.avail_in = (uInt)s->plain_len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
            s->gz = out;
            s->gz_len = z.total_out;
        } else {
            free(out);
        }
    }
    deflateEnd(&z);
}

static void build_work(uv_work_t *w)
{
    build_job *j = w->data;
    if (j->from_source) {
        uint8_t *bits = NULL;
        uint64_t seq = 0;
        /* cv.w and cv.h never change after canvas_init */
        if (cv.src.read(cv.src.arg, cv.w, cv.h, &bits, &seq) == 0) {
            j->s = snap_make(bits, cv.w, cv.h, seq);
            free(bits);
        }
    }
    if (j->s)
        snap_gzip(j->s);
}

static int start_build(build_job *j);

/* Hands a reference to s (which may be NULL) to every waiting request. */
static void wake_waiters(canvas_snap *s)
{
    snap_waiter *list = cv.waiters;
    cv.waiters = NULL;
    while (list) {
        snap_waiter *n = list->next;
        if (s)
            s->refs++;
        list->cb(list->arg, s);
        free(list);
        list = n;
    }
}

static void build_after(uv_work_t *w, int status)
{
    build_job *j = w->data;
    cv.building = NULL;
    if (status || !cv.loop) {
        canvas_snap_unref(j->s);
        free(j);
        return;
    }
    if (j->from_source && !j->s) {
        /* the source cannot be read (Redis down): nothing can be placed meanwhile, so the
         * newer of the last snapshot read and the local canvas (which the placement feed keeps
         * current) is the canvas; the seq a client sees never goes back */
        j->from_source = 0;
        j->started = util_mono_ms();
        if (cv.current && cv.current->seq >= cv.seq) {
            cv.current_at = j->started;
            free(j);
            wake_waiters(cv.current);
            return;
        }
        if ((j->s = snap_begin()) && start_build(j) == 0)
            return;
        canvas_snap_unref(j->s);
        free(j);
        wake_waiters(cv.current);
        return;
    }
    canvas_snap_unref(cv.current);
    cv.current = j->s;
    cv.current_at = j->started;
    free(j);
    wake_waiters(cv.current);
}

static int start_build(build_job *j)
{
    cv.building = j;
    cv.work.data = j;
    if (uv_queue_work(cv.loop, &cv.work, build_work, build_after) < 0) {
        cv.building = NULL;
        return -1;
    }
    return 0;
}

/* Starts reading a snapshot from the source unless one is on its way. */
static void refresh_from_source(void)
{
    if (cv.building)
        return;
    build_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->from_source = 1;
    j->started = util_mono_ms();
    if (start_build(j) < 0)
        free(j);
}

static void on_tick(uv_timer_t *t)
{
    if (cv.has_src || cv.building || (cv.current && cv.current->seq == cv.seq))
        return;
    build_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    if (!(j->s = snap_begin()) || start_build(j) < 0) {
        canvas_snap_unref(j->s);
        free(j);
    }
}

void canvas_use_source(const canvas_source *src)
{
    cv.src = *src;
    cv.has_src = 1;
    cv.current_at = INT64_MIN / 2; /* the snapshot made at start is not from the source */
}

void canvas_snapshot_fresh(canvas_snap_cb cb, void *arg)
{
    if (!cv.has_src) {
        cb(arg, canvas_snapshot());
        return;
    }
    int64_t age = util_mono_ms() - cv.current_at;
    if (cv.current && age <= CANVAS_SOURCE_MAX_AGE_MS) {
        /* past half its life, read the next one already, so steady traffic never waits */
        if (age > CANVAS_SOURCE_MAX_AGE_MS / 2)
            refresh_from_source();
        cb(arg, canvas_snapshot());
        return;
    }
    snap_waiter *wt = malloc(sizeof *wt);
    if (!wt) {
        cb(arg, NULL);
        return;
    }
    wt->cb = cb;
    wt->arg = arg;
    wt->next = cv.waiters;
    cv.waiters = wt;
    refresh_from_source();
    if (!cv.building) /* could not even be queued */
        wake_waiters(cv.current);
}

int canvas_init(uv_loop_t *loop, uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq)
{
    cv.loop = loop;
    cv.bits = bits;
    cv.w = w;
    cv.h = h;
    cv.seq = seq;
    if (!(cv.current = snap_begin()))
        return -1;
    snap_gzip(cv.current);
    uv_timer_init(loop, &cv.timer);
    cv.timer_open = 1;
    uv_timer_start(&cv.timer, on_tick, REBUILD_MS, REBUILD_MS);
    return 0;
}

void canvas_apply(const place_pixel *px, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (px[i].x < cv.w && px[i].y < cv.h)
            place_bitmap_set(cv.bits, cv.w, px[i].x, px[i].y, px[i].color);
        if (px[i].seq > cv.seq)
            cv.seq = px[i].seq;
    }
}

uint32_t canvas_width(void)
{
    return cv.w;
}

uint32_t canvas_height(void)
{
    return cv.h;
}

uint64_t canvas_seq(void)
{
    return cv.seq;
}

void canvas_close(void)
{
    if (cv.timer_open) {
        uv_timer_stop(&cv.timer);
        uv_close((uv_handle_t *)&cv.timer, NULL);
        cv.timer_open = 0;
    }
    while (cv.building)
        uv_run(cv.loop, UV_RUN_ONCE);
    wake_waiters(NULL);
    if (cv.has_src && cv.src.free)
        cv.src.free(cv.src.arg);
    cv.has_src = 0;
    canvas_snap_unref(cv.current);
    cv.current = NULL;
    free(cv.bits);
    cv.bits = NULL;
}

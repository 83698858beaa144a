/* The live canvas and the snapshot built from it (see canvas.h). */
#include "canvas.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "place/bitmap.h"

#define REBUILD_MS 1000

static struct {
    uv_loop_t *loop;
    uint8_t *bits;
    uint32_t w, h;
    uint64_t seq;
    canvas_snap *current;
    canvas_snap *building; /* on the thread pool */
    uv_work_t work;
    uv_timer_t timer;
    int timer_open;
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

/* A snapshot with the plain bytes filled in from the canvas as it is now; gz still empty. */
static canvas_snap *snap_begin(void)
{
    canvas_snap *s = calloc(1, sizeof *s);
    size_t px = place_bitmap_bytes(cv.w, cv.h);
    if (!s || !(s->plain = malloc(PLACE_SNAPSHOT_HEADER_SIZE + px))) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->seq = cv.seq;
    s->width = cv.w;
    s->height = cv.h;
    place_snapshot_header hdr = {cv.w, cv.h, cv.seq};
    place_snapshot_write_header(s->plain, &hdr);
    memcpy(s->plain + PLACE_SNAPSHOT_HEADER_SIZE, cv.bits, px);
    s->plain_len = PLACE_SNAPSHOT_HEADER_SIZE + px;
    snprintf(s->etag, sizeof s->etag, "\"%" PRIu64 "-%ux%u\"", s->seq, s->width, s->height);
    return s;
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
    snap_gzip(w->data);
}

static void build_after(uv_work_t *w, int status)
{
    canvas_snap *s = w->data;
    cv.building = NULL;
    if (status || !cv.loop) {
        canvas_snap_unref(s);
        return;
    }
    canvas_snap_unref(cv.current);
    cv.current = s;
}

static void on_tick(uv_timer_t *t)
{
    if (cv.building || (cv.current && cv.current->seq == cv.seq))
        return;
    canvas_snap *s = snap_begin();
    if (!s)
        return;
    cv.building = s;
    cv.work.data = s;
    if (uv_queue_work(cv.loop, &cv.work, build_work, build_after) < 0) {
        cv.building = NULL;
        canvas_snap_unref(s);
    }
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
    canvas_snap_unref(cv.current);
    cv.current = NULL;
    free(cv.bits);
    cv.bits = NULL;
}

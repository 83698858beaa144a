/* The live canvas and the snapshot bytes made from it (see canvas.h). */
#include "canvas.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "place/bitmap.h"

struct canvas {
    uint8_t *bits;
    uint32_t w, h;
    uint64_t seq;
};

static void snap_free(canvas_snap *s)
{
    free(s->plain);
    free(s->gz);
    free(s);
}

void canvas_snap_unref(canvas_snap *s)
{
    if (s && --s->refs == 0)
        snap_free(s);
}

canvas_snap *canvas_snap_make(const uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq)
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

canvas_snap *canvas_snap_now(const canvas *cv)
{
    return canvas_snap_make(cv->bits, cv->w, cv->h, cv->seq);
}

void canvas_snap_gzip(canvas_snap *s)
{
    canvas_snap_gzip_level(s, Z_DEFAULT_COMPRESSION);
}

void canvas_snap_gzip_level(canvas_snap *s, int level)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
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

canvas *canvas_new(uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq)
{
    canvas *cv = malloc(sizeof *cv);
    if (!cv) {
        free(bits);
        return NULL;
    }
    cv->bits = bits;
    cv->w = w;
    cv->h = h;
    cv->seq = seq;
    return cv;
}

void canvas_apply(canvas *cv, const place_pixel *px, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (px[i].x < cv->w && px[i].y < cv->h)
            place_bitmap_set(cv->bits, cv->w, px[i].x, px[i].y, px[i].color);
        if (px[i].seq > cv->seq)
            cv->seq = px[i].seq;
    }
}

uint32_t canvas_width(const canvas *cv)
{
    return cv->w;
}

uint32_t canvas_height(const canvas *cv)
{
    return cv->h;
}

uint64_t canvas_seq(const canvas *cv)
{
    return cv->seq;
}

void canvas_free(canvas *cv)
{
    if (!cv)
        return;
    free(cv->bits);
    free(cv);
}

int canvas_get(const canvas *cv, uint32_t x, uint32_t y)
{
    if (x >= cv->w || y >= cv->h)
        return -1;
    return place_bitmap_get(cv->bits, cv->w, x, y);
}

/* The live canvas and the snapshot bytes made from it.
 *
 * The canvas is what every committed placement has been applied to. A snapshot (the bytes of
 * GET /api/v1/canvas/snapshot, plain and gzipped) is refcounted and shared by every request that
 * serves it. Which snapshot a request gets, and when one is rebuilt, is decided by the snapshot
 * source (snapshot.h): of this canvas in the embedded mode, read from Redis in cluster mode. */
#ifndef PLACE_SERVER_CANVAS_H
#define PLACE_SERVER_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#include "place/proto.h"

typedef struct canvas_snap {
    int refs;
    uint64_t seq;
    uint32_t width, height;
    uint8_t *plain; /* header + packed pixels */
    size_t plain_len;
    uint8_t *gz; /* the same, gzipped */
    size_t gz_len;
    char etag[64]; /* "\"<seq>-<w>x<h>\"" with the quotes */
} canvas_snap;

/* The live canvas, owned by the server object (server.h); used on the loop thread only. */
typedef struct canvas canvas;

/* A canvas of w x h holding bits (packed, malloc'd; owned from now on, also when this fails) up
 * to seq. NULL when out of memory. */
canvas *canvas_new(uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq);

/* Applies committed placements (ascending seq). */
void canvas_apply(canvas *cv, const place_pixel *px, size_t n);

uint32_t canvas_width(const canvas *cv);
uint32_t canvas_height(const canvas *cv);
/* The colour of (x, y), or -1 outside the canvas. */
int canvas_get(const canvas *cv, uint32_t x, uint32_t y);
/* The last placement applied. */
uint64_t canvas_seq(const canvas *cv);

/* A snapshot of (bits, w, h, seq) with one reference and the plain bytes only (gz NULL). Safe
 * on any thread. NULL when out of memory. */
canvas_snap *canvas_snap_make(const uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq);

/* A snapshot of the live canvas as it is now (loop thread), plain bytes only. NULL when out of
 * memory. */
canvas_snap *canvas_snap_now(const canvas *cv);

/* Fills s->gz with the gzip (RFC 1952) of its plain bytes; on failure gz stays NULL and
 * requests get the plain bytes. Safe on any thread for a snapshot no one else holds yet. */
void canvas_snap_gzip(canvas_snap *s);
/* The same at a zlib level (1: fastest ... 9: smallest). */
void canvas_snap_gzip_level(canvas_snap *s, int level);

/* Drops a reference; the last one frees s. Accepts NULL. */
void canvas_snap_unref(canvas_snap *s);

/* Frees the canvas; accepts NULL. The snapshot source must be closed first. */
void canvas_free(canvas *cv);

#endif

/* The live canvas and its shared snapshot.
 *
 * The canvas is what every committed placement has been applied to. The snapshot (the bytes of
 * GET /api/v1/canvas/snapshot, plain and gzipped) is rebuilt at most once a second and only when
 * the canvas changed, gzip on a worker thread; every request shares the same refcounted bytes. */
#ifndef PLACE_SERVER_CANVAS_H
#define PLACE_SERVER_CANVAS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

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

/* Takes ownership of bits (packed, w x h, malloc'd) and builds the first snapshot. Returns 0 or
 * -1 (out of memory). */
int canvas_init(uv_loop_t *loop, uint8_t *bits, uint32_t w, uint32_t h, uint64_t seq);

/* Applies committed placements (ascending seq). */
void canvas_apply(const place_pixel *px, size_t n);

uint32_t canvas_width(void);
uint32_t canvas_height(void);
/* The last placement applied. */
uint64_t canvas_seq(void);

/* The current snapshot with a reference the caller drops with canvas_snap_unref. */
canvas_snap *canvas_snapshot(void);
void canvas_snap_unref(canvas_snap *s);

/* Stops the rebuild timer and drops the canvas (waits for a rebuild in flight). */
void canvas_close(void);

#endif

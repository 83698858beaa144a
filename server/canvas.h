/* The live canvas and its shared snapshot.
 *
 * The canvas is what every committed placement has been applied to. The snapshot (the bytes of
 * GET /api/v1/canvas/snapshot, plain and gzipped) is rebuilt at most once a second and only when
 * the canvas changed, gzip on a worker thread; every request shares the same refcounted bytes.
 * In cluster mode the snapshot is read instead from the shared store (a canvas_source) when a
 * request finds the cached one older than a second, so that every process serves the canvas as
 * the store has it, with the seq read in the same step. */
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

/* Where snapshots come from when the canvas lives elsewhere (cluster mode: Redis). */
typedef struct canvas_source {
    /* Reads the whole canvas and the seq it contains, together: *bits gets a malloc'd packed
     * bitmap of w x h. Runs on a worker thread, never two calls at once. Returns 0, or -1 when
     * the source cannot be read (the snapshot is then built from the local canvas). */
    int (*read)(void *arg, uint32_t w, uint32_t h, uint8_t **bits, uint64_t *seq);
    void (*free)(void *arg); /* releases arg; called by canvas_close */
    void *arg;
} canvas_source;

/* From now on snapshots are read from src on demand, each served for at most
 * CANVAS_SOURCE_MAX_AGE_MS after it was read. Takes ownership of src->arg. */
#define CANVAS_SOURCE_MAX_AGE_MS 1000
void canvas_use_source(const canvas_source *src);

/* Calls cb(arg, snap) once with a referenced snapshot that is fresh enough to serve (with a
 * source: read at most CANVAS_SOURCE_MAX_AGE_MS ago), at once when the cached one is, else on the
 * loop thread when a fresh one has been read. snap is NULL when none can be had (out of memory,
 * or the server is stopping). */
typedef void (*canvas_snap_cb)(void *arg, canvas_snap *snap);
void canvas_snapshot_fresh(canvas_snap_cb cb, void *arg);

/* Stops the rebuild timer and drops the canvas (waits for a rebuild in flight). */
void canvas_close(void);

#endif

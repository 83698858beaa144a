/* Where the snapshot a request is served comes from: a small interface with two
 * implementations.
 *
 * - local (snapshot_local.c): the snapshot of this process's live canvas (canvas.c), gzipped on
 *   a worker thread. While snapshots are asked for, it is rebuilt at most once a second when the
 *   canvas changed and a request gets the current one at once; when nobody asked for ten
 *   seconds no canvas is gzipped, and the next request, if the canvas changed meanwhile, waits
 *   for a new one.
 * - cluster (cluster/snapshot_redis.c): the canvas and its seq read together from Redis on
 *   demand, so that every process serves the canvas as the shared store has it; a snapshot is
 *   served for at most SNAP_SOURCE_MAX_AGE_MS after it was read, and when Redis cannot be read
 *   the newer of the last one read and the local canvas is served (that fallback policy lives
 *   there, not in canvas.c).
 *
 * Every snapshot handed out is referenced; the receiver drops it with canvas_snap_unref. All
 * calls are made on the loop thread. */
#ifndef PLACE_SERVER_SNAPSHOT_H
#define PLACE_SERVER_SNAPSHOT_H

#include <uv.h>

#include "canvas.h"

#define SNAP_SOURCE_MAX_AGE_MS 1000

typedef struct snap_source snap_source;

/* Receives a referenced snapshot, or NULL when none can be had (out of memory, or stopping). */
typedef void (*snap_source_cb)(void *arg, canvas_snap *snap);

typedef struct snap_source_ops {
    /* Calls cb(arg, snap) exactly once with a snapshot fresh enough to serve: at once when the
     * source has one, else later on the loop thread. */
    void (*fresh)(snap_source *s, snap_source_cb cb, void *arg);

    /* Stops the source: waits for work in flight on the thread pool (running the loop), answers
     * anyone still waiting with NULL and frees s. s may be NULL. */
    void (*close)(snap_source *s);
} snap_source_ops;

/* Every implementation's struct begins with this. */
struct snap_source {
    const snap_source_ops *ops;
};

/* The local source: snapshots of cv, which must outlive it. Builds the first one at once.
 * Returns NULL when out of memory. */
snap_source *snap_source_local(uv_loop_t *loop, const canvas *cv);

/* The two calls, for readability at the call sites; snap_source_close accepts NULL. */
static inline void snap_source_fresh(snap_source *s, snap_source_cb cb, void *arg)
{
    s->ops->fresh(s, cb, arg);
}

static inline void snap_source_close(snap_source *s)
{
    if (s)
        s->ops->close(s);
}

#endif

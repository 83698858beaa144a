/* The cluster's snapshot source (snapshot.h): the canvas and its seq read together from the
 * shared store on a worker thread, on demand, each snapshot served for at most
 * SNAP_SOURCE_MAX_AGE_MS after it was read. The fallback policy when the store cannot be read
 * lives here, not in the canvas. */
#ifndef PLACE_SERVER_CLUSTER_SNAPSHOT_REDIS_H
#define PLACE_SERVER_CLUSTER_SNAPSHOT_REDIS_H

#include <stdint.h>
#include <uv.h>

#include "snapshot.h"

/* Reads the whole canvas of w x h and the seq it contains, together: *bits gets a malloc'd packed
 * bitmap. Runs on a worker thread, never two calls at once. Returns 0, or -1 when the store
 * cannot be read. */
typedef int (*cluster_snap_read_fn)(void *arg, uint32_t w, uint32_t h, uint8_t **bits,
                                    uint64_t *seq);

/* A source reading snapshots of cv's size with read(arg), falling back to cv (which must outlive
 * it); free(arg) runs when the source is closed (also when this fails). Returns NULL when out of
 * memory. */
snap_source *cluster_snap_source(uv_loop_t *loop, const canvas *cv, cluster_snap_read_fn read,
                                 void (*free)(void *), void *arg);

#endif

/* The history routes (docs/protocol.md, "The canvas through time"): the snapshot as of a seq or
 * a time, the history stream, the heatmap; and, in the embedded mode, the checkpointer that
 * stores the canvas every --checkpoint-every placements (history.db).
 *
 * Every read of the history is a job on the thread pool with its own reader (timeline.h), never
 * on the loop thread. Jobs are budgeted: at most HIST_RUNNING run at once (one heatmap among
 * them), HIST_WAITING wait (beyond: 503 UNAVAILABLE, Retry-After 1), and one address holds at
 * most HIST_PER_ADDR running or waiting (beyond: 429 RATE_LIMITED). Recent snapshots and
 * heatmaps are cached. All calls are made on the loop thread. */
#ifndef PLACE_SERVER_HISTORY_API_H
#define PLACE_SERVER_HISTORY_API_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define HIST_RUNNING 2
#define HIST_WAITING 32
#define HIST_PER_ADDR 4
#define HIST_STREAM_MAX 10000 /* placements in one /api/v1/history answer at most */
#define HIST_SNAP_CACHE 8     /* past snapshots kept */
#define HIST_HEAT_CACHE 4     /* heatmap windows kept (and extended as placements come) */

typedef struct hist_api hist_api;

/* Starts the service for srv (srv->canvas set); in the embedded mode also the checkpointer.
 * NULL when out of memory. */
hist_api *hist_api_new(place_server *srv);

/* Answers every waiting request 503, waits for the running jobs (running the loop) and frees h.
 * Accepts NULL. */
void hist_api_close(hist_api *h);

/* Committed placements (on_pixels): the first one is remembered for canvas/info. */
void hist_api_on_pixels(hist_api *h, const place_pixel *px, size_t n);

/* The first stored placement, for /api/v1/canvas/info (0, 0 when none yet or not known yet). */
void hist_api_first(const hist_api *h, uint64_t *seq, int64_t *time);

/* 1 when a snapshot request asks for a past canvas (?seq= or ?at=). */
int hist_api_wants(http_req *r);

/* Routes: GET /api/v1/canvas/snapshot?seq=N|at=T, /api/v1/history, /api/v1/canvas/heatmap. */
void hist_api_snapshot(http_req *r);
void hist_api_history(http_req *r);
void hist_api_heatmap(http_req *r);

#endif

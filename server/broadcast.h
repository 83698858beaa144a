/* The broadcast path on the loop: committed placements are gathered for --batch-ms, encoded once
 * as one batch frame (with LWS_PRE headroom) and put in a ring every connection reads from with
 * its own cursor. The ring, the cursors and the rules that bound them (skip forward and resync,
 * drop, the quorum that lets batches grow when writing a frame to everyone takes longer than
 * --batch-ms) are the pure core in bcast_core.h; this module is the server's handle on one
 * instance (place_server.bcast): the batch timer and the hand-over of each new frame to ws.c. */
#ifndef PLACE_SERVER_BROADCAST_H
#define PLACE_SERVER_BROADCAST_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "bcast_core.h"
#include "place/proto.h"

/* The broadcast path of one server, owned by the server object (server.h). */
typedef struct bcast bcast;

/* Starts the batch timer. start_seq is the last seq before any batch (the canvas's seq).
 * on_publish(arg) runs after each frame is published, to hand it to the connections. Returns
 * NULL when out of memory or the timer cannot be made. */
bcast *bcast_new(uv_loop_t *loop, int batch_ms, uint64_t start_seq, void (*on_publish)(void *arg),
                 void *arg);

/* Adds committed placements to the next batch. */
void bcast_add(bcast *b, const place_pixel *px, size_t n);

/* Publishes the pending batch now (at shutdown). */
void bcast_flush(bcast *b);

/* The reader's side, on b's core: each is its bcast_core_ namesake (bcast_core.h says what they
 * do), with LWS_PRE bytes of headroom before every frame. */
void bcast_join(bcast *b);
void bcast_leave(bcast *b);
uint64_t bcast_head(const bcast *b);
uint64_t bcast_last_seq(const bcast *b);
int bcast_next(bcast *b, uint64_t *cursor, uint8_t **frame, size_t *len);
int bcast_skip_if_behind(bcast *b, uint64_t *cursor);

/* bcast_core_caught_up on b's core: at most max_pending placements wait to be published, and
 * the newest frame has been written to (the quorum of) the viewers. 1 for b NULL. */
int bcast_caught_up(const bcast *b, size_t max_pending);

/* Stops the timer and frees the ring at once, and b once the loop has closed the timer (the
 * loop must run on). Every other call accepts b NULL and then does nothing (connections close
 * after this, as lws is destroyed: the server's handle is NULL by then). */
void bcast_close(bcast *b);

#endif

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
 * on_publish runs after each frame is published, to hand it to the connections. Returns NULL
 * when out of memory or the timer cannot be made. */
bcast *bcast_new(uv_loop_t *loop, int batch_ms, uint64_t start_seq, void (*on_publish)(void));

/* Adds committed placements to the next batch. */
void bcast_add(bcast *b, const place_pixel *px, size_t n);

/* A connection starts / stops reading the ring (for the quorum). */
void bcast_join(bcast *b);
void bcast_leave(bcast *b);

/* Publishes the pending batch now (at shutdown). */
void bcast_flush(bcast *b);

/* The cursor a new connection starts at: the next frame to be published. */
uint64_t bcast_head(const bcast *b);

/* The lastSeq of the newest published batch (the prevSeq of the next one). */
uint64_t bcast_last_seq(const bcast *b);

/* The next frame for a connection at *cursor. Returns 1 and sets *frame (LWS_PRE bytes of
 * headroom before it) / *len and advances *cursor; 0 when there is nothing new; -1 when the
 * connection fell too far behind: *cursor is moved to the head and it must resync. */
int bcast_next(bcast *b, uint64_t *cursor, uint8_t **frame, size_t *len);

/* For a connection that cannot be written to now: if it fell too far behind (as bcast_next
 * would say), moves *cursor to the head and returns 1 (it must resync); else returns 0. */
int bcast_skip_if_behind(bcast *b, uint64_t *cursor);

/* Stops the timer and frees the ring at once, and b once the loop has closed the timer (the
 * loop must run on). Every other call accepts b NULL and then does nothing (connections close
 * after this, as lws is destroyed: the server's handle is NULL by then). */
void bcast_close(bcast *b);

#endif

/* The broadcast core: the ring of shared batch frames and the rules that keep it bounded, with
 * no I/O, no timers and no clock of its own (the caller passes the time), so that it is tested
 * as it is (tests/unit/test_bcast_core.c). broadcast.c drives it from the loop's batch timer and
 * ws.c reads it with one cursor per connection.
 *
 * - Placements are gathered (bcast_core_add) and published as one batch frame (once encoded,
 *   shared by every connection) into a ring of BCAST_RING frames.
 * - A connection reads with its own cursor, the number of the next frame it takes. One that
 *   falls more than BCAST_MAX_BEHIND frames or BCAST_MAX_BYTES behind is skipped forward to the
 *   head and must resync; one skipped twice within a window is dropped (bcast_core_lagging), so
 *   memory never grows with slow readers.
 * - Timing: the next frame is due once the batch interval (bcast_core_set_interval) has passed
 *   since the last publication AND the round of the last frame is done: BCAST_QUORUM of the
 *   connections there were at its publication have taken it (or BCAST_MAX_WAIT_MS passed, so a
 *   stuck round cannot stop the broadcast). When writing a frame to everyone takes longer than
 *   the interval, the next frame waits for the round and carries everything placed meanwhile:
 *   batches grow instead of frames queueing, and a pixel waits at most about one round plus
 *   one interval. bcast_core_wait_ms says when to look again.
 * - The gathering buffer grows by doubling; after a batch that used less than a quarter of a
 *   buffer above BCAST_SHRINK_ABOVE pixels it is freed, so one burst does not pin it. */
#ifndef PLACE_SERVER_BCAST_CORE_H
#define PLACE_SERVER_BCAST_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "place/proto.h"

#define BCAST_RING 128
#define BCAST_MAX_BEHIND 64
#define BCAST_MAX_BYTES (1024 * 1024)
#define BCAST_QUORUM 0.95
#define BCAST_MAX_WAIT_MS 400
#define BCAST_ROUND_POLL_MS 2 /* how often a finished round is looked for once the interval passed */
#define BCAST_SHRINK_ABOVE 4096 /* pixels */

typedef struct bcast_core bcast_core;

/* A core whose frames have `headroom` free bytes before them (LWS_PRE for lws_write) and whose
 * first batch follows start_seq. NULL when out of memory. */
bcast_core *bcast_core_new(size_t headroom, uint64_t start_seq);

/* Frees the core and its frames; accepts NULL. Cursors into it are then meaningless. */
void bcast_core_free(bcast_core *c);

/* Adds committed placements (ascending seq) to the next batch. Returns 0, or -1 when out of
 * memory: those pixels reach clients through the snapshot only. */
int bcast_core_add(bcast_core *c, const place_pixel *px, size_t n);

/* Publishes the gathered placements as one frame stamped now_ms. Returns 1 when a frame was
 * published, 0 when nothing was gathered or the frame could not be allocated (kept for the next
 * try), -1 when the batch could not be encoded (dropped). */
int bcast_core_publish(bcast_core *c, int64_t now_ms);

/* The batch interval in ms (--batch-ms; 0, the default: due on the quorum alone). */
void bcast_core_set_interval(bcast_core *c, int interval_ms);

/* Whether the gathered placements should be published at now_ms (the timing rule above). */
int bcast_core_due(const bcast_core *c, int64_t now_ms);

/* How many ms from now_ms to look again (bcast_core_due) when it is not due now: the rest of
 * the interval; while only the round is awaited, BCAST_ROUND_POLL_MS (at most until
 * BCAST_MAX_WAIT_MS); with nothing gathered, a whole interval. At least 1. */
int64_t bcast_core_wait_ms(const bcast_core *c, int64_t now_ms);

/* A connection starts / stops reading the ring (it counts for the quorum from the next frame). */
void bcast_core_join(bcast_core *c);
void bcast_core_leave(bcast_core *c);

/* The cursor a new reader starts at: the next frame to be published. */
uint64_t bcast_core_head(const bcast_core *c);

/* The lastSeq of the newest published frame (the prevSeq of the next one). */
uint64_t bcast_core_last_seq(const bcast_core *c);

/* The next frame for the reader at *cursor. Returns 1 with *frame (headroom bytes free before
 * it) and *len set and *cursor advanced; 0 when there is nothing new; -1 when the reader fell too
 * far behind: *cursor is moved to the head and it must resync. The frame stays valid until
 * BCAST_RING more frames are published or the core is freed. */
int bcast_core_next(bcast_core *c, uint64_t *cursor, uint8_t **frame, size_t *len);

/* For a reader that cannot be written to now: if it fell too far behind (as bcast_core_next
 * would say), moves *cursor to the head and returns 1 (it must resync); else returns 0. */
int bcast_core_skip_if_behind(bcast_core *c, uint64_t *cursor);

/* Whether the broadcast has caught up with what was added: at most `max_pending` placements
 * gathered and not yet published, and the round of the newest frame done by the quorum
 * (BCAST_QUORUM of the readers there were at its publication have taken it or been skipped
 * forward; unlike the timing rule, BCAST_MAX_WAIT_MS does not count: a stuck round stays not
 * done). 1 at once with no readers: nobody is waiting. An admin act paces itself by this
 * (moderate.c). */
int bcast_core_caught_up(const bcast_core *c, size_t max_pending);

/* The placements gathered for the next frame, and the gathering buffer's capacity (pixels). */
size_t bcast_core_pending(const bcast_core *c);
size_t bcast_core_pending_cap(const bcast_core *c);

/* A reader was skipped forward at now_ms; *last_resync is when that last happened (0: never).
 * Returns 1 when that was the second time within window_ms (drop it), else 0 (send it a
 * resync) and notes now_ms in *last_resync. */
int bcast_core_lagging(int64_t *last_resync, int64_t now_ms, int64_t window_ms);

#endif

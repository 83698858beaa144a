/* The client engine's pure core: the canvas a player sees, reconciled from a snapshot, deltas
 * and optimistic placements by sequence number (docs/protocol.md, "Reconciliation"), plus the
 * reconnect backoff. No I/O, no threads, no clock: time comes in as arguments, so every rule is
 * unit-tested without a network (tests/engine/). Internal to place_client. */
#ifndef PLACE_CLIENT_RECON_H
#define PLACE_CLIENT_RECON_H

#include <stddef.h>
#include <stdint.h>

#include "place/client.h"
#include "place/proto.h"

#define RECON_MAX_PENDING 64 /* own placements awaiting an answer at once */

/* Flags returned by recon_batch / recon_snapshot / recon_connected. */
enum {
    RECON_WANT_SNAPSHOT = 1,       /* fetch a snapshot now (a gap, or a new connection) */
    RECON_WANT_SNAPSHOT_LATER = 2, /* the snapshot was older than a known gap: fetch again soon */
};

typedef struct recon recon;

/* A new, empty state (0 x 0 canvas). Returns NULL on out-of-memory. */
recon *recon_new(void);
void recon_free(recon *r);

/* Gives the canvas a size (from init's canvasInfo, or the offline size). Pixels that still fit
 * keep their colour and seq; new ones are colour 0. Queues CANVAS_SIZE when the size changes.
 * Returns 0, PLACE_ERANGE for an absurd size, PLACE_ENOMEM. */
int recon_set_size(recon *r, uint32_t w, uint32_t h);

/* The WebSocket said init with sequence init_seq: batches continue from there, and the canvas
 * must come from a snapshot with seq >= init_seq. If init_seq is older than what we hold, the
 * server started a new history: the old sequence numbers are forgotten (the picture stays until
 * the snapshot). Returns RECON_WANT_SNAPSHOT. */
int recon_connected(recon *r, uint64_t init_seq);

/* A snapshot arrived: w x h unpacked pixels (ownership passes to recon, which frees them) with
 * sequence seq. Replaces the base, drops deltas it covers, keeps newer ones on top (rule 3). A
 * snapshot older than the current base is ignored. Returns 0, RECON_WANT_SNAPSHOT_LATER if it
 * still does not cover a known gap, or a negative code (then pixels were freed). */
int recon_snapshot(recon *r, uint32_t w, uint32_t h, uint64_t seq, uint8_t *pixels);

/* A binary batch frame arrived. Applies every pixel newer than what its pixel shows (rule 2),
 * detects a gap by prevSeq (rule 4). Returns 0, RECON_WANT_SNAPSHOT on a gap, or PLACE_ESHORT /
 * PLACE_EFORMAT for a malformed frame (nothing applied; unknown kinds are the caller's to skip). */
int recon_batch(recon *r, const uint8_t *frame, size_t len);

/* The server asked for a resync at seq: the snapshot must reach seq. Returns RECON_WANT_SNAPSHOT. */
int recon_resync(recon *r, uint64_t seq);

/* The server's cooldown, so a placement can start the local countdown at once. */
void recon_set_cooldown(recon *r, int cooldown_sec);

/* Sets when the player may place next (local ms, 0: now) and queues COOLDOWN. */
void recon_set_next_placement(recon *r, int64_t next_placement);

/* Optimistic placement at time now: checks size, bounds, colour, local cooldown and the pending
 * limit; shows the pixel at once; starts the local cooldown; writes the requestId number to
 * *rid. Returns 0, or a negative code with words for the player in why. */
int recon_place(recon *r, int x, int y, int color, int64_t now, int64_t *rid, char *why,
                size_t whylen);

/* The placement rid is stored with seq; next_placement is local ms (0: now). Turns the pixel
 * into an ordinary delta, queues PLACED and COOLDOWN; a placement already rolled back for a
 * timeout lands too (the server stored it after all). Returns 0, or -1 for an unknown rid (the
 * cooldown is still taken). */
int recon_placed(recon *r, int64_t rid, uint64_t seq, int64_t next_placement);

/* The server refused placement rid (code, message may be NULL or empty for the standard words;
 * retry_after_ms < 0 when absent). Rolls it back and queues ROLLBACK (and COOLDOWN). With
 * has_rid == 0 or an unknown rid, queues an ERROR event instead. Returns 0. */
int recon_error(recon *r, int has_rid, int64_t rid, place_err code, const char *message,
                int64_t retry_after_ms, int64_t now);

/* Rolls back every placement whose answer is overdue at now (PLACE_ERR_TIMEOUT). */
void recon_tick(recon *r, int64_t now);

/* Earliest pending deadline (local ms), or -1 when nothing is pending. */
int64_t recon_next_deadline(const recon *r);

/* Queues an event built by the caller (connection state, errors, pixel info). */
void recon_push_event(recon *r, const place_client_event *ev);

/* Hands out the next queued event (changed pixels first, as one PIXELS rectangle). Returns 1
 * or 0 when there is none. */
int recon_pop_event(recon *r, place_client_event *ev);

/* Read access for the engine. */
void recon_view(const recon *r, place_client_canvas *out);
int recon_pending(const recon *r);
int64_t recon_get_next_placement(const recon *r);
int recon_cooldown_sec(const recon *r);
/* The canvas may be stale: a known gap is not yet covered by a snapshot. */
int recon_gap_open(const recon *r);
uint64_t recon_seq(const recon *r);
/* The colour and seq the pixel has underneath any optimistic placement (tests). */
int recon_underlying(const recon *r, int x, int y, uint64_t *seq);

/* ---- reconnect backoff ---- */

typedef struct recon_backoff {
    int attempt; /* failures since the last stable connection */
} recon_backoff;

#define RECON_STABLE_MS 10000 /* a connection up this long resets the backoff */

/* The delay before the next connection attempt after a failure or a lost connection.
 * up_ms: how long the connection that just ended was up (-1: it never came up). The sequence
 * is 1 s, 2 s, 4 s, 8 s, 16 s, 30 s, 30 s ... plus jitter_ms (the caller draws it uniformly
 * from 0..1000); a connection up >= RECON_STABLE_MS starts it again at 1 s. */
int64_t recon_backoff_next(recon_backoff *b, int64_t up_ms, int jitter_ms);

/* The delay before the next periodic snapshot refresh: 30 s + jitter_ms (0..30000). */
int64_t recon_refresh_delay(int jitter_ms);

#endif

/* Admin pixel acts: revert a user, wipe a rectangle, restore a rectangle as it was at a time.
 *
 * An act works out what each pixel is to become (a wipe from the rectangle, a revert or a
 * restore from the history, backend plan()), then places the pixels that differ from the live
 * canvas as ordinary placements (new seqs, broadcast, in the history) attributed to the act's
 * own user id (account_act_name: "admin-revert-1a2b3c4d"), without cooldowns, in chunks of
 * MODERATE_CHUNK: each chunk is committed before the next is submitted, and the loop serves
 * players between chunks, so a million pixels do not stall the server. A pixel a player places
 * after the act began keeps the player's colour. Once the last chunk is durable the act is
 * appended to the audit log with the number of pixels changed, and only then reported done.
 * One act at a time per server. Loop thread only.
 *
 * On a running server the act is paced to its viewers: the next chunk is submitted only once
 * the broadcast has caught up with the previous ones (moderate_reached: this process's live
 * canvas has the act's last seq -- cluster mode: it came back through Kafka --, at most
 * PACE_BACKLOG placements wait to be published, and the round of the newest frame is done), or
 * after a second at most (PACE_MAX_MS in moderate.c), so a feed or a round that never catches up
 * slows the act down but never stops it. So a batch frame carries at most about four chunks of
 * the act (a frame of a whole act would be megabytes, more than a reader may fall behind by:
 * BCAST_MAX_BYTES), and what the act puts out never runs ahead of what the viewers are written,
 * however many they are and however slow the machine. In cluster mode, 1.4 million pixels
 * with 1,000 viewers: visible p99 261 ms against 750 unpaced, the act 38 s against 37; the price
 * is in the embedded store, where a million pixels took 9-10 s instead of 3-6 (the viewers' lag
 * the same within the noise; BENCHMARKS.md run W). With nobody watching only the canvas is
 * waited for. */
#ifndef PLACE_SERVER_MODERATE_H
#define PLACE_SERVER_MODERATE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "backend.h"
#include "canvas.h"

#define MODERATE_CHUNK 4000 /* pixels per chunk (under the writer's BATCH_MAX) */

typedef struct moderate_req {
    int kind;                          /* BACKEND_ACT_REVERT, _WIPE, _RESTORE */
    char user[BACKEND_NAME_MAX + 1];   /* REVERT: a registered name, or a user id */
    int64_t since_ms;                  /* REVERT: only placements from then on; 0: all */
    uint32_t x, y, w, h;               /* WIPE, RESTORE: the rectangle */
    int color;                         /* WIPE */
    int64_t at_ms;                     /* RESTORE */
} moderate_req;

/* done of total pixels looked at so far (a chunk was committed). */
typedef void (*moderate_progress_fn)(void *arg, size_t done, size_t total);
/* Whether the act's pixels up to seq have gone out to the viewers (moderate_reached on the
 * running server's canvas and broadcast); the act waits for it after each chunk (PACE_MAX_MS at
 * most). */
typedef int (*moderate_paced_fn)(void *arg, uint64_t seq);
/* The act ended: rc 0 and `changed` pixels changed (durable, and on record), the last of them
 * with seq last_seq (0: none; a snapshot of that seq or later has them all); or rc != 0 with a
 * sentence in err (what was changed before it stopped is durable and on record). */
typedef void (*moderate_finish_fn)(void *arg, int rc, size_t changed, uint64_t last_seq,
                                   const char *err);

/* Parses "X,Y,W,H" into q's rectangle. Returns 0, or -1. */
int moderate_parse_rect(const char *text, moderate_req *q);

/* An act under way (moderate_start), until its finish is called. */
typedef struct moderate_act moderate_act;

/* Starts act q on backend b (whose committed placements reach cv) as `who` (audit.h).
 * Returns 0 with *out (may be NULL) set to the act, then progress (may be NULL), paced (NULL:
 * not paced, no server running) and finish are called on the loop thread with arg; or a
 * place_err value / -1 with a sentence in err (an unknown user, a rectangle outside the canvas,
 * another act under way), and nothing follows. */
int moderate_start(backend *b, canvas *cv, uv_loop_t *loop, const moderate_req *q,
                   const char *who, moderate_progress_fn progress, moderate_paced_fn paced,
                   moderate_finish_fn finish, void *arg, moderate_act **out, char *err,
                   size_t errcap);

/* The server is stopping: act a (NULL: none) submits nothing more and lets go of the backend
 * and the canvas now, so that both may be closed and freed right after this call. finish
 * follows with an error: at once, or once the chunk in flight is answered (the store answers it
 * as it closes). The pixels changed so far are kept, and the audit row put down with the first
 * chunk stays as under way, as after a crash. */
void moderate_stop(moderate_act *a);

/* The pacing rule: cv (this process's live canvas) has reached seq, and broadcast bc has caught
 * up (bcast_caught_up: at most PACE_BACKLOG placements unpublished, the newest round done). */
struct bcast;
int moderate_reached(const canvas *cv, const struct bcast *bc, uint64_t seq);

#endif

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
 * One act at a time per server. Loop thread only. */
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
/* The act ended: rc 0 and `changed` pixels changed (durable, and on record), the last of them
 * with seq last_seq (0: none; a snapshot of that seq or later has them all); or rc != 0 with a
 * sentence in err (what was changed before it stopped is durable and on record). */
typedef void (*moderate_finish_fn)(void *arg, int rc, size_t changed, uint64_t last_seq,
                                   const char *err);

/* Parses "X,Y,W,H" into q's rectangle. Returns 0, or -1. */
int moderate_parse_rect(const char *text, moderate_req *q);

/* Starts act q on backend b (whose committed placements reach cv) as `who` (audit.h).
 * Returns 0, then progress (may be NULL) and finish follow on the loop thread; or a
 * place_err value / -1 with a sentence in err (an unknown user, a rectangle outside the
 * canvas, another act under way), and nothing follows. */
int moderate_start(backend *b, canvas *cv, uv_loop_t *loop, const moderate_req *q,
                   const char *who, moderate_progress_fn progress, moderate_finish_fn finish,
                   void *arg, char *err, size_t errcap);

#endif

/* The client engine's time machine: the canvas as it was at any sequence number, for the native
 * clients' time mode (place/client.h, place_client_time_*). Pure like client_recon.h: no I/O, no
 * threads, no clock. It says which request to make next (a snapshot at a seq, or a stretch of the
 * history stream), takes the answers, and keeps its own canvas buffer, so the live canvas (recon)
 * is never touched by travelling through time. Internal to place_client; unit-tested in
 * tests/engine/test_time.c.
 *
 * Where it goes: the player moves a target seq (steps, a seek, play); the machine brings its
 * canvas there the cheapest way: forward by the history stream (GET /api/v1/history) when the
 * target is a little ahead of what it shows, else by a snapshot at the target (GET
 * /api/v1/canvas/snapshot?seq=). After a snapshot it asks for the one placement at its seq, for
 * the time it was made (the history frame's `time` is its last placement's). */
#ifndef PLACE_CLIENT_TIME_H
#define PLACE_CLIENT_TIME_H

#include <stddef.h>
#include <stdint.h>

#define TIMELINE_STEPS 100          /* `,` and `.` move 1/100 of the history; `<` `>` ten times */
#define TIMELINE_TICK_MS 100        /* playing at 1x: one step every this many ms */
#define TIMELINE_HISTORY_LIMIT 5000 /* placements asked for in one history request */
#define TIMELINE_FORWARD_MAX 20000  /* further ahead than this: a snapshot is cheaper */
#define TIMELINE_SPEED_MAX 16       /* play speeds 1, 2, 4, 8, 16 */

typedef enum timeline_req_kind {
    TL_REQ_NONE = 0,
    TL_REQ_INFO,     /* GET /api/v1/canvas/info: firstSeq, firstTime */
    TL_REQ_SNAPSHOT, /* GET /api/v1/canvas/snapshot?seq=seq */
    TL_REQ_HISTORY,  /* GET /api/v1/history?from=from&limit=limit */
} timeline_req_kind;

typedef struct timeline_req {
    timeline_req_kind kind;
    uint64_t seq;   /* SNAPSHOT */
    uint64_t from;  /* HISTORY */
    uint32_t limit; /* HISTORY */
} timeline_req;

typedef struct timeline {
    int active;          /* time mode is on */
    uint32_t w, h;
    uint8_t *px;         /* w*h palette indices: the canvas at seq (have) */
    int have;
    uint64_t seq;        /* what px shows */
    int64_t time_ms;     /* when placement seq was made (server ms); 0: not known yet (asked
                            for next); -1: none (the blank canvas, or the server cannot say) */
    int have_info;
    uint64_t first_seq;  /* the first placement (0: none yet) */
    int64_t first_time;
    uint64_t newest;     /* the newest seq there is (the live canvas's, or the server's) */
    uint64_t target;     /* where the player wants to be */
    int playing, speed;  /* speed: 1, 2, 4 ... TIMELINE_SPEED_MAX */
    int64_t next_tick;   /* playing: local ms of the next step */
    int busy;            /* a request is out */
    timeline_req out;    /* the request out */
    int failures;        /* requests failed in a row (the machine stops asking after 3) */
    uint64_t version;    /* grows whenever px changes */
} timeline;

/* Resets t to off and empty (after timeline_free, or on a zeroed struct). */
void timeline_init(timeline *t);
void timeline_free(timeline *t);

/* Time mode on at the newest seq known (newest), playing nothing. The canvas is fetched anew
 * (have is 0 until it arrives). */
void timeline_enter(timeline *t, uint64_t newest);
/* Time mode off: the buffer is kept for a quick return, playing stops. */
void timeline_leave(timeline *t);

/* The live canvas moved on: newest seq there is. */
void timeline_set_newest(timeline *t, uint64_t newest);

/* The lowest seq the player can go to: just before the first placement (the blank canvas). */
uint64_t timeline_min(const timeline *t);
/* Placements one step moves: 1/TIMELINE_STEPS of the history, at least 1. */
uint64_t timeline_step_size(const timeline *t);

/* Moves the target by n steps (negative: back), clamped to [timeline_min, newest]. Stops play
 * when it moves back. Returns the new target. */
uint64_t timeline_step(timeline *t, int n);
/* Sets the target to seq (clamped). */
uint64_t timeline_seek(timeline *t, uint64_t seq);

/* Starts or stops playing (now: local ms). Starting at the newest seq starts over from the
 * beginning. */
void timeline_play(timeline *t, int on, int64_t now);
/* Doubles the play speed up to TIMELINE_SPEED_MAX (or halves it down to 1: faster = 0).
 * Returns the new speed. */
int timeline_speed(timeline *t, int faster);

/* Playing: moves the target on when a tick is due and the previous step has arrived; stops at
 * the newest seq. Returns 1 if playing reached the end now, else 0. */
int timeline_tick(timeline *t, int64_t now);
/* Milliseconds until timeline_tick has work (the next play step), or -1. */
int timeline_timeout_ms(const timeline *t, int64_t now);

/* The next request to make, or TL_REQ_NONE: nothing to do, or one is out. The request is then
 * out until timeline_on_* answers it. */
timeline_req timeline_next(timeline *t);

/* Answers to the request out. Each returns 1 when the canvas changed, 0 when not, or a negative
 * code for an answer that cannot be used (then nothing changed; the request may be retried). */
int timeline_on_info(timeline *t, const char *body, size_t len);
/* pixels: w*h unpacked (ownership passes to t). */
int timeline_on_snapshot(timeline *t, uint32_t w, uint32_t h, uint64_t seq, uint8_t *pixels);
/* frame: one batch frame (docs/protocol.md); newest: the server's X-Place-Seq (0: none). */
int timeline_on_history(timeline *t, const uint8_t *frame, size_t len, uint64_t newest);
/* The request out failed (network, HTTP error). newest: the server's X-Place-Seq on the answer
 * (0: none); a snapshot asked beyond it (the server's history is behind the live canvas) moves
 * the target back to it instead of counting a failure. */
void timeline_on_failed(timeline *t, uint64_t newest);

/* The server was busy (503 with Retry-After): the request may be made again later; no failure
 * is counted. The caller waits before asking timeline_next again. */
void timeline_on_busy(timeline *t);

/* Whether the machine is still on its way to the target. */
int timeline_loading(const timeline *t);

/* ---- the heatmap (GET /api/v1/canvas/heatmap, docs/protocol.md) ---- */

typedef struct heatmap {
    uint32_t width, height, block, cols, rows, max;
    int64_t since_ms;
    uint16_t *cells; /* cols*rows, malloc'd */
} heatmap;

/* Decodes a heatmap body into out (out->cells malloc'd, the caller frees). Returns 0, or
 * PLACE_ESHORT / PLACE_EFORMAT (bad magic, version, cell size, a block that is not a power of two
 * up to 256, cols/rows that do not match the canvas and block, a length that does not match). */
int heatmap_decode(const uint8_t *buf, size_t len, heatmap *out);

#endif

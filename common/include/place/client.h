/* The client engine that place-tui and place-sdl share (CMake target place_client).
 *
 * It does everything a Place client does except drawing and input: fetches the snapshot (libcurl,
 * follows the 302, accepts gzip), keeps the WebSocket to /ws (libwebsockets), reconciles snapshot
 * and deltas by sequence number (docs/protocol.md, "Reconciliation"), places pixels
 * optimistically and rolls them back on error or timeout, reconnects with backoff, and keeps the
 * session token.
 *
 * Threads. The network runs on two threads of its own (WebSocket; HTTP + timers). They never
 * touch the canvas: they queue what arrived and call the front-end's `wake` callback. Everything
 * else -- every function below unless it says otherwise -- belongs to ONE front-end thread (the
 * UI thread), which, after a wake, calls place_client_poll() until it returns 0; poll applies
 * what arrived to the canvas and hands out events. An idle client sleeps in the front-end's own
 * wait (poll(2), SDL_WaitEvent) and uses no CPU.
 *
 *     place_client_config cfg = { .url = url, .wake = my_wake, .wake_user = &my_pipe };
 *     place_client *c;
 *     if (place_client_new(&cfg, &c, err, sizeof err) < 0) die(err);
 *     for (;;) {
 *         wait for input, a wake, or place_client_timeout_ms(c);
 *         place_client_event ev;
 *         while (place_client_poll(c, &ev)) handle(&ev);
 *         place_client_canvas view; place_client_canvas_view(c, &view); draw(&view);
 *     }
 *     place_client_free(c);
 *
 * The canvas the front-end draws is one byte (palette index 0..15) per pixel, exactly what the
 * player should see: base snapshot, newer deltas on top, optimistic pixels above everything. */
#ifndef PLACE_CLIENT_H
#define PLACE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "place/proto.h"

#define PLACE_CLIENT_DEFAULT_URL "http://localhost:8080"
#define PLACE_CLIENT_TOKEN_MAX 128     /* longest session token the engine keeps */
#define PLACE_CLIENT_HISTORY_MAX 8     /* placements a PIXEL_INFO event carries, newest first */
#define PLACE_CLIENT_PLACE_TIMEOUT_MS 10000 /* no answer to a place in this time: roll back */

typedef struct place_client place_client;

/* Called from the engine's threads (never from the UI thread's own calls) when
 * place_client_poll() has something new. Must be quick and thread-safe: write a byte to a pipe,
 * SDL_PushEvent, signal a condition variable. Must not call back into the engine. */
typedef void (*place_client_wake_fn)(void *user);

typedef struct place_client_config {
    const char *url;       /* "http://host:port" or "https://..."; NULL: PLACE_CLIENT_DEFAULT_URL */
    const char *token;     /* session token to send; NULL: get a guest session from the server */
    place_client_wake_fn wake; /* may be NULL if the front-end polls on a timer (not advised) */
    void *wake_user;
    /* Offline mode, for benchmarks and tests: no network threads, no requests; the canvas is
     * offline_width x offline_height, all colour 0, and changes only through
     * place_client_inject_frame(). */
    int offline;
    uint32_t offline_width, offline_height;
} place_client_config;

typedef enum place_client_conn {
    PLACE_CONN_CONNECTING = 0, /* first attempt under way */
    PLACE_CONN_CONNECTED,      /* WebSocket up and `init` received */
    PLACE_CONN_DISCONNECTED,   /* lost or refused; retrying at status.retry_at; canvas stale */
    PLACE_CONN_OFFLINE,        /* config.offline */
} place_client_conn;

typedef enum place_client_event_type {
    PLACE_CEV_NONE = 0,
    PLACE_CEV_CONN,        /* connection state changed (see place_client_get_status); text: why,
                              when it was lost */
    PLACE_CEV_CANVAS_SIZE, /* the canvas got its size or a new one: lay out and redraw it all */
    PLACE_CEV_PIXELS,      /* pixels inside the rectangle x, y, w, h may have changed */
    PLACE_CEV_PLACED,      /* your pixel at x, y (colour `color`) is stored with sequence `seq` */
    PLACE_CEV_ROLLBACK,    /* your pixel at x, y was refused (code) or not answered in time
                              (PLACE_ERR_TIMEOUT) and rolled back; the pixel shows `color` again;
                              text: why, in words */
    PLACE_CEV_COOLDOWN,    /* next_placement changed */
    PLACE_CEV_USER,        /* who we are is known or changed (place_client_get_status) */
    PLACE_CEV_PIXEL_INFO,  /* the answer to place_client_pixel_info() for x, y: history[], or
                              code/text when the request failed */
    PLACE_CEV_ERROR,       /* something the player should read that is not about one placement
                              (snapshot failed, server said error without a requestId); text */
    PLACE_CEV_BANNED,      /* we are banned from placing, or no longer (status.banned); text:
                              the ban in words (place_client_format_ban), "" when lifted */
    PLACE_CEV_SETTINGS,    /* the server's live rules changed (status.frozen, cooldown_sec,
                              guests_can_place); text: the change in words ("The canvas is
                              frozen: ...", "The cooldown is now 5 s."); code PLACE_ERR_FROZEN
                              while frozen, else PLACE_ERR_NONE */
    PLACE_CEV_TIME,        /* time mode: its canvas or its place changed (place_client_time_view,
                              place_client_time_status): redraw it; text: why a request failed,
                              when one did */
    PLACE_CEV_HEATMAP,     /* the heatmap asked for arrived (place_client_heatmap_view), or
                              could not be had (code, text) */
    PLACE_CEV_ONLINE,      /* the players-online count changed (status.online) */
} place_client_event_type;

/* One placement of a pixel's history (GET /api/v1/pixel). */
typedef struct place_client_placement {
    uint64_t seq;
    char user_id[65];
    char username[65];
    int color;
    int64_t time_ms; /* when it was placed, ms since the epoch */
} place_client_placement;

/* One placement as a line for a person: "red        by alice, 2026-11-27 20:41:03 (5 min ago)"
 * (local time; "ago" measured from now_ms). Writes at most cap bytes, NUL-terminated; every
 * front-end's pixel-history box uses it so they read alike. */
void place_client_describe_placement(const place_client_placement *p, int64_t now_ms, char *buf,
                                     size_t cap);

/* A wait as a person reads it: "4:59" from a minute up, else "42 s" (ms rounded up to whole
 * seconds). Writes at most cap bytes, NUL-terminated; the front-ends' cooldown timers use it. */
void place_client_format_wait(int64_t ms, char *buf, size_t cap);

typedef struct place_client_event {
    place_client_event_type type;
    int x, y, w, h;         /* PIXELS: rectangle; PLACED, ROLLBACK, PIXEL_INFO: the pixel */
    int color;              /* PLACED: colour placed; ROLLBACK: colour shown again */
    uint64_t seq;           /* PLACED */
    place_err code;         /* ROLLBACK, PIXEL_INFO (PLACE_ERR_NONE on success), ERROR */
    int64_t next_placement; /* COOLDOWN: local ms since the epoch from which one may place (0: now) */
    char text[256];         /* CONN, ROLLBACK, PIXEL_INFO on failure, ERROR: words for a player */
    int history_count;      /* PIXEL_INFO: entries in history (0: never placed) */
    place_client_placement history[PLACE_CLIENT_HISTORY_MAX];
} place_client_event;

typedef struct place_client_status {
    place_client_conn conn;
    int stale;              /* the canvas may be out of date (not connected, or waiting for a
                               snapshot that covers a gap) */
    int64_t retry_at;       /* DISCONNECTED: local ms of the next connection attempt */
    int64_t next_placement; /* local ms from which one may place; 0 or past: now */
    int cooldown_sec;       /* the server's cooldown, 0 until known */
    int have_user;
    place_user_info user;   /* who we are (valid when have_user) */
    int pending;            /* own placements waiting for an answer */
    uint64_t seq;           /* newest sequence number the canvas reflects */
    int banned;             /* banned from placing: show place_client_format_ban, offer no
                               placing (viewing goes on); kept across reconnects until the
                               server says otherwise */
    int64_t banned_until;   /* banned: local ms the ban ends; 0: until lifted */
    char ban_reason[128];   /* banned: the admin's words, or "" */
    int guests_can_place;   /* the server lets guests place (1 until told otherwise) */
    int frozen;             /* the canvas is frozen (placed --freeze): show
                               place_client_format_frozen, offer no placing (viewing goes on) */
    char frozen_reason[PLACE_MAX_REASON]; /* frozen: the admin's words, or "" */
    int64_t online;         /* players online as the server last said (init, then `online`);
                               -1 until it has said (or for a server that does not count) */
} place_client_status;

/* The freeze in status as a person reads it: "The canvas is frozen: the event is over. You can
 * look, but not place." (the reason only when there is one). Every front-end's status area uses
 * it. Writes at most cap bytes, NUL-terminated. */
void place_client_format_frozen(const place_client_status *s, char *buf, size_t cap);

/* The ban in status as a person reads it: "You are banned from placing pixels: spam (until
 * 14:30)." (the reason and the end only when there are; the end in local time, with the date
 * when it is not today). Writes at most cap bytes, NUL-terminated; every front-end's status
 * area uses it. */
void place_client_format_ban(const place_client_status *s, char *buf, size_t cap);

typedef struct place_client_canvas {
    uint32_t width, height;  /* 0 x 0 until the size is known */
    const uint8_t *pixels;   /* width*height palette indices, row-major; valid until the next
                                place_client_poll / place_client_place call */
    uint64_t version;        /* grows whenever any pixel changes */
} place_client_canvas;

/* Creates the engine and starts its network threads (none in offline mode). The config's
 * strings are copied. Returns 0 and *out, or a negative PLACE_E* code with a sentence in err. */
int place_client_new(const place_client_config *cfg, place_client **out, char *err,
                     size_t errlen);

/* Stops the threads, closes the connection, frees everything. Accepts NULL. */
void place_client_free(place_client *c);

/* Applies whatever the network delivered and fires due timeouts, then hands out the next event.
 * Returns 1 and fills *ev, or 0 when there is nothing more. PIXELS events are coalesced: one
 * rectangle per burst. */
int place_client_poll(place_client *c, place_client_event *ev);

/* Milliseconds until the engine needs place_client_poll() again even without a wake (a
 * placement timing out), or -1 for never. The engine also wakes the front-end at that time, so
 * honouring this is a belt-and-braces measure. */
int place_client_timeout_ms(place_client *c);

/* What the player should see now. Always succeeds; width/height are 0 before the first
 * snapshot or init. */
void place_client_canvas_view(place_client *c, place_client_canvas *out);

void place_client_get_status(place_client *c, place_client_status *out);

/* Places colour at (x, y) optimistically: checks the local cooldown and the connection, shows
 * the pixel at once, sends `place`. The answer comes later as PLACED or ROLLBACK. Returns 0, or
 * a negative PLACE_E* code with a sentence for the player in why ("Wait 12 s before placing
 * again.", "Not connected to the server.") and nothing changed. */
int place_client_place(place_client *c, int x, int y, int color, char *why, size_t whylen);

/* Disconnected and waiting out a backoff step: tries to connect now (the player pressed
 * "retry"). The status goes to CONNECTING; a failure starts the next, longer, step. Returns 0,
 * or PLACE_ERANGE when not disconnected. */
int place_client_reconnect_now(place_client *c);

/* Asks who placed (x, y) and when; the answer comes as a PIXEL_INFO event. Returns 0, or a
 * negative code (offline, out of bounds). */
int place_client_pixel_info(place_client *c, int x, int y);

/* Feeds a binary batch frame (docs/protocol.md) through exactly the path network batches take.
 * Callable from any thread; the frame is copied; the wake callback fires. Returns 0, or
 * PLACE_EFORMAT if the frame is malformed. Frames are built with place_batch_encode(). */
int place_client_inject_frame(place_client *c, const uint8_t *frame, size_t len);

/* ---- time mode: the canvas at any sequence number ----
 * The engine keeps a second canvas, separate from the live one, brought to any seq from a
 * snapshot at that seq (GET /api/v1/canvas/snapshot?seq=) and the history stream (GET
 * /api/v1/history). The live canvas goes on following the WebSocket meanwhile, untouched; placing
 * is the front-end's to refuse while it shows the past. Changes come as PLACE_CEV_TIME. */

typedef struct place_client_time {
    int active;       /* time mode is on */
    int loading;      /* on its way to target */
    int failed;       /* requests failed: nothing more is asked until the player moves */
    int playing, speed; /* speed: 1, 2, 4 ... */
    int have;         /* a canvas to show (place_client_time_view) */
    uint64_t seq;     /* what the time canvas shows: the canvas after placement seq */
    uint64_t target;  /* where it is going */
    uint64_t min;     /* the earliest: just before the first placement */
    uint64_t newest;  /* the newest seq there is */
    uint64_t step;    /* placements one step moves */
    int64_t time_ms;  /* when placement seq was made (server ms since the epoch); <= 0: unknown */
} place_client_time;

/* Turns time mode on (at the newest seq; the canvas is fetched) or off. Returns 0, or
 * PLACE_ERANGE offline or before the canvas is known. */
int place_client_time_mode(place_client *c, int on);
/* Moves n steps (negative: back); a step is 1/100 of the history. Time mode only. */
void place_client_time_step(place_client *c, int n);
/* Goes to seq (clamped to the history). Time mode only. */
void place_client_time_seek(place_client *c, uint64_t seq);
/* Plays forward (one step every 100 ms at speed 1, stopping at the newest) or pauses. */
void place_client_time_play(place_client *c, int on);
/* Doubles the play speed (faster = 1; up to 16) or halves it (down to 1). Returns it. */
int place_client_time_speed(place_client *c, int faster);
void place_client_time_status(place_client *c, place_client_time *out);
/* The time canvas (width 0 until the first one arrived). Valid until the next poll. */
void place_client_time_view(place_client *c, place_client_canvas *out);
/* "2026-11-29 15:02:11" (local time) for a server time in ms, or "-" for none. */
void place_client_format_time(int64_t ms, char *buf, size_t cap);

/* ---- the heatmap: placements per block of pixels over a window ---- */

typedef struct place_client_heatmap {
    uint32_t width, height; /* the canvas's */
    uint32_t block;         /* pixels a cell's side */
    uint32_t cols, rows;    /* cells: ceil(width / block) x ceil(height / block); 0 x 0: none */
    const uint16_t *cells;  /* cols*rows placement counts, row-major */
    uint32_t max;           /* the largest count (0: nothing placed in the window) */
    int64_t since_ms;       /* the window's start (server ms) */
    uint64_t version;       /* grows with every new heatmap */
} place_client_heatmap;

/* Asks for the heatmap of placements since since_ms (server ms since the epoch; 0: the last
 * hour); the answer comes as PLACE_CEV_HEATMAP. Returns 0 or PLACE_ERANGE offline. */
int place_client_heatmap_fetch(place_client *c, int64_t since_ms);
/* The last heatmap received (cols 0 when none). Valid until the next poll. */
void place_client_heatmap_view(place_client *c, place_client_heatmap *out);

/* "connecting", "connected", "disconnected", "offline". */
const char *place_client_conn_name(place_client_conn conn);

/* Wall-clock ms since the epoch, the clock every local time above uses. */
int64_t place_client_now_ms(void);

/* ---- the session token, shared by every native client ----
 * One file, $XDG_CONFIG_HOME/place/session (else ~/.config/place/session), mode 0600 in a 0700
 * directory, holding the token of the logged-in user. These functions may be called from any
 * thread, before or without an engine. */

/* Writes the file's path into out. Returns 0, or PLACE_ESHORT / PLACE_ERANGE (no HOME). */
int place_client_token_path(char *out, size_t cap);

/* Reads the stored token into token. Returns 1 if one was read, 0 if there is none, or a
 * negative code on error. */
int place_client_token_load(char token[PLACE_CLIENT_TOKEN_MAX + 1]);

/* Stores token, creating the directory (0700) and file (0600). Returns 0 or a negative code. */
int place_client_token_save(const char *token);

/* Removes the stored token. Returns 0 (also when there was none) or a negative code. */
int place_client_token_clear(void);

/* Logs in synchronously (POST /api/v1/auth/login) and writes the new session token into token.
 * Returns 0, or a negative code with the server's reason (or the network's) in err. */
int place_client_login(const char *url, const char *username, const char *password,
                       char token[PLACE_CLIENT_TOKEN_MAX + 1], char *err, size_t errlen);

/* Checks a username and password the way the browser does before sending them: every problem
 * in err, in the browser's words. Returns 0, or PLACE_EFORMAT. */
int place_client_account_check(const char *username, const char *password, char *err,
                               size_t errlen);

/* The one log-in / registration flow of the native clients (place-tui's prompt, place-sdl's
 * form): checks the input (place_client_account_check), logs in (reg = 0) or registers
 * (reg = 1) synchronously with the current session (so a guest who registers keeps their pixels
 * and cooldown; NULL: none), stores the new session token (place_client_token_save) and puts it
 * in token. The front-end then starts a new engine with it. Returns 0, or a negative code with
 * the reason in err (the server's words for a refusal). */
int place_client_account(const char *url, int reg, const char *session, const char *username,
                         const char *password, char token[PLACE_CLIENT_TOKEN_MAX + 1], char *err,
                         size_t errlen);

/* The session token the engine uses now (the stored one, or the guest session the server
 * handed out); empty if none yet. */
void place_client_session_token(place_client *c, char out[PLACE_CLIENT_TOKEN_MAX + 1]);

/* Revokes token on the server (POST /api/v1/auth/logout). Returns 0 or a negative code with
 * err filled. */
int place_client_logout(const char *url, const char *token, char *err, size_t errlen);

/* Prints prompt on the controlling terminal and reads a line with echo off (termios), without
 * the newline, into buf. Returns the length, or a negative code (no terminal, too long). */
int place_client_read_password(const char *prompt, char *buf, size_t cap);

/* What `--login USER` does in every native client: asks for USER's password on the terminal,
 * logs in and stores the session token. Messages for the person go to stderr, prefixed with
 * prog ("place-tui"). Returns 0, or -1 after saying why. */
int place_client_login_interactive(const char *prog, const char *url, const char *user);

/* What `--logout` does: revokes the stored session on the server (if the server cannot be
 * reached the session is forgotten anyway, with a warning) and removes the token file. Returns
 * the process exit status: 0, or 1 if the token file could not be removed. */
int place_client_logout_stored(const char *prog, const char *url);

#endif

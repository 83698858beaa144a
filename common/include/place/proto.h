/* The Place wire protocol: JSON messages over WebSocket text frames and the binary batch frame.
 * docs/protocol.md is the reference; bump PLACE_PROTO_VERSION if anything here changes shape.
 * Pure: no I/O, no globals, no logging; errors by return value. */
#ifndef PLACE_PROTO_H
#define PLACE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "place/palette.h"

#define PLACE_PROTO_VERSION 2

#define PLACE_MAX_TEXT_FRAME 1024  /* largest text frame a client may send */
#define PLACE_MAX_REQUEST_ID 64    /* longest string requestId */
#define PLACE_BATCH_KIND 0x01
#define PLACE_BATCH_VERSION 2
#define PLACE_BATCH_HEADER_SIZE 32
#define PLACE_BATCH_RECORD_SIZE 5
#define PLACE_BATCH_PIXEL 0 /* record kinds: the high nibble of a record's byte 4 */
#define PLACE_BATCH_SKIP 1

/* Library return codes (negative); distinct from the protocol's error codes below. */
enum {
    PLACE_OK = 0,
    PLACE_ESHORT = -1,    /* buffer too short / output too small */
    PLACE_EFORMAT = -2,   /* bad magic, kind or version */
    PLACE_ERANGE = -3,    /* a value out of its range */
    PLACE_ENOMEM = -4,
};

/* The protocol's error codes ("code" of an error message / REST error body). */
typedef enum place_err {
    PLACE_ERR_NONE = 0,
    PLACE_ERR_BAD_JSON,
    PLACE_ERR_BAD_MESSAGE,
    PLACE_ERR_UNKNOWN_TYPE,
    PLACE_ERR_OUT_OF_BOUNDS,
    PLACE_ERR_BAD_COLOR,
    PLACE_ERR_COOLDOWN,
    PLACE_ERR_NOT_ALLOWED,
    PLACE_ERR_BANNED,
    PLACE_ERR_RATE_LIMITED,
    PLACE_ERR_TOO_LARGE,
    PLACE_ERR_BINARY_NOT_ALLOWED,
    PLACE_ERR_TOO_MANY_CONNECTIONS,
    PLACE_ERR_UNAVAILABLE,
    PLACE_ERR_BAD_REQUEST,
    PLACE_ERR_BAD_USERNAME,
    PLACE_ERR_BAD_PASSWORD,
    PLACE_ERR_USERNAME_TAKEN,
    PLACE_ERR_BAD_CREDENTIALS,
    PLACE_ERR_NOT_FOUND,
    PLACE_ERR_METHOD_NOT_ALLOWED,
    PLACE_ERR_INTERNAL,
    PLACE_ERR_FROZEN,  /* the canvas is frozen (placed --freeze): nobody may place */
    PLACE_ERR_TIMEOUT, /* client-side only: no answer in time */
    PLACE_ERR_COUNT_
} place_err;

/* "COOLDOWN" for PLACE_ERR_COOLDOWN; "INTERNAL" for unknown values. */
const char *place_err_code(place_err e);
/* The code's value for a string such as "COOLDOWN"; PLACE_ERR_INTERNAL if unknown. */
place_err place_err_from_code(const char *code);
/* A default sentence for a person ("You can place another pixel when the cooldown ends."). */
const char *place_err_message(place_err e);

/* A requestId as the client sent it: a string, or an integer kept as its decimal text. */
typedef struct place_request_id {
    char text[PLACE_MAX_REQUEST_ID + 1];
    int is_number; /* 1: echo as a JSON number */
} place_request_id;

/* WebSocket close codes of the server (docs/protocol.md) beyond the standard ones. */
#define PLACE_CLOSE_SESSION_ENDED 4001 /* logged out: the session is gone */
#define PLACE_CLOSE_BANNED 4003        /* banned: reconnect to view, read-only */

typedef enum place_msg_type {
    PLACE_MSG_NONE = 0,
    /* client -> server */
    PLACE_MSG_PLACE,
    PLACE_MSG_PING,
    /* server -> client */
    PLACE_MSG_INIT,
    PLACE_MSG_PLACED,
    PLACE_MSG_ERROR,
    PLACE_MSG_PONG,
    PLACE_MSG_RESYNC,
    PLACE_MSG_BANNED, /* you are banned: message, reason, until */
    PLACE_MSG_ONLINE, /* players online: count */
    PLACE_MSG_SETTINGS, /* the live settings changed (placed --set, --freeze) */
} place_msg_type;

typedef struct place_msg_place {
    int64_t x, y;
    int64_t color;
    place_request_id request_id;
} place_msg_place;

/* Parses a client's text frame. On success returns PLACE_ERR_NONE and fills *type (and *place
 * for a place message). Otherwise returns the protocol error to answer with (BAD_JSON,
 * BAD_MESSAGE, UNKNOWN_TYPE, TOO_LARGE) and, when the frame had a usable requestId, copies it
 * into place->request_id (else place->request_id.text is empty). Range checks of x/y/color
 * against the canvas are the caller's: the parser only checks types. */
place_err place_parse_client(const char *buf, size_t len, place_msg_type *type,
                             place_msg_place *place);

/* Whether s[0..len) is well-formed UTF-8 without a NUL. */
int place_utf8_valid(const char *s, size_t len);
/* Whether a JSON text holds a NUL: a raw 0 byte, or a \u0000 escape in a string (which cJSON
 * decodes into a string it then cuts short). Returns 1 or 0. */
int place_json_has_nul(const char *buf, size_t len);

/* The longest text the server formats for one placement's answer: a `placed` or an `error` with
 * the longest message and a requestId of PLACE_MAX_REQUEST_ID control characters (6 bytes each
 * escaped). A buffer of this size always holds it. */
#define PLACE_MAX_ANSWER_TEXT (256 + 6 * PLACE_MAX_REQUEST_ID + 256)

/* Formatters for the client's messages. Each writes a NUL-terminated JSON text into buf and
 * returns its length, or PLACE_ESHORT if cap is too small. */
int place_fmt_place(char *buf, size_t cap, int x, int y, int color, const place_request_id *rid);
int place_fmt_ping(char *buf, size_t cap);

/* Formatters for the server's messages, same contract. `rid` may be NULL or empty (omitted). */
int place_fmt_placed(char *buf, size_t cap, const place_request_id *rid, int64_t next_placement,
                     uint64_t seq);
/* retry_after_ms < 0 omits retryAfter; message NULL uses place_err_message(code). */
int place_fmt_error(char *buf, size_t cap, place_err code, const char *message,
                    const place_request_id *rid, int64_t retry_after_ms);
int place_fmt_pong(char *buf, size_t cap, int64_t server_time);
int place_fmt_resync(char *buf, size_t cap, uint64_t seq, const char *reason);
/* {"type":"online","count":N}: the players online now. */
int place_fmt_online(char *buf, size_t cap, uint32_t count);

/* What a client learns from the server's text frames. */
typedef struct place_canvas_info {
    uint32_t width, height;
    int colors;
    int cooldown_sec;
    int batch_ms;
    int guests_can_place;
    uint64_t seq;
    uint8_t palette[PLACE_COLORS][3];
    int has_palette;
    uint64_t first_seq; /* the first stored placement's seq (0: none yet), for a timeline */
    int64_t first_time; /* its time (ms; 0: none yet) */
} place_canvas_info;

typedef struct place_user_info {
    char user_id[65];
    char username[65];
    int is_guest;
    int is_admin;
    int64_t next_placement;
    int is_banned;          /* banned from placing (may still view) */
    int64_t banned_until;   /* is_banned: server ms the ban ends; 0: until lifted */
    char ban_reason[128];   /* is_banned: the admin's words, or "" */
} place_user_info;

/* The settings an admin changes on a running server (placed --set, --freeze, --unfreeze): sent
 * whole in every `settings` message and, as the same fields, in `init`. */
#define PLACE_MAX_REASON 128
typedef struct place_settings {
    int cooldown_sec;
    int guests_can_place;
    int frozen;                         /* nobody may place: every `place` gets FROZEN */
    char frozen_reason[PLACE_MAX_REASON]; /* frozen: the admin's words, or "" */
} place_settings;

typedef struct place_server_msg {
    place_msg_type type;
    /* init */
    char canvas_url[512];
    int64_t cooldown_ms;
    int64_t next_placement; /* init, placed */
    place_canvas_info info;
    place_user_info user;
    int64_t server_time; /* init, pong */
    uint64_t seq;        /* init, placed, resync */
    /* placed, error */
    place_request_id request_id;
    /* error */
    place_err code;
    char message[256];
    int64_t retry_after_ms; /* -1 when absent */
    /* banned */
    char reason[128];
    int64_t until; /* server ms the ban ends; 0: until lifted */
    /* init, online: distinct players with a socket open; -1 when absent */
    int64_t online;
    /* init, settings (init from an older server without them: from canvasInfo, not frozen) */
    place_settings settings;
} place_server_msg;

/* One placement of a pixel's history (/api/v1/pixel). */
typedef struct place_placement {
    uint64_t seq;
    char user_id[65];
    char username[65];
    int color;
    int64_t time_ms; /* ms since the epoch */
} place_placement;

/* ---- the server's JSON writers (docs/protocol.md), each with its parser below ----
 * Same contract as the formatters above: a NUL-terminated text, its length or PLACE_ESHORT.
 * Strings are escaped (and invalid UTF-8 written as U+FFFD), so any input gives valid JSON. */

/* The canvas info object: /api/v1/canvas/info and init's canvasInfo. The palette written is
 * info->palette when info->has_palette, else the shared one (palette.h). */
int place_fmt_canvas_info(char *buf, size_t cap, const place_canvas_info *info);
/* The user object: /api/v1/auth/me and init's user; bannedUntil and banReason only when
 * u->is_banned. */
int place_fmt_user(char *buf, size_t cap, const place_user_info *u);
/* The init message from m's canvas_url, cooldown_ms, next_placement, info, seq, user,
 * server_time, online (omitted when < 0) and settings (m->type is not read). */
int place_fmt_init(char *buf, size_t cap, const place_server_msg *m);
/* The banned message: {"type":"banned","message","reason","until"} (until 0: no end). */
int place_fmt_banned(char *buf, size_t cap, const char *reason, int64_t until);
/* The settings message: {"type":"settings","cooldownSec","guestsCanPlace","frozen",
 * "frozenReason"}. */
int place_fmt_settings(char *buf, size_t cap, const place_settings *s);
/* A REST error body {"error":CODE,"message":...}; message NULL: place_err_message(code). */
int place_fmt_rest_error(char *buf, size_t cap, place_err code, const char *message);
/* An auth reply: {"success":true,"userId","username"} (login, register), or {"success":true}
 * when user_id is NULL (logout). */
int place_fmt_auth_ok(char *buf, size_t cap, const char *user_id, const char *username);
/* The /api/v1/pixel answer for pixel (x, y): e[0..n), newest first. */
int place_fmt_history(char *buf, size_t cap, uint32_t x, uint32_t y, const place_placement *e,
                      size_t n);
/* The most bytes place_fmt_history writes for n placements (ids and names as the server keeps
 * them: hex and [A-Za-z0-9_-], nothing to escape). */
#define PLACE_HISTORY_TEXT_MAX(n) (64 + (size_t)(n) * 240)

/* Parsers of those bodies (clients and tests). Each returns 0 or PLACE_EFORMAT. */
int place_parse_user(const char *buf, size_t len, place_user_info *out);
/* A REST error body: 0 when it holds an "error" code (*code set, else PLACE_ERR_INTERNAL);
 * message gets its "message" ("" when none) either way. */
int place_parse_rest_error(const char *buf, size_t len, place_err *code, char *message,
                           size_t cap);
/* An auth reply: 0 when "success" is true; user_id and username ("" when absent) may be NULL. */
int place_parse_auth_ok(const char *buf, size_t len, char *user_id, size_t id_cap,
                        char *username, size_t name_cap);
/* A history answer: the pixel into *x, *y (may be NULL) and at most cap placements into e,
 * their number into *n. */
int place_parse_history(const char *buf, size_t len, uint32_t *x, uint32_t *y, place_placement *e,
                        size_t cap, size_t *n);

/* Parses a server text frame. Returns 0, or PLACE_EFORMAT for anything that is not a known
 * server message. Unknown fields are ignored. */
int place_parse_server(const char *buf, size_t len, place_server_msg *out);

/* Parses the JSON of /api/v1/canvas/info (also the canvasInfo object of init). Returns 0 or
 * PLACE_EFORMAT. */
int place_parse_canvas_info(const char *buf, size_t len, place_canvas_info *out);

/* ---- the binary batch frame ---- */

typedef struct place_pixel {
    uint64_t seq;
    uint16_t x, y;
    uint8_t color;
} place_pixel;

typedef struct place_batch_header {
    uint32_t count;  /* records: pixel records plus skip records */
    uint32_t pixels; /* pixel records among them (set by place_batch_parse) */
    uint64_t prev_seq;
    uint64_t last_seq;
    int64_t time_ms;
} place_batch_header;

/* An upper bound on the bytes of a batch frame holding n pixels: the header plus two records a
 * pixel (a skip record may precede each). place_batch_encode returns the exact length, which is
 * 32 + 5 * n when the seqs run without holes from prev_seq + 1. */
size_t place_batch_size(uint32_t n);

/* Encodes a batch of n pixels (ascending seq, each prev_seq < seq <= last_seq, and a hole before
 * a pixel of fewer than 2^32 seqs) into out; a skip record goes before each pixel whose seq is
 * not the previous one + 1. Returns the frame's length, or PLACE_ESHORT (cap too small for the
 * frame) / PLACE_ERANGE. */
int place_batch_encode(uint8_t *out, size_t cap, uint64_t prev_seq, uint64_t last_seq,
                       int64_t time_ms, const place_pixel *px, uint32_t n);

/* Reads a batch frame's header and checks it alone: kind, version, count against the length,
 * prevSeq <= lastSeq. O(1); the records are not looked at and h->pixels is not set. Returns 0,
 * PLACE_ESHORT (truncated or count does not match the length), or PLACE_EFORMAT. For a frame
 * you will read the pixels of, use place_batch_parse. */
int place_batch_parse_header(const uint8_t *buf, size_t len, place_batch_header *h);

/* Checks a whole batch frame: the header as place_batch_parse_header, then every record (a
 * known kind; a skip of n >= 1, colour nibble 0, not the last record; no seq beyond lastSeq).
 * Sets *h with h->pixels. Returns 0, PLACE_ESHORT or PLACE_EFORMAT; nothing in *h is meaningful on
 * error. */
int place_batch_parse(const uint8_t *buf, size_t len, place_batch_header *h);

/* Walks the pixels of a frame in order, each with its seq. The frame must stay alive. */
typedef struct place_batch_iter {
    const uint8_t *rec; /* the next record */
    uint32_t left;      /* records not read yet */
    uint64_t seq;       /* the running seq: prevSeq at the start, advanced by each record */
    uint64_t last_seq;
} place_batch_iter;

/* Starts an iterator over a frame whose header h was read from buf by place_batch_parse (or by
 * place_batch_parse_header: place_batch_next then checks each record as it goes). */
void place_batch_iter_init(place_batch_iter *it, const uint8_t *buf, const place_batch_header *h);

/* The next pixel, skip records applied. Returns 1 and sets *out, 0 at the end, or PLACE_EFORMAT
 * on a malformed record (never after place_batch_parse accepted the frame). */
int place_batch_next(place_batch_iter *it, place_pixel *out);

#endif

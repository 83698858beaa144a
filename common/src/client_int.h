/* What the client engine's files share inside place_client: the queue from the network threads
 * to the UI thread, the session token, and the two network modules (client_ws.c, client_http.c).
 * Not installed, not for front-ends. */
#ifndef PLACE_CLIENT_INT_H
#define PLACE_CLIENT_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "place/client.h"
#include "place/proto.h"

/* What a network thread hands the UI thread. */
typedef enum inbound_type {
    IN_WS_UP,           /* WebSocket handshake done (init follows) */
    IN_WS_DOWN,         /* connection failed or lost; when = next attempt; ev.text = why */
    IN_TEXT,            /* a text frame, data NUL-terminated */
    IN_BINARY,          /* a binary frame */
    IN_SNAPSHOT,        /* data = w*h unpacked pixels, seq */
    IN_SNAPSHOT_FAILED, /* ev.text = why */
    IN_USER,            /* user (from GET /api/v1/auth/me) */
    IN_EVENT,           /* ev ready for the front-end (pixel info) */
    IN_FETCHED,         /* a GET asked with client_http_get: slot, status, seq (X-Place-Seq),
                           data/len the body (status 0: failed, ev.text = why) */
} inbound_type;

typedef struct inbound {
    struct inbound *next;
    inbound_type type;
    int64_t when;
    uint32_t w, h;
    uint64_t seq;
    uint8_t *data;
    size_t len;
    place_user_info user;
    place_client_event ev;
    int slot;    /* IN_FETCHED */
    long status; /* IN_FETCHED */
} inbound;

typedef struct client_ws client_ws;
typedef struct client_http client_http;

struct place_client;

/* Allocates a zeroed inbound item of the given type; aborts on out-of-memory (clients may). */
inbound *client_inbound_new(inbound_type type);

/* Queues an item for the UI thread and calls the front-end's wake callback. Any thread. */
void client_deliver(struct place_client *c, inbound *in);

/* Calls the front-end's wake callback. Any thread. */
void client_wake(struct place_client *c);

/* The engine's base URL without a trailing slash. */
const char *client_url(struct place_client *c);

/* Copies the current session token ("" for none) into out. Any thread. */
void client_token_get(struct place_client *c, char out[PLACE_CLIENT_TOKEN_MAX + 1]);
/* Replaces the session token (the server handed us a new one). Any thread. */
void client_token_set(struct place_client *c, const char *token);

/* ---- HTTP (libcurl): client_http.c ---- */

typedef struct http_resp {
    long status;   /* HTTP status, 0 if no answer */
    char *body;    /* NUL-terminated, malloc'd */
    size_t len;
    char token[PLACE_CLIENT_TOKEN_MAX + 1]; /* place_session from Set-Cookie, "" if none */
    uint64_t place_seq; /* the X-Place-Seq header, 0 if none */
} http_resp;

/* One blocking request. method "GET" or "POST"; json_body NULL for none; token "" or NULL for
 * no Authorization header; gzip accepted, redirects followed, timeout_ms overall; the request is
 * abandoned as soon as *cancel (if not NULL) becomes non-zero. Returns 0 with *resp filled (any
 * status), or a negative code with the network's reason in err. The caller frees resp->body. */
int client_http_request(const char *method, const char *url, const char *token,
                        const char *json_body, long timeout_ms, const volatile int *cancel,
                        http_resp *resp, char *err, size_t errlen);

/* The address this client speaks for, from $PLACE_FORWARDED_FOR (place-tui --forwarded-for, set
 * by the SSH gate to the SSH client's address), as an "X-Forwarded-For: ADDR" header line without
 * line end; "" when unset or not an IPv4/IPv6 address. The server believes it only from a proxy
 * it trusts (placed --trusted-proxy). */
void client_forwarded_header(char *out, size_t cap);

/* The player-readable reason of an error answer ({"error","message"}), or a generic sentence. */
void client_http_error_text(const http_resp *resp, char *out, size_t cap, place_err *code);

/* Parses GET /api/v1/auth/me's body into user. Returns 0 or PLACE_EFORMAT. */
int client_http_parse_user(const char *body, place_user_info *user);

/* Starts the worker thread for snapshot fetches, pixel history and timed wakes. Returns 0 and
 * *out, or PLACE_ENOMEM. */
int client_http_start(struct place_client *c, client_http **out);
/* Stops the worker (abandoning a request in flight) and frees it. Accepts NULL. */
void client_http_stop(client_http *h);
/* Fetch a snapshot in delay_ms (an earlier request wins); afterwards refresh every 30-60 s. */
void client_http_want_snapshot(client_http *h, int64_t delay_ms);
/* Fetch the history of (x, y); the answer comes as an IN_EVENT PIXEL_INFO. */
void client_http_want_pixel(client_http *h, int x, int y);
/* The GETs of the time mode and the heatmap: one slot each, a newer ask replacing one not yet
 * started; the answer comes as IN_FETCHED with the slot. */
enum { CLIENT_GET_TIME = 0, CLIENT_GET_HEAT = 1, CLIENT_GET_SLOTS = 2 };
void client_http_get(client_http *h, int slot, const char *url);
/* Wake the front-end at local time `at` (ms). */
void client_http_wake_at(client_http *h, int64_t at);

/* ---- WebSocket (libwebsockets): client_ws.c ---- */

/* Starts the WebSocket thread, which connects at once and keeps reconnecting until stopped.
 * Returns 0 and *out, PLACE_EFORMAT for a URL it cannot use, or PLACE_ENOMEM. */
int client_ws_start(struct place_client *c, client_ws **out);
/* Closes the connection, stops the thread, frees everything. Accepts NULL. */
void client_ws_stop(client_ws *w);

/* Disconnected and waiting out a backoff step: try to connect now. Any thread. */
void client_ws_retry_now(client_ws *w);
/* Queues a text message for the current connection (dropped if there is none). Any thread. */
void client_ws_send(client_ws *w, const char *text);

#endif

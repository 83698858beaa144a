/* HTTP on the shared port: the REST routes (a table), the snapshot, and the browser client's
 * static files. A route handler answers at once or later (after work on another thread) through
 * http_reply*; if the connection is gone by then the answer is dropped. */
#ifndef PLACE_SERVER_HTTP_H
#define PLACE_SERVER_HTTP_H

#include <libwebsockets.h>
#include <stddef.h>

#include "budget.h"
#include "server.h"

#define HTTP_MAX_BODY 4096

typedef struct canvas_snap canvas_snap;

typedef struct http_req {
    struct lws *wsi; /* NULL once the connection closed */
    place_server *srv;
    const struct http_route *route;
    int pending; /* an answer is on its way from another thread */
    int ready;   /* the answer is complete and waits to be written */
    /* the caller */
    char token[BACKEND_TOKEN_LEN + 1]; /* "" if none */
    backend_user user;
    int has_user;
    int new_session;
    char addr[PEER_ADDR_MAX]; /* the client's address (peer_of) */
    /* request body */
    char *body;
    size_t body_len;
    int body_too_large;
    int64_t body_done_ms; /* when the body was complete (util_mono_ms; 0: not yet) */
    /* the answer */
    int status;
    const char *ctype;
    char *resp;
    size_t resp_len, sent;
    canvas_snap *snap; /* the body is a shared snapshot instead of resp */
    const unsigned char *data;
    char headers[640]; /* extra "name: value\r\n" lines */
    size_t headers_len;
    int headers_sent;
    int close_after;
    uint32_t qx, qy; /* /api/v1/pixel's coordinates */
    /* what the request holds of its address's budgets (budget.h) */
    budget_addr *budget; /* its address's entry, referenced; NULL: not counted */
    int holds_request;
    size_t holds_unread;
} http_req;

typedef void (*http_handler)(http_req *r);

/* Requests begun and not yet answered: a stop waits for them (a while), so that work that
 * cannot finish is answered 503 rather than cut off. */
size_t http_pending(void);

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE (delivered to whichever protocol the connection is bound
 * to): lets a WebSocket upgrade through and turns an h2c upgrade into a plain HTTP/1.1
 * request. Returns what the callback returns. */
int http_confirm_upgrade(void *in);

/* The lws protocol entry for HTTP (protocols[0]). */
const struct lws_protocols *http_protocol(void);

/* Answers with `status` and a copy of the JSON text. */
void http_reply_json(http_req *r, int status, const char *json, size_t len);
/* Answers {"error": CODE, "message": ...}; message NULL uses the code's default sentence. */
void http_reply_error(http_req *r, int status, place_err code, const char *message);
/* Adds a header line to the answer (before http_reply*). Returns 0 or -1 if there is no room. */
int http_add_header(http_req *r, const char *name, const char *value);
/* Answers 429 RATE_LIMITED with Retry-After (whole seconds, rounded up) for retry_ms. */
void http_reply_rate_limited(http_req *r, int64_t retry_ms, const char *message);
/* Answers 200 with the snapshot s (its reference is taken over): gzipped when the client takes
 * it, its ETag (304 on a matching If-None-Match), X-Place-Seq, and this Cache-Control. */
void http_reply_snap(http_req *r, canvas_snap *s, const char *cache_control);
/* Answers with the malloc'd body buf (taken over, also on failure) of type ctype. */
void http_reply_bytes(http_req *r, int status, const char *ctype, uint8_t *buf, size_t len);
/* 1 when the request accepts a gzip body. */
int http_accepts_gzip(http_req *r);
/* Sets the session cookie (token NULL clears it). */
void http_set_cookie(http_req *r, const char *token);

#endif

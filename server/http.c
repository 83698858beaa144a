/* REST routes, the snapshot and static files (see http.h). Every answer is written from the
 * HTTP_WRITEABLE callback: headers first, then the body in chunks, so a 2 MB snapshot never
 * sits in lws's own buffers and an answer computed on another thread is written the same way. */
#include "http.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "canvas.h"
#include "conn.h"
#include "history_api.h"
#include "session.h"
#include "util.h"
#include "views.h"
#include "ws.h"

#define CHUNK (256 * 1024) /* body bytes written per writable callback */
#define BODY_LOOP_MS 250   /* see LWS_CALLBACK_HTTP_BODY_COMPLETION below */

enum { M_GET = 1, M_POST = 2, M_OTHER = 3 };
enum { S_NONE, S_RESOLVE, S_CREATE }; /* what a route needs of the session */

typedef struct http_route {
    const char *path;
    int method;
    int session;
    http_handler handler;
} http_route;

typedef struct http_pss {
    http_req *req;
} http_pss;

static unsigned char chunk_buf[LWS_PRE + CHUNK];
static size_t live_reqs; /* requests begun and not yet answered and freed */

/* ---------------------------------------------------------------- answers */

static void req_free(http_req *r)
{
    if (!r)
        return;
    live_reqs--;
    free(r->body);
    free(r->resp);
    canvas_snap_unref(r->snap);
    if (r->holds_request)
        budget_give(r->budget, BUDGET_REQUESTS, 1);
    budget_give(r->budget, BUDGET_UNREAD, r->holds_unread);
    budget_unref(r->budget);
    free(r);
}

static void reply_ready(http_req *r)
{
    r->pending = 0;
    r->ready = 1;
    if (r->wsi)
        lws_callback_on_writable(r->wsi);
    else
        req_free(r); /* the connection went away while we worked */
}

void http_reply_json(http_req *r, int status, const char *json, size_t len)
{
    free(r->resp);
    r->resp = malloc(len ? len : 1);
    if (r->resp)
        memcpy(r->resp, json, len);
    r->resp_len = r->resp ? len : 0;
    r->data = (const unsigned char *)r->resp;
    r->status = r->resp || !len ? status : 500;
    r->ctype = "application/json";
    reply_ready(r);
}

void http_reply_error(http_req *r, int status, place_err code, const char *message)
{
    char buf[512];
    int n = place_fmt_rest_error(buf, sizeof buf, code, message);
    http_reply_json(r, status, buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0);
}

void http_reply_rate_limited(http_req *r, int64_t retry_ms, const char *message)
{
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", (long long)((retry_ms + 999) / 1000));
    http_add_header(r, "Retry-After", secs);
    http_reply_error(r, 429, PLACE_ERR_RATE_LIMITED, message);
}

int http_add_header(http_req *r, const char *name, const char *value)
{
    int n = snprintf(r->headers + r->headers_len, sizeof r->headers - r->headers_len,
                     "%s: %s\r\n", name, value);
    if (n < 0 || (size_t)n >= sizeof r->headers - r->headers_len) {
        r->headers[r->headers_len] = 0;
        return -1;
    }
    r->headers_len += (size_t)n;
    return 0;
}

void http_set_cookie(http_req *r, const char *token)
{
    char cookie[192];
    if (session_cookie(cookie, sizeof cookie, token) > 0)
        http_add_header(r, "Set-Cookie", cookie);
}

/* ---------------------------------------------------------------- routes */

static void h_canvas(http_req *r)
{
    http_add_header(r, "Location", view_canvas_url(r->srv));
    http_add_header(r, "Cache-Control", "no-cache");
    r->status = 302;
    r->ctype = "text/plain";
    reply_ready(r);
}

static int accepts_gzip(struct lws *wsi)
{
    char ae[256];
    if (lws_hdr_copy(wsi, ae, sizeof ae, WSI_TOKEN_HTTP_ACCEPT_ENCODING) <= 0)
        return 0;
    const char *g = strstr(ae, "gzip");
    return g && strncmp(g, "gzip;q=0", 8) != 0 && strncmp(g, "gzip; q=0", 9) != 0;
}

void http_reply_snap(http_req *r, canvas_snap *s, const char *cache_control)
{
    if (!r->wsi) { /* the client went away while the snapshot was made */
        canvas_snap_unref(s);
        reply_ready(r);
        return;
    }
    char seq[32], inm[128];
    snprintf(seq, sizeof seq, "%" PRIu64, s->seq);
    http_add_header(r, "Cache-Control", cache_control);
    http_add_header(r, "ETag", s->etag);
    http_add_header(r, "X-Place-Seq", seq);
    http_add_header(r, "Vary", "Accept-Encoding");
    http_add_header(r, "Access-Control-Expose-Headers", "ETag, X-Place-Seq");
    r->ctype = "application/octet-stream";
    if (lws_hdr_copy(r->wsi, inm, sizeof inm, WSI_TOKEN_HTTP_IF_NONE_MATCH) > 0 &&
        strstr(inm, s->etag)) {
        canvas_snap_unref(s);
        r->status = 304;
        reply_ready(r);
        return;
    }
    r->snap = s;
    if (s->gz && accepts_gzip(r->wsi)) {
        http_add_header(r, "Content-Encoding", "gzip");
        r->data = s->gz;
        r->resp_len = s->gz_len;
    } else {
        r->data = s->plain;
        r->resp_len = s->plain_len;
    }
    r->status = 200;
    reply_ready(r);
}

void http_reply_bytes(http_req *r, int status, const char *ctype, uint8_t *buf, size_t len)
{
    free(r->resp);
    r->resp = (char *)buf;
    r->resp_len = len;
    r->data = buf;
    r->status = status;
    r->ctype = ctype;
    reply_ready(r);
}

int http_accepts_gzip(http_req *r)
{
    return r->wsi && accepts_gzip(r->wsi);
}

static void snapshot_ready(void *arg, canvas_snap *s)
{
    http_req *r = arg;
    if (!r->wsi) { /* the client went away while the snapshot was read */
        canvas_snap_unref(s);
        reply_ready(r);
        return;
    }
    if (!s) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
        return;
    }
    http_reply_snap(r, s, "public, max-age=1");
}

/* In cluster mode the snapshot may have to be read from Redis first: the answer can come later. */
static void h_snapshot(http_req *r)
{
    if (hist_api_wants(r)) { /* ?seq=N or ?at=TIME: the canvas as it was */
        hist_api_snapshot(r);
        return;
    }
    r->pending = 1;
    snap_source_fresh(r->srv->snaps, snapshot_ready, r);
}

static void h_info(http_req *r)
{
    char buf[1024];
    int n = view_info_json(r->srv, buf, sizeof buf);
    http_add_header(r, "Cache-Control", "no-cache");
    http_reply_json(r, 200, buf, n > 0 ? (size_t)n : 0);
}

/* A coordinate query argument: Returns 0 and sets *v, -1 if missing or not an integer. */
static int int_arg(struct lws *wsi, const char *name, long long *v)
{
    char buf[64];
    const char *s = lws_get_urlarg_by_name(wsi, name, buf, sizeof buf);
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    if (errno || *end || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
        return -1;
    return 0;
}

static void pixel_done(void *arg, int rc, const backend_history_entry *e, size_t n)
{
    http_req *r = arg;
    if (!r->wsi) {
        req_free(r);
        return;
    }
    if (rc < 0) {
        /* the store could not be read (cluster: PostgreSQL down): nothing is wrong with the
         * request, and asking again later will work */
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                         "The pixel's history cannot be read right now: try again in a moment.");
        return;
    }
    if (n > BACKEND_HISTORY_MAX)
        n = BACKEND_HISTORY_MAX;
    place_placement list[BACKEND_HISTORY_MAX];
    for (size_t i = 0; i < n; i++) {
        memset(&list[i], 0, sizeof list[i]);
        list[i].seq = e[i].seq;
        snprintf(list[i].user_id, sizeof list[i].user_id, "%s", e[i].user_id);
        snprintf(list[i].username, sizeof list[i].username, "%s", e[i].username);
        list[i].color = e[i].color;
        list[i].time_ms = e[i].time_ms;
    }
    size_t cap = PLACE_HISTORY_TEXT_MAX(n);
    char *buf = malloc(cap);
    int len = buf ? place_fmt_history(buf, cap, r->qx, r->qy, list, n) : -1;
    if (len < 0) {
        free(buf);
        http_reply_error(r, 500, PLACE_ERR_INTERNAL, NULL);
        return;
    }
    http_add_header(r, "Cache-Control", "no-cache");
    http_reply_json(r, 200, buf, (size_t)len);
    free(buf);
}

static void h_pixel(http_req *r)
{
    long long x, y;
    if (int_arg(r->wsi, "x=", &x) < 0 || int_arg(r->wsi, "y=", &y) < 0) {
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST, "x and y must be whole numbers.");
        return;
    }
    const canvas *cv = r->srv->canvas;
    if (x < 0 || y < 0 || x >= canvas_width(cv) || y >= canvas_height(cv)) {
        http_reply_error(r, 400, PLACE_ERR_OUT_OF_BOUNDS, NULL);
        return;
    }
    r->qx = (uint32_t)x;
    r->qy = (uint32_t)y;
    r->pending = 1;
    backend *b = r->srv->store;
    if (b->ops->history(b, (uint32_t)x, (uint32_t)y, BACKEND_HISTORY_MAX, pixel_done, r) < 0) {
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, NULL);
    }
}

static const http_route routes[] = {
    {"/api/v1/canvas", M_GET, S_NONE, h_canvas},
    {"/api/v1/canvas/snapshot", M_GET, S_NONE, h_snapshot},
    {"/api/v1/canvas/info", M_GET, S_NONE, h_info},
    {"/api/v1/pixel", M_GET, S_NONE, h_pixel},
    {"/api/v1/history", M_GET, S_NONE, hist_api_history},
    {"/api/v1/canvas/heatmap", M_GET, S_NONE, hist_api_heatmap},
    {"/api/v1/auth/me", M_GET, S_CREATE, auth_me},
    {"/api/v1/auth/register", M_POST, S_CREATE, auth_register},
    {"/api/v1/auth/login", M_POST, S_RESOLVE, auth_login},
    {"/api/v1/auth/logout", M_POST, S_RESOLVE, auth_logout},
};

/* ---------------------------------------------------------------- static files */

static const char builtin_page[] =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Place</title></head><body>"
    "<h1>Place</h1><p>The server is running. The browser client is not installed in the web "
    "root; the API is at <a href=\"/api/v1/canvas/info\">/api/v1/canvas/info</a>.</p>"
    "</body></html>";

/* A path the static files may be asked for: absolute, short, of letters, digits and "/._-",
 * with no segment starting with a dot (no "..", no dotfiles such as /.env or /.git/). */
static int safe_path(const char *p)
{
    if (p[0] != '/' || strstr(p, "//") || strstr(p, "/.") || strlen(p) > 200)
        return 0;
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("/._-", *p)))
            return 0;
    return 1;
}

#define STATIC_MAX (4 * 1024 * 1024) /* the largest static file served */

/* Reads the static file at web_root + path into r's answer if it is a regular file whose real
 * path lies under the web root's (a symbolic link may point within it, never out of it).
 * Returns 0, or -1 if there is no such file to serve. */
static int read_static(http_req *r, const char *path)
{
    char root[PATH_MAX], file[PATH_MAX + 256], real[PATH_MAX];
    if (!realpath(r->srv->cfg.web_root, root))
        return -1;
    snprintf(file, sizeof file, "%s%s", root, path);
    size_t rl = strlen(root);
    if (!realpath(file, real) || strncmp(real, root, rl) || real[rl] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    char *buf = NULL;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX ||
        !(buf = malloc(st.st_size ? (size_t)st.st_size : 1)))
        goto fail;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            goto fail;
        got += (size_t)n;
    }
    close(fd);
    free(r->resp);
    r->resp = buf;
    r->resp_len = got;
    r->data = (const unsigned char *)buf;
    return 0;
fail:
    free(buf);
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Ends an answered request: returns -1 to close the connection, else 0 with the connection kept
 * for the next request, at most --keepalive-timeout (lws 4.1 would keep an idle keep-alive connection, and
 * its memory, for ever). */
static int transaction_done(struct lws *wsi)
{
    if (lws_http_transaction_completed(wsi))
        return -1;
    conn_phase_set(wsi, CONN_IDLE);
    place_server *srv = lws_context_user(lws_get_context(wsi));
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, srv->cfg.keepalive_timeout);
    return 0;
}

/* Static files are answered like the API (read whole, written from the writable callback),
 * not through lws_serve_http_file: lws 4.1.6 misreads a request pipelined behind a file it
 * served itself (a 403 for a well-formed GET). */
static void serve_static(http_req *r, const char *uri)
{
    const char *p = strcmp(uri, "/") ? uri : "/index.html";
    if (!safe_path(p) || read_static(r, p) < 0) {
        if (!strcmp(p, "/index.html")) {
            r->status = 200;
            r->ctype = "text/html; charset=utf-8";
            r->data = (const unsigned char *)builtin_page;
            r->resp_len = sizeof builtin_page - 1;
            reply_ready(r);
        } else {
            http_reply_error(r, 404, PLACE_ERR_NOT_FOUND, NULL);
        }
        return;
    }
    const char *mime = lws_get_mimetype(p, NULL);
    if (!mime) {
        size_t l = strlen(p);
        mime = l > 3 && !strcmp(p + l - 3, ".js")    ? "text/javascript"
               : l > 4 && !strcmp(p + l - 4, ".mjs") ? "text/javascript"
               : l > 5 && !strcmp(p + l - 5, ".json") ? "application/json"
                                                     : "application/octet-stream";
    }
    http_add_header(r, "Cache-Control", "no-cache");
    r->status = 200;
    r->ctype = mime;
    reply_ready(r);
}

/* ---------------------------------------------------------------- the callback */

static int method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return M_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
        return M_POST;
    return M_OTHER;
}

/* The request's Content-Length: 0 when absent, -1 when it is not one decimal number (a sign,
 * a list, spaces inside, or too long to be a real body). */
static long long content_length(struct lws *wsi)
{
    char buf[32];
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (n <= 0)
        return 0;
    if (n > 15 || lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_CONTENT_LENGTH) != n)
        return -1;
    for (int i = 0; i < n; i++)
        if (buf[i] < '0' || buf[i] > '9')
            return -1;
    return atoll(buf);
}

static int on_http(place_server *srv, http_pss *pss, struct lws *wsi, const char *uri)
{
    if (pss->req) {
        if (pss->req->pending)
            pss->req->wsi = NULL;
        else
            req_free(pss->req);
    }
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0); /* the keep-alive idle time is over */
    http_req *r = calloc(1, sizeof *r);
    if (!(pss->req = r))
        return -1;
    live_reqs++;
    r->wsi = wsi;
    r->srv = srv;
    peer_of(&srv->proxies, wsi, r->addr);
    int method = method_of(wsi);
    long long clen = content_length(wsi);
    r->close_after = method != M_GET && clen > 0; /* until the body is read */
    conn_phase_set(wsi, CONN_WORKING);
    if (!srv->store) {
        r->close_after = 1;
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
        return 0;
    }
    /* what the request may hold: counted for its client's address */
    int over;
    r->budget = budget_hold(conn_attribute(wsi, r->addr, &over));
    if (over) {
        r->close_after = 1;
        http_reply_error(r, 429, PLACE_ERR_TOO_MANY_CONNECTIONS, NULL);
        return 0;
    }
    if (budget_take(r->budget, BUDGET_REQUESTS, 1) < 0) {
        r->close_after = 1;
        http_add_header(r, "Retry-After", "1");
        http_reply_error(r, 429, PLACE_ERR_RATE_LIMITED,
                         "Too many requests from your address at once; try again in a moment.");
        return 0;
    }
    r->holds_request = 1;
    /* what placed does not implement is refused plainly, and the connection closed, so that
     * the rest of a body it cannot delimit is never read as the next request */
    if (clen < 0) {
        r->close_after = 1;
        http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST, "Content-Length must be one whole number.");
        return 0;
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        r->close_after = 1;
        http_reply_error(r, 411, PLACE_ERR_BAD_REQUEST,
                         "Send the body with a Content-Length; chunked bodies are not accepted.");
        return 0;
    }

    if (strncmp(uri, "/api/", 5) && strcmp(uri, "/api")) {
        if (!strcmp(uri, WS_PATH)) {
            http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST, "Connect with a WebSocket upgrade.");
            return 0;
        }
        if (method != M_GET) {
            http_reply_error(r, 405, PLACE_ERR_METHOD_NOT_ALLOWED, NULL);
            return 0;
        }
        if (!strcmp(uri, "/") || !strcmp(uri, "/index.html")) {
            /* the page is served whether or not a guest could be made (viewing is open) */
            int created;
            if (session_resolve(srv, wsi, 1, r->addr, r->token, &r->user, &created, NULL) == 0 &&
                created)
                http_set_cookie(r, r->token);
        }
        serve_static(r, uri);
        return 0;
    }
    const http_route *route = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (!strcmp(routes[i].path, uri))
            route = &routes[i];
    if (!route) {
        http_reply_error(r, 404, PLACE_ERR_NOT_FOUND, NULL);
        return 0;
    }
    if (method != route->method) {
        http_add_header(r, "Allow", route->method == M_GET ? "GET" : "POST");
        http_reply_error(r, 405, PLACE_ERR_METHOD_NOT_ALLOWED, NULL);
        return 0;
    }
    r->route = route;
    if (route->session != S_NONE) {
        session_refusal why;
        r->has_user = session_resolve(srv, wsi, route->session == S_CREATE, r->addr, r->token,
                                      &r->user, &r->new_session, &why) == 0;
        if (r->new_session)
            http_set_cookie(r, r->token);
        /* a registration needs no guest first: its own budget is checked by the route */
        if (!r->has_user && route->session == S_CREATE && route->handler != auth_register) {
            if (why.err == PLACE_ERR_BANNED) {
                /* no session from a banned address, but who you are: a banned viewer */
                view_banned_viewer(&why.ban, &r->user);
                r->has_user = 1;
                route->handler(r);
            } else if (why.err == PLACE_ERR_BAD_REQUEST)
                http_reply_error(r, 400, PLACE_ERR_BAD_REQUEST,
                                 "The session cookie cannot be read: log in again.");
            else if (why.err == PLACE_ERR_RATE_LIMITED)
                http_reply_rate_limited(r, why.retry_ms,
                                        "Too many new players from your address; try again later.");
            else
                http_reply_error(r, 503, why.err == PLACE_ERR_INTERNAL ? PLACE_ERR_INTERNAL
                                                                       : PLACE_ERR_UNAVAILABLE,
                                 NULL);
            return 0;
        }
    }
    if (method == M_POST) {
        if (clen > HTTP_MAX_BODY) {
            http_reply_error(r, 413, PLACE_ERR_TOO_LARGE, "The request body is over 4 KiB.");
            return 0;
        }
        if (clen > 0) {
            conn_phase_set(wsi, CONN_RECEIVING);
            return 0; /* the handler runs when the body is complete */
        }
    }
    route->handler(r);
    return 0;
}

static int on_body(http_req *r, const char *in, size_t len)
{
    if (r->body_too_large || r->ready || !len) /* lws may hand over an empty piece (in NULL) */
        return 0;
    if (r->body_len + len > HTTP_MAX_BODY) {
        r->body_too_large = 1;
        return 0;
    }
    char *b = realloc(r->body, r->body_len + len + 1);
    if (!b)
        return -1;
    if (len) /* lws may hand over an empty piece with no buffer */
        memcpy(b + r->body_len, in, len);
    r->body = b;
    r->body_len += len;
    r->body[r->body_len] = 0;
    return 0;
}

static void on_body_done(http_req *r)
{
    if (r->ready || r->pending || !r->route)
        return;
    if (r->wsi)
        conn_phase_set(r->wsi, CONN_WORKING);
    r->close_after = 0;
    if (!r->srv->store) { /* the body came during a stop: the store is gone */
        r->close_after = 1;
        http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE, "The server is stopping.");
        return;
    }
    if (r->body_too_large) {
        r->close_after = 1;
        http_reply_error(r, 413, PLACE_ERR_TOO_LARGE, "The request body is over 4 KiB.");
        return;
    }
    r->route->handler(r);
}

/* An answer about to be written holds up to CHUNK bytes in lws while the client does not read
 * (lws keeps what the socket did not take of each write): that is counted against the address's
 * --max-unread-per-ip. Over it, the answer becomes a short 503 instead. Returns 0 or -1. */
static int hold_unread(http_req *r)
{
    size_t n = r->resp_len < CHUNK ? r->resp_len : CHUNK;
    if (n <= 1024 || !r->budget)
        return 0;
    if (budget_take(r->budget, BUDGET_UNREAD, n) == 0) {
        r->holds_unread = n;
        return 0;
    }
    canvas_snap_unref(r->snap);
    r->snap = NULL;
    r->headers_len = 0;
    r->close_after = 1;
    http_add_header(r, "Retry-After", "5");
    http_reply_error(r, 503, PLACE_ERR_UNAVAILABLE,
                     "Too many answers to your address are still unread; try again in a moment.");
    return 0;
}

static int on_writable(http_pss *pss, struct lws *wsi)
{
    http_req *r = pss->req;
    if (!r || !r->ready)
        return 0;
    if (!r->headers_sent) {
        if (hold_unread(r) < 0)
            return -1;
        conn_phase_set(wsi, CONN_SENDING);
        unsigned char buf[LWS_PRE + 1536], *start = buf + LWS_PRE, *p = start,
                                           *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, (unsigned int)r->status, r->ctype,
                                        (lws_filepos_t)r->resp_len, &p, end))
            return -1;
        if (r->headers_len) {
            if (end - p < (long)r->headers_len)
                return -1;
            memcpy(p, r->headers, r->headers_len);
            p += r->headers_len;
        }
        if (r->close_after &&
            lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
                                         5, &p, end))
            return -1;
        if (lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        r->headers_sent = 1;
        if (r->resp_len) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    } else {
        size_t n = r->resp_len - r->sent;
        if (n > CHUNK)
            n = CHUNK;
        int last = r->sent + n == r->resp_len;
        memcpy(chunk_buf + LWS_PRE, r->data + r->sent, n);
        if (lws_write(wsi, chunk_buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
            0)
            return -1;
        r->sent += n;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    int close_after = r->close_after;
    pss->req = NULL;
    req_free(r);
    if (close_after || transaction_done(wsi) < 0)
        return -1;
    return 0;
}

static void on_gone(http_pss *pss)
{
    http_req *r = pss ? pss->req : NULL;
    if (!r)
        return;
    pss->req = NULL;
    if (r->pending)
        r->wsi = NULL;
    else
        req_free(r);
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    http_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return conn_filter(wsi, user);
    case LWS_CALLBACK_WSI_CREATE:
        conn_created(wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        conn_gone(wsi);
        return 0;
    case LWS_CALLBACK_HTTP:
        return on_http(lws_context_user(lws_get_context(wsi)), pss, wsi, in);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return http_confirm_upgrade(in);
    case LWS_CALLBACK_HTTP_BODY:
        return pss->req ? on_body(pss->req, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!pss->req)
            return 0;
        /* lws 4.1.6 completes a body followed by pipelined bytes again and again, without
         * consuming them, until the answer is written. Behind an earlier request on the same
         * connection the answer never gets out and the loop would take a core: there the second
         * completion closes the connection at once (the client sends again what was not
         * answered, as HTTP/1.1 clients do when a connection closes). On a connection's first
         * request the loop ends when the answer is written, a commit later; BODY_LOOP_MS bounds
         * it all the same. */
        if (pss->req->body_done_ms) {
            if (conn_answered(wsi) > 0 || util_mono_ms() - pss->req->body_done_ms > BODY_LOOP_MS)
                return -1;
            return 0;
        }
        pss->req->body_done_ms = util_mono_ms();
        on_body_done(pss->req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_writable(pss, wsi);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return transaction_done(wsi);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        on_gone(pss);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocol = {
    .name = "http",
    .callback = http_callback,
    .per_session_data_size = sizeof(http_pss),
    .tx_packet_size = CHUNK, /* else lws may cut each send() to its default buffer size */
};

int http_confirm_upgrade(void *in)
{
    /* placed does not speak HTTP/2: "Upgrade: h2c" is ignored and the request answered as
     * HTTP/1.1 (RFC 7540 3.2). lws 4.1.6 would switch protocols (101) and then answer nothing;
     * it decides by the header text it hands over here, and an emptied text is neither
     * "websocket" nor "h2c", which it takes as no upgrade. */
    if (in && !strcasecmp(in, "h2c"))
        *(char *)in = '\0';
    return 0;
}

const struct lws_protocols *http_protocol(void)
{
    return &protocol;
}

size_t http_pending(void)
{
    return live_reqs;
}

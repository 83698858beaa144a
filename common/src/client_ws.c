/* The WebSocket side of the client engine: one thread running a libwebsockets 4.1 client
 * context. It asks who we are (GET /api/v1/auth/me, which also gives a guest its session token),
 * connects /ws with "Authorization: Bearer", hands every frame to the UI thread, sends what the
 * UI thread queued, pings every 30 s, and reconnects with backoff (client_recon.c) when the
 * connection fails or drops. */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_int.h"
#include "client_recon.h"

#define PING_INTERVAL_US (30 * LWS_US_PER_SEC)
/* Nothing at all (not even a pong) for this long: the connection is dead without having said
 * so (a vanished network path); drop it and reconnect. */
#define SILENCE_LIMIT_MS 75000
#define MAX_MESSAGE (64u << 20) /* a batch frame larger than this is refused */

typedef struct outmsg {
    struct outmsg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of headroom, then the text */
} outmsg;

struct client_ws {
    struct place_client *c;
    pthread_t thread;
    int started;
    struct lws_context *ctx;

    /* the lws thread only */
    struct lws *wsi;
    int attempt_live; /* an attempt or connection exists; lost() ends it exactly once */
    int established;
    int peer_close; /* the close code the server sent, 0 if none */
    char peer_reason[32]; /* and its reason text */
    int64_t up_since;
    int64_t last_rx; /* when the last frame arrived */
    recon_backoff backoff;
    unsigned jitter_seed; /* each client jitters differently, so a restarted server is not hit
                             by all of them in the same millisecond */
    lws_sorted_usec_list_t sul_connect, sul_ping;
    unsigned char *rx;
    size_t rx_len, rx_cap;
    char host[256], path[512];
    int port, tls;

    /* shared, under lock */
    pthread_mutex_t lock;
    outmsg *out_head, *out_tail;
    volatile int stop;
    volatile int retry_now; /* the player asked to try again at once */
};

static int64_t now_ms(void)
{
    return place_client_now_ms();
}

static void out_clear(client_ws *w)
{
    pthread_mutex_lock(&w->lock);
    for (outmsg *m = w->out_head, *n; m; m = n) {
        n = m->next;
        free(m);
    }
    w->out_head = w->out_tail = NULL;
    pthread_mutex_unlock(&w->lock);
}

static outmsg *out_pop(client_ws *w)
{
    pthread_mutex_lock(&w->lock);
    outmsg *m = w->out_head;
    if (m) {
        w->out_head = m->next;
        if (!w->out_head)
            w->out_tail = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    return m;
}

static int out_pending(client_ws *w)
{
    pthread_mutex_lock(&w->lock);
    int any = w->out_head != NULL;
    pthread_mutex_unlock(&w->lock);
    return any;
}

/* Appends a copy of text (with LWS_PRE headroom) to the outgoing queue; any thread. */
static void out_push(client_ws *w, const char *text)
{
    size_t len = strlen(text);
    outmsg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m)
        abort();
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    pthread_mutex_lock(&w->lock);
    if (w->out_tail)
        w->out_tail->next = m;
    else
        w->out_head = m;
    w->out_tail = m;
    pthread_mutex_unlock(&w->lock);
}

void client_ws_send(client_ws *w, const char *text)
{
    if (!w)
        return;
    out_push(w, text);
    lws_cancel_service(w->ctx); /* the lws thread asks for a writable callback */
}

static void connect_cb(lws_sorted_usec_list_t *sul);

/* The attempt failed or the connection ended: tell the UI thread and plan the next attempt. */
static void lost(client_ws *w, const char *why)
{
    if (!w->attempt_live)
        return;
    w->attempt_live = 0;
    int64_t up = w->established ? now_ms() - w->up_since : -1;
    w->wsi = NULL;
    w->established = 0;
    lws_sul_cancel(&w->sul_ping);
    out_clear(w);
    if (w->stop)
        return;
    int64_t delay = recon_backoff_next(&w->backoff, up, rand_r(&w->jitter_seed) % 1001);
    inbound *in = client_inbound_new(IN_WS_DOWN);
    in->when = now_ms() + delay;
    snprintf(in->ev.text, sizeof in->ev.text, "%s", why);
    client_deliver(w->c, in);
    lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, (lws_usec_t)delay * 1000);
}

/* Asks the server who we are; adopts the session token it hands out. */
static int ask_me(client_ws *w, char *why, size_t whylen)
{
    char url[1024], token[PLACE_CLIENT_TOKEN_MAX + 1];
    snprintf(url, sizeof url, "%s/api/v1/auth/me", client_url(w->c));
    client_token_get(w->c, token);
    http_resp resp;
    char err[256];
    if (client_http_request("GET", url, token, NULL, 5000, &w->stop, &resp, err, sizeof err) < 0) {
        snprintf(why, whylen, "Cannot reach the server (%s).", err);
        return -1;
    }
    int rc = 0;
    if (resp.status != 200) {
        snprintf(why, whylen, "The server answered %ld to /api/v1/auth/me.", resp.status);
        rc = -1;
    } else {
        if (resp.token[0])
            client_token_set(w->c, resp.token);
        inbound *in = client_inbound_new(IN_USER);
        if (client_http_parse_user(resp.body, &in->user) == 0)
            client_deliver(w->c, in);
        else
            free(in);
    }
    free(resp.body);
    return rc;
}

static void connect_cb(lws_sorted_usec_list_t *sul)
{
    client_ws *w = lws_container_of(sul, client_ws, sul_connect);
    if (w->stop || w->attempt_live)
        return;
    w->attempt_live = 1;
    w->peer_close = 0;
    w->peer_reason[0] = 0;
    char why[300];
    if (ask_me(w, why, sizeof why) < 0) {
        lost(w, why);
        return;
    }
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = w->ctx;
    ci.address = w->host;
    ci.port = w->port;
    ci.path = w->path;
    ci.host = w->host;
    ci.origin = w->host;
    ci.ssl_connection = w->tls ? LCCSCF_USE_SSL : 0;
    ci.protocol = NULL;
    ci.local_protocol_name = "place";
    ci.userdata = w;
    ci.pwsi = &w->wsi;
    if (!lws_client_connect_via_info(&ci)) {
        w->wsi = NULL;
        lost(w, "Cannot open the WebSocket.");
    }
}

static void ping_cb(lws_sorted_usec_list_t *sul)
{
    client_ws *w = lws_container_of(sul, client_ws, sul_ping);
    if (!w->established)
        return;
    if (now_ms() - w->last_rx > SILENCE_LIMIT_MS) {
        lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    char msg[64];
    if (place_fmt_ping(msg, sizeof msg) > 0) {
        out_push(w, msg);
        lws_callback_on_writable(w->wsi);
    }
    lws_sul_schedule(w->ctx, 0, &w->sul_ping, ping_cb, PING_INTERVAL_US);
}

static int rx_append(client_ws *w, const void *in, size_t len)
{
    if (w->rx_len + len + 1 > w->rx_cap) {
        if (w->rx_len + len + 1 > MAX_MESSAGE)
            return -1;
        size_t cap = w->rx_cap ? w->rx_cap : 4096;
        while (cap < w->rx_len + len + 1)
            cap *= 2;
        unsigned char *p = realloc(w->rx, cap);
        if (!p)
            abort();
        w->rx = p;
        w->rx_cap = cap;
    }
    memcpy(w->rx + w->rx_len, in, len);
    w->rx_len += len;
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    client_ws *w = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        char token[PLACE_CLIENT_TOKEN_MAX + 1], fwd[96];
        char **p = (char **)in;
        client_token_get(w->c, token);
        if (token[0]) {
            int n = snprintf(*p, len, "Authorization: Bearer %s\r\n", token);
            if (n < 0 || (size_t)n >= len)
                return -1;
            *p += n;
            len -= (size_t)n;
        }
        client_forwarded_header(fwd, sizeof fwd);
        if (fwd[0]) {
            int n = snprintf(*p, len, "%s\r\n", fwd);
            if (n < 0 || (size_t)n >= len)
                return -1;
            *p += n;
        }
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        w->established = 1;
        w->up_since = w->last_rx = now_ms();
        w->rx_len = 0;
        client_deliver(w->c, client_inbound_new(IN_WS_UP));
        lws_sul_schedule(w->ctx, 0, &w->sul_ping, ping_cb, PING_INTERVAL_US);
        if (out_pending(w))
            lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        w->last_rx = now_ms();
        if (lws_is_first_fragment(wsi))
            w->rx_len = 0;
        if (rx_append(w, in, len) < 0)
            return -1; /* absurdly large: drop the connection, reconnect, resync */
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
            break;
        int binary = lws_frame_is_binary(wsi);
        inbound *msg = client_inbound_new(binary ? IN_BINARY : IN_TEXT);
        msg->data = malloc(w->rx_len + 1);
        if (!msg->data)
            abort();
        memcpy(msg->data, w->rx, w->rx_len);
        msg->data[w->rx_len] = 0;
        msg->len = w->rx_len;
        w->rx_len = 0;
        client_deliver(w->c, msg);
        break;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        outmsg *m = out_pop(w);
        if (!m)
            break;
        int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
        free(m);
        if (n < 0)
            return -1;
        if (out_pending(w))
            lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[300];
        snprintf(why, sizeof why, "Cannot connect to the server%s%s.", in ? ": " : "",
                 in ? (const char *)in : "");
        if (w)
            lost(w, why);
        break;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (w && in && len >= 2) {
            w->peer_close = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
            size_t n = len - 2 < sizeof w->peer_reason - 1 ? len - 2 : sizeof w->peer_reason - 1;
            memcpy(w->peer_reason, (const char *)in + 2, n);
            w->peer_reason[n] = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        /* 4003: banned; the `banned` message said so, and reconnecting (same session) goes on
         * showing the canvas: nothing was lost. 4001: the session was ended (logged out). */
        if (w && (w->peer_close == PLACE_CLOSE_BANNED ||
                  (w->peer_close == 1001 && !strcmp(w->peer_reason, "unbanned"))))
            lost(w, ""); /* back in a moment, as the same player: nothing was lost */
        else if (w && w->peer_close == PLACE_CLOSE_SESSION_ENDED)
            lost(w, "Your session ended (logged out); reconnecting as a guest.");
        else if (w)
            lost(w, "The connection to the server was lost.");
        break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (w && w->retry_now) {
            w->retry_now = 0;
            /* waiting out a backoff step: the attempt starts now instead */
            if (!w->attempt_live && !w->stop)
                lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, 1);
        }
        if (w && w->wsi && w->established && out_pending(w))
            lws_callback_on_writable(w->wsi);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"place", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *ws_thread(void *arg)
{
    client_ws *w = arg;
    lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, 1);
    while (!w->stop)
        if (lws_service(w->ctx, 0) < 0)
            break;
    return NULL;
}

/* Splits "http://host:port/prefix" into what lws needs; /ws goes after any path prefix. */
static int parse_url(client_ws *w, const char *url)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", url);
    const char *prot, *ads, *path;
    int port;
    if (lws_parse_uri(buf, &prot, &ads, &port, &path))
        return PLACE_EFORMAT;
    w->tls = strcmp(prot, "https") == 0;
    if (strcmp(prot, "http") != 0 && !w->tls)
        return PLACE_EFORMAT;
    snprintf(w->host, sizeof w->host, "%s", ads);
    w->port = port;
    /* lws_parse_uri drops the leading '/' of the path; an empty path is "" or "/". */
    snprintf(w->path, sizeof w->path, "/%s%sws", path, *path && path[strlen(path) - 1] != '/' ? "/" : "");
    return 0;
}

int client_ws_start(struct place_client *c, client_ws **out)
{
    *out = NULL;
    client_ws *w = calloc(1, sizeof *w);
    if (!w)
        return PLACE_ENOMEM;
    w->c = c;
    w->jitter_seed = (unsigned)place_client_now_ms() ^ ((unsigned)getpid() << 16) ^ (unsigned)(uintptr_t)w;
    pthread_mutex_init(&w->lock, NULL);
    if (parse_url(w, client_url(c)) < 0) {
        client_ws_stop(w);
        return PLACE_EFORMAT;
    }
    lws_set_log_level(0, NULL); /* a terminal client must not get log lines over its screen */
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = w;
    info.options = w->tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    /* lws looks sockets up by fd number in a table this large, so it bounds the highest fd
     * number, not the count: a front-end (SDL, GL drivers) may hold many files of its own. */
    info.fd_limit_per_thread = 4096;
    w->ctx = lws_create_context(&info);
    if (!w->ctx) {
        client_ws_stop(w);
        return PLACE_ENOMEM;
    }
    if (pthread_create(&w->thread, NULL, ws_thread, w) != 0) {
        client_ws_stop(w);
        return PLACE_ENOMEM;
    }
    w->started = 1;
    *out = w;
    return 0;
}

void client_ws_retry_now(client_ws *w)
{
    if (!w)
        return;
    w->retry_now = 1;
    lws_cancel_service(w->ctx);
}

void client_ws_stop(client_ws *w)
{
    if (!w)
        return;
    w->stop = 1;
    if (w->ctx)
        lws_cancel_service(w->ctx);
    if (w->started)
        pthread_join(w->thread, NULL);
    if (w->ctx)
        lws_context_destroy(w->ctx);
    out_clear(w);
    free(w->rx);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

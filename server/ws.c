/* The WebSocket endpoint (see ws.h).
 *
 * Per connection we keep only what must be: the user id, the session token (for the Set-Cookie
 * of a new guest's upgrade), a cursor into the broadcast ring, a queue of text answers that
 * exists only while the socket is busy, and the flood limit. The receive buffer is the
 * protocol's 1 KiB rx buffer; a message lws hands over in pieces is gathered in a buffer that
 * exists only while it arrives, and anything over 1 KiB is refused with TOO_LARGE. */
#include "ws.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "bans.h"
#include "broadcast.h"
#include "canvas.h"
#include "conn.h"
#include "http.h"
#include "online.h"
#include "live.h"
#include "session.h"
#include "slices.h"
#include "util.h"
#include "views.h"

#define QUEUE_MAX 256             /* text answers queued on one connection before it is dropped */
#define WRITES_PER_CALLBACK 16    /* frames written in one go, while the socket takes them */
#define RATE_INTERVAL_MS (1000 / WS_MAX_MSGS_PER_SEC)
#define RATE_BURST_MS 2000        /* a burst of 2 s worth of messages (40) is let through */
#define FLOOD_CLOSE_REFUSED 60    /* refused messages in a row that close the connection */
#define ROUND_CHUNK 1024          /* connections handed a new frame per loop iteration, at most */
#define ROUND_SLICE_NS 1000000    /* ... and for at most this long (1 ms), so that an ack or an
                                     init waits for one slice of a round, not the whole round */
#define WS_MAX_SEND (1024 * 1024) /* largest single send(): a whole batch frame at once */
/* lws's own value for a close frame (left out of the public enum, "handled by lws_close_reason") */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

typedef struct tmsg {
    struct tmsg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE + len */
} tmsg;

struct ws_conn;

typedef struct place_req {
    struct place_req *prev, *next;
    struct ws_conn *conn; /* NULL once the connection is gone */
    place_request_id rid;
} place_req;

typedef struct ws_conn {
    struct lws *wsi;
    struct ws_conn *prev, *next;
    tmsg *q_head, *q_tail;
    place_req *reqs;
    char *frag; /* a text message arriving in pieces */
    uint64_t cursor;
    int64_t tat; /* flood limit: when the bucket would be full again */
    int64_t last_resync;
    uint16_t refused; /* messages refused in a row by the flood limit */
    uint16_t close_code; /* nonzero: close once the queue is sent */
    const char *close_reason; /* the close frame's words (static text) */
    uint16_t frag_len;
    uint16_t q_len;
    uint8_t viewer;   /* no user: a banned address's read-only viewer */
    uint8_t is_guest; /* the user was a guest when the socket opened */
    uint8_t told_banned; /* a `banned` message went out */
    uint8_t new_session;
    uint8_t close_sent;
    uint8_t established;
    uint8_t resync_due; /* skipped forward: a resync goes out before the next frame */
    uint8_t resync_late; /* the due resync is for a late placement, not for falling behind */
    uint8_t counted;     /* counted among the players online (online.h) */
    uint32_t online_told; /* the players-online count this socket was last told */
    char user_id[BACKEND_ID_LEN + 1];
    char token[BACKEND_TOKEN_LEN + 1];
    char addr[PEER_ADDR_MAX]; /* the client's address (peer_of) */
} ws_conn;

struct ws_hub {
    ws_conn *conns;
    size_t count;
    ws_conn *round_next; /* the next connection the current broadcast round visits */
    int round_again;     /* a frame came out during the round: another round follows */
    slices round;        /* the round's later slices, one a turn of the loop (slices.h) */
};

static place_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void want_write(ws_conn *c)
{
    lws_callback_on_writable(c->wsi);
}

static void close_after(ws_conn *c, uint16_t code)
{
    if (!c->close_code)
        c->close_code = code;
    want_write(c);
}

/* Like close_after, with the close frame's reason. */
static void close_with(ws_conn *c, uint16_t code, const char *reason)
{
    if (!c->close_code)
        c->close_reason = reason;
    close_after(c, code);
}

/* Whether a frame may go out at once instead of from the writable callback: nothing of ours is
 * waiting, lws holds no unsent remainder, and the connection is not closing. Writing at once
 * saves the poll-for-writable round (two epoll_ctl calls per frame), which is most of the cost
 * of sending one batch to many thousands of connections. */
static int can_write_now(const ws_conn *c)
{
    return c->wsi && c->established && !c->close_code && !c->close_sent &&
           !lws_partial_buffered(c->wsi);
}

/* Queues a text frame. Answers are bounded by what the client sends (the flood limit), so a
 * connection that lets QUEUE_MAX of them pile up is not reading, and is closed instead; the
 * answer to a placement the store took (`ack`) is queued even then, as the close waits for it
 * (there are at most as many as placements let through the flood limit). */
static void send_text_ack(ws_conn *c, const char *text, size_t len, int ack)
{
    if (c->q_len >= QUEUE_MAX && !ack) {
        close_after(c, LWS_CLOSE_STATUS_POLICY_VIOLATION);
        return;
    }
    if (!c->q_head && can_write_now(c)) {
        unsigned char buf[LWS_PRE + 2048];
        if (len <= sizeof buf - LWS_PRE) {
            memcpy(buf + LWS_PRE, text, len);
            if (lws_write(c->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < 0)
                close_after(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
            return;
        }
    }
    tmsg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m) {
        close_after(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
        return;
    }
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    if (c->q_tail)
        c->q_tail->next = m;
    else
        c->q_head = m;
    c->q_tail = m;
    c->q_len++;
    want_write(c);
}

static void send_text(ws_conn *c, const char *text, size_t len)
{
    send_text_ack(c, text, len, 0);
}

static void send_error(ws_conn *c, place_err code, const place_request_id *rid, int64_t retry)
{
    char buf[PLACE_MAX_ANSWER_TEXT];
    int n = place_fmt_error(buf, sizeof buf, code, NULL, rid && rid->text[0] ? rid : NULL, retry);
    if (n > 0)
        send_text(c, buf, (size_t)n);
}

/* ---------------------------------------------------------------- placements */

static void place_done(void *arg, const backend_place_result *r)
{
    place_req *q = arg;
    ws_conn *c = q->conn;
    if (c) {
        if (q->prev)
            q->prev->next = q->next;
        else
            c->reqs = q->next;
        if (q->next)
            q->next->prev = q->prev;
        char buf[PLACE_MAX_ANSWER_TEXT];
        int n;
        if (r->err == PLACE_ERR_NONE)
            n = place_fmt_placed(buf, sizeof buf, q->rid.text[0] ? &q->rid : NULL,
                                 r->next_placement, r->seq);
        else
            n = place_fmt_error(buf, sizeof buf, r->err, NULL, q->rid.text[0] ? &q->rid : NULL,
                                r->err == PLACE_ERR_COOLDOWN ? r->retry_after_ms : -1);
        if (n > 0)
            send_text_ack(c, buf, (size_t)n, 1);
        /* BANNED too leaves the socket open: a banned player may go on viewing */
    }
    free(q);
}

static void on_place(place_server *srv, ws_conn *c, const place_msg_place *m)
{
    backend *b = srv->store;
    if (!b || srv->shutting_down) {
        send_error(c, PLACE_ERR_UNAVAILABLE, &m->request_id, -1);
        return;
    }
    const canvas *cv = srv->canvas;
    if (m->x < 0 || m->y < 0 || m->x >= canvas_width(cv) || m->y >= canvas_height(cv)) {
        send_error(c, PLACE_ERR_OUT_OF_BOUNDS, &m->request_id, -1);
        return;
    }
    if (m->color < 0 || m->color >= PLACE_COLORS) {
        send_error(c, PLACE_ERR_BAD_COLOR, &m->request_id, -1);
        return;
    }
    if (srv->frozen) { /* placed --freeze: nobody places, whoever they are */
        char buf[PLACE_MAX_ANSWER_TEXT], words[256];
        snprintf(words, sizeof words, "The canvas is frozen%s%.*s: no pixels can be placed for now.",
                 srv->frozen_reason[0] ? ": " : "", 120, srv->frozen_reason);
        int n = place_fmt_error(buf, sizeof buf, PLACE_ERR_FROZEN, words,
                                m->request_id.text[0] ? &m->request_id : NULL, -1);
        if (n > 0)
            send_text(c, buf, (size_t)n);
        return;
    }
    if (c->viewer || bans_match(srv->bans, c->addr, c->is_guest, NULL)) {
        send_error(c, PLACE_ERR_BANNED, &m->request_id, -1);
        return;
    }
    backend_user u;
    if (b->ops->user_get(b, c->user_id, &u) < 0) {
        /* a guest that never placed was forgotten (--max-guests): a reconnect makes a new one */
        send_error(c, PLACE_ERR_UNAVAILABLE, &m->request_id, -1);
        close_after(c, LWS_CLOSE_STATUS_GOINGAWAY);
        return;
    }
    if (u.is_guest && !srv->cfg.guests_can_place) {
        send_error(c, PLACE_ERR_NOT_ALLOWED, &m->request_id, -1);
        return;
    }
    place_req *q = calloc(1, sizeof *q);
    if (!q) {
        send_error(c, PLACE_ERR_INTERNAL, &m->request_id, -1);
        return;
    }
    q->conn = c;
    q->rid = m->request_id;
    q->next = c->reqs;
    if (c->reqs)
        c->reqs->prev = q;
    c->reqs = q;
    if (b->ops->place(b, c->user_id, budget_key(conn_addr(c->wsi)), (uint32_t)m->x, (uint32_t)m->y, (int)m->color, place_done,
                      q) < 0) {
        q->conn = NULL;
        c->reqs = q->next;
        if (c->reqs)
            c->reqs->prev = NULL;
        free(q);
        send_error(c, PLACE_ERR_UNAVAILABLE, &m->request_id, -1);
    }
}

static void on_ping(place_server *srv, ws_conn *c, const place_msg_place *m)
{
    char buf[96];
    int n = place_fmt_pong(buf, sizeof buf, util_now_ms());
    if (n > 0)
        send_text(c, buf, (size_t)n);
}

typedef void (*msg_handler)(place_server *srv, ws_conn *c, const place_msg_place *m);

static const msg_handler handlers[] = {
    [PLACE_MSG_PLACE] = on_place,
    [PLACE_MSG_PING] = on_ping,
};

/* The flood limit, as a token bucket kept as one "theoretical arrival time" (GCRA): WS_MAX_MSGS
 * a second, with bursts of up to RATE_BURST_MS worth let through, because a busy server reads a
 * well-behaved client's messages in bunches. Returns 0 to go on, 1 if the message was refused
 * (and answered); a connection that keeps flooding is closed. */
static int flooded(ws_conn *c, const place_request_id *rid)
{
    int64_t now = util_now_ms();
    if (c->tat < now)
        c->tat = now;
    if (c->tat - now + RATE_INTERVAL_MS <= RATE_BURST_MS) {
        c->tat += RATE_INTERVAL_MS;
        c->refused = 0;
        return 0;
    }
    if (c->refused < UINT16_MAX)
        c->refused++;
    send_error(c, PLACE_ERR_RATE_LIMITED, rid, c->tat + RATE_INTERVAL_MS - RATE_BURST_MS - now);
    if (c->refused > FLOOD_CLOSE_REFUSED)
        close_after(c, LWS_CLOSE_STATUS_POLICY_VIOLATION);
    return 1;
}

static void on_message(place_server *srv, ws_conn *c, const char *in, size_t len);

static void on_receive(place_server *srv, ws_conn *c, const char *in, size_t len)
{
    if (c->close_code || c->close_sent)
        return;
    if (lws_frame_is_binary(c->wsi)) {
        send_error(c, PLACE_ERR_BINARY_NOT_ALLOWED, NULL, -1);
        close_after(c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE);
        return;
    }
    /* lws hands over a frame in pieces when it straddles a read; gather them (at most 1 KiB) */
    int final = lws_is_final_fragment(c->wsi);
    if (c->frag || !final) {
        if (!c->frag && !(c->frag = malloc(PLACE_MAX_TEXT_FRAME))) {
            close_after(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
            return;
        }
        if (c->frag_len + len + lws_remaining_packet_payload(c->wsi) > PLACE_MAX_TEXT_FRAME) {
            free(c->frag);
            c->frag = NULL;
            c->frag_len = 0;
            send_error(c, PLACE_ERR_TOO_LARGE, NULL, -1);
            close_after(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
            return;
        }
        memcpy(c->frag + c->frag_len, in, len);
        c->frag_len = (uint16_t)(c->frag_len + len);
        if (!final)
            return;
        on_message(srv, c, c->frag, c->frag_len);
        free(c->frag);
        c->frag = NULL;
        c->frag_len = 0;
        return;
    }
    if (len > PLACE_MAX_TEXT_FRAME) {
        send_error(c, PLACE_ERR_TOO_LARGE, NULL, -1);
        close_after(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
        return;
    }
    on_message(srv, c, in, len);
}

/* One whole text message. */
static void on_message(place_server *srv, ws_conn *c, const char *in, size_t len)
{
    place_msg_type type = PLACE_MSG_NONE;
    place_msg_place m;
    memset(&m, 0, sizeof m);
    place_err e = place_parse_client(in, len, &type, &m);
    if (flooded(c, &m.request_id))
        return;
    if (e == PLACE_ERR_NONE && ((size_t)type >= sizeof handlers / sizeof handlers[0] ||
                                !handlers[type]))
        e = PLACE_ERR_UNKNOWN_TYPE;
    if (e != PLACE_ERR_NONE) {
        send_error(c, e, &m.request_id, -1);
        if (e == PLACE_ERR_TOO_LARGE)
            close_after(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
        return;
    }
    handlers[type](srv, c, &m);
}

/* ---------------------------------------------------------------- connection life */

/* Refuses an upgrade with an HTTP error answer (429 carries Retry-After when retry_ms > 0). */
static int refuse_upgrade(struct lws *wsi, int status, place_err code, const char *message,
                          int64_t retry_ms)
{
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    unsigned char body[LWS_PRE + 256];
    char secs[24];
    int sn = snprintf(secs, sizeof secs, "%lld", (long long)((retry_ms + 999) / 1000));
    int n = place_fmt_rest_error((char *)body + LWS_PRE, sizeof body - LWS_PRE, code, message);
    if (n < 0 || lws_add_http_common_headers(wsi, (unsigned)status, "application/json",
                                             (lws_filepos_t)n, &p, end) ||
        (retry_ms > 0 &&
         lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
                                     (const unsigned char *)secs, sn, &p, end)) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                     &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_write(wsi, body + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_FINAL);
    return -1;
}

/* The upgrade request's Origin: none (native clients), the server's own (scheme + Host) or one
 * listed in --allowed-origin. A browser always sends it, so a page elsewhere cannot open a
 * socket with the player's cookie. Returns 1 if acceptable. */
static int origin_ok(place_server *srv, struct lws *wsi)
{
    char origin[256], host[256], own[300];
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
    if (n <= 0)
        return 1;
    if (n >= (int)sizeof origin || lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0)
        return 0;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0) {
        const char *scheme = strncmp(origin, "https://", 8) ? "http://" : "https://";
        snprintf(own, sizeof own, "%s%s", scheme, host);
        if (!strcasecmp(origin, own))
            return 1;
    }
    size_t len = strlen(origin);
    for (const char *p = srv->cfg.allowed_origin; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t item = strcspn(p, ", ");
        if (item && item == len && !strncasecmp(p, origin, len))
            return 1;
        p += item;
    }
    return 0;
}

static int on_filter(place_server *srv, ws_conn *c, struct lws *wsi)
{
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, WS_PATH) != 0)
        return -1;
    if (srv->shutting_down || !c)
        return -1;
    if (!origin_ok(srv, wsi))
        return refuse_upgrade(wsi, 403, PLACE_ERR_NOT_ALLOWED,
                              "This page's origin may not open a socket here (see --allowed-origin).",
                              0);
    /* counted with the connection at accept; one from a trusted proxy is counted here for the
     * address it forwards */
    int over;
    peer_of(&srv->proxies, wsi, c->addr);
    conn_attribute(wsi, c->addr, &over);
    if (over)
        return refuse_upgrade(wsi, 429, PLACE_ERR_TOO_MANY_CONNECTIONS, NULL, 0);
    backend_user u;
    int created;
    session_refusal why;
    if (session_resolve(srv, wsi, 1, c->addr, c->token, &u, &created, &why) < 0) {
        if (why.err == PLACE_ERR_BAD_REQUEST)
            return refuse_upgrade(wsi, 400, PLACE_ERR_BAD_REQUEST,
                                  "The session cookie cannot be read: log in again.", 0);
        if (why.err == PLACE_ERR_RATE_LIMITED)
            return refuse_upgrade(wsi, 429, PLACE_ERR_RATE_LIMITED,
                                  "Too many new players from your address; try again later.",
                                  why.retry_ms);
        if (why.err != PLACE_ERR_BANNED)
            return -1;
        /* a banned address gets no session, but may watch the canvas */
        c->viewer = 1;
        u.id[0] = 0;
        u.is_guest = 1;
    }
    memcpy(c->user_id, u.id, sizeof c->user_id);
    c->is_guest = (uint8_t)u.is_guest;
    c->new_session = (uint8_t)created;
    return 0;
}

static void on_established(place_server *srv, ws_conn *c, struct lws *wsi)
{
    ws_hub *h = srv->ws;
    /* The kernel's send buffer (--ws-sndbuf; Linux doubles it for its bookkeeping). Left alone,
     * Linux grows it to several MiB per socket, which hides a client that stopped reading from
     * the ring's limits for minutes while the kernel holds its backlog; capped, the backlog of a
     * slow client stays in the ring, where it is bounded and leads to resync or a drop. */
    int sndbuf = srv->cfg.ws_sndbuf * 1024;
    setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    conn_phase_set(wsi, CONN_WEBSOCKET);
    c->wsi = wsi;
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    h->count++;
    c->cursor = bcast_head(srv->bcast);
    c->established = 1;
    bcast_join(srv->bcast);
    char key[ONLINE_KEY_MAX];
    online_key(c->user_id, c->addr, key);
    c->counted = online_join(srv->online, key) == 0;

    backend *b = srv->store;
    backend_user u;
    backend_addr_ban ban;
    int addr_banned = bans_match(srv->bans, c->addr, c->is_guest, &ban);
    if (c->viewer && addr_banned) {
        view_banned_viewer(&ban, &u);
    } else if (c->viewer || !b || b->ops->user_get(b, c->user_id, &u) < 0) {
        close_after(c, LWS_CLOSE_STATUS_GOINGAWAY); /* a viewer whose ban ended meanwhile too */
        return;
    } else {
        if (b->ops->addr_seen)
            b->ops->addr_seen(b, c->user_id, budget_key(conn_addr(wsi)));
        if (!u.is_banned && addr_banned) {
            u.is_banned = 1;
            u.banned_until = ban.until;
            snprintf(u.ban_reason, sizeof u.ban_reason, "%s", ban.reason);
        }
    }
    static place_server_msg init; /* loop thread only; too big to want on the stack */
    memset(&init, 0, sizeof init);
    int64_t now = util_now_ms();
    snprintf(init.canvas_url, sizeof init.canvas_url, "%s", view_canvas_url(srv));
    init.cooldown_ms = u.next_placement > now ? u.next_placement - now : 0;
    init.next_placement = u.next_placement;
    view_canvas_info(srv, &init.info);
    init.seq = bcast_last_seq(srv->bcast);
    view_user(&u, &init.user);
    init.server_time = now;
    init.online = c->online_told = online_count(srv->online);
    live_view(srv, &init.settings);
    char buf[4096]; /* room for a ban reason and a freeze reason escaped at worst */
    int n = place_fmt_init(buf, sizeof buf, &init);
    if (n > 0)
        send_text(c, buf, (size_t)n);
    if (u.is_banned && (n = place_fmt_banned(buf, sizeof buf, u.ban_reason, u.banned_until)) > 0) {
        send_text(c, buf, (size_t)n);
        c->told_banned = 1;
    }
}

static void on_closed(place_server *srv, ws_conn *c)
{
    ws_hub *h = srv->ws;
    if (c->wsi) {
        if (h->round_next == c)
            h->round_next = c->next;
        if (c->prev)
            c->prev->next = c->next;
        else
            h->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        h->count--;
        bcast_leave(srv->bcast);
        if (c->counted) {
            char key[ONLINE_KEY_MAX];
            online_key(c->user_id, c->addr, key);
            online_leave(srv->online, key);
            c->counted = 0;
        }
        c->wsi = NULL;
    }
    while (c->q_head) {
        tmsg *m = c->q_head;
        c->q_head = m->next;
        free(m);
    }
    c->q_tail = NULL;
    free(c->frag);
    c->frag = NULL;
    for (place_req *q = c->reqs; q; q = q->next)
        q->conn = NULL; /* the store still answers; place_done frees it */
    c->reqs = NULL;
}

/* Sends a close frame with `code`, then waits (at most 3 s) for the peer's close frame, which
 * lws answers and then drops the connection. lws 4.1.6 sends no close frame of its own when a
 * writable callback asks to close, and closing the socket at once while the peer is still
 * sending makes the kernel reset it, losing our last answers: the peer would only see 1006. */
static int send_close(ws_conn *c, uint16_t code, const char *reason)
{
    struct lws *wsi = c->wsi;
    unsigned char buf[LWS_PRE + 64];
    size_t len = strlen(reason);
    buf[LWS_PRE] = (unsigned char)(code >> 8);
    buf[LWS_PRE + 1] = (unsigned char)(code & 0xff);
    memcpy(buf + LWS_PRE + 2, reason, len);
    if (lws_write(wsi, buf + LWS_PRE, len + 2, WS_WRITE_CLOSE) < 0)
        return -1;
    c->close_sent = 1;
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, 3);
    return 0;
}

/* c was skipped forward in the ring. Returns 1 if that is the second time within
 * --resync-drop-ms (drop it), else 0 with a resync due. */
static int fell_behind(ws_conn *c)
{
    if (bcast_core_lagging(&c->last_resync, util_now_ms(), server_of(c->wsi)->cfg.resync_drop_ms))
        return 1;
    c->resync_due = 1;
    return 0;
}

/* Writes what the ring holds for c, up to WRITES_PER_CALLBACK frames in all (`writes` already
 * made), or a resync if it fell behind. Returns -1 if the connection must be dropped now. */
static int deliver(ws_conn *c, int writes)
{
    struct lws *wsi = c->wsi;
    bcast *b = server_of(wsi)->bcast;
    while (writes < WRITES_PER_CALLBACK && !lws_partial_buffered(wsi)) {
        uint8_t *frame;
        size_t len;
        if (c->resync_due) {
            c->resync_due = 0;
            unsigned char buf[LWS_PRE + 128];
            int n = place_fmt_resync((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
                                     bcast_last_seq(b), c->resync_late ? "late" : "behind");
            c->resync_late = 0;
            if (n < 0 || lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < 0)
                return -1;
            writes++;
            continue;
        }
        int r = bcast_next(b, &c->cursor, &frame, &len);
        if (r == 0)
            break;
        if (r < 0) {
            if (fell_behind(c))
                return send_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow");
            continue;
        }
        if (lws_write(wsi, frame, len, LWS_WRITE_BINARY) < 0)
            return -1;
        writes++;
    }
    if (c->cursor < bcast_head(b) || c->resync_due)
        want_write(c);
    return 0;
}

static int on_writable(ws_conn *c)
{
    struct lws *wsi = c->wsi;
    if (c->close_sent)
        return 0;
    int writes = 0;
    while (c->q_head && writes < WRITES_PER_CALLBACK) {
        tmsg *m = c->q_head;
        c->q_head = m->next;
        if (!c->q_head)
            c->q_tail = NULL;
        c->q_len--;
        int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
        free(m);
        if (n < 0)
            return -1;
        writes++;
        if (lws_partial_buffered(wsi))
            break;
    }
    if (c->q_head) {
        want_write(c);
        return 0;
    }
    if (c->close_code) {
        if (c->reqs)
            return 0; /* placements the store took are answered first: their answers wake us */
        if (!writes)
            return send_close(c, c->close_code, c->close_reason ? c->close_reason : "closing");
        want_write(c); /* the close frame goes in a callback of its own */
        return 0;
    }
    return deliver(c, writes);
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    ws_conn *c = user;
    place_server *srv = server_of(wsi);
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return http_confirm_upgrade(in);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return on_filter(srv, c, wsi);
    case LWS_CALLBACK_ADD_HEADERS: {
        struct lws_process_html_args *args = in;
        char cookie[192];
        int n;
        if (c && c->new_session && (n = session_cookie(cookie, sizeof cookie, c->token)) > 0 &&
            lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:",
                                        (const unsigned char *)cookie, n,
                                        (unsigned char **)&args->p,
                                        (unsigned char *)args->p + args->max_len))
            return 1;
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED:
        on_established(srv, c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        on_receive(srv, c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c->wsi ? on_writable(c) : 0;
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (c)
            on_closed(srv, c);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocol = {
    .name = WS_PROTOCOL_NAME,
    .callback = ws_callback,
    .per_session_data_size = sizeof(ws_conn),
    .rx_buffer_size = PLACE_MAX_TEXT_FRAME,
    /* without this lws cuts every send() to rx_buffer_size (1 KiB) and buffers the rest */
    .tx_packet_size = WS_MAX_SEND,
};

const struct lws_protocols *ws_protocol(void)
{
    return &protocol;
}

/* Hands the newest frames to the next connections of the round, for ROUND_SLICE_NS (and at
 * most ROUND_CHUNK of them); the rest follow in later turns of the loop, so reading placements
 * and sending acks and inits goes on between slices: they wait for a slice, never a whole round.
 * Returns nonzero while the round (or one due after it) has connections left. */
static int round_step(void *arg)
{
    ws_hub *h = arg;
    uint64_t t0 = uv_hrtime();
    for (int n = 0; h->round_next && n < ROUND_CHUNK; n++) {
        if ((n & 31) == 31 && uv_hrtime() - t0 >= ROUND_SLICE_NS)
            break;
        ws_conn *c = h->round_next;
        h->round_next = c->next;
        if (c->q_head || !can_write_now(c)) {
            /* a socket that has not taken its last write yet is not reading: once it is too
             * far behind it is skipped forward (resync when it can be written again), and
             * dropped if that happens twice, though it cannot be written to */
            if (c->wsi && lws_partial_buffered(c->wsi) &&
                bcast_skip_if_behind(server_of(c->wsi)->bcast, &c->cursor) && fell_behind(c)) {
                lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
                continue;
            }
            want_write(c);
            continue;
        }
        if (deliver(c, 0) < 0)
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    }
    if (!h->round_next && h->round_again) {
        h->round_again = 0;
        h->round_next = h->conns;
    }
    return h->round_next != NULL;
}

void ws_on_frame(void *hub)
{
    ws_hub *h = hub;
    if (h->round_next) {
        h->round_again = 1; /* finish this round first, so nobody at the tail starves */
        return;
    }
    h->round_next = h->conns;
    if (round_step(h))
        slices_start(&h->round);
}

ws_hub *ws_new(uv_loop_t *loop)
{
    ws_hub *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (slices_init(&h->round, loop, round_step, h) < 0) {
        free(h);
        return NULL;
    }
    return h;
}

void ws_close(ws_hub *h)
{
    if (!h)
        return;
    slices_close(&h->round);
    h->round_next = NULL;
}

void ws_free(ws_hub *h)
{
    free(h);
}

/* Tells c it is banned (reason, until) and closes it at once. */
static void ban_conn(ws_conn *c, const char *reason, int64_t until)
{
    char buf[VIEW_USER_MAX];
    int n = place_fmt_banned(buf, sizeof buf, reason, until);
    if (n > 0)
        send_text(c, buf, (size_t)n);
    c->told_banned = 1;
    close_with(c, WS_CLOSE_BANNED, "banned");
}

void ws_on_banned(void *arg, const char *user_id)
{
    place_server *srv = arg;
    ws_hub *h = srv->ws;
    backend *b = srv->store;
    backend_user u;
    int known = b && b->ops->user_get(b, user_id, &u) == 0 && u.is_banned;
    for (ws_conn *c = h->conns; c; c = c->next)
        if (!c->viewer && !c->close_code && !c->close_sent && !strcmp(c->user_id, user_id))
            ban_conn(c, known ? u.ban_reason : "", known ? u.banned_until : 0);
}

void ws_on_unbanned(void *srv, const char *user_id)
{
    place_server *s = srv;
    ws_hub *h = s->ws;
    for (ws_conn *c = h->conns; c; c = c->next)
        if (!c->viewer && c->told_banned && !c->close_code && !c->close_sent &&
            !strcmp(c->user_id, user_id) && !bans_match(s->bans, c->addr, c->is_guest, NULL))
            close_with(c, LWS_CLOSE_STATUS_GOINGAWAY, "unbanned");
}

void ws_on_session_ended(void *srv, const char *token)
{
    ws_hub *h = ((place_server *)srv)->ws;
    for (ws_conn *c = h->conns; c; c = c->next)
        if (!c->viewer && !c->close_code && !c->close_sent && !strcmp(c->token, token))
            close_with(c, WS_CLOSE_SESSION_ENDED, "session ended");
}

void ws_on_addr_bans(void *srv, const backend_addr_ban *bans, size_t n)
{
    place_server *s = srv;
    ws_hub *h = s->ws;
    if (bans_replace(s->bans, bans, n) < 0)
        return;
    for (ws_conn *c = h->conns; c; c = c->next) {
        if (c->close_code || c->close_sent)
            continue;
        backend_addr_ban ban;
        backend_user u;
        int banned = bans_match(s->bans, c->addr, c->is_guest, &ban);
        if (c->viewer && !banned)
            close_with(c, LWS_CLOSE_STATUS_GOINGAWAY, "unbanned"); /* back as a player */
        else if (!c->viewer && !banned && c->told_banned && s->store &&
                 s->store->ops->user_get(s->store, c->user_id, &u) == 0 && !u.is_banned)
            close_with(c, LWS_CLOSE_STATUS_GOINGAWAY, "unbanned"); /* its address was the ban */
        else if (!c->viewer && banned && !c->told_banned)
            ban_conn(c, ban.reason, ban.until);
    }
}

void ws_tell_online(void *srv, uint32_t count)
{
    ws_hub *h = ((place_server *)srv)->ws;
    char buf[64];
    int n = place_fmt_online(buf, sizeof buf, count);
    if (n <= 0)
        return;
    for (ws_conn *c = h->conns; c; c = c->next) {
        if (c->online_told == count || c->close_code || c->close_sent)
            continue;
        c->online_told = count;
        send_text(c, buf, (size_t)n);
    }
}

void ws_send_all(ws_hub *h, const char *text, size_t len)
{
    for (ws_conn *c = h->conns; c; c = c->next)
        if (!c->close_code && !c->close_sent)
            send_text(c, text, len);
}

size_t ws_count(const ws_hub *h)
{
    return h->count;
}

void ws_resync_all(ws_hub *h)
{
    for (ws_conn *c = h->conns; c; c = c->next) {
        if (!c->resync_due)
            c->resync_late = 1;
        c->resync_due = 1;
        want_write(c);
    }
}

size_t ws_pending(const ws_hub *h)
{
    size_t n = 0;
    for (ws_conn *c = h->conns; c; c = c->next)
        n += c->q_head != NULL ||
             (c->cursor < bcast_head(server_of(c->wsi)->bcast) && !c->close_sent);
    return n;
}

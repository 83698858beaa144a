/* One place-load worker: a slice of the connections on one epoll loop (see load.h).
 *
 * The WebSocket client is the least a load generator needs: an HTTP/1.1 upgrade request, the
 * 101 status line, and a parser for the server's unmasked frames. Reads are level-triggered with
 * one read per readiness into a worker-wide buffer, so a connection keeps only the tail of a
 * frame that did not arrive whole. */
#include "load.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define RX_SCRATCH (1u << 20) /* one read's buffer; a frame longer than this is refused */
#define MAX_EVENTS 512
#define MAX_LOG 5             /* complaints one worker prints before going quiet */

enum conn_state { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_OPEN, C_DONE };

typedef struct conn {
    int fd;
    uint32_t id;      /* index over the whole run */
    uint8_t state;
    uint8_t placer;
    uint8_t measure;  /* computes placement->visible for the records it receives */
    uint8_t have_seq; /* last_seq is known (from init, a batch or resync) */
    uint64_t last_seq;
    uint8_t *rx;      /* bytes kept from the previous read: an incomplete header or frame */
    uint32_t rx_len;
    uint8_t *tx;      /* bytes the kernel did not take yet */
    uint32_t tx_len;
} conn;

#define FRAME_MEMOS 64 /* distinct batch frames remembered per worker */

typedef struct frame_memo {
    int used;
    int ok; /* place_batch_parse accepted the frame */
    uint64_t prev_seq, last_seq;
    uint32_t count;
    uint32_t pixels; /* its pixel records */
    uint32_t n, cap;
    int64_t *sent; /* send times of the records that belong to the window */
} frame_memo;

static struct {
    const load_opts *o;
    load_shared *sh;
    load_stats *st;
    int id, nworkers;
    int ep;
    conn *conns;
    uint32_t n;        /* connections of this worker */
    uint32_t next;     /* next one to connect */
    uint32_t inflight; /* connects + handshakes under way */
    uint32_t *placers; /* indexes into conns */
    uint32_t nplacers, rr;
    uint64_t wh;       /* width * height */
    uint64_t placed_n; /* placements this worker made */
    int logged;
    uint8_t *scratch;
    frame_memo memo[FRAME_MEMOS];
    struct sockaddr_in src[LOAD_MAX_SRC];
} W;

int64_t load_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static void complain(const char *fmt, const char *what, long v)
{
    if (W.logged++ >= MAX_LOG)
        return;
    fprintf(stderr, "place-load: worker %d: ", W.id);
    fprintf(stderr, fmt, what, v);
    fputc('\n', stderr);
}

static int in_window(int64_t t)
{
    return t >= W.sh->measure_start_us && t < W.sh->measure_end_us;
}

/* ---------------------------------------------------------------- connection life */

static void conn_close(conn *c, const char *why)
{
    if (c->state == C_DONE || c->state == C_IDLE)
        return;
    if (c->state == C_OPEN) {
        W.st->conns_open--;
        if (W.sh->phase < PHASE_EXIT) {
            W.st->conns_dropped++;
            complain("connection dropped: %s (%ld)", why, (long)c->id);
        }
    } else {
        W.inflight--;
        W.st->conns_failed++;
        complain("connection failed: %s (%ld)", why, (long)c->id);
    }
    close(c->fd);
    c->fd = -1;
    c->state = C_DONE;
    free(c->rx);
    free(c->tx);
    c->rx = c->tx = NULL;
    c->rx_len = c->tx_len = 0;
}

static void start_connect(conn *c)
{
    const load_opts *o = W.o;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        c->state = C_DONE;
        W.st->conns_failed++;
        complain("socket: %s (%ld)", strerror(errno), (long)c->id);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const struct sockaddr_in *src = &W.src[c->id % (uint32_t)o->nsrc];
    c->fd = fd;
    c->state = C_CONNECTING;
    W.inflight++;
    if (bind(fd, (const struct sockaddr *)src, sizeof *src) < 0) {
        conn_close(c, strerror(errno));
        return;
    }
    const struct sockaddr_in *dst = &o->server[c->id % (uint32_t)o->nservers];
    if (connect(fd, (const struct sockaddr *)dst, sizeof *dst) < 0 &&
        errno != EINPROGRESS) {
        conn_close(c, strerror(errno));
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)(c - W.conns)};
    if (epoll_ctl(W.ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        conn_close(c, strerror(errno));
}

/* Sends what fits and keeps the rest for EPOLLOUT. Returns 0, or -1 when the connection died. */
static int conn_send(conn *c, const uint8_t *buf, size_t len)
{
    if (c->tx_len) { /* keep the order: queue behind what is waiting */
        uint8_t *t = realloc(c->tx, c->tx_len + len);
        if (!t)
            return -1;
        memcpy(t + c->tx_len, buf, len);
        c->tx = t;
        c->tx_len += (uint32_t)len;
        return 0;
    }
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        conn_close(c, strerror(errno));
        return -1;
    }
    if (n < 0)
        n = 0;
    if ((size_t)n == len)
        return 0;
    c->tx = malloc(len - (size_t)n);
    if (!c->tx) {
        conn_close(c, "out of memory");
        return -1;
    }
    memcpy(c->tx, buf + n, len - (size_t)n);
    c->tx_len = (uint32_t)(len - (size_t)n);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)(c - W.conns)};
    epoll_ctl(W.ep, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

static void flush_tx(conn *c)
{
    ssize_t n = send(c->fd, c->tx, c->tx_len, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        conn_close(c, strerror(errno));
        return;
    }
    if (n > 0) {
        memmove(c->tx, c->tx + n, c->tx_len - (size_t)n);
        c->tx_len -= (uint32_t)n;
    }
    if (!c->tx_len) {
        free(c->tx);
        c->tx = NULL;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(c - W.conns)};
        epoll_ctl(W.ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
}

/* The upgrade request. The key is fixed: the server's answer is checked by its status line
 * only, which is all a load generator needs to know. */
static void send_upgrade(conn *c)
{
    char req[512];
    char auth[128] = "";
    if (W.o->token)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", W.o->token);
    int n = snprintf(req, sizeof req,
                     "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: cGxhY2UtbG9hZC1iZW5jaA==\r\nSec-WebSocket-Version: 13\r\n"
                     "%s\r\n",
                     W.o->host_header[c->id % (uint32_t)W.o->nservers], auth);
    c->state = C_HANDSHAKE;
    if (conn_send(c, (const uint8_t *)req, (size_t)n) == 0 && !c->tx_len) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(c - W.conns)};
        epoll_ctl(W.ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
}

/* Sends one masked frame (client frames must be masked; any key will do, the server unmasks). */
static int send_frame(conn *c, int opcode, const uint8_t *payload, size_t len)
{
    uint8_t buf[8 + PLACE_MAX_TEXT_FRAME];
    static const uint8_t key[4] = {0x5a, 0x13, 0xc7, 0x2e};
    if (len > 125)
        return -1;
    buf[0] = (uint8_t)(0x80 | opcode);
    buf[1] = (uint8_t)(0x80 | len);
    memcpy(buf + 2, key, 4);
    for (size_t i = 0; i < len; i++)
        buf[6 + i] = payload[i] ^ key[i & 3];
    return conn_send(c, buf, 6 + len);
}

/* ---------------------------------------------------------------- placements */

/* The pixel of placement k: a fixed odd prime multiplier (neither 2 nor 5, the only prime
 * factors a canvas side like 2000 brings) permutes 0..wh-1 whenever it shares no factor with wh,
 * so placements scatter over the canvas as players' do, yet (x, y) still names k. Canvas sizes
 * with the factor 2654435761 are not a concern. */
static uint64_t load_slot(uint64_t k, uint64_t wh)
{
    return (k % wh) * 2654435761ull % wh;
}

static void place_one(int64_t now)
{
    conn *c = NULL;
    for (uint32_t tries = 0; tries < W.nplacers; tries++) {
        conn *t = &W.conns[W.placers[W.rr++ % W.nplacers]];
        if (t->state == C_OPEN && !t->tx_len) {
            c = t;
            break;
        }
    }
    int counted = in_window(now);
    if (!c) {
        W.st->place_unsent += counted;
        return;
    }
    uint64_t k = W.o->first + W.placed_n++ * (uint64_t)W.nworkers + (uint64_t)W.id;
    uint64_t slot = load_slot(k, W.wh);
    place_request_id rid = {.is_number = 1};
    snprintf(rid.text, sizeof rid.text, "%llu", (unsigned long long)k);
    char msg[160];
    int n = place_fmt_place(msg, sizeof msg, (int)(slot % W.o->width), (int)(slot / W.o->width),
                            (int)((k * 0x9E3779B97F4A7C15ull) >> 60), &rid);
    if (n < 0)
        return;
    W.sh->acked_seq[slot] = 0;
    W.sh->sent_us[slot] = now;
    if (send_frame(c, 0x1, (const uint8_t *)msg, (size_t)n) == 0)
        W.st->place_sent += counted;
}

static void on_placed(uint64_t k, uint64_t seq)
{
    uint64_t slot = load_slot(k, W.wh);
    int64_t t = W.sh->sent_us[slot];
    W.sh->acked_seq[slot] = seq;
    if (in_window(t)) {
        W.st->place_acked++;
        hist_add(&W.st->ack, load_now_us() - t);
    }
}

/* ---------------------------------------------------------------- receiving */

/* Reads an unsigned integer after `key` in a JSON text we trust to be the server's. */
static int json_u64(const char *s, size_t len, const char *key, uint64_t *out)
{
    const char *p = memmem(s, len, key, strlen(key));
    if (!p)
        return -1;
    p += strlen(key);
    while (p < s + len && *p == ' ')
        p++;
    if (p >= s + len || *p < '0' || *p > '9')
        return -1;
    uint64_t v = 0;
    while (p < s + len && *p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    *out = v;
    return 0;
}

static void on_text(conn *c, const char *s, size_t len)
{
    static const char placed[] = "{\"type\":\"placed\"";
    uint64_t k, seq;
    if (in_window(load_now_us()))
        W.st->rx_text++;
    /* the common case first, without building a parse tree: placed arrives thousands a second */
    if (len > sizeof placed && !memcmp(s, placed, sizeof placed - 1) &&
        json_u64(s, len, "\"requestId\":", &k) == 0 && json_u64(s, len, "\"seq\":", &seq) == 0) {
        on_placed(k, seq);
        return;
    }
    static place_server_msg m;
    if (place_parse_server(s, len, &m) < 0) {
        W.st->proto_errors++;
        complain("unparsable text frame%s (%ld)", "", (long)len);
        return;
    }
    switch (m.type) {
    case PLACE_MSG_INIT:
        c->last_seq = m.seq;
        c->have_seq = 1;
        break;
    case PLACE_MSG_PLACED:
        if (m.request_id.is_number)
            on_placed(strtoull(m.request_id.text, NULL, 10), m.seq);
        break;
    case PLACE_MSG_ERROR:
        if (m.code < PLACE_ERR_COUNT_)
            W.st->err_by_code[m.code]++;
        if (m.request_id.text[0] && m.request_id.is_number &&
            in_window(W.sh->sent_us[load_slot(strtoull(m.request_id.text, NULL, 10), W.wh)]))
            W.st->place_errors++;
        complain("server error %s (%ld)", place_err_code(m.code), (long)c->id);
        break;
    case PLACE_MSG_RESYNC:
        W.st->resyncs++;
        c->last_seq = m.seq;
        c->have_seq = 1;
        break;
    default:
        break;
    }
}

/* A batch's records checked and their send times worked out once per distinct frame: every
 * connection gets the same bytes, and walking the records, let alone looking each one up in the
 * shared arrays (scattered pixels, so a cache miss each), for each of thousands of connections
 * would cost the load generator more than the server spends sending. Malformed records, unmatched
 * records and seq mismatches are therefore found once per distinct frame, not per connection. */
static const frame_memo *memo_for(const uint8_t *p, size_t len, const place_batch_header *h)
{
    frame_memo *m = &W.memo[(h->last_seq ^ (h->prev_seq * 31)) % FRAME_MEMOS];
    if (m->used && m->prev_seq == h->prev_seq && m->last_seq == h->last_seq &&
        m->count == h->count)
        return m;
    m->used = 1;
    m->prev_seq = h->prev_seq;
    m->last_seq = h->last_seq;
    m->count = h->count;
    m->n = 0;
    place_batch_header full;
    m->ok = place_batch_parse(p, len, &full) == 0;
    m->pixels = m->ok ? full.pixels : 0;
    if (!m->ok)
        return m;
    if (m->pixels > m->cap) {
        int64_t *t = realloc(m->sent, m->pixels * sizeof *t);
        if (!t) {
            m->used = 0; /* nothing measured for this frame; the next copy tries again */
            return m;
        }
        m->sent = t;
        m->cap = m->pixels;
    }
    const uint64_t width = W.o->width;
    place_batch_iter it;
    place_batch_iter_init(&it, p, &full);
    place_pixel px;
    while (place_batch_next(&it, &px) > 0) {
        uint64_t slot = ((uint64_t)px.y * width + px.x) % W.wh;
        int64_t t = W.sh->sent_us[slot];
        if (!in_window(t)) {
            /* a placement from before the window is expected; one we never sent is not */
            W.st->vis_unmatched += t == 0;
            continue;
        }
        m->sent[m->n++] = t;
        uint64_t seq = W.sh->acked_seq[slot];
        if (seq && seq != px.seq)
            W.st->seq_mismatch++;
    }
    return m;
}

static void on_batch(conn *c, const uint8_t *p, size_t len, int64_t now)
{
    place_batch_header h;
    if (place_batch_parse_header(p, len, &h) < 0) {
        W.st->proto_errors++;
        return;
    }
    const frame_memo *m = memo_for(p, len, &h);
    if (!m->ok) {
        W.st->proto_errors++;
        return;
    }
    int counting = in_window(now);
    if (c->have_seq && h.prev_seq != c->last_seq)
        W.st->seq_gaps++;
    c->last_seq = h.last_seq;
    c->have_seq = 1;
    if (counting) {
        W.st->rx_batches++;
        W.st->rx_records += m->pixels;
    }
    if (!c->measure)
        return;
    for (uint32_t i = 0; i < m->n; i++)
        hist_add(&W.st->visible, now - m->sent[i]);
}

/* Consumes whole frames from p; returns how many bytes were used, or -1 to drop the connection. */
static long parse_frames(conn *c, uint8_t *p, size_t len, int64_t now)
{
    size_t pos = 0;
    while (len - pos >= 2) {
        uint8_t b0 = p[pos], b1 = p[pos + 1];
        size_t hdr = 2;
        uint64_t plen = b1 & 0x7f;
        if (b1 & 0x80)
            return -1; /* a server never masks */
        if (plen == 126) {
            if (len - pos < 4)
                break;
            plen = (uint64_t)p[pos + 2] << 8 | p[pos + 3];
            hdr = 4;
        } else if (plen == 127) {
            if (len - pos < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | p[pos + 2 + i];
            hdr = 10;
        }
        if (plen > RX_SCRATCH / 2)
            return -1;
        if (len - pos < hdr + plen)
            break;
        uint8_t *pl = p + pos + hdr;
        int op = b0 & 0x0f;
        W.st->rx_frames += in_window(now);
        if (!(b0 & 0x80) || op == 0) {
            W.st->proto_errors++; /* placed sends every message as one frame */
        } else if (op == 0x1) {
            on_text(c, (const char *)pl, (size_t)plen);
        } else if (op == 0x2) {
            on_batch(c, pl, (size_t)plen, now);
        } else if (op == 0x8) {
            long code = plen >= 2 ? (long)(pl[0] << 8 | pl[1]) : 0;
            complain("server closed with %s %ld", "code", code);
            return -1;
        } else if (op == 0x9) {
            if (send_frame(c, 0xA, pl, (size_t)plen) < 0)
                return -1;
        }
        pos += hdr + (size_t)plen;
        if (c->state != C_OPEN)
            return -1;
    }
    return (long)pos;
}

/* Handles the 101 answer; returns bytes used, 0 if incomplete, -1 if refused. */
static long parse_upgrade(conn *c, uint8_t *p, size_t len)
{
    uint8_t *end = memmem(p, len, "\r\n\r\n", 4);
    if (!end)
        return len > 8192 ? -1 : 0;
    if (len < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0) {
        if (len >= 12 && !memcmp(p + 9, "429", 3))
            W.st->conns_refused_429++;
        return -1;
    }
    c->state = C_OPEN;
    W.inflight--;
    W.st->conns_established++;
    W.st->conns_open++;
    return (long)(end + 4 - p);
}

static void on_readable(conn *c, int64_t now)
{
    uint32_t keep = c->rx_len;
    if (keep)
        memcpy(W.scratch, c->rx, keep);
    ssize_t n = read(c->fd, W.scratch + keep, RX_SCRATCH - keep);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(c, n == 0 ? "closed by the server" : strerror(errno));
        return;
    }
    if (n < 0)
        return;
    if (in_window(now))
        W.st->rx_bytes += (uint64_t)n;
    size_t len = keep + (size_t)n, pos = 0;
    if (c->state == C_HANDSHAKE) {
        long used = parse_upgrade(c, W.scratch, len);
        if (used < 0) {
            conn_close(c, "upgrade refused");
            return;
        }
        pos = (size_t)used;
    }
    if (c->state == C_OPEN && pos < len) {
        long used = parse_frames(c, W.scratch + pos, len - pos, now);
        if (used < 0) {
            conn_close(c, "protocol");
            return;
        }
        pos += (size_t)used;
    }
    size_t left = len - pos;
    if (left >= RX_SCRATCH / 2) {
        conn_close(c, "frame too large");
        return;
    }
    if (left > c->rx_len || !c->rx) {
        uint8_t *r = realloc(c->rx, left ? left : 1);
        if (!r) {
            conn_close(c, "out of memory");
            return;
        }
        c->rx = r;
    }
    memcpy(c->rx, W.scratch + pos, left);
    c->rx_len = (uint32_t)left;
    if (!left) {
        free(c->rx);
        c->rx = NULL;
    }
}

static void on_event(conn *c, uint32_t events, int64_t now)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            conn_close(c, strerror(err));
            return;
        }
        if (events & EPOLLOUT)
            send_upgrade(c);
        return;
    }
    if ((events & EPOLLOUT) && c->tx_len) {
        flush_tx(c);
        if (c->state == C_DONE)
            return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        on_readable(c, now);
}

/* ---------------------------------------------------------------- the loop */

static int setup(const load_opts *o, load_shared *sh, int id, int nworkers)
{
    W.o = o;
    W.sh = sh;
    W.st = &sh->w[id];
    W.id = id;
    W.nworkers = nworkers;
    W.wh = (uint64_t)o->width * o->height;
    uint32_t total = (uint32_t)(o->viewers + o->placers);
    W.n = total / (uint32_t)nworkers + ((uint32_t)id < total % (uint32_t)nworkers);
    W.conns = calloc(W.n ? W.n : 1, sizeof *W.conns);
    W.placers = calloc(W.n ? W.n : 1, sizeof *W.placers);
    W.scratch = malloc(RX_SCRATCH);
    W.ep = epoll_create1(EPOLL_CLOEXEC);
    if (!W.conns || !W.placers || !W.scratch || W.ep < 0)
        return -1;
    for (uint32_t i = 0; i < W.n; i++) {
        conn *c = &W.conns[i];
        c->fd = -1;
        c->id = i * (uint32_t)nworkers + (uint32_t)id;
        /* placers first in the global order, so they spread over the workers evenly */
        c->placer = c->id < (uint32_t)o->placers;
        c->measure = o->sample <= 1 || c->id % (uint32_t)o->sample == 0;
        if (c->placer)
            W.placers[W.nplacers++] = i;
    }
    for (int s = 0; s < o->nsrc; s++) {
        W.src[s].sin_family = AF_INET;
        W.src[s].sin_addr.s_addr = htonl((127u << 24) | (1u << 16) | (uint32_t)(1 + s));
    }
    return 0;
}

int load_worker_run(const load_opts *o, load_shared *sh, int id, int nworkers)
{
    if (setup(o, sh, id, nworkers) < 0) {
        fprintf(stderr, "place-load: worker %d: out of memory\n", id);
        return 1;
    }
    /* this worker's share of the rate, in proportion to its placers */
    double rate = o->placers ? o->rate * W.nplacers / o->placers : 0;
    double interval = rate > 0 ? 1e6 / rate : 0;
    double next_due = 0;
    int64_t cpu_start = 0;
    int cpu_state = 0; /* 0: window not begun, 1: in it, 2: measured */
    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int phase = sh->phase;
        int64_t now = load_now_us();
        if (phase == PHASE_EXIT)
            break;
        if (phase == PHASE_RUN && cpu_state == 0 && now >= sh->measure_start_us) {
            cpu_start = cpu_us();
            cpu_state = 1;
        }
        if (cpu_state == 1 && now >= sh->measure_end_us) {
            W.st->cpu_us = (uint64_t)(cpu_us() - cpu_start);
            cpu_state = 2;
        }
        while (W.next < W.n && W.inflight < (uint32_t)o->inflight)
            start_connect(&W.conns[W.next++]);

        int timeout = W.inflight ? 5 : 50;
        if (interval > 0 && phase == PHASE_RUN && now < sh->measure_end_us) {
            if (next_due == 0)
                next_due = (double)now + interval * (double)id / nworkers;
            /* open loop: behind by more than a second, the missed sends are counted and skipped */
            if ((double)now - next_due > 1e6) {
                uint64_t missed = (uint64_t)(((double)now - next_due) / interval);
                W.st->place_unsent += in_window(now) ? missed : 0;
                next_due += (double)missed * interval;
            }
            while ((double)now >= next_due && now < sh->measure_end_us) {
                place_one(now);
                next_due += interval;
            }
            int wait = (int)((next_due - (double)now) / 1000.0);
            timeout = wait < timeout ? wait : timeout;
        } else if (cpu_state == 1) {
            int wait = (int)((sh->measure_end_us - now) / 1000) + 1;
            timeout = wait < timeout ? wait : timeout;
        }
        int n = epoll_wait(W.ep, evs, MAX_EVENTS, timeout);
        if (n < 0 && errno != EINTR)
            break;
        now = load_now_us();
        for (int i = 0; i < n; i++) {
            conn *c = &W.conns[evs[i].data.u64];
            if (c->state != C_DONE && c->state != C_IDLE)
                on_event(c, evs[i].events, now);
        }
    }
    if (cpu_state == 1)
        W.st->cpu_us = (uint64_t)(cpu_us() - cpu_start);
    for (uint32_t i = 0; i < W.n; i++)
        if (W.conns[i].fd >= 0)
            close(W.conns[i].fd);
    return 0;
}

/* Connection records, budgets at accept and the request and response deadlines (see conn.h). */
#include "conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <uthash.h>

#include "peer.h"
#include "util.h"

typedef struct conn_rec {
    struct conn_rec *prev, *next; /* on the deadline list while deadline is set */
    struct lws *wsi;
    budget_addr *addr; /* NULL: not counted per address (yet) */
    int64_t since;     /* when the current request began arriving (0: not yet known) */
    int64_t deadline;  /* util_mono_ms; 0: none */
    uint8_t phase;
    uint8_t proxied; /* from a trusted proxy: counted for the address its requests name */
    uint32_t answered; /* requests answered on it so far */
    UT_hash_handle hh; /* in the table's by_wsi, keyed by the wsi pointer */
} conn_rec;

struct conn_table {
    /* what conn_admit decided for the socket lws is about to make a wsi for (conn_created) */
    struct {
        int set;
        uint8_t proxied;
        char key[PEER_ADDR_MAX];
    } pending;
    place_server *srv;
    conn_rec *timed; /* records with a deadline */
    conn_rec *by_wsi; /* every record: lws 4.1.6 overwrites a new wsi's opaque user data after
                         WSI_CREATE, so the record is found by its wsi here instead */
    size_t count, cap;
    int64_t request_ms, response_ms;
    uv_timer_t sweep;
    int sweep_open;
};

static conn_table *table_of(struct lws *wsi)
{
    return ((place_server *)lws_context_user(lws_get_context(wsi)))->conns;
}

static conn_rec *rec_in(conn_table *cn, struct lws *wsi)
{
    conn_rec *c;
    HASH_FIND_PTR(cn->by_wsi, &wsi, c);
    return c;
}

static void unlink_timed(conn_table *cn, conn_rec *c)
{
    if (!c->deadline)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        cn->timed = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->deadline = 0;
}

static void set_deadline(conn_table *cn, conn_rec *c, int64_t deadline)
{
    unlink_timed(cn, c);
    if (!deadline)
        return;
    c->deadline = deadline;
    c->next = cn->timed;
    if (cn->timed)
        cn->timed->prev = c;
    cn->timed = c;
}

static void on_sweep(uv_timer_t *t)
{
    conn_table *cn = t->data;
    int64_t now = util_mono_ms();
    conn_rec *c = cn->timed;
    while (c) {
        conn_rec *next = c->next;
        /* kept on the list until it is gone: lws restarts a connection's timeout when body
         * bytes arrive, which can undo a kill asked for before lws got to it */
        if (c->deadline <= now)
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        c = next;
    }
}

conn_table *conn_new(place_server *srv)
{
    const place_config *cfg = &srv->cfg;
    conn_table *cn = calloc(1, sizeof *cn);
    if (!cn)
        return NULL;
    cn->srv = srv;
    cn->request_ms = (int64_t)cfg->request_timeout * 1000;
    cn->response_ms = (int64_t)cfg->response_timeout * 1000;
    struct rlimit rl;
    size_t fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                     ? (size_t)rl.rlim_cur
                     : 1024;
    size_t room = fds > 2 * CONN_FD_RESERVE ? fds - CONN_FD_RESERVE : fds / 2;
    cn->cap = cfg->max_conns > 0 && (size_t)cfg->max_conns < room ? (size_t)cfg->max_conns : room;
    budget_set_limit(srv->budgets, BUDGET_CONNS, (size_t)cfg->max_conns_per_ip);
    if (uv_timer_init(srv->loop, &cn->sweep) < 0) {
        free(cn);
        return NULL;
    }
    cn->sweep.data = cn;
    cn->sweep_open = 1;
    /* a repeating timer started on a loop that has not failed cannot fail to start */
    uv_timer_start(&cn->sweep, on_sweep, CONN_SWEEP_MS, CONN_SWEEP_MS);
    return cn;
}

void conn_close(conn_table *cn)
{
    if (cn && cn->sweep_open) {
        uv_timer_stop(&cn->sweep);
        uv_close((uv_handle_t *)&cn->sweep, NULL);
        cn->sweep_open = 0;
    }
}

void conn_free(conn_table *cn)
{
    if (!cn)
        return;
    conn_rec *c, *tmp;
    HASH_ITER(hh, cn->by_wsi, c, tmp) {
        HASH_DEL(cn->by_wsi, c);
        if (c->addr) {
            budget_give(c->addr, BUDGET_CONNS, 1);
            budget_unref(c->addr);
        }
        free(c);
    }
    free(cn);
}

/* Writes a canned HTTP answer on a socket lws has not taken yet, after reading what the client
 * already sent (so that closing does not reset the connection before the answer is read). */
static void refuse_raw(int fd, int status, const char *reason, const char *code,
                       const char *message, const char *extra)
{
    char drain[4096];
    for (int i = 0; i < 4 && recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0; i++)
        ;
    char body[256], out[640];
    int b = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\"}", code, message);
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     "%sConnection: close\r\n\r\n%s",
                     status, reason, b, extra, body);
    if (b > 0 && n > 0 && (size_t)n < sizeof out && send(fd, out, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
        shutdown(fd, SHUT_WR);
}

static void refuse_full(int fd)
{
    refuse_raw(fd, 503, "Service Unavailable", "UNAVAILABLE",
               "The server has too many connections; try again in a moment.",
               "Retry-After: 5\r\n");
}

static void refuse_address(int fd)
{
    refuse_raw(fd, 429, "Too Many Requests", "TOO_MANY_CONNECTIONS",
               place_err_message(PLACE_ERR_TOO_MANY_CONNECTIONS), "");
}

/* The normalised text of a socket address; "" if it is not IPv4 or IPv6. */
static void sockaddr_text(const struct sockaddr_storage *ss, char out[PEER_ADDR_MAX])
{
    char raw[PEER_ADDR_MAX] = "";
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, raw, sizeof raw);
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, raw, sizeof raw);
    if (peer_normalise(raw, out) < 0)
        out[0] = '\0';
}

int conn_admit(conn_table *cn, int fd, const struct sockaddr_storage *peer)
{
    cn->pending.set = 0;
    if (cn->count >= cn->cap) {
        refuse_full(fd);
        return -1;
    }
    char addr[PEER_ADDR_MAX], key[PEER_ADDR_MAX] = "";
    sockaddr_text(peer, addr);
    int proxied = !addr[0] || peer_is_trusted(&cn->srv->proxies, addr);
    if (!proxied) {
        peer_bucket(addr, key);
        if (!budget_fits(cn->srv->budgets, key, BUDGET_CONNS, 1)) {
            refuse_address(fd);
            return -1;
        }
    }
    /* Left alone, Linux lets a send buffer grow to 4 MiB: a client that never reads would park a
     * whole snapshot in kernel memory per connection. Capped, what it does not read stays in
     * placed, where --max-unread-per-ip and --response-timeout bound it. (WebSockets cap theirs
     * lower once upgraded.) */
    int sndbuf = CONN_SNDBUF;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    cn->pending.set = 1;
    cn->pending.proxied = (uint8_t)proxied;
    memcpy(cn->pending.key, key, sizeof key);
    return 0;
}

int conn_filter(struct lws *wsi, const struct lws_filter_network_conn_args *args)
{
    return conn_admit(table_of(wsi), (int)args->accept_fd, &args->cli_addr);
}

void conn_created(struct lws *wsi)
{
    conn_table *cn = table_of(wsi);
    if (!cn->pending.set)
        return; /* not an accepted connection (the listening socket itself) */
    cn->pending.set = 0;
    conn_gone(wsi); /* a record left by a wsi whose destroy lws never told us of */
    conn_rec *c = calloc(1, sizeof *c);
    if (!c)
        return; /* counted nowhere: it only escapes the budgets */
    if (cn->pending.proxied) {
        c->proxied = 1;
    } else if ((c->addr = budget_ref(cn->srv->budgets, cn->pending.key))) {
        budget_take(c->addr, BUDGET_CONNS, 1); /* checked by conn_admit just before */
    }
    c->wsi = wsi;
    c->phase = CONN_RECEIVING;
    c->since = util_mono_ms();
    set_deadline(cn, c, c->since + cn->request_ms);
    cn->count++;
    HASH_ADD_PTR(cn->by_wsi, wsi, c);
}

void conn_gone(struct lws *wsi)
{
    conn_table *cn = table_of(wsi);
    conn_rec *c = rec_in(cn, wsi);
    if (!c)
        return;
    HASH_DEL(cn->by_wsi, c);
    unlink_timed(cn, c);
    if (c->addr) {
        budget_give(c->addr, BUDGET_CONNS, 1);
        budget_unref(c->addr);
    }
    cn->count--;
    free(c);
}

budget_addr *conn_attribute(struct lws *wsi, const char *addr, int *over)
{
    conn_table *cn = table_of(wsi);
    conn_rec *c = rec_in(cn, wsi);
    *over = 0;
    if (!c || c->addr || !c->proxied)
        return c ? c->addr : NULL;
    char key[PEER_ADDR_MAX];
    peer_bucket(addr, key);
    budget_addr *a = budget_ref(cn->srv->budgets, key);
    if (!a)
        return NULL;
    if (budget_take(a, BUDGET_CONNS, 1) < 0) {
        budget_unref(a);
        *over = 1;
        return NULL;
    }
    c->addr = a;
    return a;
}

budget_addr *conn_addr(struct lws *wsi)
{
    conn_rec *c = rec_in(table_of(wsi), wsi);
    return c ? c->addr : NULL;
}

void conn_phase_set(struct lws *wsi, conn_phase phase)
{
    conn_table *cn = table_of(wsi);
    conn_rec *c = rec_in(cn, wsi);
    if (!c)
        return;
    int64_t now = util_mono_ms();
    c->phase = (uint8_t)phase;
    switch (phase) {
    case CONN_RECEIVING:
        if (!c->since)
            c->since = now;
        set_deadline(cn, c, c->since + cn->request_ms);
        break;
    case CONN_SENDING:
        set_deadline(cn, c, now + cn->response_ms);
        break;
    case CONN_IDLE:
        c->since = 0;
        if (c->answered < UINT32_MAX)
            c->answered++;
        set_deadline(cn, c, 0);
        break;
    case CONN_WORKING:
    case CONN_WEBSOCKET:
        set_deadline(cn, c, 0);
        break;
    }
}

unsigned conn_answered(struct lws *wsi)
{
    conn_rec *c = rec_in(table_of(wsi), wsi);
    return c ? c->answered : 0;
}

size_t conn_count(const conn_table *cn)
{
    return cn->count;
}

size_t conn_cap(const conn_table *cn)
{
    return cn->cap;
}

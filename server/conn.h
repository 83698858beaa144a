/* Connections: what every TCP connection placed accepts may hold, and for how long.
 *
 * Each accepted connection gets a record (found by its wsi, so it survives the upgrade of an
 * HTTP connection to a WebSocket) from accept to close. The record counts the
 * connection against its address's budget (budget.h, --max-conns-per-ip) and against the
 * process's total (--max-conns, by default the descriptor limit less a reserve), and carries
 * the deadline of what the connection is doing now:
 *   - receiving a request: headers and body complete within --request-timeout of the
 *     connection's accept or of the previous answer's end (lws alone would restart its timer at
 *     every byte, so a body dribbled a byte at a time would hold the connection for ever);
 *   - sending an answer: read by the client within --response-timeout, else dropped;
 *   - working (the answer is being computed), idle keep-alive (lws's own idle timeout) and
 *     WebSocket (its own flood and slow-reader rules): no deadline here.
 * A sweep every CONN_SWEEP_MS closes the connections past their deadline.
 *
 * A connection over a budget at accept is answered at once with a short canned HTTP error
 * (429 for the address, 503 for the whole server) and closed, without ever reaching lws's
 * parser: refusing costs one accept, one write and one close, and the reserve of descriptors
 * keeps accepting possible however many connections are open.
 *
 * A connection from a trusted proxy (--trusted-proxy) is not counted at accept: it is counted
 * for the client address its first request names (conn_attribute).
 *
 * The records are a handle (conn_new), owned by the server object (place_server.conns) and used
 * on the loop thread only; the calls given a wsi find it through the wsi's context. */
#ifndef PLACE_SERVER_CONN_H
#define PLACE_SERVER_CONN_H

#include <libwebsockets.h>

#include "budget.h"
#include "server.h"

#define CONN_FD_RESERVE 128 /* descriptors kept for the store, the control socket, cluster links */
#define CONN_SWEEP_MS 250
#define CONN_SNDBUF (64 * 1024) /* the kernel's send buffer per connection (Linux doubles it) */

typedef enum {
    CONN_RECEIVING, /* a request's headers or body are arriving: --request-timeout */
    CONN_WORKING,   /* the answer is being made */
    CONN_SENDING,   /* the answer is being written: --response-timeout */
    CONN_IDLE,      /* keep-alive between requests */
    CONN_WEBSOCKET, /* upgraded */
} conn_phase;

typedef struct conn_table conn_table;

/* Reads the limits from srv->cfg (srv->budgets must exist), works out the total connection cap
 * from the descriptor limit and starts the deadline sweep on srv->loop. Returns the table, or
 * NULL (out of memory, or the timer would not start). */
conn_table *conn_new(place_server *srv);
/* Stops the sweep (at shutdown; the records stay until conn_free). */
void conn_close(conn_table *t);
/* Frees t and the records of connections lws never said were gone (after the loop is closed).
 * Accepts NULL. */
void conn_free(conn_table *t);

/* Whether the socket fd just accepted from `peer` may be kept: 0 (then the next
 * LWS_CALLBACK_WSI_CREATE is its record's), or -1 after writing the canned refusal (the caller
 * closes fd). For sockets placed accepts itself (--reuse-port) before handing them to lws. */
int conn_admit(conn_table *t, int fd, const struct sockaddr_storage *peer);

/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION (wsi: the listening one): conn_admit for the socket lws
 * accepted. Returns what the callback returns (nonzero: lws closes the socket). */
int conn_filter(struct lws *wsi, const struct lws_filter_network_conn_args *args);

/* LWS_CALLBACK_WSI_CREATE: makes the record of the connection conn_admit let in and counts it.
 * (lws 4.1.6 on libuv does not deliver SERVER_NEW_CLIENT_INSTANTIATED; WSI_CREATE follows the
 * filter at once, on the same thread.) */
void conn_created(struct lws *wsi);

/* LWS_CALLBACK_WSI_DESTROY: gives back what wsi's record held. Safe for any wsi. */
void conn_gone(struct lws *wsi);

/* The address wsi is counted for, attributing it now to `addr` (peer.h's peer_of) if it was
 * not counted yet (a connection from a trusted proxy). Returns the entry (NULL: not counted,
 * no record, or out of memory) and sets *over when counting it passed --max-conns-per-ip; the
 * caller then refuses the request with 429. */
budget_addr *conn_attribute(struct lws *wsi, const char *addr, int *over);

/* The address wsi is counted for (NULL if none). */
budget_addr *conn_addr(struct lws *wsi);

/* wsi starts `phase`; its deadline follows from it (above). */
void conn_phase_set(struct lws *wsi, conn_phase phase);

/* Requests answered on wsi's connection so far (keep-alive). */
unsigned conn_answered(struct lws *wsi);

/* Connections open now, and the cap on them. */
size_t conn_count(const conn_table *t);
size_t conn_cap(const conn_table *t);

#endif

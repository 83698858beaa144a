/* The WebSocket endpoint /ws: the placement path's entry (validate, hand to the store, answer
 * `placed` or `error`), per-connection flood control, and the writer that drains each
 * connection's queued answers and its share of the broadcast ring. */
#ifndef PLACE_SERVER_WS_H
#define PLACE_SERVER_WS_H

#include <libwebsockets.h>

#include "server.h"

#define WS_PROTOCOL_NAME "place"
#define WS_PATH "/ws"
#define WS_MAX_MSGS_PER_SEC 20

/* The lws protocol entry for /ws (its name, callback, per-connection size, rx buffer). */
const struct lws_protocols *ws_protocol(void);

/* Prepares the broadcast rounds on loop. Returns 0 or -1. */
int ws_init(uv_loop_t *loop);
/* Stops them (at shutdown). */
void ws_close(void);

/* A batch frame was published: send it to every connection that can take it now, and ask
 * for a writable callback for the others. */
void ws_on_frame(void);

/* A user was banned: their connections get BANNED on their next placement and are closed. */
void ws_on_banned(void *srv, const char *user_id);

/* WebSocket connections open now. */
size_t ws_count(void);

/* Connections that still have answers queued (shutdown waits for these to drain). */
size_t ws_pending(void);

#endif

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
#define WS_CLOSE_SESSION_ENDED PLACE_CLOSE_SESSION_ENDED /* 4001: logged out */
#define WS_CLOSE_BANNED PLACE_CLOSE_BANNED               /* 4003: banned, may view */

/* The lws protocol entry for /ws (its name, callback, per-connection size, rx buffer). */
const struct lws_protocols *ws_protocol(void);

/* The WebSocket connections and the broadcast rounds over them: a handle owned by the server
 * object (place_server.ws), used on the loop thread only. */
typedef struct ws_hub ws_hub;

/* Prepares the broadcast rounds on loop. Returns the handle, or NULL. */
ws_hub *ws_new(uv_loop_t *loop);
/* Stops them (at shutdown). Accepts NULL. */
void ws_close(ws_hub *h);
/* Frees the handle, once the loop has closed ws_close's timer. Accepts NULL. */
void ws_free(ws_hub *h);

/* A batch frame was published (the broadcast's on_publish, hub: the ws_hub): send it to every
 * connection that can take it now, and ask for a writable callback for the others. */
void ws_on_frame(void *hub);

/* A user was banned: their connections are told `banned` (reason, until) and closed at once
 * (close code WS_CLOSE_BANNED); reconnecting with the same session they view, read-only. */
void ws_on_banned(void *srv, const char *user_id);

/* A user's ban was lifted: the connections that were told `banned` are closed (1001) so that
 * they come back as a player. */
void ws_on_unbanned(void *srv, const char *user_id);

/* A session ended (logout, or replaced by a login): its connections are closed at once (close
 * code WS_CLOSE_SESSION_ENDED). */
void ws_on_session_ended(void *srv, const char *token);

/* The banned address blocks changed (bans.h): the connections they now cover are told `banned`
 * and closed; banned viewers whose address is free again are closed so that they reconnect as
 * players. */
void ws_on_addr_bans(void *srv, const backend_addr_ban *bans, size_t n);

/* The players-online tick (online.h): every connection whose last count differs is sent
 * {"type":"online","count":N}. */
void ws_tell_online(void *srv, uint32_t count);

/* WebSocket connections open now. */
size_t ws_count(const ws_hub *h);

/* Sends the text frame to every open WebSocket (a change every client is told of, such as the
 * live settings). */
void ws_send_all(ws_hub *h, const char *text, size_t len);

/* Connections that still have answers queued (shutdown waits for these to drain). */
size_t ws_pending(const ws_hub *h);

/* Sends every connection a resync (reason "late") before its next frame: a placement reached
 * this process after its seq was skipped as a hole, and only a fresh snapshot has it. */
void ws_resync_all(ws_hub *h);

#endif

/* The state the server core's modules share: configuration, the loop, the lws context and the
 * store. One per process, created by main.c. */
#ifndef PLACE_SERVER_SERVER_H
#define PLACE_SERVER_SERVER_H

#include <libwebsockets.h>
#include <uv.h>

#include "backend.h"
#include "bans.h"
#include "broadcast.h"
#include "budget.h"
#include "config.h"
#include "peer.h"
#include "snapshot.h"

typedef struct place_server {
    place_config cfg;      /* in force: the live settings (live.h) as last changed */
    place_config base_cfg; /* as placed started: what a forgotten live setting goes back to */
    int frozen;            /* placed --freeze: placements are refused with FROZEN (live.h) */
    char frozen_reason[PLACE_MAX_REASON];
    peer_proxies proxies; /* --trusted-proxy, parsed */
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    backend *store;
    canvas *canvas;     /* the live canvas (canvas.h) */
    snap_source *snaps; /* where snapshots come from (snapshot.h) */
    bcast *bcast;       /* the broadcast ring and its batch timer (broadcast.h) */
    struct online *online; /* the players online (online.h) */
    struct hist_api *hist; /* the history routes and checkpointer (history_api.h) */
    budget *budgets;    /* what each client address holds (budget.h) */
    struct conn_table *conns; /* every accepted connection's record and deadline (conn.h) */
    struct auth_line *auth; /* the line of password hashes, failed-login throttles (auth.h) */
    struct admin_sock *admin; /* the control socket (admin.h) */
    struct ws_hub *ws;        /* the WebSocket connections and broadcast rounds (ws.h) */
    ban_list *bans;     /* the banned address blocks enforced here (bans.h) */
    int shutting_down; /* no new placements are taken */
} place_server;

#endif

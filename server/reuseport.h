/* A listening socket several placed processes share (SO_REUSEPORT: the kernel spreads new
 * connections over them), for when one process's 20,000 open files are not enough viewers.
 *
 * libwebsockets 4.1.6 sets SO_REUSEPORT only when it runs several service threads, so with
 * --reuse-port placed makes the socket itself and hands every accepted connection to lws with
 * lws_adopt_socket_vhost(), exactly as if lws had accepted it. */
#ifndef PLACE_SERVER_REUSEPORT_H
#define PLACE_SERVER_REUSEPORT_H

#include <libwebsockets.h>
#include <uv.h>

#include "conn.h"

/* Listens on addr:port (port 0: a free one) with SO_REUSEPORT and adopts accepted connections
 * into vh, once conns admits them (conn_admit). Returns the bound port, or -1 with a sentence in
 * err. */
int rport_listen(uv_loop_t *loop, struct lws_vhost *vh, conn_table *conns, const char *addr,
                 int port, char *err, size_t errcap);

/* Stops accepting and closes the socket (a no-op if none). */
void rport_close(void);

#endif

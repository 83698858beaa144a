/* Administration of a running server without a restart: `placed --data-dir D --ban alice` talks
 * to the server on D through the control socket D/placed.sock (one line in, one line out), or,
 * when no server runs on D, applies the change to the database directly. */
#ifndef PLACE_SERVER_ADMIN_H
#define PLACE_SERVER_ADMIN_H

#include "server.h"

#define ADMIN_SOCKET "placed.sock"
#define ADMIN_LOCK "placed.lock"

/* Takes the data directory's lock (one server per directory). Returns the lock's fd (kept open
 * for the process's life), or -1 if another process holds it or it cannot be made. */
int admin_lock(const char *data_dir);

/* The control socket: a handle owned by the server object (place_server.admin), used on the
 * loop thread only. */
typedef struct admin_sock admin_sock;

/* Listens on the control socket. Returns the handle, or NULL. */
admin_sock *admin_listen(place_server *srv);

/* Stops listening, stops the pixel act under way (moderate_stop: before the store and the
 * canvas go) and removes the socket file. Accepts NULL. */
void admin_close(admin_sock *adm);

/* Frees the handle, once admin_close's close has run (after the loop). Accepts NULL. */
void admin_free(admin_sock *adm);

/* Runs the admin action cfg asks for (the second-invocation side). Prints the outcome and
 * returns the process exit code (0: done). */
int admin_run(const place_config *cfg);

#endif

/* JSON bodies that REST and WebSocket share: the canvas info and the user. */
#ifndef PLACE_SERVER_VIEWS_H
#define PLACE_SERVER_VIEWS_H

#include <stddef.h>

#include "server.h"

/* Writes the /api/v1/canvas/info object. Returns its length, or -1 if cap is too small. */
int view_info_json(const place_server *srv, char *buf, size_t cap);

/* Writes the /api/v1/auth/me object for u. Returns its length, or -1 if cap is too small. */
int view_user_json(const backend_user *u, char *buf, size_t cap);

/* Where clients fetch the snapshot: --cdn-url, or the server's own snapshot path. */
const char *view_canvas_url(const place_server *srv);

#endif

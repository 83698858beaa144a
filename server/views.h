/* JSON bodies that REST and WebSocket share: the canvas info and the user. */
#ifndef PLACE_SERVER_VIEWS_H
#define PLACE_SERVER_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

/* Writes the /api/v1/canvas/info object. Returns its length, or -1 if cap is too small. */
int view_info_json(const place_server *srv, char *buf, size_t cap);

#define VIEW_USER_MAX 1024 /* room for any view_user_json or view_banned_json */

/* Writes the /api/v1/auth/me object for u (with isBanned, and for a ban bannedUntil and
 * banReason). Returns its length, or -1 if cap is too small. */
int view_user_json(const backend_user *u, char *buf, size_t cap);

/* The user a client gets when it has no session and cannot have one because its address is
 * banned: no id, a guest, banned as `ban` says (it may view the canvas, nothing more). */
void view_banned_viewer(const backend_addr_ban *ban, backend_user *out);

/* Writes the WebSocket message {"type":"banned","reason","until"} (until: ms, 0: no end).
 * Returns its length, or -1 if cap is too small. */
int view_banned_json(const char *reason, int64_t until, char *buf, size_t cap);

/* Where clients fetch the snapshot: --cdn-url, or the server's own snapshot path. */
const char *view_canvas_url(const place_server *srv);

#endif

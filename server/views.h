/* What REST and WebSocket both tell a client about the canvas and a user, as the protocol's
 * structs (common/include/place/proto.h); the JSON writers are common/'s place_fmt_*. */
#ifndef PLACE_SERVER_VIEWS_H
#define PLACE_SERVER_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "place/proto.h"

#include "server.h"

/* The /api/v1/canvas/info object (init's canvasInfo) of this server. */
void view_canvas_info(const place_server *srv, place_canvas_info *out);

/* The /api/v1/auth/me object (init's user) for u. */
void view_user(const backend_user *u, place_user_info *out);

/* Writes the canvas info as JSON (place_fmt_canvas_info). Returns its length, or -1 if cap is
 * too small. */
int view_info_json(const place_server *srv, char *buf, size_t cap);

#define VIEW_USER_MAX 1024 /* room for any view_user_json or place_fmt_banned text */

/* Writes the user object for u as JSON (place_fmt_user; with isBanned, and for a ban
 * bannedUntil and banReason). Returns its length, or -1 if cap is too small. */
int view_user_json(const backend_user *u, char *buf, size_t cap);

/* The user a client gets when it has no session and cannot have one because its address is
 * banned: no id, a guest, banned as `ban` says (it may view the canvas, nothing more). */
void view_banned_viewer(const backend_addr_ban *ban, backend_user *out);

/* Where clients fetch the snapshot: --cdn-url, or the server's own snapshot path. */
const char *view_canvas_url(const place_server *srv);

#endif

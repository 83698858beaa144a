/* Who is calling: the session token from the place_session cookie or an
 * "Authorization: Bearer" header, resolved through the store, and the Set-Cookie that goes back. */
#ifndef PLACE_SERVER_SESSION_H
#define PLACE_SERVER_SESSION_H

#include <libwebsockets.h>
#include <stddef.h>

#include "server.h"

#define SESSION_COOKIE "place_session"

/* Finds the caller's session on wsi's request headers. If there is a valid one, fills token and
 * user and returns 0. Otherwise, with create set, makes a guest session, sets *created and
 * returns 0; without create returns -1 (token is then ""). */
int session_resolve(place_server *srv, struct lws *wsi, int create,
                    char token[BACKEND_TOKEN_LEN + 1], backend_user *user, int *created);

/* The Set-Cookie value for token (token NULL: one that clears the cookie). Returns its length,
 * or -1 if cap is too small. */
int session_cookie(char *buf, size_t cap, const char *token);

#endif

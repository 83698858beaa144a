/* Who is calling: the session token from the place_session cookie or an
 * "Authorization: Bearer" header, resolved through the store, and the Set-Cookie that goes back. */
#ifndef PLACE_SERVER_SESSION_H
#define PLACE_SERVER_SESSION_H

#include <libwebsockets.h>
#include <stddef.h>

#include "server.h"

#define SESSION_COOKIE "place_session"

/* Why no guest was made for a request (session_resolve). */
typedef struct session_refusal {
    place_err err;    /* RATE_LIMITED (the address's guest budget), BANNED, BAD_REQUEST (the
                       * request carries a session that is not a well-formed token), or INTERNAL */
    int64_t retry_ms; /* RATE_LIMITED: until the budget allows one more */
    backend_addr_ban ban; /* BANNED: the address's ban */
} session_refusal;

/* Finds the caller's session on wsi's request headers (a Bearer token, every place_session
 * cookie of every Cookie header, whatever their length). If there is a valid one, fills token
 * and user and returns 0. A session that cannot be read is never replaced: with create set,
 * returns -1 with why->err BAD_REQUEST. Otherwise, with create set, makes a guest session for the client address
 * addr (peer_of) within its guest budget (--guests-per-hour), sets *created and returns 0;
 * returns -1 when there is no session (token is then ""), and when create was asked fills *why
 * (may be NULL). */
int session_resolve(place_server *srv, struct lws *wsi, int create, const char *addr,
                    char token[BACKEND_TOKEN_LEN + 1], backend_user *user, int *created,
                    session_refusal *why);

/* The Set-Cookie value for token (token NULL: one that clears the cookie). Returns its length,
 * or -1 if cap is too small. */
int session_cookie(char *buf, size_t cap, const char *token);

#endif

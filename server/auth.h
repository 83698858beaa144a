/* The auth routes under /api/v1/auth/: me, register, login, logout. Password hashing (argon2id through
 * libsodium's crypto_pwhash_str) and checking run on the uv thread pool, never on the loop. */
#ifndef PLACE_SERVER_AUTH_H
#define PLACE_SERVER_AUTH_H

#include "http.h"

#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 256

typedef struct auth_line auth_line;

/* The waiting line of password hashes with the failed-login throttles and the dummy hash unknown
 * users are checked against (one argon2id hash: a moment at start-up): a handle owned by the
 * server object (place_server.auth), used on the loop thread only. sodium_init() must have run.
 * Returns NULL when out of memory. */
auth_line *auth_new(void);
/* Frees it (at exit, once the loop is closed: no job is left). Accepts NULL. */
void auth_free(auth_line *line);

void auth_me(http_req *r);
void auth_register(http_req *r);
void auth_login(http_req *r);
void auth_logout(http_req *r);

#endif

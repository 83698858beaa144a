/* The auth routes under /api/v1/auth/: me, register, login, logout. Password hashing (argon2id through
 * libsodium's crypto_pwhash_str) and checking run on the uv thread pool, never on the loop. */
#ifndef PLACE_SERVER_AUTH_H
#define PLACE_SERVER_AUTH_H

#include "http.h"

#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 256

/* Prepares the failed-login throttles and the dummy hash unknown users are checked against
 * (one argon2id hash: a moment at start-up). sodium_init() must have run. Returns 0 or -1. */
int auth_init(void);
/* Frees them (at exit). */
void auth_close(void);

void auth_me(http_req *r);
void auth_register(http_req *r);
void auth_login(http_req *r);
void auth_logout(http_req *r);

#endif

/* What a username and a password must be, and when two names are the same name.
 *
 * Names are compared by their key: lower case, with the letters a reader cannot tell apart in
 * many fonts folded together (I, l and 1 count as l; O and 0 as o). "alice", "Alice", "ALICE" and
 * "aIice" have one key, so only the first of them can be registered, and any of them logs in to
 * it. Names starting with "guest-" or "guest_" are kept for guests ("guest-1234abcd").
 *
 * Pure functions (no I/O, no globals), used by auth.c for the rules and by both stores for the
 * name index. */
#ifndef PLACE_SERVER_ACCOUNT_H
#define PLACE_SERVER_ACCOUNT_H

#include <stddef.h>

#include "backend.h"

#define ACCOUNT_PASSWORD_MIN 8 /* characters (UTF-8 code points), not bytes */

/* Writes the key of name (at most BACKEND_NAME_MAX characters) into out. */
void account_name_key(const char *name, char out[BACKEND_NAME_MAX + 1]);

/* A guest's shown name: "guest-" and the first 8 characters of its id. */
void account_guest_name(char out[BACKEND_NAME_MAX + 1], const char *id);

/* The user id marking the placements of an admin act (backend.h, BACKEND_ACT_ID_PREFIX): kind
 * is BACKEND_ACT_*, number eight hex digits. */
void account_act_id(char out[BACKEND_ID_LEN + 1], int kind, const char number[9]);

/* 1 and the act's shown name in out ("admin-revert-1a2b3c4d") when id marks an admin act, else
 * 0. */
int account_act_name(const char *id, char out[BACKEND_NAME_MAX + 1]);

/* The name shown for a user id with no registered name: an admin act's, else a guest's. */
void account_shown_name(char out[BACKEND_NAME_MAX + 1], const char *id);

/* NULL if name may be registered, else a sentence for the player saying why not. */
const char *account_name_problem(const char *name);

/* NULL if password may be used, else a sentence for the player saying why not. len is its
 * length in bytes (it is checked for length elsewhere too). */
const char *account_password_problem(const char *password, size_t len);

#endif

/* The banned address blocks this process enforces: a copy of the store's list (sink.on_addr_bans
 * replaces it whole), matched against a request's client address (peer_of) when a guest would
 * be made, at login and registration, and at every placement. The list is a handle (bans_new),
 * owned by the server object (place_server.bans), read and written on the loop thread only. */
#ifndef PLACE_SERVER_BANS_H
#define PLACE_SERVER_BANS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct ban_list ban_list;

/* An empty list, or NULL when out of memory. */
ban_list *bans_new(void);

/* Replaces l with bans[0..n) (entries that do not parse as a block are left out, with a line on
 * stderr). Returns 0, or -1 when out of memory (the old list is kept). */
int bans_replace(ban_list *l, const backend_addr_ban *bans, size_t n);

/* 1 when the address text addr lies in a block banned now for this kind of user (guests: every
 * ban; registered users: the bans not limited to guests), with the ban copied to *out (may be
 * NULL); else 0. When several match, the longest-lasting one is given. */
int bans_match(const ban_list *l, const char *addr, int is_guest, backend_addr_ban *out);

/* Frees the list (at shutdown). Accepts NULL. */
void bans_free(ban_list *l);

#endif

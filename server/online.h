/* Players online: how many distinct players have a WebSocket open, told to every client.
 *
 * A player is a user id (a guest is a user too); a banned address's viewer, who has none,
 * counts as its address bucket (peer_bucket). Three tabs of one player count once. The table
 * holds one entry per distinct player with a socket here, so it is bounded by the connections,
 * which the per-address limits already bound: nobody inflates the count beyond the sockets
 * they may hold.
 *
 * Every ONLINE_PERIOD_MS a tick works out the count and hands it to `tell`, which sends
 * {"type":"online","count":N} to every socket whose last count differs (so a count that did not
 * change costs nothing on the wire). Alone, the count is this process's; in cluster mode the
 * backend's online_sync (backend.h) adds up every live process's players through Redis, each
 * process keeping its entry alive on every tick, so a process that dies drops out within
 * ONLINE_TTL_MS. Everything runs on the loop thread. */
#ifndef PLACE_SERVER_ONLINE_H
#define PLACE_SERVER_ONLINE_H

#include <stdint.h>
#include <uv.h>

#include "peer.h"

#define ONLINE_PERIOD_MS 2000 /* the tick: at most one `online` message per socket this often */
#define ONLINE_TTL_MS 10000   /* cluster: a process silent this long is taken for dead */
#define ONLINE_KEY_MAX (PEER_ADDR_MAX + 2)

typedef struct online online;
struct place_server;

/* Called on each tick with the count (see above). */
typedef void (*online_tell_fn)(void *arg, uint32_t count);

/* Starts the tick on loop; srv->store is read on every tick (NULL: this process alone).
 * Returns NULL when out of memory. */
online *online_new(uv_loop_t *loop, struct place_server *srv, online_tell_fn tell, void *arg);

/* Stops the tick and frees o once its timer is closed (the loop must run on). Accepts NULL. */
void online_free(online *o);

/* The key a socket counts under: its user id, or "@" + the address bucket for a viewer. */
void online_key(const char *user_id, const char *addr, char out[ONLINE_KEY_MAX]);

/* A socket of the player `key` opened / closed. Returns 0, or -1 when out of memory on join
 * (the player is then not counted; nothing else changes). */
int online_join(online *o, const char *key);
void online_leave(online *o, const char *key);

/* The count to tell a socket that opens now: the last tick's total, corrected by the players
 * who came and went here since (exact when alone). At least 1 while anyone is here. */
uint32_t online_count(const online *o);

#endif

/* What one placed tells every other at once: a ban, a session's end, a change of the address
 * bans. Carried by Redis pub/sub on the channel NOTIFY_CHANNEL (one line a message), so a ban
 * or a logout through any process closes the sockets held by every process.
 *
 * A thread of its own holds the subscribing connection (blocking hiredis; reconnecting every
 * RSTORE_RETRY_MS while Redis is down) and hands each message to the loop thread through a
 * uv_async. Each time the subscription is (re)made the handler gets NOTIFY_RESYNC, since
 * messages published meanwhile are lost: the handler then reloads what it caches. */
#ifndef PLACE_CLUSTER_NOTIFY_H
#define PLACE_CLUSTER_NOTIFY_H

#include <uv.h>

#define NOTIFY_CHANNEL "{place}:notify"
#define NOTIFY_RESYNC "resync"
#define NOTIFY_LINE_MAX 160

typedef struct notify notify;

/* Called on the loop thread with one message ("ban <id>", "end <token>", "addrbans", or
 * NOTIFY_RESYNC). */
typedef void (*notify_cb)(void *arg, const char *msg);

/* Starts listening on Redis at addr ("host:port" or a unix socket path). Returns NULL when out
 * of memory or addr is bad. */
notify *notify_start(uv_loop_t *loop, const char *addr, notify_cb cb, void *arg);

/* Stops the thread (within about a second) and frees n once its handle is closed; the loop
 * must run on afterwards. Accepts NULL. */
void notify_stop(notify *n);

#endif

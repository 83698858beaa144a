/* Per-address budgets: what one client address (peer.h's budget key: an IPv4 address or an
 * IPv6 /64) may hold at once, so that no single address can take the server from everyone else.
 *
 * Each address that holds anything has one entry, kept while a holder has a reference to it
 * (budget_ref / budget_unref) and dropped with the last one, so the table is as large as the
 * set of addresses currently connected. An entry counts, per kind:
 *   BUDGET_CONNS     TCP connections (HTTP and WebSocket)          --max-conns-per-ip
 *   BUDGET_REQUESTS  HTTP requests received and not yet answered   --max-requests-per-ip
 *   BUDGET_UNREAD    bytes of answers held for the client unread   --max-unread-per-ip
 *   BUDGET_HASHES    password hashes queued or running             --max-hashes-per-ip
 * A limit of 0 means none. Pure: no lws, no clock. The table is a handle (budget_new), owned by
 * the server object (place_server.budgets) and used on the loop thread only; an entry knows its
 * table, so the calls on an entry take only the entry. */
#ifndef PLACE_SERVER_BUDGET_H
#define PLACE_SERVER_BUDGET_H

#include <stddef.h>

typedef enum {
    BUDGET_CONNS,
    BUDGET_REQUESTS,
    BUDGET_UNREAD,
    BUDGET_HASHES,
    BUDGET_KINDS
} budget_kind;

typedef struct budget budget;
typedef struct budget_addr budget_addr;

/* A table with no limits and no entries, or NULL when out of memory. */
budget *budget_new(void);

/* Frees the table and any entry still in it (at shutdown, once nothing holds one). Accepts
 * NULL. */
void budget_free(budget *b);

/* Sets the limit of one kind for every address of b (0: no limit). */
void budget_set_limit(budget *b, budget_kind k, size_t limit);

/* The entry of the budget key `key` (peer_bucket's text) in b, made if new, with one more
 * reference. Returns NULL only when out of memory. */
budget_addr *budget_ref(budget *b, const char *key);

/* One more reference to a (for a holder that outlives the one that found it). Returns a. */
budget_addr *budget_hold(budget_addr *a);

/* Drops a reference from budget_ref; the entry goes with the last one. Accepts NULL. */
void budget_unref(budget_addr *a);

/* Takes n of kind k from a's budget. Returns 0, or -1 (nothing taken) if that would pass the
 * limit. A NULL a (an address not counted, e.g. a trusted proxy itself) always succeeds. */
int budget_take(budget_addr *a, budget_kind k, size_t n);

/* 1 if the address `key` could take n more of kind k now (an address holding nothing can take
 * up to the limit), else 0. Makes no entry. */
int budget_fits(const budget *b, const char *key, budget_kind k, size_t n);

/* Gives back n of kind k taken earlier. Accepts NULL. */
void budget_give(budget_addr *a, budget_kind k, size_t n);

/* What a holds of kind k now (0 for NULL). */
size_t budget_held(const budget_addr *a, budget_kind k);

/* The budget key a counts ("" for NULL). */
const char *budget_key(const budget_addr *a);

/* Addresses holding anything now in b (for tests and the stop). */
size_t budget_count(const budget *b);

#endif

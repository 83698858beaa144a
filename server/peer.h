/* Who a request comes from: the address that every per-address budget, cooldown and ban counts.
 *
 * A request's address is its socket's peer, unless that peer is a proxy listed in
 * --trusted-proxy: then it is taken from the proxy's headers. X-Forwarded-For is read from the
 * right (the hop the proxy itself appended) leftwards, skipping further trusted proxies, and the
 * first address that is not one is the client; with no X-Forwarded-For, X-Real-IP is used. A
 * request from any other peer is counted as that peer, whatever headers it forged.
 *
 * Addresses are kept as normalised text (inet_ntop's form; an IPv4-mapped IPv6 address is
 * written as IPv4). For budgets, an IPv6 address counts as its /64 (peer_bucket): one
 * subscriber usually holds a whole /64, so budgets per single IPv6 address would be none.
 *
 * The parsing and matching below are pure (no lws, no globals) and unit-tested in
 * tests/unit/test_peer.c; only peer_of() reads a connection. */
#ifndef PLACE_SERVER_PEER_H
#define PLACE_SERVER_PEER_H

#include <stddef.h>
#include <stdint.h>

#define PEER_ADDR_MAX 48 /* INET6_ADDRSTRLEN rounded up, with "/64" for a bucket */
#define PEER_PROXIES_MAX 32

/* An address block: family 4 or 6, the address in network order, the prefix length. */
typedef struct peer_cidr {
    uint8_t family;
    uint8_t bits;
    uint8_t addr[16];
} peer_cidr;

/* The proxies whose forwarding headers are believed (--trusted-proxy). */
typedef struct peer_proxies {
    size_t n;
    peer_cidr cidr[PEER_PROXIES_MAX];
} peer_proxies;

/* Parses "ADDR" or "ADDR/BITS" (IPv4 or IPv6; no prefix means one address). Returns 0, or -1
 * with a sentence in err. */
int peer_cidr_parse(const char *text, peer_cidr *out, char *err, size_t errcap);

/* 1 if the address text `addr` lies in c (an IPv4-mapped IPv6 address matches an IPv4 block),
 * 0 if not or if addr is not an address. */
int peer_cidr_match(const peer_cidr *c, const char *addr);

/* Parses a comma-separated list of blocks ("" for none) into p. Returns 0, or -1 with a
 * sentence in err naming the bad entry. */
int peer_proxies_parse(peer_proxies *p, const char *list, char *err, size_t errcap);

/* 1 if addr is one of the trusted proxies. */
int peer_is_trusted(const peer_proxies *p, const char *addr);

/* Writes the normalised form of the address text `in` to out (PEER_ADDR_MAX bytes). Returns 0,
 * or -1 if `in` is not an IPv4 or IPv6 address (out is then ""). */
int peer_normalise(const char *in, char out[PEER_ADDR_MAX]);

/* The client's address from the socket peer `sock` and the request's X-Forwarded-For and
 * X-Real-IP values (NULL when absent), by the rule at the top of this file. Always writes an
 * address: the socket peer's when the headers cannot be believed or hold no address. */
void peer_pick(const peer_proxies *p, const char *sock, const char *xff, const char *xrealip,
               char out[PEER_ADDR_MAX]);

/* The budget key of an address: an IPv4 address itself, an IPv6 address's /64 written as
 * "2001:db8:1:2::/64". */
void peer_bucket(const char *addr, char out[PEER_ADDR_MAX]);

struct lws;

/* The client address of a request or WebSocket upgrade on wsi (headers must still be
 * readable: call it from the HTTP or FILTER_PROTOCOL_CONNECTION callbacks). */
void peer_of(const peer_proxies *p, struct lws *wsi, char out[PEER_ADDR_MAX]);

#endif

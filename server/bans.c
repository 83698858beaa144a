/* The banned address blocks (see bans.h). A linear scan: the list holds what admins typed and
 * at most BACKEND_ADDRS_PER_USER blocks per banned account, and is matched once per placement
 * and per new session, not per broadcast. */
#include "bans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"
#include "util.h"

typedef struct ban_ent {
    peer_cidr cidr;
    backend_addr_ban ban;
} ban_ent;

struct ban_list {
    ban_ent *v;
    size_t n;
};

ban_list *bans_new(void)
{
    return calloc(1, sizeof(ban_list));
}

int bans_replace(ban_list *list, const backend_addr_ban *bans, size_t n)
{
    ban_ent *v = n ? calloc(n, sizeof *v) : NULL;
    if (n && !v)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char err[160];
        if (peer_cidr_parse(bans[i].cidr, &v[k].cidr, err, sizeof err) < 0) {
            fprintf(stderr, "placed: address ban \"%s\" left out: %s\n", bans[i].cidr, err);
            continue;
        }
        v[k++].ban = bans[i];
    }
    free(list->v);
    list->v = v;
    list->n = k;
    return 0;
}

int bans_match(const ban_list *list, const char *addr, int is_guest, backend_addr_ban *out)
{
    int64_t now = util_now_ms();
    const ban_ent *best = NULL;
    for (size_t i = 0; i < list->n; i++) {
        const ban_ent *e = &list->v[i];
        if ((e->ban.until && e->ban.until <= now) || (e->ban.guests_only && !is_guest) ||
            !peer_cidr_match(&e->cidr, addr))
            continue;
        if (!best || e->ban.until == 0 || (best->ban.until && e->ban.until > best->ban.until))
            best = e;
        if (best->ban.until == 0)
            break;
    }
    if (best && out)
        *out = best->ban;
    return best != NULL;
}

void bans_free(ban_list *list)
{
    if (!list)
        return;
    free(list->v);
    free(list);
}

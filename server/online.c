/* Players online (see online.h). */
#include "online.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "backend.h"
#include "server.h"

/* One distinct player with sockets here. In cluster mode an entry whose sockets all closed stays
 * until the next sync has told Redis (synced then drops to 0 and the entry goes). */
typedef struct entry {
    char key[ONLINE_KEY_MAX];
    uint32_t socks;
    uint8_t synced; /* Redis counts it for this process */
    UT_hash_handle hh;
} entry;

struct online {
    uv_timer_t timer;
    struct place_server *srv;
    online_tell_fn tell;
    void *arg;
    entry *table;
    uint32_t here;     /* entries with sockets */
    uint32_t total;    /* the last sync's count (cluster), else here */
    int32_t came, went; /* cluster: players not yet told to Redis, for online_count */
    int full;          /* cluster: the next sync sends every player (after a failure) */
    int synced_once;
};

void online_key(const char *user_id, const char *addr, char out[ONLINE_KEY_MAX])
{
    if (user_id && user_id[0]) {
        snprintf(out, ONLINE_KEY_MAX, "%s", user_id);
    } else {
        char bucket[PEER_ADDR_MAX];
        peer_bucket(addr, bucket);
        snprintf(out, ONLINE_KEY_MAX, "@%s", bucket);
    }
}

static backend *shared(const online *o)
{
    backend *b = o->srv ? o->srv->store : NULL;
    return b && b->ops->online_sync ? b : NULL;
}

int online_join(online *o, const char *key)
{
    if (!o)
        return 0;
    entry *e;
    HASH_FIND_STR(o->table, key, e);
    if (!e) {
        if (!(e = calloc(1, sizeof *e)))
            return -1;
        snprintf(e->key, sizeof e->key, "%s", key);
        HASH_ADD_STR(o->table, key, e);
        o->came++;
    } else if (!e->socks) {
        o->went--; /* left and came back before the sync */
    }
    if (!e->socks++)
        o->here++;
    return 0;
}

void online_leave(online *o, const char *key)
{
    if (!o)
        return;
    entry *e;
    HASH_FIND_STR(o->table, key, e);
    if (!e || !e->socks || --e->socks)
        return;
    o->here--;
    if (e->synced && shared(o)) {
        o->went++; /* Redis forgets it at the next sync */
        return;
    }
    if (!e->synced)
        o->came--;
    HASH_DEL(o->table, e);
    free(e);
}

uint32_t online_count(const online *o)
{
    if (!o)
        return 0;
    if (!shared(o) || !o->synced_once)
        return o->here;
    int64_t n = (int64_t)o->total + o->came - o->went;
    return n < (int64_t)o->here ? o->here : (uint32_t)n;
}

/* Tells Redis what changed here (or everything, after a failure). Returns the cluster's count,
 * or -1 when it could not be reached (the count stays the last one known). */
static int64_t sync_shared(online *o, backend *b)
{
    size_t n = HASH_COUNT(o->table), nadd = 0, ndel = 0;
    const char **add = malloc((n ? n : 1) * sizeof *add);
    const char **del = malloc((n ? n : 1) * sizeof *del);
    int64_t total = -1;
    if (!add || !del)
        goto out;
    for (int attempt = 0; attempt < 2; attempt++) {
        nadd = ndel = 0;
        entry *e, *tmp;
        HASH_ITER(hh, o->table, e, tmp) {
            if (e->socks && (o->full || !e->synced))
                add[nadd++] = e->key;
            else if (!e->socks && !o->full)
                del[ndel++] = e->key;
        }
        total = b->ops->online_sync(b, add, nadd, del, ndel, o->full, ONLINE_TTL_MS);
        if (total != BACKEND_ONLINE_UNKNOWN)
            break;
        o->full = 1; /* Redis forgot this process (it expired, or Redis restarted) */
    }
    if (total < 0) {
        o->full = 1;
        goto out;
    }
    o->full = 0;
    o->came = o->went = 0;
    entry *e, *tmp;
    HASH_ITER(hh, o->table, e, tmp) {
        if (e->socks) {
            e->synced = 1;
        } else {
            HASH_DEL(o->table, e);
            free(e);
        }
    }
out:
    free(add);
    free(del);
    return total;
}

static void on_tick(uv_timer_t *t)
{
    online *o = t->data;
    backend *b = shared(o);
    if (b) {
        int64_t total = sync_shared(o, b);
        if (total >= 0) {
            o->total = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
            o->synced_once = 1;
        }
    } else {
        o->total = o->here;
    }
    o->tell(o->arg, online_count(o));
}

online *online_new(uv_loop_t *loop, struct place_server *srv, online_tell_fn tell, void *arg)
{
    online *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->srv = srv;
    o->tell = tell;
    o->arg = arg;
    o->timer.data = o;
    if (uv_timer_init(loop, &o->timer) < 0) {
        free(o);
        return NULL;
    }
    uv_timer_start(&o->timer, on_tick, ONLINE_PERIOD_MS, ONLINE_PERIOD_MS);
    return o;
}

static void on_closed(uv_handle_t *h)
{
    online *o = h->data;
    entry *e, *tmp;
    HASH_ITER(hh, o->table, e, tmp) {
        HASH_DEL(o->table, e);
        free(e);
    }
    free(o);
}

void online_free(online *o)
{
    if (!o)
        return;
    uv_timer_stop(&o->timer);
    uv_close((uv_handle_t *)&o->timer, on_closed);
}

/* The embedded store's people in memory (people.h): loop thread only, no SQLite. */
#include "people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "account.h"
#include "peer.h"
#include "util.h"

#define GUEST_SCAN 64 /* oldest guests looked at for one of a greedy address (see below) */

typedef struct session_rec session_rec;

/* What the store remembers of one address bucket: its cooldown and its budgets' windows. In
 * memory only (a restart forgets them); swept once nothing in it is running any more. */
typedef struct addr_rec {
    char addr[PEER_ADDR_MAX];
    int64_t next_placement;
    int64_t window_end[2]; /* per backend_budget */
    int count[2];
    /* its unstored guests, least recently used first: when it holds more than
     * max_guests_per_addr, or the whole store more than max_guests, an address's new guest
     * pushes out its own oldest one, never another address's */
    struct people_user *g_head, *g_tail;
    size_t guests;
    UT_hash_handle hh;
} addr_rec;

struct people_user {
    char id[BACKEND_ID_LEN + 1];
    char name[BACKEND_NAME_MAX + 1]; /* "" for a guest */
    char key[BACKEND_NAME_MAX + 1];  /* account_name_key(name): the name index's key */
    char *pwhash;                    /* NULL for a guest */
    uint8_t is_guest, is_admin, is_banned;
    uint8_t stored;         /* the users table has this user (else: a guest on the LRU list) */
    uint8_t unsaved;        /* a write of this record failed: write it again at the next chance */
    int64_t banned_until;   /* 0: no end */
    char *ban_reason;       /* NULL: none */
    struct {
        char addr[PEER_ADDR_MAX];
        int64_t seen;
    } addrs[BACKEND_ADDRS_PER_USER]; /* most recent first; "" unused */
    int64_t next_placement; /* cooldown reservation, ms */
    session_rec *guest_se;  /* an unstored guest's one session (NULL once it is gone) */
    struct people_user *lru_prev, *lru_next; /* unstored guests, least recently used first */
    addr_rec *gaddr;                         /* an unstored guest's address (NULL: unknown) */
    struct people_user *ga_prev, *ga_next;   /* on gaddr's list, least recently used first */
    UT_hash_handle hh;      /* by id */
    UT_hash_handle hh_name; /* by name, registered users only */
};

struct session_rec {
    char token[BACKEND_TOKEN_LEN + 1];
    people_user *user;
    int64_t expires;
    int64_t persisted; /* the expiry the database holds (if the user is stored) */
    UT_hash_handle hh;
};

struct people {
    people_config cfg;
    people_io io;
    people_user *users;
    people_user *users_by_name;
    session_rec *sessions;
    people_user *lru_head, *lru_tail; /* unstored guests */
    size_t nguests;
    addr_rec *addrs;
    backend_addr_ban *bans; /* the address bans, as stored */
    size_t nbans;
};

people *people_new(const people_config *cfg, const people_io *io)
{
    people *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cfg = *cfg;
    p->io = *io;
    return p;
}

void people_set_cooldown(people *p, int cooldown_ms)
{
    p->cfg.cooldown_ms = cooldown_ms;
}

static void free_user(people_user *u)
{
    free(u->pwhash);
    free(u->ban_reason);
    free(u);
}

static people_user *find_user(people *p, const char *id)
{
    people_user *u = NULL;
    if (id)
        HASH_FIND_STR(p->users, id, u);
    return u;
}

static people_user *find_name(people *p, const char *name)
{
    people_user *u;
    char key[BACKEND_NAME_MAX + 1];
    account_name_key(name, key);
    HASH_FIND(hh_name, p->users_by_name, key, strlen(key), u);
    return u;
}

static void user_out(const people_user *u, int64_t now, backend_user *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->id, u->id, sizeof out->id);
    if (u->is_guest)
        account_guest_name(out->name, u->id);
    else
        memcpy(out->name, u->name, sizeof out->name);
    out->is_guest = u->is_guest;
    out->is_admin = u->is_admin;
    out->is_banned = u->is_banned && (!u->banned_until || u->banned_until > now);
    if (out->is_banned) {
        out->banned_until = u->banned_until;
        snprintf(out->ban_reason, sizeof out->ban_reason, "%s", u->ban_reason ? u->ban_reason : "");
    }
    out->next_placement = u->next_placement > now ? u->next_placement : 0;
}

static int put_user(people *p, const people_user *u)
{
    return p->io.put_user(p->io.arg, u->id, u->name, u->pwhash, u->is_guest, u->is_admin,
                          u->is_banned, u->banned_until, u->ban_reason ? u->ban_reason : "");
}

static void lru_append(people *p, people_user *u)
{
    u->lru_prev = p->lru_tail;
    u->lru_next = NULL;
    if (p->lru_tail)
        p->lru_tail->lru_next = u;
    else
        p->lru_head = u;
    p->lru_tail = u;
    p->nguests++;
    addr_rec *a = u->gaddr;
    if (a) {
        u->ga_prev = a->g_tail;
        u->ga_next = NULL;
        if (a->g_tail)
            a->g_tail->ga_next = u;
        else
            a->g_head = u;
        a->g_tail = u;
        a->guests++;
    }
}

static void lru_unlink(people *p, people_user *u)
{
    if (u->lru_prev)
        u->lru_prev->lru_next = u->lru_next;
    else
        p->lru_head = u->lru_next;
    if (u->lru_next)
        u->lru_next->lru_prev = u->lru_prev;
    else
        p->lru_tail = u->lru_prev;
    u->lru_prev = u->lru_next = NULL;
    p->nguests--;
    addr_rec *a = u->gaddr;
    if (a) {
        if (u->ga_prev)
            u->ga_prev->ga_next = u->ga_next;
        else
            a->g_head = u->ga_next;
        if (u->ga_next)
            u->ga_next->ga_prev = u->ga_prev;
        else
            a->g_tail = u->ga_prev;
        u->ga_prev = u->ga_next = NULL;
        a->guests--;
    }
}

/* Writes the user's record; an unstored guest becomes stored (leaves the LRU list) and its
 * session is written too, ahead of whatever the caller writes next; so are the sessions of a
 * user whose last write failed. Returns 0 or -1. */
static int save_user(people *p, people_user *u)
{
    if (put_user(p, u) < 0)
        return -1;
    if (u->unsaved) {
        u->unsaved = 0;
        session_rec *se, *tmp;
        HASH_ITER(hh, p->sessions, se, tmp)
            if (se->user == u && se != u->guest_se && se->persisted != se->expires &&
                p->io.put_session(p->io.arg, se->token, u->id, se->expires) == 0)
                se->persisted = se->expires;
    }
    if (u->stored)
        return 0;
    u->stored = 1;
    lru_unlink(p, u);
    u->gaddr = NULL;
    session_rec *se = u->guest_se;
    u->guest_se = NULL;
    if (se && p->io.put_session(p->io.arg, se->token, u->id, se->expires) == 0)
        se->persisted = se->expires;
    for (int i = 0; i < BACKEND_ADDRS_PER_USER && u->addrs[i].addr[0]; i++)
        if (p->io.put_user_addr(p->io.arg, u->id, u->addrs[i].addr, u->addrs[i].seen) < 0)
            break;
    return 0;
}

static void drop_session(people *p, session_rec *se)
{
    if (se->user->guest_se == se)
        se->user->guest_se = NULL;
    HASH_DEL(p->sessions, se);
    free(se);
}

/* Forgets an unstored guest (and its session): nothing of it is on disk. */
static void forget_guest(people *p, people_user *u)
{
    if (u->guest_se)
        drop_session(p, u->guest_se);
    lru_unlink(p, u);
    HASH_DEL(p->users, u);
    free_user(u);
}

/* Ends a session in memory and on disk; an unstored guest goes with its only session. */
static void forget_session(people *p, session_rec *se)
{
    people_user *u = se->user;
    if (u->stored)
        p->io.del_session(p->io.arg, se->token);
    drop_session(p, se);
    if (!u->stored)
        forget_guest(p, u);
}

static addr_rec *find_addr(people *p, const char *addr, int create)
{
    addr_rec *a;
    HASH_FIND_STR(p->addrs, addr, a);
    if (a || !create)
        return a;
    if (!(a = calloc(1, sizeof *a)))
        return NULL;
    snprintf(a->addr, sizeof a->addr, "%s", addr);
    HASH_ADD_STR(p->addrs, addr, a);
    return a;
}

/* The address cooldown a user waits for under the store's scope (0: none). */
static int64_t addr_wait(people *p, const people_user *u, const char *addr)
{
    backend_cooldown_scope scope = p->cfg.scope;
    if (scope == BACKEND_SCOPE_ACCOUNT || (scope == BACKEND_SCOPE_GUESTS && !u->is_guest))
        return 0;
    addr_rec *a = addr && addr[0] ? find_addr(p, addr, 0) : NULL;
    return a ? a->next_placement : 0;
}

/* ---------------------------------------------------------------- loading */

int people_load_user(people *p, const char *id, const char *name, const char *pwhash,
                     int is_guest, int is_admin, int is_banned, int64_t banned_until,
                     const char *reason, int64_t last_place, int64_t now)
{
    people_user *u = calloc(1, sizeof *u);
    if (!u)
        return -1;
    snprintf(u->id, sizeof u->id, "%s", id ? id : "");
    snprintf(u->name, sizeof u->name, "%s", name ? name : "");
    u->pwhash = pwhash ? strdup(pwhash) : NULL;
    u->is_guest = (uint8_t)is_guest;
    u->is_admin = (uint8_t)is_admin;
    u->is_banned = (uint8_t)is_banned;
    u->stored = 1;
    u->banned_until = banned_until;
    u->ban_reason = reason && reason[0] ? strdup(reason) : NULL;
    int cooldown = p->cfg.cooldown_ms;
    if (cooldown > 0 && last_place > 0 && last_place + cooldown > now)
        u->next_placement = last_place + cooldown;
    HASH_ADD_STR(p->users, id, u);
    if (u->name[0] && !u->is_guest) {
        account_name_key(u->name, u->key);
        HASH_ADD_KEYPTR(hh_name, p->users_by_name, u->key, strlen(u->key), u);
    }
    return 0;
}

void people_load_last_place(people *p, const char *user_id, int64_t time_ms, int64_t now)
{
    people_user *u = find_user(p, user_id);
    int cooldown = p->cfg.cooldown_ms;
    if (u && cooldown > 0 && time_ms + cooldown > now && time_ms + cooldown > u->next_placement)
        u->next_placement = time_ms + cooldown;
}

int people_load_session(people *p, const char *token, const char *user_id, int64_t expires)
{
    people_user *u = find_user(p, user_id);
    if (!u || !token || strlen(token) != BACKEND_TOKEN_LEN)
        return 0;
    session_rec *se = calloc(1, sizeof *se);
    if (!se)
        return -1;
    memcpy(se->token, token, BACKEND_TOKEN_LEN + 1);
    se->user = u;
    se->expires = se->persisted = expires;
    HASH_ADD_STR(p->sessions, token, se);
    return 0;
}

void people_load_user_addr(people *p, const char *user_id, const char *addr, int64_t seen)
{
    people_user *u = find_user(p, user_id);
    if (!u || !addr)
        return;
    for (int i = 0; i < BACKEND_ADDRS_PER_USER; i++)
        if (!u->addrs[i].addr[0]) {
            snprintf(u->addrs[i].addr, sizeof u->addrs[i].addr, "%s", addr);
            u->addrs[i].seen = seen;
            break;
        }
}

int people_load_ban(people *p, const backend_addr_ban *ban)
{
    backend_addr_ban *v = realloc(p->bans, (p->nbans + 1) * sizeof *v);
    if (!v)
        return -1;
    p->bans = v;
    p->bans[p->nbans++] = *ban;
    return 0;
}

/* ---------------------------------------------------------------- placing */

place_err people_place(people *p, const char *user_id, const char *addr, int64_t now,
                       backend_place_result *r, int64_t *prev_next)
{
    *r = (backend_place_result){PLACE_ERR_NONE, 0, 0, -1};
    people_user *u = find_user(p, user_id);
    int64_t wait = 0;
    if (u) {
        wait = addr_wait(p, u, addr);
        if (u->next_placement > wait)
            wait = u->next_placement;
    }
    if (!u)
        r->err = PLACE_ERR_NOT_ALLOWED;
    else if (u->is_banned && (!u->banned_until || u->banned_until > now))
        r->err = PLACE_ERR_BANNED;
    else if (wait > now) {
        r->err = PLACE_ERR_COOLDOWN;
        r->next_placement = wait;
        r->retry_after_ms = wait - now;
    } else if ((!u->stored || u->unsaved) && save_user(p, u) < 0)
        r->err = PLACE_ERR_INTERNAL; /* a guest's first pixel: the guest is kept from now on */
    if (r->err)
        return r->err;
    int cooldown = p->cfg.cooldown_ms;
    *prev_next = u->next_placement;
    r->next_placement = cooldown > 0 ? now + cooldown : 0;
    u->next_placement = r->next_placement;
    if (p->cfg.scope != BACKEND_SCOPE_ACCOUNT && cooldown > 0 && addr && addr[0]) {
        addr_rec *a = find_addr(p, addr, 1);
        if (a)
            a->next_placement = r->next_placement;
    }
    return PLACE_ERR_NONE;
}

void people_place_undo(people *p, const char *user_id, int64_t next_placement, int64_t prev_next)
{
    people_user *u = find_user(p, user_id);
    if (u && u->next_placement == next_placement)
        u->next_placement = prev_next; /* the cooldown was not spent */
}

/* ---------------------------------------------------------------- sessions */

int people_session_get(people *p, const char *token, int64_t now, backend_user *out)
{
    session_rec *se;
    HASH_FIND_STR(p->sessions, token, se);
    if (!se)
        return -1;
    if (se->expires < now) {
        forget_session(p, se);
        return -1;
    }
    se->expires = now + BACKEND_SESSION_TTL_MS;
    if (!se->user->stored) {
        lru_unlink(p, se->user); /* the most recently used guest now */
        lru_append(p, se->user);
    } else if (se->expires - se->persisted > PEOPLE_SESSION_PERSIST_MS &&
               p->io.put_session(p->io.arg, se->token, se->user->id, se->expires) == 0) {
        se->persisted = se->expires;
    }
    user_out(se->user, now, out);
    return 0;
}

int people_session_new(people *p, const char *user_id, int64_t now,
                       char token[BACKEND_TOKEN_LEN + 1])
{
    people_user *u = find_user(p, user_id);
    if (!u)
        return -1;
    session_rec *se = calloc(1, sizeof *se);
    if (!se || ((!u->stored || u->unsaved) && save_user(p, u) < 0)) {
        free(se);
        return -1;
    }
    util_random_hex(se->token, BACKEND_TOKEN_LEN / 2);
    se->user = u;
    se->expires = se->persisted = now + BACKEND_SESSION_TTL_MS;
    if (p->io.put_session(p->io.arg, se->token, u->id, se->expires) < 0) {
        free(se);
        return -1;
    }
    HASH_ADD_STR(p->sessions, token, se);
    memcpy(token, se->token, BACKEND_TOKEN_LEN + 1);
    return 0;
}

int people_session_new_guest(people *p, const char *addr, int64_t now,
                             char token[BACKEND_TOKEN_LEN + 1], backend_user *out)
{
    people_user *u = calloc(1, sizeof *u);
    session_rec *se = calloc(1, sizeof *se);
    if (!u || !se) {
        free(u);
        free(se);
        return -1;
    }
    util_random_hex(u->id, BACKEND_ID_LEN / 2);
    u->is_guest = 1;
    u->next_placement = addr_wait(p, u, addr); /* a logged-out player waits as a guest */
    util_random_hex(se->token, BACKEND_TOKEN_LEN / 2);
    se->user = u;
    se->expires = se->persisted = now + BACKEND_SESSION_TTL_MS;
    u->guest_se = se;
    u->gaddr = addr && addr[0] ? find_addr(p, addr, 1) : NULL;
    HASH_ADD_STR(p->users, id, u);
    HASH_ADD_STR(p->sessions, token, se);
    lru_append(p, u);
    memcpy(token, se->token, BACKEND_TOKEN_LEN + 1);
    user_out(u, now, out);
    /* room is made from the new guest's own address: its oldest unplaced guest goes. Only an
     * address holding no other guest pushes out another's: the least recently used guest of an
     * address holding several, if one is among the oldest GUEST_SCAN, else the oldest. */
    addr_rec *a = u->gaddr;
    while (a && a->guests > p->cfg.max_guests_per_addr && a->g_head != u)
        forget_guest(p, a->g_head);
    int scanned = 0;
    while (p->nguests > p->cfg.max_guests && p->lru_head != u) {
        people_user *victim = a && a->g_head != u ? a->g_head : NULL;
        for (people_user *g = p->lru_head; !victim && g && g != u; g = g->lru_next) {
            if (g->gaddr && g->gaddr->guests > 1)
                victim = g;
            if (++scanned >= GUEST_SCAN)
                break;
        }
        forget_guest(p, victim ? victim : p->lru_head);
    }
    return 0;
}

void people_session_revoke(people *p, const char *token)
{
    session_rec *se;
    HASH_FIND_STR(p->sessions, token, se);
    if (se)
        forget_session(p, se);
}

void people_session_unsaved(people *p, const char *token, int drop)
{
    session_rec *se;
    HASH_FIND_STR(p->sessions, token, se);
    if (se && drop)
        drop_session(p, se);
    else if (se)
        se->persisted = 0; /* written again at its next use */
}

/* ---------------------------------------------------------------- users */

int people_user_get(people *p, const char *user_id, int64_t now, backend_user *out)
{
    people_user *u = find_user(p, user_id);
    if (!u)
        return -1;
    user_out(u, now, out);
    return 0;
}

int people_register(people *p, const char *guest_id, const char *name, const char *pwhash,
                    int64_t now, backend_user *out, int *fresh)
{
    if (find_name(p, name))
        return PLACE_ERR_USERNAME_TAKEN;
    char *hash = strdup(pwhash);
    if (!hash)
        return -1;
    people_user *u = find_user(p, guest_id);
    *fresh = !u || !u->is_guest;
    if (*fresh) {
        if (!(u = calloc(1, sizeof *u))) {
            free(hash);
            return -1;
        }
        util_random_hex(u->id, BACKEND_ID_LEN / 2);
        u->stored = 1; /* written below */
    }
    snprintf(u->name, sizeof u->name, "%s", name);
    free(u->pwhash);
    u->pwhash = hash;
    u->is_guest = 0;
    if (*fresh)
        HASH_ADD_STR(p->users, id, u);
    account_name_key(u->name, u->key);
    HASH_ADD_KEYPTR(hh_name, p->users_by_name, u->key, strlen(u->key), u);
    if (save_user(p, u) < 0) {
        fprintf(stderr, "placed: store: out of memory saving user %s\n", u->name);
        return -1; /* (the name stays taken in memory until a restart) */
    }
    user_out(u, now, out);
    return PLACE_ERR_NONE;
}

void people_user_unsaved(people *p, const char *user_id, const char *name, int is_register,
                         int fresh)
{
    people_user *u = find_user(p, user_id);
    if (!u)
        return;
    u->unsaved = 1;
    if (!is_register || find_name(p, name) != u)
        return;
    HASH_DELETE(hh_name, p->users_by_name, u);
    if (fresh) {
        /* a login that raced the failed commit may hold a session of it */
        session_rec *se, *tmp;
        HASH_ITER(hh, p->sessions, se, tmp)
            if (se->user == u)
                drop_session(p, se);
        HASH_DEL(p->users, u);
        free_user(u);
    } else { /* the guest stays a guest */
        u->name[0] = 0;
        free(u->pwhash);
        u->pwhash = NULL;
        u->is_guest = 1;
    }
}

int people_credentials(people *p, const char *name, int64_t now, backend_user *out,
                       char pwhash[BACKEND_HASH_MAX + 1])
{
    people_user *u = find_name(p, name);
    if (!u || !u->pwhash)
        return PLACE_ERR_BAD_CREDENTIALS;
    user_out(u, now, out);
    snprintf(pwhash, BACKEND_HASH_MAX + 1, "%s", u->pwhash);
    return PLACE_ERR_NONE;
}

/* ---------------------------------------------------------------- bans and admin acts */

/* Adds (or replaces: one ban per block) an address ban in memory and on disk. */
static int put_ban(people *p, const backend_addr_ban *ban)
{
    for (size_t i = 0; i < p->nbans; i++)
        if (!strcmp(p->bans[i].cidr, ban->cidr)) {
            p->bans[i] = *ban;
            return p->io.put_ban(p->io.arg, ban);
        }
    backend_addr_ban *v = realloc(p->bans, (p->nbans + 1) * sizeof *v);
    if (!v)
        return -1;
    p->bans = v;
    p->bans[p->nbans++] = *ban;
    return p->io.put_ban(p->io.arg, ban);
}

/* Removes the bans on block cidr (cidr NULL: those that came from the account user_id).
 * Returns how many went. */
static size_t drop_bans(people *p, const char *cidr, const char *user_id)
{
    size_t k = 0, gone = 0;
    for (size_t i = 0; i < p->nbans; i++) {
        int drop = cidr ? !strcmp(p->bans[i].cidr, cidr)
                        : (p->bans[i].user_id[0] && !strcmp(p->bans[i].user_id, user_id));
        if (drop) {
            p->io.del_ban(p->io.arg, &p->bans[i]);
            gone++;
        } else {
            p->bans[k++] = p->bans[i];
        }
    }
    p->nbans = k;
    return gone;
}

const backend_addr_ban *people_bans(const people *p, size_t *n)
{
    *n = p->nbans;
    return p->bans;
}

static int admin_addr(people *p, const backend_admin_req *q, const char *cidr, char *err,
                      size_t errcap, people_admin_out *o)
{
    backend_addr_ban ban;
    memset(&ban, 0, sizeof ban);
    snprintf(ban.cidr, sizeof ban.cidr, "%s", cidr);
    if (q->op == BACKEND_ADMIN_UNBAN_ADDR) {
        if (!drop_bans(p, ban.cidr, NULL)) {
            snprintf(err, errcap, "%s is not banned", ban.cidr);
            return PLACE_ERR_NOT_FOUND;
        }
    } else {
        ban.until = q->until;
        snprintf(ban.reason, sizeof ban.reason, "%s", q->reason ? q->reason : "");
        if (put_ban(p, &ban) < 0) {
            snprintf(err, errcap, "out of memory");
            return -1;
        }
    }
    o->bans_changed = 1;
    return PLACE_ERR_NONE;
}

int people_admin(people *p, const backend_admin_req *q, const char *cidr, int64_t now, char *err,
                 size_t errcap, people_admin_out *o)
{
    memset(o, 0, sizeof *o);
    if (q->op == BACKEND_ADMIN_BAN_ADDR || q->op == BACKEND_ADMIN_UNBAN_ADDR)
        return admin_addr(p, q, cidr, err, errcap, o);
    people_user *u = NULL;
    if (q->name)
        u = find_name(p, q->name);
    else if (q->id)
        u = find_user(p, q->id);
    if (!u) {
        if (q->name)
            snprintf(err, errcap, "no user named \"%s\"", q->name);
        else
            snprintf(err, errcap, "no user with id \"%s\"", q->id ? q->id : "");
        return PLACE_ERR_NOT_FOUND;
    }
    switch (q->op) {
    case BACKEND_ADMIN_GRANT: u->is_admin = 1; break;
    case BACKEND_ADMIN_REVOKE: u->is_admin = 0; break;
    case BACKEND_ADMIN_BAN: {
        char *reason = q->reason && q->reason[0] ? strdup(q->reason) : NULL;
        u->is_banned = 1;
        u->banned_until = q->until;
        free(u->ban_reason);
        u->ban_reason = reason;
        break;
    }
    case BACKEND_ADMIN_UNBAN:
        u->is_banned = 0;
        u->banned_until = 0;
        free(u->ban_reason);
        u->ban_reason = NULL;
        break;
    default: break;
    }
    if (save_user(p, u) < 0) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    if (q->op == BACKEND_ADMIN_BAN) {
        /* the addresses the account used lately are banned for guests, so that starting over
         * as a guest from there does not lift the ban */
        for (int i = 0; q->addr_window_ms > 0 && i < BACKEND_ADDRS_PER_USER; i++) {
            if (!u->addrs[i].addr[0] || u->addrs[i].seen < now - q->addr_window_ms)
                continue;
            backend_addr_ban ban;
            memset(&ban, 0, sizeof ban);
            snprintf(ban.cidr, sizeof ban.cidr, "%s", u->addrs[i].addr);
            ban.until = q->until;
            ban.guests_only = 1;
            memcpy(ban.user_id, u->id, sizeof ban.user_id);
            snprintf(ban.reason, sizeof ban.reason, "%s", q->reason ? q->reason : "");
            o->bans_changed |= put_ban(p, &ban) == 0;
        }
        memcpy(o->banned, u->id, sizeof o->banned);
    } else if (q->op == BACKEND_ADMIN_UNBAN) {
        o->bans_changed = drop_bans(p, NULL, u->id) > 0;
        memcpy(o->unbanned, u->id, sizeof o->unbanned);
    }
    return PLACE_ERR_NONE;
}

/* ---------------------------------------------------------------- addresses */

/* Remembers addr for u in memory, most recent first; 1 when the stored list should be written
 * (a new address, or one last written over an hour ago). */
static int note_addr(people_user *u, const char *addr, int64_t now)
{
    int i = 0;
    while (i < BACKEND_ADDRS_PER_USER - 1 && u->addrs[i].addr[0] && strcmp(u->addrs[i].addr, addr))
        i++;
    int known = !strcmp(u->addrs[i].addr, addr);
    int64_t seen = known ? u->addrs[i].seen : 0;
    int fresh = !known || now - seen > 3600LL * 1000;
    memmove(&u->addrs[1], &u->addrs[0], (size_t)i * sizeof u->addrs[0]);
    snprintf(u->addrs[0].addr, sizeof u->addrs[0].addr, "%s", addr);
    u->addrs[0].seen = fresh ? now : seen; /* as written: at most an hour old */
    return fresh;
}

void people_addr_seen(people *p, const char *user_id, const char *addr, int64_t now)
{
    people_user *u = find_user(p, user_id);
    if (!u || !addr || !addr[0])
        return;
    if (!note_addr(u, addr, now) || !u->stored)
        return; /* an unstored guest's addresses live as long as it does, in memory */
    p->io.put_user_addr(p->io.arg, u->id, addr, now);
}

int people_addr_budget(people *p, backend_budget kind, const char *addr, int limit, int64_t now,
                       int64_t *retry_ms)
{
    if (limit <= 0)
        return 0;
    addr_rec *a = find_addr(p, addr, 1);
    if (!a)
        return -1;
    if (a->window_end[kind] <= now) {
        a->window_end[kind] = now + BACKEND_BUDGET_WINDOW_MS;
        a->count[kind] = 0;
    }
    if (a->count[kind] >= limit) {
        *retry_ms = a->window_end[kind] - now;
        return 1;
    }
    a->count[kind]++;
    return 0;
}

/* ---------------------------------------------------------------- housekeeping */

void people_sweep(people *p, int64_t now)
{
    session_rec *se, *tmp;
    HASH_ITER(hh, p->sessions, se, tmp)
        if (se->expires < now)
            forget_session(p, se);
    addr_rec *a, *atmp;
    HASH_ITER(hh, p->addrs, a, atmp)
        if (a->next_placement <= now && a->window_end[0] <= now && a->window_end[1] <= now &&
            !a->guests) {
            HASH_DEL(p->addrs, a);
            free(a);
        }
}

void people_persist_expiries(people *p)
{
    /* every session's exact expiry, so none ends early after a clean restart (a kill -9 leaves
     * them at most PEOPLE_SESSION_PERSIST_MS early) */
    session_rec *se, *tmp;
    HASH_ITER(hh, p->sessions, se, tmp)
        if (se->user->stored && se->expires != se->persisted &&
            p->io.put_session(p->io.arg, se->token, se->user->id, se->expires) == 0)
            se->persisted = se->expires;
}

void people_free(people *p)
{
    if (!p)
        return;
    session_rec *se, *stmp;
    HASH_ITER(hh, p->sessions, se, stmp) drop_session(p, se);
    HASH_CLEAR(hh_name, p->users_by_name);
    addr_rec *a, *atmp;
    HASH_ITER(hh, p->addrs, a, atmp)
    {
        HASH_DEL(p->addrs, a);
        free(a);
    }
    people_user *u, *utmp;
    HASH_ITER(hh, p->users, u, utmp)
    {
        HASH_DEL(p->users, u);
        free_user(u);
    }
    free(p->bans);
    free(p);
}

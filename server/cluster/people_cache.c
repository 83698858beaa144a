/* The cluster's people as this process last saw them (people_cache.h). */
#include "people_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

typedef struct user_ent {
    char id[BACKEND_ID_LEN + 1];
    backend_user u;
    UT_hash_handle hh;
} user_ent;

typedef struct sess_ent {
    char token[BACKEND_TOKEN_LEN + 1];
    char id[BACKEND_ID_LEN + 1];
    UT_hash_handle hh;
} sess_ent;

struct people_cache {
    size_t max;
    user_ent *users;
    sess_ent *sessions;
    size_t n_users, n_sessions;
};

people_cache *people_cache_new(size_t max)
{
    people_cache *pc = calloc(1, sizeof *pc);
    if (pc)
        pc->max = max;
    return pc;
}

static void clear_users(people_cache *pc)
{
    user_ent *e, *tmp;
    HASH_ITER(hh, pc->users, e, tmp) {
        HASH_DEL(pc->users, e);
        free(e);
    }
    pc->n_users = 0;
}

static void clear_sessions(people_cache *pc)
{
    sess_ent *e, *tmp;
    HASH_ITER(hh, pc->sessions, e, tmp) {
        HASH_DEL(pc->sessions, e);
        free(e);
    }
    pc->n_sessions = 0;
}

void people_cache_free(people_cache *pc)
{
    if (!pc)
        return;
    clear_users(pc);
    clear_sessions(pc);
    free(pc);
}

void people_cache_put_user(people_cache *pc, const backend_user *u)
{
    user_ent *e;
    HASH_FIND_STR(pc->users, u->id, e);
    if (!e) {
        if (pc->n_users >= pc->max)
            clear_users(pc);
        if (!(e = calloc(1, sizeof *e)))
            return;
        memcpy(e->id, u->id, sizeof e->id);
        HASH_ADD_STR(pc->users, id, e);
        pc->n_users++;
    }
    e->u = *u;
}

int people_cache_user(people_cache *pc, const char *id, backend_user *out)
{
    user_ent *e;
    HASH_FIND_STR(pc->users, id, e);
    if (!e)
        return -1;
    *out = e->u;
    return 0;
}

void people_cache_drop_user(people_cache *pc, const char *id)
{
    user_ent *e;
    HASH_FIND_STR(pc->users, id, e);
    if (e) {
        HASH_DEL(pc->users, e);
        free(e);
        pc->n_users--;
    }
}

void people_cache_put_session(people_cache *pc, const char *token, const char *id)
{
    sess_ent *e;
    HASH_FIND_STR(pc->sessions, token, e);
    if (!e) {
        if (pc->n_sessions >= pc->max)
            clear_sessions(pc);
        if (!(e = calloc(1, sizeof *e)))
            return;
        snprintf(e->token, sizeof e->token, "%s", token);
        HASH_ADD_STR(pc->sessions, token, e);
        pc->n_sessions++;
    }
    snprintf(e->id, sizeof e->id, "%s", id);
}

int people_cache_session_user(people_cache *pc, const char *token, backend_user *out)
{
    sess_ent *e;
    HASH_FIND_STR(pc->sessions, token, e);
    return e ? people_cache_user(pc, e->id, out) : -1;
}

void people_cache_drop_session(people_cache *pc, const char *token)
{
    sess_ent *e;
    HASH_FIND_STR(pc->sessions, token, e);
    if (e) {
        HASH_DEL(pc->sessions, e);
        free(e);
        pc->n_sessions--;
    }
}

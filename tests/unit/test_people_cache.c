/* The cluster's memory of users and sessions (server/cluster/people_cache.c), without Redis:
 * what a player keeps while Redis is down, what is forgotten when another process says so, and
 * the bound. */
#include <stdio.h>
#include <string.h>

#include "people_cache.h"
#include "test.h"

static backend_user user(int n, const char *name)
{
    backend_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.id, sizeof u.id, "%032x", n);
    snprintf(u.name, sizeof u.name, "%s", name);
    return u;
}

static void token_of(int n, char t[BACKEND_TOKEN_LEN + 1])
{
    snprintf(t, BACKEND_TOKEN_LEN + 1, "%064x", n);
}

static void a_session_leads_to_its_user(void)
{
    people_cache *pc = people_cache_new(100);
    backend_user u = user(1, "alice"), out;
    char t[BACKEND_TOKEN_LEN + 1];
    token_of(1, t);
    CHECK_INT(people_cache_session_user(pc, t, &out), -1);
    people_cache_put_user(pc, &u);
    people_cache_put_session(pc, t, u.id);
    CHECK_INT(people_cache_session_user(pc, t, &out), 0);
    CHECK_STR(out.name, "alice");
    u.is_banned = 1; /* Redis answered again: the newer record counts */
    people_cache_put_user(pc, &u);
    CHECK_INT(people_cache_user(pc, u.id, &out), 0);
    CHECK(out.is_banned);
    people_cache_free(pc);
}

static void what_another_process_changed_is_forgotten(void)
{
    people_cache *pc = people_cache_new(100);
    backend_user u = user(2, "bob"), out;
    char t[BACKEND_TOKEN_LEN + 1];
    token_of(2, t);
    people_cache_put_user(pc, &u);
    people_cache_put_session(pc, t, u.id);
    people_cache_drop_user(pc, u.id); /* "ban", "unban" or "user" from another process */
    CHECK_INT(people_cache_session_user(pc, t, &out), -1);
    people_cache_put_user(pc, &u);
    CHECK_INT(people_cache_session_user(pc, t, &out), 0);
    people_cache_drop_session(pc, t); /* "end": a logout anywhere */
    CHECK_INT(people_cache_session_user(pc, t, &out), -1);
    CHECK_INT(people_cache_user(pc, u.id, &out), 0);
    people_cache_drop_session(pc, t); /* twice is harmless */
    people_cache_drop_user(pc, "unknown");
    people_cache_free(pc);
}

static void past_its_bound_the_memory_starts_over(void)
{
    people_cache *pc = people_cache_new(3);
    backend_user out;
    for (int i = 0; i < 3; i++) {
        backend_user u = user(10 + i, "p");
        people_cache_put_user(pc, &u);
    }
    backend_user again = user(10, "p2");
    people_cache_put_user(pc, &again); /* known: refreshed, not counted again */
    CHECK_INT(people_cache_user(pc, again.id, &out), 0);
    CHECK_STR(out.name, "p2");
    backend_user fourth = user(13, "q");
    people_cache_put_user(pc, &fourth);
    CHECK_INT(people_cache_user(pc, again.id, &out), -1);
    CHECK_INT(people_cache_user(pc, fourth.id, &out), 0);
    people_cache_free(pc);
}

TEST_MAIN(TEST(a_session_leads_to_its_user), TEST(what_another_process_changed_is_forgotten),
          TEST(past_its_bound_the_memory_starts_over))

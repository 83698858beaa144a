/* The embedded store's people in memory (server/people.c), without SQLite: what a player is
 * told (cooldowns, bans, names taken, budgets), which guests the LRU forgets, and what is
 * written to disk when (the io below records every write). */
#include <sodium.h>
#include <string.h>

#include "people.h"
#include "test.h"

#define T0 1700000000000LL /* a fixed "now" */
#define COOLDOWN 5000

/* The writes the people asked for. */
typedef struct io_log {
    int users, sessions, session_dels, user_addrs, ban_puts, ban_dels;
    int fail; /* refuse every write from now on */
    char last_user[BACKEND_ID_LEN + 1];
    char last_session[BACKEND_TOKEN_LEN + 1];
    char last_addr[64];
} io_log;

static io_log lg;

static int rec_user(void *arg, const char *id, const char *name, const char *pwhash, int is_guest,
                    int is_admin, int is_banned, int64_t banned_until, const char *reason)
{
    (void)arg, (void)name, (void)pwhash, (void)is_guest, (void)is_admin, (void)is_banned;
    (void)banned_until, (void)reason;
    if (lg.fail)
        return -1;
    lg.users++;
    snprintf(lg.last_user, sizeof lg.last_user, "%s", id);
    return 0;
}

static int rec_session(void *arg, const char *token, const char *user_id, int64_t expires)
{
    (void)arg, (void)user_id, (void)expires;
    if (lg.fail)
        return -1;
    lg.sessions++;
    snprintf(lg.last_session, sizeof lg.last_session, "%s", token);
    return 0;
}

static int rec_session_del(void *arg, const char *token)
{
    (void)arg, (void)token;
    lg.session_dels++;
    return 0;
}

static int rec_user_addr(void *arg, const char *user_id, const char *addr, int64_t seen)
{
    (void)arg, (void)user_id, (void)seen;
    lg.user_addrs++;
    snprintf(lg.last_addr, sizeof lg.last_addr, "%s", addr);
    return 0;
}

static int rec_ban(void *arg, const backend_addr_ban *ban)
{
    (void)arg, (void)ban;
    lg.ban_puts++;
    return 0;
}

static int rec_ban_del(void *arg, const backend_addr_ban *ban)
{
    (void)arg, (void)ban;
    lg.ban_dels++;
    return 0;
}

static people *open_people(int max_guests, int per_addr, backend_cooldown_scope scope)
{
    if (sodium_init() < 0)
        return NULL;
    memset(&lg, 0, sizeof lg);
    people_config cfg = {COOLDOWN, scope, (size_t)max_guests, (size_t)per_addr};
    people_io io = {NULL, rec_user, rec_session, rec_session_del, rec_user_addr, rec_ban,
                    rec_ban_del};
    return people_new(&cfg, &io);
}

static place_err place(people *p, const char *id, const char *addr, int64_t now,
                       backend_place_result *r)
{
    int64_t prev;
    return people_place(p, id, addr, now, r, &prev);
}

static void a_guest_costs_nothing_on_disk_until_it_places(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    char token[BACKEND_TOKEN_LEN + 1];
    backend_user u, again;
    CHECK_INT(people_session_new_guest(p, "10.0.0.1", T0, token, &u), 0);
    CHECK(u.is_guest);
    CHECK(!strncmp(u.name, "guest-", 6) && !strncmp(u.name + 6, u.id, 8));
    CHECK_INT(lg.users + lg.sessions, 0);
    CHECK_INT(people_session_get(p, token, T0 + 1, &again), 0);
    CHECK_STR(again.id, u.id);
    CHECK_INT(lg.users + lg.sessions, 0);

    backend_place_result r;
    CHECK_INT(place(p, u.id, "10.0.0.1", T0 + 2, &r), PLACE_ERR_NONE);
    CHECK_INT(r.next_placement, T0 + 2 + COOLDOWN);
    CHECK_INT(lg.users, 1); /* the guest and its session are kept from its first pixel */
    CHECK_INT(lg.sessions, 1);
    CHECK_STR(lg.last_user, u.id);
    CHECK_STR(lg.last_session, token);
    people_free(p);
}

static void a_cooldown_refuses_until_it_ends(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    char token[BACKEND_TOKEN_LEN + 1];
    backend_user u;
    people_session_new_guest(p, "10.0.0.1", T0, token, &u);
    backend_place_result r;
    CHECK_INT(place(p, u.id, "10.0.0.1", T0, &r), PLACE_ERR_NONE);
    CHECK_INT(place(p, u.id, "10.0.0.1", T0 + 1000, &r), PLACE_ERR_COOLDOWN);
    CHECK_INT(r.retry_after_ms, COOLDOWN - 1000);
    CHECK_INT(r.next_placement, T0 + COOLDOWN);
    CHECK_INT(place(p, u.id, "10.0.0.1", T0 + COOLDOWN, &r), PLACE_ERR_NONE);
    CHECK_INT(place(p, "0123456789abcdef0123456789abcdef", "10.0.0.1", T0, &r),
              PLACE_ERR_NOT_ALLOWED);
    people_free(p);
}

static void a_placement_not_stored_gives_its_cooldown_back(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    char token[BACKEND_TOKEN_LEN + 1];
    backend_user u;
    people_session_new_guest(p, "10.0.0.1", T0, token, &u);
    backend_place_result r;
    int64_t prev = -1;
    CHECK_INT(people_place(p, u.id, "10.0.0.1", T0, &r, &prev), PLACE_ERR_NONE);
    CHECK_INT(prev, 0);
    people_place_undo(p, u.id, r.next_placement, prev);
    CHECK_INT(place(p, u.id, "10.0.0.1", T0 + 1, &r), PLACE_ERR_NONE);
    people_free(p);
}

static void an_address_cooldown_holds_for_a_new_guest(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_GUESTS);
    char token[BACKEND_TOKEN_LEN + 1];
    backend_user a, b, c;
    people_session_new_guest(p, "10.0.0.1", T0, token, &a);
    backend_place_result r;
    CHECK_INT(place(p, a.id, "10.0.0.1", T0, &r), PLACE_ERR_NONE);
    /* starting over as a new guest from the same address does not start over the cooldown */
    people_session_new_guest(p, "10.0.0.1", T0 + 10, token, &b);
    CHECK_INT(b.next_placement, T0 + COOLDOWN);
    CHECK_INT(place(p, b.id, "10.0.0.1", T0 + 10, &r), PLACE_ERR_COOLDOWN);
    /* another address does not wait */
    people_session_new_guest(p, "10.0.0.2", T0 + 10, token, &c);
    CHECK_INT(place(p, c.id, "10.0.0.2", T0 + 10, &r), PLACE_ERR_NONE);
    people_free(p);
}

static void the_least_recently_used_guest_is_forgotten(void)
{
    people *p = open_people(3, 3, BACKEND_SCOPE_ACCOUNT);
    char tok[4][BACKEND_TOKEN_LEN + 1];
    backend_user u[4], out;
    const char *addrs[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
    for (int i = 0; i < 3; i++)
        people_session_new_guest(p, addrs[i], T0 + i, tok[i], &u[i]);
    CHECK_INT(people_session_get(p, tok[0], T0 + 5, &out), 0); /* the first is used again */
    people_session_new_guest(p, addrs[3], T0 + 6, tok[3], &u[3]);
    CHECK_INT(people_session_get(p, tok[1], T0 + 7, &out), -1); /* so the second went */
    CHECK_INT(people_user_get(p, u[1].id, T0 + 7, &out), -1);
    CHECK_INT(people_session_get(p, tok[0], T0 + 7, &out), 0);
    CHECK_INT(people_session_get(p, tok[2], T0 + 7, &out), 0);
    CHECK_INT(people_session_get(p, tok[3], T0 + 7, &out), 0);
    people_free(p);
}

static void a_greedy_address_pushes_out_only_its_own_guests(void)
{
    people *p = open_people(100, 2, BACKEND_SCOPE_ACCOUNT);
    char other[BACKEND_TOKEN_LEN + 1], tok[3][BACKEND_TOKEN_LEN + 1];
    backend_user o, u[3], out;
    people_session_new_guest(p, "10.0.0.9", T0, other, &o);
    for (int i = 0; i < 3; i++)
        people_session_new_guest(p, "10.0.0.1", T0 + 1 + i, tok[i], &u[i]);
    CHECK_INT(people_session_get(p, tok[0], T0 + 9, &out), -1);
    CHECK_INT(people_session_get(p, tok[1], T0 + 9, &out), 0);
    CHECK_INT(people_session_get(p, tok[2], T0 + 9, &out), 0);
    CHECK_INT(people_session_get(p, other, T0 + 9, &out), 0);
    people_free(p);
}

static void a_placed_guest_leaves_the_lru(void)
{
    people *p = open_people(1, 1, BACKEND_SCOPE_ACCOUNT);
    char a[BACKEND_TOKEN_LEN + 1], b[BACKEND_TOKEN_LEN + 1];
    backend_user ua, ub, out;
    people_session_new_guest(p, "10.0.0.1", T0, a, &ua);
    backend_place_result r;
    place(p, ua.id, "10.0.0.1", T0, &r);
    people_session_new_guest(p, "10.0.0.1", T0 + 1, b, &ub);
    CHECK_INT(people_session_get(p, a, T0 + 2, &out), 0); /* stored: no longer on the list */
    CHECK_INT(people_session_get(p, b, T0 + 2, &out), 0);
    people_free(p);
}

static void names_are_taken_by_their_key(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    backend_user u, v;
    int fresh = 0;
    CHECK_INT(people_register(p, NULL, "Alice", "$argon2id$x", T0, &u, &fresh), PLACE_ERR_NONE);
    CHECK(fresh);
    CHECK(!u.is_guest);
    CHECK_STR(u.name, "Alice");
    CHECK_INT(lg.users, 1);
    CHECK_INT(people_register(p, NULL, "aIice", "$argon2id$y", T0, &v, &fresh),
              PLACE_ERR_USERNAME_TAKEN);
    char hash[BACKEND_HASH_MAX + 1];
    CHECK_INT(people_credentials(p, "ALICE", T0, &v, hash), PLACE_ERR_NONE);
    CHECK_STR(v.id, u.id);
    CHECK_STR(hash, "$argon2id$x");
    CHECK_INT(people_credentials(p, "bob", T0, &v, hash), PLACE_ERR_BAD_CREDENTIALS);
    people_free(p);
}

static void a_guest_who_registers_keeps_its_id(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    char token[BACKEND_TOKEN_LEN + 1];
    backend_user g, u, out;
    people_session_new_guest(p, "10.0.0.1", T0, token, &g);
    int fresh = 1;
    CHECK_INT(people_register(p, g.id, "carol", "$h", T0, &u, &fresh), PLACE_ERR_NONE);
    CHECK(!fresh);
    CHECK_STR(u.id, g.id);
    CHECK_INT(lg.sessions, 1); /* its session is written with it */
    CHECK_INT(people_session_get(p, token, T0 + 1, &out), 0);
    CHECK_STR(out.name, "carol");
    people_free(p);
}

static void a_failed_registration_is_taken_back(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    backend_user u, out;
    int fresh = 0;
    people_register(p, NULL, "dave", "$h", T0, &u, &fresh);
    char token[BACKEND_TOKEN_LEN + 1];
    CHECK_INT(people_session_new(p, u.id, T0, token), 0); /* a login racing the commit */
    people_user_unsaved(p, u.id, "dave", 1, fresh);
    CHECK_INT(people_user_get(p, u.id, T0, &out), -1);
    CHECK_INT(people_session_get(p, token, T0, &out), -1);
    CHECK_INT(people_register(p, NULL, "dave", "$h", T0, &u, &fresh), PLACE_ERR_NONE);

    /* a guest whose registration failed stays a guest */
    char gt[BACKEND_TOKEN_LEN + 1];
    backend_user g;
    people_session_new_guest(p, "10.0.0.1", T0, gt, &g);
    people_register(p, g.id, "erin", "$h", T0, &u, &fresh);
    people_user_unsaved(p, g.id, "erin", 1, fresh);
    CHECK_INT(people_user_get(p, g.id, T0, &out), 0);
    CHECK(out.is_guest);
    char hash[BACKEND_HASH_MAX + 1];
    CHECK_INT(people_credentials(p, "erin", T0, &out, hash), PLACE_ERR_BAD_CREDENTIALS);
    people_free(p);
}

static void a_new_session_that_failed_is_forgotten(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    backend_user u, out;
    int fresh;
    people_register(p, NULL, "frank", "$h", T0, &u, &fresh);
    char token[BACKEND_TOKEN_LEN + 1];
    people_session_new(p, u.id, T0, token);
    people_session_unsaved(p, token, 1);
    CHECK_INT(people_session_get(p, token, T0, &out), -1);
    lg.fail = 1;
    CHECK_INT(people_session_new(p, u.id, T0, token), -1);
    people_free(p);
}

static void a_ban_refuses_and_covers_the_accounts_addresses(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    backend_user u, out;
    int fresh;
    people_register(p, NULL, "mallory", "$h", T0, &u, &fresh);
    people_addr_seen(p, u.id, "192.0.2.7", T0);
    people_addr_seen(p, u.id, "192.0.2.7", T0 + 1); /* known and fresh: not written again */
    CHECK_INT(lg.user_addrs, 1);
    CHECK_STR(lg.last_addr, "192.0.2.7");

    backend_admin_req q = {.op = BACKEND_ADMIN_BAN, .name = "mallory", .until = T0 + 60000,
                           .reason = "griefing", .addr_window_ms = 3600000};
    char err[200];
    people_admin_out o;
    CHECK_INT(people_admin(p, &q, NULL, T0 + 2, err, sizeof err, &o), PLACE_ERR_NONE);
    CHECK_STR(o.banned, u.id);
    CHECK(o.bans_changed);
    size_t n;
    const backend_addr_ban *bans = people_bans(p, &n);
    CHECK_INT(n, 1);
    CHECK_STR(bans[0].cidr, "192.0.2.7");
    CHECK(bans[0].guests_only);
    CHECK_STR(bans[0].user_id, u.id);

    backend_place_result r;
    CHECK_INT(place(p, u.id, "192.0.2.7", T0 + 3, &r), PLACE_ERR_BANNED);
    CHECK_INT(people_user_get(p, u.id, T0 + 3, &out), 0);
    CHECK(out.is_banned);
    CHECK_STR(out.ban_reason, "griefing");
    /* a timed ban that ran out is no ban */
    CHECK_INT(people_user_get(p, u.id, T0 + 60001, &out), 0);
    CHECK(!out.is_banned);

    q.op = BACKEND_ADMIN_UNBAN;
    CHECK_INT(people_admin(p, &q, NULL, T0 + 4, err, sizeof err, &o), PLACE_ERR_NONE);
    CHECK_STR(o.unbanned, u.id);
    people_bans(p, &n);
    CHECK_INT(n, 0);
    CHECK_INT(lg.ban_dels, 1);
    CHECK_INT(place(p, u.id, "192.0.2.7", T0 + 5, &r), PLACE_ERR_NONE);

    backend_admin_req nobody = {.op = BACKEND_ADMIN_BAN, .name = "nobody"};
    CHECK_INT(people_admin(p, &nobody, NULL, T0, err, sizeof err, &o), PLACE_ERR_NOT_FOUND);
    CHECK_STR(err, "no user named \"nobody\"");
    people_free(p);
}

static void address_bans_are_one_per_block(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    backend_admin_req q = {.op = BACKEND_ADMIN_BAN_ADDR, .addr = "10.0.0.0/8"};
    char err[200];
    people_admin_out o;
    CHECK_INT(people_admin(p, &q, "10.0.0.0/8", T0, err, sizeof err, &o), PLACE_ERR_NONE);
    q.reason = "again";
    CHECK_INT(people_admin(p, &q, "10.0.0.0/8", T0, err, sizeof err, &o), PLACE_ERR_NONE);
    size_t n;
    const backend_addr_ban *bans = people_bans(p, &n);
    CHECK_INT(n, 1);
    CHECK_STR(bans[0].reason, "again");
    q.op = BACKEND_ADMIN_UNBAN_ADDR;
    CHECK_INT(people_admin(p, &q, "10.0.0.0/8", T0, err, sizeof err, &o), PLACE_ERR_NONE);
    CHECK_INT(people_admin(p, &q, "10.0.0.0/8", T0, err, sizeof err, &o), PLACE_ERR_NOT_FOUND);
    CHECK_STR(err, "10.0.0.0/8 is not banned");
    people_free(p);
}

static void an_address_budget_holds_for_its_window(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    int64_t retry = 0;
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_GUEST, "10.0.0.1", 2, T0, &retry), 0);
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_GUEST, "10.0.0.1", 2, T0 + 1, &retry), 0);
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_GUEST, "10.0.0.1", 2, T0 + 2, &retry), 1);
    CHECK_INT(retry, BACKEND_BUDGET_WINDOW_MS - 2);
    /* the other budget and another address count apart */
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_REGISTER, "10.0.0.1", 2, T0, &retry), 0);
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_GUEST, "10.0.0.2", 2, T0, &retry), 0);
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_GUEST, "10.0.0.1", 2,
                                 T0 + BACKEND_BUDGET_WINDOW_MS, &retry), 0);
    CHECK_INT(people_addr_budget(p, BACKEND_BUDGET_GUEST, "10.0.0.1", 0, T0, &retry), 0);
    people_free(p);
}

static void expired_sessions_are_swept(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    backend_user u, out;
    int fresh;
    people_register(p, NULL, "grace", "$h", T0, &u, &fresh);
    char token[BACKEND_TOKEN_LEN + 1], gt[BACKEND_TOKEN_LEN + 1];
    people_session_new(p, u.id, T0, token);
    people_session_new_guest(p, "10.0.0.1", T0, gt, &out);
    people_sweep(p, T0 + BACKEND_SESSION_TTL_MS + 1);
    CHECK_INT(lg.session_dels, 1); /* the stored one is deleted on disk, the guest only forgotten */
    CHECK_INT(people_session_get(p, token, T0, &out), -1);
    CHECK_INT(people_session_get(p, gt, T0, &out), -1);
    people_free(p);
}

static void loaded_people_come_back(void)
{
    people *p = open_people(100, 100, BACKEND_SCOPE_ACCOUNT);
    const char *id = "00112233445566778899aabbccddeeff";
    char token[BACKEND_TOKEN_LEN + 1];
    memset(token, 'a', BACKEND_TOKEN_LEN);
    token[BACKEND_TOKEN_LEN] = 0;
    CHECK_INT(people_load_user(p, id, "heidi", "$h", 0, 1, 0, 0, "", T0 - 1000, T0), 0);
    CHECK_INT(people_load_session(p, token, id, T0 + 1000), 0);
    CHECK_INT(people_load_session(p, "short", id, T0 + 1000), 0); /* ignored */
    backend_user out;
    CHECK_INT(people_session_get(p, token, T0, &out), 0);
    CHECK_STR(out.name, "heidi");
    CHECK(out.is_admin);
    CHECK_INT(out.next_placement, T0 - 1000 + COOLDOWN); /* the cooldown survives a restart */
    CHECK_INT(people_session_get(p, "short", T0, &out), -1);
    people_free(p);
}

TEST_MAIN(TEST(a_guest_costs_nothing_on_disk_until_it_places),
          TEST(a_cooldown_refuses_until_it_ends),
          TEST(a_placement_not_stored_gives_its_cooldown_back),
          TEST(an_address_cooldown_holds_for_a_new_guest),
          TEST(the_least_recently_used_guest_is_forgotten),
          TEST(a_greedy_address_pushes_out_only_its_own_guests),
          TEST(a_placed_guest_leaves_the_lru), TEST(names_are_taken_by_their_key),
          TEST(a_guest_who_registers_keeps_its_id), TEST(a_failed_registration_is_taken_back),
          TEST(a_new_session_that_failed_is_forgotten),
          TEST(a_ban_refuses_and_covers_the_accounts_addresses),
          TEST(address_bans_are_one_per_block), TEST(an_address_budget_holds_for_its_window),
          TEST(expired_sessions_are_swept), TEST(loaded_people_come_back))

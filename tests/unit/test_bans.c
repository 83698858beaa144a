/* Names and passwords (server/account.c) and the banned address blocks (server/bans.c). */
#include <string.h>

#include "account.h"
#include "bans.h"
#include "test.h"
#include "util.h"

static void names_that_look_alike_are_one_name(void)
{
    char a[BACKEND_NAME_MAX + 1], b[BACKEND_NAME_MAX + 1];
    account_name_key("alice", a);
    const char *twins[] = {"Alice", "ALICE", "aIice", "a1ice", "AL1CE"};
    for (size_t i = 0; i < sizeof twins / sizeof twins[0]; i++) {
        account_name_key(twins[i], b);
        CHECK_STR(a, b);
    }
    account_name_key("bob0", a);
    account_name_key("BOBO", b);
    CHECK_STR(a, b);
    account_name_key("alicia", b);
    CHECK(strcmp(a, b) != 0);
}

static void name_rules(void)
{
    CHECK(account_name_problem("alice") == NULL);
    CHECK(account_name_problem("guesthouse") == NULL);
    CHECK(account_name_problem("ab") != NULL);
    CHECK(account_name_problem("has space") != NULL);
    CHECK(strstr(account_name_problem("guest-1234abcd"), "guests") != NULL);
    CHECK(account_name_problem("GUEST_x") != NULL);
}

static void password_rules(void)
{
    CHECK(account_password_problem("eight ok", 8) == NULL);
    CHECK(strstr(account_password_problem("        ", 8), "only spaces") != NULL);
    CHECK(strstr(account_password_problem("PassWord", 8), "most common") != NULL);
    CHECK(strstr(account_password_problem("12345678", 8), "most common") != NULL);
    /* eight bytes, four characters */
    CHECK(strstr(account_password_problem("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8), "8 characters") != NULL);
    CHECK(account_password_problem("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 16) == NULL);
}

static backend_addr_ban ban(const char *cidr, int64_t until, int guests_only, const char *reason)
{
    backend_addr_ban b;
    memset(&b, 0, sizeof b);
    snprintf(b.cidr, sizeof b.cidr, "%s", cidr);
    b.until = until;
    b.guests_only = guests_only;
    snprintf(b.reason, sizeof b.reason, "%s", reason);
    return b;
}

static void blocks_match_their_addresses_only(void)
{
    backend_addr_ban list[] = {ban("10.0.0.0/30", 0, 0, "block"), ban("2001:db8:1:2::/64", 0, 0, "v6")};
    ban_list *l = bans_new();
    CHECK(l != NULL);
    CHECK_INT(bans_replace(l, list, 2), 0);
    backend_addr_ban out;
    CHECK_INT(bans_match(l, "10.0.0.3", 0, &out), 1);
    CHECK_STR(out.reason, "block");
    CHECK_INT(bans_match(l, "10.0.0.4", 1, NULL), 0);
    CHECK_INT(bans_match(l, "2001:db8:1:2::77", 0, &out), 1);
    CHECK_STR(out.reason, "v6");
    CHECK_INT(bans_match(l, "2001:db8:1:3::1", 1, NULL), 0);
    CHECK_INT(bans_replace(l, NULL, 0), 0); /* emptied: nothing matches any more */
    CHECK_INT(bans_match(l, "10.0.0.3", 1, NULL), 0);
    bans_free(l);
}

static void account_bans_hold_for_guests_only_and_end(void)
{
    int64_t now = util_now_ms();
    backend_addr_ban list[] = {ban("192.0.2.7", 0, 1, "from an account"),
                               ban("198.51.100.1", now - 1, 0, "ran out"),
                               ban("203.0.113.0/24", now + 60000, 0, "short"),
                               ban("203.0.113.5", now + 3600000, 0, "long"),
                               ban("not an address", 0, 0, "left out")};
    ban_list *l = bans_new();
    CHECK(l != NULL);
    CHECK_INT(bans_replace(l, list, 5), 0);
    backend_addr_ban out;
    CHECK_INT(bans_match(l, "192.0.2.7", 1, NULL), 1);
    CHECK_INT(bans_match(l, "192.0.2.7", 0, NULL), 0); /* a registered player there goes on */
    CHECK_INT(bans_match(l, "198.51.100.1", 1, NULL), 0);
    CHECK_INT(bans_match(l, "203.0.113.5", 0, &out), 1);
    CHECK_STR(out.reason, "long"); /* the longest-lasting of the two */
    CHECK_INT(bans_match(l, "203.0.113.6", 0, &out), 1);
    CHECK_STR(out.reason, "short");
    bans_free(l);
}

TEST_MAIN(TEST(names_that_look_alike_are_one_name), TEST(name_rules), TEST(password_rules),
          TEST(blocks_match_their_addresses_only), TEST(account_bans_hold_for_guests_only_and_end))

/* The server's client-address rules (server/peer.c): trusted proxies, X-Forwarded-For from the
 * right, address blocks, IPv6 budget buckets. */
#include "peer.h"
#include "test.h"

static peer_proxies proxies(const char *list)
{
    peer_proxies p;
    char err[200];
    CHECK_INT(peer_proxies_parse(&p, list, err, sizeof err), 0);
    return p;
}

static void untrusted_peer_is_itself_whatever_it_forges(void)
{
    peer_proxies p = proxies("");
    char out[PEER_ADDR_MAX];
    peer_pick(&p, "127.0.0.1", "203.0.113.9", "203.0.113.10", out);
    CHECK_STR(out, "127.0.0.1");
    p = proxies("10.0.0.0/8");
    peer_pick(&p, "127.0.0.1", "203.0.113.9", NULL, out);
    CHECK_STR(out, "127.0.0.1");
}

static void trusted_proxy_forwarded_for_read_from_the_right(void)
{
    peer_proxies p = proxies("127.0.0.1, 10.0.0.0/8");
    char out[PEER_ADDR_MAX];
    /* the client forged the first entry; nginx appended the real one */
    peer_pick(&p, "127.0.0.1", "6.6.6.6, 198.51.100.7", NULL, out);
    CHECK_STR(out, "198.51.100.7");
    /* a second trusted hop (10.1.2.3) is skipped */
    peer_pick(&p, "127.0.0.1", "6.6.6.6,198.51.100.7 , 10.1.2.3", NULL, out);
    CHECK_STR(out, "198.51.100.7");
    /* every hop trusted: the leftmost */
    peer_pick(&p, "127.0.0.1", "10.9.9.9, 10.1.2.3", NULL, out);
    CHECK_STR(out, "10.9.9.9");
    /* garbage appended by the proxy: the last hop believed */
    peer_pick(&p, "127.0.0.1", "198.51.100.7, nonsense", NULL, out);
    CHECK_STR(out, "127.0.0.1");
    /* ports and brackets */
    peer_pick(&p, "127.0.0.1", "198.51.100.7:4711", NULL, out);
    CHECK_STR(out, "198.51.100.7");
    peer_pick(&p, "127.0.0.1", "[2001:db8::5]:4711", NULL, out);
    CHECK_STR(out, "2001:db8::5");
}

static void trusted_proxy_real_ip_when_no_forwarded_for(void)
{
    peer_proxies p = proxies("127.0.0.1");
    char out[PEER_ADDR_MAX];
    peer_pick(&p, "127.0.0.1", NULL, "192.0.2.44", out);
    CHECK_STR(out, "192.0.2.44");
    peer_pick(&p, "127.0.0.1", NULL, "not-an-address", out);
    CHECK_STR(out, "127.0.0.1");
    peer_pick(&p, "127.0.0.1", "", NULL, out);
    CHECK_STR(out, "127.0.0.1");
}

static void mapped_addresses_are_ipv4(void)
{
    char out[PEER_ADDR_MAX];
    CHECK_INT(peer_normalise("::ffff:127.0.0.2", out), 0);
    CHECK_STR(out, "127.0.0.2");
    CHECK_INT(peer_normalise("2001:DB8:0:0::1", out), 0);
    CHECK_STR(out, "2001:db8::1");
    CHECK_INT(peer_normalise("1.2.3", out), -1);
    peer_proxies p = proxies("127.0.0.0/8");
    peer_pick(&p, "::ffff:127.0.0.1", "198.51.100.7", NULL, out);
    CHECK_STR(out, "198.51.100.7");
}

static void cidr_blocks(void)
{
    peer_cidr c;
    char err[200];
    CHECK_INT(peer_cidr_parse("192.168.4.0/22", &c, err, sizeof err), 0);
    CHECK_INT(peer_cidr_match(&c, "192.168.7.255"), 1);
    CHECK_INT(peer_cidr_match(&c, "192.168.8.0"), 0);
    CHECK_INT(peer_cidr_match(&c, "::ffff:192.168.5.1"), 1);
    CHECK_INT(peer_cidr_match(&c, "2001:db8::1"), 0);
    CHECK_INT(peer_cidr_parse("2001:db8::/32", &c, err, sizeof err), 0);
    CHECK_INT(peer_cidr_match(&c, "2001:db8:ffff::1"), 1);
    CHECK_INT(peer_cidr_match(&c, "2001:db9::1"), 0);
    CHECK_INT(peer_cidr_parse("0.0.0.0/0", &c, err, sizeof err), 0);
    CHECK_INT(peer_cidr_match(&c, "8.8.8.8"), 1);
    CHECK_INT(peer_cidr_parse("10.0.0.1", &c, err, sizeof err), 0);
    CHECK_INT(c.bits, 32);
    CHECK_INT(peer_cidr_parse("10.0.0.0/33", &c, err, sizeof err), -1);
    CHECK_INT(peer_cidr_parse("10.0.0.0/", &c, err, sizeof err), -1);
    CHECK_INT(peer_cidr_parse("10.0.0.0/-1", &c, err, sizeof err), -1);
    CHECK_INT(peer_cidr_parse("example.com", &c, err, sizeof err), -1);
    CHECK(strstr(err, "example.com") != NULL);
    peer_proxies p;
    CHECK_INT(peer_proxies_parse(&p, "127.0.0.1,bogus", err, sizeof err), -1);
    CHECK(strstr(err, "bogus") != NULL);
}

static void ipv6_budgets_count_the_slash_64(void)
{
    char a[PEER_ADDR_MAX], b[PEER_ADDR_MAX];
    peer_bucket("2001:db8:1:2:aaaa::1", a);
    peer_bucket("2001:db8:1:2:bbbb::9", b);
    CHECK_STR(a, "2001:db8:1:2::/64");
    CHECK_STR(a, b);
    peer_bucket("203.0.113.5", a);
    CHECK_STR(a, "203.0.113.5");
}

TEST_MAIN(TEST(untrusted_peer_is_itself_whatever_it_forges),
          TEST(trusted_proxy_forwarded_for_read_from_the_right),
          TEST(trusted_proxy_real_ip_when_no_forwarded_for), TEST(mapped_addresses_are_ipv4),
          TEST(cidr_blocks), TEST(ipv6_budgets_count_the_slash_64))

/* Client addresses, trusted proxies and address blocks (see peer.h). Pure: no lws, no globals. */
#include "peer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses address text into family and bytes; an IPv4-mapped IPv6 address becomes IPv4. */
static int parse_addr(const char *s, uint8_t *family, uint8_t addr[16])
{
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, addr) == 1) {
        if (!memcmp(addr, v4mapped, sizeof v4mapped)) {
            memmove(addr, addr + 12, 4);
            *family = 4;
        } else {
            *family = 6;
        }
        return 0;
    }
    return -1;
}

int peer_normalise(const char *in, char out[PEER_ADDR_MAX])
{
    uint8_t fam, a[16];
    out[0] = '\0';
    if (!in || parse_addr(in, &fam, a) < 0)
        return -1;
    return inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, out, PEER_ADDR_MAX) ? 0 : -1;
}

int peer_cidr_parse(const char *text, peer_cidr *out, char *err, size_t errcap)
{
    char buf[PEER_ADDR_MAX + 8];
    if (strlen(text) >= sizeof buf)
        goto bad;
    strcpy(buf, text);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash++ = '\0';
    memset(out, 0, sizeof *out);
    if (parse_addr(buf, &out->family, out->addr) < 0)
        goto bad;
    int max = out->family == 4 ? 32 : 128;
    int bits = max;
    if (slash) {
        char *end;
        if (!isdigit((unsigned char)*slash))
            goto bad;
        long b = strtol(slash, &end, 10);
        if (*end || b < 0 || b > 128)
            goto bad;
        /* "::ffff:10.0.0.0/104" names an IPv4 block through its mapped form */
        if (out->family == 4 && strchr(buf, ':'))
            b -= 96;
        if (b < 0 || b > max)
            goto bad;
        bits = (int)b;
    }
    out->bits = (uint8_t)bits;
    return 0;
bad:
    snprintf(err, errcap, "\"%s\" is not an address or an address block (ADDR or ADDR/BITS)",
             text);
    return -1;
}

int peer_cidr_match(const peer_cidr *c, const char *addr)
{
    uint8_t fam, a[16];
    if (!addr || parse_addr(addr, &fam, a) < 0 || fam != c->family)
        return 0;
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(a, c->addr, (size_t)full))
        return 0;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((a[full] & mask) != (c->addr[full] & mask))
            return 0;
    }
    return 1;
}

int peer_proxies_parse(peer_proxies *p, const char *list, char *err, size_t errcap)
{
    memset(p, 0, sizeof *p);
    const char *s = list;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, ", ");
        char item[PEER_ADDR_MAX + 8];
        if (len >= sizeof item) {
            snprintf(err, errcap, "--trusted-proxy: \"%.*s\" is not an address block", (int)len,
                     s);
            return -1;
        }
        memcpy(item, s, len);
        item[len] = '\0';
        if (p->n == PEER_PROXIES_MAX) {
            snprintf(err, errcap, "--trusted-proxy: at most %d address blocks", PEER_PROXIES_MAX);
            return -1;
        }
        char why[160];
        if (peer_cidr_parse(item, &p->cidr[p->n], why, sizeof why) < 0) {
            snprintf(err, errcap, "--trusted-proxy: %s", why);
            return -1;
        }
        p->n++;
        s += len;
    }
    return 0;
}

int peer_is_trusted(const peer_proxies *p, const char *addr)
{
    for (size_t i = 0; i < p->n; i++)
        if (peer_cidr_match(&p->cidr[i], addr))
            return 1;
    return 0;
}

/* The last comma-separated item of s[0..len), trimmed, into out; returns its start offset. */
static size_t last_item(const char *s, size_t len, char *out, size_t cap)
{
    size_t end = len;
    size_t start = end;
    while (start > 0 && s[start - 1] != ',')
        start--;
    size_t a = start, b = end;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    /* "[2001:db8::1]" and "1.2.3.4:5678" forms: take the address part */
    if (b - a >= 2 && s[a] == '[') {
        const char *close = memchr(s + a, ']', b - a);
        if (close) {
            a++;
            b = (size_t)(close - s);
        }
    } else {
        const char *colon = memchr(s + a, ':', b - a);
        if (colon && !memchr(colon + 1, ':', b - (size_t)(colon + 1 - s)) && memchr(s + a, '.', b - a))
            b = (size_t)(colon - s);
    }
    size_t n = b - a < cap - 1 ? b - a : cap - 1;
    memcpy(out, s + a, n);
    out[n] = '\0';
    return start;
}

void peer_pick(const peer_proxies *p, const char *sock, const char *xff, const char *xrealip,
               char out[PEER_ADDR_MAX])
{
    if (peer_normalise(sock, out) < 0)
        snprintf(out, PEER_ADDR_MAX, "%s", sock ? sock : "");
    if (!peer_is_trusted(p, out))
        return;
    char hop[PEER_ADDR_MAX], norm[PEER_ADDR_MAX];
    if (xff && *xff) {
        size_t len = strlen(xff);
        while (len > 0) {
            size_t start = last_item(xff, len, hop, sizeof hop);
            if (peer_normalise(hop, norm) < 0)
                return; /* garbage from the proxy: count the proxy's hop we trust */
            memcpy(out, norm, PEER_ADDR_MAX);
            if (!peer_is_trusted(p, norm))
                return;
            len = start ? start - 1 : 0;
        }
        return;
    }
    if (xrealip && peer_normalise(xrealip, norm) == 0)
        memcpy(out, norm, PEER_ADDR_MAX);
}

void peer_bucket(const char *addr, char out[PEER_ADDR_MAX])
{
    uint8_t fam, a[16];
    if (parse_addr(addr, &fam, a) < 0) {
        snprintf(out, PEER_ADDR_MAX, "%s", addr);
        return;
    }
    if (fam == 4) {
        inet_ntop(AF_INET, a, out, PEER_ADDR_MAX);
        return;
    }
    memset(a + 8, 0, 8);
    /* at most "ffff:ffff:ffff:ffff::" once the low half is zero */
    inet_ntop(AF_INET6, a, out, PEER_ADDR_MAX - 3);
    strcat(out, "/64");
}

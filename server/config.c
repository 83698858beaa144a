/* The configuration table and the one parser that reads it (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef PLACE_WEB_ROOT
#define PLACE_WEB_ROOT "assets/web"
#endif

typedef enum { CFG_INT, CFG_STR, CFG_BOOL } cfg_type;

typedef struct cfg_row {
    const char *name;
    cfg_type type;
    size_t offset;
    size_t size; /* strings: buffer size */
    long min, max;
    const char *def;
    const char *arg; /* what the value is, for --help */
    const char *help;
} cfg_row;

#define INT_ROW(n, f, lo, hi, d, a, h) { n, CFG_INT, offsetof(place_config, f), 0, lo, hi, d, a, h }
#define STR_ROW(n, f, d, a, h) \
    { n, CFG_STR, offsetof(place_config, f), sizeof(((place_config *)0)->f), 0, 0, d, a, h }
#define BOOL_ROW(n, f, d, h) { n, CFG_BOOL, offsetof(place_config, f), 0, 0, 1, d, NULL, h }

static const cfg_row rows[] = {
    INT_ROW("port", port, 0, 65535, "8080", "N", "TCP port; 0 picks a free one and prints it"),
    STR_ROW("listen", listen, "0.0.0.0", "ADDR", "address to listen on"),
    STR_ROW("data-dir", data_dir, "data", "DIR",
            "where the SQLite database and the control socket live"),
    INT_ROW("width", width, 1, 16384, "2000", "N",
            "canvas width; larger than stored grows the canvas, smaller is refused"),
    INT_ROW("height", height, 1, 16384, "2000", "N",
            "canvas height; larger than stored grows the canvas, smaller is refused"),
    INT_ROW("cooldown", cooldown_sec, 0, 86400, "300", "SEC",
            "one pixel per user per this many seconds (0: no cooldown, for benchmarks)"),
    INT_ROW("batch-ms", batch_ms, 10, 5000, "100", "MS",
            "how often placements are broadcast as one batch frame"),
    STR_ROW("cdn-url", cdn_url, "", "URL",
            "where GET /api/v1/canvas redirects; default: the server's own snapshot"),
    BOOL_ROW("guests-can-place", guests_can_place, "yes",
             "whether guests (not registered) may place pixels"),
    INT_ROW("max-conns-per-ip", max_conns_per_ip, 0, 1000000, "64", "N",
            "WebSocket connections one address may hold (0: no limit)"),
    STR_ROW("trusted-proxy", trusted_proxy, "", "CIDR[,CIDR...]",
            "proxies (e.g. nginx) whose X-Forwarded-For / X-Real-IP name the client's address; "
            "requests from any other address are counted as that address, whatever they claim"),
    INT_ROW("max-guests", max_guests, 10, 10000000, "100000", "N",
            "guest sessions that never placed a pixel kept in memory; beyond it the least "
            "recently used one is forgotten (guests are stored only once they place)"),
    STR_ROW("web-root", web_root, PLACE_WEB_ROOT, "DIR", "the browser client's files, served at /"),
    STR_ROW("grant-admin", grant_admin, "", "USER", "make USER an admin (running server or not), then exit"),
    STR_ROW("revoke-admin", revoke_admin, "", "USER", "take admin away from USER, then exit"),
    STR_ROW("ban", ban, "", "USER",
            "ban USER: sessions revoked, next placement refused; then exit"),
    STR_ROW("unban", unban, "", "USER", "lift USER's ban, then exit"),
    STR_ROW("redis", redis, "", "HOST:PORT",
            "cluster mode: keep canvas, cooldowns, sessions and users in this Redis"),
    STR_ROW("kafka", kafka, "", "BROKERS", "cluster mode: Kafka bootstrap servers for the placement events"),
    STR_ROW("kafka-topic", kafka_topic, "place-events", "NAME", "cluster mode: the events topic"),
    STR_ROW("postgres", postgres, "", "CONNINFO",
            "cluster mode: PostgreSQL (libpq conninfo) holding the history /api/v1/pixel reads"),
    BOOL_ROW("history-writer", history_writer, "no",
             "cluster mode: run as the history writer (Kafka -> PostgreSQL) instead of serving"),
    BOOL_ROW("reuse-port", reuse_port, "no",
             "let several placed listen on the same port (SO_REUSEPORT)"),
    INT_ROW("hole-ms", hole_ms, 100, 600000, "5000", "MS",
            "cluster mode: how long a missing seq holds back later ones before it is skipped"),
    BOOL_ROW("help", help, "no", "print this help and exit"),
};

#define NROWS (sizeof rows / sizeof rows[0])

static int parse_bool(const char *v, int *out)
{
    static const char *yes[] = {"1", "yes", "true", "on"};
    static const char *no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!strcasecmp(v, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int set_value(place_config *cfg, const cfg_row *r, const char *v, char *err, size_t errcap)
{
    char *base = (char *)cfg + r->offset;
    switch (r->type) {
    case CFG_INT: {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < r->min || n > r->max) {
            snprintf(err, errcap, "--%s wants a whole number from %ld to %ld, not \"%s\"", r->name,
                     r->min, r->max, v);
            return -1;
        }
        *(int *)base = (int)n;
        return 0;
    }
    case CFG_STR:
        if (strlen(v) >= r->size) {
            snprintf(err, errcap, "--%s: value longer than %zu characters", r->name, r->size - 1);
            return -1;
        }
        memcpy(base, v, strlen(v) + 1);
        return 0;
    case CFG_BOOL:
        if (parse_bool(v, (int *)base) < 0) {
            snprintf(err, errcap, "--%s wants yes or no, not \"%s\"", r->name, v);
            return -1;
        }
        return 0;
    }
    return -1;
}

void config_defaults(place_config *cfg)
{
    char err[128];
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NROWS; i++)
        set_value(cfg, &rows[i], rows[i].def, err, sizeof err);
}

static const cfg_row *find_row(const char *name, size_t len)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strlen(rows[i].name) == len && !strncmp(rows[i].name, name, len))
            return &rows[i];
    return NULL;
}

int config_parse(place_config *cfg, int argc, char **argv, char *err, size_t errcap)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errcap, "unexpected argument \"%s\" (flags start with --; see --help)", a);
            return -1;
        }
        a += 2;
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const cfg_row *r = find_row(a, len);
        int negated = 0;
        if (!r && len > 3 && !strncmp(a, "no-", 3)) {
            r = find_row(a + 3, len - 3);
            negated = r && r->type == CFG_BOOL;
            if (!negated)
                r = NULL;
        }
        if (!r) {
            snprintf(err, errcap, "unknown flag --%.*s (see --help)", (int)len, a);
            return -1;
        }
        if (negated) {
            if (eq) {
                snprintf(err, errcap, "--no-%s takes no value", r->name);
                return -1;
            }
            *(int *)((char *)cfg + r->offset) = 0;
            continue;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && r->type == CFG_BOOL) {
            /* a bare boolean flag means yes; an explicit yes/no may follow as its own word */
            int b;
            if (i + 1 < argc && parse_bool(argv[i + 1], &b) == 0)
                v = argv[++i];
            else
                v = "yes";
        }
        if (!v) {
            if (i + 1 >= argc) {
                snprintf(err, errcap, "--%s needs a value (%s)", r->name, r->arg);
                return -1;
            }
            v = argv[++i];
        }
        if (set_value(cfg, r, v, err, errcap) < 0)
            return -1;
    }
    return 0;
}

void config_usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [flags]\n"
            "Place server: REST API, WebSocket and the browser client on one port.\n"
            "Admin flags (--ban, --unban, --grant-admin, --revoke-admin) act on the server\n"
            "running on --data-dir through its control socket, or on the database if none runs.\n\n",
            argv0);
    for (size_t i = 0; i < NROWS; i++) {
        const cfg_row *r = &rows[i];
        char left[64];
        if (r->type == CFG_BOOL)
            snprintf(left, sizeof left, "--%s[=yes|no]", r->name);
        else
            snprintf(left, sizeof left, "--%s %s", r->name, r->arg);
        fprintf(out, "  %-28s %s", left, r->help);
        if (r->type == CFG_INT)
            fprintf(out, " [%ld..%ld, default %s]", r->min, r->max, r->def);
        else if (r->def[0] && strcmp(r->name, "help"))
            fprintf(out, " [default %s]", r->def);
        fputc('\n', out);
    }
}

int config_is_admin_action(const place_config *cfg)
{
    return cfg->grant_admin[0] || cfg->revoke_admin[0] || cfg->ban[0] || cfg->unban[0];
}

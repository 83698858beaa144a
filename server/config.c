/* The configuration table and the one parser that reads it (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/stat.h>
#include <time.h>

/* Where the browser client is installed (CMake: <datadir>/place/web, following the install
 * prefix). A build run from its tree, where nothing is installed, falls back to the source tree's
 * copy (PLACE_SOURCE_WEB_ROOT, left out of packaged builds). */
#ifndef PLACE_WEB_ROOT
#define PLACE_WEB_ROOT "/usr/local/share/place/web"
#endif

typedef enum { CFG_INT, CFG_STR, CFG_BOOL } cfg_type;

/* rows marked ONCE are acts (do this, then exit) or about the command line itself: they are
 * refused in a config file, where they would run at every start */
#define ONCE 1

typedef struct cfg_row {
    const char *name;
    cfg_type type;
    size_t offset;
    size_t size; /* strings: buffer size */
    long min, max;
    const char *def;
    const char *arg; /* what the value is, for --help */
    const char *help;
    int once;
    int live; /* may be changed on a running server (placed --set KEY=VALUE) */
} cfg_row;

#define INT_ROW(n, f, lo, hi, d, a, h) { n, CFG_INT, offsetof(place_config, f), 0, lo, hi, d, a, h, 0, 0 }
#define STR_ROW(n, f, d, a, h) \
    { n, CFG_STR, offsetof(place_config, f), sizeof(((place_config *)0)->f), 0, 0, d, a, h, 0, 0 }
#define BOOL_ROW(n, f, d, h) { n, CFG_BOOL, offsetof(place_config, f), 0, 0, 1, d, NULL, h, 0, 0 }
/* a setting that --set changes on a running server (live) */
#define INT_LIVE(n, f, lo, hi, d, a, h) \
    { n, CFG_INT, offsetof(place_config, f), 0, lo, hi, d, a, h, 0, 1 }
#define BOOL_LIVE(n, f, d, h) { n, CFG_BOOL, offsetof(place_config, f), 0, 0, 1, d, NULL, h, 0, 1 }
/* an act or a command-line-only flag (ONCE): same as STR_ROW / BOOL_ROW, refused in a file */
#define STR_ONCE(n, f, a, h) \
    { n, CFG_STR, offsetof(place_config, f), sizeof(((place_config *)0)->f), 0, 0, "", a, h, ONCE, 0 }
#define BOOL_ONCE(n, f, h) { n, CFG_BOOL, offsetof(place_config, f), 0, 0, 1, "no", NULL, h, ONCE, 0 }

static const cfg_row rows[] = {
    STR_ONCE("config", config, "FILE",
             "read settings from FILE first (key = value lines, one per flag; see placed(8)); "
             "flags given on the command line win over it"),
    INT_ROW("port", port, 0, 65535, "8080", "N", "TCP port; 0 picks a free one and prints it"),
    STR_ROW("listen", listen, "0.0.0.0", "ADDR", "address to listen on"),
    STR_ROW("data-dir", data_dir, "data", "DIR",
            "where the SQLite database and the control socket live"),
    INT_ROW("width", width, 1, 16384, "2000", "N",
            "canvas width; larger than stored grows the canvas, smaller is refused"),
    INT_ROW("height", height, 1, 16384, "2000", "N",
            "canvas height; larger than stored grows the canvas, smaller is refused"),
    INT_LIVE("cooldown", cooldown_sec, 0, 86400, "300", "SEC",
            "one pixel per user per this many seconds (0: no cooldown, for benchmarks)"),
    INT_ROW("batch-ms", batch_ms, 10, 5000, "100", "MS",
            "how often placements are broadcast as one batch frame"),
    INT_ROW("commit-ms", commit_ms, 0, 100, "4", "MS",
            "embedded store: a transaction starts at least this long after the previous one "
            "started, so placements arriving meanwhile share its fsync (group commit); an idle "
            "server commits at once (0: commit as soon as the previous commit ends)"),
    INT_ROW("resync-drop-ms", resync_drop_ms, 100, 3600000, "30000", "MS",
            "a WebSocket client that falls behind the broadcast is skipped forward (a resync); "
            "falling behind again within this drops its connection"),
    INT_ROW("ws-sndbuf", ws_sndbuf, 4, 4096, "64", "KIB",
            "the kernel's send buffer of each WebSocket (Linux doubles it): what a client that "
            "stopped reading can hold there before the broadcast skips it forward"),
    STR_ROW("cdn-url", cdn_url, "", "URL",
            "where GET /api/v1/canvas redirects; default: the server's own snapshot"),
    BOOL_LIVE("guests-can-place", guests_can_place, "yes",
             "whether guests (not registered) may place pixels"),
    INT_ROW("max-conns-per-ip", max_conns_per_ip, 0, 1000000, "256", "N",
            "TCP connections (HTTP and WebSocket together) one address may hold; an IPv6 "
            "address counts as its /64 (0: no limit)"),
    INT_ROW("max-conns", max_conns, 0, 10000000, "0", "N",
            "connections the server holds in all; beyond it a new one is refused at once "
            "(0: the descriptor limit less a reserve of 128)"),
    INT_ROW("max-requests-per-ip", max_requests_per_ip, 0, 1000000, "256", "N",
            "HTTP requests one address may have in flight (received, not yet answered; "
            "0: no limit)"),
    INT_ROW("max-unread-per-ip", max_unread_per_ip, 0, 4194304, "16384", "KIB",
            "KiB of answers (e.g. snapshots) the server may hold unread for one address; "
            "beyond it a request is answered 503 (0: no limit)"),
    INT_ROW("max-hashes-per-ip", max_hashes_per_ip, 0, 1000, "4", "N",
            "logins and registrations (password hashes) one address may have queued or "
            "running; beyond it 429 RATE_LIMITED (0: no limit)"),
    INT_ROW("request-timeout", request_timeout, 1, 3600, "10", "SEC",
            "a request's headers and body must arrive within this (counted from the "
            "connection or from the end of the previous answer), else the connection is closed"),
    INT_ROW("response-timeout", response_timeout, 1, 3600, "60", "SEC",
            "an answer the client has not read within this is dropped with its connection"),
    INT_ROW("keepalive-timeout", keepalive_timeout, 1, 3600, "30", "SEC",
            "an HTTP keep-alive connection that sends no new request within this is closed"),
    STR_ROW("allowed-origin", allowed_origin, "", "ORIGIN[,ORIGIN...]",
            "WebSocket Origins accepted besides the server's own (e.g. https://place.example); "
            "a request without Origin (native clients) is accepted"),
    STR_ROW("trusted-proxy", trusted_proxy, "", "CIDR[,CIDR...]",
            "proxies (e.g. nginx) whose X-Forwarded-For / X-Real-IP name the client's address; "
            "requests from any other address are counted as that address, whatever they claim"),
    INT_ROW("max-guests", max_guests, 10, 10000000, "100000", "N",
            "guest sessions that never placed a pixel kept in memory; beyond it the least "
            "recently used one is forgotten (guests are stored only once they place)"),
    INT_ROW("max-guests-per-ip", max_guests_per_ip, 0, 10000000, "1000", "N",
            "of those, how many one address may hold: its new guest pushes out its own least "
            "recently used one, never another address's (0: --max-guests)"),
    STR_ROW("cooldown-scope", cooldown_scope, "guests", "account|guests|address",
            "whose cooldown a placement waits for: account (its own only: a player who logs out "
            "or drops the cookie starts over as a new guest), guests (a placement also starts its "
            "address's cooldown, which new and logged-out guests from that address wait for; "
            "registered players keep one cooldown each, so a household behind one address is not "
            "one player), address (everyone from an address shares one cooldown)"),
    INT_LIVE("guests-per-hour", guests_per_hour, 0, 1000000, "30", "N",
            "new guests one address may start per hour; beyond it 429 RATE_LIMITED with "
            "Retry-After (0: no limit)"),
    INT_LIVE("registrations-per-hour", registrations_per_hour, 0, 1000000, "5", "N",
            "registrations from one address per hour; beyond it 429 RATE_LIMITED (0: no limit)"),
    STR_ROW("web-root", web_root, PLACE_WEB_ROOT, "DIR", "the browser client's files, served at /"),
    STR_ONCE("grant-admin", grant_admin, "USER", "make USER an admin (running server or not), then exit"),
    STR_ONCE("revoke-admin", revoke_admin, "USER", "take admin away from USER, then exit"),
    STR_ONCE("ban", ban, "NAME",
             "ban the user NAME from placing: a registered name, or a guest's shown name "
             "(guest-1234abcd, as the pixel info shows it; refused, with the matching ids, if it "
             "names more than one user) (and, for guests, the addresses the account used, see "
             "--ban-addresses-for); their sockets are told BANNED and closed; viewing stays "
             "open; then exit"),
    STR_ONCE("ban-id", ban_id, "ID", "the same as --ban for the user with this id (guests too)"),
    STR_ONCE("unban", unban, "NAME", "lift NAME's ban (and its address bans; NAME as for --ban), then exit"),
    STR_ONCE("unban-id", unban_id, "ID", "lift the ban of the user with this id, then exit"),
    STR_ONCE("ban-ip", ban_ip, "ADDR|CIDR",
             "ban an address or block (10.0.0.0/8, 2001:db8::/48) from placing and from starting "
             "sessions; viewing stays open; then exit"),
    STR_ONCE("unban-ip", unban_ip, "ADDR|CIDR", "lift an address ban, then exit"),
    STR_ONCE("for", ban_for, "DURATION",
             "with --ban, --ban-id or --ban-ip: the ban ends after this long (30m, 24h, 7d); "
             "default: until lifted"),
    STR_ONCE("reason", ban_reason, "TEXT",
             "with a ban or --freeze: the reason the players' clients show"),
    STR_ONCE("revert-user", revert_user, "NAME",
             "put back every pixel whose colour NAME (a registered name, a user id, or a "
             "guest's shown name guest-1234abcd, as for --ban) placed, "
             "as it was before (from the history); a pixel someone painted later keeps its "
             "colour; applied in chunks while players go on placing, paced to what the viewers can "
             "be sent, with progress; prints the count once it is all stored; then exit"),
    STR_ONCE("wipe", wipe, "X,Y,W,H", "fill the rectangle with --color (default white), then exit"),
    STR_ONCE("restore", restore, "X,Y,W,H",
             "put the rectangle back as it was at --at TIME (from the history), then exit"),
    STR_ONCE("since", since, "TIME",
             "with --revert-user: only placements from TIME on; with --audit: only acts from "
             "TIME on (ISO-8601 like 2026-11-29T15:00:00Z, or relative like -2h)"),
    STR_ONCE("at", at, "TIME",
             "with --restore: the time to go back to (as --since); with --export-png: the canvas "
             "as of TIME"),
    {"color", CFG_INT, offsetof(place_config, color), 0, 0, 15, "0", "C",
     "with --wipe: the palette index to fill with (0 is white)", ONCE, 0},
    BOOL_ONCE("audit", audit,
              "print the audit log (every admin act: when, who, what, pixels changed), then exit"),
    BOOL_ONCE("freeze", freeze,
              "make the canvas read-only (running server or not): every placement is refused "
              "with FROZEN and every client shows it, with --reason; viewing and history go on; "
              "it lasts, across restarts, until --unfreeze; then exit"),
    BOOL_ONCE("unfreeze", unfreeze, "let players place again after --freeze, then exit"),
    STR_ONCE("set", set, "KEY=VALUE",
             "change a live setting (running server or not) without a restart: KEY is one of "
             "the settings marked [live] (cooldown, guests-can-place, guests-per-hour, "
             "registrations-per-hour); connected clients are told. It is stored and holds, "
             "across restarts and over the flag or config file, until the next --set; "
             "KEY=default goes back to the flag's value; then exit"),
    STR_ROW("ban-addresses-for", ban_addresses_for, "24h", "DURATION",
            "a ban of an account also bans, for guests, the addresses it used this far back "
            "(0: none); also how long those addresses are remembered"),
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
    INT_ROW("checkpoint-every", checkpoint_every, 10, 100000000, "100000", "N",
            "store the whole canvas every N placements (embedded: in history.db; cluster: the "
            "history writer, in PostgreSQL), so the canvas at any past seq is one checkpoint "
            "plus at most N placements away"),
    STR_ONCE("export-png", export_png, "FILE",
             "write the canvas (now, or --at TIME / --seq N) as a PNG to FILE, then exit; runs "
             "beside a live server without disturbing it"),
    STR_ONCE("timelapse", timelapse, "OUT",
             "write the history as an animated GIF (OUT ending in .gif) or as numbered PNG "
             "frames (OUT a directory, or a pattern with %d such as frames/f%06d.png), then exit; "
             "see --from, --to, --fps, --step, --step-placements, --scale, --region"),
    STR_ONCE("seq", seq, "N", "with --export-png: the canvas as of placement N"),
    STR_ONCE("scale", scale, "S", "with --export-png or --timelapse: S x S image pixels per "
                                  "canvas pixel (1 to 16; default 1)"),
    STR_ONCE("from", from, "TIME", "with --timelapse: start at TIME (default: the first placement)"),
    STR_ONCE("to", to, "TIME", "with --timelapse: end at TIME (default: the newest placement)"),
    STR_ONCE("fps", fps, "F", "with --timelapse: frames a second (1 to 100; default 10)"),
    STR_ONCE("step", step, "DURATION",
             "with --timelapse: one frame per DURATION of history (30s, 5m, 1h)"),
    STR_ONCE("step-placements", step_placements, "N",
             "with --timelapse: one frame every N placements (default: about 300 frames in all)"),
    STR_ONCE("region", region, "X,Y,W,H",
             "with --export-png or --timelapse: only this rectangle of the canvas"),
    BOOL_ONCE("help", help, "print this help and exit"),
    BOOL_ONCE("version", version, "print placed's version and exit"),
    BOOL_ONCE("man", man, "print the manual page placed(8), generated from this table, as roff "
                          "and exit"),
    BOOL_ONCE("sample-config", sample_config,
              "print a configuration file with every key at its default, commented out, and exit"),
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

/* Sets r from the text v. The messages name the setting as prefix + name: "--port" on the command
 * line, "port" in a file, so both read the same otherwise. */
static int set_value(place_config *cfg, const cfg_row *r, const char *v, const char *prefix,
                     char *err, size_t errcap)
{
    char *base = (char *)cfg + r->offset;
    switch (r->type) {
    case CFG_INT: {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < r->min || n > r->max) {
            snprintf(err, errcap, "%s%s wants a whole number from %ld to %ld, not \"%s\"", prefix,
                     r->name, r->min, r->max, v);
            return -1;
        }
        *(int *)base = (int)n;
        return 0;
    }
    case CFG_STR:
        if (strlen(v) >= r->size) {
            snprintf(err, errcap, "%s%s: value longer than %zu characters", prefix, r->name,
                     r->size - 1);
            return -1;
        }
        memcpy(base, v, strlen(v) + 1);
        return 0;
    case CFG_BOOL:
        if (parse_bool(v, (int *)base) < 0) {
            snprintf(err, errcap, "%s%s wants yes or no, not \"%s\"", prefix, r->name, v);
            return -1;
        }
        return 0;
    }
    return -1;
}

static int is_dir_with_index(const char *dir)
{
    char p[600];
    struct stat st;
    snprintf(p, sizeof p, "%s/index.html", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

void config_defaults(place_config *cfg)
{
    char err[128];
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NROWS; i++)
        set_value(cfg, &rows[i], rows[i].def, "--", err, sizeof err);
#ifdef PLACE_SOURCE_WEB_ROOT
    if (!is_dir_with_index(cfg->web_root) && is_dir_with_index(PLACE_SOURCE_WEB_ROOT))
        snprintf(cfg->web_root, sizeof cfg->web_root, "%s", PLACE_SOURCE_WEB_ROOT);
#else
    (void)is_dir_with_index;
#endif
}

static const cfg_row *find_row(const char *name, size_t len)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strlen(rows[i].name) == len && !strncmp(rows[i].name, name, len))
            return &rows[i];
    return NULL;
}

#define LINE_MAX_LEN 4096

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* One line of a config file: blank, "# comment", or "key = value" (value may be "quoted" to
 * keep spaces at its ends). seen[] remembers the line each key was set on. */
static int config_line(place_config *cfg, char *line, const char *path, int lineno, int *seen,
                       char *err, size_t errcap)
{
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(err, errcap, "%s:%d: expected \"key = value\", not \"%.60s\"", path, lineno, s);
        return -1;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    size_t vlen = strlen(val);
    if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
        val[vlen - 1] = '\0';
        val++;
    }
    if (!strncmp(key, "--", 2))
        key += 2;
    const cfg_row *r = find_row(key, strlen(key));
    if (!r) {
        snprintf(err, errcap, "%s:%d: unknown key \"%.60s\" (see placed --help)", path, lineno, key);
        return -1;
    }
    if (r->once) {
        snprintf(err, errcap, "%s:%d: %s belongs on the command line, not in a config file", path,
                 lineno, r->name);
        return -1;
    }
    int *first = &seen[r - rows];
    if (*first) {
        snprintf(err, errcap, "%s:%d: %s is already set on line %d", path, lineno, r->name, *first);
        return -1;
    }
    *first = lineno;
    char why[400];
    if (set_value(cfg, r, val, "", why, sizeof why) < 0) {
        snprintf(err, errcap, "%s:%d: %s", path, lineno, why);
        return -1;
    }
    return 0;
}

int config_load_file(place_config *cfg, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errcap, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    int seen[NROWS] = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > LINE_MAX_LEN) {
            snprintf(err, errcap, "%s:%d: line longer than %d characters", path, lineno,
                     LINE_MAX_LEN);
            rc = -1;
        } else if (memchr(line, '\0', (size_t)n)) {
            snprintf(err, errcap, "%s:%d: contains a NUL byte (not a text file?)", path, lineno);
            rc = -1;
        } else {
            rc = config_line(cfg, line, path, lineno, seen, err, errcap);
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errcap, "cannot read config file %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* The value of the last --config FILE / --config=FILE in argv, or NULL. Returns -1 when the flag
 * lacks its value. */
static int find_config_flag(int argc, char **argv, const char **out, char *err, size_t errcap)
{
    *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--config=", 9)) {
            *out = argv[i] + 9;
        } else if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                snprintf(err, errcap, "--config needs a value (FILE)");
                return -1;
            }
            *out = argv[++i];
        }
    }
    return 0;
}

int config_parse(place_config *cfg, int argc, char **argv, char *err, size_t errcap)
{
    /* the file first, so that every flag on the command line wins over it */
    const char *file;
    if (find_config_flag(argc, argv, &file, err, errcap) < 0)
        return -1;
    if (file && config_load_file(cfg, file, err, errcap) < 0)
        return -1;
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
        if (set_value(cfg, r, v, "--", err, errcap) < 0)
            return -1;
    }
    int64_t ms;
    if (cfg->ban_for[0] && (config_duration_ms(cfg->ban_for, &ms) < 0 || ms <= 0)) {
        snprintf(err, errcap, "--for wants a duration such as 30m, 24h or 7d, not \"%s\"",
                 cfg->ban_for);
        return -1;
    }
    if (config_duration_ms(cfg->ban_addresses_for, &ms) < 0) {
        snprintf(err, errcap,
                 "--ban-addresses-for wants a duration such as 24h (or 0), not \"%s\"",
                 cfg->ban_addresses_for);
        return -1;
    }
    if (config_cooldown_scope(cfg) < 0) {
        snprintf(err, errcap, "--cooldown-scope wants account, guests or address, not \"%s\"",
                 cfg->cooldown_scope);
        return -1;
    }
    return 0;
}

void config_usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [--config FILE] [flags]\n"
            "Place server: REST API, WebSocket and the browser client on one port.\n"
            "Admin flags (--ban, --ban-id, --ban-ip, --unban*, --grant-admin, --revoke-admin,\n"
            "--freeze, --unfreeze, --set, --revert-user, --wipe, --restore) act on the server\n"
            "running on --data-dir through its control socket, or on the database if none runs;\n"
            "every one is kept in the audit log (--audit). Settings marked [live] can be\n"
            "changed on a running server with --set KEY=VALUE.\n\n",
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
        else if (r->def[0] && !r->once)
            fprintf(out, " [default %s]", r->def);
        if (r->live)
            fputs(" [live]", out);
        fputc('\n', out);
    }
}

/* Writes s for roff: backslashes and hyphens escaped, so "--port" stays two hyphens. */
static void roff(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

void config_sample(FILE *out)
{
    fputs("# placed configuration: one setting per line, \"key = value\"; \"#\" starts a comment.\n"
          "# Every key is a flag of placed (see placed --help and placed(8)); a flag given on the\n"
          "# command line wins over this file. Below, every setting at its default.\n",
          out);
    for (size_t i = 0; i < NROWS; i++) {
        const cfg_row *r = &rows[i];
        if (r->once)
            continue;
        fprintf(out, "\n# %s", r->help);
        if (r->type == CFG_INT)
            fprintf(out, " (%ld..%ld)", r->min, r->max);
        else if (r->type == CFG_BOOL)
            fputs(" (yes or no)", out);
        fprintf(out, "\n#%s = %s\n", r->name, r->def);
    }
}

void config_man(FILE *out, const char *version)
{
    fprintf(out, ".\\\" Generated by placed --man from the configuration table (server/config.c).\n"
                 ".TH PLACED 8 \"\" \"place %s\" \"Place\"\n", version);
    fputs(".SH NAME\n"
          "placed \\- the Place server: a shared pixel canvas over HTTP and WebSocket\n"
          ".SH SYNOPSIS\n"
          ".B placed\n"
          "[\\fB\\-\\-config\\fR \\fIFILE\\fR] [\\fIflags\\fR]\n"
          ".SH DESCRIPTION\n"
          ".B placed\n"
          "serves Place, a collaborative real\\-time pixel canvas: the REST API, the WebSocket\n"
          "that broadcasts every placement, and the browser client, all on one port.\n"
          "By default it runs alone (embedded mode): canvas, cooldowns and sessions in the\n"
          "process, every placement written to an SQLite database in \\fB\\-\\-data\\-dir\\fR\n"
          "before it is acknowledged. With \\fB\\-\\-redis\\fR it runs in cluster mode, one of many\n"
          "processes sharing a canvas through Redis, Kafka and PostgreSQL.\n"
          ".PP\n"
          "Players use a browser, \\fBplace\\-tui\\fR(1) or \\fBplace\\-sdl\\fR(1).\n"
          ".SH OPTIONS\n"
          "Every option is also a key of the configuration file (below), except those marked\n"
          "\"command line only\". Boolean options take \\fByes\\fR or \\fBno\\fR (also 1/0, true/false,\n"
          "on/off); a bare \\fB\\-\\-name\\fR means yes and \\fB\\-\\-no\\-name\\fR means no.\n",
          out);
    for (size_t i = 0; i < NROWS; i++) {
        const cfg_row *r = &rows[i];
        fputs(".TP\n\\fB", out);
        roff(out, "--");
        roff(out, r->name);
        fputs("\\fR", out);
        if (r->type == CFG_BOOL) {
            fputs("[=\\fIyes\\fR|\\fIno\\fR]", out);
        } else {
            fputs(" \\fI", out);
            roff(out, r->arg);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        char first = r->help[0] >= 'a' && r->help[0] <= 'z' ? (char)(r->help[0] - 'a' + 'A')
                                                            : r->help[0];
        fputc(first, out);
        roff(out, r->help + 1);
        fputc('.', out);
        if (r->type == CFG_INT)
            fprintf(out, " From %ld to %ld; default %s.", r->min, r->max, r->def);
        else if (r->def[0] && !r->once) {
            fputs(" Default: ", out);
            roff(out, r->def);
            fputc('.', out);
        }
        if (r->once)
            fputs(" Command line only.", out);
        if (r->live)
            fputs(" Live: \\fB\\-\\-set\\fR changes it on a running server.", out);
        fputc('\n', out);
    }
    fputs(".SH CONFIGURATION FILE\n"
          "\\fB\\-\\-config\\fR \\fIFILE\\fR reads settings from \\fIFILE\\fR before the command\n"
          "line, so a flag given there wins over the file. Each line is blank, a comment\n"
          "starting with \\fB#\\fR, or\n"
          ".RS\n.nf\n\\fIkey\\fR = \\fIvalue\\fR\n.fi\n.RE\n"
          "where \\fIkey\\fR is an option's name without its dashes (\\fBport\\fR, \\fBdata\\-dir\\fR)\n"
          "and \\fIvalue\\fR is what the option takes; spaces around both are ignored, and a value\n"
          "may be put in double quotes to keep spaces at its ends. A key may appear once. The\n"
          "values are checked as the options' are; an error names the file and the line, and\n"
          "placed does not start. \\fBplaced \\-\\-sample\\-config\\fR prints every key at its\n"
          "default.\n"
          ".SH ADMINISTRATION\n"
          "\\fB\\-\\-ban\\fR, \\fB\\-\\-unban\\fR, \\fB\\-\\-grant\\-admin\\fR, \\fB\\-\\-revoke\\-admin\\fR,\n"
          "\\fB\\-\\-freeze\\fR, \\fB\\-\\-unfreeze\\fR, \\fB\\-\\-set\\fR, \\fB\\-\\-revert\\-user\\fR,\n"
          "\\fB\\-\\-wipe\\fR and \\fB\\-\\-restore\\fR act on\n"
          "the server running on \\fB\\-\\-data\\-dir\\fR through its control socket (at once, without\n"
          "a restart), or on the database when none runs, and exit. Give them the same\n"
          "\\fB\\-\\-config\\fR as the server so that they find its data directory, and run them\n"
          "as the directory's owner: as root, placed refuses a data directory that belongs to\n"
          "another user (the files root made there would lock that user out):\n"
          ".RS\n.nf\n"
          "sudo \\-u placed placed \\-\\-config /etc/place/placed.conf \\-\\-ban vandal\n"
          ".fi\n.RE\n"
          "Every act is kept in the audit log of the store, with when, who (the OS user on the\n"
          "control socket), what and how many pixels it changed; \\fBplaced \\-\\-audit\\fR prints\n"
          "it. \\fB\\-\\-revert\\-user\\fR, \\fB\\-\\-wipe\\fR and \\fB\\-\\-restore\\fR change pixels as\n"
          "ordinary placements attributed to the act, in chunks while players go on placing,\n"
          "each chunk once the last has been sent to the viewers (a second at most), print\n"
          "their progress, and end with the number of pixels changed once it is stored.\n"
          ".SH CLIENT ADDRESSES\n"
          "Per\\-address budgets count the address a connection comes from. Behind a proxy (nginx,\n"
          "or the SSH gate of \\fBplace\\-tui\\-ssh\\-setup\\fR(8)) every connection comes from the\n"
          "proxy: list it in \\fB\\-\\-trusted\\-proxy\\fR and placed counts the address the proxy\n"
          "names in \\fBX\\-Forwarded\\-For\\fR or \\fBX\\-Real\\-IP\\fR instead. Those headers are\n"
          "ignored from any other address.\n"
          ".SH SIGNALS\n"
          "\\fBSIGINT\\fR and \\fBSIGTERM\\fR stop placed cleanly: placements in flight are\n"
          "committed and acknowledged first.\n"
          ".SH EXIT STATUS\n"
          "0 on success, 2 for a bad flag or configuration file, 1 when placed cannot start\n"
          "or an admin action fails.\n"
          ".SH FILES\n"
          ".TP\n.I /etc/place/placed.conf\n"
          "the configuration the packaged service (\\fBplaced.service\\fR) reads.\n"
          ".TP\n.I /var/lib/place\n"
          "the packaged service's data directory: the SQLite database, its lock and the\n"
          "control socket.\n"
          ".TP\n.I ",
          out);
    roff(out, PLACE_WEB_ROOT);
    fputs("\nthe browser client, the default of \\fB\\-\\-web\\-root\\fR.\n"
          ".SH EXAMPLES\n"
          ".nf\n"
          "placed \\-\\-port 8080 \\-\\-data\\-dir /srv/place\n"
          "placed \\-\\-config /etc/place/placed.conf \\-\\-port 0\n"
          "systemctl status placed\n"
          ".fi\n"
          ".SH SEE ALSO\n"
          "\\fBplace\\-tui\\fR(1), \\fBplace\\-sdl\\fR(1), \\fBplace\\-tui\\-ssh\\-setup\\fR(8),\n"
          "\\fBsystemd.service\\fR(5); /usr/share/doc/place\\-server/deploy.md.gz\n",
          out);
}

int config_cooldown_scope(const place_config *cfg)
{
    static const char *names[] = {"account", "guests", "address"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(cfg->cooldown_scope, names[i]))
            return i;
    return -1;
}

int config_duration_ms(const char *text, int64_t *ms)
{
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno || end == text || n < 0 || !(text[0] >= '0' && text[0] <= '9'))
        return -1;
    long long unit = 1000;
    switch (*end) {
    case 0: case 's': break;
    case 'm': unit = 60LL * 1000; break;
    case 'h': unit = 3600LL * 1000; break;
    case 'd': unit = 86400LL * 1000; break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    if (n > 3650LL * 86400 * 1000 / unit) /* ten years is for ever enough */
        return -1;
    *ms = n * unit;
    return 0;
}

int config_is_admin_action(const place_config *cfg)
{
    return cfg->grant_admin[0] || cfg->revoke_admin[0] || cfg->ban[0] || cfg->unban[0] ||
           cfg->ban_id[0] || cfg->unban_id[0] || cfg->ban_ip[0] || cfg->unban_ip[0] ||
           cfg->revert_user[0] || cfg->wipe[0] || cfg->restore[0] || cfg->audit ||
           cfg->freeze || cfg->unfreeze || cfg->set[0];
}

int config_time_ms(const char *text, int64_t now_ms, int64_t *ms)
{
    if (text[0] == '-') { /* relative: -2h */
        int64_t d;
        if (config_duration_ms(text + 1, &d) < 0)
            return -1;
        *ms = now_ms - d;
        return 0;
    }
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (!errno && end != text && !*end && n > 100000000000LL) { /* ms since the epoch */
        *ms = n;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(text, "%Y-%m-%d", &tm);
    if (!p)
        return -1;
    long frac_ms = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        const char *q = strptime(p + 1, "%H:%M", &tm);
        if (!q)
            return -1;
        p = q;
        if (*p == ':') {
            if (!(q = strptime(p + 1, "%S", &tm)))
                return -1;
            p = q;
            if (*p == '.') {
                long scale = 100;
                for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                    frac_ms += (*p - '0') * scale;
            }
        }
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh = 0, mm = 0, used = 0;
        if (sscanf(p + 1, "%2d%n", &hh, &used) != 1 || used != 2)
            return -1;
        p += 3;
        if (*p == ':')
            p++;
        if (*p && (sscanf(p, "%2d%n", &mm, &used) != 1 || used != 2))
            return -1;
        if (*p)
            p += 2;
        offset = sign * (hh * 3600L + mm * 60L);
    }
    if (*p)
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = ((int64_t)t - offset) * 1000 + frac_ms;
    return 0;
}

void config_live_names(char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = 0;
    for (size_t i = 0; i < NROWS; i++) {
        if (!rows[i].live)
            continue;
        int n = snprintf(out + pos, cap - pos, "%s%s", pos ? ", " : "", rows[i].name);
        if (n < 0 || (size_t)n >= cap - pos)
            return;
        pos += (size_t)n;
    }
}

static const cfg_row *find_live(const char *key)
{
    const cfg_row *r = find_row(key, strlen(key));
    return r && r->live ? r : NULL;
}

int config_live_set(place_config *cfg, const char *key, const char *value, char *err,
                    size_t errcap)
{
    const cfg_row *r = find_live(key);
    if (!r) {
        char names[256];
        config_live_names(names, sizeof names);
        snprintf(err, errcap, "\"%.40s\" cannot be changed on a running server; these can: %s",
                 key, names);
        return -1;
    }
    return set_value(cfg, r, value, "", err, errcap);
}

int config_live_get(const place_config *cfg, const char *key, char *out, size_t cap)
{
    const cfg_row *r = find_live(key);
    if (!r)
        return -1;
    const void *p = (const char *)cfg + r->offset;
    if (r->type == CFG_INT)
        snprintf(out, cap, "%d", *(const int *)p);
    else if (r->type == CFG_BOOL)
        snprintf(out, cap, "%s", *(const int *)p ? "yes" : "no");
    else
        snprintf(out, cap, "%s", (const char *)p);
    return 0;
}

void config_live_copy(place_config *dst, const place_config *src)
{
    for (size_t i = 0; i < NROWS; i++) {
        const cfg_row *r = &rows[i];
        if (r->live)
            memcpy((char *)dst + r->offset, (const char *)src + r->offset,
                   r->type == CFG_STR ? r->size : sizeof(int));
    }
}

int config_live_equal(const place_config *cfg, const place_config *other)
{
    for (size_t i = 0; i < NROWS; i++) {
        const cfg_row *r = &rows[i];
        if (r->live && memcmp((const char *)cfg + r->offset, (const char *)other + r->offset,
                              r->type == CFG_STR ? r->size : sizeof(int)))
            return 0;
    }
    return 1;
}

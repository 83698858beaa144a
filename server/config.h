/* placed's configuration: one table (config.c) of name, type, range, default and help drives the
 * command line, the configuration file (--config), --help, the sample file (--sample-config) and
 * the manual page (--man). To add a flag, add a field here and a row to the table; an act (do
 * this, then exit) takes a *_ONCE row so that a config file cannot hold it. */
#ifndef PLACE_SERVER_CONFIG_H
#define PLACE_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct place_config {
    char config[512]; /* --config FILE, read before the other flags */
    int port;
    char listen[64];
    char data_dir[512];
    int width;
    int height;
    int cooldown_sec;
    int batch_ms;
    int commit_ms;
    char cdn_url[512];
    int guests_can_place;
    int max_conns_per_ip;     /* TCP connections (HTTP and WebSocket) per address */
    int max_conns;            /* all connections; 0: the descriptor limit less a reserve */
    int max_requests_per_ip;  /* HTTP requests in flight per address */
    int max_unread_per_ip;    /* KiB of answers held unread per address */
    int max_hashes_per_ip;    /* password hashes queued or running per address */
    int request_timeout;      /* s: a request's headers and body complete */
    int response_timeout;     /* s: an answer read by the client */
    int keepalive_timeout;    /* s: an idle keep-alive connection's next request */
    int resync_drop_ms;       /* ms: falling behind the broadcast twice within this drops a socket */
    int ws_sndbuf;            /* KiB: the kernel's send buffer of each WebSocket */
    char allowed_origin[1024]; /* WebSocket Origins allowed besides the server's own */
    char trusted_proxy[512]; /* comma-separated address blocks (peer.h) */
    int max_guests; /* guests that never placed, held in memory (the oldest idle one goes) */
    int max_guests_per_ip; /* of those, one address's (its own oldest goes beyond it) */
    char cooldown_scope[16]; /* account | guests | address (backend.h: backend_cooldown_scope) */
    int guests_per_hour;     /* new guests one address may make per hour */
    int registrations_per_hour; /* registrations from one address per hour */
    char web_root[512];
    /* admin actions: when one is set, placed applies it and exits */
    char grant_admin[64];
    char revoke_admin[64];
    char ban[64];
    char unban[64];
    char ban_id[64];
    char unban_id[64];
    char ban_ip[64];
    char unban_ip[64];
    char ban_for[32];     /* --for: a duration ("24h"); "" for ever */
    char ban_reason[128]; /* --reason */
    char ban_addresses_for[32]; /* how far back a banned account's addresses are banned too */
    /* moderation of pixels and the audit log (admin.c, moderate.c) */
    char revert_user[64]; /* --revert-user NAME */
    char wipe[64];        /* --wipe X,Y,W,H */
    char restore[64];     /* --restore X,Y,W,H */
    char since[48];       /* --since TIME: with --revert-user and --audit */
    char at[48];          /* --at TIME: with --restore and --export-png */
    int color;            /* --color C: with --wipe */
    int audit;            /* --audit */
    int freeze;   /* --freeze (with --reason) */
    int unfreeze; /* --unfreeze */
    char set[192]; /* --set KEY=VALUE */
    /* cluster mode (server/cluster/, docs/deploy.md): on when redis is set */
    char redis[256];
    char kafka[512];
    char kafka_topic[128];
    char postgres[512];
    int history_writer;
    int reuse_port;
    int hole_ms;
    int checkpoint_every; /* the canvas is stored every this many placements (history) */
    /* exports of the history (export.c): when one is set, placed writes it and exits */
    char export_png[512];  /* --export-png FILE */
    char timelapse[512];   /* --timelapse OUT (.gif, a directory, or a pattern with %d) */
    char seq[24];          /* --seq N */
    char scale[8];         /* --scale S */
    char from[48];         /* --from TIME */
    char to[48];           /* --to TIME */
    char fps[8];           /* --fps F */
    char step[24];         /* --step DURATION */
    char step_placements[24]; /* --step-placements N */
    char region[64];       /* --region X,Y,W,H */
    int help;
    int version;
    int man;
    int sample_config;
} place_config;

/* Fills cfg with every default. */
void config_defaults(place_config *cfg);

/* Parses argv (--name value, --name=value; booleans also bare --name or --no-name) over the
 * defaults already in cfg. When argv has --config FILE, FILE is read first (config_load_file), so
 * the flags win over it. Returns 0, or -1 with a sentence for a person in err (unknown flag,
 * missing value, value out of range; for the file, prefixed with "FILE:LINE: "). */
int config_parse(place_config *cfg, int argc, char **argv, char *err, size_t errcap);

/* Reads "key = value" lines (blank lines and "#" comments skipped) over cfg; keys are the flags'
 * names, checked as the flags are; a key twice, an unknown key or a command-line-only one is an
 * error. Returns 0, or -1 with "FILE:LINE: why" in err (cfg then partly set). */
int config_load_file(place_config *cfg, const char *path, char *err, size_t errcap);

/* Writes the usage text generated from the table. */
void config_usage(FILE *out, const char *argv0);

/* Writes a configuration file with every key (help, range, default) commented out. */
void config_sample(FILE *out);

/* Writes the manual page placed(8) as roff, from the table. */
void config_man(FILE *out, const char *version);

/* The --cooldown-scope value as a backend_cooldown_scope (0 account, 1 guests, 2 address), or -1
 * if it is none of them. */
int config_cooldown_scope(const place_config *cfg);

/* Parses a duration: a whole number with a unit s, m, h or d ("90s", "24h"; a bare number is
 * seconds). Returns 0 with *ms, or -1. */
int config_duration_ms(const char *text, int64_t *ms);

/* Parses a point in time as an admin types it: ISO-8601 ("2026-11-29T15:30:00Z", a date, a
 * time with an offset such as +02:00; without a zone it is UTC), milliseconds since the epoch,
 * or relative to now ("-2h", "-90m", "-30s", "-1d"). Returns 0 with *ms (since the epoch), or
 * -1. */
int config_time_ms(const char *text, int64_t now_ms, int64_t *ms);

/* 1 when cfg asks for an admin action (--ban, --ban-id, --ban-ip, their --unban*,
 * --grant-admin, --revoke-admin, --freeze, --unfreeze, --set). */
int config_is_admin_action(const place_config *cfg);

/* ---- live settings: the rows marked live (placed --set KEY=VALUE on a running server) */

/* Sets the live setting `key` of cfg from the text value, checked as its flag is. Returns 0, or
 * -1 with a sentence in err (a key that is no live setting: the sentence lists those that are;
 * a value out of range: why). */
int config_live_set(place_config *cfg, const char *key, const char *value, char *err,
                    size_t errcap);

/* The value of the live setting `key` in cfg as text ("5", "no"), into out. Returns 0 or -1 if
 * key is no live setting. */
int config_live_get(const place_config *cfg, const char *key, char *out, size_t cap);

/* Copies every live setting from src to dst. */
void config_live_copy(place_config *dst, const place_config *src);

/* Whether cfg and other hold the same live settings. */
int config_live_equal(const place_config *cfg, const place_config *other);

/* The names of the live settings, ", "-separated ("cooldown, guests-can-place, ..."). */
void config_live_names(char *out, size_t cap);

#endif

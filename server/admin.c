/* The control socket and the admin command (see admin.h). */
#include "admin.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "moderate.h"
#include "live.h"
#include "store_db.h"
#include "util.h"

#define LINE_MAX_ 320

typedef struct admin_client {
    uv_pipe_t pipe;
    place_server *srv;
    char line[LINE_MAX_];
    size_t len;
    int answered;
    int waiting; /* an action is being stored: the answer (and the free) comes from done */
    int gone;    /* the client went away meanwhile */
    const char *word, *name;
    char target[80];
    char who[BACKEND_AUDIT_WHO_MAX + 1]; /* the OS user on the other end (SO_PEERCRED) */
    char what[BACKEND_AUDIT_WHAT_MAX + 1]; /* the act as the audit log says it */
    const char *act;
    int64_t said_ms; /* a pixel act: when progress was last said */
    backend_setting kv[LIVE_ACT_MAX]; /* a live act's settings */
} admin_client;

/* What the target of an act is. */
enum { BY_NAME, BY_ID, BY_ADDR };

/* The acts, in the order admin_run applies them; `flag` is the config field that asks for it.
 * One line on the control socket: "<word> <target> <until_ms> <addr_window_ms> <reason>\n"
 * (the reason may be empty and may hold spaces; it runs to the end of the line). */
static const struct {
    const char *word;
    backend_admin_op op;
    int by;
    size_t flag;
    const char *act; /* as the audit log names it */
} ops[] = {
    {"grant-admin", BACKEND_ADMIN_GRANT, BY_NAME, offsetof(place_config, grant_admin), "grant"},
    {"revoke-admin", BACKEND_ADMIN_REVOKE, BY_NAME, offsetof(place_config, revoke_admin),
     "revoke"},
    {"ban", BACKEND_ADMIN_BAN, BY_NAME, offsetof(place_config, ban), "ban"},
    {"ban-id", BACKEND_ADMIN_BAN, BY_ID, offsetof(place_config, ban_id), "ban"},
    {"unban", BACKEND_ADMIN_UNBAN, BY_NAME, offsetof(place_config, unban), "unban"},
    {"unban-id", BACKEND_ADMIN_UNBAN, BY_ID, offsetof(place_config, unban_id), "unban"},
    {"ban-ip", BACKEND_ADMIN_BAN_ADDR, BY_ADDR, offsetof(place_config, ban_ip), "ban-ip"},
    {"unban-ip", BACKEND_ADMIN_UNBAN_ADDR, BY_ADDR, offsetof(place_config, unban_ip), "unban-ip"},
};

/* What the audit log says of act i on target: "user alice, until 2026-11-30T10:00:00Z,
 * reason: spam". */
static void describe(size_t i, const char *target, int64_t until, const char *reason, char *out,
                     size_t cap)
{
    const char *kind = ops[i].by == BY_NAME ? "user " : ops[i].by == BY_ID ? "user id " : "";
    int n = snprintf(out, cap, "%s%s", kind, target);
    if (until > 0 && n >= 0 && (size_t)n < cap) {
        time_t t = (time_t)(until / 1000);
        struct tm tm;
        char when[32];
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        n += snprintf(out + n, cap - (size_t)n, ", until %s", when);
    }
    if (reason && reason[0] && n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, ", reason: %s", reason);
}

/* The live acts (live.h): "freeze - 0 0 <reason>", "unfreeze - 0 0 ", "set KEY=VALUE 0 0 ";
 * the word is also the act's name in the audit log. */
static const struct {
    const char *word;
    live_act act;
} live_ops[] = {
    {"freeze", LIVE_FREEZE},
    {"unfreeze", LIVE_UNFREEZE},
    {"set", LIVE_SET},
};

/* What the audit log says of a live act: "reason: spam" (freeze), "cooldown=5" (set), "". */
static void describe_live(live_act a, const char *arg, const char *reason, char *out, size_t cap)
{
    if (a == LIVE_SET)
        snprintf(out, cap, "%s", arg);
    else if (a == LIVE_FREEZE && reason && reason[0])
        snprintf(out, cap, "reason: %s", reason);
    else
        out[0] = 0;
}

/* The request for act i on target (the rest as on the control line). */
static backend_admin_req make_req(size_t i, const char *target, int64_t until, int64_t window,
                                  const char *reason)
{
    backend_admin_req q = {.op = ops[i].op, .until = until, .reason = reason,
                           .addr_window_ms = window};
    if (ops[i].by == BY_NAME)
        q.name = target;
    else if (ops[i].by == BY_ID)
        q.id = target;
    else
        q.addr = target;
    return q;
}

/* The act of ops[i] on a user id (ban -> ban-id), or i when it has none (grant, revoke). */
static size_t by_id_of(size_t i)
{
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (ops[k].by == BY_ID && ops[k].op == ops[i].op)
            return k;
    return i;
}

struct admin_sock {
    uv_pipe_t server;
    int open;
    moderate_act *act; /* the pixel act under way (one at a time), stopped with the socket */
    char path[600];
};

static void sock_path(const char *dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, ADMIN_SOCKET);
}

int admin_lock(const char *data_dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", data_dir, ADMIN_LOCK);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* ---------------------------------------------------------------- server side */

static void on_client_closed(uv_handle_t *h)
{
    admin_client *c = h->data;
    if (c->waiting)
        c->gone = 1; /* freed by admin_audited */
    else
        free(c);
}

static void on_written(uv_write_t *w, int status)
{
    admin_client *c = w->data;
    free(w);
    uv_close((uv_handle_t *)&c->pipe, on_client_closed);
}

static void answer(admin_client *c, const char *text)
{
    c->answered = 1;
    uv_read_stop((uv_stream_t *)&c->pipe);
    uv_write_t *w = malloc(sizeof *w + strlen(text) + 1);
    if (!w) {
        uv_close((uv_handle_t *)&c->pipe, on_client_closed);
        return;
    }
    char *copy = (char *)(w + 1);
    strcpy(copy, text);
    w->data = c;
    uv_buf_t b = uv_buf_init(copy, (unsigned)strlen(copy));
    if (uv_write(w, (uv_stream_t *)&c->pipe, &b, 1, on_written) < 0) {
        free(w);
        uv_close((uv_handle_t *)&c->pipe, on_client_closed);
    }
}

/* An admin action is answered "ok" only once it is durable, and its audit row too. */
static void admin_audited(void *arg, int rc)
{
    admin_client *c = arg;
    c->waiting = 0;
    const char *out = rc ? "error: the change could not be saved (the disk is full or failing): "
                           "it is in effect in the running server but may be lost at a restart; "
                           "run the command again once the disk has space\n"
                         : "ok\n";
    fprintf(stderr, "placed: admin: %s %s: %s", c->word, c->name, out);
    if (c->gone)
        free(c);
    else
        answer(c, out);
}


static void on_said(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

/* Writes a line and keeps the connection (a pixel act's progress). */
static void say(admin_client *c, const char *text)
{
    if (c->gone || uv_is_closing((uv_handle_t *)&c->pipe))
        return;
    uv_write_t *w = malloc(sizeof *w + strlen(text) + 1);
    if (!w)
        return;
    char *copy = (char *)(w + 1);
    strcpy(copy, text);
    uv_buf_t b = uv_buf_init(copy, (unsigned)strlen(copy));
    if (uv_write(w, (uv_stream_t *)&c->pipe, &b, 1, on_said) < 0)
        free(w);
}

/* ---------------------------------------------------------------- pixel acts (moderate.h) */

/* The pixel acts on the control socket: "<word> <target> <number> 0 \n" where the target is the
 * user (revert-user) or the rectangle X,Y,W,H, and the number the since time in ms (0: all),
 * the colour, or the at time in ms. The answer is "progress DONE TOTAL" lines, at most four a
 * second, then "ok CHANGED LAST_SEQ" once every change is durable and on record (LAST_SEQ: the
 * seq of the last pixel changed, 0 if none), or "error: ...". */
static const struct {
    const char *word;
    int kind;
} mod_ops[] = {
    {"revert-user", BACKEND_ACT_REVERT},
    {"wipe", BACKEND_ACT_WIPE},
    {"restore", BACKEND_ACT_RESTORE},
};

static void mod_progress(void *arg, size_t done, size_t total)
{
    admin_client *c = arg;
    int64_t now = util_mono_ms();
    if (now - c->said_ms < 250 && done < total)
        return;
    c->said_ms = now;
    char line[64];
    snprintf(line, sizeof line, "progress %zu %zu\n", done, total);
    say(c, line);
}

/* The act's pixels up to seq have reached this server's viewers (moderate.h). Never asked once
 * the server is stopping: admin_close stops the act (moderate_stop) before the canvas and the
 * broadcast go. */
static int mod_paced(void *arg, uint64_t seq)
{
    const place_server *srv = ((admin_client *)arg)->srv;
    return moderate_reached(srv->canvas, srv->bcast, seq);
}

static void mod_finish(void *arg, int rc, size_t changed, uint64_t last_seq, const char *err)
{
    admin_client *c = arg;
    char out[320];
    c->waiting = 0;
    if (c->srv->admin)
        c->srv->admin->act = NULL;
    if (rc)
        snprintf(out, sizeof out, "error: %s (%zu pixels changed)\n", err ? err : "failed",
                 changed);
    else
        snprintf(out, sizeof out, "ok %zu %llu\n", changed, (unsigned long long)last_seq);
    fprintf(stderr, "placed: admin: %s %s: %s", c->word, c->target, out);
    if (c->gone)
        free(c);
    else
        answer(c, out);
}

/* 1 if the line was a pixel act (answered or under way). */
static int run_mod(admin_client *c, const char *word, const char *target, long long number)
{
    for (size_t i = 0; i < sizeof mod_ops / sizeof mod_ops[0]; i++) {
        if (strcmp(word, mod_ops[i].word))
            continue;
        moderate_req q = {.kind = mod_ops[i].kind};
        char err[256] = "", out[300];
        if (q.kind == BACKEND_ACT_REVERT) {
            if (strlen(target) >= sizeof q.user) {
                answer(c, "error: no such user\n");
                return 1;
            }
            memcpy(q.user, target, strlen(target) + 1);
            q.since_ms = number;
        } else if (moderate_parse_rect(target, &q) < 0) {
            answer(c, "error: the rectangle is X,Y,W,H (whole numbers, W and H at least 1)\n");
            return 1;
        } else if (q.kind == BACKEND_ACT_WIPE) {
            q.color = (int)number;
        } else {
            q.at_ms = number;
        }
        snprintf(c->target, sizeof c->target, "%s", target);
        c->word = mod_ops[i].word;
        c->waiting = 1;
        int rc = c->srv->store && c->srv->canvas
                     ? moderate_start(c->srv->store, c->srv->canvas, c->srv->loop, &q, c->who,
                                      mod_progress, mod_paced, mod_finish, c, &c->srv->admin->act,
                                      err, sizeof err)
                     : PLACE_ERR_UNAVAILABLE;
        if (rc == 0)
            return 1; /* answered by mod_finish */
        c->waiting = 0;
        snprintf(out, sizeof out, "error: %s\n", err[0] ? err : "the server is stopping");
        fprintf(stderr, "placed: admin: %s %s: %s", word, target, out);
        answer(c, out);
        return 1;
    }
    return 0;
}

/* Hands q, with c's audit row (who, act, what), to the store. admin_audited answers once the
 * act and its row are on disk; an act the store refuses at once is answered here. */
static void submit_audited(admin_client *c, backend_admin_req *q, const char *word,
                           const char *target)
{
    char err[200] = "", out[256];
    backend *b = c->srv->store;
    backend_audit_row row;
    audit_row_make(&row, c->who, c->act, c->what, -1);
    q->audit = &row;
    c->waiting = 1;
    int rc = b ? b->ops->admin(b, q, err, sizeof err, admin_audited, c) : PLACE_ERR_UNAVAILABLE;
    if (rc == PLACE_ERR_NONE)
        return;
    c->waiting = 0;
    snprintf(out, sizeof out, "error: %s\n", err[0] ? err : "the server is stopping");
    fprintf(stderr, "placed: admin: %s %s: %s", word, target, out);
    answer(c, out);
}

static void run_line(admin_client *c)
{
    char word[32], target[80];
    long long until = 0, window = 0;
    int used = 0;
    if (sscanf(c->line, "%31s %79s %lld %lld %n", word, target, &until, &window, &used) < 4) {
        answer(c, "error: expected \"<action> <target> <until> <window> <reason>\"\n");
        return;
    }
    const char *reason = c->line + used;
    if (run_mod(c, word, target, until))
        return;
    for (size_t i = 0; i < sizeof live_ops / sizeof live_ops[0]; i++) {
        if (strcmp(live_ops[i].word, word))
            continue;
        char err[320] = "", out[360];
        size_t n;
        snprintf(c->target, sizeof c->target, "%s", target);
        c->word = live_ops[i].word;
        c->name = c->target;
        c->act = live_ops[i].word;
        describe_live(live_ops[i].act, c->target, reason, c->what, sizeof c->what);
        int rc = live_request(live_ops[i].act, target, reason, c->kv, &n, err, sizeof err);
        if (rc == 0) {
            backend_admin_req q = {.op = BACKEND_ADMIN_SETTINGS, .settings = c->kv, .nsettings = n};
            submit_audited(c, &q, word, target);
            return;
        }
        snprintf(out, sizeof out, "error: %s\n", err[0] ? err : "the server is stopping");
        fprintf(stderr, "placed: admin: %s %s: %s", word, target, out);
        answer(c, out);
        return;
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(ops[i].word, word))
            continue;
        snprintf(c->target, sizeof c->target, "%s", target);
        c->word = ops[i].word;
        c->name = c->target;
        c->act = ops[i].act;
        describe(i, c->target, until, reason, c->what, sizeof c->what);
        backend_admin_req q = make_req(i, c->target, until, window, reason);
        submit_audited(c, &q, word, target);
        return;
    }
    answer(c, "error: unknown action\n");
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    admin_client *c = h->data;
    buf->base = c->line + c->len;
    buf->len = sizeof c->line - 1 - c->len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    admin_client *c = s->data;
    if (c->waiting) { /* the answer comes once the action is stored, even after an EOF */
        uv_read_stop(s);
        return;
    }
    if (c->answered)
        return;
    if (n < 0) {
        uv_close((uv_handle_t *)&c->pipe, on_client_closed);
        return;
    }
    c->len += (size_t)n;
    c->line[c->len] = 0;
    char *nl = strchr(c->line, '\n');
    if (nl) {
        *nl = 0;
        run_line(c);
    } else if (c->len >= sizeof c->line - 1) {
        answer(c, "error: line too long\n");
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    admin_client *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = server->data;
    uv_pipe_init(server->loop, &c->pipe, 0);
    c->pipe.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
        uv_close((uv_handle_t *)&c->pipe, on_client_closed);
        return;
    }
    /* who is on the other end: the audit log names the OS user */
    uv_os_fd_t fd;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        audit_os_who(cred.uid, c->who);
    else
        snprintf(c->who, sizeof c->who, "os:unknown");
    if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) < 0)
        uv_close((uv_handle_t *)&c->pipe, on_client_closed);
}

admin_sock *admin_listen(place_server *srv)
{
    admin_sock *adm = calloc(1, sizeof *adm);
    if (!adm)
        return NULL;
    sock_path(srv->cfg.data_dir, adm->path, sizeof adm->path);
    unlink(adm->path); /* we hold the directory's lock: any socket file left is stale */
    if (uv_pipe_init(srv->loop, &adm->server, 0) < 0) {
        free(adm);
        return NULL;
    }
    adm->open = 1;
    adm->server.data = srv;
    if (uv_pipe_bind(&adm->server, adm->path) < 0 ||
        uv_listen((uv_stream_t *)&adm->server, 8, on_connection) < 0)
        return NULL; /* the loop holds the pipe: the process stops without running it */
    chmod(adm->path, 0600);
    return adm;
}

void admin_close(admin_sock *adm)
{
    if (!adm || !adm->open)
        return;
    moderate_stop(adm->act); /* before the store and the canvas go */
    uv_close((uv_handle_t *)&adm->server, NULL);
    unlink(adm->path);
    adm->open = 0;
}

void admin_free(admin_sock *adm)
{
    free(adm);
}

/* ---------------------------------------------------------------- the admin command */

static int ask_server(const char *path, const char *line, char *reply, size_t cap)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        close(fd);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t n = write(fd, line + off, len - off);
        if (n <= 0) {
            close(fd);
            return -2;
        }
        off += (size_t)n;
    }
    size_t got = 0;
    ssize_t n;
    while (got < cap - 1 && (n = read(fd, reply + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    reply[got] = 0;
    close(fd);
    return 0;
}

/* ---------------------------------------------------------------- guests by their shown name */

#define GUEST_MATCH_MAX 8 /* ids listed when a guest's name is ambiguous */

/* A guest's shown name ("guest-1234abcd", what the pixel info shows: account_guest_name) to the
 * user's id, read from the store (running server or not). Returns 1 with the id, 0 when name is
 * not a guest's name (it is used as given), -1 when it names no user or more than one (said on
 * stderr, with the matching ids). */
static int guest_id(const place_config *cfg, const char *label, const char *name,
                    char id[BACKEND_ID_LEN + 1])
{
    char prefix[9];
    size_t i = 0;
    if (strncasecmp(name, "guest-", 6) || strlen(name) != 6 + 8)
        return 0;
    for (; i < 8; i++) {
        char ch = (char)tolower((unsigned char)name[6 + i]);
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return 0;
        prefix[i] = ch;
    }
    prefix[8] = 0;
    char ids[GUEST_MATCH_MAX + 1][BACKEND_ID_LEN + 1], err[256] = "";
    size_t n = 0;
    if (backend_users_by_prefix(cfg, prefix, ids, GUEST_MATCH_MAX + 1, &n, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s: %s; nothing was changed\n", label, err);
        return -1;
    }
    if (n == 1) {
        memcpy(id, ids[0], BACKEND_ID_LEN + 1);
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, "placed: %s: no user named \"%s\" (no user id starts with %s); nothing "
                        "was changed\n", label, name, prefix);
        return -1;
    }
    fprintf(stderr, "placed: %s: \"%s\" is ambiguous: %s%zu users have an id starting with %s:",
            label, name, n > GUEST_MATCH_MAX ? "more than " : "",
            n > GUEST_MATCH_MAX ? (size_t)GUEST_MATCH_MAX : n, prefix);
    for (size_t k = 0; k < n && k < GUEST_MATCH_MAX; k++)
        fprintf(stderr, "%s %s", k ? "," : "", ids[k]);
    fprintf(stderr, "; name one by its id. Nothing was changed.\n");
    return -1;
}

/* ---------------------------------------------------------------- pixel acts, the command side */

typedef struct cli_act {
    const char *word, *target;
    canvas *cv;
    int done, rc;
    size_t changed;
    uint64_t last_seq;
    char err[300];
} cli_act;

static void cli_progress(void *arg, size_t done, size_t total)
{
    cli_act *a = arg;
    printf("placed: %s %s: %zu of %zu pixels looked at\n", a->word, a->target, done, total);
    fflush(stdout);
}

static void cli_finish(void *arg, int rc, size_t changed, uint64_t last_seq, const char *err)
{
    cli_act *a = arg;
    a->done = 1;
    a->rc = rc;
    a->changed = changed;
    a->last_seq = last_seq;
    snprintf(a->err, sizeof a->err, "%s", err ? err : "");
}

static void cli_pixels(void *arg, const place_pixel *px, size_t n)
{
    cli_act *a = arg;
    if (a->cv)
        canvas_apply(a->cv, px, n);
}

/* The act on the store itself, no server running (the caller holds the directory's lock): the
 * same code as a running server's, on a loop of its own. Returns the exit status. */
static int pixel_act_offline(const place_config *cfg, const moderate_req *q, cli_act *a)
{
    char err[300] = "", who[BACKEND_AUDIT_WHO_MAX + 1];
    place_config c = *cfg;
    uint32_t w, h;
    if (backend_canvas_size(cfg, &w, &h, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s %s: %s\n", a->word, a->target, err);
        return 1;
    }
    c.width = (int)w; /* the stored size: never grown by an act */
    c.height = (int)h;
    uv_loop_t loop;
    uv_loop_init(&loop);
    backend_sink sink = {.arg = a, .on_pixels = cli_pixels};
    backend *b = backend_open(&c, &loop, &sink, err, sizeof err);
    uint8_t *bits = NULL;
    uint64_t seq = 0;
    int rc = 1;
    if (b && b->ops->load_canvas(b, &bits, &w, &h, &seq, err, sizeof err) == 0 &&
        !(a->cv = canvas_new(bits, w, h, seq)))
        snprintf(err, sizeof err, "out of memory");
    audit_os_who(getuid(), who);
    if (a->cv && moderate_start(b, a->cv, &loop, q, who, cli_progress, NULL, cli_finish, a, NULL,
                                err, sizeof err) == 0) {
        while (!a->done)
            uv_run(&loop, UV_RUN_ONCE);
        if (a->rc == 0) {
            printf("placed: %s %s: done, %zu pixels changed (no server running; database "
                   "updated), the last at seq %llu\n", a->word, a->target, a->changed,
                   (unsigned long long)a->last_seq);
            rc = 0;
        } else {
            fprintf(stderr, "placed: %s %s: %s (%zu pixels changed)\n", a->word, a->target,
                    a->err, a->changed);
        }
    } else {
        fprintf(stderr, "placed: %s %s: %s\n", a->word, a->target, err[0] ? err : "failed");
    }
    if (b)
        b->ops->close(b);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    canvas_free(a->cv);
    return rc;
}

/* placed --revert-user / --wipe / --restore: through the running server's control socket,
 * printing its progress, or on the store. Returns the exit status. */
static int run_pixel_act(const place_config *cfg)
{
    moderate_req q;
    memset(&q, 0, sizeof q);
    cli_act a = {0};
    long long number = 0;
    int64_t now = util_now_ms(), t;
    if (!!cfg->revert_user[0] + !!cfg->wipe[0] + !!cfg->restore[0] > 1) {
        fprintf(stderr, "placed: one of --revert-user, --wipe, --restore at a time\n");
        return 2;
    }
    if (cfg->revert_user[0]) {
        a.word = "revert-user";
        a.target = cfg->revert_user;
        q.kind = BACKEND_ACT_REVERT;
        if (strlen(a.target) >= sizeof q.user || strchr(a.target, ' ')) {
            fprintf(stderr, "placed: revert-user %s: no such user\n", a.target);
            return 1;
        }
        char label[160], id[BACKEND_ID_LEN + 1];
        snprintf(label, sizeof label, "revert-user %s", a.target);
        int g = guest_id(cfg, label, a.target, id);
        if (g < 0)
            return 1;
        snprintf(q.user, sizeof q.user, "%s", g ? id : a.target);
        if (cfg->since[0]) {
            if (config_time_ms(cfg->since, now, &t) < 0) {
                fprintf(stderr, "placed: --since \"%s\": not a time (2026-11-29T15:00:00Z, or "
                                "-2h for two hours ago)\n", cfg->since);
                return 2;
            }
            q.since_ms = number = t;
        }
    } else {
        a.word = cfg->wipe[0] ? "wipe" : "restore";
        a.target = cfg->wipe[0] ? cfg->wipe : cfg->restore;
        q.kind = cfg->wipe[0] ? BACKEND_ACT_WIPE : BACKEND_ACT_RESTORE;
        if (moderate_parse_rect(a.target, &q) < 0) {
            fprintf(stderr, "placed: --%s \"%s\": the rectangle is X,Y,W,H (whole numbers, W "
                            "and H at least 1)\n", a.word, a.target);
            return 2;
        }
        if (q.kind == BACKEND_ACT_WIPE) {
            q.color = cfg->color;
            number = cfg->color;
        } else if (!cfg->at[0] || config_time_ms(cfg->at, now, &t) < 0) {
            fprintf(stderr, "placed: --restore wants --at TIME (2026-11-29T15:00:00Z, or -2h for "
                            "two hours ago)%s%s%s\n", cfg->at[0] ? ", not \"" : "", cfg->at,
                    cfg->at[0] ? "\"" : "");
            return 2;
        } else {
            q.at_ms = number = t;
        }
    }
    char path[600], line[LINE_MAX_];
    sock_path(cfg->data_dir, path, sizeof path);
    snprintf(line, sizeof line, "%s %s %lld 0 \n", a.word,
             q.kind == BACKEND_ACT_REVERT ? q.user : a.target, number);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (fd >= 0 && strlen(path) < sizeof sa.sun_path) {
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            FILE *f = fdopen(fd, "r+");
            if (!f) {
                close(fd);
                return 1;
            }
            fputs(line, f);
            fflush(f);
            char reply[512];
            while (fgets(reply, sizeof reply, f)) {
                size_t done, total, changed;
                unsigned long long last = 0;
                if (sscanf(reply, "progress %zu %zu", &done, &total) == 2) {
                    cli_progress(&a, done, total);
                    continue;
                }
                fclose(f);
                if (sscanf(reply, "ok %zu %llu", &changed, &last) >= 1) {
                    printf("placed: %s %s: done, %zu pixels changed (running server), the last "
                           "at seq %llu\n", a.word, a.target, changed, last);
                    return 0;
                }
                fprintf(stderr, "placed: %s %s: %s", a.word, a.target, reply);
                return 1;
            }
            fclose(f);
            fprintf(stderr, "placed: %s %s: the server stopped answering; its own log says "
                            "how far it got (placed --audit once it is done)\n", a.word,
                    a.target);
            return 1;
        }
    }
    if (fd >= 0)
        close(fd);
    char db[600];
    struct stat sb;
    snprintf(db, sizeof db, "%s/%s", cfg->data_dir, STORE_DB_FILE);
    if (!backend_is_cluster(cfg) && stat(db, &sb) < 0) {
        fprintf(stderr, "placed: %s %s: nothing runs on %s and it holds no database (%s): is "
                        "--data-dir right? Nothing was changed.\n",
                a.word, a.target, cfg->data_dir, STORE_DB_FILE);
        return 1;
    }
    int lock = admin_lock(cfg->data_dir);
    if (lock < 0) {
        fprintf(stderr, "placed: %s %s: a server holds %s but its control socket does not "
                        "answer\n", a.word, a.target, cfg->data_dir);
        return 1;
    }
    int rc = pixel_act_offline(cfg, &q, &a);
    close(lock);
    return rc;
}

/* placed --audit [--since TIME]: read from the store itself (a running server may hold it). */
static int print_audit(const place_config *cfg)
{
    int64_t since = 0;
    if (cfg->since[0] && config_time_ms(cfg->since, util_now_ms(), &since) < 0) {
        fprintf(stderr,
                "placed: --since \"%s\": not a time (2026-11-29T15:00:00Z, or -2h for two hours "
                "ago)\n",
                cfg->since);
        return 2;
    }
    if (!backend_is_cluster(cfg)) {
        char db[600];
        struct stat sb;
        snprintf(db, sizeof db, "%s/%s", cfg->data_dir, STORE_DB_FILE);
        if (stat(db, &sb) < 0) {
            fprintf(stderr, "placed: --audit: %s holds no database (%s): is --data-dir right?\n",
                    cfg->data_dir, STORE_DB_FILE);
            return 1;
        }
    }
    backend_audit_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    if (backend_audit_list(cfg, since, (size_t)-1, &rows, &n, err, sizeof err) < 0) {
        fprintf(stderr, "placed: --audit: %s\n", err);
        return 1;
    }
    audit_print(stdout, rows, n);
    free(rows);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Sends one act's control line to the server on cfg->data_dir or, when none runs there, applies
 * q to the store and writes its audit row (act, what) as the OS user running this. label names
 * the act in what is printed ("ban alice", "freeze"). Returns 0 when done, 1 when not. */
static int act(const place_config *cfg, const char *label, const char *line,
               const backend_admin_req *q, const char *audit_act, const char *what)
{
    char path[600], reply[512];
    sock_path(cfg->data_dir, path, sizeof path);
    int rc = ask_server(path, line, reply, sizeof reply);
    if (rc == 0) {
        if (strncmp(reply, "ok", 2) == 0) {
            printf("placed: %s: done (running server)\n", label);
            return 0;
        }
        fprintf(stderr, "placed: %s: %s", label, reply[0] ? reply : "no answer from the server\n");
        return 1;
    }
    if (!backend_is_cluster(cfg)) {
        char db[600];
        struct stat sb;
        snprintf(db, sizeof db, "%s/%s", cfg->data_dir, STORE_DB_FILE);
        if (stat(db, &sb) < 0) {
            fprintf(stderr,
                    "placed: %s: nothing runs on %s and it holds no database (%s): is "
                    "--data-dir right? Nothing was changed.\n",
                    label, cfg->data_dir, STORE_DB_FILE);
            return 1;
        }
    }
    int lock = admin_lock(cfg->data_dir);
    if (lock < 0) {
        fprintf(stderr, "placed: %s: a server holds %s but its control socket does not answer\n",
                label, cfg->data_dir);
        return 1;
    }
    char err[256] = "", who[BACKEND_AUDIT_WHO_MAX + 1];
    backend_audit_row row;
    audit_os_who(getuid(), who);
    audit_row_make(&row, who, audit_act, what, -1);
    backend_admin_req with = *q;
    with.audit = &row; /* written with the act (embedded: in its transaction) */
    rc = backend_admin_offline(cfg, &with, err, sizeof err);
    close(lock);
    if (rc == PLACE_ERR_NONE) {
        printf("placed: %s: done (no server running; database updated)\n", label);
        return 0;
    }
    fprintf(stderr, "placed: %s: %s\n", label, err);
    return 1;
}

int admin_run(const place_config *cfg)
{
    if (cfg->audit)
        return print_audit(cfg);
    int failed = 0;
    int64_t until = 0, window = 0, length = 0;
    if (cfg->ban_for[0] && config_duration_ms(cfg->ban_for, &length) == 0)
        until = util_now_ms() + length;
    config_duration_ms(cfg->ban_addresses_for, &window);
    char reason[130];
    /* the reason is one line of text on the control socket */
    snprintf(reason, sizeof reason, "%s", cfg->ban_reason);
    for (char *p = reason; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const char *name = (const char *)cfg + ops[i].flag;
        if (!name[0])
            continue;
        if (strchr(name, ' ') || strchr(name, '\n')) {
            fprintf(stderr, "placed: %s \"%s\": no such user or address\n", ops[i].word, name);
            failed = 1;
            continue;
        }
        char line[LINE_MAX_], label[160], what[BACKEND_AUDIT_WHAT_MAX + 1];
        char id[BACKEND_ID_LEN + 1];
        size_t k = i;
        snprintf(label, sizeof label, "%s %s", ops[i].word, name);
        /* a guest's shown name: the act on its id ("ban-id"), if it names exactly one user */
        int g = ops[i].by == BY_NAME ? guest_id(cfg, label, name, id) : 0;
        if (g < 0) {
            failed = 1;
            continue;
        }
        if (g) {
            k = by_id_of(i);
            if (k == i) {
                fprintf(stderr, "placed: %s: %s is a guest; only registered users can be "
                                "admins. Nothing was changed.\n", label, name);
                failed = 1;
                continue;
            }
            name = id;
        }
        snprintf(line, sizeof line, "%s %s %lld %lld %s\n", ops[k].word, name, (long long)until,
                 (long long)window, reason);
        describe(k, name, until, reason, what, sizeof what); /* as the running server says it */
        backend_admin_req q = make_req(k, name, until, window, reason);
        failed |= act(cfg, label, line, &q, ops[k].act, what);
    }
    /* the live acts: checked here first, so that a mistake is said before anything is touched */
    const struct {
        int asked;
        live_act a;
        const char *word, *arg;
    } live[] = {
        {cfg->unfreeze, LIVE_UNFREEZE, "unfreeze", "-"},
        {cfg->freeze, LIVE_FREEZE, "freeze", "-"},
        {cfg->set[0] != 0, LIVE_SET, "set", cfg->set},
    };
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
        if (!live[i].asked)
            continue;
        backend_setting kv[LIVE_ACT_MAX];
        size_t n;
        char err[320], line[LINE_MAX_], label[240], what[BACKEND_AUDIT_WHAT_MAX + 1];
        if (live[i].a == LIVE_SET)
            snprintf(label, sizeof label, "set %s", live[i].arg);
        else
            snprintf(label, sizeof label, "%s", live[i].word);
        if (strpbrk(live[i].arg, " \t\r\n")) {
            fprintf(stderr, "placed: --set wants KEY=VALUE without spaces\n");
            failed = 1;
            continue;
        }
        if (live_request(live[i].a, live[i].arg, reason, kv, &n, err, sizeof err) < 0) {
            fprintf(stderr, "placed: %s\n", err);
            failed = 1;
            continue;
        }
        snprintf(line, sizeof line, "%s %s 0 0 %s\n", live[i].word, live[i].arg,
                 live[i].a == LIVE_FREEZE ? reason : "");
        describe_live(live[i].a, live[i].arg, reason, what, sizeof what);
        backend_admin_req q = {.op = BACKEND_ADMIN_SETTINGS, .settings = kv, .nsettings = n};
        failed |= act(cfg, label, line, &q, live[i].word, what);
    }
    /* after a ban, so that "--ban griefer --revert-user griefer" stops them first */
    if ((cfg->revert_user[0] || cfg->wipe[0] || cfg->restore[0]) && !failed)
        return run_pixel_act(cfg);
    return failed ? 1 : 0;
}

/* placed: start-up, the event loop, and a clean stop on SIGINT/SIGTERM.
 *
 * One libuv loop runs everything: libwebsockets (HTTP + WebSocket on one port) on it as a
 * foreign loop, the batch and snapshot timers, the store's completion notices, the control
 * socket. Slow work (fsync, gzip, argon2, history reads) happens on other threads. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "bans.h"
#include "auth.h"
#include "backend.h"
#include "broadcast.h"
#include "canvas.h"
#include "config.h"
#include "conn.h"
#include "export.h"
#include "history_api.h"
#include "http.h"
#include "online.h"
#include "live.h"
#include "reuseport.h"
#include "server.h"
#include "util.h"
#include "ws.h"

#define DRAIN_MS 2000 /* how long a stop waits for answers to reach the clients */

static struct {
    place_server srv;
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t drain;
    int64_t drain_start;
} g;

static void on_pixels(void *arg, const place_pixel *px, size_t n)
{
    place_server *srv = arg;
    if (srv->canvas)
        canvas_apply(srv->canvas, px, n);
    bcast_add(srv->bcast, px, n);
    hist_api_on_pixels(srv->hist, px, n);
}

/* A late placement is not applied to this process's canvas (a newer one may have replaced that
 * pixel since); in cluster mode snapshots are read from Redis, which has it in the right place,
 * and every viewer is told to fetch one. */
static void on_late(void *arg, const place_pixel *px, size_t n)
{
    place_server *srv = arg;
    ws_resync_all(srv->ws);
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* --listen must be an address of this machine: lws would otherwise carry on without listening,
 * or on another address. "localhost" is taken as 127.0.0.1. Returns 0 or -1 with err. */
static int check_listen(place_config *cfg, char *err, size_t errcap)
{
    if (!strcmp(cfg->listen, "localhost"))
        snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1");
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    if (inet_pton(AF_INET, cfg->listen, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, cfg->listen, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        len = sizeof *v6;
    } else {
        snprintf(err, errcap, "--listen %s: not an IPv4 or IPv6 address", cfg->listen);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd >= 0 ? bind(fd, (struct sockaddr *)&ss, len) : -1;
    if (rc < 0)
        snprintf(err, errcap, "--listen %s: %s", cfg->listen, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc < 0 ? -1 : 0;
}

/* root working in a data directory that belongs to another user (the packaged service's
 * /var/lib/place belongs to "placed") would leave root-owned database files there that the
 * owner can no longer open: refuse, and say how to do it instead. Returns 0 or -1. */
static int check_owner(const char *dir)
{
    struct stat st;
    if (geteuid() != 0 || stat(dir, &st) < 0 || st.st_uid == 0)
        return 0;
    struct passwd *pw = getpwuid(st.st_uid);
    char who[64];
    if (pw)
        snprintf(who, sizeof who, "%s", pw->pw_name);
    else
        snprintf(who, sizeof who, "#%u", (unsigned)st.st_uid);
    fprintf(stderr,
            "placed: %s belongs to %s: run placed as %s (sudo -u %s placed ...); files root made "
            "there would lock %s out\n",
            dir, who, who, who, who);
    return -1;
}

static void on_drain_tick(uv_timer_t *t)
{
    if ((ws_pending(g.srv.ws) || http_pending()) && util_now_ms() - g.drain_start < DRAIN_MS)
        return;
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    /* the signals stay caught until here: a second SIGTERM during the drain changes nothing */
    uv_close((uv_handle_t *)&g.sigint, NULL);
    uv_close((uv_handle_t *)&g.sigterm, NULL);
    uv_stop(&g.loop);
}

/* Stop: refuse new work, let the store commit and acknowledge what is in flight, send the last
 * batch, give the answers a moment to leave (HTTP requests still arriving are answered 503),
 * then leave the loop. */
static void on_signal(uv_signal_t *h, int signum)
{
    place_server *srv = &g.srv;
    if (srv->shutting_down)
        return;
    srv->shutting_down = 1;
    fprintf(stderr, "placed: stopping (signal %d)\n", signum);
    admin_close(srv->admin);
    rport_close();
    backend *b = srv->store;
    srv->store = NULL;
    b->ops->close(b);
    bcast_flush(srv->bcast);
    g.drain_start = util_now_ms();
    uv_timer_init(&g.loop, &g.drain);
    uv_timer_start(&g.drain, on_drain_tick, 0, 20);
}

static void close_any(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int main(int argc, char **argv)
{
    place_server *srv = &g.srv;
    char err[512] = "";
    config_defaults(&srv->cfg);
    if (config_parse(&srv->cfg, argc, argv, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s\n", err);
        return 2;
    }
    if (srv->cfg.help) {
        config_usage(stdout, argv[0]);
        return 0;
    }
    if (srv->cfg.version || srv->cfg.man || srv->cfg.sample_config) {
        if (srv->cfg.version)
            printf("placed %s\n", PLACE_VERSION);
        else if (srv->cfg.man)
            config_man(stdout, PLACE_VERSION);
        else
            config_sample(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (peer_proxies_parse(&srv->proxies, srv->cfg.trusted_proxy, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s\n", err);
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "placed: libsodium failed to start\n");
        return 1;
    }
    if (backend_check_build(&srv->cfg, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s\n", err);
        return 2;
    }
    if (srv->cfg.history_writer) /* cluster mode's Kafka -> PostgreSQL copier: no data dir */
        return backend_history_writer_run(&srv->cfg);
    /* exports read the store beside a running server: no lock, nothing made */
    if (export_wanted(&srv->cfg))
        return export_run(&srv->cfg);
    /* An act (--ban...) on a directory holding nothing must not make one: a mistyped --data-dir
     * would get an empty database instead of an error (admin_run says so). Cluster mode's acts
     * only lock the directory. */
    int act = config_is_admin_action(&srv->cfg);
    if ((!act || backend_is_cluster(&srv->cfg)) && mkdir(srv->cfg.data_dir, 0700) < 0 &&
        errno != EEXIST) {
        fprintf(stderr, "placed: cannot create %s: %s\n", srv->cfg.data_dir, strerror(errno));
        return 1;
    }
    if (check_owner(srv->cfg.data_dir) < 0)
        return 1;
    if (config_is_admin_action(&srv->cfg))
        return admin_run(&srv->cfg);
    if (admin_lock(srv->cfg.data_dir) < 0) {
        fprintf(stderr, "placed: another placed is running on %s (or its lock cannot be made)\n",
                srv->cfg.data_dir);
        return 1;
    }
    if (check_listen(&srv->cfg, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s\n", err);
        return 1;
    }
    if (!(srv->auth = auth_new())) {
        fprintf(stderr, "placed: out of memory\n");
        return 1;
    }
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&g.loop);
    srv->loop = &g.loop;

    /* before the store, which hands over its address bans (and may tell the sockets of them) */
    if (!(srv->bans = bans_new()) || !(srv->ws = ws_new(&g.loop))) {
        fprintf(stderr, "placed: out of memory\n");
        return 1;
    }
    backend_sink sink = {.arg = srv,
                         .on_pixels = on_pixels,
                         .on_banned = ws_on_banned,
                         .on_unbanned = ws_on_unbanned,
                         .on_session_ended = ws_on_session_ended,
                         .on_addr_bans = ws_on_addr_bans,
                         .on_late = on_late,
                         .on_settings = live_on_settings};
    srv->base_cfg = srv->cfg; /* the stored live settings apply over it */
    srv->store = backend_open(&srv->cfg, &g.loop, &sink, err, sizeof err);
    if (!srv->store) {
        fprintf(stderr, "placed: %s\n", err);
        return 1;
    }
    live_start(srv);
    uint8_t *bits;
    uint32_t w, h;
    uint64_t seq;
    if (srv->store->ops->load_canvas(srv->store, &bits, &w, &h, &seq, err, sizeof err) < 0) {
        fprintf(stderr, "placed: %s\n", err[0] ? err : "out of memory");
        return 1;
    }
    if ((srv->canvas = canvas_new(bits, w, h, seq)))
        srv->snaps = srv->store->ops->snapshot_source
                         ? srv->store->ops->snapshot_source(srv->store, &g.loop, srv->canvas)
                         : snap_source_local(&g.loop, srv->canvas);
    if (!srv->snaps) {
        fprintf(stderr, "placed: out of memory\n");
        return 1;
    }

    /* what each address holds, and the connection records (before anything can connect) */
    if (!(srv->budgets = budget_new()) || !(srv->conns = conn_new(srv))) {
        fprintf(stderr, "placed: out of memory\n");
        return 1;
    }
    budget_set_limit(srv->budgets, BUDGET_REQUESTS, (size_t)srv->cfg.max_requests_per_ip);
    budget_set_limit(srv->budgets, BUDGET_UNREAD, (size_t)srv->cfg.max_unread_per_ip * 1024);
    budget_set_limit(srv->budgets, BUDGET_HASHES, (size_t)srv->cfg.max_hashes_per_ip);

    /* PLACED_LWS_LOG=<lws log bitmask> shows libwebsockets' own log when debugging */
    const char *lwslog = getenv("PLACED_LWS_LOG");
    lws_set_log_level(lwslog ? atoi(lwslog) : LLL_ERR, NULL);
    struct lws_protocols protocols[3];
    protocols[0] = *http_protocol();
    protocols[1] = *ws_protocol();
    memset(&protocols[2], 0, sizeof protocols[2]);
    /* browsers connect without a subprotocol: make ours the default */
    static const struct lws_protocol_vhost_options pvo_default = {NULL, NULL, "default", ""};
    static const struct lws_protocol_vhost_options pvo = {NULL, &pvo_default, WS_PROTOCOL_NAME,
                                                          ""};
    void *loops[1] = {&g.loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    /* with --reuse-port placed makes the shared socket itself (reuseport.h) */
    info.port = srv->cfg.reuse_port ? CONTEXT_PORT_NO_LISTEN_SERVER : srv->cfg.port;
    info.iface = srv->cfg.listen;
    info.protocols = protocols;
    info.pvo = &pvo;
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = loops;
    info.user = srv;
    info.server_string = "placed";
    /* TCP keepalive: a peer that vanished without a FIN frees its socket within about 2 min */
    /* request headers up to 8 KiB in all (lws's default is 4 KiB): a site's cookies together
     * may be several KiB, and the session cookie must be found among them */
    info.max_http_header_data = 8192;
    info.ka_time = 60;
    info.ka_probes = 3;
    info.ka_interval = 15;
    info.gid = -1;
    info.uid = -1;
    srv->ctx = lws_create_context(&info);
    srv->vhost = srv->ctx ? lws_get_vhost_by_name(srv->ctx, "default") : NULL;
    if (!srv->vhost) {
        fprintf(stderr, "placed: cannot listen on %s port %d\n", srv->cfg.listen, srv->cfg.port);
        return 1;
    }
    int port = srv->cfg.reuse_port ? rport_listen(&g.loop, srv->vhost, srv->conns, srv->cfg.listen,
                                                  srv->cfg.port, err, sizeof err)
                                   : lws_get_vhost_listen_port(srv->vhost);
    if (port <= 0 && !err[0])
        snprintf(err, sizeof err, "cannot listen on %s port %d", srv->cfg.listen, srv->cfg.port);
    if (port <= 0) {
        fprintf(stderr, "placed: %s\n", err);
        return 1;
    }
    if (!(srv->bcast = bcast_new(&g.loop, srv->cfg.batch_ms, seq, ws_on_frame, srv->ws)) ||
        !(srv->online = online_new(&g.loop, srv, ws_tell_online, srv)) ||
        !(srv->hist = hist_api_new(srv)) || !(srv->admin = admin_listen(srv))) {
        fprintf(stderr, "placed: cannot start (timers or control socket in %s)\n",
                srv->cfg.data_dir);
        return 1;
    }
    uv_signal_init(&g.loop, &g.sigint);
    uv_signal_init(&g.loop, &g.sigterm);
    uv_signal_start(&g.sigint, on_signal, SIGINT);
    uv_signal_start(&g.sigterm, on_signal, SIGTERM);

    int v6 = strchr(srv->cfg.listen, ':') != NULL;
    printf("placed: listening on http://%s%s%s:%d/\n", v6 ? "[" : "", srv->cfg.listen, v6 ? "]" : "",
           port);
    fflush(stdout);
    fprintf(stderr, "placed: %ux%u canvas, seq %llu, store %s, data in %s\n", w, h,
            (unsigned long long)seq, srv->store->ops->name, srv->cfg.data_dir);

    uv_run(&g.loop, UV_RUN_DEFAULT);

    ws_close(srv->ws);
    online_free(srv->online);
    srv->online = NULL;
    conn_close(srv->conns);
    bcast_close(srv->bcast);
    srv->bcast = NULL;
    snap_source_close(srv->snaps);
    srv->snaps = NULL;
    canvas_free(srv->canvas);
    srv->canvas = NULL;
    lws_context_destroy(srv->ctx);
    hist_api_close(srv->hist); /* after the requests are gone: it answers what still waits */
    srv->hist = NULL;
    uv_run(&g.loop, UV_RUN_DEFAULT);
    bans_free(srv->bans); /* after the connections, which may still be asked about */
    srv->bans = NULL;
    if (uv_loop_close(&g.loop) == UV_EBUSY) {
        uv_walk(&g.loop, close_any, NULL);
        uv_run(&g.loop, UV_RUN_DEFAULT);
        uv_loop_close(&g.loop);
    }
    ws_free(srv->ws); /* its timer was closed at the stop */
    srv->ws = NULL;
    admin_free(srv->admin); /* its socket was closed at the stop */
    srv->admin = NULL;
    auth_free(srv->auth); /* no hash is in flight any more */
    srv->auth = NULL;
    conn_free(srv->conns); /* once the loop has closed its timer */
    srv->conns = NULL;
    budget_free(srv->budgets); /* after the connections, which hold its entries */
    srv->budgets = NULL;
    fprintf(stderr, "placed: stopped\n");
    return 0;
}

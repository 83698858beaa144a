/* place-load: options, the worker processes, the run's clock, the server's CPU and memory, and
 * the report (see load.h for how the work is shared out). */
#include "load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 16
#define FDS_PER_WORKER 18000 /* below the 20,000 a process may open, with room to spare */
#define CONNS_PER_SRC 25000  /* below the ~28,000 ephemeral ports of one source address */

static const char usage[] =
    "usage: place-load --url http://127.0.0.1:PORT [options]\n"
    "Holds WebSocket connections to placed, places pixels at a set rate, and reports what the\n"
    "server delivered and how fast. Loopback addresses only; every run ends by itself.\n"
    "  --url URL            the server (http:// or ws://, an address in 127.0.0.0/8); repeat\n"
    "                       for several servers of one canvas: connections go round-robin\n"
    "  --viewers N          connections that only receive (default 100)\n"
    "  --placers N          connections that place, each its own guest (default rate/10, >= 1)\n"
    "  --rate R             placements per second, all placers together (default 0)\n"
    "  --duration S         seconds measured (default 10, at most 600)\n"
    "  --warmup S           seconds of placing before measuring (default 2)\n"
    "  --drain S            seconds after placing stops, for the last answers (default 1)\n"
    "  --ramp-timeout S     seconds allowed for connecting (default 180)\n"
    "  --workers N          processes (default: one per 18,000 connections)\n"
    "  --sources N          source addresses 127.1.0.1.. (default: one per 25,000 connections)\n"
    "  --inflight N         connection attempts under way per worker (default 200)\n"
    "  --sample N           every Nth connection measures placement->visible (default 1: all)\n"
    "  --first K            number placements from K (default 0): a run started with a\n"
    "                       different K places on other pixels and in other colours\n"
    "  --token T            send this session token on every connection (default: none, so\n"
    "                       every connection is a new guest)\n"
    "  --server-pid PID     a server process to measure (CPU, RSS); repeat for several\n"
    "The last line printed is RESULT key=value ..., for scripts.\n";

static struct {
    load_opts o;
    pid_t server[MAX_PIDS];
    int nserver;
    pid_t kids[LOAD_MAX_WORKERS];
    int nkids;
} G;

static double now_s(void)
{
    return (double)load_now_us() / 1e6;
}

static void sleep_until_us(int64_t t)
{
    for (;;) {
        int64_t d = t - load_now_us();
        if (d <= 0)
            return;
        struct timespec ts = {d / 1000000, (d % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
}

/* ---------------------------------------------------------------- the server's process */

/* CPU seconds (user + system, all threads) the process has used; -1 if it is gone. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return -1;
    unsigned long long ut, st;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* VmRSS of the process in KiB; -1 if it is gone. */
static long proc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

/* Bytes the process has had written to storage (write_bytes of /proc/PID/io: the WAL, the
 * database file, whatever it writes); -1 if unknown. */
static double proc_disk_b(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    double b = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "write_bytes:", 12)) {
            b = strtod(line + 12, NULL);
            break;
        }
    fclose(f);
    return b;
}

static double servers_disk_b(void)
{
    double t = 0;
    for (int i = 0; i < G.nserver; i++) {
        double b = proc_disk_b(G.server[i]);
        if (b < 0)
            return -1;
        t += b;
    }
    return t;
}

static double servers_cpu_s(void)
{
    double t = 0;
    for (int i = 0; i < G.nserver; i++) {
        double c = proc_cpu_s(G.server[i]);
        if (c > 0)
            t += c;
    }
    return t;
}

static long servers_rss_kb(void)
{
    long t = 0;
    for (int i = 0; i < G.nserver; i++) {
        long r = proc_rss_kb(G.server[i]);
        if (r > 0)
            t += r;
    }
    return t;
}

/* ---------------------------------------------------------------- options */

/* Adds one server address to o. */
static int parse_url(const char *url, load_opts *o)
{
    if (o->nservers >= LOAD_MAX_SERVERS)
        return -1;
    int i = o->nservers;
    const char *p = url;
    if (!strncmp(p, "http://", 7))
        p += 7;
    else if (!strncmp(p, "ws://", 5))
        p += 5;
    char host[16];
    int port;
    if (sscanf(p, "%15[0-9.]:%d", host, &port) != 2 || port <= 0 || port > 65535)
        return -1;
    struct sockaddr_in *a = &o->server[i];
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return -1;
    if ((ntohl(a->sin_addr.s_addr) >> 24) != 127)
        return -2; /* load goes to loopback only */
    snprintf(o->host_header[i], sizeof o->host_header[i], "%s:%d", host, port);
    o->nservers++;
    return 0;
}

/* GET /api/v1/canvas/info over a plain blocking socket: the canvas size names the placements
 * (load.h), and an answer at all says the server is up. */
static int fetch_info(load_opts *o, char *err, size_t errcap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&o->server[0], sizeof o->server[0]) < 0) {
        snprintf(err, errcap, "cannot connect to %s: %s", o->host_header[0], strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char req[256], buf[8192];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/canvas/info HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     o->host_header[0]);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        snprintf(err, errcap, "cannot send to %s", o->host_header[0]);
        return -1;
    }
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    buf[len] = 0;
    char *body = strstr(buf, "\r\n\r\n");
    place_canvas_info info;
    if (!body || place_parse_canvas_info(body + 4, len - (size_t)(body + 4 - buf), &info) < 0 ||
        !info.width || !info.height) {
        snprintf(err, errcap, "%s did not answer GET /api/v1/canvas/info as placed does",
                 o->host_header[0]);
        return -1;
    }
    o->width = info.width;
    o->height = info.height;
    return 0;
}

static double num_arg(const char *name, const char *v, double lo, double hi)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d) || d < lo || d > hi) {
        fprintf(stderr, "place-load: --%s wants a number from %g to %g, not \"%s\"\n", name, lo,
                hi, v);
        exit(2);
    }
    return d;
}

static void parse_args(int argc, char **argv)
{
    load_opts *o = &G.o;
    static const struct option longs[] = {
        {"url", 1, 0, 'u'},         {"viewers", 1, 0, 'v'},    {"placers", 1, 0, 'p'},
        {"rate", 1, 0, 'r'},        {"duration", 1, 0, 'd'},   {"warmup", 1, 0, 'w'},
        {"drain", 1, 0, 'D'},       {"ramp-timeout", 1, 0, 'T'}, {"workers", 1, 0, 'k'},
        {"sources", 1, 0, 's'},     {"inflight", 1, 0, 'i'},   {"sample", 1, 0, 'S'},
        {"token", 1, 0, 't'},       {"server-pid", 1, 0, 'P'}, {"help", 0, 0, 'h'},
        {"first", 1, 0, 'F'},
        {0, 0, 0, 0},
    };
    const char *urls[LOAD_MAX_SERVERS];
    int nurls = 0;
    o->viewers = 100;
    o->placers = -1;
    o->duration = 10;
    o->warmup = 2;
    o->drain = 1;
    o->ramp_timeout = 180;
    o->inflight = 200;
    o->sample = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'u':
            if (nurls < LOAD_MAX_SERVERS)
                urls[nurls++] = optarg;
            break;
        case 'v': o->viewers = (int)num_arg("viewers", optarg, 0, 1000000); break;
        case 'p': o->placers = (int)num_arg("placers", optarg, 0, 100000); break;
        case 'r': o->rate = num_arg("rate", optarg, 0, 1000000); break;
        case 'd': o->duration = num_arg("duration", optarg, 0.1, 600); break;
        case 'w': o->warmup = num_arg("warmup", optarg, 0, 60); break;
        case 'D': o->drain = num_arg("drain", optarg, 0, 60); break;
        case 'T': o->ramp_timeout = num_arg("ramp-timeout", optarg, 1, 1800); break;
        case 'k': o->workers = (int)num_arg("workers", optarg, 1, LOAD_MAX_WORKERS); break;
        case 's': o->nsrc = (int)num_arg("sources", optarg, 1, LOAD_MAX_SRC); break;
        case 'i': o->inflight = (int)num_arg("inflight", optarg, 1, 10000); break;
        case 'S': o->sample = (int)num_arg("sample", optarg, 1, 1000000); break;
        case 't': o->token = optarg; break;
        case 'F': o->first = (uint64_t)num_arg("first", optarg, 0, 1e15); break;
        case 'P':
            if (G.nserver < MAX_PIDS)
                G.server[G.nserver++] = (pid_t)num_arg("server-pid", optarg, 1, 1e9);
            break;
        case 'h': fputs(usage, stdout); exit(0);
        default: fputs(usage, stderr); exit(2);
        }
    }
    if (!nurls || optind != argc) {
        fputs(usage, stderr);
        exit(2);
    }
    for (int i = 0; i < nurls; i++) {
        int r = parse_url(urls[i], o);
        if (r < 0) {
            fprintf(stderr, "place-load: %s: %s\n", urls[i],
                    r == -2 ? "only loopback (127.0.0.0/8) servers may be loaded"
                            : "not an http://A.B.C.D:PORT address");
            exit(2);
        }
    }
    if (o->placers < 0)
        o->placers = o->rate > 0 ? (int)ceil(o->rate / 10.0) : 0;
    if (o->rate > 0 && o->placers == 0)
        o->placers = 1;
    long total = (long)o->viewers + o->placers;
    if (!o->workers)
        o->workers = (int)((total + FDS_PER_WORKER - 1) / FDS_PER_WORKER);
    if (o->workers < 1)
        o->workers = 1;
    if (total / o->workers > FDS_PER_WORKER + 1000) {
        fprintf(stderr, "place-load: %ld connections need at least %ld workers\n", total,
                (total + FDS_PER_WORKER - 1) / FDS_PER_WORKER);
        exit(2);
    }
    if (!o->nsrc)
        o->nsrc = (int)((total + CONNS_PER_SRC - 1) / CONNS_PER_SRC);
    if (o->nsrc < 1)
        o->nsrc = 1;
    if (total / o->nsrc > CONNS_PER_SRC + 3000) {
        fprintf(stderr, "place-load: %ld connections need at least %ld source addresses\n",
                total, (total + CONNS_PER_SRC - 1) / CONNS_PER_SRC);
        exit(2);
    }
}

/* ---------------------------------------------------------------- the run */

static void sum_stats(const load_shared *sh, int n, load_stats *t)
{
    memset(t, 0, sizeof *t);
    for (int w = 0; w < n; w++) {
        const load_stats *s = &sh->w[w];
#define ADD(f) t->f += s->f
        ADD(conns_established); ADD(conns_failed); ADD(conns_dropped); ADD(conns_refused_429);
        ADD(conns_open); ADD(place_sent); ADD(place_acked); ADD(place_errors); ADD(place_unsent);
        ADD(rx_bytes); ADD(rx_frames); ADD(rx_batches); ADD(rx_records); ADD(rx_text);
        ADD(vis_unmatched); ADD(seq_mismatch); ADD(seq_gaps); ADD(resyncs); ADD(proto_errors);
        ADD(cpu_us);
#undef ADD
        for (int e = 0; e < PLACE_ERR_COUNT_; e++)
            t->err_by_code[e] += s->err_by_code[e];
        hist_merge(&t->ack, &s->ack);
        hist_merge(&t->visible, &s->visible);
    }
}

static void stop_kids(void)
{
    for (int i = 0; i < G.nkids; i++)
        if (G.kids[i] > 0)
            kill(G.kids[i], SIGKILL);
}

static load_shared *share(const load_opts *o)
{
    size_t wh = (size_t)o->width * o->height;
    size_t head = (sizeof(load_shared) + 63) & ~(size_t)63;
    size_t len = head + wh * sizeof(int64_t) + wh * sizeof(uint64_t);
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    load_shared *sh = m;
    sh->sent_us = (int64_t *)((char *)m + head);
    sh->acked_seq = (uint64_t *)(sh->sent_us + wh);
    return sh;
}

static double ms(double us)
{
    return us / 1000.0;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    load_opts *o = &G.o;
    char err[256];
    if (fetch_info(o, err, sizeof err) < 0) {
        fprintf(stderr, "place-load: %s\n", err);
        return 1;
    }
    load_shared *sh = share(o);
    if (!sh) {
        fprintf(stderr, "place-load: cannot map shared memory\n");
        return 1;
    }
    long total = (long)o->viewers + o->placers;
    printf("place-load: %s%s, canvas %ux%u, %d viewers + %d placers, %.0f placements/s, "
           "%d workers, %d source addresses\n",
           o->host_header[0], o->nservers > 1 ? " and more" : "", o->width, o->height,
           o->viewers, o->placers, o->rate, o->workers,
           o->nsrc);
    fflush(stdout);
    long rss_base = servers_rss_kb();

    for (int i = 0; i < o->workers; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "place-load: fork: %s\n", strerror(errno));
            stop_kids();
            return 1;
        }
        if (pid == 0)
            _exit(load_worker_run(o, sh, i, o->workers));
        G.kids[G.nkids++] = pid;
    }

    /* connect */
    double t0 = now_s();
    load_stats t;
    for (;;) {
        sum_stats(sh, o->workers, &t);
        if ((long)(t.conns_established + t.conns_failed) >= total ||
            now_s() - t0 > o->ramp_timeout)
            break;
        usleep(50000);
    }
    double connect_s = now_s() - t0;
    long rss_conn = servers_rss_kb();
    printf("place-load: %llu connected, %llu failed in %.1f s\n",
           (unsigned long long)t.conns_established, (unsigned long long)t.conns_failed,
           connect_s);
    fflush(stdout);

    /* place, measure, drain */
    int64_t start = load_now_us() + (int64_t)(o->warmup * 1e6);
    int64_t end = start + (int64_t)(o->duration * 1e6);
    sh->measure_end_us = end;
    sh->measure_start_us = start;
    sh->phase = PHASE_RUN;
    sleep_until_us(start);
    double cpu0 = servers_cpu_s(), disk0 = servers_disk_b();
    int64_t w0 = load_now_us();
    sleep_until_us(end);
    double cpu1 = servers_cpu_s(), disk1 = servers_disk_b();
    double wall = (double)(load_now_us() - w0) / 1e6;
    long rss_end = servers_rss_kb();
    sum_stats(sh, o->workers, &t);
    uint64_t open_at_end = t.conns_open;
    sleep_until_us(end + (int64_t)(o->drain * 1e6));
    sh->phase = PHASE_EXIT;
    int bad = 0;
    for (int i = 0; i < G.nkids; i++) {
        int status;
        if (waitpid(G.kids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            bad++;
    }
    sum_stats(sh, o->workers, &t);

    /* report */
    double d = o->duration;
    double server_cpu = G.nserver ? (cpu1 - cpu0) / wall * 100 : -1;
    double load_cpu = (double)t.cpu_us / 1e6 / d * 100;
    /* the server's cost of one acknowledged placement: its CPU (all threads, the broadcast
     * included) and its storage writes over the window, over the placements acknowledged in it */
    double acked_w = (double)t.place_acked * wall / d;
    double cpu_per_ack = G.nserver && acked_w > 0 ? (cpu1 - cpu0) * 1e6 / acked_w : 0;
    double disk_per_ack = G.nserver && acked_w > 0 && disk0 >= 0 && disk1 >= 0
                              ? (disk1 - disk0) / acked_w : -1;
    uint64_t errors = t.place_errors + t.proto_errors + t.seq_mismatch + t.vis_unmatched;
    long held = (long)open_at_end;
    /* per connection: the growth while connecting (idle), and the growth by the window's end */
    double rss_idle_conn = held > 0 && rss_base > 0 ? (double)(rss_conn - rss_base) * 1024 / held : 0;
    double rss_per_conn = held > 0 && rss_base > 0 ? (double)(rss_end - rss_base) * 1024 / held : 0;
    printf("connections: %ld held at the end of the window, %llu failed (%llu refused with 429), "
           "%llu dropped; connecting took %.1f s\n",
           held, (unsigned long long)t.conns_failed, (unsigned long long)t.conns_refused_429,
           (unsigned long long)t.conns_dropped, connect_s);
    printf("placements: %llu sent in %.1f s (%.0f/s), %llu acknowledged (%.0f/s), %llu refused, "
           "%llu not sent (the load generator fell behind its schedule, or no placer could "
           "take one)\n",
           (unsigned long long)t.place_sent, d, t.place_sent / d,
           (unsigned long long)t.place_acked, t.place_acked / d,
           (unsigned long long)t.place_errors, (unsigned long long)t.place_unsent);
    printf("ack latency ms: p50 %.2f  p99 %.2f  max %.2f  (%llu samples)\n",
           ms(hist_quantile(&t.ack, 0.5)), ms(hist_quantile(&t.ack, 0.99)),
           ms(hist_quantile(&t.ack, 1)), (unsigned long long)t.ack.count);
    printf("placement->visible ms: p50 %.1f  p99 %.1f  max %.1f  (%llu samples, every %s "
           "connection)\n",
           ms(hist_quantile(&t.visible, 0.5)), ms(hist_quantile(&t.visible, 0.99)),
           ms(hist_quantile(&t.visible, 1)), (unsigned long long)t.visible.count,
           o->sample <= 1 ? "" : "Nth");
    printf("delivered: %.0f pixel updates/s, %.0f batches/s, %.2f MB/s\n", t.rx_records / d,
           t.rx_batches / d, t.rx_bytes / d / 1e6);
    /* CPU per connection: microseconds of server CPU each held connection costs per second */
    double cpu_per_conn = held > 0 && server_cpu > 0 ? server_cpu / 100 * 1e6 / held : 0;
    printf("server: %.0f%% CPU (%.1f us per connection per second), RSS %ld KiB before connecting, %ld KiB connected (%.0f bytes per "
           "connection), %ld KiB at the end (%.0f bytes per connection)\n",
           server_cpu, cpu_per_conn, rss_base, rss_conn, rss_idle_conn, rss_end, rss_per_conn);
    printf("per acknowledged placement: %.1f us of server CPU, %.0f bytes written to storage\n",
           cpu_per_ack, disk_per_ack);
    printf("load generator: %.0f%% CPU over %d workers\n", load_cpu, o->workers);
    printf("checks: %llu seq gaps, %llu resyncs, %llu seq mismatches, %llu unmatched records, "
           "%llu protocol errors\n",
           (unsigned long long)t.seq_gaps, (unsigned long long)t.resyncs,
           (unsigned long long)t.seq_mismatch, (unsigned long long)t.vis_unmatched,
           (unsigned long long)t.proto_errors);
    for (int e = 1; e < PLACE_ERR_COUNT_; e++)
        if (t.err_by_code[e])
            printf("server errors %s: %llu\n", place_err_code((place_err)e),
                   (unsigned long long)t.err_by_code[e]);
    printf("RESULT viewers=%d placers=%d held=%ld failed=%llu dropped=%llu connect_s=%.1f "
           "rate=%.0f sent_per_s=%.0f acked_per_s=%.0f acked=%llu refused=%llu unsent=%llu "
           "ack_p50_ms=%.2f ack_p99_ms=%.2f ack_max_ms=%.2f "
           "vis_p50_ms=%.1f vis_p99_ms=%.1f vis_max_ms=%.1f vis_samples=%llu "
           "px_per_s=%.0f batches_per_s=%.0f mbytes_per_s=%.2f "
           "server_cpu_pct=%.0f cpu_per_conn_us=%.1f server_rss_kb=%ld server_rss_base_kb=%ld server_rss_conn_kb=%ld rss_idle_conn_b=%.0f rss_per_conn_b=%.0f "
           "load_cpu_pct=%.0f gaps=%llu resyncs=%llu mismatches=%llu unmatched=%llu "
           "proto_errors=%llu errors=%llu workers_failed=%d cpu_per_ack_us=%.1f disk_per_ack_b=%.0f\n",
           o->viewers, o->placers, held, (unsigned long long)t.conns_failed,
           (unsigned long long)t.conns_dropped, connect_s, o->rate, t.place_sent / d,
           t.place_acked / d, (unsigned long long)t.place_acked,
           (unsigned long long)t.place_errors, (unsigned long long)t.place_unsent,
           ms(hist_quantile(&t.ack, 0.5)), ms(hist_quantile(&t.ack, 0.99)),
           ms(hist_quantile(&t.ack, 1)), ms(hist_quantile(&t.visible, 0.5)),
           ms(hist_quantile(&t.visible, 0.99)), ms(hist_quantile(&t.visible, 1)),
           (unsigned long long)t.visible.count, t.rx_records / d, t.rx_batches / d,
           t.rx_bytes / d / 1e6, server_cpu, cpu_per_conn, rss_end, rss_base, rss_conn, rss_idle_conn, rss_per_conn, load_cpu,
           (unsigned long long)t.seq_gaps, (unsigned long long)t.resyncs,
           (unsigned long long)t.seq_mismatch, (unsigned long long)t.vis_unmatched,
           (unsigned long long)t.proto_errors, (unsigned long long)errors, bad, cpu_per_ack,
           disk_per_ack);
    return bad ? 1 : 0;
}

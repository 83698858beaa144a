/* place-limits: what this machine can do at all, measured the way place-load loads placed, so
 * each benchmark figure can be shown beside its ceiling.
 *
 *   place-limits tcp [--seconds S]
 *       one TCP stream over loopback, 64 KiB writes: bytes per second.
 *   place-limits fanout [--conns N] [--frame BYTES] [--seconds S]
 *       one process writes one small frame to each of N loopback TCP connections in turn (what
 *       placed does with a batch frame); a second process reads them all. Reports writes per
 *       second of wall time and per second of the writer's CPU (the ceiling of one core).
 *
 * Everything stays on 127.0.0.1 and stops after S seconds. The last line is RESULT key=value. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "place-limits: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* A listening socket on 127.0.0.1 with a free port; the port goes to *addr. */
static int listen_any(struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof *addr;
    if (bind(fd, (struct sockaddr *)addr, sizeof *addr) < 0 || listen(fd, 4096) < 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) < 0)
        die("listen");
    return fd;
}

static int connect_to(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0)
        die("connect");
    return fd;
}

/* The child's side of both tests: read everything from fds until all are closed, or the
 * deadline passes. */
static void drain(int *fds, int n, double deadline)
{
    int ep = epoll_create1(0);
    for (int i = 0; i < n; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }
    static char buf[1 << 16];
    struct epoll_event evs[256];
    int open = n;
    while (open > 0 && now_s() < deadline) {
        int k = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < k; i++) {
            int fd = fds[evs[i].data.u32];
            ssize_t r = read(fd, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
                open--;
            }
        }
    }
}

static int test_tcp(double seconds)
{
    struct sockaddr_in addr;
    int lfd = listen_any(&addr);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int fd = connect_to(&addr);
        drain(&fd, 1, now_s() + seconds + 10);
        _exit(0);
    }
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        die("accept");
    static char buf[1 << 16];
    memset(buf, 'p', sizeof buf);
    double t0 = now_s(), c0 = cpu_s();
    unsigned long long bytes = 0;
    while (now_s() - t0 < seconds) {
        ssize_t w = write(fd, buf, sizeof buf);
        if (w < 0)
            die("write");
        bytes += (unsigned long long)w;
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    close(fd);
    waitpid(pid, NULL, 0);
    printf("loopback TCP, one stream, 64 KiB writes: %.2f GB/s (%.0f MB in %.1f s, writer "
           "%.0f%% CPU)\n",
           (double)bytes / wall / 1e9, (double)bytes / 1e6, wall, cpu / wall * 100);
    printf("RESULT tcp_gbytes_per_s=%.2f\n", (double)bytes / wall / 1e9);
    return 0;
}

static int test_fanout(int nconns, int frame, double seconds)
{
    struct sockaddr_in addr;
    int lfd = listen_any(&addr);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int *fds = malloc(sizeof *fds * (size_t)nconns);
        for (int i = 0; i < nconns; i++)
            fds[i] = connect_to(&addr);
        drain(fds, nconns, now_s() + seconds + 30);
        _exit(0);
    }
    int *fds = malloc(sizeof *fds * (size_t)nconns);
    for (int i = 0; i < nconns; i++) {
        fds[i] = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fds[i] < 0)
            die("accept");
        int one = 1;
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char *buf = malloc((size_t)frame);
    memset(buf, 0x01, (size_t)frame);
    double t0 = now_s(), c0 = cpu_s();
    unsigned long long writes = 0, blocked = 0, rounds = 0;
    while (now_s() - t0 < seconds) {
        for (int i = 0; i < nconns; i++) {
            ssize_t w = send(fds[i], buf, (size_t)frame, MSG_NOSIGNAL);
            if (w == frame)
                writes++;
            else if (w < 0 && errno != EAGAIN)
                die("send");
            else
                blocked++; /* the reader is behind: a real server would skip this client too */
        }
        rounds++;
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    for (int i = 0; i < nconns; i++)
        close(fds[i]);
    waitpid(pid, NULL, 0);
    printf("fan-out: %d loopback connections, %d-byte frames: %.0f writes/s (%.0f per CPU-second "
           "of the writer, %.0f%% CPU), %.2f GB/s, %llu rounds, %llu writes refused (reader "
           "behind)\n",
           nconns, frame, (double)writes / wall, cpu > 0 ? (double)writes / cpu : 0,
           cpu / wall * 100, (double)writes * frame / wall / 1e9, rounds, blocked);
    printf("RESULT fanout_writes_per_s=%.0f fanout_writes_per_cpu_s=%.0f fanout_writer_cpu_pct=%.0f "
           "fanout_gbytes_per_s=%.2f\n",
           (double)writes / wall, cpu > 0 ? (double)writes / cpu : 0, cpu / wall * 100,
           (double)writes * frame / wall / 1e9);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: place-limits tcp|fanout [--seconds S] [--conns N] [--frame B]\n");
        return 2;
    }
    double seconds = 3;
    int conns = 5000, frame = 1036;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seconds"))
            seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--conns"))
            conns = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--frame"))
            frame = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "place-limits: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (seconds <= 0 || seconds > 60 || conns < 1 || conns > 9000 || frame < 1 ||
        frame > 1 << 20) {
        fprintf(stderr, "place-limits: --seconds 0..60, --conns 1..9000, --frame 1..1048576\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(argv[1], "tcp"))
        return test_tcp(seconds);
    if (!strcmp(argv[1], "fanout"))
        return test_fanout(conns, frame, seconds);
    fprintf(stderr, "place-limits: unknown test %s\n", argv[1]);
    return 2;
}

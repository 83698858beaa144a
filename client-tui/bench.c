/* place-tui --bench-redraw: the cost of a full redraw at whole-canvas zoom, for bench/ and
 * BENCHMARKS.md. It drives the real renderer (view.c) through the real ncurses output path into
 * a pipe standing in for the terminal, on a canvas filled through the engine's batch path. */
#include "bench.h"

#include <curses.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "colors.h"
#include "place/client.h"
#include "view.h"

/* Counts what ncurses writes to the terminal: it writes to the file descriptor itself, so a
 * pipe with a reader thread stands in for the terminal. */
typedef struct byte_sink {
    int fd;
    size_t bytes;
} byte_sink;

static void *sink_thread(void *arg)
{
    byte_sink *s = arg;
    char buf[65536];
    ssize_t n;
    while ((n = read(s->fd, buf, sizeof buf)) > 0)
        s->bytes += (size_t)n;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fills the canvas with a busy picture (stripes, blocks and noise) through the engine's own
 * batch path, so every block of a zoomed-out view has several colours to weigh. */
static void bench_fill(place_client *c, uint32_t side)
{
    enum { CHUNK = 50000 };
    place_pixel *px = malloc(CHUNK * sizeof *px);
    uint8_t *frame = malloc(place_batch_size(CHUNK));
    if (!px || !frame)
        abort();
    uint64_t seq = 0;
    uint32_t n = 0, rnd = 12345;
    for (uint32_t y = 0; y < side; y++)
        for (uint32_t x = 0; x < side; x++) {
            rnd = rnd * 1103515245u + 12345u;
            int color = (int)(((x / 37) + (y / 23)) % 16);
            if ((rnd >> 16) % 5 == 0)
                color = (int)((rnd >> 20) % 16);
            px[n].seq = ++seq;
            px[n].x = (uint16_t)x;
            px[n].y = (uint16_t)y;
            px[n].color = (uint8_t)color;
            if (++n == CHUNK || (x == side - 1 && y == side - 1)) {
                int len = place_batch_encode(frame, place_batch_size(CHUNK), px[0].seq - 1, seq,
                                             0, px, n);
                if (len > 0)
                    place_client_inject_frame(c, frame, (size_t)len);
                n = 0;
            }
        }
    free(px);
    free(frame);
    place_client_event ev;
    while (place_client_poll(c, &ev)) {
    }
}

int bench_redraw(int frames, int cols, int rows, uint32_t side)
{
    place_client_config cfg = {.offline = 1, .offline_width = side, .offline_height = side};
    place_client *c;
    char err[200];
    if (place_client_new(&cfg, &c, err, sizeof err) < 0) {
        fprintf(stderr, "place-tui: %s\n", err);
        return 1;
    }
    double t0 = now_s();
    bench_fill(c, side);
    double fill = now_s() - t0;

    int pfd[2];
    if (pipe(pfd) < 0) {
        place_client_free(c);
        return 1;
    }
    byte_sink sink = {pfd[0], 0};
    pthread_t reader;
    pthread_create(&reader, NULL, sink_thread, &sink);
    FILE *out = fdopen(pfd[1], "w");
    FILE *in = fopen("/dev/null", "r");
    char lines[16], columns[16];
    snprintf(lines, sizeof lines, "%d", rows);
    snprintf(columns, sizeof columns, "%d", cols);
    setenv("LINES", lines, 1);
    setenv("COLUMNS", columns, 1);
    const char *term = getenv("PLACE_BENCH_TERM") ? getenv("PLACE_BENCH_TERM") : "xterm-256color";
    SCREEN *scr = out && in ? newterm(term, out, in) : NULL;
    if (!scr) {
        fprintf(stderr, "place-tui: cannot start ncurses for terminal type %s\n", term);
        place_client_free(c);
        return 1;
    }
    tcolor_init();
    view v = {0};
    view_set_area(&v, COLS, LINES - 3);
    view_set_canvas(&v, side, side);
    place_client_canvas cv;
    place_client_canvas_view(c, &cv);

    double draw = 0, total = 0;
    for (int i = 0; i < frames; i++) {
        double a0 = now_s();
        view_draw(&v, &cv, 0, 0, COLS - 1, LINES - 4, 3);
        double a1 = now_s();
        clearok(curscr, TRUE); /* make ncurses send every cell, as after a resize */
        refresh();
        fflush(out);
        double a2 = now_s();
        draw += a1 - a0;
        total += a2 - a0;
    }
    int zoom = v.zoom;
    const char *mode_name = tcolor_mode_name();
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
    pthread_join(reader, NULL);
    close(pfd[0]);
    size_t out_bytes = sink.bytes;
    place_client_free(c);
    printf("bench-redraw: terminal %dx%d (%s, %s), canvas %ux%u, zoom %s%d (whole canvas)\n",
           cols, rows, term, mode_name, side, side, zoom < 0 ? "block " : "x", zoom < 0 ? -zoom : zoom);
    printf("bench-redraw: canvas fill through the batch path: %.1f ms\n", fill * 1e3);
    printf("bench-redraw: %d full redraws: mean %.3f ms (cell computation %.3f ms + ncurses output "
           "%.3f ms), %.0f bytes to the terminal per redraw\n",
           frames, total * 1e3 / frames, draw * 1e3 / frames, (total - draw) * 1e3 / frames,
           (double)out_bytes / frames);
    return 0;
}

static void idle_wake(void *user)
{
    char b = 1;
    if (write(*(int *)user, &b, 1) < 0) {
        /* EAGAIN: a wake-up is already pending */
    }
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int bench_idle(const char *url, const char *token, int seconds)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
        return 1;
    place_client_config cfg = {.url = url, .token = token, .wake = idle_wake, .wake_user = &pfd[1]};
    place_client *c;
    char err[200];
    if (place_client_new(&cfg, &c, err, sizeof err) < 0) {
        fprintf(stderr, "place-tui: %s\n", err);
        return 1;
    }
    /* The measurement starts once connected and the first snapshot is in. */
    long wakes = 0, events = 0;
    double start_cpu = -1, start = now_s(), end = start + 30;
    int connected = 0;
    for (;;) {
        double t = now_s();
        if (t >= end)
            break;
        struct pollfd p = {pfd[0], POLLIN, 0};
        int timeout = place_client_timeout_ms(c);
        int left = (int)((end - t) * 1e3) + 1;
        poll(&p, 1, timeout < 0 || timeout > left ? left : timeout);
        char buf[256];
        if (read(pfd[0], buf, sizeof buf) > 0 && start_cpu >= 0)
            wakes++;
        place_client_event ev;
        while (place_client_poll(c, &ev)) {
            if (start_cpu >= 0)
                events++;
            place_client_canvas v;
            place_client_canvas_view(c, &v);
            if (!connected && ev.type == PLACE_CEV_PIXELS && v.width) {
                place_client_status st;
                place_client_get_status(c, &st);
                if (st.conn == PLACE_CONN_CONNECTED) {
                    connected = 1;
                    start_cpu = cpu_ms();
                    start = now_s();
                    end = start + seconds;
                }
            }
        }
    }
    double used = connected ? cpu_ms() - start_cpu : 0, span = now_s() - start;
    place_client_canvas v;
    place_client_canvas_view(c, &v);
    place_client_free(c);
    close(pfd[0]);
    close(pfd[1]);
    if (!connected) {
        fprintf(stderr, "place-tui: bench-idle: never connected to %s with a canvas\n", url);
        return 1;
    }
    printf("bench-idle: %ux%u canvas, %.1f s connected and idle: CPU %.1f ms (%.3f%% of one core), "
           "%ld wake-ups, %ld events\n",
           v.width, v.height, span, used, used / (span * 10.0), wakes, events);
    return 0;
}

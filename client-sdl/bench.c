/* place-sdl --bench-frames N: frame times of the real drawing path on a big canvas while pixels
 * arrive. The engine runs offline; synthetic batches go in through place_client_inject_frame,
 * the path network batches take, at the given rate in 100 ms batches (the server's default
 * --batch-ms). Frames are paced at 60 Hz as a vsynced display would pace them; the time measured
 * is the work of a frame: applying the pixels, uploading changed tiles, drawing, presenting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"

#define BATCH_MS 100
#define FRAME_NS 16666667L

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this thread: what a frame costs the client itself, whatever else the machine
 * runs (wall time also counts waiting for a core). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

typedef struct feeder {
    place_client *c;
    uint32_t side;
    uint64_t seq;
    uint32_t rnd;
    place_pixel *px;
    uint8_t *frame;
    uint32_t cap;
} feeder;

static uint32_t next_rand(feeder *f)
{
    f->rnd = f->rnd * 1103515245u + 12345u;
    return f->rnd >> 8;
}

/* Injects one batch of n pixels; with `pattern`, pixels follow stripes (the initial fill). */
static void feed(feeder *f, uint32_t n, int pattern, uint32_t start)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x, y;
        if (pattern) {
            x = (start + i) % f->side;
            y = (start + i) / f->side;
        } else {
            x = next_rand(f) % f->side;
            y = next_rand(f) % f->side;
        }
        f->px[i].seq = ++f->seq;
        f->px[i].x = (uint16_t)x;
        f->px[i].y = (uint16_t)y;
        f->px[i].color = (uint8_t)(pattern ? ((x / 37 + y / 23) % 16) : next_rand(f) % 16);
    }
    int len = place_batch_encode(f->frame, place_batch_size(f->cap), f->seq - n, f->seq, 0, f->px,
                                 n);
    if (len > 0)
        place_client_inject_frame(f->c, f->frame, (size_t)len);
}

static void run_phase(app *a, feeder *f, const char *name, int frames, int rate)
{
    double *t = malloc((size_t)frames * sizeof *t), *cpu = malloc((size_t)frames * sizeof *cpu);
    if (!t || !cpu)
        abort();
    uint32_t per_batch = (uint32_t)((int64_t)rate * BATCH_MS / 1000);
    double start = now_ms(), next_batch = start;
    uint64_t injected = 0;
    double drain_ms = 0;
    tiles_stats s0, s1;
    tiles_get_stats(a->tiles, &s0);
    struct timespec tick;
    clock_gettime(CLOCK_MONOTONIC, &tick);
    for (int i = 0; i < frames; i++) {
        while (per_batch && now_ms() >= next_batch) {
            feed(f, per_batch, 0, 0);
            injected += per_batch;
            next_batch += BATCH_MS;
        }
        double t0 = now_ms(), c0 = cpu_ms();
        app_drain_engine(a);
        double t1 = now_ms();
        app_draw(a);
        t[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
        drain_ms += t1 - t0;
        tick.tv_nsec += FRAME_NS;
        if (tick.tv_nsec >= 1000000000L) {
            tick.tv_nsec -= 1000000000L;
            tick.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
    }
    double secs = (now_ms() - start) / 1e3;
    tiles_get_stats(a->tiles, &s1);
    qsort(t, (size_t)frames, sizeof *t, cmp_double);
    qsort(cpu, (size_t)frames, sizeof *cpu, cmp_double);
    double sum = 0;
    for (int i = 0; i < frames; i++)
        sum += t[i];
    printf("bench-frames: %-12s scale %.3f px/pixel: %d frames in %.1f s, %llu pixels arrived "
           "(%.0f/s); frame time p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms; "
           "%.1f tile uploads/frame; per frame: engine + change scan %.2f ms, texture upload "
           "%.2f ms, the rest (draw, present) %.2f ms; CPU time of the client's thread per frame "
           "p50 %.2f ms, p99 %.2f ms\n",
           name, a->v.scale, frames, secs, (unsigned long long)injected, injected / secs,
           t[frames / 2], t[(int)((frames - 1) * 0.99)], t[frames - 1], sum / frames,
           (double)(s1.tiles_uploaded - s0.tiles_uploaded) / frames, drain_ms / frames,
           (s1.upload_ms - s0.upload_ms) / frames,
           (sum - drain_ms - (s1.upload_ms - s0.upload_ms)) / frames, cpu[frames / 2],
           cpu[(int)((frames - 1) * 0.99)]);
    fflush(stdout);
    free(t);
    free(cpu);
}

int app_bench(const app_options *o)
{
    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->opt = o;
    app_front_init(a);
    a->f.selected = 3;
    char err[512];
    int status = 1;
    feeder f = {.side = o->bench_side, .rnd = 12345, .cap = 100000};
    f.px = malloc(f.cap * sizeof *f.px);
    f.frame = malloc(place_batch_size(f.cap));
    place_client_config cfg = {.offline = 1, .offline_width = o->bench_side,
                               .offline_height = o->bench_side};
    if (!f.px || !f.frame)
        goto out;
    if (app_open_window(a, err, sizeof err) < 0 ||
        place_client_new(&cfg, &a->f.c, err, sizeof err) < 0) {
        fprintf(stderr, "place-sdl: %s\n", err);
        goto out;
    }
    f.c = a->f.c;
    /* One stripe of pixels makes the engine report the canvas. The canvas is not filled first:
     * offline, the engine keeps every delta in its overlay (no snapshot ever folds them into
     * the base), and millions of them would measure a hash table no real client grows. */
    feed(&f, o->bench_side, 1, 0);
    app_drain_engine(a);
    if (!a->tiles) {
        fprintf(stderr, "place-sdl: the benchmark canvas did not appear\n");
        goto out;
    }
    printf("bench-frames: renderer %s, window %dx%d (output %dx%d), canvas %ux%u, %d pixels/s "
           "in %d ms batches, frames paced at 60 Hz\n",
           a->renderer_name, a->win_w, a->win_h, a->out_w, a->out_h, a->cw, a->ch, o->bench_rate,
           BATCH_MS);
    app_draw(a); /* the first upload of the whole canvas is not a steady-state frame */
    view_fit(&a->v);
    run_phase(a, &f, "whole-canvas", o->bench_frames, o->bench_rate);
    view_zoom_at(&a->v, 1e9, a->v.area_w / 2.0, a->v.area_h / 2.0);
    run_phase(a, &f, "high-zoom", o->bench_frames, o->bench_rate);
    status = 0;
out:
    place_front_stop(&a->f);
    app_close_window(a);
    free(f.px);
    free(f.frame);
    free(a);
    return status;
}

/* The local snapshot source: snapshots of this process's live canvas (see snapshot.h). */
#include <stdlib.h>

#include "snapshot.h"

#define REBUILD_MS 1000 /* a changed canvas is snapshotted again at most this often ... */
#define WARM_MS 10000   /* ... while a snapshot was asked for within this long */
#define STALE_MS (2 * REBUILD_MS) /* older, and the canvas changed since: a request waits for a new one */

typedef struct waiter {
    struct waiter *next;
    snap_source_cb cb;
    void *arg;
} waiter;

typedef struct local_source {
    snap_source base;
    uv_loop_t *loop;
    const canvas *cv;
    canvas_snap *current;
    uint64_t current_ms;   /* when current was taken (uv_now) */
    canvas_snap *building; /* being gzipped on the thread pool */
    uint64_t building_ms;
    uint64_t asked_ms; /* the last request (0: none yet) */
    waiter *waiting, **waiting_tail; /* requests for the snapshot being built */
    uv_work_t work;
    uv_timer_t timer;
    int timer_closed;
} local_source;

static void gzip_work(uv_work_t *w)
{
    local_source *ls = w->data;
    canvas_snap_gzip(ls->building);
}

/* Hands each waiting request a reference to s (NULL: none can be had). */
static void answer_waiting(local_source *ls, canvas_snap *s)
{
    waiter *list = ls->waiting;
    ls->waiting = NULL;
    ls->waiting_tail = &ls->waiting;
    while (list) {
        waiter *w = list;
        list = w->next;
        if (s)
            s->refs++;
        w->cb(w->arg, s);
        free(w);
    }
}

static void gzip_after(uv_work_t *w, int status)
{
    local_source *ls = w->data;
    canvas_snap *s = ls->building;
    ls->building = NULL;
    if (status) {
        canvas_snap_unref(s);
    } else {
        canvas_snap_unref(ls->current);
        ls->current = s;
        ls->current_ms = ls->building_ms;
    }
    answer_waiting(ls, ls->current); /* a failed build: the older one rather than none */
}

/* Starts a new snapshot on the thread pool. Returns 0, or -1 (the current one stays). */
static int build(local_source *ls)
{
    if (ls->building)
        return 0;
    if (!(ls->building = canvas_snap_now(ls->cv)))
        return -1;
    ls->building_ms = uv_now(ls->loop);
    ls->work.data = ls;
    if (uv_queue_work(ls->loop, &ls->work, gzip_work, gzip_after) < 0) {
        canvas_snap_unref(ls->building);
        ls->building = NULL;
        return -1;
    }
    return 0;
}

/* Once a second: a new snapshot when the canvas changed and somebody asked for one lately, so
 * that requests get one at once. Nobody asking, no canvas is gzipped: the next request waits
 * for a new one instead. */
static void on_tick(uv_timer_t *t)
{
    local_source *ls = t->data;
    if (ls->current->seq == canvas_seq(ls->cv) || !ls->asked_ms ||
        uv_now(ls->loop) - ls->asked_ms > WARM_MS)
        return;
    build(ls);
}

static void local_fresh(snap_source *s, snap_source_cb cb, void *arg)
{
    local_source *ls = (local_source *)s;
    uint64_t now = uv_now(ls->loop);
    ls->asked_ms = now;
    if (ls->current->seq == canvas_seq(ls->cv) || now - ls->current_ms <= STALE_MS) {
        ls->current->refs++;
        cb(arg, ls->current);
        return;
    }
    waiter *w = malloc(sizeof *w);
    if (!w || build(ls) < 0) {
        free(w);
        ls->current->refs++;
        cb(arg, ls->current); /* older than it should be, but a snapshot */
        return;
    }
    *w = (waiter){.cb = cb, .arg = arg};
    *ls->waiting_tail = w;
    ls->waiting_tail = &w->next;
}

static void on_timer_closed(uv_handle_t *h)
{
    local_source *ls = h->data;
    ls->timer_closed = 1;
}

static void local_close(snap_source *s)
{
    local_source *ls = (local_source *)s;
    if (!ls)
        return;
    uv_timer_stop(&ls->timer);
    uv_close((uv_handle_t *)&ls->timer, on_timer_closed);
    while (ls->building || !ls->timer_closed)
        uv_run(ls->loop, UV_RUN_ONCE);
    answer_waiting(ls, NULL);
    canvas_snap_unref(ls->current);
    free(ls);
}

static const snap_source_ops local_ops = {.fresh = local_fresh, .close = local_close};

snap_source *snap_source_local(uv_loop_t *loop, const canvas *cv)
{
    local_source *ls = calloc(1, sizeof *ls);
    if (!ls)
        return NULL;
    ls->base.ops = &local_ops;
    ls->loop = loop;
    ls->cv = cv;
    ls->waiting_tail = &ls->waiting;
    if (!(ls->current = canvas_snap_now(cv)) || uv_timer_init(loop, &ls->timer) < 0) {
        canvas_snap_unref(ls->current);
        free(ls);
        return NULL;
    }
    canvas_snap_gzip(ls->current);
    ls->current_ms = uv_now(loop);
    ls->timer.data = ls;
    uv_timer_start(&ls->timer, on_tick, REBUILD_MS, REBUILD_MS);
    return &ls->base;
}

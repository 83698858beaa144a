/* The local snapshot source: snapshots of this process's live canvas (see snapshot.h). */
#include <stdlib.h>

#include "snapshot.h"

#define REBUILD_MS 1000

typedef struct local_source {
    snap_source base;
    uv_loop_t *loop;
    const canvas *cv;
    canvas_snap *current;
    canvas_snap *building; /* being gzipped on the thread pool */
    uv_work_t work;
    uv_timer_t timer;
    int timer_closed;
} local_source;

static void gzip_work(uv_work_t *w)
{
    local_source *ls = w->data;
    canvas_snap_gzip(ls->building);
}

static void gzip_after(uv_work_t *w, int status)
{
    local_source *ls = w->data;
    canvas_snap *s = ls->building;
    ls->building = NULL;
    if (status) {
        canvas_snap_unref(s);
        return;
    }
    canvas_snap_unref(ls->current);
    ls->current = s;
}

/* At most once a second, and only when the canvas changed since the current snapshot. */
static void on_tick(uv_timer_t *t)
{
    local_source *ls = t->data;
    if (ls->building || ls->current->seq == canvas_seq(ls->cv))
        return;
    if (!(ls->building = canvas_snap_now(ls->cv)))
        return;
    ls->work.data = ls;
    if (uv_queue_work(ls->loop, &ls->work, gzip_work, gzip_after) < 0) {
        canvas_snap_unref(ls->building);
        ls->building = NULL;
    }
}

static void local_fresh(snap_source *s, snap_source_cb cb, void *arg)
{
    local_source *ls = (local_source *)s;
    ls->current->refs++;
    cb(arg, ls->current);
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
    if (!(ls->current = canvas_snap_now(cv)) || uv_timer_init(loop, &ls->timer) < 0) {
        canvas_snap_unref(ls->current);
        free(ls);
        return NULL;
    }
    canvas_snap_gzip(ls->current);
    ls->timer.data = ls;
    uv_timer_start(&ls->timer, on_tick, REBUILD_MS, REBUILD_MS);
    return &ls->base;
}

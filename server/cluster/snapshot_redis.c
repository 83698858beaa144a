/* The cluster's snapshot source: read from the shared store, with the local canvas as the
 * fallback (see snapshot_redis.h). */
#include "snapshot_redis.h"

#include <stdlib.h>

#include "util.h"

/* One snapshot being made on the thread pool: read from the store first (from_store), or
 * already filled from the local canvas and only gzipped there. */
typedef struct build_job {
    canvas_snap *s;
    int from_store;
    int64_t started; /* monotonic ms */
} build_job;

typedef struct snap_waiter {
    snap_source_cb cb;
    void *arg;
    struct snap_waiter *next;
} snap_waiter;

typedef struct cluster_source {
    snap_source base;
    uv_loop_t *loop;
    const canvas *cv; /* the fallback */
    cluster_snap_read_fn read;
    void (*free_arg)(void *);
    void *arg;
    uint32_t w, h; /* the live canvas's, which never change after start */
    canvas_snap *current;
    int64_t current_at; /* when current was read (monotonic ms) */
    build_job *building; /* on the thread pool */
    uv_work_t work;
    snap_waiter *waiters; /* requests waiting for a fresh snapshot */
} cluster_source;

static void build_work(uv_work_t *w)
{
    cluster_source *cs = w->data;
    build_job *j = cs->building;
    if (j->from_store) {
        uint8_t *bits = NULL;
        uint64_t seq = 0;
        if (cs->read(cs->arg, cs->w, cs->h, &bits, &seq) == 0) {
            j->s = canvas_snap_make(bits, cs->w, cs->h, seq);
            free(bits);
        }
    }
    if (j->s)
        canvas_snap_gzip(j->s);
}

/* Hands a reference to s (which may be NULL) to every waiting request. */
static void wake_waiters(cluster_source *cs, canvas_snap *s)
{
    snap_waiter *list = cs->waiters;
    cs->waiters = NULL;
    while (list) {
        snap_waiter *n = list->next;
        if (s)
            s->refs++;
        list->cb(list->arg, s);
        free(list);
        list = n;
    }
}

static int start_build(cluster_source *cs, build_job *j);

static void build_after(uv_work_t *w, int status)
{
    cluster_source *cs = w->data;
    build_job *j = cs->building;
    cs->building = NULL;
    if (status) {
        canvas_snap_unref(j->s);
        free(j);
        return;
    }
    if (j->from_store && !j->s) {
        /* the store cannot be read (Redis down): nothing can be placed meanwhile, so the newer
         * of the last snapshot read and the local canvas (which the placement feed keeps
         * current) is the canvas; the seq a client sees never goes back */
        j->from_store = 0;
        j->started = util_mono_ms();
        if (cs->current && cs->current->seq >= canvas_seq(cs->cv)) {
            cs->current_at = j->started;
            free(j);
            wake_waiters(cs, cs->current);
            return;
        }
        if ((j->s = canvas_snap_now(cs->cv)) && start_build(cs, j) == 0)
            return;
        canvas_snap_unref(j->s);
        free(j);
        wake_waiters(cs, cs->current);
        return;
    }
    canvas_snap_unref(cs->current);
    cs->current = j->s;
    cs->current_at = j->started;
    free(j);
    wake_waiters(cs, cs->current);
}

static int start_build(cluster_source *cs, build_job *j)
{
    cs->building = j;
    cs->work.data = cs;
    if (uv_queue_work(cs->loop, &cs->work, build_work, build_after) < 0) {
        cs->building = NULL;
        return -1;
    }
    return 0;
}

/* Starts reading a snapshot from the store unless one is on its way. */
static void refresh(cluster_source *cs)
{
    if (cs->building)
        return;
    build_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->from_store = 1;
    j->started = util_mono_ms();
    if (start_build(cs, j) < 0)
        free(j);
}

static void cluster_fresh(snap_source *s, snap_source_cb cb, void *arg)
{
    cluster_source *cs = (cluster_source *)s;
    int64_t age = util_mono_ms() - cs->current_at;
    if (cs->current && age <= SNAP_SOURCE_MAX_AGE_MS) {
        /* past half its life, read the next one already, so steady traffic never waits */
        if (age > SNAP_SOURCE_MAX_AGE_MS / 2)
            refresh(cs);
        cs->current->refs++;
        cb(arg, cs->current);
        return;
    }
    snap_waiter *wt = malloc(sizeof *wt);
    if (!wt) {
        cb(arg, NULL);
        return;
    }
    wt->cb = cb;
    wt->arg = arg;
    wt->next = cs->waiters;
    cs->waiters = wt;
    refresh(cs);
    if (!cs->building) /* could not even be queued */
        wake_waiters(cs, cs->current);
}

static void cluster_close(snap_source *s)
{
    cluster_source *cs = (cluster_source *)s;
    if (!cs)
        return;
    while (cs->building)
        uv_run(cs->loop, UV_RUN_ONCE);
    wake_waiters(cs, NULL);
    if (cs->free_arg)
        cs->free_arg(cs->arg);
    canvas_snap_unref(cs->current);
    free(cs);
}

static const snap_source_ops cluster_ops = {.fresh = cluster_fresh, .close = cluster_close};

snap_source *cluster_snap_source(uv_loop_t *loop, const canvas *cv, cluster_snap_read_fn read,
                                 void (*free_arg)(void *), void *arg)
{
    cluster_source *cs = calloc(1, sizeof *cs);
    /* until the first read, the local canvas as loaded at start (served only if Redis is down) */
    canvas_snap *first = cs ? canvas_snap_now(cv) : NULL;
    if (!first) {
        free(cs);
        if (free_arg)
            free_arg(arg);
        return NULL;
    }
    canvas_snap_gzip(first);
    cs->base.ops = &cluster_ops;
    cs->loop = loop;
    cs->cv = cv;
    cs->read = read;
    cs->free_arg = free_arg;
    cs->arg = arg;
    cs->w = canvas_width(cv);
    cs->h = canvas_height(cv);
    cs->current = first;
    cs->current_at = INT64_MIN / 2; /* not read from the store: the first request reads */
    return &cs->base;
}

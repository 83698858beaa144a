/* Admin pixel acts (see moderate.h). */
#include "moderate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"
#include "broadcast.h"
#include "util.h"

typedef struct moderate_act {
    backend *b;
    canvas *cv;
    moderate_req q;
    char who[BACKEND_AUDIT_WHO_MAX + 1];
    char id[BACKEND_ID_LEN + 1];     /* the user id marking its placements */
    char name[BACKEND_NAME_MAX + 1]; /* its shown name */
    char target[BACKEND_ID_LEN + 1]; /* REVERT: the user's id */
    backend_plan_px *plan;
    size_t n, next, changed;
    uint64_t last_seq;
    uint64_t sync_seq;  /* the live canvas must reach this before the act reads it */
    int64_t sync_until; /* ... or this time (util_mono_ms) pass */
    int64_t pace_until; /* the next chunk waits for the viewers until then at most (PACE_MAX_MS) */
    int failed;
    int recorded; /* the audit row is durable (it went with the last chunk) */
    int last_sent; /* the chunk in flight carries the final audit row */
    int inflight; /* chunks submitted, not yet committed */
    size_t ends[8]; /* where each chunk in flight ends in the plan, oldest at [head % 8] */
    unsigned head, tail;
    uv_timer_t timer;
    moderate_progress_fn progress;
    moderate_paced_fn paced;
    moderate_finish_fn finish;
    void *arg;
    int planning; /* the plan is being read (on_plan follows) */
    int ending;   /* the final audit row is on its way alone (row_done follows) */
    int stopping; /* moderate_stop: the backend and the canvas are not to be touched again */
    backend_plan_px chunk[MODERATE_CHUNK];
} act;

/* Chunks in the writer's queue at once (at most 8, ends[]). One: a player's placement waits
 * behind one chunk's commit at most; two (the next chunk waiting while one commits) bought no
 * measurable speed on the benchmark's machine and doubled that wait. */
#define INFLIGHT 1
/* the last chunk's audit row counts the pixels changed before it: all of them are known only
 * when no other chunk is in flight */
_Static_assert(INFLIGHT == 1, "the final audit row needs every earlier chunk committed");

#define SYNC_MS 6000 /* the longest an act waits for the live canvas to catch up (moderate_start) */

/* Pacing (moderate.h): after each chunk, the next waits until the act's pixels so far are on
 * this process's canvas, at most PACE_BACKLOG placements wait to be published, and the round of
 * the newest frame is done; looking every PACE_POLL_MS, PACE_MAX_MS at most (so a feed or a
 * round that never catches up slows an act down but never stops it). PACE_MAX_MS is more than
 * a round can take before the broadcast publishes anyway (BCAST_MAX_WAIT_MS) plus the default
 * --batch-ms, so that, as long as the loop keeps time, a frame carries at most PACE_BACKLOG +
 * MODERATE_CHUNK of the act's pixels (16,000: about 80 KB). One chunk per frame made a
 * million-pixel embedded act take 25 s instead of 9-10 (BENCHMARKS.md run W), for no better
 * figure the viewers saw. */
#define PACE_POLL_MS 2
#define PACE_MAX_MS 1000
#define PACE_BACKLOG (3 * MODERATE_CHUNK)

static const char *const act_words[] = {[BACKEND_ACT_REVERT] = "revert",
                                        [BACKEND_ACT_WIPE] = "wipe",
                                        [BACKEND_ACT_RESTORE] = "restore"};

int moderate_parse_rect(const char *text, moderate_req *q)
{
    long long v[4];
    int used = 0;
    if (sscanf(text, "%lld,%lld,%lld,%lld%n", &v[0], &v[1], &v[2], &v[3], &used) != 4 ||
        text[used] || v[0] < 0 || v[1] < 0 || v[2] < 1 || v[3] < 1 || v[0] > 65535 ||
        v[1] > 65535 || v[2] > 65536 || v[3] > 65536)
        return -1;
    q->x = (uint32_t)v[0];
    q->y = (uint32_t)v[1];
    q->w = (uint32_t)v[2];
    q->h = (uint32_t)v[3];
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    act *a = h->data;
    free(a->plan);
    free(a);
}

static void when_text(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What the audit log says of the act. */
static void describe(const act *a, char *out, size_t cap)
{
    char when[32];
    const moderate_req *q = &a->q;
    int n;
    if (q->kind == BACKEND_ACT_REVERT) {
        n = snprintf(out, cap, "user %s", q->user);
        if (q->since_ms > 0 && n >= 0 && (size_t)n < cap) {
            when_text(q->since_ms, when, sizeof when);
            n += snprintf(out + n, cap - (size_t)n, " since %s", when);
        }
    } else {
        n = snprintf(out, cap, "%u,%u,%ux%u", q->x, q->y, q->w, q->h);
        if (n >= 0 && (size_t)n < cap) {
            if (q->kind == BACKEND_ACT_WIPE) {
                n += snprintf(out + n, cap - (size_t)n, " color %d", q->color);
            } else {
                when_text(q->at_ms, when, sizeof when);
                n += snprintf(out + n, cap - (size_t)n, " as at %s", when);
            }
        }
    }
    if (n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "%s as %s", a->failed ? " (stopped: the store could "
                                                                   "not be written)" : "",
                 a->name);
}

static void audited(void *arg, int rc)
{
    act *a = arg;
    const char *err = a->failed ? "the store could not be written (the disk is full or failing); "
                                  "the pixels changed before it stopped are kept"
                      : rc   ? "the pixels were changed, but the audit row could not be written"
                             : NULL;
    a->finish(a->arg, a->failed || rc ? PLACE_ERR_UNAVAILABLE : 0, a->changed, a->last_seq, err);
    uv_close((uv_handle_t *)&a->timer, on_timer_closed);
}

/* The act's audit row as it stands (its pixels: those changed so far). */
static void act_row(const act *a, backend_audit_row *row)
{
    char what[BACKEND_AUDIT_WHAT_MAX + 1];
    describe(a, what, sizeof what);
    audit_row_make(row, a->who, act_words[a->q.kind], what, (int64_t)a->changed);
}

static void row_done(void *arg, int rc, size_t placed, uint64_t last_seq)
{
    act *a = arg;
    (void)placed;
    (void)last_seq;
    if (!a->stopping) /* else moderate_stop ended it */
        a->b->ops->mod_end(a->b);
    audited(a, rc);
}

/* Usually the row went with the last chunk (recorded). Otherwise (no pixel to look at, or the
 * act stopped) it goes alone, through mod_place too: in cluster mode it takes the place of the
 * row the first chunk put down as under way. */
static void end_act(act *a)
{
    if (a->recorded) {
        a->b->ops->mod_end(a->b);
        audited(a, 0);
        return;
    }
    backend_audit_row row;
    act_row(a, &row);
    a->ending = 1;
    if (a->b->ops->mod_place(a->b, a->id, NULL, 0, &row, 1, row_done, a) < 0) {
        a->ending = 0;
        a->b->ops->mod_end(a->b);
        audited(a, PLACE_ERR_UNAVAILABLE);
    }
}

/* The end of a stopped act (moderate_stop), once nothing of it is in the store's hands. */
static void stopped(act *a)
{
    a->finish(a->arg, PLACE_ERR_UNAVAILABLE, a->changed, a->last_seq,
              "the server is stopping: the act stopped before its end (the pixels changed so "
              "far are kept, and the audit log says the act was under way)");
    uv_close((uv_handle_t *)&a->timer, on_timer_closed);
}

void moderate_stop(moderate_act *a)
{
    if (!a || a->stopping)
        return;
    a->stopping = 1;
    a->b->ops->mod_end(a->b); /* now, while the store is there (row_done will not) */
    a->b = NULL;
    a->cv = NULL;
    a->paced = NULL;
    if (a->inflight || a->planning || a->ending)
        return; /* chunk_done, on_plan or row_done ends it */
    uv_timer_stop(&a->timer);
    stopped(a);
}

static void next_chunk(act *a);

/* Submits chunks until INFLIGHT are in the queue or the plan is used up. */
static void fill(act *a)
{
    while (!a->failed && a->inflight < INFLIGHT && a->next < a->n)
        next_chunk(a);
    if (a->inflight == 0 && (a->failed || a->next >= a->n))
        end_act(a);
}

int moderate_reached(const canvas *cv, const bcast *bc, uint64_t seq)
{
    return canvas_seq(cv) >= seq && bcast_caught_up(bc, PACE_BACKLOG);
}

/* After a chunk: the next one once the act's pixels so far have reached the viewers, or once
 * PACE_MAX_MS have passed; at once when the act is over (or has failed) or is not paced. */
static void on_timer(uv_timer_t *t)
{
    act *a = t->data;
    if (a->paced && !a->failed && a->next < a->n && util_mono_ms() < a->pace_until &&
        !a->paced(a->arg, a->last_seq)) {
        uv_timer_start(&a->timer, on_timer, PACE_POLL_MS, 0);
        return;
    }
    fill(a);
}

static void chunk_done(void *arg, int rc, size_t placed, uint64_t last_seq)
{
    act *a = arg;
    a->inflight--;
    a->changed += placed;
    if (last_seq > a->last_seq)
        a->last_seq = last_seq;
    if (a->stopping) {
        if (!a->inflight)
            stopped(a);
        return;
    }
    if (rc)
        a->failed = 1;
    else if (a->last_sent)
        a->recorded = 1;
    a->last_sent = 0;
    size_t looked = a->ends[a->head++ % 8]; /* chunks commit in the order they were sent */
    if (!rc && a->progress)
        a->progress(a->arg, looked, a->n);
    /* from the loop, not from inside the writer's callback: players get a turn first */
    a->pace_until = util_mono_ms() + (placed ? PACE_MAX_MS : 0); /* nothing new to wait for */
    uv_timer_start(&a->timer, on_timer, 0, 0);
}

/* Submits the next pixels that differ from the live canvas. */
static void next_chunk(act *a)
{
    size_t k = 0;
    while (a->next < a->n && k < MODERATE_CHUNK) {
        const backend_plan_px *p = &a->plan[a->next++];
        int now = canvas_get(a->cv, p->x, p->y);
        if (now == p->color)
            continue;
        a->chunk[k] = *p;
        k++;
    }
    backend_audit_row row;
    act_row(a, &row);
    a->last_sent = a->next >= a->n; /* the last chunk: its audit row goes with it */
    a->inflight++;
    a->ends[a->tail++ % 8] = a->next;
    if (a->b->ops->mod_place(a->b, a->id, a->chunk, k, &row, a->last_sent, chunk_done, a) < 0) {
        a->inflight--;
        a->tail--;
        a->failed = 1;
        a->last_sent = 0;
    }
}

static void begin_plan(act *a);

static void on_sync(uv_timer_t *t)
{
    begin_plan(t->data);
}

static void on_plan(void *arg, int rc, backend_plan_px *px, size_t n)
{
    act *a = arg;
    a->planning = 0;
    if (a->stopping) {
        free(px);
        stopped(a);
        return;
    }
    if (rc < 0) {
        free(px);
        a->b->ops->mod_end(a->b);
        a->finish(a->arg, PLACE_ERR_UNAVAILABLE, 0, 0,
                  "the history cannot be read right now; nothing was changed");
        uv_close((uv_handle_t *)&a->timer, on_timer_closed);
        return;
    }
    a->plan = px;
    a->n = n;
    fill(a);
}

/* The id of the user an admin names: a registered name, or a user id (guests too). */
static int find_user(backend *b, const char *user, char id[BACKEND_ID_LEN + 1], char *err,
                     size_t errcap)
{
    backend_user u;
    char hash[BACKEND_HASH_MAX + 1];
    if (b->ops->user_credentials(b, user, &u, hash) == PLACE_ERR_NONE ||
        b->ops->user_get(b, user, &u) == 0) {
        snprintf(id, BACKEND_ID_LEN + 1, "%s", u.id);
        return 0;
    }
    snprintf(err, errcap, "no user named \"%s\" (a registered name, or a user id)", user);
    return PLACE_ERR_NOT_FOUND;
}

int moderate_start(backend *b, canvas *cv, uv_loop_t *loop, const moderate_req *q,
                   const char *who, moderate_progress_fn progress, moderate_paced_fn paced,
                   moderate_finish_fn finish, void *arg, moderate_act **out, char *err,
                   size_t errcap)
{
    if (!b->ops->mod_begin || !b->ops->plan) {
        snprintf(err, errcap, "this store cannot change pixels as an admin");
        return PLACE_ERR_UNAVAILABLE;
    }
    if (q->kind < BACKEND_ACT_REVERT || q->kind > BACKEND_ACT_RESTORE) {
        snprintf(err, errcap, "unknown act");
        return PLACE_ERR_BAD_REQUEST;
    }
    uint32_t w = canvas_width(cv), h = canvas_height(cv);
    if (q->kind != BACKEND_ACT_REVERT &&
        ((uint64_t)q->x + q->w > w || (uint64_t)q->y + q->h > h)) {
        snprintf(err, errcap, "the rectangle %u,%u,%u,%u is not inside the %ux%u canvas", q->x,
                 q->y, q->w, q->h, w, h);
        return PLACE_ERR_OUT_OF_BOUNDS;
    }
    if (q->kind == BACKEND_ACT_WIPE && (q->color < 0 || q->color >= PLACE_COLORS)) {
        snprintf(err, errcap, "colour %d is not in the palette (0..%d)", q->color,
                 PLACE_COLORS - 1);
        return PLACE_ERR_BAD_REQUEST;
    }
    act *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    a->b = b;
    a->cv = cv;
    a->q = *q;
    a->progress = progress;
    a->paced = paced;
    a->finish = finish;
    a->arg = arg;
    snprintf(a->who, sizeof a->who, "%s", who);
    int rc;
    if (q->kind == BACKEND_ACT_REVERT &&
        (rc = find_user(b, q->user, a->target, err, errcap)) != 0) {
        free(a);
        return rc;
    }
    char number[9];
    util_random_hex(number, 4);
    account_act_id(a->id, q->kind, number);
    account_act_name(a->id, a->name);
    if (b->ops->mod_begin(b, &a->sync_seq) < 0) {
        snprintf(err, errcap, "another revert, wipe or restore is under way; try again once it "
                              "has finished");
        free(a);
        return PLACE_ERR_UNAVAILABLE;
    }
    uv_timer_init(loop, &a->timer);
    a->timer.data = a;
    a->sync_until = util_mono_ms() + SYNC_MS;
    if (out)
        *out = a;
    begin_plan(a);
    return 0;
}

/* Once the live canvas holds what was placed before the act (cluster mode: it hears it through
 * Kafka; SYNC_MS at most, as long as a hole holds the feed back by default), the plan: a wipe's
 * from the rectangle, the others' from the history. */
static void begin_plan(act *a)
{
    const moderate_req *q = &a->q;
    canvas *cv = a->cv;
    if (canvas_seq(cv) < a->sync_seq && util_mono_ms() < a->sync_until) {
        uv_timer_start(&a->timer, on_sync, 20, 0);
        return;
    }
    if (q->kind == BACKEND_ACT_WIPE) {
        size_t n = (size_t)q->w * q->h;
        backend_plan_px *px = malloc(n * sizeof *px);
        /* column by column, like the history's plans (plan.c); each pixel with the colour it
         * has as the act begins, which it must still have when its chunk comes (cluster mode:
         * a player's pixel placed meanwhile stays) */
        if (px)
            for (size_t i = 0; i < n; i++) {
                uint16_t x = (uint16_t)(q->x + i / q->h), y = (uint16_t)(q->y + i % q->h);
                px[i] = (backend_plan_px){x, y, (uint8_t)q->color,
                                          (uint8_t)canvas_get(cv, x, y)};
            }
        on_plan(a, px ? 0 : -1, px, px ? n : 0);
        return;
    }
    backend_plan_req pq = {.kind = q->kind == BACKEND_ACT_REVERT ? BACKEND_PLAN_REVERT
                                                                 : BACKEND_PLAN_RESTORE,
                           .since_ms = q->since_ms, .x = q->x, .y = q->y, .w = q->w, .h = q->h,
                           .at_ms = q->at_ms};
    snprintf(pq.user_id, sizeof pq.user_id, "%s", a->target);
    a->planning = 1;
    if (a->b->ops->plan(a->b, &pq, on_plan, a) < 0)
        on_plan(a, -1, NULL, 0);
}

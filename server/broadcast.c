/* The broadcast core (bcast_core.c) on the loop: the batch timer and the hand-over of each new
 * frame to the connections (see broadcast.h). */
#include "broadcast.h"

#include <stdlib.h>

#include "util.h"

struct bcast {
    uv_timer_t timer;
    void (*on_publish)(void *arg);
    void *arg;
    bcast_core *core;
};

void bcast_add(bcast *b, const place_pixel *px, size_t n)
{
    /* out of memory: these pixels reach clients through the snapshot */
    if (b)
        bcast_core_add(b->core, px, n);
}

void bcast_flush(bcast *b)
{
    if (b && bcast_core_publish(b->core, util_now_ms()) == 1)
        b->on_publish(b->arg);
}

/* One timer, set each time for when the core says to look again (bcast_core.h, "Timing"): the
 * end of the interval, or, while the round of the last frame is still being written, every
 * BCAST_ROUND_POLL_MS, so the next frame goes out as soon as the round is done. */
static void on_tick(uv_timer_t *t)
{
    bcast *b = t->data;
    int64_t now = util_now_ms();
    if (bcast_core_due(b->core, now)) {
        bcast_flush(b);
        now = util_now_ms();
    }
    uv_timer_start(&b->timer, on_tick, (uint64_t)bcast_core_wait_ms(b->core, now), 0);
}

void bcast_join(bcast *b)
{
    if (b)
        bcast_core_join(b->core);
}

void bcast_leave(bcast *b)
{
    if (b)
        bcast_core_leave(b->core);
}

bcast *bcast_new(uv_loop_t *loop, int batch_ms, uint64_t start_seq, void (*on_publish)(void *arg),
                 void *arg)
{
    bcast *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->on_publish = on_publish;
    b->arg = arg;
    if (!(b->core = bcast_core_new(LWS_PRE, start_seq)) || uv_timer_init(loop, &b->timer) < 0) {
        bcast_core_free(b->core);
        free(b);
        return NULL;
    }
    b->timer.data = b;
    bcast_core_set_interval(b->core, batch_ms);
    /* a timer started on a loop that has not failed cannot fail to start */
    uv_timer_start(&b->timer, on_tick, (uint64_t)batch_ms, 0);
    return b;
}

uint64_t bcast_head(const bcast *b)
{
    return b ? bcast_core_head(b->core) : 0;
}

uint64_t bcast_last_seq(const bcast *b)
{
    return b ? bcast_core_last_seq(b->core) : 0;
}

int bcast_next(bcast *b, uint64_t *cursor, uint8_t **frame, size_t *len)
{
    return b ? bcast_core_next(b->core, cursor, frame, len) : 0;
}

int bcast_skip_if_behind(bcast *b, uint64_t *cursor)
{
    return b ? bcast_core_skip_if_behind(b->core, cursor) : 0;
}

int bcast_caught_up(const bcast *b, size_t max_pending)
{
    return b ? bcast_core_caught_up(b->core, max_pending) : 1;
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void bcast_close(bcast *b)
{
    if (!b)
        return;
    uv_timer_stop(&b->timer);
    bcast_core_free(b->core);
    b->core = NULL;
    uv_close((uv_handle_t *)&b->timer, on_timer_closed);
}

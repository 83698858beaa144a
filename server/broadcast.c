/* The broadcast core (bcast_core.c) on the loop: the batch timer and the hand-over of each new
 * frame to the connections (see broadcast.h). */
#include "broadcast.h"

#include "util.h"

static struct {
    uv_timer_t timer;
    int timer_open;
    void (*on_publish)(void);
    bcast_core *core;
} bc;

void bcast_add(const place_pixel *px, size_t n)
{
    /* out of memory: these pixels reach clients through the snapshot */
    if (bc.core)
        bcast_core_add(bc.core, px, n);
}

void bcast_flush(void)
{
    if (bc.core && bcast_core_publish(bc.core, util_now_ms()) == 1)
        bc.on_publish();
}

static void on_tick(uv_timer_t *t)
{
    if (bcast_core_due(bc.core, util_now_ms()))
        bcast_flush();
}

void bcast_join(void)
{
    if (bc.core)
        bcast_core_join(bc.core);
}

void bcast_leave(void)
{
    if (bc.core) /* connections also close after bcast_close, as lws is destroyed */
        bcast_core_leave(bc.core);
}

int bcast_init(uv_loop_t *loop, int batch_ms, uint64_t start_seq, void (*on_publish)(void))
{
    bc.on_publish = on_publish;
    bc.core = bcast_core_new(LWS_PRE, start_seq);
    if (!bc.core || uv_timer_init(loop, &bc.timer) < 0)
        return -1;
    bc.timer_open = 1;
    return uv_timer_start(&bc.timer, on_tick, (uint64_t)batch_ms, (uint64_t)batch_ms) < 0 ? -1 : 0;
}

uint64_t bcast_head(void)
{
    return bc.core ? bcast_core_head(bc.core) : 0;
}

uint64_t bcast_last_seq(void)
{
    return bc.core ? bcast_core_last_seq(bc.core) : 0;
}

int bcast_next(uint64_t *cursor, uint8_t **frame, size_t *len)
{
    return bc.core ? bcast_core_next(bc.core, cursor, frame, len) : 0;
}

int bcast_skip_if_behind(uint64_t *cursor)
{
    return bc.core ? bcast_core_skip_if_behind(bc.core, cursor) : 0;
}

void bcast_close(void)
{
    if (bc.timer_open) {
        uv_timer_stop(&bc.timer);
        uv_close((uv_handle_t *)&bc.timer, NULL);
        bc.timer_open = 0;
    }
    bcast_core_free(bc.core);
    bc.core = NULL;
}

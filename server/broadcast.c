/* Batching and the shared ring of batch frames (see broadcast.h). */
#include "broadcast.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct frame {
    uint8_t *buf; /* LWS_PRE + len */
    size_t len;
    uint64_t start_bytes; /* total bytes published before this frame */
} frame;

static struct {
    uv_timer_t timer;
    int timer_open;
    void (*on_publish)(void);
    place_pixel *pending;
    size_t npending, cap;
    uint64_t last_seq;
    uint64_t head; /* frames published so far */
    size_t audience;  /* connections reading the ring */
    size_t expected;  /* connections there were when the newest frame was published */
    size_t caught_up; /* connections that have taken the newest frame since */
    int64_t last_publish;
    uint64_t total_bytes;
    frame ring[BCAST_RING];
} bc;

void bcast_add(const place_pixel *px, size_t n)
{
    if (bc.npending + n > bc.cap) {
        size_t cap = bc.cap ? bc.cap : 256;
        while (cap < bc.npending + n)
            cap *= 2;
        place_pixel *p = realloc(bc.pending, cap * sizeof *p);
        if (!p)
            return; /* out of memory: these pixels reach clients through the snapshot */
        bc.pending = p;
        bc.cap = cap;
    }
    memcpy(bc.pending + bc.npending, px, n * sizeof *px);
    bc.npending += n;
}

void bcast_flush(void)
{
    if (!bc.npending)
        return;
    uint32_t n = (uint32_t)bc.npending;
    uint64_t last = bc.pending[n - 1].seq;
    size_t len = place_batch_size(n);
    uint8_t *buf = malloc(LWS_PRE + len);
    if (!buf)
        return;
    int r = place_batch_encode(buf + LWS_PRE, len, bc.last_seq, last, util_now_ms(), bc.pending, n);
    if (r < 0) {
        free(buf);
        bc.npending = 0;
        return;
    }
    frame *f = &bc.ring[bc.head % BCAST_RING];
    free(f->buf);
    f->buf = buf;
    f->len = (size_t)r;
    f->start_bytes = bc.total_bytes;
    bc.total_bytes += (size_t)r;
    bc.head++;
    bc.last_seq = last;
    bc.expected = bc.audience;
    bc.caught_up = 0;
    bc.last_publish = util_now_ms();
    bc.npending = 0;
    if (bc.npending < bc.cap / 4 && bc.cap > 4096) {
        free(bc.pending);
        bc.pending = NULL;
        bc.cap = 0;
    }
    bc.on_publish();
}

static void on_tick(uv_timer_t *t)
{
    if (bc.npending && ((double)bc.caught_up >= BCAST_QUORUM * (double)bc.expected ||
                        util_now_ms() - bc.last_publish >= BCAST_MAX_WAIT_MS))
        bcast_flush();
}

void bcast_join(void)
{
    bc.audience++;
}

void bcast_leave(void)
{
    if (bc.audience)
        bc.audience--;
}

int bcast_init(uv_loop_t *loop, int batch_ms, uint64_t start_seq, void (*on_publish)(void))
{
    bc.on_publish = on_publish;
    bc.last_seq = start_seq;
    if (uv_timer_init(loop, &bc.timer) < 0)
        return -1;
    bc.timer_open = 1;
    return uv_timer_start(&bc.timer, on_tick, (uint64_t)batch_ms, (uint64_t)batch_ms) < 0 ? -1 : 0;
}

uint64_t bcast_head(void)
{
    return bc.head;
}

uint64_t bcast_last_seq(void)
{
    return bc.last_seq;
}

int bcast_next(uint64_t *cursor, uint8_t **out, size_t *len)
{
    if (*cursor >= bc.head)
        return 0;
    uint64_t behind = bc.head - *cursor;
    const frame *f = &bc.ring[*cursor % BCAST_RING];
    if (behind > BCAST_MAX_BEHIND || bc.total_bytes - f->start_bytes > BCAST_MAX_BYTES) {
        *cursor = bc.head;
        bc.caught_up++;
        return -1;
    }
    *out = f->buf + LWS_PRE;
    *len = f->len;
    if (++*cursor == bc.head)
        bc.caught_up++;
    return 1;
}

int bcast_skip_if_behind(uint64_t *cursor)
{
    if (*cursor >= bc.head)
        return 0;
    const frame *f = &bc.ring[*cursor % BCAST_RING];
    if (bc.head - *cursor <= BCAST_MAX_BEHIND && bc.total_bytes - f->start_bytes <= BCAST_MAX_BYTES)
        return 0;
    *cursor = bc.head;
    bc.caught_up++;
    return 1;
}

void bcast_close(void)
{
    if (bc.timer_open) {
        uv_timer_stop(&bc.timer);
        uv_close((uv_handle_t *)&bc.timer, NULL);
        bc.timer_open = 0;
    }
    for (int i = 0; i < BCAST_RING; i++) {
        free(bc.ring[i].buf);
        bc.ring[i].buf = NULL;
    }
    free(bc.pending);
    bc.pending = NULL;
    bc.npending = bc.cap = 0;
}

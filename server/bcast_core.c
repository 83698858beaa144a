/* The ring of shared batch frames, per-reader cursors and the rules that bound it (see
 * bcast_core.h). */
#include "bcast_core.h"

#include <stdlib.h>
#include <string.h>

typedef struct frame {
    uint8_t *buf; /* headroom + len */
    size_t len;
    uint64_t start_bytes; /* total bytes published before this frame */
} frame;

struct bcast_core {
    size_t headroom;
    place_pixel *pending;
    size_t npending, cap;
    uint64_t last_seq;
    uint64_t head;    /* frames published so far */
    size_t audience;  /* readers of the ring */
    size_t expected;  /* readers there were when the newest frame was published */
    size_t caught_up; /* readers that have taken the newest frame since */
    int64_t last_publish;
    int interval_ms;
    uint64_t total_bytes;
    frame ring[BCAST_RING];
};

bcast_core *bcast_core_new(size_t headroom, uint64_t start_seq)
{
    bcast_core *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->headroom = headroom;
    c->last_seq = start_seq;
    return c;
}

void bcast_core_free(bcast_core *c)
{
    if (!c)
        return;
    for (int i = 0; i < BCAST_RING; i++)
        free(c->ring[i].buf);
    free(c->pending);
    free(c);
}

int bcast_core_add(bcast_core *c, const place_pixel *px, size_t n)
{
    if (c->npending + n > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->npending + n)
            cap *= 2;
        place_pixel *p = realloc(c->pending, cap * sizeof *p);
        if (!p)
            return -1;
        c->pending = p;
        c->cap = cap;
    }
    memcpy(c->pending + c->npending, px, n * sizeof *px);
    c->npending += n;
    return 0;
}

int bcast_core_publish(bcast_core *c, int64_t now_ms)
{
    if (!c->npending)
        return 0;
    uint32_t n = (uint32_t)c->npending;
    uint64_t last = c->pending[n - 1].seq;
    size_t len = place_batch_size(n);
    uint8_t *buf = malloc(c->headroom + len);
    if (!buf)
        return 0;
    int r = place_batch_encode(buf + c->headroom, len, c->last_seq, last, now_ms, c->pending, n);
    if (r < 0) {
        free(buf);
        c->npending = 0;
        return -1;
    }
    frame *f = &c->ring[c->head % BCAST_RING];
    free(f->buf);
    f->buf = buf;
    f->len = (size_t)r;
    f->start_bytes = c->total_bytes;
    c->total_bytes += (size_t)r;
    c->head++;
    c->last_seq = last;
    c->expected = c->audience;
    c->caught_up = 0;
    c->last_publish = now_ms;
    c->npending = 0;
    /* tested on the batch just published: a big buffer that one small batch used is let go */
    if (n < c->cap / 4 && c->cap > BCAST_SHRINK_ABOVE) {
        free(c->pending);
        c->pending = NULL;
        c->cap = 0;
    }
    return 1;
}

void bcast_core_set_interval(bcast_core *c, int interval_ms)
{
    c->interval_ms = interval_ms > 0 ? interval_ms : 0;
}

/* The round of the newest frame is done (or waited for long enough). */
static int round_done(const bcast_core *c, int64_t now_ms)
{
    return (double)c->caught_up >= BCAST_QUORUM * (double)c->expected ||
           now_ms - c->last_publish >= BCAST_MAX_WAIT_MS;
}

int bcast_core_due(const bcast_core *c, int64_t now_ms)
{
    return c->npending && now_ms - c->last_publish >= c->interval_ms && round_done(c, now_ms);
}

int64_t bcast_core_wait_ms(const bcast_core *c, int64_t now_ms)
{
    int64_t since = now_ms - c->last_publish, wait;
    if (!c->npending)
        wait = c->interval_ms;
    else if (since < c->interval_ms)
        wait = c->interval_ms - since;
    else if (!round_done(c, now_ms))
        wait = BCAST_MAX_WAIT_MS - since < BCAST_ROUND_POLL_MS ? BCAST_MAX_WAIT_MS - since
                                                               : BCAST_ROUND_POLL_MS;
    else
        wait = 0;
    return wait > 0 ? wait : 1;
}

void bcast_core_join(bcast_core *c)
{
    c->audience++;
}

void bcast_core_leave(bcast_core *c)
{
    if (c->audience)
        c->audience--;
}

uint64_t bcast_core_head(const bcast_core *c)
{
    return c->head;
}

uint64_t bcast_core_last_seq(const bcast_core *c)
{
    return c->last_seq;
}

/* Whether the reader at cursor (< head) is too far behind to be served from the ring. */
static int too_far_behind(const bcast_core *c, uint64_t cursor)
{
    const frame *f = &c->ring[cursor % BCAST_RING];
    return c->head - cursor > BCAST_MAX_BEHIND || c->total_bytes - f->start_bytes > BCAST_MAX_BYTES;
}

int bcast_core_next(bcast_core *c, uint64_t *cursor, uint8_t **out, size_t *len)
{
    if (*cursor >= c->head)
        return 0;
    if (too_far_behind(c, *cursor)) {
        *cursor = c->head;
        c->caught_up++;
        return -1;
    }
    const frame *f = &c->ring[*cursor % BCAST_RING];
    *out = f->buf + c->headroom;
    *len = f->len;
    if (++*cursor == c->head)
        c->caught_up++;
    return 1;
}

int bcast_core_skip_if_behind(bcast_core *c, uint64_t *cursor)
{
    if (*cursor >= c->head || !too_far_behind(c, *cursor))
        return 0;
    *cursor = c->head;
    c->caught_up++;
    return 1;
}

int bcast_core_caught_up(const bcast_core *c, size_t max_pending)
{
    if (!c->audience)
        return 1;
    return c->npending <= max_pending &&
           (double)c->caught_up >= BCAST_QUORUM * (double)c->expected;
}

size_t bcast_core_pending(const bcast_core *c)
{
    return c->npending;
}

size_t bcast_core_pending_cap(const bcast_core *c)
{
    return c->cap;
}

int bcast_core_lagging(int64_t *last_resync, int64_t now_ms, int64_t window_ms)
{
    if (*last_resync && now_ms - *last_resync < window_ms)
        return 1;
    *last_resync = now_ms;
    return 0;
}

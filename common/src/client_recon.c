/* Reconciliation of snapshot, deltas and optimistic placements (docs/protocol.md, last section).
 *
 * The state is a base (the last snapshot, sequence S), an overlay of deltas newer than S (a hash
 * map from pixel index to colour and seq, so it costs memory only for pixels changed since the
 * snapshot, not 8 bytes for every pixel of the canvas), and the few placements still waiting for
 * an answer. `shown` caches what the player sees, so the front-end reads one byte per pixel. */
#include "client_recon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/bitmap.h"
#include "place/palette.h"

typedef struct overlay_slot {
    uint32_t key; /* pixel index + 1; 0 marks an empty slot */
    uint8_t color;
    uint64_t seq;
} overlay_slot;

typedef struct pending {
    int64_t rid;
    int x, y, color;
    int64_t deadline;
    int64_t prev_next_placement; /* restored when this placement is rolled back */
} pending;

struct recon {
    uint32_t w, h;
    uint8_t *base;  /* w*h colours of the snapshot */
    uint8_t *shown; /* w*h colours the player sees */
    uint64_t base_seq;
    uint64_t last_seq; /* L: last seq covered by the batches applied */
    int have_last;
    uint64_t need_seq; /* a snapshot must reach this to close a gap; 0: no gap */
    uint64_t version;

    overlay_slot *ovl;
    size_t ovl_cap, ovl_count; /* cap is 0 or a power of two */

    pending pend[RECON_MAX_PENDING];
    int npend;
    pending late[RECON_MAX_PENDING]; /* timed out: a late "placed" still lands them */
    int nlate;
    int64_t next_rid;
    int64_t next_placement;
    int cooldown_sec;

    place_client_event *evq;
    size_t ev_head, ev_len, ev_cap; /* ring buffer */
    int dirty;
    uint32_t dx0, dy0, dx1, dy1; /* dirty rectangle, inclusive */
};

recon *recon_new(void)
{
    recon *r = calloc(1, sizeof *r);
    return r;
}

void recon_free(recon *r)
{
    if (!r)
        return;
    free(r->base);
    free(r->shown);
    free(r->ovl);
    free(r->evq);
    free(r);
}

/* ---- the overlay: open addressing, linear probing ---- */

static size_t ovl_hash(uint32_t key, size_t cap)
{
    return (size_t)((key * 2654435761u) & (uint32_t)(cap - 1));
}

static overlay_slot *ovl_find(const recon *r, uint32_t idx)
{
    if (!r->ovl_cap)
        return NULL;
    uint32_t key = idx + 1;
    for (size_t i = ovl_hash(key, r->ovl_cap);; i = (i + 1) & (r->ovl_cap - 1)) {
        if (r->ovl[i].key == key)
            return &r->ovl[i];
        if (r->ovl[i].key == 0)
            return NULL;
    }
}

static void ovl_insert_raw(overlay_slot *tab, size_t cap, const overlay_slot *s)
{
    size_t i = ovl_hash(s->key, cap);
    while (tab[i].key)
        i = (i + 1) & (cap - 1);
    tab[i] = *s;
}

/* Rebuilds the table with room for `need` entries, keeping only those with seq > min_seq and
 * inside w x h. */
static int ovl_rebuild(recon *r, size_t need, uint64_t min_seq)
{
    size_t cap = 64;
    while (cap < need * 2)
        cap *= 2;
    overlay_slot *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return PLACE_ENOMEM;
    size_t count = 0;
    for (size_t i = 0; i < r->ovl_cap; i++) {
        overlay_slot *s = &r->ovl[i];
        if (!s->key || s->seq <= min_seq || (size_t)(s->key - 1) >= (size_t)r->w * r->h)
            continue;
        ovl_insert_raw(tab, cap, s);
        count++;
    }
    free(r->ovl);
    r->ovl = tab;
    r->ovl_cap = cap;
    r->ovl_count = count;
    return 0;
}

static int ovl_put(recon *r, uint32_t idx, uint8_t color, uint64_t seq)
{
    overlay_slot *s = ovl_find(r, idx);
    if (s) {
        s->color = color;
        s->seq = seq;
        return 0;
    }
    if ((r->ovl_count + 1) * 2 > r->ovl_cap) {
        int rc = ovl_rebuild(r, r->ovl_count + 1, 0);
        if (rc < 0)
            return rc;
    }
    overlay_slot ns = {idx + 1, color, seq};
    ovl_insert_raw(r->ovl, r->ovl_cap, &ns);
    r->ovl_count++;
    return 0;
}

/* ---- what a pixel shows ---- */

static void mark_dirty(recon *r, uint32_t x, uint32_t y)
{
    if (!r->dirty) {
        r->dirty = 1;
        r->dx0 = r->dx1 = x;
        r->dy0 = r->dy1 = y;
        return;
    }
    if (x < r->dx0) r->dx0 = x;
    if (x > r->dx1) r->dx1 = x;
    if (y < r->dy0) r->dy0 = y;
    if (y > r->dy1) r->dy1 = y;
}

static uint8_t underlying(const recon *r, uint32_t idx, uint64_t *seq)
{
    const overlay_slot *s = ovl_find(r, idx);
    if (s) {
        if (seq)
            *seq = s->seq;
        return s->color;
    }
    if (seq)
        *seq = r->base_seq;
    return r->base[idx];
}

/* Recomputes shown[] at (x, y): the newest pending placement there, else the underlying colour. */
static void refresh_pixel(recon *r, uint32_t x, uint32_t y)
{
    uint32_t idx = y * r->w + x;
    uint8_t c = 0;
    int found = 0;
    for (int i = r->npend - 1; i >= 0; i--)
        if (r->pend[i].x == (int)x && r->pend[i].y == (int)y) {
            c = (uint8_t)r->pend[i].color;
            found = 1;
            break;
        }
    if (!found)
        c = underlying(r, idx, NULL);
    if (r->shown[idx] != c) {
        r->shown[idx] = c;
        r->version++;
        mark_dirty(r, x, y);
    }
}

/* Rule 2: a delta lands only if it is newer than what the pixel has. */
static void apply_delta(recon *r, uint32_t x, uint32_t y, uint8_t color, uint64_t seq)
{
    if (x >= r->w || y >= r->h || color >= PLACE_COLORS)
        return;
    uint32_t idx = y * r->w + x;
    uint64_t have;
    underlying(r, idx, &have);
    if (seq <= have)
        return;
    if (ovl_put(r, idx, color, seq) < 0)
        return; /* out of memory: the next snapshot brings the pixel */
    refresh_pixel(r, x, y);
}

/* ---- events ---- */

void recon_push_event(recon *r, const place_client_event *ev)
{
    if (r->ev_len == r->ev_cap) {
        size_t cap = r->ev_cap ? r->ev_cap * 2 : 16;
        place_client_event *q = malloc(cap * sizeof *q);
        if (!q)
            return; /* an event lost to out-of-memory; the canvas itself stays right */
        for (size_t i = 0; i < r->ev_len; i++)
            q[i] = r->evq[(r->ev_head + i) % r->ev_cap];
        free(r->evq);
        r->evq = q;
        r->ev_cap = cap;
        r->ev_head = 0;
    }
    r->evq[(r->ev_head + r->ev_len) % r->ev_cap] = *ev;
    r->ev_len++;
}

int recon_pop_event(recon *r, place_client_event *ev)
{
    if (r->dirty) {
        memset(ev, 0, sizeof *ev);
        ev->type = PLACE_CEV_PIXELS;
        ev->x = (int)r->dx0;
        ev->y = (int)r->dy0;
        ev->w = (int)(r->dx1 - r->dx0 + 1);
        ev->h = (int)(r->dy1 - r->dy0 + 1);
        r->dirty = 0;
        return 1;
    }
    if (!r->ev_len)
        return 0;
    *ev = r->evq[r->ev_head];
    r->ev_head = (r->ev_head + 1) % r->ev_cap;
    r->ev_len--;
    return 1;
}

/* An event of this type about the one pixel (x, y), which now shows color; the rest zero. */
static void pixel_event(place_client_event *ev, place_client_event_type type, int x, int y,
                        int color)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->x = x;
    ev->y = y;
    ev->w = ev->h = 1;
    ev->color = color;
}

/* A refusal's code and its words: the server's message, or the code's own when it sent none. */
static void error_text(place_client_event *ev, place_err code, const char *message)
{
    ev->code = code;
    snprintf(ev->text, sizeof ev->text, "%s",
             message && *message ? message : place_err_message(code));
}

static void push_simple(recon *r, place_client_event_type type, int x, int y, int color)
{
    place_client_event ev;
    pixel_event(&ev, type, x, y, color);
    recon_push_event(r, &ev);
}

/* ---- the canvas ---- */

int recon_set_size(recon *r, uint32_t w, uint32_t h)
{
    if (w == r->w && h == r->h)
        return 0;
    if (w == 0 || h == 0 || w > PLACE_MAX_SIDE || h > PLACE_MAX_SIDE)
        return PLACE_ERANGE;
    size_t n = (size_t)w * h;
    uint8_t *base = calloc(n, 1), *shown = calloc(n, 1);
    if (!base || !shown) {
        free(base);
        free(shown);
        return PLACE_ENOMEM;
    }
    for (uint32_t y = 0; y < h && y < r->h; y++)
        for (uint32_t x = 0; x < w && x < r->w; x++)
            base[(size_t)y * w + x] = r->base[(size_t)y * r->w + x];
    /* Re-key the overlay for the new width, dropping what no longer fits. */
    overlay_slot *old = r->ovl;
    size_t old_cap = r->ovl_cap;
    uint32_t old_w = r->w;
    r->ovl = NULL;
    r->ovl_cap = r->ovl_count = 0;
    free(r->base);
    free(r->shown);
    r->base = base;
    r->shown = shown;
    r->w = w;
    r->h = h;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key)
            continue;
        uint32_t x = (old[i].key - 1) % old_w, y = (old[i].key - 1) / old_w;
        if (x < w && y < h)
            ovl_put(r, y * w + x, old[i].color, old[i].seq);
    }
    free(old);
    int keep = 0;
    for (int i = 0; i < r->npend; i++)
        if ((uint32_t)r->pend[i].x < w && (uint32_t)r->pend[i].y < h)
            r->pend[keep++] = r->pend[i];
    r->npend = keep;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            refresh_pixel(r, x, y);
    r->dirty = 0; /* CANVAS_SIZE already means "redraw everything" */
    r->version++;
    push_simple(r, PLACE_CEV_CANVAS_SIZE, 0, 0, 0);
    return 0;
}

/* Rebuilds shown[] after the base changed: base rows first (memcmp finds what changed, which is
 * most of the cost saved on a 4-megapixel canvas), then the overlay and the pending placements
 * on top. Pixels under overlay or pending entries may be marked dirty without having changed. */
static void recompose(recon *r)
{
    for (uint32_t y = 0; y < r->h; y++) {
        uint8_t *row = r->shown + (size_t)y * r->w;
        const uint8_t *brow = r->base + (size_t)y * r->w;
        if (memcmp(row, brow, r->w) == 0)
            continue;
        uint32_t x0 = 0, x1 = r->w - 1;
        while (row[x0] == brow[x0])
            x0++;
        while (row[x1] == brow[x1])
            x1--;
        mark_dirty(r, x0, y);
        mark_dirty(r, x1, y);
        memcpy(row, brow, r->w);
        r->version++;
    }
    for (size_t i = 0; i < r->ovl_cap; i++) {
        const overlay_slot *o = &r->ovl[i];
        if (!o->key || r->shown[o->key - 1] == o->color)
            continue;
        r->shown[o->key - 1] = o->color;
        mark_dirty(r, (o->key - 1) % r->w, (o->key - 1) / r->w);
        r->version++;
    }
    for (int i = 0; i < r->npend; i++)
        refresh_pixel(r, (uint32_t)r->pend[i].x, (uint32_t)r->pend[i].y);
}

int recon_connected(recon *r, uint64_t init_seq)
{
    if (init_seq < r->base_seq || (r->have_last && init_seq < r->last_seq)) {
        /* The server's numbering went backwards (a new canvas, a restored backup): what we
         * hold is numbered in another history. Keep the picture until the snapshot replaces
         * it, but let that snapshot and every new delta in. */
        r->base_seq = 0;
        r->need_seq = 0;
        ovl_rebuild(r, 0, UINT64_MAX);
    }
    r->last_seq = init_seq;
    r->have_last = 1;
    if (init_seq > r->base_seq && init_seq > r->need_seq)
        r->need_seq = init_seq;
    return RECON_WANT_SNAPSHOT;
}

int recon_resync(recon *r, uint64_t seq)
{
    if (seq > r->base_seq && seq > r->need_seq)
        r->need_seq = seq;
    if (seq > r->last_seq)
        r->last_seq = seq;
    return RECON_WANT_SNAPSHOT;
}

int recon_snapshot(recon *r, uint32_t w, uint32_t h, uint64_t seq, uint8_t *pixels)
{
    if (seq < r->base_seq) {
        /* Older than what we have (a lagging cache): replacing would revert base pixels. */
        free(pixels);
        return r->need_seq > r->base_seq ? RECON_WANT_SNAPSHOT_LATER : 0;
    }
    int rc = recon_set_size(r, w, h);
    if (rc < 0) {
        free(pixels);
        return rc;
    }
    free(r->base);
    r->base = pixels;
    r->base_seq = seq;
    rc = ovl_rebuild(r, r->ovl_count, seq);
    if (rc < 0)
        return rc;
    recompose(r);
    if (r->need_seq > seq)
        return RECON_WANT_SNAPSHOT_LATER;
    r->need_seq = 0;
    return 0;
}

int recon_batch(recon *r, const uint8_t *frame, size_t len)
{
    place_batch_header h;
    int rc = place_batch_parse(frame, len, &h); /* the whole frame, before any pixel is applied */
    if (rc < 0)
        return rc;
    int want = 0;
    if (r->have_last && h.prev_seq > r->last_seq) {
        /* Sequence numbers (L, prevSeq] never reached us: only a snapshot can bring them. */
        if (h.prev_seq > r->need_seq && h.prev_seq > r->base_seq)
            r->need_seq = h.prev_seq;
        want = RECON_WANT_SNAPSHOT;
    }
    place_batch_iter it;
    place_batch_iter_init(&it, frame, &h);
    place_pixel p;
    while (place_batch_next(&it, &p) > 0)
        apply_delta(r, p.x, p.y, p.color, p.seq);
    if (!r->have_last || h.last_seq > r->last_seq)
        r->last_seq = h.last_seq;
    r->have_last = 1;
    return want;
}

/* ---- optimistic placement ---- */

void recon_set_cooldown(recon *r, int cooldown_sec)
{
    r->cooldown_sec = cooldown_sec;
}

void recon_set_next_placement(recon *r, int64_t next_placement)
{
    r->next_placement = next_placement;
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_COOLDOWN;
    ev.next_placement = next_placement;
    recon_push_event(r, &ev);
}

int recon_place(recon *r, int x, int y, int color, int64_t now, int64_t *rid, char *why,
                size_t whylen)
{
    if (!r->w) {
        snprintf(why, whylen, "The canvas has not loaded yet.");
        return PLACE_ERANGE;
    }
    if (x < 0 || y < 0 || (uint32_t)x >= r->w || (uint32_t)y >= r->h) {
        snprintf(why, whylen, "%s", place_err_message(PLACE_ERR_OUT_OF_BOUNDS));
        return PLACE_ERANGE;
    }
    if (color < 0 || color >= PLACE_COLORS) {
        snprintf(why, whylen, "%s", place_err_message(PLACE_ERR_BAD_COLOR));
        return PLACE_ERANGE;
    }
    if (r->next_placement > now) {
        char wait[24];
        place_client_format_wait(r->next_placement - now, wait, sizeof wait);
        snprintf(why, whylen, "Wait %s before placing again.", wait);
        return PLACE_ERANGE;
    }
    if (r->npend == RECON_MAX_PENDING) {
        snprintf(why, whylen, "Too many pixels are waiting for the server; wait a moment.");
        return PLACE_ERANGE;
    }
    pending *p = &r->pend[r->npend++];
    p->rid = ++r->next_rid;
    p->x = x;
    p->y = y;
    p->color = color;
    p->deadline = now + PLACE_CLIENT_PLACE_TIMEOUT_MS;
    p->prev_next_placement = r->next_placement;
    refresh_pixel(r, (uint32_t)x, (uint32_t)y);
    if (r->cooldown_sec > 0)
        recon_set_next_placement(r, now + (int64_t)r->cooldown_sec * 1000);
    *rid = p->rid;
    return 0;
}

static int find_pending(const recon *r, int64_t rid)
{
    for (int i = 0; i < r->npend; i++)
        if (r->pend[i].rid == rid)
            return i;
    return -1;
}

static pending take_pending(recon *r, int i)
{
    pending p = r->pend[i];
    memmove(&r->pend[i], &r->pend[i + 1], (size_t)(r->npend - i - 1) * sizeof r->pend[0]);
    r->npend--;
    return p;
}

int recon_placed(recon *r, int64_t rid, uint64_t seq, int64_t next_placement)
{
    int i = find_pending(r, rid);
    int rc = -1;
    int late = -1;
    for (int k = 0; i < 0 && k < r->nlate; k++)
        if (r->late[k].rid == rid)
            late = k;
    if (i >= 0 || late >= 0) {
        pending p;
        if (i >= 0) {
            p = take_pending(r, i);
        } else {
            p = r->late[late];
            r->late[late] = r->late[--r->nlate];
        }
        apply_delta(r, (uint32_t)p.x, (uint32_t)p.y, (uint8_t)p.color, seq);
        refresh_pixel(r, (uint32_t)p.x, (uint32_t)p.y);
        place_client_event ev;
        pixel_event(&ev, PLACE_CEV_PLACED, p.x, p.y, p.color);
        ev.seq = seq;
        recon_push_event(r, &ev);
        rc = 0;
    }
    recon_set_next_placement(r, next_placement);
    return rc;
}

static void rollback(recon *r, int i, place_err code, const char *message)
{
    pending p = take_pending(r, i);
    refresh_pixel(r, (uint32_t)p.x, (uint32_t)p.y);
    place_client_event ev;
    pixel_event(&ev, PLACE_CEV_ROLLBACK, p.x, p.y, r->shown[(size_t)p.y * r->w + (size_t)p.x]);
    error_text(&ev, code, message);
    recon_push_event(r, &ev);
    /* The local cooldown this placement started does not apply: it never happened. */
    if (r->next_placement != p.prev_next_placement)
        recon_set_next_placement(r, p.prev_next_placement);
}

int recon_error(recon *r, int has_rid, int64_t rid, place_err code, const char *message,
                int64_t retry_after_ms, int64_t now)
{
    int i = has_rid ? find_pending(r, rid) : -1;
    if (i >= 0) {
        rollback(r, i, code, message);
    } else {
        place_client_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = PLACE_CEV_ERROR;
        error_text(&ev, code, message);
        recon_push_event(r, &ev);
    }
    if (retry_after_ms >= 0 && (code == PLACE_ERR_COOLDOWN || code == PLACE_ERR_RATE_LIMITED))
        recon_set_next_placement(r, now + retry_after_ms);
    return 0;
}

void recon_tick(recon *r, int64_t now)
{
    for (int i = 0; i < r->npend;)
        if (r->pend[i].deadline <= now) {
            /* Remembered: the server may still have stored it and answer late. */
            if (r->nlate == RECON_MAX_PENDING)
                memmove(&r->late[0], &r->late[1], (RECON_MAX_PENDING - 1) * sizeof r->late[0]);
            else
                r->nlate++;
            r->late[r->nlate - 1] = r->pend[i];
            rollback(r, i, PLACE_ERR_TIMEOUT, NULL);
        } else {
            i++;
        }
}

int64_t recon_next_deadline(const recon *r)
{
    int64_t d = -1;
    for (int i = 0; i < r->npend; i++)
        if (d < 0 || r->pend[i].deadline < d)
            d = r->pend[i].deadline;
    return d;
}

/* ---- read access ---- */

void recon_view(const recon *r, place_client_canvas *out)
{
    out->width = r->w;
    out->height = r->h;
    out->pixels = r->shown;
    out->version = r->version;
}

int recon_pending(const recon *r)
{
    return r->npend;
}

int64_t recon_get_next_placement(const recon *r)
{
    return r->next_placement;
}

int recon_cooldown_sec(const recon *r)
{
    return r->cooldown_sec;
}

int recon_gap_open(const recon *r)
{
    return r->need_seq > r->base_seq;
}

uint64_t recon_seq(const recon *r)
{
    return r->last_seq > r->base_seq ? r->last_seq : r->base_seq;
}

int recon_underlying(const recon *r, int x, int y, uint64_t *seq)
{
    if (x < 0 || y < 0 || (uint32_t)x >= r->w || (uint32_t)y >= r->h)
        return -1;
    return underlying(r, (uint32_t)y * r->w + (uint32_t)x, seq);
}

/* ---- backoff ---- */

int64_t recon_backoff_next(recon_backoff *b, int64_t up_ms, int jitter_ms)
{
    if (up_ms >= RECON_STABLE_MS)
        b->attempt = 0;
    static const int64_t steps[] = {1000, 2000, 4000, 8000, 16000, 30000};
    int n = (int)(sizeof steps / sizeof steps[0]);
    int64_t d = steps[b->attempt < n ? b->attempt : n - 1];
    if (b->attempt < 1000)
        b->attempt++;
    if (jitter_ms < 0)
        jitter_ms = 0;
    if (jitter_ms > 1000)
        jitter_ms = 1000;
    return d + jitter_ms;
}

int64_t recon_refresh_delay(int jitter_ms)
{
    if (jitter_ms < 0)
        jitter_ms = 0;
    if (jitter_ms > 30000)
        jitter_ms = 30000;
    return 30000 + jitter_ms;
}

/* Here rather than in client.c: the local cooldown refusal above says the wait as the timers do. */
void place_client_format_wait(int64_t ms, char *buf, size_t cap)
{
    int64_t s = (ms + 999) / 1000;
    if (s >= 60)
        snprintf(buf, cap, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, cap, "%lld s", (long long)s);
}

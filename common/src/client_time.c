/* The client engine's time machine (client_time.h). */
#include "client_time.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "place/proto.h"

#define MAX_FAILURES 3

void timeline_init(timeline *t)
{
    memset(t, 0, sizeof *t);
    t->speed = 1;
}

void timeline_free(timeline *t)
{
    free(t->px);
    timeline_init(t);
}

uint64_t timeline_min(const timeline *t)
{
    return t->first_seq > 0 ? t->first_seq - 1 : 0;
}

uint64_t timeline_step_size(const timeline *t)
{
    uint64_t lo = timeline_min(t);
    uint64_t span = t->newest > lo ? t->newest - lo : 0;
    uint64_t step = (span + TIMELINE_STEPS - 1) / TIMELINE_STEPS;
    return step ? step : 1;
}

static uint64_t clamp(const timeline *t, uint64_t seq)
{
    uint64_t lo = timeline_min(t);
    if (seq < lo)
        seq = lo;
    if (seq > t->newest)
        seq = t->newest;
    return seq;
}

void timeline_enter(timeline *t, uint64_t newest)
{
    t->active = 1;
    t->playing = 0;
    t->failures = 0;
    t->have = 0; /* a moment left behind earlier is not shown again: the front-end shows the
                    live canvas until the newest moment has arrived */
    if (newest > t->newest)
        t->newest = newest;
    t->target = t->newest;
}

void timeline_leave(timeline *t)
{
    t->active = 0;
    t->playing = 0;
}

void timeline_set_newest(timeline *t, uint64_t newest)
{
    if (newest > t->newest)
        t->newest = newest;
}

uint64_t timeline_step(timeline *t, int n)
{
    uint64_t step = timeline_step_size(t);
    uint64_t target = t->target;
    if (n < 0) {
        uint64_t back = step * (uint64_t)(-(int64_t)n);
        target = target > back ? target - back : 0;
        t->playing = 0;
    } else {
        target += step * (uint64_t)n;
    }
    t->target = clamp(t, target);
    t->failures = 0;
    return t->target;
}

uint64_t timeline_seek(timeline *t, uint64_t seq)
{
    t->target = clamp(t, seq);
    t->failures = 0;
    return t->target;
}

void timeline_play(timeline *t, int on, int64_t now)
{
    t->playing = on && t->active;
    if (!t->playing)
        return;
    if (t->target >= t->newest)
        t->target = timeline_min(t); /* at the end: play from the start */
    t->failures = 0;
    t->next_tick = now + TIMELINE_TICK_MS;
}

int timeline_speed(timeline *t, int faster)
{
    if (faster)
        t->speed = t->speed >= TIMELINE_SPEED_MAX ? TIMELINE_SPEED_MAX : t->speed * 2;
    else
        t->speed = t->speed <= 1 ? 1 : t->speed / 2;
    return t->speed;
}

int timeline_loading(const timeline *t)
{
    return t->active && (!t->have || t->seq != t->target || t->busy) && t->failures < MAX_FAILURES;
}

int timeline_tick(timeline *t, int64_t now)
{
    if (!t->active || !t->playing || now < t->next_tick)
        return 0;
    if (t->busy || !t->have || t->seq != t->target)
        return 0; /* the previous step is still on its way: play waits for it */
    if (t->target >= t->newest) {
        t->playing = 0;
        return 1;
    }
    t->target = clamp(t, t->target + timeline_step_size(t) * (uint64_t)t->speed);
    t->next_tick = now + TIMELINE_TICK_MS;
    return 0;
}

int timeline_timeout_ms(const timeline *t, int64_t now)
{
    if (!t->active || !t->playing)
        return -1;
    return t->next_tick > now ? (int)(t->next_tick - now) : 0;
}

timeline_req timeline_next(timeline *t)
{
    timeline_req r = {TL_REQ_NONE, 0, 0, 0};
    if (!t->active || t->busy || t->failures >= MAX_FAILURES)
        return r;
    if (!t->have_info) {
        r.kind = TL_REQ_INFO;
    } else if (!t->have || t->target < t->seq || t->target - t->seq > TIMELINE_FORWARD_MAX) {
        r.kind = TL_REQ_SNAPSHOT;
        r.seq = t->target;
    } else if (t->target > t->seq) {
        r.kind = TL_REQ_HISTORY;
        r.from = t->seq;
        uint64_t want = t->target - t->seq;
        r.limit = want > TIMELINE_HISTORY_LIMIT ? TIMELINE_HISTORY_LIMIT : (uint32_t)want;
    } else if (t->time_ms == 0 && t->seq > 0 && t->seq >= t->first_seq) {
        r.kind = TL_REQ_HISTORY; /* the one placement at seq, for its time */
        r.from = t->seq - 1;
        r.limit = 1;
    } else {
        return r;
    }
    t->busy = 1;
    t->out = r;
    return r;
}

void timeline_on_failed(timeline *t, uint64_t newest)
{
    t->busy = 0;
    if (t->out.kind == TL_REQ_SNAPSHOT && newest > 0 && newest < t->out.seq) {
        t->newest = newest;
        t->target = clamp(t, t->target);
        return;
    }
    t->failures++;
}

void timeline_on_busy(timeline *t)
{
    t->busy = 0;
}

static int64_t json_num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (int64_t)v->valuedouble : 0;
}

int timeline_on_info(timeline *t, const char *body, size_t len)
{
    t->busy = 0;
    cJSON *o = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        t->failures++;
        return PLACE_EFORMAT;
    }
    /* a server without history (firstSeq absent) starts at the blank canvas */
    t->first_seq = (uint64_t)json_num(o, "firstSeq");
    t->first_time = json_num(o, "firstTime");
    uint64_t seq = (uint64_t)json_num(o, "seq");
    cJSON_Delete(o);
    timeline_set_newest(t, seq);
    t->have_info = 1;
    t->failures = 0;
    t->target = clamp(t, t->target);
    return 0;
}

int timeline_on_snapshot(timeline *t, uint32_t w, uint32_t h, uint64_t seq, uint8_t *pixels)
{
    t->busy = 0;
    if (!pixels || !w || !h) {
        free(pixels);
        t->failures++;
        return PLACE_EFORMAT;
    }
    free(t->px);
    t->px = pixels;
    t->w = w;
    t->h = h;
    t->have = 1;
    t->failures = 0;
    timeline_set_newest(t, seq);
    /* the server answers the seq asked for; one that is not (a history the server cut short)
     * becomes where the player is */
    if (seq != t->out.seq)
        t->target = clamp(t, seq);
    t->seq = seq;
    /* before the first placement there is no time to show; else it is asked for next */
    t->time_ms = seq == 0 || seq < t->first_seq ? -1 : 0;
    t->version++;
    return 1;
}

int timeline_on_history(timeline *t, const uint8_t *frame, size_t len, uint64_t newest)
{
    t->busy = 0;
    place_batch_header h;
    if (place_batch_parse(frame, len, &h) < 0 || !t->have) {
        t->failures++;
        return PLACE_EFORMAT;
    }
    t->failures = 0;
    timeline_set_newest(t, newest > h.last_seq ? newest : h.last_seq);
    if (h.prev_seq > t->seq) {
        t->have = 0; /* a gap between what we show and the stream: start from a snapshot */
        return 0;
    }
    if (h.last_seq <= t->seq) {
        if (t->out.limit == 1 && h.last_seq == t->seq && h.pixels)
            t->time_ms = h.time_ms; /* the time of the placement we show */
        else if (t->out.from == t->seq && t->target > t->seq)
            t->target = t->seq; /* nothing newer there: this is as far as history goes */
        if (t->time_ms == 0 && t->out.limit == 1)
            t->time_ms = -1; /* asked, not known: do not ask again */
        return 0;
    }
    place_batch_iter it;
    place_batch_iter_init(&it, frame, &h);
    place_pixel p;
    uint64_t upto = t->target > t->seq ? t->target : t->seq;
    int changed = 0, cut = 0;
    while (place_batch_next(&it, &p) == 1) {
        if (p.seq <= t->seq)
            continue;
        if (p.seq > upto) {
            cut = 1;
            break;
        }
        if (p.x < t->w && p.y < t->h) {
            t->px[(size_t)p.y * t->w + p.x] = (uint8_t)(p.color & 15);
            changed = 1;
        }
    }
    uint64_t reached = h.last_seq < upto ? h.last_seq : upto;
    t->seq = reached;
    t->time_ms = !cut && reached == h.last_seq ? h.time_ms : 0;
    if (changed)
        t->version++;
    return changed;
}

/* ---- the heatmap ---- */

#define HEAT_HEADER 56
#define HEAT_SIDE_MAX 65536u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int heatmap_decode(const uint8_t *buf, size_t len, heatmap *out)
{
    memset(out, 0, sizeof *out);
    if (len < HEAT_HEADER)
        return PLACE_ESHORT;
    if (memcmp(buf, "PLCH", 4) != 0 || buf[4] != 1 || buf[5] != 2)
        return PLACE_EFORMAT;
    uint32_t block = (uint32_t)buf[6] | (uint32_t)buf[7] << 8;
    uint32_t w = le32(buf + 8), h = le32(buf + 12), cols = le32(buf + 16), rows = le32(buf + 20);
    if (block == 0 || block > 256 || (block & (block - 1)) || !w || !h || w > HEAT_SIDE_MAX ||
        h > HEAT_SIDE_MAX || cols != (w + block - 1) / block || rows != (h + block - 1) / block)
        return PLACE_EFORMAT;
    size_t n = (size_t)cols * rows;
    if (len != HEAT_HEADER + 2 * n)
        return PLACE_ESHORT;
    out->cells = malloc(n * sizeof *out->cells);
    if (!out->cells)
        return PLACE_ENOMEM;
    uint32_t max = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = buf + HEAT_HEADER + 2 * i;
        out->cells[i] = (uint16_t)(p[0] | p[1] << 8);
        if (out->cells[i] > max)
            max = out->cells[i];
    }
    uint64_t since = (uint64_t)le32(buf + 24) | (uint64_t)le32(buf + 28) << 32;
    out->width = w;
    out->height = h;
    out->block = block;
    out->cols = cols;
    out->rows = rows;
    out->max = max; /* counted here rather than trusting maxCount */
    out->since_ms = (int64_t)since;
    return 0;
}

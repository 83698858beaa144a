/* Admin pixel acts' plans (see plan.h). */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#define NONE 0xff /* REVERT: not the user's now; RESTORE: nothing placed by at_ms (white) */

struct plan {
    backend_plan_req q;
    uint32_t x0, y0, w, h; /* the area kept: the canvas (REVERT) or the rectangle */
    uint8_t *cur;          /* each pixel's colour now (white: 0) */
    uint8_t *want;         /* REVERT: the colour before the user's run, or NONE; RESTORE: at */
};

plan *plan_new(const backend_plan_req *q, uint32_t w, uint32_t h)
{
    plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->q = *q;
    if (q->kind == BACKEND_PLAN_RESTORE) {
        p->x0 = q->x;
        p->y0 = q->y;
        p->w = q->w;
        p->h = q->h;
    } else {
        p->w = w;
        p->h = h;
    }
    size_t cells = (size_t)p->w * p->h;
    p->cur = calloc(cells ? cells : 1, 1);
    p->want = malloc(cells ? cells : 1);
    if (!p->cur || !p->want) {
        plan_free(p);
        return NULL;
    }
    memset(p->want, q->kind == BACKEND_PLAN_RESTORE ? 0 : NONE, cells);
    return p;
}

void plan_row(plan *p, uint32_t x, uint32_t y, int color, int marked)
{
    if (x < p->x0 || y < p->y0 || x - p->x0 >= p->w || y - p->y0 >= p->h)
        return;
    size_t i = (size_t)(y - p->y0) * p->w + (x - p->x0);
    color &= 0x0f;
    if (p->q.kind == BACKEND_PLAN_RESTORE) {
        if (marked)
            p->want[i] = (uint8_t)color;
    } else if (marked) {
        if (p->want[i] == NONE)
            p->want[i] = p->cur[i]; /* the colour before the user's run of placements */
    } else {
        p->want[i] = NONE; /* someone else's now: theirs stays */
    }
    p->cur[i] = (uint8_t)color;
}

int plan_finish(plan *p, backend_plan_px **out, size_t *n)
{
    size_t cells = (size_t)p->w * p->h, k = 0;
    for (size_t i = 0; i < cells; i++)
        k += p->want[i] != NONE;
    *n = 0;
    *out = malloc((k ? k : 1) * sizeof **out);
    if (!*out) {
        plan_free(p);
        return -1;
    }
    for (uint32_t x = 0; x < p->w; x++)
        for (uint32_t y = 0; y < p->h; y++) {
            size_t i = (size_t)y * p->w + x;
            if (p->want[i] != NONE)
                (*out)[(*n)++] = (backend_plan_px){(uint16_t)(p->x0 + x), (uint16_t)(p->y0 + y),
                                                   p->want[i], p->cur[i]};
        }
    plan_free(p);
    return 0;
}

void plan_free(plan *p)
{
    if (!p)
        return;
    free(p->cur);
    free(p->want);
    free(p);
}

/* Templates (place/template.h): palette mapping, the match count and the nearest wrong pixel. */
#include "place/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/palette.h"

int place_template_from_rgba(place_template *t, const uint8_t *rgba, uint32_t w, uint32_t h,
                             char *err, size_t errlen)
{
    place_template_free(t);
    if (w == 0 || h == 0) {
        snprintf(err, errlen, "the template is empty (%ux%u)", w, h);
        return -1;
    }
    if ((uint64_t)w * h > PLACE_TEMPLATE_MAX_PIXELS) {
        snprintf(err, errlen, "the template is %ux%u: more than the %u megapixels allowed", w, h,
                 PLACE_TEMPLATE_MAX_PIXELS >> 20);
        return -1;
    }
    size_t n = (size_t)w * h;
    uint8_t *px = malloc(n), *ok = calloc(n, 1);
    if (!px || !ok) {
        free(px);
        free(ok);
        snprintf(err, errlen, "out of memory for a %ux%u template", w, h);
        return -1;
    }
    uint32_t cared = 0;
    /* Pictures repeat colours: remember the last one looked up. */
    uint32_t last = 0;
    int last_idx = -1;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = rgba + 4 * i;
        if (p[3] < PLACE_TEMPLATE_ALPHA_MIN) {
            px[i] = PLACE_TEMPLATE_NONE;
            continue;
        }
        uint32_t rgb = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        if (last_idx < 0 || rgb != last) {
            last = rgb;
            last_idx = place_palette_nearest(p[0], p[1], p[2]);
        }
        px[i] = (uint8_t)last_idx;
        cared++;
    }
    if (!cared) {
        free(px);
        free(ok);
        snprintf(err, errlen, "the template has no opaque pixel: nothing to paint");
        return -1;
    }
    t->w = w;
    t->h = h;
    t->px = px;
    t->ok = ok;
    t->cared = cared;
    t->match = 0;
    return 0;
}

void place_template_free(place_template *t)
{
    free(t->px);
    free(t->ok);
    t->px = t->ok = NULL;
    t->w = t->h = 0;
    t->cared = t->match = 0;
}

int place_template_color_at(const place_template *t, int x, int y)
{
    if (!t->px)
        return -1;
    long dx = (long)x - t->x, dy = (long)y - t->y;
    if (dx < 0 || dy < 0 || dx >= (long)t->w || dy >= (long)t->h)
        return -1;
    uint8_t c = t->px[(size_t)dy * t->w + (size_t)dx];
    return c == PLACE_TEMPLATE_NONE ? -1 : c;
}

int place_template_check(const place_template *t, uint32_t cw, uint32_t ch, char *err,
                         size_t errlen)
{
    if (t->w > cw || t->h > ch) {
        snprintf(err, errlen, "the template (%ux%u) is larger than the canvas (%ux%u)", t->w,
                 t->h, cw, ch);
        return -1;
    }
    if (t->x < 0 || t->y < 0 || (uint64_t)t->x + t->w > cw || (uint64_t)t->y + t->h > ch) {
        snprintf(err, errlen,
                 "the template (%ux%u) at %d,%d reaches past the canvas (%ux%u): place it at "
                 "0,0 to %u,%u",
                 t->w, t->h, t->x, t->y, cw, ch, cw - t->w, ch - t->h);
        return -1;
    }
    return 0;
}

void place_template_recount(place_template *t, const uint8_t *canvas, uint32_t cw, uint32_t ch)
{
    t->match = 0;
    memset(t->ok, 0, (size_t)t->w * t->h);
    place_template_update(t, canvas, cw, ch, t->x, t->y, (int)t->w, (int)t->h);
}

void place_template_update(place_template *t, const uint8_t *canvas, uint32_t cw, uint32_t ch,
                           int x, int y, int w, int h)
{
    if (!t->px)
        return;
    /* the rectangle, clipped to the template and to the canvas */
    long x0 = x > t->x ? x : t->x, y0 = y > t->y ? y : t->y;
    long x1 = (long)x + w, y1 = (long)y + h;
    if (x1 > (long)t->x + t->w) x1 = (long)t->x + t->w;
    if (y1 > (long)t->y + t->h) y1 = (long)t->y + t->h;
    if (x1 > (long)cw) x1 = cw;
    if (y1 > (long)ch) y1 = ch;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    for (long cy = y0; cy < y1; cy++) {
        size_t row = (size_t)(cy - t->y) * t->w;
        const uint8_t *cr = canvas + (size_t)cy * cw;
        for (long cx = x0; cx < x1; cx++) {
            size_t i = row + (size_t)(cx - t->x);
            if (t->px[i] == PLACE_TEMPLATE_NONE)
                continue;
            uint8_t now = (uint8_t)((cr[cx] & 15) == t->px[i]);
            if (now != t->ok[i]) {
                t->ok[i] = now;
                if (now)
                    t->match++;
                else
                    t->match--;
            }
        }
    }
}

int place_template_next_wrong(const place_template *t, int cx, int cy, int *x, int *y)
{
    if (!t->px || t->match >= t->cared)
        return 0;
    /* At most a few megapixels: one pass over them is quicker than a key press is noticed. */
    int64_t best = -1;
    long bx = 0, by = 0;
    for (uint32_t ty = 0; ty < t->h; ty++) {
        long py = (long)t->y + ty;
        int64_t dy = py - cy;
        if (best >= 0 && dy * dy > best && py > cy)
            break; /* every row below is farther still */
        const uint8_t *row = t->px + (size_t)ty * t->w, *ok = t->ok + (size_t)ty * t->w;
        for (uint32_t tx = 0; tx < t->w; tx++) {
            if (row[tx] == PLACE_TEMPLATE_NONE || ok[tx])
                continue;
            long px = (long)t->x + tx;
            int64_t dx = px - cx, d = dx * dx + dy * dy;
            if (best < 0 || d < best) {
                best = d;
                bx = px;
                by = py;
            }
        }
    }
    if (best < 0)
        return 0;
    *x = (int)bx;
    *y = (int)by;
    return 1;
}

/* n with a comma every three digits. */
static void with_commas(uint32_t n, char *out, size_t cap)
{
    char digits[16];
    int len = snprintf(digits, sizeof digits, "%u", n);
    size_t k = 0;
    for (int i = 0; i < len && k + 1 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0 && k + 2 < cap)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

void place_template_progress(const place_template *t, char *out, size_t cap)
{
    char m[16], c[16];
    with_commas(t->match, m, sizeof m);
    with_commas(t->cared, c, sizeof c);
    snprintf(out, cap, "%s of %s pixels match", m, c);
}

int place_template_parse_xy(const char *s, int *x, int *y)
{
    char sep[2], end[2];
    long a, b;
    if (sscanf(s, "%ld%1[, ]%ld%1s", &a, sep, &b, end) != 3 &&
        sscanf(s, "%ld %ld%1s", &a, &b, end) != 2)
        return -1;
    if (a < 0 || b < 0 || a > 1000000 || b > 1000000)
        return -1;
    *x = (int)a;
    *y = (int)b;
    return 0;
}

/* The canvas textures (tiles.h). */
#include "tiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/palette.h"

typedef struct tile {
    SDL_Texture *tex;
    int w, h;
    int dirty;
    int x0, y0, x1, y1; /* dirty rectangle, tile-local, [x0, x1) x [y0, y1) */
} tile;

struct tiles {
    uint32_t cw, ch;
    int ntx, nty;
    tile *t;
    uint8_t *copy;     /* cw*ch palette indices: what the textures show (or will after upload) */
    uint32_t argb[16]; /* palette in the textures' pixel format */
    tiles_stats stats;
    int next_upload; /* the tile tiles_upload takes first */
    /* the overview, for scales below 1: one texel per k x k block, coloured by the shared rule
     * (place_block_color) so that thin lines stay visible; k a power of two */
    SDL_Texture *ov;
    Uint32 format;
    int ov_k, ov_w, ov_h;
    int ov_dirty, ov_x0, ov_y0, ov_x1, ov_y1; /* canvas pixels changed since, [x0, x1) */
};

static void mark(tile *tl, int x0, int y0, int x1, int y1)
{
    if (!tl->dirty) {
        tl->dirty = 1;
        tl->x0 = x0, tl->y0 = y0, tl->x1 = x1, tl->y1 = y1;
        return;
    }
    if (x0 < tl->x0) tl->x0 = x0;
    if (y0 < tl->y0) tl->y0 = y0;
    if (x1 > tl->x1) tl->x1 = x1;
    if (y1 > tl->y1) tl->y1 = y1;
}

int tiles_new(SDL_Renderer *r, Uint32 format, uint32_t cw, uint32_t ch, tiles **out, char *err,
              size_t errlen)
{
    *out = NULL;
    tiles *t = calloc(1, sizeof *t);
    if (!t)
        goto oom;
    t->cw = cw;
    t->ch = ch;
    t->ntx = (int)((cw + TILES_SIDE - 1) / TILES_SIDE);
    t->nty = (int)((ch + TILES_SIDE - 1) / TILES_SIDE);
    t->t = calloc((size_t)t->ntx * t->nty, sizeof *t->t);
    t->copy = calloc((size_t)cw * ch, 1); /* colour 0, white, as the engine starts */
    if (!t->t || !t->copy)
        goto oom;
    /* The software renderer stretches a texture fast only when its format is the window's;
     * otherwise it converts every pixel of every frame. */
    if (SDL_BYTESPERPIXEL(format) != 4 || SDL_ISPIXELFORMAT_FOURCC(format) ||
        SDL_ISPIXELFORMAT_INDEXED(format))
        format = SDL_PIXELFORMAT_ARGB8888;
    t->format = format;
    SDL_PixelFormat *pf = SDL_AllocFormat(format);
    if (!pf) {
        snprintf(err, errlen, "pixel format: %s", SDL_GetError());
        tiles_free(t);
        return -1;
    }
    for (int i = 0; i < PLACE_COLORS; i++)
        t->argb[i] = SDL_MapRGBA(pf, place_palette[i].r, place_palette[i].g, place_palette[i].b, 255);
    SDL_FreeFormat(pf);
    /* Nearest-neighbour scaling: a canvas pixel is a sharp square at every zoom. */
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");
    for (int ty = 0; ty < t->nty; ty++)
        for (int tx = 0; tx < t->ntx; tx++) {
            tile *tl = &t->t[ty * t->ntx + tx];
            tl->w = (int)(cw - (uint32_t)tx * TILES_SIDE < TILES_SIDE ? cw - (uint32_t)tx * TILES_SIDE
                                                                       : TILES_SIDE);
            tl->h = (int)(ch - (uint32_t)ty * TILES_SIDE < TILES_SIDE ? ch - (uint32_t)ty * TILES_SIDE
                                                                       : TILES_SIDE);
            tl->tex = SDL_CreateTexture(r, format, SDL_TEXTUREACCESS_STREAMING, tl->w, tl->h);
            if (!tl->tex) {
                snprintf(err, errlen, "cannot create a %dx%d texture: %s", tl->w, tl->h,
                         SDL_GetError());
                tiles_free(t);
                return -1;
            }
            SDL_SetTextureBlendMode(tl->tex, SDL_BLENDMODE_NONE);
            SDL_SetTextureScaleMode(tl->tex, SDL_ScaleModeNearest);
            mark(tl, 0, 0, tl->w, tl->h);
        }
    *out = t;
    return 0;
oom:
    snprintf(err, errlen, "out of memory for a %ux%u canvas", cw, ch);
    tiles_free(t);
    return -1;
}

void tiles_free(tiles *t)
{
    if (!t)
        return;
    if (t->t)
        for (int i = 0; i < t->ntx * t->nty; i++)
            if (t->t[i].tex)
                SDL_DestroyTexture(t->t[i].tex);
    if (t->ov)
        SDL_DestroyTexture(t->ov);
    free(t->t);
    free(t->copy);
    free(t);
}

static void ov_mark(tiles *t, int x0, int y0, int x1, int y1)
{
    if (!t->ov_dirty) {
        t->ov_dirty = 1;
        t->ov_x0 = x0, t->ov_y0 = y0, t->ov_x1 = x1, t->ov_y1 = y1;
        return;
    }
    if (x0 < t->ov_x0) t->ov_x0 = x0;
    if (y0 < t->ov_y0) t->ov_y0 = y0;
    if (x1 > t->ov_x1) t->ov_x1 = x1;
    if (y1 > t->ov_y1) t->ov_y1 = y1;
}

int tiles_mark(tiles *t, const uint8_t *pixels, int x, int y, int w, int h)
{
    int x1 = x + w, y1 = y + h;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x1 > (int)t->cw) x1 = (int)t->cw;
    if (y1 > (int)t->ch) y1 = (int)t->ch;
    if (x >= x1 || y >= y1)
        return 0;
    int rows = 0;
    for (int yy = y; yy < y1; yy++) {
        const uint8_t *src = pixels + (size_t)yy * t->cw;
        uint8_t *dst = t->copy + (size_t)yy * t->cw;
        if (memcmp(src + x, dst + x, (size_t)(x1 - x)) == 0)
            continue;
        rows++;
        int ty = yy / TILES_SIDE, ly = yy - ty * TILES_SIDE;
        for (int tx = x / TILES_SIDE; tx * TILES_SIDE < x1; tx++) {
            int a = tx * TILES_SIDE > x ? tx * TILES_SIDE : x;
            int b = (tx + 1) * TILES_SIDE < x1 ? (tx + 1) * TILES_SIDE : x1;
            while (a < b && src[a] == dst[a])
                a++;
            while (b > a && src[b - 1] == dst[b - 1])
                b--;
            if (a == b)
                continue;
            memcpy(dst + a, src + a, (size_t)(b - a));
            mark(&t->t[ty * t->ntx + tx], a - tx * TILES_SIDE, ly, b - tx * TILES_SIDE, ly + 1);
            ov_mark(t, a, yy, b, yy + 1);
        }
    }
    return rows;
}

int tiles_upload(tiles *t, long budget)
{
    int rc = 0, n = t->ntx * t->nty;
    long written = 0;
    Uint64 t0 = SDL_GetPerformanceCounter();
    for (int k = 0; k < n; k++) {
        int i = (t->next_upload + k) % n;
        tile *tl = &t->t[i];
        if (!tl->dirty)
            continue;
        if (budget > 0 && written >= budget) {
            t->next_upload = i;
            rc = 1;
            break;
        }
        int tx = i % t->ntx, ty = i / t->ntx;
        SDL_Rect rect = {tl->x0, tl->y0, tl->x1 - tl->x0, tl->y1 - tl->y0};
        void *mem;
        int pitch;
        if (SDL_LockTexture(tl->tex, &rect, &mem, &pitch) < 0) {
            rc = -1;
            continue;
        }
        /* The lock is write-only: every pixel of the rectangle is written. */
        for (int r = 0; r < rect.h; r++) {
            uint32_t *d = (uint32_t *)((uint8_t *)mem + (size_t)r * pitch);
            const uint8_t *s = t->copy + (size_t)(ty * TILES_SIDE + rect.y + r) * t->cw +
                               (size_t)tx * TILES_SIDE + rect.x;
            for (int c = 0; c < rect.w; c++)
                d[c] = t->argb[s[c] & 0x0f];
        }
        SDL_UnlockTexture(tl->tex);
        tl->dirty = 0;
        written += (long)rect.w * rect.h;
        t->stats.tiles_uploaded++;
        t->stats.pixels_uploaded += (uint64_t)rect.w * rect.h;
    }
    if (rc != 1)
        t->next_upload = 0;
    t->stats.upload_ms +=
        (double)(SDL_GetPerformanceCounter() - t0) * 1e3 / (double)SDL_GetPerformanceFrequency();
    return rc;
}

/* Brings the overview for blocks of k up to date: rebuilt whole when k changes, else only the
 * blocks holding changed pixels. Returns 0, or -1 if it cannot be had (draw the tiles then). */
static int ov_update(tiles *t, SDL_Renderer *r, int k)
{
    if (t->ov && t->ov_k != k) {
        SDL_DestroyTexture(t->ov);
        t->ov = NULL;
    }
    if (!t->ov) {
        t->ov_k = k;
        t->ov_w = (int)((t->cw + (uint32_t)k - 1) / (uint32_t)k);
        t->ov_h = (int)((t->ch + (uint32_t)k - 1) / (uint32_t)k);
        t->ov = SDL_CreateTexture(r, t->format, SDL_TEXTUREACCESS_STREAMING, t->ov_w, t->ov_h);
        if (!t->ov)
            return -1;
        SDL_SetTextureBlendMode(t->ov, SDL_BLENDMODE_NONE);
        SDL_SetTextureScaleMode(t->ov, SDL_ScaleModeNearest);
        t->ov_dirty = 1;
        t->ov_x0 = t->ov_y0 = 0;
        t->ov_x1 = (int)t->cw;
        t->ov_y1 = (int)t->ch;
    }
    if (!t->ov_dirty)
        return 0;
    int bx0 = t->ov_x0 / k, by0 = t->ov_y0 / k;
    int bx1 = (t->ov_x1 + k - 1) / k, by1 = (t->ov_y1 + k - 1) / k;
    SDL_Rect rect = {bx0, by0, bx1 - bx0, by1 - by0};
    void *mem;
    int pitch;
    if (SDL_LockTexture(t->ov, &rect, &mem, &pitch) < 0)
        return -1;
    for (int by = by0; by < by1; by++) {
        uint32_t *d = (uint32_t *)((uint8_t *)mem + (size_t)(by - by0) * pitch);
        int y0 = by * k, y1 = y0 + k < (int)t->ch ? y0 + k : (int)t->ch;
        for (int bx = bx0; bx < bx1; bx++) {
            int x0 = bx * k, x1 = x0 + k < (int)t->cw ? x0 + k : (int)t->cw;
            int c = place_block_color(t->copy, t->cw, x0, y0, x1, y1);
            d[bx - bx0] = t->argb[c < 0 ? 0 : c];
        }
    }
    SDL_UnlockTexture(t->ov);
    t->ov_dirty = 0;
    return 0;
}

int tiles_draw(tiles *t, SDL_Renderer *r, const view *v)
{
    if (v->scale < 1.0) {
        /* Zoomed out: a screen pixel would stand for one arbitrary canvas pixel of several, and
         * a thin line could vanish. Draw the overview of blocks of k (the power of two at least
         * 1/scale), each texel one screen pixel or a little more. */
        int k = 2;
        while (k * v->scale < 1.0 && k < 1 << 14)
            k *= 2;
        if (ov_update(t, r, k) == 0) {
            int x0, y0, x1, y1;
            /* the last block may reach past the canvas's edge: texels stay k pixels wide */
            view_rect_of(v, 0, 0, t->ov_w * k, t->ov_h * k, &x0, &y0, &x1, &y1);
            SDL_Rect dst = {x0, y0, x1 - x0, y1 - y0};
            return SDL_RenderCopy(r, t->ov, NULL, &dst) < 0 ? -1 : 0;
        }
    }
    int vx0, vy0, vx1, vy1;
    if (!view_visible(v, &vx0, &vy0, &vx1, &vy1))
        return 0;
    /* Only the visible pixels of each tile are copied: at high zoom a whole tile would be
     * thousands of screen pixels wide, and the software renderer clips less exactly than this. */
    for (int ty = vy0 / TILES_SIDE; ty * TILES_SIDE < vy1; ty++)
        for (int tx = vx0 / TILES_SIDE; tx * TILES_SIDE < vx1; tx++) {
            tile *tl = &t->t[ty * t->ntx + tx];
            int a = tx * TILES_SIDE > vx0 ? tx * TILES_SIDE : vx0;
            int b = tx * TILES_SIDE + tl->w < vx1 ? tx * TILES_SIDE + tl->w : vx1;
            int c = ty * TILES_SIDE > vy0 ? ty * TILES_SIDE : vy0;
            int d = ty * TILES_SIDE + tl->h < vy1 ? ty * TILES_SIDE + tl->h : vy1;
            SDL_Rect src = {a - tx * TILES_SIDE, c - ty * TILES_SIDE, b - a, d - c};
            int x0, y0, x1, y1;
            view_rect_of(v, a, c, b - a, d - c, &x0, &y0, &x1, &y1);
            SDL_Rect dst = {x0, y0, x1 - x0, y1 - y0};
            if (dst.w <= 0 || dst.h <= 0)
                continue;
            if (SDL_RenderCopy(r, tl->tex, &src, &dst) < 0)
                return -1;
        }
    return 0;
}

void tiles_get_stats(const tiles *t, tiles_stats *out)
{
    *out = t->stats;
}

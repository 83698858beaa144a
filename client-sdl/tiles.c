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
    free(t->t);
    free(t->copy);
    free(t);
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

int tiles_draw(tiles *t, SDL_Renderer *r, const view *v)
{
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

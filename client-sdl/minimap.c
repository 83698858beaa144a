/* place-sdl's minimap (minimap.h). */
#include "minimap.h"

#include <math.h>
#include <stdlib.h>

#include "app.h"
#include "place/palette.h"

/* The display size for a cw x ch canvas: the longer side MINIMAP_SIDE logical px. */
static void display_size(const app *a, int *w, int *h)
{
    double side = MINIMAP_SIDE * a->ui;
    double k = side / (a->cw > a->ch ? a->cw : a->ch);
    *w = (int)lround(a->cw * k);
    *h = (int)lround(a->ch * k);
    if (*w < 1) *w = 1;
    if (*h < 1) *h = 1;
}

int minimap_rect(const app *a, SDL_Rect *r)
{
    if (!a->minimap_on || !a->cw || !a->ch)
        return 0;
    int w, h, m = (int)lround(APP_MARGIN * a->ui);
    display_size(a, &w, &h);
    r->x = a->out_w - w - m;
    r->y = m;
    r->w = w;
    r->h = h;
    return r->x > m && r->y + r->h < app_area_h(a);
}

int minimap_pixel_at(const app *a, int sx, int sy, int *x, int *y)
{
    SDL_Rect r;
    if (!minimap_rect(a, &r) || sx < r.x || sy < r.y || sx >= r.x + r.w || sy >= r.y + r.h)
        return 0;
    *x = (int)((int64_t)(sx - r.x) * a->cw / r.w);
    *y = (int)((int64_t)(sy - r.y) * a->ch / r.h);
    if (*x >= (int)a->cw) *x = (int)a->cw - 1;
    if (*y >= (int)a->ch) *y = (int)a->ch - 1;
    return 1;
}

void minimap_free(app *a)
{
    if (a->mini_tex)
        SDL_DestroyTexture(a->mini_tex);
    a->mini_tex = NULL;
    a->mini_version = 0;
}

/* Rebuilds the texture from the canvas: one texel per block, at most one per display pixel. */
static int rebuild(app *a, const place_client_canvas *cv, int dw, int dh)
{
    int tw = dw < (int)cv->width ? dw : (int)cv->width;
    int th = dh < (int)cv->height ? dh : (int)cv->height;
    if (!a->mini_tex || a->mini_tw != tw || a->mini_th != th) {
        minimap_free(a);
        a->mini_tex = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888,
                                        SDL_TEXTUREACCESS_STREAMING, tw, th);
        if (!a->mini_tex)
            return -1;
        a->mini_tw = tw;
        a->mini_th = th;
    }
    void *pixels;
    int pitch;
    if (SDL_LockTexture(a->mini_tex, NULL, &pixels, &pitch) < 0)
        return -1;
    for (int j = 0; j < th; j++) {
        Uint32 *row = (Uint32 *)((Uint8 *)pixels + (size_t)j * (size_t)pitch);
        int y0 = (int)((int64_t)j * cv->height / th), y1 = (int)((int64_t)(j + 1) * cv->height / th);
        for (int i = 0; i < tw; i++) {
            int x0 = (int)((int64_t)i * cv->width / tw), x1 = (int)((int64_t)(i + 1) * cv->width / tw);
            int c = place_block_color(cv->pixels, cv->width, x0, y0, x1, y1 > y0 ? y1 : y0 + 1);
            place_rgb p = place_palette[c < 0 ? 0 : c];
            row[i] = 0xff000000u | ((Uint32)p.r << 16) | ((Uint32)p.g << 8) | p.b;
        }
    }
    SDL_UnlockTexture(a->mini_tex);
    a->mini_version = cv->version;
    a->mini_built = place_client_now_ms();
    return 0;
}

void minimap_draw(app *a)
{
    SDL_Rect r;
    if (!minimap_rect(a, &r))
        return;
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv); /* what the view shows: time mode's canvas, the heatmap */
    if (cv.width != a->cw || cv.height != a->ch)
        return;
    int64_t now = place_client_now_ms();
    if (!a->mini_tex || (cv.version != a->mini_version && now - a->mini_built >= MINIMAP_REBUILD_MS))
        rebuild(a, &cv, r.w, r.h);
    else if (cv.version != a->mini_version)
        a->redraw_at = a->mini_built + MINIMAP_REBUILD_MS; /* the change shows a moment later */
    SDL_SetRenderDrawColor(a->ren, 0, 0, 0, 255);
    SDL_Rect border = {r.x - 1, r.y - 1, r.w + 2, r.h + 2};
    SDL_RenderDrawRect(a->ren, &border);
    if (a->mini_tex)
        SDL_RenderCopy(a->ren, a->mini_tex, NULL, &r);
    /* the view's part of the canvas, clipped to it */
    double cx0, cy0, cx1, cy1;
    view_to_canvas(&a->v, 0, 0, &cx0, &cy0);
    view_to_canvas(&a->v, a->v.area_w, a->v.area_h, &cx1, &cy1);
    if (cx0 < 0) cx0 = 0;
    if (cy0 < 0) cy0 = 0;
    if (cx1 > a->cw) cx1 = a->cw;
    if (cy1 > a->ch) cy1 = a->ch;
    if (cx1 <= cx0 || cy1 <= cy0)
        return;
    double kx = (double)r.w / a->cw, ky = (double)r.h / a->ch;
    SDL_Rect f = {r.x + (int)lround(cx0 * kx), r.y + (int)lround(cy0 * ky),
                  (int)lround((cx1 - cx0) * kx), (int)lround((cy1 - cy0) * ky)};
    if (f.w < 3) f.w = 3;
    if (f.h < 3) f.h = 3;
    SDL_SetRenderDrawColor(a->ren, 0, 0, 0, 200);
    SDL_Rect o = {f.x - 1, f.y - 1, f.w + 2, f.h + 2};
    SDL_RenderDrawRect(a->ren, &o);
    SDL_SetRenderDrawColor(a->ren, 255, 69, 0, 255);
    SDL_RenderDrawRect(a->ren, &f);
}

/* Unit tests of place-sdl's canvas textures (client-sdl/tiles.c) on SDL's software renderer
 * drawing into a plain surface: no window, no display. What is drawn is read back from the
 * surface and compared with the palette. */
#include <stdlib.h>

#include "../unit/test.h"
#include "place/palette.h"
#include "tiles.h"
#include "view.h"

enum { SW = 320, SH = 200 };

typedef struct rig {
    SDL_Surface *surf;
    SDL_Renderer *ren;
} rig;

static int rig_open(rig *g)
{
    g->surf = SDL_CreateRGBSurfaceWithFormat(0, SW, SH, 32, SDL_PIXELFORMAT_RGB888);
    g->ren = g->surf ? SDL_CreateSoftwareRenderer(g->surf) : NULL;
    if (!g->ren)
        fprintf(stderr, "no software renderer: %s\n", SDL_GetError());
    return g->ren ? 0 : -1;
}

static void rig_close(rig *g)
{
    if (g->ren)
        SDL_DestroyRenderer(g->ren);
    SDL_FreeSurface(g->surf);
}

/* The palette index whose colour the surface shows at (x, y), or -1. */
static int shown(const rig *g, int x, int y)
{
    Uint32 p = ((const Uint32 *)((const Uint8 *)g->surf->pixels + (size_t)y * g->surf->pitch))[x];
    Uint8 r, gr, b;
    SDL_GetRGB(p, g->surf->format, &r, &gr, &b);
    for (int i = 0; i < PLACE_COLORS; i++)
        if (place_palette[i].r == r && place_palette[i].g == gr && place_palette[i].b == b)
            return i;
    return -1;
}

static void draw(rig *g, tiles *t, const view *v)
{
    SDL_SetRenderDrawColor(g->ren, 1, 2, 3, 255); /* not a palette colour */
    SDL_RenderClear(g->ren);
    CHECK_INT(tiles_upload(t, 0), 0);
    CHECK_INT(tiles_draw(t, g->ren, v), 0);
    SDL_RenderPresent(g->ren);
}

/* Where view v shows the centre of canvas pixel (x, y). */
static void centre(const view *v, int x, int y, int *sx, int *sy)
{
    double fx, fy;
    view_to_screen(v, x + 0.5, y + 0.5, &fx, &fy);
    *sx = (int)fx;
    *sy = (int)fy;
}

static void pixels_across_tile_edges_are_drawn_where_the_view_says(void)
{
    rig g;
    if (rig_open(&g) < 0) {
        test_failures++;
        return;
    }
    uint32_t cw = 600, ch = 300;
    uint8_t *canvas = calloc((size_t)cw * ch, 1);
    tiles *t;
    char err[200];
    CHECK_INT(tiles_new(g.ren, SDL_PIXELFORMAT_RGB888, cw, ch, &t, err, sizeof err), 0);
    const int px[][3] = {{255, 10, 5}, {256, 10, 12}, {256, 255, 10}, {255, 256, 14}, {599, 299, 7}};
    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++)
        canvas[(size_t)px[i][1] * cw + px[i][0]] = (uint8_t)px[i][2];
    CHECK_INT(tiles_mark(t, canvas, 0, 0, (int)cw, (int)ch), 4); /* rows 10, 255, 256, 299 */
    view v;
    view_init(&v, SW, SH, 1.0);
    view_set_canvas(&v, cw, ch);
    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++) {
        /* zoom 10x around each pixel, then look at it and at its neighbours */
        view_fit(&v);
        double sx, sy;
        view_to_screen(&v, px[i][0] + 0.5, px[i][1] + 0.5, &sx, &sy);
        view_zoom_at(&v, 10.0 / v.scale, sx, sy);
        draw(&g, t, &v);
        int x, y;
        centre(&v, px[i][0], px[i][1], &x, &y);
        CHECK_INT(shown(&g, x, y), px[i][2]);
        if (px[i][0] > 0 && canvas[(size_t)px[i][1] * cw + px[i][0] - 1] == 0) {
            centre(&v, px[i][0] - 1, px[i][1], &x, &y);
            CHECK_INT(shown(&g, x, y), 0);
        }
    }
    tiles_free(t);
    free(canvas);
    rig_close(&g);
}

static void only_changes_are_marked_and_a_budget_spreads_the_upload(void)
{
    rig g;
    if (rig_open(&g) < 0) {
        test_failures++;
        return;
    }
    uint32_t cw = 1024, ch = 512; /* 4 x 2 tiles */
    uint8_t *canvas = calloc((size_t)cw * ch, 1);
    tiles *t;
    char err[200];
    CHECK_INT(tiles_new(g.ren, SDL_PIXELFORMAT_RGB888, cw, ch, &t, err, sizeof err), 0);
    CHECK_INT(tiles_upload(t, 0), 0); /* the first, all-white upload */
    tiles_stats s0, s1;
    tiles_get_stats(t, &s0);
    CHECK_INT(s0.tiles_uploaded, 8);
    CHECK_INT(tiles_mark(t, canvas, 0, 0, (int)cw, (int)ch), 0); /* nothing changed */
    CHECK_INT(tiles_upload(t, 0), 0);
    tiles_get_stats(t, &s1);
    CHECK_INT(s1.tiles_uploaded, 8);
    /* one pixel in each tile */
    for (int ty = 0; ty < 2; ty++)
        for (int tx = 0; tx < 4; tx++)
            canvas[(size_t)(ty * 256 + 100) * cw + tx * 256 + 7] = 3;
    CHECK_INT(tiles_mark(t, canvas, 0, 0, (int)cw, (int)ch), 2);
    /* a budget of one pixel lets one tile through per call */
    for (int i = 0; i < 7; i++)
        CHECK_INT(tiles_upload(t, 1), 1);
    CHECK_INT(tiles_upload(t, 1), 0);
    tiles_get_stats(t, &s1);
    CHECK_INT(s1.tiles_uploaded, 16);
    CHECK_INT(s1.pixels_uploaded - s0.pixels_uploaded, 8); /* each a 1x1 rectangle */
    /* and what was uploaded is what is drawn */
    view v;
    view_init(&v, SW, SH, 1.0);
    view_set_canvas(&v, cw, ch);
    double sx, sy;
    view_to_screen(&v, 3 * 256 + 7.5, 256 + 100.5, &sx, &sy);
    view_zoom_at(&v, 8.0 / v.scale, sx, sy);
    draw(&g, t, &v);
    int x, y;
    centre(&v, 3 * 256 + 7, 256 + 100, &x, &y);
    CHECK_INT(shown(&g, x, y), 3);
    centre(&v, 3 * 256 + 8, 256 + 100, &x, &y);
    CHECK_INT(shown(&g, x, y), 0);
    tiles_free(t);
    free(canvas);
    rig_close(&g);
}

TEST_MAIN(TEST(pixels_across_tile_edges_are_drawn_where_the_view_says),
          TEST(only_changes_are_marked_and_a_budget_spreads_the_upload))

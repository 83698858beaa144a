/* Unit tests of place-tui's view arithmetic (client-tui/view.c): whole-canvas fit, zoom steps
 * around the cursor, cursor moves, panning limits, and the mapping between cells and pixels. */
#include "../unit/test.h"
#include "view.h"

static view make(int cols, int rows, uint32_t w, uint32_t h)
{
    view v = {0};
    view_set_area(&v, cols, rows);
    view_set_canvas(&v, w, h);
    return v;
}

static void fit_big_canvas_in_bench_terminal(void)
{
    /* 200x60 terminal: 57 canvas rows = 114 pixel rows; 2000/114 rounds up to 18. */
    view v = make(200, 57, 2000, 2000);
    CHECK_INT(v.zoom, -18);
    CHECK_INT(v.cx, 1000);
    CHECK_INT(v.cy, 1000);
    int x, y;
    CHECK_INT(view_pixel_at(&v, 0, 0, 0, &x, &y), 1);
    CHECK_INT(x, 0);
    CHECK_INT(y, 0);
    CHECK_INT(view_pixel_at(&v, 199, 56, 1, &x, &y), 0); /* 199*18 is past the right edge */
    CHECK_INT(view_pixel_at(&v, 111, 55, 1, &x, &y), 1);
    CHECK_INT(x, 1998);
    CHECK_INT(y, 1998);
}

static void fit_small_canvas_zooms_in(void)
{
    view v = make(100, 37, 64, 64);
    CHECK_INT(v.zoom, 1);
    v = make(200, 60, 64, 64);
    CHECK_INT(v.zoom, 1); /* 120 pixel rows hold 64 once, not twice */
    v = make(200, 70, 64, 64);
    CHECK_INT(v.zoom, 2);
    v = make(80, 21, 64, 64);
    CHECK_INT(v.zoom, -2);
}

static void zoom_steps_keep_cursor_and_stop_at_fit(void)
{
    view v = make(200, 57, 2000, 2000);
    static const int in[] = {-9, -4, -2, 1, 2, 4, 8, 16, 32, 32};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        view_zoom(&v, 1);
        CHECK_INT(v.zoom, in[i]);
        CHECK_INT(v.cx, 1000);
        int c0, r0, c1, r1;
        CHECK_INT(view_cells_of(&v, v.cx, v.cy, 1, 1, &c0, &r0, &c1, &r1), 1); /* on screen */
    }
    for (int i = 0; i < 20; i++)
        view_zoom(&v, 0);
    CHECK_INT(v.zoom, -18);
    CHECK_INT(view_zoom(&v, 0), 0);
    view_zoom(&v, 1);
    view_fit(&v);
    CHECK_INT(v.zoom, -18);
}

static void cursor_moves_by_block_and_stays_inside(void)
{
    view v = make(200, 57, 2000, 2000);
    view_move_cursor(&v, 1, 0);
    CHECK_INT(v.cx, 1008); /* snapped to the block grid (998 + 18 - 8), then one block on */
    CHECK_INT(v.cx % 18, 0);
    CHECK_INT(v.cy % 18, 0);
    view_set_cursor(&v, -5, 99999);
    CHECK_INT(v.cx, 0);
    CHECK_INT(v.cy, 1999);
    view_move_cursor(&v, 0, 1);
    CHECK_INT(v.cy, 1999);
    v = make(100, 37, 64, 64);
    view_set_cursor(&v, 10, 10);
    view_move_cursor(&v, -1, 1);
    CHECK_INT(v.cx, 9);
    CHECK_INT(v.cy, 11);
}

static void cursor_far_away_scrolls_into_view(void)
{
    view v = make(100, 37, 2000, 2000);
    while (v.zoom != 4)
        view_zoom(&v, 1);
    view_set_cursor(&v, 1500, 20);
    int c0, r0, c1, r1;
    CHECK_INT(view_cells_of(&v, 1500, 20, 1, 1, &c0, &r0, &c1, &r1), 1);
    CHECK_INT(c1 - c0 + 1, 4); /* a pixel is 4 columns wide ... */
    CHECK_INT(r1 - r0 + 1, 2); /* ... and 4 half rows tall */
    int x, y;
    CHECK_INT(view_pixel_at(&v, c0, r0, 0, &x, &y), 1);
    CHECK_INT(x, 1500);
    CHECK_INT(y, 20);
}

static void holding_an_arrow_pans_smoothly(void)
{
    view v = make(100, 37, 2000, 2000);
    while (v.zoom != 1)
        view_zoom(&v, 1);
    view_set_cursor(&v, 500, 500);
    int ox = v.ox, oy = v.oy;
    int steps = 0;
    while (v.ox == ox && steps < 200) {
        view_move_cursor(&v, 1, 0);
        steps++;
    }
    CHECK_INT(v.ox, ox + 1); /* one column at a time, not half a screen */
    CHECK_INT(v.oy, oy);
    int c0, r0, c1, r1;
    CHECK_INT(view_cells_of(&v, v.cx, v.cy, 1, 1, &c0, &r0, &c1, &r1), 1);
    CHECK_INT(c0, 99); /* the cursor sits on the right edge */
    view_set_cursor(&v, 10, 1900); /* a jump is centred (as far as the canvas edge allows) */
    CHECK_INT(v.ox, 0);
    CHECK_INT(v.oy, 1900 - 74 / 2);
}

static void pan_keeps_canvas_on_screen(void)
{
    view v = make(100, 37, 2000, 2000);
    while (v.zoom != 1)
        view_zoom(&v, 1);
    view_pan_cells(&v, 100000, 100000);
    int x, y;
    /* Dragging far right/down: the canvas's top-left corner is still on screen. */
    CHECK_INT(view_pixel_at(&v, 99, 36, 1, &x, &y), 1);
    view_pan_cells(&v, -100000, -100000);
    CHECK_INT(view_pixel_at(&v, 0, 0, 0, &x, &y), 1);
    CHECK(x > 1900);
    v = make(100, 37, 64, 64);
    view_pan_cells(&v, 30, 10); /* a canvas that fits does not move */
    CHECK_INT(v.ox, 0);
    CHECK_INT(v.oy, 0);
}

TEST_MAIN(TEST(fit_big_canvas_in_bench_terminal), TEST(fit_small_canvas_zooms_in),
          TEST(zoom_steps_keep_cursor_and_stop_at_fit), TEST(cursor_moves_by_block_and_stays_inside),
          TEST(cursor_far_away_scrolls_into_view), TEST(holding_an_arrow_pans_smoothly),
          TEST(pan_keeps_canvas_on_screen))

/* Unit tests of place-sdl's view math (client-sdl/view.c): fit, zoom around a point, pan and
 * its clamp, screen <-> canvas transforms, rounding of pixel rectangles, visibility. */
#include <math.h>

#include "../unit/test.h"
#include "view.h"

#define CHECK_NEAR(a, b)                                                                       \
    do {                                                                                       \
        double na_ = (a), nb_ = (b);                                                           \
        if (fabs(na_ - nb_) > 1e-6) {                                                          \
            fprintf(stderr, "%s:%d: %s == %s failed: %.9f != %.9f\n", __FILE__, __LINE__, #a,  \
                    #b, na_, nb_);                                                             \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

static view make(int w, int h, uint32_t cw, uint32_t ch)
{
    view v;
    view_init(&v, w, h, 1.0);
    view_set_canvas(&v, cw, ch);
    return v;
}

static void fit_centres_the_whole_canvas(void)
{
    view v = make(640, 424, 64, 64);
    CHECK_NEAR(v.scale, 424.0 / 64);
    CHECK_NEAR(v.ox, (640 - 424) / 2.0);
    CHECK_NEAR(v.oy, 0);
    CHECK_INT(v.fitted, 1);
    view w = make(1000, 500, 2000, 2000);
    CHECK_NEAR(w.scale, 0.25);
    CHECK_NEAR(w.ox, 250);
    int x0, y0, x1, y1;
    CHECK_INT(view_visible(&w, &x0, &y0, &x1, &y1), 1);
    CHECK_INT(x0, 0);
    CHECK_INT(y1, 2000);
}

static void zoom_keeps_the_point_under_the_pointer(void)
{
    view v = make(640, 424, 64, 64);
    double cx0, cy0, cx1, cy1;
    view_to_canvas(&v, 300, 200, &cx0, &cy0);
    CHECK_INT(view_zoom_at(&v, 2.0, 300, 200), 1);
    CHECK_NEAR(v.scale, 2 * 424.0 / 64);
    view_to_canvas(&v, 300, 200, &cx1, &cy1);
    CHECK_NEAR(cx1, cx0);
    CHECK_NEAR(cy1, cy0);
    CHECK_INT(v.fitted, 0);
    /* and back out: the fit again, centred */
    CHECK_INT(view_zoom_at(&v, 0.25, 10, 10), 1);
    CHECK_NEAR(v.scale, 424.0 / 64);
    CHECK_NEAR(v.ox, 108);
    CHECK_INT(v.fitted, 1);
}

static void zoom_is_clamped_to_fit_and_max(void)
{
    view v = make(800, 600, 2000, 2000);
    CHECK_INT(view_zoom_at(&v, 0.5, 400, 300), 0); /* already at the fit */
    CHECK_INT(view_zoom_at(&v, 1e6, 400, 300), 1);
    CHECK_NEAR(v.scale, VIEW_MAX_SCALE);
    CHECK_INT(view_zoom_at(&v, 2, 400, 300), 0);
    /* a canvas smaller than the area: the fit is the maximum */
    view t = make(800, 600, 4, 4);
    CHECK_NEAR(view_max_scale(&t), 150);
    CHECK_INT(view_zoom_at(&t, 2, 10, 10), 0);
    /* high DPI doubles the closest zoom in output pixels */
    view h;
    view_init(&h, 1600, 1200, 2.0);
    view_set_canvas(&h, 2000, 2000);
    CHECK_NEAR(view_max_scale(&h), 2 * VIEW_MAX_SCALE);
}

static void screen_and_canvas_round_trip(void)
{
    view v = make(640, 424, 64, 64);
    view_zoom_at(&v, 1.25 * 1.25 * 1.25, 250, 130);
    double sx, sy, cx, cy;
    view_to_screen(&v, 17.5, 40.25, &sx, &sy);
    view_to_canvas(&v, sx, sy, &cx, &cy);
    CHECK_NEAR(cx, 17.5);
    CHECK_NEAR(cy, 40.25);
    int x, y;
    CHECK_INT(view_pixel_at(&v, sx, sy, &x, &y), 1);
    CHECK_INT(x, 17);
    CHECK_INT(y, 40);
    CHECK_INT(view_pixel_at(&v, v.ox - 1, v.oy + 5, &x, &y), 0); /* left of the canvas */
}

static void pixel_rects_share_edges(void)
{
    view v = make(700, 500, 64, 64);
    view_zoom_at(&v, 1.37, 333, 211);
    for (int x = 0; x < 63; x++) {
        int a0, b0, a1, b1, c0, d0, c1, d1;
        view_rect_of(&v, x, 5, 1, 1, &a0, &b0, &a1, &b1);
        view_rect_of(&v, x + 1, 5, 1, 1, &c0, &d0, &c1, &d1);
        CHECK_INT(a1, c0);
        CHECK(a1 - a0 >= 1);
    }
    int x0, y0, x1, y1, p0, q0, p1, q1;
    view_rect_of(&v, 3, 4, 10, 20, &x0, &y0, &x1, &y1);
    view_rect_of(&v, 3, 4, 1, 1, &p0, &q0, &p1, &q1);
    CHECK_INT(x0, p0);
    CHECK_INT(y0, q0);
}

static void pan_moves_and_is_clamped(void)
{
    view v = make(640, 424, 64, 64);
    view_zoom_at(&v, 4, 320, 212);
    double ox = v.ox, oy = v.oy;
    view_pan(&v, 30, -20);
    CHECK_NEAR(v.ox, ox + 30);
    CHECK_NEAR(v.oy, oy - 20);
    /* far to the right: the canvas's left edge stops at the area's centre */
    view_pan(&v, 1e6, 0);
    CHECK_NEAR(v.ox, 320);
    double cx, cy;
    view_to_canvas(&v, 320, 212, &cx, &cy);
    CHECK_NEAR(cx, 0);
    view_pan(&v, 0, -1e6);
    view_to_canvas(&v, 320, 212, &cx, &cy);
    CHECK_NEAR(cy, 64);
}

static void resize_refits_or_keeps_the_centre(void)
{
    view v = make(640, 424, 64, 64);
    view_set_area(&v, 800, 600);
    CHECK_NEAR(v.scale, 600.0 / 64); /* fitted: refits */
    view_zoom_at(&v, 3, 100, 100);
    double cx0, cy0, cx1, cy1;
    view_to_canvas(&v, 400, 300, &cx0, &cy0);
    double s = v.scale;
    view_set_area(&v, 1000, 700);
    view_to_canvas(&v, 500, 350, &cx1, &cy1);
    CHECK_NEAR(v.scale, s);
    CHECK_NEAR(cx1, cx0);
    CHECK_NEAR(cy1, cy0);
}

static void ensure_visible_scrolls_the_least(void)
{
    view v = make(640, 424, 64, 64);
    view_zoom_at(&v, 1e6, 320, 212); /* 40 px a pixel: about 16 x 10 pixels visible */
    int x0, y0, x1, y1;
    view_visible(&v, &x0, &y0, &x1, &y1);
    int target = x1 + 3;
    view_ensure_visible(&v, target, y0 + 2, 10);
    int a0, b0, a1, b1;
    view_rect_of(&v, target, y0 + 2, 1, 1, &a0, &b0, &a1, &b1);
    CHECK(a1 <= 640 - 10 + 1);
    CHECK(a1 >= 640 - 10 - 1); /* just inside the margin, not centred */
    /* a pixel already visible does not move the view */
    double ox = v.ox;
    view_ensure_visible(&v, target - 2, y0 + 2, 10);
    CHECK_NEAR(v.ox, ox);
}

static void key_step_follows_zoom(void)
{
    view v = make(500, 500, 2000, 2000); /* 0.25 px a pixel */
    CHECK_INT(view_key_step(&v), 32);
    view_zoom_at(&v, 16, 250, 250); /* 4 px a pixel */
    CHECK_INT(view_key_step(&v), 1);
}

TEST_MAIN(TEST(fit_centres_the_whole_canvas), TEST(zoom_keeps_the_point_under_the_pointer),
          TEST(zoom_is_clamped_to_fit_and_max), TEST(screen_and_canvas_round_trip),
          TEST(pixel_rects_share_edges), TEST(pan_moves_and_is_clamped),
          TEST(resize_refits_or_keeps_the_centre), TEST(ensure_visible_scrolls_the_least),
          TEST(key_step_follows_zoom))

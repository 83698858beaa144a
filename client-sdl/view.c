/* place-sdl's view math (view.h). Pure arithmetic on doubles; rounding to whole screen pixels
 * happens only in view_rect_of, the one place the renderer takes its rectangles from. */
#include "view.h"

#include <math.h>

void view_init(view *v, int area_w, int area_h, double ui_scale)
{
    v->area_w = area_w > 1 ? area_w : 1;
    v->area_h = area_h > 1 ? area_h : 1;
    v->cw = v->ch = 0;
    v->scale = 1.0;
    v->ox = v->oy = 0.0;
    v->ui_scale = ui_scale > 0 ? ui_scale : 1.0;
    v->fitted = 1;
}

double view_fit_scale(const view *v)
{
    if (!v->cw || !v->ch)
        return 1.0;
    double sx = (double)v->area_w / v->cw, sy = (double)v->area_h / v->ch;
    return sx < sy ? sx : sy;
}

double view_max_scale(const view *v)
{
    double m = VIEW_MAX_SCALE * v->ui_scale, fit = view_fit_scale(v);
    return fit > m ? fit : m;
}

void view_fit(view *v)
{
    v->scale = view_fit_scale(v);
    v->ox = (v->area_w - v->cw * v->scale) / 2.0;
    v->oy = (v->area_h - v->ch * v->scale) / 2.0;
    v->fitted = 1;
}

/* Keeps the canvas point at the centre of the area inside the canvas. */
static void clamp_centre(view *v)
{
    double cx, cy;
    view_to_canvas(v, v->area_w / 2.0, v->area_h / 2.0, &cx, &cy);
    if (cx < 0)
        v->ox = v->area_w / 2.0;
    else if (cx > v->cw)
        v->ox = v->area_w / 2.0 - v->cw * v->scale;
    if (cy < 0)
        v->oy = v->area_h / 2.0;
    else if (cy > v->ch)
        v->oy = v->area_h / 2.0 - v->ch * v->scale;
}

void view_set_area(view *v, int area_w, int area_h)
{
    double cx, cy;
    view_to_canvas(v, v->area_w / 2.0, v->area_h / 2.0, &cx, &cy);
    v->area_w = area_w > 1 ? area_w : 1;
    v->area_h = area_h > 1 ? area_h : 1;
    if (v->fitted || v->scale < view_fit_scale(v)) {
        view_fit(v);
        return;
    }
    v->ox = v->area_w / 2.0 - cx * v->scale;
    v->oy = v->area_h / 2.0 - cy * v->scale;
}

void view_set_canvas(view *v, uint32_t cw, uint32_t ch)
{
    if (cw == v->cw && ch == v->ch)
        return;
    v->cw = cw;
    v->ch = ch;
    view_fit(v);
}

int view_zoom_at(view *v, double factor, double px, double py)
{
    if (!v->cw || !v->ch || !(factor > 0))
        return 0;
    double s = v->scale * factor, fit = view_fit_scale(v), max = view_max_scale(v);
    if (s > max)
        s = max;
    if (s <= fit * 1.0000001) {
        int changed = v->scale != fit || !v->fitted;
        view_fit(v);
        return changed;
    }
    if (s == v->scale)
        return 0;
    double cx, cy;
    view_to_canvas(v, px, py, &cx, &cy);
    v->scale = s;
    v->ox = px - cx * s;
    v->oy = py - cy * s;
    v->fitted = 0;
    clamp_centre(v);
    return 1;
}

void view_pan(view *v, double dx, double dy)
{
    if (!v->cw || !v->ch)
        return;
    v->ox += dx;
    v->oy += dy;
    v->fitted = 0;
    clamp_centre(v);
}

void view_to_canvas(const view *v, double sx, double sy, double *cx, double *cy)
{
    *cx = (sx - v->ox) / v->scale;
    *cy = (sy - v->oy) / v->scale;
}

void view_to_screen(const view *v, double cx, double cy, double *sx, double *sy)
{
    *sx = v->ox + cx * v->scale;
    *sy = v->oy + cy * v->scale;
}

int view_pixel_at(const view *v, double sx, double sy, int *x, int *y)
{
    if (!v->cw || !v->ch)
        return 0;
    double cx, cy;
    view_to_canvas(v, sx, sy, &cx, &cy);
    if (cx < 0 || cy < 0 || cx >= v->cw || cy >= v->ch)
        return 0;
    *x = (int)cx;
    *y = (int)cy;
    return 1;
}

static int round_edge(double e)
{
    return (int)floor(e + 0.5);
}

void view_rect_of(const view *v, int x, int y, int w, int h, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = round_edge(v->ox + x * v->scale);
    *y0 = round_edge(v->oy + y * v->scale);
    *x1 = round_edge(v->ox + (double)(x + w) * v->scale);
    *y1 = round_edge(v->oy + (double)(y + h) * v->scale);
}

int view_visible(const view *v, int *x0, int *y0, int *x1, int *y1)
{
    if (!v->cw || !v->ch)
        return 0;
    double ax, ay, bx, by;
    view_to_canvas(v, 0, 0, &ax, &ay);
    view_to_canvas(v, v->area_w, v->area_h, &bx, &by);
    double fx0 = floor(ax), fy0 = floor(ay), fx1 = ceil(bx), fy1 = ceil(by);
    if (fx0 < 0) fx0 = 0;
    if (fy0 < 0) fy0 = 0;
    if (fx1 > v->cw) fx1 = v->cw;
    if (fy1 > v->ch) fy1 = v->ch;
    if (fx0 >= fx1 || fy0 >= fy1)
        return 0;
    *x0 = (int)fx0, *y0 = (int)fy0, *x1 = (int)fx1, *y1 = (int)fy1;
    return 1;
}

/* The offset change along one axis that brings [a, b) into [m, len - m), or into the middle
 * when the area is too small for the margin. */
static double scroll_into(double a, double b, double len, double m)
{
    if (b - a + 2 * m > len)
        m = (len - (b - a)) / 2 > 0 ? (len - (b - a)) / 2 : 0;
    if (a < m)
        return m - a;
    if (b > len - m)
        return (len - m) - b;
    return 0;
}

void view_ensure_visible(view *v, int x, int y, double margin)
{
    if (!v->cw || !v->ch)
        return;
    double ax, ay, bx, by;
    view_to_screen(v, x, y, &ax, &ay);
    view_to_screen(v, x + 1, y + 1, &bx, &by);
    double dx = scroll_into(ax, bx, v->area_w, margin);
    double dy = scroll_into(ay, by, v->area_h, margin);
    if (dx != 0 || dy != 0)
        view_pan(v, dx, dy);
}

int view_key_step(const view *v)
{
    if (v->scale >= 4.0)
        return 1;
    int n = (int)ceil(8.0 / v->scale);
    return n > 1 ? n : 1;
}

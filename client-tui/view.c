/* Zoom, pan and cursor arithmetic, and the half-block renderer (view.h). */
#include "view.h"

#include <curses.h>
#include <wchar.h>

#include "colors.h"
#include "place/palette.h"

#define MAX_ZOOM_IN 32

static int floordiv(int a, int b)
{
    int q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int units_w(const view *v)
{
    return v->cols;
}

/* Units stacked in one cell: two half blocks, or one unit when the cell is drawn whole. */
static int per_cell(const view *v)
{
    return v->no_blocks ? 1 : 2;
}

static int units_h(const view *v)
{
    return v->rows * per_cell(v);
}

/* The zoom that shows the whole canvas in the area. */
static int fit_zoom(const view *v)
{
    if (!v->cw || !v->ch || v->cols < 1 || v->rows < 1)
        return 1;
    int uw = units_w(v), uh = units_h(v);
    if ((int)v->cw <= uw && (int)v->ch <= uh) {
        int z = uw / (int)v->cw < uh / (int)v->ch ? uw / (int)v->cw : uh / (int)v->ch;
        return z > MAX_ZOOM_IN ? MAX_ZOOM_IN : z;
    }
    int bx = ((int)v->cw + uw - 1) / uw, by = ((int)v->ch + uh - 1) / uh;
    int b = bx > by ? bx : by;
    return b < 2 ? 1 : -b;
}

/* How large a pixel is drawn, comparable across zoom-in and zoom-out values. */
static double magnification(int zoom)
{
    return zoom >= 1 ? (double)zoom : 1.0 / -zoom;
}

/* Pixels one unit step covers (1 when zoomed in). */
static int step_px(const view *v)
{
    return v->zoom >= 1 ? 1 : -v->zoom;
}

static void pixel_to_unit(const view *v, int px, int py, int *ux, int *uy)
{
    if (v->zoom >= 1) {
        *ux = (px - v->ox) * v->zoom;
        *uy = (py - v->oy) * v->zoom;
    } else {
        *ux = floordiv(px - v->ox, -v->zoom);
        *uy = floordiv(py - v->oy, -v->zoom);
    }
}

/* Keeps at least part of the canvas on screen. */
static void clamp_origin(view *v)
{
    int vis_w = v->zoom >= 1 ? units_w(v) / v->zoom : units_w(v) * -v->zoom;
    int vis_h = v->zoom >= 1 ? units_h(v) / v->zoom : units_h(v) * -v->zoom;
    if (vis_w < 1) vis_w = 1;
    if (vis_h < 1) vis_h = 1;
    int minx = (int)v->cw <= vis_w ? 0 : -(vis_w / 2), maxx = (int)v->cw <= vis_w ? 0 : (int)v->cw - vis_w / 2;
    int miny = (int)v->ch <= vis_h ? 0 : -(vis_h / 2), maxy = (int)v->ch <= vis_h ? 0 : (int)v->ch - vis_h / 2;
    if (v->ox < minx) v->ox = minx;
    if (v->ox > maxx) v->ox = maxx;
    if (v->oy < miny) v->oy = miny;
    if (v->oy > maxy) v->oy = maxy;
}

/* Scrolls so the cursor is on screen. A cursor that stepped just off the edge scrolls the view
 * by as little as brings it back (holding an arrow key pans smoothly); one that jumped further
 * is centred. Following the cursor never shows blank beyond the canvas's edge (a drag may). */
static void follow_axis(int *o, int c, int u, int span, int units, int zoom, int size)
{
    if (u >= 0 && u + span <= units)
        return;
    int vis = zoom >= 1 ? units / zoom : units * -zoom;
    if (vis < 1)
        vis = 1;
    if (u >= -units && u < 2 * units) {
        /* Just off an edge: the cursor's pixel becomes the first or last one shown. */
        *o = u < 0 ? c : c - vis + 1;
    } else {
        *o = c - vis / 2;
    }
    if (*o > size - vis) *o = size - vis;
    if (*o < 0) *o = 0;
}

static void follow_cursor(view *v)
{
    int ux, uy;
    pixel_to_unit(v, v->cx, v->cy, &ux, &uy);
    int span = v->zoom >= 1 ? v->zoom : 1;
    follow_axis(&v->ox, v->cx, ux, span, units_w(v), v->zoom, (int)v->cw);
    follow_axis(&v->oy, v->cy, uy, span, units_h(v), v->zoom, (int)v->ch);
    clamp_origin(v);
}

void view_set_area(view *v, int cols, int rows)
{
    v->cols = cols > 0 ? cols : 0;
    v->rows = rows > 0 ? rows : 0;
    if (v->zoom == 0)
        v->zoom = 1;
    /* Never zoomed out beyond the whole canvas. */
    int fz = fit_zoom(v);
    if (magnification(v->zoom) < magnification(fz))
        v->zoom = fz;
    clamp_origin(v);
    follow_cursor(v);
}

void view_fit(view *v)
{
    v->zoom = fit_zoom(v);
    v->ox = v->oy = 0;
    clamp_origin(v);
}

void view_set_canvas(view *v, uint32_t w, uint32_t h)
{
    int first = !v->cw;
    int changed = v->cw != w || v->ch != h;
    v->cw = w;
    v->ch = h;
    if (first || changed) {
        view_fit(v);
        if (first) {
            v->cx = (int)w / 2;
            v->cy = (int)h / 2;
        }
    }
    if (v->cx >= (int)w) v->cx = (int)w - 1;
    if (v->cy >= (int)h) v->cy = (int)h - 1;
    if (v->cx < 0) v->cx = 0;
    if (v->cy < 0) v->cy = 0;
}

int view_zoom(view *v, int in)
{
    int z = v->zoom, fz = fit_zoom(v), nz;
    if (in)
        nz = z >= 1 ? (z * 2 > MAX_ZOOM_IN ? MAX_ZOOM_IN : z * 2) : (z / 2 <= -2 ? z / 2 : 1);
    else
        nz = z >= 2 ? z / 2 : (z == 1 ? -2 : z * 2);
    /* Zooming out stops at the whole-canvas fit. */
    if (!in && magnification(nz) < magnification(fz))
        nz = magnification(z) > magnification(fz) ? fz : z;
    if (nz == z)
        return 0;
    int ux, uy;
    pixel_to_unit(v, v->cx, v->cy, &ux, &uy);
    v->zoom = nz;
    if (nz >= 1) {
        v->ox = v->cx - floordiv(ux, nz);
        v->oy = v->cy - floordiv(uy, nz);
    } else {
        v->ox = v->cx - ux * -nz;
        v->oy = v->cy - uy * -nz;
    }
    clamp_origin(v);
    follow_cursor(v);
    return 1;
}

void view_set_cursor(view *v, int x, int y)
{
    if (!v->cw || !v->ch)
        return;
    v->cx = x < 0 ? 0 : (x >= (int)v->cw ? (int)v->cw - 1 : x);
    v->cy = y < 0 ? 0 : (y >= (int)v->ch ? (int)v->ch - 1 : y);
    follow_cursor(v);
}

void view_move_cursor(view *v, int dx, int dy)
{
    int s = step_px(v);
    if (s > 1) {
        /* Snap to the block grid so the cursor walks block by block. */
        int bx = v->ox + floordiv(v->cx - v->ox, s) * s, by = v->oy + floordiv(v->cy - v->oy, s) * s;
        view_set_cursor(v, bx + dx * s, by + dy * s);
    } else {
        view_set_cursor(v, v->cx + dx, v->cy + dy);
    }
}

void view_pan_cells(view *v, int dcols, int drows)
{
    if (v->zoom >= 1) {
        int px = dcols / v->zoom, py = drows * per_cell(v) / v->zoom;
        if (px == 0 && dcols) px = dcols > 0 ? 1 : -1;
        if (py == 0 && drows) py = drows > 0 ? 1 : -1;
        v->ox -= px;
        v->oy -= py;
    } else {
        v->ox -= dcols * -v->zoom;
        v->oy -= drows * per_cell(v) * -v->zoom;
    }
    clamp_origin(v);
}

int view_pixel_at(const view *v, int col, int row, int half, int *x, int *y)
{
    int ux = col, uy = v->no_blocks ? row : row * 2 + half;
    int px, py;
    if (v->zoom >= 1) {
        px = v->ox + floordiv(ux, v->zoom);
        py = v->oy + floordiv(uy, v->zoom);
    } else {
        px = v->ox + ux * -v->zoom;
        py = v->oy + uy * -v->zoom;
    }
    *x = px;
    *y = py;
    return px >= 0 && py >= 0 && px < (int)v->cw && py < (int)v->ch;
}

int view_cells_of(const view *v, int x, int y, int w, int h, int *c0, int *r0, int *c1, int *r1)
{
    int ux0, uy0, ux1, uy1;
    pixel_to_unit(v, x, y, &ux0, &uy0);
    pixel_to_unit(v, x + w - 1, y + h - 1, &ux1, &uy1);
    if (v->zoom >= 1) {
        ux1 += v->zoom - 1;
        uy1 += v->zoom - 1;
    }
    int pc = per_cell(v);
    int a = ux0 < 0 ? 0 : ux0, b = floordiv(uy0, pc) < 0 ? 0 : floordiv(uy0, pc);
    int c = ux1 >= v->cols ? v->cols - 1 : ux1, d = floordiv(uy1, pc) >= v->rows ? v->rows - 1 : floordiv(uy1, pc);
    if (a > c || b > d)
        return 0;
    *c0 = a;
    *r0 = b;
    *c1 = c;
    *r1 = d;
    return 1;
}

/* The colour a unit shows: its pixel, or a block's colour by the overview rule every client
 * shares (place_block_color: the most common colour, unless a thin line crosses the block);
 * -1 outside the canvas. */
static int unit_color(const view *v, const place_client_canvas *cv, int ux, int uy)
{
    if (v->zoom >= 1) {
        int px = v->ox + floordiv(ux, v->zoom), py = v->oy + floordiv(uy, v->zoom);
        if (px < 0 || py < 0 || px >= (int)cv->width || py >= (int)cv->height)
            return -1;
        return cv->pixels[(size_t)py * cv->width + (size_t)px];
    }
    int b = -v->zoom;
    int x0 = v->ox + ux * b, y0 = v->oy + uy * b, x1 = x0 + b, y1 = y0 + b;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > (int)cv->width) x1 = (int)cv->width;
    if (y1 > (int)cv->height) y1 = (int)cv->height;
    if (x0 >= x1 || y0 >= y1)
        return -1;
    return place_block_color(cv->pixels, cv->width, x0, y0, x1, y1);
}

/* The template's colour at a unit where it differs from the canvas there, else -1 (zoomed out:
 * judged at the block's middle pixel). */
static int unit_template(const view *v, const place_client_canvas *cv, int ux, int uy)
{
    if (!v->tmpl || !cv->width)
        return -1;
    int px, py;
    if (v->zoom >= 1) {
        px = v->ox + floordiv(ux, v->zoom);
        py = v->oy + floordiv(uy, v->zoom);
    } else {
        px = v->ox + ux * -v->zoom + -v->zoom / 2;
        py = v->oy + uy * -v->zoom + -v->zoom / 2;
    }
    if (px < 0 || py < 0 || px >= (int)cv->width || py >= (int)cv->height)
        return -1;
    int t = place_template_color_at(v->tmpl, px, py);
    return t >= 0 && t != cv->pixels[(size_t)py * cv->width + (size_t)px] ? t : -1;
}

/* Whether the dots style draws dots at this zoom: a pixel covers whole cells. */
static int dots_here(const view *v)
{
    return v->tmpl && v->tmpl_dots && v->zoom >= per_cell(v);
}

/* With dots: the template colour of the pixel whose middle cell (col, row) is, when that pixel
 * differs from the canvas; else -1. */
static int dot_at(const view *v, const place_client_canvas *cv, int col, int row)
{
    int z = v->zoom, pc = per_cell(v), zr = z / pc; /* cells a pixel covers across, down */
    int pxo = floordiv(col, z), pyo = floordiv(row, zr);
    if (col - pxo * z != (z - 1) / 2 || row - pyo * zr != (zr - 1) / 2)
        return -1;
    return unit_template(v, cv, col, row * pc);
}

static void put_cell(int row, int col, const wchar_t *glyph, attr_t attr, int pair)
{
    cchar_t cc;
    setcchar(&cc, glyph, attr, (short)pair, NULL);
    mvadd_wch(row, col, &cc);
}

static const wchar_t *shade(int top, int bottom)
{
    static const wchar_t *const shades[] = {L" ", L"\u2591", L"\u2592", L"\u2593", L"\u2588"};
    int l = 0, n = 0;
    if (top >= 0) { l += tcolor_luma(top); n++; }
    if (bottom >= 0) { l += tcolor_luma(bottom); n++; }
    if (!n)
        return shades[0];
    return shades[(l / n) * 5 / 256];
}

void view_draw(const view *v, const place_client_canvas *cv, int c0, int r0, int c1, int r1,
               int selected)
{
    int cux = -1, cuy = -1, span = v->zoom >= 1 ? v->zoom : 1;
    if (cv->width)
        pixel_to_unit(v, v->cx, v->cy, &cux, &cuy);
    int mono = tcolor_mode_get() == TCOLOR_NONE;
    int dots = dots_here(v);
    for (int row = r0; row <= r1; row++) {
        for (int col = c0; col <= c1; col++) {
            int top = -1, bot = -1;
            int dot = dots ? dot_at(v, cv, col, row) : -1;
            if (dot >= 0) {
                int in_x = col >= cux && col < cux + span;
                int cur = in_x && row * per_cell(v) >= cuy && row * per_cell(v) < cuy + span;
                int under = unit_color(v, cv, col, row * per_cell(v));
                attr_t attr = cur ? (mono ? A_REVERSE : A_BLINK) : A_NORMAL;
                put_cell(row, col, v->tmpl_dot ? v->tmpl_dot : L"*", attr,
                         mono ? 0 : tcolor_pair(cur ? selected : dot, under < 0 ? 0 : under));
                continue;
            }
            if (v->no_blocks) {
                /* one unit per cell */
                int c = cv->width ? unit_color(v, cv, col, row) : -1;
                int t = dots ? -1 : unit_template(v, cv, col, row);
                if (t >= 0)
                    c = t;
                int cur = col >= cux && col < cux + span && row >= cuy && row < cuy + span;
                attr_t attr = cur ? (mono ? A_REVERSE : A_BLINK) : A_NORMAL;
                if (cur)
                    c = selected;
                const wchar_t *g;
                int pair;
                if (mono)
                    put_cell(row, col, shade(c, c), attr, 0);
                else if (c >= 0 && tcolor_look(c, &g, &pair))
                    put_cell(row, col, g, attr, pair);
                else
                    put_cell(row, col, L" ", attr, c < 0 ? 0 : tcolor_pair(c, c));
                continue;
            }
            if (cv->width) {
                top = unit_color(v, cv, col, row * 2);
                bot = unit_color(v, cv, col, row * 2 + 1);
                int tt = dots ? -1 : unit_template(v, cv, col, row * 2);
                int tb = dots ? -1 : unit_template(v, cv, col, row * 2 + 1);
                if (tt >= 0) top = tt;
                if (tb >= 0) bot = tb;
            }
            int in_x = col >= cux && col < cux + span;
            int cur_top = in_x && row * 2 >= cuy && row * 2 < cuy + span;
            int cur_bot = in_x && row * 2 + 1 >= cuy && row * 2 + 1 < cuy + span;
            attr_t attr = A_NORMAL;
            if (cur_top || cur_bot) {
                attr = mono ? A_REVERSE : A_BLINK;
                if (cur_top) top = selected;
                if (cur_bot) bot = selected;
            }
            if (mono) {
                put_cell(row, col, shade(top, bot), attr, 0);
            } else if (top < 0 && bot < 0) {
                put_cell(row, col, L" ", attr, 0);
            } else if (top < 0) {
                put_cell(row, col, L"\u2584", attr, tcolor_pair(bot, TCOLOR_DEFAULT));
            } else if (cur_bot && !cur_top) {
                /* Blink only the cursor's half: draw it as the foreground. */
                put_cell(row, col, L"\u2584", attr, tcolor_pair(bot, top));
            } else {
                put_cell(row, col, L"\u2580", attr, tcolor_pair(top, bot));
            }
        }
    }
}

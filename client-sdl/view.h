/* What part of the canvas place-sdl shows, and where: the pure view math (no SDL), so it can be
 * unit-tested. All screen coordinates are OUTPUT pixels (SDL_GetRendererOutputSize), which on a
 * high-DPI screen are more than the window's logical pixels; the caller converts mouse positions.
 *
 * The canvas is drawn at `scale` output pixels per canvas pixel with its top-left corner at
 * (ox, oy) inside the canvas area, which starts at the window's top-left. So canvas point (cx, cy)
 * is at screen (ox + cx*scale, oy + cy*scale), and canvas pixel (x, y) covers the screen square
 * from (ox + x*scale, oy + y*scale) to (ox + (x+1)*scale, oy + (y+1)*scale). */
#ifndef PLACE_SDL_VIEW_H
#define PLACE_SDL_VIEW_H

#include <stdint.h>

#define VIEW_MAX_SCALE 40.0   /* output px per canvas pixel at the closest zoom (times ui_scale) */
#define VIEW_WHEEL_STEP 1.25  /* zoom factor per wheel notch */
#define VIEW_KEY_STEP 2.0     /* zoom factor per + / - key press */

typedef struct view {
    int area_w, area_h;  /* the canvas area in output pixels */
    uint32_t cw, ch;     /* canvas size in pixels; 0 until known */
    double scale;        /* output pixels per canvas pixel */
    double ox, oy;       /* screen position of the canvas's top-left corner */
    double ui_scale;     /* output pixels per logical pixel (high DPI); 1 by default */
    int fitted;          /* showing the whole canvas: a resize refits instead of keeping the zoom */
} view;

/* Prepares a view with no canvas yet. */
void view_init(view *v, int area_w, int area_h, double ui_scale);

/* Sets the canvas area (a window resize). A fitted view refits; otherwise the canvas point at the
 * centre of the area stays at the centre. */
void view_set_area(view *v, int area_w, int area_h);

/* Sets the canvas size; a first size or a change fits the whole canvas. */
void view_set_canvas(view *v, uint32_t cw, uint32_t ch);

/* The scale that shows the whole canvas, centred (the least zoom allowed). */
double view_fit_scale(const view *v);

/* The largest scale allowed: VIEW_MAX_SCALE * ui_scale, or the fit scale if that is larger. */
double view_max_scale(const view *v);

/* Shows the whole canvas, centred. */
void view_fit(view *v);

/* Multiplies the scale by factor (clamped to [fit, max]) keeping the canvas point under screen
 * position (px, py) where it is. Returns 1 if the scale changed. */
int view_zoom_at(view *v, double factor, double px, double py);

/* Moves the canvas by (dx, dy) screen pixels (a drag: the canvas follows the pointer). The canvas
 * point at the centre of the area is kept inside the canvas, so the canvas cannot be lost. */
void view_pan(view *v, double dx, double dy);

/* Screen position -> canvas coordinates (fractional) and back. */
void view_to_canvas(const view *v, double sx, double sy, double *cx, double *cy);
void view_to_screen(const view *v, double cx, double cy, double *sx, double *sy);

/* The canvas pixel under screen position (sx, sy). Returns 1, or 0 if it is outside the canvas
 * (or the canvas size is unknown). */
int view_pixel_at(const view *v, double sx, double sy, int *x, int *y);

/* The screen rectangle [x0, x1) x [y0, y1) that canvas pixels [x, x+w) x [y, y+h) cover, with
 * edges rounded the way the renderer rounds them (so adjacent rectangles share edges). */
void view_rect_of(const view *v, int x, int y, int w, int h, int *x0, int *y0, int *x1, int *y1);

/* The canvas pixels at least partly visible in the area: [x0, x1) x [y0, y1), clipped to the
 * canvas. Returns 0 if none. */
int view_visible(const view *v, int *x0, int *y0, int *x1, int *y1);

/* Scrolls the least amount that brings canvas pixel (x, y) fully into the area, with `margin`
 * screen pixels to spare where the area allows it. */
void view_ensure_visible(view *v, int x, int y, double margin);

/* How many canvas pixels one cursor key press moves at this scale: 1 when a pixel is at least
 * 4 screen pixels wide, else enough pixels to move about 8 screen pixels. */
int view_key_step(const view *v);

#endif

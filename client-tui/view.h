/* What part of the canvas place-tui shows, and drawing it with half blocks: each character cell
 * shows two "units" stacked (upper half block, foreground = top, background = bottom); a unit is
 * one pixel, part of a zoomed-in pixel, or a block of pixels when zoomed out. */
#ifndef PLACE_TUI_VIEW_H
#define PLACE_TUI_VIEW_H

#include <stdint.h>

#include "place/client.h"
#include "place/template.h"

typedef struct view {
    int cols, rows;   /* canvas area in cells, at the screen's top-left */
    uint32_t cw, ch;  /* canvas size in pixels (0 until known) */
    int zoom;         /* >= 1: units per pixel side; <= -2: pixels per unit side (a block) */
    int ox, oy;       /* canvas pixel at unit (0, 0); may be negative */
    int cx, cy;       /* the cursor, a canvas pixel */
    int no_blocks;    /* one unit per cell, drawn whole: the locale cannot show half blocks,
                         or the terminal has 8 or 16 colours and draws some palette colours
                         with shading glyphs (colors.h, tcolor_look) */
    /* The template overlay (docs/templates.md), set by the app before drawing; NULL: none.
     * A terminal cell cannot be translucent, so where the canvas differs from the template
     * the template's colour is drawn instead (the picture as it should end up); with tmpl_dots,
     * once a pixel covers whole cells, the canvas is drawn as it is and the middle cell of each
     * differing pixel holds tmpl_dot in the template's colour. */
    const place_template *tmpl;
    int tmpl_dots;
    const wchar_t *tmpl_dot;
} view;

/* Sets the canvas area (after a resize). Keeps zoom, origin and cursor. */
void view_set_area(view *v, int cols, int rows);

/* Sets the canvas size; a first size (or a change) fits the whole canvas and centres the
 * cursor. */
void view_set_canvas(view *v, uint32_t w, uint32_t h);

/* Zooms to show the whole canvas. */
void view_fit(view *v);

/* Zooms in (in = 1) or out (0) one step, keeping the cursor where it is on screen. Zooming out
 * stops at the whole-canvas fit. Returns 1 if the zoom changed. */
int view_zoom(view *v, int in);

/* Moves the cursor by (dx, dy) steps of one unit (one pixel when zoomed in, a block when zoomed
 * out), clamped to the canvas; scrolls the view to keep it visible. */
void view_move_cursor(view *v, int dx, int dy);

/* Puts the cursor on pixel (x, y) (clamped) and scrolls to it. */
void view_set_cursor(view *v, int x, int y);

/* Moves the view by whole cells (mouse drag): the canvas follows the pointer. */
void view_pan_cells(view *v, int dcols, int drows);

/* The pixel shown at cell (col, row), in its top (half 0) or bottom (1) unit. Returns 1, or 0
 * when the unit is outside the canvas. */
int view_pixel_at(const view *v, int col, int row, int half, int *x, int *y);

/* The cells showing pixels [x, x+w) x [y, y+h), clipped to the area. Returns 0 if none. */
int view_cells_of(const view *v, int x, int y, int w, int h, int *c0, int *r0, int *c1, int *r1);

/* Draws cells [c0..c1] x [r0..r1] of the canvas into stdscr; the cursor's unit shows colour
 * `selected`, blinking. */
void view_draw(const view *v, const place_client_canvas *cv, int c0, int r0, int c1, int r1,
               int selected);

#endif

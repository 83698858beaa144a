/* place-sdl's minimap: the whole canvas small in the top-right corner of the canvas area, the
 * part the view shows framed on it; a click (or a drag) on it centres the view there. `m`
 * turns it on and off.
 *
 * Its image is one small streaming texture, each of its pixels a block of the canvas in the
 * overview colour every client shares (place_block_color), rebuilt at most every
 * MINIMAP_REBUILD_MS while the canvas changes, so a busy canvas costs a few small uploads a
 * second whatever its size. It shows what the view shows (place_front_canvas: in time mode the
 * canvas of that moment, with the heatmap when it is on). */
#ifndef PLACE_SDL_MINIMAP_H
#define PLACE_SDL_MINIMAP_H

#include <SDL.h>
#include <stdint.h>

#define MINIMAP_SIDE 160        /* logical px of its longer side */
#define MINIMAP_REBUILD_MS 500

typedef struct app app;

/* Where it is on screen (output pixels). Returns 0 when it is not shown (off, or no canvas). */
int minimap_rect(const app *a, SDL_Rect *r);

/* Draws it (call inside the canvas area's clip). */
void minimap_draw(app *a);

/* The canvas pixel under screen point (sx, sy) if it is on the minimap: returns 1 and sets
 * *x, *y; else 0. */
int minimap_pixel_at(const app *a, int sx, int sy, int *x, int *y);

/* Frees its texture (a new canvas or renderer makes a new one). */
void minimap_free(app *a);

#endif

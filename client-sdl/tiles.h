/* The canvas on the GPU: a grid of streaming textures (TILES_SIDE pixels a side), each updated
 * only in the rectangle whose pixels changed, drawn with nearest-neighbour scaling.
 *
 * The canvas itself stays in RAM (the engine's palette-index buffer, and a copy of it here: a
 * texture lock is write-only, so changes are found by comparing against the copy, and a dirty
 * rectangle is rewritten whole from the copy). */
#ifndef PLACE_SDL_TILES_H
#define PLACE_SDL_TILES_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

#define TILES_SIDE 256

typedef struct tiles tiles;

/* What tiles_upload did, for the benchmark. */
typedef struct tiles_stats {
    uint64_t tiles_uploaded; /* texture updates so far */
    uint64_t pixels_uploaded;
    double upload_ms;        /* time spent writing textures */
} tiles_stats;

/* Creates the textures for a cw x ch canvas, all white, on renderer r, in pixel format
 * `format` (the window's, so drawing them needs no conversion; a format that is not 32 bits a
 * pixel is replaced by ARGB8888). Returns 0, or -1 with a sentence in err. */
int tiles_new(SDL_Renderer *r, Uint32 format, uint32_t cw, uint32_t ch, tiles **out, char *err,
              size_t errlen);

/* Frees the textures and the copy. Accepts NULL. */
void tiles_free(tiles *t);

/* Compares pixels [x, x+w) x [y, y+h) of `pixels` (the whole canvas, cw*ch palette indices) with
 * the copy, takes the changes into it and marks the tiles they touch. The rectangle is clipped to
 * the canvas. Returns the number of rows that differed (0: nothing to redraw). */
int tiles_mark(tiles *t, const uint8_t *pixels, int x, int y, int w, int h);

/* Writes marked rectangles into their textures, taking tiles in turn from where the previous
 * call stopped, until about `budget` pixels are written (0: all). A burst of pixels scattered
 * over the whole canvas so spreads its upload over a few frames instead of stalling one.
 * Returns 1 if marked rectangles remain, 0 if none, or -1 if a texture could not be locked (its
 * rectangle stays marked and is retried next time). */
int tiles_upload(tiles *t, long budget);

/* Draws the visible part of the canvas where view v puts it. Returns 0 or -1 (SDL error). */
int tiles_draw(tiles *t, SDL_Renderer *r, const view *v);

void tiles_get_stats(const tiles *t, tiles_stats *out);

#endif

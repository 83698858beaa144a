/* The 16-colour palette every Place program shares. */
#ifndef PLACE_PALETTE_H
#define PLACE_PALETTE_H

#include <stddef.h>
#include <stdint.h>

#define PLACE_COLORS 16

typedef struct place_rgb {
    uint8_t r, g, b;
} place_rgb;

/* r/place 2017's palette, index 0..15: white, light grey, grey, black, pink, red, orange, brown,
 * yellow, lime, green, cyan, blue, dark blue, magenta, purple. */
extern const place_rgb place_palette[PLACE_COLORS];

/* A short English name for colour `idx` ("red"), or "?" when idx is out of range. */
const char *place_color_name(int idx);

/* Writes "#RRGGBB" and a terminating NUL into out. Returns 0, or -1 if idx is out of range. */
int place_color_hex(int idx, char out[8]);

/* The palette index closest to (r, g, b) in squared RGB distance. */
int place_palette_nearest(uint8_t r, uint8_t g, uint8_t b);

/* The one colour to draw for the block [x0, x1) x [y0, y1) of a canvas (palette indices, stride
 * bytes a row) when it is shown as one unit, zoomed out: its most common colour (judged from at most 8 x 8
 * evenly spread pixels), unless another
 * colour fills at least one whole row or column of the block (a 1-pixel line crossing it), in
 * which case the line's colour that differs most from the most common one, so that thin lines
 * on a uniform ground stay visible in the overview. Every client's overview uses this rule.
 * Returns -1 for an empty block. */
int place_block_color(const uint8_t *pixels, size_t stride, int x0, int y0, int x1, int y1);

#endif

/* The shared 16-colour palette. */
#include "place/palette.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

const place_rgb place_palette[PLACE_COLORS] = {
    {0xFF, 0xFF, 0xFF}, {0xE4, 0xE4, 0xE4}, {0x88, 0x88, 0x88}, {0x22, 0x22, 0x22},
    {0xFF, 0xA7, 0xD1}, {0xE5, 0x00, 0x00}, {0xE5, 0x95, 0x00}, {0xA0, 0x6A, 0x42},
    {0xE5, 0xD9, 0x00}, {0x94, 0xE0, 0x44}, {0x02, 0xBE, 0x01}, {0x00, 0xD3, 0xDD},
    {0x00, 0x83, 0xC7}, {0x00, 0x00, 0xEA}, {0xCF, 0x6E, 0xE4}, {0x82, 0x00, 0x80},
};

static const char *const color_names[PLACE_COLORS] = {
    "white", "light grey", "grey",  "black", "pink", "red",       "orange",  "brown",
    "yellow", "lime",      "green", "cyan",  "blue", "dark blue", "magenta", "purple",
};

const char *place_color_name(int idx)
{
    if (idx < 0 || idx >= PLACE_COLORS)
        return "?";
    return color_names[idx];
}

int place_color_hex(int idx, char out[8])
{
    if (idx < 0 || idx >= PLACE_COLORS)
        return -1;
    const place_rgb *c = &place_palette[idx];
    snprintf(out, 8, "#%02X%02X%02X", c->r, c->g, c->b);
    return 0;
}

int place_palette_nearest(uint8_t r, uint8_t g, uint8_t b)
{
    int best = 0;
    long best_d = LONG_MAX;
    for (int i = 0; i < PLACE_COLORS; i++) {
        long dr = (long)r - place_palette[i].r;
        long dg = (long)g - place_palette[i].g;
        long db = (long)b - place_palette[i].b;
        long d = dr * dr + dg * dg + db * db;
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

/* How far apart two palette colours look: squared RGB distance weighted like the eye. */
static long color_gap(int a, int b)
{
    long dr = place_palette[a].r - place_palette[b].r, dg = place_palette[a].g - place_palette[b].g,
         db = place_palette[a].b - place_palette[b].b;
    return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

#define BLOCK_MAX_COLS 4096 /* columns judged for a full line; wider blocks judge their first */

int place_block_color(const uint8_t *pixels, size_t stride, int x0, int y0, int x1, int y1)
{
    if (x0 >= x1 || y0 >= y1)
        return -1;
    int w = x1 - x0, h = y1 - y0;
    /* The most common colour, judged from at most 8 x 8 evenly spread pixels. */
    int hist[PLACE_COLORS] = {0};
    int sx = (w + 7) / 8, sy = (h + 7) / 8;
    for (int y = y0; y < y1; y += sy) {
        const uint8_t *row = pixels + (size_t)y * stride;
        for (int x = x0; x < x1; x += sx)
            hist[row[x] & 15]++;
    }
    int dominant = 0;
    for (int i = 1; i < PLACE_COLORS; i++)
        if (hist[i] > hist[dominant])
            dominant = i;
    /* Lines: every row, every column, judged whole (a 1-pixel line is never sampled away).
     * A row is a line when all its bytes equal the first; a column when every row agrees with
     * the first row there. Both loops are plain byte compares the compiler vectorises. */
    int line[PLACE_COLORS] = {0};
    uint8_t col_same[BLOCK_MAX_COLS];
    int ncols = w < BLOCK_MAX_COLS ? w : BLOCK_MAX_COLS;
    const uint8_t *first = pixels + (size_t)y0 * stride + x0;
    memset(col_same, 1, (size_t)ncols);
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = pixels + (size_t)y * stride + x0;
        if (w >= 2 && memcmp(row, row + 1, (size_t)w - 1) == 0) /* a one-pixel-wide block has no lines */
            line[row[0] & 15] = 1;
        for (int k = 0; k < ncols; k++)
            col_same[k] &= (uint8_t)(row[k] == first[k]);
    }
    for (int k = 0; k < ncols && h >= 2; k++)
        if (col_same[k])
            line[first[k] & 15] = 1;
    int best = dominant;
    long best_gap = 0;
    for (int i = 0; i < PLACE_COLORS; i++) {
        if (i == dominant || !line[i])
            continue;
        long g = color_gap(i, dominant);
        if (g > best_gap) {
            best_gap = g;
            best = i;
        }
    }
    return best;
}

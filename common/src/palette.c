/* The shared 16-colour palette. */
#include "place/palette.h"

#include <limits.h>
#include <stdio.h>

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

/* Colour detection and half-block pairs (colors.h). The palette is place_palette; the terminal
 * colour for each entry is worked out once, pairs are made lazily (at most 17 x 17 of them). */
#include "colors.h"

#include <curses.h>
#include <wchar.h>
#include <stdlib.h>

#include "place/palette.h"

static tcolor_mode mode;
static int term_color[PLACE_COLORS]; /* terminal colour number of each palette entry */
static short pair_of[PLACE_COLORS + 1][PLACE_COLORS + 1]; /* [fg+1][bg+1], 0: not made yet */
static int next_pair = 1;

/* 8 and 16 colours: how each palette entry is drawn so that all 16 stay apart (a solid cell, or
 * a shading glyph mixing two terminal colours). */
static const wchar_t *look_glyph[PLACE_COLORS];
static int look_pair[PLACE_COLORS];

/* xterm's defaults for the 16 ANSI colours, the reference for 8/16-colour terminals. */
static const place_rgb ansi16[16] = {
    {0, 0, 0},       {205, 0, 0},     {0, 205, 0},   {205, 205, 0},
    {0, 0, 238},     {205, 0, 205},   {0, 205, 205}, {229, 229, 229},
    {127, 127, 127}, {255, 0, 0},     {0, 255, 0},   {255, 255, 0},
    {92, 92, 255},   {255, 0, 255},   {0, 255, 255}, {255, 255, 255},
};

static long dist2(place_rgb a, int r, int g, int b)
{
    long dr = a.r - r, dg = a.g - g, db = a.b - b;
    /* Weighted like the eye: green counts most, blue least. */
    return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

/* The xterm 256-colour index (16..255: the 6x6x6 cube and the grey ramp, which terminals do
 * not re-theme, unlike 0..15) nearest to c. */
static int nearest256(place_rgb c)
{
    static const int level[6] = {0, 95, 135, 175, 215, 255};
    int best = 16;
    long best_d = -1;
    for (int i = 16; i < 256; i++) {
        int r, g, b;
        if (i < 232) {
            int k = i - 16;
            r = level[k / 36];
            g = level[(k / 6) % 6];
            b = level[k % 6];
        } else {
            r = g = b = 8 + 10 * (i - 232);
        }
        long d = dist2(c, r, g, b);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static int nearest_ansi(place_rgb c, int n)
{
    int best = 0;
    long best_d = -1;
    for (int i = 0; i < n; i++) {
        long d = dist2(c, ansi16[i].r, ansi16[i].g, ansi16[i].b);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

/* Chooses the 16 looks for 8 or 16 terminal colours: every candidate (a solid colour, or a
 * light, medium or dark shade of one colour over another) is priced by its distance to each
 * palette entry; in palette order (white, the canvas's usual ground, first) each entry takes its
 * cheapest look not yet taken. Solid looks cost a little less, so an entry gets one whenever it
 * is free. Shading glyphs need
 * the locale's Unicode; without it only solid looks are used. */
static void choose_looks(int n, int shades)
{
    enum { MAXC = 16 * 16 * 3 + 16 };
    static const wchar_t *const glyph[4] = {L" ", L"\u2591", L"\u2592", L"\u2593"};
    static const int fg_part[4] = {0, 1, 2, 3}; /* quarters of the cell in the foreground */
    int cf[MAXC], cb[MAXC], cg[MAXC], nc = 0;
    for (int b = 0; b < n; b++) {
        cf[nc] = b, cb[nc] = b, cg[nc] = 0, nc++;
        if (!shades)
            continue;
        for (int f = 0; f < n; f++)
            for (int g = 1; g <= 3 && f != b; g++)
                cf[nc] = f, cb[nc] = b, cg[nc] = g, nc++;
    }
    static long cost[PLACE_COLORS][MAXC];
    for (int i = 0; i < PLACE_COLORS; i++)
        for (int k = 0; k < nc; k++) {
            int q = fg_part[cg[k]];
            place_rgb f = ansi16[cf[k]], b = ansi16[cb[k]];
            int r = (f.r * q + b.r * (4 - q)) / 4, g = (f.g * q + b.g * (4 - q)) / 4,
                bl = (f.b * q + b.b * (4 - q)) / 4;
            cost[i][k] = dist2(place_palette[i], r, g, bl) + (cg[k] ? 15000 : 0);
        }
    int used[MAXC] = {0};
    for (int bi = 0; bi < PLACE_COLORS; bi++) {
        int bk = -1;
        for (int k = 0; k < nc; k++)
            if (!used[k] && (bk < 0 || cost[bi][k] < cost[bi][bk]))
                bk = k;
        if (bk < 0)
            continue; /* 8 colours without shading glyphs: the rest share the nearest colour */
        used[bk] = 1;
        look_glyph[bi] = glyph[cg[bk]];
        int pair = next_pair < COLOR_PAIRS && next_pair <= 32767 ? next_pair++ : 0;
        if (pair && init_extended_pair(pair, cg[bk] ? cf[bk] : cb[bk], cb[bk]) != OK)
            pair = 0;
        look_pair[bi] = pair;
    }
}

int tcolor_look(int idx, const wchar_t **glyph, int *pair)
{
    if ((mode != TCOLOR_8 && mode != TCOLOR_16) || idx < 0 || idx >= PLACE_COLORS ||
        !look_glyph[idx])
        return 0;
    *glyph = look_glyph[idx];
    *pair = look_pair[idx];
    return 1;
}

tcolor_mode tcolor_init_looks(int shades)
{
    tcolor_mode m = tcolor_init();
    if (m == TCOLOR_8 || m == TCOLOR_16)
        choose_looks(m == TCOLOR_8 ? 8 : 16, shades);
    return m;
}

tcolor_mode tcolor_init(void)
{
    mode = TCOLOR_NONE;
    if (has_colors() && start_color() == OK) {
        use_default_colors();
        if (COLORS >= 0x1000000)
            mode = TCOLOR_DIRECT;
        else if (COLORS >= 256)
            mode = TCOLOR_256;
        else if (COLORS >= 16)
            mode = TCOLOR_16;
        else if (COLORS >= 8)
            mode = TCOLOR_8;
    }
    for (int i = 0; i < PLACE_COLORS; i++) {
        place_rgb c = place_palette[i];
        switch (mode) {
        case TCOLOR_DIRECT: term_color[i] = (c.r << 16) | (c.g << 8) | c.b; break;
        case TCOLOR_256: term_color[i] = nearest256(c); break;
        case TCOLOR_16: term_color[i] = nearest_ansi(c, 16); break;
        case TCOLOR_8: term_color[i] = nearest_ansi(c, 8); break;
        case TCOLOR_NONE: term_color[i] = -1; break;
        }
    }
    return mode;
}

tcolor_mode tcolor_mode_get(void)
{
    return mode;
}

const char *tcolor_mode_name(void)
{
    switch (mode) {
    case TCOLOR_DIRECT: return "24-bit";
    case TCOLOR_256: return "256 colours";
    case TCOLOR_16: return "16 colours";
    case TCOLOR_8: return "8 colours";
    case TCOLOR_NONE: break;
    }
    return "monochrome";
}

int tcolor_pair(int fg, int bg)
{
    if (mode == TCOLOR_NONE)
        return 0;
    short *slot = &pair_of[fg + 1][bg + 1];
    if (*slot)
        return *slot;
    if (next_pair >= COLOR_PAIRS || next_pair > 32767)
        return 0;
    int f = fg < 0 ? -1 : term_color[fg], b = bg < 0 ? -1 : term_color[bg];
    if (init_extended_pair(next_pair, f, b) != OK)
        return 0;
    *slot = (short)next_pair++;
    return *slot;
}

int tcolor_luma(int idx)
{
    if (idx < 0 || idx >= PLACE_COLORS)
        return 0;
    place_rgb c = place_palette[idx];
    return (299 * c.r + 587 * c.g + 114 * c.b) / 1000;
}

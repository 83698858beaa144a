/* Terminal colours for place-tui: the best the terminal offers (24-bit, else the nearest of 256,
 * else of 16 or 8) and colour pairs for a half-block cell (top pixel as foreground, bottom pixel
 * as background), allocated on first use. */
#ifndef PLACE_TUI_COLORS_H
#define PLACE_TUI_COLORS_H

#include <wchar.h>

typedef enum tcolor_mode {
    TCOLOR_NONE = 0, /* monochrome: shades drawn with characters */
    TCOLOR_8,
    TCOLOR_16,
    TCOLOR_256,
    TCOLOR_DIRECT, /* 24-bit */
} tcolor_mode;

#define TCOLOR_DEFAULT (-1) /* the terminal's own background */

/* Picks the mode from what ncurses found (call after term_init). Returns the mode. */
tcolor_mode tcolor_init(void);

/* tcolor_init, and with 8 or 16 colours also a look for each palette entry (tcolor_look) such
 * that the 16 stay distinguishable: shading glyphs mixing two colours where solid colours
 * collide (shades: the locale can show U+2591..U+2593). */
tcolor_mode tcolor_init_looks(int shades);

/* With 8 or 16 colours: the glyph and colour pair drawing palette colour idx in one cell.
 * Returns 1, or 0 in the other modes (draw with tcolor_pair). */
int tcolor_look(int idx, const wchar_t **glyph, int *pair);

/* The mode tcolor_init picked. */
tcolor_mode tcolor_mode_get(void);

/* "24-bit", "256 colours", "16 colours", "8 colours", "monochrome". */
const char *tcolor_mode_name(void);

/* The colour pair drawing palette colour fg on palette colour bg (each 0..15 or
 * TCOLOR_DEFAULT). Returns the pair number, or 0 (the default pair) if the terminal has no
 * colours or no pairs left. */
int tcolor_pair(int fg, int bg);

/* Luminance 0..255 of palette colour idx, for monochrome shading and readable text on it. */
int tcolor_luma(int idx);

#endif

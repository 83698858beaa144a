/* Terminal colours for place-tui: the best the terminal offers (24-bit, else the nearest of 256,
 * else of 16 or 8) and colour pairs for a half-block cell (top pixel as foreground, bottom pixel
 * as background), allocated on first use. */
#ifndef PLACE_TUI_COLORS_H
#define PLACE_TUI_COLORS_H

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

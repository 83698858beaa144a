/* place-tui's redraw benchmark (--bench-redraw). */
#ifndef PLACE_TUI_BENCH_H
#define PLACE_TUI_BENCH_H

#include <stdint.h>

/* Draws `frames` full redraws of a cols x rows terminal (into a pipe that counts the bytes, not
 * a screen) showing a side x side canvas at whole-canvas zoom, and prints the figures on stdout.
 * Needs no terminal and no server. Returns the exit status. */
int bench_redraw(int frames, int cols, int rows, uint32_t side);

#endif

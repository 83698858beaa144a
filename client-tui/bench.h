/* place-tui's redraw benchmark (--bench-redraw). */
#ifndef PLACE_TUI_BENCH_H
#define PLACE_TUI_BENCH_H

#include <stdint.h>

/* Draws `frames` full redraws of a cols x rows terminal (into a pipe that counts the bytes, not
 * a screen) showing a side x side canvas at whole-canvas zoom, and prints the figures on stdout.
 * Needs no terminal and no server. Returns the exit status. */
int bench_redraw(int frames, int cols, int rows, uint32_t side);

/* Runs the engine connected to url for `seconds` the way place-tui does (asleep in poll on the
 * wake pipe, draining events when woken) without a terminal, then prints the process's CPU
 * time (all threads), the wake-ups and the events. Returns the exit status (1 if it never
 * connected). */
int bench_idle(const char *url, const char *token, int seconds);

#endif

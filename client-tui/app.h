/* place-tui's screen and main loop: canvas, palette bar, status and message lines, keys and
 * mouse (docs/keys.md), popups for help and pixel history. */
#ifndef PLACE_TUI_APP_H
#define PLACE_TUI_APP_H

#include <stdint.h>

/* Runs the client against url with the session token (NULL: a guest session) until the player
 * quits or a signal arrives. The terminal is set up and restored here. Returns the exit status. */
int app_run(const char *url, const char *token);

/* Benchmark: draws `frames` full redraws of a cols x rows terminal (output to a byte counter,
 * not a screen) showing a side x side canvas at whole-canvas zoom, and prints the figures on
 * stdout. Needs no terminal and no server. Returns the exit status. */
int app_bench_redraw(int frames, int cols, int rows, uint32_t side);

#endif

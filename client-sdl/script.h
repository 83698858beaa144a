/* place-sdl's test mode: a script of synthetic input and checks, run by the main loop one step
 * per turn (`place-sdl --script FILE`). The synthetic events go into SDL's queue, so they take
 * exactly the path a player's input takes. One command a line; `#` starts a comment:
 *
 *   wait connected [MS]          connected, canvas known and not stale (default timeout 10000)
 *   wait pixel X Y COLOR [MS]    the canvas shows palette index COLOR at (X, Y) (in time mode the
 *                                canvas of that moment; with the heatmap on, the overlay's)
 *   wait message TEXT            the message line contains TEXT, or a message said since
 *                                the previous step did (one may replace another in a turn)
 *   wait banner TEXT             the banner (disconnected, connecting...) contains TEXT
 *   wait status TEXT             the bar's second row (cursor, connection, zoom, template
 *                                progress) contains TEXT
 *   wait bar TEXT                the placing state in the bar ("next pixel in 5 s") contains TEXT
 *   wait title TEXT              the window title contains TEXT
 *   wait flashed [MS]            the window asked for attention (SDL_FlashWindow) at least once
 *   wait cooldown [MS]           the cooldown is running
 *   wait disconnected [MS]       the connection is lost (the engine is retrying)
 *   wait info [MS]               the pixel history box is open
 *   wait time SEQ [MS]           time mode shows the canvas of sequence number SEQ
 *   wait heatmap [MS]            the heatmap overlay is on and has arrived
 *   sleep MS
 *   move X Y                     pointer to window position (X, Y), logical pixels
 *   click X Y [ctrl|right]       press and release there (ctrl: with Ctrl held)
 *   drag X0 Y0 X1 Y1             press at (X0, Y0), move in steps, release at (X1, Y1)
 *   wheel X Y NOTCHES            wheel at (X, Y); positive zooms in; may be fractional
 *   key NAME                     one printable character is typed; otherwise an SDL key name
 *                                (Up, Return, Escape, Tab...), optionally shift+ or ctrl+
 *   type TEXT                    types the characters of TEXT
 *   resize W H                   resizes the window
 *   shot FILE                    writes the next frame to FILE (24-bit BMP)
 *   view                         prints the view: scale, origin, area, cursor, canvas size and
 *                                the minimap's rectangle (x,y,w,h; 0,0,0,0 when off)
 *   echo TEXT                    prints "script: TEXT"
 *   quit                         ends the program with status 0
 *
 * The minimap starts off in test mode (key m turns it on), so that screen positions of canvas
 * pixels do not depend on it.
 *
 * A wait that times out, a failed screenshot or a bad line ends the program with status 3. */
#ifndef PLACE_SDL_SCRIPT_H
#define PLACE_SDL_SCRIPT_H

#include <stddef.h>

#include "app.h"

/* Reads and checks the script at path. Returns 0, or -1 with a sentence in err. */
int script_load(const char *path, script **out, char *err, size_t errlen);

/* Frees it. Accepts NULL. */
void script_free(script *s);

/* Runs the script as far as it can go in this turn of the loop. Returns 0 to go on, 1 when the
 * script quit, -1 when it failed (the reason is on stderr). */
int script_step(script *s, app *a);

#endif

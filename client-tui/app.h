/* place-tui's screen and main loop: canvas, palette bar, status and message lines, keys and
 * mouse (docs/keys.md), popups for help and pixel history. */
#ifndef PLACE_TUI_APP_H
#define PLACE_TUI_APP_H

#include "place/template.h"

/* Runs the client against url with the session token (NULL: a guest session) until the player
 * quits or a signal arrives, showing the template tmpl (NULL: none; taken over and freed); bell:
 * ring the terminal's bell when the cooldown ends. The terminal is set up and restored here.
 * Returns the exit status. */
int app_run(const char *url, const char *token, place_template *tmpl, int bell);

#endif

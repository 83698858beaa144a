/* The terminal's life cycle for place-tui: set up ncurses, and restore the terminal on every way
 * out -- a normal quit, a fatal error, SIGINT/SIGTERM/SIGHUP/SIGQUIT, even a crash. Every exit
 * path goes through this module. */
#ifndef PLACE_TUI_TERMINAL_H
#define PLACE_TUI_TERMINAL_H

#include <stdio.h>

/* Starts ncurses on the controlling terminal: raw-ish input (cbreak, no echo, keypad, mouse),
 * the alternate screen, and a 24-bit terminfo entry when $COLORTERM says the terminal has
 * 24-bit colour but $TERM's entry does not (xterm-256color -> xterm-direct). Installs the signal
 * handlers. Returns 0, or -1 with a sentence in err (not a terminal, unknown $TERM). */
int term_init(char *err, size_t errlen);

/* Restores the terminal (mouse off, normal screen, echo, cursor). Idempotent, safe before
 * term_init, registered with atexit. */
void term_restore(void);

/* The read end of a pipe that becomes readable when a terminating signal arrived; poll it. */
/* Mouse motion is reported only while a button is held (call after the first refresh). */
void term_mouse_drag_only(void);

int term_signal_fd(void);

/* The signal that asked us to stop, or 0. Drains term_signal_fd. */
int term_take_signal(void);

/* Restores the terminal, prints "place-tui: <message>" on stderr and exits with status 1. */
void term_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif

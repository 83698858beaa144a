/* Terminal set-up and restore (term.h). Restore is idempotent and runs from: the normal quit
 * path, atexit (errors that call exit), term_die, the terminating signals (through the main
 * loop, via a self-pipe, so ncurses is never called from a handler), and the fatal signals
 * (SIGSEGV and friends: only async-signal-safe write/tcsetattr, then the default action). */
#include "terminal.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* What a crashed process writes before dying: mouse reporting off, attributes reset, cursor
 * shown, alternate screen left. */
static const char crash_reset[] = "\033[?1003l\033[?1002l\033[?1000l\033[?1006l\033[0m\033[?25h"
                                  "\033[?1049l\r\n";

static int active;
static int mouse_on; /* the terminal reports the mouse, so there is a mode to switch off */
static SCREEN *screen;
static struct termios saved_tio;
static int have_saved_tio;
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t pending_signal;

static void on_stop_signal(int sig)
{
    int saved = errno;
    pending_signal = sig;
    if (sig_pipe[1] >= 0) {
        char b = 1;
        if (write(sig_pipe[1], &b, 1) < 0) {
            /* the pipe is full: a wake-up is already pending */
        }
    }
    errno = saved;
}

static void on_fatal_signal(int sig)
{
    if (active) {
        if (write(STDOUT_FILENO, crash_reset, sizeof crash_reset - 1) < 0) {
            /* nothing more can be done from here */
        }
        if (have_saved_tio)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void term_restore(void)
{
    if (!active)
        return;
    active = 0;
    mousemask(0, NULL);
    if (mouse_on) {
        /* Belt and braces: a terminal left reporting motion floods the shell with escapes. */
        fputs("\033[?1003l\033[?1002l", stdout);
        fflush(stdout);
    }
    curs_set(1);
    endwin();
    if (screen) {
        delscreen(screen);
        screen = NULL;
    }
    if (have_saved_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    fflush(stdout);
}

void term_die(const char *fmt, ...)
{
    term_restore();
    va_list ap;
    va_start(ap, fmt);
    fputs("place-tui: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void term_mouse_drag_only(void)
{
    /* ncurses asks for every motion (1003), and only once it first reads or draws; motion with
     * a button held (1002) is all a drag needs, and it lets app.c take any motion report as part
     * of a drag, even when ncurses has merged its press away. */
    if (mouse_on) {
        putp("\033[?1003l\033[?1002h");
        fflush(stdout);
    }
}

int term_signal_fd(void)
{
    return sig_pipe[0];
}

int term_take_signal(void)
{
    char buf[64];
    while (read(sig_pipe[0], buf, sizeof buf) > 0) {
    }
    return pending_signal;
}

/* $TERM's 24-bit sibling ("xterm-256color" -> "xterm-direct") if the terminal says it has
 * 24-bit colour; NULL otherwise. newterm() tells whether the entry exists. */
static const char *direct_variant(char *buf, size_t cap)
{
    const char *ct = getenv("COLORTERM"), *t = getenv("TERM");
    if (!ct || !t || (strcmp(ct, "truecolor") != 0 && strcmp(ct, "24bit") != 0))
        return NULL;
    if (strstr(t, "direct"))
        return NULL;
    size_t base = strcspn(t, "-");
    snprintf(buf, cap, "%.*s-direct", (int)base, t);
    return buf;
}

int term_init(char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "standard input and output must be a terminal");
        return -1;
    }
    if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
        have_saved_tio = 1;
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        sigaction(stops[i], &sa, NULL);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    int fatals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatals / sizeof fatals[0]; i++)
        sigaction(fatals[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!getenv("ESCDELAY"))
        set_escdelay(25);
    char dbuf[128];
    const char *name = direct_variant(dbuf, sizeof dbuf);
    screen = name ? newterm(name, stdout, stdin) : NULL;
    if (!screen)
        screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        snprintf(err, errlen, "cannot start the terminal (TERM=%s)",
                 getenv("TERM") ? getenv("TERM") : "unset");
        return -1;
    }
    active = 1;
    atexit(term_restore);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    mouseinterval(0);
    /* With REPORT_MOUSE_POSITION ncurses asks an xterm-like terminal for motion reports too,
     * which a drag needs. */
    mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
    mouse_on = has_mouse();
    return 0;
}

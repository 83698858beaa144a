/* place-tui's main loop (app.h). One thread: it sleeps in poll(2) on the terminal, the engine's
 * wake pipe and the signal pipe, with a timeout only while a countdown is on screen, so an idle
 * client uses no CPU. Each turn drains the engine's events, handles the keys, and redraws only
 * the cells that changed (ncurses then sends only the characters that differ). */
#define _XOPEN_SOURCE_EXTENDED 1
#include "app.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "colors.h"
#include "place/client.h"
#include "place/palette.h"
#include "terminal.h"
#include "view.h"

#define DRAG_MIN 1     /* cells the pointer must move before a press becomes a drag */

typedef enum mode { MODE_NORMAL, MODE_PROMPT, MODE_HELP, MODE_INFO, MODE_ACCOUNT } mode;

typedef struct app {
    place_client *c;
    const char *url;
    view v;
    int selected;
    mode mode;
    char prompt[32];
    size_t prompt_len;
    place_client_event info;
    char message[300];
    int message_error;
    int full; /* redraw the whole screen */
    int dirty, dc0, dr0, dc1, dr1;
    int wake_pipe[2];
    int quit;
    /* mouse */
    int pressed, dragged, press_col, press_row, last_col, last_row;
    /* the log-in / registration prompt (u) */
    int acct_reg, acct_step; /* register instead of log in; 0: username, 1: password */
    char acct_user[40], acct_pass[300];
    size_t acct_user_len, acct_pass_len;
    int welcomed; /* the welcome stays on the message line past the new engine's "connected" */
} app;

/* ---- layout ---- */

static int canvas_rows(void)
{
    return LINES > 4 ? LINES - 3 : 1;
}

static int palette_row(void)
{
    return LINES - 3;
}

static int status_row(void)
{
    return LINES - 2;
}

static int message_row(void)
{
    return LINES - 1;
}

/* Columns of one palette entry: key, two swatch cells and a space; narrower terminals drop the
 * space, then a swatch cell, so that all 16 colours stay on the bar. */
static int palette_cell(void)
{
    return COLS >= 16 * 4 + 10 ? 4 : COLS >= 16 * 3 ? 3 : 2;
}

static void mark_cells(app *a, int c0, int r0, int c1, int r1)
{
    if (!a->dirty) {
        a->dirty = 1;
        a->dc0 = c0, a->dr0 = r0, a->dc1 = c1, a->dr1 = r1;
        return;
    }
    if (c0 < a->dc0) a->dc0 = c0;
    if (r0 < a->dr0) a->dr0 = r0;
    if (c1 > a->dc1) a->dc1 = c1;
    if (r1 > a->dr1) a->dr1 = r1;
}

static void mark_pixels(app *a, int x, int y, int w, int h)
{
    int c0, r0, c1, r1;
    if (view_cells_of(&a->v, x, y, w, h, &c0, &r0, &c1, &r1))
        mark_cells(a, c0, r0, c1, r1);
}

static void say(app *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(app *a, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_error = error;
}

/* ---- drawing ---- */

static void draw_palette(app *a)
{
    int row = palette_row();
    move(row, 0);
    clrtoeol();
    for (int i = 0; i < PLACE_COLORS; i++) {
        int cell = palette_cell();
        int col = i * cell;
        if (col + 2 > COLS)
            break;
        attr_t attr = i == a->selected ? (A_REVERSE | A_BOLD) : A_NORMAL;
        mvaddch(row, col, (chtype)("0123456789abcdef"[i]) | attr);
        cchar_t cc;
        int pair = tcolor_pair(i, i);
        const wchar_t *g = tcolor_mode_get() == TCOLOR_NONE ? L"#" : a->v.no_blocks ? L" " : L"\u2588";
        tcolor_look(i, &g, &pair); /* 8 or 16 colours: as the canvas draws it */
        setcchar(&cc, g, A_NORMAL, (short)pair, NULL);
        mvadd_wch(row, col + 1, &cc);
        if (cell >= 4)
            mvadd_wch(row, col + 2, &cc);
    }
    int col = PLACE_COLORS * palette_cell();
    if (col < COLS)
        mvaddnstr(row, col, place_color_name(a->selected), COLS - col);
}

/* The status line at one level of brevity: 0 says everything in words; each level after is
 * shorter (labels dropped, then short words, then colours by key and the name cut), every field
 * kept. Writes into line and returns its length. */
static int status_text(app *a, const place_client_status *st, int level, char *line, size_t cap)
{
    int64_t now = place_client_now_ms();
    char conn[96], cool[48], who[80] = "", under[32] = "", paint[40], pos[48], zoom[24];
    const char *sep = level >= 2 ? "|" : " | ";
    if (st->conn == PLACE_CONN_DISCONNECTED) {
        char t[24];
        place_client_format_wait(st->retry_at > now ? st->retry_at - now : 0, t, sizeof t);
        place_client_canvas have;
        place_client_canvas_view(a->c, &have);
        if (level == 0)
            snprintf(conn, sizeof conn, "disconnected, retry in %s (%s)", t,
                     have.width ? "stale" : "no canvas yet");
        else if (level == 1)
            snprintf(conn, sizeof conn, "offline, retry %s", t);
        else
            snprintf(conn, sizeof conn, "off %s", t);
    } else if (st->stale && st->conn == PLACE_CONN_CONNECTED) {
        snprintf(conn, sizeof conn, "%s", level == 0 ? "connected (catching up)"
                                          : level == 1 ? "catching up" : "sync");
    } else if (st->conn == PLACE_CONN_CONNECTED) {
        snprintf(conn, sizeof conn, "%s", level <= 1 ? "connected" : "live");
    } else {
        snprintf(conn, sizeof conn, "%s", level <= 1 ? place_client_conn_name(st->conn) : "conn");
    }
    if (st->banned) {
        snprintf(cool, sizeof cool, "BANNED");
        if (st->conn == PLACE_CONN_DISCONNECTED) /* closed by the ban: back in a moment */
            snprintf(conn, sizeof conn, "%s", level == 0 ? "reconnecting to view" : "back soon");
    } else if (st->next_placement > now) {
        char t[24];
        place_client_format_wait(st->next_placement - now, t, sizeof t);
        snprintf(cool, sizeof cool, level <= 1 ? "wait %s" : "%s", t);
    } else {
        snprintf(cool, sizeof cool, "ready");
    }
    if (st->pending)
        snprintf(cool + strlen(cool), sizeof cool - strlen(cool), level <= 1 ? ", %d sending" : "+%d",
                 st->pending);
    if (st->have_user) {
        const char *u = st->user.username;
        if (level == 0)
            snprintf(who, sizeof who, "%s%s%s", sep, u, st->user.is_guest ? " (guest)" : "");
        else if (level < 3 || strlen(u) <= 12)
            snprintf(who, sizeof who, "%s%s", sep, u);
        else
            snprintf(who, sizeof who, "%s%.11s~", sep, u);
    }
    place_client_canvas cv;
    place_client_canvas_view(a->c, &cv);
    if (cv.width && a->v.cx < (int)cv.width && a->v.cy < (int)cv.height) {
        int c = cv.pixels[(size_t)a->v.cy * cv.width + (size_t)a->v.cx];
        if (level >= 3)
            snprintf(under, sizeof under, " #%c", "0123456789abcdef"[c & 15]);
        else
            snprintf(under, sizeof under, " %s", place_color_name(c));
    }
    if (level == 0)
        snprintf(pos, sizeof pos, "x=%d y=%d%s", a->v.cx, a->v.cy, under);
    else
        snprintf(pos, sizeof pos, "%d,%d%s", a->v.cx, a->v.cy, under);
    char key = "0123456789abcdef"[a->selected];
    if (level <= 1)
        snprintf(paint, sizeof paint, "paint %c %s", key, place_color_name(a->selected));
    else if (level == 2)
        snprintf(paint, sizeof paint, "%c %s", key, place_color_name(a->selected));
    else
        snprintf(paint, sizeof paint, "paint #%c", key);
    const char *zl = level == 0 ? "zoom " : "";
    if (a->v.zoom >= 1)
        snprintf(zoom, sizeof zoom, "%s%dx", zl, a->v.zoom);
    else
        snprintf(zoom, sizeof zoom, "%s1/%d", zl, -a->v.zoom);
    int n = snprintf(line, cap, " %s%s%s%s%s%s%s%s%s", conn, sep, pos, sep, paint, sep, cool, who,
                     level >= 2 ? "|" : " | ");
    if (n < 0 || (size_t)n >= cap)
        return (int)cap - 1;
    int z = snprintf(line + n, cap - (size_t)n, "%s", zoom);
    return z < 0 || (size_t)(n + z) >= cap ? (int)cap - 1 : n + z;
}

/* Connection, cursor and the colour under it, the chosen colour, the cooldown, who, the zoom:
 * in the fewest words that fit the width (80 columns hold them all). */
static void draw_status(app *a)
{
    place_client_status st;
    place_client_get_status(a->c, &st);
    char line[512];
    int len = 0;
    for (int level = 0; level <= 3; level++) {
        len = status_text(a, &st, level, line, sizeof line);
        if (len <= COLS)
            break;
    }
    int row = status_row();
    attron(A_REVERSE);
    mvaddnstr(row, 0, line, COLS);
    for (int x = len; x < COLS; x++)
        mvaddch(row, x, ' ');
    attroff(A_REVERSE);
}

/* The account prompt as the message line shows it; the password as stars. */
static const char *account_line(app *a)
{
    static char line[200];
    const char *what = a->acct_reg ? "Register" : "Log in";
    if (a->acct_step == 0) {
        snprintf(line, sizeof line, "%s (Tab: %s, Esc: cancel) username: %s", what,
                 a->acct_reg ? "log in instead" : "register instead", a->acct_user);
    } else {
        char stars[64];
        size_t n = a->acct_pass_len < sizeof stars - 1 ? a->acct_pass_len : sizeof stars - 1;
        memset(stars, '*', n);
        stars[n] = '\0';
        snprintf(line, sizeof line, "%s as %s, password: %s", what, a->acct_user, stars);
    }
    return line;
}

static void draw_message(app *a)
{
    int row = message_row();
    move(row, 0);
    clrtoeol();
    if (a->mode == MODE_PROMPT) {
        char line[96];
        snprintf(line, sizeof line, "Go to x,y: %s", a->prompt);
        mvaddnstr(row, 0, line, COLS);
        return;
    }
    if (a->mode == MODE_ACCOUNT) {
        mvaddnstr(row, 0, account_line(a), COLS);
        return;
    }
    int pair = a->message_error ? tcolor_pair(5, TCOLOR_DEFAULT) : 0;
    attr_t attr = a->message_error ? A_BOLD : A_NORMAL;
    attr_set(attr, (short)pair, NULL);
    mvaddnstr(row, 0, a->message, COLS);
    attr_set(A_NORMAL, 0, NULL);
}

/* A box in the middle of the canvas area holding `n` lines. */
static void draw_box(const char *title, const char *const *lines, int n)
{
    int w = (int)strlen(title) + 4;
    for (int i = 0; i < n; i++)
        if ((int)strlen(lines[i]) + 4 > w)
            w = (int)strlen(lines[i]) + 4;
    if (w > COLS)
        w = COLS;
    int h = n + 2;
    if (h > canvas_rows())
        h = canvas_rows();
    int top = (canvas_rows() - h) / 2, left = (COLS - w) / 2;
    if (top < 0) top = 0;
    if (left < 0) left = 0;
    for (int r = 0; r < h; r++) {
        move(top + r, left);
        for (int x = 0; x < w; x++)
            addch(' ');
    }
    attron(A_BOLD);
    mvaddnstr(top, left + 2, title, w - 4);
    attroff(A_BOLD);
    for (int i = 0; i < n && i + 1 < h; i++)
        mvaddnstr(top + 1 + i, left + 2, lines[i], w - 4);
}

static const char *const help_lines[] = {
    "arrows, h j k l    move the cursor (one cell; one pixel zoomed in)",
    "H J K L, shift+arr move the cursor eight cells",
    "+ or =, -          zoom in, zoom out (around the cursor)",
    "z                  fit the whole canvas",
    "0-9, a-f           choose colour by palette index (hex)",
    "[ ], Tab           previous / next colour",
    "Space, Enter       place the colour under the cursor",
    "g                  go to coordinates (x,y then Enter)",
    "i                  who placed the pixel under the cursor",
    "r                  disconnected: reconnect now",
    "u                  log in or register (Tab switches)",
    "?                  this help",
    "Ctrl-L             redraw the screen",
    "q, Ctrl-C          quit",
    "mouse: click places (on the palette: chooses), drag pans,",
    "       wheel zooms",
    "",
    "Any key closes this help.",
};

static void draw_info(app *a)
{
    char buf[PLACE_CLIENT_HISTORY_MAX + 2][160];
    const char *lines[PLACE_CLIENT_HISTORY_MAX + 2];
    int n = 0;
    place_client_event *e = &a->info;
    if (e->history_count == 0) {
        snprintf(buf[n], sizeof buf[n], "Nobody has placed a pixel here yet.");
        lines[n] = buf[n];
        n++;
    }
    int64_t now = place_client_now_ms();
    for (int i = 0; i < e->history_count; i++) {
        place_client_describe_placement(&e->history[i], now, buf[n], sizeof buf[n]);
        lines[n] = buf[n];
        n++;
    }
    snprintf(buf[n], sizeof buf[n], "Any key closes this box.");
    lines[n] = buf[n];
    n++;
    char title[64];
    snprintf(title, sizeof title, "Pixel %d,%d, newest first", e->x, e->y);
    draw_box(title, lines, n);
}

static void render(app *a)
{
    place_client_canvas cv;
    place_client_canvas_view(a->c, &cv);
    int rows = canvas_rows();
    if (a->full) {
        view_draw(&a->v, &cv, 0, 0, COLS - 1, rows - 1, a->selected);
        a->full = 0;
        a->dirty = 0;
    } else if (a->dirty) {
        view_draw(&a->v, &cv, a->dc0, a->dr0, a->dc1, a->dr1, a->selected);
        a->dirty = 0;
    }
    draw_palette(a);
    draw_status(a);
    draw_message(a);
    if (a->mode == MODE_HELP)
        draw_box("place-tui keys (docs/keys.md)", help_lines,
                 (int)(sizeof help_lines / sizeof help_lines[0]));
    else if (a->mode == MODE_INFO)
        draw_info(a);
    /* The terminal's own cursor sits on the canvas cursor too, for screen readers and for
     * terminals that do not blink. */
    int c0, r0, c1, r1;
    if (a->mode == MODE_PROMPT) {
        move(message_row(), (int)(11 + a->prompt_len) < COLS ? (int)(11 + a->prompt_len) : COLS - 1);
        curs_set(1);
    } else if (a->mode == MODE_ACCOUNT) {
        int len = (int)strlen(account_line(a));
        move(message_row(), len < COLS ? len : COLS - 1);
        curs_set(1);
    } else if (cv.width && view_cells_of(&a->v, a->v.cx, a->v.cy, 1, 1, &c0, &r0, &c1, &r1)) {
        move(r0, c0);
        curs_set(1);
    } else {
        curs_set(0);
    }
    refresh();
}

/* ---- engine events ---- */

static void on_event(app *a, const place_client_event *ev)
{
    place_client_canvas cv;
    switch (ev->type) {
    case PLACE_CEV_CONN: {
        place_client_status st;
        place_client_get_status(a->c, &st);
        char ban[256];
        if (st.banned) { /* the ban stays the message, whatever the connection does */
            place_client_format_ban(&st, ban, sizeof ban);
            say(a, 1, "%s", ban);
        } else if (st.conn == PLACE_CONN_CONNECTED && a->welcomed) {
            a->welcomed = 0;
        } else if (st.conn == PLACE_CONN_CONNECTED) {
            say(a, 0, "Connected to %s.", a->url);
        } else if (st.conn == PLACE_CONN_DISCONNECTED) {
            say(a, 1, "%s", ev->text[0] ? ev->text : "Disconnected.");
        }
        break;
    }
    case PLACE_CEV_BANNED:
        if (ev->text[0])
            say(a, 1, "%s", ev->text);
        else
            say(a, 0, "Your ban was lifted: you may place pixels again.");
        break;
    case PLACE_CEV_CANVAS_SIZE:
        place_client_canvas_view(a->c, &cv);
        view_set_canvas(&a->v, cv.width, cv.height);
        a->full = 1;
        break;
    case PLACE_CEV_PIXELS:
        mark_pixels(a, ev->x, ev->y, ev->w, ev->h);
        break;
    case PLACE_CEV_PLACED:
        say(a, 0, "Placed %s at %d,%d.", place_color_name(ev->color), ev->x, ev->y);
        break;
    case PLACE_CEV_ROLLBACK:
        say(a, 1, "Pixel at %d,%d taken back: %s", ev->x, ev->y, ev->text);
        mark_pixels(a, ev->x, ev->y, 1, 1);
        break;
    case PLACE_CEV_PIXEL_INFO:
        if (ev->code != PLACE_ERR_NONE) {
            say(a, 1, "No history for %d,%d: %s", ev->x, ev->y, ev->text);
        } else {
            a->info = *ev;
            a->mode = MODE_INFO;
            a->message[0] = '\0';
        }
        break;
    case PLACE_CEV_ERROR:
        say(a, 1, "%s", ev->text);
        break;
    default:
        break; /* COOLDOWN, USER: the status line reads them on every redraw */
    }
}

/* ---- input ---- */

static void place_here(app *a)
{
    char why[200];
    if (place_client_place(a->c, a->v.cx, a->v.cy, a->selected, why, sizeof why) < 0)
        say(a, 1, "%s", why);
    else
        say(a, 0, "Placing %s at %d,%d...", place_color_name(a->selected), a->v.cx, a->v.cy);
}

static void goto_prompt_done(app *a)
{
    int x, y;
    char sep[2];
    if (sscanf(a->prompt, "%d%1[, ]%d", &x, sep, &y) == 3 ||
        sscanf(a->prompt, "%d %d", &x, &y) == 2) {
        place_client_canvas cv;
        place_client_canvas_view(a->c, &cv);
        if (x < 0 || y < 0 || (uint32_t)x >= cv.width || (uint32_t)y >= cv.height)
            say(a, 1, "%d,%d is outside the canvas (%ux%u).", x, y, cv.width, cv.height);
        else
            view_set_cursor(&a->v, x, y);
    } else {
        say(a, 1, "Type the coordinates as x,y (for example 10,20).");
    }
    a->mode = MODE_NORMAL;
}

static void on_prompt_key(app *a, wint_t ch)
{
    if (ch == 27) {
        a->mode = MODE_NORMAL;
    } else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
        goto_prompt_done(a);
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (a->prompt_len)
            a->prompt[--a->prompt_len] = '\0';
    } else if (((ch >= '0' && ch <= '9') || ch == ',' || ch == ' ') &&
               a->prompt_len + 1 < sizeof a->prompt) {
        a->prompt[a->prompt_len++] = (char)ch;
        a->prompt[a->prompt_len] = '\0';
    }
}

static void on_wake(void *user);

/* Starts the engine on the session token (NULL: a guest session). */
static int start_engine(app *a, const char *token, char *err, size_t errlen)
{
    place_client_config cfg = {.url = a->url, .token = token, .wake = on_wake,
                               .wake_user = &a->wake_pipe[1]};
    return place_client_new(&cfg, &a->c, err, errlen);
}

static void account_clear_password(app *a)
{
    memset(a->acct_pass, 0, sizeof a->acct_pass);
    a->acct_pass_len = 0;
}

/* Enter on the password: the engine's log-in / registration flow, then a new engine on the new
 * session (the old connection belongs to the old session). */
static void account_submit(app *a)
{
    a->mode = MODE_NORMAL;
    say(a, 0, "%s as %s...", a->acct_reg ? "Registering" : "Logging in", a->acct_user);
    a->full = 1;
    render(a); /* the request blocks for a moment: say so first */
    char session[PLACE_CLIENT_TOKEN_MAX + 1], token[PLACE_CLIENT_TOKEN_MAX + 1], err[300];
    place_client_session_token(a->c, session);
    int rc = place_client_account(a->url, a->acct_reg, session, a->acct_user, a->acct_pass, token,
                                  err, sizeof err);
    account_clear_password(a);
    if (rc < 0) {
        say(a, 1, "%s", err);
        return;
    }
    place_client *old = a->c;
    a->c = NULL;
    if (start_engine(a, token, err, sizeof err) < 0) {
        a->c = old;
        say(a, 1, "Logged in, but the client could not restart: %s", err);
        return;
    }
    place_client_free(old);
    a->welcomed = 1;
    if (a->acct_reg)
        say(a, 0, "Welcome to Place, %s!", a->acct_user);
    else
        say(a, 0, "Welcome back, %s.", a->acct_user);
}

static void on_account_key(app *a, wint_t ch, int is_key)
{
    int enter = ch == '\r' || ch == '\n' || (is_key && ch == KEY_ENTER);
    int back = (is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8));
    if (!is_key && ch == 27) {
        account_clear_password(a);
        a->mode = MODE_NORMAL;
        say(a, 0, "No change to your session.");
    } else if (!is_key && ch == '\t' && a->acct_step == 0) {
        a->acct_reg = !a->acct_reg;
    } else if (enter && a->acct_step == 0) {
        if (a->acct_user_len)
            a->acct_step = 1;
    } else if (enter) {
        account_submit(a);
    } else if (back) {
        if (a->acct_step == 0 && a->acct_user_len)
            a->acct_user[--a->acct_user_len] = '\0';
        else if (a->acct_step == 1 && a->acct_pass_len)
            a->acct_pass[--a->acct_pass_len] = '\0';
        else if (a->acct_step == 1)
            a->acct_step = 0;
    } else if (!is_key && ch >= 0x20 && ch < 0x7f) {
        /* usernames are ASCII; the server judges the password, ASCII here too */
        if (a->acct_step == 0 && a->acct_user_len + 1 < sizeof a->acct_user) {
            a->acct_user[a->acct_user_len++] = (char)ch;
            a->acct_user[a->acct_user_len] = '\0';
        } else if (a->acct_step == 1 && a->acct_pass_len + 1 < sizeof a->acct_pass) {
            a->acct_pass[a->acct_pass_len++] = (char)ch;
            a->acct_pass[a->acct_pass_len] = '\0';
        }
    }
}

static int hex_value(wint_t ch)
{
    if (ch >= '0' && ch <= '9')
        return (int)(ch - '0');
    if (ch >= 'a' && ch <= 'f')
        return (int)(ch - 'a' + 10);
    return -1;
}

static void on_mouse(app *a)
{
    MEVENT me;
    if (getmouse(&me) != OK)
        return;
    if (me.bstate & BUTTON4_PRESSED) {
        view_zoom(&a->v, 1);
        return;
    }
    if (me.bstate & BUTTON5_PRESSED) {
        view_zoom(&a->v, 0);
        return;
    }
    /* The terminal reports motion only while a button is held (terminal.c asks for button-event
     * tracking), so a motion report is always part of a drag. It arrives as
     * REPORT_MOUSE_POSITION or, from some terminals and ncurses versions, as another
     * BUTTON1_PRESSED at a new spot.
     *
     * When several reports come in one read (a fast drag over SSH), ncurses merges them: a press
     * followed by motion loses the press, a press followed by its release becomes one
     * BUTTON1_CLICKED. So whether a gesture places is decided on its release, from the whole
     * gesture: only a press and release at one spot with no motion between, or a CLICKED that
     * ends no drag, places; a release whose press was never seen places nothing. */
    int motion = (me.bstate & REPORT_MOUSE_POSITION) ||
                 ((me.bstate & BUTTON1_PRESSED) && a->pressed &&
                  (me.x != a->last_col || me.y != a->last_row));
    if ((me.bstate & BUTTON1_PRESSED) && !motion) {
        a->pressed = 1;
        a->dragged = 0;
        a->press_col = a->last_col = me.x;
        a->press_row = a->last_row = me.y;
        return;
    }
    if (motion) {
        if (!a->pressed) {
            /* the press was merged away: a drag that started before this report */
            a->pressed = 1;
            a->dragged = 1;
            a->press_col = a->last_col = me.x;
            a->press_row = a->last_row = me.y;
            return;
        }
        if (abs(me.x - a->press_col) >= DRAG_MIN || abs(me.y - a->press_row) >= DRAG_MIN)
            a->dragged = 1;
        if (a->dragged && me.y < canvas_rows())
            view_pan_cells(&a->v, me.x - a->last_col, me.y - a->last_row);
        a->last_col = me.x;
        a->last_row = me.y;
        return;
    }
    if (me.bstate & (BUTTON1_RELEASED | BUTTON1_CLICKED)) {
        int still = a->pressed && !a->dragged && me.x == a->press_col && me.y == a->press_row;
        int click = (me.bstate & BUTTON1_CLICKED) ? (!a->pressed || still) : still;
        a->pressed = 0;
        a->dragged = 0;
        if (!click)
            return;
        if (me.y == palette_row() && me.x / palette_cell() < PLACE_COLORS) {
            a->selected = me.x / palette_cell();
            return;
        }
        if (me.y < canvas_rows()) {
            int x, y;
            int half = 0; /* a click cannot tell top from bottom half: the top one it is */
            if (view_pixel_at(&a->v, me.x, me.y, half, &x, &y)) {
                view_set_cursor(&a->v, x, y);
                place_here(a);
            }
        }
    }
}

static void on_key(app *a, wint_t ch, int is_key)
{
    if (a->mode == MODE_HELP || a->mode == MODE_INFO) {
        if (is_key && ch == KEY_MOUSE) {
            MEVENT me;
            getmouse(&me);
            if (!(me.bstate & (BUTTON1_RELEASED | BUTTON1_CLICKED)))
                return;
        }
        a->mode = MODE_NORMAL;
        a->full = 1;
        return;
    }
    if (a->mode == MODE_PROMPT) {
        on_prompt_key(a, ch);
        return;
    }
    if (a->mode == MODE_ACCOUNT) {
        if (!(is_key && ch == KEY_MOUSE))
            on_account_key(a, ch, is_key);
        else {
            MEVENT me;
            getmouse(&me);
        }
        return;
    }
    if (is_key) {
        switch (ch) {
        case KEY_LEFT: view_move_cursor(&a->v, -1, 0); break;
        case KEY_RIGHT: view_move_cursor(&a->v, 1, 0); break;
        case KEY_UP: view_move_cursor(&a->v, 0, -1); break;
        case KEY_DOWN: view_move_cursor(&a->v, 0, 1); break;
        case KEY_SLEFT: view_move_cursor(&a->v, -8, 0); break;
        case KEY_SRIGHT: view_move_cursor(&a->v, 8, 0); break;
        case KEY_SR: view_move_cursor(&a->v, 0, -8); break;
        case KEY_SF: view_move_cursor(&a->v, 0, 8); break;
        case KEY_ENTER: place_here(a); break;
        case KEY_MOUSE: on_mouse(a); break;
        case KEY_RESIZE: a->full = 1; break;
        default: break;
        }
        return;
    }
    int hex = hex_value(ch);
    if (hex >= 0) {
        a->selected = hex;
        return;
    }
    switch (ch) {
    case 'h': view_move_cursor(&a->v, -1, 0); break;
    case 'l': view_move_cursor(&a->v, 1, 0); break;
    case 'k': view_move_cursor(&a->v, 0, -1); break;
    case 'j': view_move_cursor(&a->v, 0, 1); break;
    case 'H': view_move_cursor(&a->v, -8, 0); break;
    case 'L': view_move_cursor(&a->v, 8, 0); break;
    case 'K': view_move_cursor(&a->v, 0, -8); break;
    case 'J': view_move_cursor(&a->v, 0, 8); break;
    case '+': case '=': view_zoom(&a->v, 1); break;
    case '-': view_zoom(&a->v, 0); break;
    case 'z': view_fit(&a->v); break;
    case '[': a->selected = (a->selected + PLACE_COLORS - 1) % PLACE_COLORS; break;
    case ']': case '\t': a->selected = (a->selected + 1) % PLACE_COLORS; break;
    case ' ': case '\r': case '\n': place_here(a); break;
    case 'g':
        a->mode = MODE_PROMPT;
        a->prompt_len = 0;
        a->prompt[0] = '\0';
        break;
    case 'i':
        if (place_client_pixel_info(a->c, a->v.cx, a->v.cy) == 0)
            say(a, 0, "Asking who placed %d,%d...", a->v.cx, a->v.cy);
        else
            say(a, 1, "There is no pixel history to ask for here.");
        break;
    case 'u':
        a->mode = MODE_ACCOUNT; /* log in; Tab: register */
        a->acct_step = 0;
        a->acct_reg = 0;
        a->acct_user_len = 0;
        a->acct_user[0] = '\0';
        account_clear_password(a);
        break;
    case 'r':
        if (place_client_reconnect_now(a->c) == 0)
            say(a, 0, "Reconnecting now...");
        else
            say(a, 0, "Not disconnected: nothing to retry.");
        break;
    case '?': a->mode = MODE_HELP; break;
    case 12: clearok(curscr, TRUE); a->full = 1; break; /* Ctrl-L */
    case 'q': a->quit = 1; break;
    default: break;
    }
}

static void read_input(app *a)
{
    for (;;) {
        wint_t ch;
        int r = get_wch(&ch);
        if (r == ERR)
            return;
        view before = a->v;
        int sel = a->selected;
        mode m = a->mode;
        on_key(a, ch, r == KEY_CODE_YES);
        if (ch == KEY_RESIZE && r == KEY_CODE_YES)
            view_set_area(&a->v, COLS, canvas_rows());
        if (before.zoom != a->v.zoom || before.ox != a->v.ox || before.oy != a->v.oy ||
            before.cols != a->v.cols || before.rows != a->v.rows || (m != a->mode && m != MODE_PROMPT)) {
            a->full = 1;
        } else if (before.cx != a->v.cx || before.cy != a->v.cy || sel != a->selected) {
            mark_pixels(a, before.cx, before.cy, 1, 1);
            mark_pixels(a, a->v.cx, a->v.cy, 1, 1);
        }
        if (a->quit)
            return;
    }
}

/* ---- the loop ---- */

/* Whether the locale's character set can show the half-block characters. */
static int unicode_ok(void)
{
    char mb[MB_LEN_MAX];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    return wcrtomb(mb, L'\u2580', &st) != (size_t)-1;
}

static void on_wake(void *user)
{
    int fd = *(int *)user;
    char b = 1;
    if (write(fd, &b, 1) < 0) {
        /* EAGAIN: the pipe already holds a wake-up */
    }
}

/* How long poll may sleep: until the engine needs us, or the next second of a countdown on
 * screen; forever when nothing is counting. */
static int sleep_ms(app *a)
{
    int t = place_client_timeout_ms(a->c);
    place_client_status st;
    place_client_get_status(a->c, &st);
    int64_t now = place_client_now_ms();
    int64_t until[2] = {st.next_placement, st.conn == PLACE_CONN_DISCONNECTED ? st.retry_at : 0};
    for (int i = 0; i < 2; i++) {
        if (until[i] > now) {
            int tick = (int)((until[i] - now) % 1000);
            tick = tick ? tick + 1 : 1000;
            if (t < 0 || tick < t)
                t = tick;
        }
    }
    return t;
}

int app_run(const char *url, const char *token)
{
    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->url = url;
    a->selected = 5; /* red, as the browser starts: visible on the white of a fresh canvas */
    if (pipe2(a->wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "place-tui: pipe: %s\n", strerror(errno));
        free(a);
        return 1;
    }
    char err[256];
    if (term_init(err, sizeof err) < 0) {
        fprintf(stderr, "place-tui: %s\n", err);
        free(a);
        return 1;
    }
    int unicode = unicode_ok();
    tcolor_mode cm = tcolor_init_looks(unicode);
    if (start_engine(a, token, err, sizeof err) < 0)
        term_die("%s", err);
    /* 8 or 16 colours: some palette colours are drawn with shading glyphs, which take a cell */
    a->v.no_blocks = !unicode || cm == TCOLOR_8 || cm == TCOLOR_16;
    view_set_area(&a->v, COLS, canvas_rows());
    say(a, 0, "Connecting to %s ... press ? for help.", url);
    a->full = 1;
    int status = 0;
    int first = 1;
    while (!a->quit) {
        render(a);
        if (first) {
            term_mouse_drag_only();
            first = 0;
        }
        struct pollfd fds[3] = {
            {STDIN_FILENO, POLLIN, 0},
            {a->wake_pipe[0], POLLIN, 0},
            {term_signal_fd(), POLLIN, 0},
        };
        int n = poll(fds, 3, sleep_ms(a));
        if (n < 0 && errno != EINTR)
            term_die("poll: %s", strerror(errno));
        if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            /* the terminal is gone (an SSH connection dropped while another process led the
             * session, so no SIGHUP came): stop, rather than spin on a dead descriptor */
            status = 129;
            break;
        }
        if (fds[2].revents & POLLIN) {
            int sig = term_take_signal();
            if (sig) {
                status = 128 + sig;
                break;
            }
        }
        if (fds[1].revents & POLLIN) {
            char buf[256];
            while (read(a->wake_pipe[0], buf, sizeof buf) > 0) {
            }
        }
        place_client_event ev;
        while (place_client_poll(a->c, &ev))
            on_event(a, &ev);
        /* Also after EINTR: ncurses turns SIGWINCH into KEY_RESIZE on the next read. */
        read_input(a);
    }
    term_restore();
    place_client_free(a->c);
    close(a->wake_pipe[0]);
    close(a->wake_pipe[1]);
    free(a);
    return status;
}

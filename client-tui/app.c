/* place-tui's main loop (app.h). One thread: it sleeps in poll(2) on the terminal, the engine's
 * wake pipe and the signal pipe, with a timeout only while a countdown is on screen, so an idle
 * client uses no CPU. Each turn drains the engine's events, handles the keys, and redraws only
 * the cells that changed (ncurses then sends only the characters that differ). What a key does,
 * what an event says and the prompts' words are the shared controller's (place/front.h); this
 * file draws and names the terminal's keys to it. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "app.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "colors.h"
#include "place/client.h"
#include "place/front.h"
#include "place/palette.h"
#include "terminal.h"
#include "view.h"

#define DRAG_MIN 1     /* cells the pointer must move before a press becomes a drag */

typedef struct app {
    place_front f; /* the controller: engine, mode, message, prompts (place/front.h) */
    view v;
    int full; /* redraw the whole screen */
    int dirty, dc0, dr0, dc1, dr1;
    int wake_pipe[2];
    int unicode;      /* the locale can show the template's dot glyph */
    unsigned tmpl_drawn; /* the template's overlay state at the last full redraw */
    int bell; /* ring the terminal's bell when the cooldown ends (--no-bell: not) */
    /* mouse */
    int pressed, dragged, press_col, press_row, last_col, last_row;
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
        attr_t attr = i == a->f.selected ? (A_REVERSE | A_BOLD) : A_NORMAL;
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
        mvaddnstr(row, col, place_color_name(a->f.selected), COLS - col);
}

/* The status line at one level of brevity: 0 says everything in words; each level after is
 * shorter (labels dropped, then short words, then colours by key and the name cut), every field
 * kept. Writes into line and returns its length. */
static int status_text(app *a, const place_client_status *st, int level, char *line, size_t cap)
{
    int64_t now = place_client_now_ms();
    char conn[96], cool[48], who[80] = "", under[32] = "", paint[40], pos[48], zoom[24];
    char online[40] = "", count[32];
    const char *sep = level >= 2 ? "|" : " | ";
    if (st->conn == PLACE_CONN_DISCONNECTED) {
        char t[24];
        place_client_format_wait(st->retry_at > now ? st->retry_at - now : 0, t, sizeof t);
        place_client_canvas have;
        place_client_canvas_view(a->f.c, &have);
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
    } else if (st->frozen) { /* placed --freeze: the message line says why */
        snprintf(cool, sizeof cool, "%s", level <= 1 ? "FROZEN canvas" : "FROZEN");
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
    place_front_online_text(st, count, sizeof count);
    if (count[0] && level < 3)
        snprintf(online, sizeof online, "%s%s", sep, count);
    else if (count[0])
        snprintf(online, sizeof online, "%s%lld on", sep, (long long)st->online);
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv);
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
    char key = "0123456789abcdef"[a->f.selected];
    if (level <= 1)
        snprintf(paint, sizeof paint, "paint %c %s", key, place_color_name(a->f.selected));
    else if (level == 2)
        snprintf(paint, sizeof paint, "%c %s", key, place_color_name(a->f.selected));
    else
        snprintf(paint, sizeof paint, "paint #%c", key);
    const char *zl = level == 0 ? "zoom " : "";
    if (a->v.zoom >= 1)
        snprintf(zoom, sizeof zoom, "%s%dx", zl, a->v.zoom);
    else
        snprintf(zoom, sizeof zoom, "%s1/%d", zl, -a->v.zoom);
    char when[160];
    if (place_front_time_line(&a->f, level, when, sizeof when)) {
        /* time mode: the moment shown instead of the connection and the cooldown */
        int n = snprintf(line, cap, " %s%s%s%s%s", when, sep, pos, sep, zoom);
        return n < 0 || (size_t)n >= cap ? (int)cap - 1 : n;
    }
    char tmpl[80] = "";
    if (place_front_template_line(&a->f, tmpl + strlen(sep), sizeof tmpl - strlen(sep))) {
        memcpy(tmpl, sep, strlen(sep));
        if (level >= 1 && a->f.tmpl_ready) /* "3412/5000 match", then "3412/5000" */
            snprintf(tmpl, sizeof tmpl, "%s%u/%u%s", sep, a->f.tmpl.match, a->f.tmpl.cared,
                     level == 1 ? " match" : "");
    }
    int n = snprintf(line, cap, " %s%s%s%s%s%s%s%s%s%s%s", conn, sep, pos, sep, paint, sep, cool,
                     who, online, tmpl, level >= 2 ? "|" : " | ");
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
    place_client_get_status(a->f.c, &st);
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

static void draw_message(app *a)
{
    int row = message_row();
    move(row, 0);
    clrtoeol();
    if (a->f.mode == PLACE_FRONT_GOTO || a->f.mode == PLACE_FRONT_ACCOUNT) {
        char line[200];
        if (a->f.mode == PLACE_FRONT_GOTO)
            place_front_goto_line(&a->f, 0, line, sizeof line);
        else
            place_front_account_line(&a->f, line, sizeof line);
        mvaddnstr(row, 0, line, COLS);
        return;
    }
    int pair = a->f.message_error ? tcolor_pair(5, TCOLOR_DEFAULT) : 0;
    attr_t attr = a->f.message_error ? A_BOLD : A_NORMAL;
    attr_set(attr, (short)pair, NULL);
    mvaddnstr(row, 0, a->f.message, COLS);
    attr_set(A_NORMAL, 0, NULL);
}

/* A box in the middle of the canvas area holding `n` lines. */
static void draw_box(const char *title, char (*lines)[PLACE_FRONT_LINE_MAX], int n)
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

/* The help or the info box, as the controller words them. */
static void draw_boxes(app *a)
{
    char title[80], lines[40][PLACE_FRONT_LINE_MAX];
    int n = place_front_box(&a->f, PLACE_FRONT_TUI, title, sizeof title, lines, 40);
    if (n > 0)
        draw_box(title, lines, n);
}

/* The template overlay the view draws (docs/templates.md); a change redraws everything. */
static void set_template(app *a)
{
    int on = a->f.tmpl_shown && a->f.tmpl_ready;
    const place_front_tmpl_style *st = place_front_template_style(&a->f);
    a->v.tmpl = on ? &a->f.tmpl : NULL;
    a->v.tmpl_dots = st->dots;
    a->v.tmpl_dot = a->unicode ? L"\u2022" : L"*";
    unsigned sig = (unsigned)on | (unsigned)st->dots << 1 | 1u << 2;
    if (sig != a->tmpl_drawn) {
        a->tmpl_drawn = sig;
        a->full = 1;
    }
}

static void render(app *a)
{
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv);
    int rows = canvas_rows();
    set_template(a);
    if (a->full) {
        view_draw(&a->v, &cv, 0, 0, COLS - 1, rows - 1, a->f.selected);
        a->full = 0;
        a->dirty = 0;
    } else if (a->dirty) {
        view_draw(&a->v, &cv, a->dc0, a->dr0, a->dc1, a->dr1, a->f.selected);
        a->dirty = 0;
    }
    draw_palette(a);
    draw_status(a);
    draw_message(a);
    draw_boxes(a);
    /* The terminal's own cursor sits on the canvas cursor too, for screen readers and for
     * terminals that do not blink. */
    int c0, r0, c1, r1;
    if (a->f.mode == PLACE_FRONT_GOTO || a->f.mode == PLACE_FRONT_ACCOUNT) {
        char line[200];
        place_front_account_line(&a->f, line, sizeof line);
        int len = a->f.mode == PLACE_FRONT_GOTO ? place_front_goto_cursor(&a->f) : (int)strlen(line);
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

/* ---- the controller's hooks (place/front.h) ---- */

static void on_canvas_size(void *user)
{
    app *a = user;
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv);
    view_set_canvas(&a->v, cv.width, cv.height);
    a->full = 1;
}

static void on_pixels(void *user, int x, int y, int w, int h)
{
    mark_pixels(user, x, y, w, h);
}

static int on_cursor(void *user, int *x, int *y)
{
    app *a = user;
    *x = a->v.cx;
    *y = a->v.cy;
    return 1;
}

static void on_go_to(void *user, int x, int y)
{
    app *a = user;
    view_set_cursor(&a->v, x, y);
}

static void on_act(void *user, place_front_action act)
{
    app *a = user;
    switch (act) {
    case PLACE_ACT_LEFT: view_move_cursor(&a->v, -1, 0); break;
    case PLACE_ACT_RIGHT: view_move_cursor(&a->v, 1, 0); break;
    case PLACE_ACT_UP: view_move_cursor(&a->v, 0, -1); break;
    case PLACE_ACT_DOWN: view_move_cursor(&a->v, 0, 1); break;
    case PLACE_ACT_LEFT8: view_move_cursor(&a->v, -8, 0); break;
    case PLACE_ACT_RIGHT8: view_move_cursor(&a->v, 8, 0); break;
    case PLACE_ACT_UP8: view_move_cursor(&a->v, 0, -8); break;
    case PLACE_ACT_DOWN8: view_move_cursor(&a->v, 0, 8); break;
    case PLACE_ACT_ZOOM_IN: view_zoom(&a->v, 1); break;
    case PLACE_ACT_ZOOM_OUT: view_zoom(&a->v, 0); break;
    case PLACE_ACT_FIT: view_fit(&a->v); break;
    case PLACE_ACT_REDRAW: clearok(curscr, TRUE); a->full = 1; break;
    default: break;
    }
}

static void on_busy(void *user)
{
    app *a = user;
    a->full = 1;
    render(a);
}

/* The cooldown is over: the terminal's bell (BEL), which terminals and tmux turn into a sound,
 * an urgent window or a mark on the tab, so a player in another window hears of it. */
static void on_ready(void *user)
{
    app *a = user;
    if (a->bell)
        beep();
}

static const place_front_ops front_ops = {
    .canvas_size = on_canvas_size,
    .pixels = on_pixels,
    .cursor = on_cursor,
    .go_to = on_go_to,
    .act = on_act,
    .busy = on_busy,
    .ready = on_ready,
};

/* ---- input ---- */

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
            a->f.selected = me.x / palette_cell();
            return;
        }
        if (me.y < canvas_rows()) {
            int x, y;
            int half = 0; /* a click cannot tell top from bottom half: the top one it is */
            if (view_pixel_at(&a->v, me.x, me.y, half, &x, &y)) {
                view_set_cursor(&a->v, x, y);
                place_front_place_at(&a->f, x, y);
            }
        }
    }
}

/* The terminal's keys as the controller names them; -1: a key of its own (mouse, resize). */
static int front_key(wint_t ch, int is_key)
{
    if (is_key) {
        switch (ch) {
        case KEY_LEFT: return PLACE_KEY_LEFT;
        case KEY_RIGHT: return PLACE_KEY_RIGHT;
        case KEY_UP: return PLACE_KEY_UP;
        case KEY_DOWN: return PLACE_KEY_DOWN;
        case KEY_SLEFT: return PLACE_KEY_SLEFT;
        case KEY_SRIGHT: return PLACE_KEY_SRIGHT;
        case KEY_SR: return PLACE_KEY_SUP;
        case KEY_SF: return PLACE_KEY_SDOWN;
        case KEY_ENTER: return PLACE_KEY_ENTER;
        case KEY_BACKSPACE: return PLACE_KEY_BACKSPACE;
        case KEY_BTAB: return PLACE_KEY_BACKTAB;
        default: return -1;
        }
    }
    switch (ch) {
    case '\r': case '\n': return PLACE_KEY_ENTER;
    case 27: return PLACE_KEY_ESCAPE;
    case 127: case 8: return PLACE_KEY_BACKSPACE;
    case '\t': return PLACE_KEY_TAB;
    case 12: return PLACE_KEY_CTRL_L;
    default: return -1;
    }
}

static void on_key(app *a, wint_t ch, int is_key)
{
    if (is_key && ch == KEY_MOUSE) {
        if (a->f.mode == PLACE_FRONT_NORMAL) {
            on_mouse(a);
            return;
        }
        MEVENT me; /* a click closes a box; prompts take no mouse */
        if (getmouse(&me) == OK && (me.bstate & (BUTTON1_RELEASED | BUTTON1_CLICKED)))
            place_front_dismiss(&a->f);
        return;
    }
    if (is_key && ch == KEY_RESIZE) {
        a->full = 1;
        return;
    }
    int k = front_key(ch, is_key);
    if (k >= 0)
        place_front_key(&a->f, (place_front_key_name)k);
    else if (!is_key && ch >= 0x20 && ch < 0x7f)
        place_front_char(&a->f, (int)ch);
}

static void read_input(app *a)
{
    for (;;) {
        wint_t ch;
        int r = get_wch(&ch);
        if (r == ERR)
            return;
        view before = a->v;
        int sel = a->f.selected;
        place_front_mode m = a->f.mode;
        on_key(a, ch, r == KEY_CODE_YES);
        if (ch == KEY_RESIZE && r == KEY_CODE_YES)
            view_set_area(&a->v, COLS, canvas_rows());
        if (before.zoom != a->v.zoom || before.ox != a->v.ox || before.oy != a->v.oy ||
            before.cols != a->v.cols || before.rows != a->v.rows || (m != a->f.mode && m != PLACE_FRONT_GOTO)) {
            a->full = 1;
        } else if (before.cx != a->v.cx || before.cy != a->v.cy || sel != a->f.selected) {
            mark_pixels(a, before.cx, before.cy, 1, 1);
            mark_pixels(a, a->v.cx, a->v.cy, 1, 1);
        }
        if (a->f.quit)
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

int app_run(const char *url, const char *token, place_template *tmpl, int bell)
{
    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->bell = bell;
    a->f.url = url;
    a->f.ops = &front_ops;
    a->f.user = a;
    a->f.wake = on_wake;
    a->f.wake_user = &a->wake_pipe[1];
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
    a->unicode = unicode;
    tcolor_mode cm = tcolor_init_looks(unicode);
    if (place_front_start(&a->f, token, err, sizeof err) < 0)
        term_die("%s", err);
    if (tmpl)
        place_front_set_template(&a->f, tmpl);
    /* 8 or 16 colours: some palette colours are drawn with shading glyphs, which take a cell */
    a->v.no_blocks = !unicode || cm == TCOLOR_8 || cm == TCOLOR_16;
    view_set_area(&a->v, COLS, canvas_rows());
    place_front_say(&a->f, 0, "Connecting to %s ... press ? for help.", url);
    a->full = 1;
    int status = 0;
    int first = 1;
    while (!a->f.quit) {
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
        int n = poll(fds, 3, place_front_sleep_ms(&a->f, place_client_now_ms()));
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
        place_front_drain(&a->f);
        /* Also after EINTR: ncurses turns SIGWINCH into KEY_RESIZE on the next read. */
        read_input(a);
    }
    term_restore();
    place_front_stop(&a->f);
    close(a->wake_pipe[0]);
    close(a->wake_pipe[1]);
    free(a);
    return status;
}

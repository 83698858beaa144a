/* The native clients' controller (place/front.h): the key table, what each key does, the
 * engine's events in words, and the boxes' and prompts' texts. */
#include "place/front.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/palette.h"

/* ---- the key table (docs/keys.md is checked against it) ---- */

#define PLACE_FRONT_HELP_WRAP 48 /* the mouse line's text wraps after this many characters */

const place_front_keyrow place_front_keys[] = {
    {PLACE_FRONT_ALL, "hjkl", "arrows, h j k l", "move the cursor (one cell; one pixel zoomed in)",
     "arrows, `h` `j` `k` `l`",
     "move the cursor one cell (one pixel when zoomed in); the view follows the cursor"},
    {PLACE_FRONT_ALL, "HJKL", "H J K L, shift+arrows", "move the cursor eight cells",
     "`H` `J` `K` `L`, shift+arrows", "move the cursor eight cells"},
    /* the help box says zoom in one line, docs/keys.md in two */
    {PLACE_FRONT_ALL, "+=-", "+ or =, -", "zoom in, zoom out (around the cursor)", NULL, NULL},
    {0, "+=", "+ or =", NULL, "`+` or `=`", "zoom in (around the cursor)"},
    {0, "-", "-", NULL, "`-`", "zoom out"},
    {PLACE_FRONT_ALL, "z", "z", "fit the whole canvas", "`z`", "fit the whole canvas in the window"},
    {PLACE_FRONT_ALL, "0123456789abcdef", "0-9, a-f", "choose a colour by its palette index (hex)",
     "`0`–`9`, `a`–`f`",
     "choose a colour by its palette index in hexadecimal (`0` white … `3` black, `5` red, "
     "`c` blue, `f` purple)"},
    {PLACE_FRONT_ALL, "[]", "[ ], shift+Tab/Tab", "previous / next colour",
     "`[` / `]`, shift+Tab / Tab", "previous / next colour"},
    {PLACE_FRONT_ALL, " ", "Space, Enter", "place the colour under the cursor", "Space, Enter",
     "place the chosen colour under the cursor (browser: on the selected pixel)"},
    {PLACE_FRONT_ALL, "g", "g", "go to coordinates (x,y then Enter)", "`g`",
     "go to coordinates (type `x,y` or `x y`, Enter)"},
    {PLACE_FRONT_ALL, "i", "i", "who placed the pixel under the cursor", "`i`",
     "who placed the pixel under the cursor, and when"},
    /* time mode and the heatmap share one line of the help boxes (a 24-line terminal holds the
     * box); their keys have rows of their own in docs/keys.md */
    {PLACE_FRONT_ALL, "t", "t / w", "time mode (, . < > Space) / heatmap", "`t`",
     "time mode on/off: the canvas as it was at any moment of its history (placing is off "
     "there); `t` or Esc goes back to live"},
    {0, ",.", ", .", NULL, "`,` / `.`",
     "time mode: one step back / forward (a hundredth of the history; starts time mode)"},
    {0, "<>", "< >", NULL, "`<` / `>`",
     "time mode: ten steps back / forward; while playing: slower / faster (1x to 16x)"},
    {0, "", "Space", NULL, "Space (time mode)", "play the history forward / pause it"},
    {0, "w", "w", NULL, "`w`",
     "heatmap overlay on/off: where pixels were placed in the last hour"},
    {PLACE_FRONT_ALL, "r", "r", "disconnected: reconnect now", "`r`",
     "disconnected: try to reconnect now instead of waiting out the countdown"},
    {PLACE_FRONT_ALL, "u", "u", "log in or register (Tab switches)", "`u`",
     "log in (Tab: register instead) inside the native clients; the browser has its buttons"},
    /* the help box says the template keys in one line (it must fit a 24-line terminal) */
    {PLACE_FRONT_ALL, "oOn", "o, O, n", "template: on/off, style, next wrong pixel", NULL, NULL},
    {0, "o", "o", NULL, "`o`",
     "template overlay on / off (load one with `--template FILE|URL --at X,Y`, browser: the "
     "Template button or `#template=URL&tx=X&ty=Y`)"},
    {0, "O", "O", NULL, "`O`",
     "template style: the next opacity (50%, 80%, 25%), then a dot in each pixel's middle"},
    {0, "n", "n", NULL, "`n`",
     "move the cursor to the nearest pixel that differs from the template and choose its colour"},
    {PLACE_FRONT_SDL, "m", "m", "minimap on/off (click it to go there)", "`m`",
     "minimap on/off: the whole canvas small in a corner, the view marked; click it to go there "
     "(place-sdl, browser)"},
    {PLACE_FRONT_ALL, "?", "?", "this help", "`?`", "help: this list"},
    {PLACE_FRONT_ALL, "", "Ctrl-L", "redraw the screen", "Ctrl-L", "redraw the screen"},
    {PLACE_FRONT_ALL, "q", "q, Ctrl-C", "quit", "`q`, Ctrl-C", "quit"},
    {PLACE_FRONT_SDL, "", "Ctrl-Q", "quit", "Ctrl-Q", "quit (place-sdl)"},
    /* not in the help box: its last line and each prompt say it */
    {0, "", "Esc", NULL, "Esc", "close a prompt, the help or the info box; leave time mode"},
};
const int place_front_nkeys = (int)(sizeof place_front_keys / sizeof place_front_keys[0]);

/* The help box joins these into "mouse: click places ..., drag pans, wheel zooms". */
const place_front_keyrow place_front_mouse[] = {
    {PLACE_FRONT_ALL, "", "click", "places (on the palette: chooses)", "left click on the canvas",
     "move the cursor there and place the chosen colour (browser: select the pixel and show who "
     "placed it; see below)"},
    {0, "", "click the palette", NULL, "left click on the palette", "choose that colour"},
    {PLACE_FRONT_SDL, "", "right or Ctrl+click", "shows who placed it",
     "right click, Ctrl+click", "who placed that pixel, and when (place-sdl)"},
    {PLACE_FRONT_ALL, "", "drag", "pans", "drag with the left button held",
     "pan the view (a drag does not place)"},
    {PLACE_FRONT_ALL, "", "wheel", "zooms", "wheel", "zoom in / out"},
};
const int place_front_nmouse = (int)(sizeof place_front_mouse / sizeof place_front_mouse[0]);

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

place_front_action place_front_action_of_char(int ch)
{
    if (hex_value(ch) >= 0)
        return PLACE_ACT_COLOR;
    switch (ch) {
    case 'h': return PLACE_ACT_LEFT;
    case 'l': return PLACE_ACT_RIGHT;
    case 'k': return PLACE_ACT_UP;
    case 'j': return PLACE_ACT_DOWN;
    case 'H': return PLACE_ACT_LEFT8;
    case 'L': return PLACE_ACT_RIGHT8;
    case 'K': return PLACE_ACT_UP8;
    case 'J': return PLACE_ACT_DOWN8;
    case '+': case '=': return PLACE_ACT_ZOOM_IN;
    case '-': return PLACE_ACT_ZOOM_OUT;
    case 'z': return PLACE_ACT_FIT;
    case '[': return PLACE_ACT_PREV_COLOR;
    case ']': return PLACE_ACT_NEXT_COLOR;
    case ' ': return PLACE_ACT_PLACE;
    case 'g': return PLACE_ACT_GOTO;
    case 'i': return PLACE_ACT_INFO;
    case 'r': return PLACE_ACT_RECONNECT;
    case 'u': return PLACE_ACT_ACCOUNT;
    case 'o': return PLACE_ACT_TEMPLATE;
    case 'O': return PLACE_ACT_TEMPLATE_STYLE;
    case 'n': return PLACE_ACT_NEXT_WRONG;
    case 'm': return PLACE_ACT_MINIMAP;
    case '?': return PLACE_ACT_HELP;
    case 'q': return PLACE_ACT_QUIT;
    case 't': return PLACE_ACT_TIME;
    case ',': return PLACE_ACT_TIME_BACK;
    case '.': return PLACE_ACT_TIME_FWD;
    case '<': return PLACE_ACT_TIME_BACK10;
    case '>': return PLACE_ACT_TIME_FWD10;
    case 'w': return PLACE_ACT_HEAT;
    default: return PLACE_ACT_NONE;
    }
}

const char *place_front_action_name(place_front_action a)
{
    static const char *const names[] = {
        [PLACE_ACT_LEFT] = "left", [PLACE_ACT_RIGHT] = "right", [PLACE_ACT_UP] = "up",
        [PLACE_ACT_DOWN] = "down", [PLACE_ACT_LEFT8] = "left8", [PLACE_ACT_RIGHT8] = "right8",
        [PLACE_ACT_UP8] = "up8", [PLACE_ACT_DOWN8] = "down8", [PLACE_ACT_ZOOM_IN] = "zoom-in",
        [PLACE_ACT_ZOOM_OUT] = "zoom-out", [PLACE_ACT_FIT] = "fit", [PLACE_ACT_COLOR] = "color",
        [PLACE_ACT_PREV_COLOR] = "prev-color", [PLACE_ACT_NEXT_COLOR] = "next-color",
        [PLACE_ACT_PLACE] = "place", [PLACE_ACT_GOTO] = "goto", [PLACE_ACT_INFO] = "info",
        [PLACE_ACT_RECONNECT] = "reconnect", [PLACE_ACT_ACCOUNT] = "account",
        [PLACE_ACT_HELP] = "help", [PLACE_ACT_REDRAW] = "redraw", [PLACE_ACT_QUIT] = "quit",
        [PLACE_ACT_TEMPLATE] = "template", [PLACE_ACT_TEMPLATE_STYLE] = "template-style",
        [PLACE_ACT_NEXT_WRONG] = "next-wrong", [PLACE_ACT_TIME] = "time",
        [PLACE_ACT_TIME_BACK] = "time-back", [PLACE_ACT_TIME_FWD] = "time-fwd",
        [PLACE_ACT_TIME_BACK10] = "time-back10", [PLACE_ACT_TIME_FWD10] = "time-fwd10",
        [PLACE_ACT_HEAT] = "heat", [PLACE_ACT_MINIMAP] = "minimap",
    };
    return a > PLACE_ACT_NONE && (size_t)a < sizeof names / sizeof names[0] ? names[a] : NULL;
}

place_front_action place_front_action_of_key(place_front_key_name k)
{
    switch (k) {
    case PLACE_KEY_ENTER: return PLACE_ACT_PLACE;
    case PLACE_KEY_TAB: return PLACE_ACT_NEXT_COLOR;
    case PLACE_KEY_BACKTAB: return PLACE_ACT_PREV_COLOR;
    case PLACE_KEY_LEFT: return PLACE_ACT_LEFT;
    case PLACE_KEY_RIGHT: return PLACE_ACT_RIGHT;
    case PLACE_KEY_UP: return PLACE_ACT_UP;
    case PLACE_KEY_DOWN: return PLACE_ACT_DOWN;
    case PLACE_KEY_SLEFT: return PLACE_ACT_LEFT8;
    case PLACE_KEY_SRIGHT: return PLACE_ACT_RIGHT8;
    case PLACE_KEY_SUP: return PLACE_ACT_UP8;
    case PLACE_KEY_SDOWN: return PLACE_ACT_DOWN8;
    case PLACE_KEY_CTRL_L: return PLACE_ACT_REDRAW;
    case PLACE_KEY_CTRL_C: return PLACE_ACT_QUIT;
    default: return PLACE_ACT_NONE; /* Esc, Backspace: only in prompts and boxes */
    }
}

/* ---- messages ---- */

static void said(place_front *f)
{
    if (f->ops && f->ops->said)
        f->ops->said(f->user);
}

void place_front_say(place_front *f, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    f->message_error = error;
    said(f);
}

/* ---- the engine ---- */

int place_front_start(place_front *f, const char *token, char *err, size_t errlen)
{
    f->selected = 5; /* red, as the browser starts: visible on the white of a fresh canvas */
    place_client_config cfg = {.url = f->url, .token = token, .wake = f->wake,
                               .wake_user = f->wake_user};
    return place_client_new(&cfg, &f->c, err, errlen);
}

void place_front_stop(place_front *f)
{
    place_client_free(f->c);
    f->c = NULL;
    place_template_free(&f->tmpl);
    f->tmpl_ready = 0;
    free(f->shown);
    f->shown = NULL;
    f->shown_cap = 0;
    f->shown_src = NULL;
}

/* ---- time mode and the heatmap ---- */

/* Everything may look different (time mode on or off, a new moment, the heatmap). */
static void redraw_all(place_front *f)
{
    place_client_canvas cv;
    place_front_canvas(f, &cv);
    if (f->ops && f->ops->pixels && cv.width)
        f->ops->pixels(f->user, 0, 0, (int)cv.width, (int)cv.height);
}

static int time_active(const place_front *f)
{
    place_client_time ts;
    place_client_time_status(f->c, &ts);
    return ts.active;
}

/* A palette colour as a grey of the overlay's faded canvas: white, light grey or grey. */
static uint8_t faded(int color)
{
    const place_rgb c = place_palette[color & 15];
    int lum = (c.r * 30 + c.g * 59 + c.b * 11) / 100;
    return lum >= 170 ? 0 : lum >= 90 ? 1 : 2;
}

void place_front_canvas(place_front *f, place_client_canvas *out)
{
    place_client_time ts;
    place_client_time_status(f->c, &ts);
    if (ts.active && ts.have)
        place_client_time_view(f->c, out);
    else
        place_client_canvas_view(f->c, out);
    place_client_heatmap hm;
    place_client_heatmap_view(f->c, &hm);
    if (!f->heat || !out->width || !hm.cols || hm.width != out->width || hm.height != out->height)
        return;
    size_t n = (size_t)out->width * out->height;
    if (f->shown && f->shown_src == out->pixels && f->shown_src_version == out->version &&
        f->shown_heat_version == hm.version && f->shown_cap >= n)
        goto done;
    if (f->shown_cap < n) {
        uint8_t *p = realloc(f->shown, n);
        if (!p)
            return; /* the canvas without the overlay */
        f->shown = p;
        f->shown_cap = n;
    }
    for (uint32_t y = 0; y < out->height; y++) {
        const uint16_t *row = hm.cells + (size_t)(y / hm.block) * hm.cols;
        for (uint32_t x = 0; x < out->width; x++) {
            size_t i = (size_t)y * out->width + x;
            uint32_t k = row[x / hm.block];
            /* yellow, orange, red: a third, two thirds, more of the busiest block's count */
            f->shown[i] = k == 0 ? faded(out->pixels[i]) : k * 3 > 2 * hm.max ? 5
                          : k * 3 > hm.max ? 6 : 8;
        }
    }
    f->shown_src = out->pixels;
    f->shown_src_version = out->version;
    f->shown_heat_version = hm.version;
    f->shown_version++;
done:
    out->pixels = f->shown;
    out->version = f->shown_version;
}

int place_front_time_line(const place_front *f, int level, char *line, size_t cap)
{
    place_client_time ts;
    place_client_time_status(f->c, &ts);
    if (!ts.active) {
        if (cap)
            line[0] = '\0';
        return 0;
    }
    char when[40], state[40];
    place_client_format_time(ts.time_ms, when, sizeof when);
    if (ts.failed)
        snprintf(state, sizeof state, "failed");
    else if (ts.playing)
        snprintf(state, sizeof state, "playing %dx", ts.speed);
    else if (ts.loading || !ts.have)
        snprintf(state, sizeof state, "loading");
    else
        snprintf(state, sizeof state, "paused");
    uint64_t seq = ts.have ? ts.seq : ts.target;
    if (ts.time_ms <= 0 && ts.have && seq <= ts.min)
        snprintf(when, sizeof when, "before the first pixel");
    if (level >= 2)
        snprintf(line, cap, "T %llu/%llu %s", (unsigned long long)seq,
                 (unsigned long long)ts.newest, state);
    else
        snprintf(line, cap, "TIME seq %llu/%llu, %s, %s%s", (unsigned long long)seq,
                 (unsigned long long)ts.newest, when, state,
                 level == 0 ? " (, . < > step, Space play, t live)" : "");
    return 1;
}

static void time_toggle(place_front *f)
{
    if (time_active(f)) {
        place_client_time_mode(f->c, 0);
        place_front_say(f, 0, "Back to the live canvas.");
        redraw_all(f);
        return;
    }
    if (place_client_time_mode(f->c, 1) < 0) {
        place_front_say(f, 1, "Time mode needs the canvas from the server first.");
        return;
    }
    place_front_say(f, 0, "Time mode: , and . step back and forward, < and > ten steps, Space "
                          "plays; placing is off. t or Esc: back to live.");
    redraw_all(f);
}

static void time_step(place_front *f, int n)
{
    if (!time_active(f)) {
        time_toggle(f);
        if (!time_active(f))
            return;
    }
    place_client_time ts;
    place_client_time_status(f->c, &ts);
    if (ts.playing && (n == 10 || n == -10)) { /* playing: < and > are slower and faster */
        place_front_say(f, 0, "Playing at %dx.", place_client_time_speed(f->c, n > 0));
        return;
    }
    place_client_time_step(f->c, n);
}

static void heat_toggle(place_front *f)
{
    if (f->heat) {
        f->heat = 0;
        place_front_say(f, 0, "Heatmap off.");
        redraw_all(f);
        return;
    }
    if (place_client_heatmap_fetch(f->c, 0) < 0) {
        place_front_say(f, 1, "The heatmap needs a connection to the server.");
        return;
    }
    f->heat = 1;
    f->heat_at = 0; /* the first answer is said; the refreshes after it are quiet */
    place_front_say(f, 0, "Heatmap: asking where pixels were placed in the last hour...");
}

static void heat_arrived(place_front *f, const place_client_event *ev)
{
    if (!f->heat)
        return;
    if (ev->code != PLACE_ERR_NONE) {
        f->heat = 0;
        place_front_say(f, 1, "No heatmap: %s", ev->text);
        return;
    }
    if (f->heat_at) { /* a refresh: just the picture */
        redraw_all(f);
        return;
    }
    f->heat_at = place_client_now_ms() + PLACE_FRONT_HEAT_REFRESH_MS;
    place_client_heatmap hm;
    place_client_heatmap_view(f->c, &hm);
    unsigned long long total = 0;
    for (size_t i = 0; i < (size_t)hm.cols * hm.rows; i++)
        total += hm.cells[i];
    if (total == 0)
        place_front_say(f, 0, "Heatmap: no pixels placed in the last hour (w: off).");
    else
        place_front_say(f, 0, "Heatmap: %llu placements in the last hour; red where most (w: off).",
                        total);
    redraw_all(f);
}

/* ---- the template ---- */

static const place_front_tmpl_style tmpl_styles[] = {
    {50, 0, "overlay 50%"},
    {80, 0, "overlay 80%"},
    {25, 0, "overlay 25%"},
    {0, 1, "dots"},
};
#define TMPL_STYLES ((int)(sizeof tmpl_styles / sizeof tmpl_styles[0]))

void place_front_set_template(place_front *f, place_template *t)
{
    place_template_free(&f->tmpl);
    f->tmpl = *t;
    memset(t, 0, sizeof *t);
    f->tmpl_ready = 0;
    f->tmpl_shown = f->tmpl.px != NULL;
}

const place_front_tmpl_style *place_front_template_style(const place_front *f)
{
    return &tmpl_styles[f->tmpl_style >= 0 && f->tmpl_style < TMPL_STYLES ? f->tmpl_style : 0];
}

int place_front_template_at(const place_front *f, int x, int y)
{
    if (!f->tmpl_shown || !f->tmpl_ready)
        return -1;
    return place_template_color_at(&f->tmpl, x, y);
}

int place_front_template_line(const place_front *f, char *out, size_t cap)
{
    out[0] = '\0';
    if (!f->tmpl.px)
        return 0;
    if (!f->tmpl_ready)
        snprintf(out, cap, "template waits for the canvas");
    else
        place_template_progress(&f->tmpl, out, cap);
    return 1;
}

/* The canvas has (new) dimensions or pixels: the template is checked against it once, then
 * kept counted. */
static void tmpl_pixels(place_front *f, int x, int y, int w, int h, int all)
{
    if (!f->tmpl.px || !f->c)
        return;
    place_client_canvas cv;
    place_client_canvas_view(f->c, &cv);
    if (!cv.width || !cv.height)
        return;
    if (!f->tmpl_ready || all) {
        char why[256];
        if (place_template_check(&f->tmpl, cv.width, cv.height, why, sizeof why) < 0) {
            snprintf(f->tmpl_note, sizeof f->tmpl_note, "Template dropped: %s.", why);
            place_front_say(f, 1, "%s", f->tmpl_note);
            place_template_free(&f->tmpl);
            f->tmpl_ready = f->tmpl_shown = 0;
            return;
        }
        place_template_recount(&f->tmpl, cv.pixels, cv.width, cv.height);
        f->tmpl_ready = 1;
        return;
    }
    place_template_update(&f->tmpl, cv.pixels, cv.width, cv.height, x, y, w, h);
}

static int no_template(place_front *f)
{
    if (f->tmpl.px && f->tmpl_ready)
        return 0;
    if (f->tmpl.px)
        place_front_say(f, 0, "The template waits for the canvas to load.");
    else
        place_front_say(f, 1, "No template loaded: start with --template FILE|URL --at X,Y.");
    return 1;
}

static int cursor(place_front *f, int *x, int *y);

/* `n`: the nearest pixel that differs, from the cursor; its colour becomes the chosen one. */
static void next_wrong(place_front *f)
{
    if (no_template(f))
        return;
    int cx, cy, x, y;
    if (!cursor(f, &cx, &cy)) {
        cx = f->tmpl.x + (int)f->tmpl.w / 2;
        cy = f->tmpl.y + (int)f->tmpl.h / 2;
    }
    char line[80];
    place_template_progress(&f->tmpl, line, sizeof line);
    if (!place_template_next_wrong(&f->tmpl, cx, cy, &x, &y)) {
        place_front_say(f, 0, "The template is complete: %s.", line);
        return;
    }
    int want = place_template_color_at(&f->tmpl, x, y);
    place_client_canvas cv;
    place_client_canvas_view(f->c, &cv);
    int is = cv.pixels[(size_t)y * cv.width + (size_t)x];
    f->selected = want;
    f->tmpl_shown = 1;
    if (f->ops && f->ops->go_to)
        f->ops->go_to(f->user, x, y);
    place_front_say(f, 0, "%d,%d should be %s (it is %s); %s.", x, y, place_color_name(want),
                    place_color_name(is), line);
}

void place_front_event(place_front *f, const place_client_event *ev)
{
    const place_front_ops *o = f->ops;
    switch (ev->type) {
    case PLACE_CEV_CONN: {
        place_client_status st;
        place_client_get_status(f->c, &st);
        if (st.banned) { /* the ban stays the message, whatever the connection does */
            char ban[256];
            place_client_format_ban(&st, ban, sizeof ban);
            place_front_say(f, 1, "%s", ban);
        } else if (st.frozen && st.conn == PLACE_CONN_CONNECTED) { /* so does a freeze */
            char frozen[256];
            place_client_format_frozen(&st, frozen, sizeof frozen);
            place_front_say(f, 1, "%s", frozen);
        } else if (st.conn == PLACE_CONN_CONNECTED && f->welcomed) {
            f->welcomed = 0; /* the welcome after logging in stays the message */
        } else if (st.conn == PLACE_CONN_CONNECTED && f->tmpl_note[0]) {
            place_front_say(f, 1, "%s", f->tmpl_note); /* outlasts "connected" */
            f->tmpl_note[0] = '\0';
        } else if (st.conn == PLACE_CONN_CONNECTED) {
            place_front_say(f, 0, "Connected to %s.", f->url);
        } else if (st.conn == PLACE_CONN_DISCONNECTED) {
            place_front_say(f, 1, "%s", ev->text[0] ? ev->text : "Disconnected.");
        }
        break;
    }
    case PLACE_CEV_BANNED:
        if (ev->text[0])
            place_front_say(f, 1, "%s", ev->text);
        else
            place_front_say(f, 0, "Your ban was lifted: you may place pixels again.");
        break;
    case PLACE_CEV_SETTINGS:
        place_front_say(f, ev->code == PLACE_ERR_FROZEN, "%s", ev->text);
        break;
    case PLACE_CEV_CANVAS_SIZE:
        tmpl_pixels(f, 0, 0, 0, 0, 1);
        if (o && o->canvas_size)
            o->canvas_size(f->user);
        break;
    case PLACE_CEV_PIXELS:
        tmpl_pixels(f, ev->x, ev->y, ev->w, ev->h, 0);
        if (o && o->pixels)
            o->pixels(f->user, ev->x, ev->y, ev->w, ev->h);
        break;
    case PLACE_CEV_PLACED:
        place_front_say(f, 0, "Placed %s at %d,%d.", place_color_name(ev->color), ev->x, ev->y);
        break;
    case PLACE_CEV_ROLLBACK:
        place_front_say(f, 1, "Pixel at %d,%d taken back: %s", ev->x, ev->y, ev->text);
        tmpl_pixels(f, ev->x, ev->y, 1, 1, 0);
        if (o && o->pixels)
            o->pixels(f->user, ev->x, ev->y, 1, 1);
        if (o && o->rolled_back)
            o->rolled_back(f->user, ev->x, ev->y);
        break;
    case PLACE_CEV_PIXEL_INFO:
        if (ev->code != PLACE_ERR_NONE) {
            place_front_say(f, 1, "No history for %d,%d: %s", ev->x, ev->y, ev->text);
        } else {
            f->info = *ev;
            f->mode = PLACE_FRONT_INFO;
            f->message[0] = '\0'; /* the box says it */
        }
        break;
    case PLACE_CEV_ERROR:
        place_front_say(f, 1, "%s", ev->text);
        break;
    case PLACE_CEV_TIME:
        if (ev->text[0])
            place_front_say(f, 1, "%s", ev->text);
        redraw_all(f);
        break;
    case PLACE_CEV_HEATMAP:
        heat_arrived(f, ev);
        break;
    default:
        break; /* COOLDOWN, USER: the status line reads them on every redraw */
    }
}

/* The cooldown being waited for ended: tell the front-end once. A cooldown that ends while
 * banned, frozen or disconnected is no cue (nothing could be placed). */
static void check_ready(place_front *f)
{
    place_client_status st;
    place_client_get_status(f->c, &st);
    int64_t now = place_client_now_ms();
    if (st.next_placement > now && !st.banned) {
        f->waiting_until = st.next_placement;
        return;
    }
    if (!f->waiting_until)
        return;
    f->waiting_until = 0;
    if (!st.banned && !st.frozen && st.conn == PLACE_CONN_CONNECTED && f->ops && f->ops->ready)
        f->ops->ready(f->user);
}

int place_front_drain(place_front *f)
{
    int n = 0;
    place_client_event ev;
    while (place_client_poll(f->c, &ev)) {
        place_front_event(f, &ev);
        n++;
    }
    check_ready(f);
    int64_t now = place_client_now_ms();
    if (f->heat && f->heat_at && now >= f->heat_at) { /* the last hour moved on: quietly again */
        f->heat_at = now + PLACE_FRONT_HEAT_REFRESH_MS;
        place_client_heatmap_fetch(f->c, 0);
    }
    return n;
}

void place_front_online_text(const place_client_status *st, char *buf, size_t cap)
{
    if (st->online < 0)
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, "%lld online", (long long)st->online);
}

/* The first millisecond after `until` - now that a whole second of it has passed (a countdown's
 * next tick), or 1000 when it falls on the second. */
static int next_tick(int64_t left)
{
    int tick = (int)(left % 1000);
    return tick ? tick + 1 : 1000;
}

int place_front_sleep_ms(const place_front *f, int64_t now)
{
    int t = place_client_timeout_ms(f->c);
    place_client_status st;
    place_client_get_status(f->c, &st);
    int64_t until[2] = {st.next_placement, st.conn == PLACE_CONN_DISCONNECTED ? st.retry_at : 0};
    for (int i = 0; i < 2; i++) {
        if (until[i] > now) {
            int tick = next_tick(until[i] - now);
            if (t < 0 || tick < t)
                t = tick;
        }
    }
    if (f->heat && f->heat_at) {
        int h = f->heat_at > now ? (int)(f->heat_at - now) : 0;
        if (t < 0 || h < t)
            t = h;
    }
    return t;
}

/* ---- actions ---- */

void place_front_place_at(place_front *f, int x, int y)
{
    char why[200];
    if (time_active(f)) {
        place_front_say(f, 1, "You are looking at the past: placing is off in time mode. Press t "
                              "or Esc to go back to live.");
        return;
    }
    if (place_client_place(f->c, x, y, f->selected, why, sizeof why) < 0) {
        place_front_say(f, 1, "%s", why);
        return;
    }
    place_front_say(f, 0, "Placing %s at %d,%d...", place_color_name(f->selected), x, y);
    tmpl_pixels(f, x, y, 1, 1, 0);
    if (f->ops && f->ops->pixels)
        f->ops->pixels(f->user, x, y, 1, 1);
}

void place_front_ask_info(place_front *f, int x, int y)
{
    if (place_client_pixel_info(f->c, x, y) == 0)
        place_front_say(f, 0, "Asking who placed %d,%d...", x, y);
    else
        place_front_say(f, 1, "There is no pixel history to ask for here.");
}

static int cursor(place_front *f, int *x, int *y)
{
    return f->ops && f->ops->cursor && f->ops->cursor(f->user, x, y);
}

static void clear_password(place_front *f)
{
    memset(f->acct_pass, 0, sizeof f->acct_pass);
}

void place_front_act(place_front *f, place_front_action act, int ch)
{
    int x, y;
    switch (act) {
    case PLACE_ACT_NONE:
        break;
    case PLACE_ACT_COLOR:
        if (hex_value(ch) >= 0)
            f->selected = hex_value(ch);
        break;
    case PLACE_ACT_PREV_COLOR: f->selected = (f->selected + PLACE_COLORS - 1) % PLACE_COLORS; break;
    case PLACE_ACT_NEXT_COLOR: f->selected = (f->selected + 1) % PLACE_COLORS; break;
    case PLACE_ACT_PLACE:
        if (time_active(f)) { /* Space plays and pauses the history there */
            place_client_time ts;
            place_client_time_status(f->c, &ts);
            place_client_time_play(f->c, !ts.playing);
            break;
        }
        if (cursor(f, &x, &y))
            place_front_place_at(f, x, y);
        break;
    case PLACE_ACT_INFO:
        if (cursor(f, &x, &y))
            place_front_ask_info(f, x, y);
        break;
    case PLACE_ACT_GOTO:
        f->mode = PLACE_FRONT_GOTO;
        f->prompt[0] = '\0';
        break;
    case PLACE_ACT_ACCOUNT:
        f->mode = PLACE_FRONT_ACCOUNT; /* log in; Tab: register */
        f->acct_reg = 0;
        f->acct_step = 0;
        f->acct_user[0] = '\0';
        clear_password(f);
        break;
    case PLACE_ACT_RECONNECT:
        if (place_client_reconnect_now(f->c) == 0)
            place_front_say(f, 0, "Reconnecting now...");
        else
            place_front_say(f, 0, "Not disconnected: nothing to retry.");
        break;
    case PLACE_ACT_TEMPLATE:
        if (no_template(f))
            break;
        f->tmpl_shown = !f->tmpl_shown;
        place_front_say(f, 0, "Template %s.", f->tmpl_shown ? "shown" : "hidden");
        break;
    case PLACE_ACT_TEMPLATE_STYLE:
        if (no_template(f))
            break;
        f->tmpl_style = f->tmpl_shown ? (f->tmpl_style + 1) % TMPL_STYLES : f->tmpl_style;
        f->tmpl_shown = 1;
        place_front_say(f, 0, "Template style: %s.", place_front_template_style(f)->name);
        break;
    case PLACE_ACT_NEXT_WRONG: next_wrong(f); break;
    case PLACE_ACT_HELP: f->mode = PLACE_FRONT_HELP; break;
    case PLACE_ACT_QUIT: f->quit = 1; break;
    case PLACE_ACT_TIME: time_toggle(f); break;
    case PLACE_ACT_TIME_BACK: time_step(f, -1); break;
    case PLACE_ACT_TIME_FWD: time_step(f, 1); break;
    case PLACE_ACT_TIME_BACK10: time_step(f, -10); break;
    case PLACE_ACT_TIME_FWD10: time_step(f, 10); break;
    case PLACE_ACT_HEAT: heat_toggle(f); break;
    default: /* moves, zooms, fit, redraw: the front-end's view */
        if (f->ops && f->ops->act)
            f->ops->act(f->user, act);
        break;
    }
}

int place_front_dismiss(place_front *f)
{
    if (f->mode != PLACE_FRONT_HELP && f->mode != PLACE_FRONT_INFO)
        return 0;
    f->mode = PLACE_FRONT_NORMAL;
    return 1;
}

/* ---- the go-to prompt ---- */

#define GOTO_LABEL "Go to x,y: "

static void goto_done(place_front *f)
{
    int x, y;
    char sep[2];
    f->mode = PLACE_FRONT_NORMAL;
    if (sscanf(f->prompt, "%d%1[, ]%d", &x, sep, &y) != 3 && sscanf(f->prompt, "%d %d", &x, &y) != 2) {
        place_front_say(f, 1, "Type the coordinates as x,y (for example 10,20).");
        return;
    }
    place_client_canvas cv;
    place_front_canvas(f, &cv);
    if (x < 0 || y < 0 || (uint32_t)x >= cv.width || (uint32_t)y >= cv.height) {
        place_front_say(f, 1, "%d,%d is outside the canvas (%ux%u).", x, y, cv.width, cv.height);
        return;
    }
    if (f->ops && f->ops->go_to)
        f->ops->go_to(f->user, x, y);
}

void place_front_goto_line(const place_front *f, int hints, char *line, size_t cap)
{
    snprintf(line, cap, GOTO_LABEL "%s%s", f->prompt, hints ? "_   (Enter to go, Esc to cancel)" : "");
}

int place_front_goto_cursor(const place_front *f)
{
    return (int)(strlen(GOTO_LABEL) + strlen(f->prompt));
}

/* ---- the log-in / registration prompt ---- */

/* Enter on the password: the engine's log-in / registration flow, then a new engine on the new
 * session (the old connection belongs to the old session). */
static void account_submit(place_front *f)
{
    f->mode = PLACE_FRONT_NORMAL;
    place_front_say(f, 0, "%s as %s...", f->acct_reg ? "Registering" : "Logging in", f->acct_user);
    if (f->ops && f->ops->busy)
        f->ops->busy(f->user); /* the request blocks for a moment: say so first */
    char session[PLACE_CLIENT_TOKEN_MAX + 1], token[PLACE_CLIENT_TOKEN_MAX + 1], err[300];
    place_client_session_token(f->c, session);
    int rc = place_client_account(f->url, f->acct_reg, session, f->acct_user, f->acct_pass, token,
                                  err, sizeof err);
    clear_password(f);
    if (rc < 0) {
        place_front_say(f, 1, "%s", err);
        return;
    }
    place_client *old = f->c;
    place_client_config cfg = {.url = f->url, .token = token, .wake = f->wake,
                               .wake_user = f->wake_user};
    if (place_client_new(&cfg, &f->c, err, sizeof err) < 0) {
        f->c = old;
        place_front_say(f, 1, "Logged in, but the client could not restart: %s", err);
        return;
    }
    place_client_free(old);
    f->welcomed = 1;
    if (f->acct_reg)
        place_front_say(f, 0, "Welcome to Place, %s!", f->acct_user);
    else
        place_front_say(f, 0, "Welcome back, %s.", f->acct_user);
}

static void account_char(place_front *f, int ch)
{
    if (ch < 0x20 || ch >= 0x7f)
        return; /* usernames are ASCII; the server judges the password, ASCII here too */
    char *s = f->acct_step == 0 ? f->acct_user : f->acct_pass;
    size_t cap = f->acct_step == 0 ? sizeof f->acct_user : sizeof f->acct_pass, n = strlen(s);
    if (n + 1 < cap) {
        s[n] = (char)ch;
        s[n + 1] = '\0';
    }
}

static void account_key(place_front *f, place_front_key_name k)
{
    char *s = f->acct_step == 0 ? f->acct_user : f->acct_pass;
    size_t n = strlen(s);
    if (k == PLACE_KEY_ESCAPE) {
        clear_password(f);
        f->mode = PLACE_FRONT_NORMAL;
        place_front_say(f, 0, "No change to your session.");
    } else if (k == PLACE_KEY_TAB && f->acct_step == 0) {
        f->acct_reg = !f->acct_reg;
    } else if (k == PLACE_KEY_ENTER && f->acct_step == 0) {
        if (f->acct_user[0])
            f->acct_step = 1;
    } else if (k == PLACE_KEY_ENTER) {
        account_submit(f);
    } else if (k == PLACE_KEY_BACKSPACE) {
        if (n)
            s[n - 1] = '\0';
        else if (f->acct_step == 1)
            f->acct_step = 0;
    }
}

/* The password as stars (at most cap - 1 of them). */
static void stars(const char *pass, char *out, size_t cap)
{
    size_t n = strlen(pass);
    if (n > cap - 1)
        n = cap - 1;
    memset(out, '*', n);
    out[n] = '\0';
}

void place_front_account_line(const place_front *f, char *line, size_t cap)
{
    const char *what = f->acct_reg ? "Register" : "Log in";
    if (f->acct_step == 0) {
        snprintf(line, cap, "%s (Tab: %s, Esc: cancel) username: %s", what,
                 f->acct_reg ? "log in instead" : "register instead", f->acct_user);
    } else {
        char hidden[64];
        stars(f->acct_pass, hidden, sizeof hidden);
        snprintf(line, cap, "%s as %s, password: %s", what, f->acct_user, hidden);
    }
}

int place_front_account_box(const place_front *f, char *title, size_t title_cap,
                            char (*lines)[PLACE_FRONT_LINE_MAX], int max)
{
    char hidden[40];
    stars(f->acct_pass, hidden, sizeof hidden);
    char user[PLACE_FRONT_LINE_MAX], pass[PLACE_FRONT_LINE_MAX];
    snprintf(user, sizeof user, "Username: %s%s", f->acct_user, f->acct_step == 0 ? "_" : "");
    snprintf(pass, sizeof pass, "Password: %s%s", hidden, f->acct_step == 1 ? "_" : "");
    const char *text[] = {
        f->acct_reg ? "Your guest pixels and cooldown carry over."
                    : "Keep your name and cooldown on every device.",
        "",
        user,
        pass,
        "",
        f->acct_step == 0 ? (f->acct_reg ? "Enter: next   Tab: log in instead   Esc: cancel"
                                         : "Enter: next   Tab: register instead   Esc: cancel")
                          : (f->acct_reg ? "Enter: sign up   Backspace: edit   Esc: cancel"
                                         : "Enter: log in   Backspace: edit   Esc: cancel"),
    };
    snprintf(title, title_cap, "%s", f->acct_reg ? "Create an account" : "Log in");
    int k = 0;
    for (size_t i = 0; i < sizeof text / sizeof text[0] && k < max; i++)
        snprintf(lines[k++], PLACE_FRONT_LINE_MAX, "%s", text[i]);
    return k;
}

/* ---- input ---- */

void place_front_char(place_front *f, int ch)
{
    switch (f->mode) {
    case PLACE_FRONT_GOTO: {
        size_t n = strlen(f->prompt);
        if (((ch >= '0' && ch <= '9') || ch == ',' || ch == ' ') && n + 1 < sizeof f->prompt) {
            f->prompt[n] = (char)ch;
            f->prompt[n + 1] = '\0';
        }
        return;
    }
    case PLACE_FRONT_ACCOUNT:
        account_char(f, ch);
        return;
    case PLACE_FRONT_HELP:
    case PLACE_FRONT_INFO:
        f->mode = PLACE_FRONT_NORMAL; /* any key closes the box */
        return;
    case PLACE_FRONT_NORMAL:
        place_front_act(f, place_front_action_of_char(ch), ch);
        return;
    }
}

void place_front_key(place_front *f, place_front_key_name k)
{
    if (k == PLACE_KEY_CTRL_C || k == PLACE_KEY_CTRL_L) { /* in every mode */
        place_front_act(f, place_front_action_of_key(k), 0);
        return;
    }
    switch (f->mode) {
    case PLACE_FRONT_GOTO: {
        size_t n = strlen(f->prompt);
        if (k == PLACE_KEY_ESCAPE)
            f->mode = PLACE_FRONT_NORMAL;
        else if (k == PLACE_KEY_ENTER)
            goto_done(f);
        else if (k == PLACE_KEY_BACKSPACE && n)
            f->prompt[n - 1] = '\0';
        return;
    }
    case PLACE_FRONT_ACCOUNT:
        account_key(f, k);
        return;
    case PLACE_FRONT_HELP:
    case PLACE_FRONT_INFO:
        f->mode = PLACE_FRONT_NORMAL;
        return;
    case PLACE_FRONT_NORMAL:
        if (k == PLACE_KEY_ESCAPE && time_active(f)) {
            time_toggle(f); /* Esc leaves time mode */
            return;
        }
        place_front_act(f, place_front_action_of_key(k), 0);
        return;
    }
}

/* ---- boxes ---- */

int place_front_help(unsigned who, char *title, size_t title_cap,
                     char (*lines)[PLACE_FRONT_LINE_MAX], int max)
{
    snprintf(title, title_cap, "place-%s keys (docs/keys.md)", who == PLACE_FRONT_SDL ? "sdl" : "tui");
    int w = (int)strlen("mouse");
    for (int i = 0; i < place_front_nkeys; i++)
        if ((place_front_keys[i].shown_by & who) && place_front_keys[i].help &&
            (int)strlen(place_front_keys[i].keys) > w)
            w = (int)strlen(place_front_keys[i].keys);
    int k = 0;
    for (int i = 0; i < place_front_nkeys && k < max; i++) {
        const place_front_keyrow *r = &place_front_keys[i];
        if ((r->shown_by & who) && r->help)
            snprintf(lines[k++], PLACE_FRONT_LINE_MAX, "%-*s  %s", w, r->keys, r->help);
    }
    /* the mouse in as few lines as fit beside the keys: "click places ..., drag pans, ..." */
    char line[100] = "";
    const char *label = "mouse";
    for (int i = 0; i <= place_front_nmouse && k < max; i++) {
        const place_front_keyrow *r = i < place_front_nmouse ? &place_front_mouse[i] : NULL;
        if (r && (!(r->shown_by & who) || !r->help))
            continue;
        char item[60] = "";
        if (r)
            snprintf(item, sizeof item, "%s %s", r->keys, r->help);
        if (line[0] && (!r || strlen(line) + 2 + strlen(item) > PLACE_FRONT_HELP_WRAP)) {
            snprintf(lines[k++], PLACE_FRONT_LINE_MAX, "%-*s  %s%s", w, label, line, r ? "," : "");
            label = "";
            line[0] = '\0';
        }
        if (r && line[0])
            snprintf(line + strlen(line), sizeof line - strlen(line), ", %s", item);
        else if (r)
            snprintf(line, sizeof line, "%s", item);
    }
    /* no blank line before the last: the box must fit a 24-line terminal with every key */
    if (k < max)
        snprintf(lines[k++], PLACE_FRONT_LINE_MAX, "Any key closes this help.");
    return k;
}

int place_front_info(const place_front *f, char *title, size_t title_cap,
                     char (*lines)[PLACE_FRONT_LINE_MAX], int max)
{
    const place_client_event *e = &f->info;
    int k = 0;
    snprintf(title, title_cap, "Pixel %d,%d, newest first", e->x, e->y);
    if (e->history_count == 0 && k < max)
        snprintf(lines[k++], PLACE_FRONT_LINE_MAX, "Nobody has placed a pixel here yet.");
    int64_t now = place_client_now_ms();
    for (int i = 0; i < e->history_count && i < PLACE_CLIENT_HISTORY_MAX && k < max; i++)
        place_client_describe_placement(&e->history[i], now, lines[k++], PLACE_FRONT_LINE_MAX);
    if (k < max)
        snprintf(lines[k++], PLACE_FRONT_LINE_MAX, "Any key or click closes this box.");
    return k;
}

int place_front_box(const place_front *f, unsigned who, char *title, size_t title_cap,
                    char (*lines)[PLACE_FRONT_LINE_MAX], int max)
{
    switch (f->mode) {
    case PLACE_FRONT_HELP: return place_front_help(who, title, title_cap, lines, max);
    case PLACE_FRONT_INFO: return place_front_info(f, title, title_cap, lines, max);
    case PLACE_FRONT_ACCOUNT:
        if (who == PLACE_FRONT_SDL)
            return place_front_account_box(f, title, title_cap, lines, max);
        return 0;
    default: return 0;
    }
}

/* ---- docs/keys.md ---- */

size_t place_front_keys_markdown(char *out, size_t cap)
{
    size_t len = 0;
#define PUT(...)                                                                  \
    do {                                                                          \
        int m_ = snprintf(len < cap ? out + len : NULL, len < cap ? cap - len : 0, \
                          __VA_ARGS__);                                           \
        if (m_ > 0)                                                               \
            len += (size_t)m_;                                                    \
    } while (0)
    for (int t = 0; t < 2; t++) {
        const place_front_keyrow *rows = t ? place_front_mouse : place_front_keys;
        int n = t ? place_front_nmouse : place_front_nkeys;
        PUT("%s| %s | action |\n| --- | --- |\n", t ? "\n" : "", t ? "mouse" : "key");
        for (int i = 0; i < n; i++)
            if (rows[i].md_keys)
                PUT("| %s | %s |\n", rows[i].md_keys, rows[i].md);
    }
#undef PUT
    return len;
}

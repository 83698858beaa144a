/* The native clients' controller, shared by place-tui and place-sdl: what a key does, what the
 * engine's events say, the help and info boxes' lines, the go-to and log-in prompts. A front-end
 * keeps only drawing and input: it turns its terminal's or window's input into the calls below
 * (place_front_char for typed characters, place_front_key for the named keys) and answers the
 * hooks in place_front_ops with its own view (cursor, zoom, marks, redraws).
 *
 * The key table (place_front_keys) is the one list of keys: each client's help box is made from
 * it, and docs/keys.md's key table is checked against it by a test (engine.test_front_keys).
 *
 * Everything here runs on the front-end's one thread; the engine's own threads only call the
 * wake function handed to place_front_start. */
#ifndef PLACE_FRONT_H
#define PLACE_FRONT_H

#include <stddef.h>

#include "place/client.h"
#include "place/template.h"

/* The front-ends, as bits: which of them a key table row is shown by. */
#define PLACE_FRONT_TUI 1u
#define PLACE_FRONT_SDL 2u
#define PLACE_FRONT_ALL (PLACE_FRONT_TUI | PLACE_FRONT_SDL)

typedef enum place_front_mode {
    PLACE_FRONT_NORMAL,
    PLACE_FRONT_HELP,    /* the help box: any key or click closes it */
    PLACE_FRONT_INFO,    /* who placed a pixel (info): any key or click closes it */
    PLACE_FRONT_GOTO,    /* the go-to prompt */
    PLACE_FRONT_ACCOUNT, /* the log-in / registration prompt */
} place_front_mode;

/* What a key does in the normal mode. */
typedef enum place_front_action {
    PLACE_ACT_NONE,
    PLACE_ACT_LEFT, PLACE_ACT_RIGHT, PLACE_ACT_UP, PLACE_ACT_DOWN,       /* one cell or pixel */
    PLACE_ACT_LEFT8, PLACE_ACT_RIGHT8, PLACE_ACT_UP8, PLACE_ACT_DOWN8,   /* eight */
    PLACE_ACT_ZOOM_IN, PLACE_ACT_ZOOM_OUT, PLACE_ACT_FIT,
    PLACE_ACT_COLOR,     /* the colour of the key's hexadecimal digit */
    PLACE_ACT_PREV_COLOR, PLACE_ACT_NEXT_COLOR,
    PLACE_ACT_PLACE, PLACE_ACT_GOTO, PLACE_ACT_INFO, PLACE_ACT_RECONNECT, PLACE_ACT_ACCOUNT,
    PLACE_ACT_HELP, PLACE_ACT_REDRAW, PLACE_ACT_QUIT,
    PLACE_ACT_TEMPLATE,       /* the template overlay on / off */
    PLACE_ACT_TEMPLATE_STYLE, /* the next overlay style (opacities, dots) */
    PLACE_ACT_NEXT_WRONG,     /* to the nearest pixel differing from the template */
    PLACE_ACT_TIME,                           /* time mode on/off */
    PLACE_ACT_TIME_BACK, PLACE_ACT_TIME_FWD,  /* one step (entering time mode first) */
    PLACE_ACT_TIME_BACK10, PLACE_ACT_TIME_FWD10,
    PLACE_ACT_HEAT,                           /* the heatmap overlay on/off */
    PLACE_ACT_MINIMAP, /* the minimap on/off (place-sdl; the browser too) */
} place_front_action;

/* The keys without a character of their own, as each front-end names them to the controller. */
typedef enum place_front_key_name {
    PLACE_KEY_ENTER, PLACE_KEY_ESCAPE, PLACE_KEY_BACKSPACE, PLACE_KEY_TAB, PLACE_KEY_BACKTAB,
    PLACE_KEY_LEFT, PLACE_KEY_RIGHT, PLACE_KEY_UP, PLACE_KEY_DOWN,
    PLACE_KEY_SLEFT, PLACE_KEY_SRIGHT, PLACE_KEY_SUP, PLACE_KEY_SDOWN,
    PLACE_KEY_CTRL_L, PLACE_KEY_CTRL_C,
} place_front_key_name;

/* One row of the key table. */
typedef struct place_front_keyrow {
    unsigned shown_by;  /* PLACE_FRONT_* bits: the help boxes showing this row */
    const char *chars;  /* the typed characters the row is about ("" for none): each must do
                         * what the row says, and every character that does something is in a row */
    const char *keys;   /* as the help box shows the keys: "arrows, h j k l" */
    const char *help;   /* as the help box says what they do; NULL: not in the help box */
    const char *md_keys;/* as docs/keys.md shows the keys (markdown); NULL: not in docs/keys.md */
    const char *md;     /* as docs/keys.md says what they do */
} place_front_keyrow;

extern const place_front_keyrow place_front_keys[];
extern const int place_front_nkeys;

/* The mouse rows, the same way (chars unused). */
extern const place_front_keyrow place_front_mouse[];
extern const int place_front_nmouse;

/* The action of a typed character in the normal mode (PLACE_ACT_NONE: none). */
place_front_action place_front_action_of_char(int ch);

/* The action's name, as the browser's key map (assets/web/js/keys.js) names it: "left",
 * "zoom-in", "color", ... (NULL for PLACE_ACT_NONE). A new action needs a name here: the browser
 * check (tests/web/logic.test.js) fails on an action without one. */
const char *place_front_action_name(place_front_action a);

/* The action of a named key in the normal mode. */
place_front_action place_front_action_of_key(place_front_key_name k);

/* What a front-end does for the controller. user is place_front.user. Any may be NULL. */
typedef struct place_front_ops {
    void (*said)(void *user);                      /* place_front.message changed */
    void (*canvas_size)(void *user);               /* the canvas has (new) dimensions */
    void (*pixels)(void *user, int x, int y, int w, int h); /* these pixels changed */
    void (*rolled_back)(void *user, int x, int y); /* the server refused this pixel */
    /* The cursor's pixel; returns 0 when there is none yet. */
    int (*cursor)(void *user, int *x, int *y);
    void (*set_cursor)(void *user, int x, int y);  /* a click or a place/info at x,y */
    void (*go_to)(void *user, int x, int y);       /* the go-to prompt's answer (inside) */
    void (*act)(void *user, place_front_action act); /* moves, zooms, fit, redraw */
    void (*busy)(void *user);  /* about to block for a moment (log-in): show the message now */
    /* The cooldown the player was waiting for has just ended (once per cooldown; not when
     * banned or disconnected): place-tui rings the bell, place-sdl flashes the window. */
    void (*ready)(void *user);
} place_front_ops;

/* The overlay styles `O` steps through: a translucent picture at an opacity, or a dot in the
 * middle of each template pixel (drawn once a pixel is large enough; smaller, the picture at
 * dot_fallback percent). place-tui has no opacity: see docs/templates.md. */
typedef struct place_front_tmpl_style {
    int opacity;    /* percent, for the translucent styles; 0 for dots */
    int dots;
    const char *name;
} place_front_tmpl_style;

#define PLACE_FRONT_DOT_FALLBACK 50 /* the dots style's opacity where dots would be too small */

#define PLACE_FRONT_MESSAGE_MAX 300
#define PLACE_FRONT_HEAT_REFRESH_MS 30000 /* the heatmap overlay follows the last hour */
#define PLACE_FRONT_LINE_MAX 160

typedef struct place_front {
    /* set by the front-end before place_front_start */
    const char *url;
    const place_front_ops *ops;
    void *user;
    void (*wake)(void *wake_user); /* handed to every engine started (place/client.h) */
    void *wake_user;
    /* the controller's state, read by the front-end's drawing */
    place_client *c;
    place_front_mode mode;
    int selected; /* the chosen palette index */
    char message[PLACE_FRONT_MESSAGE_MAX];
    int message_error;
    place_client_event info; /* what the info box shows */
    char prompt[32];         /* the go-to prompt's text */
    int acct_reg, acct_step; /* register instead of log in; 0: username, 1: password */
    char acct_user[40], acct_pass[300];
    int welcomed; /* the welcome stays the message past the new engine's "connected" */
    /* the template (place/template.h), loaded by the front-end before place_front_start with
     * place_front_set_template; tmpl.px NULL: none */
    place_template tmpl;
    int tmpl_ready; /* checked against the canvas and counted: tmpl.match is true */
    int tmpl_shown; /* the overlay is on (`o`) */
    int tmpl_style; /* index into the styles `O` steps through */
    char tmpl_note[PLACE_FRONT_MESSAGE_MAX]; /* why the template was dropped, until said last */
    int quit;
    int heat;     /* the heatmap overlay is on */
    int64_t heat_at; /* heat on: when to fetch it again (every PLACE_FRONT_HEAT_REFRESH_MS) */
    /* place_front_canvas's composed picture (the heatmap over the canvas) and what it was
     * made from */
    uint8_t *shown;
    size_t shown_cap;
    const uint8_t *shown_src;
    uint64_t shown_src_version, shown_heat_version, shown_version;
    int64_t waiting_until; /* the end of the cooldown being waited for (ops->ready), 0: none */
} place_front;

/* Sets f's defaults (the colour red) and starts the engine on the session token (NULL: a guest
 * session). Returns 0, or -1 with a sentence in err. */
int place_front_start(place_front *f, const char *token, char *err, size_t errlen);

/* Stops the engine and frees the template. */
void place_front_stop(place_front *f);

/* Takes t (loaded: place_template_load, with its position set) as f's template, shown at once;
 * it is checked against the canvas and counted when the canvas arrives (a template larger than
 * the canvas or reaching past it is dropped with a message). f owns t's memory from here. */
void place_front_set_template(place_front *f, place_template *t);

/* The overlay style now (`O`). */
const place_front_tmpl_style *place_front_template_style(const place_front *f);

/* The template's colour at canvas pixel (x, y) when the overlay is on: a palette index, or -1
 * (overlay off, no template, outside it, don't care). */
int place_front_template_at(const place_front *f, int x, int y);

/* "3,412 of 5,000 pixels match" (or why not yet) into out. Returns 0 when there is no
 * template (out is then ""). */
int place_front_template_line(const place_front *f, char *out, size_t cap);

/* Handles everything the engine has, and calls ops->ready when the cooldown has just ended
 * (the front-end wakes for that: place_front_sleep_ms counts down to it). Returns how many
 * events there were. */
int place_front_drain(place_front *f);

/* How long the front-end's loop may sleep (ms, -1: until woken): until the engine needs a turn,
 * or the next second of a countdown the status shows (the cooldown, the retry). */
int place_front_sleep_ms(const place_front *f, int64_t now);

/* One engine event: its words in the message, the info box, the hooks. */
void place_front_event(place_front *f, const place_client_event *ev);

/* A typed character (printable ASCII; others are ignored). */
void place_front_char(place_front *f, int ch);

/* A named key. */
void place_front_key(place_front *f, place_front_key_name k);

/* Does what the action does in the normal mode (ch: the key, for PLACE_ACT_COLOR). */
void place_front_act(place_front *f, place_front_action act, int ch);

/* Places the chosen colour at x,y (a click, or the cursor). */
void place_front_place_at(place_front *f, int x, int y);

/* Asks who placed x,y; the info box opens when the answer comes. */
void place_front_ask_info(place_front *f, int x, int y);

/* A click while a box is open closes it: returns 1 then, else 0. */
int place_front_dismiss(place_front *f);

/* What the front-end draws: the live canvas, or in time mode the canvas of that moment (the
 * live one until it has arrived), with the heatmap over it when that is on (the canvas in
 * greys, the blocks where pixels were placed in yellow, orange and red by how many). Valid until
 * the next drain or key. */
void place_front_canvas(place_front *f, place_client_canvas *out);

/* Time mode's status as one line at one level of brevity (0: with the keys; 1: without; 2:
 * shortest): "time: seq 12/40, 2026-11-29 15:02:11, paused". Returns 0 (and "") outside time
 * mode, else 1. */
int place_front_time_line(const place_front *f, int level, char *line, size_t cap);

/* Sets the message (and calls ops->said). */
void place_front_say(place_front *f, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The help box of one front-end (PLACE_FRONT_TUI or _SDL): its title in title, up to max lines
 * of PLACE_FRONT_LINE_MAX in lines. Returns the number of lines. */
int place_front_help(unsigned who, char *title, size_t title_cap,
                     char (*lines)[PLACE_FRONT_LINE_MAX], int max);

/* The info box (mode PLACE_FRONT_INFO): title and lines, as place_front_help. */
int place_front_info(const place_front *f, char *title, size_t title_cap,
                     char (*lines)[PLACE_FRONT_LINE_MAX], int max);

/* The go-to prompt as one line: "Go to x,y: 10,2"; with hints, the text cursor and the keys. */
void place_front_goto_line(const place_front *f, int hints, char *line, size_t cap);

/* How far into place_front_goto_line's text (without hints) the text cursor stands. */
int place_front_goto_cursor(const place_front *f);

/* The log-in / registration prompt as one line (the password as stars). */
void place_front_account_line(const place_front *f, char *line, size_t cap);

/* The same prompt as a box: title and lines, as place_front_help. */
int place_front_account_box(const place_front *f, char *title, size_t title_cap,
                            char (*lines)[PLACE_FRONT_LINE_MAX], int max);

/* The box the mode shows in front-end `who` (PLACE_FRONT_TUI or _SDL): the help, the info box,
 * and in place-sdl the log-in form (place-tui asks on its message line). Title and lines as
 * place_front_help; returns the number of lines, 0 when the mode shows no box. */
int place_front_box(const place_front *f, unsigned who, char *title, size_t title_cap,
                    char (*lines)[PLACE_FRONT_LINE_MAX], int max);

/* The players online as a status field, "3 online" ("1 online"); "" while the server has not
 * said (disconnected, or a server that does not count). */
void place_front_online_text(const place_client_status *st, char *buf, size_t cap);

/* docs/keys.md's two tables (keys, then mouse) as markdown, into out. Returns the length, or the
 * length it needs when cap is too small. */
size_t place_front_keys_markdown(char *out, size_t cap);

#endif

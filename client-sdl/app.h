/* place-sdl's running state, shared by its parts: app.c (window, loop, engine events, input),
 * draw.c (one frame), script.c (the test mode) and bench.c (the frame benchmark).
 *
 * Layout, in output pixels (u = ui scale, 1 unless the screen is high-DPI): the canvas area is
 * the window minus a bar of APP_BAR_H*u at the bottom. The bar's first row holds the 16 palette
 * swatches (APP_SWATCH*u wide, APP_SWATCH_GAP*u apart, starting APP_MARGIN*u from the left), the
 * chosen colour and the cooldown; its second row the cursor's coordinates and the connection. */
#ifndef PLACE_SDL_APP_H
#define PLACE_SDL_APP_H

#include <SDL.h>
#include <stdint.h>

#include "place/client.h"
#include "place/front.h"
#include "text.h"
#include "tiles.h"
#include "view.h"

#define APP_BAR_H 56
#define APP_SWATCH 22
#define APP_SWATCH_GAP 3
#define APP_MARGIN 8
#define APP_MESSAGE_MS 6000 /* how long a message stays on screen */
#define APP_DRAG_MIN 4      /* logical pixels a press must move to become a drag */
#define APP_GRID_SCALE 8.0  /* pixel grid from this many output pixels per canvas pixel (x u) */
#define APP_UPLOAD_BUDGET (1L << 20) /* canvas pixels uploaded to textures per frame, at most */
#define APP_MARKS 8         /* rings shown at once around pixels just refused */
#define APP_SAID_LOG 8 /* messages kept for the test script */
#define APP_MARK_MS 2500    /* how long such a ring stays */
#define APP_DOT_SCALE 6.0   /* template dots from this many output px per canvas pixel (x u) */

typedef struct script script;

typedef struct app_options {
    const char *url;
    const char *token;       /* session token, or NULL for a guest */
    int win_w, win_h;        /* logical window size */
    const char *renderer;    /* SDL render driver name ("software", "opengl"...), or NULL */
    int no_vsync;
    const char *script_path; /* test mode: a script of synthetic input (script.h) */
    int bench_frames;        /* benchmark: frames per phase (bench.c) */
    uint32_t bench_side;
    int bench_rate;          /* synthetic pixels per second during the benchmark */
    place_template *tmpl;    /* --template, loaded and placed (--at); NULL: none. app_run hands
                                it to the controller, which frees it */
} app_options;

/* A ring around a pixel the server refused, so the rollback is seen even zoomed out. */
typedef struct app_mark {
    int x, y;
    int64_t until; /* 0: unused */
} app_mark;

typedef struct app {
    const app_options *opt;
    place_front f; /* the controller: engine, mode, message, prompts (place/front.h) */
    SDL_Window *win;
    SDL_Renderer *ren;
    char renderer_name[32];
    int out_w, out_h;   /* renderer output size */
    int win_w, win_h;   /* window size in logical pixels */
    double ui;          /* output pixels per logical pixel */
    text *font;
    tiles *tiles;
    uint32_t cw, ch;
    view v;
    int have_cursor, cx, cy;
    int mouse_x, mouse_y, mouse_in; /* pointer in output pixels */
    int pressed, dragging, press_button, press_ctrl, press_x, press_y;
    int64_t message_until; /* the controller's message shows until then */
    /* the last messages said, for the script's "wait message": one can be replaced by the
     * next within a turn of the loop, before the script looks (said_n counts them all) */
    char said_log[APP_SAID_LOG][PLACE_FRONT_MESSAGE_MAX];
    unsigned said_n;
    app_mark marks[APP_MARKS];
    int redraw;
    int zooming;         /* a zoom is gliding to zoom_target around (zoom_px, zoom_py) */
    double zoom_target, zoom_px, zoom_py;
    int64_t zoom_last_ms;
    Uint32 wake_event;
    SDL_atomic_t wake_pending;
    /* the template overlay's texture (draw.c), made from tmpl_src's pixels */
    SDL_Texture *tmpl_tex;
    const uint8_t *tmpl_src;
    int tmpl_tex_failed;
    script *script;
    char shot_path[512]; /* a screenshot to write at the next frame, "" for none */
    int shot_rc;
    uint64_t frames;
    /* the minimap (minimap.h) */
    int minimap_on;
    SDL_Texture *mini_tex;
    int mini_tw, mini_th;
    uint64_t mini_version; /* the canvas version its texture shows */
    int64_t mini_built;
    int press_mini;        /* the button went down on the minimap: a drag there moves the view */
    int64_t redraw_at;     /* a frame is due then (0: none), e.g. the minimap's next rebuild */
    /* the cooldown-ready cue: the window title and a flash of the window (place/front.h ready) */
    int ready_cue;
    int flashes;           /* SDL_FlashWindow calls that succeeded, for the test script */
    char title[320];       /* the title set now */
} app;

/* Hands a->f (the controller) the url, the hooks and the wake function (a->opt set). */
void app_front_init(app *a);

/* Runs the client until the player quits. Returns the process exit status. */
int app_run(const app_options *o);

/* Creates the window and renderer for a (a->opt set). Returns 0, or -1 with a sentence in err. */
int app_open_window(app *a, char *err, size_t errlen);

/* Closes what app_open_window and the canvas opened. */
void app_close_window(app *a);

/* Handles one SDL event (real or synthetic). */
void app_handle_event(app *a, const SDL_Event *e);

/* Moves a gliding zoom one frame further (call once a frame before drawing). */
void app_zoom_step(app *a);

/* Applies everything the engine has (events, pixels). */
void app_drain_engine(app *a);

/* Canvas area height and the bar's top, in output pixels. */
int app_area_h(const app *a);

/* The palette swatch i's rectangle. */
SDL_Rect app_swatch_rect(const app *a, int i);

/* Draws a frame (draw.c); writes a pending screenshot before presenting. */
void app_draw(app *a);

/* The banner's text now (disconnected, connecting, catching up, banned, frozen) and whether it is red.
 * Returns 1, or 0 when there is no banner. */
int app_banner_text(app *a, char *line, size_t cap, int *red);

/* The bar's second row: the cursor, the connection, who, the zoom and the template's progress. */
void app_status_text(app *a, char *line, size_t cap);

/* The placing state the bar shows beside the colour ("next pixel in 5 s", "canvas frozen",
 * "ready to place", or "" when there is none). Returns 0 for ready (green), 1 for waiting or
 * refused (amber). */
int app_bar_state(app *a, char *line, size_t cap);

/* Writes the current frame (call before SDL_RenderPresent) to a 24-bit BMP. Returns 0 or -1. */
int app_screenshot(app *a, const char *path);

/* The frame benchmark (bench.c). Returns the exit status. */
int app_bench(const app_options *o);

#endif

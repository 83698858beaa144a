/* place-sdl's window, loop and input (app.h); what a key does, what an engine event says and the
 * prompts are the shared controller's (place/front.h), answered here through its hooks.
 * One thread: it sleeps in SDL_WaitEvent until input arrives or the engine pushes a wake event, with a timeout only while
 * something on screen counts down, so an idle client uses no CPU; it draws a frame only when
 * something changed, and a vsynced present paces drags and zooms at the display's rate. */
#include "app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minimap.h"
#include "place/palette.h"
#include "script.h"

#define FONT_PX 13
#define GOTO_SCALE 20.0 /* output px per canvas pixel after "go to", at least (x ui) */
#define ZOOM_TAU_MS 35.0 /* time constant of the zoom glide: 95% of the way in about 0.1 s */

/* The controller's message shows for APP_MESSAGE_MS. */
static void on_said(void *user)
{
    app *a = user;
    a->message_until = place_client_now_ms() + APP_MESSAGE_MS;
    a->redraw = 1;
    snprintf(a->said_log[a->said_n++ % APP_SAID_LOG], PLACE_FRONT_MESSAGE_MAX, "%s", a->f.message);
}

int app_area_h(const app *a)
{
    int h = a->out_h - (int)lround(APP_BAR_H * a->ui);
    return h > 1 ? h : 1;
}

SDL_Rect app_swatch_rect(const app *a, int i)
{
    int sw = (int)lround(APP_SWATCH * a->ui), gap = (int)lround(APP_SWATCH_GAP * a->ui);
    int x0 = (int)lround(APP_MARGIN * a->ui);
    int row1 = (int)lround(34 * a->ui);
    SDL_Rect r = {x0 + i * (sw + gap), app_area_h(a) + (row1 - sw) / 2, sw, sw};
    return r;
}

/* ---- window ---- */

static void update_sizes(app *a)
{
    SDL_GetWindowSize(a->win, &a->win_w, &a->win_h);
    if (SDL_GetRendererOutputSize(a->ren, &a->out_w, &a->out_h) < 0) {
        a->out_w = a->win_w;
        a->out_h = a->win_h;
    }
    double ui = a->win_w > 0 ? (double)a->out_w / a->win_w : 1.0;
    if (ui < 1.0)
        ui = 1.0;
    if (ui != a->ui) {
        /* Moved to a screen of another density: text at the new size. */
        char font[1024], err[256];
        text *t;
        if (text_find_font(font, sizeof font) == 0 &&
            text_new(a->ren, font, (int)lround(FONT_PX * ui), &t, err, sizeof err) == 0) {
            text_free(a->font);
            a->font = t;
        }
    }
    a->ui = ui;
    a->v.ui_scale = a->ui;
    a->zooming = 0;
    view_set_area(&a->v, a->out_w, app_area_h(a));
    a->redraw = 1;
}

/* Tries the renderers in order: the one asked for, else an accelerated one with vsync, else the
 * software renderer (no GPU, e.g. a bare X server). */
static SDL_Renderer *make_renderer(app *a)
{
    Uint32 vs = a->opt->no_vsync ? 0 : SDL_RENDERER_PRESENTVSYNC;
    SDL_Renderer *r = NULL;
    if (a->opt->renderer) {
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, a->opt->renderer);
        r = SDL_CreateRenderer(a->win, -1, vs);
    } else {
        r = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_ACCELERATED | vs);
    }
    if (!r && (!a->opt->renderer || strcmp(a->opt->renderer, "software") != 0)) {
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
        r = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    }
    return r;
}

int app_open_window(app *a, char *err, size_t errlen)
{
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0) {
        snprintf(err, errlen, "cannot start SDL: %s", SDL_GetError());
        return -1;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");
    /* The software renderer draws into the window's own surface (MIT-SHM on X11); without this
     * SDL may route that surface through OpenGL, which on a GPU-less X server is a second
     * software rasteriser doing the same work again. */
    if (a->opt->renderer && strcmp(a->opt->renderer, "software") == 0)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    /* With no display SDL falls back to its offscreen driver: a window nobody can see. Only the
     * test mode, the benchmark or an explicit SDL_VIDEODRIVER may run that way. */
    const char *driver = SDL_GetCurrentVideoDriver();
    if (driver && (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0) &&
        !a->opt->script_path && !a->opt->bench_frames && !getenv("SDL_VIDEODRIVER")) {
        snprintf(err, errlen, "no display to open a window on (set DISPLAY or WAYLAND_DISPLAY)");
        return -1;
    }
    a->win = SDL_CreateWindow("Place", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                              a->opt->win_w, a->opt->win_h,
                              SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->win) {
        snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
        return -1;
    }
    SDL_SetWindowMinimumSize(a->win, 320, 240);
    a->ren = make_renderer(a);
    if (!a->ren) {
        snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
        return -1;
    }
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(a->ren, &info) == 0)
        snprintf(a->renderer_name, sizeof a->renderer_name, "%s", info.name);
    SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_BLEND);
    SDL_GetWindowSize(a->win, &a->win_w, &a->win_h);
    SDL_GetRendererOutputSize(a->ren, &a->out_w, &a->out_h);
    a->ui = a->win_w > 0 && a->out_w > a->win_w ? (double)a->out_w / a->win_w : 1.0;
    view_init(&a->v, a->out_w, app_area_h(a), a->ui);
    char font[1024];
    if (text_find_font(font, sizeof font) < 0) {
        snprintf(err, errlen, "cannot find the font DejaVuSansMono.ttf (set PLACE_FONT)");
        return -1;
    }
    if (text_new(a->ren, font, (int)lround(FONT_PX * a->ui), &a->font, err, errlen) < 0)
        return -1;
    a->redraw = 1;
    return 0;
}

void app_close_window(app *a)
{
    if (a->tmpl_tex)
        SDL_DestroyTexture(a->tmpl_tex);
    a->tmpl_tex = NULL;
    minimap_free(a);
    tiles_free(a->tiles);
    a->tiles = NULL;
    text_free(a->font);
    a->font = NULL;
    if (a->ren)
        SDL_DestroyRenderer(a->ren);
    if (a->win)
        SDL_DestroyWindow(a->win);
    a->ren = NULL;
    a->win = NULL;
    SDL_Quit();
}

/* ---- the canvas ---- */

static void set_canvas_size(app *a)
{
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv);
    if (!cv.width || !cv.height)
        return;
    if (cv.width != a->cw || cv.height != a->ch || !a->tiles) {
        tiles_free(a->tiles);
        a->tiles = NULL;
        char err[256];
        if (tiles_new(a->ren, SDL_GetWindowPixelFormat(a->win), cv.width, cv.height, &a->tiles,
                      err, sizeof err) < 0) {
            fprintf(stderr, "place-sdl: %s\n", err);
            a->f.quit = 1;
            return;
        }
        a->cw = cv.width;
        a->ch = cv.height;
        view_set_canvas(&a->v, cv.width, cv.height);
        if (!a->have_cursor || a->cx >= (int)a->cw || a->cy >= (int)a->ch) {
            a->have_cursor = 1;
            a->cx = (int)a->cw / 2;
            a->cy = (int)a->ch / 2;
        }
    }
    tiles_mark(a->tiles, cv.pixels, 0, 0, (int)cv.width, (int)cv.height);
    a->redraw = 1;
}

static void mark_pixels(app *a, int x, int y, int w, int h)
{
    if (!a->tiles)
        return;
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv);
    if (cv.width != a->cw || cv.height != a->ch)
        return;
    if (tiles_mark(a->tiles, cv.pixels, x, y, w, h) > 0)
        a->redraw = 1;
}

/* ---- the controller's hooks (place/front.h) ---- */

static void on_pixels(void *user, int x, int y, int w, int h)
{
    app *a = user;
    if (!a->tiles)
        set_canvas_size(a);
    else
        mark_pixels(a, x, y, w, h);
}

/* A ring around the pixel, so the rollback is seen even zoomed out. */
static void on_rolled_back(void *user, int x, int y)
{
    app *a = user;
    app_mark *m = &a->marks[0];
    for (int i = 1; i < APP_MARKS; i++)
        if (a->marks[i].until < m->until)
            m = &a->marks[i];
    m->x = x;
    m->y = y;
    m->until = place_client_now_ms() + APP_MARK_MS;
}

static void on_canvas_size(void *user)
{
    set_canvas_size(user);
}

static int on_cursor(void *user, int *x, int *y)
{
    app *a = user;
    *x = a->cx;
    *y = a->cy;
    return a->have_cursor;
}

static void go_to(void *user, int x, int y);
static void on_act(void *user, place_front_action act);

/* The cooldown is over: the title says so and the window asks for attention (a blinking task
 * bar entry until it has the focus), so a player in another window learns of it. */
static void on_ready(void *user)
{
    app *a = user;
    a->ready_cue = 1;
    if (SDL_FlashWindow(a->win, SDL_FLASH_UNTIL_FOCUSED) == 0)
        a->flashes++;
    a->redraw = 1;
}

static const place_front_ops front_ops = {
    .said = on_said,
    .canvas_size = on_canvas_size,
    .pixels = on_pixels,
    .rolled_back = on_rolled_back,
    .cursor = on_cursor,
    .go_to = go_to,
    .act = on_act,
    .ready = on_ready,
};

void app_drain_engine(app *a)
{
    SDL_AtomicSet(&a->wake_pending, 0);
    if (place_front_drain(&a->f))
        a->redraw = 1;
}

/* Called on the engine's threads: one wake event in the queue at a time is enough. */
static void on_wake(void *user)
{
    app *a = user;
    if (!SDL_AtomicCAS(&a->wake_pending, 0, 1))
        return;
    SDL_Event e;
    SDL_zero(e);
    e.type = a->wake_event;
    SDL_PushEvent(&e);
}

/* ---- actions ---- */

static void set_cursor(app *a, int x, int y)
{
    a->have_cursor = 1;
    a->cx = x;
    a->cy = y;
}

static void move_cursor(app *a, int dx, int dy)
{
    if (!a->cw)
        return;
    int step = view_key_step(&a->v);
    int x = a->cx + dx * step, y = a->cy + dy * step;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x >= (int)a->cw) x = (int)a->cw - 1;
    if (y >= (int)a->ch) y = (int)a->ch - 1;
    a->have_cursor = 1;
    a->cx = x;
    a->cy = y;
    view_ensure_visible(&a->v, x, y, 2 * a->v.scale > 16 * a->ui ? 2 * a->v.scale : 16 * a->ui);
    a->redraw = 1;
}

/* Starts (or extends) a zoom by factor around screen point (px, py). The scale then glides to
 * its target over about a tenth of a second (zoom_step, once a frame), the canvas point under
 * (px, py) staying put all the way, so the end is exactly where an instant zoom would land. */
static void zoom_towards(app *a, double factor, double px, double py)
{
    double t = (a->zooming ? a->zoom_target : a->v.scale) * factor;
    double lo = view_fit_scale(&a->v), hi = view_max_scale(&a->v);
    if (t < lo)
        t = lo;
    if (t > hi)
        t = hi;
    if (t == a->v.scale && !a->zooming)
        return;
    a->zoom_target = t;
    a->zoom_px = px;
    a->zoom_py = py;
    if (!a->zooming)
        a->zoom_last_ms = place_client_now_ms();
    a->zooming = 1;
    a->redraw = 1;
}

static void hover(app *a);

void app_zoom_step(app *a)
{
    if (!a->zooming)
        return;
    int64_t now = place_client_now_ms();
    double dt = (double)(now - a->zoom_last_ms);
    a->zoom_last_ms = now;
    double ratio = a->zoom_target / a->v.scale;
    double factor = pow(ratio, 1.0 - exp(-dt / ZOOM_TAU_MS));
    if (fabs(log(ratio)) < 0.01 || fabs(log(factor)) >= fabs(log(ratio))) {
        factor = ratio;
        a->zooming = 0;
    }
    view_zoom_at(&a->v, factor, a->zoom_px, a->zoom_py);
    if (fabs(a->v.scale - a->zoom_target) < 1e-9)
        a->zooming = 0;
    hover(a);
    a->redraw = 1;
}

/* Zooms by factor around the cursor's pixel (keys) when it is on screen, else the centre. */
static void zoom_keys(app *a, double factor)
{
    double px = a->v.area_w / 2.0, py = a->v.area_h / 2.0;
    if (a->have_cursor) {
        double sx, sy;
        view_to_screen(&a->v, a->cx + 0.5, a->cy + 0.5, &sx, &sy);
        if (sx >= 0 && sy >= 0 && sx < a->v.area_w && sy < a->v.area_h)
            px = sx, py = sy;
    }
    zoom_towards(a, factor, px, py);
}

/* The go-to prompt's answer, inside the canvas. */
static void go_to(void *user, int x, int y)
{
    app *a = user;
    set_cursor(a, x, y);
    /* Going somewhere means looking at it closely: zoom in to where single pixels are easy to
     * hit, then centre it. */
    double want = GOTO_SCALE * a->ui;
    a->zooming = 0;
    if (a->v.scale < want)
        view_zoom_at(&a->v, want / a->v.scale, a->v.area_w / 2.0, a->v.area_h / 2.0);
    double sx, sy;
    view_to_screen(&a->v, x + 0.5, y + 0.5, &sx, &sy);
    view_pan(&a->v, a->v.area_w / 2.0 - sx, a->v.area_h / 2.0 - sy);
}

static void on_act(void *user, place_front_action act)
{
    app *a = user;
    switch (act) {
    case PLACE_ACT_LEFT: move_cursor(a, -1, 0); break;
    case PLACE_ACT_RIGHT: move_cursor(a, 1, 0); break;
    case PLACE_ACT_UP: move_cursor(a, 0, -1); break;
    case PLACE_ACT_DOWN: move_cursor(a, 0, 1); break;
    case PLACE_ACT_LEFT8: move_cursor(a, -8, 0); break;
    case PLACE_ACT_RIGHT8: move_cursor(a, 8, 0); break;
    case PLACE_ACT_UP8: move_cursor(a, 0, -8); break;
    case PLACE_ACT_DOWN8: move_cursor(a, 0, 8); break;
    case PLACE_ACT_ZOOM_IN: zoom_keys(a, VIEW_KEY_STEP); break;
    case PLACE_ACT_ZOOM_OUT: zoom_keys(a, 1.0 / VIEW_KEY_STEP); break;
    case PLACE_ACT_FIT:
        a->zooming = 0;
        view_fit(&a->v);
        break;
    case PLACE_ACT_REDRAW: a->redraw = 1; break;
    case PLACE_ACT_MINIMAP:
        a->minimap_on = !a->minimap_on;
        place_front_say(&a->f, 0, "Minimap %s.", a->minimap_on ? "on (click it to go there)" : "off");
        a->redraw = 1;
        break;
    default: break;
    }
}

/* The minimap asked for (x, y): the view centres there and the cursor goes there. */
static void minimap_jump(app *a, int x, int y)
{
    set_cursor(a, x, y);
    a->zooming = 0;
    double sx, sy;
    view_to_screen(&a->v, x + 0.5, y + 0.5, &sx, &sy);
    view_pan(&a->v, a->v.area_w / 2.0 - sx, a->v.area_h / 2.0 - sy);
    a->redraw = 1;
}

/* A key without text (SDL_KEYDOWN); keys with text come as SDL_TEXTINPUT (place_front_char). */
static void on_key(app *a, const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    int ctrl = (k->keysym.mod & KMOD_CTRL) != 0, shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    int name = -1;
    if (ctrl && (sym == SDLK_c || sym == SDLK_q))
        name = PLACE_KEY_CTRL_C;
    else if (ctrl && sym == SDLK_l)
        name = PLACE_KEY_CTRL_L;
    else {
        switch (sym) {
        case SDLK_LEFT: name = shift ? PLACE_KEY_SLEFT : PLACE_KEY_LEFT; break;
        case SDLK_RIGHT: name = shift ? PLACE_KEY_SRIGHT : PLACE_KEY_RIGHT; break;
        case SDLK_UP: name = shift ? PLACE_KEY_SUP : PLACE_KEY_UP; break;
        case SDLK_DOWN: name = shift ? PLACE_KEY_SDOWN : PLACE_KEY_DOWN; break;
        case SDLK_RETURN: case SDLK_KP_ENTER: name = PLACE_KEY_ENTER; break;
        case SDLK_TAB: name = shift ? PLACE_KEY_BACKTAB : PLACE_KEY_TAB; break;
        case SDLK_ESCAPE: name = PLACE_KEY_ESCAPE; break;
        case SDLK_BACKSPACE: name = PLACE_KEY_BACKSPACE; break;
        default: break;
        }
    }
    if (name >= 0)
        place_front_key(&a->f, (place_front_key_name)name);
}

/* The mouse position of an event in output pixels. */
static void to_output(const app *a, int wx, int wy, int *ox, int *oy)
{
    *ox = (int)lround(wx * a->ui);
    *oy = (int)lround(wy * a->ui);
}

static void hover(app *a)
{
    int x, y;
    if (minimap_pixel_at(a, a->mouse_x, a->mouse_y, &x, &y))
        return; /* over the minimap the cursor stays where it is */
    if (a->mouse_in && a->mouse_y < app_area_h(a) &&
        view_pixel_at(&a->v, a->mouse_x + 0.5, a->mouse_y + 0.5, &x, &y)) {
        if (!a->have_cursor || x != a->cx || y != a->cy) {
            a->have_cursor = 1;
            a->cx = x;
            a->cy = y;
            a->redraw = 1;
        }
    }
}

static void on_button_up(app *a)
{
    int was_drag = a->dragging, on_mini = a->press_mini;
    a->pressed = 0;
    a->dragging = 0;
    a->press_mini = 0;
    if (was_drag)
        return;
    if (place_front_dismiss(&a->f))
        return;
    int mx = a->mouse_x, my = a->mouse_y, x, y;
    if (on_mini) {
        if (minimap_pixel_at(a, mx, my, &x, &y))
            minimap_jump(a, x, y);
        return;
    }
    if (my >= app_area_h(a)) {
        for (int i = 0; i < PLACE_COLORS; i++) {
            SDL_Rect r = app_swatch_rect(a, i);
            if (mx >= r.x && mx < r.x + r.w && my >= r.y && my < r.y + r.h)
                a->f.selected = i;
        }
        return;
    }
    if (!view_pixel_at(&a->v, mx + 0.5, my + 0.5, &x, &y))
        return;
    if (a->press_ctrl || a->press_button == SDL_BUTTON_RIGHT) {
        set_cursor(a, x, y);
        place_front_ask_info(&a->f, x, y);
    } else if (a->press_button == SDL_BUTTON_LEFT) {
        set_cursor(a, x, y);
        place_front_place_at(&a->f, x, y);
    }
}

void app_handle_event(app *a, const SDL_Event *e)
{
    if (e->type == a->wake_event) {
        app_drain_engine(a);
        return;
    }
    switch (e->type) {
    case SDL_QUIT:
        a->f.quit = 1;
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            update_sizes(a);
        else if (e->window.event == SDL_WINDOWEVENT_LEAVE)
            a->mouse_in = 0;
        a->redraw = 1;
        break;
    case SDL_TEXTINPUT:
        for (const char *p = e->text.text; *p; p++)
            place_front_char(&a->f, (unsigned char)*p);
        a->redraw = 1;
        break;
    case SDL_KEYDOWN:
        on_key(a, &e->key);
        a->redraw = 1;
        break;
    case SDL_MOUSEMOTION: {
        int mx, my;
        to_output(a, e->motion.x, e->motion.y, &mx, &my);
        int dx = mx - a->mouse_x, dy = my - a->mouse_y;
        a->mouse_x = mx;
        a->mouse_y = my;
        a->mouse_in = 1;
        int mini_x, mini_y;
        if (a->pressed && a->press_mini) { /* a drag on the minimap moves the view along */
            if (minimap_pixel_at(a, mx, my, &mini_x, &mini_y))
                minimap_jump(a, mini_x, mini_y);
            break;
        }
        if (a->pressed && !a->dragging && a->press_y < app_area_h(a) &&
            (abs(mx - a->press_x) > APP_DRAG_MIN * a->ui || abs(my - a->press_y) > APP_DRAG_MIN * a->ui)) {
            a->dragging = 1;
            dx = mx - a->press_x;
            dy = my - a->press_y;
        }
        if (a->dragging) {
            view_pan(&a->v, dx, dy);
            a->redraw = 1;
        } else {
            hover(a);
        }
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        to_output(a, e->button.x, e->button.y, &a->mouse_x, &a->mouse_y);
        a->mouse_in = 1;
        a->pressed = 1;
        a->dragging = 0;
        a->press_button = e->button.button;
        a->press_ctrl = (SDL_GetModState() & KMOD_CTRL) != 0;
        a->press_x = a->mouse_x;
        a->press_y = a->mouse_y;
        {
            int mx0, my0;
            a->press_mini = minimap_pixel_at(a, a->mouse_x, a->mouse_y, &mx0, &my0);
        }
        break;
    case SDL_MOUSEBUTTONUP:
        to_output(a, e->button.x, e->button.y, &a->mouse_x, &a->mouse_y);
        if (a->pressed)
            on_button_up(a);
        a->redraw = 1;
        break;
    case SDL_MOUSEWHEEL: {
        float notches = e->wheel.preciseY;
        if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED)
            notches = -notches;
        int mx, my;
        to_output(a, e->wheel.mouseX, e->wheel.mouseY, &mx, &my);
        if (my < app_area_h(a)) {
            a->mouse_x = mx;
            a->mouse_y = my;
            zoom_towards(a, pow(VIEW_WHEEL_STEP, notches), mx, my);
        }
        break;
    }
    default:
        break;
    }
}

void app_front_init(app *a)
{
    a->f.url = a->opt->url;
    a->f.ops = &front_ops;
    a->f.user = a;
    a->f.wake = on_wake;
    a->f.wake_user = a;
}

/* ---- the loop ---- */

/* How long the loop may sleep: until the engine needs it, the next second of a countdown on
 * screen, or a message's end; forever when nothing is due. */
static int sleep_ms(app *a)
{
    if (a->redraw)
        return 0; /* uploads left for the next frame */
    if (a->script)
        return 10; /* a script's waits are checked between events */
    int64_t now = place_client_now_ms();
    int t = place_front_sleep_ms(&a->f, now); /* the engine, the countdowns */
    int64_t until[2 + APP_MARKS] = {a->message_until, a->redraw_at};
    for (int i = 0; i < APP_MARKS; i++)
        until[2 + i] = a->marks[i].until;
    for (int i = 0; i < 2 + APP_MARKS; i++) {
        if (until[i] > now) { /* messages and rings end once */
            int end = (int)(until[i] - now) + 1;
            if (t < 0 || end < t)
                t = end;
        }
    }
    return t;
}

/* The window title: the cooldown's countdown while it runs ("(4:59) Place - url"), "Ready to
 * place" once it is over until the player places again or comes back to the window, else the
 * plain title; set only when it changes. */
static void update_title(app *a)
{
    place_client_status st;
    place_client_get_status(a->f.c, &st);
    int64_t now = place_client_now_ms();
    char t[sizeof a->title], left[24];
    if (st.banned || st.frozen) {
        a->ready_cue = 0; /* nothing to place: the bar and the banner say why */
        snprintf(t, sizeof t, "Place - %s", a->opt->url);
    } else if (st.next_placement > now) {
        a->ready_cue = 0;
        place_client_format_wait(st.next_placement - now, left, sizeof left);
        snprintf(t, sizeof t, "(%s) Place - %s", left, a->opt->url);
    } else if (a->ready_cue) {
        snprintf(t, sizeof t, "Ready to place - Place - %s", a->opt->url);
    } else {
        snprintf(t, sizeof t, "Place - %s", a->opt->url);
    }
    if (strcmp(t, a->title) != 0) {
        snprintf(a->title, sizeof a->title, "%s", t);
        SDL_SetWindowTitle(a->win, a->title);
    }
}

int app_run(const app_options *o)
{
    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->opt = o;
    app_front_init(a);
    int status = 1;
    char err[512];
    if (o->script_path && script_load(o->script_path, &a->script, err, sizeof err) < 0) {
        fprintf(stderr, "place-sdl: %s\n", err);
        free(a);
        return 2;
    }
    if (app_open_window(a, err, sizeof err) < 0) {
        fprintf(stderr, "place-sdl: %s\n", err);
        goto out;
    }
    a->wake_event = SDL_RegisterEvents(1);
    if (place_front_start(&a->f, o->token, err, sizeof err) < 0) {
        fprintf(stderr, "place-sdl: %s\n", err);
        goto out;
    }
    if (o->tmpl)
        place_front_set_template(&a->f, o->tmpl);
    /* the minimap starts on; in test mode off, so that the scripts' screen positions of canvas
     * pixels hold (a script turns it on with m) */
    a->minimap_on = !o->script_path;
    update_title(a);
    if (a->script)
        printf("place-sdl: renderer %s, window %dx%d, output %dx%d\n", a->renderer_name,
               a->win_w, a->win_h, a->out_w, a->out_h);
    place_front_say(&a->f, 0, "Connecting to %s ... press ? for help.", o->url);
    status = 0;
    while (!a->f.quit) {
        app_zoom_step(a);
        if (a->redraw || a->shot_path[0]) {
            a->redraw = 0;
            app_draw(a);
        }
        SDL_Event e;
        int t = sleep_ms(a);
        int got = t < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, t);
        if (got)
            app_handle_event(a, &e);
        else
            a->redraw = 1; /* a countdown ticked or a message ended */
        while (!a->f.quit && SDL_PollEvent(&e))
            app_handle_event(a, &e);
        app_drain_engine(a);
        update_title(a);
        int64_t now = place_client_now_ms();
        if (a->redraw_at && now >= a->redraw_at) {
            a->redraw_at = 0;
            a->redraw = 1;
        }
        if (a->message_until && now >= a->message_until) {
            a->message_until = 0;
            a->redraw = 1;
        }
        for (int i = 0; i < APP_MARKS; i++)
            if (a->marks[i].until && now >= a->marks[i].until) {
                a->marks[i].until = 0;
                a->redraw = 1;
            }
        if (a->script) {
            int rc = script_step(a->script, a);
            if (rc != 0) {
                status = rc < 0 ? 3 : 0;
                break;
            }
        }
    }
out:
    place_front_stop(&a->f);
    script_free(a->script);
    app_close_window(a);
    free(a);
    return status;
}

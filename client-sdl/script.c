/* The test mode's script runner (script.h). */
#include "script.h"

#include "minimap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000
#define DRAG_STEPS 8

static const char *const commands[] = {"wait", "sleep", "move", "click", "drag", "wheel", "key",
                                       "type", "resize", "shot", "view", "echo", "quit"};

struct script {
    char **lines;
    int *line_no;
    int n, next;
    int started;      /* the current step has begun (waits, sleep, shot) */
    int64_t deadline; /* for waits and sleep */
    unsigned said_mark; /* the app's said_n when the previous step ended */
};

void script_free(script *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        free(s->lines[i]);
    free(s->lines);
    free(s->line_no);
    free(s);
}

static int known(const char *line)
{
    char cmd[16];
    if (sscanf(line, "%15s", cmd) != 1)
        return 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i]) == 0)
            return 1;
    return 0;
}

int script_load(const char *path, script **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open the script %s", path);
        return -1;
    }
    script *s = calloc(1, sizeof *s);
    int cap = 0, no = 0;
    char buf[1024];
    while (s && fgets(buf, sizeof buf, f)) {
        no++;
        buf[strcspn(buf, "\r\n")] = '\0';
        char *p = buf + strspn(buf, " \t");
        if (!*p || *p == '#')
            continue;
        if (!known(p)) {
            snprintf(err, errlen, "%s:%d: unknown command: %s", path, no, p);
            fclose(f);
            script_free(s);
            return -1;
        }
        if (s->n == cap) {
            cap = cap ? cap * 2 : 32;
            char **l = realloc(s->lines, (size_t)cap * sizeof *l);
            int *ln = realloc(s->line_no, (size_t)cap * sizeof *ln);
            if (l)
                s->lines = l;
            if (ln)
                s->line_no = ln;
            if (!l || !ln)
                abort();
        }
        s->lines[s->n] = strdup(p);
        if (!s->lines[s->n])
            abort();
        s->line_no[s->n++] = no;
    }
    fclose(f);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = s;
    return 0;
}

/* ---- synthetic events ---- */

static void push(SDL_Event *e)
{
    SDL_PushEvent(e);
}

static void push_motion(app *a, int x, int y, int pressed)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEMOTION;
    e.motion.windowID = SDL_GetWindowID(a->win);
    e.motion.x = x;
    e.motion.y = y;
    e.motion.state = pressed ? SDL_BUTTON_LMASK : 0;
    push(&e);
}

static void push_button(app *a, int down, int button, int x, int y)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
    e.button.windowID = SDL_GetWindowID(a->win);
    e.button.button = (Uint8)button;
    e.button.state = down ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = 1;
    e.button.x = x;
    e.button.y = y;
    push(&e);
}

static void push_text(app *a, const char *txt)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_TEXTINPUT;
    e.text.windowID = SDL_GetWindowID(a->win);
    snprintf(e.text.text, sizeof e.text.text, "%s", txt);
    push(&e);
}

/* "Up", "shift+Up", "ctrl+l": a key press and release. Returns -1 for an unknown name. */
static int push_key(app *a, const char *name)
{
    Uint16 mod = KMOD_NONE;
    for (;;) {
        if (strncmp(name, "shift+", 6) == 0) {
            mod |= KMOD_LSHIFT;
            name += 6;
        } else if (strncmp(name, "ctrl+", 5) == 0) {
            mod |= KMOD_LCTRL;
            name += 5;
        } else {
            break;
        }
    }
    if (mod == KMOD_NONE && strlen(name) == 1 && name[0] > ' ' && name[0] < 127) {
        push_text(a, name);
        return 0;
    }
    SDL_Keycode sym = strcmp(name, "Space") == 0 ? SDLK_SPACE : SDL_GetKeyFromName(name);
    if (sym == SDLK_UNKNOWN)
        return -1;
    SDL_Event e;
    SDL_zero(e);
    e.key.windowID = SDL_GetWindowID(a->win);
    e.key.keysym.sym = sym;
    e.key.keysym.scancode = SDL_GetScancodeFromKey(sym);
    e.key.keysym.mod = mod;
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    push(&e);
    if (sym == SDLK_SPACE && mod == KMOD_NONE)
        push_text(a, " "); /* what a real Space press also produces */
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    push(&e);
    return 0;
}

/* ---- waits ---- */

static int cond_connected(app *a)
{
    place_client_status st;
    place_client_get_status(a->f.c, &st);
    return st.conn == PLACE_CONN_CONNECTED && !st.stale && a->tiles && a->cw > 0;
}

static int cond_pixel(app *a, int x, int y, int color)
{
    place_client_canvas cv;
    place_front_canvas(&a->f, &cv);
    return cv.width && x >= 0 && y >= 0 && (uint32_t)x < cv.width && (uint32_t)y < cv.height &&
           cv.pixels[(size_t)y * cv.width + (size_t)x] == color;
}

static int cond_cooldown(app *a)
{
    place_client_status st;
    place_client_get_status(a->f.c, &st);
    return st.next_placement > place_client_now_ms();
}

/* Evaluates a wait: 1 met, 0 not yet, -1 bad arguments. */
static int wait_met(const script *s, app *a, const char *args, int *timeout)
{
    char what[16];
    int n = 0;
    if (sscanf(args, "%15s%n", what, &n) != 1)
        return -1;
    args += n;
    if (strcmp(what, "connected") == 0) {
        sscanf(args, "%d", timeout);
        return cond_connected(a);
    }
    if (strcmp(what, "info") == 0) {
        sscanf(args, "%d", timeout);
        return a->f.mode == PLACE_FRONT_INFO;
    }
    if (strcmp(what, "disconnected") == 0) {
        place_client_status st;
        sscanf(args, "%d", timeout);
        place_client_get_status(a->f.c, &st);
        return st.conn == PLACE_CONN_DISCONNECTED;
    }
    if (strcmp(what, "cooldown") == 0) {
        sscanf(args, "%d", timeout);
        return cond_cooldown(a);
    }
    if (strcmp(what, "pixel") == 0) {
        int x, y, color;
        if (sscanf(args, "%d %d %d %d", &x, &y, &color, timeout) < 3)
            return -1;
        return cond_pixel(a, x, y, color);
    }
    if (strcmp(what, "time") == 0) {
        /* time mode shows the canvas of seq SEQ, arrived */
        unsigned long long seq;
        if (sscanf(args, "%llu %d", &seq, timeout) < 1)
            return -1;
        place_client_time ts;
        place_client_time_status(a->f.c, &ts);
        return ts.active && ts.have && !ts.loading && ts.seq == seq;
    }
    if (strcmp(what, "heatmap") == 0) {
        place_client_heatmap hm;
        sscanf(args, "%d", timeout);
        place_client_heatmap_view(a->f.c, &hm);
        return a->f.heat && hm.cols > 0;
    }
    if (strcmp(what, "title") == 0) {
        args += strspn(args, " \t");
        const char *t = SDL_GetWindowTitle(a->win);
        return t && strstr(t, args) != NULL;
    }
    if (strcmp(what, "flashed") == 0) {
        sscanf(args, "%d", timeout);
        return a->flashes > 0;
    }
    if (strcmp(what, "banner") == 0) {
        char line[400];
        int red;
        args += strspn(args, " \t");
        return app_banner_text(a, line, sizeof line, &red) && strstr(line, args) != NULL;
    }
    if (strcmp(what, "status") == 0) {
        char line[400];
        args += strspn(args, " \t");
        app_status_text(a, line, sizeof line);
        return strstr(line, args) != NULL;
    }
    if (strcmp(what, "bar") == 0) { /* the placing state beside the colour */
        char line[128];
        args += strspn(args, " \t");
        app_bar_state(a, line, sizeof line);
        return strstr(line, args) != NULL;
    }
    if (strcmp(what, "message") == 0) {
        /* shown now, or said since the previous step (and replaced before this turn) */
        args += strspn(args, " \t");
        if (a->message_until && strstr(a->f.message, args))
            return 1;
        unsigned from = a->said_n - s->said_mark > APP_SAID_LOG ? a->said_n - APP_SAID_LOG : s->said_mark;
        for (unsigned i = from; i != a->said_n; i++)
            if (strstr(a->said_log[i % APP_SAID_LOG], args))
                return 1;
        return 0;
    }
    return -1;
}

/* ---- steps ---- */

static int fail(script *s, const char *why)
{
    fprintf(stderr, "place-sdl: script line %d (%s): %s\n", s->line_no[s->next], s->lines[s->next],
            why);
    return -1;
}

/* Runs step s->next. Returns 1 when it is done, 0 when it needs more turns, -1 on failure,
 * 2 for quit. */
static int run(script *s, app *a)
{
    const char *line = s->lines[s->next];
    char cmd[16];
    int n = 0;
    sscanf(line, "%15s%n", cmd, &n);
    const char *args = line + n + strspn(line + n, " \t");
    int64_t now = place_client_now_ms();
    int x, y, x1, y1;
    char word[64] = "";
    if (strcmp(cmd, "wait") == 0) {
        int timeout = DEFAULT_TIMEOUT_MS;
        int met = wait_met(s, a, args, &timeout);
        if (met < 0)
            return fail(s, "bad wait");
        if (met)
            return 1;
        if (!s->started) {
            s->started = 1;
            s->deadline = now + timeout;
        } else if (now >= s->deadline) {
            return fail(s, "timed out");
        }
        return 0;
    }
    if (strcmp(cmd, "sleep") == 0) {
        if (!s->started) {
            s->started = 1;
            s->deadline = now + atoi(args);
        }
        return now >= s->deadline;
    }
    if (strcmp(cmd, "move") == 0 && sscanf(args, "%d %d", &x, &y) == 2) {
        push_motion(a, x, y, 0);
        return 1;
    }
    if (strcmp(cmd, "click") == 0 && sscanf(args, "%d %d %63s", &x, &y, word) >= 2) {
        SDL_SetModState(strcmp(word, "ctrl") == 0 ? KMOD_LCTRL : KMOD_NONE);
        int button = strcmp(word, "right") == 0 ? SDL_BUTTON_RIGHT : SDL_BUTTON_LEFT;
        push_motion(a, x, y, 0);
        push_button(a, 1, button, x, y);
        push_button(a, 0, button, x, y);
        return 1;
    }
    if (strcmp(cmd, "drag") == 0 && sscanf(args, "%d %d %d %d", &x, &y, &x1, &y1) == 4) {
        push_motion(a, x, y, 0);
        push_button(a, 1, SDL_BUTTON_LEFT, x, y);
        for (int i = 1; i <= DRAG_STEPS; i++)
            push_motion(a, x + (x1 - x) * i / DRAG_STEPS, y + (y1 - y) * i / DRAG_STEPS, 1);
        push_button(a, 0, SDL_BUTTON_LEFT, x1, y1);
        return 1;
    }
    if (strcmp(cmd, "wheel") == 0) {
        float notches;
        if (sscanf(args, "%d %d %f", &x, &y, &notches) != 3)
            return fail(s, "wheel wants X Y NOTCHES");
        push_motion(a, x, y, 0);
        SDL_Event e;
        SDL_zero(e);
        e.type = SDL_MOUSEWHEEL;
        e.wheel.windowID = SDL_GetWindowID(a->win);
        e.wheel.y = (Sint32)notches;
        e.wheel.preciseY = notches;
        e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
        e.wheel.mouseX = x;
        e.wheel.mouseY = y;
        push(&e);
        return 1;
    }
    if (strcmp(cmd, "key") == 0 && sscanf(args, "%63s", word) == 1) {
        if (push_key(a, word) < 0)
            return fail(s, "unknown key name");
        return 1;
    }
    if (strcmp(cmd, "type") == 0) {
        for (const char *p = args; *p; p++) {
            char ch[2] = {*p, 0};
            push_text(a, ch);
        }
        return 1;
    }
    if (strcmp(cmd, "resize") == 0 && sscanf(args, "%d %d", &x, &y) == 2) {
        SDL_SetWindowSize(a->win, x, y);
        return 1;
    }
    if (strcmp(cmd, "shot") == 0 && *args) {
        if (!s->started) {
            s->started = 1;
            snprintf(a->shot_path, sizeof a->shot_path, "%s", args);
            a->redraw = 1;
            return 0;
        }
        if (a->shot_path[0])
            return 0;
        if (a->shot_rc < 0)
            return fail(s, "could not write the screenshot");
        printf("script: shot %s\n", args);
        fflush(stdout);
        return 1;
    }
    if (strcmp(cmd, "view") == 0) {
        SDL_Rect m = {0, 0, 0, 0};
        minimap_rect(a, &m);
        printf("view: scale=%.6f ox=%.3f oy=%.3f area=%dx%d cursor=%d,%d canvas=%ux%u "
               "minimap=%d,%d,%d,%d\n",
               a->v.scale, a->v.ox, a->v.oy, a->v.area_w, a->v.area_h, a->have_cursor ? a->cx : -1,
               a->have_cursor ? a->cy : -1, a->v.cw, a->v.ch, m.x, m.y, m.w, m.h);
        fflush(stdout);
        return 1;
    }
    if (strcmp(cmd, "echo") == 0) {
        printf("script: %s\n", args);
        fflush(stdout);
        return 1;
    }
    if (strcmp(cmd, "quit") == 0)
        return 2;
    return fail(s, "bad arguments");
}

int script_step(script *s, app *a)
{
    if (s->next >= s->n)
        return 1;
    /* Like a player, the script waits for a zoom to finish gliding before its next step. */
    if (a->zooming)
        return 0;
    /* A modifier set for a click lasts until the click's events have been handled. */
    if (!s->started)
        SDL_SetModState(KMOD_NONE);
    int rc = run(s, a);
    if (rc < 0)
        return -1;
    if (rc == 2)
        return 1;
    if (rc == 1) {
        s->next++;
        s->started = 0;
        s->said_mark = a->said_n;
    }
    return s->next >= s->n ? 1 : 0;
}

/* One frame of place-sdl (app_draw in app.h): the canvas textures, the pixel grid at high zoom,
 * the reticle, the banner while the canvas may be stale, the bar (palette, chosen colour,
 * cooldown, coordinates, connection), the message, and the help, info or go-to boxes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "minimap.h"
#include "place/palette.h"

static const SDL_Color WHITE = {255, 255, 255, 255};
static const SDL_Color DIM = {190, 190, 190, 255};
static const SDL_Color GREEN = {120, 220, 120, 255};
static const SDL_Color AMBER = {255, 196, 70, 255};

static int px(const app *a, double logical)
{
    return (int)lround(logical * a->ui);
}

static void fill(app *a, SDL_Rect r, Uint8 cr, Uint8 cg, Uint8 cb, Uint8 ca)
{
    SDL_SetRenderDrawColor(a->ren, cr, cg, cb, ca);
    SDL_RenderFillRect(a->ren, &r);
}

static void outline(app *a, SDL_Rect r, int width, Uint8 cr, Uint8 cg, Uint8 cb, Uint8 ca)
{
    SDL_SetRenderDrawColor(a->ren, cr, cg, cb, ca);
    for (int i = 0; i < width; i++) {
        SDL_Rect o = {r.x + i, r.y + i, r.w - 2 * i, r.h - 2 * i};
        if (o.w > 0 && o.h > 0)
            SDL_RenderDrawRect(a->ren, &o);
    }
}

/* ---- the canvas area ---- */

static void draw_grid(app *a)
{
    if (a->v.scale < APP_GRID_SCALE * a->ui)
        return;
    int x0, y0, x1, y1;
    if (!view_visible(&a->v, &x0, &y0, &x1, &y1))
        return;
    int top, left, bottom, right, tmp;
    view_rect_of(&a->v, x0, y0, x1 - x0, y1 - y0, &left, &top, &right, &bottom);
    SDL_SetRenderDrawColor(a->ren, 0, 0, 0, 40);
    for (int x = x0; x <= x1; x++) {
        int sx;
        view_rect_of(&a->v, x, y0, 0, 0, &sx, &tmp, &tmp, &tmp);
        SDL_RenderDrawLine(a->ren, sx, top, sx, bottom - 1);
    }
    for (int y = y0; y <= y1; y++) {
        int sy;
        view_rect_of(&a->v, x0, y, 0, 0, &tmp, &sy, &tmp, &tmp);
        SDL_RenderDrawLine(a->ren, left, sy, right - 1, sy);
    }
}

/* ---- the template (docs/templates.md) ---- */

/* The overlay's texture: the template's palette colours, don't-care pixels transparent; made
 * again only when the controller holds another template. */
static SDL_Texture *template_texture(app *a)
{
    const place_template *t = &a->f.tmpl;
    if (t->px == a->tmpl_src && (a->tmpl_tex || a->tmpl_tex_failed))
        return a->tmpl_tex;
    if (a->tmpl_tex)
        SDL_DestroyTexture(a->tmpl_tex);
    a->tmpl_tex = NULL;
    a->tmpl_src = t->px;
    a->tmpl_tex_failed = 0;
    if (!t->px)
        return NULL;
    SDL_Texture *tex = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ABGR8888,
                                         SDL_TEXTUREACCESS_STATIC, (int)t->w, (int)t->h);
    uint32_t *rgba = tex ? malloc((size_t)t->w * t->h * 4) : NULL;
    if (!tex || !rgba) {
        /* wider than the renderer's textures: the dots still work */
        fprintf(stderr, "place-sdl: the template cannot be drawn as an overlay: %s\n",
                tex ? "out of memory" : SDL_GetError());
        if (tex)
            SDL_DestroyTexture(tex);
        free(rgba);
        a->tmpl_tex_failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < (size_t)t->w * t->h; i++) {
        uint8_t c = t->px[i];
        if (c == PLACE_TEMPLATE_NONE) {
            rgba[i] = 0;
            continue;
        }
        place_rgb p = place_palette[c];
        rgba[i] = (uint32_t)p.r | (uint32_t)p.g << 8 | (uint32_t)p.b << 16 | 0xFF000000u;
    }
    SDL_UpdateTexture(tex, NULL, rgba, (int)t->w * 4);
    free(rgba);
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    a->tmpl_tex = tex;
    return tex;
}

/* A square dot of the template's colour in the middle of each visible template pixel. */
static void draw_template_dots(app *a)
{
    const place_template *t = &a->f.tmpl;
    int x0, y0, x1, y1;
    if (!view_visible(&a->v, &x0, &y0, &x1, &y1))
        return;
    if (x0 < t->x) x0 = t->x;
    if (y0 < t->y) y0 = t->y;
    if (x1 > t->x + (int)t->w) x1 = t->x + (int)t->w;
    if (y1 > t->y + (int)t->h) y1 = t->y + (int)t->h;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            int c = place_template_color_at(t, x, y);
            if (c < 0)
                continue;
            int l, tp, r, b;
            view_rect_of(&a->v, x, y, 1, 1, &l, &tp, &r, &b);
            int side = (r - l) / 3 > 1 ? (r - l) / 3 : 1;
            SDL_Rect d = {l + (r - l - side) / 2, tp + (b - tp - side) / 2, side, side};
            place_rgb p = place_palette[c];
            fill(a, d, p.r, p.g, p.b, 255);
        }
    }
}

static void draw_template(app *a)
{
    SDL_Texture *tex = template_texture(a);
    if (!a->f.tmpl_shown || !a->f.tmpl_ready)
        return;
    const place_front_tmpl_style *st = place_front_template_style(&a->f);
    if (st->dots && a->v.scale >= APP_DOT_SCALE * a->ui) {
        draw_template_dots(a);
        return;
    }
    if (!tex)
        return;
    int opacity = st->dots ? PLACE_FRONT_DOT_FALLBACK : st->opacity;
    const place_template *t = &a->f.tmpl;
    int l, tp, r, b;
    view_rect_of(&a->v, t->x, t->y, (int)t->w, (int)t->h, &l, &tp, &r, &b);
    SDL_Rect dst = {l, tp, r - l, b - tp};
    SDL_SetTextureAlphaMod(tex, (Uint8)(opacity * 255 / 100));
    SDL_RenderCopy(a->ren, tex, NULL, &dst);
}

/* A frame around the cursor's pixel: black outside, white inside, so it shows on any colour;
 * never smaller than a few screen pixels, so it can be found at whole-canvas zoom. */
static void draw_reticle(app *a)
{
    if (!a->have_cursor || !a->cw || a->f.mode == PLACE_FRONT_INFO)
        return;
    int x0, y0, x1, y1;
    view_rect_of(&a->v, a->cx, a->cy, 1, 1, &x0, &y0, &x1, &y1);
    int min = px(a, 6);
    if (x1 - x0 < min) {
        int c = (x0 + x1) / 2;
        x0 = c - min / 2, x1 = x0 + min;
    }
    if (y1 - y0 < min) {
        int c = (y0 + y1) / 2;
        y0 = c - min / 2, y1 = y0 + min;
    }
    int t = px(a, 2) > 1 ? px(a, 2) : 1;
    SDL_Rect outer = {x0 - 2 * t, y0 - 2 * t, x1 - x0 + 4 * t, y1 - y0 + 4 * t};
    outline(a, outer, t, 0, 0, 0, 255);
    SDL_Rect inner = {x0 - t, y0 - t, x1 - x0 + 2 * t, y1 - y0 + 2 * t};
    outline(a, inner, t, 255, 255, 255, 255);
}

/* Red rings around pixels the server just refused: the pixel itself went back to its old
 * colour, which at whole-canvas zoom would be too small to notice. */
static void draw_marks(app *a)
{
    int64_t now = place_client_now_ms();
    int t = px(a, 2) > 1 ? px(a, 2) : 1, min = px(a, 14);
    for (int i = 0; i < APP_MARKS; i++) {
        const app_mark *m = &a->marks[i];
        if (m->until <= now)
            continue;
        int x0, y0, x1, y1;
        view_rect_of(&a->v, m->x, m->y, 1, 1, &x0, &y0, &x1, &y1);
        int cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
        int half = (x1 - x0) / 2 + 3 * t;
        if (half < min / 2)
            half = min / 2;
        SDL_Rect r = {cx - half, cy - half, 2 * half, 2 * half};
        outline(a, r, t, 229, 0, 0, 255);
    }
}

int app_banner_text(app *a, char *line, size_t cap, int *red_out)
{
    if (place_front_time_line(&a->f, 0, line, cap)) { /* time mode: the moment shown */
        *red_out = 0;
        return 1;
    }
    place_client_status st;
    place_client_get_status(a->f.c, &st);
    if (st.frozen && !st.banned && !st.stale && st.conn == PLACE_CONN_CONNECTED) {
        place_client_format_frozen(&st, line, cap); /* placed --freeze: amber, with the reason */
        *red_out = 0;
        return 1;
    }
    if (!st.stale && st.conn != PLACE_CONN_CONNECTING)
        return 0;
    int64_t now = place_client_now_ms();
    int red = 0;
    if (st.banned) {
        /* a ban closes the socket; the client comes back at once to go on showing the canvas */
        place_client_format_ban(&st, line, cap);
        red = 1;
    } else if (st.conn == PLACE_CONN_DISCONNECTED) {
        char t[24];
        place_client_format_wait(st.retry_at > now ? st.retry_at - now : 0, t, sizeof t);
        if (a->cw)
            snprintf(line, cap, "Disconnected - retrying in %s. The canvas may be out of date.", t);
        else
            snprintf(line, cap, "Cannot reach the server - retrying in %s. No canvas loaded yet.", t);
        red = 1;
    } else if (st.conn == PLACE_CONN_CONNECTING) {
        snprintf(line, cap, "Connecting to %s ...", a->opt->url);
    } else if (!a->cw) {
        snprintf(line, cap, "Loading the canvas ...");
    } else {
        snprintf(line, cap, "Catching up: the canvas may be a moment out of date.");
    }
    *red_out = red;
    return 1;
}

int app_bar_state(app *a, char *line, size_t cap)
{
    place_client_status st;
    place_client_get_status(a->f.c, &st);
    place_client_time ts;
    place_client_time_status(a->f.c, &ts);
    int64_t now = place_client_now_ms();
    line[0] = 0;
    if (ts.active) {
        snprintf(line, cap, "the past: placing is off (t: live)");
    } else if (st.banned) {
        snprintf(line, cap, "banned from placing pixels");
    } else if (st.frozen) {
        snprintf(line, cap, "canvas frozen");
    } else if (st.next_placement > now) {
        char t[24];
        place_client_format_wait(st.next_placement - now, t, sizeof t);
        snprintf(line, cap, "next pixel in %s", t);
    } else if (st.conn == PLACE_CONN_CONNECTED) {
        snprintf(line, cap, "%s", st.pending ? "sending..." : "ready to place");
        return 0;
    }
    return 1;
}

static void draw_banner(app *a)
{
    char line[400];
    int red;
    if (!app_banner_text(a, line, sizeof line, &red))
        return;
    int h = text_line_height(a->font) + px(a, 8);
    SDL_Rect r = {0, 0, a->out_w, h};
    if (red)
        fill(a, r, 176, 0, 32, 255);
    else
        fill(a, r, 150, 100, 0, 255);
    text_draw(a->font, line, px(a, APP_MARGIN), px(a, 4), WHITE);
}

/* ---- the bar ---- */

static void draw_bar(app *a)
{
    int top = app_area_h(a);
    SDL_Rect bar = {0, top, a->out_w, a->out_h - top};
    fill(a, bar, 32, 32, 36, 255);
    SDL_SetRenderDrawColor(a->ren, 70, 70, 76, 255);
    SDL_RenderDrawLine(a->ren, 0, top, a->out_w, top);
    for (int i = 0; i < PLACE_COLORS; i++) {
        SDL_Rect r = app_swatch_rect(a, i);
        place_rgb c = place_palette[i];
        fill(a, r, c.r, c.g, c.b, 255);
        if (i == a->f.selected) {
            SDL_Rect o = {r.x - px(a, 3), r.y - px(a, 3), r.w + px(a, 6), r.h + px(a, 6)};
            outline(a, o, px(a, 2), 255, 255, 255, 255);
        } else {
            outline(a, r, 1, 90, 90, 96, 255);
        }
    }
    SDL_Rect last = app_swatch_rect(a, PLACE_COLORS - 1);
    int x = last.x + last.w + px(a, 12);
    int lh = text_line_height(a->font);
    int y1 = top + (px(a, 34) - lh) / 2;
    char buf[300];
    snprintf(buf, sizeof buf, "%c %s", "0123456789abcdef"[a->f.selected], place_color_name(a->f.selected));
    x += text_draw(a->font, buf, x, y1, WHITE) + px(a, 14);

    place_client_status st;
    place_client_get_status(a->f.c, &st);
    place_client_time ts;
    place_client_time_status(a->f.c, &ts);
    int64_t now = place_client_now_ms();
    int amber = app_bar_state(a, buf, sizeof buf);
    int w = buf[0] ? text_draw(a->font, buf, x, y1, amber ? AMBER : GREEN) : 0;
    /* The part of the cooldown still to wait, as a shrinking bar under the countdown. */
    if (!ts.active && !st.banned && !st.frozen && st.next_placement > now && st.cooldown_sec > 0) {
        double left = (double)(st.next_placement - now) / (st.cooldown_sec * 1000.0);
        if (left > 1)
            left = 1;
        SDL_Rect r = {x, y1 + lh, (int)(w * left), px(a, 2)};
        fill(a, r, 255, 196, 70, 255);
    }

    app_status_text(a, buf, sizeof buf);
    text_draw(a->font, buf, px(a, APP_MARGIN), top + px(a, 34), DIM);
}

void app_status_text(app *a, char *line, size_t cap)
{
    place_client_status st;
    place_client_get_status(a->f.c, &st);
    char where[64] = "";
    if (a->have_cursor && a->cw) {
        place_client_canvas cv;
        place_front_canvas(&a->f, &cv);
        int color = cv.width == a->cw ? cv.pixels[(size_t)a->cy * cv.width + (size_t)a->cx] : 0;
        snprintf(where, sizeof where, "x=%d y=%d %s", a->cx, a->cy, place_color_name(color));
    }
    char who[100] = "", online[40] = "", count[32];
    if (st.have_user)
        snprintf(who, sizeof who, "  %s%s", st.user.username, st.user.is_guest ? " (guest)" : "");
    place_front_online_text(&st, count, sizeof count);
    if (count[0])
        snprintf(online, sizeof online, "   %s", count);
    char tmpl[80] = "";
    if (place_front_template_line(&a->f, tmpl + 3, sizeof tmpl - 3))
        memcpy(tmpl, "   ", 3);
    snprintf(line, cap, "%s   %s%s%s   %.0f%%%s", where, place_client_conn_name(st.conn), who,
             online, a->v.scale * 100.0 / a->ui, tmpl);
}

/* ---- boxes ---- */

/* The message (or the go-to prompt) at the bottom left of the canvas area. */
static void draw_message(app *a)
{
    char line[340];
    int error = a->f.message_error;
    if (a->f.mode == PLACE_FRONT_GOTO) {
        place_front_goto_line(&a->f, 1, line, sizeof line);
        error = 0;
    } else if (a->message_until && a->f.message[0]) {
        snprintf(line, sizeof line, "%s", a->f.message);
    } else {
        return;
    }
    int w, h, pad = px(a, 6);
    /* A long message wraps rather than running off the window. */
    int wrap = a->out_w - 2 * px(a, APP_MARGIN) - 2 * pad;
    if (text_draw_wrapped(a->font, line, 0, 0, WHITE, wrap, 0, &w, &h) < 0)
        return;
    SDL_Rect r = {px(a, APP_MARGIN), app_area_h(a) - h - 2 * pad - px(a, APP_MARGIN),
                  w + 2 * pad, h + 2 * pad};
    if (error)
        fill(a, r, 176, 0, 32, 255);
    else
        fill(a, r, 20, 20, 24, 230);
    text_draw_wrapped(a->font, line, r.x + pad, r.y + pad, WHITE, wrap, 1, NULL, NULL);
}

static void draw_box(app *a, const char *title, char (*lines)[PLACE_FRONT_LINE_MAX], int n)
{
    int lh = text_line_height(a->font), pad = px(a, 10);
    int w, h, maxw;
    text_size(a->font, title, &maxw, &h);
    for (int i = 0; i < n; i++)
        if (text_size(a->font, lines[i], &w, &h) == 0 && w > maxw)
            maxw = w;
    SDL_Rect r = {0, 0, maxw + 2 * pad, (n + 1) * lh + pad * 2 + px(a, 6)};
    r.x = (a->out_w - r.w) / 2;
    r.y = (app_area_h(a) - r.h) / 2;
    if (r.x < 0) r.x = 0;
    if (r.y < 0) r.y = 0;
    fill(a, r, 24, 24, 28, 255);
    outline(a, r, 1, 110, 110, 120, 255);
    text_draw(a->font, title, r.x + pad, r.y + pad, AMBER);
    for (int i = 0; i < n; i++)
        text_draw(a->font, lines[i], r.x + pad, r.y + pad + px(a, 6) + (i + 1) * lh, WHITE);
}

/* The help, info or log-in box, as the controller words them. */
static void draw_boxes(app *a)
{
    char title[80], lines[40][PLACE_FRONT_LINE_MAX];
    int n = place_front_box(&a->f, PLACE_FRONT_SDL, title, sizeof title, lines, 40);
    if (n > 0)
        draw_box(a, title, lines, n);
}

/* ---- the frame ---- */

int app_screenshot(app *a, const char *path)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->out_w, a->out_h, 24,
                                                    SDL_PIXELFORMAT_BGR24);
    if (!s)
        return -1;
    int rc = SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_BGR24, s->pixels, s->pitch);
    if (rc == 0)
        rc = SDL_SaveBMP(s, path);
    SDL_FreeSurface(s);
    return rc < 0 ? -1 : 0;
}

void app_draw(app *a)
{
    SDL_SetRenderDrawColor(a->ren, 51, 51, 56, 255);
    SDL_RenderClear(a->ren);
    SDL_Rect area = {0, 0, a->out_w, app_area_h(a)};
    SDL_RenderSetClipRect(a->ren, &area);
    if (a->tiles) {
        /* A screenshot shows everything; otherwise a big burst is spread over a few frames. */
        if (tiles_upload(a->tiles, a->shot_path[0] ? 0 : APP_UPLOAD_BUDGET) == 1)
            a->redraw = 1;
        tiles_draw(a->tiles, a->ren, &a->v);
        draw_template(a);
        draw_grid(a);
        draw_marks(a);
        draw_reticle(a);
        minimap_draw(a);
    }
    draw_banner(a);
    draw_message(a);
    draw_boxes(a);
    SDL_RenderSetClipRect(a->ren, NULL);
    draw_bar(a);
    if (a->shot_path[0] && !a->zooming) { /* a screenshot shows where a zoom ends */
        a->shot_rc = app_screenshot(a, a->shot_path);
        if (a->shot_rc < 0)
            fprintf(stderr, "place-sdl: cannot write %s: %s\n", a->shot_path, SDL_GetError());
        a->shot_path[0] = '\0';
    }
    SDL_RenderPresent(a->ren);
    text_frame_end(a->font);
    a->frames++;
}

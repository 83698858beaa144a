/* Text rendering with SDL2_ttf (text.h). */
#include "text.h"

#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_SIZE 96
#define CACHE_KEEP_FRAMES 120 /* a string unused this many frames gives its texture back */
#define FONT_FILE "DejaVuSansMono.ttf"

typedef struct entry {
    char s[256];
    SDL_Color color;
    int wrap; /* wrap width, 0 for one line */
    SDL_Texture *tex;
    int w, h;
    unsigned long used; /* frame number of last use */
} entry;

struct text {
    SDL_Renderer *r;
    TTF_Font *font;
    int line_h;
    unsigned long frame;
    entry cache[CACHE_SIZE];
};

static int ttf_users;

static int exists(const char *p)
{
    return access(p, R_OK) == 0;
}

int text_find_font(char *out, size_t cap)
{
    const char *env = getenv("PLACE_FONT");
    if (env && *env && exists(env)) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
#ifdef PLACE_FONT_DIR
    snprintf(out, cap, "%s/%s", PLACE_FONT_DIR, FONT_FILE);
    if (exists(out))
        return 0;
#endif
    char *base = SDL_GetBasePath();
    if (base) {
        snprintf(out, cap, "%s../share/place/fonts/%s", base, FONT_FILE);
        SDL_free(base);
        if (exists(out))
            return 0;
    }
    snprintf(out, cap, "/usr/share/fonts/truetype/dejavu/%s", FONT_FILE);
    return exists(out) ? 0 : -1;
}

int text_new(SDL_Renderer *r, const char *font_path, int px, text **out, char *err, size_t errlen)
{
    *out = NULL;
    if (ttf_users == 0 && TTF_Init() < 0) {
        snprintf(err, errlen, "cannot start SDL2_ttf: %s", TTF_GetError());
        return -1;
    }
    ttf_users++;
    text *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        if (--ttf_users == 0)
            TTF_Quit();
        return -1;
    }
    t->r = r;
    t->font = TTF_OpenFont(font_path, px);
    if (!t->font) {
        snprintf(err, errlen, "cannot open the font %s: %s", font_path, TTF_GetError());
        text_free(t);
        return -1;
    }
    t->line_h = TTF_FontLineSkip(t->font);
    *out = t;
    return 0;
}

void text_free(text *t)
{
    if (!t)
        return;
    for (int i = 0; i < CACHE_SIZE; i++)
        if (t->cache[i].tex)
            SDL_DestroyTexture(t->cache[i].tex);
    if (t->font)
        TTF_CloseFont(t->font);
    free(t);
    if (--ttf_users == 0)
        TTF_Quit();
}

static int same_color(SDL_Color a, SDL_Color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

/* The cached texture for (s, color), rendering it into the least recently used slot if needed. */
static entry *lookup(text *t, const char *s, SDL_Color color, int wrap)
{
    entry *victim = &t->cache[0];
    for (int i = 0; i < CACHE_SIZE; i++) {
        entry *e = &t->cache[i];
        if (e->tex && e->wrap == wrap && same_color(e->color, color) && strcmp(e->s, s) == 0) {
            e->used = t->frame;
            return e;
        }
        if (!e->tex || (victim->tex && e->used < victim->used))
            victim = e;
    }
    SDL_Surface *surf = wrap > 0 ? TTF_RenderUTF8_Blended_Wrapped(t->font, s, color, (Uint32)wrap)
                                 : TTF_RenderUTF8_Blended(t->font, s, color);
    if (!surf)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(t->r, surf);
    int w = surf->w, h = surf->h;
    SDL_FreeSurface(surf);
    if (!tex)
        return NULL;
    if (victim->tex)
        SDL_DestroyTexture(victim->tex);
    snprintf(victim->s, sizeof victim->s, "%s", s);
    victim->color = color;
    victim->wrap = wrap;
    victim->tex = tex;
    victim->w = w;
    victim->h = h;
    victim->used = t->frame;
    return victim;
}

int text_draw(text *t, const char *s, int x, int y, SDL_Color color)
{
    if (!s || !*s)
        return 0;
    entry *e = lookup(t, s, color, 0);
    if (!e)
        return 0;
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(t->r, e->tex, NULL, &dst);
    return e->w;
}

int text_draw_wrapped(text *t, const char *s, int x, int y, SDL_Color color, int wrap_w, int draw,
                      int *w, int *h)
{
    if (!s || !*s || wrap_w < 1)
        return -1;
    entry *e = lookup(t, s, color, wrap_w);
    if (!e)
        return -1;
    if (w)
        *w = e->w;
    if (h)
        *h = e->h;
    if (draw) {
        SDL_Rect dst = {x, y, e->w, e->h};
        SDL_RenderCopy(t->r, e->tex, NULL, &dst);
    }
    return 0;
}

int text_size(text *t, const char *s, int *w, int *h)
{
    if (!s || !*s) {
        *w = 0;
        *h = t->line_h;
        return 0;
    }
    return TTF_SizeUTF8(t->font, s, w, h) == 0 ? 0 : -1;
}

int text_line_height(const text *t)
{
    return t->line_h;
}

void text_frame_end(text *t)
{
    t->frame++;
    for (int i = 0; i < CACHE_SIZE; i++) {
        entry *e = &t->cache[i];
        if (e->tex && t->frame - e->used > CACHE_KEEP_FRAMES) {
            SDL_DestroyTexture(e->tex);
            e->tex = NULL;
        }
    }
}

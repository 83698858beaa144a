/* Text for place-sdl: SDL2_ttf with the font shipped in assets/fonts/, rendered to textures that
 * are kept while the same string is drawn again (the status line changes once a second, not once
 * a frame). */
#ifndef PLACE_SDL_TEXT_H
#define PLACE_SDL_TEXT_H

#include <SDL.h>
#include <stddef.h>

typedef struct text text;

/* Finds the font file: $PLACE_FONT, the source tree's assets/fonts/ (a build run in place), the
 * installed share/place/fonts/ next to the binary, then Debian's fonts-dejavu-core. Writes the
 * path into out and returns 0, or -1 if none exists. */
int text_find_font(char *out, size_t cap);

/* Opens the font at `px` pixels for renderer r. Returns 0, or -1 with a sentence in err. */
int text_new(SDL_Renderer *r, const char *font_path, int px, text **out, char *err, size_t errlen);

/* Frees the font and every cached texture. Accepts NULL. */
void text_free(text *t);

/* Draws UTF-8 string s with its top-left corner at (x, y). Returns the width drawn (0 for an
 * empty string or when rendering failed). */
int text_draw(text *t, const char *s, int x, int y, SDL_Color color);

/* Draws s wrapped at word boundaries to lines at most wrap_w pixels wide, top-left at (x, y).
 * Writes the size of the block into *w and *h when they are not NULL (measure with draw = 0).
 * Returns 0, or -1 when rendering failed. */
int text_draw_wrapped(text *t, const char *s, int x, int y, SDL_Color color, int wrap_w, int draw,
                      int *w, int *h);

/* The size s would take. Returns 0 or -1. */
int text_size(text *t, const char *s, int *w, int *h);

/* The height of one line. */
int text_line_height(const text *t);

/* Marks the end of a frame: strings not drawn for a while lose their textures. */
void text_frame_end(text *t);

#endif

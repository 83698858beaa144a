/* Templates: a picture players agree to paint, laid over the canvas at (x, y). Each template
 * pixel is a palette index or "don't care" (transparent in the picture); the template knows how
 * many of its pixels the canvas already matches and finds the nearest one that differs.
 *
 * Loading (place_template_load, place_template_decode_png) reads a PNG from a file or an
 * http(s) URL with libpng and libcurl and lives in place_client; the rest is pure (place_common):
 * no I/O, no globals, memory the template owns freed by place_template_free.
 *
 * The same rules hold in the browser (assets/web/js/template.js): alpha below
 * PLACE_TEMPLATE_ALPHA_MIN is "don't care", any other colour becomes the nearest palette colour
 * (place_palette_nearest), and at most PLACE_TEMPLATE_MAX_PIXELS pixels are accepted. */
#ifndef PLACE_TEMPLATE_H
#define PLACE_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#define PLACE_TEMPLATE_NONE 0xFF               /* a "don't care" pixel */
#define PLACE_TEMPLATE_ALPHA_MIN 128           /* alpha below this: don't care */
#define PLACE_TEMPLATE_MAX_PIXELS (4u << 20)   /* width x height, at most (4 megapixels) */
#define PLACE_TEMPLATE_MAX_BYTES (16u << 20)   /* a PNG file or download, at most */

typedef struct place_template {
    uint32_t w, h;
    int x, y;       /* the canvas pixel under the template's top-left pixel */
    uint8_t *px;    /* w x h palette indices or PLACE_TEMPLATE_NONE, row by row; owned */
    uint8_t *ok;    /* w x h: 1 where the canvas shows the template's colour; owned */
    uint32_t cared; /* pixels that are not "don't care" */
    uint32_t match; /* of those, how many the canvas shows (after place_template_recount) */
} place_template;

/* Makes t from w x h RGBA pixels (4 bytes each, row by row): each opaque enough pixel becomes
 * the nearest palette colour, the rest "don't care". t's position is left as it was. Refuses an
 * empty picture, one over PLACE_TEMPLATE_MAX_PIXELS and one with no opaque pixel. Returns 0, or
 * -1 with a sentence in err (t then holds nothing). Out of memory: -1 too. */
int place_template_from_rgba(place_template *t, const uint8_t *rgba, uint32_t w, uint32_t h,
                             char *err, size_t errlen);

/* Frees what t owns and empties it (position kept). Accepts an empty template. */
void place_template_free(place_template *t);

/* The template's colour at canvas pixel (x, y): a palette index, or -1 (outside it, or don't
 * care). */
int place_template_color_at(const place_template *t, int x, int y);

/* Whether t, at its position, lies inside a canvas of cw x ch. Returns 0, or -1 with a sentence
 * in err (larger than the canvas, or reaching past its edge). */
int place_template_check(const place_template *t, uint32_t cw, uint32_t ch, char *err,
                         size_t errlen);

/* Compares every template pixel with the canvas (cw x ch palette indices; t must pass
 * place_template_check) and sets match. */
void place_template_recount(place_template *t, const uint8_t *canvas, uint32_t cw, uint32_t ch);

/* The canvas pixels [x, x+w) x [y, y+h) may have changed: compares those under t again and
 * keeps match up to date. Same canvas rules as place_template_recount. */
void place_template_update(place_template *t, const uint8_t *canvas, uint32_t cw, uint32_t ch,
                           int x, int y, int w, int h);

/* The template pixel nearest to canvas pixel (cx, cy) (straight-line distance; ties: the first
 * in reading order) whose colour the canvas does not show, as of the last recount/update.
 * Returns 1 and sets (*x, *y), or 0 when every pixel matches. */
int place_template_next_wrong(const place_template *t, int cx, int cy, int *x, int *y);

/* "3,412 of 5,000 pixels match" into out. */
void place_template_progress(const place_template *t, char *out, size_t cap);

/* Parses "X,Y" (or "X Y") into two non-negative integers. Returns 0, or -1. */
int place_template_parse_xy(const char *s, int *x, int *y);

/* Decodes a PNG of len bytes into t (place_template_from_rgba's rules). A malformed or
 * truncated file, or one over PLACE_TEMPLATE_MAX_PIXELS, gives -1 with a sentence in err;
 * never more memory than the picture's size allows. In place_client (libpng). */
int place_template_decode_png(place_template *t, const uint8_t *buf, size_t len, char *err,
                              size_t errlen);

/* Reads a PNG from src, a file name or an http:// or https:// URL (at most
 * PLACE_TEMPLATE_MAX_BYTES, 15 s for a download), and decodes it into t. Blocks. Returns 0, or
 * -1 with a sentence naming src in err. In place_client (libcurl, libpng). */
int place_template_load(place_template *t, const char *src, char *err, size_t errlen);

#endif

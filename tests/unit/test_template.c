/* Templates (place/template.h): palette mapping, "don't care" pixels, limits, the match count,
 * the nearest wrong pixel, and PNG files good and bad. */
#include <png.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

#include "place/palette.h"
#include "place/template.h"
#include "test.h"

int test_failures;

static place_template empty(void)
{
    place_template t;
    memset(&t, 0, sizeof t);
    return t;
}

static void rgba_set(uint8_t *p, uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
    p[0] = r, p[1] = g, p[2] = b, p[3] = a;
}

static void any_colour_becomes_the_nearest_palette_colour(void)
{
    uint8_t rgba[4 * 4];
    rgba_set(rgba + 0, 250, 10, 10, 255);  /* near red */
    rgba_set(rgba + 4, 0, 0, 0, 255);      /* black */
    rgba_set(rgba + 8, 5, 5, 230, 200);    /* near dark blue, opaque enough */
    rgba_set(rgba + 12, 255, 255, 255, 255);
    place_template t = empty();
    char err[200];
    CHECK_INT(place_template_from_rgba(&t, rgba, 2, 2, err, sizeof err), 0);
    CHECK_INT(t.px[0], 5);
    CHECK_INT(t.px[1], 3);
    CHECK_INT(t.px[2], 13);
    CHECK_INT(t.px[3], 0);
    CHECK_INT(t.cared, 4);
    place_template_free(&t);
    CHECK(t.px == NULL);
}

static void transparent_pixels_are_dont_care(void)
{
    uint8_t rgba[4 * 3];
    rgba_set(rgba + 0, 229, 0, 0, 255);
    rgba_set(rgba + 4, 229, 0, 0, PLACE_TEMPLATE_ALPHA_MIN - 1);
    rgba_set(rgba + 8, 0, 0, 0, 0);
    place_template t = empty();
    char err[200];
    CHECK_INT(place_template_from_rgba(&t, rgba, 3, 1, err, sizeof err), 0);
    CHECK_INT(t.cared, 1);
    CHECK_INT(place_template_color_at(&t, 0, 0), 5);
    CHECK_INT(place_template_color_at(&t, 1, 0), -1);
    CHECK_INT(place_template_color_at(&t, 2, 0), -1);
    CHECK_INT(place_template_color_at(&t, 3, 0), -1); /* outside */
    place_template_free(&t);
}

static void refuses_empty_huge_and_invisible_pictures(void)
{
    place_template t = empty();
    char err[200] = "";
    uint8_t clear[4 * 4] = {0};
    CHECK_INT(place_template_from_rgba(&t, clear, 0, 1, err, sizeof err), -1);
    CHECK(strstr(err, "empty") != NULL);
    CHECK_INT(place_template_from_rgba(&t, clear, 2, 2, err, sizeof err), -1);
    CHECK(strstr(err, "no opaque pixel") != NULL);
    /* the size is judged before the pixels are read: no buffer that large is needed */
    CHECK_INT(place_template_from_rgba(&t, clear, 4096, 1025, err, sizeof err), -1);
    CHECK(strstr(err, "megapixels") != NULL);
    CHECK(t.px == NULL);
}

static void must_lie_inside_the_canvas(void)
{
    uint8_t rgba[4 * 4 * 3];
    for (int i = 0; i < 12; i++)
        rgba_set(rgba + 4 * i, 0, 0, 0, 255);
    place_template t = empty();
    char err[200] = "";
    CHECK_INT(place_template_from_rgba(&t, rgba, 4, 3, err, sizeof err), 0);
    t.x = 6, t.y = 7;
    CHECK_INT(place_template_check(&t, 10, 10, err, sizeof err), 0);
    CHECK_INT(place_template_check(&t, 3, 10, err, sizeof err), -1);
    CHECK(strstr(err, "larger than the canvas") != NULL);
    t.x = 7;
    CHECK_INT(place_template_check(&t, 10, 10, err, sizeof err), -1);
    CHECK(strstr(err, "reaches past the canvas") != NULL);
    t.x = -1;
    CHECK_INT(place_template_check(&t, 10, 10, err, sizeof err), -1);
    place_template_free(&t);
}

/* A 3x2 red template at 2,1 on an 8x4 white canvas, one pixel don't care. */
static void setup(place_template *t, uint8_t *canvas)
{
    uint8_t rgba[4 * 6];
    for (int i = 0; i < 6; i++)
        rgba_set(rgba + 4 * i, 229, 0, 0, 255);
    rgba[4 * 4 + 3] = 0; /* (1, 1) of the template: don't care */
    char err[200];
    *t = empty();
    CHECK_INT(place_template_from_rgba(t, rgba, 3, 2, err, sizeof err), 0);
    t->x = 2, t->y = 1;
    memset(canvas, 0, 8 * 4);
    CHECK_INT(place_template_check(t, 8, 4, err, sizeof err), 0);
}

static void counts_follow_the_canvas(void)
{
    place_template t;
    uint8_t canvas[8 * 4];
    setup(&t, canvas);
    canvas[1 * 8 + 2] = 5;
    canvas[0] = 5; /* outside the template: not counted */
    place_template_recount(&t, canvas, 8, 4);
    CHECK_INT(t.cared, 5);
    CHECK_INT(t.match, 1);
    char line[64];
    place_template_progress(&t, line, sizeof line);
    CHECK_STR(line, "1 of 5 pixels match");
    /* the right colour placed: one more */
    canvas[2 * 8 + 4] = 5;
    place_template_update(&t, canvas, 8, 4, 4, 2, 1, 1);
    CHECK_INT(t.match, 2);
    /* the same pixel told again: no change */
    place_template_update(&t, canvas, 8, 4, 0, 0, 8, 4);
    CHECK_INT(t.match, 2);
    /* painted over with a wrong colour: one fewer */
    canvas[1 * 8 + 2] = 3;
    place_template_update(&t, canvas, 8, 4, 2, 1, 1, 1);
    CHECK_INT(t.match, 1);
    /* the don't-care pixel never counts */
    canvas[2 * 8 + 3] = 5;
    place_template_update(&t, canvas, 8, 4, 3, 2, 1, 1);
    CHECK_INT(t.match, 1);
    /* a region reaching past the template and the canvas is clipped */
    place_template_update(&t, canvas, 8, 4, -5, -5, 100, 100);
    CHECK_INT(t.match, 1);
    place_template_free(&t);
}

static void next_wrong_is_the_nearest_differing_pixel(void)
{
    place_template t;
    uint8_t canvas[8 * 4];
    setup(&t, canvas);
    place_template_recount(&t, canvas, 8, 4);
    int x = -1, y = -1;
    CHECK_INT(place_template_next_wrong(&t, 7, 3, &x, &y), 1);
    CHECK_INT(x, 4);
    CHECK_INT(y, 2);
    /* from far above: the first in reading order of the nearest row */
    CHECK_INT(place_template_next_wrong(&t, 3, 0, &x, &y), 1);
    CHECK_INT(x, 3);
    CHECK_INT(y, 1);
    /* a matching pixel is skipped */
    canvas[1 * 8 + 3] = 5;
    place_template_update(&t, canvas, 8, 4, 3, 1, 1, 1);
    CHECK_INT(place_template_next_wrong(&t, 3, 1, &x, &y), 1);
    CHECK((x == 2 && y == 1) || (x == 4 && y == 1));
    CHECK_INT(y, 1);
    /* all done: none */
    for (int i = 0; i < 8 * 4; i++)
        canvas[i] = 5;
    place_template_recount(&t, canvas, 8, 4);
    CHECK_INT(t.match, t.cared);
    CHECK_INT(place_template_next_wrong(&t, 0, 0, &x, &y), 0);
    place_template_free(&t);
}

static void progress_has_thousands_separators(void)
{
    place_template t = empty();
    t.match = 3412;
    t.cared = 5000;
    char line[64];
    place_template_progress(&t, line, sizeof line);
    CHECK_STR(line, "3,412 of 5,000 pixels match");
    t.match = 0;
    t.cared = 4194304;
    place_template_progress(&t, line, sizeof line);
    CHECK_STR(line, "0 of 4,194,304 pixels match");
}

static void parses_positions(void)
{
    int x = -1, y = -1;
    CHECK_INT(place_template_parse_xy("10,20", &x, &y), 0);
    CHECK_INT(x, 10);
    CHECK_INT(y, 20);
    CHECK_INT(place_template_parse_xy("3 4", &x, &y), 0);
    CHECK_INT(x, 3);
    CHECK_INT(place_template_parse_xy("-1,2", &x, &y), -1);
    CHECK_INT(place_template_parse_xy("1,2,3", &x, &y), -1);
    CHECK_INT(place_template_parse_xy("x", &x, &y), -1);
    CHECK_INT(place_template_parse_xy("", &x, &y), -1);
}

/* A PNG of w x h written by libpng from rgba. Returns its bytes (malloc'd) and length. */
static uint8_t *make_png(const uint8_t *rgba, uint32_t w, uint32_t h, size_t *len)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = w;
    img.height = h;
    img.format = PNG_FORMAT_RGBA;
    png_alloc_size_t n = 0;
    if (!png_image_write_to_memory(&img, NULL, &n, 0, rgba, 0, NULL))
        return NULL;
    uint8_t *buf = malloc(n);
    if (!png_image_write_to_memory(&img, buf, &n, 0, rgba, 0, NULL)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void png_decodes_to_palette_indices(void)
{
    uint8_t rgba[4 * 4];
    rgba_set(rgba + 0, 0, 131, 199, 255); /* blue */
    rgba_set(rgba + 4, 0, 0, 0, 0);
    rgba_set(rgba + 8, 2, 190, 1, 255);   /* green */
    rgba_set(rgba + 12, 255, 167, 209, 255); /* pink */
    size_t len = 0;
    uint8_t *png = make_png(rgba, 2, 2, &len);
    CHECK(png != NULL);
    place_template t = empty();
    char err[200] = "";
    CHECK_INT(place_template_decode_png(&t, png, len, err, sizeof err), 0);
    CHECK_INT(t.w, 2);
    CHECK_INT(t.h, 2);
    CHECK_INT(t.px[0], 12);
    CHECK_INT(t.px[1], PLACE_TEMPLATE_NONE);
    CHECK_INT(t.px[2], 10);
    CHECK_INT(t.px[3], 4);
    place_template_free(&t);
    free(png);
}

static void bad_png_files_give_errors(void)
{
    uint8_t rgba[4 * 16];
    for (int i = 0; i < 16; i++)
        rgba_set(rgba + 4 * i, (uint8_t)(i * 16), 0, 0, 255);
    size_t len = 0;
    uint8_t *png = make_png(rgba, 4, 4, &len);
    CHECK(png != NULL);
    place_template t = empty();
    char err[200] = "";
    /* not a PNG */
    CHECK_INT(place_template_decode_png(&t, (const uint8_t *)"GIF89a....", 10, err, sizeof err), -1);
    CHECK_STR(err, "not a PNG file");
    CHECK_INT(place_template_decode_png(&t, png, 0, err, sizeof err), -1);
    /* every truncation before the image data ends (a file missing only its IEND chunk holds
     * the whole picture, and libpng reads it) */
    for (size_t cut = 8; cut < len - 12; cut++) {
        err[0] = '\0';
        CHECK_INT(place_template_decode_png(&t, png, cut, err, sizeof err), -1);
        CHECK(err[0] != '\0');
        CHECK(t.px == NULL);
    }
    /* a damaged byte in the image data (its CRC no longer matches) */
    uint8_t *bad = malloc(len);
    memcpy(bad, png, len);
    bad[len - 20] ^= 0x55;
    CHECK_INT(place_template_decode_png(&t, bad, len, err, sizeof err), -1);
    CHECK(strstr(err, "malformed") != NULL);
    /* a header claiming 5000 x 5000: refused before 100 MB are allocated */
    memcpy(bad, png, len);
    uint8_t dims[8] = {0, 0, 0x13, 0x88, 0, 0, 0x13, 0x88};
    memcpy(bad + 16, dims, 8);
    uLong crc = crc32(0, bad + 12, 17);
    bad[29] = (uint8_t)(crc >> 24), bad[30] = (uint8_t)(crc >> 16);
    bad[31] = (uint8_t)(crc >> 8), bad[32] = (uint8_t)crc;
    CHECK_INT(place_template_decode_png(&t, bad, len, err, sizeof err), -1);
    CHECK(strstr(err, "5000x5000") != NULL);
    CHECK(strstr(err, "megapixels") != NULL);
    free(bad);
    free(png);
}

static void load_says_which_file(void)
{
    place_template t = empty();
    char err[300] = "";
    CHECK_INT(place_template_load(&t, "/nonexistent/template.png", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/template.png") != NULL);
    /* a download from a closed loopback port fails with a sentence, no crash */
    CHECK_INT(place_template_load(&t, "http://127.0.0.1:1/t.png", err, sizeof err), -1);
    CHECK(strstr(err, "cannot download") != NULL);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        {"any_colour_becomes_the_nearest_palette_colour", any_colour_becomes_the_nearest_palette_colour},
        {"transparent_pixels_are_dont_care", transparent_pixels_are_dont_care},
        {"refuses_empty_huge_and_invisible_pictures", refuses_empty_huge_and_invisible_pictures},
        {"must_lie_inside_the_canvas", must_lie_inside_the_canvas},
        {"counts_follow_the_canvas", counts_follow_the_canvas},
        {"next_wrong_is_the_nearest_differing_pixel", next_wrong_is_the_nearest_differing_pixel},
        {"progress_has_thousands_separators", progress_has_thousands_separators},
        {"parses_positions", parses_positions},
        {"png_decodes_to_palette_indices", png_decodes_to_palette_indices},
        {"bad_png_files_give_errors", bad_png_files_give_errors},
        {"load_says_which_file", load_says_which_file},
    };
    return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}

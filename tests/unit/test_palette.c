#include <string.h>

#include "place/palette.h"
#include "test.h"

static void palette_has_2017_colours(void)
{
    char hex[8];
    CHECK_INT(place_color_hex(0, hex), 0);
    CHECK_STR(hex, "#FFFFFF");
    CHECK_INT(place_color_hex(5, hex), 0);
    CHECK_STR(hex, "#E50000");
    CHECK_INT(place_color_hex(15, hex), 0);
    CHECK_STR(hex, "#820080");
    CHECK_INT(place_color_hex(16, hex), -1);
    CHECK_INT(place_color_hex(-1, hex), -1);
}

static void palette_names(void)
{
    CHECK_STR(place_color_name(3), "black");
    CHECK_STR(place_color_name(13), "dark blue");
    CHECK_STR(place_color_name(99), "?");
}

static void palette_nearest_finds_exact_and_close(void)
{
    for (int i = 0; i < PLACE_COLORS; i++)
        CHECK_INT(place_palette_nearest(place_palette[i].r, place_palette[i].g, place_palette[i].b), i);
    CHECK_INT(place_palette_nearest(250, 5, 5), 5);    /* red */
    CHECK_INT(place_palette_nearest(0, 0, 0), 3);      /* black */
    CHECK_INT(place_palette_nearest(10, 10, 240), 13); /* dark blue */
}

static void block_color_keeps_thin_lines(void)
{
    enum { W = 40, H = 40 };
    static uint8_t px[W * H];
    memset(px, 0, sizeof px); /* white */
    CHECK_INT(place_block_color(px, W, 0, 0, 10, 10), 0);
    CHECK_INT(place_block_color(px, W, 5, 5, 5, 9), -1); /* empty */
    /* a scattering of red, most of the block white: white */
    px[2 * W + 3] = 5;
    px[7 * W + 8] = 5;
    CHECK_INT(place_block_color(px, W, 0, 0, 10, 10), 0);
    /* a horizontal black line across the block: black, though 10 % of it */
    for (int x = 0; x < W; x++)
        px[4 * W + x] = 3;
    CHECK_INT(place_block_color(px, W, 0, 0, 10, 10), 3);
    /* a vertical light grey line, broken where the black one crosses it */
    for (int y = 0; y < H; y++)
        if (y != 4)
            px[y * W + 20] = 1;
    CHECK_INT(place_block_color(px, W, 20, 10, 30, 20), 1); /* only the grey line here */
    CHECK_INT(place_block_color(px, W, 15, 0, 25, 10), 3);  /* both: black */
    /* the line is the most common colour? then the ground is the one that stands out */
    memset(px, 3, sizeof px);
    for (int x = 0; x < W; x++)
        px[x] = 0;
    CHECK_INT(place_block_color(px, W, 0, 0, 10, 10), 0);
    /* a line that stops short of the block's edge is not a line of this block */
    memset(px, 0, sizeof px);
    for (int x = 0; x < 9; x++)
        px[3 * W + x] = 3;
    CHECK_INT(place_block_color(px, W, 0, 0, 10, 10), 0);
}

TEST_MAIN(TEST(palette_has_2017_colours), TEST(palette_names),
          TEST(palette_nearest_finds_exact_and_close), TEST(block_color_keeps_thin_lines))

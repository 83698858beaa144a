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

TEST_MAIN(TEST(palette_has_2017_colours), TEST(palette_names),
          TEST(palette_nearest_finds_exact_and_close))

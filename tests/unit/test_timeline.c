/* Unit tests of the checkpoint format both history readers store (server/timeline.c:
 * tl_ckpt_encode / tl_ckpt_decode): a canvas comes back as it went in, a smaller one fills the
 * top-left corner, and damaged or impossible data is refused without touching the canvas. */
#include <stdlib.h>

#include "place/bitmap.h"
#include "test.h"
#include "timeline.h"

int test_failures;

/* A stored checkpoint of a w x h canvas whose pixel (x, y) has colour (x * 3 + y * 5) % 16. */
typedef struct stored {
    uint32_t w, h;
    uint8_t *bits; /* the canvas that went in */
    uint8_t *z;    /* tl_ckpt_encode's bytes */
    size_t zlen;
} stored;

static stored store_pattern(uint32_t w, uint32_t h)
{
    stored s = {w, h, calloc(1, place_bitmap_bytes(w, h)), NULL, 0};
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            place_bitmap_set(s.bits, w, x, y, (int)((x * 3 + y * 5) % 16));
    CHECK_INT(tl_ckpt_encode(s.bits, w, h, &s.z, &s.zlen), 0);
    CHECK(s.zlen > 0);
    return s;
}

static void stored_free(stored *s)
{
    free(s->bits);
    free(s->z);
}

static void a_canvas_comes_back_as_it_was_stored(void)
{
    stored s = store_pattern(37, 11);
    uint8_t *out = calloc(1, place_bitmap_bytes(37, 11));
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, 37, 11, out, 37, 11), 0);
    CHECK_INT(memcmp(s.bits, out, place_bitmap_bytes(37, 11)), 0);
    free(out);
    stored_free(&s);
}

static void a_smaller_checkpoint_fills_the_top_left_and_leaves_the_rest(void)
{
    stored s = store_pattern(5, 3);
    uint8_t *big = calloc(1, place_bitmap_bytes(8, 6));
    place_bitmap_set(big, 8, 7, 5, 9); /* outside the checkpoint: stays */
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, 5, 3, big, 8, 6), 0);
    for (uint32_t y = 0; y < 3; y++)
        for (uint32_t x = 0; x < 5; x++)
            CHECK_INT(place_bitmap_get(big, 8, x, y), place_bitmap_get(s.bits, 5, x, y));
    CHECK_INT(place_bitmap_get(big, 8, 5, 0), 0);
    CHECK_INT(place_bitmap_get(big, 8, 7, 5), 9);
    /* and a larger one is cut to the canvas */
    uint8_t *small = calloc(1, place_bitmap_bytes(2, 2));
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, 5, 3, small, 2, 2), 0);
    CHECK_INT(place_bitmap_get(small, 2, 1, 1), place_bitmap_get(s.bits, 5, 1, 1));
    free(big);
    free(small);
    stored_free(&s);
}

static void damaged_or_impossible_checkpoints_are_refused(void)
{
    stored s = store_pattern(16, 16);
    size_t bytes = place_bitmap_bytes(16, 16);
    uint8_t *out = malloc(bytes), *before = malloc(bytes);
    memset(out, 0x77, bytes);
    memcpy(before, out, bytes);
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen - 3, 16, 16, out, 16, 16), -1); /* cut short */
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, 16, 15, out, 16, 16), -1);     /* not its size */
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, 0, 16, out, 16, 16), -1);
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, PLACE_MAX_SIDE + 1, 1, out, 16, 16), -1);
    CHECK_INT(tl_ckpt_decode(NULL, 0, 16, 16, out, 16, 16), -1);
    s.z[s.zlen / 2] ^= 0xFF;
    CHECK_INT(tl_ckpt_decode(s.z, s.zlen, 16, 16, out, 16, 16), -1); /* bytes changed */
    CHECK_INT(memcmp(out, before, bytes), 0);
    free(out);
    free(before);
    stored_free(&s);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        TEST(a_canvas_comes_back_as_it_was_stored),
        TEST(a_smaller_checkpoint_fills_the_top_left_and_leaves_the_rest),
        TEST(damaged_or_impossible_checkpoints_are_refused),
    };
    return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}

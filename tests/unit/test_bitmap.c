#include "place/bitmap.h"
#include "place/proto.h"
#include "test.h"

#include <stdlib.h>

static void bitmap_nibble_order(void)
{
    uint8_t bits[2] = {0, 0};
    place_bitmap_set(bits, 3, 0, 0, 0xA); /* i = 0: high nibble of byte 0 */
    place_bitmap_set(bits, 3, 1, 0, 0x5); /* i = 1: low nibble of byte 0 */
    place_bitmap_set(bits, 3, 2, 0, 0xF); /* i = 2: high nibble of byte 1 */
    CHECK_INT(bits[0], 0xA5);
    CHECK_INT(bits[1], 0xF0);
    CHECK_INT(place_bitmap_get(bits, 3, 0, 0), 0xA);
    CHECK_INT(place_bitmap_get(bits, 3, 1, 0), 0x5);
    CHECK_INT(place_bitmap_get(bits, 3, 2, 0), 0xF);
}

static void bitmap_bytes_rounds_up(void)
{
    CHECK_INT(place_bitmap_bytes(2000, 2000), 2000000);
    CHECK_INT(place_bitmap_bytes(3, 3), 5);
    CHECK_INT(place_bitmap_bytes(1, 1), 1);
}

static void bitmap_pack_unpack_roundtrip(void)
{
    enum { W = 7, H = 5 };
    uint8_t px[W * H], back[W * H], packed[(W * H + 1) / 2];
    for (int i = 0; i < W * H; i++)
        px[i] = (uint8_t)((i * 7 + 3) % 16);
    place_bitmap_pack(px, W, H, packed);
    CHECK_INT(place_bitmap_unpack(packed, sizeof packed, W, H, back), 0);
    CHECK(memcmp(px, back, sizeof px) == 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            CHECK_INT(place_bitmap_get(packed, W, (uint32_t)x, (uint32_t)y), px[y * W + x]);
    CHECK_INT(place_bitmap_unpack(packed, sizeof packed - 1, W, H, back), -1);
}

static void bitmap_grow_keeps_pixels(void)
{
    uint8_t old[place_bitmap_bytes(3, 2)];
    memset(old, 0, sizeof old);
    place_bitmap_set(old, 3, 2, 1, 9);
    place_bitmap_set(old, 3, 0, 0, 5);
    uint8_t bigger[place_bitmap_bytes(5, 4)];
    CHECK_INT(place_bitmap_grow(old, 3, 2, bigger, 5, 4), 0);
    CHECK_INT(place_bitmap_get(bigger, 5, 2, 1), 9);
    CHECK_INT(place_bitmap_get(bigger, 5, 0, 0), 5);
    CHECK_INT(place_bitmap_get(bigger, 5, 4, 3), 0);
    CHECK_INT(place_bitmap_get(bigger, 5, 1, 1), 0);
    CHECK_INT(place_bitmap_grow(old, 3, 2, bigger, 2, 4), -1);
}

static void snapshot_roundtrip(void)
{
    uint8_t buf[PLACE_SNAPSHOT_HEADER_SIZE + 5];
    place_snapshot_header h = {.width = 3, .height = 3, .seq = 0x0102030405060708ull};
    place_snapshot_write_header(buf, &h);
    CHECK(memcmp(buf, "PLCS", 4) == 0);
    CHECK_INT(buf[4], 1);
    CHECK_INT(buf[5], 4);
    CHECK_INT(buf[8], 3);   /* width, little-endian */
    CHECK_INT(buf[16], 8);  /* seq, little-endian */
    CHECK_INT(buf[23], 1);
    memset(buf + PLACE_SNAPSHOT_HEADER_SIZE, 0x12, 5);
    place_snapshot_header got;
    const uint8_t *pixels = NULL;
    CHECK_INT(place_snapshot_parse(buf, sizeof buf, &got, &pixels), 0);
    CHECK_INT(got.width, 3);
    CHECK_INT(got.height, 3);
    CHECK(got.seq == h.seq);
    CHECK(pixels == buf + PLACE_SNAPSHOT_HEADER_SIZE);
    CHECK_INT(place_bitmap_get(pixels, 3, 1, 0), 2);
}

static void snapshot_rejects_bad_input(void)
{
    uint8_t buf[PLACE_SNAPSHOT_HEADER_SIZE + 5];
    place_snapshot_header h = {.width = 3, .height = 3, .seq = 1}, got;
    const uint8_t *pixels;
    place_snapshot_write_header(buf, &h);
    CHECK_INT(place_snapshot_parse(buf, sizeof buf - 1, &got, &pixels), PLACE_ESHORT);
    CHECK_INT(place_snapshot_parse(buf, 10, &got, &pixels), PLACE_ESHORT);
    buf[0] = 'X';
    CHECK_INT(place_snapshot_parse(buf, sizeof buf, &got, &pixels), PLACE_EFORMAT);
    buf[0] = 'P';
    buf[4] = 2;
    CHECK_INT(place_snapshot_parse(buf, sizeof buf, &got, &pixels), PLACE_EFORMAT);
    buf[4] = 1;
    h.width = 0;
    place_snapshot_write_header(buf, &h);
    CHECK_INT(place_snapshot_parse(buf, sizeof buf, &got, &pixels), PLACE_ERANGE);
    h.width = 100000;
    place_snapshot_write_header(buf, &h);
    CHECK_INT(place_snapshot_parse(buf, sizeof buf, &got, &pixels), PLACE_ERANGE);
}

TEST_MAIN(TEST(bitmap_nibble_order), TEST(bitmap_bytes_rounds_up), TEST(bitmap_pack_unpack_roundtrip),
          TEST(bitmap_grow_keeps_pixels), TEST(snapshot_roundtrip), TEST(snapshot_rejects_bad_input))

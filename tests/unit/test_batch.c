#include "place/proto.h"
#include "test.h"

static void batch_roundtrip(void)
{
    place_pixel px[3] = {{.seq = 101, .x = 1, .y = 2, .color = 3},
                         {.seq = 102, .x = 1999, .y = 1998, .color = 15},
                         {.seq = 105, .x = 0, .y = 0, .color = 0}};
    uint8_t buf[place_batch_size(3)];
    int n = place_batch_encode(buf, sizeof buf, 100, 106, 1700000000123, px, 3);
    CHECK_INT(n, 32 + 30);
    CHECK_INT(buf[0], PLACE_BATCH_KIND);
    CHECK_INT(buf[1], 1);
    CHECK_INT(buf[4], 3);
    CHECK_INT(buf[32], 1); /* first record: seq offset 1, little-endian */
    place_batch_header h;
    CHECK_INT(place_batch_parse_header(buf, (size_t)n, &h), 0);
    CHECK_INT(h.count, 3);
    CHECK_INT(h.prev_seq, 100);
    CHECK_INT(h.last_seq, 106);
    CHECK_INT(h.time_ms, 1700000000123);
    for (uint32_t i = 0; i < 3; i++) {
        place_pixel got;
        place_batch_record(buf, &h, i, &got);
        CHECK_INT(got.seq, px[i].seq);
        CHECK_INT(got.x, px[i].x);
        CHECK_INT(got.y, px[i].y);
        CHECK_INT(got.color, px[i].color);
    }
}

static void batch_empty(void)
{
    uint8_t buf[PLACE_BATCH_HEADER_SIZE];
    CHECK_INT(place_batch_encode(buf, sizeof buf, 7, 7, 0, NULL, 0), 32);
    place_batch_header h;
    CHECK_INT(place_batch_parse_header(buf, sizeof buf, &h), 0);
    CHECK_INT(h.count, 0);
}

static void batch_encode_refuses_bad_records(void)
{
    uint8_t buf[256];
    place_pixel unordered[2] = {{.seq = 5, .color = 1}, {.seq = 4, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, unordered, 2), PLACE_ERANGE);
    place_pixel beyond[1] = {{.seq = 9, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, beyond, 1), PLACE_ERANGE);
    place_pixel old[1] = {{.seq = 3, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, old, 1), PLACE_ERANGE);
    place_pixel color[1] = {{.seq = 4, .color = 16}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, color, 1), PLACE_ERANGE);
    place_pixel ok[1] = {{.seq = 4, .color = 1}};
    CHECK_INT(place_batch_encode(buf, 40, 3, 6, 0, ok, 1), PLACE_ESHORT);
}

static void batch_parse_refuses_bad_frames(void)
{
    place_pixel px[2] = {{.seq = 2, .color = 1}, {.seq = 3, .color = 2}};
    uint8_t buf[place_batch_size(2)];
    int n = place_batch_encode(buf, sizeof buf, 1, 3, 0, px, 2);
    place_batch_header h;
    CHECK_INT(place_batch_parse_header(buf, (size_t)n - 1, &h), PLACE_ESHORT);
    CHECK_INT(place_batch_parse_header(buf, 31, &h), PLACE_ESHORT);
    buf[4] = 9; /* count no longer matches the length */
    CHECK_INT(place_batch_parse_header(buf, (size_t)n, &h), PLACE_ESHORT);
    buf[4] = 2;
    buf[0] = 7;
    CHECK_INT(place_batch_parse_header(buf, (size_t)n, &h), PLACE_EFORMAT);
    buf[0] = 1;
    buf[1] = 2;
    CHECK_INT(place_batch_parse_header(buf, (size_t)n, &h), PLACE_EFORMAT);
}

TEST_MAIN(TEST(batch_roundtrip), TEST(batch_empty), TEST(batch_encode_refuses_bad_records),
          TEST(batch_parse_refuses_bad_frames))

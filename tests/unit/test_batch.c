#include "place/proto.h"
#include "test.h"

/* Hand-built frames, independent of place_batch_encode: a header, then records appended. */
typedef struct frame {
    uint8_t b[256];
    size_t len;
} frame;

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void frame_start(frame *f, uint32_t count, uint64_t prev, uint64_t last)
{
    memset(f, 0, sizeof *f);
    f->b[0] = 0x01;
    f->b[1] = 2;
    put_le(f->b + 4, count, 4);
    put_le(f->b + 8, prev, 8);
    put_le(f->b + 16, last, 8);
    put_le(f->b + 24, 1700000000000, 8);
    f->len = 32;
}

static void frame_pixel(frame *f, uint16_t x, uint16_t y, uint8_t byte4)
{
    put_le(f->b + f->len, x, 2);
    put_le(f->b + f->len + 2, y, 2);
    f->b[f->len + 4] = byte4;
    f->len += 5;
}

static void frame_skip(frame *f, uint32_t n, uint8_t byte4)
{
    put_le(f->b + f->len, n, 4);
    f->b[f->len + 4] = byte4;
    f->len += 5;
}

/* Decodes buf and checks it carries exactly the pixels want[0..n). */
static void check_decodes_to(const uint8_t *buf, size_t len, const place_pixel *want, uint32_t n)
{
    place_batch_header h;
    CHECK_INT(place_batch_parse(buf, len, &h), 0);
    CHECK_INT(h.pixels, n);
    place_batch_iter it;
    place_batch_iter_init(&it, buf, &h);
    place_pixel got;
    for (uint32_t i = 0; i < n; i++) {
        CHECK_INT(place_batch_next(&it, &got), 1);
        CHECK_INT(got.seq, want[i].seq);
        CHECK_INT(got.x, want[i].x);
        CHECK_INT(got.y, want[i].y);
        CHECK_INT(got.color, want[i].color);
    }
    CHECK_INT(place_batch_next(&it, &got), 0);
}

/* The frame is rejected by place_batch_parse, and a walk after the header alone stops on it. */
static void check_malformed(const frame *f, int want)
{
    place_batch_header h;
    CHECK_INT(place_batch_parse(f->b, f->len, &h), want);
    if (place_batch_parse_header(f->b, f->len, &h) != 0)
        return;
    place_batch_iter it;
    place_batch_iter_init(&it, f->b, &h);
    place_pixel p;
    int rc;
    while ((rc = place_batch_next(&it, &p)) > 0) {
    }
    CHECK_INT(rc, want);
}

static void batch_consecutive_seqs_take_5_bytes_a_pixel(void)
{
    place_pixel px[100];
    for (uint32_t i = 0; i < 100; i++)
        px[i] = (place_pixel){.seq = 101 + i, .x = (uint16_t)(i * 19), .y = (uint16_t)(1999 - i),
                              .color = (uint8_t)(i % 16)};
    uint8_t buf[place_batch_size(100)];
    int n = place_batch_encode(buf, sizeof buf, 100, 200, 1700000000123, px, 100);
    CHECK_INT(n, 32 + 5 * 100);
    CHECK_INT(buf[0], PLACE_BATCH_KIND);
    CHECK_INT(buf[1], 2);
    CHECK_INT(buf[4], 100); /* count: records */
    /* record 1: x = 19, y = 1998, colour 1, kind 0 */
    CHECK_INT(buf[37], 19);
    CHECK_INT(buf[38], 0);
    CHECK_INT(buf[39], 1998 & 0xff);
    CHECK_INT(buf[40], 1998 >> 8);
    CHECK_INT(buf[41], 0x01);
    place_batch_header h;
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), 0);
    CHECK_INT(h.count, 100);
    CHECK_INT(h.prev_seq, 100);
    CHECK_INT(h.last_seq, 200);
    CHECK_INT(h.time_ms, 1700000000123);
    check_decodes_to(buf, (size_t)n, px, 100);
}

static void batch_hole_is_a_skip_record(void)
{
    place_pixel px[3] = {{.seq = 101, .x = 1, .y = 2, .color = 3},
                         {.seq = 104, .x = 65535, .y = 1998, .color = 15},
                         {.seq = 105, .x = 0, .y = 0, .color = 0}};
    uint8_t buf[place_batch_size(3)];
    int n = place_batch_encode(buf, sizeof buf, 100, 106, 0, px, 3);
    CHECK_INT(n, 32 + 5 * 4);
    CHECK_INT(buf[4], 4);
    /* record 1: skip of 2 (seqs 102, 103) */
    CHECK_INT(buf[37], 2);
    CHECK_INT(buf[38] | buf[39] | buf[40], 0);
    CHECK_INT(buf[41], 0x10);
    check_decodes_to(buf, (size_t)n, px, 3);
}

static void batch_hole_before_the_first_pixel(void)
{
    place_pixel px[1] = {{.seq = 5, .x = 7, .y = 8, .color = 9}};
    uint8_t buf[place_batch_size(1)];
    int n = place_batch_encode(buf, sizeof buf, 0, 5, 0, px, 1);
    CHECK_INT(n, 32 + 10);
    CHECK_INT(buf[32], 4);
    CHECK_INT(buf[36], 0x10);
    check_decodes_to(buf, (size_t)n, px, 1);
}

static void batch_big_hole(void)
{
    place_pixel px[2] = {{.seq = 11, .x = 1, .y = 1, .color = 1},
                         {.seq = 11 + 70001, .x = 2, .y = 2, .color = 2}};
    uint8_t buf[place_batch_size(2)];
    int n = place_batch_encode(buf, sizeof buf, 10, 11 + 70001, 0, px, 2);
    CHECK_INT(n, 32 + 15);
    /* skip of 70000 = 0x011170 */
    CHECK_INT(buf[37], 0x70);
    CHECK_INT(buf[38], 0x11);
    CHECK_INT(buf[39], 0x01);
    CHECK_INT(buf[40], 0x00);
    CHECK_INT(buf[41], 0x10);
    check_decodes_to(buf, (size_t)n, px, 2);

    /* the largest hole one skip holds */
    place_pixel far[1] = {{.seq = 1 + (uint64_t)UINT32_MAX + 1, .color = 4}};
    n = place_batch_encode(buf, sizeof buf, 1, far[0].seq, 0, far, 1);
    CHECK_INT(n, 32 + 10);
    check_decodes_to(buf, (size_t)n, far, 1);
}

static void batch_empty(void)
{
    uint8_t buf[PLACE_BATCH_HEADER_SIZE];
    CHECK_INT(place_batch_encode(buf, sizeof buf, 7, 9, 0, NULL, 0), 32);
    place_batch_header h;
    CHECK_INT(place_batch_parse(buf, sizeof buf, &h), 0);
    CHECK_INT(h.count, 0);
    CHECK_INT(h.pixels, 0);
    CHECK_INT(h.last_seq, 9);
}

static void batch_size_is_an_upper_bound(void)
{
    /* a hole before every pixel: the worst case, exactly place_batch_size */
    place_pixel px[4] = {{.seq = 2}, {.seq = 4}, {.seq = 6}, {.seq = 8}};
    uint8_t buf[place_batch_size(4)];
    int n = place_batch_encode(buf, sizeof buf, 0, 8, 0, px, 4);
    CHECK_INT(n, (int)place_batch_size(4));
    CHECK_INT(n, 32 + 5 * 8);
    /* the exact length is enough, one byte less is not */
    CHECK_INT(place_batch_encode(buf, (size_t)n, 0, 8, 0, px, 4), n);
    CHECK_INT(place_batch_encode(buf, (size_t)n - 1, 0, 8, 0, px, 4), PLACE_ESHORT);
}

static void batch_encode_refuses_bad_records(void)
{
    uint8_t buf[256];
    place_pixel unordered[2] = {{.seq = 5, .color = 1}, {.seq = 4, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, unordered, 2), PLACE_ERANGE);
    place_pixel twice[2] = {{.seq = 5, .color = 1}, {.seq = 5, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, twice, 2), PLACE_ERANGE);
    place_pixel beyond[1] = {{.seq = 9, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, beyond, 1), PLACE_ERANGE);
    place_pixel old[1] = {{.seq = 3, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, old, 1), PLACE_ERANGE);
    place_pixel color[1] = {{.seq = 4, .color = 16}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, 6, 0, color, 1), PLACE_ERANGE);
    place_pixel too_far[1] = {{.seq = 3 + (uint64_t)UINT32_MAX + 2, .color = 1}};
    CHECK_INT(place_batch_encode(buf, sizeof buf, 3, too_far[0].seq, 0, too_far, 1), PLACE_ERANGE);
    CHECK_INT(place_batch_encode(buf, sizeof buf, 6, 3, 0, NULL, 0), PLACE_ERANGE);
    place_pixel ok[1] = {{.seq = 4, .color = 1}};
    CHECK_INT(place_batch_encode(buf, 36, 3, 6, 0, ok, 1), PLACE_ESHORT);
    CHECK_INT(place_batch_encode(buf, 37, 3, 6, 0, ok, 1), 37);
}

static void batch_parse_refuses_bad_headers(void)
{
    place_pixel px[2] = {{.seq = 2, .color = 1}, {.seq = 3, .color = 2}};
    uint8_t buf[place_batch_size(2)];
    int n = place_batch_encode(buf, sizeof buf, 1, 3, 0, px, 2);
    CHECK_INT(n, 42);
    place_batch_header h;
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), 0);
    CHECK_INT(place_batch_parse(buf, (size_t)n - 1, &h), PLACE_ESHORT);
    CHECK_INT(place_batch_parse(buf, 31, &h), PLACE_ESHORT);
    buf[4] = 3; /* count no longer matches the length */
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), PLACE_ESHORT);
    CHECK_INT(place_batch_parse_header(buf, (size_t)n, &h), PLACE_ESHORT);
    buf[4] = 1;
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), PLACE_ESHORT);
    buf[4] = 2;
    buf[0] = 7;
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), PLACE_EFORMAT);
    buf[0] = 1;
    buf[1] = 1; /* version 1 is retired */
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), PLACE_EFORMAT);
    buf[1] = 3;
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), PLACE_EFORMAT);
    buf[1] = 2;
    buf[8] = 4; /* prevSeq 4 > lastSeq 3 */
    CHECK_INT(place_batch_parse(buf, (size_t)n, &h), PLACE_EFORMAT);
}

static void batch_hand_built_frames_decode(void)
{
    /* a frame as another encoder might write it: two skips in a row are allowed */
    frame f;
    frame_start(&f, 4, 10, 20);
    frame_pixel(&f, 1, 2, 0x03);
    frame_skip(&f, 2, 0x10);
    frame_skip(&f, 3, 0x10);
    frame_pixel(&f, 4, 5, 0x0f);
    place_pixel want[2] = {{.seq = 11, .x = 1, .y = 2, .color = 3},
                           {.seq = 17, .x = 4, .y = 5, .color = 15}};
    check_decodes_to(f.b, f.len, want, 2);
    /* a pixel may end exactly at lastSeq */
    frame_start(&f, 2, 10, 13);
    frame_skip(&f, 2, 0x10);
    frame_pixel(&f, 9, 9, 0x07);
    place_pixel last[1] = {{.seq = 13, .x = 9, .y = 9, .color = 7}};
    check_decodes_to(f.b, f.len, last, 1);
}

static void batch_malformed_records_are_refused(void)
{
    frame f;
    for (unsigned kind = 2; kind < 16; kind++) { /* unknown record kinds */
        frame_start(&f, 2, 10, 20);
        frame_pixel(&f, 1, 1, 0x01);
        frame_pixel(&f, 1, 1, (uint8_t)(kind << 4 | 1));
        check_malformed(&f, PLACE_EFORMAT);
    }
    frame_start(&f, 2, 10, 20); /* a skip of n = 0 */
    frame_skip(&f, 0, 0x10);
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 2, 10, 20); /* a skip as the last record */
    frame_pixel(&f, 1, 1, 0x01);
    frame_skip(&f, 1, 0x10);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 1, 10, 20); /* a skip as the only record */
    frame_skip(&f, 1, 0x10);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 2, 10, 20); /* a skip with a colour */
    frame_skip(&f, 1, 0x13);
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 3, 10, 12); /* a pixel beyond lastSeq */
    frame_pixel(&f, 1, 1, 0x01);
    frame_pixel(&f, 1, 1, 0x01);
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 1, 10, 10); /* a pixel in a batch that covers no seq */
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 2, 10, 20); /* a skip that lands on lastSeq, then a pixel beyond it */
    frame_skip(&f, 10, 0x10);
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 2, 10, 20); /* a skip beyond lastSeq */
    frame_skip(&f, UINT32_MAX, 0x10);
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 2, UINT64_MAX - 2, UINT64_MAX); /* near 2^64: fine, and no wrap-around */
    frame_skip(&f, 1, 0x10);
    frame_pixel(&f, 1, 1, 0x01);
    place_pixel top[1] = {{.seq = UINT64_MAX, .x = 1, .y = 1, .color = 1}};
    check_decodes_to(f.b, f.len, top, 1);
    frame_start(&f, 2, UINT64_MAX - 2, UINT64_MAX);
    frame_skip(&f, 3, 0x10);
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_EFORMAT);
    frame_start(&f, 2, 10, 20); /* a count that does not match the length */
    frame_pixel(&f, 1, 1, 0x01);
    check_malformed(&f, PLACE_ESHORT);
}

TEST_MAIN(TEST(batch_consecutive_seqs_take_5_bytes_a_pixel), TEST(batch_hole_is_a_skip_record),
          TEST(batch_hole_before_the_first_pixel), TEST(batch_big_hole), TEST(batch_empty),
          TEST(batch_size_is_an_upper_bound), TEST(batch_encode_refuses_bad_records),
          TEST(batch_parse_refuses_bad_headers), TEST(batch_hand_built_frames_decode),
          TEST(batch_malformed_records_are_refused))

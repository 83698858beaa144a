/* Unit tests of the engine's time machine (common/src/client_time.h): which request it makes to
 * reach a moment, what it shows from the answers, play, and the heatmap decoder. No network:
 * the answers are built here as the server sends them (docs/protocol.md). */
#include <stdlib.h>

#include "../unit/test.h"
#include "client_time.h"
#include "place/proto.h"

int test_failures;

#define W 4
#define H 2

/* A w x h canvas, all colour `color`, as timeline_on_snapshot takes it. */
static uint8_t *canvas(int color)
{
    uint8_t *p = malloc(W * H);
    memset(p, color, W * H);
    return p;
}

/* A history frame covering (prev, last] with the n pixels given, `time` its last one's time. */
static size_t frame(uint8_t *out, uint64_t prev, uint64_t last, int64_t time, const place_pixel *px,
                    uint32_t n)
{
    int len = place_batch_encode(out, 512, prev, last, time, px, n);
    CHECK(len > 0);
    return len > 0 ? (size_t)len : 0;
}

/* A timeline in time mode at newest, with firstSeq 1, showing the snapshot at `at` (white). */
static void at_seq(timeline *t, uint64_t newest, uint64_t at)
{
    timeline_init(t);
    timeline_enter(t, newest);
    timeline_req r = timeline_next(t);
    CHECK_INT(r.kind, TL_REQ_INFO);
    const char *info = "{\"width\":4,\"height\":2,\"seq\":1,\"firstSeq\":1,\"firstTime\":1000}";
    CHECK_INT(timeline_on_info(t, info, strlen(info)), 0);
    timeline_seek(t, at);
    r = timeline_next(t);
    CHECK_INT(r.kind, TL_REQ_SNAPSHOT);
    CHECK_INT(r.seq, at);
    CHECK_INT(timeline_on_snapshot(t, W, H, at, canvas(0)), 1);
}

static void entering_asks_info_then_the_newest_snapshot_then_its_time(void)
{
    timeline t;
    timeline_init(&t);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_NONE); /* not in time mode: nothing */
    timeline_enter(&t, 10);
    timeline_req r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_INFO);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_NONE); /* one request out at a time */
    const char *info = "{\"seq\":10,\"firstSeq\":3,\"firstTime\":1000}";
    CHECK_INT(timeline_on_info(&t, info, strlen(info)), 0);
    CHECK_INT(timeline_min(&t), 2);
    r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_SNAPSHOT);
    CHECK_INT(r.seq, 10);
    CHECK(timeline_loading(&t));
    CHECK_INT(timeline_on_snapshot(&t, W, H, 10, canvas(3)), 1);
    CHECK_INT(t.seq, 10);
    CHECK_INT(t.px[0], 3);
    /* the snapshot says no time: the one placement at 10 is asked for it */
    r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_HISTORY);
    CHECK_INT(r.from, 9);
    CHECK_INT(r.limit, 1);
    uint8_t f[512];
    place_pixel p = {10, 1, 1, 3};
    size_t n = frame(f, 9, 10, 123456, &p, 1);
    CHECK_INT(timeline_on_history(&t, f, n, 10), 0); /* nothing new to draw */
    CHECK_INT(t.time_ms, 123456);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_NONE);
    CHECK(!timeline_loading(&t));
    timeline_free(&t);
}

static void back_takes_a_snapshot_forward_takes_the_stream(void)
{
    timeline t;
    at_seq(&t, 4, 4);
    CHECK_INT(timeline_step_size(&t), 1); /* 4 placements: one a step */
    CHECK_INT(timeline_step(&t, -2), 2);
    timeline_req r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_SNAPSHOT);
    CHECK_INT(r.seq, 2);
    CHECK_INT(timeline_on_snapshot(&t, W, H, 2, canvas(0)), 1);
    CHECK_INT(timeline_step(&t, 1), 3);
    r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_HISTORY);
    CHECK_INT(r.from, 2);
    CHECK_INT(r.limit, 1);
    uint8_t f[512];
    place_pixel p = {3, 2, 1, 5};
    size_t n = frame(f, 2, 3, 777, &p, 1);
    CHECK_INT(timeline_on_history(&t, f, n, 4), 1);
    CHECK_INT(t.seq, 3);
    CHECK_INT(t.px[1 * W + 2], 5);
    CHECK_INT(t.time_ms, 777);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_NONE);
    timeline_free(&t);
}

/* The server may send more than asked for (a history frame ends where it ends): what lies past
 * the target is not drawn, and the time of the last placement drawn is asked for. */
static void the_stream_is_cut_at_the_target(void)
{
    timeline t;
    at_seq(&t, 10, 2);
    timeline_seek(&t, 3);
    timeline_req r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_HISTORY);
    uint8_t f[512];
    place_pixel p[3] = {{3, 0, 0, 5}, {4, 0, 0, 6}, {5, 1, 0, 7}};
    size_t n = frame(f, 2, 5, 999, p, 3);
    CHECK_INT(timeline_on_history(&t, f, n, 10), 1);
    CHECK_INT(t.seq, 3);
    CHECK_INT(t.px[0], 5);  /* seq 3 drawn */
    CHECK_INT(t.px[1], 0);  /* seq 5 not */
    CHECK_INT(t.time_ms, 0); /* the frame's time is seq 5's */
    r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_HISTORY);
    CHECK_INT(r.from, 2);
    CHECK_INT(r.limit, 1);
    timeline_free(&t);
}

static void a_gap_in_the_stream_starts_from_a_snapshot(void)
{
    timeline t;
    at_seq(&t, 10, 2);
    timeline_seek(&t, 6);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_HISTORY);
    uint8_t f[512];
    place_pixel p = {6, 0, 0, 5};
    size_t n = frame(f, 5, 6, 1, &p, 1); /* starts after 5: 3..5 would be missing */
    CHECK_INT(timeline_on_history(&t, f, n, 10), 0);
    CHECK_INT(t.px[0], 0);
    timeline_req r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_SNAPSHOT);
    CHECK_INT(r.seq, 6);
    timeline_free(&t);
}

static void far_ahead_takes_a_snapshot(void)
{
    timeline t;
    at_seq(&t, 100000, 2);
    timeline_seek(&t, 2 + TIMELINE_FORWARD_MAX + 1);
    timeline_req r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_SNAPSHOT);
    timeline_on_failed(&t, 0);
    timeline_seek(&t, 2 + TIMELINE_HISTORY_LIMIT * 2);
    r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_HISTORY);
    CHECK_INT(r.limit, TIMELINE_HISTORY_LIMIT); /* in pieces the server serves */
    timeline_free(&t);
}

static void steps_are_a_hundredth_of_the_history_and_clamped(void)
{
    timeline t;
    at_seq(&t, 1000, 1000);
    CHECK_INT(timeline_step_size(&t), 10);
    CHECK_INT(timeline_step(&t, -10), 900);
    CHECK_INT(timeline_step(&t, -1000), 0); /* firstSeq 1: the blank canvas before it */
    CHECK_INT(timeline_step(&t, 5000), 1000);
    timeline_set_newest(&t, 1200); /* the live canvas moved on */
    CHECK_INT(timeline_step(&t, 1), 1012);
    timeline_free(&t);
}

static void play_waits_for_each_step_and_stops_at_the_newest(void)
{
    timeline t;
    at_seq(&t, 3, 3);
    timeline_play(&t, 1, 0); /* at the end: from the start */
    CHECK(t.playing);
    CHECK_INT(t.target, 0);
    CHECK_INT(timeline_timeout_ms(&t, 0), TIMELINE_TICK_MS);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_SNAPSHOT);
    CHECK_INT(timeline_tick(&t, 1000), 0);
    CHECK_INT(t.target, 0); /* the snapshot has not come: play waits */
    CHECK_INT(timeline_on_snapshot(&t, W, H, 0, canvas(0)), 1);
    CHECK_INT(t.time_ms, -1); /* the blank canvas has no time */
    CHECK_INT(timeline_tick(&t, 1000), 0);
    CHECK_INT(t.target, 1);
    uint8_t f[512];
    for (uint64_t s = 1; s <= 3; s++) {
        timeline_req r = timeline_next(&t);
        CHECK_INT(r.kind, TL_REQ_HISTORY);
        CHECK_INT(r.from, s - 1);
        place_pixel p = {s, (uint16_t)s, 0, (uint8_t)s};
        size_t n = frame(f, s - 1, s, (int64_t)s * 100, &p, 1);
        CHECK_INT(timeline_on_history(&t, f, n, 3), 1);
        CHECK_INT(timeline_tick(&t, 1000 + (int64_t)s * 50), 0); /* not due yet */
        /* due: the next step, or at the newest the end */
        CHECK_INT(timeline_tick(&t, 1000 + (int64_t)s * 1000), s == 3);
    }
    CHECK_INT(t.seq, 3);
    CHECK_INT(t.px[3], 3);
    CHECK(!t.playing);
    CHECK_INT(timeline_timeout_ms(&t, 9000), -1);
    timeline_free(&t);
}

static void a_snapshot_beyond_the_servers_history_moves_back(void)
{
    timeline t;
    timeline_init(&t);
    timeline_enter(&t, 10); /* the live canvas is at 10, the history only at 8 */
    timeline_next(&t);
    const char *info = "{\"seq\":10,\"firstSeq\":1,\"firstTime\":1}";
    timeline_on_info(&t, info, strlen(info));
    CHECK_INT(timeline_next(&t).seq, 10);
    timeline_on_failed(&t, 8); /* 400, X-Place-Seq: 8 */
    CHECK_INT(t.failures, 0);
    timeline_req r = timeline_next(&t);
    CHECK_INT(r.kind, TL_REQ_SNAPSHOT);
    CHECK_INT(r.seq, 8);
    timeline_free(&t);
}

static void three_failures_stop_asking_until_the_player_moves(void)
{
    timeline t;
    at_seq(&t, 10, 5);
    timeline_seek(&t, 2);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(timeline_next(&t).kind, TL_REQ_SNAPSHOT);
        timeline_on_failed(&t, 0);
    }
    CHECK_INT(timeline_next(&t).kind, TL_REQ_NONE);
    CHECK(!timeline_loading(&t));
    timeline_step(&t, 1);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_SNAPSHOT);
    timeline_free(&t);
}

static void bad_answers_change_nothing(void)
{
    timeline t;
    at_seq(&t, 10, 5);
    timeline_seek(&t, 6);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_HISTORY);
    uint8_t junk[40] = {1, 2};
    CHECK(timeline_on_history(&t, junk, sizeof junk, 10) < 0);
    CHECK_INT(t.seq, 5);
    CHECK_INT(t.failures, 1);
    CHECK_INT(timeline_next(&t).kind, TL_REQ_HISTORY); /* asked again */
    timeline_on_failed(&t, 0);
    CHECK(timeline_on_info(&t, "not json", 8) < 0);
    timeline_free(&t);
}

/* ---- the heatmap ---- */

static size_t heat_body(uint8_t *b, uint16_t block, uint32_t w, uint32_t h, uint32_t cols,
                        uint32_t rows, const uint16_t *cells)
{
    memset(b, 0, 56);
    memcpy(b, "PLCH", 4);
    b[4] = 1;
    b[5] = 2;
    b[6] = (uint8_t)block;
    b[7] = (uint8_t)(block >> 8);
    uint32_t v[4] = {w, h, cols, rows};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            b[8 + 4 * i + k] = (uint8_t)(v[i] >> (8 * k));
    b[24] = 0x10; /* since = 0x2710 = 10000 */
    b[25] = 0x27;
    for (uint32_t i = 0; i < cols * rows; i++) {
        b[56 + 2 * i] = (uint8_t)cells[i];
        b[57 + 2 * i] = (uint8_t)(cells[i] >> 8);
    }
    return 56 + 2 * (size_t)cols * rows;
}

static void heatmap_decodes_and_refuses_what_does_not_add_up(void)
{
    uint8_t b[256];
    uint16_t cells[6] = {0, 3, 0, 0, 700, 1};
    size_t n = heat_body(b, 2, 5, 3, 3, 2, cells); /* 5x3 in blocks of 2: 3x2 cells */
    heatmap hm;
    CHECK_INT(heatmap_decode(b, n, &hm), 0);
    CHECK_INT(hm.block, 2);
    CHECK_INT(hm.cols, 3);
    CHECK_INT(hm.rows, 2);
    CHECK_INT(hm.max, 700);
    CHECK_INT(hm.cells[4], 700);
    CHECK_INT(hm.since_ms, 10000);
    free(hm.cells);
    CHECK(heatmap_decode(b, n - 1, &hm) < 0);          /* short */
    CHECK(heatmap_decode(b, 40, &hm) < 0);             /* no header */
    n = heat_body(b, 3, 5, 3, 2, 1, cells);            /* block not a power of two */
    CHECK(heatmap_decode(b, n, &hm) < 0);
    n = heat_body(b, 2, 5, 3, 2, 2, cells);            /* cols do not cover the width */
    CHECK(heatmap_decode(b, n, &hm) < 0);
    n = heat_body(b, 2, 5, 3, 3, 2, cells);
    b[0] = 'X';
    CHECK(heatmap_decode(b, n, &hm) < 0);              /* magic */
    CHECK(hm.cells == NULL);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        {"entering_asks_info_then_the_newest_snapshot_then_its_time",
         entering_asks_info_then_the_newest_snapshot_then_its_time},
        {"back_takes_a_snapshot_forward_takes_the_stream",
         back_takes_a_snapshot_forward_takes_the_stream},
        {"the_stream_is_cut_at_the_target", the_stream_is_cut_at_the_target},
        {"a_gap_in_the_stream_starts_from_a_snapshot", a_gap_in_the_stream_starts_from_a_snapshot},
        {"far_ahead_takes_a_snapshot", far_ahead_takes_a_snapshot},
        {"steps_are_a_hundredth_of_the_history_and_clamped",
         steps_are_a_hundredth_of_the_history_and_clamped},
        {"play_waits_for_each_step_and_stops_at_the_newest",
         play_waits_for_each_step_and_stops_at_the_newest},
        {"a_snapshot_beyond_the_servers_history_moves_back",
         a_snapshot_beyond_the_servers_history_moves_back},
        {"three_failures_stop_asking_until_the_player_moves",
         three_failures_stop_asking_until_the_player_moves},
        {"bad_answers_change_nothing", bad_answers_change_nothing},
        {"heatmap_decodes_and_refuses_what_does_not_add_up",
         heatmap_decodes_and_refuses_what_does_not_add_up},
    };
    return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}

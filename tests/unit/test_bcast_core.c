/* The broadcast core (server/bcast_core.c): the ring of shared frames, a reader's cursor,
 * skipping a reader forward, the quorum that times batches, the lagging-reader drop rule and the
 * gathering buffer's shrink rule, each without a network or a clock. */
#include <stdlib.h>

#include "bcast_core.h"
#include "test.h"

#define HEADROOM 16

static uint64_t next_seq;

/* Gathers n placements with consecutive seqs (colour = seq % 16, so frames differ). */
static void add_n(bcast_core *c, size_t n)
{
    place_pixel *px = calloc(n, sizeof *px);
    for (size_t i = 0; i < n; i++) {
        px[i].seq = ++next_seq;
        px[i].x = (uint16_t)(i % 1000);
        px[i].y = (uint16_t)(i / 1000);
        px[i].color = (uint8_t)(px[i].seq % 16);
    }
    CHECK_INT(bcast_core_add(c, px, n), 0);
    free(px);
}

/* Publishes one frame of n placements at now. */
static void publish_n(bcast_core *c, size_t n, int64_t now)
{
    add_n(c, n);
    CHECK_INT(bcast_core_publish(c, now), 1);
}

/* Decodes the frame the reader at *cursor gets next and checks its seq range. */
static void expect_frame(bcast_core *c, uint64_t *cursor, uint64_t prev, uint64_t last, uint32_t n)
{
    uint8_t *frame = NULL;
    size_t len = 0;
    CHECK_INT(bcast_core_next(c, cursor, &frame, &len), 1);
    if (!frame)
        return;
    place_batch_header h;
    CHECK_INT(place_batch_parse(frame, len, &h), 0);
    CHECK_INT(h.prev_seq, prev);
    CHECK_INT(h.last_seq, last);
    CHECK_INT(h.pixels, n);
}

static void frames_are_shared_and_read_in_order(void)
{
    next_seq = 100;
    bcast_core *c = bcast_core_new(HEADROOM, 100);
    uint64_t a = bcast_core_head(c), b = bcast_core_head(c);
    uint8_t *frame;
    size_t len;
    CHECK_INT(bcast_core_publish(c, 1000), 0); /* nothing gathered, no frame */
    CHECK_INT(bcast_core_next(c, &a, &frame, &len), 0);
    publish_n(c, 3, 1000);
    publish_n(c, 2, 1100);
    CHECK_INT(bcast_core_head(c), 2);
    CHECK_INT(bcast_core_last_seq(c), 105);
    expect_frame(c, &a, 100, 103, 3);
    expect_frame(c, &a, 103, 105, 2);
    CHECK_INT(bcast_core_next(c, &a, &frame, &len), 0); /* caught up */
    CHECK_INT(a, 2);
    /* the second reader gets the very same bytes, headroom free before them */
    uint8_t *f1;
    size_t l1;
    CHECK_INT(bcast_core_next(c, &b, &f1, &l1), 1);
    uint64_t again = 0;
    CHECK_INT(bcast_core_next(c, &again, &frame, &len), 1);
    CHECK(frame == f1);
    CHECK_INT(len, l1);
    /* a reader that joins now starts at the next frame */
    uint64_t late = bcast_core_head(c);
    publish_n(c, 1, 1200);
    expect_frame(c, &late, 105, 106, 1);
    bcast_core_free(c);
}

static void reader_more_than_max_behind_is_skipped_to_head(void)
{
    next_seq = 0;
    bcast_core *c = bcast_core_new(HEADROOM, 0);
    uint64_t slow = 0, just = 0;
    for (int i = 0; i < BCAST_MAX_BEHIND; i++)
        publish_n(c, 1, i);
    /* exactly BCAST_MAX_BEHIND behind is still served */
    CHECK_INT(bcast_core_skip_if_behind(c, &just), 0);
    expect_frame(c, &just, 0, 1, 1);
    publish_n(c, 1, 100);
    uint8_t *frame;
    size_t len;
    CHECK_INT(bcast_core_next(c, &slow, &frame, &len), -1);
    CHECK_INT(slow, bcast_core_head(c));
    CHECK_INT(slow, BCAST_MAX_BEHIND + 1);
    CHECK_INT(bcast_core_next(c, &slow, &frame, &len), 0);
    /* the next frame after the skip is served: prevSeq is the resync's seq */
    publish_n(c, 2, 200);
    expect_frame(c, &slow, BCAST_MAX_BEHIND + 1, BCAST_MAX_BEHIND + 3, 2);
    bcast_core_free(c);
}

static void reader_more_than_max_bytes_behind_is_skipped(void)
{
    next_seq = 0;
    bcast_core *c = bcast_core_new(HEADROOM, 0);
    uint64_t r = 0;
    /* two frames, together over BCAST_MAX_BYTES, few enough to be within BCAST_MAX_BEHIND */
    size_t n = BCAST_MAX_BYTES / 5 / 2 + 1000;
    publish_n(c, n, 1);
    uint64_t one = 0;
    CHECK_INT(bcast_core_skip_if_behind(c, &one), 0); /* one frame behind: under the limit */
    publish_n(c, n, 2);
    CHECK_INT(bcast_core_skip_if_behind(c, &r), 1);
    CHECK_INT(r, 2);
    CHECK_INT(bcast_core_skip_if_behind(c, &r), 0); /* at the head: nothing to skip */
    one = 1; /* one frame behind again is served */
    expect_frame(c, &one, n, 2 * n, (uint32_t)n);
    bcast_core_free(c);
}

static void skip_keeps_ring_frames_valid_for_others(void)
{
    next_seq = 0;
    bcast_core *c = bcast_core_new(HEADROOM, 0);
    /* the ring wraps many times over; a reader keeping up always reads the frame just published */
    uint64_t keep = 0, idle = 0;
    for (int i = 0; i < 3 * BCAST_RING; i++) {
        publish_n(c, 1, i);
        expect_frame(c, &keep, (uint64_t)i, (uint64_t)i + 1, 1);
    }
    uint8_t *frame;
    size_t len;
    CHECK_INT(bcast_core_next(c, &idle, &frame, &len), -1);
    CHECK_INT(idle, 3 * BCAST_RING);
    bcast_core_free(c);
}

static void quorum_waits_for_readers_or_max_wait(void)
{
    next_seq = 0;
    bcast_core *c = bcast_core_new(HEADROOM, 0);
    enum { READERS = 20 };
    uint64_t cur[READERS] = {0};
    for (int i = 0; i < READERS; i++)
        bcast_core_join(c);
    CHECK_INT(bcast_core_due(c, 0), 0); /* nothing gathered */
    publish_n(c, 1, 1000);
    add_n(c, 1);
    CHECK_INT(bcast_core_due(c, 1100), 0); /* nobody took the last frame yet */
    uint8_t *frame;
    size_t len;
    int need = (int)(BCAST_QUORUM * READERS); /* 19 of 20 */
    for (int i = 0; i < need - 1; i++)
        CHECK_INT(bcast_core_next(c, &cur[i], &frame, &len), 1);
    CHECK_INT(bcast_core_due(c, 1100), 0);
    CHECK_INT(bcast_core_due(c, 1000 + BCAST_MAX_WAIT_MS - 1), 0);
    CHECK_INT(bcast_core_due(c, 1000 + BCAST_MAX_WAIT_MS), 1); /* waited long enough */
    CHECK_INT(bcast_core_next(c, &cur[need - 1], &frame, &len), 1);
    CHECK_INT(bcast_core_due(c, 1100), 1); /* quorum */
    /* a reader skipped forward counts as having taken it */
    CHECK_INT(bcast_core_publish(c, 1100), 1);
    add_n(c, 1);
    for (int i = 0; i < need - 1; i++)
        CHECK_INT(bcast_core_next(c, &cur[i], &frame, &len), 1);
    CHECK_INT(bcast_core_due(c, 1200), 0);
    for (int i = 0; i < BCAST_MAX_BEHIND; i++)
        publish_n(c, 1, 1200);
    add_n(c, 1);
    CHECK_INT(bcast_core_next(c, &cur[READERS - 1], &frame, &len), -1);
    /* the quorum is of the readers there were at publication: those who left still count */
    for (int i = 0; i < READERS; i++)
        bcast_core_leave(c);
    bcast_core_leave(c); /* never below zero */
    CHECK_INT(bcast_core_due(c, 1200), 0);
    CHECK_INT(bcast_core_publish(c, 1200), 1);
    add_n(c, 1);
    CHECK_INT(bcast_core_due(c, 1200), 1); /* nobody reads: due at once */
    bcast_core_free(c);
}

/* With an interval: the next frame waits for the interval AND for the round of the last one, so
 * a round slower than the interval makes the next batch wait and grow; wait_ms says when to
 * look again. */
static void batch_waits_for_interval_and_round(void)
{
    next_seq = 0;
    bcast_core *c = bcast_core_new(HEADROOM, 0);
    bcast_core_set_interval(c, 100);
    enum { READERS = 20 };
    uint64_t cur[READERS] = {0};
    for (int i = 0; i < READERS; i++)
        bcast_core_join(c);
    uint8_t *frame;
    size_t len;
    CHECK_INT(bcast_core_wait_ms(c, 0), 100); /* nothing gathered: a whole interval */
    publish_n(c, 1, 1000);
    add_n(c, 1);
    /* a fast round: everyone took the frame within 10 ms; due at the interval, not before */
    for (int i = 0; i < READERS; i++)
        CHECK_INT(bcast_core_next(c, &cur[i], &frame, &len), 1);
    CHECK_INT(bcast_core_due(c, 1010), 0);
    CHECK_INT(bcast_core_wait_ms(c, 1010), 90);
    CHECK_INT(bcast_core_due(c, 1099), 0);
    CHECK_INT(bcast_core_due(c, 1100), 1);
    CHECK_INT(bcast_core_publish(c, 1100), 1);
    /* a slow round: at the interval only half took it; the batch keeps gathering */
    add_n(c, 5);
    for (int i = 0; i < READERS / 2; i++)
        CHECK_INT(bcast_core_next(c, &cur[i], &frame, &len), 1);
    CHECK_INT(bcast_core_due(c, 1200), 0);
    CHECK_INT(bcast_core_wait_ms(c, 1200), BCAST_ROUND_POLL_MS);
    add_n(c, 5); /* placements made while the round goes on join the same batch */
    for (int i = READERS / 2; i < READERS; i++)
        CHECK_INT(bcast_core_next(c, &cur[i], &frame, &len), 1);
    CHECK_INT(bcast_core_due(c, 1260), 1); /* the round is done: at once, 160 ms after the last */
    CHECK_INT(bcast_core_wait_ms(c, 1260), 1);
    CHECK_INT(bcast_core_pending(c), 10);
    CHECK_INT(bcast_core_publish(c, 1260), 1);
    expect_frame(c, &cur[0], 2, 12, 10); /* one frame of 10, not two queued frames */
    /* a round that never finishes (a reader stuck) holds the next frame BCAST_MAX_WAIT_MS */
    add_n(c, 1);
    CHECK_INT(bcast_core_due(c, 1260 + BCAST_MAX_WAIT_MS - 1), 0);
    CHECK_INT(bcast_core_wait_ms(c, 1260 + BCAST_MAX_WAIT_MS - 1), 1);
    CHECK_INT(bcast_core_due(c, 1260 + BCAST_MAX_WAIT_MS), 1);
    bcast_core_free(c);
}

static void lagging_reader_resyncs_then_is_dropped(void)
{
    int64_t last = 0;
    CHECK_INT(bcast_core_lagging(&last, 5000, 30000), 0); /* first time: resync */
    CHECK_INT(last, 5000);
    CHECK_INT(bcast_core_lagging(&last, 5000 + 29999, 30000), 1); /* again within: drop */
    CHECK_INT(last, 5000);
    CHECK_INT(bcast_core_lagging(&last, 5000 + 30000, 30000), 0); /* after the window: resync */
    CHECK_INT(last, 35000);
}

static void gather_buffer_kept_for_big_batches_freed_after_small(void)
{
    next_seq = 0;
    bcast_core *c = bcast_core_new(HEADROOM, 0);
    add_n(c, 10);
    CHECK_INT(bcast_core_pending(c), 10);
    CHECK_INT(bcast_core_pending_cap(c), 256);
    CHECK_INT(bcast_core_publish(c, 1), 1);
    CHECK_INT(bcast_core_pending(c), 0);
    CHECK_INT(bcast_core_pending_cap(c), 256); /* small buffers are kept */
    /* a big burst: 10,000 of 16,384 used, kept for the next big batch */
    publish_n(c, 10000, 2);
    CHECK_INT(bcast_core_pending_cap(c), 16384);
    publish_n(c, 5000, 3);
    CHECK_INT(bcast_core_pending_cap(c), 16384);
    /* the burst is over: a batch under a quarter of it lets the buffer go */
    publish_n(c, 100, 4);
    CHECK_INT(bcast_core_pending_cap(c), 0);
    publish_n(c, 100, 5);
    CHECK_INT(bcast_core_pending_cap(c), 256);
    uint64_t r = bcast_core_head(c) - 1;
    expect_frame(c, &r, 15110, 15210, 100);
    bcast_core_free(c);
}

/* An admin act's pacing query: caught up while at most max_pending placements wait to be
 * published and the quorum of the readers took the newest frame; the round's max wait does not
 * count. */
static void caught_up_wants_small_backlog_and_round_done(void)
{
    next_seq = 500;
    bcast_core *c = bcast_core_new(HEADROOM, 500);
    add_n(c, 50);
    CHECK_INT(bcast_core_caught_up(c, 10), 1); /* no readers: nobody to wait for */
    CHECK_INT(bcast_core_publish(c, 900), 1);
    uint64_t r[20];
    for (int i = 0; i < 20; i++) {
        bcast_core_join(c);
        r[i] = bcast_core_head(c);
    }
    CHECK_INT(bcast_core_caught_up(c, 10), 1); /* nothing gathered; the last round had nobody */
    add_n(c, 10); /* 551..560 gathered, not published */
    CHECK_INT(bcast_core_caught_up(c, 10), 1); /* a backlog of 10 is allowed */
    CHECK_INT(bcast_core_caught_up(c, 9), 0);
    CHECK_INT(bcast_core_publish(c, 1000), 1);
    CHECK_INT(bcast_core_caught_up(c, 10), 0); /* published, nobody has it yet */
    for (int i = 0; i < 18; i++)
        expect_frame(c, &r[i], 550, 560, 10);
    CHECK_INT(bcast_core_caught_up(c, 10), 0); /* 18 of 20: under the quorum */
    /* a stuck round stays not caught up, though the broadcast would publish anyway by now */
    add_n(c, 1);
    CHECK_INT(bcast_core_due(c, 1000 + BCAST_MAX_WAIT_MS), 1);
    CHECK_INT(bcast_core_caught_up(c, 10), 0);
    expect_frame(c, &r[18], 550, 560, 10);
    CHECK_INT(bcast_core_caught_up(c, 10), 1); /* 19 of 20 */
    CHECK_INT(bcast_core_caught_up(c, 0), 0);  /* ... with one placement still gathered */
    /* a reader skipped forward counts as done with the round */
    CHECK_INT(bcast_core_publish(c, 1100), 1);
    for (int i = 0; i < 19; i++)
        expect_frame(c, &r[i], 560, 561, 1);
    for (int i = 0; i < BCAST_MAX_BEHIND; i++)
        publish_n(c, 1, 1200 + i);
    for (int i = 0; i < 20; i++)
        if (bcast_core_head(c) - r[i] > BCAST_MAX_BEHIND)
            CHECK_INT(bcast_core_skip_if_behind(c, &r[i]), 1);
    CHECK_INT(r[19], bcast_core_head(c)); /* the one that never read was skipped forward */
    CHECK_INT(bcast_core_caught_up(c, 10), 0); /* nobody else has the newest frame yet */
    for (int i = 0; i < 18; i++) /* 18 take it, with the skipped one 19 of 20 */
        while (r[i] < bcast_core_head(c)) {
            uint8_t *f;
            size_t len;
            CHECK_INT(bcast_core_next(c, &r[i], &f, &len), 1);
        }
    CHECK_INT(bcast_core_caught_up(c, 10), 1);
    /* once every reader has left there is nobody to wait for */
    add_n(c, 100);
    CHECK_INT(bcast_core_caught_up(c, 10), 0);
    for (int i = 0; i < 20; i++)
        bcast_core_leave(c);
    CHECK_INT(bcast_core_caught_up(c, 10), 1);
    bcast_core_free(c);
}

static void bad_batch_is_dropped_not_published(void)
{
    bcast_core *c = bcast_core_new(HEADROOM, 50);
    place_pixel px = {.seq = 40, .x = 1, .y = 1, .color = 2}; /* not after the last seq */
    CHECK_INT(bcast_core_add(c, &px, 1), 0);
    CHECK_INT(bcast_core_publish(c, 1), -1);
    CHECK_INT(bcast_core_head(c), 0);
    CHECK_INT(bcast_core_pending(c), 0);
    CHECK_INT(bcast_core_last_seq(c), 50);
    bcast_core_free(c);
    bcast_core_free(NULL);
}

TEST_MAIN(TEST(frames_are_shared_and_read_in_order),
          TEST(reader_more_than_max_behind_is_skipped_to_head),
          TEST(reader_more_than_max_bytes_behind_is_skipped),
          TEST(skip_keeps_ring_frames_valid_for_others), TEST(quorum_waits_for_readers_or_max_wait),
          TEST(batch_waits_for_interval_and_round),
          TEST(lagging_reader_resyncs_then_is_dropped),
          TEST(gather_buffer_kept_for_big_batches_freed_after_small),
          TEST(caught_up_wants_small_backlog_and_round_done),
          TEST(bad_batch_is_dropped_not_published))

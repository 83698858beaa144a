/* Failed-attempt throttling (server/throttle.c): free attempts, growing delays, forgetting,
 * and a bounded table. */
#include "test.h"
#include "throttle.h"

static void free_attempts_cost_nothing_then_delays_double(void)
{
    throttle *t = throttle_new(100, 3, 1000, 8000, 3600000);
    for (int i = 0; i < 3; i++)
        CHECK_INT(throttle_fail(t, "alice", 0), 0);
    CHECK_INT(throttle_wait(t, "alice", 0), 0);
    CHECK_INT(throttle_fail(t, "alice", 0), 1000);
    CHECK_INT(throttle_wait(t, "alice", 400), 600);
    CHECK_INT(throttle_fail(t, "alice", 1000), 2000);
    CHECK_INT(throttle_fail(t, "alice", 3000), 4000);
    CHECK_INT(throttle_fail(t, "alice", 7000), 8000);
    CHECK_INT(throttle_fail(t, "alice", 15000), 8000); /* capped */
    CHECK_INT(throttle_wait(t, "alice", 15000), 8000);
    CHECK_INT(throttle_wait(t, "bob", 15000), 0); /* keys are apart */
    throttle_free(t);
}

static void success_clears_and_time_forgets(void)
{
    throttle *t = throttle_new(100, 1, 1000, 60000, 10000);
    throttle_fail(t, "a", 0);
    CHECK_INT(throttle_fail(t, "a", 0), 1000);
    throttle_clear(t, "a");
    CHECK_INT(throttle_wait(t, "a", 0), 0);
    CHECK_INT(throttle_fail(t, "a", 0), 0); /* free again */
    CHECK_INT(throttle_fail(t, "a", 100), 1000);
    /* forgotten forget_ms after the last failure, once its wait is over */
    CHECK_INT(throttle_wait(t, "a", 10100), 0);
    CHECK_INT(throttle_count(t), 0);
    CHECK_INT(throttle_fail(t, "a", 10100), 0);
    throttle_free(t);
}

static void table_is_bounded_oldest_forgotten(void)
{
    throttle *t = throttle_new(3, 0, 1000, 1000, 3600000);
    throttle_fail(t, "k1", 1);
    throttle_fail(t, "k2", 2);
    throttle_fail(t, "k3", 3);
    throttle_fail(t, "k1", 4); /* k1 is now the newest */
    throttle_fail(t, "k4", 5); /* k2, the oldest, goes */
    CHECK_INT(throttle_count(t), 3);
    CHECK_INT(throttle_wait(t, "k2", 5), 0);
    CHECK(throttle_wait(t, "k1", 5) > 0);
    CHECK(throttle_wait(t, "k4", 5) > 0);
    throttle_free(t);
}

TEST_MAIN(TEST(free_attempts_cost_nothing_then_delays_double), TEST(success_clears_and_time_forgets),
          TEST(table_is_bounded_oldest_forgotten))

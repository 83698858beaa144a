/* Work in slices on the loop (server/slices.c): a socket that became readable is served between
 * two slices, not after all of them (the broadcast round lets acks and inits out this way); the
 * steps stop when the work says it is done and start again when asked; closing stops them. No
 * clock: each check counts steps and turns of the loop. */
#include <sys/socket.h>
#include <unistd.h>

#include "slices.h"
#include "test.h"

typedef struct work {
    int steps, limit;
    int steps_when_read; /* how many steps had run when the socket's byte was read (-1: not yet) */
    int fds[2];
    uv_poll_t poll;
} work;

static int step(void *arg)
{
    work *w = arg;
    w->steps++;
    return w->steps < w->limit;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    work *w = p->data;
    char b;
    (void)status;
    (void)events;
    if (read(w->fds[0], &b, 1) == 1 && w->steps_when_read < 0)
        w->steps_when_read = w->steps;
}

/* Turns the loop without blocking, n times. */
static void turn(uv_loop_t *loop, int n)
{
    while (n-- > 0)
        uv_run(loop, UV_RUN_NOWAIT);
}

static void socket_is_served_between_slices(void)
{
    uv_loop_t loop;
    CHECK_INT(uv_loop_init(&loop), 0);
    work w = {.limit = 50, .steps_when_read = -1};
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, w.fds), 0);
    CHECK_INT(uv_poll_init(&loop, &w.poll, w.fds[0]), 0);
    w.poll.data = &w;
    uv_poll_start(&w.poll, UV_READABLE, on_readable);
    slices s;
    CHECK_INT(slices_init(&s, &loop, step, &w), 0);

    CHECK_INT(write(w.fds[1], "x", 1), 1); /* a player's message is waiting ... */
    slices_start(&s);                       /* ... when a round of 50 slices begins */
    turn(&loop, 100);
    CHECK_INT(w.steps, 50);
    CHECK(w.steps_when_read >= 0);
    CHECK(w.steps_when_read <= 1); /* read after the first slice at the latest, not the 50th */

    /* mid-round: a message that arrives now waits for one slice, not for the rest of the round */
    w.steps = 0;
    w.steps_when_read = -1;
    slices_start(&s);
    turn(&loop, 10);
    CHECK_INT(w.steps, 10);
    CHECK_INT(write(w.fds[1], "y", 1), 1);
    turn(&loop, 1);
    CHECK_INT(w.steps_when_read, 11); /* the turn's slice, then the socket */
    CHECK_INT(w.steps, 11);
    turn(&loop, 100);
    CHECK_INT(w.steps, 50);

    slices_close(&s);
    uv_close((uv_handle_t *)&w.poll, NULL);
    turn(&loop, 1);
    CHECK_INT(uv_loop_close(&loop), 0);
    close(w.fds[0]);
    close(w.fds[1]);
}

static void steps_stop_when_done_and_start_again_when_asked(void)
{
    uv_loop_t loop;
    CHECK_INT(uv_loop_init(&loop), 0);
    work w = {.limit = 3, .steps_when_read = -1};
    slices s;
    CHECK_INT(slices_init(&s, &loop, step, &w), 0);
    turn(&loop, 5);
    CHECK_INT(w.steps, 0); /* nothing runs before it is started */

    slices_start(&s);
    slices_start(&s); /* started twice: still one step a turn */
    turn(&loop, 1);
    CHECK_INT(w.steps, 1);
    turn(&loop, 10);
    CHECK_INT(w.steps, 3); /* done after the third: no fourth */
    CHECK_INT(uv_run(&loop, UV_RUN_NOWAIT), 0); /* and the loop has nothing left to do */

    w.steps = 0;
    slices_start(&s);
    turn(&loop, 10);
    CHECK_INT(w.steps, 3);

    slices_close(&s);
    slices_close(&s); /* twice is harmless */
    turn(&loop, 1);
    CHECK_INT(uv_loop_close(&loop), 0);
}

static void closing_stops_the_steps(void)
{
    uv_loop_t loop;
    CHECK_INT(uv_loop_init(&loop), 0);
    work w = {.limit = 100, .steps_when_read = -1};
    slices s;
    CHECK_INT(slices_init(&s, &loop, step, &w), 0);
    slices_start(&s);
    turn(&loop, 4);
    CHECK_INT(w.steps, 4);
    slices_close(&s);
    slices_start(&s); /* after the close: ignored */
    turn(&loop, 10);
    CHECK_INT(w.steps, 4);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST_MAIN(TEST(socket_is_served_between_slices),
          TEST(steps_stop_when_done_and_start_again_when_asked), TEST(closing_stops_the_steps))

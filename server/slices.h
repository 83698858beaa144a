/* Long work on the loop thread, done in slices: a step runs once per turn of the loop, each time
 * after the loop has polled its sockets, until the step says the work is done. The broadcast
 * round (ws.c) runs so, so that placements are read and acknowledgements written between its
 * slices instead of after the whole round.
 *
 * Why not a 0 ms timer restarted from its own callback: libuv before 1.45 (Debian 12 ships 1.44)
 * runs such a timer again in the same pass over its timers, before polling, so the "slices" run
 * back to back and every socket waits for all of them. An idle handle runs once a turn and keeps
 * the poll from blocking while work remains. */
#ifndef PLACE_SERVER_SLICES_H
#define PLACE_SERVER_SLICES_H

#include <uv.h>

/* Does one slice of the work; returns nonzero while some is left. */
typedef int (*slices_step)(void *arg);

typedef struct slices {
    uv_idle_t idle;
    slices_step step;
    void *arg;
    int open;
} slices;

/* Prepares s on loop (nothing runs yet). Returns 0, or a libuv error code. */
int slices_init(slices *s, uv_loop_t *loop, slices_step step, void *arg);

/* Runs the step once a turn, starting after the loop's next poll, until it returns 0 (again
 * after that when called again). Calling it while the work runs changes nothing. */
void slices_start(slices *s);

/* Stops the steps and closes the handle; s must stay valid until the loop has run the close
 * (the next turn). Accepts a slices never prepared or already closed. */
void slices_close(slices *s);

#endif

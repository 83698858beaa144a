/* Work in slices on the loop (slices.h). */
#include "slices.h"

static void on_idle(uv_idle_t *h)
{
    slices *s = h->data;
    if (!s->step(s->arg))
        uv_idle_stop(&s->idle);
}

int slices_init(slices *s, uv_loop_t *loop, slices_step step, void *arg)
{
    int rc = uv_idle_init(loop, &s->idle);
    if (rc < 0)
        return rc;
    s->idle.data = s;
    s->step = step;
    s->arg = arg;
    s->open = 1;
    return 0;
}

void slices_start(slices *s)
{
    if (s->open)
        uv_idle_start(&s->idle, on_idle); /* nothing when already started */
}

void slices_close(slices *s)
{
    if (!s->open)
        return;
    s->open = 0;
    uv_idle_stop(&s->idle);
    uv_close((uv_handle_t *)&s->idle, NULL);
}

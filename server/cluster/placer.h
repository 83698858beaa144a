/* The placement path of cluster mode: loop thread -> placer thread (Redis: one atomic script per
 * placement, pipelined) -> Kafka producer (idempotent, acks=all) -> delivery report -> the
 * result callback back on the loop thread.
 *
 * A placement is acknowledged only after Kafka confirmed its event, so an acknowledged
 * placement is both on the canvas (Redis) and in the log (Kafka). Redis down: refused at once
 * with UNAVAILABLE. Kafka down: the event waits in librdkafka's queue without a deadline and the
 * answer waits with it (docs/deploy.md, "When a service is down"). */
#ifndef PLACE_CLUSTER_PLACER_H
#define PLACE_CLUSTER_PLACER_H

#include <stdint.h>
#include <uv.h>

#include "backend.h"

typedef struct placer placer;

typedef struct placer_config {
    const char *redis;   /* host:port */
    const char *brokers; /* Kafka bootstrap servers */
    const char *topic;
    int64_t cooldown_ms;
    int scope;      /* backend_cooldown_scope */
    uint32_t width; /* pixel index = y * width + x */
} placer_config;

/* Starts the placer thread and the producer. Returns NULL with a sentence in err. */
placer *placer_new(uv_loop_t *loop, const placer_config *cfg, char *err, size_t errcap);

/* Queues a placement by user_id from the address bucket addr (range-checked by the caller);
 * cb(arg, result) runs exactly once on the loop thread. Returns 0, or -1 when closing or out of
 * memory (cb will not run). */
int placer_submit(placer *p, const char *user_id, const char *addr, uint32_t x, uint32_t y,
                  int color, backend_place_cb cb, void *arg);

/* The cooldown of the placements queued from now on (placed --set cooldown=). Any thread. */
void placer_set_cooldown(placer *p, int64_t cooldown_ms);
/* Queues a pixel of an admin act (moderate.h): placed as act_id (its event names act_name)
 * without a ban or cooldown check, if the pixel still has colour `from` in Redis (255: any);
 * cb runs exactly once, with seq 0 when it was skipped. Returns 0, or -1 (cb will not run). */
int placer_submit_admin(placer *p, const char *act_id, const char *act_name, uint32_t x,
                        uint32_t y, int color, int from, backend_place_cb cb, void *arg);

/* The highest seq this process has acknowledged (loop thread). */
uint64_t placer_max_acked(const placer *p);

/* Takes no more placements, waits for the in-flight ones (up to 10 s for Kafka), runs their
 * callbacks, and frees p. Accepts NULL. */
void placer_close(placer *p);

#endif

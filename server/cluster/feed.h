/* The broadcast feed of cluster mode: every placed consumes the whole event topic and hands the
 * placements, in ascending seq and each once, to its own sink (canvas + broadcaster).
 *
 * Events from different placed processes reach Kafka in an order that is not quite seq order,
 * so they wait in a heap until the next expected seq arrives. A seq that stays missing for
 * hole_ms while later ones are waiting is taken as a hole (numbered in Redis, its event never
 * produced: the placing process died, or its producer failed) and skipped; the protocol allows
 * holes in a batch's range. A placement whose event comes after its seq was skipped (a producer
 * stalled past hole_ms) goes to sink->on_late, so the viewers can still get it (a resync); the
 * feed remembers the last 256 skipped holes to tell such a placement from a second copy. */
#ifndef PLACE_CLUSTER_FEED_H
#define PLACE_CLUSTER_FEED_H

#include <stdint.h>
#include <uv.h>

#include "backend.h"

typedef struct feed feed;

typedef struct feed_config {
    const char *brokers;
    const char *topic;
    uint64_t start_seq;     /* the canvas already contains every seq up to this one */
    int64_t start_time_ms;  /* Redis's clock when that canvas was read */
    int hole_ms;
} feed_config;

/* Starts the consumer thread; placements after start_seq reach sink->on_pixels on the loop
 * thread. Returns NULL with a sentence in err. */
feed *feed_new(uv_loop_t *loop, const feed_config *cfg, const backend_sink *sink, char *err,
               size_t errcap);

/* The newest seq handed to the sink (loop thread). */
uint64_t feed_last_seq(const feed *f);

/* Stops the consumer and frees f (once the loop has closed its handles). Accepts NULL. */
void feed_close(feed *f);

/* Creates the topic (one partition) if it does not exist. Returns 0, or -1 with a sentence in
 * err when Kafka did not answer within timeout_ms. */
int feed_ensure_topic(const char *brokers, const char *topic, int timeout_ms, char *err,
                      size_t errcap);

#endif

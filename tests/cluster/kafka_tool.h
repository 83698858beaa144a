/* The librdkafka set-up the cluster tests' small Kafka programs share (kafka_ready.c,
 * kafka_produce.c). */
#ifndef PLACE_TESTS_KAFKA_TOOL_H
#define PLACE_TESTS_KAFKA_TOOL_H

#include <librdkafka/rdkafka.h>

/* A producer for `brokers` with one more setting, key = value. Returns NULL after printing why
 * on stderr. */
rd_kafka_t *kafka_tool_producer(const char *brokers, const char *key, const char *value);

#endif

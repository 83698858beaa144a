/* The shared librdkafka set-up (see kafka_tool.h). */
#include "kafka_tool.h"

#include <stdio.h>

rd_kafka_t *kafka_tool_producer(const char *brokers, const char *key, const char *value)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) { /* rd_kafka_new takes conf only when it succeeds */
        fprintf(stderr, "%s\n", err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* place-kafka-ready BROKERS TIMEOUT_MS: exits 0 once a metadata request to the Kafka broker
 * succeeds, 1 otherwise. The cluster test harness polls it while the broker starts. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kafka_tool.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s BROKERS TIMEOUT_MS\n", argv[0]);
        return 2;
    }
    /* a broker half-way up can keep librdkafka's shutdown waiting: never outlive the caller's wait */
    alarm((unsigned)(atoi(argv[2]) / 1000 + 3));
    rd_kafka_t *rk = kafka_tool_producer(argv[1], "log_level", "0");
    if (!rk)
        return 2;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, atoi(argv[2]));
    int ok = e == RD_KAFKA_RESP_ERR_NO_ERROR && md->broker_cnt > 0;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    return ok ? 0 : 1;
}

/* place-kafka-produce BROKERS TOPIC SEQ X Y COLOR USER_ID USERNAME: produces one placement event
 * (server/cluster/event.h) to partition 0 and waits until Kafka has it; exits 0 then, 1
 * otherwise. The cluster tests use it to stand for a placed whose producer stalled: the event
 * of a seq that Redis numbered earlier arrives late. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "kafka_tool.h"

#include "event.h"

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: %s BROKERS TOPIC SEQ X Y COLOR USER_ID USERNAME\n", argv[0]);
        return 2;
    }
    alarm(20); /* never outlive the test's wait */
    event e;
    memset(&e, 0, sizeof e);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    e.seq = strtoull(argv[3], NULL, 10);
    e.x = (uint16_t)atoi(argv[4]);
    e.y = (uint16_t)atoi(argv[5]);
    e.color = (uint8_t)atoi(argv[6]);
    e.time_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    snprintf(e.user_id, sizeof e.user_id, "%s", argv[7]);
    snprintf(e.username, sizeof e.username, "%s", argv[8]);
    uint8_t buf[EVENT_MAX];
    size_t len = event_encode(&e, buf);
    event check;
    if (event_decode(buf, len, &check) < 0) {
        fprintf(stderr, "not a valid event (colour, user id or name)\n");
        return 2;
    }
    rd_kafka_t *rk = kafka_tool_producer(argv[1], "acks", "all");
    if (!rk)
        return 2;
    rd_kafka_resp_err_t r = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_PARTITION(0),
                                              RD_KAFKA_V_VALUE(buf, len),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_END);
    int rc = 1;
    if (r)
        fprintf(stderr, "produce: %s\n", rd_kafka_err2str(r));
    else if ((r = rd_kafka_flush(rk, 15000)))
        fprintf(stderr, "flush: %s\n", rd_kafka_err2str(r));
    else
        rc = 0;
    rd_kafka_destroy(rk);
    return rc;
}

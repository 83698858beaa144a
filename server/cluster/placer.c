/* The cluster placement path (see placer.h).
 *
 * Three threads meet here. The loop thread queues jobs (placer_submit) and runs callbacks (on
 * the async handle). The placer thread takes every queued job at once, sends one Redis script
 * call per job in a single pipeline, and hands the accepted ones to the producer. librdkafka's
 * delivery reports arrive on the report thread, which moves each job to the done queue. */
#include "placer.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "peer.h"
#include "rstore.h"

#define PIPE_MAX 1024          /* placements per Redis pipeline */
#define REDIS_TIMEOUT_MS 1000  /* connect and reply timeout of the placer's connection */
#define FLUSH_MS 10000         /* how long a stop waits for Kafka to take the last events */

typedef struct job {
    struct job *next;
    char user_id[BACKEND_ID_LEN + 1];
    char addr[PEER_ADDR_MAX];
    uint32_t x, y;
    int color;
    backend_place_cb cb;
    void *arg;
    backend_place_result res;
    event ev;
    int admin;                         /* an admin act's pixel (RS_ADMIN_PLACE) */
    int from;                          /* admin: the colour it must still have (255: any) */
    char name[BACKEND_NAME_MAX + 1];   /* admin: the act's shown name */
} job;

typedef struct jqueue {
    job *head, *tail;
} jqueue;

struct placer {
    placer_config cfg;
    char redis[256], brokers[512], topic[256];
    uv_loop_t *loop;
    uv_async_t async;
    rd_kafka_t *rk;
    rstore *rs;
    pthread_t worker, reporter;
    int have_worker, have_reporter;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    jqueue in;   /* submitted, for the placer thread */
    jqueue done; /* answered, for the loop thread */
    int stop;    /* placer thread: finish and leave */
    int stop_reports;
    int closing;
    uint64_t max_acked; /* loop thread */
};

static void jq_push(jqueue *q, job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static void finish(placer *p, job *j)
{
    pthread_mutex_lock(&p->mu);
    jq_push(&p->done, j);
    pthread_mutex_unlock(&p->mu);
    uv_async_send(&p->async);
}

static void fail(placer *p, job *j, place_err e)
{
    j->res.err = e;
    finish(p, j);
}

/* Loop thread: run the callbacks of every answered job. */
static void run_done(placer *p)
{
    pthread_mutex_lock(&p->mu);
    job *j = p->done.head;
    p->done.head = p->done.tail = NULL;
    pthread_mutex_unlock(&p->mu);
    while (j) {
        job *next = j->next;
        if (j->res.err == PLACE_ERR_NONE && j->res.seq > p->max_acked)
            p->max_acked = j->res.seq;
        j->cb(j->arg, &j->res);
        free(j);
        j = next;
    }
}

static void on_async(uv_async_t *a)
{
    run_done(a->data);
}

static void free_placer(uv_handle_t *h)
{
    free(h->data);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    placer *p = opaque;
    job *j = m->_private;
    if (m->err) {
        /* With no message timeout this is a fatal producer error: the pixel is in Redis but
         * its event is not in the log, so the client must not be told it is stored. */
        fprintf(stderr, "placed: kafka: event seq %llu not delivered: %s\n",
                (unsigned long long)j->ev.seq, rd_kafka_err2str(m->err));
        j->res.err = PLACE_ERR_INTERNAL;
    }
    finish(p, j);
}

static void *report_main(void *arg)
{
    placer *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int stop = p->stop_reports;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        rd_kafka_poll(p->rk, 50);
    }
    return NULL;
}

static void produce(placer *p, job *j)
{
    uint8_t buf[EVENT_MAX];
    size_t len = event_encode(&j->ev, buf);
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(buf, len),
            RD_KAFKA_V_TIMESTAMP(j->ev.time_ms), RD_KAFKA_V_OPAQUE(j), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "placed: kafka: cannot queue event seq %llu: %s\n",
                    (unsigned long long)j->ev.seq, rd_kafka_err2str(e));
            fail(p, j, PLACE_ERR_INTERNAL);
            return;
        }
        /* the queue drains as Kafka takes events; the report thread polls meanwhile */
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* The placer thread's answer to one script reply; takes ownership of rep. */
static void handle_reply(placer *p, job *j, redisReply *rep)
{
    if (!rep) {
        fail(p, j, PLACE_ERR_UNAVAILABLE);
        return;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 4) {
        fprintf(stderr, "placed: redis: placement script failed: %s\n",
                rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
        freeReplyObject(rep);
        fail(p, j, PLACE_ERR_INTERNAL);
        return;
    }
    long long status = rstore_num_at(rep, 0);
    if (status == -3) { /* placed --freeze, stored before this process heard of it */
        freeReplyObject(rep);
        fail(p, j, PLACE_ERR_FROZEN);
        return;
    }
    if (status == -2) {
        freeReplyObject(rep);
        fail(p, j, PLACE_ERR_BANNED);
        return;
    }
    if (status == -1) {
        long long next = rstore_num_at(rep, 1);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        j->res.next_placement = next;
        j->res.retry_after_ms = next > now ? next - now : 0;
        freeReplyObject(rep);
        fail(p, j, PLACE_ERR_COOLDOWN);
        return;
    }
    if (status == 0 && j->admin) { /* skipped: a player painted it since */
        freeReplyObject(rep);
        j->res.err = PLACE_ERR_NONE;
        finish(p, j);
        return;
    }
    j->res.err = PLACE_ERR_NONE;
    j->res.seq = (uint64_t)status;
    j->res.next_placement = rstore_num_at(rep, 2);
    event *ev = &j->ev;
    ev->seq = (uint64_t)status;
    ev->time_ms = rstore_num_at(rep, 1);
    ev->x = (uint16_t)j->x;
    ev->y = (uint16_t)j->y;
    ev->color = (uint8_t)j->color;
    memcpy(ev->user_id, j->user_id, sizeof ev->user_id);
    const redisReply *name = rep->element[3];
    snprintf(ev->username, sizeof ev->username, "%.*s",
             name->type == REDIS_REPLY_STRING ? (int)name->len : 0,
             name->type == REDIS_REPLY_STRING ? name->str : "");
    freeReplyObject(rep);
    produce(p, j);
}

void placer_set_cooldown(placer *p, int64_t cooldown_ms)
{
    __atomic_store_n(&p->cfg.cooldown_ms, cooldown_ms, __ATOMIC_RELAXED);
}

#define PLACE_KEYS 6  /* RS_PLACE: canvas seq cd user acd settings */
#define PLACE_ARGS 10 /* ... and index color cooldown scope (RS_ADMIN_PLACE takes fewer) */

/* Builds the script arguments of one job into av/al (strings live in bufs); returns the
 * script, its number of keys and of arguments. */
static rstore_sid job_args(placer *p, const job *j, char bufs[7][80], const char **av,
                           size_t *al, int *nkeys, int *argc)
{
    if (j->admin) {
        snprintf(bufs[0], 80, "%llu", (unsigned long long)j->y * p->cfg.width + j->x);
        snprintf(bufs[1], 80, "%d", j->color);
        snprintf(bufs[2], 80, "%d", j->from);
        av[0] = RSTORE_PREFIX "canvas";
        av[1] = RSTORE_PREFIX "seq";
        av[2] = bufs[0];
        av[3] = bufs[1];
        av[4] = bufs[2];
        av[5] = j->name;
        for (int i = 0; i < 6; i++)
            al[i] = strlen(av[i]);
        *nkeys = 2;
        *argc = 6;
        return RS_ADMIN_PLACE;
    }
    snprintf(bufs[0], 80, RSTORE_PREFIX "cd:%s", j->user_id);
    snprintf(bufs[1], 80, RSTORE_PREFIX "user:%s", j->user_id);
    snprintf(bufs[2], 80, "%llu", (unsigned long long)j->y * p->cfg.width + j->x);
    snprintf(bufs[3], 80, "%d", j->color);
    snprintf(bufs[4], 80, "%lld", (long long)__atomic_load_n(&p->cfg.cooldown_ms, __ATOMIC_RELAXED));
    snprintf(bufs[5], 80, RSTORE_PREFIX "acd:%s", j->addr);
    snprintf(bufs[6], 80, "%d", j->addr[0] ? p->cfg.scope : 0);
    av[0] = RSTORE_PREFIX "canvas";
    av[1] = RSTORE_PREFIX "seq";
    av[2] = bufs[0];
    av[3] = bufs[1];
    av[4] = bufs[5];
    av[5] = RSTORE_PREFIX "settings"; /* the live settings (a freeze refuses in the script) */
    av[6] = bufs[2];
    av[7] = bufs[3];
    av[8] = bufs[4];
    av[9] = bufs[6];
    for (int i = 0; i < PLACE_ARGS; i++)
        al[i] = strlen(av[i]);
    *nkeys = PLACE_KEYS;
    *argc = PLACE_ARGS;
    return RS_PLACE;
}

static void run_batch(placer *p, job *list)
{
    if (rstore_pipe_begin(p->rs) < 0) {
        while (list) {
            job *next = list->next;
            fail(p, list, PLACE_ERR_UNAVAILABLE);
            list = next;
        }
        return;
    }
    char bufs[7][80];
    const char *av[PLACE_ARGS];
    size_t al[PLACE_ARGS];
    int queued[PIPE_MAX];
    int n = 0, nkeys, argc;
    for (job *j = list; j; j = j->next, n++) {
        rstore_sid sid = job_args(p, j, bufs, av, al, &nkeys, &argc);
        queued[n] = rstore_pipe_script(p->rs, sid, nkeys, argc, av, al) == 0;
    }
    n = 0;
    for (job *j = list, *next; j; j = next, n++) {
        next = j->next;
        redisReply *rep = queued[n] ? rstore_pipe_reply(p->rs) : NULL;
        if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8)) {
            freeReplyObject(rep);
            rstore_sid sid = job_args(p, j, bufs, av, al, &nkeys, &argc);
            rep = rstore_script(p->rs, sid, nkeys, argc, av, al);
        }
        handle_reply(p, j, rep);
    }
}

static void *worker_main(void *arg)
{
    placer *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->in.head && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->in.head) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        /* at most PIPE_MAX jobs, in submission order */
        job *list = p->in.head, *last = list;
        for (int n = 1; n < PIPE_MAX && last->next; n++)
            last = last->next;
        p->in.head = last->next;
        if (!p->in.head)
            p->in.tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&p->mu);
        run_batch(p, list);
    }
    return NULL;
}

static int kset(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errcap)
{
    if (rd_kafka_conf_set(conf, k, v, err, errcap) != RD_KAFKA_CONF_OK)
        return -1;
    return 0;
}

placer *placer_new(uv_loop_t *loop, const placer_config *cfg, char *err, size_t errcap)
{
    placer *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    snprintf(p->redis, sizeof p->redis, "%s", cfg->redis);
    snprintf(p->brokers, sizeof p->brokers, "%s", cfg->brokers);
    snprintf(p->topic, sizeof p->topic, "%s", cfg->topic);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->loop = loop;
    uv_async_init(loop, &p->async, on_async);
    p->async.data = p;

    if (!(p->rs = rstore_new(p->redis, REDIS_TIMEOUT_MS))) {
        snprintf(err, errcap, "--redis %s: not host:port", p->redis);
        goto err;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char kerr[256];
    /* idempotence implies acks=all and keeps each producer's events in order without
     * duplicates across retries; no message timeout: while Kafka is down events wait */
    if (kset(conf, "bootstrap.servers", p->brokers, kerr, sizeof kerr) < 0 ||
        kset(conf, "enable.idempotence", "true", kerr, sizeof kerr) < 0 ||
        kset(conf, "acks", "all", kerr, sizeof kerr) < 0 ||
        kset(conf, "message.timeout.ms", "0", kerr, sizeof kerr) < 0 ||
        kset(conf, "linger.ms", "5", kerr, sizeof kerr) < 0 ||
        kset(conf, "queue.buffering.max.messages", "1000000", kerr, sizeof kerr) < 0 ||
        kset(conf, "reconnect.backoff.max.ms", "1000", kerr, sizeof kerr) < 0) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errcap, "kafka producer: %s", kerr);
        goto err;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    if (!(p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, kerr, sizeof kerr))) {
        snprintf(err, errcap, "kafka producer: %s", kerr);
        goto err;
    }
    if (pthread_create(&p->reporter, NULL, report_main, p) != 0) {
        snprintf(err, errcap, "cannot start the delivery report thread");
        goto err;
    }
    p->have_reporter = 1;
    if (pthread_create(&p->worker, NULL, worker_main, p) != 0) {
        snprintf(err, errcap, "cannot start the placer thread");
        goto err;
    }
    p->have_worker = 1;
    return p;
err:
    placer_close(p);
    return NULL;
}

uint64_t placer_max_acked(const placer *p)
{
    return p->max_acked;
}

/* A job asking for pixel (x, y) to become color for user_id, answered through cb(arg); NULL when
 * the placer is closing or out of memory. The caller adds what its kind needs and submits it. */
static job *new_job(placer *p, const char *user_id, uint32_t x, uint32_t y, int color,
                    backend_place_cb cb, void *arg)
{
    job *j = p->closing ? NULL : calloc(1, sizeof(job));
    if (j) {
        *j = (job){.x = x, .y = y, .color = color, .cb = cb, .arg = arg};
        snprintf(j->user_id, sizeof j->user_id, "%s", user_id);
    }
    return j;
}

static void submit_job(placer *p, job *j)
{
    j->res.retry_after_ms = -1;
    pthread_mutex_lock(&p->mu);
    jq_push(&p->in, j);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int placer_submit_admin(placer *p, const char *act_id, const char *act_name, uint32_t x,
                        uint32_t y, int color, int from, backend_place_cb cb, void *arg)
{
    job *j = new_job(p, act_id, x, y, color, cb, arg);
    if (!j)
        return -1;
    snprintf(j->name, sizeof j->name, "%s", act_name);
    j->admin = 1;
    j->from = from;
    submit_job(p, j);
    return 0;
}

int placer_submit(placer *p, const char *user_id, const char *addr, uint32_t x, uint32_t y,
                  int color, backend_place_cb cb, void *arg)
{
    job *j = new_job(p, user_id, x, y, color, cb, arg);
    if (!j)
        return -1;
    snprintf(j->addr, sizeof j->addr, "%s", addr ? addr : "");
    submit_job(p, j);
    return 0;
}

void placer_close(placer *p)
{
    if (!p)
        return;
    p->closing = 1;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->have_worker)
        pthread_join(p->worker, NULL);
    pthread_mutex_lock(&p->mu);
    p->stop_reports = 1;
    pthread_mutex_unlock(&p->mu);
    if (p->have_reporter)
        pthread_join(p->reporter, NULL);
    if (p->rk) {
        /* the delivery reports of the last events now arrive on this thread */
        if (rd_kafka_flush(p->rk, FLUSH_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "placed: kafka: %d events still unsent at stop\n",
                    rd_kafka_outq_len(p->rk));
            rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(p->rk, 0);
        }
        rd_kafka_destroy(p->rk);
    }
    run_done(p);
    rstore_free(p->rs);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    /* p is freed once the loop has closed its handle */
    uv_close((uv_handle_t *)&p->async, free_placer);
}

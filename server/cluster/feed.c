/* The cluster broadcast feed (see feed.h): a consumer thread reads the topic from a point
 * before the loaded canvas and queues decoded placements; the loop thread puts them in seq
 * order and passes them on. */
#include "feed.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "util.h"

#define START_MARGIN_MS 5000 /* read from this long before the canvas, in case of clock steps */
#define TICK_MS 100          /* how often waiting holes are checked */
#define INBOX_BATCH 2048
#define SKIPPED_MAX 256      /* skipped holes remembered, to tell a late placement from a copy */

typedef struct seq_range {
    uint64_t lo, hi; /* inclusive */
} seq_range;

struct feed {
    uv_loop_t *loop;
    backend_sink sink;
    char brokers[512], topic[256];
    uint64_t start_seq;
    int64_t start_time_ms;
    int hole_ms;

    pthread_t thread;
    int have_thread;
    pthread_mutex_t mu;
    int stop;
    place_pixel *inbox; /* consumer -> loop */
    size_t inbox_n, inbox_cap;
    uv_async_t async;
    uv_timer_t tick;
    int handles_open;

    /* loop thread only */
    uint64_t next;        /* the seq to deliver next */
    place_pixel *heap;    /* min-heap by seq of placements waiting for `next` */
    size_t heap_n, heap_cap;
    int64_t hole_since;   /* monotonic ms since when `next` has been missing; 0: none */
    place_pixel *out;
    size_t out_cap;
    uint64_t late;        /* placements that came after their hole was skipped */
    seq_range skipped[SKIPPED_MAX]; /* the newest holes skipped (a ring), minus what came late */
    size_t skipped_n, skipped_at;
};

static void remember_skip(feed *f, uint64_t lo, uint64_t hi)
{
    f->skipped[f->skipped_at] = (seq_range){lo, hi};
    f->skipped_at = (f->skipped_at + 1) % SKIPPED_MAX;
    if (f->skipped_n < SKIPPED_MAX)
        f->skipped_n++;
}

/* Whether seq was skipped as a hole (and has not come late before): a late placement, not a
 * second copy of a delivered one. Takes it out of its range. */
static int take_skipped(feed *f, uint64_t seq)
{
    for (size_t i = 0; i < f->skipped_n; i++) {
        seq_range *r = &f->skipped[i];
        if (seq < r->lo || seq > r->hi)
            continue;
        if (seq == r->lo)
            r->lo++;
        else if (seq == r->hi)
            r->hi--;
        else if (f->skipped_n < SKIPPED_MAX) { /* split; the ring is not full, so no overwrite */
            uint64_t hi = r->hi;
            r->hi = seq - 1;
            f->skipped[f->skipped_n++] = (seq_range){seq + 1, hi};
            f->skipped_at = f->skipped_n % SKIPPED_MAX;
        } else { /* full: keep the larger half */
            if (seq - r->lo > r->hi - seq)
                r->hi = seq - 1;
            else
                r->lo = seq + 1;
        }
        if (r->lo > r->hi)
            *r = (seq_range){1, 0}; /* empty */
        return 1;
    }
    return 0;
}

static int grow(place_pixel **a, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need)
        n *= 2;
    place_pixel *b = realloc(*a, n * sizeof *b);
    if (!b)
        return -1;
    *a = b;
    *cap = n;
    return 0;
}

static void heap_push(feed *f, const place_pixel *px)
{
    if (grow(&f->heap, &f->heap_cap, f->heap_n + 1) < 0)
        return; /* out of memory: this placement is lost to this process's viewers only */
    size_t i = f->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (f->heap[parent].seq <= px->seq)
            break;
        f->heap[i] = f->heap[parent];
        i = parent;
    }
    f->heap[i] = *px;
}

static place_pixel heap_pop(feed *f)
{
    place_pixel top = f->heap[0];
    place_pixel last = f->heap[--f->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= f->heap_n)
            break;
        if (c + 1 < f->heap_n && f->heap[c + 1].seq < f->heap[c].seq)
            c++;
        if (last.seq <= f->heap[c].seq)
            break;
        f->heap[i] = f->heap[c];
        i = c;
    }
    if (f->heap_n)
        f->heap[i] = last;
    return top;
}

/* Delivers every placement that is next in line; skips a hole that has waited too long. */
static void deliver(feed *f)
{
    size_t n = 0;
    for (;;) {
        while (f->heap_n && f->heap[0].seq < f->next)
            heap_pop(f); /* already delivered (a duplicate) */
        if (!f->heap_n)
            break;
        if (f->heap[0].seq > f->next) {
            int64_t now = util_mono_ms();
            if (!f->hole_since)
                f->hole_since = now;
            if (now - f->hole_since < f->hole_ms)
                break;
            fprintf(stderr, "placed: feed: seq %llu..%llu never arrived; skipped as a hole\n",
                    (unsigned long long)f->next, (unsigned long long)f->heap[0].seq - 1);
            remember_skip(f, f->next, f->heap[0].seq - 1);
            f->next = f->heap[0].seq;
        }
        f->hole_since = 0;
        if (grow(&f->out, &f->out_cap, n + 1) < 0)
            break;
        f->out[n++] = heap_pop(f);
        f->next++;
    }
    if (n)
        f->sink.on_pixels(f->sink.arg, f->out, n);
}

static void on_async(uv_async_t *a)
{
    feed *f = a->data;
    pthread_mutex_lock(&f->mu);
    place_pixel *in = f->inbox;
    size_t n = f->inbox_n;
    f->inbox = NULL;
    f->inbox_n = f->inbox_cap = 0;
    pthread_mutex_unlock(&f->mu);
    size_t late = 0; /* the late ones are gathered at the front of `in` */
    for (size_t i = 0; i < n; i++) {
        if (in[i].seq < f->next) {
            if (in[i].seq > f->start_seq && take_skipped(f, in[i].seq)) {
                f->late++;
                in[late++] = in[i];
            }
            continue; /* else a second copy of one already delivered */
        }
        heap_push(f, &in[i]);
    }
    if (late && f->sink.on_late)
        f->sink.on_late(f->sink.arg, in, late);
    free(in);
    deliver(f);
}

static void on_tick(uv_timer_t *t)
{
    feed *f = t->data;
    if (f->heap_n)
        deliver(f);
}

static int kset(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "placed: kafka: %s\n", err);
        return -1;
    }
    return 0;
}

static int stopping(feed *f)
{
    pthread_mutex_lock(&f->mu);
    int s = f->stop;
    pthread_mutex_unlock(&f->mu);
    return s;
}

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* The offset to start reading at: the first event stamped at or after the canvas's time (less
 * a margin); every placement the canvas lacks was stamped after it. Retries until Kafka
 * answers or the feed stops. Returns the offset, or -1 when stopping. */
static int64_t start_offset(feed *f, rd_kafka_t *rk)
{
    int warned = 0;
    while (!stopping(f)) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, f->topic, 0, &lo, &hi, 2000);
        if (!e) {
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, f->topic, 0)->offset =
                f->start_time_ms - START_MARGIN_MS;
            e = rd_kafka_offsets_for_times(rk, l, 5000);
            int64_t off = l->elems[0].offset;
            if (!e)
                e = l->elems[0].err;
            rd_kafka_topic_partition_list_destroy(l);
            if (!e)
                return off >= 0 ? off : hi; /* nothing that new yet: from the end as it was */
        }
        if (!warned++)
            fprintf(stderr, "placed: feed: waiting for Kafka (%s)\n", rd_kafka_err2str(e));
        nap(500);
    }
    return -1;
}

static void push_inbox(feed *f, const place_pixel *px, size_t n)
{
    if (!n)
        return;
    pthread_mutex_lock(&f->mu);
    if (grow(&f->inbox, &f->inbox_cap, f->inbox_n + n) == 0) {
        memcpy(f->inbox + f->inbox_n, px, n * sizeof *px);
        f->inbox_n += n;
    }
    pthread_mutex_unlock(&f->mu);
    uv_async_send(&f->async);
}

static void *consumer_main(void *arg)
{
    feed *f = arg;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[256];
    /* group.id only because the consumer API wants one: partitions are assigned by hand, no
     * group is joined and no offset is ever committed */
    if (kset(conf, "bootstrap.servers", f->brokers) < 0 || kset(conf, "group.id", "placed-feed") < 0 ||
        kset(conf, "enable.auto.commit", "false") < 0 ||
        kset(conf, "enable.auto.offset.store", "false") < 0 ||
        /* a fetch waits for 64 KiB or 25 ms: with fetch.min.bytes=1 every event would be a
         * fetch of its own, and the broker's CPU would go into thousands of them a second */
        kset(conf, "fetch.wait.max.ms", "25") < 0 || kset(conf, "fetch.min.bytes", "65536") < 0 ||
        kset(conf, "fetch.error.backoff.ms", "100") < 0 ||
        kset(conf, "reconnect.backoff.max.ms", "1000") < 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "placed: feed: %s\n", err);
        return NULL;
    }
    int64_t off = start_offset(f, rk);
    if (off >= 0) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, f->topic, 0)->offset = off;
        rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (e)
            fprintf(stderr, "placed: feed: cannot read %s: %s\n", f->topic, rd_kafka_err2str(e));
    }
    place_pixel batch[256];
    size_t n = 0;
    while (off >= 0 && !stopping(f)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, n ? 0 : 100);
        if (!m) {
            push_inbox(f, batch, n);
            n = 0;
            continue;
        }
        event ev;
        if (!m->err && event_decode(m->payload, m->len, &ev) == 0) {
            batch[n++] = (place_pixel){ev.seq, ev.x, ev.y, ev.color};
            if (n == sizeof batch / sizeof batch[0]) {
                push_inbox(f, batch, n);
                n = 0;
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

static void on_handle_closed(uv_handle_t *h)
{
    feed *f = h->data;
    if (--f->handles_open == 0) {
        free(f->inbox);
        free(f->heap);
        free(f->out);
        pthread_mutex_destroy(&f->mu);
        free(f);
    }
}

feed *feed_new(uv_loop_t *loop, const feed_config *cfg, const backend_sink *sink, char *err,
               size_t errcap)
{
    feed *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    f->loop = loop;
    f->sink = *sink;
    snprintf(f->brokers, sizeof f->brokers, "%s", cfg->brokers);
    snprintf(f->topic, sizeof f->topic, "%s", cfg->topic);
    f->start_seq = cfg->start_seq;
    f->start_time_ms = cfg->start_time_ms;
    f->hole_ms = cfg->hole_ms;
    f->next = cfg->start_seq + 1;
    pthread_mutex_init(&f->mu, NULL);
    uv_async_init(loop, &f->async, on_async);
    uv_timer_init(loop, &f->tick);
    f->async.data = f->tick.data = f;
    f->handles_open = 2;
    uv_timer_start(&f->tick, on_tick, TICK_MS, TICK_MS);
    if (pthread_create(&f->thread, NULL, consumer_main, f) != 0) {
        snprintf(err, errcap, "cannot start the Kafka consumer thread");
        feed_close(f);
        return NULL;
    }
    f->have_thread = 1;
    return f;
}

uint64_t feed_last_seq(const feed *f)
{
    return f ? f->next - 1 : 0;
}

void feed_close(feed *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    if (f->have_thread)
        pthread_join(f->thread, NULL);
    if (f->late)
        fprintf(stderr, "placed: feed: %llu placements came after their hole was skipped\n",
                (unsigned long long)f->late);
    uv_timer_stop(&f->tick);
    uv_close((uv_handle_t *)&f->tick, on_handle_closed);
    uv_close((uv_handle_t *)&f->async, on_handle_closed);
}

int feed_ensure_topic(const char *brokers, const char *topic, int timeout_ms, char *err,
                      size_t errcap)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, errcap) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errcap);
    if (!rk)
        return -1;
    int rc = -1;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, -1, err, errcap);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opt, timeout_ms, NULL, 0);
    if (!nt)
        goto out;
    rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    if (!ev) {
        snprintf(err, errcap, "Kafka at %s did not answer", brokers);
        goto out;
    }
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
    if (!e && n == 1)
        e = rd_kafka_topic_result_error(tr[0]);
    if (!e || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        rc = 0;
    else
        snprintf(err, errcap, "cannot create Kafka topic %s: %s", topic, rd_kafka_err2str(e));
    rd_kafka_event_destroy(ev);
out:
    if (nt)
        rd_kafka_NewTopic_destroy(nt);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

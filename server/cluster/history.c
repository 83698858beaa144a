/* PostgreSQL history: reader and writer (see history.h). */
#include "history.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "plan.h"
#include "timeline.h"
#include "util.h"

#include "place/bitmap.h"

#define WRITER_BATCH 5000     /* events per transaction at most */
#define WRITER_LINGER_MS 200  /* how long a batch waits to fill */
#define RETRY_MAX_MS 2000     /* longest pause between attempts while PostgreSQL is down */
#define CKPT_ROWS 200000      /* placements the writer reads for checkpoints between batches */

#define CHECKPOINT_SCHEMA                                                                        \
    "CREATE TABLE IF NOT EXISTS place_checkpoints (seq bigint PRIMARY KEY, time_ms bigint NOT"    \
    " NULL, width integer NOT NULL, height integer NOT NULL, bits bytea NOT NULL);"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS place_history ("
    " seq bigint NOT NULL, placed_at timestamptz NOT NULL, x integer NOT NULL,"
    " y integer NOT NULL, color smallint NOT NULL, user_id text NOT NULL,"
    " username text NOT NULL, PRIMARY KEY (seq, placed_at)) PARTITION BY RANGE (placed_at);"
    "CREATE INDEX IF NOT EXISTS place_history_xy ON place_history (x, y, seq DESC);"
    "CREATE TABLE IF NOT EXISTS place_writer_offsets ("
    " topic text NOT NULL, part integer NOT NULL, next_offset bigint NOT NULL,"
    " PRIMARY KEY (topic, part));"
    CHECKPOINT_SCHEMA;

/* ---------------------------------------------------------------- reader */

typedef struct query {
    uv_work_t work;
    history *h;
    uint32_t x, y;
    int limit;
    uint64_t min_seq;
    backend_history_cb cb;
    void *arg;
    int rc;
    size_t n;
    backend_history_entry e[BACKEND_HISTORY_MAX];
} query;

struct history {
    uv_loop_t *loop;
    char *conninfo;
    pthread_mutex_t mu; /* one connection, shared by the worker threads in turn */
    PGconn *pg;
    int pending;
    int closing;
};

history *history_new(uv_loop_t *loop, const char *conninfo)
{
    history *h = calloc(1, sizeof *h);
    if (!h || !(h->conninfo = strdup(conninfo))) {
        free(h);
        return NULL;
    }
    h->loop = loop;
    pthread_mutex_init(&h->mu, NULL);
    return h;
}

static void free_history(history *h)
{
    if (h->pg)
        PQfinish(h->pg);
    pthread_mutex_destroy(&h->mu);
    free(h->conninfo);
    free(h);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Waits until the history holds min_seq or a later placement, at most HISTORY_WAIT_MS. */
static void wait_for_seq(PGconn *pg, uint64_t min_seq)
{
    for (int waited = 0; min_seq && waited < HISTORY_WAIT_MS; waited += 50) {
        PGresult *r = PQexec(pg, "SELECT coalesce(max(seq), 0) FROM place_history");
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        uint64_t have = ok ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
        PQclear(r);
        if (!ok || have >= min_seq)
            return;
        sleep_ms(50);
    }
}

/* (Re)connects h->pg; returns 0 or -1. Called with h->mu held. */
static int ensure_conn(history *h)
{
    if (h->pg && PQstatus(h->pg) != CONNECTION_OK) {
        PQfinish(h->pg);
        h->pg = NULL;
    }
    if (!h->pg) {
        h->pg = PQconnectdb(h->conninfo);
        if (PQstatus(h->pg) != CONNECTION_OK) {
            PQfinish(h->pg);
            h->pg = NULL;
            return -1;
        }
    }
    return 0;
}

/* 1 when the result failed only because no history writer has made the table yet. */
static int no_table(const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return state && !strcmp(state, "42P01");
}

/* Queues a reader's job (history_query, history_plan: job holds w, and is w->data for work on a
 * worker thread and after on the loop thread); h stays until the last job has answered
 * (job_done). Returns 0, or -1 if libuv refused it: then job is freed here. */
static int submit(history *h, uv_work_t *w, void *job, uv_work_cb work, uv_after_work_cb after)
{
    w->data = job;
    if (uv_queue_work(h->loop, w, work, after) < 0) {
        free(job);
        return -1;
    }
    h->pending++;
    return 0;
}

/* Loop thread, after a job's callback: frees h if it was closed and this was the last job. */
static void job_done(history *h)
{
    if (--h->pending == 0 && h->closing)
        free_history(h);
}

static void query_work(uv_work_t *w)
{
    query *q = w->data;
    history *h = q->h;
    char xs[16], ys[16], ls[16];
    snprintf(xs, sizeof xs, "%u", q->x);
    snprintf(ys, sizeof ys, "%u", q->y);
    snprintf(ls, sizeof ls, "%d", q->limit);
    const char *params[3] = {xs, ys, ls};
    q->rc = -1;
    pthread_mutex_lock(&h->mu);
    if (ensure_conn(h) < 0) {
        pthread_mutex_unlock(&h->mu);
        return;
    }
    wait_for_seq(h->pg, q->min_seq);
    PGresult *res = PQexecParams(
        h->pg,
        "SELECT seq, user_id, username, color,"
        " (extract(epoch FROM placed_at) * 1000)::bigint"
        " FROM place_history WHERE x = $1 AND y = $2 ORDER BY seq DESC LIMIT $3",
        3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        int rows = PQntuples(res);
        for (int i = 0; i < rows && i < BACKEND_HISTORY_MAX; i++) {
            backend_history_entry *e = &q->e[q->n++];
            e->seq = strtoull(PQgetvalue(res, i, 0), NULL, 10);
            snprintf(e->user_id, sizeof e->user_id, "%s", PQgetvalue(res, i, 1));
            snprintf(e->username, sizeof e->username, "%s", PQgetvalue(res, i, 2));
            e->color = atoi(PQgetvalue(res, i, 3));
            e->time_ms = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        }
        q->rc = 0;
    } else if (no_table(res)) {
        q->rc = 0;
    } else {
        fprintf(stderr, "placed: history: %s", PQerrorMessage(h->pg));
    }
    PQclear(res);
    pthread_mutex_unlock(&h->mu);
}

static void query_after(uv_work_t *w, int status)
{
    query *q = w->data;
    history *h = q->h;
    q->cb(q->arg, status ? -1 : q->rc, q->e, status ? 0 : q->n);
    free(q);
    job_done(h);
}

int history_query(history *h, uint32_t x, uint32_t y, int limit, uint64_t min_seq,
                  backend_history_cb cb, void *arg)
{
    query *q = calloc(1, sizeof *q);
    if (!q)
        return -1;
    q->h = h;
    q->x = x;
    q->y = y;
    q->limit = limit < BACKEND_HISTORY_MAX ? limit : BACKEND_HISTORY_MAX;
    q->min_seq = min_seq;
    q->cb = cb;
    q->arg = arg;
    return submit(h, &q->work, q, query_work, query_after);
}

/* ---------------------------------------------------------------- admin acts' plans */

typedef struct plan_query {
    uv_work_t work;
    history *h;
    backend_plan_req q;
    uint32_t w, hgt;
    uint64_t min_seq;
    backend_plan_cb cb;
    void *arg;
    int rc;
    backend_plan_px *px;
    size_t n;
} plan_query;

static void plan_work(uv_work_t *w)
{
    plan_query *pq = w->data;
    history *h = pq->h;
    const backend_plan_req *q = &pq->q;
    char a[40], b[24], c[24], d[24], e[24];
    const char *params[5];
    const char *sql;
    int np;
    if (q->kind == BACKEND_PLAN_REVERT) {
        snprintf(a, sizeof a, "%s", q->user_id);
        snprintf(b, sizeof b, "%lld", (long long)q->since_ms);
        params[0] = a;
        params[1] = b;
        np = 2;
        sql = "SELECT x, y, color, (user_id = $1 AND placed_at >= to_timestamp($2::float8 / 1000))"
              " FROM place_history ORDER BY seq";
    } else {
        snprintf(a, sizeof a, "%lld", (long long)q->at_ms);
        snprintf(b, sizeof b, "%u", q->x);
        snprintf(c, sizeof c, "%llu", (unsigned long long)q->x + q->w);
        snprintf(d, sizeof d, "%u", q->y);
        snprintf(e, sizeof e, "%llu", (unsigned long long)q->y + q->h);
        params[0] = a;
        params[1] = b;
        params[2] = c;
        params[3] = d;
        params[4] = e;
        np = 5;
        sql = "SELECT x, y, color, placed_at <= to_timestamp($1::float8 / 1000) FROM place_history"
              " WHERE x >= $2 AND x < $3 AND y >= $4 AND y < $5 ORDER BY seq";
    }
    pq->rc = -1;
    plan *p = plan_new(q, pq->w, pq->hgt);
    if (!p)
        return;
    pthread_mutex_lock(&h->mu);
    if (ensure_conn(h) < 0)
        goto out;
    wait_for_seq(h->pg, pq->min_seq);
    /* row by row: a million placements are never all in memory at once */
    if (!PQsendQueryParams(h->pg, sql, np, NULL, params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(h->pg))
        goto out;
    int ok = 1;
    PGresult *r;
    while ((r = PQgetResult(h->pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            plan_row(p, (uint32_t)atol(PQgetvalue(r, 0, 0)), (uint32_t)atol(PQgetvalue(r, 0, 1)),
                     atoi(PQgetvalue(r, 0, 2)), PQgetvalue(r, 0, 3)[0] == 't');
        } else if (st != PGRES_TUPLES_OK && !no_table(r)) {
            fprintf(stderr, "placed: history: %s", PQerrorMessage(h->pg));
            ok = 0;
        }
        PQclear(r);
    }
    if (ok) {
        pq->rc = plan_finish(p, &pq->px, &pq->n);
        p = NULL;
    }
out:
    pthread_mutex_unlock(&h->mu);
    plan_free(p);
}

static void plan_after(uv_work_t *w, int status)
{
    plan_query *pq = w->data;
    history *h = pq->h;
    if (status) {
        free(pq->px);
        pq->cb(pq->arg, -1, NULL, 0);
    } else {
        pq->cb(pq->arg, pq->rc, pq->px, pq->n);
    }
    free(pq);
    job_done(h);
}

int history_plan(history *h, const backend_plan_req *q, uint32_t w, uint32_t hgt,
                 uint64_t min_seq, backend_plan_cb cb, void *arg)
{
    plan_query *pq = calloc(1, sizeof *pq);
    if (!pq)
        return -1;
    pq->h = h;
    pq->q = *q;
    pq->w = w;
    pq->hgt = hgt;
    pq->min_seq = min_seq;
    pq->cb = cb;
    pq->arg = arg;
    return submit(h, &pq->work, pq, plan_work, plan_after);
}

void history_close(history *h)
{
    if (!h)
        return;
    h->closing = 1;
    if (!h->pending)
        free_history(h);
}

/* ---------------------------------------------------------------- timeline reader */

static int exec_ok(PGconn *pg, const char *sql)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}


typedef struct pg_reader {
    tl_reader base;
    PGconn *pg;
} pg_reader;

static uint64_t be64(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
}

static uint32_t be32(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
}

static long pg_rows(tl_reader *r, uint64_t after, uint64_t upto, tl_row *out, size_t max)
{
    pg_reader *p = (pg_reader *)r;
    char a[24], u[24], m[24];
    snprintf(a, sizeof a, "%" PRIu64, after);
    snprintf(u, sizeof u, "%" PRIu64, upto > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : upto);
    snprintf(m, sizeof m, "%zu", max);
    const char *params[3] = {a, u, m};
    PGresult *res = PQexecParams(p->pg,
                                 "SELECT seq, (extract(epoch FROM placed_at) * 1000)::bigint, x, y,"
                                 " color FROM place_history WHERE seq > $1 AND seq <= $2"
                                 " ORDER BY seq LIMIT $3",
                                 3, NULL, params, NULL, NULL, 1);
    long n = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        int rows = PQntuples(res);
        n = 0;
        for (int i = 0; i < rows && (size_t)n < max; i++) {
            uint64_t seq = be64(PQgetvalue(res, i, 0));
            if (n && seq == out[n - 1].seq)
                continue; /* the same seq stored twice (two placed_at): once */
            tl_row *t = &out[n++];
            t->seq = seq;
            t->time = (int64_t)be64(PQgetvalue(res, i, 1));
            t->x = (uint16_t)be32(PQgetvalue(res, i, 2));
            t->y = (uint16_t)be32(PQgetvalue(res, i, 3));
            t->color = (uint8_t)((uint8_t)PQgetvalue(res, i, 4)[1] & 15);
        }
    } else if (no_table(res)) {
        n = 0;
    } else {
        fprintf(stderr, "placed: history: %s", PQerrorMessage(p->pg));
    }
    PQclear(res);
    return n;
}

static int pg_checkpoint(tl_reader *r, uint64_t want, uint8_t *bits, uint32_t w, uint32_t h,
                         uint64_t *seq)
{
    pg_reader *p = (pg_reader *)r;
    memset(bits, 0, place_bitmap_bytes(w, h));
    *seq = 0;
    char ws[24];
    snprintf(ws, sizeof ws, "%" PRIu64, want > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : want);
    const char *params[1] = {ws};
    PGresult *res = PQexecParams(p->pg,
                                 "SELECT seq, width, height, bits FROM place_checkpoints"
                                 " WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
                                 1, NULL, params, NULL, NULL, 1);
    int rc = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        rc = 0;
        if (PQntuples(res) == 1) {
            uint32_t cw = be32(PQgetvalue(res, 0, 1)), ch = be32(PQgetvalue(res, 0, 2));
            if (tl_ckpt_decode((const uint8_t *)PQgetvalue(res, 0, 3),
                               (size_t)PQgetlength(res, 0, 3), cw, ch, bits, w, h) == 0)
                *seq = be64(PQgetvalue(res, 0, 0));
            else
                rc = -1;
        }
    } else if (no_table(res)) {
        rc = 0;
    } else {
        fprintf(stderr, "placed: history: %s", PQerrorMessage(p->pg));
    }
    PQclear(res);
    return rc;
}

static int pg_put_checkpoint(tl_reader *r, uint64_t seq, int64_t time, const uint8_t *bits,
                             uint32_t w, uint32_t h)
{
    pg_reader *p = (pg_reader *)r;
    uint8_t *z;
    size_t zlen;
    if (tl_ckpt_encode(bits, w, h, &z, &zlen) < 0)
        return -1;
    char ss[24], ts[24], wss[16], hs[16];
    snprintf(ss, sizeof ss, "%" PRIu64, seq);
    snprintf(ts, sizeof ts, "%" PRId64, time);
    snprintf(wss, sizeof wss, "%u", w);
    snprintf(hs, sizeof hs, "%u", h);
    const char *params[5] = {ss, ts, wss, hs, (const char *)z};
    int lens[5] = {0, 0, 0, 0, (int)zlen};
    int fmts[5] = {0, 0, 0, 0, 1};
    PGresult *res = PQexecParams(p->pg,
                                 "INSERT INTO place_checkpoints (seq, time_ms, width, height, bits)"
                                 " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO UPDATE SET"
                                 " time_ms = EXCLUDED.time_ms, width = EXCLUDED.width,"
                                 " height = EXCLUDED.height, bits = EXCLUDED.bits",
                                 5, NULL, params, lens, fmts, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "placed: history: checkpoint not stored: %s", PQerrorMessage(p->pg));
    PQclear(res);
    free(z);
    return rc;
}

/* One bigint from a one-row, one-column text query with one parameter (NULL: none). */
static int pg_bigint(PGconn *pg, const char *sql, const char *param, int64_t *out)
{
    const char *params[1] = {param};
    PGresult *res = PQexecParams(pg, sql, param ? 1 : 0, NULL, param ? params : NULL, NULL, NULL, 0);
    int rc = -1;
    *out = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        rc = 0;
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
            *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    } else if (no_table(res)) {
        rc = 0;
    } else {
        fprintf(stderr, "placed: history: %s", PQerrorMessage(pg));
    }
    PQclear(res);
    return rc;
}

static int pg_seq_at_time(tl_reader *r, int64_t ms, uint64_t *seq)
{
    char t[24];
    int64_t v;
    snprintf(t, sizeof t, "%" PRId64, ms);
    int rc = pg_bigint(((pg_reader *)r)->pg,
                       "SELECT seq FROM place_history WHERE placed_at <="
                       " to_timestamp($1::double precision / 1000) ORDER BY seq DESC LIMIT 1",
                       t, &v);
    *seq = (uint64_t)v;
    return rc;
}

static int pg_bounds(tl_reader *r, uint64_t *first_seq, int64_t *first_time, uint64_t *last_seq)
{
    PGconn *pg = ((pg_reader *)r)->pg;
    int64_t f, ft, l;
    if (pg_bigint(pg, "SELECT seq FROM place_history ORDER BY seq LIMIT 1", NULL, &f) < 0 ||
        pg_bigint(pg,
                  "SELECT (extract(epoch FROM placed_at) * 1000)::bigint FROM place_history"
                  " ORDER BY seq LIMIT 1",
                  NULL, &ft) < 0 ||
        pg_bigint(pg, "SELECT seq FROM place_history ORDER BY seq DESC LIMIT 1", NULL, &l) < 0)
        return -1;
    *first_seq = (uint64_t)f;
    *first_time = ft;
    *last_seq = (uint64_t)l;
    return 0;
}

static int pg_size(tl_reader *r, uint32_t *w, uint32_t *h)
{
    (void)r;
    *w = *h = 0;
    return 0;
}

static void pg_close(tl_reader *r)
{
    pg_reader *p = (pg_reader *)r;
    if (p->pg)
        PQfinish(p->pg);
    free(p);
}

static const tl_reader_ops pg_ops = {
    .rows = pg_rows,
    .checkpoint = pg_checkpoint,
    .put_checkpoint = pg_put_checkpoint,
    .seq_at_time = pg_seq_at_time,
    .bounds = pg_bounds,
    .size = pg_size,
    .close = pg_close,
};

static const tl_reader_ops pg_ro_ops = {
    .rows = pg_rows,
    .checkpoint = pg_checkpoint,
    .put_checkpoint = NULL,
    .seq_at_time = pg_seq_at_time,
    .bounds = pg_bounds,
    .size = pg_size,
    .close = pg_close,
};

struct tl_reader *history_tl_open(const char *conninfo, int writable, char *err, size_t errcap)
{
    pg_reader *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    p->base.ops = writable ? &pg_ops : &pg_ro_ops;
    p->pg = PQconnectdb(conninfo);
    if (PQstatus(p->pg) != CONNECTION_OK ||
        (writable && (exec_ok(p->pg, "SET client_min_messages = warning") < 0 ||
                      exec_ok(p->pg, CHECKPOINT_SCHEMA) < 0))) {
        snprintf(err, errcap, "PostgreSQL: %s", PQerrorMessage(p->pg));
        pg_close(&p->base);
        return NULL;
    }
    return &p->base;
}

/* ---------------------------------------------------------------- writer */

static volatile sig_atomic_t writer_stop;

static void on_stop_signal(int sig)
{
    writer_stop = 1;
}

typedef struct writer {
    const char *conninfo, *topic;
    PGconn *pg;
    char last_day[16]; /* the newest daily partition known to exist */
    event *ev;
    size_t n;
    int64_t next_offset; /* the Kafka offset after the batch */
    uint64_t stored;
    /* checkpoints (timeline.h) */
    tl_reader *ckr;
    tl_ckpt_state ck;
} writer;

/* Connects (retrying with backoff until it works or a stop signal) and makes the schema.
 * Returns 0, or -1 when stopping. */
static int writer_connect(writer *w)
{
    int pause = 100, warned = 0;
    while (!writer_stop) {
        if (w->pg)
            PQfinish(w->pg);
        w->pg = PQconnectdb(w->conninfo);
        if (PQstatus(w->pg) == CONNECTION_OK && exec_ok(w->pg, "SET client_min_messages = warning") == 0 &&
            exec_ok(w->pg, schema_sql) == 0) {
            if (warned)
                fprintf(stderr, "placed: history writer: PostgreSQL is back\n");
            w->last_day[0] = 0;
            return 0;
        }
        if (!warned++)
            fprintf(stderr, "placed: history writer: PostgreSQL unavailable, retrying: %s",
                    PQerrorMessage(w->pg));
        sleep_ms(pause);
        pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
    }
    return -1;
}

#define OFFSET_ERROR (-1000) /* not one of librdkafka's logical offsets (-1..-2000 are) */

/* The offset after the last stored batch, RD_KAFKA_OFFSET_BEGINNING for none, or
 * OFFSET_ERROR. */
static int64_t stored_offset(writer *w)
{
    const char *params[1] = {w->topic};
    PGresult *r = PQexecParams(w->pg,
                               "SELECT next_offset FROM place_writer_offsets"
                               " WHERE topic = $1 AND part = 0",
                               1, NULL, params, NULL, NULL, 0);
    int64_t off = OFFSET_ERROR;
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        off = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : RD_KAFKA_OFFSET_BEGINNING;
    PQclear(r);
    return off;
}

static void day_of(int64_t ms, char out[16], time_t *start)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    *start = timegm(&tm);
}

/* Creates the daily partition holding ms if this writer has not yet seen it. */
static int ensure_partition(writer *w, int64_t ms)
{
    char day[16], next[16], sql[512];
    time_t start;
    day_of(ms, day, &start);
    if (!strcmp(day, w->last_day))
        return 0;
    time_t end = start + 86400;
    struct tm tm;
    gmtime_r(&end, &tm);
    strftime(next, sizeof next, "%Y-%m-%d", &tm);
    char name[32];
    snprintf(name, sizeof name, "place_history_p%.4s%.2s%.2s", day, day + 5, day + 8);
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s PARTITION OF place_history"
             " FOR VALUES FROM ('%s 00:00:00+00') TO ('%s 00:00:00+00')",
             name, day, next);
    if (exec_ok(w->pg, sql) < 0)
        return -1;
    if (strcmp(day, w->last_day) > 0)
        memcpy(w->last_day, day, sizeof day);
    return 0;
}

/* Writes the batch and its offset in one transaction. Returns 0 or -1 (rolled back). */
static int write_batch(writer *w)
{
    if (exec_ok(w->pg, "BEGIN") < 0)
        return -1;
    for (size_t i = 0; i < w->n; i++)
        if (ensure_partition(w, w->ev[i].time_ms) < 0)
            goto err;
    if (exec_ok(w->pg, "CREATE TEMP TABLE IF NOT EXISTS place_stage"
                       " (LIKE place_history) ON COMMIT DELETE ROWS") < 0)
        goto err;
    PGresult *r = PQexec(w->pg, "COPY place_stage (seq, placed_at, x, y, color, user_id, username)"
                                " FROM STDIN");
    int copying = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!copying)
        goto err;
    char line[256];
    for (size_t i = 0; i < w->n; i++) {
        const event *e = &w->ev[i];
        time_t t = (time_t)(e->time_ms / 1000);
        struct tm tm;
        char ts[32];
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        /* ids are hex and usernames [A-Za-z0-9_-]: nothing to escape in COPY's text format */
        int len = snprintf(line, sizeof line, "%" PRIu64 "\t%s.%03d+00\t%u\t%u\t%u\t%s\t%s\n",
                           e->seq, ts, (int)(e->time_ms % 1000), e->x, e->y, e->color,
                           e->user_id, e->username);
        if (PQputCopyData(w->pg, line, len) != 1)
            goto err;
    }
    if (PQputCopyEnd(w->pg, NULL) != 1)
        goto err;
    r = PQgetResult(w->pg);
    int copied = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    while ((r = PQgetResult(w->pg)))
        PQclear(r);
    if (!copied ||
        exec_ok(w->pg, "INSERT INTO place_history SELECT * FROM place_stage"
                       " ON CONFLICT DO NOTHING") < 0)
        goto err;
    char off[32];
    snprintf(off, sizeof off, "%" PRId64, w->next_offset);
    const char *params[2] = {w->topic, off};
    r = PQexecParams(w->pg,
                     "INSERT INTO place_writer_offsets (topic, part, next_offset) VALUES ($1, 0, $2)"
                     " ON CONFLICT (topic, part) DO UPDATE SET next_offset = EXCLUDED.next_offset",
                     2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || exec_ok(w->pg, "COMMIT") < 0)
        goto err;
    return 0;
err:
    fprintf(stderr, "placed: history writer: batch not stored: %s", PQerrorMessage(w->pg));
    if (PQstatus(w->pg) == CONNECTION_OK)
        exec_ok(w->pg, "ROLLBACK");
    return -1;
}

/* After a stored batch: a placement at or below a checkpoint's seq (it came late) makes that
 * checkpoint and the later ones wrong, so they go; then the canvas copy follows the history and
 * stores the checkpoints reached. A failure is reported and tried again after the next batch. */
static void writer_checkpoints(writer *w)
{
    char err[256];
    uint64_t min = UINT64_MAX;
    for (size_t i = 0; i < w->n; i++)
        if (w->ev[i].seq < min)
            min = w->ev[i].seq;
    if (!w->ckr && !(w->ckr = history_tl_open(w->conninfo, 1, err, sizeof err))) {
        fprintf(stderr, "placed: history writer: checkpoints: %s\n", err);
        return;
    }
    PGconn *pg = ((pg_reader *)w->ckr)->pg;
    char ms[24];
    snprintf(ms, sizeof ms, "%" PRIu64, min);
    const char *params[1] = {ms};
    PGresult *r = PQexecParams(pg, "DELETE FROM place_checkpoints WHERE seq >= $1", 1, NULL,
                               params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    int deleted = ok && strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    if (!ok)
        goto fail;
    if (deleted || (w->ck.bits && min <= w->ck.seq))
        tl_ckpt_free(&w->ck);
    uint64_t fs, last;
    int64_t ft;
    if (w->ckr->ops->bounds(w->ckr, &fs, &ft, &last) < 0 ||
        tl_ckpt_step(w->ckr, &w->ck, last, CKPT_ROWS) < 0)
        goto fail;
    return;
fail:
    fprintf(stderr, "placed: history writer: checkpoints: %s", PQerrorMessage(pg));
    tl_ckpt_free(&w->ck);
    tl_close(w->ckr);
    w->ckr = NULL;
}

static rd_kafka_t *writer_consumer(const char *brokers)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* offsets live in PostgreSQL next to the rows, so Kafka never stores any for us */
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) ||
        rd_kafka_conf_set(conf, "group.id", "place-history-writer", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, sizeof err) ||
        rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "1000", err, sizeof err)) {
        fprintf(stderr, "placed: history writer: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "placed: history writer: %s\n", err);
    return rk;
}

int history_writer_run(const char *conninfo, const char *brokers, const char *topic, uint32_t cw,
                       uint32_t ch, uint64_t every)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    writer w = {.conninfo = conninfo, .topic = topic, .ck = {.w = cw, .h = ch, .every = every}};
    rd_kafka_t *rk = NULL;
    int status = 1;
    if (!(w.ev = malloc(WRITER_BATCH * sizeof *w.ev)) || !(rk = writer_consumer(brokers)))
        goto out;
    if (writer_connect(&w) < 0) {
        status = 0;
        goto out;
    }
    int64_t start;
    while ((start = stored_offset(&w)) == OFFSET_ERROR)
        if (writer_connect(&w) < 0)
            goto out;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = start;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        fprintf(stderr, "placed: history writer: cannot read %s: %s\n", topic, rd_kafka_err2str(e));
        goto out;
    }
    printf("placed: history writer running (topic %s from offset %" PRId64 ")\n", topic, start);
    fflush(stdout);

    while (!writer_stop) {
        /* gather a batch: up to WRITER_BATCH events or WRITER_LINGER_MS after the first */
        w.n = 0;
        int64_t deadline = 0;
        while (!writer_stop && w.n < WRITER_BATCH) {
            int wait = 200;
            if (w.n) {
                int64_t left = deadline - util_mono_ms();
                if (left <= 0)
                    break;
                wait = (int)left;
            }
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, wait);
            if (!m)
                continue;
            if (!m->err) {
                w.next_offset = m->offset + 1;
                if (event_decode(m->payload, m->len, &w.ev[w.n]) == 0 && !w.n++)
                    deadline = util_mono_ms() + WRITER_LINGER_MS;
            }
            rd_kafka_message_destroy(m);
        }
        if (!w.n)
            continue;
        /* the same batch until it is stored, however long PostgreSQL is away */
        while (write_batch(&w) < 0)
            if (writer_connect(&w) < 0)
                goto out;
        w.stored += w.n;
        writer_checkpoints(&w);
    }
    status = 0;
out:
    fprintf(stderr, "placed: history writer: stopped after storing %" PRIu64 " events\n", w.stored);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    if (w.pg)
        PQfinish(w.pg);
    tl_close(w.ckr);
    tl_ckpt_free(&w.ck);
    free(w.ev);
    return status;
}

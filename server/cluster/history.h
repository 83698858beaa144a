/* Placement history in PostgreSQL (libpq): the reader behind /api/v1/pixel, and the history
 * writer, the mode of placed that copies events from Kafka into PostgreSQL.
 *
 * Table place_history(seq, placed_at, x, y, color, user_id, username), partitioned by day on
 * placed_at, primary key (seq, placed_at), index (x, y, seq DESC). The writer stores each batch
 * with COPY into a staging table and INSERT ... ON CONFLICT DO NOTHING, and stores the Kafka
 * offset it reached in place_writer_offsets in the same transaction: after any crash or restart
 * it goes on exactly where the last committed batch ended, so nothing is lost or doubled. */
#ifndef PLACE_CLUSTER_HISTORY_H
#define PLACE_CLUSTER_HISTORY_H

#include <stdint.h>
#include <uv.h>

#include "backend.h"

typedef struct history history;

/* A reader on conninfo; it connects on first use and again after a failure. Returns NULL when
 * out of memory. */
history *history_new(uv_loop_t *loop, const char *conninfo);

/* The newest placements at (x, y), read on a worker thread; cb runs once on the loop thread
 * (rc < 0: PostgreSQL could not be read). The history writer lags the canvas by a batch, so the
 * read first waits (up to HISTORY_WAIT_MS) until PostgreSQL holds seq min_seq or later: a
 * player who sees a pixel, or was told `placed`, finds it in its history. Returns 0, or -1 if
 * not submitted. */
int history_query(history *h, uint32_t x, uint32_t y, int limit, uint64_t min_seq,
                  backend_history_cb cb, void *arg);

#define HISTORY_WAIT_MS 2000

/* An admin act's plan (backend.h: plan) for a canvas of w x hgt, from the history once it holds
 * min_seq (as history_query waits), read row by row on a worker thread; cb runs once on the loop
 * thread. Returns 0, or -1 if not submitted. */
int history_plan(history *h, const backend_plan_req *q, uint32_t w, uint32_t hgt,
                 uint64_t min_seq, backend_plan_cb cb, void *arg);

/* Frees h once the queries in flight have answered. Accepts NULL. */
void history_close(history *h);

/* The history writer: runs until SIGINT/SIGTERM, retrying PostgreSQL and Kafka whenever they
 * are down. Prints "placed: history writer running" on stdout once started. Returns the exit
 * status. It also stores the canvas (w x h) every `every` placements in place_checkpoints
 * (seq, time_ms, width, height, bits: zlib of the packed canvas), for the canvas at any seq
 * (timeline.h). Events reach it in Kafka's order, not always in seq order: a batch holding a
 * placement at or below a stored checkpoint's seq deletes the checkpoints from that seq on, and
 * they are made again. */
int history_writer_run(const char *conninfo, const char *brokers, const char *topic, uint32_t w,
                       uint32_t h, uint64_t every);

/* A history reader (timeline.h) on PostgreSQL at conninfo: connects at once. writable: it may
 * store checkpoints (and makes their table). NULL with a sentence in err. */
struct tl_reader *history_tl_open(const char *conninfo, int writable, char *err, size_t errcap);

#endif

/* The embedded store's history reader (see timeline.h): placements from place.db, read-only
 * (a running placed writes it; WAL lets this read beside it), and the canvas checkpoints in
 * their own file, history.db, so that storing one never holds place.db's write lock and never
 * delays a placement. */
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "place/bitmap.h"

#include "store_db.h"

#define HISTORY_DB_FILE "history.db"

typedef struct sqlite_reader {
    tl_reader base;
    sqlite3 *db;   /* place.db, read-only */
    sqlite3 *hist; /* history.db; NULL while it holds no checkpoints table (a reader that only
                    * reads): looked for again at each use, since placed makes it later */
    char hist_path[1024];
} sqlite_reader;

/* A read-only reader's history.db, opened once it exists and holds the checkpoints table.
 * Returns 1 when open. */
static int hist_ready(sqlite_reader *s)
{
    if (s->hist)
        return 1;
    if (sqlite3_open_v2(s->hist_path, &s->hist, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(s->hist);
        s->hist = NULL;
        return 0;
    }
    sqlite3_busy_timeout(s->hist, 5000);
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(s->hist, "SELECT 1 FROM checkpoints LIMIT 1", -1, &st, NULL) ==
             SQLITE_OK;
    sqlite3_finalize(st);
    if (!ok) {
        sqlite3_close(s->hist);
        s->hist = NULL;
    }
    return ok;
}

static long sq_rows(tl_reader *r, uint64_t after, uint64_t upto, tl_row *out, size_t max)
{
    return store_db_rows(((sqlite_reader *)r)->db, after, upto, out, max);
}

static int sq_checkpoint(tl_reader *r, uint64_t want, uint8_t *bits, uint32_t w, uint32_t h,
                         uint64_t *seq)
{
    sqlite_reader *s = (sqlite_reader *)r;
    memset(bits, 0, place_bitmap_bytes(w, h));
    *seq = 0;
    if (!hist_ready(s))
        return 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->hist,
                           "SELECT seq, width, height, bits FROM checkpoints WHERE seq <= ?1"
                           " ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, want > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)want);
    int rc = sqlite3_step(st), ok = rc == SQLITE_DONE;
    if (rc == SQLITE_ROW) {
        uint32_t cw = (uint32_t)sqlite3_column_int(st, 1), ch = (uint32_t)sqlite3_column_int(st, 2);
        const uint8_t *z = sqlite3_column_blob(st, 3);
        if (tl_ckpt_decode(z, (size_t)sqlite3_column_bytes(st, 3), cw, ch, bits, w, h) == 0) {
            *seq = (uint64_t)sqlite3_column_int64(st, 0);
            ok = 1;
        } else {
            fprintf(stderr, "placed: history.db: checkpoint %lld cannot be read\n",
                    (long long)sqlite3_column_int64(st, 0));
        }
    }
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

static int sq_put_checkpoint(tl_reader *r, uint64_t seq, int64_t time, const uint8_t *bits,
                             uint32_t w, uint32_t h)
{
    sqlite_reader *s = (sqlite_reader *)r;
    uint8_t *z = NULL;
    size_t zlen;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (tl_ckpt_encode(bits, w, h, &z, &zlen) < 0 ||
        sqlite3_prepare_v2(s->hist,
                           "INSERT OR REPLACE INTO checkpoints(seq, time, width, height, bits)"
                           " VALUES(?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, time);
    sqlite3_bind_int(st, 3, (int)w);
    sqlite3_bind_int(st, 4, (int)h);
    sqlite3_bind_blob(st, 5, z, (int)zlen, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "placed: history.db: checkpoint not stored: %s\n",
                sqlite3_errmsg(s->hist));
out:
    sqlite3_finalize(st);
    free(z);
    return rc;
}

/* Times grow with seq in the embedded store (a placement is stamped on the loop thread, which
 * numbers them in that order), so a binary search over seq finds the time. */
static int sq_seq_at_time(tl_reader *r, int64_t ms, uint64_t *out)
{
    sqlite3 *db = ((sqlite_reader *)r)->db;
    uint64_t lo = 0, hi, seq;
    int64_t t;
    *out = 0;
    if (store_db_last_seq(db, &hi) < 0)
        return -1;
    /* invariant: the answer is in [lo, hi]; lo's time <= ms (0 stands for "before all") */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (store_db_row_at(db, mid, &seq, &t) < 0)
            return -1;
        if (seq && t <= ms && seq <= hi)
            lo = seq;
        else
            hi = mid - 1;
    }
    *out = lo;
    return 0;
}

static int sq_bounds(tl_reader *r, uint64_t *first_seq, int64_t *first_time, uint64_t *last_seq)
{
    sqlite3 *db = ((sqlite_reader *)r)->db;
    if (store_db_row_at(db, 1, first_seq, first_time) < 0)
        return -1;
    return store_db_last_seq(db, last_seq);
}

static int sq_size(tl_reader *r, uint32_t *w, uint32_t *h)
{
    return store_db_canvas_dims(((sqlite_reader *)r)->db, w, h);
}

static void sq_close(tl_reader *r)
{
    sqlite_reader *s = (sqlite_reader *)r;
    sqlite3_close(s->db);
    sqlite3_close(s->hist);
    free(s);
}

static const tl_reader_ops sqlite_ops = {
    .rows = sq_rows,
    .checkpoint = sq_checkpoint,
    .put_checkpoint = sq_put_checkpoint,
    .seq_at_time = sq_seq_at_time,
    .bounds = sq_bounds,
    .size = sq_size,
    .close = sq_close,
};

static const tl_reader_ops sqlite_ro_ops = {
    .rows = sq_rows,
    .checkpoint = sq_checkpoint,
    .put_checkpoint = NULL,
    .seq_at_time = sq_seq_at_time,
    .bounds = sq_bounds,
    .size = sq_size,
    .close = sq_close,
};

tl_reader *tl_sqlite_open(const char *data_dir, int writable, char *err, size_t errcap)
{
    sqlite_reader *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    s->base.ops = writable ? &sqlite_ops : &sqlite_ro_ops;
    /* one reader is used by one thread at a time (timeline.h): no SQLite mutex on every call */
    if (store_db_open(data_dir, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, &s->db, err, errcap) <
        0) {
        free(s);
        return NULL;
    }
    char *path = s->hist_path;
    snprintf(s->hist_path, sizeof s->hist_path, "%s/%s", data_dir, HISTORY_DB_FILE);
    if (!writable) {
        hist_ready(s); /* none yet: every canvas is built from the placements until there is */
        return &s->base;
    }
    if (sqlite3_open_v2(path, &s->hist, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                            SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errcap, "cannot open %s", path);
        sq_close(&s->base);
        return NULL;
    }
    sqlite3_busy_timeout(s->hist, 5000);
    {
        char *msg = NULL;
        uint64_t last = 0;
        char sql[256];
        /* a checkpoint beyond the newest placement belongs to another place.db (a database put
         * back from a backup): it would be wrong, so it goes */
        if (store_db_last_seq(s->db, &last) == 0)
            snprintf(sql, sizeof sql, "DELETE FROM checkpoints WHERE seq > %llu",
                     (unsigned long long)last);
        else
            snprintf(sql, sizeof sql, "SELECT 1");
        if (sqlite3_exec(s->hist,
                         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         " CREATE TABLE IF NOT EXISTS checkpoints(seq INTEGER PRIMARY KEY,"
                         " time INTEGER, width INTEGER, height INTEGER, bits BLOB)",
                         NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->hist, sql, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errcap, "%s: %s", path, msg ? msg : "error");
            sqlite3_free(msg);
            sq_close(&s->base);
            return NULL;
        }
    }
    return &s->base;
}

/* The canvas through time: the stored history read back (issue 18).
 *
 * A history reader (tl_reader) is one connection to where the placements and the canvas
 * checkpoints are stored: the embedded store's SQLite files (timeline_sqlite.c) or PostgreSQL
 * in cluster mode (cluster/history.c). Its calls block, so they run on a worker thread (the HTTP
 * routes, history_api.c) or in a command-line act (--export-png, --timelapse, export.c); one
 * reader is used by one thread at a time.
 *
 * A checkpoint is the whole canvas as of one seq, stored every --checkpoint-every placements
 * (embedded: by placed itself, in history.db next to place.db; cluster: by the history writer,
 * in PostgreSQL). The canvas at any seq N is the newest checkpoint at or below N with the
 * placements after it, up to N, applied in seq order (tl_canvas_at). Checkpoints are derived
 * data: a missing one is made again from the placements.
 *
 * Everything here that is not a reader's op is plain code over the ops, shared by both modes. */
#ifndef PLACE_SERVER_TIMELINE_H
#define PLACE_SERVER_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#define TL_CHUNK 8192 /* placements read per rows() call by the helpers here */

/* One stored placement. */
typedef struct tl_row {
    uint64_t seq;
    int64_t time; /* ms since the epoch */
    uint16_t x, y;
    uint8_t color;
} tl_row;

typedef struct tl_reader tl_reader;

typedef struct tl_reader_ops {
    /* The placements with after < seq <= upto in ascending seq, at most max of them, into out.
     * Returns how many (0: none left), or -1 when the store cannot be read. */
    long (*rows)(tl_reader *r, uint64_t after, uint64_t upto, tl_row *out, size_t max);
    /* The newest checkpoint at or below want: its seq in *seq and its canvas copied into bits
     * (w x h packed; a checkpoint of a smaller canvas fills the top-left corner, the rest 0).
     * No checkpoint: *seq 0 and bits all 0. Returns 0 or -1. */
    int (*checkpoint)(tl_reader *r, uint64_t want, uint8_t *bits, uint32_t w, uint32_t h,
                      uint64_t *seq);
    /* Stores the canvas bits (w x h packed) as of seq (the time of that placement: time).
     * Returns 0 or -1. NULL for a reader that only reads. */
    int (*put_checkpoint)(tl_reader *r, uint64_t seq, int64_t time, const uint8_t *bits,
                          uint32_t w, uint32_t h);
    /* The largest seq whose placement's time is <= ms (0 when there is none). Returns 0 or -1. */
    int (*seq_at_time)(tl_reader *r, int64_t ms, uint64_t *seq);
    /* The first stored placement (*first_seq 0 and *first_time 0 when none) and the newest
     * stored seq. Returns 0 or -1. */
    int (*bounds)(tl_reader *r, uint64_t *first_seq, int64_t *first_time, uint64_t *last_seq);
    /* The stored canvas's size (*w, *h 0 when the store does not say: cluster mode, where the
     * size is the servers' --width/--height). Returns 0 or -1. */
    int (*size)(tl_reader *r, uint32_t *w, uint32_t *h);
    void (*close)(tl_reader *r);
} tl_reader_ops;

struct tl_reader {
    const tl_reader_ops *ops;
};

/* Opens a reader of the embedded store in data_dir (read-only on place.db, which a running
 * placed may be writing; writable: history.db opened to store checkpoints too). NULL with a
 * sentence in err. */
tl_reader *tl_sqlite_open(const char *data_dir, int writable, char *err, size_t errcap);

static inline void tl_close(tl_reader *r)
{
    if (r)
        r->ops->close(r);
}

/* The canvas (w x h, packed into bits) as of seq: the newest checkpoint at or below it and the
 * placements up to seq. Returns 0 or -1. */
int tl_canvas_at(tl_reader *r, uint64_t seq, uint8_t *bits, uint32_t w, uint32_t h);
/* The same, and how many placements it read after the checkpoint in *replayed (NULL: not
 * wanted); the snapshot route's X-Place-Replayed. */
int tl_canvas_at_count(tl_reader *r, uint64_t seq, uint8_t *bits, uint32_t w, uint32_t h,
                       uint64_t *replayed);

/* Applies rows to the packed canvas bits (w x h); rows outside it are skipped. */
void tl_apply(uint8_t *bits, uint32_t w, uint32_t h, const tl_row *rows, size_t n);

/* A checkpoint as both readers store it: the canvas (w x h packed) compressed with zlib at level
 * 1 (fast: checkpoints are made while placements go on), into *z (malloc'd: the caller frees
 * it), *zlen bytes. Returns 0, or -1 when out of memory. */
int tl_ckpt_encode(const uint8_t *bits, uint32_t w, uint32_t h, uint8_t **z, size_t *zlen);

/* The canvas of a stored checkpoint (zlen bytes at z holding a cw x ch canvas, as
 * tl_ckpt_encode made it) copied into bits (w x h packed): the overlap, top-left aligned; the
 * rest of bits is left as it is. Returns 0, or -1 when cw x ch is out of range or z does not
 * hold exactly such a canvas (bits untouched then). */
int tl_ckpt_decode(const uint8_t *z, size_t zlen, uint32_t cw, uint32_t ch, uint8_t *bits,
                   uint32_t w, uint32_t h);

/* Making checkpoints: a canvas copy that follows the stored history and stores a checkpoint
 * every `every` placements. The first call starts from the newest stored checkpoint. */
typedef struct tl_ckpt_state {
    uint8_t *bits; /* w x h, as of seq; NULL before the first step */
    uint32_t w, h;
    uint64_t seq;
    int64_t time; /* of the last placement applied */
    uint64_t every;
} tl_ckpt_state;

/* Reads at most max_rows placements after st->seq but not beyond upto (the newest seq safe to
 * include), applies them, and stores a checkpoint at each multiple of st->every reached. Returns
 * the number of checkpoints stored, or -1 (the state is then reset: the next step starts again
 * from the stored checkpoints). */
int tl_ckpt_step(tl_reader *r, tl_ckpt_state *st, uint64_t upto, size_t max_rows);
void tl_ckpt_free(tl_ckpt_state *st);

/* The heatmap answer (docs/protocol.md, "The heatmap"): counts of the placements with
 * from_seq < seq <= to_seq per block x block cell. */
#define TL_HEAT_MAGIC "PLCH"
#define TL_HEAT_VERSION 1
#define TL_HEAT_HEADER 56
#define TL_HEAT_MAX_CELLS 262144u

/* The smallest power of two >= want (1..256) that gives at most TL_HEAT_MAX_CELLS cells for a
 * w x h canvas. */
uint32_t tl_heat_block(uint32_t w, uint32_t h, uint32_t want);

#endif

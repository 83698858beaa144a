/* place-history-gen: writes a long history straight into an embedded store, for the history
 * benchmark (BENCHMARKS.md, "History"): placing 10 million pixels through the server would take
 * hours at the durable rate, and what is measured is reading the history back, not writing it.
 *
 *   place-history-gen DATA_DIR PLACEMENTS [WIDTH HEIGHT]
 *
 * DATA_DIR must hold a place.db made by placed (start placed on it once and stop it), of
 * WIDTH x HEIGHT (default 2000 x 2000). Appends PLACEMENTS placements after the stored ones:
 * pixels from a fixed pseudo-random sequence, mostly clustered (a few hundred "artworks" drawn
 * over and over, like a real canvas) with some scattered, 1000 users, one placement every 10 ms
 * of history, then stores the final canvas in the canvas row as placed would. It writes the
 * placements table's present layout (server/store_db.c) directly, with each row's `prev` (the
 * previous placement on the same pixel) when the table has that column (layout 2). */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "place/bitmap.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: place-history-gen DATA_DIR PLACEMENTS [WIDTH HEIGHT]\n");
        return 2;
    }
    uint64_t n = strtoull(argv[2], NULL, 10);
    uint32_t w = argc == 5 ? (uint32_t)atoi(argv[3]) : 2000, h = argc == 5 ? (uint32_t)atoi(argv[4]) : 2000;
    char path[1024];
    snprintf(path, sizeof path, "%s/place.db", argv[1]);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "place-history-gen: cannot open %s (start placed on it once first)\n", path);
        return 1;
    }
    sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    sqlite3_stmt *st;
    uint64_t seq = 0;
    uint32_t cw = 0, ch = 0;
    uint8_t *bits = NULL;
    if (sqlite3_prepare_v2(db, "SELECT width, height, seq, bits FROM canvas WHERE id = 1", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        cw = (uint32_t)sqlite3_column_int(st, 0);
        ch = (uint32_t)sqlite3_column_int(st, 1);
        seq = (uint64_t)sqlite3_column_int64(st, 2);
        if (cw == w && ch == h && (size_t)sqlite3_column_bytes(st, 3) == place_bitmap_bytes(w, h) &&
            (bits = malloc(place_bitmap_bytes(w, h))))
            memcpy(bits, sqlite3_column_blob(st, 3), place_bitmap_bytes(w, h));
    }
    sqlite3_finalize(st);
    if (!bits) {
        fprintf(stderr, "place-history-gen: %s holds no %ux%u canvas\n", path, w, h);
        return 1;
    }
    int64_t t = (int64_t)time(NULL) * 1000 - (int64_t)n * 10;
    enum { ARTS = 300 };
    uint32_t ax[ARTS], ay[ARTS], as[ARTS];
    for (int i = 0; i < ARTS; i++) {
        as[i] = 8 + (uint32_t)(next() % 56);
        ax[i] = (uint32_t)(next() % (w - as[i]));
        ay[i] = (uint32_t)(next() % (h - as[i]));
    }
    /* layout 2 chains each pixel's placements through prev: a pixel's newest seq so far */
    int has_prev = 0;
    if (sqlite3_prepare_v2(db, "SELECT prev FROM placements LIMIT 0", -1, &st, NULL) == SQLITE_OK)
        has_prev = 1;
    sqlite3_finalize(st);
    uint64_t *heads = has_prev ? calloc((size_t)w * h, sizeof *heads) : NULL;
    if (has_prev && seq) {
        sqlite3_prepare_v2(db, "SELECT seq, x, y FROM placements ORDER BY seq", -1, &st, NULL);
        while (sqlite3_step(st) == SQLITE_ROW) {
            uint32_t x = (uint32_t)sqlite3_column_int(st, 1), y = (uint32_t)sqlite3_column_int(st, 2);
            if (x < w && y < h)
                heads[(size_t)y * w + x] = (uint64_t)sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(db,
                       has_prev ? "INSERT INTO placements(seq, x, y, color, user_id, time, prev)"
                                  " VALUES(?,?,?,?,?,?,?)"
                                : "INSERT INTO placements(seq, x, y, color, user_id, time)"
                                  " VALUES(?,?,?,?,?,?)",
                       -1, &st, NULL);
    char users[1000][33];
    for (int i = 0; i < 1000; i++)
        snprintf(users[i], sizeof users[i], "%032x", i + 1);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = next();
        uint32_t x, y;
        if (r % 10 < 8) { /* an artwork's pixel, its colour a pattern of the artwork */
            int a = (int)((r >> 8) % ARTS);
            x = ax[a] + (uint32_t)((r >> 20) % as[a]);
            y = ay[a] + (uint32_t)((r >> 32) % as[a]);
        } else {
            x = (uint32_t)((r >> 8) % w);
            y = (uint32_t)((r >> 32) % h);
        }
        int color = (int)((x / 4 + y / 4 + (r >> 60)) % 16);
        place_bitmap_set(bits, w, x, y, color);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)++seq);
        sqlite3_bind_int(st, 2, (int)x);
        sqlite3_bind_int(st, 3, (int)y);
        sqlite3_bind_int(st, 4, color);
        sqlite3_bind_text(st, 5, users[(r >> 40) % 1000], 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, t + (int64_t)i * 10);
        if (has_prev) {
            sqlite3_bind_int64(st, 7, (sqlite3_int64)heads[(size_t)y * w + x]);
            heads[(size_t)y * w + x] = seq;
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "place-history-gen: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(st);
        if ((i + 1) % 1000000 == 0) {
            sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
            fprintf(stderr, "place-history-gen: %" PRIu64 " placements\n", i + 1);
        }
    }
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "UPDATE canvas SET seq = ?, bits = ? WHERE id = 1", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_blob(st, 2, bits, (int)place_bitmap_bytes(w, h), SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "place-history-gen: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_close(db);
    free(bits);
    free(heads);
    printf("place-history-gen: %s now holds placements up to seq %" PRIu64 "\n", path, seq);
    return 0;
}

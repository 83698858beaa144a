/* The embedded store's history queries for admin pixel acts (store_db.h: store_db_plan). They
 * read only (seq, x, y, color, user_id, time) of the placements table in seq order, so they do
 * not depend on its indexes. */
#include "store_db.h"

#include <stdlib.h>
#include <string.h>

#define NO_RUN 0xff /* revert: the pixel's latest placements are not the user's */

/* REVERT: walks the whole history once, keeping per pixel its colour and, while its latest
 * placements are the user's (since since_ms), the colour it had before them. */
static int plan_revert(sqlite3 *db, const backend_plan_req *q, uint32_t w, uint32_t h,
                       backend_plan_px **out, size_t *n)
{
    size_t cells = (size_t)w * h;
    uint8_t *cur = calloc(cells ? cells : 1, 1), *base = malloc(cells ? cells : 1);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!cur || !base)
        goto out;
    memset(base, NO_RUN, cells);
    if (sqlite3_prepare_v2(db, "SELECT x, y, color, user_id = ?1 AND time >= ?2 FROM placements"
                               " ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, q->user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, q->since_ms);
    size_t runs = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t x = (uint32_t)sqlite3_column_int(st, 0), y = (uint32_t)sqlite3_column_int(st, 1);
        if (x >= w || y >= h)
            continue;
        size_t i = (size_t)y * w + x;
        int color = sqlite3_column_int(st, 2) & 0x0f;
        if (sqlite3_column_int(st, 3)) {
            if (base[i] == NO_RUN) {
                base[i] = cur[i];
                runs++;
            }
        } else if (base[i] != NO_RUN) {
            base[i] = NO_RUN;
            runs--;
        }
        cur[i] = (uint8_t)color;
    }
    if (step != SQLITE_DONE)
        goto out;
    *out = malloc((runs ? runs : 1) * sizeof **out);
    if (!*out)
        goto out;
    *n = 0;
    for (size_t i = 0; i < cells; i++)
        if (base[i] != NO_RUN)
            (*out)[(*n)++] = (backend_plan_px){(uint16_t)(i % w), (uint16_t)(i / w), base[i]};
    rc = 0;
out:
    sqlite3_finalize(st);
    free(cur);
    free(base);
    return rc;
}

/* RESTORE: the placements in the rectangle up to at_ms, in seq order, the last one wins. */
static int plan_restore(sqlite3 *db, const backend_plan_req *q, backend_plan_px **out, size_t *n)
{
    size_t cells = (size_t)q->w * q->h;
    uint8_t *col = calloc(cells ? cells : 1, 1); /* white where nothing was placed */
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!col)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT x, y, color FROM placements WHERE x >= ?1 AND x < ?2"
                               " AND y >= ?3 AND y < ?4 AND time <= ?5 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, q->x);
    sqlite3_bind_int64(st, 2, (int64_t)q->x + q->w);
    sqlite3_bind_int64(st, 3, q->y);
    sqlite3_bind_int64(st, 4, (int64_t)q->y + q->h);
    sqlite3_bind_int64(st, 5, q->at_ms);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t x = (uint32_t)sqlite3_column_int(st, 0), y = (uint32_t)sqlite3_column_int(st, 1);
        col[(size_t)(y - q->y) * q->w + (x - q->x)] = (uint8_t)(sqlite3_column_int(st, 2) & 0x0f);
    }
    if (step != SQLITE_DONE || !(*out = malloc((cells ? cells : 1) * sizeof **out)))
        goto out;
    for (size_t i = 0; i < cells; i++)
        (*out)[i] = (backend_plan_px){(uint16_t)(q->x + i % q->w), (uint16_t)(q->y + i / q->w),
                                      col[i]};
    *n = cells;
    rc = 0;
out:
    sqlite3_finalize(st);
    free(col);
    return rc;
}

int store_db_plan(sqlite3 *db, const backend_plan_req *q, uint32_t w, uint32_t h,
                  backend_plan_px **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* one read transaction: the history as of one moment */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    int rc = q->kind == BACKEND_PLAN_REVERT ? plan_revert(db, q, w, h, out, n)
                                            : plan_restore(db, q, out, n);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* The embedded store's history query for admin pixel acts (store_db.h: store_db_plan): it reads
 * only (seq, x, y, color, user_id, time) of the placements table, in seq order, so it does not
 * depend on its indexes; plan.c works out the rest. */
#include "store_db.h"

#include <stdlib.h>

#include "plan.h"

int store_db_plan(sqlite3 *db, const backend_plan_req *q, uint32_t w, uint32_t h,
                  backend_plan_px **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    plan *p = plan_new(q, w, h);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!p)
        return -1;
    /* REVERT: every placement (the colour before the user's comes from anyone's); RESTORE:
     * those in the rectangle, marked up to at_ms (the later ones say what it is now) */
    const char *sql = q->kind == BACKEND_PLAN_REVERT
                          ? "SELECT x, y, color, user_id = ?1 AND time >= ?2 FROM placements"
                            " ORDER BY seq"
                          : "SELECT x, y, color, time <= ?2 FROM placements WHERE x >= ?3"
                            " AND x < ?4 AND y >= ?5 AND y < ?6 ORDER BY seq";
    /* one read transaction: the history as of one moment */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (q->kind == BACKEND_PLAN_REVERT) {
        sqlite3_bind_text(st, 1, q->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, q->since_ms);
    } else {
        sqlite3_bind_int64(st, 2, q->at_ms);
        sqlite3_bind_int64(st, 3, q->x);
        sqlite3_bind_int64(st, 4, (int64_t)q->x + q->w);
        sqlite3_bind_int64(st, 5, q->y);
        sqlite3_bind_int64(st, 6, (int64_t)q->y + q->h);
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        plan_row(p, (uint32_t)sqlite3_column_int(st, 0), (uint32_t)sqlite3_column_int(st, 1),
                 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
    if (step == SQLITE_DONE) {
        rc = plan_finish(p, out, n);
        p = NULL;
    }
out:
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    plan_free(p);
    return rc;
}

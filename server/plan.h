/* What an admin pixel act (backend_plan_req) makes of each pixel, worked out from the history
 * given one placement at a time in seq order. Pure (no I/O): both stores' queries feed it (the
 * embedded store's store_plan.c, cluster mode's history.c). */
#ifndef PLACE_SERVER_PLAN_H
#define PLACE_SERVER_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct plan plan;

/* A plan for q on a canvas of w x h (RESTORE: q's rectangle must lie inside it). NULL when out
 * of memory. */
plan *plan_new(const backend_plan_req *q, uint32_t w, uint32_t h);

/* One placement, in ascending seq. `marked`: REVERT: it is the user's, at or after since_ms;
 * RESTORE: its time is at or before at_ms. Placements outside the canvas (or, RESTORE, the
 * rectangle) are ignored. */
void plan_row(plan *p, uint32_t x, uint32_t y, int color, int marked);

/* The plan, column by column (the order of the (x, y, seq) index of cluster mode's PostgreSQL
 * and of the embedded store's layout 1, where a chunk's inserts then touch few of its pages): *out malloc'd (the caller frees it), *n pixels, each with
 * the colour it is to get and the colour the history says it has now (`from`). Frees p.
 * Returns 0, or -1 when out of memory. */
int plan_finish(plan *p, backend_plan_px **out, size_t *n);

/* Frees p unfinished; accepts NULL. */
void plan_free(plan *p);

#endif

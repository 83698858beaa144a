/* What an admin act makes of each pixel (server/plan.c), given the history one placement at a
 * time: the cases read as the rules of --revert-user and --restore --at. */
#include <stdlib.h>

#include "plan.h"
#include "test.h"

enum { U = 1, OTHER = 0 }; /* revert: marked = the user's (since --since) */

/* The plan's pixel at (x, y), or NULL when the plan leaves it alone. */
static const backend_plan_px *find(const backend_plan_px *px, size_t n, int x, int y)
{
    for (size_t i = 0; i < n; i++)
        if (px[i].x == x && px[i].y == y)
            return &px[i];
    return NULL;
}

static backend_plan_req revert(void)
{
    return (backend_plan_req){.kind = BACKEND_PLAN_REVERT};
}

static void revert_goes_back_to_before_the_users_run(void)
{
    plan *p = plan_new(&(backend_plan_req){.kind = BACKEND_PLAN_REVERT}, 8, 8);
    plan_row(p, 1, 1, 2, OTHER); /* alice */
    plan_row(p, 1, 1, 5, OTHER); /* bob over alice */
    plan_row(p, 1, 1, 13, U);    /* the griefer, twice */
    plan_row(p, 1, 1, 12, U);
    plan_row(p, 2, 2, 13, U); /* on an empty pixel */
    backend_plan_px *px;
    size_t n;
    CHECK_INT(plan_finish(p, &px, &n), 0);
    CHECK_INT(n, 2);
    const backend_plan_px *a = find(px, n, 1, 1), *b = find(px, n, 2, 2);
    CHECK(a && a->color == 5 && a->from == 12); /* bob's, and it is the griefer's 12 now */
    CHECK(b && b->color == 0 && b->from == 13); /* white */
    free(px);
}

static void revert_leaves_what_others_painted_after(void)
{
    plan *p = plan_new(&(backend_plan_req){.kind = BACKEND_PLAN_REVERT}, 8, 8);
    plan_row(p, 3, 1, 2, OTHER);
    plan_row(p, 3, 1, 13, U);
    plan_row(p, 3, 1, 9, OTHER); /* carol, after the griefer */
    plan_row(p, 4, 1, 7, OTHER); /* never the griefer's */
    backend_plan_px *px;
    size_t n;
    CHECK_INT(plan_finish(p, &px, &n), 0);
    CHECK_INT(n, 0);
    free(px);
}

static void revert_after_someone_else_covered_then_the_user_again(void)
{
    backend_plan_req q = revert();
    plan *p = plan_new(&q, 8, 8);
    plan_row(p, 0, 0, 13, U);
    plan_row(p, 0, 0, 4, OTHER);
    plan_row(p, 0, 0, 12, U); /* only this run is reverted: back to 4 */
    backend_plan_px *px;
    size_t n;
    CHECK_INT(plan_finish(p, &px, &n), 0);
    CHECK_INT(n, 1);
    CHECK(n == 1 && px[0].color == 4 && px[0].from == 12);
    free(px);
}

/* --since: the caller marks only the user's placements from then on, so an older one of theirs
 * counts as anyone's. */
static void revert_since_keeps_the_users_older_placement(void)
{
    backend_plan_req q = revert();
    plan *p = plan_new(&q, 8, 8);
    plan_row(p, 2, 2, 6, OTHER); /* theirs, before --since */
    plan_row(p, 2, 2, 13, U);
    backend_plan_px *px;
    size_t n;
    CHECK_INT(plan_finish(p, &px, &n), 0);
    CHECK(n == 1 && px[0].color == 6);
    free(px);
}

static void restore_takes_the_last_placement_up_to_at_white_if_none(void)
{
    backend_plan_req q = {.kind = BACKEND_PLAN_RESTORE, .x = 2, .y = 2, .w = 2, .h = 2};
    plan *p = plan_new(&q, 8, 8);
    plan_row(p, 2, 2, 3, 1);  /* before at */
    plan_row(p, 2, 2, 4, 1);  /* before at, later: this one */
    plan_row(p, 2, 2, 9, 0);  /* after at: what it is now */
    plan_row(p, 3, 3, 7, 0);  /* only after at: white at at */
    plan_row(p, 5, 5, 1, 1);  /* outside the rectangle */
    backend_plan_px *px;
    size_t n;
    CHECK_INT(plan_finish(p, &px, &n), 0);
    CHECK_INT(n, 4); /* every pixel of the rectangle */
    const backend_plan_px *a = find(px, n, 2, 2), *b = find(px, n, 3, 3), *c = find(px, n, 2, 3);
    CHECK(a && a->color == 4 && a->from == 9);
    CHECK(b && b->color == 0 && b->from == 7);
    CHECK(c && c->color == 0 && c->from == 0);
    CHECK(!find(px, n, 5, 5));
    free(px);
}

static void plan_is_in_column_order_and_ignores_outside(void)
{
    backend_plan_req q = revert();
    plan *p = plan_new(&q, 4, 4);
    plan_row(p, 3, 0, 1, U);
    plan_row(p, 0, 3, 1, U);
    plan_row(p, 0, 1, 1, U);
    plan_row(p, 4, 0, 1, U); /* outside the canvas */
    plan_row(p, 0, 9, 1, U);
    backend_plan_px *px;
    size_t n;
    CHECK_INT(plan_finish(p, &px, &n), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK(px[0].x == 0 && px[0].y == 1);
        CHECK(px[1].x == 0 && px[1].y == 3);
        CHECK(px[2].x == 3 && px[2].y == 0);
    }
    free(px);
}

int test_failures;
int main(int argc, char **argv)
{
    static const test_case cases[] = {
        TEST(revert_goes_back_to_before_the_users_run),
        TEST(revert_leaves_what_others_painted_after),
        TEST(revert_after_someone_else_covered_then_the_user_again),
        TEST(revert_since_keeps_the_users_older_placement),
        TEST(restore_takes_the_last_placement_up_to_at_white_if_none),
        TEST(plan_is_in_column_order_and_ignores_outside)};
    return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}

/* Unit tests of the client engine's pure core (common/src/client_recon.c): reconciliation of
 * snapshot and deltas by sequence number, optimistic placement and rollback, reconnect backoff.
 * Each case drives the state the way the network would and checks what the player would see. */
#include <cJSON.h>
#include <stdlib.h>

#include "../unit/test.h"
#include "client_recon.h"
#include "place/proto.h"

#define W 8
#define H 8

/* A snapshot of the whole canvas in one colour, as recon_snapshot takes it (malloc'd). */
static uint8_t *plain(int color)
{
    uint8_t *p = malloc(W * H);
    memset(p, color, W * H);
    return p;
}

static int shown(recon *r, int x, int y)
{
    place_client_canvas v;
    recon_view(r, &v);
    return v.pixels[y * (int)v.width + x];
}

/* Feeds a batch frame of n pixels covering (prev, last]. */
static int batch(recon *r, uint64_t prev, uint64_t last, const place_pixel *px, uint32_t n)
{
    uint8_t buf[1024];
    int len = place_batch_encode(buf, sizeof buf, prev, last, 0, px, n);
    CHECK(len > 0);
    return recon_batch(r, buf, (size_t)len);
}

/* Drops every queued event; returns how many of `type` there were, the last copied to *last. */
static int drain(recon *r, place_client_event_type type, place_client_event *last)
{
    place_client_event ev = {0};
    int n = 0;
    while (recon_pop_event(r, &ev))
        if (ev.type == type) {
            n++;
            if (last)
                *last = ev;
        }
    return n;
}

static recon *fresh(void)
{
    recon *r = recon_new();
    CHECK(r != NULL);
    CHECK_INT(recon_set_size(r, W, H), 0);
    return r;
}

static void stale_snapshot_keeps_newer_deltas(void)
{
    recon *r = fresh();
    CHECK_INT(recon_connected(r, 10), RECON_WANT_SNAPSHOT);
    place_pixel px[] = {{11, 1, 1, 5}, {12, 2, 2, 6}};
    CHECK_INT(batch(r, 10, 12, px, 2), 0);
    CHECK_INT(shown(r, 1, 1), 5);
    CHECK_INT(shown(r, 2, 2), 6);
    /* The snapshot was built at seq 11: it has (1,1) but not (2,2)'s newer placement. */
    uint8_t *snap = plain(3);
    snap[1 * W + 1] = 5;
    CHECK_INT(recon_snapshot(r, W, H, 11, snap), 0);
    CHECK_INT(shown(r, 2, 2), 6); /* not reverted to the snapshot's 3 */
    CHECK_INT(shown(r, 1, 1), 5);
    CHECK_INT(shown(r, 0, 0), 3);
    uint64_t seq;
    CHECK_INT(recon_underlying(r, 2, 2, &seq), 6);
    CHECK_INT(seq, 12);
    /* An even older snapshot (a lagging cache) changes nothing. */
    CHECK_INT(recon_snapshot(r, W, H, 9, plain(7)), 0);
    CHECK_INT(shown(r, 0, 0), 3);
    CHECK_INT(shown(r, 2, 2), 6);
    /* A newer snapshot that contains (2,2) takes over its seq. */
    uint8_t *snap2 = plain(3);
    snap2[2 * W + 2] = 6;
    snap2[1 * W + 1] = 5;
    CHECK_INT(recon_snapshot(r, W, H, 12, snap2), 0);
    CHECK_INT(recon_underlying(r, 2, 2, &seq), 6);
    CHECK_INT(seq, 12);
    recon_free(r);
}

static void older_delta_does_not_revert_pixel(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    CHECK_INT(recon_snapshot(r, W, H, 20, plain(4)), 0);
    place_pixel old[] = {{15, 3, 3, 9}};
    batch(r, 14, 15, old, 1);
    CHECK_INT(shown(r, 3, 3), 4);
    place_pixel a[] = {{21, 3, 3, 9}}, b[] = {{22, 3, 3, 10}};
    batch(r, 20, 22, b, 1);
    batch(r, 20, 21, a, 1); /* arrives late, older than what the pixel shows */
    CHECK_INT(shown(r, 3, 3), 10);
    recon_free(r);
}

static void gap_needs_snapshot_that_covers_it(void)
{
    recon *r = fresh();
    recon_connected(r, 10);
    CHECK_INT(recon_snapshot(r, W, H, 10, plain(0)), 0);
    CHECK_INT(recon_gap_open(r), 0);
    place_pixel p1[] = {{11, 0, 0, 1}};
    CHECK_INT(batch(r, 10, 11, p1, 1), 0);
    /* Frames for 12..15 were lost: this one says its predecessor ended at 15. */
    place_pixel p2[] = {{16, 1, 0, 2}};
    CHECK_INT(batch(r, 15, 16, p2, 1), RECON_WANT_SNAPSHOT);
    CHECK_INT(recon_gap_open(r), 1);
    CHECK_INT(shown(r, 1, 0), 2); /* deltas after the gap still show at once */
    /* A snapshot at 14 does not cover the gap's end (15): fetch again later. */
    uint8_t *s14 = plain(0);
    s14[0] = 1;
    s14[5] = 12; /* (5,0) was placed at 13, inside the gap */
    CHECK_INT(recon_snapshot(r, W, H, 14, s14), RECON_WANT_SNAPSHOT_LATER);
    CHECK_INT(recon_gap_open(r), 1);
    CHECK_INT(shown(r, 5, 0), 12);
    CHECK_INT(shown(r, 1, 0), 2);
    uint8_t *s15 = plain(0);
    s15[0] = 1;
    s15[5] = 12;
    s15[6] = 13; /* placed at 15 */
    CHECK_INT(recon_snapshot(r, W, H, 15, s15), 0);
    CHECK_INT(recon_gap_open(r), 0);
    CHECK_INT(shown(r, 6, 0), 13);
    CHECK_INT(shown(r, 1, 0), 2); /* seq 16 survives the snapshot at 15 */
    recon_free(r);
}

static void connect_needs_snapshot_at_init_seq(void)
{
    recon *r = fresh();
    CHECK_INT(recon_connected(r, 30), RECON_WANT_SNAPSHOT);
    CHECK_INT(recon_gap_open(r), 1);
    CHECK_INT(recon_snapshot(r, W, H, 29, plain(2)), RECON_WANT_SNAPSHOT_LATER);
    CHECK_INT(recon_snapshot(r, W, H, 30, plain(2)), 0);
    CHECK_INT(recon_gap_open(r), 0);
    /* A resync asks for a snapshot reaching its seq. */
    CHECK_INT(recon_resync(r, 40), RECON_WANT_SNAPSHOT);
    CHECK_INT(recon_gap_open(r), 1);
    recon_free(r);
}

static void server_with_new_history_is_believed(void)
{
    recon *r = fresh();
    recon_connected(r, 500);
    CHECK_INT(recon_snapshot(r, W, H, 500, plain(6)), 0);
    /* The server came back with a fresh canvas: numbering starts again. */
    CHECK_INT(recon_connected(r, 2), RECON_WANT_SNAPSHOT);
    CHECK_INT(shown(r, 0, 0), 6); /* the old picture stays until the snapshot */
    CHECK_INT(recon_snapshot(r, W, H, 2, plain(1)), 0);
    CHECK_INT(shown(r, 0, 0), 1);
    place_pixel px[] = {{3, 4, 4, 9}};
    CHECK_INT(batch(r, 2, 3, px, 1), 0);
    CHECK_INT(shown(r, 4, 4), 9);
    recon_free(r);
}

static void placed_becomes_delta(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    recon_snapshot(r, W, H, 0, plain(0));
    drain(r, PLACE_CEV_NONE, NULL);
    int64_t rid;
    char why[128] = "";
    CHECK_INT(recon_place(r, 4, 4, 5, 1000, &rid, why, sizeof why), 0);
    CHECK_INT(shown(r, 4, 4), 5); /* at once */
    CHECK_INT(recon_pending(r), 1);
    CHECK_INT(recon_placed(r, rid, 7, 301000), 0);
    CHECK_INT(recon_pending(r), 0);
    CHECK_INT(shown(r, 4, 4), 5);
    uint64_t seq;
    CHECK_INT(recon_underlying(r, 4, 4, &seq), 5);
    CHECK_INT(seq, 7);
    CHECK_INT(recon_get_next_placement(r), 301000);
    place_client_event ev = {0};
    CHECK_INT(drain(r, PLACE_CEV_PLACED, &ev), 1);
    CHECK_INT(ev.x, 4);
    CHECK_INT(ev.seq, 7);
    /* The batch echo of our own pixel changes nothing; someone else's newer one wins. */
    place_pixel echo[] = {{7, 4, 4, 5}};
    batch(r, 6, 7, echo, 1);
    CHECK_INT(shown(r, 4, 4), 5);
    place_pixel other[] = {{8, 4, 4, 11}};
    batch(r, 7, 8, other, 1);
    CHECK_INT(shown(r, 4, 4), 11);
    recon_free(r);
}

static void rollback_on_error(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    recon_snapshot(r, W, H, 3, plain(2));
    recon_set_cooldown(r, 60);
    drain(r, PLACE_CEV_NONE, NULL);
    int64_t rid;
    char why[128];
    CHECK_INT(recon_place(r, 1, 2, 9, 5000, &rid, why, sizeof why), 0);
    CHECK_INT(shown(r, 1, 2), 9);
    CHECK_INT(recon_get_next_placement(r), 65000); /* local countdown started at once */
    CHECK_INT(recon_error(r, 1, rid, PLACE_ERR_COOLDOWN, "", 42000, 5100), 0);
    CHECK_INT(shown(r, 1, 2), 2); /* back to the old colour */
    CHECK_INT(recon_pending(r), 0);
    CHECK_INT(recon_get_next_placement(r), 5100 + 42000); /* the server's word */
    place_client_event ev = {0};
    CHECK_INT(drain(r, PLACE_CEV_ROLLBACK, &ev), 1);
    CHECK_INT(ev.code, PLACE_ERR_COOLDOWN);
    CHECK_INT(ev.color, 2);
    CHECK_INT(ev.x, 1);
    CHECK_INT(ev.y, 2);
    CHECK_STR(ev.text, place_err_message(PLACE_ERR_COOLDOWN));
    /* A server message is passed on as the server wrote it. */
    CHECK_INT(recon_place(r, 1, 2, 9, 50000, &rid, why, sizeof why), 0);
    recon_error(r, 1, rid, PLACE_ERR_BANNED, "You are banned.", -1, 50001);
    CHECK_INT(drain(r, PLACE_CEV_ROLLBACK, &ev), 1);
    CHECK_STR(ev.text, "You are banned.");
    CHECK_INT(recon_get_next_placement(r), 47100); /* restored: the refused pixel set none */
    /* An error without a requestId is an ERROR event, not a rollback. */
    recon_error(r, 0, 0, PLACE_ERR_RATE_LIMITED, NULL, -1, 50002);
    CHECK_INT(drain(r, PLACE_CEV_ERROR, &ev), 1);
    CHECK_STR(ev.text, place_err_message(PLACE_ERR_RATE_LIMITED));
    recon_free(r);
}

static void rollback_shows_what_arrived_meanwhile(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    recon_snapshot(r, W, H, 3, plain(2));
    int64_t rid;
    char why[128];
    CHECK_INT(recon_place(r, 6, 6, 9, 0, &rid, why, sizeof why), 0);
    place_pixel other[] = {{30, 6, 6, 14}};
    batch(r, 3, 30, other, 1);
    CHECK_INT(shown(r, 6, 6), 9); /* optimistic pixels stay on top */
    recon_error(r, 1, rid, PLACE_ERR_UNAVAILABLE, NULL, -1, 10);
    CHECK_INT(shown(r, 6, 6), 14); /* what the pixel shows underneath, not the old 2 */
    recon_free(r);
}

static void rollback_on_timeout(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    recon_snapshot(r, W, H, 1, plain(1));
    drain(r, PLACE_CEV_NONE, NULL);
    int64_t rid;
    char why[128];
    CHECK_INT(recon_place(r, 0, 7, 4, 1000, &rid, why, sizeof why), 0);
    CHECK_INT(recon_next_deadline(r), 1000 + PLACE_CLIENT_PLACE_TIMEOUT_MS);
    recon_tick(r, 1000 + PLACE_CLIENT_PLACE_TIMEOUT_MS - 1);
    CHECK_INT(shown(r, 0, 7), 4);
    recon_tick(r, 1000 + PLACE_CLIENT_PLACE_TIMEOUT_MS);
    CHECK_INT(shown(r, 0, 7), 1);
    CHECK_INT(recon_next_deadline(r), -1);
    place_client_event ev = {0};
    CHECK_INT(drain(r, PLACE_CEV_ROLLBACK, &ev), 1);
    CHECK_INT(ev.code, PLACE_ERR_TIMEOUT);
    CHECK_STR(ev.text, place_err_message(PLACE_ERR_TIMEOUT));
    /* The server stored it after all and says so late: the pixel lands, with its seq. */
    CHECK_INT(recon_placed(r, rid, 5, 99), 0);
    CHECK_INT(recon_get_next_placement(r), 99);
    CHECK_INT(shown(r, 0, 7), 4);
    uint64_t seq;
    CHECK_INT(recon_underlying(r, 0, 7, &seq), 4);
    CHECK_INT(seq, 5);
    CHECK_INT(drain(r, PLACE_CEV_PLACED, &ev), 1);
    CHECK_INT(ev.x, 0);
    CHECK_INT(ev.y, 7);
    CHECK_INT(recon_placed(r, rid, 5, 99), -1); /* only once */
    CHECK_INT(recon_placed(r, 12345, 6, 99), -1);
    recon_free(r);
}

static void local_checks_refuse_without_change(void)
{
    recon *r = recon_new();
    int64_t rid;
    char why[128];
    CHECK(recon_place(r, 0, 0, 1, 0, &rid, why, sizeof why) < 0); /* no canvas yet */
    recon_set_size(r, W, H);
    recon_set_cooldown(r, 300);
    CHECK(recon_place(r, W, 0, 1, 0, &rid, why, sizeof why) < 0);
    CHECK_STR(why, place_err_message(PLACE_ERR_OUT_OF_BOUNDS));
    CHECK(recon_place(r, 0, 0, 16, 0, &rid, why, sizeof why) < 0);
    CHECK_INT(recon_place(r, 0, 0, 5, 1000, &rid, why, sizeof why), 0);
    CHECK(recon_place(r, 1, 0, 5, 2000, &rid, why, sizeof why) < 0);
    CHECK_STR(why, "Wait 4:59 before placing again."); /* as the cooldown timer shows it */
    CHECK_INT(shown(r, 1, 0), 0);
    CHECK_INT(recon_pending(r), 1);
    recon_free(r);
}

static void pixels_event_is_one_rectangle(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    drain(r, PLACE_CEV_NONE, NULL);
    place_pixel px[] = {{1, 1, 2, 3}, {2, 5, 6, 3}, {3, 3, 1, 3}};
    batch(r, 0, 3, px, 3);
    place_client_event ev = {0};
    CHECK_INT(recon_pop_event(r, &ev), 1);
    CHECK_INT(ev.type, PLACE_CEV_PIXELS);
    CHECK_INT(ev.x, 1);
    CHECK_INT(ev.y, 1);
    CHECK_INT(ev.w, 5);
    CHECK_INT(ev.h, 6);
    CHECK_INT(recon_pop_event(r, &ev), 0);
    recon_free(r);
}

static void malformed_batch_changes_nothing(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    uint8_t buf[64];
    place_pixel px[] = {{1, 1, 1, 7}};
    int len = place_batch_encode(buf, sizeof buf, 0, 1, 0, px, 1);
    CHECK(recon_batch(r, buf, (size_t)len - 1) < 0); /* truncated */
    buf[1] = 9;                                      /* unknown version */
    CHECK(recon_batch(r, buf, (size_t)len) < 0);
    buf[1] = 1; /* version 1 is retired */
    CHECK(recon_batch(r, buf, (size_t)len) < 0);
    CHECK_INT(shown(r, 1, 1), 0);
    /* a good pixel, then a record of unknown kind: the whole frame is refused, not half of it */
    place_pixel two[] = {{1, 2, 2, 7}, {2, 3, 3, 8}};
    len = place_batch_encode(buf, sizeof buf, 0, 2, 0, two, 2);
    CHECK_INT(len, 42);
    buf[41] = 0x28;
    CHECK(recon_batch(r, buf, (size_t)len) < 0);
    CHECK_INT(shown(r, 2, 2), 0);
    CHECK_INT(shown(r, 3, 3), 0);
    buf[41] = 0x08;
    CHECK_INT(recon_batch(r, buf, (size_t)len), 0);
    CHECK_INT(shown(r, 2, 2), 7);
    CHECK_INT(shown(r, 3, 3), 8);
    recon_free(r);
}

/* A batch with a hole (a skip record): the pixels after it keep their own seqs, so a snapshot
 * between them keeps the newer one and replaces the older. */
static void hole_in_a_batch_keeps_seqs(void)
{
    recon *r = fresh();
    CHECK_INT(recon_connected(r, 10), RECON_WANT_SNAPSHOT);
    place_pixel px[] = {{11, 1, 1, 5}, {14, 2, 2, 6}};
    CHECK_INT(batch(r, 10, 15, px, 2), 0);
    uint64_t seq;
    CHECK_INT(recon_underlying(r, 2, 2, &seq), 6);
    CHECK_INT(seq, 14);
    CHECK_INT(recon_snapshot(r, W, H, 13, plain(3)), 0);
    CHECK_INT(shown(r, 1, 1), 3); /* seq 11: the snapshot covers it */
    CHECK_INT(shown(r, 2, 2), 6); /* seq 14: newer than the snapshot */
    /* the next batch follows lastSeq 15, not the last pixel's 14: no gap */
    place_pixel next[] = {{16, 3, 3, 9}};
    CHECK_INT(batch(r, 15, 16, next, 1), 0);
    CHECK_INT(shown(r, 3, 3), 9);
    recon_free(r);
}

static void resize_keeps_pixels(void)
{
    recon *r = fresh();
    recon_connected(r, 0);
    place_pixel px[] = {{1, 7, 7, 8}};
    batch(r, 0, 1, px, 1);
    drain(r, PLACE_CEV_NONE, NULL);
    CHECK_INT(recon_set_size(r, 16, 12), 0);
    place_client_event ev = {0};
    CHECK_INT(drain(r, PLACE_CEV_CANVAS_SIZE, &ev), 1);
    place_client_canvas v;
    recon_view(r, &v);
    CHECK_INT(v.width, 16);
    CHECK_INT(v.height, 12);
    CHECK_INT(v.pixels[7 * 16 + 7], 8);
    CHECK_INT(v.pixels[11 * 16 + 15], 0);
    recon_free(r);
}

static void backoff_sequence(void)
{
    recon_backoff b = {0};
    static const int64_t want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_INT(recon_backoff_next(&b, -1, 0), want[i]);
    /* A connection that stayed up 10 s starts the sequence again. */
    CHECK_INT(recon_backoff_next(&b, RECON_STABLE_MS, 0), 1000);
    CHECK_INT(recon_backoff_next(&b, -1, 0), 2000);
    /* A short-lived one does not. */
    CHECK_INT(recon_backoff_next(&b, 2000, 0), 4000);
}

static void backoff_jitter_bounds(void)
{
    recon_backoff b = {0};
    CHECK_INT(recon_backoff_next(&b, -1, 1000), 2000);
    CHECK_INT(recon_backoff_next(&b, -1, 5000), 3000); /* jitter clamped to 1 s */
    CHECK_INT(recon_backoff_next(&b, -1, -7), 4000);
    srand(7);
    for (int i = 0; i < 1000; i++) {
        recon_backoff c = {0};
        int64_t d = recon_backoff_next(&c, -1, rand() % 1001);
        CHECK(d >= 1000 && d <= 2000);
    }
    CHECK_INT(recon_refresh_delay(0), 30000);
    CHECK_INT(recon_refresh_delay(30000), 60000);
    CHECK_INT(recon_refresh_delay(99999), 60000);
}

/* ---- the shared scenarios of tests/vectors/recon.json (the browser's logic tests run them too) */

static long long jint(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static long long item(const cJSON *arr, int i)
{
    const cJSON *v = cJSON_GetArrayItem(arr, i);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

/* The rid recon gave the placement named `id` (a short table: scenarios place a few). */
typedef struct named_rid {
    char id[16];
    int64_t rid;
} named_rid;

static int64_t *rid_of(named_rid *t, int *n, const char *id)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(t[i].id, id))
            return &t[i].rid;
    if (*n == 16)
        return NULL;
    snprintf(t[*n].id, sizeof t[*n].id, "%s", id);
    return &t[(*n)++].rid;
}

#define VCHECK(cond, fmt, ...)                                                                 \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "recon.json: %s, step %d: " fmt "\n", name, si, __VA_ARGS__);      \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

static void run_scenario(const cJSON *sc, uint32_t w, uint32_t h)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "name"));
    if (!name)
        name = "?";
    recon *r = recon_new();
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_INT(recon_set_size(r, w, h), 0);
    named_rid rids[16];
    int nrids = 0;
    int si = 0;
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(sc, "steps"))
    {
        const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "op"));
        op = op ? op : "";
        const cJSON *gap = cJSON_GetObjectItemCaseSensitive(st, "gap");
        const cJSON *stale = cJSON_GetObjectItemCaseSensitive(st, "stale");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(st, "id");
        if (!strcmp(op, "connect")) {
            recon_connected(r, (uint64_t)jint(st, "seq"));
        } else if (!strcmp(op, "batch")) {
            place_pixel px[16];
            uint32_t n = 0;
            const cJSON *p;
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(st, "pixels"))
            {
                if (n == 16)
                    break;
                px[n++] = (place_pixel){(uint64_t)item(p, 0), (uint16_t)item(p, 1),
                                        (uint16_t)item(p, 2), (uint8_t)item(p, 3)};
            }
            int rc = batch(r, (uint64_t)jint(st, "prev"), (uint64_t)jint(st, "last"), px, n);
            VCHECK(rc >= 0, "batch refused (%d)", rc);
            if (gap)
                VCHECK((rc == RECON_WANT_SNAPSHOT) == cJSON_IsTrue(gap), "gap %d, wanted %d",
                       rc == RECON_WANT_SNAPSHOT, cJSON_IsTrue(gap));
        } else if (!strcmp(op, "snapshot")) {
            uint8_t *pix = plain((int)jint(st, "fill"));
            const cJSON *p;
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(st, "pixels"))
                pix[item(p, 1) * W + item(p, 0)] = (uint8_t)item(p, 2);
            int rc = recon_snapshot(r, w, h, (uint64_t)jint(st, "seq"), pix);
            VCHECK(rc >= 0, "snapshot refused (%d)", rc);
            if (stale)
                VCHECK((rc == RECON_WANT_SNAPSHOT_LATER) == cJSON_IsTrue(stale),
                       "stale %d, wanted %d", rc == RECON_WANT_SNAPSHOT_LATER, cJSON_IsTrue(stale));
        } else if (!strcmp(op, "resync")) {
            recon_resync(r, (uint64_t)jint(st, "seq"));
        } else if (!strcmp(op, "place")) {
            int64_t *rid = rid_of(rids, &nrids, cJSON_GetStringValue(id) ? id->valuestring : "");
            char why[128] = "";
            int rc = rid ? recon_place(r, (int)jint(st, "x"), (int)jint(st, "y"),
                                       (int)jint(st, "color"), jint(st, "at"), rid, why, sizeof why)
                         : -1;
            VCHECK(rc == 0, "place refused: %s", why);
        } else if (!strcmp(op, "placed")) {
            int64_t *rid = rid_of(rids, &nrids, cJSON_GetStringValue(id) ? id->valuestring : "");
            VCHECK(rid && recon_placed(r, *rid, (uint64_t)jint(st, "seq"), 0) == 0, "%s",
                   "placed: unknown placement");
        } else if (!strcmp(op, "refused")) {
            int64_t *rid = rid_of(rids, &nrids, cJSON_GetStringValue(id) ? id->valuestring : "");
            const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "code"));
            if (rid)
                recon_error(r, 1, *rid, place_err_from_code(code), NULL, -1, jint(st, "at"));
        } else if (!strcmp(op, "tick")) {
            recon_tick(r, jint(st, "at"));
        } else if (!strcmp(op, "expect")) {
            const cJSON *p;
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(st, "shown"))
            {
                int got = shown(r, (int)item(p, 0), (int)item(p, 1));
                VCHECK(got == item(p, 2), "(%lld, %lld) shows %d, wanted %lld", item(p, 0),
                       item(p, 1), got, item(p, 2));
            }
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(st, "seqs"))
            {
                uint64_t seq = 0;
                recon_underlying(r, (int)item(p, 0), (int)item(p, 1), &seq);
                VCHECK((long long)seq == item(p, 2), "(%lld, %lld) has seq %llu, wanted %lld",
                       item(p, 0), item(p, 1), (unsigned long long)seq, item(p, 2));
            }
        } else {
            VCHECK(0, "unknown op '%s'", op);
        }
        si++;
    }
    recon_free(r);
}

static void shared_vectors(void)
{
    FILE *f = fopen(PLACE_RECON_VECTORS, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    CHECK(len < sizeof text - 1);
    cJSON *root = cJSON_ParseWithLength(text, len);
    CHECK(root != NULL);
    int w = (int)jint(root, "width"), h = (int)jint(root, "height");
    CHECK_INT(w, W); /* the runner's helpers draw W x H canvases */
    CHECK_INT(h, H);
    int count = 0;
    const cJSON *sc;
    cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(root, "scenarios"))
    {
        run_scenario(sc, W, H);
        count++;
    }
    CHECK(count >= 9);
    cJSON_Delete(root);
}

TEST_MAIN(TEST(shared_vectors), TEST(stale_snapshot_keeps_newer_deltas), TEST(older_delta_does_not_revert_pixel),
          TEST(gap_needs_snapshot_that_covers_it), TEST(connect_needs_snapshot_at_init_seq),
          TEST(server_with_new_history_is_believed), TEST(placed_becomes_delta), TEST(rollback_on_error),
          TEST(rollback_shows_what_arrived_meanwhile), TEST(rollback_on_timeout),
          TEST(local_checks_refuse_without_change), TEST(pixels_event_is_one_rectangle),
          TEST(malformed_batch_changes_nothing), TEST(hole_in_a_batch_keeps_seqs),
          TEST(resize_keeps_pixels),
          TEST(backoff_sequence), TEST(backoff_jitter_bounds))

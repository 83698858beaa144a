/* Unit tests of the client engine's front door (place/client.h) without a server: offline mode,
 * where batch frames are injected through the same path network frames take, and the session
 * token file. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/test.h"
#include "place/client.h"
#include "place/proto.h"

static atomic_int wakes;

static void on_wake(void *user)
{
    (void)user;
    atomic_fetch_add(&wakes, 1);
}

static place_client *offline(uint32_t w, uint32_t h)
{
    place_client_config cfg = {.offline = 1, .offline_width = w, .offline_height = h,
                               .wake = on_wake};
    place_client *c = NULL;
    char err[200];
    CHECK_INT(place_client_new(&cfg, &c, err, sizeof err), 0);
    return c;
}

static int pixel(place_client *c, int x, int y)
{
    place_client_canvas v;
    place_client_canvas_view(c, &v);
    return v.pixels[y * (int)v.width + x];
}

static void offline_canvas_has_its_size(void)
{
    place_client *c = offline(100, 50);
    place_client_canvas v;
    place_client_canvas_view(c, &v);
    CHECK_INT(v.width, 100);
    CHECK_INT(v.height, 50);
    CHECK_INT(pixel(c, 99, 49), 0);
    place_client_status st;
    place_client_get_status(c, &st);
    CHECK_INT(st.conn, PLACE_CONN_OFFLINE);
    CHECK_INT(st.stale, 0);
    CHECK_STR(place_client_conn_name(st.conn), "offline");
    place_client_free(c);
}

typedef struct feeder {
    place_client *c;
    int frames;
} feeder;

/* Injects frames from another thread, as a benchmark's generator would. */
static void *feed(void *arg)
{
    feeder *f = arg;
    for (int i = 0; i < f->frames; i++) {
        place_pixel px[] = {{(uint64_t)i * 2 + 1, (uint16_t)i, 3, 7},
                            {(uint64_t)i * 2 + 2, (uint16_t)i, 40, 12}};
        uint8_t buf[128];
        int len = place_batch_encode(buf, sizeof buf, (uint64_t)i * 2, (uint64_t)i * 2 + 2, 0, px, 2);
        CHECK_INT(place_client_inject_frame(f->c, buf, (size_t)len), 0);
    }
    return NULL;
}

static void injected_frames_reach_the_canvas(void)
{
    place_client *c = offline(100, 50);
    place_client_event ev;
    while (place_client_poll(c, &ev)) {
    }
    atomic_store(&wakes, 0);
    feeder f = {c, 20};
    pthread_t t;
    pthread_create(&t, NULL, feed, &f);
    pthread_join(t, NULL);
    CHECK_INT(atomic_load(&wakes), 20);
    place_client_canvas before;
    place_client_canvas_view(c, &before);
    int pixels_events = 0, x0 = -1, y0 = -1, w = 0, h = 0;
    while (place_client_poll(c, &ev))
        if (ev.type == PLACE_CEV_PIXELS) {
            pixels_events++;
            x0 = ev.x, y0 = ev.y, w = ev.w, h = ev.h;
        }
    CHECK_INT(pixels_events, 1);
    CHECK_INT(x0, 0);
    CHECK_INT(y0, 3);
    CHECK_INT(w, 20);
    CHECK_INT(h, 38);
    CHECK_INT(pixel(c, 19, 3), 7);
    CHECK_INT(pixel(c, 5, 40), 12);
    CHECK_INT(pixel(c, 20, 3), 0);
    place_client_canvas after;
    place_client_canvas_view(c, &after);
    CHECK(after.version > before.version);
    place_client_status st;
    place_client_get_status(c, &st);
    CHECK_INT(st.seq, 40);
    place_client_free(c);
}

static void bad_frames_and_places_are_refused(void)
{
    place_client *c = offline(10, 10);
    uint8_t junk[40] = {2, 1};
    CHECK_INT(place_client_inject_frame(c, junk, sizeof junk), PLACE_EFORMAT);
    char why[200] = "";
    CHECK(place_client_place(c, 1, 1, 3, why, sizeof why) < 0);
    CHECK_STR(why, "Offline: there is no server to send the pixel to.");
    CHECK_INT(pixel(c, 1, 1), 0);
    CHECK(place_client_pixel_info(c, 1, 1) < 0);
    CHECK_INT(place_client_timeout_ms(c), -1);
    place_client_free(c);
    place_client_free(NULL);
}

static void token_file_is_private(void)
{
    char dir[] = "/tmp/place-engine-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char xdg[200];
    snprintf(xdg, sizeof xdg, "%s/cfg", dir);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    char tok[PLACE_CLIENT_TOKEN_MAX + 1];
    CHECK_INT(place_client_token_load(tok), 0);
    CHECK_INT(place_client_token_save("abc123"), 0);
    CHECK_INT(place_client_token_load(tok), 1);
    CHECK_STR(tok, "abc123");
    char path[300];
    CHECK_INT(place_client_token_path(path, sizeof path), 0);
    char want[300];
    snprintf(want, sizeof want, "%s/place/session", xdg);
    CHECK_STR(path, want);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    snprintf(want, sizeof want, "%s/place", xdg);
    CHECK_INT(stat(want, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    CHECK_INT(place_client_token_clear(), 0);
    CHECK_INT(place_client_token_load(tok), 0);
    CHECK_INT(place_client_token_clear(), 0);
    rmdir(want);
    rmdir(xdg);
    rmdir(dir);
}

/* The cooldown text both front-ends show. */
static void waits_read_as_a_person_reads_them(void)
{
    char t[32];
    place_client_format_wait(300000, t, sizeof t);
    CHECK_STR(t, "5:00");
    place_client_format_wait(299001, t, sizeof t); /* rounded up: never shows 0 s too early */
    CHECK_STR(t, "5:00");
    place_client_format_wait(60000, t, sizeof t);
    CHECK_STR(t, "1:00");
    place_client_format_wait(59001, t, sizeof t);
    CHECK_STR(t, "1:00");
    place_client_format_wait(59000, t, sizeof t);
    CHECK_STR(t, "59 s");
    place_client_format_wait(42000, t, sizeof t);
    CHECK_STR(t, "42 s");
    place_client_format_wait(1, t, sizeof t);
    CHECK_STR(t, "1 s");
    place_client_format_wait(0, t, sizeof t);
    CHECK_STR(t, "0 s");
}

TEST_MAIN(TEST(offline_canvas_has_its_size), TEST(injected_frames_reach_the_canvas),
          TEST(bad_frames_and_places_are_refused), TEST(token_file_is_private),
          TEST(waits_read_as_a_person_reads_them))

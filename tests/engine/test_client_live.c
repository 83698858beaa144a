/* Integration tests of the client engine (place/client.h) against the real placed: started on a
 * loopback ephemeral port with a temporary data directory, killed at the end (also when a check
 * fails). Two engines in one process play two players; what is checked is what a front-end
 * would draw: the canvas bytes, the events, the status. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "client_int.h"
#include "place/client.h"

static pid_t server_pid;
static char server_url[64];
static char data_dir[] = "/tmp/place-engine-live-XXXXXX";

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
    if (data_dir[sizeof data_dir - 2] != 'X' && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", data_dir);
}

/* Starts placed with these extra flags; fills server_url. Returns 0 or -1. */
static int start_server(const char *cooldown)
{
    const char *bin = getenv("PLACED");
    if (!bin || !mkdtemp(data_dir))
        return -1;
    int out[2];
    if (pipe(out) < 0)
        return -1;
    server_pid = fork();
    if (server_pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        /* the engines of this process stand for different players from one address: each
         * session keeps its own cooldown (the per-address rule has its own tests) */
        execl(bin, bin, "--port", "0", "--listen", "127.0.0.1", "--data-dir", data_dir,
              "--width", "32", "--height", "16", "--cooldown", cooldown, "--batch-ms", "20",
              "--cooldown-scope", "account", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char buf[512];
    size_t len = 0;
    int port = 0;
    while (len < sizeof buf - 1) {
        struct pollfd p = {out[0], POLLIN, 0};
        if (poll(&p, 1, 20000) <= 0)
            break;
        ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        char *m = strstr(buf, "listening on http://127.0.0.1:");
        if (m && sscanf(m, "listening on http://127.0.0.1:%d/", &port) == 1 && strchr(m, '\n'))
            break;
    }
    close(out[0]);
    if (!port)
        return -1;
    snprintf(server_url, sizeof server_url, "http://127.0.0.1:%d", port);
    return 0;
}

typedef struct player {
    place_client *c;
    int pipe[2];
    place_client_event last[64]; /* events seen, newest last (a window) */
    int nlast;
} player;

static void wake(void *user)
{
    char b = 1;
    if (write(*(int *)user, &b, 1) < 0) {
        /* a wake-up is already pending */
    }
}

static void join(player *p, const char *token)
{
    memset(p, 0, sizeof *p);
    CHECK_INT(pipe2(p->pipe, O_NONBLOCK), 0);
    place_client_config cfg = {.url = server_url, .token = token, .wake = wake,
                               .wake_user = &p->pipe[1]};
    char err[200];
    CHECK_INT(place_client_new(&cfg, &p->c, err, sizeof err), 0);
}

static void leave(player *p)
{
    place_client_free(p->c);
    close(p->pipe[0]);
    close(p->pipe[1]);
}

typedef int (*cond_fn)(player *p, const void *arg);

/* Runs the player's loop as a front-end would until cond holds or ms pass. Returns 1 if it held. */
static int run_until(player *p, cond_fn cond, const void *arg, int ms)
{
    for (int waited = 0; waited <= ms; waited += 50) {
        place_client_event ev;
        while (place_client_poll(p->c, &ev)) {
            if (p->nlast == 64) {
                memmove(p->last, p->last + 1, 63 * sizeof p->last[0]);
                p->nlast--;
            }
            p->last[p->nlast++] = ev;
        }
        if (cond(p, arg))
            return 1;
        struct pollfd pf = {p->pipe[0], POLLIN, 0};
        poll(&pf, 1, 50);
        char buf[64];
        while (read(p->pipe[0], buf, sizeof buf) > 0) {
        }
    }
    return 0;
}

static int is_ready(player *p, const void *arg)
{
    place_client_status st;
    place_client_get_status(p->c, &st);
    place_client_canvas v;
    place_client_canvas_view(p->c, &v);
    return st.conn == PLACE_CONN_CONNECTED && !st.stale && v.width == 32;
}

typedef struct want_px {
    int x, y, color;
} want_px;

static int shows(player *p, const void *arg)
{
    const want_px *w = arg;
    place_client_canvas v;
    place_client_canvas_view(p->c, &v);
    return v.width && v.pixels[w->y * (int)v.width + w->x] == w->color;
}

static const place_client_event *seen(player *p, place_client_event_type type)
{
    for (int i = p->nlast - 1; i >= 0; i--)
        if (p->last[i].type == type)
            return &p->last[i];
    return NULL;
}

static int saw(player *p, const void *arg)
{
    return seen(p, *(const place_client_event_type *)arg) != NULL;
}

static void two_players_see_each_other(void)
{
    player a, b;
    join(&a, NULL);
    join(&b, NULL);
    CHECK(run_until(&a, is_ready, NULL, 10000));
    CHECK(run_until(&b, is_ready, NULL, 10000));
    place_client_status st;
    place_client_get_status(a.c, &st);
    CHECK(st.have_user);
    CHECK(st.user.is_guest);
    char why[200] = "";
    CHECK_INT(place_client_place(a.c, 3, 4, 5, why, sizeof why), 0);
    want_px red = {3, 4, 5};
    CHECK(run_until(&a, shows, &red, 0)); /* optimistic: at once */
    place_client_event_type placed = PLACE_CEV_PLACED;
    CHECK(run_until(&a, saw, &placed, 10000));
    const place_client_event *ev = seen(&a, PLACE_CEV_PLACED);
    CHECK(ev && ev->x == 3 && ev->y == 4 && ev->seq > 0);
    CHECK(run_until(&b, shows, &red, 10000)); /* the other player sees it */

    /* Who placed it: the history answer names player a. */
    CHECK_INT(place_client_pixel_info(b.c, 3, 4), 0);
    place_client_event_type info = PLACE_CEV_PIXEL_INFO;
    CHECK(run_until(&b, saw, &info, 10000));
    ev = seen(&b, PLACE_CEV_PIXEL_INFO);
    CHECK(ev && ev->code == PLACE_ERR_NONE && ev->history_count == 1);
    if (ev && ev->history_count == 1) {
        CHECK_STR(ev->history[0].username, st.user.username);
        CHECK_INT(ev->history[0].color, 5);
    }
    leave(&a);
    leave(&b);
}

static void cooldown_refusal_rolls_back(void)
{
    /* Two engines with one session: the second does not know the first one's cooldown. */
    char url[128], err[200];
    snprintf(url, sizeof url, "%s/api/v1/auth/me", server_url);
    http_resp resp;
    CHECK_INT(client_http_request("GET", url, NULL, NULL, 5000, NULL, &resp, err, sizeof err), 0);
    free(resp.body);
    CHECK(resp.token[0] != '\0');
    player a, b;
    join(&a, resp.token);
    join(&b, resp.token);
    CHECK(run_until(&a, is_ready, NULL, 10000));
    CHECK(run_until(&b, is_ready, NULL, 10000));
    char why[200] = "";
    CHECK_INT(place_client_place(a.c, 10, 10, 12, why, sizeof why), 0);
    place_client_event_type placed = PLACE_CEV_PLACED;
    CHECK(run_until(&a, saw, &placed, 10000));
    /* a's own cooldown now refuses locally, nothing sent */
    CHECK(place_client_place(a.c, 11, 10, 12, why, sizeof why) < 0);
    CHECK(strstr(why, "before placing again") != NULL);

    want_px white = {20, 5, 0};
    CHECK(run_until(&b, shows, &white, 0));
    CHECK_INT(place_client_place(b.c, 20, 5, 13, why, sizeof why), 0);
    place_client_event_type rollback = PLACE_CEV_ROLLBACK;
    CHECK(run_until(&b, saw, &rollback, 10000));
    const place_client_event *ev = seen(&b, PLACE_CEV_ROLLBACK);
    CHECK(ev && ev->code == PLACE_ERR_COOLDOWN && ev->color == 0);
    if (ev)
        CHECK_STR(ev->text, place_err_message(PLACE_ERR_COOLDOWN));
    CHECK(run_until(&b, shows, &white, 0)); /* back to white */
    place_client_status st;
    place_client_get_status(b.c, &st);
    CHECK(st.next_placement > place_client_now_ms() + 50000); /* the server's retryAfter */
    leave(&a);
    leave(&b);
}

int main(int argc, char **argv)
{
    if (!getenv("PLACED")) {
        fprintf(stderr, "set PLACED to the placed binary\n");
        return 1;
    }
    if (start_server("60") < 0) {
        fprintf(stderr, "could not start placed\n");
        stop_server();
        return 1;
    }
    atexit(stop_server);
    static const test_case cases[] = {TEST(two_players_see_each_other),
                                      TEST(cooldown_refusal_rolls_back)};
    return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}

int test_failures;

/* place-tui: the terminal client of Place. Parses the command line, handles --login/--logout
 * (the session token file is shared with place-sdl through the engine), then runs the screen. */
#include <arpa/inet.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bench.h"
#include "place/cli.h"
#include "place/client.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: place-tui [options] [URL]\n"
            "  URL                  the Place server (default %s)\n"
            "  --login USER         log in as USER (asks for the password) and remember it\n"
            "  --logout             log out and forget the remembered session\n"
            "  --no-bell            no terminal bell when the cooldown ends (the status line\n"
            "                       still says ready)\n"
            "  --forwarded-for ADDR tell the server the player is at ADDR (X-Forwarded-For);\n"
            "                       it believes this only from an address in its --trusted-proxy\n"
            "                       (the SSH gate, place-tui-ssh-setup, passes the SSH client's)\n"
            "  --template FILE|URL  show this PNG as a template (o, O, n keys; docs/templates.md)\n"
            "  --at X,Y             the canvas pixel under the template's top-left (default 0,0)\n"
            "  --bench-redraw N     benchmark: N full redraws of a 200x60 terminal showing a\n"
            "                       2000x2000 canvas at whole-canvas zoom; no server needed\n"
            "  --bench-size WxH     terminal size for --bench-redraw (default 200x60)\n"
            "  --bench-canvas SIDE  canvas side for --bench-redraw (default 2000)\n"
            "  --bench-idle SEC     benchmark: stay connected to URL without a terminal for SEC\n"
            "                       seconds and print the CPU the client used\n"
            "  -h, --help           this help\n"
            "Keys: press ? in the client, or read docs/keys.md.\n"
            "The session is kept in $XDG_CONFIG_HOME/place/session (else ~/.config/place/).\n",
            PLACE_CLIENT_DEFAULT_URL);
}

/* place-tui's own options (the shared ones: place/cli.h). */
typedef struct tui_options {
    int bell, bench, bench_idle_s, bench_cols, bench_rows;
    long bench_side;
} tui_options;

static int own_option(void *arg, const char *a, const char *next)
{
    tui_options *o = arg;
    if (next && strcmp(a, "--forwarded-for") == 0) {
        unsigned char bin[16];
        if (inet_pton(AF_INET, next, bin) != 1 && inet_pton(AF_INET6, next, bin) != 1) {
            fprintf(stderr, "place-tui: --forwarded-for wants an IPv4 or IPv6 address\n");
            return -1;
        }
        setenv("PLACE_FORWARDED_FOR", next, 1); /* the engine adds it to every request */
    } else if (next && strcmp(a, "--bench-redraw") == 0) {
        o->bench = atoi(next);
    } else if (next && strcmp(a, "--bench-idle") == 0) {
        o->bench_idle_s = atoi(next);
    } else if (next && strcmp(a, "--bench-size") == 0) {
        if (sscanf(next, "%dx%d", &o->bench_cols, &o->bench_rows) != 2 || o->bench_cols < 10 ||
            o->bench_rows < 5) {
            fprintf(stderr, "place-tui: --bench-size wants COLSxROWS, e.g. 200x60\n");
            return -1;
        }
    } else if (next && strcmp(a, "--bench-canvas") == 0) {
        o->bench_side = atol(next);
    } else if (strcmp(a, "--no-bell") == 0) {
        o->bell = 0;
        return 1;
    } else {
        return 0;
    }
    return 2;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, ""); /* ncursesw needs the locale to draw half blocks in UTF-8 */
    place_cli cli = {0};
    tui_options o = {.bell = 1, .bench_cols = 200, .bench_rows = 60, .bench_side = 2000};
    int status;
    if (place_cli_parse(&cli, "place-tui", argc, argv, usage, own_option, &o, &status) < 0)
        return status;
    if (o.bench > 0) {
        if (o.bench_side < 1 || o.bench_side > 16384) {
            fprintf(stderr, "place-tui: --bench-canvas wants 1..16384\n");
            return 2;
        }
        return bench_redraw(o.bench, o.bench_cols, o.bench_rows, (uint32_t)o.bench_side);
    }
    if (o.bench_idle_s > 0 && !cli.logout) /* --logout comes first */
        return bench_idle(cli.url, NULL, o.bench_idle_s);
    place_template tmpl;
    char token[PLACE_CLIENT_TOKEN_MAX + 1];
    if (place_cli_start(&cli, "place-tui", &tmpl, token, &status) < 0)
        return status;
    return app_run(cli.url, token[0] ? token : NULL, cli.tmpl_src ? &tmpl : NULL, o.bell);
}

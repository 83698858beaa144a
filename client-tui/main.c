/* place-tui: the terminal client of Place. Parses the command line, handles --login/--logout
 * (the session token file is shared with place-sdl through the engine), then runs the screen. */
#include <arpa/inet.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bench.h"
#include "place/client.h"
#include "place/template.h"

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

int main(int argc, char **argv)
{
    setlocale(LC_ALL, ""); /* ncursesw needs the locale to draw half blocks in UTF-8 */
    const char *url = NULL, *login = NULL, *tmpl_src = NULL;
    int tx = 0, ty = 0;
    int logout = 0, bell = 1, bench = 0, bench_idle_s = 0, bench_cols = 200, bench_rows = 60;
    long bench_side = 2000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--login") == 0 && i + 1 < argc) {
            login = argv[++i];
        } else if (strcmp(a, "--forwarded-for") == 0 && i + 1 < argc) {
            unsigned char bin[16];
            const char *addr = argv[++i];
            if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1) {
                fprintf(stderr, "place-tui: --forwarded-for wants an IPv4 or IPv6 address\n");
                return 2;
            }
            setenv("PLACE_FORWARDED_FOR", addr, 1); /* the engine adds it to every request */
        } else if (strcmp(a, "--template") == 0 && i + 1 < argc) {
            tmpl_src = argv[++i];
        } else if (strcmp(a, "--at") == 0 && i + 1 < argc) {
            if (place_template_parse_xy(argv[++i], &tx, &ty) < 0) {
                fprintf(stderr, "place-tui: --at wants X,Y (two whole numbers, 0 or more)\n");
                return 2;
            }
        } else if (strcmp(a, "--logout") == 0) {
            logout = 1;
        } else if (strcmp(a, "--no-bell") == 0) {
            bell = 0;
        } else if (strcmp(a, "--bench-redraw") == 0 && i + 1 < argc) {
            bench = atoi(argv[++i]);
        } else if (strcmp(a, "--bench-idle") == 0 && i + 1 < argc) {
            bench_idle_s = atoi(argv[++i]);
        } else if (strcmp(a, "--bench-size") == 0 && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &bench_cols, &bench_rows) != 2 || bench_cols < 10 ||
                bench_rows < 5) {
                fprintf(stderr, "place-tui: --bench-size wants COLSxROWS, e.g. 200x60\n");
                return 2;
            }
        } else if (strcmp(a, "--bench-canvas") == 0 && i + 1 < argc) {
            bench_side = atol(argv[++i]);
        } else if (a[0] == '-') {
            fprintf(stderr, "place-tui: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (!url) {
            url = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!url)
        url = PLACE_CLIENT_DEFAULT_URL;
    if (bench > 0) {
        if (bench_side < 1 || bench_side > 16384) {
            fprintf(stderr, "place-tui: --bench-canvas wants 1..16384\n");
            return 2;
        }
        return bench_redraw(bench, bench_cols, bench_rows, (uint32_t)bench_side);
    }
    if (logout)
        return place_client_logout_stored("place-tui", url);
    if (bench_idle_s > 0)
        return bench_idle(url, NULL, bench_idle_s);
    if (login && place_client_login_interactive("place-tui", url, login) < 0)
        return 1;
    place_template tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    if (tmpl_src) {
        char err[400];
        if (place_template_load(&tmpl, tmpl_src, err, sizeof err) < 0) {
            fprintf(stderr, "place-tui: template: %s\n", err);
            return 1;
        }
        tmpl.x = tx;
        tmpl.y = ty;
    }
    char token[PLACE_CLIENT_TOKEN_MAX + 1];
    int have = place_client_token_load(token) == 1;
    return app_run(url, have ? token : NULL, tmpl_src ? &tmpl : NULL, bell);
}

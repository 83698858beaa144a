/* place-sdl: the SDL2 desktop client of Place. Parses the command line, handles --login and
 * --logout (the session token file is shared with place-tui through the engine), then runs the
 * window, or the test script, or the frame benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "place/client.h"
#include "place/template.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: place-sdl [options] [URL]\n"
            "  URL                  the Place server (default %s)\n"
            "  --login USER         log in as USER (asks for the password) and remember it\n"
            "  --logout             log out and forget the remembered session\n"
            "  --window WxH         window size in logical pixels (default 1024x768)\n"
            "  --renderer NAME      SDL render driver: software, opengl, opengles2 ... (default:\n"
            "                       an accelerated one with vsync, else software)\n"
            "  --no-vsync           do not wait for the display's refresh when presenting\n"
            "  --template FILE|URL  show this PNG as a template (o, O, n keys; docs/templates.md)\n"
            "  --at X,Y             the canvas pixel under the template's top-left (default 0,0)\n"
            "  -h, --help           this help\n"
            "Test mode and benchmark:\n"
            "  --script FILE        run FILE's synthetic input and checks (client-sdl/script.h\n"
            "                       lists the commands); exit 0 when it quits, 3 when a check\n"
            "                       fails. Layout: the bottom %d logical px are the bar; the\n"
            "                       canvas fills the rest, fitted and centred at first\n"
            "  --bench-frames N     render N frames at whole-canvas zoom and N at the closest\n"
            "                       zoom while synthetic pixels arrive; print frame times\n"
            "  --bench-canvas SIDE  canvas side for the benchmark (default 2000)\n"
            "  --bench-rate N       synthetic pixels per second (default 10000)\n"
            "Keys: press ? in the client, or read docs/keys.md. The mouse wheel zooms around the\n"
            "pointer, a drag pans, a click places, Ctrl+click (or right click) shows who placed.\n"
            "The session is kept in $XDG_CONFIG_HOME/place/session (else ~/.config/place/).\n",
            PLACE_CLIENT_DEFAULT_URL, APP_BAR_H);
}

int main(int argc, char **argv)
{
    app_options o = {.win_w = 1024, .win_h = 768, .bench_side = 2000, .bench_rate = 10000};
    const char *login = NULL, *tmpl_src = NULL;
    int logout = 0, tx = 0, ty = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--login") == 0 && next) {
            login = argv[++i];
        } else if (strcmp(a, "--logout") == 0) {
            logout = 1;
        } else if (strcmp(a, "--window") == 0 && next) {
            i++;
            if (sscanf(next, "%dx%d", &o.win_w, &o.win_h) != 2 || o.win_w < 320 || o.win_h < 240 ||
                o.win_w > 16384 || o.win_h > 16384) {
                fprintf(stderr, "place-sdl: --window wants WxH, at least 320x240\n");
                return 2;
            }
        } else if (strcmp(a, "--renderer") == 0 && next) {
            o.renderer = argv[++i];
        } else if (strcmp(a, "--template") == 0 && next) {
            tmpl_src = argv[++i];
        } else if (strcmp(a, "--at") == 0 && next) {
            if (place_template_parse_xy(argv[++i], &tx, &ty) < 0) {
                fprintf(stderr, "place-sdl: --at wants X,Y (two whole numbers, 0 or more)\n");
                return 2;
            }
        } else if (strcmp(a, "--no-vsync") == 0) {
            o.no_vsync = 1;
        } else if (strcmp(a, "--script") == 0 && next) {
            o.script_path = argv[++i];
        } else if (strcmp(a, "--bench-frames") == 0 && next) {
            o.bench_frames = atoi(argv[++i]);
            if (o.bench_frames < 1) {
                fprintf(stderr, "place-sdl: --bench-frames wants a positive number\n");
                return 2;
            }
        } else if (strcmp(a, "--bench-canvas") == 0 && next) {
            long side = atol(argv[++i]);
            if (side < 1 || side > 16384) {
                fprintf(stderr, "place-sdl: --bench-canvas wants 1..16384\n");
                return 2;
            }
            o.bench_side = (uint32_t)side;
        } else if (strcmp(a, "--bench-rate") == 0 && next) {
            o.bench_rate = atoi(argv[++i]);
            if (o.bench_rate < 0) {
                fprintf(stderr, "place-sdl: --bench-rate wants 0 or more\n");
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "place-sdl: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (!o.url) {
            o.url = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!o.url)
        o.url = PLACE_CLIENT_DEFAULT_URL;
    if (o.bench_frames > 0) {
        o.no_vsync = 1; /* the benchmark paces frames itself and times only their work */
        return app_bench(&o);
    }
    if (logout)
        return place_client_logout_stored("place-sdl", o.url);
    if (login && place_client_login_interactive("place-sdl", o.url, login) < 0)
        return 1;
    place_template tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    if (tmpl_src) {
        char err[400];
        if (place_template_load(&tmpl, tmpl_src, err, sizeof err) < 0) {
            fprintf(stderr, "place-sdl: template: %s\n", err);
            return 1;
        }
        tmpl.x = tx;
        tmpl.y = ty;
        o.tmpl = &tmpl;
    }
    char token[PLACE_CLIENT_TOKEN_MAX + 1];
    int have = place_client_token_load(token) == 1;
    o.token = have ? token : NULL;
    int rc = app_run(&o);
    place_template_free(&tmpl); /* app_run took it over, unless it failed first */
    return rc;
}

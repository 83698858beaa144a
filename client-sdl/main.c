/* place-sdl: the SDL2 desktop client of Place. Parses the command line, handles --login and
 * --logout (the session token file is shared with place-tui through the engine), then runs the
 * window, or the test script, or the frame benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "place/cli.h"
#include "place/client.h"

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

/* place-sdl's own options (the shared ones: place/cli.h), into an app_options. */
static int own_option(void *arg, const char *a, const char *next)
{
    app_options *o = arg;
    if (strcmp(a, "--no-vsync") == 0) {
        o->no_vsync = 1;
        return 1;
    }
    if (next && strcmp(a, "--window") == 0) {
        if (sscanf(next, "%dx%d", &o->win_w, &o->win_h) != 2 || o->win_w < 320 ||
            o->win_h < 240 || o->win_w > 16384 || o->win_h > 16384) {
            fprintf(stderr, "place-sdl: --window wants WxH, at least 320x240\n");
            return -1;
        }
    } else if (next && strcmp(a, "--renderer") == 0) {
        o->renderer = next;
    } else if (next && strcmp(a, "--script") == 0) {
        o->script_path = next;
    } else if (next && strcmp(a, "--bench-frames") == 0) {
        o->bench_frames = atoi(next);
        if (o->bench_frames < 1) {
            fprintf(stderr, "place-sdl: --bench-frames wants a positive number\n");
            return -1;
        }
    } else if (next && strcmp(a, "--bench-canvas") == 0) {
        long side = atol(next);
        if (side < 1 || side > 16384) {
            fprintf(stderr, "place-sdl: --bench-canvas wants 1..16384\n");
            return -1;
        }
        o->bench_side = (uint32_t)side;
    } else if (next && strcmp(a, "--bench-rate") == 0) {
        o->bench_rate = atoi(next);
        if (o->bench_rate < 0) {
            fprintf(stderr, "place-sdl: --bench-rate wants 0 or more\n");
            return -1;
        }
    } else {
        return 0;
    }
    return 2;
}

int main(int argc, char **argv)
{
    app_options o = {.win_w = 1024, .win_h = 768, .bench_side = 2000, .bench_rate = 10000};
    place_cli cli = {0};
    int status;
    if (place_cli_parse(&cli, "place-sdl", argc, argv, usage, own_option, &o, &status) < 0)
        return status;
    o.url = cli.url;
    if (o.bench_frames > 0) {
        o.no_vsync = 1; /* the benchmark paces frames itself and times only their work */
        return app_bench(&o);
    }
    place_template tmpl;
    char token[PLACE_CLIENT_TOKEN_MAX + 1];
    if (place_cli_start(&cli, "place-sdl", &tmpl, token, &status) < 0)
        return status;
    o.tmpl = cli.tmpl_src ? &tmpl : NULL;
    o.token = token[0] ? token : NULL;
    int rc = app_run(&o);
    place_template_free(&tmpl); /* app_run took it over, unless it failed first */
    return rc;
}

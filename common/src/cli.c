/* The command line both native clients share (see place/cli.h). */
#include "place/cli.h"

#include <stdio.h>
#include <string.h>

/* One of the shared words, a (value: the word after it, or NULL): as place_cli_opt_fn. */
static int shared_option(place_cli *c, const char *prog, const char *a, const char *value)
{
    if (a[0] != '-') {
        if (c->url)
            return 0; /* a second URL: refused by place_cli_parse */
        c->url = a;
        return 1;
    }
    if (strcmp(a, "--logout") == 0) {
        c->logout = 1;
        return 1;
    }
    if (value && strcmp(a, "--login") == 0) {
        c->login = value;
    } else if (value && strcmp(a, "--template") == 0) {
        c->tmpl_src = value;
    } else if (value && strcmp(a, "--at") == 0) {
        if (place_template_parse_xy(value, &c->tx, &c->ty) < 0) {
            fprintf(stderr, "%s: --at wants X,Y (two whole numbers, 0 or more)\n", prog);
            return -1;
        }
    } else {
        return 0;
    }
    return 2;
}

int place_cli_parse(place_cli *c, const char *prog, int argc, char **argv, void (*usage)(FILE *f),
                    place_cli_opt_fn own, void *arg, int *status)
{
    *status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int took = shared_option(c, prog, a, value);
        if (!took && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(stdout);
            *status = 0;
            return -1;
        }
        if (!took)
            took = own(arg, a, value);
        if (took < 0)
            return -1;
        if (took) {
            i += took - 1; /* past the value too */
            continue;
        }
        if (a[0] == '-')
            fprintf(stderr, "%s: unknown option %s\n", prog, a);
        usage(stderr); /* an unknown option, or a second URL */
        return -1;
    }
    if (!c->url)
        c->url = PLACE_CLIENT_DEFAULT_URL;
    *status = 0;
    return 0;
}

int place_cli_start(const place_cli *c, const char *prog, place_template *tmpl,
                    char token[PLACE_CLIENT_TOKEN_MAX + 1], int *status)
{
    memset(tmpl, 0, sizeof *tmpl);
    token[0] = '\0';
    if (c->logout) {
        *status = place_client_logout_stored(prog, c->url);
        return -1;
    }
    *status = 1;
    if (c->login && place_client_login_interactive(prog, c->url, c->login) < 0)
        return -1;
    if (c->tmpl_src) {
        char err[400];
        if (place_template_load(tmpl, c->tmpl_src, err, sizeof err) < 0) {
            fprintf(stderr, "%s: template: %s\n", prog, err);
            return -1;
        }
        tmpl->x = c->tx;
        tmpl->y = c->ty;
    }
    if (place_client_token_load(token) != 1)
        token[0] = '\0';
    *status = 0;
    return 0;
}

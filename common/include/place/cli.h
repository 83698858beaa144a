/* The command line place-tui and place-sdl share: the server URL, --login/--logout, --template
 * and --at, and what the client does with them before it opens its screen. Each client keeps
 * its own options, its usage text and its benchmark modes; these are read the same way in both.
 *
 * Usage sketch (prog is the program's name, the prefix of every message):
 *
 *     place_cli cli = {0};
 *     int status;
 *     if (place_cli_parse(&cli, prog, argc, argv, usage, own_option, &opts, &status) < 0)
 *         return status;
 *     ...benchmarks that need no account...
 *     place_template tmpl;
 *     char token[PLACE_CLIENT_TOKEN_MAX + 1];
 *     if (place_cli_start(&cli, prog, &tmpl, token, &status) < 0)
 *         return status;
 *
 * In place_client (it logs in and loads templates); messages for the person go to stderr. */
#ifndef PLACE_CLI_H
#define PLACE_CLI_H

#include <stdio.h>

#include "place/client.h"
#include "place/template.h"

typedef struct place_cli {
    const char *url;      /* the first word that is not an option; NULL: none given */
    const char *login;    /* --login USER, or NULL */
    int logout;           /* --logout */
    const char *tmpl_src; /* --template FILE|URL, or NULL */
    int tx, ty;           /* --at X,Y: the canvas pixel under the template (0,0 unless given) */
} place_cli;

/* A client's own options: reads the word opt if it is one of them, with value the word after it
 * (NULL: none). Returns 1 when it took opt alone, 2 when it took opt and value, 0 when opt is
 * not one of them (or lacks its value), or -1 after saying on stderr why value is wrong. */
typedef int (*place_cli_opt_fn)(void *arg, const char *opt, const char *value);

/* Reads the whole command line into c: the URL (the first word that is not an option; default
 * PLACE_CLIENT_DEFAULT_URL), --login USER, --logout, --template FILE|URL, --at X,Y (a value is
 * the next word, whatever it looks like), the client's own options through own(arg, ...), and
 * -h/--help (usage(stdout)). An unknown option or a second URL is refused (usage(stderr)).
 * Messages go to stderr, prefixed with prog. Returns 0 to go on, or -1 when the program should
 * end now with exit status *status: 0 after --help, 2 for a refused command line. */
int place_cli_parse(place_cli *c, const char *prog, int argc, char **argv, void (*usage)(FILE *f),
                    place_cli_opt_fn own, void *arg, int *status);

/* What both clients do once the command line is read (c->url set): --logout (forget the stored
 * session; nothing else runs), --login (ask for the password on the terminal, log in, store the
 * session), then load --template's picture at --at into tmpl (emptied first: with no
 * --template it stays empty and owns nothing) and read the stored session token into token
 * (empty when none). Returns 0 to go on, or -1 when the program should end now with exit
 * status *status (--logout done, or a log-in or template that failed, said on stderr). */
int place_cli_start(const place_cli *c, const char *prog, place_template *tmpl,
                    char token[PLACE_CLIENT_TOKEN_MAX + 1], int *status);

#endif

/* Unit tests of the command line place-tui and place-sdl share (place/cli.h): which words it
 * takes, which it leaves to the client, and what it refuses. No server, no terminal. */
#include <stdlib.h>
#include <unistd.h>

#include "../unit/test.h"
#include "place/cli.h"

/* The client's side, as the tests play it: one option of its own, --own VALUE (and --own-bad
 * VALUE, whose value is always wrong), and a usage() that counts where it printed. */
static const char *own_value;
static int usage_out, usage_err;

static int own(void *arg, const char *opt, const char *value)
{
    (void)arg;
    if (!value)
        return 0;
    if (strcmp(opt, "--own-bad") == 0)
        return -1;
    if (strcmp(opt, "--own") != 0)
        return 0;
    own_value = value;
    return 2;
}

static void usage(FILE *f)
{
    if (f == stdout)
        usage_out++;
    else
        usage_err++;
}

/* place_cli_parse over the words given (argv[0] added); its return value, status in *status. */
static int parse(place_cli *c, int *status, int n, const char **words)
{
    char *argv[16] = {"prog"};
    for (int k = 0; k < n && k < 15; k++)
        argv[k + 1] = (char *)words[k];
    memset(c, 0, sizeof *c);
    own_value = NULL;
    usage_out = usage_err = 0;
    *status = -5;
    return place_cli_parse(c, "test", n + 1, argv, usage, own, NULL, status);
}

#define PARSE(c, status, ...)                                                                  \
    parse(c, status, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),      \
          (const char *[]){__VA_ARGS__})

static void the_shared_options_and_the_url_are_read_in_any_order(void)
{
    place_cli c;
    int status;
    CHECK_INT(PARSE(&c, &status, "--login", "bob", "http://127.0.0.1:9", "--own", "v",
                    "--template", "t.png", "--at", "3,4", "--logout"),
              0);
    CHECK_INT(status, 0);
    CHECK_STR(c.url, "http://127.0.0.1:9");
    CHECK_STR(c.login, "bob");
    CHECK_STR(c.tmpl_src, "t.png");
    CHECK_INT(c.tx, 3);
    CHECK_INT(c.ty, 4);
    CHECK_INT(c.logout, 1);
    CHECK_STR(own_value, "v");
    CHECK_INT(usage_out + usage_err, 0);
}

static void without_a_url_the_default_server(void)
{
    place_cli c;
    int status;
    CHECK_INT(PARSE(&c, &status, "--logout"), 0);
    CHECK_STR(c.url, PLACE_CLIENT_DEFAULT_URL);
    CHECK_INT(c.tx, 0);
    CHECK(c.login == NULL && c.tmpl_src == NULL);
}

static void a_value_is_the_next_word_whatever_it_looks_like(void)
{
    place_cli c;
    int status;
    CHECK_INT(PARSE(&c, &status, "--template", "--login", "u"), 0);
    CHECK_STR(c.tmpl_src, "--login");
    CHECK(c.login == NULL);
    CHECK_STR(c.url, "u");
}

static void help_prints_the_usage_and_ends_with_0(void)
{
    place_cli c;
    int status;
    CHECK_INT(PARSE(&c, &status, "http://a", "--help", "--bogus"), -1);
    CHECK_INT(status, 0);
    CHECK_INT(usage_out, 1);
    CHECK_INT(PARSE(&c, &status, "-h"), -1);
    CHECK_INT(status, 0);
    CHECK_INT(usage_out, 1);
    CHECK_INT(usage_err, 0);
}

static void unknown_options_missing_values_and_a_second_url_end_with_2(void)
{
    place_cli c;
    int status;
    CHECK_INT(PARSE(&c, &status, "--bogus"), -1);
    CHECK_INT(status, 2);
    CHECK_INT(usage_err, 1);
    CHECK_INT(PARSE(&c, &status, "http://a", "--login"), -1); /* no value: unknown */
    CHECK_INT(status, 2);
    CHECK_INT(usage_err, 1);
    CHECK_INT(PARSE(&c, &status, "--own"), -1);
    CHECK_INT(status, 2);
    CHECK_INT(PARSE(&c, &status, "http://a", "http://b"), -1);
    CHECK_INT(status, 2);
    CHECK_INT(usage_err, 1);
}

static void wrong_values_end_with_2_without_the_usage(void)
{
    const char *bad[] = {"3", "x,4", "-1,2", ""};
    place_cli c;
    int status;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        CHECK_INT(PARSE(&c, &status, "--at", bad[k]), -1);
        CHECK_INT(status, 2);
        CHECK_INT(usage_err, 0);
    }
    CHECK_INT(PARSE(&c, &status, "--own-bad", "x"), -1);
    CHECK_INT(status, 2);
    CHECK_INT(usage_err, 0);
}

/* Points $XDG_CONFIG_HOME at a new empty directory (no stored session): dir, "/tmp/...XXXXXX". */
static void fresh_config(char *dir)
{
    CHECK(mkdtemp(dir) != NULL);
    setenv("XDG_CONFIG_HOME", dir, 1);
}

/* Removes what fresh_config made and the session file place_client_token_save put there. */
static void drop_config(const char *dir)
{
    CHECK_INT(place_client_token_clear(), 0);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/place", dir);
    rmdir(sub);
    rmdir(dir);
}

static void start_without_options_loads_no_template_and_no_token(void)
{
    char dir[] = "/tmp/place-test-cli-XXXXXX";
    fresh_config(dir);
    place_cli c = {.url = "http://127.0.0.1:9"};
    place_template t;
    char token[PLACE_CLIENT_TOKEN_MAX + 1] = "junk";
    int status = -5;
    CHECK_INT(place_cli_start(&c, "test", &t, token, &status), 0);
    CHECK_INT(status, 0);
    CHECK_STR(token, "");
    CHECK(t.px == NULL);
    drop_config(dir);
}

static void start_reads_the_stored_session(void)
{
    char dir[] = "/tmp/place-test-cli-XXXXXX";
    fresh_config(dir);
    CHECK_INT(place_client_token_save("abc123"), 0);
    place_cli c = {.url = "http://127.0.0.1:9"};
    place_template t;
    char token[PLACE_CLIENT_TOKEN_MAX + 1] = "";
    int status = -5;
    CHECK_INT(place_cli_start(&c, "test", &t, token, &status), 0);
    CHECK_STR(token, "abc123");
    drop_config(dir);
}

static void start_with_a_missing_template_ends_with_status_1(void)
{
    place_cli c = {.url = "http://127.0.0.1:9", .tmpl_src = "/nonexistent/place-test.png"};
    place_template t;
    char token[PLACE_CLIENT_TOKEN_MAX + 1];
    int status = -5;
    CHECK_INT(place_cli_start(&c, "test", &t, token, &status), -1);
    CHECK_INT(status, 1);
    CHECK(t.px == NULL);
}

TEST_MAIN(TEST(the_shared_options_and_the_url_are_read_in_any_order),
          TEST(without_a_url_the_default_server),
          TEST(a_value_is_the_next_word_whatever_it_looks_like),
          TEST(help_prints_the_usage_and_ends_with_0),
          TEST(unknown_options_missing_values_and_a_second_url_end_with_2),
          TEST(wrong_values_end_with_2_without_the_usage),
          TEST(start_without_options_loads_no_template_and_no_token),
          TEST(start_reads_the_stored_session),
          TEST(start_with_a_missing_template_ends_with_status_1))

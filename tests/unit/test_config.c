/* placed's configuration (server/config.c): the --config file, its errors (file:line, the same
 * checks as the flags), flags winning over it, and the sample file and manual page generated from
 * the one table. */
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

static char dir[] = "/tmp/place-test-config-XXXXXX";

/* Writes text to a fresh file in dir and returns its path (static buffer). */
static const char *file_with(const char *name, const char *text, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    return path;
}
#define FILE_WITH(name, text) file_with(name, text, sizeof text - 1)

static int parse(place_config *cfg, char *err, size_t cap, int argc, char **argv)
{
    config_defaults(cfg);
    err[0] = '\0';
    return config_parse(cfg, argc, argv, err, cap);
}

static void file_sets_values_and_skips_comments(void)
{
    const char *p = FILE_WITH("good.conf", "# a comment\n"
                                           "\n"
                                           "   ; another\n"
                                           "port = 9001\n"
                                           "data-dir=/var/lib/place\r\n"
                                           "\tcooldown =  0  \n"
                                           "guests-can-place = no\n"
                                           "cdn-url = \"  spaced  \"\n"
                                           "trusted-proxy = 127.0.0.1, ::1\n"
                                           "kafka-topic =\n");
    place_config c;
    char err[600];
    char *argv[] = {"placed", "--config", (char *)p};
    CHECK_INT(parse(&c, err, sizeof err, 3, argv), 0);
    CHECK_STR(err, "");
    CHECK_INT(c.port, 9001);
    CHECK_STR(c.data_dir, "/var/lib/place");
    CHECK_INT(c.cooldown_sec, 0);
    CHECK_INT(c.guests_can_place, 0);
    CHECK_STR(c.cdn_url, "  spaced  ");
    CHECK_STR(c.trusted_proxy, "127.0.0.1, ::1");
    CHECK_STR(c.kafka_topic, "");
    CHECK_INT(c.width, 2000); /* untouched: the default */
}

static void flags_win_over_the_file_wherever_they_stand(void)
{
    const char *p = FILE_WITH("win.conf", "port = 9001\nwidth = 50\nguests-can-place = yes\n");
    place_config c;
    char err[600];
    char *before[] = {"placed", "--port", "7000", "--no-guests-can-place", "--config", (char *)p};
    CHECK_INT(parse(&c, err, sizeof err, 6, before), 0);
    CHECK_INT(c.port, 7000);
    CHECK_INT(c.guests_can_place, 0);
    CHECK_INT(c.width, 50);
    char opt[300];
    snprintf(opt, sizeof opt, "--config=%s", p);
    char *after[] = {"placed", opt, "--width=60"};
    CHECK_INT(parse(&c, err, sizeof err, 3, after), 0);
    CHECK_INT(c.port, 9001);
    CHECK_INT(c.width, 60);
}

/* Each bad file gives exactly this error, with the file and the line. */
static void bad_line(const char *name, const char *text, const char *want_suffix)
{
    const char *p = file_with(name, text, strlen(text));
    char path[256];
    snprintf(path, sizeof path, "%s", p);
    place_config c;
    char err[600], want[700];
    char *argv[] = {"placed", "--config", path};
    CHECK_INT(parse(&c, err, sizeof err, 3, argv), -1);
    snprintf(want, sizeof want, "%s:%s", path, want_suffix);
    CHECK_STR(err, want);
}

static void bad_lines_name_file_and_line(void)
{
    bad_line("int.conf", "# ok\nport = 80\nport2 = 1\n", "3: unknown key \"port2\" (see placed --help)");
    bad_line("range.conf", "\n\nwidth = 0\n", "3: width wants a whole number from 1 to 16384, not \"0\"");
    bad_line("word.conf", "port = eighty\n",
             "1: port wants a whole number from 0 to 65535, not \"eighty\"");
    bad_line("trail.conf", "port = 80 # web\n",
             "1: port wants a whole number from 0 to 65535, not \"80 # web\"");
    bad_line("bool.conf", "guests-can-place = maybe\n",
             "1: guests-can-place wants yes or no, not \"maybe\"");
    bad_line("noeq.conf", "port 80\n", "1: expected \"key = value\", not \"port 80\"");
    bad_line("twice.conf", "port = 80\n# again\nport = 81\n", "3: port is already set on line 1");
    bad_line("act.conf", "ban = alice\n", "1: ban belongs on the command line, not in a config file");
    bad_line("nest.conf", "config = /etc/other.conf\n",
             "1: config belongs on the command line, not in a config file");
    bad_line("help.conf", "help = yes\n", "1: help belongs on the command line, not in a config file");
    char big[700];
    memset(big, 'x', sizeof big);
    memcpy(big, "listen = ", 9);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    bad_line("long.conf", big, "1: listen: value longer than 63 characters");
}

static void nul_bytes_and_huge_lines_refused(void)
{
    const char *p = file_with("nul.conf", "port = 80\nlisten = 1\0.2\n", 24);
    char path[256];
    snprintf(path, sizeof path, "%s", p);
    place_config c;
    char err[600], want[700];
    char *argv[] = {"placed", "--config", path};
    CHECK_INT(parse(&c, err, sizeof err, 3, argv), -1);
    snprintf(want, sizeof want, "%s:2: contains a NUL byte (not a text file?)", path);
    CHECK_STR(err, want);

    size_t n = 10000;
    char *huge = malloc(n + 1);
    memset(huge, '#', n);
    huge[n - 1] = '\n';
    huge[n] = '\0';
    p = file_with("huge.conf", huge, n);
    snprintf(path, sizeof path, "%s", p);
    free(huge);
    CHECK_INT(parse(&c, err, sizeof err, 3, argv), -1);
    snprintf(want, sizeof want, "%s:1: line longer than 4096 characters", path);
    CHECK_STR(err, want);
}

static void missing_file_and_missing_value(void)
{
    place_config c;
    char err[600];
    char *argv[] = {"placed", "--config", "/nonexistent/placed.conf"};
    CHECK_INT(parse(&c, err, sizeof err, 3, argv), -1);
    CHECK_STR(err, "cannot read config file /nonexistent/placed.conf: No such file or directory");
    char *bare[] = {"placed", "--port", "1", "--config"};
    CHECK_INT(parse(&c, err, sizeof err, 4, bare), -1);
    CHECK_STR(err, "--config needs a value (FILE)");
    /* the same check on the command line reads the same, with the flag's dashes */
    char *flag[] = {"placed", "--port", "eighty"};
    CHECK_INT(parse(&c, err, sizeof err, 3, flag), -1);
    CHECK_STR(err, "--port wants a whole number from 0 to 65535, not \"eighty\"");
}

/* The sample file, uncommented, is a valid config that changes nothing: every key it lists
 * parses, at its default. */
static void sample_config_uncommented_is_the_defaults(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    config_sample(m);
    fclose(m);
    char *out = malloc(len + 1), *o = out;
    int keys = 0;
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        size_t l = nl ? (size_t)(nl - line + 1) : strlen(line);
        /* "#key = value" lines become settings; "# text" stays a comment */
        if (line[0] == '#' && line[1] != ' ' && line[1] != '\n' && memchr(line, '=', l)) {
            memcpy(o, line + 1, l - 1);
            o += l - 1;
            keys++;
        } else {
            memcpy(o, line, l);
            o += l;
        }
        line += l;
    }
    *o = '\0';
    const char *p = file_with("sample.conf", out, strlen(out));
    char path[256];
    snprintf(path, sizeof path, "%s", p);
    place_config c, d;
    char err[600];
    char *argv[] = {"placed", "--config", path};
    CHECK_INT(parse(&c, err, sizeof err, 3, argv), 0);
    CHECK_STR(err, "");
    config_defaults(&d);
    strcpy(d.config, path); /* the one difference: --config itself */
    CHECK(memcmp(&c, &d, sizeof c) == 0);
    CHECK(keys >= 20);
    free(out);
    free(buf);
}

/* Every flag --help lists is in the manual page, as roff writes it (\-\-name). */
static void man_page_lists_every_flag(void)
{
    char *help = NULL, *man = NULL;
    size_t hl = 0, ml = 0;
    FILE *m = open_memstream(&help, &hl);
    config_usage(m, "placed");
    fclose(m);
    m = open_memstream(&man, &ml);
    config_man(m, "9.9.9");
    fclose(m);
    int flags = 0;
    for (char *s = strstr(help, "\n  --"); s; s = strstr(s + 1, "\n  --")) {
        char name[64], want[140];
        if (sscanf(s + 5, "%63[a-z0-9-]", name) != 1)
            continue;
        flags++;
        char *o = want;
        o += sprintf(o, "\\fB\\-\\-");
        for (char *n = name; *n; n++)
            o += *n == '-' ? sprintf(o, "\\-") : sprintf(o, "%c", *n);
        sprintf(o, "\\fR");
        if (!strstr(man, want)) {
            fprintf(stderr, "man page lacks --%s (looked for %s)\n", name, want);
            test_failures++;
        }
    }
    CHECK(flags >= 25);
    CHECK(strstr(man, ".TH PLACED 8 \"\" \"place 9.9.9\"") != NULL);
    free(help);
    free(man);
}

/* --since / --at: ISO-8601 (zone Z, an offset, or none = UTC), ms since the epoch, or relative. */
static void times_iso_relative_and_refused(void)
{
    const int64_t now = 1796000000000LL; /* 2026-11-29T...Z */
    int64_t ms = 0;
    CHECK_INT(config_time_ms("2026-11-29T15:00:00Z", now, &ms), 0);
    CHECK_INT(ms, 1795964400000LL);
    CHECK_INT(config_time_ms("2026-11-29T17:00:00+02:00", now, &ms), 0);
    CHECK_INT(ms, 1795964400000LL);
    CHECK_INT(config_time_ms("2026-11-29T15:00:00.250Z", now, &ms), 0);
    CHECK_INT(ms, 1795964400250LL);
    CHECK_INT(config_time_ms("2026-11-29 15:00", now, &ms), 0);
    CHECK_INT(ms, 1795964400000LL);
    CHECK_INT(config_time_ms("2026-11-29", now, &ms), 0);
    CHECK_INT(ms, 1795964400000LL - 15 * 3600 * 1000LL);
    CHECK_INT(config_time_ms("-2h", now, &ms), 0);
    CHECK_INT(ms, now - 2 * 3600 * 1000LL);
    CHECK_INT(config_time_ms("-90s", now, &ms), 0);
    CHECK_INT(ms, now - 90 * 1000LL);
    CHECK_INT(config_time_ms("1795964400000", now, &ms), 0);
    CHECK_INT(ms, 1795964400000LL);
    const char *bad[] = {"", "yesterday", "-2x", "2026-11-29T15:00:00Q", "2026-13-40", "-",
                         "2026-11-29T15:00:00+2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(config_time_ms(bad[i], now, &ms), -1);
}

static void cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int test_failures;
int main(int argc, char **argv)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    atexit(cleanup);
    static const test_case cases[] = {
        TEST(file_sets_values_and_skips_comments), TEST(flags_win_over_the_file_wherever_they_stand),
        TEST(bad_lines_name_file_and_line), TEST(nul_bytes_and_huge_lines_refused),
        TEST(missing_file_and_missing_value), TEST(sample_config_uncommented_is_the_defaults),
        TEST(man_page_lists_every_flag), TEST(times_iso_relative_and_refused)};
    return test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}

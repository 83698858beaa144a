/* Unit tests of the native clients' controller (place/front.h): the key table against what the
 * keys do and against docs/keys.md (PLACE_KEYS_MD names the file), both help boxes, and the
 * controller on an offline engine: keys, prompts, the engine's events in words. */
#include <stdlib.h>

#include "../unit/test.h"
#include "place/client.h"
#include "place/front.h"

int test_failures;

/* ---- the key table ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void docs_keys_md_is_the_table(void)
{
    const char *path = getenv("PLACE_KEYS_MD");
    CHECK(path != NULL);
    if (!path)
        return;
    char *doc = read_file(path);
    CHECK(doc != NULL);
    if (!doc)
        return;
    size_t need = place_front_keys_markdown(NULL, 0);
    char *md = malloc(need + 1);
    CHECK_INT(place_front_keys_markdown(md, need + 1), need);
    if (!strstr(doc, md)) {
        fprintf(stderr, "docs/keys.md does not hold the key table of common/src/front.c; the "
                        "table as it should stand there:\n%s", md);
        test_failures++;
    }
    free(md);
    free(doc);
}

/* Every character a row names does something, and every character that does something is in a
 * row: the help boxes and docs/keys.md cannot leave a key out. */
static void every_key_is_in_the_table(void)
{
    for (int i = 0; i < place_front_nkeys; i++)
        for (const char *p = place_front_keys[i].chars; *p; p++)
            if (place_front_action_of_char(*p) == PLACE_ACT_NONE) {
                fprintf(stderr, "row '%s' names '%c', which does nothing\n",
                        place_front_keys[i].keys, *p);
                test_failures++;
            }
    for (int ch = 0x20; ch < 0x7f; ch++) {
        if (place_front_action_of_char(ch) == PLACE_ACT_NONE)
            continue;
        int found = 0;
        for (int i = 0; i < place_front_nkeys; i++)
            if (strchr(place_front_keys[i].chars, ch))
                found = 1;
        if (!found) {
            fprintf(stderr, "'%c' does something but no row of the key table names it\n", ch);
            test_failures++;
        }
    }
}

static int help_has(unsigned who, const char *keys, const char *what)
{
    char title[80], lines[40][PLACE_FRONT_LINE_MAX];
    int n = place_front_help(who, title, sizeof title, lines, 40);
    for (int i = 0; i < n; i++)
        if (strncmp(lines[i], keys, strlen(keys)) == 0 && strstr(lines[i], what))
            return 1;
    return 0;
}

/* The help box's lines as one text. */
static void help_text(unsigned who, char *out, size_t cap)
{
    char title[80], lines[40][PLACE_FRONT_LINE_MAX];
    int n = place_front_help(who, title, sizeof title, lines, 40);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s\n", lines[i]);
}

/* Each help box shows every row meant for it (the mouse's joined on "mouse" lines), Ctrl-L in
 * both, and fits a 24-line terminal's canvas area (21 rows, less the box's frame). */
static void both_helps_come_from_the_table(void)
{
    for (int i = 0; i < place_front_nkeys; i++) {
        const place_front_keyrow *r = &place_front_keys[i];
        CHECK_INT(help_has(PLACE_FRONT_TUI, r->keys, r->help ? r->help : "\1"),
                  r->help && (r->shown_by & PLACE_FRONT_TUI));
        CHECK_INT(help_has(PLACE_FRONT_SDL, r->keys, r->help ? r->help : "\1"),
                  r->help && (r->shown_by & PLACE_FRONT_SDL));
    }
    char tui[4000], sdl[4000];
    help_text(PLACE_FRONT_TUI, tui, sizeof tui);
    help_text(PLACE_FRONT_SDL, sdl, sizeof sdl);
    for (int i = 0; i < place_front_nmouse; i++) {
        const place_front_keyrow *r = &place_front_mouse[i];
        if (!r->help)
            continue;
        char item[200];
        snprintf(item, sizeof item, "%s %s", r->keys, r->help);
        CHECK_INT(strstr(tui, item) != NULL, (r->shown_by & PLACE_FRONT_TUI) != 0);
        CHECK_INT(strstr(sdl, item) != NULL, (r->shown_by & PLACE_FRONT_SDL) != 0);
    }
    CHECK(strstr(tui, "\nmouse  ") != NULL);
    CHECK(help_has(PLACE_FRONT_TUI, "Ctrl-L", "redraw the screen"));
    CHECK(help_has(PLACE_FRONT_SDL, "Ctrl-L", "redraw the screen"));
    CHECK(help_has(PLACE_FRONT_SDL, "Ctrl-Q", "quit"));
    CHECK(!help_has(PLACE_FRONT_TUI, "Ctrl-Q", "quit"));
    char title[80], lines[40][PLACE_FRONT_LINE_MAX];
    int n = place_front_help(PLACE_FRONT_TUI, title, sizeof title, lines, 40);
    CHECK_STR(title, "place-tui keys (docs/keys.md)");
    CHECK(n + 2 <= 21);
    for (int i = 0; i < n; i++)
        CHECK(strlen(lines[i]) + 4 <= 80);
    place_front_help(PLACE_FRONT_SDL, title, sizeof title, lines, 40);
    CHECK_STR(title, "place-sdl keys (docs/keys.md)");
}

/* ---- the controller on an offline engine ---- */

typedef struct seen {
    int said, go_x, go_y, gone, acts[PLACE_ACT_QUIT + 1], rolled_x, rolled_y, pixels;
    int have_cursor, cx, cy;
} seen;

static void h_said(void *u) { ((seen *)u)->said++; }
static void h_go_to(void *u, int x, int y)
{
    seen *s = u;
    s->go_x = x, s->go_y = y, s->gone++;
}
static void h_act(void *u, place_front_action a) { ((seen *)u)->acts[a]++; }
static void h_rolled(void *u, int x, int y)
{
    seen *s = u;
    s->rolled_x = x, s->rolled_y = y;
}
static void h_pixels(void *u, int x, int y, int w, int h)
{
    (void)x, (void)y, (void)w, (void)h;
    ((seen *)u)->pixels++;
}
static int h_cursor(void *u, int *x, int *y)
{
    seen *s = u;
    *x = s->cx, *y = s->cy;
    return s->have_cursor;
}

static const place_front_ops ops = {.said = h_said, .go_to = h_go_to, .act = h_act,
                                    .rolled_back = h_rolled, .pixels = h_pixels,
                                    .cursor = h_cursor};

static void offline(place_front *f, seen *s)
{
    memset(f, 0, sizeof *f);
    memset(s, 0, sizeof *s);
    f->url = "ws://127.0.0.1:1/ws";
    f->ops = &ops;
    f->user = s;
    place_client_config cfg = {.offline = 1, .offline_width = 64, .offline_height = 32};
    char err[200];
    CHECK_INT(place_client_new(&cfg, &f->c, err, sizeof err), 0);
    f->selected = 5;
}

static void type(place_front *f, const char *text)
{
    for (const char *p = text; *p; p++)
        place_front_char(f, *p);
}

static void keys_choose_colours_and_move(void)
{
    place_front f;
    seen s;
    offline(&f, &s);
    type(&f, "c");
    CHECK_INT(f.selected, 12);
    type(&f, "]]");
    CHECK_INT(f.selected, 14);
    place_front_key(&f, PLACE_KEY_TAB);
    place_front_key(&f, PLACE_KEY_TAB);
    CHECK_INT(f.selected, 0); /* wraps */
    type(&f, "[");
    CHECK_INT(f.selected, 15);
    place_front_key(&f, PLACE_KEY_BACKTAB);
    CHECK_INT(f.selected, 14);
    type(&f, "hjklHJKL+=-z");
    place_front_key(&f, PLACE_KEY_SLEFT);
    place_front_key(&f, PLACE_KEY_CTRL_L);
    CHECK_INT(s.acts[PLACE_ACT_LEFT], 1);
    CHECK_INT(s.acts[PLACE_ACT_DOWN], 1);
    CHECK_INT(s.acts[PLACE_ACT_UP8], 1);
    CHECK_INT(s.acts[PLACE_ACT_LEFT8], 2);
    CHECK_INT(s.acts[PLACE_ACT_ZOOM_IN], 2);
    CHECK_INT(s.acts[PLACE_ACT_ZOOM_OUT], 1);
    CHECK_INT(s.acts[PLACE_ACT_FIT], 1);
    CHECK_INT(s.acts[PLACE_ACT_REDRAW], 1);
    type(&f, "?");
    CHECK_INT(f.mode, PLACE_FRONT_HELP);
    type(&f, "h"); /* closes the help, moves nothing */
    CHECK_INT(f.mode, PLACE_FRONT_NORMAL);
    CHECK_INT(s.acts[PLACE_ACT_LEFT], 1);
    CHECK_INT(f.quit, 0);
    type(&f, "q");
    CHECK_INT(f.quit, 1);
    place_front_stop(&f);
}

static void go_to_prompt(void)
{
    place_front f;
    seen s;
    offline(&f, &s);
    type(&f, "g");
    CHECK_INT(f.mode, PLACE_FRONT_GOTO);
    type(&f, "10,x2");
    char line[200];
    place_front_goto_line(&f, 0, line, sizeof line);
    CHECK_STR(line, "Go to x,y: 10,2");
    CHECK_INT(place_front_goto_cursor(&f), (int)strlen(line));
    place_front_goto_line(&f, 1, line, sizeof line);
    CHECK_STR(line, "Go to x,y: 10,2_   (Enter to go, Esc to cancel)");
    place_front_key(&f, PLACE_KEY_ENTER);
    CHECK_INT(f.mode, PLACE_FRONT_NORMAL);
    CHECK_INT(s.gone, 1);
    CHECK_INT(s.go_x, 10);
    CHECK_INT(s.go_y, 2);
    type(&f, "g64 1");
    place_front_key(&f, PLACE_KEY_ENTER);
    CHECK_INT(s.gone, 1);
    CHECK_STR(f.message, "64,1 is outside the canvas (64x32).");
    CHECK_INT(f.message_error, 1);
    type(&f, "g7");
    place_front_key(&f, PLACE_KEY_BACKSPACE);
    place_front_key(&f, PLACE_KEY_ENTER);
    CHECK_STR(f.message, "Type the coordinates as x,y (for example 10,20).");
    type(&f, "g1,1");
    place_front_key(&f, PLACE_KEY_ESCAPE);
    CHECK_INT(f.mode, PLACE_FRONT_NORMAL);
    CHECK_INT(s.gone, 1);
    place_front_stop(&f);
}

static void account_prompt(void)
{
    place_front f;
    seen s;
    offline(&f, &s);
    type(&f, "u");
    CHECK_INT(f.mode, PLACE_FRONT_ACCOUNT);
    char line[200], title[80], lines[10][PLACE_FRONT_LINE_MAX];
    place_front_account_line(&f, line, sizeof line);
    CHECK_STR(line, "Log in (Tab: register instead, Esc: cancel) username: ");
    place_front_key(&f, PLACE_KEY_ENTER); /* no name yet: stays */
    CHECK_INT(f.acct_step, 0);
    place_front_key(&f, PLACE_KEY_TAB);
    type(&f, "ann?");
    place_front_account_line(&f, line, sizeof line);
    CHECK_STR(line, "Register (Tab: log in instead, Esc: cancel) username: ann?");
    place_front_key(&f, PLACE_KEY_BACKSPACE);
    place_front_key(&f, PLACE_KEY_ENTER);
    type(&f, "pw q");
    place_front_account_line(&f, line, sizeof line);
    CHECK_STR(line, "Register as ann, password: ****");
    int n = place_front_account_box(&f, title, sizeof title, lines, 10);
    CHECK_STR(title, "Create an account");
    CHECK_INT(n, 6);
    CHECK_STR(lines[3], "Password: ****_");
    CHECK_STR(lines[5], "Enter: sign up   Backspace: edit   Esc: cancel");
    CHECK_INT(place_front_box(&f, PLACE_FRONT_TUI, title, sizeof title, lines, 10), 0);
    CHECK_INT(place_front_box(&f, PLACE_FRONT_SDL, title, sizeof title, lines, 10), 6);
    CHECK_INT(f.quit, 0); /* the q went into the password */
    place_front_key(&f, PLACE_KEY_ESCAPE);
    CHECK_INT(f.mode, PLACE_FRONT_NORMAL);
    CHECK_STR(f.acct_pass, "");
    CHECK_STR(f.message, "No change to your session.");
    place_front_stop(&f);
}

static void events_in_words(void)
{
    place_front f;
    seen s;
    offline(&f, &s);
    place_client_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = PLACE_CEV_PLACED;
    ev.x = 3, ev.y = 4, ev.color = 12;
    place_front_event(&f, &ev);
    CHECK_STR(f.message, "Placed blue at 3,4.");
    CHECK_INT(f.message_error, 0);
    CHECK(s.said > 0);
    ev.type = PLACE_CEV_ROLLBACK;
    snprintf(ev.text, sizeof ev.text, "%s", "cooldown");
    place_front_event(&f, &ev);
    CHECK_STR(f.message, "Pixel at 3,4 taken back: cooldown");
    CHECK_INT(f.message_error, 1);
    CHECK_INT(s.rolled_x, 3);
    CHECK_INT(s.rolled_y, 4);
    ev.type = PLACE_CEV_BANNED;
    ev.text[0] = '\0';
    place_front_event(&f, &ev);
    CHECK_STR(f.message, "Your ban was lifted: you may place pixels again.");
    ev.type = PLACE_CEV_PIXEL_INFO;
    ev.code = PLACE_ERR_NONE;
    ev.history_count = 0;
    place_front_event(&f, &ev);
    CHECK_INT(f.mode, PLACE_FRONT_INFO);
    CHECK_STR(f.message, "");
    char title[80], lines[40][PLACE_FRONT_LINE_MAX];
    int n = place_front_info(&f, title, sizeof title, lines, 40);
    CHECK_STR(title, "Pixel 3,4, newest first");
    CHECK_INT(n, 2);
    CHECK_STR(lines[0], "Nobody has placed a pixel here yet.");
    CHECK_INT(place_front_dismiss(&f), 1);
    CHECK_INT(place_front_dismiss(&f), 0);
    /* Space places at the cursor, through the engine (offline: refused in words) */
    s.have_cursor = 0;
    snprintf(f.message, sizeof f.message, "%s", "before");
    type(&f, " ");
    CHECK_STR(f.message, "before"); /* no cursor yet: nothing */
    s.have_cursor = 1, s.cx = 1, s.cy = 2;
    type(&f, " ");
    CHECK(strcmp(f.message, "before") != 0);
    type(&f, "r");
    CHECK_STR(f.message, "Not disconnected: nothing to retry.");
    place_front_stop(&f);
}

/* One pixel of colour at (x, y), as the server's batch would bring it. */
static void inject(place_front *f, uint64_t seq, int x, int y, int color)
{
    place_pixel px[] = {{seq, (uint16_t)x, (uint16_t)y, (uint8_t)color}};
    uint8_t buf[64];
    int len = place_batch_encode(buf, sizeof buf, seq - 1, seq, 0, px, 1);
    CHECK_INT(place_client_inject_frame(f->c, buf, (size_t)len), 0);
    place_front_drain(f);
}

/* The template keys on an offline engine: the count follows injected pixels, n goes to the
 * nearest differing pixel and chooses its colour, o and O toggle and step the style. */
static void template_keys_and_count(void)
{
    place_front f;
    seen s;
    offline(&f, &s);
    type(&f, "n");
    CHECK_STR(f.message, "No template loaded: start with --template FILE|URL --at X,Y.");
    uint8_t rgba[3 * 2 * 4];
    for (int i = 0; i < 6; i++) { /* red, the middle of the bottom row transparent */
        rgba[4 * i] = 229, rgba[4 * i + 1] = 0, rgba[4 * i + 2] = 0, rgba[4 * i + 3] = 255;
    }
    rgba[4 * 4 + 3] = 0;
    place_template t;
    memset(&t, 0, sizeof t);
    char err[200];
    CHECK_INT(place_template_from_rgba(&t, rgba, 3, 2, err, sizeof err), 0);
    t.x = 10, t.y = 20;
    place_front_set_template(&f, &t);
    CHECK(t.px == NULL); /* taken over */
    char line[100];
    CHECK_INT(place_front_template_line(&f, line, sizeof line), 1);
    CHECK_STR(line, "template waits for the canvas");
    place_front_drain(&f); /* the canvas size: checked and counted */
    CHECK_INT(f.tmpl_ready, 1);
    place_front_template_line(&f, line, sizeof line);
    CHECK_STR(line, "0 of 5 pixels match");
    inject(&f, 1, 11, 20, 5);
    inject(&f, 2, 11, 21, 5); /* don't care: not counted */
    place_front_template_line(&f, line, sizeof line);
    CHECK_STR(line, "1 of 5 pixels match");
    CHECK_INT(place_front_template_at(&f, 10, 20), 5);
    CHECK_INT(place_front_template_at(&f, 11, 21), -1);
    s.have_cursor = 1, s.cx = 13, s.cy = 20;
    f.selected = 0;
    type(&f, "n");
    CHECK_INT(s.gone, 1);
    CHECK_INT(s.go_x, 12);
    CHECK_INT(s.go_y, 20);
    CHECK_INT(f.selected, 5);
    CHECK_STR(f.message, "12,20 should be red (it is white); 1 of 5 pixels match.");
    inject(&f, 3, 12, 20, 5);
    place_front_template_line(&f, line, sizeof line);
    CHECK_STR(line, "2 of 5 pixels match");
    inject(&f, 4, 12, 20, 3); /* painted over */
    place_front_template_line(&f, line, sizeof line);
    CHECK_STR(line, "1 of 5 pixels match");
    type(&f, "o");
    CHECK_INT(f.tmpl_shown, 0);
    CHECK_INT(place_front_template_at(&f, 10, 20), -1);
    type(&f, "O"); /* from hidden: shown, same style */
    CHECK_INT(f.tmpl_shown, 1);
    CHECK_STR(place_front_template_style(&f)->name, "overlay 50%");
    type(&f, "OOO");
    CHECK_STR(place_front_template_style(&f)->name, "dots");
    CHECK_INT(place_front_template_style(&f)->dots, 1);
    type(&f, "O");
    CHECK_STR(place_front_template_style(&f)->name, "overlay 50%");
    for (int i = 0; i < 5; i++) /* all of it */
        inject(&f, 5 + (uint64_t)i, 10 + i % 3, 20 + i / 3, 5);
    inject(&f, 10, 12, 21, 5);
    type(&f, "n");
    CHECK_STR(f.message, "The template is complete: 5 of 5 pixels match.");
    place_front_stop(&f);
    CHECK(f.tmpl.px == NULL);
}

/* A template reaching past the canvas is dropped, with the reason. */
static void template_past_the_canvas_is_dropped(void)
{
    place_front f;
    seen s;
    offline(&f, &s);
    uint8_t rgba[4] = {0, 0, 0, 255};
    place_template t;
    memset(&t, 0, sizeof t);
    char err[200];
    CHECK_INT(place_template_from_rgba(&t, rgba, 1, 1, err, sizeof err), 0);
    t.x = 64, t.y = 0; /* the canvas is 64 wide */
    place_front_set_template(&f, &t);
    place_front_drain(&f);
    CHECK(f.tmpl.px == NULL);
    CHECK(strstr(f.message, "Template dropped: the template (1x1) at 64,0 reaches past the canvas (64x32)") != NULL);
    CHECK_INT(f.message_error, 1);
    place_front_stop(&f);
}

TEST_MAIN(TEST(docs_keys_md_is_the_table), TEST(every_key_is_in_the_table),
          TEST(both_helps_come_from_the_table), TEST(keys_choose_colours_and_move),
          TEST(go_to_prompt), TEST(account_prompt), TEST(events_in_words),
          TEST(template_keys_and_count), TEST(template_past_the_canvas_is_dropped))

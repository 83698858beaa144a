#include "place/proto.h"
#include "test.h"

#include <cJSON.h>

static place_err parse(const char *s, place_msg_type *t, place_msg_place *p)
{
    return place_parse_client(s, strlen(s), t, p);
}

static void parse_place(void)
{
    place_msg_type t;
    place_msg_place p;
    CHECK_INT(parse("{\"type\":\"place\",\"x\":10,\"y\":20,\"color\":5,\"requestId\":\"r1\"}", &t, &p),
              PLACE_ERR_NONE);
    CHECK_INT(t, PLACE_MSG_PLACE);
    CHECK_INT(p.x, 10);
    CHECK_INT(p.y, 20);
    CHECK_INT(p.color, 5);
    CHECK_STR(p.request_id.text, "r1");
    CHECK_INT(p.request_id.is_number, 0);
}

static void parse_numeric_request_id(void)
{
    place_msg_type t;
    place_msg_place p;
    CHECK_INT(parse("{\"type\":\"place\",\"x\":0,\"y\":0,\"color\":0,\"requestId\":42}", &t, &p),
              PLACE_ERR_NONE);
    CHECK_STR(p.request_id.text, "42");
    CHECK_INT(p.request_id.is_number, 1);
}

static void parse_ping(void)
{
    place_msg_type t;
    place_msg_place p;
    CHECK_INT(parse("{\"type\":\"ping\"}", &t, &p), PLACE_ERR_NONE);
    CHECK_INT(t, PLACE_MSG_PING);
}

static void parse_errors(void)
{
    place_msg_type t;
    place_msg_place p;
    CHECK_INT(parse("not json", &t, &p), PLACE_ERR_BAD_JSON);
    CHECK_INT(parse("[1,2]", &t, &p), PLACE_ERR_BAD_JSON);
    CHECK_INT(parse("{\"type\":\"place\"", &t, &p), PLACE_ERR_BAD_JSON);
    CHECK_INT(parse("{}", &t, &p), PLACE_ERR_BAD_MESSAGE);
    CHECK_INT(parse("{\"type\":7}", &t, &p), PLACE_ERR_BAD_MESSAGE);
    CHECK_INT(parse("{\"type\":\"dance\"}", &t, &p), PLACE_ERR_UNKNOWN_TYPE);
    /* missing requestId */
    CHECK_INT(parse("{\"type\":\"place\",\"x\":1,\"y\":1,\"color\":1}", &t, &p), PLACE_ERR_BAD_MESSAGE);
    /* wrong types, requestId kept for the answer */
    CHECK_INT(parse("{\"type\":\"place\",\"x\":\"1\",\"y\":1,\"color\":1,\"requestId\":\"a\"}", &t, &p),
              PLACE_ERR_BAD_MESSAGE);
    CHECK_STR(p.request_id.text, "a");
    CHECK_INT(parse("{\"type\":\"place\",\"x\":1.5,\"y\":1,\"color\":1,\"requestId\":\"a\"}", &t, &p),
              PLACE_ERR_BAD_MESSAGE);
    CHECK_INT(parse("{\"type\":\"place\",\"x\":1,\"y\":null,\"color\":1,\"requestId\":\"a\"}", &t, &p),
              PLACE_ERR_BAD_MESSAGE);
    /* requestId too long or empty */
    char big[200];
    snprintf(big, sizeof big, "{\"type\":\"place\",\"x\":1,\"y\":1,\"color\":1,\"requestId\":\"%065d\"}", 1);
    CHECK_INT(parse(big, &t, &p), PLACE_ERR_BAD_MESSAGE);
    CHECK_INT(parse("{\"type\":\"place\",\"x\":1,\"y\":1,\"color\":1,\"requestId\":\"\"}", &t, &p),
              PLACE_ERR_BAD_MESSAGE);
    /* absurd but integral numbers are kept out of range, not crashed on */
    CHECK_INT(parse("{\"type\":\"place\",\"x\":1e300,\"y\":-1e300,\"color\":99,\"requestId\":\"a\"}", &t, &p),
              PLACE_ERR_NONE);
    CHECK(p.x == INT64_MAX);
    CHECK(p.y == INT64_MIN);
    CHECK_INT(p.color, 99);
}

static void parse_too_large(void)
{
    char buf[PLACE_MAX_TEXT_FRAME + 10];
    memset(buf, ' ', sizeof buf);
    memcpy(buf, "{\"type\":\"ping\"}", 15);
    place_msg_type t;
    place_msg_place p;
    CHECK_INT(place_parse_client(buf, sizeof buf, &t, &p), PLACE_ERR_TOO_LARGE);
    CHECK_INT(place_parse_client(buf, PLACE_MAX_TEXT_FRAME, &t, &p), PLACE_ERR_NONE);
}

static void format_server_messages(void)
{
    char buf[512];
    place_request_id rid = {.text = "a\"b", .is_number = 0};
    CHECK(place_fmt_placed(buf, sizeof buf, &rid, 1700000000000, 17) > 0);
    CHECK_STR(buf, "{\"type\":\"placed\",\"requestId\":\"a\\\"b\",\"nextPlacement\":1700000000000,\"seq\":17}");
    place_request_id num = {.text = "42", .is_number = 1};
    CHECK(place_fmt_error(buf, sizeof buf, PLACE_ERR_COOLDOWN, "wait", &num, 1500) > 0);
    CHECK_STR(buf, "{\"type\":\"error\",\"code\":\"COOLDOWN\",\"message\":\"wait\",\"requestId\":42,\"retryAfter\":1500}");
    CHECK(place_fmt_error(buf, sizeof buf, PLACE_ERR_BAD_JSON, NULL, NULL, -1) > 0);
    CHECK_STR(buf, "{\"type\":\"error\",\"code\":\"BAD_JSON\",\"message\":\"The message is not valid JSON.\"}");
    CHECK(place_fmt_pong(buf, sizeof buf, 5) > 0);
    CHECK_STR(buf, "{\"type\":\"pong\",\"serverTime\":5}");
    CHECK(place_fmt_resync(buf, sizeof buf, 9, "slow") > 0);
    CHECK_STR(buf, "{\"type\":\"resync\",\"seq\":9,\"reason\":\"slow\"}");
    CHECK_INT(place_fmt_pong(buf, 10, 5), PLACE_ESHORT);
}

static void format_client_messages_roundtrip(void)
{
    char buf[256];
    place_request_id rid = {.text = "req-7", .is_number = 0};
    int n = place_fmt_place(buf, sizeof buf, 3, 4, 15, &rid);
    CHECK(n > 0);
    place_msg_type t;
    place_msg_place p;
    CHECK_INT(place_parse_client(buf, (size_t)n, &t, &p), PLACE_ERR_NONE);
    CHECK_INT(p.x, 3);
    CHECK_INT(p.y, 4);
    CHECK_INT(p.color, 15);
    CHECK_STR(p.request_id.text, "req-7");
    n = place_fmt_ping(buf, sizeof buf);
    CHECK_INT(place_parse_client(buf, (size_t)n, &t, &p), PLACE_ERR_NONE);
    CHECK_INT(t, PLACE_MSG_PING);
}

static void parse_server_messages(void)
{
    place_server_msg m;
    const char *init =
        "{\"type\":\"init\",\"canvasUrl\":\"/api/v1/canvas\",\"cooldown\":1200,\"nextPlacement\":99,"
        "\"seq\":41,\"serverTime\":7,\"canvasInfo\":{\"width\":64,\"height\":32,\"colors\":16,"
        "\"cooldownSec\":300,\"batchMs\":100,\"seq\":41,\"guestsCanPlace\":false,\"palette\":[\"#FFFFFF\","
        "\"#E4E4E4\",\"#888888\",\"#222222\",\"#FFA7D1\",\"#E50000\",\"#E59500\",\"#A06A42\",\"#E5D900\","
        "\"#94E044\",\"#02BE01\",\"#00D3DD\",\"#0083C7\",\"#0000EA\",\"#CF6EE4\",\"#820080\"]},"
        "\"user\":{\"userId\":\"u1\",\"username\":\"guest-1\",\"isGuest\":true,\"isAdmin\":false}}";
    CHECK_INT(place_parse_server(init, strlen(init), &m), 0);
    CHECK_INT(m.type, PLACE_MSG_INIT);
    CHECK_STR(m.canvas_url, "/api/v1/canvas");
    CHECK_INT(m.cooldown_ms, 1200);
    CHECK_INT(m.next_placement, 99);
    CHECK_INT(m.seq, 41);
    CHECK_INT(m.info.width, 64);
    CHECK_INT(m.info.height, 32);
    CHECK_INT(m.info.cooldown_sec, 300);
    CHECK_INT(m.info.guests_can_place, 0);
    CHECK_INT(m.info.has_palette, 1);
    CHECK_INT(m.info.palette[5][0], 0xE5);
    CHECK_STR(m.user.username, "guest-1");
    CHECK_INT(m.user.is_guest, 1);

    const char *err = "{\"type\":\"error\",\"code\":\"COOLDOWN\",\"message\":\"wait\",\"requestId\":\"r9\",\"retryAfter\":2500}";
    CHECK_INT(place_parse_server(err, strlen(err), &m), 0);
    CHECK_INT(m.type, PLACE_MSG_ERROR);
    CHECK_INT(m.code, PLACE_ERR_COOLDOWN);
    CHECK_STR(m.request_id.text, "r9");
    CHECK_INT(m.retry_after_ms, 2500);

    const char *placed = "{\"type\":\"placed\",\"requestId\":5,\"nextPlacement\":123,\"seq\":8}";
    CHECK_INT(place_parse_server(placed, strlen(placed), &m), 0);
    CHECK_INT(m.type, PLACE_MSG_PLACED);
    CHECK_STR(m.request_id.text, "5");
    CHECK_INT(m.request_id.is_number, 1);
    CHECK_INT(m.seq, 8);
    CHECK_INT(m.next_placement, 123);

    CHECK_INT(place_parse_server("{\"type\":\"zzz\"}", 14, &m), PLACE_EFORMAT);
    CHECK_INT(place_parse_server("garbage", 7, &m), PLACE_EFORMAT);
    const char *bad_init = "{\"type\":\"init\",\"canvasInfo\":{\"width\":-4,\"height\":2}}";
    CHECK_INT(place_parse_server(bad_init, strlen(bad_init), &m), PLACE_EFORMAT);
}

static void error_codes_roundtrip(void)
{
    for (int i = 1; i < PLACE_ERR_COUNT_; i++)
        CHECK_INT(place_err_from_code(place_err_code((place_err)i)), i);
    CHECK_STR(place_err_code(PLACE_ERR_COOLDOWN), "COOLDOWN");
    CHECK_INT(place_err_from_code("NOPE"), PLACE_ERR_INTERNAL);
    CHECK(strlen(place_err_message(PLACE_ERR_COOLDOWN)) > 10);
}

static void utf8_and_nul(void)
{
    CHECK_INT(place_utf8_valid("abc", 3), 1);
    CHECK_INT(place_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9), 1); /* é € 😀 */
    CHECK_INT(place_utf8_valid("\xc3\x28", 2), 0);                     /* cut sequence */
    CHECK_INT(place_utf8_valid("\xc0\xaf", 2), 0);                     /* overlong */
    CHECK_INT(place_utf8_valid("\xed\xa0\x80", 3), 0);                 /* surrogate */
    CHECK_INT(place_utf8_valid("\xf4\x90\x80\x80", 4), 0);            /* beyond U+10FFFF */
    CHECK_INT(place_utf8_valid("a\0b", 3), 0);
    CHECK_INT(place_json_has_nul("{\"a\":\"x\\u0000y\"}", 16), 1);
    CHECK_INT(place_json_has_nul("{\"a\":\"x\\\\u0000y\"}", 17), 0); /* an escaped backslash */
    CHECK_INT(place_json_has_nul("{\"a\":\"\\u0001\"}", 13), 0);
}

static void request_id_worst_case(void)
{
    place_request_id rid = {.is_number = 0};
    for (int i = 0; i < PLACE_MAX_REQUEST_ID; i++)
        rid.text[i] = 1; /* each escapes to 6 bytes */
    char buf[PLACE_MAX_ANSWER_TEXT];
    CHECK(place_fmt_placed(buf, sizeof buf, &rid, INT64_MAX, UINT64_MAX) > 0);
    CHECK(place_fmt_error(buf, sizeof buf, PLACE_ERR_RATE_LIMITED, NULL, &rid, INT64_MAX) > 0);
    memset(rid.text, 0xff, PLACE_MAX_REQUEST_ID); /* not UTF-8: each byte becomes \ufffd */
    int n = place_fmt_placed(buf, sizeof buf, &rid, 0, 1);
    CHECK(n > 0);
    CHECK(place_utf8_valid(buf, (size_t)n));
    CHECK(strstr(buf, "\\ufffd") != NULL);
}

/* The server's JSON writers (common/src/proto_json.c): the exact text the server has always sent,
 * and each parsed back by the parser clients use. */
#define PALETTE_JSON                                                                               \
    "[\"#FFFFFF\",\"#E4E4E4\",\"#888888\",\"#222222\",\"#FFA7D1\",\"#E50000\",\"#E59500\","     \
    "\"#A06A42\",\"#E5D900\",\"#94E044\",\"#02BE01\",\"#00D3DD\",\"#0083C7\",\"#0000EA\","      \
    "\"#CF6EE4\",\"#820080\"]"

static place_canvas_info sample_info(void)
{
    place_canvas_info info = {.width = 100, .height = 50, .colors = PLACE_COLORS,
                              .cooldown_sec = 300, .batch_ms = 100, .guests_can_place = 1,
                              .seq = 7, .first_seq = 1, .first_time = 1699999000000};
    return info;
}

static place_user_info sample_user(int banned)
{
    place_user_info u = {.user_id = "0123456789abcdef0123456789abcdef", .username = "alice_1",
                         .is_guest = 0, .is_admin = 1, .next_placement = 1700000000123};
    if (banned) {
        u.is_banned = 1;
        u.banned_until = 1800000000000;
        snprintf(u.ban_reason, sizeof u.ban_reason, "%s", "said \"hi\"\\ \n\x01 caf\xc3\xa9");
    }
    return u;
}

static void format_canvas_info_roundtrip(void)
{
    char buf[1024];
    place_canvas_info info = sample_info(), back;
    int n = place_fmt_canvas_info(buf, sizeof buf, &info);
    CHECK_STR(buf, "{\"width\":100,\"height\":50,\"colors\":16,\"cooldownSec\":300,\"palette\":" PALETTE_JSON
                   ",\"seq\":7,\"batchMs\":100,\"guestsCanPlace\":true,\"firstSeq\":1,"
                   "\"firstTime\":1699999000000}");
    CHECK_INT(n, strlen(buf));
    CHECK_INT(place_parse_canvas_info(buf, (size_t)n, &back), 0);
    CHECK_INT(back.width, 100);
    CHECK_INT(back.height, 50);
    CHECK_INT(back.colors, PLACE_COLORS);
    CHECK_INT(back.cooldown_sec, 300);
    CHECK_INT(back.batch_ms, 100);
    CHECK_INT(back.guests_can_place, 1);
    CHECK_INT(back.seq, 7);
    CHECK_INT(back.first_seq, 1);
    CHECK(back.first_time == 1699999000000);
    CHECK_INT(back.has_palette, 1);
    for (int i = 0; i < PLACE_COLORS; i++) {
        CHECK_INT(back.palette[i][0], place_palette[i].r);
        CHECK_INT(back.palette[i][1], place_palette[i].g);
        CHECK_INT(back.palette[i][2], place_palette[i].b);
    }
    /* a palette of its own is written as given, and read back */
    back.palette[5][0] = 0x12;
    back.guests_can_place = 0;
    char again[1024];
    n = place_fmt_canvas_info(again, sizeof again, &back);
    CHECK(strstr(again, "\"#1200") != NULL);
    CHECK(strstr(again, "\"guestsCanPlace\":false") != NULL);
    place_canvas_info third;
    CHECK_INT(place_parse_canvas_info(again, (size_t)n, &third), 0);
    CHECK_INT(third.palette[5][0], 0x12);
    CHECK_INT(third.guests_can_place, 0);
    CHECK_INT(place_fmt_canvas_info(buf, 40, &info), PLACE_ESHORT);
}

static void format_user_roundtrip(void)
{
    char buf[1024];
    place_user_info u = sample_user(0), back;
    int n = place_fmt_user(buf, sizeof buf, &u);
    CHECK_STR(buf, "{\"userId\":\"0123456789abcdef0123456789abcdef\",\"username\":\"alice_1\","
                   "\"isGuest\":false,\"isAdmin\":true,\"nextPlacement\":1700000000123,"
                   "\"isBanned\":false}");
    CHECK_INT(place_parse_user(buf, (size_t)n, &back), 0);
    CHECK_STR(back.user_id, u.user_id);
    CHECK_STR(back.username, "alice_1");
    CHECK_INT(back.is_guest, 0);
    CHECK_INT(back.is_admin, 1);
    CHECK_INT(back.next_placement, 1700000000123);
    CHECK_INT(back.is_banned, 0);

    /* a ban: its reason is an admin's text, escaped so that it reads back as written */
    u = sample_user(1);
    n = place_fmt_user(buf, sizeof buf, &u);
    CHECK(n > 0);
    CHECK(place_utf8_valid(buf, (size_t)n));
    CHECK(strstr(buf, ",\"isBanned\":true,\"bannedUntil\":1800000000000,\"banReason\":\"said \\\"hi\\\"\\\\ \\n\\u0001 caf\xc3\xa9\"}") != NULL);
    CHECK_INT(place_parse_user(buf, (size_t)n, &back), 0);
    CHECK_INT(back.is_banned, 1);
    CHECK_INT(back.banned_until, 1800000000000);
    CHECK_STR(back.ban_reason, u.ban_reason);
    CHECK_INT(place_parse_user("[1]", 3, &back), PLACE_EFORMAT);

    /* the worst reason (every byte escaped to 6) still fits the server's user buffer (1024) */
    memset(u.ban_reason, 1, 120);
    u.ban_reason[120] = 0;
    CHECK(place_fmt_user(buf, sizeof buf, &u) > 0);
}

static void format_init_roundtrip(void)
{
    static place_server_msg m, back;
    memset(&m, 0, sizeof m);
    snprintf(m.canvas_url, sizeof m.canvas_url, "%s", "/api/v1/canvas/snapshot");
    m.cooldown_ms = 4200;
    m.next_placement = 1700000000123;
    m.info = sample_info();
    m.seq = 9;
    m.user = sample_user(0);
    m.server_time = 1699999995923;
    m.online = 3;
    m.settings = (place_settings){300, 1, 1, "the \"end\""};
    char buf[2560];
    int n = place_fmt_init(buf, sizeof buf, &m);
    CHECK_STR(buf, "{\"type\":\"init\",\"canvasUrl\":\"/api/v1/canvas/snapshot\",\"cooldown\":4200,"
                   "\"nextPlacement\":1700000000123,\"canvasInfo\":{\"width\":100,\"height\":50,"
                   "\"colors\":16,\"cooldownSec\":300,\"palette\":" PALETTE_JSON ",\"seq\":7,"
                   "\"batchMs\":100,\"guestsCanPlace\":true,\"firstSeq\":1,\"firstTime\":1699999000000},"
                   "\"seq\":9,\"user\":{\"userId\":"
                   "\"0123456789abcdef0123456789abcdef\",\"username\":\"alice_1\",\"isGuest\":false,"
                   "\"isAdmin\":true,\"nextPlacement\":1700000000123,\"isBanned\":false},"
                   "\"serverTime\":1699999995923,\"online\":3,\"cooldownSec\":300,\"guestsCanPlace\":true,"
                   "\"frozen\":true,\"frozenReason\":\"the \\\"end\\\"\"}");
    CHECK_INT(place_parse_server(buf, (size_t)n, &back), 0);
    CHECK_INT(back.settings.cooldown_sec, 300);
    CHECK_INT(back.settings.guests_can_place, 1);
    CHECK_INT(back.settings.frozen, 1);
    CHECK_STR(back.settings.frozen_reason, "the \"end\"");
    CHECK_INT(back.type, PLACE_MSG_INIT);
    CHECK_INT(back.online, 3);
    CHECK_STR(back.canvas_url, m.canvas_url);
    CHECK_INT(back.cooldown_ms, 4200);
    CHECK_INT(back.next_placement, m.next_placement);
    CHECK_INT(back.info.width, 100);
    CHECK_INT(back.info.seq, 7);
    CHECK_INT(back.seq, 9);
    CHECK_STR(back.user.user_id, m.user.user_id);
    CHECK_INT(back.user.is_admin, 1);
    CHECK_INT(back.server_time, m.server_time);
    CHECK_INT(place_fmt_init(buf, 100, &m), PLACE_ESHORT);
}

static void format_online_roundtrip(void)
{
    char buf[64];
    int n = place_fmt_online(buf, sizeof buf, 42);
    CHECK_STR(buf, "{\"type\":\"online\",\"count\":42}");
    place_server_msg back;
    CHECK_INT(place_parse_server(buf, (size_t)n, &back), 0);
    CHECK_INT(back.type, PLACE_MSG_ONLINE);
    CHECK_INT(back.online, 42);
    const char *bad = "{\"type\":\"online\",\"count\":-1}";
    CHECK_INT(place_parse_server(bad, strlen(bad), &back), PLACE_EFORMAT);
    const char *none = "{\"type\":\"online\"}";
    CHECK_INT(place_parse_server(none, strlen(none), &back), PLACE_EFORMAT);
    CHECK_INT(place_fmt_online(buf, 10, 42), PLACE_ESHORT);
}

/* settings: the live rules (placed --set, --freeze), whole in every message */
static void format_settings_roundtrip(void)
{
    char buf[1024];
    place_settings s = {5, 0, 0, "ignored when not frozen"};
    int n = place_fmt_settings(buf, sizeof buf, &s);
    CHECK_STR(buf, "{\"type\":\"settings\",\"cooldownSec\":5,\"guestsCanPlace\":false,"
                   "\"frozen\":false,\"frozenReason\":\"\"}");
    place_server_msg back;
    CHECK_INT(place_parse_server(buf, (size_t)n, &back), 0);
    CHECK_INT(back.type, PLACE_MSG_SETTINGS);
    CHECK_INT(back.settings.cooldown_sec, 5);
    CHECK_INT(back.settings.guests_can_place, 0);
    CHECK_INT(back.settings.frozen, 0);
    s = (place_settings){0, 1, 1, ""};
    memset(s.frozen_reason, 1, 120); /* the worst reason, every byte escaped */
    n = place_fmt_settings(buf, sizeof buf, &s);
    CHECK(n > 0);
    CHECK_INT(place_parse_server(buf, (size_t)n, &back), 0);
    CHECK_INT(back.settings.frozen, 1);
    CHECK_INT((int)strlen(back.settings.frozen_reason), 120);
    CHECK_INT(place_err_from_code("FROZEN"), PLACE_ERR_FROZEN);
    /* an init from a server without the fields: canvasInfo's, not frozen */
    const char *old = "{\"type\":\"init\",\"canvasInfo\":{\"width\":4,\"height\":4,\"cooldownSec\":60,"
                      "\"guestsCanPlace\":false},\"seq\":0}";
    CHECK_INT(place_parse_server(old, strlen(old), &back), 0);
    CHECK_INT(back.settings.cooldown_sec, 60);
    CHECK_INT(back.settings.guests_can_place, 0);
    CHECK_INT(back.settings.frozen, 0);
}

static void format_banned_roundtrip(void)
{
    char buf[1024];
    int n = place_fmt_banned(buf, sizeof buf, "spam", 0);
    CHECK_STR(buf, "{\"type\":\"banned\",\"message\":\"You are banned from placing pixels.\","
                   "\"reason\":\"spam\",\"until\":0}");
    place_server_msg back;
    CHECK_INT(place_parse_server(buf, (size_t)n, &back), 0);
    CHECK_INT(back.type, PLACE_MSG_BANNED);
    CHECK_STR(back.message, place_err_message(PLACE_ERR_BANNED));
    CHECK_STR(back.reason, "spam");
    CHECK_INT(back.until, 0);
    n = place_fmt_banned(buf, sizeof buf, "a \"b\"\n", 1800000000000);
    CHECK_INT(place_parse_server(buf, (size_t)n, &back), 0);
    CHECK_STR(back.reason, "a \"b\"\n");
    CHECK_INT(back.until, 1800000000000);
}

static void format_rest_error_roundtrip(void)
{
    char buf[512], msg[256];
    place_err code;
    int n = place_fmt_rest_error(buf, sizeof buf, PLACE_ERR_OUT_OF_BOUNDS, NULL);
    CHECK_STR(buf, "{\"error\":\"OUT_OF_BOUNDS\",\"message\":\"That spot is outside the canvas.\"}");
    CHECK_INT(place_parse_rest_error(buf, (size_t)n, &code, msg, sizeof msg), 0);
    CHECK_INT(code, PLACE_ERR_OUT_OF_BOUNDS);
    CHECK_STR(msg, place_err_message(PLACE_ERR_OUT_OF_BOUNDS));
    for (int e = PLACE_ERR_NONE + 1; e < PLACE_ERR_COUNT_; e++) {
        n = place_fmt_rest_error(buf, sizeof buf, (place_err)e, "x and y must be \"whole\".");
        CHECK_INT(place_parse_rest_error(buf, (size_t)n, &code, msg, sizeof msg), 0);
        CHECK_INT(code, e);
        CHECK_STR(msg, "x and y must be \"whole\".");
    }
    CHECK_INT(place_parse_rest_error("<html>", 6, &code, msg, sizeof msg), PLACE_EFORMAT);
    CHECK_INT(code, PLACE_ERR_INTERNAL);
    CHECK_STR(msg, "");
    CHECK_INT(place_parse_rest_error("{\"message\":\"m\"}", 15, &code, msg, sizeof msg), PLACE_EFORMAT);
    CHECK_STR(msg, "m");
}

static void format_auth_ok_roundtrip(void)
{
    char buf[256], id[65], name[65];
    int n = place_fmt_auth_ok(buf, sizeof buf, "0123456789abcdef0123456789abcdef", "bob");
    CHECK_STR(buf, "{\"success\":true,\"userId\":\"0123456789abcdef0123456789abcdef\",\"username\":\"bob\"}");
    CHECK_INT(place_parse_auth_ok(buf, (size_t)n, id, sizeof id, name, sizeof name), 0);
    CHECK_STR(id, "0123456789abcdef0123456789abcdef");
    CHECK_STR(name, "bob");
    n = place_fmt_auth_ok(buf, sizeof buf, NULL, NULL);
    CHECK_STR(buf, "{\"success\":true}");
    CHECK_INT(place_parse_auth_ok(buf, (size_t)n, id, sizeof id, NULL, 0), 0);
    CHECK_STR(id, "");
    CHECK_INT(place_parse_auth_ok("{\"success\":false}", 17, NULL, 0, NULL, 0), PLACE_EFORMAT);
}

static void format_history_roundtrip(void)
{
    place_placement e[2] = {
        {.seq = 12, .user_id = "0123456789abcdef0123456789abcdef", .username = "bob", .color = 5,
         .time_ms = 1700000000999},
        {.seq = 3, .user_id = "ffffffffffffffffffffffffffffffff", .username = "guest-1a2b3c4d",
         .color = 0, .time_ms = 1700000000000},
    };
    char buf[PLACE_HISTORY_TEXT_MAX(2)];
    int n = place_fmt_history(buf, sizeof buf, 26, 17, e, 2);
    CHECK_STR(buf, "{\"x\":26,\"y\":17,\"placements\":[{\"seq\":12,\"userId\":"
                   "\"0123456789abcdef0123456789abcdef\",\"username\":\"bob\",\"color\":5,"
                   "\"time\":1700000000999},{\"seq\":3,\"userId\":\"ffffffffffffffffffffffffffffffff\","
                   "\"username\":\"guest-1a2b3c4d\",\"color\":0,\"time\":1700000000000}]}");
    place_placement back[4];
    size_t count;
    uint32_t x, y;
    CHECK_INT(place_parse_history(buf, (size_t)n, &x, &y, back, 4, &count), 0);
    CHECK_INT(x, 26);
    CHECK_INT(y, 17);
    CHECK_INT(count, 2);
    for (size_t i = 0; i < 2 && i < count; i++) {
        CHECK_INT(back[i].seq, e[i].seq);
        CHECK_STR(back[i].user_id, e[i].user_id);
        CHECK_STR(back[i].username, e[i].username);
        CHECK_INT(back[i].color, e[i].color);
        CHECK_INT(back[i].time_ms, e[i].time_ms);
    }
    CHECK_INT(place_parse_history(buf, (size_t)n, NULL, NULL, back, 1, &count), 0);
    CHECK_INT(count, 1); /* no more than asked for */
    n = place_fmt_history(buf, sizeof buf, 1, 2, NULL, 0);
    CHECK_STR(buf, "{\"x\":1,\"y\":2,\"placements\":[]}");
    CHECK_INT(place_parse_history(buf, (size_t)n, NULL, NULL, back, 4, &count), 0);
    CHECK_INT(count, 0);
    CHECK_INT(place_parse_history("{\"x\":1}", 7, NULL, NULL, back, 4, &count), PLACE_EFORMAT);

    /* the most the server sends (50 placements, the longest ids and values) fits the bound */
    static place_placement many[50];
    for (int i = 0; i < 50; i++) {
        many[i].seq = UINT64_MAX;
        memset(many[i].user_id, 'f', 32);
        memset(many[i].username, 'z', 32);
        many[i].color = 15;
        many[i].time_ms = INT64_MIN;
    }
    static char big[PLACE_HISTORY_TEXT_MAX(50)];
    CHECK(place_fmt_history(big, sizeof big, UINT32_MAX, UINT32_MAX, many, 50) > 0);
    CHECK_INT(place_fmt_history(big, 64, 0, 0, many, 50), PLACE_ESHORT);
}

TEST_MAIN(TEST(format_canvas_info_roundtrip), TEST(format_user_roundtrip), TEST(format_init_roundtrip),
          TEST(format_banned_roundtrip), TEST(format_online_roundtrip), TEST(format_settings_roundtrip), TEST(format_rest_error_roundtrip), TEST(format_auth_ok_roundtrip),
          TEST(format_history_roundtrip), TEST(parse_place), TEST(utf8_and_nul), TEST(request_id_worst_case), TEST(parse_numeric_request_id), TEST(parse_ping), TEST(parse_errors),
          TEST(parse_too_large), TEST(format_server_messages), TEST(format_client_messages_roundtrip),
          TEST(parse_server_messages), TEST(error_codes_roundtrip))

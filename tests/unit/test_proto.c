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

TEST_MAIN(TEST(parse_place), TEST(utf8_and_nul), TEST(request_id_worst_case), TEST(parse_numeric_request_id), TEST(parse_ping), TEST(parse_errors),
          TEST(parse_too_large), TEST(format_server_messages), TEST(format_client_messages_roundtrip),
          TEST(parse_server_messages), TEST(error_codes_roundtrip))

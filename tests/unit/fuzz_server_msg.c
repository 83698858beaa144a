/* Fuzz target: a server's text frame, and its REST bodies (user, error, auth reply, pixel
 * history), as a client parses them. */
#include "place/proto.h"
#include "fuzz.h"

const fuzz_seed fuzz_seeds[] = {
    SEED("{\"type\":\"init\",\"canvasUrl\":\"/api/v1/canvas\",\"cooldown\":0,\"canvasInfo\":{\"width\":4,"
    "\"height\":4,\"palette\":[\"#FFFFFF\",\"#000000\"]},\"user\":{\"userId\":\"u\"}}"),
    SEED("{\"type\":\"error\",\"code\":\"COOLDOWN\",\"message\":\"m\",\"retryAfter\":5,\"requestId\":\"r\"}"),
    SEED("{\"type\":\"placed\",\"requestId\":1,\"nextPlacement\":5,\"seq\":3}"),
    SEED("{\"type\":\"resync\",\"seq\":2,\"reason\":\"x\"}"),
    SEED("{\"error\":\"BAD_REQUEST\",\"message\":\"x and y must be whole numbers.\"}"),
    SEED("{\"success\":true,\"userId\":\"0123\",\"username\":\"bob\"}"),
    SEED("{\"x\":1,\"y\":2,\"placements\":[{\"seq\":3,\"userId\":\"u\",\"username\":\"n\","
         "\"color\":5,\"time\":9}]}"),
    SEED("{\"userId\":\"u\",\"isBanned\":true,\"bannedUntil\":0,\"banReason\":\"spam\"}"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    place_server_msg m;
    place_parse_server((const char *)data, size, &m);
    place_canvas_info info;
    place_parse_canvas_info((const char *)data, size, &info);
    place_user_info user;
    place_parse_user((const char *)data, size, &user);
    place_err code;
    char text[64], id[65], name[65];
    place_parse_rest_error((const char *)data, size, &code, text, sizeof text);
    place_parse_auth_ok((const char *)data, size, id, sizeof id, name, sizeof name);
    place_placement list[4];
    size_t n;
    uint32_t x, y;
    place_parse_history((const char *)data, size, &x, &y, list, 4, &n);
    return 0;
}

/* Fuzz target: a server's text frame as a client parses it. */
#include "place/proto.h"
#include "fuzz.h"

const fuzz_seed fuzz_seeds[] = {
    SEED("{\"type\":\"init\",\"canvasUrl\":\"/api/v1/canvas\",\"cooldown\":0,\"canvasInfo\":{\"width\":4,"
    "\"height\":4,\"palette\":[\"#FFFFFF\",\"#000000\"]},\"user\":{\"userId\":\"u\"}}"),
    SEED("{\"type\":\"error\",\"code\":\"COOLDOWN\",\"message\":\"m\",\"retryAfter\":5,\"requestId\":\"r\"}"),
    SEED("{\"type\":\"placed\",\"requestId\":1,\"nextPlacement\":5,\"seq\":3}"),
    SEED("{\"type\":\"resync\",\"seq\":2,\"reason\":\"x\"}"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    place_server_msg m;
    place_parse_server((const char *)data, size, &m);
    place_canvas_info info;
    place_parse_canvas_info((const char *)data, size, &info);
    return 0;
}

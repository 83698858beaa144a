/* Fuzz target: a client's text frame as the server parses it. */
#include "place/proto.h"
#include "fuzz.h"

#include <stdio.h>

const fuzz_seed fuzz_seeds[] = {
    SEED("{\"type\":\"place\",\"x\":1,\"y\":2,\"color\":3,\"requestId\":\"abc\"}"),
    SEED("{\"type\":\"place\",\"x\":1e308,\"y\":-0,\"color\":3.5,\"requestId\":12}"),
    SEED("{\"type\":\"ping\"}"),
    SEED("{\"type\":[1,{\"a\":null}],\"x\":\"\\u0000\"}"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    place_msg_type t;
    place_msg_place p;
    place_err e = place_parse_client((const char *)data, size, &t, &p);
    char out[512];
    /* whatever was parsed must format back without overflow */
    if (e == PLACE_ERR_NONE && t == PLACE_MSG_PLACE)
        place_fmt_placed(out, sizeof out, &p.request_id, 1, 1);
    else
        place_fmt_error(out, sizeof out, e, NULL, &p.request_id, 0);
    return 0;
}

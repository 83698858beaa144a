/* Fuzz target: a binary batch frame as a client decodes it. */
#include "place/proto.h"
#include "fuzz.h"

const fuzz_seed fuzz_seeds[] = {
    SEED("\x01\x01\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00"
    "\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x03\x00\x04\x00\x05\x00"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    place_batch_header h;
    if (place_batch_parse_header(data, size, &h) != 0)
        return 0;
    volatile unsigned sum = 0;
    for (uint32_t i = 0; i < h.count; i++) {
        place_pixel p;
        place_batch_record(data, &h, i, &p);
        sum += p.color + p.x + p.y;
    }
    return 0;
}

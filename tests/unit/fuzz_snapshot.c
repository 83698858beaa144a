/* Fuzz target: a snapshot body as a client decodes it. */
#include "place/bitmap.h"
#include "place/proto.h"
#include "fuzz.h"

#include <stdlib.h>

const fuzz_seed fuzz_seeds[] = {
    SEED("PLCS\x01\x04\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x12\x34"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    place_snapshot_header h;
    const uint8_t *pixels;
    if (place_snapshot_parse(data, size, &h, &pixels) != 0)
        return 0;
    size_t n = (size_t)h.width * h.height;
    uint8_t *out = malloc(n);
    if (!out)
        return 0;
    place_bitmap_unpack(pixels, size - PLACE_SNAPSHOT_HEADER_SIZE, h.width, h.height, out);
    free(out);
    return 0;
}

/* Fuzz target: a binary batch frame as a client decodes it. Besides memory safety it checks what
 * the decoder promises: place_batch_parse and a bare walk after place_batch_parse_header agree,
 * and every accepted pixel has a seq in (prevSeq, lastSeq], ascending, and a colour 0..15. */
#include <stdlib.h>

#include "place/proto.h"
#include "fuzz.h"

const fuzz_seed fuzz_seeds[] = {
    /* one pixel */
    SEED("\x01\x02\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00"
         "\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x03\x00\x04\x00\x05"),
    /* a pixel, a skip of 2, two pixels; lastSeq beyond the last record */
    SEED("\x01\x02\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00"
         "\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x01\x00\x02\x00\x03\x02\x00\x00"
         "\x00\x10\x07\x00\x08\x00\x0f\x00\x00\x00\x00\x00"),
    /* a skip of 70000, then a pixel */
    SEED("\x01\x02\x00\x00\x02\x00\x00\x00\x64\x00\x00\x00\x00\x00\x00\x00\xa0\x86\x01\x00"
         "\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x70\x11\x01\x00\x10\xff\xff\xff"
         "\xff\x01"),
    /* no records */
    SEED("\x01\x02\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00"
         "\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    place_batch_header h;
    if (place_batch_parse_header(data, size, &h) != 0)
        return 0;
    /* Walk the records with only the header checked, as place_batch_next allows. */
    place_batch_iter it;
    place_batch_iter_init(&it, data, &h);
    place_pixel p;
    uint64_t prev = h.prev_seq;
    uint32_t pixels = 0;
    int rc;
    while ((rc = place_batch_next(&it, &p)) > 0) {
        if (p.seq <= prev || p.seq > h.last_seq || p.color > 15)
            abort();
        prev = p.seq;
        pixels++;
    }
    place_batch_header full;
    int parsed = place_batch_parse(data, size, &full);
    if ((parsed == 0) != (rc == 0) || (parsed == 0 && full.pixels != pixels))
        abort();
    return 0;
}

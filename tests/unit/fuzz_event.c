/* Fuzz target: the Kafka placement event (server/cluster/event.c) as a consumer decodes it (the
 * broadcast feed and the history writer read other processes' bytes from the topic). Besides
 * memory safety it checks what the decoder promises: an accepted event has a colour 0..15, a user
 * id of 32 lowercase hex digits and a username of at most BACKEND_NAME_MAX of A-Z a-z 0-9 _ -
 * (they go on into JSON and SQL COPY text), and encoding it again gives back the bytes it was
 * read from. */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

#define ID "0123456789abcdef0123456789abcdef"
/* version 1, colour, x, y (little-endian 16 bits), seq, time (64 bits) */
#define HEAD "\x01\x05\xcf\x07\xff\xff\x08\x07\x06\x05\x04\x03\x02\x01" \
             "\x8a\x41\x3c\x1e\xa2\x01\x00\x00"

const fuzz_seed fuzz_seeds[] = {
    /* a guest's placement */
    SEED(HEAD ID "\x0eguest-01234567"),
    /* no username */
    SEED(HEAD ID "\x00"),
    /* the longest username, then bytes after the event */
    SEED(HEAD ID "\x20" "abcdefghijklmnopqrstuvwxyz_-0123" "trailing"),
    /* colour 16: refused */
    SEED("\x01\x10\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
         "\x00\x00\x00\x00\x00\x00\x00\x00" ID "\x01x"),
    /* an unknown version */
    SEED("\x02\x05\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
         "\x00\x00\x00\x00\x00\x00\x00\x00" ID "\x00"),
};
const size_t fuzz_seed_count = sizeof fuzz_seeds / sizeof fuzz_seeds[0];

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    event e;
    memset(&e, 0xAA, sizeof e); /* a field the decoder forgot shows up below */
    if (event_decode(data, size, &e) != 0)
        return 0;
    if (e.color > 15)
        abort();
    for (size_t i = 0; i < BACKEND_ID_LEN; i++)
        if (!hex_digit(e.user_id[i]))
            abort();
    if (e.user_id[BACKEND_ID_LEN] != 0)
        abort();
    size_t n = strnlen(e.username, sizeof e.username);
    if (n > BACKEND_NAME_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!name_char(e.username[i]))
            abort();
    /* encoding what was accepted gives back the bytes it came from */
    uint8_t out[EVENT_MAX];
    size_t len = event_encode(&e, out);
    if (len != EVENT_FIXED + n || len > size || memcmp(out, data, len) != 0)
        abort();
    return 0;
}

/* The placement event every placed produces to Kafka and every consumer (the broadcast feed, the
 * history writer) reads back. Pure: encodes into and decodes from caller-owned memory.
 *
 * Layout (little-endian), version 1:
 *   0  1  version (1)       1  1  color         2  2  x          4  2  y
 *   6  8  seq               14 8  time (ms)     22 32 user id (hex, not NUL-terminated)
 *   54 1  name length n     55 n  username
 * Bump EVENT_VERSION if this changes; consumers skip versions they do not know. */
#ifndef PLACE_CLUSTER_EVENT_H
#define PLACE_CLUSTER_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define EVENT_VERSION 1
#define EVENT_FIXED 55
#define EVENT_MAX (EVENT_FIXED + BACKEND_NAME_MAX)

typedef struct event {
    uint64_t seq;
    int64_t time_ms;
    uint16_t x, y;
    uint8_t color;
    char user_id[BACKEND_ID_LEN + 1];
    char username[BACKEND_NAME_MAX + 1];
} event;

/* Writes e into out (EVENT_MAX bytes). Returns the encoded length. */
size_t event_encode(const event *e, uint8_t out[EVENT_MAX]);

/* Reads an event from (buf, len). Returns 0, or -1 for a short buffer, an unknown version, a
 * colour outside the palette, a user id that is not 32 lowercase hex digits, or a username that
 * is too long or has characters other than A-Z a-z 0-9 _ -. */
int event_decode(const uint8_t *buf, size_t len, event *e);

#endif

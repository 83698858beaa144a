/* The 4-bit packed bitmap and the snapshot header. */
#include "place/bitmap.h"
#include "place/proto.h"

#include <string.h>

#include "le.h"

size_t place_bitmap_bytes(uint32_t width, uint32_t height)
{
    return ((size_t)width * height + 1) / 2;
}

int place_bitmap_unpack(const uint8_t *packed, size_t len, uint32_t width, uint32_t height,
                        uint8_t *out)
{
    size_t n = (size_t)width * height;
    if (len < place_bitmap_bytes(width, height))
        return -1;
    size_t pairs = n / 2;
    for (size_t i = 0; i < pairs; i++) {
        uint8_t b = packed[i];
        out[2 * i] = b >> 4;
        out[2 * i + 1] = b & 0x0f;
    }
    if (n & 1)
        out[n - 1] = packed[pairs] >> 4;
    return 0;
}

void place_bitmap_pack(const uint8_t *pixels, uint32_t width, uint32_t height, uint8_t *out)
{
    size_t n = (size_t)width * height;
    size_t pairs = n / 2;
    for (size_t i = 0; i < pairs; i++)
        out[i] = (uint8_t)(((pixels[2 * i] & 0x0f) << 4) | (pixels[2 * i + 1] & 0x0f));
    if (n & 1)
        out[pairs] = (uint8_t)((pixels[n - 1] & 0x0f) << 4);
}

int place_bitmap_grow(const uint8_t *old, uint32_t old_w, uint32_t old_h, uint8_t *out,
                      uint32_t new_w, uint32_t new_h)
{
    if (new_w < old_w || new_h < old_h)
        return -1;
    memset(out, 0, place_bitmap_bytes(new_w, new_h));
    for (uint32_t y = 0; y < old_h; y++)
        for (uint32_t x = 0; x < old_w; x++)
            place_bitmap_set(out, new_w, x, y, place_bitmap_get(old, old_w, x, y));
    return 0;
}

void place_snapshot_write_header(uint8_t out[PLACE_SNAPSHOT_HEADER_SIZE],
                                 const place_snapshot_header *h)
{
    memcpy(out, PLACE_SNAPSHOT_MAGIC, 4);
    out[4] = PLACE_SNAPSHOT_VERSION;
    out[5] = 4;
    out[6] = out[7] = 0;
    le_put32(out + 8, h->width);
    le_put32(out + 12, h->height);
    le_put64(out + 16, h->seq);
}

int place_snapshot_parse(const uint8_t *buf, size_t len, place_snapshot_header *h,
                         const uint8_t **pixels)
{
    if (len < PLACE_SNAPSHOT_HEADER_SIZE)
        return PLACE_ESHORT;
    if (memcmp(buf, PLACE_SNAPSHOT_MAGIC, 4) != 0 || buf[4] != PLACE_SNAPSHOT_VERSION ||
        buf[5] != 4)
        return PLACE_EFORMAT;
    h->width = le_get32(buf + 8);
    h->height = le_get32(buf + 12);
    h->seq = le_get64(buf + 16);
    if (h->width == 0 || h->height == 0 || h->width > PLACE_MAX_SIDE ||
        h->height > PLACE_MAX_SIDE)
        return PLACE_ERANGE;
    if (len - PLACE_SNAPSHOT_HEADER_SIZE < place_bitmap_bytes(h->width, h->height))
        return PLACE_ESHORT;
    *pixels = buf + PLACE_SNAPSHOT_HEADER_SIZE;
    return 0;
}

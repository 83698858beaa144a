/* The 4-bit packed canvas bitmap and the snapshot format (docs/protocol.md, "The snapshot").
 * Pure: decoders take (buf, len) and write into memory the caller owns; no I/O, no allocation. */
#ifndef PLACE_BITMAP_H
#define PLACE_BITMAP_H

#include <stddef.h>
#include <stdint.h>

#define PLACE_SNAPSHOT_MAGIC "PLCS"
#define PLACE_SNAPSHOT_VERSION 1
#define PLACE_SNAPSHOT_HEADER_SIZE 24
/* The largest canvas any Place program accepts, per side. */
#define PLACE_MAX_SIDE 16384u

/* Bytes needed to hold width*height pixels at 4 bits each. */
size_t place_bitmap_bytes(uint32_t width, uint32_t height);

/* The colour of pixel (x, y) of a packed bitmap `width` pixels wide. No bounds check. */
static inline int place_bitmap_get(const uint8_t *bits, uint32_t width, uint32_t x, uint32_t y)
{
    size_t i = (size_t)y * width + x;
    uint8_t b = bits[i >> 1];
    return (i & 1) ? (b & 0x0f) : (b >> 4);
}

/* Sets pixel (x, y) of a packed bitmap to colour (0..15). No bounds check. */
static inline void place_bitmap_set(uint8_t *bits, uint32_t width, uint32_t x, uint32_t y, int color)
{
    size_t i = (size_t)y * width + x;
    uint8_t *b = &bits[i >> 1];
    if (i & 1)
        *b = (uint8_t)((*b & 0xf0) | (color & 0x0f));
    else
        *b = (uint8_t)((*b & 0x0f) | ((color & 0x0f) << 4));
}

/* Unpacks `packed` (place_bitmap_bytes(w, h) bytes) into `out`, one byte (0..15) per pixel,
 * w*h bytes. Returns 0, or -1 if len is too short. */
int place_bitmap_unpack(const uint8_t *packed, size_t len, uint32_t width, uint32_t height,
                        uint8_t *out);

/* Packs w*h one-byte-per-pixel colours (only the low 4 bits are used) into `out`, which holds
 * place_bitmap_bytes(w, h) bytes. */
void place_bitmap_pack(const uint8_t *pixels, uint32_t width, uint32_t height, uint8_t *out);

/* Copies a packed bitmap into a larger one (new size >= old size on both sides), keeping every
 * pixel at its coordinates; new pixels are colour 0 (white). `out` holds
 * place_bitmap_bytes(new_w, new_h) bytes. Returns 0, or -1 if the new size is smaller. */
int place_bitmap_grow(const uint8_t *old, uint32_t old_w, uint32_t old_h, uint8_t *out,
                      uint32_t new_w, uint32_t new_h);

typedef struct place_snapshot_header {
    uint32_t width;
    uint32_t height;
    uint64_t seq; /* last placement contained, 0 for none */
} place_snapshot_header;

/* Writes the 24-byte snapshot header into out. */
void place_snapshot_write_header(uint8_t out[PLACE_SNAPSHOT_HEADER_SIZE],
                                 const place_snapshot_header *h);

/* Parses a whole snapshot body. On success returns 0, fills *h and points *pixels into buf at the
 * packed pixels (place_bitmap_bytes(h->width, h->height) bytes). Returns a negative
 * PLACE_E* code (place/proto.h) on a short buffer, bad magic, unknown version or absurd size. */
int place_snapshot_parse(const uint8_t *buf, size_t len, place_snapshot_header *h,
                         const uint8_t **pixels);

#endif

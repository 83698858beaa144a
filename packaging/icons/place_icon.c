/* Writes Place's application icon as an RGBA PNG of SIDE x SIDE pixels: the browser's favicon
 * (assets/web/favicon.svg, a 16-unit design: a dark rounded square holding four palette
 * colours) drawn at any size, so the hicolor icons are made at build time from one design.
 *   place-icon SIDE OUT.png */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* the favicon's rectangles, in 16ths of the side; the first one has round corners (radius 3) */
static const struct {
    double x, y, w, h;
    uint32_t rgb;
} rects[] = {
    {0, 0, 16, 16, 0x15171c}, {3, 3, 5, 5, 0xE50000}, {8, 3, 5, 5, 0xE5D900},
    {3, 8, 5, 5, 0x0083C7},   {8, 8, 5, 5, 0x02BE01},
};

static int inside_rounded(double x, double y)
{
    const double r = 3;
    double cx = x < r ? r : x > 16 - r ? 16 - r : x;
    double cy = y < r ? r : y > 16 - r ? 16 - r : y;
    return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
}

/* colour and coverage of one output pixel, 4x4 samples */
static void shade(int px, int py, int side, uint8_t out[4])
{
    double r = 0, g = 0, b = 0, a = 0;
    for (int sy = 0; sy < 4; sy++)
        for (int sx = 0; sx < 4; sx++) {
            double x = (px + (sx + 0.5) / 4) * 16 / side, y = (py + (sy + 0.5) / 4) * 16 / side;
            if (x < 0 || y < 0 || x >= 16 || y >= 16 || !inside_rounded(x, y))
                continue;
            uint32_t c = rects[0].rgb;
            for (size_t i = 1; i < sizeof rects / sizeof rects[0]; i++)
                if (x >= rects[i].x && x < rects[i].x + rects[i].w && y >= rects[i].y &&
                    y < rects[i].y + rects[i].h)
                    c = rects[i].rgb;
            r += c >> 16;
            g += (c >> 8) & 255;
            b += c & 255;
            a += 1;
        }
    out[0] = a ? (uint8_t)(r / a + 0.5) : 0;
    out[1] = a ? (uint8_t)(g / a + 0.5) : 0;
    out[2] = a ? (uint8_t)(b / a + 0.5) : 0;
    out[3] = (uint8_t)(a * 255 / 16 + 0.5);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t hdr[8];
    put32(hdr, len);
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    if (len) /* crc32() with no buffer would return its initial value */
        crc = crc32(crc, data, len);
    uint8_t tail[4];
    put32(tail, (uint32_t)crc);
    return fwrite(hdr, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
                   fwrite(tail, 1, 4, f) == 4
               ? 0
               : -1;
}

int main(int argc, char **argv)
{
    int side = argc == 3 ? atoi(argv[1]) : 0;
    if (side < 8 || side > 1024) {
        fprintf(stderr, "usage: place-icon SIDE(8..1024) OUT.png\n");
        return 2;
    }
    size_t stride = (size_t)side * 4 + 1, raw_len = stride * (size_t)side;
    uint8_t *raw = malloc(raw_len);
    uLongf z_len = compressBound(raw_len);
    uint8_t *z = malloc(z_len);
    if (!raw || !z)
        return 1;
    for (int y = 0; y < side; y++) {
        raw[y * stride] = 0; /* filter: none */
        for (int x = 0; x < side; x++)
            shade(x, y, side, raw + y * stride + 1 + (size_t)x * 4);
    }
    if (compress2(z, &z_len, raw, raw_len, 9) != Z_OK)
        return 1;
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)side);
    put32(ihdr + 4, (uint32_t)side);
    ihdr[8] = 8; /* bits per channel */
    ihdr[9] = 6; /* RGBA */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    FILE *f = fopen(argv[2], "wb");
    int ok = f && fwrite("\x89PNG\r\n\x1a\n", 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) == 0 &&
             chunk(f, "IDAT", z, (uint32_t)z_len) == 0 && chunk(f, "IEND", NULL, 0) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    free(raw);
    free(z);
    if (!ok) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}

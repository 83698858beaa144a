/* place_image_probe FILE: decodes a PNG (libpng) or a GIF (giflib) the way any viewer would and
 * prints it as JSON for the export tests (tests/server/export.test.js):
 *   {"width":W,"height":H,"frames":[{"delay":CS,"pixels":"0f3..."}]}
 * Each pixel is written as the hex digit of the palette colour whose RGB it has exactly, or 'x'
 * when its colour is none of the 16 (so a wrong colour cannot pass). A PNG is one frame of delay
 * 0. Exit status 1 when the file cannot be decoded. */
#include <gif_lib.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/palette.h"

static char digit_of(uint8_t r, uint8_t g, uint8_t b)
{
    for (int i = 0; i < PLACE_COLORS; i++)
        if (place_palette[i].r == r && place_palette[i].g == g && place_palette[i].b == b)
            return "0123456789abcdef"[i];
    return 'x';
}

static int probe_png(const char *path)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return 1;
    img.format = PNG_FORMAT_RGB;
    size_t n = PNG_IMAGE_SIZE(img);
    uint8_t *rgb = malloc(n);
    if (!rgb || !png_image_finish_read(&img, NULL, rgb, 0, NULL)) {
        free(rgb);
        return 1;
    }
    printf("{\"width\":%u,\"height\":%u,\"frames\":[{\"delay\":0,\"pixels\":\"", img.width,
           img.height);
    for (size_t i = 0; i < (size_t)img.width * img.height; i++)
        putchar(digit_of(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
    printf("\"}]}\n");
    free(rgb);
    return 0;
}

static int probe_gif(const char *path)
{
    int err = 0;
    GifFileType *g = DGifOpenFileName(path, &err);
    if (!g || DGifSlurp(g) == GIF_ERROR)
        return 1;
    printf("{\"width\":%d,\"height\":%d,\"frames\":[", g->SWidth, g->SHeight);
    for (int f = 0; f < g->ImageCount; f++) {
        SavedImage *im = &g->SavedImages[f];
        GraphicsControlBlock gcb = {.DelayTime = 0};
        DGifSavedExtensionToGCB(g, f, &gcb);
        ColorMapObject *cm = im->ImageDesc.ColorMap ? im->ImageDesc.ColorMap : g->SColorMap;
        printf("%s{\"delay\":%d,\"pixels\":\"", f ? "," : "", gcb.DelayTime);
        int w = im->ImageDesc.Width, h = im->ImageDesc.Height;
        for (int i = 0; i < w * h; i++) {
            int c = im->RasterBits[i];
            putchar(cm && c < cm->ColorCount
                        ? digit_of(cm->Colors[c].Red, cm->Colors[c].Green, cm->Colors[c].Blue)
                        : 'x');
        }
        printf("\"}");
    }
    printf("]}\n");
    DGifCloseFile(g, &err);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: place_image_probe FILE.png|FILE.gif\n");
        return 2;
    }
    size_t len = strlen(argv[1]);
    int rc = len > 4 && !strcmp(argv[1] + len - 4, ".gif") ? probe_gif(argv[1]) : probe_png(argv[1]);
    if (rc)
        fprintf(stderr, "place_image_probe: cannot decode %s\n", argv[1]);
    return rc;
}

/* placed --export-png and --timelapse (see export.h). */
#include "export.h"

#include <errno.h>
#include <gif_lib.h>
#include <inttypes.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "place/bitmap.h"
#include "place/palette.h"

#include "backend.h"
#include "timeline.h"
#include "util.h"

#define DEFAULT_FRAMES 300 /* frames of a timelapse without --step or --step-placements */

typedef struct region {
    uint32_t x, y, w, h;
} region;

/* ---------------------------------------------------------------- flags */

static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
        return -1;
    errno = 0;
    uint64_t v = strtoull(s, NULL, 10);
    if (errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_region(const char *s, uint32_t cw, uint32_t ch, region *out)
{
    unsigned x, y, w, h;
    int used = 0;
    if (!*s) {
        *out = (region){0, 0, cw, ch};
        return 0;
    }
    if (sscanf(s, "%u,%u,%u,%u%n", &x, &y, &w, &h, &used) != 4 || s[used] || !w || !h ||
        x >= cw || y >= ch || w > cw - x || h > ch - y) {
        fprintf(stderr, "placed: --region %s: give X,Y,W,H of a rectangle inside the %ux%u canvas\n",
                s, cw, ch);
        return -1;
    }
    *out = (region){x, y, w, h};
    return 0;
}

/* ---------------------------------------------------------------- PNG */

/* Writes the region of the canvas (packed bits, cw wide) scaled by `scale` as a 4-bit palette
 * PNG. Returns 0, or -1 with a sentence on stderr (the file is removed). */
static int write_png(const char *path, const uint8_t *bits, uint32_t cw, region r, unsigned scale)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "placed: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint32_t w = r.w * scale, h = r.h * scale;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((w + 1) / 2);
    if (!png || !info || !row)
        goto fail;
    if (setjmp(png_jmpbuf(png)))
        goto fail;
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, 4, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color pal[PLACE_COLORS];
    for (int i = 0; i < PLACE_COLORS; i++)
        pal[i] = (png_color){place_palette[i].r, place_palette[i].g, place_palette[i].b};
    png_set_PLTE(png, info, pal, PLACE_COLORS);
    png_write_info(png, info);
    for (uint32_t y = 0; y < h; y++) {
        memset(row, 0, (w + 1) / 2);
        for (uint32_t x = 0; x < w; x++) {
            int c = place_bitmap_get(bits, cw, r.x + x / scale, r.y + y / scale);
            row[x / 2] |= (uint8_t)(x % 2 ? c : c << 4); /* the leftmost pixel in the high bits */
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0) {
        fprintf(stderr, "placed: cannot write %s: %s\n", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
fail:
    fprintf(stderr, "placed: cannot write %s: PNG encoding failed\n", path);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    unlink(path);
    return -1;
}

/* ---------------------------------------------------------------- frames */

typedef struct frames {
    /* where they go: an animated GIF, or numbered PNG files */
    GifFileType *gif;
    char pattern[600]; /* PNG frames: a printf pattern with one %d */
    const char *out;
    region r;
    unsigned scale;
    unsigned delay_cs; /* one frame's time, in 1/100 s (GIF) */
    /* the frame waiting to be written (a GIF frame's delay is written before its pixels, so a
     * frame that repeats makes the waiting one last longer instead) */
    uint8_t *pending; /* r.w x r.h palette indices */
    unsigned repeats;
    int have_pending;
    uint8_t *line; /* one scaled line */
    unsigned long written;
} frames;

static int gif_fail(frames *fr, int err)
{
    fprintf(stderr, "placed: cannot write %s: %s\n", fr->out, GifErrorString(err));
    return -1;
}

/* Returns 0, -1 (it failed: said), or -2 (OUT is not something it can write: said). */
static int frames_open(frames *fr, const char *out, region r, unsigned scale, unsigned fps)
{
    memset(fr, 0, sizeof *fr);
    fr->out = out;
    fr->r = r;
    fr->scale = scale;
    fr->delay_cs = (100 + fps / 2) / fps;
    if (!fr->delay_cs)
        fr->delay_cs = 1;
    uint64_t w = (uint64_t)r.w * scale, h = (uint64_t)r.h * scale;
    if (!(fr->pending = malloc((size_t)r.w * r.h)) || !(fr->line = malloc((size_t)w))) {
        fprintf(stderr, "placed: out of memory\n");
        return -1;
    }
    size_t len = strlen(out);
    struct stat st;
    if (len > 4 && !strcasecmp(out + len - 4, ".gif")) {
        if (w > 65535 || h > 65535) {
            fprintf(stderr, "placed: a GIF is at most 65535 pixels a side (%" PRIu64 "x%" PRIu64
                            " asked): use a smaller --scale or --region\n", w, h);
            return -2;
        }
        int err = 0;
        if (!(fr->gif = EGifOpenFileName(out, false, &err)))
            return gif_fail(fr, err);
        EGifSetGifVersion(fr->gif, true);
        GifColorType colors[PLACE_COLORS];
        for (int i = 0; i < PLACE_COLORS; i++)
            colors[i] = (GifColorType){place_palette[i].r, place_palette[i].g, place_palette[i].b};
        ColorMapObject *cm = GifMakeMapObject(PLACE_COLORS, colors);
        if (!cm)
            return gif_fail(fr, E_GIF_ERR_NOT_ENOUGH_MEM);
        int rc = EGifPutScreenDesc(fr->gif, (int)w, (int)h, 4, 0, cm);
        GifFreeMapObject(cm);
        /* play in a loop (the NETSCAPE2.0 application extension) */
        static const GifByteType loop[3] = {1, 0, 0};
        if (rc == GIF_ERROR ||
            EGifPutExtensionLeader(fr->gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
            EGifPutExtensionBlock(fr->gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
            EGifPutExtensionBlock(fr->gif, 3, loop) == GIF_ERROR ||
            EGifPutExtensionTrailer(fr->gif) == GIF_ERROR)
            return gif_fail(fr, fr->gif->Error);
    } else if (strchr(out, '%')) {
        const char *p = strchr(out, '%');
        size_t k = strspn(p + 1, "0123456789");
        if (p[1 + k] != 'd' || strchr(p + 2 + k, '%') || len >= sizeof fr->pattern) {
            fprintf(stderr, "placed: --timelapse %s: a pattern holds one %%d (frames/f%%06d.png)\n",
                    out);
            return -2;
        }
        snprintf(fr->pattern, sizeof fr->pattern, "%s", out);
    } else if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(fr->pattern, sizeof fr->pattern, "%s/frame-%%06d.png", out);
    } else {
        fprintf(stderr, "placed: --timelapse %s: give a file ending in .gif, an existing directory, "
                        "or a pattern with %%d\n", out);
        return -2;
    }
    return 0;
}

/* Writes the pending frame (shown repeats + 1 frame times). Returns 0 or -1. */
static int frames_flush(frames *fr)
{
    if (!fr->have_pending)
        return 0;
    region r = fr->r;
    unsigned s = fr->scale;
    if (fr->gif) {
        unsigned long cs = (unsigned long)fr->delay_cs * (fr->repeats + 1);
        while (cs > 0) { /* a GIF delay is at most 65535 cs: a longer still is several frames */
            unsigned d = cs > 65535 ? 65535 : (unsigned)cs;
            cs -= d;
            GraphicsControlBlock gcb = {.DisposalMode = DISPOSAL_UNSPECIFIED,
                                        .UserInputFlag = false,
                                        .DelayTime = (int)d,
                                        .TransparentColor = NO_TRANSPARENT_COLOR};
            GifByteType ext[4];
            EGifGCBToExtension(&gcb, ext);
            if (EGifPutExtension(fr->gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) == GIF_ERROR ||
                EGifPutImageDesc(fr->gif, 0, 0, (int)(r.w * s), (int)(r.h * s), false, NULL) ==
                    GIF_ERROR)
                return gif_fail(fr, fr->gif->Error);
            for (uint32_t y = 0; y < r.h * s; y++) {
                const uint8_t *src = fr->pending + (size_t)(y / s) * r.w;
                for (uint32_t x = 0; x < r.w * s; x++)
                    fr->line[x] = src[x / s];
                if (EGifPutLine(fr->gif, fr->line, (int)(r.w * s)) == GIF_ERROR)
                    return gif_fail(fr, fr->gif->Error);
            }
            fr->written++;
        }
    } else {
        /* numbered frames for a video tool: a frame that lasts longer is written again */
        uint8_t *packed = malloc(place_bitmap_bytes(r.w, r.h));
        if (!packed) {
            fprintf(stderr, "placed: out of memory\n");
            return -1;
        }
        place_bitmap_pack(fr->pending, r.w, r.h, packed);
        for (unsigned i = 0; i <= fr->repeats; i++) {
            char path[700];
            snprintf(path, sizeof path, fr->pattern, (int)fr->written);
            if (write_png(path, packed, r.w, (region){0, 0, r.w, r.h}, s) < 0) {
                free(packed);
                return -1;
            }
            fr->written++;
        }
        free(packed);
    }
    fr->have_pending = 0;
    fr->repeats = 0;
    return 0;
}

/* The canvas as it is now is the next frame; `changed`: it differs from the pending one. */
static int frames_add(frames *fr, const uint8_t *bits, uint32_t cw, int changed)
{
    if (fr->have_pending && !changed) {
        fr->repeats++;
        return 0;
    }
    if (frames_flush(fr) < 0)
        return -1;
    region r = fr->r;
    for (uint32_t y = 0; y < r.h; y++)
        for (uint32_t x = 0; x < r.w; x++)
            fr->pending[(size_t)y * r.w + x] = (uint8_t)place_bitmap_get(bits, cw, r.x + x, r.y + y);
    fr->have_pending = 1;
    return 0;
}

static int frames_close(frames *fr, int ok)
{
    int rc = ok && frames_flush(fr) == 0 ? 0 : -1;
    if (fr->gif) {
        int err = 0;
        if (EGifCloseFile(fr->gif, &err) == GIF_ERROR && rc == 0)
            rc = gif_fail(fr, err);
        if (rc < 0)
            unlink(fr->out);
    }
    free(fr->pending);
    free(fr->line);
    return rc;
}

/* ---------------------------------------------------------------- progress */

typedef struct progress {
    int tty;
    int64_t last_ms;
    uint64_t total;
} progress;

static void progress_show(progress *p, uint64_t done, unsigned long nframes, int final)
{
    if (!p->tty)
        return;
    int64_t now = util_mono_ms();
    if (!final && now - p->last_ms < 200)
        return;
    p->last_ms = now;
    int pct = p->total ? (int)(done * 100 / p->total) : 100;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    fprintf(stderr, "\rtimelapse [%s] %3d%%  %" PRIu64 "/%" PRIu64 " placements, %lu frames%s", bar,
            pct, done, p->total, nframes, final ? "\n" : "");
    fflush(stderr);
}

/* ---------------------------------------------------------------- the acts */

static int time_flag(const char *name, const char *v, int64_t *ms)
{
    if (config_time_ms(v, util_now_ms(), ms) < 0) {
        fprintf(stderr, "placed: --%s %s: give a time (2026-11-29T15:00:00Z, ms since the epoch, "
                        "or -2h)\n", name, v);
        return -1;
    }
    return 0;
}

static int export_png(const place_config *cfg, tl_reader *rd, uint32_t cw, uint32_t ch,
                      uint64_t last, unsigned scale, region r)
{
    uint64_t seq = last;
    if (cfg->seq[0] && cfg->at[0]) {
        fprintf(stderr, "placed: give --at or --seq, not both\n");
        return 2;
    }
    if (cfg->seq[0] && parse_uint(cfg->seq, 0, UINT64_MAX, &seq) < 0) {
        fprintf(stderr, "placed: --seq %s: give a whole number\n", cfg->seq);
        return 2;
    }
    if (seq > last) {
        fprintf(stderr, "placed: --seq %" PRIu64 " is beyond the newest placement, %" PRIu64 "\n",
                seq, last);
        return 2;
    }
    if (cfg->at[0]) {
        int64_t at;
        if (time_flag("at", cfg->at, &at) < 0)
            return 2;
        if (rd->ops->seq_at_time(rd, at, &seq) < 0) {
            fprintf(stderr, "placed: the history cannot be read\n");
            return 1;
        }
    }
    uint8_t *bits = malloc(place_bitmap_bytes(cw, ch));
    if (!bits || tl_canvas_at(rd, seq, bits, cw, ch) < 0) {
        fprintf(stderr, "placed: the history cannot be read\n");
        free(bits);
        return 1;
    }
    int rc = write_png(cfg->export_png, bits, cw, r, scale);
    free(bits);
    if (rc < 0)
        return 1;
    printf("placed: wrote %s: %ux%u, the canvas at seq %" PRIu64 "\n", cfg->export_png,
           r.w * scale, r.h * scale, seq);
    return 0;
}

static int export_timelapse(const place_config *cfg, tl_reader *rd, uint32_t cw, uint32_t ch,
                            uint64_t last, unsigned scale, region r)
{
    uint64_t fps = 10, step_n = 0;
    int64_t step_ms = 0, from_ms = 0, to_ms = 0;
    if (cfg->fps[0] && parse_uint(cfg->fps, 1, 100, &fps) < 0) {
        fprintf(stderr, "placed: --fps %s: give a whole number from 1 to 100\n", cfg->fps);
        return 2;
    }
    if (cfg->step[0] && cfg->step_placements[0]) {
        fprintf(stderr, "placed: give --step or --step-placements, not both\n");
        return 2;
    }
    if (cfg->step[0] && (config_duration_ms(cfg->step, &step_ms) < 0 || step_ms <= 0)) {
        fprintf(stderr, "placed: --step %s: give a duration (30s, 5m, 1h)\n", cfg->step);
        return 2;
    }
    if (cfg->step_placements[0] &&
        parse_uint(cfg->step_placements, 1, UINT64_MAX, &step_n) < 0) {
        fprintf(stderr, "placed: --step-placements %s: give a whole number from 1\n",
                cfg->step_placements);
        return 2;
    }
    if ((cfg->from[0] && time_flag("from", cfg->from, &from_ms) < 0) ||
        (cfg->to[0] && time_flag("to", cfg->to, &to_ms) < 0))
        return 2;
    uint64_t seq_from = 0, seq_to = last;
    if ((cfg->from[0] && rd->ops->seq_at_time(rd, from_ms, &seq_from) < 0) ||
        (cfg->to[0] && rd->ops->seq_at_time(rd, to_ms, &seq_to) < 0)) {
        fprintf(stderr, "placed: the history cannot be read\n");
        return 1;
    }
    if (seq_to < seq_from) {
        fprintf(stderr, "placed: --to is before --from\n");
        return 2;
    }
    if (!step_ms && !step_n)
        step_n = (seq_to - seq_from + DEFAULT_FRAMES - 1) / DEFAULT_FRAMES;
    if (!step_n)
        step_n = 1;

    frames fr = {0};
    uint8_t *bits = malloc(place_bitmap_bytes(cw, ch));
    tl_row *rows = malloc(TL_CHUNK * sizeof *rows);
    int opened = bits && rows ? frames_open(&fr, cfg->timelapse, r, scale, (unsigned)fps) : -1;
    int ok = opened == 0;
    if (!ok)
        goto out;
    if (tl_canvas_at(rd, seq_from, bits, cw, ch) < 0) {
        fprintf(stderr, "placed: the history cannot be read\n");
        ok = 0;
        goto out;
    }
    ok = frames_add(&fr, bits, cw, 1) == 0;
    progress pg = {.tty = isatty(2), .total = seq_to - seq_from};
    uint64_t at = seq_from, since_frame = 0;
    int64_t boundary = step_ms ? (cfg->from[0] ? from_ms : -1) : 0;
    int changed = 0;
    while (ok && at < seq_to) {
        long n = rd->ops->rows(rd, at, seq_to, rows, TL_CHUNK);
        if (n < 0) {
            fprintf(stderr, "\nplaced: the history cannot be read\n");
            ok = 0;
            break;
        }
        if (n == 0)
            break;
        for (long i = 0; i < n && ok; i++) {
            const tl_row *p = &rows[i];
            if (step_ms) {
                if (boundary < 0)
                    boundary = p->time; /* the first placement starts the clock */
                /* every frame time this placement is after: the canvas then is a frame */
                while (ok && p->time >= boundary + step_ms) {
                    ok = frames_add(&fr, bits, cw, changed) == 0;
                    changed = 0;
                    boundary += step_ms;
                }
            }
            if (p->x < cw && p->y < ch) {
                place_bitmap_set(bits, cw, p->x, p->y, p->color & 15);
                changed |= p->x >= r.x && p->x < r.x + r.w && p->y >= r.y && p->y < r.y + r.h;
            }
            if (!step_ms && ++since_frame == step_n) {
                ok = frames_add(&fr, bits, cw, changed) == 0;
                changed = 0;
                since_frame = 0;
            }
        }
        at = rows[n - 1].seq;
        progress_show(&pg, at - seq_from, fr.written + (unsigned long)fr.have_pending, 0);
    }
    if (ok && (changed || since_frame))
        ok = frames_add(&fr, bits, cw, changed) == 0;
    if (ok)
        progress_show(&pg, seq_to - seq_from, fr.written + (unsigned long)fr.have_pending, 1);
out:
    free(bits);
    free(rows);
    if (fr.out && frames_close(&fr, ok) < 0)
        ok = 0;
    if (!ok)
        return opened == -2 ? 2 : 1;
    printf("placed: wrote %s: %lu frames of %ux%u, placements %" PRIu64 " to %" PRIu64 "\n",
           cfg->timelapse, fr.written, r.w * scale, r.h * scale, seq_from, seq_to);
    return 0;
}

int export_wanted(const place_config *cfg)
{
    return cfg->export_png[0] || cfg->timelapse[0];
}

int export_run(const place_config *cfg)
{
    if (cfg->export_png[0] && cfg->timelapse[0]) {
        fprintf(stderr, "placed: give --export-png or --timelapse, not both\n");
        return 2;
    }
    uint64_t scale = 1;
    if (cfg->scale[0] && parse_uint(cfg->scale, 1, 16, &scale) < 0) {
        fprintf(stderr, "placed: --scale %s: give a whole number from 1 to 16\n", cfg->scale);
        return 2;
    }
    char err[512];
    tl_reader *rd = backend_timeline_open(cfg, 0, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "placed: %s\n", err);
        return 1;
    }
    uint32_t cw = 0, ch = 0;
    uint64_t first, last;
    int64_t first_time;
    int rc = 1;
    if (rd->ops->size(rd, &cw, &ch) < 0 || rd->ops->bounds(rd, &first, &first_time, &last) < 0) {
        fprintf(stderr, "placed: the history cannot be read\n");
        goto out;
    }
    if (!cw || !ch) {
        cw = (uint32_t)cfg->width;
        ch = (uint32_t)cfg->height;
    }
    region r;
    if (parse_region(cfg->region, cw, ch, &r) < 0) {
        rc = 2;
        goto out;
    }
    if (cfg->export_png[0])
        rc = export_png(cfg, rd, cw, ch, last, (unsigned)scale, r);
    else
        rc = export_timelapse(cfg, rd, cw, ch, last, (unsigned)scale, r);
out:
    tl_close(rd);
    return rc;
}

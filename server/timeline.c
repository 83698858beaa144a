/* The canvas through time: what both modes share over a history reader (see timeline.h). */
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "place/bitmap.h"

void tl_apply(uint8_t *bits, uint32_t w, uint32_t h, const tl_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].x < w && rows[i].y < h)
            place_bitmap_set(bits, w, rows[i].x, rows[i].y, rows[i].color & 15);
}

int tl_ckpt_encode(const uint8_t *bits, uint32_t w, uint32_t h, uint8_t **z, size_t *zlen)
{
    size_t len = place_bitmap_bytes(w, h);
    uLongf n = compressBound((uLong)len);
    uint8_t *out = malloc(n);
    if (!out || compress2(out, &n, bits, (uLong)len, 1) != Z_OK) {
        free(out);
        return -1;
    }
    *z = out;
    *zlen = n;
    return 0;
}

int tl_ckpt_decode(const uint8_t *z, size_t zlen, uint32_t cw, uint32_t ch, uint8_t *bits,
                   uint32_t w, uint32_t h)
{
    uLongf len = cw && ch && cw <= PLACE_MAX_SIDE && ch <= PLACE_MAX_SIDE
                     ? (uLongf)place_bitmap_bytes(cw, ch)
                     : 0;
    uint8_t *raw = len ? malloc(len) : NULL;
    int rc = -1;
    if (raw && z && uncompress(raw, &len, z, (uLong)zlen) == Z_OK &&
        len == place_bitmap_bytes(cw, ch)) {
        if (cw == w && ch == h) {
            memcpy(bits, raw, place_bitmap_bytes(w, h));
        } else {
            for (uint32_t y = 0; y < ch && y < h; y++)
                for (uint32_t x = 0; x < cw && x < w; x++)
                    place_bitmap_set(bits, w, x, y, place_bitmap_get(raw, cw, x, y));
        }
        rc = 0;
    }
    free(raw);
    return rc;
}

int tl_canvas_at(tl_reader *r, uint64_t seq, uint8_t *bits, uint32_t w, uint32_t h)
{
    return tl_canvas_at_count(r, seq, bits, w, h, NULL);
}

int tl_canvas_at_count(tl_reader *r, uint64_t seq, uint8_t *bits, uint32_t w, uint32_t h,
                       uint64_t *replayed)
{
    uint64_t at = 0, read = 0;
    if (r->ops->checkpoint(r, seq, bits, w, h, &at) < 0)
        return -1;
    tl_row *rows = malloc(TL_CHUNK * sizeof *rows);
    if (!rows)
        return -1;
    int rc = 0;
    while (at < seq) {
        long n = r->ops->rows(r, at, seq, rows, TL_CHUNK);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        tl_apply(bits, w, h, rows, (size_t)n);
        read += (uint64_t)n;
        at = rows[n - 1].seq;
    }
    free(rows);
    if (replayed)
        *replayed = read;
    return rc;
}

void tl_ckpt_free(tl_ckpt_state *st)
{
    free(st->bits);
    st->bits = NULL;
    st->seq = 0;
}

int tl_ckpt_step(tl_reader *r, tl_ckpt_state *st, uint64_t upto, size_t max_rows)
{
    if (!st->bits) {
        if (!(st->bits = calloc(1, place_bitmap_bytes(st->w, st->h))))
            return -1;
        if (r->ops->checkpoint(r, UINT64_MAX, st->bits, st->w, st->h, &st->seq) < 0) {
            tl_ckpt_free(st);
            return -1;
        }
    }
    tl_row *rows = malloc(TL_CHUNK * sizeof *rows);
    if (!rows)
        return -1;
    int stored = 0;
    size_t done = 0;
    while (st->seq < upto && done < max_rows) {
        /* stop at the next multiple of every, so the canvas is exactly that seq's there */
        uint64_t next = (st->seq / st->every + 1) * st->every;
        uint64_t lim = next < upto ? next : upto;
        size_t want = max_rows - done < TL_CHUNK ? max_rows - done : TL_CHUNK;
        long n = r->ops->rows(r, st->seq, lim, rows, want);
        if (n < 0)
            goto fail;
        if (n > 0) {
            tl_apply(st->bits, st->w, st->h, rows, (size_t)n);
            done += (size_t)n;
        }
        if (n > 0)
            st->time = rows[n - 1].time;
        /* a short read means everything up to lim is applied (a hole in the seqs has no row) */
        st->seq = n < (long)want ? lim : rows[n - 1].seq;
        if (st->seq == next) {
            if (r->ops->put_checkpoint(r, next, st->time, st->bits, st->w, st->h) < 0)
                goto fail;
            stored++;
        }
    }
    free(rows);
    return stored;
fail:
    free(rows);
    tl_ckpt_free(st);
    return -1;
}

uint32_t tl_heat_block(uint32_t w, uint32_t h, uint32_t want)
{
    uint32_t b = 1;
    while (b < want && b < 256)
        b <<= 1;
    while (b < 256 && (uint64_t)((w + b - 1) / b) * ((h + b - 1) / b) > TL_HEAT_MAX_CELLS)
        b <<= 1;
    return b;
}

/* Log-linear histogram (see hist.h). Values below 2*HIST_SUB get a bucket each; above that, every
 * power of two is cut into HIST_SUB equal buckets, the layout HdrHistogram made familiar. */
#include "hist.h"

static unsigned bucket_of(uint64_t v)
{
    if (v < 2 * HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - 6; /* log2(HIST_SUB) */
    unsigned idx = shift * HIST_SUB + (unsigned)(v >> shift);
    return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The lowest value of bucket idx and its width. */
static void bucket_range(unsigned idx, uint64_t *lo, uint64_t *width)
{
    if (idx < 2 * HIST_SUB) {
        *lo = idx;
        *width = 1;
        return;
    }
    unsigned shift = idx / HIST_SUB - 1;
    uint64_t top = idx - shift * HIST_SUB; /* v >> shift, in [HIST_SUB, 2*HIST_SUB) */
    *lo = top << shift;
    *width = 1ull << shift;
}

void hist_add(hist *h, int64_t us)
{
    uint64_t v = us < 0 ? 0 : (uint64_t)us;
    h->bucket[bucket_of(v)]++;
    h->count++;
    h->sum_us += v;
    if (v > h->max_us)
        h->max_us = v;
}

void hist_merge(hist *dst, const hist *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum_us += src->sum_us;
    if (src->max_us > dst->max_us)
        dst->max_us = src->max_us;
}

double hist_quantile(const hist *h, double q)
{
    if (!h->count)
        return 0;
    if (q >= 1)
        return (double)h->max_us;
    /* the rank of the wanted value, 1-based: p99 of 1000 values is the 990th */
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t lo, width;
            bucket_range(i, &lo, &width);
            double mid = (double)lo + (double)(width - 1) / 2.0;
            return mid > (double)h->max_us ? (double)h->max_us : mid;
        }
    }
    return (double)h->max_us;
}

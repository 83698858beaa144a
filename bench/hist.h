/* A fixed-size latency histogram for the benchmark tools: log-linear buckets (about 1.6 %
 * relative precision) over microseconds, so that merging workers is adding arrays and a
 * percentile costs one pass. Plain data, no allocation: a histogram can live in memory shared
 * between processes. */
#ifndef PLACE_BENCH_HIST_H
#define PLACE_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB 64      /* buckets per power of two above the linear range */
#define HIST_BUCKETS 2560 /* covers values up to 2^40 us, far beyond any run */

typedef struct hist {
    uint64_t count;
    uint64_t max_us;
    uint64_t sum_us;
    uint64_t bucket[HIST_BUCKETS];
} hist;

/* Counts one value (microseconds; negative values count as 0). */
void hist_add(hist *h, int64_t us);

/* Adds every count of src into dst. */
void hist_merge(hist *dst, const hist *src);

/* The value (us) below which fraction q (0..1) of the counted values lie, as the middle of its
 * bucket; 0 for an empty histogram. q >= 1 gives the exact maximum. */
double hist_quantile(const hist *h, double q);

#endif

/* A fixed-bucket histogram for /metrics: observations from any thread land in relaxed atomic
 * counters (no lock on the hot path), and a scrape reads them into the Prometheus histogram form
 * (cumulative `le` buckets, `_sum`, `_count`). Values are integers in a unit the owner chooses
 * (microseconds for latencies); the exposition scales them to the metric's base unit. */
#ifndef RT_UTIL_HISTOGRAM_H
#define RT_UTIL_HISTOGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#include "util/util_buf.h"

#define RT_HISTOGRAM_MAX_BOUNDS 32

typedef struct rt_histogram {
    int nbounds;
    int64_t bounds[RT_HISTOGRAM_MAX_BOUNDS];                  /* upper bounds (inclusive), ascending */
    atomic_uint_fast64_t counts[RT_HISTOGRAM_MAX_BOUNDS + 1]; /* per bucket, not cumulative; last: +Inf */
    atomic_int_fast64_t sum;                                  /* of the observed values */
} rt_histogram_t;

/* Sets the bucket bounds (copied) and zeroes the counters. Returns 0, or -1 when n is not in
 * 1..RT_HISTOGRAM_MAX_BOUNDS or the bounds do not strictly ascend. */
int rt_histogram_init(rt_histogram_t *h, const int64_t *bounds, int n);
/* The index of the bucket v falls in: the first bound >= v, or nbounds (+Inf). */
int rt_histogram_bucket(const rt_histogram_t *h, int64_t v);
/* Counts one value; negative values count as 0. Any thread. */
void rt_histogram_observe(rt_histogram_t *h, int64_t v);
/* Observations gathered by one thread and added to the histogram in one go (one atomic add per
 * bucket used instead of two per value): for a loop delivering many frames. Zero it with
 * RT_HISTOGRAM_BATCH_INIT, add with rt_histogram_batch_add, end with rt_histogram_batch_flush. */
typedef struct rt_histogram_batch {
    uint64_t counts[RT_HISTOGRAM_MAX_BOUNDS + 1];
    int64_t sum;
    uint64_t n;
} rt_histogram_batch_t;
#define RT_HISTOGRAM_BATCH_INIT                                                                                        \
    {                                                                                                                  \
        {0}, 0, 0                                                                                                      \
    }
void rt_histogram_batch_add(const rt_histogram_t *h, rt_histogram_batch_t *b, int64_t v);
/* Adds the batch to h and empties it. */
void rt_histogram_batch_flush(rt_histogram_t *h, rt_histogram_batch_t *b);
/* Reads the counters: cumulative[i] for bucket i (nbounds + 1 entries, the last is the count
 * of all observations), and the sum. Concurrent observations may be half-seen by the sum only. */
void rt_histogram_read(const rt_histogram_t *h, uint64_t cumulative[RT_HISTOGRAM_MAX_BOUNDS + 1], int64_t *sum);
/* Appends the Prometheus text exposition of metric `name` (HELP, TYPE, buckets, sum, count);
 * `unit` converts a value into the exposed unit (1e-6 for microseconds exposed as seconds). */
int rt_histogram_write(const rt_histogram_t *h, rt_buf_t *out, const char *name, const char *help, double unit);

#endif

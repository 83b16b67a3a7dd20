/* Fixed-bucket histogram with atomic counters and its Prometheus exposition (see
 * util_histogram.h). Each bucket is one counter (hot loops batch their adds), so the count a
 * scrape writes is always the sum of the buckets it writes. */
#include "util/util_histogram.h"

int rt_histogram_init(rt_histogram_t *h, const int64_t *bounds, int n)
{
    if (n < 1 || n > RT_HISTOGRAM_MAX_BOUNDS)
        return -1;
    for (int i = 1; i < n; i++)
        if (bounds[i] <= bounds[i - 1])
            return -1;
    h->nbounds = n;
    for (int i = 0; i < n; i++)
        h->bounds[i] = bounds[i];
    for (int i = 0; i <= RT_HISTOGRAM_MAX_BOUNDS; i++)
        atomic_init(&h->counts[i], 0);
    atomic_init(&h->sum, 0);
    return 0;
}

int rt_histogram_bucket(const rt_histogram_t *h, int64_t v)
{
    int lo = 0, hi = h->nbounds; /* the answer is in [lo, hi] */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (h->bounds[mid] >= v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void rt_histogram_observe(rt_histogram_t *h, int64_t v)
{
    if (v < 0)
        v = 0;
    atomic_fetch_add_explicit(&h->counts[rt_histogram_bucket(h, v)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
}

void rt_histogram_batch_add(const rt_histogram_t *h, rt_histogram_batch_t *b, int64_t v)
{
    if (v < 0)
        v = 0;
    b->counts[rt_histogram_bucket(h, v)]++;
    b->sum += v;
    b->n++;
}

void rt_histogram_batch_flush(rt_histogram_t *h, rt_histogram_batch_t *b)
{
    if (!b->n)
        return;
    for (int i = 0; i <= h->nbounds; i++)
        if (b->counts[i])
            atomic_fetch_add_explicit(&h->counts[i], b->counts[i], memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, b->sum, memory_order_relaxed);
    *b = (rt_histogram_batch_t)RT_HISTOGRAM_BATCH_INIT;
}

void rt_histogram_read(const rt_histogram_t *h, uint64_t cumulative[RT_HISTOGRAM_MAX_BOUNDS + 1], int64_t *sum)
{
    uint64_t total = 0;
    for (int i = 0; i <= h->nbounds; i++) {
        total += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        cumulative[i] = total;
    }
    *sum = atomic_load_explicit(&h->sum, memory_order_relaxed);
}

int rt_histogram_write(const rt_histogram_t *h, rt_buf_t *out, const char *name, const char *help, double unit)
{
    uint64_t cum[RT_HISTOGRAM_MAX_BOUNDS + 1];
    int64_t sum;
    rt_histogram_read(h, cum, &sum);
    if (rt_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name) < 0)
        return -1;
    for (int i = 0; i < h->nbounds; i++)
        if (rt_buf_printf(out, "%s_bucket{le=\"%.9g\"} %llu\n", name, (double)h->bounds[i] * unit,
                          (unsigned long long)cum[i]) < 0)
            return -1;
    unsigned long long count = (unsigned long long)cum[h->nbounds];
    if (rt_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9g\n%s_count %llu\n", name, count, name,
                      (double)sum * unit, name, count) < 0)
        return -1;
    return 0;
}

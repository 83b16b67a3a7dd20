/* util_histogram: bucket boundaries (a value equal to a bound falls in that bound's bucket),
 * counting from several threads, and the Prometheus exposition. */
#include <pthread.h>
#include <string.h>

#include "rt_test.h"
#include "util/util_histogram.h"

static const int64_t bounds[] = {500, 1000, 2500, 10000};

RT_TEST(init_rejects_bad_bounds)
{
    rt_histogram_t h;
    const int64_t unsorted[] = {5, 3}, equal[] = {5, 5};
    CHECK(rt_histogram_init(&h, unsorted, 2) < 0);
    CHECK(rt_histogram_init(&h, equal, 2) < 0);
    CHECK(rt_histogram_init(&h, bounds, 0) < 0);
    CHECK(rt_histogram_init(&h, bounds, RT_HISTOGRAM_MAX_BOUNDS + 1) < 0);
    CHECK(rt_histogram_init(&h, bounds, 4) == 0);
}

RT_TEST(bucket_edges)
{
    rt_histogram_t h;
    rt_histogram_init(&h, bounds, 4);
    CHECK(rt_histogram_bucket(&h, INT64_MIN) == 0);
    CHECK(rt_histogram_bucket(&h, 0) == 0);
    CHECK(rt_histogram_bucket(&h, 500) == 0); /* le is inclusive */
    CHECK(rt_histogram_bucket(&h, 501) == 1);
    CHECK(rt_histogram_bucket(&h, 1000) == 1);
    CHECK(rt_histogram_bucket(&h, 2499) == 2);
    CHECK(rt_histogram_bucket(&h, 10000) == 3);
    CHECK(rt_histogram_bucket(&h, 10001) == 4); /* +Inf */
    CHECK(rt_histogram_bucket(&h, INT64_MAX) == 4);
}

RT_TEST(read_is_cumulative_and_negative_counts_as_zero)
{
    rt_histogram_t h;
    rt_histogram_init(&h, bounds, 4);
    const int64_t values[] = {-7, 0, 500, 700, 3000, 20000, 20000};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        rt_histogram_observe(&h, values[i]);
    uint64_t cum[RT_HISTOGRAM_MAX_BOUNDS + 1];
    int64_t sum;
    rt_histogram_read(&h, cum, &sum);
    CHECK(cum[0] == 3 && cum[1] == 4 && cum[2] == 4 && cum[3] == 5 && cum[4] == 7);
    CHECK(sum == 0 + 0 + 500 + 700 + 3000 + 20000 + 20000);
}

static void *observe_many(void *arg)
{
    for (int i = 0; i < 10000; i++)
        rt_histogram_observe(arg, i % 2 ? 700 : 20000);
    return NULL;
}

RT_TEST(concurrent_observations_all_counted)
{
    rt_histogram_t h;
    rt_histogram_init(&h, bounds, 4);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, observe_many, &h);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    uint64_t cum[RT_HISTOGRAM_MAX_BOUNDS + 1];
    int64_t sum;
    rt_histogram_read(&h, cum, &sum);
    CHECK(cum[1] == 20000 && cum[4] == 40000);
    CHECK(sum == 20000LL * 700 + 20000LL * 20000);
}

RT_TEST(batch_adds_like_single_observations)
{
    rt_histogram_t h, g;
    rt_histogram_init(&h, bounds, 4);
    rt_histogram_init(&g, bounds, 4);
    rt_histogram_batch_t b = RT_HISTOGRAM_BATCH_INIT;
    const int64_t values[] = {-1, 500, 501, 9999, 10001, 7};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        rt_histogram_batch_add(&h, &b, values[i]);
        rt_histogram_observe(&g, values[i]);
    }
    uint64_t ch[RT_HISTOGRAM_MAX_BOUNDS + 1], cg[RT_HISTOGRAM_MAX_BOUNDS + 1];
    int64_t sh, sg;
    rt_histogram_read(&h, ch, &sh);
    CHECK(ch[4] == 0 && sh == 0); /* nothing until flushed */
    rt_histogram_batch_flush(&h, &b);
    rt_histogram_batch_flush(&h, &b); /* emptied: a second flush adds nothing */
    rt_histogram_read(&h, ch, &sh);
    rt_histogram_read(&g, cg, &sg);
    CHECK(memcmp(ch, cg, 5 * sizeof ch[0]) == 0 && sh == sg && ch[4] == 6);
}

RT_TEST(prometheus_exposition)
{
    rt_histogram_t h;
    rt_histogram_init(&h, bounds, 4);
    rt_histogram_observe(&h, 700);
    rt_histogram_observe(&h, 20000);
    rt_buf_t b = RT_BUF_INIT;
    CHECK(rt_histogram_write(&h, &b, "x_seconds", "Latency.", 1e-6) == 0);
    rt_buf_putc(&b, '\0');
    CHECK_STR(b.data, "# HELP x_seconds Latency.\n# TYPE x_seconds histogram\n"
                      "x_seconds_bucket{le=\"0.0005\"} 0\nx_seconds_bucket{le=\"0.001\"} 1\n"
                      "x_seconds_bucket{le=\"0.0025\"} 1\nx_seconds_bucket{le=\"0.01\"} 1\n"
                      "x_seconds_bucket{le=\"+Inf\"} 2\nx_seconds_sum 0.0207\nx_seconds_count 2\n");
    rt_buf_free(&b);
}

RT_TEST_MAIN()

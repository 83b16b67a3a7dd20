/* Store-level ingestion benchmark: records/s through validation + the SQLite writer with
 * group commit (synchronous=FULL), for R records per request and W requests in flight.
 * Build (after building the tree in BUILD):
 *   gcc -O2 -std=c11 -D_GNU_SOURCE -Isrc -Itests/unit bench/ingest_store.c BUILD/librt_core.a \
 *       BUILD/librt_gql_syntax.a BUILD/librt_util.a -ljson-c -lsodium -lsqlite3 -lpthread -lm -o /tmp/ingest_store
 * Run: /tmp/ingest_store <records-per-request> <requests> <in-flight> [data-dir] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite/store_sqlite.h"
#include "store/store.h"
#include "gql_schema_gen.h"
#include "store_test_schema.h"

typedef struct bench {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight;
    long changes;
    int failed;
} bench_t;

static void done(void *ctx, const store_result_t *res)
{
    bench_t *b = ctx;
    pthread_mutex_lock(&b->mu);
    b->in_flight--;
    b->changes += res->nchanges;
    if (res->status)
        b->failed++;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s <records-per-request> <requests> <in-flight> [data-dir]\n", argv[0]);
        return 2;
    }
    int per = atoi(argv[1]), reqs = atoi(argv[2]), window = atoi(argv[3]);
    char dir[256];
    if (argc > 4)
        snprintf(dir, sizeof dir, "%s", argv[4]);
    else if (!mkdtemp(strcpy(dir, "/tmp/rt-bench-XXXXXX")))
        return 1;
    store_sqlite_opts_t o = {dir, 86400, 1000000, &test_node_schema, &gql_schema_directory};
    store_t *s = store_sqlite_open(&o);
    if (!s)
        return 1;
    bench_t b = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    char buf[512];
    double t0 = now_s(), validate_s = 0;
    for (int r = 0; r < reqs; r++) {
        double v0 = now_s();
        store_record_t *recs = calloc((size_t)per, sizeof *recs);
        for (int i = 0; i < per; i++) {
            /* each record creates a new execution: every record is one change */
            snprintf(buf, sizeof buf,
                     "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"ex-%d-%d\",\"blobId\":\"b1\","
                     "\"status\":\"RUNNING\",\"input\":{\"n\":%d},\"createdAt\":\"2026-01-01T00:00:00Z\","
                     "\"updatedAt\":\"2026-01-01T00:00:00Z\"}}",
                     r, i, i);
            json_object *j = json_tokener_parse(buf);
            char *msg = NULL;
            if (store_record_parse(s, j, &recs[i], &msg) != 0)
                return 1;
            json_object_put(j);
        }
        validate_s += now_s() - v0;
        pthread_mutex_lock(&b.mu);
        while (b.in_flight >= window)
            pthread_cond_wait(&b.cv, &b.mu);
        b.in_flight++;
        pthread_mutex_unlock(&b.mu);
        if (store_submit(s, recs, per, NULL, done, &b) != 0)
            return 1;
    }
    pthread_mutex_lock(&b.mu);
    while (b.in_flight > 0)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    double t = now_s() - t0;
    printf(
        "records/request=%d requests=%d in-flight=%d: %.0f changes/s, %.0f requests/s (%.2f s; validation %.2f s; failed %d)\n",
        per, reqs, window, (double)b.changes / t, reqs / t, t, validate_s, b.failed);
    store_close(s);
    if (argc <= 4) {
        snprintf(buf, sizeof buf, "rm -rf '%s'", dir);
        if (system(buf) != 0)
            return 1;
    }
    return 0;
}

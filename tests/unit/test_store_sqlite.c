/* The SQLite store end to end on a temporary data dir: atomic requests, change log contents,
 * reads after a cursor, malformed and expired cursors, retention by count and by age,
 * reopening (durability across close), directory loading and lookups, and group commit
 * answering through a task queue. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_test.h"
#include "store/sqlite/store_sqlite.h"
#include "gql_schema_gen.h"
#include "store/store.h"
#include "store_test_schema.h"
#include "store_test_util.h"

static char dir[256];

/* Each case has a data dir of its own under `dir`, so any case can run alone. */
static store_t *open_store_in(const char *sub, long ret_sec, long ret_max)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    store_sqlite_opts_t o = {path, ret_sec, ret_max, &test_node_schema, &gql_schema_directory};
    return store_sqlite_open(&o);
}

static store_t *open_store(long ret_sec, long ret_max) { return open_store_in("basic", ret_sec, ret_max); }

#define TS "\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\""
#define BLOB(id, vis)                                                                                                  \
    "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"" id                                                      \
    "\",\"organizationId\":\"o1\",\"type\":\"WORKFLOW\",\"name\":\"n\",\"visibility\":\"" vis "\"," TS "}}"
#define EXEC(id, st)                                                                                                   \
    "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"" id "\",\"blobId\":\"b1\",\"status\":\"" st         \
    "\"," TS "}}"

RT_TEST(basic)
{
    store_t *s = open_store(86400, 1000000);
    CHECK(s != NULL);
    if (!s)
        return;
    char cur[STORE_CURSOR_MAX];
    CHECK(store_log_head(s, cur) == 0);
    CHECK_STR(cur, "s0");
    CHECK(store_cursor_check(s, "s0") == 0);
    CHECK(apply(s, "[" BLOB("b1", "PRIVATE") "," EXEC("ex1", "RUNNING") "]", cur, NULL) == 0);
    CHECK_STR(cur, "s2");
    /* update, no-op, patch, delete, delete of unknown */
    CHECK(apply(s, "[" EXEC("ex1", "RUNNING") "]", cur, NULL) == 0);
    CHECK_STR(cur, "s2"); /* no change: the head */
    CHECK(
        apply(
            s,
            "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"status\":\"SUCCEEDED\",\"output\":{\"b\":1,\"a\":2}}}]",
            cur, NULL) == 0);
    CHECK_STR(cur, "s3");
    CHECK(apply(s,
                "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"output\":{\"a\":2.0,\"b\":1}}}]",
                cur, NULL) == 0);
    CHECK_STR(cur, "s3");
    json_object *n = NULL;
    CHECK(store_get(s, "Execution", "ex1", &n) == 0 && n);
    json_object *v = NULL;
    CHECK(n && json_object_object_get_ex(n, "status", &v) && strcmp(json_object_get_string(v), "SUCCEEDED") == 0);
    json_object_put(n);
    /* atomicity: the second record fails on the state (patch creating an incomplete node) */
    int idx = -1;
    CHECK(
        apply(
            s,
            "[" EXEC(
                "ex2",
                "RUNNING") ",{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"nope\",\"node\":{\"status\":\"FAILED\"}}]",
            cur, &idx) == STORE_ERR_INVALID);
    CHECK(idx == 1);
    CHECK(store_get(s, "Execution", "ex2", &n) == 0 && n == NULL);
    CHECK(store_log_head(s, cur) == 0);
    CHECK_STR(cur, "s3");
    CHECK(
        apply(
            s,
            "[{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\"},{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\"}]",
            cur, NULL) == 0);
    CHECK_STR(cur, "s4");
    CHECK(store_get(s, "Execution", "ex1", &n) == 0 && n == NULL);
    /* the log */
    collected_t col = {0};
    CHECK(store_log_read(s, NULL, 100, collect, &col) == 4);
    CHECK(col.n == 4);
    CHECK_STR(col.ids[0], "b1");
    CHECK(col.mut[0] == STORE_CREATED && col.mut[1] == STORE_CREATED && col.mut[2] == STORE_UPDATED &&
          col.mut[3] == STORE_DELETED);
    CHECK_STR(col.fields[2], "[\"status\",\"output\"]");
    CHECK_STR(col.org[1], "o1"); /* the execution's organization through its blob */
    memset(&col, 0, sizeof col);
    CHECK(store_log_read(s, "s2", 100, collect, &col) == 2);
    CHECK_STR(col.cursors[0], "s3");
    CHECK_STR(col.cursors[1], "s4");
    memset(&col, 0, sizeof col);
    CHECK(store_log_read(s, "s4", 100, collect, &col) == 0);
    CHECK(store_log_read(s, "s1", 1, collect, &col) == 1 && col.n == 1);
    CHECK(store_log_read(s, "s5", 100, collect, &col) == STORE_ERR_CURSOR_MALFORMED);
    CHECK(store_log_read(s, "garbage", 100, collect, &col) == STORE_ERR_CURSOR_MALFORMED);
    CHECK(store_cursor_check(s, "s4") == 0);
    CHECK(store_cursor_check(s, "s-1") == STORE_ERR_CURSOR_MALFORMED);
    store_close(s);

    /* reopen: state, log and directory come back */
    s = open_store(86400, 1000000);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(store_log_head(s, cur) == 0);
    CHECK_STR(cur, "s4");
    CHECK(store_get(s, "Blob", "b1", &n) == 0 && n);
    json_object_put(n);
    CHECK(
        apply(
            s,
            "[{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"o1\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"2024-01-01T00:00:00Z\"}},"
            "{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u1\"}},"
            "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"o1\",\"userId\":\"u1\",\"role\":\"MEMBER\"}}]",
            cur, NULL) == 0);
    CHECK_STR(cur, "s7");
    store_close(s);
}

RT_TEST(directory)
{
    store_t *s = open_store_in("directory", 86400, 1000000);
    if (!s) {
        CHECK(0);
        return;
    }
    char cur[STORE_CURSOR_MAX];
    CHECK(
        apply(
            s,
            "[" BLOB(
                "b1",
                "PRIVATE") ","
                           "{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"o1\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"2024-01-01T00:00:00Z\"}},"
                           "{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u1\"}},"
                           "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"o1\",\"userId\":\"u1\",\"role\":\"MEMBER\"}}]",
            cur, NULL) == 0);
    dir_seen_t d = {0};
    CHECK(store_load_directory(s, on_dir, &d) == 0);
    CHECK(d.n == 4);
    CHECK_STR(d.what[0], "Organization/o1");
    CHECK_STR(d.what[1], "User/u1");
    CHECK_STR(d.what[2], "Membership/o1:u1");
    CHECK_STR(d.what[3], "Blob/b1");
    dir_seen_t f = {0};
    CHECK(store_find(s, "Membership", "userId", "u1", on_dir, &f) == 0);
    CHECK(f.n == 1);
    CHECK_STR(f.what[0], "Membership/o1:u1");
    dir_seen_t g = {0};
    CHECK(store_find(s, "Membership", "userId", "nobody", on_dir, &g) == 0 && g.n == 0);
    CHECK(store_find(s, "Membership", "user\"Id", "u1", on_dir, &g) != 0);
    dir_seen_t all = {0};
    CHECK(store_find(s, "Blob", NULL, NULL, on_dir, &all) == 0 && all.n == 1);
    CHECK_STR(all.what[0], "Blob/b1");
    store_close(s);
}

/* Values nested to the ingestion limit read back: state, diff, log, directory, after reopening. */
RT_TEST(deep_json)
{
    const int levels = STORE_JSON_MAX_DEPTH - 2; /* a field value sits below the record and its node */
    char *deep = nested(levels), *text = NULL;
    store_t *s = open_store_in("deep", 86400, 1000000);
    CHECK(s != NULL);
    if (!s)
        goto out;
    CHECK(asprintf(&text,
                   "[{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"b1\",\"organizationId\":\"o1\","
                   "\"type\":\"WORKFLOW\",\"name\":\"n\",\"visibility\":\"PRIVATE\",\"metadata\":%s," TS "}},"
                   "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"ex1\",\"blobId\":\"b1\","
                   "\"status\":\"RUNNING\",\"output\":%s," TS "}}]",
                   deep, deep) > 0);
    char cur[STORE_CURSOR_MAX];
    CHECK(apply(s, text, cur, NULL) == 0);
    json_object *n = NULL, *out = NULL;
    CHECK(store_get(s, "Execution", "ex1", &n) == 0 && n != NULL);
    CHECK(json_object_object_get_ex(n, "output", &out) && depth_of(out) == levels);
    json_object_put(n);
    /* patch and upsert again: UPDATED with the deep previous values, not CREATED */
    CHECK(apply(s, "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"status\":\"FAILED\"}}]", cur,
                NULL) == 0);
    CHECK(apply(s, "[" EXEC("ex1", "RUNNING") "]", cur, NULL) == 0);
    CHECK(apply(s, "[{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\"}]", cur, NULL) == 0);
    CHECK(store_get(s, "Execution", "ex1", &n) == 0 && n == NULL);
    deep_seen_t d = {0};
    CHECK(store_log_read(s, "s1", 10, collect_deep, &d) == 4);
    CHECK(d.mut[0] == STORE_CREATED && d.node_depth[0] == levels);
    CHECK(d.mut[1] == STORE_UPDATED && d.node_depth[1] == levels && d.prev_depth[1] == levels);
    CHECK(d.mut[2] == STORE_UPDATED && d.node_depth[2] == -1 && d.prev_depth[2] == levels);
    CHECK(d.mut[3] == STORE_DELETED && d.prev_depth[3] == -1);
    store_close(s);
    /* reopened: the deep Blob is part of the directory */
    s = open_store_in("deep", 86400, 1000000);
    CHECK(s != NULL);
    if (!s)
        goto out;
    dir_seen_t seen = {0};
    CHECK(store_load_directory(s, on_dir, &seen) == 0);
    CHECK(seen.n == 1);
    CHECK_STR(seen.what[0], "Blob/b1");
    store_close(s);
out:
    free(text);
    free(deep);
}

RT_TEST(retention)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/ret", dir);
    store_sqlite_opts_t o = {sub, 86400, 3, &test_node_schema, &gql_schema_directory};
    store_t *s = store_sqlite_open(&o);
    if (!s) {
        CHECK(0);
        return;
    }
    char cur[STORE_CURSOR_MAX];
    /* six changes in one request: the pruning pass after that commit keeps the newest three */
    CHECK(apply(s,
                "[" BLOB("b1", "PRIVATE") "," BLOB("b2", "PRIVATE") "," BLOB("b3", "PRIVATE") "," BLOB(
                    "b4", "PRIVATE") "," BLOB("b5", "PRIVATE") "," BLOB("b6", "PRIVATE") "]",
                cur, NULL) == 0);
    CHECK_STR(cur, "s6");
    store_flush(s); /* pruning runs after the answer was handed back */
    collected_t col = {0};
    CHECK(store_log_read(s, NULL, 100, collect, &col) == 3);
    CHECK_STR(col.cursors[0], "s4");
    CHECK(store_cursor_check(s, "s2") == STORE_ERR_CURSOR_EXPIRED);
    CHECK(store_log_read(s, "s2", 10, collect, &col) == STORE_ERR_CURSOR_EXPIRED);
    CHECK(store_cursor_check(s, "s3") == 0);
    CHECK(store_cursor_check(s, "s0") == STORE_ERR_CURSOR_EXPIRED);
    store_close(s);

    /* by age: one second */
    snprintf(sub, sizeof sub, "%s/age", dir);
    store_sqlite_opts_t o2 = {sub, 1, 1000000, &test_node_schema, &gql_schema_directory};
    s = store_sqlite_open(&o2);
    if (!s) {
        CHECK(0);
        return;
    }
    CHECK(apply(s, "[" BLOB("b1", "PRIVATE") "," BLOB("b2", "PRIVATE") "]", cur, NULL) == 0);
    usleep(2100 * 1000);
    CHECK(apply(s, "[" BLOB("b3", "PRIVATE") "]", cur, NULL) == 0);
    store_flush(s);
    memset(&col, 0, sizeof col);
    CHECK(store_log_read(s, NULL, 100, collect, &col) == 1);
    CHECK_STR(col.ids[0], "b3");
    CHECK(store_cursor_check(s, "s1") == STORE_ERR_CURSOR_EXPIRED);
    CHECK(store_cursor_check(s, "s2") == 0);
    store_close(s);
    /* sequences are never reused after the log was pruned empty */
    s = store_sqlite_open(&o2);
    if (s) {
        CHECK(store_log_head(s, cur) == 0);
        CHECK_STR(cur, "s3");
        store_close(s);
    }
}

/* Group commit through a task queue: many requests from several threads, each answered once. */
typedef struct answers {
    pthread_mutex_t mu;
    int ok, fail, changes;
} answers_t;

static void noop_wake(void *arg) { (void)arg; }

static void on_done(void *ctx, const store_result_t *res)
{
    answers_t *a = ctx;
    pthread_mutex_lock(&a->mu);
    if (res->status == 0)
        a->ok++;
    else
        a->fail++;
    a->changes += res->nchanges;
    pthread_mutex_unlock(&a->mu);
}

RT_TEST(group)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/group", dir);
    store_sqlite_opts_t o = {sub, 86400, 1000000, &test_node_schema, &gql_schema_directory};
    store_t *s = store_sqlite_open(&o);
    if (!s) {
        CHECK(0);
        return;
    }
    rt_taskq_t *q = rt_taskq_new(noop_wake, NULL);
    answers_t a = {.mu = PTHREAD_MUTEX_INITIALIZER};
    const int N = 200;
    for (int i = 0; i < N; i++) {
        char buf[512];
        snprintf(
            buf, sizeof buf,
            "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"ex%d\",\"blobId\":\"b1\",\"status\":\"%s\"," TS
            "}}",
            i % 50, i < 50 ? "RUNNING" : "SUCCEEDED");
        json_object *j = json_tokener_parse(buf);
        store_record_t *r = calloc(1, sizeof *r);
        char *msg = NULL;
        CHECK(store_record_parse(s, j, r, &msg) == 0);
        json_object_put(j);
        CHECK(store_submit(s, r, 1, q, on_done, &a) == 0);
    }
    store_flush(s);
    int ran = 0;
    for (int k = 0; k < 100 && ran < N; k++)
        ran += rt_taskq_drain(q);
    CHECK(ran == N);
    CHECK(a.ok == N && a.fail == 0);
    CHECK(a.changes == 100); /* 50 creations + 50 updates; the rest are no-ops */
    char cur[STORE_CURSOR_MAX];
    store_log_head(s, cur);
    CHECK_STR(cur, "s100");

    /* closing the store while answers still wait in the consumer's queue: they still run once
     * each, and the store's memory goes with the last of them (ASan checks the rest) */
    answers_t late = {.mu = PTHREAD_MUTEX_INITIALIZER};
    for (int i = 0; i < 5; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"late%d\"}}", i);
        json_object *j = json_tokener_parse(buf);
        store_record_t *r = calloc(1, sizeof *r);
        char *msg = NULL;
        CHECK(store_record_parse(s, j, r, &msg) == 0);
        json_object_put(j);
        CHECK(store_submit(s, r, 1, q, on_done, &late) == 0);
    }
    store_flush(s);
    store_close(s);
    CHECK(rt_taskq_drain(q) == 5);
    CHECK(late.ok == 5 && late.changes == 5);
    rt_taskq_free(q);
}

/* A change's organization is its blob's at the time of the change, also when the blob moves
 * to another organization within the same request. */
RT_TEST(blob_org)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/blob-org", dir);
    store_sqlite_opts_t o = {sub, 86400, 1000000, &test_node_schema, &gql_schema_directory};
    store_t *s = store_sqlite_open(&o);
    if (!s) {
        CHECK(0);
        return;
    }
    char cur[STORE_CURSOR_MAX];
    CHECK(
        apply(
            s,
            "[" BLOB("b1", "PUBLIC") "," EXEC(
                "e1",
                "RUNNING") ","
                           "{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{\"organizationId\":\"o2\"}}," EXEC(
                               "e1", "FAILED") "," EXEC("e2", "RUNNING") "]",
            cur, NULL) == 0);
    /* a rolled-back request must not leave its blob in the cache */
    CHECK(apply(s,
                "[{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{\"organizationId\":\"o3\"}}," EXEC(
                    "e3", "RUNNING") ",{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ghost\",\"node\":{}}]",
                cur, NULL) == STORE_ERR_INVALID);
    CHECK(apply(s, "[" EXEC("e4", "RUNNING") "]", cur, NULL) == 0);
    collected_t col = {0};
    CHECK(store_log_read(s, NULL, 100, collect, &col) == 6);
    CHECK_STR(col.org[1], "o1");
    CHECK_STR(col.org[2], "o2");
    CHECK_STR(col.org[3], "o2");
    CHECK_STR(col.org[4], "o2");
    CHECK_STR(col.org[5], "o2");
    store_close(s);
}

/* Prepared submits: records produced on the writer thread; a rejection carries every error. */
typedef struct prep {
    const char *text;
    int status, nchanges, nerrors;
} prep_t;

static int prep_fn(void *pctx, const store_t *s, store_record_t **records, int *n, json_object **errors)
{
    prep_t *p = pctx;
    json_object *arr = json_tokener_parse(p->text);
    int count = (int)json_object_array_length(arr);
    *records = calloc((size_t)count, sizeof **records);
    *n = count;
    *errors = NULL;
    for (int i = 0; i < count; i++) {
        char *msg = NULL;
        if (store_record_parse(s, json_object_array_get_idx(arr, i), &(*records)[i], &msg) != 0) {
            if (!*errors)
                *errors = json_object_new_array();
            json_object *e = json_object_new_object();
            json_object_object_add(e, "index", json_object_new_int(i));
            json_object_object_add(e, "message", json_object_new_string(msg));
            json_object_array_add(*errors, e);
            free(msg);
        }
    }
    json_object_put(arr);
    if (*errors) {
        for (int i = 0; i < count; i++)
            store_record_clear(&(*records)[i]);
        free(*records);
        *records = NULL;
        return -1;
    }
    return 0;
}

static void prep_done(void *ctx, const store_result_t *res)
{
    prep_t *p = ctx;
    p->status = res->status;
    p->nchanges = res->nchanges;
    p->nerrors = res->errors ? (int)json_object_array_length(res->errors) : 0;
}

RT_TEST(prepared)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/prepared", dir);
    store_sqlite_opts_t o = {sub, 86400, 1000000, &test_node_schema, &gql_schema_directory};
    store_t *s = store_sqlite_open(&o);
    if (!s) {
        CHECK(0);
        return;
    }
    prep_t good = {.text = "[" BLOB("p1", "PUBLIC") "," BLOB("p2", "PUBLIC") "]", .status = 99};
    prep_t bad = {.text = "[" BLOB("p3", "PUBLIC") ",{\"type\":\"X\"},{\"type\":\"Blob\",\"op\":\"nope\"}]",
                  .status = 99};
    CHECK(store_submit_prepared(s, prep_fn, &good, NULL, prep_done, &good) == 0);
    CHECK(store_submit_prepared(s, prep_fn, &bad, NULL, prep_done, &bad) == 0);
    store_flush(s);
    CHECK(good.status == 0 && good.nchanges == 2 && good.nerrors == 0);
    CHECK(bad.status == STORE_ERR_INVALID && bad.nchanges == 0 && bad.nerrors == 2);
    json_object *n = NULL;
    CHECK(store_get(s, "Blob", "p3", &n) == 0 && n == NULL);
    CHECK(store_get(s, "Blob", "p2", &n) == 0 && n != NULL);
    json_object_put(n);
    store_close(s);
}

/* Another process (an operator command) writing to the same data dir: the server's store
 * hands those changes to its watcher, whether it is idle or committing its own requests, in
 * log order with its own commits. */
typedef struct seen_foreign {
    int calls, n;
    char ids[16][32];
} seen_foreign_t;

static void on_foreign(void *ctx, const store_change_t *changes, int n)
{
    seen_foreign_t *f = ctx;
    f->calls++;
    for (int i = 0; i < n && f->n < 16; i++)
        snprintf(f->ids[f->n++], 32, "%s", changes[i].id);
}

RT_TEST(foreign)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/foreign", dir);
    store_sqlite_opts_t o = {sub, 86400, 1000000, &test_node_schema, &gql_schema_directory};
    store_t *a = store_sqlite_open(&o), *b = store_sqlite_open(&o);
    if (!a || !b) {
        CHECK(0);
        store_close(a);
        store_close(b);
        return;
    }
    rt_taskq_t *q = rt_taskq_new(noop_wake, NULL);
    seen_foreign_t f = {0};
    CHECK(store_watch(a, q, on_foreign, &f) == 0);
    char cur[STORE_CURSOR_MAX];
    CHECK(apply(a, "[" BLOB("own1", "PUBLIC") "]", cur, NULL) == 0);
    CHECK(apply(b, "[{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u7\"}}]", cur, NULL) == 0);
    CHECK_STR(cur, "s2");
    for (int i = 0; i < 40 && f.n < 2; i++) { /* idle polling picks it up within about 0.5 s */
        usleep(50 * 1000);
        rt_taskq_drain(q);
    }
    /* this server's own commits reach the watcher too, in log order with the others' */
    CHECK(f.n == 2);
    CHECK_STR(f.ids[0], "own1");
    CHECK_STR(f.ids[1], "u7");
    /* foreign write immediately followed by an own request: seen before the own commit */
    CHECK(apply(b, "[{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u8\"}}]", cur, NULL) == 0);
    CHECK(apply(a, "[" BLOB("own2", "PUBLIC") "]", cur, NULL) == 0);
    CHECK_STR(cur, "s4");
    rt_taskq_drain(q);
    CHECK(f.n == 4);
    CHECK_STR(f.ids[2], "u8");
    CHECK_STR(f.ids[3], "own2");
    /* own changes are never reported twice (once more as foreign) */
    for (int i = 0; i < 12; i++) {
        usleep(50 * 1000);
        rt_taskq_drain(q);
    }
    CHECK(f.n == 4);
    store_close(b);
    store_close(a);
    rt_taskq_free(q);
}

/* Replay delivers outside the store's read lock: while a replay callback is running (a
 * consumer writing to a slow socket), another thread's read and a write both complete. */
typedef struct replay_probe {
    store_t *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool go, read_done;
    int calls, read_ok, write_ok;
} replay_probe_t;

static void *probe_reader(void *arg)
{
    replay_probe_t *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->go)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    json_object *n = NULL;
    int rc = store_get(p->s, "Blob", "r1", &n);
    json_object_put(n);
    pthread_mutex_lock(&p->mu);
    p->read_ok = rc == 0 && n != NULL;
    p->read_done = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int replay_cb(void *ctx, const store_change_t *c)
{
    replay_probe_t *p = ctx;
    if (p->calls++ > 0)
        return 0;
    /* the callback itself writes to the store */
    char cur[STORE_CURSOR_MAX];
    p->write_ok = apply(p->s, "[" BLOB("r3", "PUBLIC") "]", cur, NULL) == 0;
    /* and waits (bounded) for a reader on another thread */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3;
    pthread_mutex_lock(&p->mu);
    p->go = true;
    pthread_cond_broadcast(&p->cv);
    while (!p->read_done && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
        ;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

RT_TEST(replay_outside_read_lock)
{
    store_t *s = open_store_in("replay", 86400, 1000000);
    CHECK(s != NULL);
    if (!s)
        return;
    char cur[STORE_CURSOR_MAX];
    CHECK(apply(s, "[" BLOB("r1", "PUBLIC") "," BLOB("r2", "PUBLIC") "]", cur, NULL) == 0);
    replay_probe_t p = {.s = s, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    pthread_t t;
    pthread_create(&t, NULL, probe_reader, &p);
    CHECK(store_log_read(s, NULL, 100, replay_cb, &p) == 2);
    pthread_mutex_lock(&p.mu);
    bool read_during_replay = p.read_done;
    pthread_mutex_unlock(&p.mu);
    pthread_join(t, NULL);
    CHECK(p.write_ok);
    CHECK(read_during_replay);
    CHECK(p.read_ok);
    CHECK(p.calls == 2); /* the page read before the callback's own write */
    store_close(s);
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/rt-store-test-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    int rc = rt_test_run(argc, argv);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return rc;
}

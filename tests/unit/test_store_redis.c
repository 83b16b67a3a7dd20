/* The Redis store (cluster mode) against a private redis-server on a free port: the same
 * semantics as the SQLite store (atomic requests, log, cursors), two stores as two servers on
 * one Redis (shared state, concurrent writers to one node, every change reaching each watcher
 * in log order), and trimming by count. Needs redis-server (installed by scripts/deps.sh test). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <time.h>

#include "rt_test.h"
#include "store/redis/store_redis.h"
#include "gql_schema_gen.h"
#include "store/store.h"
#include "store_test_schema.h"
#include "store_test_util.h"

static char url[64];
static pid_t redis_pid;

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

static int redis_port;

static int start_redis_on(int port)
{
    if (port <= 0)
        return -1;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    redis_pid = fork();
    if (redis_pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execlp("redis-server", "redis-server", "--port", ps, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", "/tmp", "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    for (int i = 0; i < 100; i++) {
        usleep(50000);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {
            .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return 0;
    }
    return -1;
}

static int start_redis(void) { return start_redis_on(redis_port = free_port()); }

static void stop_redis(void)
{
    kill(redis_pid, SIGTERM);
    waitpid(redis_pid, NULL, 0);
}

static store_t *open_store(long ret_max)
{
    store_redis_opts_t o = {url, 86400, ret_max, &test_node_schema, &gql_schema_directory};
    return store_redis_open(&o);
}

#define TS "\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\""
#define BLOB(id)                                                                                                       \
    "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"" id                                                      \
    "\",\"organizationId\":\"o1\",\"type\":\"WORKFLOW\",\"name\":\"n\",\"visibility\":\"PUBLIC\"," TS "}}"
#define EXEC(id, st)                                                                                                   \
    "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"" id "\",\"blobId\":\"b1\",\"status\":\"" st         \
    "\"," TS "}}"

RT_TEST(basic)
{
    store_t *s = open_store(1000000);
    CHECK(s != NULL);
    if (!s)
        return;
    char cur[STORE_CURSOR_MAX], c1[STORE_CURSOR_MAX];
    CHECK(store_log_head(s, cur) == 0);
    CHECK_STR(cur, "r0-0");
    CHECK(store_cursor_check(s, "r0-0") == 0);
    CHECK(apply(s, "[" BLOB("b1") "," EXEC("ex1", "RUNNING") "]", c1, NULL) == 0);
    CHECK(c1[0] == 'r' && strcmp(c1, "r0-0") != 0);
    CHECK(apply(s, "[" EXEC("ex1", "RUNNING") "]", cur, NULL) == 0);
    CHECK_STR(cur, c1); /* no change: the head */
    CHECK(
        apply(
            s,
            "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"status\":\"SUCCEEDED\",\"output\":{\"b\":1}}}]",
            cur, NULL) == 0);
    int idx = -1;
    CHECK(
        apply(
            s,
            "[" EXEC(
                "ex2",
                "RUNNING") ",{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"nope\",\"node\":{\"status\":\"FAILED\"}}]",
            cur, &idx) == STORE_ERR_INVALID);
    CHECK(idx == 1);
    json_object *n = NULL;
    CHECK(store_get(s, "Execution", "ex2", &n) == 0 && n == NULL);
    CHECK(apply(s, "[{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\"}]", cur, NULL) == 0);
    CHECK(store_get(s, "Execution", "ex1", &n) == 0 && n == NULL);
    collected_t col = {0};
    CHECK(store_log_read(s, NULL, 100, collect, &col) == 4);
    CHECK(col.mut[0] == STORE_CREATED && col.mut[2] == STORE_UPDATED && col.mut[3] == STORE_DELETED);
    CHECK_STR(col.fields[2], "[\"status\",\"output\"]");
    CHECK_STR(col.org[1], "o1");
    CHECK_STR(col.cursors[1], c1);
    collected_t after = {0};
    CHECK(store_log_read(s, c1, 100, collect, &after) == 2);
    CHECK_STR(after.cursors[0], col.cursors[2]);
    CHECK(store_log_read(s, "s1", 10, collect, &after) == STORE_ERR_CURSOR_MALFORMED);
    CHECK(store_log_read(s, "r99999999999999-0", 10, collect, &after) == STORE_ERR_CURSOR_MALFORMED);
    CHECK(store_cursor_check(s, "r1-01") == STORE_ERR_CURSOR_MALFORMED);
    CHECK(store_cursor_check(s, "r") == STORE_ERR_CURSOR_MALFORMED);
    store_close(s);
}

typedef struct watched {
    pthread_mutex_t mu;
    int n;
    char cursors[512][STORE_CURSOR_MAX];
} watched_t;

static void on_watch(void *ctx, const store_change_t *changes, int n)
{
    watched_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < n && w->n < 512; i++)
        snprintf(w->cursors[w->n++], STORE_CURSOR_MAX, "%s", changes[i].cursor);
    pthread_mutex_unlock(&w->mu);
}

static void noop_wake(void *arg) { (void)arg; }

typedef struct writer_arg {
    store_t *s;
    int k;
    int ok;
} writer_arg_t;

/* Increments a counter kept in the node: every increment must survive concurrent writers. */
static void *bump(void *arg)
{
    writer_arg_t *w = arg;
    for (int i = 0; i < 20; i++) {
        json_object *cur = NULL;
        for (int attempt = 0; attempt < 200; attempt++) {
            /* read-modify-write by the client is racy on purpose; the store's job is only that
             * each request is atomic and that no accepted change is lost from the log */
            char buf[512];
            snprintf(buf, sizeof buf,
                     "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"shared\",\"node\":{\"error\":\"w%d-%d\"}}]",
                     w->k, i);
            char c[STORE_CURSOR_MAX];
            if (apply(w->s, buf, c, NULL) == 0) {
                w->ok++;
                break;
            }
        }
        json_object_put(cur);
    }
    return NULL;
}

RT_TEST(two_servers)
{
    store_t *a = open_store(1000000), *b = open_store(1000000);
    CHECK(a && b);
    if (!a || !b) {
        store_close(a);
        store_close(b);
        return;
    }
    rt_taskq_t *qa = rt_taskq_new(noop_wake, NULL), *qb = rt_taskq_new(noop_wake, NULL);
    watched_t wa = {.mu = PTHREAD_MUTEX_INITIALIZER}, wb = {.mu = PTHREAD_MUTEX_INITIALIZER};
    CHECK(store_watch(a, qa, on_watch, &wa) == 0);
    CHECK(store_watch(b, qb, on_watch, &wb) == 0);
    char cur[STORE_CURSOR_MAX];
    CHECK(apply(a, "[" EXEC("shared", "RUNNING") "]", cur, NULL) == 0);
    json_object *n = NULL;
    CHECK(store_get(b, "Execution", "shared", &n) == 0 && n != NULL);
    json_object_put(n);
    pthread_t t1, t2;
    writer_arg_t w1 = {a, 1, 0}, w2 = {b, 2, 0};
    pthread_create(&t1, NULL, bump, &w1);
    pthread_create(&t2, NULL, bump, &w2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK(w1.ok == 20 && w2.ok == 20);
    /* both watchers see all 41 changes, in the same (log) order */
    for (int i = 0; i < 100 && (wa.n < 41 || wb.n < 41); i++) {
        usleep(50000);
        rt_taskq_drain(qa);
        rt_taskq_drain(qb);
    }
    CHECK(wa.n == 41 && wb.n == 41);
    bool same = wa.n == wb.n;
    for (int i = 0; same && i < wa.n; i++)
        same = strcmp(wa.cursors[i], wb.cursors[i]) == 0;
    CHECK(same);
    /* and the log holds every one of them */
    collected_t col = {0};
    int total = 0;
    char after[STORE_CURSOR_MAX] = "";
    for (;;) {
        memset(&col, 0, sizeof col);
        int got = store_log_read(a, after[0] ? after : NULL, 64, collect, &col);
        if (got <= 0)
            break;
        total += got;
        snprintf(after, sizeof after, "%s", col.cursors[got - 1]);
    }
    CHECK(total >= 41);
    store_close(a);
    store_close(b);
    rt_taskq_drain(qa);
    rt_taskq_drain(qb);
    rt_taskq_free(qa);
    rt_taskq_free(qb);
}

RT_TEST(trim)
{
    store_t *s = open_store(10);
    if (!s) {
        CHECK(0);
        return;
    }
    char first[STORE_CURSOR_MAX], cur[STORE_CURSOR_MAX];
    CHECK(apply(s, "[" EXEC("t0", "RUNNING") "]", first, NULL) == 0);
    for (int i = 0; i < 300; i++)
        CHECK(
            apply(
                s,
                "[" EXEC(
                    "t1",
                    "RUNNING") ",{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"t1\",\"node\":{\"status\":\"FAILED\"}}]",
                cur, NULL) == 0);
    /* MAXLEN ~ trims whole macro nodes: well past 10 entries the oldest are gone */
    CHECK(store_cursor_check(s, first) == STORE_ERR_CURSOR_EXPIRED);
    collected_t col = {0};
    CHECK(store_log_read(s, first, 10, collect, &col) == STORE_ERR_CURSOR_EXPIRED);
    CHECK(store_cursor_check(s, cur) == 0);
    store_close(s);
}

/* Values nested to the ingestion limit read back: state, diff, log and directory. */
RT_TEST(deep_json)
{
    const int levels = STORE_JSON_MAX_DEPTH - 2; /* a field value sits below the record and its node */
    char *deep = nested(levels), *text = NULL;
    store_t *s = open_store(1000000);
    CHECK(s != NULL);
    if (!s)
        goto out;
    CHECK(asprintf(&text,
                   "[{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"bdeep\",\"organizationId\":\"o1\","
                   "\"type\":\"WORKFLOW\",\"name\":\"n\",\"visibility\":\"PRIVATE\",\"metadata\":%s," TS "}},"
                   "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"exdeep\",\"blobId\":\"bdeep\","
                   "\"status\":\"RUNNING\",\"output\":%s," TS "}}]",
                   deep, deep) > 0);
    char start[STORE_CURSOR_MAX], cur[STORE_CURSOR_MAX];
    CHECK(store_log_head(s, start) == 0);
    CHECK(apply(s, text, cur, NULL) == 0);
    json_object *n = NULL, *out = NULL;
    CHECK(store_get(s, "Execution", "exdeep", &n) == 0 && n != NULL);
    CHECK(json_object_object_get_ex(n, "output", &out) && depth_of(out) == levels);
    json_object_put(n);
    CHECK(apply(s, "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"exdeep\",\"node\":{\"status\":\"FAILED\"}}]",
                cur, NULL) == 0);
    CHECK(apply(s,
                "[{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"exdeep\",\"blobId\":\"bdeep\","
                "\"status\":\"RUNNING\"," TS "}}]",
                cur, NULL) == 0);
    CHECK(apply(s, "[{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"exdeep\"}]", cur, NULL) == 0);
    CHECK(store_get(s, "Execution", "exdeep", &n) == 0 && n == NULL);
    deep_seen_t d = {0};
    CHECK(store_log_read(s, start, 10, collect_deep, &d) == 5);
    CHECK(d.mut[1] == STORE_CREATED && d.node_depth[1] == levels);
    CHECK(d.mut[2] == STORE_UPDATED && d.node_depth[2] == levels && d.prev_depth[2] == levels);
    CHECK(d.mut[3] == STORE_UPDATED && d.node_depth[3] == -1 && d.prev_depth[3] == levels);
    CHECK(d.mut[4] == STORE_DELETED && d.prev_depth[4] == -1);
    dir_seen_t seen = {0};
    CHECK(store_load_directory(s, on_dir, &seen) == 0);
    bool blob = false;
    for (int i = 0; i < seen.n; i++)
        blob = blob || strcmp(seen.what[i], "Blob/bdeep") == 0;
    CHECK(blob);
    store_close(s);
out:
    free(text);
    free(deep);
}

/* ---- cluster-mode faults ---- */

typedef struct gaps {
    int n;
} gaps_t;

static void on_gap(void *ctx) { ((gaps_t *)ctx)->n++; }

static bool watched_has(watched_t *w, const char *cursor)
{
    pthread_mutex_lock(&w->mu);
    bool found = false;
    for (int i = 0; i < w->n && !found; i++)
        found = strcmp(w->cursors[i], cursor) == 0;
    pthread_mutex_unlock(&w->mu);
    return found;
}

/* A change published between a server's directory load and the start of its follower still
 * reaches that server's watcher. */
RT_TEST(no_startup_gap)
{
    store_t *a = open_store(1000000), *b = open_store(1000000);
    CHECK(a && b);
    if (!a || !b)
        goto out;
    dir_seen_t d = {0};
    CHECK(store_load_directory(a, on_dir, &d) == 0);
    char cur[STORE_CURSOR_MAX];
    CHECK(apply(b, "[{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u-between\"}}]", cur, NULL) == 0);
    rt_taskq_t *q = rt_taskq_new(noop_wake, NULL);
    watched_t w = {.mu = PTHREAD_MUTEX_INITIALIZER};
    CHECK(store_watch(a, q, on_watch, &w) == 0);
    for (int i = 0; i < 60 && !watched_has(&w, cur); i++) {
        usleep(50000);
        rt_taskq_drain(q);
    }
    CHECK(watched_has(&w, cur));
    store_close(a);
    a = NULL;
    rt_taskq_drain(q);
    rt_taskq_free(q);
out:
    store_close(a);
    store_close(b);
}

/* A follower whose position was trimmed from the log reports the gap instead of skipping. */
RT_TEST(trimmed_gap_reported)
{
    store_t *a = open_store(1000000), *b = open_store(10);
    CHECK(a && b);
    if (!a || !b)
        goto out;
    dir_seen_t d = {0};
    char cur[STORE_CURSOR_MAX];
    CHECK(apply(b, "[" EXEC("g0", "RUNNING") "]", cur, NULL) == 0);
    CHECK(store_load_directory(a, on_dir, &d) == 0); /* a's position: the change above */
    for (int i = 0; i < 300; i++)
        CHECK(apply(b,
                    "[" EXEC("g1", "RUNNING") ",{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"g1\",\"node\":{"
                                              "\"status\":\"FAILED\"}}]",
                    cur, NULL) == 0);
    rt_taskq_t *q = rt_taskq_new(noop_wake, NULL);
    gaps_t g = {0};
    watched_t w = {.mu = PTHREAD_MUTEX_INITIALIZER};
    CHECK(store_watch_gaps(a, on_gap, &g) == 0);
    CHECK(store_watch(a, q, on_watch, &w) == 0);
    for (int i = 0; i < 60 && g.n == 0; i++) {
        usleep(50000);
        rt_taskq_drain(q);
    }
    CHECK(g.n == 1);
    /* and the follower goes on from the head: later changes still arrive */
    CHECK(apply(b, "[" EXEC("g2", "RUNNING") "]", cur, NULL) == 0);
    for (int i = 0; i < 60 && !watched_has(&w, cur); i++) {
        usleep(50000);
        rt_taskq_drain(q);
    }
    CHECK(watched_has(&w, cur));
    CHECK(g.n == 1);
    store_close(a);
    a = NULL;
    rt_taskq_drain(q);
    rt_taskq_free(q);
out:
    store_close(a);
    store_close(b);
}

/* Redis down: a publish is "unavailable" (503), the store is not ready; Redis back: both recover. */
RT_TEST(outage_unavailable)
{
    store_t *s = open_store(1000000);
    CHECK(s != NULL);
    if (!s)
        return;
    char cur[STORE_CURSOR_MAX];
    CHECK(store_ready(s));
    CHECK(apply(s, "[" EXEC("out1", "RUNNING") "]", cur, NULL) == 0);
    stop_redis();
    CHECK(apply(s, "[" EXEC("out2", "RUNNING") "]", cur, NULL) == STORE_ERR_UNAVAILABLE);
    CHECK(!store_ready(s));
    CHECK(start_redis_on(redis_port) == 0);
    CHECK(apply(s, "[" EXEC("out3", "RUNNING") "]", cur, NULL) == 0);
    CHECK(store_ready(s));
    store_close(s);
}

/* A reconnect between WATCH and EXEC: the transaction starts over on the new connection instead
 * of running unguarded, so a write made meanwhile by another server is not overwritten. */
typedef struct guard_probe {
    int watched, computed;
} guard_probe_t;

static void redis_cmd(const char *fmt, const char *arg)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", redis_port, tv);
    if (c && !c->err) {
        redisReply *r = redisCommand(c, fmt, arg);
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
}

static void guard_hook(void *ctx, int phase)
{
    guard_probe_t *p = ctx;
    if (phase == STORE_REDIS_HOOK_WATCHED && p->watched++ == 0)
        redis_cmd("CLIENT KILL TYPE %s", "normal"); /* drops the writer's connection */
    if (phase == STORE_REDIS_HOOK_COMPUTED && p->computed++ == 0)
        redis_cmd("SET bh:n:Execution:guarded %s",
                  "{\"id\":\"guarded\",\"blobId\":\"b1\",\"status\":\"CANCELLED\","
                  "\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\"}");
}

static int last_previous_status(void *ctx, const store_change_t *c)
{
    json_object *v = NULL;
    char *out = ctx;
    snprintf(out, 32, "%s", json_object_object_get_ex(c->previous, "status", &v) ? json_object_get_string(v) : "");
    return 0;
}

RT_TEST(reconnect_never_unguarded_exec)
{
    store_t *s = open_store(1000000);
    CHECK(s != NULL);
    if (!s)
        return;
    char start[STORE_CURSOR_MAX], cur[STORE_CURSOR_MAX];
    CHECK(apply(s, "[" EXEC("guarded", "RUNNING") "]", start, NULL) == 0);
    guard_probe_t p = {0};
    store_redis_set_hook(s, guard_hook, &p);
    CHECK(apply(s, "[{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"guarded\",\"node\":{\"error\":\"e\"}}]", cur,
                NULL) == 0);
    store_redis_set_hook(s, NULL, NULL);
    CHECK(p.watched >= 2); /* the attempt after the reconnect started over */
    char prev[32] = "";
    CHECK(store_log_read(s, start, 10, last_previous_status, prev) == 1);
    CHECK_STR(prev, "CANCELLED"); /* computed on the state written meanwhile, not over it */
    json_object *n = NULL, *v = NULL;
    CHECK(store_get(s, "Execution", "guarded", &n) == 0 && n);
    CHECK(json_object_object_get_ex(n, "status", &v) && strcmp(json_object_get_string(v), "CANCELLED") == 0);
    json_object_put(n);
    store_close(s);
}

int main(int argc, char **argv)
{
    if (start_redis() != 0) {
        fprintf(stderr, "cannot start redis-server (install it: scripts/deps.sh test)\n");
        return 1;
    }
    int rc = rt_test_run(argc, argv);
    stop_redis();
    return rc;
}

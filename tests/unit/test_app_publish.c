/* The publisher (app/app_commit.c) with the real ingestion handler and the SQLite store: an
 * ingestion answer does not wait for a publish that is blocked, nor for the publisher at all;
 * every commit reaches the feed once, in log order, whether this server's ingestion or another
 * process made it; what is queued at shutdown is dispatched, not leaked. The feed is replaced
 * by a recording sink that can be made to block. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app_commit.h"
#include "gql_schema_gen.h"
#include "http/http_events.h"
#include "rt_test.h"
#include "server.h"
#include "store/sqlite/store_sqlite.h"
#include "store/store.h"
#include "store_test_schema.h"

static char dir[256];

#define TS "\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\""
#define BLOB(id)                                                                                                       \
    "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"" id                                                      \
    "\",\"organizationId\":\"o1\",\"type\":\"WORKFLOW\","                                                              \
    "\"name\":\"n\",\"visibility\":\"PUBLIC\"," TS "}}"
#define MAX_SEEN 4096

/* The feed's stand-in: records every change's sequence number; the first call may block until
 * released. Runs on the publisher thread. */
typedef struct sink {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool block, inside, release;
    int calls, n;
    uint64_t seq[MAX_SEEN];
} sink_t;

static void sink_publish(void *ctx, const store_change_t *changes, int n)
{
    sink_t *k = ctx;
    pthread_mutex_lock(&k->mu);
    k->calls++;
    for (int i = 0; i < n && k->n < MAX_SEEN; i++)
        k->seq[k->n++] = changes[i].seq;
    if (k->block && k->calls == 1) {
        k->inside = true;
        pthread_cond_broadcast(&k->cv);
        while (!k->release)
            pthread_cond_wait(&k->cv, &k->mu);
    }
    pthread_mutex_unlock(&k->mu);
}

static int sink_count(sink_t *k)
{
    pthread_mutex_lock(&k->mu);
    int n = k->n;
    pthread_mutex_unlock(&k->mu);
    return n;
}

/* An HTTP exchange without a network: answered on the thread draining srv.net_q (this one). */
typedef struct fake_x {
    http_exchange_t base;
    http_request_t req;
    char *body;
    int status; /* 0 until answered */
    char reply[256];
} fake_x_t;

static const char *fx_header(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "authorization") == 0 ? "Bearer k3y" : NULL;
}

static const http_request_t *fx_request(http_exchange_t *x) { return &((fake_x_t *)x)->req; }

static void fx_respond(http_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                       const char *extra_headers)
{
    (void)content_type;
    (void)extra_headers;
    fake_x_t *f = (fake_x_t *)x;
    f->status = status;
    snprintf(f->reply, sizeof f->reply, "%.*s", body ? (int)body->len : 0, body && body->data ? body->data : "");
    if (body)
        rt_buf_free(body);
}

static rt_taskq_t *fx_queue(http_exchange_t *x)
{
    (void)x;
    return NULL;
}

static void fx_on_abandon(http_exchange_t *x, http_abandon_fn fn, void *arg)
{
    (void)x;
    (void)fn;
    (void)arg;
}

static const http_exchange_ops_t fx_ops = {fx_request, fx_respond, fx_queue, fx_on_abandon};

static fake_x_t *fx_new(const char *body)
{
    fake_x_t *f = calloc(1, sizeof *f);
    f->base.ops = &fx_ops;
    f->body = strdup(body);
    f->req = (http_request_t){.method = "POST",
                              .path = "/v1/events",
                              .query_string = "",
                              .body = f->body,
                              .body_len = strlen(f->body),
                              .header = fx_header};
    return f;
}

static void fx_free(fake_x_t *f)
{
    free(f->body);
    free(f);
}

/* The server as far as ingestion and the publisher go: no network, auth or feed. */
typedef struct env {
    rt_server_t srv;
    app_commit_t *commit;
    sink_t sink;
} env_t;

static void no_wake(void *arg) { (void)arg; }

static store_t *open_in(const char *sub)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    store_sqlite_opts_t o = {path, 86400, 1000000, &test_node_schema, &gql_schema_directory};
    return store_sqlite_open(&o);
}

/* Wired as app_start does: the store's watcher feeds the publisher, ingestion only answers. */
static bool env_open(env_t *e, const char *sub, bool block, bool start)
{
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->sink.mu, NULL);
    pthread_cond_init(&e->sink.cv, NULL);
    e->sink.block = block;
    e->srv.cfg.service_key = "k3y";
    e->srv.net_q = rt_taskq_new(no_wake, NULL);
    e->srv.store = open_in(sub);
    e->commit = app_commit_new(&e->srv);
    if (!e->srv.net_q || !e->srv.store || !e->commit)
        return false;
    app_commit_set_publish(e->commit, sink_publish, &e->sink);
    if (store_watch(e->srv.store, app_commit_queue(e->commit), app_commit_watched, e->commit) < 0)
        return false;
    return !start || app_commit_start(e->commit) == 0;
}

/* As app_stop does: the publisher stops before the store closes; the rest runs here. */
static void env_shutdown(env_t *e)
{
    app_commit_stop(e->commit);
    store_close(e->srv.store);
    e->srv.store = NULL;
    app_commit_drain(e->commit);
}

static void env_close(env_t *e)
{
    env_shutdown(e);
    app_commit_free(e->commit);
    rt_taskq_drain(e->srv.net_q);
    rt_taskq_free(e->srv.net_q);
    pthread_cond_destroy(&e->sink.cv);
    pthread_mutex_destroy(&e->sink.mu);
}

/* Runs thread 0's queue until the exchange is answered. The bound only turns a hang into a
 * failure; it is not what the test measures. */
static bool answered(env_t *e, fake_x_t *x)
{
    for (int i = 0; i < 30000 && !x->status; i++) {
        if (!rt_taskq_drain(e->srv.net_q))
            usleep(1000);
    }
    return x->status != 0;
}

static bool sink_reaches(sink_t *k, int n)
{
    for (int i = 0; i < 30000 && sink_count(k) < n; i++)
        usleep(1000);
    return sink_count(k) >= n;
}

static int64_t head_seq(store_t *s)
{
    char cur[STORE_CURSOR_MAX];
    return store_log_head(s, cur) == 0 ? strtoll(cur + 1, NULL, 10) : -1;
}

/* Every change from 1 to the head, once, in log order. */
static bool contiguous(sink_t *k, int64_t head)
{
    pthread_mutex_lock(&k->mu);
    bool ok = k->n == head;
    for (int i = 0; ok && i < k->n; i++)
        ok = k->seq[i] == (uint64_t)i + 1;
    pthread_mutex_unlock(&k->mu);
    return ok;
}

RT_TEST(answer_not_held_by_a_blocked_publish)
{
    env_t e;
    CHECK(env_open(&e, "blocked", true, true));
    fake_x_t *x1 = fx_new("[" BLOB("b1") "]"), *x2 = fx_new("[" BLOB("b2") "]");
    http_events_handle(&e.srv, &x1->base, NULL, NULL);
    CHECK(answered(&e, x1) && x1->status == 200);
    /* the first commit's publish is now stuck in the feed */
    pthread_mutex_lock(&e.sink.mu);
    while (!e.sink.inside)
        pthread_cond_wait(&e.sink.cv, &e.sink.mu);
    pthread_mutex_unlock(&e.sink.mu);
    http_events_handle(&e.srv, &x2->base, NULL, NULL);
    CHECK(answered(&e, x2));
    CHECK(x2->status == 200 && strstr(x2->reply, "\"cursor\":\"s2\""));
    pthread_mutex_lock(&e.sink.mu);
    CHECK(e.sink.inside && e.sink.calls == 1); /* answered while the fan-out was held */
    e.sink.release = true;
    pthread_cond_broadcast(&e.sink.cv);
    pthread_mutex_unlock(&e.sink.mu);
    CHECK(sink_reaches(&e.sink, 2));
    CHECK(contiguous(&e.sink, 2));
    fx_free(x1);
    fx_free(x2);
    env_close(&e);
}

RT_TEST(answers_need_no_publisher_and_shutdown_dispatches_the_rest)
{
    env_t e;
    CHECK(env_open(&e, "unstarted", false, false));
    fake_x_t *x[8];
    for (int i = 0; i < 8; i++) {
        char body[300];
        snprintf(body, sizeof body,
                 "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"b%d\",\"organizationId\":\"o1\","
                 "\"type\":\"WORKFLOW\",\"name\":\"n\",\"visibility\":\"PUBLIC\"," TS "}}",
                 i);
        x[i] = fx_new(body);
        http_events_handle(&e.srv, &x[i]->base, NULL, NULL);
    }
    for (int i = 0; i < 8; i++)
        CHECK(answered(&e, x[i]) && x[i]->status == 200);
    CHECK(sink_count(&e.sink) == 0); /* nothing dispatched: the publisher never ran */
    CHECK(head_seq(e.srv.store) == 8);
    CHECK(atomic_load(&e.srv.metrics.publish_queue) >= 1); /* grouped commits: 1 to 8 batches */
    env_shutdown(&e); /* the queued commits run here, in order; ASan reports what would leak */
    CHECK(contiguous(&e.sink, 8));
    CHECK(atomic_load(&e.srv.metrics.publish_queue) == 0);
    env_close(&e);
    for (int i = 0; i < 8; i++)
        fx_free(x[i]);
}

typedef struct foreign {
    const char *sub;
    int n;
} foreign_t;

/* Another process writing to the same data dir (an operator command), while ingestion runs. */
static void *foreign_writer(void *arg)
{
    foreign_t *f = arg;
    store_t *s = open_in(f->sub);
    for (int i = 0; s && i < f->n; i++) {
        char text[300];
        snprintf(text, sizeof text,
                 "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"f%d\",\"blobId\":\"b1\","
                 "\"status\":\"RUNNING\"," TS "}}",
                 i);
        json_object *rec = json_tokener_parse(text);
        store_record_t *r = calloc(1, sizeof *r);
        char *msg = NULL;
        if (store_record_parse(s, rec, r, &msg) == 0)
            store_apply_sync(s, r, 1, NULL, NULL, 0, NULL);
        else
            free(r);
        free(msg);
        json_object_put(rec);
        usleep(3000);
    }
    store_close(s);
    return NULL;
}

RT_TEST(order_kept_across_many_batches)
{
    env_t e;
    CHECK(env_open(&e, "order", false, true));
    enum { NREQ = 120, NFOREIGN = 40 };
    fake_x_t *x = fx_new("[" BLOB("b1") "]");
    http_events_handle(&e.srv, &x->base, NULL, NULL);
    CHECK(answered(&e, x) && x->status == 200);
    fx_free(x);
    CHECK(sink_reaches(&e.sink, 1));
    foreign_t f = {"order", NFOREIGN};
    pthread_t t;
    pthread_create(&t, NULL, foreign_writer, &f);
    /* requests of 1 to 3 records, several in flight at once so the writer groups them */
    fake_x_t *inflight[4] = {0};
    for (int i = 0; i < NREQ; i++) {
        char body[1024];
        int len = snprintf(body, sizeof body, "[");
        for (int r = 0; r <= i % 3; r++)
            len += snprintf(body + len, sizeof body - (size_t)len,
                            "%s{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"e%d-%d\",\"blobId\":\"b1\","
                            "\"status\":\"RUNNING\"," TS "}}",
                            r ? "," : "", i, r);
        snprintf(body + len, sizeof body - (size_t)len, "]");
        fake_x_t **slot = &inflight[i % 4];
        if (*slot) {
            CHECK(answered(&e, *slot) && (*slot)->status == 200);
            fx_free(*slot);
        }
        *slot = fx_new(body);
        http_events_handle(&e.srv, &(*slot)->base, NULL, NULL);
    }
    for (int i = 0; i < 4; i++) {
        CHECK(answered(&e, inflight[i]) && inflight[i]->status == 200);
        fx_free(inflight[i]);
    }
    pthread_join(t, NULL);
    int64_t head = head_seq(e.srv.store);
    CHECK(head == 1 + NREQ * 2 + NFOREIGN);  /* 1 + (1+2+3) * 40 + the other process's */
    CHECK(sink_reaches(&e.sink, (int)head)); /* the other process's arrive within ~0.5 s */
    CHECK(contiguous(&e.sink, head));
    env_close(&e);
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/rt-publish-test-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    int rc = rt_test_run(argc, argv);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return rc;
}

/* Unit tests of the change feed with fake GraphQL requests, identities, store log and task
 * queue: index selection per field and argument, filters, render-once, permissions, replay
 * with its handover to live delivery, unsubscribe during delivery, and 10,000 subscriptions. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed/feed_core.h"
#include "rt_test.h"

/* ---- fakes ---- */

struct gql_request {
    char *field;
    json_object *args;
    char *key;
};

struct auth_identity {
    int refs;
    const char *only_blob; /* NULL: sees everything */
};

static int fake_render_calls, fake_can_view_calls, fake_request_frees;

static const char *fake_root_field(const gql_request_t *r) { return r->field; }
static json_object *fake_root_args(const gql_request_t *r) { return r->args; }
static const char *fake_selection_key(const gql_request_t *r) { return r->key; }

static int fake_render(const gql_request_t *r, json_object *value, rt_buf_t *out)
{
    fake_render_calls++;
    return rt_buf_printf(out, "{\"key\":\"%s\",\"v\":%s}", r->key,
                         json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
}

static void fake_request_free(gql_request_t *r)
{
    fake_request_frees++;
    free(r->field);
    free(r->key);
    json_object_put(r->args);
    free(r);
}

static json_object *fake_error_new(const char *message, const char *code)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object *ext = json_object_new_object();
    json_object_object_add(ext, "code", json_object_new_string(code ? code : ""));
    json_object_object_add(e, "extensions", ext);
    return e;
}

static bool fake_can_view(void *ctx, const auth_identity_t *who, const char *type, json_object *node)
{
    fake_can_view_calls++;
    if (!who->only_blob)
        return true;
    json_object *v;
    const char *key = strcmp(type, "Blob") == 0 ? "id" : "blobId";
    return json_object_object_get_ex(node, key, &v) && strcmp(json_object_get_string(v), who->only_blob) == 0;
}

static auth_identity_t *fake_ref(auth_identity_t *w)
{
    w->refs++;
    return w;
}
static void fake_unref(auth_identity_t *w) { w->refs--; }

/* The fake store log: every change published is appended here first, as the store does. */
typedef struct logged {
    feed_change_t c;
    char *strs[7]; /* heap copies: changes copied out of the log stay valid as it grows */
} logged_t;

typedef struct fake_log {
    logged_t *v;
    int n, cap;
    int64_t first_seq; /* older entries were trimmed away */
    int reads;
} fake_log_t;

static int fake_log_read(void *ctx, const char *after, int max, feed_log_fn fn, void *arg)
{
    fake_log_t *log = ctx;
    char *end;
    log->reads++;
    if (!after || after[0] != 'c' || !after[1])
        return FEED_LOG_MALFORMED;
    long long a = strtoll(after + 1, &end, 10);
    if (*end)
        return FEED_LOG_MALFORMED;
    if (a + 1 < log->first_seq)
        return FEED_LOG_EXPIRED;
    int passed = 0;
    for (int i = 0; i < log->n && passed < max; i++) {
        if (log->v[i].c.seq <= a || log->v[i].c.seq < log->first_seq)
            continue;
        passed++;
        if (fn(arg, &log->v[i].c))
            break;
    }
    return passed;
}

typedef struct fake_task {
    rt_task_fn fn;
    void *arg;
} fake_task_t;
typedef struct fake_q {
    fake_task_t v[4096];
    int head, tail;
} fake_q_t;

static fake_q_t fake_q;
static fake_log_t fake_log;

static int fake_defer(void *ctx, rt_taskq_t *owner, rt_task_fn fn, void *arg)
{
    (void)ctx;
    (void)owner;
    if (fake_q.tail == 4096)
        return -1;
    fake_q.v[fake_q.tail++] = (fake_task_t){fn, arg};
    return 0;
}

/* Runs one queued task; returns 0 when none was queued. */
static int fake_q_step(void)
{
    if (fake_q.head == fake_q.tail)
        return 0;
    fake_task_t t = fake_q.v[fake_q.head++];
    t.fn(t.arg);
    if (fake_q.head == fake_q.tail)
        fake_q.head = fake_q.tail = 0;
    return 1;
}

static void fake_q_drain(void)
{
    for (int i = 0; i < 100000 && fake_q_step(); i++)
        ;
}

static feed_deps_t fake_deps(int page)
{
    feed_deps_t d = {
        .ctx = &fake_log,
        .root_field = fake_root_field,
        .root_args = fake_root_args,
        .selection_key = fake_selection_key,
        .render = fake_render,
        .request_free = fake_request_free,
        .error_new = fake_error_new,
        .can_view = fake_can_view,
        .identity_ref = fake_ref,
        .identity_unref = fake_unref,
        .log_read = fake_log_read,
        .defer = fake_defer,
        .replay_page = page,
    };
    return d;
}

static void fake_log_reset(void)
{
    for (int i = 0; i < fake_log.n; i++) {
        json_object_put(fake_log.v[i].c.node);
        json_object_put(fake_log.v[i].c.previous);
        json_object_put(fake_log.v[i].c.updated_fields);
        for (int k = 0; k < 7; k++)
            free(fake_log.v[i].strs[k]);
    }
    free(fake_log.v);
    memset(&fake_log, 0, sizeof fake_log);
}

static char *dupn(const char *s) { return s ? strdup(s) : NULL; }

/* Appends a change to the log (not yet published); returns its index. `spec` is
 * "Type id MUT org blob session exec" with "-" for none; node/prev/uf are JSON or NULL. */
static int log_append(const char *type, const char *id, feed_mutation_t mut, const char *org, const char *blob,
                      const char *session, const char *exec, const char *node, const char *prev, const char *uf)
{
    if (fake_log.n == fake_log.cap) {
        fake_log.cap = fake_log.cap ? fake_log.cap * 2 : 64;
        fake_log.v = realloc(fake_log.v, (size_t)fake_log.cap * sizeof *fake_log.v);
    }
    logged_t *l = &fake_log.v[fake_log.n];
    memset(l, 0, sizeof *l);
    l->c.seq = fake_log.n + 1;
    char cursor[32];
    snprintf(cursor, sizeof cursor, "c%d", fake_log.n + 1);
    l->strs[6] = strdup(cursor);
    l->c.cursor = l->strs[6];
    const char *src[6] = {type, id, org, blob, session, exec};
    for (int k = 0; k < 6; k++)
        l->strs[k] = dupn(src[k]);
    l->c.type = l->strs[0];
    l->c.id = l->strs[1];
    l->c.organization_id = l->strs[2];
    l->c.blob_id = l->strs[3];
    l->c.session_id = l->strs[4];
    l->c.execution_id = l->strs[5];
    l->c.mutation = mut;
    l->c.node = node ? json_tokener_parse(node) : NULL;
    l->c.previous = prev ? json_tokener_parse(prev) : NULL;
    l->c.updated_fields = uf ? json_tokener_parse(uf) : NULL;
    return fake_log.n++;
}

static void publish_idx(feed_t *f, int idx) { feed_publish_changes(f, &fake_log.v[idx].c, 1); }

/* ---- recording sink ---- */

typedef struct rec {
    int conn;
    int n;
    int64_t seqs[256];
    rt_frame_t *frames[256];
    char *values[8]; /* the first few delivered change values, as JSON text */
    int ended;
    char *end_code;
    feed_sub_t *sub;
    /* behaviour on next: unsubscribe these after the k-th delivery */
    feed_sub_t **kill;
    int nkill;
    int kill_after;
    struct rec *conn_log_owner;
} rec_t;

/* Per-connection delivery order, to check log order across subscriptions. */
static int64_t conn_last_seq[1000];
static int conn_order_violations;

static void rec_next(void *ctx, rt_frame_t *payload)
{
    rec_t *r = ctx;
    json_object *o = json_tokener_parse(payload->data);
    json_object *v = NULL, *cur = NULL;
    int64_t seq = -1;
    if (o && json_object_object_get_ex(o, "v", &v) && json_object_object_get_ex(v, "cursor", &cur))
        seq = strtoll(json_object_get_string(cur) + 1, NULL, 10);
    if (r->n < 256) {
        r->seqs[r->n] = seq;
        r->frames[r->n] = payload; /* identity only, never dereferenced later */
    }
    if (r->n < 8 && v)
        r->values[r->n] = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    r->n++;
    if (r->conn >= 0 && r->conn < 1000) {
        if (seq < conn_last_seq[r->conn])
            conn_order_violations++;
        conn_last_seq[r->conn] = seq;
    }
    json_object_put(o);
    if (r->kill && r->n == r->kill_after) {
        for (int i = 0; i < r->nkill; i++)
            feed_unsubscribe(r->kill[i]);
    }
}

static void rec_end(void *ctx, json_object *errors)
{
    rec_t *r = ctx;
    r->ended++;
    json_object *e = errors ? json_object_array_get_idx(errors, 0) : NULL, *ext, *code;
    if (e && json_object_object_get_ex(e, "extensions", &ext) && json_object_object_get_ex(ext, "code", &code))
        r->end_code = strdup(json_object_get_string(code));
}

static const feed_sink_t rec_sink = {rec_next, rec_end};

static void rec_clear(rec_t *r)
{
    for (int i = 0; i < 8; i++)
        free(r->values[i]);
    free(r->end_code);
    memset(r, 0, sizeof *r);
}

static gql_request_t *mkreq(const char *field, const char *args, const char *key)
{
    gql_request_t *r = calloc(1, sizeof *r);
    r->field = strdup(field);
    r->args = args ? json_tokener_parse(args) : NULL;
    r->key = key ? strdup(key) : NULL;
    return r;
}

/* The owner queue sub() subscribes with (opaque to the feed core; NULL unless a test sets it). */
static rt_taskq_t *sub_owner;

/* Subscribes; returns 0 or the feed's negative code (errors' first code copied to *code). */
static int sub(feed_t *f, auth_identity_t *who, const char *field, const char *args, const char *key, rec_t *r,
               char **code)
{
    gql_request_t *req = mkreq(field, args, key ? key : field);
    json_object *errors = NULL;
    int rc = feed_subscribe(f, who, req, &rec_sink, r, sub_owner, &r->sub, &errors);
    if (rc < 0) {
        json_object *e = errors ? json_object_array_get_idx(errors, 0) : NULL, *ext, *c;
        if (code && e && json_object_object_get_ex(e, "extensions", &ext) && json_object_object_get_ex(ext, "code", &c))
            *code = strdup(json_object_get_string(c));
        json_object_put(errors);
        fake_request_free(req); /* still ours on failure */
    }
    return rc;
}

/* "1,2,3" -> does r hold exactly those seqs (1-based log positions), in order? */
static bool got_exactly(const rec_t *r, const char *want)
{
    int64_t w[64];
    int nw = 0;
    for (const char *p = want; *p;) {
        char *end;
        w[nw++] = strtoll(p, &end, 10);
        p = *end ? end + 1 : end;
    }
    if (r->n != nw) {
        fprintf(stderr, "  got %d deliveries, want %d (%s):", r->n, nw, want);
        for (int i = 0; i < r->n && i < 256; i++)
            fprintf(stderr, " %" PRId64, r->seqs[i]);
        fprintf(stderr, "\n");
        return false;
    }
    for (int i = 0; i < nw; i++)
        if (r->seqs[i] != w[i])
            return false;
    return true;
}

/* ---- scenario: every field, argument and filter ---- */

static void append_scenario(void)
{
    /* seq 1..14 */
    log_append("Execution", "ex1", FEED_CREATED, "o1", "b1", "s1", NULL,
               "{\"id\":\"ex1\",\"blobId\":\"b1\",\"sessionId\":\"s1\",\"status\":\"RUNNING\"}", NULL, NULL);
    log_append("Execution", "ex2", FEED_CREATED, "o1", "b1", "s2", NULL,
               "{\"id\":\"ex2\",\"blobId\":\"b1\",\"sessionId\":\"s2\",\"status\":\"PENDING\"}", NULL, NULL);
    log_append("Execution", "ex3", FEED_CREATED, "o2", "b2", NULL, NULL,
               "{\"id\":\"ex3\",\"blobId\":\"b2\",\"sessionId\":null,\"status\":\"RUNNING\"}", NULL, NULL);
    log_append("Execution", "ex1", FEED_UPDATED, "o1", "b1", "s1", NULL,
               "{\"id\":\"ex1\",\"blobId\":\"b1\",\"sessionId\":\"s1\",\"status\":\"SUCCEEDED\",\"finishedAt\":\"x\"}",
               "{\"id\":\"ex1\",\"blobId\":\"b1\",\"sessionId\":\"s1\",\"status\":\"RUNNING\"}",
               "[\"status\",\"finishedAt\"]");
    log_append("ExecutionEvent", "ev1", FEED_CREATED, "o1", "b1", "s1", "ex1",
               "{\"id\":\"ev1\",\"executionId\":\"ex1\",\"blobId\":\"b1\"}", NULL, NULL);
    log_append("Session", "s1", FEED_CREATED, "o1", "b1", NULL, NULL, "{\"id\":\"s1\",\"blobId\":\"b1\"}", NULL, NULL);
    log_append("SessionEvent", "se1", FEED_CREATED, "o1", "b1", "s1", "ex1",
               "{\"id\":\"se1\",\"sessionId\":\"s1\",\"blobId\":\"b1\"}", NULL, NULL);
    log_append("Blob", "b1", FEED_UPDATED, "o1", NULL, NULL, NULL,
               "{\"id\":\"b1\",\"organizationId\":\"o1\",\"name\":\"n2\"}",
               "{\"id\":\"b1\",\"organizationId\":\"o1\",\"name\":\"n1\"}", "[\"name\"]");
    log_append("Blob", "b3", FEED_CREATED, "o2", NULL, NULL, NULL, "{\"id\":\"b3\"}", NULL, NULL);
    log_append("Revision", "r1", FEED_CREATED, "o1", "b1", NULL, NULL, "{\"id\":\"r1\",\"blobId\":\"b1\"}", NULL, NULL);
    log_append("Revision", "r2", FEED_UPDATED, "o2", "b2", NULL, NULL,
               "{\"id\":\"r2\",\"blobId\":\"b2\",\"state\":\"COMMITTED\"}",
               "{\"id\":\"r2\",\"blobId\":\"b2\",\"state\":\"DRAFT\"}", "[\"state\"]");
    log_append("Execution", "ex2", FEED_DELETED, "o1", "b1", "s2", NULL, NULL,
               "{\"id\":\"ex2\",\"blobId\":\"b1\",\"sessionId\":\"s2\",\"status\":\"PENDING\"}", NULL);
    log_append("Session", "s1", FEED_DELETED, "o1", "b1", NULL, NULL, NULL, "{\"id\":\"s1\",\"blobId\":\"b1\"}", NULL);
    log_append("Execution", "ex1", FEED_UPDATED, "o1", "b1", "s1", NULL,
               "{\"id\":\"ex1\",\"blobId\":\"b1\",\"sessionId\":\"s1\",\"status\":\"SUCCEEDED\",\"output\":1}",
               "{\"id\":\"ex1\",\"blobId\":\"b1\",\"sessionId\":\"s1\",\"status\":\"SUCCEEDED\"}", "[\"output\"]");
}

static const struct {
    const char *field, *args, *want;
} scenario_subs[] = {
    {"execution", "{\"id\":\"ex1\"}", "1,4,14"},
    {"execution", "{\"id\":\"nope\"}", ""},
    {"execution", "{\"id\":\"ex1\",\"after\":null}", "1,4,14"},
    {"executions", "{}", "1,2,3,4,12,14"},
    {"executions", NULL, "1,2,3,4,12,14"},
    {"executions", "{\"blobId\":\"b1\"}", "1,2,4,12,14"},
    {"executions", "{\"sessionId\":\"s2\"}", "2,12"},
    {"executions", "{\"blobId\":\"b2\",\"sessionId\":\"s1\"}", ""},
    {"executions", "{\"blobId\":\"b1\",\"sessionId\":\"s1\"}", "1,4,14"},
    {"executionEvents", "{\"executionId\":\"ex1\"}", "5"},
    {"executionEvents", "{\"executionId\":\"ex2\"}", ""},
    {"session", "{\"id\":\"s1\"}", "6,13"},
    {"sessionEvents", "{\"sessionId\":\"s1\"}", "7"},
    {"blob", "{\"id\":\"b1\"}", "8"},
    {"blobs", "{}", "8,9"},
    {"blobs", "{\"organizationId\":\"o2\"}", "9"},
    {"revisions", "{\"blobId\":\"b1\"}", "10"},
    {"revisions", "{\"blobId\":\"b2\"}", "11"},
    /* ChangeFilter, each condition alone */
    {"executions", "{\"where\":{\"mutation_in\":[\"UPDATED\"]}}", "4,14"},
    {"executions", "{\"where\":{\"mutation_in\":[\"CREATED\",\"DELETED\"]}}", "1,2,3,12"},
    {"executions", "{\"where\":{\"mutation_in\":[]}}", ""},
    {"executions", "{\"where\":{\"mutation_in\":\"DELETED\"}}", "12"},
    {"executions", "{\"where\":{\"updatedFields_contains\":\"status\"}}", "4"},
    {"executions", "{\"where\":{\"updatedFields_contains_every\":[\"status\",\"finishedAt\"]}}", "4"},
    {"executions", "{\"where\":{\"updatedFields_contains_every\":[\"status\",\"output\"]}}", ""},
    {"executions", "{\"where\":{\"updatedFields_contains_some\":[\"output\",\"error\"]}}", "14"},
    {"executions", "{\"where\":{\"updatedFields_contains_some\":[]}}", ""},
    {"executions", "{\"where\":{}}", "1,2,3,4,12,14"},
    {"executions", "{\"where\":null}", "1,2,3,4,12,14"},
    /* ExecutionWhere, each condition alone; DELETED judged on previousValues */
    {"executions", "{\"node\":{\"status_in\":[\"RUNNING\"]}}", "1,3"},
    {"executions", "{\"node\":{\"status_in\":[\"PENDING\"]}}", "2,12"},
    {"executions", "{\"node\":{\"sessionId\":\"s2\"}}", "2,12"},
    {"executions", "{\"blobId\":\"b1\",\"node\":{\"sessionId\":\"s1\"}}", "1,4,14"},
    {"executions", "{\"blobId\":\"b2\",\"node\":{\"sessionId\":\"s1\"}}", ""},
    /* combined */
    {"executions",
     "{\"blobId\":\"b1\",\"where\":{\"mutation_in\":[\"UPDATED\"]},\"node\":{\"status_in\":[\"SUCCEEDED\"]}}", "4,14"},
    {"executions",
     "{\"where\":{\"mutation_in\":[\"UPDATED\"],\"updatedFields_contains_some\":[\"status\"]},"
     "\"node\":{\"status_in\":[\"SUCCEEDED\"],\"sessionId\":\"s1\"}}",
     "4"},
    {"executions", "{\"where\":{\"mutation_in\":[\"CREATED\"]},\"node\":{\"status_in\":[\"RUNNING\",\"PENDING\"]}}",
     "1,2,3"},
    {"blobs", "{\"where\":{\"updatedFields_contains\":\"name\"}}", "8"},
    {"blobs", "{\"organizationId\":\"o1\",\"where\":{\"mutation_in\":[\"CREATED\"]}}", ""},
    {"revisions", "{\"blobId\":\"b2\",\"where\":{\"mutation_in\":[\"CREATED\"]}}", ""},
    {"revisions", "{\"blobId\":\"b2\",\"where\":{\"updatedFields_contains_every\":[\"state\"]}}", "11"},
};

#define NSCEN ((int)(sizeof scenario_subs / sizeof *scenario_subs))

RT_TEST(fields_and_filters)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, &srv.metrics);
    auth_identity_t all = {0, NULL};
    rec_t recs[NSCEN];
    memset(recs, 0, sizeof recs);
    for (int i = 0; i < NSCEN; i++) {
        recs[i].conn = -1;
        CHECK(sub(f, &all, scenario_subs[i].field, scenario_subs[i].args, NULL, &recs[i], NULL) == 0);
    }
    CHECK(atomic_load(&srv.metrics.subscriptions) == NSCEN);
    CHECK(all.refs == NSCEN);
    fake_log_reset();
    append_scenario();
    for (int i = 0; i < fake_log.n; i++)
        publish_idx(f, i);
    for (int i = 0; i < NSCEN; i++) {
        bool ok = got_exactly(&recs[i], scenario_subs[i].want);
        if (!ok)
            fprintf(stderr, "  subscription %d: %s(%s)\n", i, scenario_subs[i].field,
                    scenario_subs[i].args ? scenario_subs[i].args : "");
        CHECK(ok);
    }
    /* Payload shapes per docs/schema.md#the-change-event (blob(id: b1) got the UPDATED, session(id: s1)
     * CREATED+DELETED). */
    CHECK_STR(
        recs[13].values[0],
        "{\"mutation\":\"UPDATED\",\"node\":{\"id\":\"b1\",\"organizationId\":\"o1\",\"name\":\"n2\"},"
        "\"previousValues\":{\"id\":\"b1\",\"organizationId\":\"o1\",\"name\":\"n1\"},\"updatedFields\":[\"name\"],\"cursor\":\"c8\"}");
    CHECK_STR(recs[11].values[0], "{\"mutation\":\"CREATED\",\"node\":{\"id\":\"s1\",\"blobId\":\"b1\"},"
                                  "\"previousValues\":null,\"updatedFields\":null,\"cursor\":\"c6\"}");
    CHECK_STR(recs[11].values[1], "{\"mutation\":\"DELETED\",\"node\":null,"
                                  "\"previousValues\":{\"id\":\"s1\",\"blobId\":\"b1\"},\"updatedFields\":null,"
                                  "\"cursor\":\"c13\"}");
    for (int i = 0; i < NSCEN; i++)
        feed_unsubscribe(recs[i].sub);
    CHECK(atomic_load(&srv.metrics.subscriptions) == 0);
    CHECK(feed_topic_count(f) == 0);
    CHECK(all.refs == 0);
    feed_free(f);
    for (int i = 0; i < NSCEN; i++)
        rec_clear(&recs[i]);
}

RT_TEST(bad_arguments)
{
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t r = {0};
    char *code = NULL;
    int frees = fake_request_frees;
    CHECK(sub(f, &all, "viewer", "{}", NULL, &r, &code) < 0);
    CHECK_STR(code, "BAD_USER_INPUT");
    free(code), code = NULL;
    CHECK(sub(f, &all, "execution", "{}", NULL, &r, &code) < 0); /* required id missing */
    free(code), code = NULL;
    CHECK(sub(f, &all, "revisions", "{\"blobId\":null}", NULL, &r, &code) < 0);
    free(code), code = NULL;
    CHECK(sub(f, &all, "executions", "{\"where\":{\"mutation_in\":[\"EXPLODED\"]}}", NULL, &r, &code) < 0);
    CHECK_STR(code, "BAD_USER_INPUT");
    free(code), code = NULL;
    CHECK(sub(f, &all, "executions", "{\"where\":[1,2]}", NULL, &r, &code) < 0);
    free(code), code = NULL;
    CHECK(sub(f, &all, "executions", "{\"node\":{\"status_in\":[{\"a\":1}]}}", NULL, &r, &code) < 0);
    free(code), code = NULL;
    CHECK(sub(f, &all, "execution", "{\"id\":{\"x\":1}}", NULL, &r, &code) < 0);
    free(code), code = NULL;
    CHECK(fake_request_frees - frees == 7); /* every rejected request stayed the caller's */
    CHECK(feed_subscription_count(f) == 0);
    CHECK(all.refs == 0);
    feed_free(f);
}

/* The index: a change reaches only its topic's subscriptions; nobody else is even examined. */
RT_TEST(index_selectivity)
{
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    static rec_t recs[1000];
    memset(recs, 0, sizeof recs);
    char args[64];
    for (int i = 0; i < 1000; i++) {
        recs[i].conn = -1;
        snprintf(args, sizeof args, "{\"id\":\"x%d\"}", i);
        CHECK(sub(f, &all, "execution", args, NULL, &recs[i], NULL) == 0);
    }
    CHECK(feed_topic_count(f) == 1000);
    CHECK(feed_selection_count(f) == 1);
    fake_log_reset();
    int idx = log_append("Execution", "x517", FEED_CREATED, "o", "b", NULL, NULL, "{\"id\":\"x517\",\"blobId\":\"b\"}",
                         NULL, NULL);
    fake_can_view_calls = 0;
    publish_idx(f, idx);
    CHECK(fake_can_view_calls == 1);
    int total = 0;
    for (int i = 0; i < 1000; i++)
        total += recs[i].n;
    CHECK(total == 1 && recs[517].n == 1);
    feed_free(f); /* frees live subscriptions too */
    CHECK(all.refs == 0);
    for (int i = 0; i < 1000; i++)
        rec_clear(&recs[i]);
}

/* Same selection key -> one render per change, one shared frame; permission per subscriber. */
RT_TEST(render_once_and_permissions)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, &srv.metrics);
    auth_identity_t all = {0, NULL}, b1only = {0, "b1"}, b9only = {0, "b9"};
    rec_t r[7];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 7; i++)
        r[i].conn = -1;
    const char *keys[7] = {"A", "A", "A", "B", "B", "C", "A"};
    auth_identity_t *who[7] = {&all, &b1only, &b9only, &all, &b9only, &b9only, &all};
    for (int i = 0; i < 7; i++)
        CHECK(sub(f, who[i], "executions", i == 6 ? "{\"blobId\":\"b1\"}" : "{}", keys[i], &r[i], NULL) == 0);
    CHECK(feed_selection_count(f) == 3);
    fake_log_reset();
    int a = log_append("Execution", "e1", FEED_CREATED, "o1", "b1", NULL, NULL,
                       "{\"id\":\"e1\",\"blobId\":\"b1\",\"status\":\"RUNNING\"}", NULL, NULL);
    int b = log_append("Execution", "e2", FEED_CREATED, "o1", "b2", NULL, NULL,
                       "{\"id\":\"e2\",\"blobId\":\"b2\",\"status\":\"RUNNING\"}", NULL, NULL);
    int c = log_append("Execution", "e1", FEED_DELETED, "o1", "b1", NULL, NULL, NULL,
                       "{\"id\":\"e1\",\"blobId\":\"b1\",\"status\":\"RUNNING\"}", NULL);
    fake_render_calls = 0;
    publish_idx(f, a);
    /* Viewers of e1: r0,r1 (A), r3 (B), r6 (A, other topic). r2,r4,r5 denied; C never rendered. */
    CHECK(fake_render_calls == 2);
    CHECK(r[0].n == 1 && r[1].n == 1 && r[2].n == 0 && r[3].n == 1 && r[4].n == 0 && r[5].n == 0 && r[6].n == 1);
    CHECK(r[0].frames[0] == r[1].frames[0] && r[0].frames[0] == r[6].frames[0]);
    CHECK(r[0].frames[0] != r[3].frames[0]);
    CHECK(atomic_load(&srv.metrics.deliveries) == 4);
    CHECK(atomic_load(&srv.metrics.deliveries_denied) == 3);
    fake_render_calls = 0;
    publish_idx(f, b); /* only `all` sees b2: r0 (A), r3 (B) */
    CHECK(fake_render_calls == 2);
    CHECK(r[0].n == 2 && r[1].n == 1 && r[3].n == 2 && r[6].n == 1);
    /* A denied DELETED is judged on previousValues: b1only still sees the deletion of e1. */
    b1only.only_blob = "b1";
    publish_idx(f, c);
    CHECK(r[1].n == 2 && r[1].seqs[1] == 3);
    CHECK(r[2].n == 0);
    /* Permission is judged at delivery time: b1only loses b1, the next change is denied. */
    b1only.only_blob = "zz";
    int e = log_append("Execution", "e3", FEED_CREATED, "o1", "b1", NULL, NULL,
                       "{\"id\":\"e3\",\"blobId\":\"b1\",\"status\":\"RUNNING\"}", NULL, NULL);
    publish_idx(f, e);
    CHECK(r[1].n == 2 && r[0].n == 4);
    feed_free(f);
    CHECK(all.refs == 0 && b1only.refs == 0 && b9only.refs == 0);
    for (int i = 0; i < 7; i++)
        rec_clear(&r[i]);
}

/* An execution moved from blob b1 to b2: each subscriber receives the mutation its view of the
 * before and after states gives (UPDATED, DELETED, CREATED or nothing), rendered once per
 * (selection, mutation as received), and a filter applies to the mutation as received. */
RT_TEST(transition_per_subscriber)
{
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL}, on1 = {0, "b1"}, on2 = {0, "b2"}, on9 = {0, "b9"};
    enum { N = 7 };
    rec_t r[N];
    memset(r, 0, sizeof r);
    auth_identity_t *who[N] = {&all, &on1, &on2, &on2, &on9, &all, &on2};
    const char *args[N] = {
        "{}", "{}", "{}", "{}", "{}", "{\"blobId\":\"b1\"}", "{\"where\":{\"mutation_in\":[\"UPDATED\"]}}"};
    for (int i = 0; i < N; i++) {
        r[i].conn = -1;
        CHECK(sub(f, who[i], "executions", args[i], i == 6 ? "F" : "A", &r[i], NULL) == 0);
    }
    fake_log_reset();
    int m = log_append("Execution", "e1", FEED_UPDATED, "o1", "b2", NULL, NULL,
                       "{\"id\":\"e1\",\"blobId\":\"b2\",\"status\":\"FAILED\"}",
                       "{\"id\":\"e1\",\"blobId\":\"b1\",\"status\":\"RUNNING\"}", "[\"blobId\",\"status\"]");
    fake_render_calls = 0;
    publish_idx(f, m);
    CHECK(fake_render_calls == 3); /* UPDATED, DELETED and CREATED of selection A; F filtered */
    CHECK(r[0].n == 1 && r[1].n == 1 && r[2].n == 1 && r[3].n == 1 && r[4].n == 0 && r[5].n == 1 && r[6].n == 0);
    CHECK(r[2].frames[0] == r[3].frames[0]);
    CHECK(r[1].frames[0] == r[5].frames[0]); /* moved out of the blobId topic: DELETED */
    CHECK_STR(r[0].values[0],
              "{\"mutation\":\"UPDATED\",\"node\":{\"id\":\"e1\",\"blobId\":\"b2\",\"status\":\"FAILED\"},"
              "\"previousValues\":{\"id\":\"e1\",\"blobId\":\"b1\",\"status\":\"RUNNING\"},"
              "\"updatedFields\":[\"blobId\",\"status\"],\"cursor\":\"c1\"}");
    CHECK_STR(r[1].values[0], "{\"mutation\":\"DELETED\",\"node\":null,"
                              "\"previousValues\":{\"id\":\"e1\",\"blobId\":\"b1\",\"status\":\"RUNNING\"},"
                              "\"updatedFields\":null,\"cursor\":\"c1\"}");
    CHECK_STR(r[2].values[0],
              "{\"mutation\":\"CREATED\",\"node\":{\"id\":\"e1\",\"blobId\":\"b2\",\"status\":\"FAILED\"},"
              "\"previousValues\":null,\"updatedFields\":null,\"cursor\":\"c1\"}");
    feed_free(f);
    for (int i = 0; i < N; i++)
        rec_clear(&r[i]);
}

RT_TEST(unsubscribe_during_delivery)
{
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t r[3];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 3; i++) {
        r[i].conn = -1;
        CHECK(sub(f, &all, "executions", "{}", i == 2 ? "other" : "k", &r[i], NULL) == 0);
    }
    /* Whoever is delivered first kills all three (a connection closing mid-delivery). */
    feed_sub_t *victims[3] = {r[0].sub, r[1].sub, r[2].sub};
    for (int i = 0; i < 3; i++) {
        r[i].kill = victims;
        r[i].nkill = 3;
        r[i].kill_after = 1;
    }
    fake_log_reset();
    int a = log_append("Execution", "e1", FEED_CREATED, "o", "b", NULL, NULL, "{\"id\":\"e1\",\"blobId\":\"b\"}", NULL,
                       NULL);
    int b = log_append("Execution", "e2", FEED_CREATED, "o", "b", NULL, NULL, "{\"id\":\"e2\",\"blobId\":\"b\"}", NULL,
                       NULL);
    feed_change_t both[2] = {fake_log.v[a].c, fake_log.v[b].c};
    feed_publish_changes(f, both, 2);
    CHECK(r[0].n + r[1].n + r[2].n == 1);
    CHECK(feed_subscription_count(f) == 0);
    CHECK(feed_topic_count(f) == 0);
    feed_unsubscribe(NULL);
    feed_free(f);
    CHECK(all.refs == 0);
    for (int i = 0; i < 3; i++)
        rec_clear(&r[i]);
}

static int append_exec(int i, const char *blob);
static bool seqs_are_range(const rec_t *r, int64_t from, int64_t to);

/* The threading seam: with a deliver hook, a publish only builds the list; the subscribers'
 * thread runs it later, in log order, skipping subscriptions that ended in between. */
static int fake_deliver(void *ctx, rt_taskq_t *owner, rt_task_fn run, void *list)
{
    (void)ctx;
    CHECK(fake_defer(NULL, owner, run, list) == 0);
    return 0;
}

RT_TEST(delivery_handover)
{
    feed_deps_t d = fake_deps(0);
    d.deliver = fake_deliver;
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t a = {0}, b = {0};
    a.conn = b.conn = -1;
    CHECK(sub(f, &all, "executions", "{}", NULL, &a, NULL) == 0);
    CHECK(sub(f, &all, "executions", "{}", NULL, &b, NULL) == 0);
    fake_log_reset();
    for (int i = 1; i <= 3; i++)
        publish_idx(f, append_exec(i, "b"));
    CHECK(a.n == 0 && b.n == 0); /* nothing runs on the publishing side */
    feed_unsubscribe(b.sub);     /* ends before its thread ran the lists */
    fake_q_drain();
    CHECK(seqs_are_range(&a, 1, 3));
    CHECK(b.n == 0);
    feed_free(f);
    CHECK(all.refs == 0);
    rec_clear(&a);
    rec_clear(&b);
}

/* Several subscriber threads: each publish hands one list per owner queue to the hook, and
 * each list holds only that owner's deliveries, in log order. */
static rt_taskq_t *owners_seen[64];
static int nowners_seen;

static int owner_deliver(void *ctx, rt_taskq_t *owner, rt_task_fn run, void *list)
{
    if (nowners_seen < 64)
        owners_seen[nowners_seen++] = owner;
    return fake_deliver(ctx, owner, run, list);
}

RT_TEST(delivery_per_owner)
{
    static char thread_a, thread_b; /* stand-ins for two threads' queues */
    feed_deps_t d = fake_deps(0);
    d.deliver = owner_deliver;
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t a1 = {0}, a2 = {0}, b = {0}, other = {0};
    a1.conn = a2.conn = b.conn = other.conn = -1;
    sub_owner = (rt_taskq_t *)&thread_a;
    CHECK(sub(f, &all, "executions", "{}", NULL, &a1, NULL) == 0);
    CHECK(sub(f, &all, "executions", "{\"blobId\":\"b\"}", NULL, &a2, NULL) == 0);
    sub_owner = (rt_taskq_t *)&thread_b;
    CHECK(sub(f, &all, "executions", "{}", NULL, &b, NULL) == 0);
    CHECK(sub(f, &all, "executions", "{\"blobId\":\"elsewhere\"}", NULL, &other, NULL) == 0);
    sub_owner = NULL;
    fake_log_reset();
    nowners_seen = 0;
    for (int i = 1; i <= 3; i++)
        publish_idx(f, append_exec(i, "b"));
    /* Three publishes, two owners with matches each time ("other" matches nothing). */
    CHECK(nowners_seen == 6);
    int na = 0, nb = 0;
    for (int i = 0; i < nowners_seen; i++) {
        na += owners_seen[i] == (rt_taskq_t *)&thread_a;
        nb += owners_seen[i] == (rt_taskq_t *)&thread_b;
    }
    CHECK(na == 3 && nb == 3);
    CHECK(a1.n == 0 && b.n == 0);
    fake_q_drain();
    CHECK(seqs_are_range(&a1, 1, 3));
    CHECK(seqs_are_range(&a2, 1, 3));
    CHECK(seqs_are_range(&b, 1, 3));
    CHECK(other.n == 0);
    feed_free(f);
    CHECK(all.refs == 0);
    rec_clear(&a1);
    rec_clear(&a2);
    rec_clear(&b);
    rec_clear(&other);
}

/* ---- resume ---- */

static int append_exec(int i, const char *blob)
{
    char node[96], id[16];
    snprintf(id, sizeof id, "e%d", i);
    snprintf(node, sizeof node, "{\"id\":\"%s\",\"blobId\":\"%s\",\"status\":\"RUNNING\"}", id, blob);
    return log_append("Execution", id, FEED_CREATED, "o", blob, NULL, NULL, node, NULL, NULL);
}

static bool seqs_are_range(const rec_t *r, int64_t from, int64_t to)
{
    if (r->n != to - from + 1)
        return false;
    for (int i = 0; i < r->n; i++)
        if (r->seqs[i] != from + i)
            return false;
    return true;
}

RT_TEST(replay_handover)
{
    for (int page = 1; page <= 4; page++) {
        feed_deps_t d = fake_deps(page);
        feed_t *f = feed_new_with_deps(&d, NULL);
        auth_identity_t all = {0, NULL};
        rec_t resumed = {0}, live = {0};
        resumed.conn = live.conn = -1;
        fake_log_reset();
        for (int i = 1; i <= 10; i++)
            publish_idx(f, append_exec(i, "b"));
        CHECK(sub(f, &all, "executions", "{\"blobId\":\"b\",\"after\":\"c3\"}", NULL, &resumed, NULL) == 0);
        CHECK(sub(f, &all, "executions", "{\"blobId\":\"b\"}", NULL, &live, NULL) == 0);
        CHECK(resumed.n == 0); /* nothing is delivered inside feed_subscribe */
        /* Publish while the replay runs page by page; one change is committed to the log but
         * published only after the replay has read it (a store writer thread's lag). */
        int n = 10, pending = -1;
        for (int step = 0; step < 40; step++) {
            if (pending >= 0) {
                if (step == 9) {
                    publish_idx(f, pending);
                    pending = -1;
                }
            } else if (step == 5) {
                n++;
                pending = append_exec(n, "b");
            } else if (step % 2 == 0) {
                n++;
                publish_idx(f, append_exec(n, "b"));
            }
            fake_q_step();
        }
        fake_q_drain();
        for (int i = 0; i < 5; i++) {
            n++;
            publish_idx(f, append_exec(n, "b"));
        }
        CHECK(seqs_are_range(&resumed, 4, n));
        CHECK(seqs_are_range(&live, 11, n));
        feed_free(f);
        rec_clear(&resumed);
        rec_clear(&live);
    }
}

/* A page also ends at its byte budget: a backlog arrives in slices, still complete and in order. */
/* A publish from another thread while a replay page is being read: the change is committed
 * after the page's read and published before the switch to live, so the publish skips the
 * (still replaying) subscription and the page did not see it. The switch must read it. */
static feed_t *race_feed;
static int race_armed, race_n;

static int racing_log_read(void *ctx, const char *after, int max, feed_log_fn fn, void *arg)
{
    int rc = fake_log_read(ctx, after, max, fn, arg);
    if (race_armed && max > 0) {
        race_armed = 0;
        publish_idx(race_feed, append_exec(++race_n, "b"));
    }
    return rc;
}

RT_TEST(replay_concurrent_publish)
{
    feed_deps_t d = fake_deps(0);
    d.log_read = racing_log_read;
    feed_t *f = race_feed = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t r = {0};
    r.conn = -1;
    fake_log_reset();
    for (race_n = 1; race_n <= 10; race_n++)
        publish_idx(f, append_exec(race_n, "b"));
    race_n = 10;
    CHECK(sub(f, &all, "executions", "{\"blobId\":\"b\",\"after\":\"c3\"}", NULL, &r, NULL) == 0);
    race_armed = 1;
    fake_q_drain();
    CHECK(race_armed == 0);
    publish_idx(f, append_exec(++race_n, "b")); /* live by now */
    fake_q_drain();
    CHECK(seqs_are_range(&r, 4, 12));
    feed_free(f);
    CHECK(all.refs == 0);
    rec_clear(&r);
}

RT_TEST(replay_byte_budget)
{
    feed_deps_t d = fake_deps(100);
    d.replay_bytes = 300; /* about two rendered changes */
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t r = {0};
    r.conn = -1;
    fake_log_reset();
    for (int i = 1; i <= 20; i++)
        append_exec(i, "b");
    CHECK(sub(f, &all, "executions", "{\"after\":\"c0\"}", NULL, &r, NULL) == 0);
    int reads = fake_log.reads;
    fake_q_step();
    CHECK(r.n >= 1 && r.n <= 3);
    fake_q_drain();
    CHECK(fake_log.reads - reads >= 7);
    publish_idx(f, append_exec(21, "b"));
    CHECK(seqs_are_range(&r, 1, 21));
    feed_free(f);
    rec_clear(&r);
}

/* The current states replay judges on: e1 moved to blob x since, e2 still on b, e3 gone, e4
 * gone with its last state (on x) kept. */
static int fake_current_calls;
static int fake_current(void *ctx, const char *type, const char *id, json_object **out)
{
    (void)ctx;
    (void)type;
    fake_current_calls++;
    *out = NULL;
    if (strcmp(id, "e1") == 0)
        *out = json_tokener_parse("{\"id\":\"e1\",\"blobId\":\"x\"}");
    else if (strcmp(id, "e2") == 0)
        *out = json_tokener_parse("{\"id\":\"e2\",\"blobId\":\"b\"}");
    else if (strcmp(id, "e4") == 0) /* deleted since, its last state on x still known */
        return (*out = json_tokener_parse("{\"id\":\"e4\",\"blobId\":\"x\"}")) ? 1 : -1;
    return *out ? 0 : 1;
}

/* Replay judges a record as it is now: e1's past on blob b is not replayed to a principal that
 * cannot see where e1 is now, nor e4's, whose last state is on x; of a record gone since with no
 * known last state and no DELETED change in the page (e3) nothing of its past; the store is asked
 * once per record and page. */
RT_TEST(replay_judges_records_as_now)
{
    feed_deps_t d = fake_deps(10);
    d.current = fake_current;
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t only_b = {0, "b"};
    rec_t r = {0};
    r.conn = -1;
    fake_log_reset();
    append_exec(1, "b");
    append_exec(2, "b");
    log_append("Execution", "e1", FEED_UPDATED, "o", "b", NULL, NULL,
               "{\"id\":\"e1\",\"blobId\":\"b\",\"status\":\"FAILED\"}",
               "{\"id\":\"e1\",\"blobId\":\"b\",\"status\":\"RUNNING\"}", "[\"status\"]");
    log_append("Execution", "e2", FEED_UPDATED, "o", "b", NULL, NULL,
               "{\"id\":\"e2\",\"blobId\":\"b\",\"status\":\"FAILED\"}",
               "{\"id\":\"e2\",\"blobId\":\"b\",\"status\":\"RUNNING\"}", "[\"status\"]");
    append_exec(3, "b");
    append_exec(4, "b");
    fake_current_calls = 0;
    CHECK(sub(f, &only_b, "executions", "{\"after\":\"c0\"}", NULL, &r, NULL) == 0);
    fake_q_drain();
    CHECK(got_exactly(&r, "2,4"));
    CHECK(fake_current_calls == 4);
    feed_free(f);
    rec_clear(&r);
}

RT_TEST(replay_filters_and_permissions)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    feed_deps_t d = fake_deps(3);
    feed_t *f = feed_new_with_deps(&d, &srv.metrics);
    auth_identity_t only_b = {0, "b"};
    rec_t r = {0};
    r.conn = -1;
    fake_log_reset();
    for (int i = 1; i <= 12; i++)
        append_exec(i, i % 3 == 0 ? "other" : "b");
    CHECK(sub(f, &only_b, "executions", "{\"after\":\"c0\"}", NULL, &r, NULL) == 0);
    fake_q_drain();
    CHECK(got_exactly(&r, "1,2,4,5,7,8,10,11"));
    CHECK(atomic_load(&srv.metrics.deliveries_denied) == 4);
    /* Replay from the head: nothing to replay, live at once. */
    rec_t h = {0};
    h.conn = -1;
    CHECK(sub(f, &only_b, "executions", "{\"after\":\"c12\"}", NULL, &h, NULL) == 0);
    fake_q_drain();
    publish_idx(f, append_exec(13, "b"));
    CHECK(got_exactly(&h, "13"));
    CHECK(r.n == 9);
    feed_free(f);
    rec_clear(&r);
    rec_clear(&h);
}

RT_TEST(cursor_errors)
{
    feed_deps_t d = fake_deps(2);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t r = {0};
    r.conn = -1;
    char *code = NULL;
    fake_log_reset();
    for (int i = 1; i <= 10; i++)
        append_exec(i, "b");
    fake_log.first_seq = 5; /* 1..4 trimmed */
    CHECK(sub(f, &all, "executions", "{\"after\":\"c2\"}", NULL, &r, &code) < 0);
    CHECK_STR(code, "CURSOR_EXPIRED");
    free(code), code = NULL;
    CHECK(sub(f, &all, "executions", "{\"after\":\"c4\"}", NULL, &r, &code) == 0); /* 5.. still retained */
    fake_q_drain();
    CHECK(seqs_are_range(&r, 5, 10));
    feed_unsubscribe(r.sub);
    const char *bad[] = {"\"\"", "\"zzz\"", "\"c\"", "\"c12x\"", "\"%00\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char args[64];
        snprintf(args, sizeof args, "{\"after\":%s}", bad[i]);
        CHECK(sub(f, &all, "executions", args, NULL, &r, &code) < 0);
        CHECK_STR(code, "BAD_USER_INPUT");
        free(code), code = NULL;
    }
    /* The log is trimmed while a replay is under way: the subscription ends CURSOR_EXPIRED. */
    rec_t t = {0};
    t.conn = -1;
    CHECK(sub(f, &all, "executions", "{\"after\":\"c5\"}", NULL, &t, NULL) == 0);
    fake_q_step(); /* 6, 7 */
    CHECK(t.n == 2);
    fake_log.first_seq = 9;
    fake_q_drain();
    CHECK(t.ended == 1);
    CHECK_STR(t.end_code, "CURSOR_EXPIRED");
    CHECK(feed_subscription_count(f) == 0);
    publish_idx(f, append_exec(11, "b"));
    CHECK(t.n == 2);
    CHECK(all.refs == 0);
    feed_free(f);
    rec_clear(&r);
    rec_clear(&t);
}

RT_TEST(unsubscribe_during_replay)
{
    feed_deps_t d = fake_deps(4);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    rec_t r = {0}, q = {0};
    r.conn = q.conn = -1;
    fake_log_reset();
    for (int i = 1; i <= 10; i++)
        append_exec(i, "b");
    CHECK(sub(f, &all, "executions", "{\"after\":\"c0\"}", NULL, &r, NULL) == 0);
    feed_sub_t *self[1] = {r.sub};
    r.kill = self, r.nkill = 1, r.kill_after = 3;
    fake_q_drain();
    CHECK(r.n == 3);
    /* Unsubscribed while its next page is queued: the page never runs. */
    CHECK(sub(f, &all, "executions", "{\"after\":\"c0\"}", NULL, &q, NULL) == 0);
    fake_q_step();
    CHECK(q.n == 4);
    feed_unsubscribe(q.sub);
    fake_q_drain();
    CHECK(q.n == 4);
    CHECK(all.refs == 0);
    feed_free(f);
    rec_clear(&r);
    rec_clear(&q);
}

/* Hostile arguments (whatever coercion let through) and malformed changes never crash and
 * never deliver what they should not. */
RT_TEST(hostile)
{
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, NULL);
    auth_identity_t all = {0, NULL};
    static const char *fields[] = {"execution",      "executions", "executionEvents", "session", "sessionEvents",
                                   "blob",           "blobs",      "revisions",       "",        "Execution",
                                   "executions\001x"};
    static const char *args[] = {
        NULL,
        "[]",
        "42",
        "\"str\"",
        "{\"id\":null}",
        "{\"id\":[\"a\"]}",
        "{\"id\":true}",
        "{\"id\":1.5}",
        "{\"blobId\":{}}",
        "{\"where\":\"x\"}",
        "{\"where\":{\"mutation_in\":[null]}}",
        "{\"where\":{\"mutation_in\":[[\"CREATED\"]]}}",
        "{\"where\":{\"updatedFields_contains\":[\"a\"]}}",
        "{\"where\":{\"updatedFields_contains_every\":{}}}",
        "{\"node\":[]}",
        "{\"node\":{\"sessionId\":{}}}",
        "{\"after\":{}}",
        "{\"after\":[1]}",
        "{\"id\":\"\",\"after\":\"c0\"}",
        "{\"where\":{\"mutation_in\":[\"CREATED\",\"CREATED\",\"UPDATED\",\"DELETED\",\"DELETED\"]}}",
        "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
        "{\"id\":\"x\\u001fExecution\\u001f1\"}",
        "{\"organizationId\":\"\\u0000\"}",
    };
    static rec_t r[sizeof fields / sizeof *fields][sizeof args / sizeof *args];
    memset(r, 0, sizeof r);
    int ok = 0, frees = fake_request_frees;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        for (size_t j = 0; j < sizeof args / sizeof *args; j++) {
            r[i][j].conn = -1;
            if (sub(f, &all, fields[i], args[j], NULL, &r[i][j], NULL) == 0)
                ok++;
        }
    CHECK(ok > 0 && (size_t)ok < (sizeof fields / sizeof *fields) * (sizeof args / sizeof *args));
    CHECK(fake_request_frees - frees == (int)((sizeof fields / sizeof *fields) * (sizeof args / sizeof *args)) - ok);
    fake_q_drain();
    fake_log_reset();
    /* Malformed changes: no type, bad mutation, missing states, updatedFields not an array. */
    int a = log_append("Execution", "x", FEED_CREATED, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    int b = log_append("Execution", "x", FEED_UPDATED, "o", "b", NULL, NULL, "{\"id\":\"x\"}", "{\"id\":\"x\"}",
                       "{\"a\":1}");
    int c = log_append("Execution", "x", FEED_DELETED, "o", "b", NULL, NULL, "{\"id\":\"x\"}", NULL, NULL);
    feed_change_t bad[5] = {fake_log.v[a].c, fake_log.v[b].c, fake_log.v[c].c, fake_log.v[a].c, fake_log.v[a].c};
    bad[3].type = NULL;
    bad[4].mutation = (feed_mutation_t)7;
    int before = 0, after = 0;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        for (size_t j = 0; j < sizeof args / sizeof *args; j++)
            before += r[i][j].n;
    feed_publish_changes(f, bad, 5);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        for (size_t j = 0; j < sizeof args / sizeof *args; j++)
            after += r[i][j].n;
    /* Only the UPDATED one has a subject; a CREATED without node and a DELETED without previous
     * values are judged unviewable; the typeless and out-of-range ones are ignored. */
    CHECK(r[1][0].n == 1); /* executions(): the UPDATED change only */
    CHECK(after - before >= 1);
    feed_free(f);
    CHECK(all.refs == 0);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        for (size_t j = 0; j < sizeof args / sizeof *args; j++)
            rec_clear(&r[i][j]);
}

/* ---- 10,000 subscriptions on 1,000 connections ---- */

enum { NCONN = 1000, PER_CONN = 10, NCHANGES = 3000 };

typedef struct gen_change {
    int kind; /* 0 Execution, 1 ExecutionEvent, 2 Blob, 3 Revision */
    int ex, sess, blob, org;
    feed_mutation_t mut;
    const char *status;
} gen_change_t;

/* The subscription kinds of connection c; `want` says whether change g is for subscription k. */
static void kind_sub(int c, int k, char *field, char *args, size_t cap)
{
    switch (k) {
    case 0: strcpy(field, "execution"), snprintf(args, cap, "{\"id\":\"ex%d\"}", c % 300); break;
    case 1: strcpy(field, "executions"), snprintf(args, cap, "{\"sessionId\":\"s%d\"}", c % 50); break;
    case 2: strcpy(field, "executionEvents"), snprintf(args, cap, "{\"executionId\":\"ex%d\"}", c % 300); break;
    case 3: strcpy(field, "blob"), snprintf(args, cap, "{\"id\":\"b%d\"}", c % 100); break;
    case 4: strcpy(field, "revisions"), snprintf(args, cap, "{\"blobId\":\"b%d\"}", c % 100); break;
    case 5:
        strcpy(field, "executions");
        snprintf(args, cap, "{\"blobId\":\"b%d\",\"where\":{\"mutation_in\":[\"UPDATED\"]}}", c % 100);
        break;
    case 6: strcpy(field, "blobs"), snprintf(args, cap, "{\"organizationId\":\"o%d\"}", c % 10); break;
    case 7:
        strcpy(field, "executions");
        snprintf(args, cap, "{\"node\":{\"status_in\":[\"FAILED\"],\"sessionId\":\"s%d\"}}", c % 50);
        break;
    case 8: strcpy(field, "execution"), snprintf(args, cap, "{\"id\":\"ex%d\"}", (c * 7) % 300); break;
    default:
        strcpy(field, "executions");
        snprintf(args, cap, "{\"blobId\":\"b%d\",\"sessionId\":\"s%d\"}", c % 100, c % 50);
        break;
    }
}

static bool kind_wants(int c, int k, const gen_change_t *g)
{
    switch (k) {
    case 0: return g->kind == 0 && g->ex == c % 300;
    case 1: return g->kind == 0 && g->sess == c % 50;
    case 2: return g->kind == 1 && g->ex == c % 300;
    case 3: return g->kind == 2 && g->blob == c % 100;
    case 4: return g->kind == 3 && g->blob == c % 100;
    case 5: return g->kind == 0 && g->blob == c % 100 && g->mut == FEED_UPDATED;
    case 6: return g->kind == 2 && g->org == c % 10;
    case 7: return g->kind == 0 && g->sess == c % 50 && strcmp(g->status, "FAILED") == 0;
    case 8: return g->kind == 0 && g->ex == (c * 7) % 300;
    default: return g->kind == 0 && g->blob == c % 100 && g->sess == c % 50;
    }
}

RT_TEST(ten_thousand)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    feed_deps_t d = fake_deps(0);
    feed_t *f = feed_new_with_deps(&d, &srv.metrics);
    auth_identity_t all = {0, NULL};
    rec_t *recs = calloc(NCONN * PER_CONN, sizeof *recs);
    char field[32], args[128], key[16];
    for (int c = 0; c < NCONN; c++) {
        for (int k = 0; k < PER_CONN; k++) {
            rec_t *r = &recs[c * PER_CONN + k];
            r->conn = c;
            kind_sub(c, k, field, args, sizeof args);
            snprintf(key, sizeof key, "sel%d", k % 3);
            CHECK(sub(f, &all, field, args, key, r, NULL) == 0);
        }
    }
    CHECK(feed_subscription_count(f) == NCONN * PER_CONN);
    CHECK(atomic_load(&srv.metrics.subscriptions) == NCONN * PER_CONN);
    memset(conn_last_seq, 0, sizeof conn_last_seq);
    conn_order_violations = 0;
    fake_log_reset();
    gen_change_t *gen = calloc(NCHANGES, sizeof *gen);
    uint32_t x = 12345;
    static const char *statuses[] = {"RUNNING", "FAILED", "SUCCEEDED"};
    feed_change_t batch[10];
    int nb = 0;
    for (int i = 0; i < NCHANGES; i++) {
        gen_change_t *g = &gen[i];
        x = x * 1103515245u + 12345u;
        g->kind = (int)((x >> 8) % 4);
        g->ex = (int)((x >> 12) % 300);
        g->sess = g->ex % 50; /* an execution belongs to one session and one blob */
        g->blob = g->ex % 100;
        g->org = g->blob % 10;
        g->mut = (feed_mutation_t)((x >> 20) % 2);
        g->status = statuses[(x >> 24) % 3];
        char id[16], blob[16], sess[16], org[16], node[160];
        snprintf(blob, sizeof blob, "b%d", g->blob);
        snprintf(sess, sizeof sess, "s%d", g->sess);
        snprintf(org, sizeof org, "o%d", g->org);
        if (g->kind == 2)
            g->blob = g->ex % 100, snprintf(id, sizeof id, "b%d", g->blob);
        else
            snprintf(id, sizeof id, "%s%d", g->kind == 0 ? "ex" : g->kind == 1 ? "ev" : "r", g->ex);
        snprintf(node, sizeof node, "{\"id\":\"%s\",\"blobId\":\"%s\",\"sessionId\":\"%s\",\"status\":\"%s\"}", id,
                 blob, sess, g->status);
        char exid[16];
        snprintf(exid, sizeof exid, "ex%d", g->ex);
        static const char *types[] = {"Execution", "ExecutionEvent", "Blob", "Revision"};
        int idx = log_append(types[g->kind], id, g->mut, org, g->kind == 2 ? NULL : blob, g->kind <= 1 ? sess : NULL,
                             g->kind == 1 ? exid : NULL, node, g->mut == FEED_UPDATED ? node : NULL,
                             g->mut == FEED_UPDATED ? "[\"status\"]" : NULL);
        batch[nb++] = fake_log.v[idx].c;
        if (nb == 10) { /* publish in batches, as one ingestion request does */
            feed_publish_changes(f, batch, nb);
            nb = 0;
        }
    }
    long expected_total = 0;
    int bad = 0;
    for (int c = 0; c < NCONN; c++) {
        for (int k = 0; k < PER_CONN; k++) {
            int want = 0;
            for (int i = 0; i < NCHANGES; i++)
                want += kind_wants(c, k, &gen[i]);
            expected_total += want;
            if (recs[c * PER_CONN + k].n != want && bad++ < 5)
                fprintf(stderr, "  conn %d kind %d: got %d want %d\n", c, k, recs[c * PER_CONN + k].n, want);
        }
    }
    CHECK(bad == 0);
    CHECK(expected_total > 10000); /* the workload really fans out */
    CHECK(atomic_load(&srv.metrics.deliveries) == expected_total);
    CHECK(conn_order_violations == 0);
    feed_free(f);
    CHECK(all.refs == 0);
    for (int i = 0; i < NCONN * PER_CONN; i++)
        rec_clear(&recs[i]);
    free(recs);
    free(gen);
}

/* The fake log's entries outlive a case; freed at exit so the sanitizer's leak check stays quiet. */
__attribute__((destructor)) static void free_fake_log(void) { fake_log_reset(); }

RT_TEST_MAIN()

/* Interned prepared operations (gql_prepared.h): equal texts share one parsed document and, for
 * subscriptions without variables, one request; different names, texts or limits do not; each
 * request keeps its own variables; the last user frees the entry (the ASan build's leak check
 * sees anything left behind); failures leave nothing in the table. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql.h"
#include "gql/gql_prepared.h"
#include "gql_schema_gen.h"
#include "rt_test.h"
#include "util/util_buf.h"

static const gql_limits_t limits = {12, 2000, 0};

static const char *SUB_LITERAL = "subscription { executions(blobId: \"b1\") { mutation cursor node { id status } } }";
static const char *SUB_VAR = "subscription S($b: ID!) { executions(blobId: $b) { cursor node { id } } }";

static gql_request_t *prep(gql_prepared_cache_t *c, const char *q, const char *vars, const char *op,
                           const gql_limits_t *lim, int *rc_out)
{
    json_object *v = vars ? json_tokener_parse(vars) : NULL, *errs = NULL;
    gql_request_t *req = NULL;
    int rc = gql_request_prepare_shared(c, &gql_schema_blobhub, q, strlen(q), v, op, lim, &req, &errs);
    if (rc_out)
        *rc_out = rc;
    if (rc == GQL_OK)
        CHECK(req && !errs);
    else
        CHECK(!req && errs && json_object_array_length(errs) > 0);
    json_object_put(errs);
    json_object_put(v);
    return req;
}

static char *root_args(const gql_request_t *r)
{
    return strdup(json_object_to_json_string_ext(gql_request_root_args(r), JSON_C_TO_STRING_PLAIN));
}

RT_TEST(same_text_shares_one_request_and_is_freed_with_the_last)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    gql_request_t *a = prep(c, SUB_LITERAL, NULL, NULL, &limits, NULL);
    /* Variables a variable-free operation ignores do not split the entry. */
    gql_request_t *b = prep(c, SUB_LITERAL, "{\"x\":1}", NULL, &limits, NULL);
    CHECK(a && b && a == b);
    CHECK(gql_prepared_cache_count(c) == 1);
    CHECK_STR(gql_request_selection_key(a), gql_request_selection_key(b));
    gql_request_free(a);
    CHECK(gql_prepared_cache_count(c) == 1);
    /* b still renders after a is gone. */
    json_object *change = json_tokener_parse("{\"mutation\":\"CREATED\",\"cursor\":\"c1\",\"node\":{\"id\":\"e1\","
                                             "\"status\":\"RUNNING\"}}");
    rt_buf_t out = RT_BUF_INIT;
    CHECK(gql_render_event(b, change, &out) == 0);
    CHECK_STR(rt_buf_cstr(&out), "{\"data\":{\"executions\":{\"mutation\":\"CREATED\",\"cursor\":\"c1\",\"node\":{"
                                 "\"id\":\"e1\",\"status\":\"RUNNING\"}}}}");
    rt_buf_free(&out);
    json_object_put(change);
    gql_request_free(b);
    CHECK(gql_prepared_cache_count(c) == 0);
    /* Prepared again after the entry went: a new, working entry. */
    gql_request_t *d = prep(c, SUB_LITERAL, NULL, NULL, &limits, NULL);
    CHECK(d && gql_prepared_cache_count(c) == 1);
    gql_request_free(d);
    CHECK(gql_prepared_cache_count(c) == 0);
    gql_prepared_cache_free(c);
}

RT_TEST(different_texts_names_and_limits_do_not_share)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    const char *two = "subscription A { executions(blobId: \"b1\") { cursor } } "
                      "subscription B { executions(blobId: \"b2\") { cursor } }";
    gql_request_t *a = prep(c, two, NULL, "A", &limits, NULL);
    gql_request_t *b = prep(c, two, NULL, "B", &limits, NULL);
    CHECK(a && b && a != b);
    char *aa = root_args(a), *ba = root_args(b);
    CHECK_STR(aa, "{\"blobId\":\"b1\"}");
    CHECK_STR(ba, "{\"blobId\":\"b2\"}");
    free(aa);
    free(ba);
    gql_request_t *t1 = prep(c, SUB_LITERAL, NULL, NULL, &limits, NULL);
    gql_request_t *t2 = prep(c, "subscription { executions(blobId: \"b1\") { cursor } }", NULL, NULL, &limits, NULL);
    CHECK(t1 && t2 && t1 != t2);
    CHECK(strcmp(gql_request_selection_key(t1), gql_request_selection_key(t2)) != 0);
    /* No name and an empty name are different requests (the empty one names no operation). */
    int rc;
    gql_request_t *e = prep(c, "subscription { executions(blobId: \"b1\") { cursor } }", NULL, "", &limits, &rc);
    CHECK(!e && rc == GQL_ERR_REQUEST);
    /* Other limits: the same text refused by a depth limit of 1 while the entry for 12 lives. */
    gql_limits_t shallow = {1, 2000, 0};
    gql_request_t *s = prep(c, SUB_LITERAL, NULL, NULL, &shallow, &rc);
    CHECK(!s && rc == GQL_ERR_TOO_COMPLEX);
    CHECK(gql_prepared_cache_count(c) == 4);
    gql_request_free(a);
    gql_request_free(b);
    gql_request_free(t1);
    gql_request_free(t2);
    CHECK(gql_prepared_cache_count(c) == 0);
    gql_prepared_cache_free(c);
}

RT_TEST(variables_are_per_request)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    gql_request_t *a = prep(c, SUB_VAR, "{\"b\":\"b1\"}", NULL, &limits, NULL);
    gql_request_t *b = prep(c, SUB_VAR, "{\"b\":\"b2\"}", NULL, &limits, NULL);
    CHECK(a && b && a != b);
    CHECK(gql_prepared_cache_count(c) == 1);
    /* The same values (whatever else the client sent) share a's request. */
    gql_request_t *a2 = prep(c, SUB_VAR, "{\"b\":\"b1\",\"unused\":2}", NULL, &limits, NULL);
    CHECK(a2 == a);
    gql_request_free(a2);
    char *aa = root_args(a), *ba = root_args(b);
    CHECK_STR(aa, "{\"blobId\":\"b1\"}");
    CHECK_STR(ba, "{\"blobId\":\"b2\"}");
    free(aa);
    free(ba);
    /* A request whose variables fail coercion adds nothing and keeps the entry for the others. */
    int rc;
    CHECK(!prep(c, SUB_VAR, "{\"b\":[1]}", NULL, &limits, &rc) && rc == GQL_ERR_REQUEST);
    CHECK(!prep(c, SUB_VAR, NULL, NULL, &limits, &rc) && rc == GQL_ERR_REQUEST);
    CHECK(gql_prepared_cache_count(c) == 1);
    gql_request_free(a);
    CHECK(gql_prepared_cache_count(c) == 1);
    gql_request_free(b);
    CHECK(gql_prepared_cache_count(c) == 0);
    CHECK(!prep(c, SUB_VAR, "{}", NULL, &limits, &rc) && rc == GQL_ERR_REQUEST);
    CHECK(gql_prepared_cache_count(c) == 0);
    gql_prepared_cache_free(c);
}

static char *render(const gql_request_t *r)
{
    json_object *change = json_tokener_parse("{\"mutation\":\"CREATED\",\"cursor\":\"c1\",\"node\":{\"id\":\"e1\"}}");
    rt_buf_t out = RT_BUF_INIT;
    CHECK(gql_render_event(r, change, &out) == 0);
    json_object_put(change);
    char *t = strdup(rt_buf_cstr(&out) ? out.data : "");
    rt_buf_free(&out);
    return t;
}

/* Variables read while rendering (a directive below the root) are kept and honoured. */
RT_TEST(variables_in_directives_render_per_request)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    const char *q = "subscription S($b: ID!, $s: Boolean!) { executions(blobId: $b) { cursor node @include(if: $s) "
                    "{ id } } }";
    gql_request_t *on = prep(c, q, "{\"b\":\"b1\",\"s\":true}", NULL, &limits, NULL);
    gql_request_t *off = prep(c, q, "{\"b\":\"b1\",\"s\":false}", NULL, &limits, NULL);
    CHECK(on && off && on != off);
    char *t_on = render(on), *t_off = render(off);
    CHECK_STR(t_on, "{\"data\":{\"executions\":{\"cursor\":\"c1\",\"node\":{\"id\":\"e1\"}}}}");
    CHECK_STR(t_off, "{\"data\":{\"executions\":{\"cursor\":\"c1\"}}}");
    free(t_on);
    free(t_off);
    gql_request_free(on);
    gql_request_free(off);
    /* Variables only in the root field's arguments: rendering is the same without them. */
    gql_request_t *v = prep(c, SUB_VAR, "{\"b\":\"b9\"}", NULL, &limits, NULL);
    char *t_v = render(v);
    CHECK_STR(t_v, "{\"data\":{\"executions\":{\"cursor\":\"c1\",\"node\":{\"id\":\"e1\"}}}}");
    free(t_v);
    gql_request_free(v);
    CHECK(gql_prepared_cache_count(c) == 0);
    gql_prepared_cache_free(c);
}

RT_TEST(queries_share_the_document_not_the_request)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    const char *q = "{ __typename }";
    gql_request_t *a = prep(c, q, NULL, NULL, &limits, NULL);
    gql_request_t *b = prep(c, q, NULL, NULL, &limits, NULL);
    CHECK(a && b && a != b);
    CHECK(gql_request_kind(a) == GQL_OP_QUERY);
    CHECK(gql_prepared_cache_count(c) == 1);
    json_object *r = gql_execute(b, NULL, NULL);
    CHECK_STR(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN), "{\"data\":{\"__typename\":\"Query\"}}");
    json_object_put(r);
    gql_request_free(a);
    gql_request_free(b);
    CHECK(gql_prepared_cache_count(c) == 0);
    gql_prepared_cache_free(c);
}

RT_TEST(bad_documents_leave_nothing)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    int rc;
    CHECK(!prep(c, "", NULL, NULL, &limits, &rc) && rc == GQL_ERR_SYNTAX);
    CHECK(!prep(c, "subscription { executions(blobId: \"b1\") { cursor }", NULL, NULL, &limits, &rc) &&
          rc == GQL_ERR_SYNTAX);
    CHECK(!prep(c, "subscription { nope }", NULL, NULL, &limits, &rc) && rc == GQL_ERR_VALIDATION);
    /* A NUL inside the text: the key is the whole text, not its C-string prefix. */
    static const char nul[] = "{ __typename }\0garbage";
    json_object *errs = NULL;
    gql_request_t *req = NULL;
    rc = gql_request_prepare_shared(c, &gql_schema_blobhub, nul, sizeof nul - 1, NULL, NULL, &limits, &req, &errs);
    CHECK(rc == GQL_ERR_SYNTAX && !req);
    json_object_put(errs);
    /* Over the token limit. */
    rt_buf_t big = RT_BUF_INIT;
    rt_buf_puts(&big, "{ ");
    for (int i = 0; i < 3000; i++)
        rt_buf_puts(&big, "__typename ");
    rt_buf_puts(&big, "}");
    CHECK(!prep(c, rt_buf_cstr(&big), NULL, NULL, &limits, &rc) && rc == GQL_ERR_TOO_COMPLEX);
    rt_buf_free(&big);
    CHECK(gql_prepared_cache_count(c) == 0);
    /* Without a cache the request is private and works the same. */
    gql_request_t *p = prep(NULL, SUB_LITERAL, NULL, NULL, &limits, NULL);
    CHECK(p && gql_request_kind(p) == GQL_OP_SUBSCRIPTION);
    gql_request_free(p);
    gql_prepared_cache_free(c);
}

/* Several threads preparing and freeing the same texts at once (the ThreadSanitizer build checks
 * the locking; the counts check that no entry or reference is lost). The workers count their own
 * failures: the test framework's counters are not for other threads. */
static gql_request_t *quiet_prep(gql_prepared_cache_t *c, const char *q, const char *vars)
{
    json_object *v = vars ? json_tokener_parse(vars) : NULL, *errs = NULL;
    gql_request_t *req = NULL;
    gql_request_prepare_shared(c, &gql_schema_blobhub, q, strlen(q), v, NULL, &limits, &req, &errs);
    json_object_put(errs);
    json_object_put(v);
    return req;
}

static void *churn(void *arg)
{
    gql_prepared_cache_t *c = arg;
    intptr_t failures = 0;
    for (int i = 0; i < 300; i++) {
        gql_request_t *a = quiet_prep(c, SUB_LITERAL, NULL);
        gql_request_t *b = quiet_prep(c, SUB_VAR, i % 2 ? "{\"b\":\"b1\"}" : "{\"b\":\"b2\"}");
        rt_buf_t out = RT_BUF_INIT;
        json_object *change = json_tokener_parse("{\"mutation\":\"CREATED\",\"cursor\":\"c\",\"node\":{\"id\":\"e\"}}");
        failures += !a || gql_render_event(a, change, &out) != 0;
        failures += !b || gql_render_event(b, change, &out) != 0;
        json_object_put(change);
        rt_buf_free(&out);
        gql_request_free(b);
        gql_request_free(a);
    }
    return (void *)failures;
}

RT_TEST(threads)
{
    gql_prepared_cache_t *c = gql_prepared_cache_new();
    gql_request_t *keep = prep(c, SUB_LITERAL, NULL, NULL, &limits, NULL);
    pthread_t t[3];
    int started = 0;
    for (int i = 0; i < 3; i++)
        started += pthread_create(&t[i], NULL, churn, c) == 0;
    intptr_t failures = 0;
    for (int i = 0; i < started; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        failures += (intptr_t)r;
    }
    CHECK(started == 3);
    CHECK(failures == 0);
    CHECK(gql_prepared_cache_count(c) == 1);
    gql_request_free(keep);
    CHECK(gql_prepared_cache_count(c) == 0);
    gql_prepared_cache_free(c);
}

RT_TEST_MAIN()

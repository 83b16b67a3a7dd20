/* Request preparation as a client sees it: error codes, graphql-js error messages and locations
 * (taken from graphql-js 16.15 for the same documents and variables), the token and depth limits
 * with QUERY_TOO_COMPLEX, operation selection, variable coercion and the subscription root. */
#include <stdlib.h>
#include <string.h>

#include "gql/gql.h"
#include "gql/gql_request_int.h"
#include "gql_schema_gen.h"
#include "rt_test.h"

static const gql_limits_t limits = {12, 2000, 0};

/* Prepares and returns rc; *text gets the errors array or the coerced variables as JSON text. */
static int prep(const char *q, const char *vars, const char *opname, const gql_limits_t *lim, char **text)
{
    json_object *v = vars ? json_tokener_parse(vars) : NULL;
    gql_request_t *req = NULL;
    json_object *errs = NULL;
    int rc = gql_request_prepare(&gql_schema_blobhub, q, strlen(q), v, opname, lim, &req, &errs);
    const char *s;
    if (rc == GQL_OK)
        s = req->env.variables ? json_object_to_json_string_ext(req->env.variables, JSON_C_TO_STRING_PLAIN) : "{}";
    else
        s = errs ? json_object_to_json_string_ext(errs, JSON_C_TO_STRING_PLAIN) : "(no errors)";
    *text = strdup(s);
    if (rc == GQL_OK)
        CHECK(errs == NULL && req != NULL);
    else
        CHECK(req == NULL && errs != NULL && json_object_array_length(errs) > 0);
    gql_request_free(req);
    json_object_put(errs);
    json_object_put(v);
    return rc;
}

#define EXPECT(q, vars, op, lim, want_rc, want_text)                                                                   \
    do {                                                                                                               \
        char *t_;                                                                                                      \
        int rc_ = prep(q, vars, op, lim, &t_);                                                                         \
        CHECK(rc_ == (want_rc));                                                                                       \
        CHECK_STR(t_, want_text);                                                                                      \
        free(t_);                                                                                                      \
    } while (0)

static const char *SUB = "subscription($id: ID!, $w: ChangeFilter, $n: ExecutionWhere, $a: Cursor) "
                         "{ executions(blobId: $id, where: $w, node: $n, after: $a) { cursor } }";

RT_TEST(errors)
{
    EXPECT("{ a", NULL, NULL, &limits, GQL_ERR_SYNTAX,
           "[{\"message\":\"Syntax Error: Expected Name, found <EOF>.\",\"locations\":[{\"line\":1,\"column\":4}]}]");
    EXPECT("{ nope }", NULL, NULL, &limits, GQL_ERR_VALIDATION,
           "[{\"message\":\"Cannot query field \\\"nope\\\" on type \\\"Query\\\".\",\"locations\":[{\"line\":1,"
           "\"column\":3}]}]");
    EXPECT("query A { __typename } query B { __typename }", NULL, NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Must provide operation name if query contains multiple operations.\"}]");
    EXPECT("query A { __typename }", NULL, "C", &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Unknown operation named \\\"C\\\".\"}]");
    EXPECT("query A { __typename } query B { __typename }", NULL, "B", &limits, GQL_OK, "{}");
}

RT_TEST(depth_and_token_limits)
{
    gql_limits_t lim = {3, 2000, 0};
    /* 3 levels of schema fields pass, 4 do not; introspection fields do not count. */
    EXPECT("{ viewer { organizations { id } } }", NULL, NULL, &lim, GQL_OK, "{}");
    char *t;
    int rc = prep("{ viewer { organizations { id } } } fragment F on Organization { id }", NULL, NULL, &lim, &t);
    CHECK(rc == GQL_ERR_VALIDATION); /* unused fragment */
    free(t);
    gql_limits_t lim2 = {2, 2000, 0};
    rc = prep("{ viewer { organizations { id } } }", NULL, NULL, &lim2, &t);
    CHECK(rc == GQL_ERR_TOO_COMPLEX && strstr(t, "\"code\":\"QUERY_TOO_COMPLEX\"") != NULL);
    free(t);
    rc = prep("query { ...V } fragment V on Query { viewer { ...O } } fragment O on Viewer { organizations { id } }",
              NULL, NULL, &lim2, &t);
    CHECK(rc == GQL_ERR_TOO_COMPLEX); /* depth follows fragment spreads */
    free(t);
    EXPECT("{ __schema { types { fields { type { ofType { name } } } } } }", NULL, NULL, &lim2, GQL_OK, "{}");

    gql_limits_t lim3 = {12, 5, 0};
    rc = prep("{ viewer { id kind } }", NULL, NULL, &lim3, &t);
    CHECK(rc == GQL_ERR_TOO_COMPLEX);
    CHECK_STR(t, "[{\"message\":\"Syntax Error: Document contains more that 5 tokens. Parsing aborted.\","
                 "\"locations\":[{\"line\":1,\"column\":20}],\"extensions\":{\"code\":\"QUERY_TOO_COMPLEX\"}}]");
    free(t);
    /* Hostile nesting is refused while parsing, whatever the depth limit. */
    size_t n = 100000;
    char *deep = malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++)
        deep[2 * i] = '{', deep[2 * i + 1] = 'a';
    deep[2 * n] = '\0';
    gql_limits_t big = {0, 0, 0};
    rc = prep(deep, NULL, NULL, &big, &t);
    CHECK(rc == GQL_ERR_TOO_COMPLEX);
    free(t);
    free(deep);
}

/* A list of n values of an enum as JSON text ("[\"RUNNING\",...]") or as a literal ("[RUNNING,...]"). */
static char *status_list(int n, int quoted)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, "[");
    for (int i = 0; i < n; i++)
        rt_buf_printf(&b, "%s%s", i ? "," : "", quoted ? "\"RUNNING\"" : "RUNNING");
    rt_buf_puts(&b, "]");
    return rt_buf_cstr(&b) ? b.data : NULL;
}

RT_TEST(list_items_limit)
{
    /* From variables: 100 items pass, 101 are refused before any item is coerced. */
    char *l100 = status_list(100, 1), *l101 = status_list(101, 1), *l16k = status_list(16000, 1);
    char vars[16384], *t;
    snprintf(vars, sizeof vars, "{\"id\":\"b\",\"n\":{\"status_in\":%s}}", l100);
    CHECK(prep(SUB, vars, NULL, &limits, &t) == GQL_OK);
    free(t);
    snprintf(vars, sizeof vars, "{\"id\":\"b\",\"n\":{\"status_in\":%s}}", l101);
    EXPECT(SUB, vars, NULL, &limits, GQL_ERR_TOO_COMPLEX,
           "[{\"message\":\"List in variable \\\"$n\\\" at \\\"n.status_in\\\" is too long: 101 items exceed the "
           "maximum of 100.\",\"locations\":[{\"line\":1,\"column\":42}],\"extensions\":{\"code\":\"QUERY_TOO_"
           "COMPLEX\"}}]");
    /* A variable that is itself the list, and one far beyond the limit. */
    const char *direct = "subscription($s: [ExecutionStatus!]) { executions(blobId: \"b\", node: {status_in: $s}) "
                         "{ cursor } }";
    rt_buf_t big = RT_BUF_INIT;
    rt_buf_printf(&big, "{\"s\":%s}", l16k);
    EXPECT(direct, rt_buf_cstr(&big), NULL, &limits, GQL_ERR_TOO_COMPLEX,
           "[{\"message\":\"List in variable \\\"$s\\\" is too long: 16000 items exceed the maximum of 100.\","
           "\"locations\":[{\"line\":1,\"column\":14}],\"extensions\":{\"code\":\"QUERY_TOO_COMPLEX\"}}]");
    rt_buf_free(&big);

    /* From the document: the longest list literal anywhere counts. */
    char *lit100 = status_list(100, 0), *lit101 = status_list(101, 0);
    char q[4096];
    snprintf(q, sizeof q, "subscription { executions(blobId: \"b\", node: {status_in: %s}) { cursor } }", lit100);
    CHECK(prep(q, NULL, NULL, &limits, &t) == GQL_OK);
    free(t);
    snprintf(q, sizeof q, "subscription { executions(blobId: \"b\", node: {status_in: %s}) { cursor } }", lit101);
    EXPECT(q, NULL, NULL, &limits, GQL_ERR_TOO_COMPLEX,
           "[{\"message\":\"List is too long: 101 items exceed the maximum of 100.\",\"locations\":[{\"line\":1,"
           "\"column\":58}],\"extensions\":{\"code\":\"QUERY_TOO_COMPLEX\"}}]");
    snprintf(q, sizeof q,
             "subscription($s: [ExecutionStatus!] = %s) { executions(blobId: \"b\", node: {status_in: $s}) "
             "{ cursor } }",
             lit101);
    CHECK(prep(q, NULL, NULL, &limits, &t) == GQL_ERR_TOO_COMPLEX); /* a default value is a literal too */
    free(t);

    /* The limit is configurable; negative means none; NULL limits mean none. */
    gql_limits_t three = {12, 2000, 3}, none = {12, 2000, -1};
    EXPECT(direct, "{\"s\":[\"RUNNING\",\"FAILED\",\"PENDING\"]}", NULL, &three, GQL_OK,
           "{\"s\":[\"RUNNING\",\"FAILED\",\"PENDING\"]}");
    CHECK(prep(direct, "{\"s\":[\"RUNNING\",\"FAILED\",\"PENDING\",\"RUNNING\"]}", NULL, &three, &t) ==
          GQL_ERR_TOO_COMPLEX);
    free(t);
    snprintf(vars, sizeof vars, "{\"s\":%s}", l101);
    CHECK(prep(direct, vars, NULL, &none, &t) == GQL_OK);
    free(t);
    CHECK(prep(q, NULL, NULL, NULL, &t) == GQL_OK);
    free(t);
    free(l100);
    free(l101);
    free(l16k);
    free(lit100);
    free(lit101);
}

RT_TEST(variables)
{
    EXPECT(SUB, "{\"id\": 5}", NULL, &limits, GQL_OK, "{\"id\":\"5\"}");
    EXPECT(SUB, "{}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$id\\\" of required type \\\"ID!\\\" was not provided.\",\"locations\":[{"
           "\"line\":1,\"column\":14}]}]");
    EXPECT(SUB, "{\"id\": null}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$id\\\" of non-null type \\\"ID!\\\" must not be null.\",\"locations\":[{"
           "\"line\":1,\"column\":14}]}]");
    EXPECT(SUB, "{\"id\": 1.5}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$id\\\" got invalid value 1.5; ID cannot represent value: 1.5\","
           "\"locations\":[{\"line\":1,\"column\":14}]}]");
    EXPECT(SUB, "{\"id\": \"x\", \"w\": {\"mutation_in\": \"CREATED\"}}", NULL, &limits, GQL_OK,
           "{\"id\":\"x\",\"w\":{\"mutation_in\":[\"CREATED\"]}}");
    EXPECT(SUB, "{\"id\": \"x\", \"w\": {\"mutation_in\": [1]}}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$w\\\" got invalid value 1 at \\\"w.mutation_in[0]\\\"; Enum "
           "\\\"MutationType\\\" cannot represent non-string value: 1.\",\"locations\":[{\"line\":1,\"column\":24}]}]");
    EXPECT(SUB, "{\"id\": \"x\", \"w\": \"str\"}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$w\\\" got invalid value \\\"str\\\"; Expected type \\\"ChangeFilter\\\" to "
           "be an object.\",\"locations\":[{\"line\":1,\"column\":24}]}]");
    EXPECT(SUB, "{\"id\": \"x\", \"w\": {\"updatedFields_contains_every\": [\"a\", null]}}", NULL, &limits,
           GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$w\\\" got invalid value null at \\\"w.updatedFields_contains_every[1]\\\"; "
           "Expected non-nullable type \\\"String!\\\" not to be null.\",\"locations\":[{\"line\":1,\"column\":24}]}]");
    EXPECT(SUB, "{\"id\": \"x\", \"n\": {\"status_in\": [], \"sessionId\": {\"a\": [1,2,{\"b\":{\"c\":1}}]}}}", NULL,
           &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$n\\\" got invalid value { a: [1, 2, [Object]] } at \\\"n.sessionId\\\"; ID "
           "cannot represent value: { a: [1, 2, [Object]] }\",\"locations\":[{\"line\":1,\"column\":42}]}]");
    EXPECT(SUB, "{\"id\": \"x\", \"a\": {\"any\": [1, \"json\"]}}", NULL, &limits, GQL_OK,
           "{\"id\":\"x\",\"a\":{\"any\":[1,\"json\"]}}");
    /* Suggestions, worded and ordered as graphql-js's didYouMean / suggestionList. */
    EXPECT(SUB, "{\"id\": \"x\", \"n\": {\"status_in\": [\"RUNING\"]}}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$n\\\" got invalid value \\\"RUNING\\\" at \\\"n.status_in[0]\\\"; Value "
           "\\\"RUNING\\\" does not exist in \\\"ExecutionStatus\\\" enum. Did you mean the enum value \\\"RUNNING\\\" "
           "or \\\"PENDING\\\"?\",\"locations\":[{\"line\":1,\"column\":42}]}]");
    EXPECT(SUB, "{\"id\": \"x\", \"w\": {\"updatedFields_contains_\": \"a\"}}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$w\\\" got invalid value { updatedFields_contains_: \\\"a\\\" }; Field "
           "\\\"updatedFields_contains_\\\" is not defined by type \\\"ChangeFilter\\\". Did you mean "
           "\\\"updatedFields_contains\\\", \\\"updatedFields_contains_some\\\", or "
           "\\\"updatedFields_contains_every\\\"?\",\"locations\":[{\"line\":1,\"column\":24}]}]");
    const char *q2 = "subscription($s: String, $l: [String!] = \"x\") "
                     "{ blobs(where: {updatedFields_contains: $s, updatedFields_contains_some: $l}) { cursor } }";
    EXPECT(q2, "{}", NULL, &limits, GQL_OK, "{\"l\":[\"x\"]}");
    EXPECT(q2, "{\"s\": [1,2,3,4,5,6,7,8,9,10,11,12]}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$s\\\" got invalid value [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 2 more items]; "
           "String cannot represent a non string value: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 2 more items]\","
           "\"locations\":[{\"line\":1,\"column\":14}]}]");
    /* NUL bytes in a value: never an enum value, shown whole; big integers as JavaScript rounds them. */
    const char *q4 = "subscription($m: [MutationType!]! = [CREATED]) { blobs(where: {mutation_in: $m}) { cursor } }";
    EXPECT(q4, "{\"m\": \"CREATED\\u0000x\"}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$m\\\" got invalid value \\\"CREATED\\\\u0000x\\\"; Value "
           "\\\"CREATED\\u0000x\\\" does not exist in \\\"MutationType\\\" enum. Did you mean the enum value "
           "\\\"CREATED\\\"?\",\"locations\":[{\"line\":1,\"column\":14}]}]");
    EXPECT("subscription($id: ID!) { blob(id: $id) { cursor } }", "{\"id\": 12345678901234567890}", NULL, &limits,
           GQL_OK, "{\"id\":\"12345678901234567000\"}");
    const char *q3 = "query($b: Boolean! = true, $c: Boolean = false) { viewer @include(if: $b) @skip(if: $c) { id } }";
    EXPECT(q3, "{}", NULL, &limits, GQL_OK, "{\"b\":true,\"c\":false}");
    EXPECT(q3, "{\"c\": \"true\"}", NULL, &limits, GQL_ERR_REQUEST,
           "[{\"message\":\"Variable \\\"$c\\\" got invalid value \\\"true\\\"; Boolean cannot represent a non "
           "boolean value: \\\"true\\\"\",\"locations\":[{\"line\":1,\"column\":28}]}]");
}

RT_TEST(subscription_root)
{
    const char *q = "subscription S($id: ID!) { ex: execution(id: $id) { mutation node { id } } }";
    json_object *v = json_tokener_parse("{\"id\": \"ex_1\"}");
    gql_request_t *req = NULL;
    json_object *errs = NULL;
    int rc = gql_request_prepare(&gql_schema_blobhub, q, strlen(q), v, NULL, &limits, &req, &errs);
    CHECK(rc == GQL_OK && req);
    if (req) {
        CHECK(gql_request_kind(req) == GQL_OP_SUBSCRIPTION);
        CHECK(req->root != NULL);
        CHECK(req->env.op && strcmp(req->env.op->name.value, "S") == 0);
    }
    gql_request_free(req);
    json_object_put(errs);
    json_object_put(v);
    req = NULL;
    rc = gql_request_prepare(&gql_schema_blobhub, "{ viewer { id } }", 17, NULL, NULL, &limits, &req, &errs);
    CHECK(rc == GQL_OK && req && gql_request_kind(req) == GQL_OP_QUERY && req->root == NULL);
    gql_request_free(req);
}

RT_TEST(hostile)
{
    /* Truncations of a valid request never crash and always answer with errors or a request. */
    for (size_t i = 0; i <= strlen(SUB); i++) {
        char *copy = malloc(i + 1);
        memcpy(copy, SUB, i);
        copy[i] = '\0';
        gql_request_t *req = NULL;
        json_object *errs = NULL;
        json_object *v = json_tokener_parse("{\"id\": \"x\"}");
        int rc = gql_request_prepare(&gql_schema_blobhub, copy, i, v, NULL, &limits, &req, &errs);
        CHECK((rc == GQL_OK) == (req != NULL) && (rc == GQL_OK) == (errs == NULL));
        gql_request_free(req);
        json_object_put(errs);
        json_object_put(v);
        free(copy);
    }
}

RT_TEST_MAIN()

/* GraphQL over HTTP without sockets (http_graphql_params.h): Accept negotiation, GET/POST
 * parameter parsing and the full answer (status, media type, headers, body) for queries,
 * introspection, request errors, refused methods/operations and hostile input, decided as
 * graphql-http's reference handler decides them. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gql_schema_gen.h"
#include "http/http_graphql_params.h"
#include "rt_test.h"

RT_TEST(accept)
{
    CHECK(http_graphql_accept(NULL) == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("*/*") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("application/*") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("application/json") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("Application/JSON; charset=UTF-8") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("application/json;charset=utf8") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("application/graphql-response+json") == HTTP_GQL_MT_GRAPHQL_RESPONSE);
    CHECK(http_graphql_accept("application/graphql-response+json; charset=utf-8") == HTTP_GQL_MT_GRAPHQL_RESPONSE);
    /* The first acceptable entry wins. */
    CHECK(http_graphql_accept("application/json, application/graphql-response+json") == HTTP_GQL_MT_JSON);
    CHECK(http_graphql_accept("text/html, application/graphql-response+json, */*") == HTTP_GQL_MT_GRAPHQL_RESPONSE);
    /* Nothing acceptable: other types, other charsets. */
    CHECK(http_graphql_accept("text/html") == HTTP_GQL_MT_NONE);
    CHECK(http_graphql_accept("application/json; charset=iso-8859-1") == HTTP_GQL_MT_NONE);
    CHECK(http_graphql_accept("application/graphql-response+json; charset=utf8") == HTTP_GQL_MT_NONE);
    CHECK(http_graphql_accept(",,,;;;") == HTTP_GQL_MT_NONE);
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(http_graphql_accept(big) == HTTP_GQL_MT_NONE);
}

RT_TEST(form_decode)
{
    char *s = http_graphql_form_decode("a+b%20c%7B%7d", 13, NULL);
    CHECK_STR(s, "a b c{}");
    free(s);
    CHECK(http_graphql_form_decode("%", 1, NULL) == NULL);
    CHECK(http_graphql_form_decode("%4", 2, NULL) == NULL);
    CHECK(http_graphql_form_decode("%zz", 3, NULL) == NULL);
    size_t n = 0;
    s = http_graphql_form_decode("%F0%9F%8F%83", 12, &n);
    CHECK_STR(s, "\xF0\x9F\x8F\x83");
    CHECK(n == 4);
    free(s);
    s = http_graphql_form_decode("a%00b", 5, &n);
    CHECK(s && n == 3 && s[1] == '\0' && s[2] == 'b');
    free(s);
}

static int parse(const char *method, const char *ct, const char *qs, const char *body, http_gql_params_t *p,
                 const char **msg)
{
    return http_graphql_parse_params(method, ct, qs, body, body ? strlen(body) : 0, p, msg);
}

RT_TEST(params)
{
    http_gql_params_t p;
    const char *msg;
    CHECK(parse("POST", "application/json", "",
                "{\"query\":\"{ a }\",\"operationName\":\"Q\",\"variables\":{\"x\":1},"
                "\"extensions\":{\"e\":true}}",
                &p, &msg) == 0);
    CHECK_STR(p.query, "{ a }");
    CHECK_STR(p.operation_name, "Q");
    CHECK(p.variables && json_object_get_int(json_object_object_get(p.variables, "x")) == 1);
    CHECK(p.extensions != NULL);
    http_graphql_params_clear(&p);
    /* null members are absent */
    CHECK(parse("POST", "application/json; charset=utf-8", "",
                "{\"query\":\"{ a }\",\"operationName\":null,"
                "\"variables\":null,\"extensions\":null}",
                &p, &msg) == 0);
    CHECK(p.operation_name == NULL && p.variables == NULL && p.extensions == NULL);
    http_graphql_params_clear(&p);

    struct {
        const char *ct, *body;
        int status;
        const char *msg;
    } bad[] = {
        {NULL, "{\"query\":\"{a}\"}", 415, "Unsupported Media Type"},
        {"text/plain;charset=UTF-8", "{\"query\":\"{a}\"}", 415, "Unsupported Media Type"},
        {"application/json; charset=latin1", "{\"query\":\"{a}\"}", 415, "Unsupported Media Type"},
        {"application/json", NULL, 400, "Missing body"},
        {"application/json", "{ \"not a JSON", 400, "Unparsable JSON body"},
        {"application/json", "{\"query\":\"a\"} trailing", 400, "Unparsable JSON body"},
        {"application/json", "[1]", 400, "JSON body must be an object"},
        {"application/json", "12", 400, "JSON body must be an object"},
        {"application/json", "{\"notquery\":\"{a}\"}", 400, "Missing query"},
        {"application/json", "{\"query\":null}", 400, "Missing query"},
        {"application/json", "{\"query\":{\"obj\":1}}", 400, "Invalid query"},
        {"application/json", "{\"query\":0}", 400, "Invalid query"},
        {"application/json", "{\"query\":false}", 400, "Invalid query"},
        {"application/json", "{\"query\":[\"a\"]}", 400, "Invalid query"},
        {"application/json", "{\"query\":\"{a}\",\"variables\":\"s\"}", 400, "Invalid variables"},
        {"application/json", "{\"query\":\"{a}\",\"variables\":[]}", 400, "Invalid variables"},
        {"application/json", "{\"query\":\"{a}\",\"operationName\":0}", 400, "Invalid operationName"},
        {"application/json", "{\"query\":\"{a}\",\"extensions\":false}", 400, "Invalid extensions"},
        {"application/json", "{\"query\":\"\\ud800\"}", 400, NULL},
        {"application/json", "{\"query\":\"\xff\"}", 400, "Unparsable JSON body"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse("POST", bad[i].ct, "", bad[i].body, &p, &msg);
        if (bad[i].status == 400 && !bad[i].msg) {
            /* lone surrogates: json-c decodes them to U+FFFD; either outcome is fine, no crash */
            if (rc == 0)
                http_graphql_params_clear(&p);
            continue;
        }
        CHECK(rc == bad[i].status);
        if (rc == bad[i].status)
            CHECK_STR(msg, bad[i].msg);
    }
    /* Deep JSON is refused rather than recursed into. */
    char deep[3000];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    CHECK(parse("POST", "application/json", "", deep, &p, &msg) == 400);

    /* GET: form-encoded query string; variables and extensions are JSON text. */
    CHECK(parse("GET", NULL,
                "query=query+Q(%24n%3A+String!)+%7B+a+%7D&variables=%7B%22n%22%3A%22x%22%7D&"
                "operationName=Q&x=1",
                NULL, &p, &msg) == 0);
    CHECK_STR(p.query, "query Q($n: String!) { a }");
    CHECK_STR(p.operation_name, "Q");
    CHECK(p.variables && strcmp(json_object_get_string(json_object_object_get(p.variables, "n")), "x") == 0);
    http_graphql_params_clear(&p);
    CHECK(parse("GET", NULL, "query=%7Ba%7D&query=%7Bb%7D&variables=", NULL, &p, &msg) == 0);
    CHECK_STR(p.query, "{a}"); /* the first one, like URLSearchParams.get */
    CHECK(p.variables == NULL);
    http_graphql_params_clear(&p);
    CHECK(parse("GET", NULL, "", NULL, &p, &msg) == 400);
    CHECK_STR(msg, "Missing query");
    CHECK(parse("GET", NULL, "query={a}&variables=%7Bnope", NULL, &p, &msg) == 400);
    CHECK(parse("GET", NULL, "query={a}&variables=1", NULL, &p, &msg) == 400);
    CHECK_STR(msg, "Invalid variables");
    CHECK(parse("GET", NULL, "query=%zz", NULL, &p, &msg) == 400);
    CHECK(parse("PUT", "application/json", "", "{}", &p, &msg) == 405);
}

/* The resolver the HTTP handler gets until auth lands: viewer is unauthenticated. */
static int resolver(void *ctx, const char *field, json_object *args, json_object **value, char **error_message)
{
    (void)ctx;
    (void)args;
    if (strcmp(field, "viewer") == 0) {
        *error_message = strdup("Not authenticated");
        *value = json_object_new_object();
        json_object_object_add(*value, "code", json_object_new_string("UNAUTHENTICATED"));
        return -1;
    }
    return 0;
}

static int starts_with(const char *s, const char *prefix) { return s && strncmp(s, prefix, strlen(prefix)) == 0; }

static http_gql_answer_t answer;
static gql_limits_t limits = {12, 2000, 0};

static const char *process(const char *method, const char *ct, const char *accept, const char *qs, const char *body)
{
    http_graphql_answer_clear(&answer);
    http_gql_input_t in = {method, qs ? qs : "", body, body ? strlen(body) : 0, ct, accept, NULL};
    if (http_graphql_process(&gql_schema_blobhub, &limits, &in, resolver, NULL, &answer) < 0)
        return "(failed)";
    return rt_buf_cstr(&answer.body);
}

RT_TEST(process_answers)
{
    CHECK_STR(process("POST", "application/json", NULL, NULL, "{\"query\":\"{ __typename }\"}"),
              "{\"data\":{\"__typename\":\"Query\"}}");
    CHECK(answer.status == 200);
    CHECK_STR(answer.content_type, "application/json; charset=utf-8");

    CHECK_STR(process("POST", "application/json", "application/graphql-response+json", NULL,
                      "{\"query\":\"{ __typename }\"}"),
              "{\"data\":{\"__typename\":\"Query\"}}");
    CHECK_STR(answer.content_type, "application/graphql-response+json; charset=utf-8");

    /* viewer without credentials */
    CHECK_STR(process("POST", "application/json", NULL, NULL, "{\"query\":\"{ viewer { id } }\"}"),
              "{\"errors\":[{\"message\":\"Not authenticated\",\"locations\":[{\"line\":1,\"column\":3}],"
              "\"path\":[\"viewer\"],\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}],\"data\":null}");
    CHECK(answer.status == 200);

    /* Request errors: 200 for application/json, 400 for graphql-response+json, never data. */
    process("POST", "application/json", "application/json", NULL, "{\"query\":\"{\"}");
    CHECK(answer.status == 200);
    CHECK(strstr(rt_buf_cstr(&answer.body), "\"data\"") == NULL);
    CHECK(strncmp(rt_buf_cstr(&answer.body), "{\"errors\":[{\"message\":\"Syntax Error:", 35) == 0);
    process("POST", "application/json", "application/graphql-response+json", NULL, "{\"query\":\"{\"}");
    CHECK(answer.status == 400);
    process("POST", "application/json", "application/graphql-response+json", NULL,
            "{\"query\":\"{ 8f31403dfe404bccbb0e835f2629c6a7 }\"}");
    CHECK(answer.status == 400);
    process("POST", "application/json", "application/graphql-response+json", NULL,
            "{\"query\":\"query CoerceFailure($id: ID!){ __typename }\",\"variables\":{\"id\":null}}");
    CHECK(answer.status == 400);
    process("POST", "application/json", "application/json", NULL,
            "{\"query\":\"query CoerceFailure($id: ID!){ __typename }\",\"variables\":{\"id\":null}}");
    CHECK(answer.status == 200);

    /* A NUL inside the query is the parser's business, not a place to cut the document. */
    process("POST", "application/json", NULL, NULL, "{\"query\":\"{ __typename }\\u0000 garbage\"}");
    CHECK(answer.status == 200);
    CHECK(starts_with(rt_buf_cstr(&answer.body),
                      "{\"errors\":[{\"message\":\"Syntax Error: Unexpected character: U+0000.\""));
    process("GET", NULL, NULL, "query=%7B__typename%7D%00x", NULL);
    CHECK(starts_with(rt_buf_cstr(&answer.body),
                      "{\"errors\":[{\"message\":\"Syntax Error: Unexpected character: U+0000.\""));

    /* Subscriptions are not run over HTTP. */
    CHECK_STR(process("POST", "application/json", NULL, NULL,
                      "{\"query\":\"subscription { blob(id: \\\"b\\\") { mutation } }\"}"),
              "{\"errors\":[{\"message\":\"Subscriptions are not supported\"}]}");
    CHECK(answer.status == 200);

    /* GET works for queries; methods other than GET/POST are refused with Allow. */
    CHECK_STR(process("GET", NULL, "application/graphql-response+json", "query=%7B__typename%7D", NULL),
              "{\"data\":{\"__typename\":\"Query\"}}");
    CHECK(answer.status == 200);
    process("DELETE", NULL, NULL, "", NULL);
    CHECK(answer.status == 405);
    CHECK_STR(answer.extra_headers, "allow: GET, POST\r\n");
    process("POST", "application/json", "text/html", NULL, "{\"query\":\"{ __typename }\"}");
    CHECK(answer.status == 406);
    CHECK(answer.extra_headers && strstr(answer.extra_headers, "accept: application/graphql-response+json"));
    process("POST", "text/plain", NULL, NULL, "{\"query\":\"{ __typename }\"}");
    CHECK(answer.status == 415);
    process("POST", "application/json", NULL, NULL, "{\"notquery\":1}");
    CHECK(answer.status == 400);
    CHECK_STR(rt_buf_cstr(&answer.body), "{\"errors\":[{\"message\":\"Missing query\"}]}");

    /* Limits: a deep document is refused, introspection's depth is not counted. */
    process("POST", "application/json", NULL, NULL,
            "{\"query\":\"{ blob(id: \\\"x\\\") { id } __schema { types { fields { type { ofType { ofType { ofType "
            "{ ofType { ofType { ofType { ofType { name } } } } } } } } } } } }\"}");
    CHECK(answer.status == 200);
    CHECK(strstr(rt_buf_cstr(&answer.body), "\"errors\"") == NULL);
    limits.max_depth = 2;
    process("POST", "application/json", "application/graphql-response+json", NULL,
            "{\"query\":\"{ viewer { organizations { id } } }\"}");
    CHECK(answer.status == 400);
    CHECK(strstr(rt_buf_cstr(&answer.body), "\"QUERY_TOO_COMPLEX\"") != NULL);
    limits.max_depth = 12;
    limits.max_tokens = 5;
    process("POST", "application/json", NULL, NULL, "{\"query\":\"{ a b c d e f g }\"}");
    CHECK(answer.status == 200);
    CHECK(strstr(rt_buf_cstr(&answer.body), "\"QUERY_TOO_COMPLEX\"") != NULL);
    limits.max_tokens = 2000;
    http_graphql_answer_clear(&answer);
}

/* Deterministic mutations of valid requests (bytes flipped, cut, duplicated): every answer is a
 * well-formed JSON body with a 200/400/415 status, never a crash (run under sanitizers). */
RT_TEST(mutated_requests)
{
    static const char *seeds[] = {
        "{\"query\":\"query Q($id: ID!, $f: Boolean = false) { blob(id: $id) @skip(if: $f) { id name ...F } "
        "__type(name: \\\"Blob\\\") { fields { name type { ofType { name } } } } } fragment F on Blob { metadata }\","
        "\"variables\":{\"id\":\"b1\",\"f\":true},\"operationName\":\"Q\"}",
        "{\"query\":\"{ __schema { types { name kind enumValues(includeDeprecated: true) { name } } } }\"}",
        "{\"query\":\"subscription S { executions(where: {mutation_in: [CREATED]}, node: {status_in: [RUNNING]}) "
        "{ mutation node { id status } } }\"}",
    };
    uint32_t rnd = 20261123;
    int bad = 0;
    for (int iter = 0; iter < 1500; iter++) {
        const char *seed = seeds[iter % 3];
        size_t len = strlen(seed);
        char buf[1024];
        memcpy(buf, seed, len + 1);
        int edits = 1 + iter % 4;
        for (int e = 0; e < edits; e++) {
            rnd = rnd * 1103515245u + 12345u;
            size_t pos = (rnd >> 8) % len;
            rnd = rnd * 1103515245u + 12345u;
            switch ((rnd >> 16) % 4) {
            case 0: buf[pos] = (char)(rnd >> 24); break;
            case 1:
                len = pos;
                buf[len] = '\0';
                break;
            case 2: buf[pos] = "{}[]\"\\:,$@!."[(rnd >> 20) % 12]; break;
            default:
                if (len + 8 < sizeof buf) {
                    memmove(buf + pos + 8, buf + pos, len - pos + 1);
                    memcpy(buf + pos, "{ a b } ", 8);
                    len += 8;
                }
                break;
            }
            if (len == 0)
                break;
        }
        const char *body =
            process("POST", "application/json", iter % 2 ? "application/graphql-response+json" : NULL, NULL, buf);
        json_object *parsed = json_tokener_parse(body);
        if (!parsed || !(answer.status == 200 || answer.status == 400 || answer.status == 415))
            bad++;
        json_object_put(parsed);
    }
    CHECK(bad == 0);
}

/* Persisted documents: the query may be left out when extensions.persistedQuery or documentId
 * names one (docs/persisted-operations.md). */
RT_TEST(persisted_params)
{
    http_gql_params_t p;
    const char *msg;
    CHECK(parse("POST", "application/json", "",
                "{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"ab\"}}}", &p, &msg) == 0);
    CHECK(p.query == NULL && p.extensions != NULL);
    http_graphql_params_clear(&p);
    CHECK(parse("POST", "application/json", "", "{\"documentId\":\"ab\"}", &p, &msg) == 0);
    CHECK_STR(p.document_id, "ab");
    CHECK(p.query == NULL);
    http_graphql_params_clear(&p);
    CHECK(parse("GET", NULL, "documentId=ab&variables=%7B%7D", NULL, &p, &msg) == 0);
    CHECK_STR(p.document_id, "ab");
    http_graphql_params_clear(&p);
    CHECK(parse("POST", "application/json", "", "{\"documentId\":7}", &p, &msg) == 400);
    CHECK_STR(msg, "Invalid documentId");
    CHECK(parse("POST", "application/json", "", "{\"extensions\":{\"other\":1}}", &p, &msg) == 400);
    CHECK_STR(msg, "Missing query");
    /* Without a persisted-operations engine an id alone names nothing. */
    CHECK(strstr(process("POST", "application/json", NULL, NULL, "{\"documentId\":\"ab\"}"), "Missing query") != NULL);
    CHECK(answer.status == 400);
}

int main(int argc, char **argv)
{
    int rc = rt_test_run(argc, argv);
    http_graphql_answer_clear(&answer);
    return rc;
}

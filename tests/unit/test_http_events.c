/* Ingestion body handling without a network: service-key check, body forms (object, array,
 * NDJSON) recognised from content, malformed/truncated/hostile bodies, and validation that
 * reports every bad record with its index. */
#include <stdlib.h>
#include <string.h>

#include "http/http_events_body.h"
#include "rt_test.h"
#include "gql_schema_gen.h"
#include "store_test_schema.h"

static store_t S = {.nodes = &test_node_schema, .directory = &gql_schema_directory};

RT_TEST(service_key_check)
{
    CHECK(http_events_authorized("k3y", "Bearer k3y"));
    CHECK(http_events_authorized("k3y", "bearer   k3y "));
    CHECK(!http_events_authorized("k3y", "Bearer k3"));
    CHECK(!http_events_authorized("k3y", "Bearer k3yy"));
    CHECK(!http_events_authorized("k3y", "Basic k3y"));
    CHECK(!http_events_authorized("k3y", "Bearerk3y"));
    CHECK(!http_events_authorized("k3y", "Bearer "));
    CHECK(!http_events_authorized("k3y", ""));
    CHECK(!http_events_authorized("k3y", NULL));
    CHECK(!http_events_authorized(NULL, "Bearer k3y"));
}

/* Decodes; returns the number of records, or -1 - index of the error. */
static int decode(const char *body, size_t len, char *msg_out, size_t msg_size)
{
    json_object *recs = NULL, *errs = NULL;
    int rc = http_events_decode(body, len, &recs, &errs);
    if (rc == 0) {
        int n = (int)json_object_array_length(recs);
        json_object_put(recs);
        return n;
    }
    json_object *e = json_object_array_get_idx(errs, 0), *v;
    int idx = json_object_object_get_ex(e, "index", &v) ? json_object_get_int(v) : -99;
    if (msg_out && json_object_object_get_ex(e, "message", &v))
        snprintf(msg_out, msg_size, "%s", json_object_get_string(v));
    json_object_put(errs);
    return -1 - idx;
}

#define D(s) decode(s, strlen(s), NULL, 0)

RT_TEST(decode_recognises_object_array_and_ndjson)
{
    char msg[200];
    CHECK(D("{\"a\":1}") == 1);
    CHECK(D("  [ {\"a\":1}, {\"b\":2} ]  \n") == 2);
    CHECK(D("[]") == 0);
    CHECK(D("{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n") == 3);
    CHECK(D("{\"a\":1}\r\n\r\n{\"b\":2}") == 2);
    CHECK(D("") == -1);
    CHECK(D("   \n ") == -1);
    CHECK(D("{\"a\":1}\n{\"b\":") == -2);
    CHECK(decode("{\"a\":1}\n{\"b\": tru}", 19, msg, sizeof msg) == -2 && strstr(msg, "invalid JSON"));
    CHECK(D("[{\"a\":1}] x") < 0);
    CHECK(D("[{\"a\":1}][]") < 0);
    CHECK(D("{\"a\":1}}") == -2);
    CHECK(D("nope") == -1);
}

RT_TEST(decode_refuses_hostile_and_truncated_bodies)
{
    char msg[200];
    /* what JSON.parse refuses is refused here too (json-c alone would take these) */
    CHECK(D("{\"a\":NaN}") == -1);
    CHECK(D("{\"a\":1}\n{\"b\":Infinity}") == -2);
    CHECK(D("{\"a\":\"tab\there\"}") == -1);
    CHECK(D("[{\"a\":1},]") == -1);
    /* an embedded NUL inside the body is not silently accepted as the end */
    CHECK(decode("{\"a\":1}\0{\"b\":2}", 15, NULL, 0) < 0);
    /* deep nesting is rejected by the tokener's depth limit, not by a crash */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[depth * 2] = '\0';
    CHECK(decode(deep, depth * 2, NULL, 0) < 0);
    free(deep);
    /* a body of many tiny objects is refused by the pre-scan, before json-c allocates them */
    size_t many = HTTP_EVENTS_MAX_CONTAINERS + 1;
    char *spam = malloc(many * 3 + 1);
    for (size_t i = 0; i < many; i++)
        memcpy(spam + i * 3, "{}\n", 3);
    spam[many * 3] = '\0';
    CHECK(decode(spam, many * 3, msg, sizeof msg) == 0 && strstr(msg, "too many"));
    /* braces inside strings do not count */
    memcpy(spam, "\"", 1);
    spam[many * 3 - 2] = '"';
    msg[0] = '\0';
    decode(spam, many * 3 - 1, msg, sizeof msg);
    CHECK(strstr(msg, "too many") == NULL);
    free(spam);
    CHECK(D("{\"a\":\"{{{[[[\\\"{{\"}") == 1);
    /* a truncated big body */
    CHECK(D("[{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"x\"") < 0);
}

static int validate(const char *body, char *first_msg, size_t size, int *nerr)
{
    json_object *recs = NULL, *errs = NULL;
    if (http_events_decode(body, strlen(body), &recs, &errs) != 0) {
        json_object_put(errs);
        return -100;
    }
    store_record_t *out = NULL;
    int n = 0;
    int rc = http_events_validate(&S, recs, &out, &n, &errs);
    json_object_put(recs);
    *nerr = 0;
    if (rc == 0) {
        for (int i = 0; i < n; i++)
            store_record_clear(&out[i]);
        free(out);
        return n;
    }
    *nerr = (int)json_object_array_length(errs);
    json_object *e = json_object_array_get_idx(errs, 0), *v;
    int idx = json_object_object_get_ex(e, "index", &v) ? json_object_get_int(v) : -99;
    if (json_object_object_get_ex(e, "message", &v))
        snprintf(first_msg, size, "%s", json_object_get_string(v));
    json_object_put(errs);
    return -1 - idx;
}

#define EXEC(id)                                                                                                       \
    "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"" id                                                 \
    "\",\"blobId\":\"b1\",\"status\":\"RUNNING\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\"}}"

RT_TEST(validate_reports_every_bad_record_with_its_index)
{
    char msg[200] = "";
    int nerr;
    CHECK(validate("[" EXEC("a") "," EXEC("b") "]", msg, sizeof msg, &nerr) == 2);
    CHECK(validate(EXEC("a") "\n" EXEC("b") "\n", msg, sizeof msg, &nerr) == 2);
    CHECK(validate("[" EXEC("a") "," EXEC("b") ",{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"c\"}}]",
                   msg, sizeof msg, &nerr) == -3);
    CHECK(nerr == 1 && strstr(msg, "missing required field"));
    CHECK(validate("[1, " EXEC("a") ", {\"type\":\"Nope\"}]", msg, sizeof msg, &nerr) == -1);
    CHECK(nerr == 2 && strstr(msg, "JSON object"));
    CHECK(validate("[null]", msg, sizeof msg, &nerr) == -1);
}

RT_TEST_MAIN()

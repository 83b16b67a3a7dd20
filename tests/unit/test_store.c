/* Store logic without a database: JSON equality, record validation against schema tables,
 * change computation (CREATED/UPDATED/DELETED, updatedFields order, patch merge, no-ops,
 * append-only events) and cursor encoding. */
#include <stdlib.h>
#include <string.h>

#include "rt_test.h"
#include "store/store.h"
#include "store/store_cursor.h"
#include "gql_schema_gen.h"
#include "store_test_schema.h"

static store_t S = {.nodes = &test_node_schema, .directory = &gql_schema_directory};

static bool jeq(const char *a, const char *b)
{
    json_object *ja = json_tokener_parse(a), *jb = json_tokener_parse(b);
    bool r = store_json_equal(ja, jb);
    json_object_put(ja);
    json_object_put(jb);
    return r;
}

RT_TEST(json_equal)
{
    CHECK(jeq("1", "1.0"));
    CHECK(jeq("1.0", "1"));
    CHECK(jeq("-0", "0.0"));
    CHECK(!jeq("1", "1.5"));
    CHECK(!jeq("1", "\"1\""));
    CHECK(jeq("{\"a\":1,\"b\":[1,{\"c\":2,\"d\":3}]}", "{\"b\":[1.0,{\"d\":3,\"c\":2}],\"a\":1}"));
    CHECK(!jeq("{\"a\":1}", "{\"a\":1,\"b\":null}"));
    CHECK(!jeq("[1,2]", "[2,1]"));
    CHECK(!jeq("[1,2]", "[1,2,3]"));
    CHECK(jeq("null", "null"));
    CHECK(store_json_equal(NULL, NULL));
    CHECK(!jeq("true", "1"));
    CHECK(!jeq("false", "null"));
    CHECK(jeq("\"x\"", "\"x\""));
    CHECK(!jeq("\"x\"", "\"x \""));
    /* 2^53+1 as an int differs from the double 2^53 it would round to */
    CHECK(!jeq("9007199254740993", "9007199254740992.0"));
    CHECK(!jeq("1e300", "1"));
}

/* Parses one record; returns the error message (caller frees) or NULL when valid. */
static char *parse_err(const char *text)
{
    json_object *j = json_tokener_parse(text);
    store_record_t r;
    char *msg = NULL;
    int rc = store_record_parse(&S, j, &r, &msg);
    json_object_put(j);
    if (rc == 0) {
        store_record_clear(&r);
        return NULL;
    }
    return msg ? msg : strdup("(no message)");
}

static bool valid(const char *text)
{
    char *m = parse_err(text);
    if (m)
        fprintf(stderr, "  unexpected: %s\n", m);
    bool ok = m == NULL;
    free(m);
    return ok;
}

static bool invalid_with(const char *text, const char *needle)
{
    char *m = parse_err(text);
    bool ok = m && strstr(m, needle);
    if (!ok)
        fprintf(stderr, "  for %s got: %s\n", text, m ? m : "(valid)");
    free(m);
    return ok;
}

#define EXEC_OK                                                                                                        \
    "\"id\":\"ex1\",\"blobId\":\"b1\",\"status\":\"RUNNING\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\""

static void check_validation(void)
{
    CHECK(valid("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK "}}"));
    CHECK(valid("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK
                ",\"input\":{\"a\":[1,2]},\"output\":null,\"sessionId\":null}}"));
    CHECK(valid("{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"status\":\"FAILED\"}}"));
    CHECK(valid("{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\"}"));
    CHECK(invalid_with("[1]", "JSON object"));
    CHECK(invalid_with("{\"type\":\"Nope\",\"op\":\"upsert\",\"node\":{}}", "unknown type"));
    CHECK(invalid_with("{\"type\":\"Query\",\"op\":\"upsert\",\"node\":{}}", "unknown type"));
    CHECK(invalid_with("{\"type\":7,\"op\":\"upsert\",\"node\":{}}", "'type'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"replace\",\"node\":{}}", "'op'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"node\":{}}", "'op'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK "},\"extra\":1}", "unknown key"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"bogus\":1}}",
                       "unknown field 'bogus'"));
    CHECK(invalid_with(
        "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"ex1\",\"blobId\":\"b1\",\"status\":\"RUNNING\",\"createdAt\":\"2024-01-01T00:00:00Z\"}}",
        "missing required field 'updatedAt'"));
    CHECK(invalid_with(
        "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"ex1\",\"status\":\"RUNNING\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\"}}",
        "'blobId'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"status\":\"DONE\"}}",
                       "ExecutionStatus"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"status\":1}}",
                       "ExecutionStatus"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"error\":5}}",
                       "'error' must be a string"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"startedAt\":\"yesterday\"}}",
                       "RFC 3339"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK
                       ",\"startedAt\":\"2024-02-30T00:00:00Z\"}}",
                       "RFC 3339"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK
                       ",\"startedAt\":\"2024-01-01T00:00:00\"}}",
                       "RFC 3339"));
    CHECK(valid("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK
                ",\"startedAt\":\"2024-01-01T10:00:00.123+02:00\"}}"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"status\":null}}",
                       "must not be null"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"id\":\"\"}}", "non-empty"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"id\":3}}", "non-empty"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"id\":\"other\",\"node\":{" EXEC_OK "}}",
                       "does not match"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\"}", "'node'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"patch\",\"node\":{\"status\":\"FAILED\"}}", "needs 'id'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"\",\"node\":{}}", "non-empty"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"id\":\"ex2\"}}",
                       "cannot change"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"blobId\":null}}",
                       "must not be null"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"delete\"}", "needs 'id'"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\",\"node\":{}}", "no 'node'"));
    /* Int: 32-bit, integral doubles accepted */
    const char *ev =
        "{\"type\":\"ExecutionEvent\",\"op\":\"upsert\",\"node\":{\"id\":\"e1\",\"executionId\":\"ex1\",\"blobId\":\"b1\",\"type\":\"log\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"sequence\":%s}}";
    char buf[512];
    snprintf(buf, sizeof buf, ev, "1");
    CHECK(valid(buf));
    snprintf(buf, sizeof buf, ev, "2.0");
    CHECK(valid(buf));
    snprintf(buf, sizeof buf, ev, "2.5");
    CHECK(invalid_with(buf, "32-bit"));
    snprintf(buf, sizeof buf, ev, "4294967296");
    CHECK(invalid_with(buf, "32-bit"));
    snprintf(buf, sizeof buf, ev, "\"1\"");
    CHECK(invalid_with(buf, "32-bit"));
    CHECK(invalid_with("{\"type\":\"ExecutionEvent\",\"op\":\"patch\",\"id\":\"e1\",\"node\":{}}", "append-only"));
    CHECK(invalid_with("{\"type\":\"SessionEvent\",\"op\":\"delete\",\"id\":\"e1\"}", "append-only"));
    /* directory */
    CHECK(valid(
        "{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"o1\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"banned\":false}}"));
    CHECK(invalid_with(
        "{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"o1\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"banned\":\"no\"}}",
        "boolean"));
    CHECK(valid(
        "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"o1\",\"userId\":\"u1\",\"role\":\"ADMIN\"}}"));
    CHECK(invalid_with(
        "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"o1\",\"userId\":\"u1\",\"role\":\"KING\"}}",
        "Role"));
    CHECK(valid("{\"type\":\"Membership\",\"op\":\"delete\",\"id\":\"o1:u1\"}"));
    CHECK(invalid_with(
        "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"o:1\",\"userId\":\"u1\",\"role\":\"ADMIN\"}}",
        "must not contain ':'"));
    /* embedded NUL: ids and the type name must not be truncated into another value */
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"id\":\"ex1\\u0000x\"}}",
                       "NUL"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"ex1\\u0000x\"}", "NUL"));
    CHECK(invalid_with("{\"type\":\"Blob\\u0000x\",\"op\":\"delete\",\"id\":\"b\"}", "'type'"));
    CHECK(invalid_with("{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"name\":\"x\"}}", "'id'"));
    CHECK(invalid_with("{\"type\":\"ApiKey\",\"op\":\"upsert\",\"node\":{\"id\":\"k\",\"organizationId\":\"o1\"}}",
                       "secretHash"));
}

static store_record_t rec(const char *text)
{
    json_object *j = json_tokener_parse(text);
    store_record_t r;
    char *msg = NULL;
    if (store_record_parse(&S, j, &r, &msg) != 0) {
        fprintf(stderr, "bad fixture %s: %s\n", text, msg);
        abort();
    }
    json_object_put(j);
    return r;
}

/* Runs one record on `old` (text or NULL); returns the compute code, fills *c and *next. */
static int compute(const char *old_text, const char *record, bool *changed, store_change_t *c, json_object **next,
                   char **msg)
{
    json_object *old = old_text ? json_tokener_parse(old_text) : NULL;
    store_record_t r = rec(record);
    memset(c, 0, sizeof *c);
    int rc = store_change_compute(&S, &r, old, changed, next, c, msg);
    store_record_clear(&r);
    json_object_put(old);
    return rc;
}

static const char *js(json_object *o) { return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "null"; }

#define BLOB                                                                                                           \
    "\"id\":\"b1\",\"organizationId\":\"o1\",\"type\":\"WORKFLOW\",\"name\":\"n\",\"visibility\":\"PRIVATE\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"updatedAt\":\"2024-01-01T00:00:00Z\""

static void check_compute(void)
{
    bool ch;
    store_change_t c;
    json_object *next;
    char *msg;
    /* CREATED */
    CHECK(compute(NULL, "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{" BLOB "}}", &ch, &c, &next, &msg) == 0);
    CHECK(ch && c.mutation == STORE_CREATED && c.previous == NULL && c.updated_fields == NULL && c.node);
    json_object_put(next);
    store_change_clear(&c);
    /* UPDATED with fields in schema order, whatever the order in the node */
    CHECK(
        compute(
            "{" BLOB ",\"metadata\":{\"a\":1,\"b\":2}}",
            "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"updatedAt\":\"2024-01-02T00:00:00Z\"," BLOB
            ",\"metadata\":{\"b\":2,\"a\":1},\"visibility\":\"PUBLIC\",\"description\":\"d\",\"updatedAt\":\"2024-01-02T00:00:00Z\"}}",
            &ch, &c, &next, &msg) == 0);
    CHECK(ch && c.mutation == STORE_UPDATED);
    CHECK_STR(js(c.updated_fields), "[\"description\",\"visibility\",\"updatedAt\"]");
    CHECK(c.previous && c.node);
    json_object_put(next);
    store_change_clear(&c);
    /* upsert replaces: a field left out is removed (and listed) */
    CHECK(compute("{" BLOB ",\"description\":\"d\"}", "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{" BLOB "}}", &ch,
                  &c, &next, &msg) == 0);
    CHECK(ch);
    CHECK_STR(js(c.updated_fields), "[\"description\"]");
    json_object_put(next);
    store_change_clear(&c);
    /* no-op: equal JSON (key order, 1 vs 1.0), null vs absent */
    CHECK(compute("{" BLOB ",\"metadata\":{\"x\":1,\"y\":[1,2]},\"description\":null}",
                  "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{" BLOB ",\"metadata\":{\"y\":[1.0,2],\"x\":1.0}}}",
                  &ch, &c, &next, &msg) == 0);
    CHECK(!ch && next == NULL && c.node == NULL);
    store_change_clear(&c);
    /* patch merges top-level fields; unchanged fields not listed; JSON field replaced whole */
    CHECK(compute("{" BLOB ",\"metadata\":{\"x\":1,\"y\":2}}",
                  "{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{\"metadata\":{\"x\":1},\"name\":\"n\"}}",
                  &ch, &c, &next, &msg) == 0);
    CHECK(ch);
    CHECK_STR(js(c.updated_fields), "[\"metadata\"]");
    json_object *v = NULL;
    CHECK(json_object_object_get_ex(next, "visibility", &v) && strcmp(json_object_get_string(v), "PRIVATE") == 0);
    CHECK(json_object_object_get_ex(next, "metadata", &v) && json_object_object_length(v) == 1);
    json_object_put(next);
    store_change_clear(&c);
    /* patch to null */
    CHECK(compute("{" BLOB ",\"description\":\"d\"}",
                  "{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{\"description\":null}}", &ch, &c, &next,
                  &msg) == 0);
    CHECK(ch);
    CHECK_STR(js(c.updated_fields), "[\"description\"]");
    CHECK(json_object_object_get_ex(next, "description", &v) && v == NULL);
    json_object_put(next);
    store_change_clear(&c);
    /* no-op patch */
    CHECK(compute("{" BLOB "}", "{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{\"name\":\"n\"}}", &ch, &c,
                  &next, &msg) == 0);
    CHECK(!ch);
    store_change_clear(&c);
    /* patch of an unknown node: creates it when complete, else rejected */
    CHECK(compute(NULL, "{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{" BLOB "}}", &ch, &c, &next,
                  &msg) == 0);
    CHECK(ch && c.mutation == STORE_CREATED);
    json_object_put(next);
    store_change_clear(&c);
    msg = NULL;
    CHECK(compute(NULL, "{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"b1\",\"node\":{\"name\":\"x\"}}", &ch, &c, &next,
                  &msg) == STORE_ERR_INVALID);
    CHECK(msg && strstr(msg, "required"));
    free(msg);
    store_change_clear(&c);
    /* DELETED and delete of unknown */
    CHECK(compute("{" BLOB "}", "{\"type\":\"Blob\",\"op\":\"delete\",\"id\":\"b1\"}", &ch, &c, &next, &msg) == 0);
    CHECK(ch && c.mutation == STORE_DELETED && c.node == NULL && c.previous && c.updated_fields == NULL && !next);
    store_change_clear(&c);
    CHECK(compute(NULL, "{\"type\":\"Blob\",\"op\":\"delete\",\"id\":\"b1\"}", &ch, &c, &next, &msg) == 0);
    CHECK(!ch);
    /* append-only events: identical re-publish is a no-op, different content is rejected */
    const char *e =
        "{\"type\":\"SessionEvent\",\"op\":\"upsert\",\"node\":{\"id\":\"se1\",\"sessionId\":\"s1\",\"blobId\":\"b1\",\"sequence\":1,\"type\":\"t\",\"createdAt\":\"2024-01-01T00:00:00Z\"}}";
    CHECK(
        compute(
            "{\"id\":\"se1\",\"sessionId\":\"s1\",\"blobId\":\"b1\",\"sequence\":1.0,\"type\":\"t\",\"createdAt\":\"2024-01-01T00:00:00Z\"}",
            e, &ch, &c, &next, &msg) == 0);
    CHECK(!ch);
    msg = NULL;
    CHECK(
        compute(
            "{\"id\":\"se1\",\"sessionId\":\"s1\",\"blobId\":\"b1\",\"sequence\":2,\"type\":\"t\",\"createdAt\":\"2024-01-01T00:00:00Z\"}",
            e, &ch, &c, &next, &msg) == STORE_ERR_INVALID);
    CHECK(msg && strstr(msg, "append-only"));
    free(msg);
    /* Membership patch may not move the membership to another id */
    msg = NULL;
    CHECK(compute("{\"organizationId\":\"o1\",\"userId\":\"u1\",\"role\":\"ADMIN\"}",
                  "{\"type\":\"Membership\",\"op\":\"patch\",\"id\":\"o1:u1\",\"node\":{\"userId\":\"u2\"}}", &ch, &c,
                  &next, &msg) == STORE_ERR_INVALID);
    free(msg);
    CHECK(compute("{\"organizationId\":\"o1\",\"userId\":\"u1\",\"role\":\"ADMIN\"}",
                  "{\"type\":\"Membership\",\"op\":\"patch\",\"id\":\"o1:u1\",\"node\":{\"role\":\"VIEWER\"}}", &ch, &c,
                  &next, &msg) == 0);
    CHECK(ch);
    CHECK_STR(js(c.updated_fields), "[\"role\"]");
    json_object_put(next);
    store_change_clear(&c);
}

RT_TEST(owners)
{
    store_change_t c = {0};
    c.type = "ExecutionEvent";
    c.id = strdup("ev1");
    c.node = json_tokener_parse("{\"id\":\"ev1\",\"executionId\":\"ex1\",\"blobId\":\"b1\",\"sessionId\":\"s1\"}");
    CHECK(store_change_owners(&c, "o9") == 0);
    CHECK_STR(c.organization_id, "o9");
    CHECK_STR(c.blob_id, "b1");
    CHECK_STR(c.session_id, "s1");
    CHECK_STR(c.execution_id, "ex1");
    store_change_clear(&c);
    c.type = "Execution";
    c.id = strdup("ex1");
    c.previous = json_tokener_parse("{\"id\":\"ex1\",\"blobId\":\"b1\"}");
    CHECK(store_change_owners(&c, NULL) == 0);
    CHECK_STR(c.execution_id, "ex1");
    CHECK_STR(c.blob_id, "b1");
    CHECK(c.organization_id == NULL && c.session_id == NULL);
    store_change_clear(&c);
    c.type = "Blob";
    c.id = strdup("b1");
    c.node = json_tokener_parse("{\"id\":\"b1\",\"organizationId\":\"o1\"}");
    CHECK(store_change_owners(&c, NULL) == 0);
    CHECK_STR(c.organization_id, "o1");
    CHECK_STR(c.blob_id, "b1");
    store_change_clear(&c);
    json_object *m = json_tokener_parse("{\"organizationId\":\"o\",\"userId\":\"u\"}");
    char *id = store_node_id("Membership", m);
    CHECK_STR(id, "o:u");
    free(id);
    json_object_put(m);
}

RT_TEST(cursor)
{
    char buf[STORE_CURSOR_MAX];
    uint64_t seq = 99;
    store_seq_cursor_encode(0, buf);
    CHECK(store_seq_cursor_decode(buf, &seq) == 0 && seq == 0);
    store_seq_cursor_encode(12345, buf);
    CHECK(store_seq_cursor_decode(buf, &seq) == 0 && seq == 12345);
    store_seq_cursor_encode(UINT64_MAX, buf);
    CHECK(store_seq_cursor_decode(buf, &seq) == 0 && seq == UINT64_MAX);
    const char *bad[] = {
        "",   "s",   "12", "S1", "s-1", "s01", "s1x", "s 1", "s18446744073709551616", "s99999999999999999999999",
        "x1", "s1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(store_seq_cursor_decode(bad[i], &seq) == STORE_ERR_CURSOR_MALFORMED);
    CHECK(store_seq_cursor_decode(NULL, &seq) == STORE_ERR_CURSOR_MALFORMED);
}

RT_TEST(record_validation) { check_validation(); }

RT_TEST(change_compute) { check_compute(); }

/* The same again with the type table resolved once, as an opened store has it. */
RT_TEST(resolved_types)
{
    store_t resolved = S;
    store_types_init(&resolved);
    CHECK(resolved.defs_ready && resolved.defs[0] && strcmp(resolved.defs[0]->name, store_type_name(0)) == 0);
    store_t saved = S;
    S = resolved;
    check_validation();
    check_compute();
    S = saved;
}

/* Stored text reads back up to the ingestion nesting limit, and no deeper. */
RT_TEST(json_parse_depth)
{
    char text[2 * (STORE_JSON_MAX_DEPTH + 1) + 1];
    for (int levels = STORE_JSON_MAX_DEPTH; levels <= STORE_JSON_MAX_DEPTH + 1; levels++) {
        memset(text, '[', (size_t)levels);
        memset(text + levels, ']', (size_t)levels);
        text[2 * levels] = '\0';
        json_object *v = store_json_parse(text);
        CHECK((v != NULL) == (levels <= STORE_JSON_MAX_DEPTH));
        json_object_put(v);
    }
    json_object *n = store_json_parse("42");
    CHECK(n && json_object_get_int(n) == 42);
    json_object_put(n);
    CHECK(store_json_parse(NULL) == NULL);
    CHECK(store_json_parse("{\"a\":") == NULL);
    CHECK(store_json_parse("") == NULL);
}

/* Ids: 1-256 characters, no control characters; Organization and User ids (and so a
 * Membership's parts) without ':'. */
RT_TEST(id_rules)
{
    char buf[1200], id[600];
#define ORG_REC                                                                                                        \
    "{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"%s\",\"slug\":\"s\",\"name\":\"n\",\"createdAt\":\"2024-01-01T00:00:00Z\"}}"
#define EXEC_ID "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{" EXEC_OK ",\"id\":\"%s\"}}"
    memset(id, 'x', 256);
    id[256] = '\0';
    snprintf(buf, sizeof buf, EXEC_ID, id);
    CHECK(valid(buf));
    id[256] = 'x';
    id[257] = '\0';
    snprintf(buf, sizeof buf, EXEC_ID, id);
    CHECK(invalid_with(buf, "longer than 256 characters"));
    /* characters, not bytes: 256 two-byte characters are fine */
    id[0] = '\0';
    for (int i = 0; i < 256; i++)
        strcat(id, "\xc3\xa9");
    snprintf(buf, sizeof buf, EXEC_ID, id);
    CHECK(valid(buf));
    const char *control[] = {"a\\u0001b", "a\\tb", "a\\nb", "\\u007f", "a\\u0085b", "\\u009f"};
    for (size_t i = 0; i < sizeof control / sizeof *control; i++) {
        snprintf(buf, sizeof buf, EXEC_ID, control[i]);
        CHECK(invalid_with(buf, "control characters"));
        snprintf(buf, sizeof buf, "{\"type\":\"Execution\",\"op\":\"delete\",\"id\":\"%s\"}", control[i]);
        CHECK(invalid_with(buf, "control characters"));
    }
    /* a reference to another node follows the same rules */
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"blobId\":\"b\\u0000\"}}",
                       "control characters"));
    CHECK(invalid_with("{\"type\":\"Execution\",\"op\":\"patch\",\"id\":\"ex1\",\"node\":{\"blobId\":\"\"}}",
                       "non-empty"));
    /* ':' is fine in other ids, refused where a Membership id is built from it */
    snprintf(buf, sizeof buf, EXEC_ID, "ex:1");
    CHECK(valid(buf));
    snprintf(buf, sizeof buf, ORG_REC, "o:1");
    CHECK(invalid_with(buf, "must not contain ':'"));
    CHECK(invalid_with("{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u:1\"}}", "must not contain ':'"));
    CHECK(invalid_with("{\"type\":\"User\",\"op\":\"patch\",\"id\":\"u:1\",\"node\":{\"name\":\"x\"}}",
                       "must not contain ':'"));
    CHECK(invalid_with("{\"type\":\"Organization\",\"op\":\"delete\",\"id\":\"o:1\"}", "must not contain ':'"));
    CHECK(invalid_with(
        "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"o1\",\"userId\":\"u:1\",\"role\":\"ADMIN\"}}",
        "must not contain ':'"));
    CHECK(invalid_with("{\"type\":\"Membership\",\"op\":\"delete\",\"id\":\"o1:u:1\"}", "must not contain ':'"));
    CHECK(invalid_with("{\"type\":\"Membership\",\"op\":\"delete\",\"id\":\"o1u1\"}", "<organizationId>:<userId>"));
    CHECK(invalid_with("{\"type\":\"Membership\",\"op\":\"delete\",\"id\":\":u1\"}", "non-empty"));
    CHECK(valid("{\"type\":\"Membership\",\"op\":\"patch\",\"id\":\"o1:u1\",\"node\":{\"role\":\"ADMIN\"}}"));
#undef ORG_REC
#undef EXEC_ID
}

/* The record types come from the SDL: the feed's node types, then the directory's. */
RT_TEST(record_types_generated)
{
    CHECK(STORE_NTYPES == 11 && STORE_NNODE_TYPES == 6);
    for (int k = 0; k < STORE_NTYPES; k++) {
        CHECK(store_type_static(store_type_name(k)) == store_type_name(k));
        CHECK(store_type_is_node(store_type_name(k)) == (k < STORE_NNODE_TYPES));
    }
    CHECK(store_type_name(STORE_NTYPES) == NULL);
    CHECK(store_type_static("ExecutionChange") == NULL && store_type_static("Query") == NULL);
    CHECK(store_type_is_auth("Blob") && store_type_is_auth("Membership") && !store_type_is_auth("Execution"));
    CHECK_STR(store_directory_order(0), "Organization");
    CHECK_STR(store_directory_order(STORE_NTYPES - STORE_NNODE_TYPES), "Blob");
    CHECK(store_directory_order(STORE_NTYPES - STORE_NNODE_TYPES + 1) == NULL);
}

RT_TEST_MAIN()

/* Persisted operations: the manifest parser (malformed, truncated, oversized, duplicate ids, bad
 * hashes), the allow-list, automatic persisted queries and reload. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gql/gql.h"
#include "gql/gql_persist.h"
#include "rt_test.h"
#include "util/util_buf.h"

#define DOC_A "{ __typename }"
/* sha256("{ __typename }") */
static char id_a[GQL_PERSIST_ID_LEN + 1];

static void ids(void) { gql_persist_hash(DOC_A, strlen(DOC_A), id_a); }

static int parse(const char *text, char *err, size_t cap)
{
    gql_persist_manifest_t *m = NULL;
    int rc = gql_persist_manifest_parse(text, strlen(text), &m, err, cap);
    gql_persist_manifest_free(m);
    return rc;
}

static char *manifest_of(const char *id, const char *doc_json)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_printf(&b, "{\"%s\": %s}", id, doc_json);
    return b.data;
}

RT_TEST(hash_is_sha256_hex)
{
    char id[GQL_PERSIST_ID_LEN + 1];
    gql_persist_hash("abc", 3, id);
    CHECK_STR(id, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

RT_TEST(parses_a_manifest)
{
    ids();
    char *text = manifest_of(id_a, "\"{ __typename }\"");
    gql_persist_manifest_t *m = NULL;
    char err[256] = "";
    CHECK(gql_persist_manifest_parse(text, strlen(text), &m, err, sizeof err) == 0);
    CHECK(gql_persist_manifest_count(m) == 1);
    size_t len = 0;
    CHECK_STR(gql_persist_manifest_get(m, id_a, &len), DOC_A);
    CHECK(len == strlen(DOC_A));
    gql_persist_manifest_free(m);
    free(text);
    CHECK(parse("{}", err, sizeof err) == 0);
    CHECK(parse(" { } \n", err, sizeof err) == 0);
}

RT_TEST(upper_case_ids_are_accepted)
{
    ids();
    char up[GQL_PERSIST_ID_LEN + 1];
    for (int i = 0; i <= GQL_PERSIST_ID_LEN; i++)
        up[i] = (id_a[i] >= 'a' && id_a[i] <= 'f') ? (char)(id_a[i] - 32) : id_a[i];
    char *text = manifest_of(up, "\"{ __typename }\"");
    char err[256];
    CHECK(parse(text, err, sizeof err) == 0);
    free(text);
}

RT_TEST(malformed_manifests_are_refused)
{
    ids();
    char err[256];
    const char *bad[] = {"",
                         "[]",
                         "\"x\"",
                         "null",
                         "{",
                         "{\"a\":",
                         "{\"a\": \"b\"",
                         "{\"a\" \"b\"}",
                         "{\"a\":\"b\",}",
                         "{} {}",
                         "\xff",
                         "{\"\\u0061\": \"x\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        CHECK(parse(bad[i], err, sizeof err) < 0);
        CHECK(err[0] != '\0');
    }
    char *text = manifest_of(id_a, "{\"query\": \"{ __typename }\"}");
    CHECK(parse(text, err, sizeof err) < 0);
    CHECK(strstr(err, "not a string") != NULL);
    free(text);
    text = manifest_of(id_a, "42");
    CHECK(parse(text, err, sizeof err) < 0);
    free(text);
    CHECK(parse("{\"abc\": \"{ a }\"}", err, sizeof err) < 0);
    CHECK(strstr(err, "64 hex digits") != NULL);
}

RT_TEST(truncated_manifests_are_refused)
{
    ids();
    char *text = manifest_of(id_a, "\"{ __typename }\"");
    char err[256];
    size_t n = strlen(text);
    for (size_t cut = 0; cut < n; cut++) {
        gql_persist_manifest_t *m = NULL;
        CHECK(gql_persist_manifest_parse(text, cut, &m, err, sizeof err) < 0);
        CHECK(m == NULL);
    }
    free(text);
}

RT_TEST(oversized_manifests_are_refused)
{
    size_t n = GQL_PERSIST_MAX_FILE_BYTES + 1;
    char *text = malloc(n);
    memset(text, ' ', n);
    text[0] = '{';
    text[n - 1] = '}';
    gql_persist_manifest_t *m = NULL;
    char err[256];
    CHECK(gql_persist_manifest_parse(text, n, &m, err, sizeof err) < 0);
    CHECK(strstr(err, "larger than") != NULL);
    free(text);
}

RT_TEST(duplicate_ids_are_refused)
{
    ids();
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_printf(&b, "{\"%s\": \"%s\", \"%s\": \"%s\"}", id_a, DOC_A, id_a, DOC_A);
    char err[256];
    CHECK(parse(b.data, err, sizeof err) < 0);
    CHECK(strstr(err, "appears twice") != NULL);
    rt_buf_free(&b);
}

RT_TEST(wrong_hashes_are_refused)
{
    ids();
    char *text = manifest_of(id_a, "\"{ __typename __typename }\"");
    char err[256];
    CHECK(parse(text, err, sizeof err) < 0);
    CHECK(strstr(err, "is not the SHA-256 of its document") != NULL);
    free(text);
}

/* A manifest file holding DOC_A; returns its path (static storage). */
static const char *write_manifest(const char *extra_id, const char *extra_doc)
{
    static char path[] = "/tmp/test_gql_persist_XXXXXX";
    static int fd = -1;
    if (fd < 0)
        fd = mkstemp(path);
    ids();
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"%s\": \"%s\"", id_a, DOC_A);
    if (extra_id)
        fprintf(f, ", \"%s\": \"%s\"", extra_id, extra_doc);
    fprintf(f, "}");
    fclose(f);
    return path;
}

static json_object *persisted_ext(const char *id)
{
    json_object *ext = json_object_new_object(), *pq = json_object_new_object();
    json_object_object_add(pq, "version", json_object_new_int(1));
    json_object_object_add(pq, "sha256Hash", json_object_new_string(id));
    json_object_object_add(ext, "persistedQuery", pq);
    return ext;
}

static const char *error_code(json_object *errors)
{
    json_object *e = json_object_array_get_idx(errors, 0), *ext = NULL, *code = NULL;
    json_object_object_get_ex(e, "extensions", &ext);
    json_object_object_get_ex(ext, "code", &code);
    return json_object_get_string(code);
}

RT_TEST(ids_resolve_to_manifest_documents)
{
    char err[256];
    gql_persist_t *p = NULL;
    CHECK(gql_persist_new(write_manifest(NULL, NULL), false, 10, &p, err, sizeof err) == 0);
    json_object *ext = persisted_ext(id_a), *errors = NULL;
    char *doc = NULL;
    size_t len = 0;
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, "", 0, ext, NULL, &doc, &len, &errors) == GQL_OK);
    CHECK_STR(doc, DOC_A);
    free(doc);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, NULL, 0, NULL, id_a, &doc, &len, &errors) == GQL_OK);
    CHECK_STR(doc, DOC_A);
    free(doc);
    json_object_put(ext);
    gql_persist_counters_t c;
    gql_persist_counters(p, &c);
    CHECK(c.hits == 2 && c.misses == 0 && c.manifest == 1);
    gql_persist_free(p);
}

RT_TEST(unknown_and_malformed_ids)
{
    char err[256];
    gql_persist_t *p = NULL;
    CHECK(gql_persist_new(write_manifest(NULL, NULL), false, 10, &p, err, sizeof err) == 0);
    char unknown[GQL_PERSIST_ID_LEN + 1];
    gql_persist_hash("{ nothing }", 11, unknown);
    json_object *ext = persisted_ext(unknown), *errors = NULL;
    char *doc = NULL;
    size_t len;
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, ext, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
    CHECK(doc == NULL);
    CHECK_STR(error_code(errors), "PERSISTED_QUERY_NOT_FOUND");
    CHECK_STR(json_object_get_string(json_object_object_get(json_object_array_get_idx(errors, 0), "message")),
              "PersistedQueryNotFound");
    json_object_put(errors);
    json_object_put(ext);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, NULL, "zz", &doc, &len, &errors) == GQL_ERR_PERSISTED);
    CHECK_STR(error_code(errors), "BAD_REQUEST");
    json_object_put(errors);
    ext = persisted_ext(id_a);
    json_object_object_add(json_object_object_get(ext, "persistedQuery"), "version", json_object_new_int(2));
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, ext, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
    CHECK_STR(error_code(errors), "BAD_REQUEST");
    json_object_put(errors);
    json_object_put(ext);
    gql_persist_counters_t c;
    gql_persist_counters(p, &c);
    CHECK(c.misses == 1 && c.hits == 0);
    gql_persist_free(p);
}

RT_TEST(allow_list_refuses_other_texts)
{
    char err[256];
    gql_persist_t *p = NULL;
    CHECK(gql_persist_new(write_manifest(NULL, NULL), true, 10, &p, err, sizeof err) == 0);
    json_object *errors = NULL;
    char *doc = NULL;
    size_t len;
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, DOC_A, strlen(DOC_A), NULL, NULL, &doc, &len, &errors) == GQL_OK);
    CHECK(doc == NULL && errors == NULL);
    const char *other = "{ __schema { queryType { name } } }";
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, other, strlen(other), NULL, NULL, &doc, &len, &errors) ==
          GQL_ERR_PERSISTED);
    CHECK_STR(error_code(errors), "OPERATION_NOT_ALLOWED");
    json_object_put(errors);
    /* Text and hash together do not register anything in allow-list mode. */
    char oid[GQL_PERSIST_ID_LEN + 1];
    gql_persist_hash(other, strlen(other), oid);
    json_object *ext = persisted_ext(oid);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, other, strlen(other), ext, NULL, &doc, &len, &errors) ==
          GQL_ERR_PERSISTED);
    json_object_put(errors);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, ext, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
    CHECK_STR(error_code(errors), "PERSISTED_QUERY_NOT_FOUND");
    json_object_put(errors);
    json_object_put(ext);
    gql_persist_counters_t c;
    gql_persist_counters(p, &c);
    CHECK(c.refusals == 2 && c.cached == 0);
    gql_persist_free(p);
}

RT_TEST(apq_registers_over_http_and_evicts_lru)
{
    char err[256];
    gql_persist_t *p = NULL;
    CHECK(gql_persist_new(NULL, false, 2, &p, err, sizeof err) == 0);
    const char *texts[] = {"{ a }", "{ b }", "{ c }"};
    char tid[3][GQL_PERSIST_ID_LEN + 1];
    json_object *errors = NULL;
    char *doc = NULL;
    size_t len;
    for (int i = 0; i < 3; i++) {
        gql_persist_hash(texts[i], 5, tid[i]);
        json_object *ext = persisted_ext(tid[i]);
        CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, ext, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
        json_object_put(errors);
        CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, texts[i], 5, ext, NULL, &doc, &len, &errors) == GQL_OK);
        CHECK(doc == NULL);
        if (i == 1) { /* touch "{ a }" so "{ b }" is the least recently used */
            CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, NULL, tid[0], &doc, &len, &errors) == GQL_OK);
            CHECK_STR(doc, "{ a }");
            free(doc);
        }
        json_object_put(ext);
    }
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, NULL, tid[1], &doc, &len, &errors) == GQL_ERR_PERSISTED);
    json_object_put(errors);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, NULL, 0, NULL, tid[2], &doc, &len, &errors) == GQL_OK);
    CHECK_STR(doc, "{ c }");
    free(doc);
    /* A hash that does not match the text is an error, and caches nothing. */
    json_object *ext = persisted_ext(tid[0]);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_HTTP, "{ x }", 5, ext, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
    CHECK_STR(error_code(errors), "BAD_REQUEST");
    json_object_put(errors);
    json_object_put(ext);
    gql_persist_counters_t c;
    gql_persist_counters(p, &c);
    CHECK(c.cached == 2);
    gql_persist_free(p);
}

RT_TEST(sockets_do_not_register)
{
    char err[256];
    gql_persist_t *p = NULL;
    CHECK(gql_persist_new(NULL, false, 10, &p, err, sizeof err) == 0);
    char tid[GQL_PERSIST_ID_LEN + 1];
    gql_persist_hash("{ a }", 5, tid);
    json_object *ext = persisted_ext(tid), *errors = NULL;
    char *doc = NULL;
    size_t len;
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, "{ a }", 5, ext, NULL, &doc, &len, &errors) == GQL_OK);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, "", 0, ext, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
    json_object_put(errors);
    json_object_put(ext);
    gql_persist_free(p);
}

RT_TEST(reload_swaps_and_keeps_the_old_manifest_on_error)
{
    char err[256];
    gql_persist_t *p = NULL;
    const char *path = write_manifest(NULL, NULL);
    CHECK(gql_persist_new(path, true, 0, &p, err, sizeof err) == 0);
    const char *other = "{ b }";
    char oid[GQL_PERSIST_ID_LEN + 1];
    gql_persist_hash(other, 5, oid);
    json_object *errors = NULL;
    char *doc = NULL;
    size_t len;
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, other, 5, NULL, NULL, &doc, &len, &errors) == GQL_ERR_PERSISTED);
    json_object_put(errors);
    write_manifest(oid, other);
    CHECK(gql_persist_reload(p, err, sizeof err) == 0);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, other, 5, NULL, NULL, &doc, &len, &errors) == GQL_OK);
    FILE *f = fopen(path, "w");
    fputs("{\"truncated", f);
    fclose(f);
    CHECK(gql_persist_reload(p, err, sizeof err) < 0);
    CHECK(strstr(err, path) != NULL);
    CHECK(gql_persist_resolve(p, GQL_PERSIST_SOCKET, other, 5, NULL, NULL, &doc, &len, &errors) == GQL_OK);
    gql_persist_counters_t c;
    gql_persist_counters(p, &c);
    CHECK(c.manifest == 2);
    gql_persist_free(p);
    unlink(path);
}

RT_TEST(missing_file_fails_start)
{
    char err[256];
    gql_persist_t *p = NULL;
    CHECK(gql_persist_new("/nonexistent/manifest.json", false, 10, &p, err, sizeof err) < 0);
    CHECK(p == NULL);
    CHECK(strstr(err, "cannot open") != NULL);
}

RT_TEST(print_entry_round_trips)
{
    char path[] = "/tmp/test_gql_persist_doc_XXXXXX";
    int fd = mkstemp(path);
    const char *docq = "query Q { __typename }\n# \"quoted\"\n";
    CHECK(write(fd, docq, strlen(docq)) == (ssize_t)strlen(docq));
    close(fd);
    char *out = NULL;
    size_t outlen = 0;
    FILE *mem = open_memstream(&out, &outlen);
    CHECK(gql_persist_print_entry(path, mem, stderr) == 0);
    fclose(mem);
    gql_persist_manifest_t *m = NULL;
    char err[256];
    CHECK(gql_persist_manifest_parse(out, outlen, &m, err, sizeof err) == 0);
    char id[GQL_PERSIST_ID_LEN + 1];
    gql_persist_hash(docq, strlen(docq), id);
    CHECK_STR(gql_persist_manifest_get(m, id, NULL), docq);
    gql_persist_manifest_free(m);
    free(out);
    unlink(path);
}

RT_TEST_MAIN()

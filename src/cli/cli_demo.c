/* The demo seed: one atomic request through the store, like any ingestion, then a short
 * how-to on `out` with the freshly made credentials (shown this once). */
#include "cli/cli_demo.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_secret.h"
#include "store/store.h"

static json_object *record(const char *type, json_object *node)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "type", json_object_new_string(type));
    json_object_object_add(r, "op", json_object_new_string("upsert"));
    json_object_object_add(r, "node", node);
    return r;
}

static json_object *obj(const char *json_text) { return json_tokener_parse(json_text); }

static void count_record(void *ctx, const char *type, const char *id, json_object *node) { (*(int *)ctx)++; }

static int count_change(void *ctx, const store_change_t *c)
{
    (*(int *)ctx)++;
    return 1;
}

/* Empty: no change retained in the log and no organization or user (whatever the store). */
static int store_is_empty(store_t *s)
{
    int n = 0;
    if (store_log_read(s, NULL, 1, count_change, &n) < 0 ||
        store_find(s, "Organization", NULL, NULL, count_record, &n) != 0 ||
        store_find(s, "User", NULL, NULL, count_record, &n) != 0)
        return -1;
    return n == 0;
}

int cli_demo_seed(rt_server_t *srv, FILE *out)
{
    store_t *s = srv->store;
    int empty = s ? store_is_empty(s) : -1;
    if (empty < 0)
        return -1;
    if (!empty)
        return 0; /* not an empty data dir: leave it alone */
    char now[32], akid[64], patid[64], aksec[CLI_SECRET_LEN], patsec[CLI_SECRET_LEN];
    char akhash[crypto_pwhash_STRBYTES], pathash[crypto_pwhash_STRBYTES];
    cli_now_rfc3339(now);
    if (cli_random_id("ak_", akid, sizeof akid) || cli_random_id("pat_", patid, sizeof patid) ||
        cli_random_secret(aksec) || cli_random_secret(patsec) || cli_hash_secret(aksec, strlen(aksec), akhash) ||
        cli_hash_secret(patsec, strlen(patsec), pathash)) {
        fprintf(stderr, "demo: cannot create credentials\n");
        return -1;
    }
    char buf[1024];
    json_object *recs = json_object_new_array();
    snprintf(buf, sizeof buf,
             "{\"id\":\"demo-org\",\"slug\":\"demo\",\"name\":\"Demo Organization\",\"createdAt\":\"%s\"}", now);
    json_object_array_add(recs, record("Organization", obj(buf)));
    json_object_array_add(
        recs, record("User", obj("{\"id\":\"demo-user\",\"name\":\"Demo User\",\"email\":\"demo@example.com\"}")));
    json_object_array_add(
        recs,
        record("Membership", obj("{\"organizationId\":\"demo-org\",\"userId\":\"demo-user\",\"role\":\"OWNER\"}")));
    const char *blob = "{\"id\":\"%s\",\"organizationId\":\"demo-org\",\"type\":\"WORKFLOW\",\"name\":\"%s\","
                       "\"description\":\"%s\",\"visibility\":\"%s\",\"createdAt\":\"%s\",\"updatedAt\":\"%s\"}";
    snprintf(buf, sizeof buf, blob, "demo-blob-public", "Public demo workflow", "visible to everyone", "PUBLIC", now,
             now);
    json_object_array_add(recs, record("Blob", obj(buf)));
    snprintf(buf, sizeof buf, blob, "demo-blob-private", "Private demo workflow", "visible to demo-org only", "PRIVATE",
             now, now);
    json_object_array_add(recs, record("Blob", obj(buf)));
    json_object *ak = json_object_new_object();
    json_object_object_add(ak, "id", json_object_new_string(akid));
    json_object_object_add(ak, "organizationId", json_object_new_string("demo-org"));
    json_object_object_add(ak, "secretHash", json_object_new_string(akhash));
    json_object_array_add(recs, record("ApiKey", ak));
    json_object *pat = json_object_new_object();
    json_object_object_add(pat, "id", json_object_new_string(patid));
    json_object_object_add(pat, "userId", json_object_new_string("demo-user"));
    json_object_object_add(pat, "secretHash", json_object_new_string(pathash));
    json_object_array_add(recs, record("PersonalAccessToken", pat));

    int n = (int)json_object_array_length(recs);
    store_record_t *rs = calloc((size_t)n, sizeof *rs);
    int rc = rs ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        char *msg = NULL;
        if (store_record_parse(s, json_object_array_get_idx(recs, i), &rs[i], &msg) != 0) {
            fprintf(stderr, "demo: record %d invalid: %s\n", i, msg ? msg : "out of memory");
            free(msg);
            rc = -1;
        }
    }
    json_object_put(recs);
    if (rc != 0) {
        for (int i = 0; rs && i < n; i++)
            store_record_clear(&rs[i]);
        free(rs);
        return -1;
    }
    char emsg[256] = "";
    if (store_apply_sync(s, rs, n, NULL, emsg, sizeof emsg, NULL) != 0) {
        fprintf(stderr, "demo: not applied: %s\n", emsg);
        return -1;
    }
    const char *host = srv->cfg.host && strcmp(srv->cfg.host, "0.0.0.0") != 0 ? srv->cfg.host : "localhost";
    int port = srv->cfg.port ? srv->cfg.port : 4000;
    const char *scheme = srv->cfg.tls_cert ? "s" : "";
    fprintf(
        out,
        "\nDemo data created: organization demo-org, user demo-user (OWNER), blobs demo-blob-public and "
        "demo-blob-private.\n"
        "These credentials are shown only once:\n"
        "  API key:  %s.%s\n"
        "  PAT:      x-token-id %s  x-token-secret %s\n\n"
        "Connect (graphql-ws):\n"
        "  URL:              ws%s://%s:%d/v1/graphql\n"
        "  connectionParams: {\"x-api-key\": \"%s.%s\"}\n"
        "  subscription:     subscription { blobs { mutation node { id name description } updatedFields cursor } }\n\n"
        "Query over HTTP:\n"
        "  curl http%s://%s:%d/v1/graphql -H 'x-api-key: %s.%s' -H 'Content-Type: application/json' \\\n"
        "    -d '{\"query\":\"{ viewer { kind organizations { slug } } }\"}'\n\n",
        akid, aksec, patid, patsec, scheme, host, port, akid, aksec, scheme, host, port, akid, aksec);
    fprintf(
        out,
        "Publish a change:\n"
        "  curl -X POST http%s://%s:%d/v1/events \\\n"
        "    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n"
        "    -d '{\"type\":\"Blob\",\"op\":\"patch\",\"id\":\"demo-blob-public\",\"node\":{\"description\":\"hello\"}}'\n",
        scheme, host, port, srv->cfg.service_key ? srv->cfg.service_key : "<the --service-key value>");
    if (!srv->cfg.service_key)
        fprintf(out, "  (no --service-key is set: ingestion answers 503 until you start with one)\n");
    fflush(out);
    sodium_memzero(aksec, sizeof aksec);
    sodium_memzero(patsec, sizeof patsec);
    return 0;
}

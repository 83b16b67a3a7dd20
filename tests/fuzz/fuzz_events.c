/* libFuzzer target for ingestion bodies: any bytes must decode or fail with an indexed error;
 * decoded records must validate against the generated schema tables or be reported (every
 * index in range); valid records must go through change computation against no state and
 * against the previous record's node without crashing, with consistent results. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql_schema_gen.h"
#include "http/http_events_body.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static store_t S;
    if (!S.defs_ready) {
        S.nodes = &gql_schema_blobhub;
        S.directory = &gql_schema_directory;
        store_types_init(&S);
    }
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    json_object *records = NULL, *errors = NULL;
    if (http_events_decode(body, size, &records, &errors) != 0) {
        if (!errors || json_object_array_length(errors) != 1)
            abort();
        json_object_put(errors);
        free(body);
        return 0;
    }
    store_record_t *recs = NULL;
    int n = 0;
    int rc = http_events_validate(&S, records, &recs, &n, &errors);
    if (rc == -1) {
        size_t count = json_object_array_length(records);
        size_t ne = json_object_array_length(errors);
        if (ne == 0)
            abort();
        for (size_t i = 0; i < ne; i++) {
            json_object *e = json_object_array_get_idx(errors, i), *v;
            if (!json_object_object_get_ex(e, "index", &v) || json_object_get_int(v) < 0 ||
                (size_t)json_object_get_int(v) >= count)
                abort();
        }
        json_object_put(errors);
    } else if (rc == 0) {
        json_object *prev = NULL;
        for (int i = 0; i < n; i++) {
            const store_record_t *r = &recs[i];
            if (r->node && !store_json_equal(r->node, r->node))
                abort();
            for (int pass = 0; pass < 2; pass++) {
                json_object *old = pass ? prev : NULL, *next = NULL;
                store_change_t c = {0};
                bool changed = false;
                char *msg = NULL;
                int crc = store_change_compute(&S, r, old, &changed, &next, &c, &msg);
                if (crc == 0 && changed) {
                    if (c.mutation == STORE_UPDATED &&
                        (!c.updated_fields || json_object_array_length(c.updated_fields) == 0))
                        abort();
                    if (c.mutation == STORE_DELETED && (c.node || !c.previous))
                        abort();
                    c.type = r->type;
                    c.id = strdup(r->id);
                    if (store_change_owners(&c, NULL) != 0)
                        abort();
                }
                if (crc != 0 && crc != STORE_ERR_INVALID && crc != STORE_ERR_NOMEM)
                    abort();
                free(msg);
                json_object_put(next);
                store_change_clear(&c);
            }
            if (r->node && strcmp(r->type, recs[0].type) == 0) {
                json_object_put(prev);
                prev = json_object_get(r->node);
            }
        }
        json_object_put(prev);
        for (int i = 0; i < n; i++)
            store_record_clear(&recs[i]);
        free(recs);
    }
    json_object_put(records);
    free(body);
    return 0;
}

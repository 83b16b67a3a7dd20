/* Helpers shared by the store test programs (SQLite and Redis): applying JSON fixtures
 * through the blocking submit, collecting change-log reads, and deeply nested values. */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* Fixtures nest as deep as ingestion allows, inside their array. */
static json_object *parse_fixture(const char *json)
{
    json_tokener *tok = json_tokener_new_ex(STORE_JSON_MAX_DEPTH + 1);
    json_object *v = json_tokener_parse_ex(tok, json, -1);
    json_tokener_free(tok);
    return v;
}

/* Parses a JSON array of records and applies it; returns the status. */
static int apply(store_t *s, const char *json, char cursor[STORE_CURSOR_MAX], int *index)
{
    json_object *arr = parse_fixture(json);
    int n = (int)json_object_array_length(arr);
    store_record_t *recs = calloc((size_t)n, sizeof *recs);
    for (int i = 0; i < n; i++) {
        char *msg = NULL;
        if (store_record_parse(s, json_object_array_get_idx(arr, i), &recs[i], &msg) != 0) {
            fprintf(stderr, "fixture record %d invalid: %s\n", i, msg);
            abort();
        }
    }
    json_object_put(arr);
    char msg[256];
    int idx = -1;
    int rc = store_apply_sync(s, recs, n, cursor, msg, sizeof msg, &idx);
    if (index)
        *index = idx;
    return rc;
}

typedef struct collected {
    int n;
    char cursors[64][STORE_CURSOR_MAX];
    char ids[64][32];
    store_mutation_t mut[64];
    char fields[64][128];
    char org[64][32];
} collected_t;

static int collect(void *ctx, const store_change_t *c)
{
    collected_t *col = ctx;
    if (col->n >= 64)
        return 1;
    snprintf(col->cursors[col->n], STORE_CURSOR_MAX, "%s", c->cursor);
    snprintf(col->ids[col->n], 32, "%s", c->id);
    col->mut[col->n] = c->mutation;
    snprintf(col->fields[col->n], 128, "%s",
             c->updated_fields ? json_object_to_json_string_ext(c->updated_fields, JSON_C_TO_STRING_PLAIN) : "");
    snprintf(col->org[col->n], 32, "%s", c->organization_id ? c->organization_id : "");
    col->n++;
    return 0;
}

/* `levels` nested objects ({"a":{"a":{}}} is 3), malloc'd. */
static char *nested(int levels)
{
    char *t = malloc((size_t)levels * 6 + 1), *p = t;
    for (int i = 1; i < levels; i++)
        p += sprintf(p, "{\"a\":");
    p += sprintf(p, "{}");
    for (int i = 1; i < levels; i++)
        *p++ = '}';
    *p = '\0';
    return t;
}

/* Depth of nested objects along "a" (0 for NULL). */
static int depth_of(json_object *v)
{
    int d = 0;
    while (v && json_object_get_type(v) == json_type_object) {
        d++;
        if (!json_object_object_get_ex(v, "a", &v))
            break;
    }
    return d;
}

typedef struct deep_seen {
    int n;
    store_mutation_t mut[8];
    int node_depth[8], prev_depth[8];
} deep_seen_t;

static int collect_deep(void *ctx, const store_change_t *c)
{
    deep_seen_t *d = ctx;
    if (d->n >= 8)
        return 1;
    json_object *out = NULL;
    d->mut[d->n] = c->mutation;
    d->node_depth[d->n] = json_object_object_get_ex(c->node, "output", &out) ? depth_of(out) : -1;
    d->prev_depth[d->n] = json_object_object_get_ex(c->previous, "output", &out) ? depth_of(out) : -1;
    d->n++;
    return 0;
}

typedef struct dir_seen {
    int n;
    char what[16][64];
} dir_seen_t;

static void on_dir(void *ctx, const char *type, const char *id, json_object *node)
{
    dir_seen_t *d = ctx;
    if (d->n < 16 && node)
        snprintf(d->what[d->n++], 64, "%s/%s", type, id);
}

#endif

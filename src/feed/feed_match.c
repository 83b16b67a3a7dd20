/* Subscription fields -> (node type, topic) rules and the per-change argument test. Adding a
 * Subscription field to the SDL needs one row in feed_fields[] below and nothing else; adding a
 * field to a node type needs nothing (its node filters come from the generated schema). */
#include "feed/feed_match.h"

#include <stdlib.h>
#include <string.h>

#include "gql_schema_gen.h"

typedef struct feed_dim_arg {
    const char *arg;
    feed_dim_t dim;
} feed_dim_arg_t;

typedef struct feed_field_rule {
    const char *field;
    const char *type;
    /* Ownership arguments, most selective first: the first present one is the topic, the
     * others become equality checks. */
    feed_dim_arg_t dims[3];
    bool all_ok;        /* with no ownership argument: every change of the type */
    bool where_ok;      /* accepts `where: ChangeFilter` */
    bool node_where_ok; /* accepts `node: <type>Where` */
} feed_field_rule_t;

static const feed_field_rule_t feed_fields[] = {
    {"execution", "Execution", {{"id", FEED_DIM_ID}}, false, false, false},
    {"executions", "Execution", {{"sessionId", FEED_DIM_SESSION}, {"blobId", FEED_DIM_BLOB}}, true, true, true},
    {"executionEvents", "ExecutionEvent", {{"executionId", FEED_DIM_EXECUTION}}, false, false, true},
    {"session", "Session", {{"id", FEED_DIM_ID}}, false, false, false},
    {"sessionEvents", "SessionEvent", {{"sessionId", FEED_DIM_SESSION}}, false, false, true},
    {"blob", "Blob", {{"id", FEED_DIM_ID}}, false, false, false},
    {"blobs", "Blob", {{"organizationId", FEED_DIM_ORG}}, true, true, true},
    {"revisions", "Revision", {{"blobId", FEED_DIM_BLOB}}, false, true, true},
};

static const char *const feed_mutation_names[] = {"CREATED", "UPDATED", "DELETED"};

static const char *feed_node_str(json_object *node, const char *key);

const char *feed_change_dim(const feed_change_t *c, feed_dim_t d)
{
    switch (d) {
    case FEED_DIM_ID: return c->id;
    case FEED_DIM_ORG: return c->organization_id;
    case FEED_DIM_BLOB: return c->blob_id;
    case FEED_DIM_SESSION: return c->session_id;
    case FEED_DIM_EXECUTION: return c->execution_id;
    default: return NULL;
    }
}

int feed_topic_key(rt_buf_t *out, const char *type, feed_dim_t dim, const char *value)
{
    /* \x1f cannot appear in a type name; ids may contain anything but are last. */
    out->len = 0;
    if (rt_buf_puts(out, type) < 0 || rt_buf_putc(out, '\x1f') < 0 || rt_buf_putc(out, (char)('0' + dim)) < 0)
        return -1;
    if (dim != FEED_DIM_ALL && (rt_buf_putc(out, '\x1f') < 0 || rt_buf_puts(out, value ? value : "") < 0))
        return -1;
    return 0;
}

json_object *feed_change_subject(const feed_change_t *c) { return c->mutation == FEED_DELETED ? c->previous : c->node; }

void feed_match_clear(feed_match_t *m)
{
    free(m->topic_value);
    feed_match_more_t *x = m->more;
    if (x) {
        for (int d = 0; d < FEED_DIM__COUNT; d++)
            free(x->eq[d]);
        feed_strs_t *lists[] = {&x->uf_every, &x->uf_some};
        for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
            for (int j = 0; j < lists[i]->n; j++)
                free(lists[i]->v[j]);
            free(lists[i]->v);
        }
        feed_where_free(x->node_where);
        free(x->after);
        free(x);
    }
    memset(m, 0, sizeof *m);
}

const char *feed_match_after(const feed_match_t *m) { return m->more ? m->more->after : NULL; }

/* Does x hold any condition? (An empty one is not kept.) */
static bool feed_more_used(const feed_match_more_t *x)
{
    for (int d = 0; d < FEED_DIM__COUNT; d++)
        if (x->eq[d])
            return true;
    return x->uf_every.given || x->uf_some.given || x->node_where || x->after;
}

/* A present, non-null argument value, or NULL. */
static json_object *feed_arg(json_object *obj, const char *name)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, name, &v))
        return NULL;
    return json_object_is_type(v, json_type_null) ? NULL : v;
}

/* Copies a scalar argument (ID, String, Cursor) as text. */
static int feed_arg_str(json_object *obj, const char *name, char **out)
{
    json_object *v = feed_arg(obj, name);
    if (!v)
        return FEED_MATCH_OK;
    if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
        return FEED_MATCH_BAD_ARG;
    *out = strdup(json_object_get_string(v));
    return *out ? FEED_MATCH_OK : FEED_MATCH_NOMEM;
}

/* Appends a list argument's items (a lone scalar counts as a one-item list, per GraphQL input
 * coercion) to *list. */
static int feed_arg_list(json_object *obj, const char *name, feed_strs_t *list)
{
    json_object *v = feed_arg(obj, name);
    if (!v)
        return FEED_MATCH_OK;
    list->given = true;
    size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;
    char **nv = realloc(list->v, (size_t)(list->n + n + 1) * sizeof *nv);
    if (!nv)
        return FEED_MATCH_NOMEM;
    list->v = nv;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v;
        if (!item || !json_object_is_type(item, json_type_string))
            return FEED_MATCH_BAD_ARG;
        if (!(list->v[list->n] = strdup(json_object_get_string(item))))
            return FEED_MATCH_NOMEM;
        list->n++;
    }
    return FEED_MATCH_OK;
}

static int feed_compile_where(json_object *where, feed_match_t *m, const char **why)
{
    int rc;
    if (!json_object_is_type(where, json_type_object)) {
        *why = "where must be a ChangeFilter object";
        return FEED_MATCH_BAD_ARG;
    }
    feed_strs_t muts = {0};
    if ((rc = feed_arg_list(where, "mutation_in", &muts)) == FEED_MATCH_OK && muts.given) {
        m->mutation_mask = 0;
        for (int i = 0; i < muts.n; i++) {
            int k;
            for (k = 0; k < 3 && strcmp(muts.v[i], feed_mutation_names[k]) != 0; k++)
                ;
            if (k == 3) {
                *why = "mutation_in holds an unknown MutationType";
                rc = FEED_MATCH_BAD_ARG;
                break;
            }
            m->mutation_mask |= 1u << k;
        }
    }
    for (int i = 0; i < muts.n; i++)
        free(muts.v[i]);
    free(muts.v);
    if (rc != FEED_MATCH_OK)
        return rc;
    json_object *one = feed_arg(where, "updatedFields_contains");
    if (one && !json_object_is_type(one, json_type_string)) {
        *why = "updatedFields_contains must be a String";
        return FEED_MATCH_BAD_ARG;
    }
    if ((rc = feed_arg_list(where, "updatedFields_contains", &m->more->uf_every)) != FEED_MATCH_OK ||
        (rc = feed_arg_list(where, "updatedFields_contains_every", &m->more->uf_every)) != FEED_MATCH_OK ||
        (rc = feed_arg_list(where, "updatedFields_contains_some", &m->more->uf_some)) != FEED_MATCH_OK)
        *why = "updatedFields conditions take field names";
    return rc;
}

/* node.<dim>: "x" at the top level of a node filter is as selective as the ownership argument
 * of that dimension: let it pick the topic when the current one is broader. */
static int feed_narrow_topic(const feed_field_rule_t *rule, feed_match_t *m)
{
    for (int i = 0; i < 3 && rule->dims[i].arg; i++) {
        feed_dim_t d = rule->dims[i].dim;
        const char *v = feed_where_top_eq(m->more->node_where, rule->dims[i].arg);
        if (!v || d != FEED_DIM_SESSION || m->topic_dim == d)
            continue;
        if (m->more->eq[d]) /* the argument is there too: keep checking both */
            continue;
        if (m->topic_dim != FEED_DIM_ALL)
            m->more->eq[m->topic_dim] = m->topic_value;
        m->topic_dim = d;
        if (!(m->topic_value = strdup(v)))
            return FEED_MATCH_NOMEM;
    }
    return FEED_MATCH_OK;
}

int feed_match_compile(const char *field, json_object *args, const feed_where_limits_t *lim, feed_match_t *m,
                       const char **why)
{
    const feed_field_rule_t *rule = NULL;
    int rc = FEED_MATCH_OK;
    memset(m, 0, sizeof *m);
    *why = "out of memory";
    for (size_t i = 0; field && i < sizeof feed_fields / sizeof *feed_fields; i++)
        if (strcmp(field, feed_fields[i].field) == 0)
            rule = &feed_fields[i];
    if (!rule) {
        *why = "not a subscription field of the change feed";
        return FEED_MATCH_UNKNOWN_FIELD;
    }
    m->type = rule->type;
    m->topic_dim = FEED_DIM_ALL;
    m->mutation_mask = 7u;
    if (!(m->more = calloc(1, sizeof *m->more)))
        return FEED_MATCH_NOMEM;

    /* Ownership arguments: the first present is the topic, the rest are checks. */
    for (int i = 0; i < 3 && rule->dims[i].arg; i++) {
        char *v = NULL;
        if ((rc = feed_arg_str(args, rule->dims[i].arg, &v)) != FEED_MATCH_OK) {
            *why = "ill-typed ownership argument";
            goto fail;
        }
        if (!v)
            continue;
        if (m->topic_dim == FEED_DIM_ALL) {
            m->topic_dim = rule->dims[i].dim;
            m->topic_value = v;
        } else {
            m->more->eq[rule->dims[i].dim] = v;
        }
    }
    json_object *where = feed_arg(args, "where");
    if (where && rule->where_ok && (rc = feed_compile_where(where, m, why)) != FEED_MATCH_OK)
        goto fail;
    json_object *nw = feed_arg(args, "node");
    if (nw && rule->node_where_ok) {
        rc = feed_where_compile(&gql_schema_blobhub, rule->type, nw, lim, &m->more->node_where, why);
        if (rc != FEED_WHERE_OK) {
            rc = rc == FEED_WHERE_NOMEM         ? FEED_MATCH_NOMEM
                 : rc == FEED_WHERE_TOO_COMPLEX ? FEED_MATCH_TOO_COMPLEX
                                                : FEED_MATCH_BAD_ARG;
            goto fail;
        }
        if ((rc = feed_narrow_topic(rule, m)) != FEED_MATCH_OK)
            goto fail;
    }
    if (m->topic_dim == FEED_DIM_ALL && !rule->all_ok) {
        *why = "missing required argument";
        rc = FEED_MATCH_BAD_ARG;
        goto fail;
    }
    if ((rc = feed_arg_str(args, "after", &m->more->after)) != FEED_MATCH_OK) {
        *why = "after must be a Cursor";
        goto fail;
    }
    if (!feed_more_used(m->more)) {
        free(m->more);
        m->more = NULL;
    }
    return FEED_MATCH_OK;
fail:
    feed_match_clear(m);
    return rc;
}

static bool feed_strs_has(json_object *arr, const char *s)
{
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(arr, i);
        if (it && json_object_is_type(it, json_type_string) && strcmp(json_object_get_string(it), s) == 0)
            return true;
    }
    return false;
}

static const char *feed_node_str(json_object *node, const char *key)
{
    json_object *v;
    if (!node || !json_object_object_get_ex(node, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static bool feed_str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

bool feed_match_owns(const feed_match_t *m, const char *const dims[FEED_DIM__COUNT])
{
    if (m->topic_dim != FEED_DIM_ALL && !feed_str_eq(dims[m->topic_dim], m->topic_value))
        return false;
    for (int d = 1; m->more && d < FEED_DIM__COUNT; d++)
        if (m->more->eq[d] && !feed_str_eq(dims[d], m->more->eq[d]))
            return false;
    return true;
}

/* Which ownership id a type names with its own id (a Session is its own session). */
static feed_dim_t feed_self_dim(const char *type)
{
    if (strcmp(type, "Blob") == 0)
        return FEED_DIM_BLOB;
    if (strcmp(type, "Session") == 0)
        return FEED_DIM_SESSION;
    if (strcmp(type, "Execution") == 0)
        return FEED_DIM_EXECUTION;
    return FEED_DIM_ID;
}

void feed_change_dims(const feed_change_t *c, bool before, const char *dims[FEED_DIM__COUNT])
{
    dims[FEED_DIM_ALL] = "";
    for (int d = 1; d < FEED_DIM__COUNT; d++)
        dims[d] = feed_change_dim(c, (feed_dim_t)d);
    if (!before || c->mutation != FEED_UPDATED)
        return;
    static const char *const field[FEED_DIM__COUNT] = {
        [FEED_DIM_ORG] = "organizationId",
        [FEED_DIM_BLOB] = "blobId",
        [FEED_DIM_SESSION] = "sessionId",
        [FEED_DIM_EXECUTION] = "executionId",
    };
    feed_dim_t self = c->type ? feed_self_dim(c->type) : FEED_DIM_ID;
    bool blob = self == FEED_DIM_BLOB;
    for (int d = FEED_DIM_ORG; d < FEED_DIM__COUNT; d++) {
        if (d == (int)self)
            continue;
        /* Only a Blob names its organization; the others' organization is their blob's. */
        if (d == FEED_DIM_ORG && !blob)
            continue;
        dims[d] = feed_node_str(c->previous, field[d]);
    }
}

bool feed_match_test(const feed_match_t *m, const feed_change_t *c)
{
    if ((unsigned)c->mutation > FEED_DELETED || !(m->mutation_mask & (1u << c->mutation)))
        return false;
    const feed_match_more_t *x = m->more;
    if (!x)
        return true;
    if (x->uf_every.given || x->uf_some.given) {
        /* updatedFields is null for CREATED and DELETED: an updatedFields condition only
         * ever matches updates. */
        json_object *uf = c->updated_fields;
        if (c->mutation != FEED_UPDATED || !uf || !json_object_is_type(uf, json_type_array))
            return false;
        for (int i = 0; i < x->uf_every.n; i++)
            if (!feed_strs_has(uf, x->uf_every.v[i]))
                return false;
        if (x->uf_some.given) {
            bool any = false;
            for (int i = 0; i < x->uf_some.n && !any; i++)
                any = feed_strs_has(uf, x->uf_some.v[i]);
            if (!any)
                return false;
        }
    }
    /* Judged on the change as the subscriber receives it: node, or the last state for DELETED. */
    if (x->node_where && !feed_where_test(x->node_where, feed_change_subject(c)))
        return false;
    return true;
}

/* GraphQL execution over JSON values, written straight into JSON text: CollectFields, field
 * resolution (root resolver callback, introspection, default resolver reading the parent
 * object), value completion with leaf serialisation, and non-null propagation done by cutting the
 * output buffer back to the start of the object or list that becomes null. No result tree is
 * built, which keeps subscription event rendering cheap. */
#include "gql/gql_exec.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_exec_value.h"
#include "gql/gql_introspect.h"

/* Selection sets nest at most as deep as the parser allows (GQL_PARSE_DEFAULT_DEPTH); the guard
 * only stops fragment cycles in documents that skipped validation. */
#define GQL_EXEC_MAX_NESTING 1024

enum {
    C_VALUE = 0,   /* wrote a non-null value */
    C_NULL = 1,    /* wrote null, no error */
    C_ERRNULL = 2, /* wrote null because of a recorded error */
    C_PROP = -1,   /* the position must not be null: the enclosing object or list becomes null */
    C_NOMEM = -2,
};

typedef struct path_seg {
    const char *key; /* NULL for a list index */
    int index;
} path_seg_t;

typedef struct fgroup {
    const char *key;
    const gql_ast_selection_t **nodes;
    int n, cap;
} fgroup_t;

typedef struct fgroups {
    fgroup_t *g;
    int n, cap;
} fgroups_t;

/* A precomputed selection over one object type (subscription rendering): the collected field
 * groups, their definitions and the plans of their object-typed values, so rendering an event
 * neither collects fields nor looks fields up. */
typedef struct plan plan_t;
struct plan {
    int obj;
    fgroups_t gs;
    const gql_field_t **fds; /* per group; NULL for __typename and unknown fields */
    plan_t ***subs;          /* per group: plans per runtime object type, or NULL for leaves */
    int *nsubs;
};

typedef struct exec {
    const gql_exec_env_t *env;
    const gql_schema_t *s;
    gql_resolve_fn resolve; /* root fields of queries; NULL when rendering an event */
    void *ctx;
    json_object *root_value; /* event rendering: the root field's value */
    const char *root_field;
    rt_buf_t *out;
    rt_buf_t errs; /* error objects, comma separated */
    int nerrors;
    path_seg_t *path;
    int depth, path_cap;
    int nomem;
} exec_t;

/* ---- small helpers ---------------------------------------------------------------------- */

/* Appends a decimal integer (printf is slow on the rendering path). */
static int put_i64(rt_buf_t *b, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof tmp - 1 - n++] = '-';
    return rt_buf_append(b, tmp + sizeof tmp - n, (size_t)n);
}

static int path_push(exec_t *ex, const char *key, int index)
{
    if (ex->depth == ex->path_cap) {
        int cap = ex->path_cap ? ex->path_cap * 2 : 16;
        path_seg_t *p = realloc(ex->path, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        ex->path = p;
        ex->path_cap = cap;
    }
    ex->path[ex->depth].key = key;
    ex->path[ex->depth].index = index;
    ex->depth++;
    return 0;
}

static void path_pop(exec_t *ex) { ex->depth--; }

/* Records {message, locations, path, extensions?}; extensions is JSON text or NULL. */
static void add_error(exec_t *ex, const char *msg, const gql_ast_selection_t *node, const char *extensions)
{
    rt_buf_t *b = &ex->errs;
    int rc = 0;
    if (ex->nerrors)
        rc |= rt_buf_putc(b, ',');
    rc |= rt_buf_puts(b, "{\"message\":");
    rc |= rt_buf_json_str(b, msg, strlen(msg));
    if (node)
        rc |= rt_buf_printf(b, ",\"locations\":[{\"line\":%u,\"column\":%u}]", node->loc.line, node->loc.column);
    rc |= rt_buf_puts(b, ",\"path\":[");
    for (int i = 0; i < ex->depth; i++) {
        if (i)
            rc |= rt_buf_putc(b, ',');
        if (ex->path[i].key)
            rc |= rt_buf_json_str(b, ex->path[i].key, strlen(ex->path[i].key));
        else
            rc |= rt_buf_printf(b, "%d", ex->path[i].index);
    }
    rc |= rt_buf_putc(b, ']');
    if (extensions)
        rc |= rt_buf_printf(b, ",\"extensions\":%s", extensions);
    rc |= rt_buf_putc(b, '}');
    if (rc)
        ex->nomem = 1;
    ex->nerrors++;
}

/* "<prefix><inspect(v)>" as a malloc'd string (NULL when memory ran out). */
static char *msg_inspect(const char *prefix, json_object *v)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, prefix);
    gql_inspect(&b, v);
    if (!rt_buf_cstr(&b)) {
        rt_buf_free(&b);
        return NULL;
    }
    return rt_buf_steal(&b, NULL);
}

/* ---- @skip / @include and CollectFields --------------------------------------------------- */

static int directive_if(const exec_t *ex, const gql_ast_directive_t *d)
{
    for (const gql_ast_argument_t *a = d->arguments; a; a = a->next) {
        if (strcmp(a->name.value, "if") != 0)
            continue;
        const gql_ast_value_t *v = a->value;
        if (v->kind == GQL_VAL_BOOLEAN)
            return v->boolean;
        if (v->kind == GQL_VAL_VARIABLE && ex->env->variables) {
            json_object *jv;
            if (json_object_object_get_ex(ex->env->variables, v->str, &jv))
                return json_object_get_boolean(jv);
        }
        return 0;
    }
    return 0;
}

static int should_include(const exec_t *ex, const gql_ast_directive_t *dirs)
{
    for (const gql_ast_directive_t *d = dirs; d; d = d->next) {
        if (strcmp(d->name.value, "skip") == 0 && directive_if(ex, d))
            return 0;
        if (strcmp(d->name.value, "include") == 0 && !directive_if(ex, d))
            return 0;
    }
    return 1;
}

static const gql_ast_definition_t *find_fragment(const gql_document_t *doc, const char *name)
{
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_FRAGMENT && d->name.value && strcmp(d->name.value, name) == 0)
            return d;
    return NULL;
}

static int type_applies(const gql_schema_t *s, int obj, const gql_ast_type_t *cond)
{
    if (!cond)
        return 1;
    int c = gql_schema_type_index(s, cond->name.value);
    if (c < 0)
        return 0;
    if (c == obj)
        return 1;
    const gql_type_t *ct = &s->types[c];
    if (ct->kind != GQL_TK_INTERFACE && ct->kind != GQL_TK_UNION)
        return 0;
    for (int i = 0; i < ct->npossible; i++)
        if (ct->possible_types[i] == obj)
            return 1;
    const gql_type_t *ot = &s->types[obj];
    for (int i = 0; i < ot->ninterfaces; i++)
        if (ot->interfaces[i] == c)
            return 1;
    return 0;
}

typedef struct visited {
    const char **names;
    int n, cap;
} visited_t;

static int visited_add(visited_t *v, const char *name)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return 0;
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 8;
        const char **p = realloc(v->names, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        v->names = p;
        v->cap = cap;
    }
    v->names[v->n++] = name;
    return 1;
}

static int group_add(fgroups_t *gs, const char *key, const gql_ast_selection_t *node)
{
    fgroup_t *g = NULL;
    for (int i = 0; i < gs->n; i++)
        if (strcmp(gs->g[i].key, key) == 0) {
            g = &gs->g[i];
            break;
        }
    if (!g) {
        if (gs->n == gs->cap) {
            int cap = gs->cap ? gs->cap * 2 : 8;
            fgroup_t *p = realloc(gs->g, (size_t)cap * sizeof *p);
            if (!p)
                return -1;
            gs->g = p;
            gs->cap = cap;
        }
        g = &gs->g[gs->n++];
        memset(g, 0, sizeof *g);
        g->key = key;
    }
    if (g->n == g->cap) {
        int cap = g->cap ? g->cap * 2 : 2;
        const gql_ast_selection_t **p = realloc(g->nodes, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        g->nodes = p;
        g->cap = cap;
    }
    g->nodes[g->n++] = node;
    return 0;
}

static void groups_free(fgroups_t *gs)
{
    for (int i = 0; i < gs->n; i++)
        free(gs->g[i].nodes);
    free(gs->g);
    memset(gs, 0, sizeof *gs);
}

static int collect(const exec_t *ex, int obj, const gql_ast_selection_set_t *ss, fgroups_t *gs, visited_t *vis,
                   int depth)
{
    if (!ss || depth > GQL_EXEC_MAX_NESTING)
        return 0;
    for (const gql_ast_selection_t *sel = ss->selections; sel; sel = sel->next) {
        if (!should_include(ex, sel->directives))
            continue;
        switch (sel->kind) {
        case GQL_SEL_FIELD: {
            const char *key = sel->alias.value ? sel->alias.value : sel->name.value;
            if (group_add(gs, key, sel) < 0)
                return -1;
            break;
        }
        case GQL_SEL_INLINE_FRAGMENT:
            if (!type_applies(ex->s, obj, sel->type_condition))
                continue;
            if (collect(ex, obj, sel->selection_set, gs, vis, depth + 1) < 0)
                return -1;
            break;
        case GQL_SEL_FRAGMENT_SPREAD: {
            int r = visited_add(vis, sel->name.value);
            if (r < 0)
                return -1;
            if (r == 0)
                continue;
            const gql_ast_definition_t *f = find_fragment(ex->env->doc, sel->name.value);
            if (!f || !type_applies(ex->s, obj, f->type_condition))
                continue;
            if (collect(ex, obj, f->selection_set, gs, vis, depth + 1) < 0)
                return -1;
            break;
        }
        }
    }
    return 0;
}

/* The merged sub-selections of a field group, collected for the object type `obj`. */
static int collect_subfields(const exec_t *ex, int obj, const fgroup_t *g, fgroups_t *gs)
{
    visited_t vis = {0};
    int rc = 0;
    for (int i = 0; i < g->n && rc == 0; i++)
        rc = collect(ex, obj, g->nodes[i]->selection_set, gs, &vis, 0);
    free(vis.names);
    return rc;
}

/* ---- value completion -------------------------------------------------------------------- */

static int complete_value(exec_t *ex, const gql_typeref_t *t, const fgroup_t *g, const gql_type_t *parent,
                          json_object *v, plan_t *const *subs, int nsubs);
static int execute_fields(exec_t *ex, int obj, const fgroups_t *gs, json_object *parent, int is_root,
                          const plan_t *plan);

static int write_null(exec_t *ex, int rc) { return rt_buf_puts(ex->out, "null") < 0 ? C_NOMEM : rc; }

/* A leaf (scalar/enum) that cannot be serialised: a field error and null. */
static int leaf_error(exec_t *ex, const fgroup_t *g, char *msg)
{
    if (!msg)
        return C_NOMEM;
    add_error(ex, msg, g->nodes[0], NULL);
    free(msg);
    return write_null(ex, C_ERRNULL);
}

static int put_number_text(exec_t *ex, double d)
{
    char num[64];
    gql_exec_format_number(d, num, sizeof num);
    return rt_buf_puts(ex->out, num) < 0 ? C_NOMEM : C_VALUE;
}

/* graphql-js Number(string) for the numeric-string serialisation paths. */
static int string_number(const char *s, double *d)
{
    if (!*s)
        return 0;
    char *end;
    errno = 0;
    *d = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    return *end == '\0' && end != s;
}

static int serialize_int(exec_t *ex, const fgroup_t *g, json_object *v)
{
    double d;
    switch (json_object_get_type(v)) {
    case json_type_boolean: return rt_buf_puts(ex->out, json_object_get_boolean(v) ? "1" : "0") < 0 ? C_NOMEM : C_VALUE;
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i < INT32_MIN || i > INT32_MAX)
            return leaf_error(ex, g, msg_inspect("Int cannot represent non 32-bit signed integer value: ", v));
        return put_i64(ex->out, i) < 0 ? C_NOMEM : C_VALUE;
    }
    case json_type_double: d = json_object_get_double(v); break;
    case json_type_string:
        if (!string_number(json_object_get_string(v), &d))
            return leaf_error(ex, g, msg_inspect("Int cannot represent non-integer value: ", v));
        break;
    default: return leaf_error(ex, g, msg_inspect("Int cannot represent non-integer value: ", v));
    }
    if (!isfinite(d) || floor(d) != d)
        return leaf_error(ex, g, msg_inspect("Int cannot represent non-integer value: ", v));
    if (d < INT32_MIN || d > INT32_MAX)
        return leaf_error(ex, g, msg_inspect("Int cannot represent non 32-bit signed integer value: ", v));
    return rt_buf_printf(ex->out, "%d", (int)d) < 0 ? C_NOMEM : C_VALUE;
}

static int serialize_float(exec_t *ex, const fgroup_t *g, json_object *v)
{
    double d;
    switch (json_object_get_type(v)) {
    case json_type_boolean: return rt_buf_puts(ex->out, json_object_get_boolean(v) ? "1" : "0") < 0 ? C_NOMEM : C_VALUE;
    case json_type_int: return put_i64(ex->out, json_object_get_int64(v)) < 0 ? C_NOMEM : C_VALUE;
    case json_type_double: d = json_object_get_double(v); break;
    case json_type_string:
        if (!string_number(json_object_get_string(v), &d))
            return leaf_error(ex, g, msg_inspect("Float cannot represent non numeric value: ", v));
        break;
    default: return leaf_error(ex, g, msg_inspect("Float cannot represent non numeric value: ", v));
    }
    if (!isfinite(d))
        return leaf_error(ex, g, msg_inspect("Float cannot represent non numeric value: ", v));
    return put_number_text(ex, d);
}

static int serialize_string(exec_t *ex, const fgroup_t *g, json_object *v, int is_id)
{
    char num[64];
    switch (json_object_get_type(v)) {
    case json_type_string:
        return rt_buf_json_str(ex->out, json_object_get_string(v), (size_t)json_object_get_string_len(v)) < 0 ? C_NOMEM
                                                                                                              : C_VALUE;
    case json_type_int:
        return rt_buf_printf(ex->out, "\"%" PRId64 "\"", json_object_get_int64(v)) < 0 ? C_NOMEM : C_VALUE;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d) || (is_id && floor(d) != d))
            break;
        gql_exec_format_number(d, num, sizeof num);
        return rt_buf_printf(ex->out, "\"%s\"", num) < 0 ? C_NOMEM : C_VALUE;
    }
    case json_type_boolean:
        if (is_id)
            break;
        return rt_buf_puts(ex->out, json_object_get_boolean(v) ? "\"true\"" : "\"false\"") < 0 ? C_NOMEM : C_VALUE;
    default: break;
    }
    return leaf_error(ex, g, msg_inspect(is_id ? "ID cannot represent value: " : "String cannot represent value: ", v));
}

static int serialize_boolean(exec_t *ex, const fgroup_t *g, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        return rt_buf_puts(ex->out, json_object_get_boolean(v) ? "true" : "false") < 0 ? C_NOMEM : C_VALUE;
    case json_type_int:
        return rt_buf_puts(ex->out, json_object_get_int64(v) ? "true" : "false") < 0 ? C_NOMEM : C_VALUE;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (isfinite(d))
            return rt_buf_puts(ex->out, d != 0 ? "true" : "false") < 0 ? C_NOMEM : C_VALUE;
        break;
    }
    default: break;
    }
    return leaf_error(ex, g, msg_inspect("Boolean cannot represent a non boolean value: ", v));
}

static int serialize_enum(exec_t *ex, const fgroup_t *g, const gql_type_t *t, json_object *v)
{
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        for (int i = 0; i < t->nenum_values; i++)
            if (strcmp(t->enum_values[i].name, s) == 0)
                return rt_buf_json_str(ex->out, s, strlen(s)) < 0 ? C_NOMEM : C_VALUE;
    }
    char prefix[300];
    snprintf(prefix, sizeof prefix, "Enum \"%.200s\" cannot represent value: ", t->name);
    return leaf_error(ex, g, msg_inspect(prefix, v));
}

/* Writes a JSON value as JSON.stringify would (numbers as JavaScript prints them). */
static int write_json(rt_buf_t *b, json_object *v, int depth)
{
    char num[64];
    int rc = 0;
    switch (json_object_get_type(v)) {
    case json_type_null: return rt_buf_puts(b, "null");
    case json_type_boolean: return rt_buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
    case json_type_int: return put_i64(b, json_object_get_int64(v));
    case json_type_double:
        gql_exec_format_number(json_object_get_double(v), num, sizeof num);
        return rt_buf_puts(b, num);
    case json_type_string: return rt_buf_json_str(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    case json_type_array: {
        if (depth > 64)
            break;
        size_t n = json_object_array_length(v);
        rc |= rt_buf_putc(b, '[');
        for (size_t i = 0; i < n && !rc; i++) {
            if (i)
                rc |= rt_buf_putc(b, ',');
            rc |= write_json(b, json_object_array_get_idx(v, i), depth + 1);
        }
        return rc | rt_buf_putc(b, ']');
    }
    case json_type_object: {
        if (depth > 64)
            break;
        int first = 1;
        rc |= rt_buf_putc(b, '{');
        json_object_object_foreach(v, key, val)
        {
            if (!first)
                rc |= rt_buf_putc(b, ',');
            first = 0;
            rc |= rt_buf_json_str(b, key, strlen(key)) | rt_buf_putc(b, ':') | write_json(b, val, depth + 1);
            if (rc)
                break;
        }
        return rc | rt_buf_putc(b, '}');
    }
    }
    /* Deeper than any sane value: json-c's own writer, which does not recurse on our stack. */
    size_t len;
    const char *s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    return s ? rt_buf_append(b, s, len) : -1;
}

/* Custom scalars (DateTime, JSON, Cursor, ...) pass their JSON value through. */
static int serialize_custom(exec_t *ex, json_object *v) { return write_json(ex->out, v, 0) < 0 ? C_NOMEM : C_VALUE; }

static int complete_leaf(exec_t *ex, const gql_type_t *t, const fgroup_t *g, json_object *v)
{
    if (t->kind == GQL_TK_ENUM)
        return serialize_enum(ex, g, t, v);
    if (t->builtin) {
        /* The built-in scalars are exactly Int, ID, Float, String and Boolean. */
        switch (t->name[0]) {
        case 'I': return t->name[1] == 'n' ? serialize_int(ex, g, v) : serialize_string(ex, g, v, 1);
        case 'F': return serialize_float(ex, g, v);
        case 'S': return serialize_string(ex, g, v, 0);
        case 'B': return serialize_boolean(ex, g, v);
        default: break;
        }
    }
    return serialize_custom(ex, v);
}

/* The runtime object type of a value of an abstract type: its "__typename" member. */
static int resolve_runtime_type(exec_t *ex, const gql_type_t *abstract, const fgroup_t *g, const gql_type_t *parent,
                                json_object *v, int *obj)
{
    json_object *tn;
    char msg[1024];
    if (!json_object_object_get_ex(v, "__typename", &tn) || !json_object_is_type(tn, json_type_string)) {
        if (abstract->npossible == 1) {
            *obj = abstract->possible_types[0];
            return 0;
        }
        snprintf(
            msg, sizeof msg,
            "Abstract type \"%s\" must resolve to an Object type at runtime for field \"%s.%s\". Either the \"%s\" "
            "type should provide a \"resolveType\" function or each possible type should provide an \"isTypeOf\" "
            "function.",
            abstract->name, parent ? parent->name : "", g->nodes[0]->name.value, abstract->name);
        add_error(ex, msg, g->nodes[0], NULL);
        return -1;
    }
    const char *name = json_object_get_string(tn);
    int idx = gql_schema_type_index(ex->s, name);
    if (idx < 0 || ex->s->types[idx].kind != GQL_TK_OBJECT) {
        snprintf(msg, sizeof msg,
                 "Abstract type \"%s\" was resolved to a type \"%.200s\" that does not exist inside the schema.",
                 abstract->name, name);
        add_error(ex, msg, g->nodes[0], NULL);
        return -1;
    }
    for (int i = 0; i < abstract->npossible; i++)
        if (abstract->possible_types[i] == idx) {
            *obj = idx;
            return 0;
        }
    snprintf(msg, sizeof msg, "Runtime Object type \"%s\" is not a possible type for \"%s\".", ex->s->types[idx].name,
             abstract->name);
    add_error(ex, msg, g->nodes[0], NULL);
    return -1;
}

static int complete_object(exec_t *ex, int obj, const fgroup_t *g, json_object *v, plan_t *const *subs, int nsubs)
{
    for (int i = 0; i < nsubs; i++)
        if (subs[i]->obj == obj)
            return execute_fields(ex, obj, &subs[i]->gs, v, 0, subs[i]);
    fgroups_t sub = {0};
    if (collect_subfields(ex, obj, g, &sub) < 0) {
        groups_free(&sub);
        return C_NOMEM;
    }
    int rc = execute_fields(ex, obj, &sub, v, 0, NULL);
    groups_free(&sub);
    return rc;
}

static int complete_value(exec_t *ex, const gql_typeref_t *t, const fgroup_t *g, const gql_type_t *parent,
                          json_object *v, plan_t *const *subs, int nsubs)
{
    if (t->wrap == GQL_TR_NON_NULL) {
        int rc = complete_value(ex, t->of, g, parent, v, subs, nsubs);
        if (rc == C_NULL) {
            char msg[600];
            snprintf(msg, sizeof msg, "Cannot return null for non-nullable field %.250s.%.250s.",
                     parent ? parent->name : "", g->nodes[0]->name.value);
            add_error(ex, msg, g->nodes[0], NULL);
            return C_PROP;
        }
        if (rc == C_ERRNULL)
            return C_PROP;
        return rc;
    }
    if (!v || json_object_is_type(v, json_type_null))
        return write_null(ex, C_NULL);
    if (t->wrap == GQL_TR_LIST) {
        if (!json_object_is_type(v, json_type_array)) {
            char msg[600];
            snprintf(msg, sizeof msg, "Expected Iterable, but did not find one for field \"%.250s.%.250s\".",
                     parent ? parent->name : "", g->nodes[0]->name.value);
            add_error(ex, msg, g->nodes[0], NULL);
            return write_null(ex, C_ERRNULL);
        }
        size_t mark = ex->out->len;
        if (rt_buf_putc(ex->out, '[') < 0)
            return C_NOMEM;
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            if ((i && rt_buf_putc(ex->out, ',') < 0) || path_push(ex, NULL, (int)i) < 0)
                return C_NOMEM;
            int rc = complete_value(ex, t->of, g, parent, json_object_array_get_idx(v, i), subs, nsubs);
            path_pop(ex);
            if (rc == C_NOMEM)
                return rc;
            if (rc == C_PROP) {
                ex->out->len = mark;
                return write_null(ex, C_ERRNULL);
            }
        }
        return rt_buf_putc(ex->out, ']') < 0 ? C_NOMEM : C_VALUE;
    }
    if (t->named < 0 || t->named >= ex->s->ntypes)
        return write_null(ex, C_NULL);
    const gql_type_t *nt = &ex->s->types[t->named];
    switch (nt->kind) {
    case GQL_TK_SCALAR:
    case GQL_TK_ENUM: return complete_leaf(ex, nt, g, v);
    case GQL_TK_OBJECT: return complete_object(ex, t->named, g, v, subs, nsubs);
    case GQL_TK_INTERFACE:
    case GQL_TK_UNION: {
        int obj;
        if (resolve_runtime_type(ex, nt, g, parent, v, &obj) < 0)
            return ex->nomem ? C_NOMEM : write_null(ex, C_ERRNULL);
        return complete_object(ex, obj, g, v, subs, nsubs);
    }
    case GQL_TK_INPUT_OBJECT: break;
    }
    return write_null(ex, C_NULL);
}

/* ---- field execution --------------------------------------------------------------------- */

/* Resolves one field's value: a new reference in *value (NULL is null). Returns 0, 1 for a field
 * error (recorded), or C_NOMEM. Introspection and root fields get coerced arguments; fields read
 * from a parent value do not need them. */
static int resolve_field(exec_t *ex, const gql_type_t *pt, const gql_field_t *fd, const fgroup_t *g,
                         json_object *parent, int is_root, json_object **value)
{
    const gql_ast_selection_t *node = g->nodes[0];
    const char *name = node->name.value;
    *value = NULL;
    int meta = name[0] == '_' && name[1] == '_';
    int intro_type = gql_introspect_is_meta_type(pt->name);
    if ((is_root && meta) || intro_type || (is_root && ex->resolve)) {
        char *err = NULL;
        json_object *args = NULL;
        if (fd->nargs) {
            args = gql_exec_coerce_args(ex->env, fd->args, fd->nargs, node->arguments, &err);
            if (!args) {
                if (!err)
                    return C_NOMEM;
                add_error(ex, err, node, NULL);
                free(err);
                return 1;
            }
        }
        int rc;
        if (is_root && meta) {
            rc = gql_introspect_resolve(ex->s, NULL, name, NULL, args, value);
        } else if (intro_type) {
            rc = gql_introspect_resolve(ex->s, pt->name, name, parent, args, value);
        } else {
            if (!args && !(args = json_object_new_object()))
                return C_NOMEM;
            rc = ex->resolve(ex->ctx, name, args, value, &err);
            if (rc != 0) {
                /* A failing resolver may hand over the error's extensions object in *value (gql.h). */
                json_object *ext = *value;
                *value = NULL;
                const char *ext_text = NULL;
                if (ext && json_object_is_type(ext, json_type_object))
                    ext_text =
                        json_object_to_json_string_ext(ext, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                add_error(ex, err ? err : "Internal error", node, ext_text);
                free(err);
                json_object_put(ext);
                json_object_put(args);
                return 1;
            }
            free(err);
        }
        json_object_put(args);
        return rc < 0 ? C_NOMEM : 0;
    }
    if (is_root && ex->root_field) {
        if (strcmp(ex->root_field, name) == 0)
            *value = json_object_get(ex->root_value);
        return 0;
    }
    json_object *v;
    if (parent && json_object_object_get_ex(parent, name, &v))
        *value = json_object_get(v);
    return 0;
}

/* Executes one field group into the output (the key is already written). */
static int execute_field(exec_t *ex, const gql_type_t *pt, const gql_field_t *fd, const fgroup_t *g,
                         json_object *parent, int is_root, plan_t *const *subs, int nsubs)
{
    json_object *v = NULL;
    int rc = resolve_field(ex, pt, fd, g, parent, is_root, &v);
    if (rc == C_NOMEM)
        return C_NOMEM;
    if (rc == 1)
        rc = fd->type->wrap == GQL_TR_NON_NULL ? C_PROP : write_null(ex, C_ERRNULL);
    else
        rc = complete_value(ex, fd->type, g, pt, v, subs, nsubs);
    json_object_put(v);
    return rc;
}

/* __schema and __type: fields of the query type that the tables do not list. */
static int execute_meta_field(exec_t *ex, const gql_type_t *pt, const fgroup_t *g, json_object *parent)
{
    const char *name = g->nodes[0]->name.value;
    int is_schema = strcmp(name, "__schema") == 0;
    int tidx = gql_schema_type_index(ex->s, is_schema ? "__Schema" : "__Type");
    int sidx = gql_schema_type_index(ex->s, "String");
    if (tidx < 0 || sidx < 0)
        return write_null(ex, C_NULL);
    gql_typeref_t named = {GQL_TR_NAMED, tidx, NULL};
    gql_typeref_t nonnull = {GQL_TR_NON_NULL, 0, &named};
    gql_typeref_t str = {GQL_TR_NAMED, sidx, NULL};
    gql_typeref_t str_nn = {GQL_TR_NON_NULL, 0, &str};
    gql_input_value_t arg = {"name", NULL, &str_nn, NULL, false, NULL};
    gql_field_t fd = {name, NULL, is_schema ? &nonnull : &named, &arg, is_schema ? 0 : 1, false, NULL};
    return execute_field(ex, pt, &fd, g, parent, 1, NULL, 0);
}

static int execute_fields(exec_t *ex, int obj, const fgroups_t *gs, json_object *parent, int is_root,
                          const plan_t *plan)
{
    const gql_type_t *pt = &ex->s->types[obj];
    size_t mark = ex->out->len;
    if (rt_buf_putc(ex->out, '{') < 0)
        return C_NOMEM;
    int first = 1;
    for (int i = 0; i < gs->n; i++) {
        const fgroup_t *g = &gs->g[i];
        const char *name = g->nodes[0]->name.value;
        int dunder = name[0] == '_' && name[1] == '_';
        int typename_field = dunder && strcmp(name, "__typename") == 0;
        int meta_field = dunder && is_root && obj == ex->s->query_type &&
                         (strcmp(name, "__schema") == 0 || strcmp(name, "__type") == 0);
        const gql_field_t *fd = typename_field || meta_field ? NULL : plan ? plan->fds[i] : gql_type_field(pt, name);
        if (!typename_field && !meta_field && !fd)
            continue; /* unknown fields are ignored, as graphql-js does */
        if (!first && rt_buf_putc(ex->out, ',') < 0)
            return C_NOMEM;
        first = 0;
        /* Response keys are GraphQL names: nothing to escape. */
        size_t klen = strlen(g->key);
        if (rt_buf_reserve(ex->out, klen + 3) < 0 || path_push(ex, g->key, 0) < 0)
            return C_NOMEM;
        char *w = ex->out->data + ex->out->len;
        w[0] = '"';
        memcpy(w + 1, g->key, klen);
        w[klen + 1] = '"';
        w[klen + 2] = ':';
        ex->out->len += klen + 3;
        int rc;
        if (typename_field)
            rc = rt_buf_json_str(ex->out, pt->name, strlen(pt->name)) < 0 ? C_NOMEM : C_VALUE;
        else if (meta_field)
            rc = execute_meta_field(ex, pt, g, parent);
        else
            rc = execute_field(ex, pt, fd, g, parent, is_root, plan ? plan->subs[i] : NULL, plan ? plan->nsubs[i] : 0);
        path_pop(ex);
        if (rc == C_NOMEM || ex->nomem)
            return C_NOMEM;
        if (rc == C_PROP) {
            ex->out->len = mark;
            return write_null(ex, C_ERRNULL);
        }
    }
    return rt_buf_putc(ex->out, '}') < 0 ? C_NOMEM : C_VALUE;
}

/* ---- entry points ------------------------------------------------------------------------- */

static int op_root_type(const gql_exec_env_t *env)
{
    switch (env->op->operation) {
    case GQL_OPERATION_QUERY: return env->schema->query_type;
    case GQL_OPERATION_MUTATION: return env->schema->mutation_type;
    case GQL_OPERATION_SUBSCRIPTION: return env->schema->subscription_type;
    }
    return -1;
}

/* Writes the data member's value (object or null) for the operation's root selection set. */
static int run_root(exec_t *ex)
{
    int root = op_root_type(ex->env);
    if (root < 0 || root >= ex->s->ntypes)
        return write_null(ex, C_NULL);
    fgroups_t gs = {0};
    visited_t vis = {0};
    int rc = collect(ex, root, ex->env->op->selection_set, &gs, &vis, 0);
    free(vis.names);
    if (rc < 0) {
        groups_free(&gs);
        return C_NOMEM;
    }
    rc = execute_fields(ex, root, &gs, NULL, 1, NULL);
    groups_free(&gs);
    return rc;
}

static void exec_done(exec_t *ex)
{
    rt_buf_free(&ex->errs);
    free(ex->path);
}

json_object *gql_exec_execute(const gql_exec_env_t *env, gql_resolve_fn resolve, void *ctx)
{
    rt_buf_t data = RT_BUF_INIT, text = RT_BUF_INIT;
    exec_t ex = {.env = env, .s = env->schema, .resolve = resolve, .ctx = ctx, .out = &data};
    json_object *result = NULL;
    int rc = run_root(&ex);
    if (rc == C_NOMEM || ex.nomem)
        goto done;
    int w = 0;
    if (ex.nerrors)
        w |= rt_buf_puts(&text, "{\"errors\":[") | rt_buf_append(&text, ex.errs.data, ex.errs.len) |
             rt_buf_puts(&text, "],\"data\":");
    else
        w |= rt_buf_puts(&text, "{\"data\":");
    w |= rt_buf_append(&text, data.data, data.len) | rt_buf_putc(&text, '}');
    if (w)
        goto done;
    json_tokener *tok = json_tokener_new_ex(GQL_EXEC_MAX_NESTING);
    if (!tok)
        goto done;
    result = json_tokener_parse_ex(tok, text.data, (int)text.len);
    json_tokener_free(tok);
done:
    exec_done(&ex);
    rt_buf_free(&data);
    rt_buf_free(&text);
    return result;
}

struct gql_exec_root {
    char *field;
    char *key;
    json_object *args;
    char *selection_key;
    plan_t *plan; /* the root selection over the subscription type, or NULL */
};

static void plan_free(plan_t *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->gs.n; i++) {
        if (p->subs && p->subs[i]) {
            for (int j = 0; j < p->nsubs[i]; j++)
                plan_free(p->subs[i][j]);
            free(p->subs[i]);
        }
    }
    free(p->subs);
    free(p->nsubs);
    free(p->fds);
    groups_free(&p->gs);
    free(p);
}

/* Builds the plan of a collected selection (takes *gs) over object type `obj`. Deeper than
 * the document can nest legitimately means a fragment cycle: NULL, and rendering falls back to
 * collecting at run time. */
static plan_t *plan_build(const exec_t *ex, int obj, fgroups_t *gs, int depth)
{
    plan_t *p = calloc(1, sizeof *p);
    if (!p) {
        groups_free(gs);
        return NULL;
    }
    p->obj = obj;
    p->gs = *gs;
    memset(gs, 0, sizeof *gs);
    if (depth > 64)
        goto fail;
    int n = p->gs.n;
    p->fds = calloc((size_t)(n ? n : 1), sizeof *p->fds);
    p->subs = calloc((size_t)(n ? n : 1), sizeof *p->subs);
    p->nsubs = calloc((size_t)(n ? n : 1), sizeof *p->nsubs);
    if (!p->fds || !p->subs || !p->nsubs)
        goto fail;
    const gql_type_t *pt = &ex->s->types[obj];
    for (int i = 0; i < n; i++) {
        const fgroup_t *g = &p->gs.g[i];
        const gql_field_t *fd = gql_type_field(pt, g->nodes[0]->name.value);
        p->fds[i] = fd;
        if (!fd)
            continue;
        const gql_typeref_t *r = fd->type;
        while (r && r->wrap != GQL_TR_NAMED)
            r = r->of;
        if (!r || r->named < 0 || r->named >= ex->s->ntypes)
            continue;
        const gql_type_t *nt = &ex->s->types[r->named];
        const int *targets = NULL;
        int ntargets = 0;
        if (nt->kind == GQL_TK_OBJECT) {
            targets = &r->named;
            ntargets = 1;
        } else if (nt->kind == GQL_TK_INTERFACE || nt->kind == GQL_TK_UNION) {
            targets = nt->possible_types;
            ntargets = nt->npossible;
        }
        if (!ntargets)
            continue;
        p->subs[i] = calloc((size_t)ntargets, sizeof *p->subs[i]);
        if (!p->subs[i])
            goto fail;
        for (int j = 0; j < ntargets; j++) {
            fgroups_t sub = {0};
            if (collect_subfields(ex, targets[j], g, &sub) < 0) {
                groups_free(&sub);
                goto fail;
            }
            plan_t *sp = plan_build(ex, targets[j], &sub, depth + 1);
            if (!sp)
                goto fail;
            p->subs[i][p->nsubs[i]++] = sp;
        }
    }
    return p;
fail:
    plan_free(p);
    return NULL;
}

int gql_exec_render_event(const gql_exec_env_t *env, const gql_exec_root_t *root, json_object *value, rt_buf_t *out)
{
    size_t start = out->len;
    exec_t ex = {.env = env, .s = env->schema, .root_value = value, .root_field = root->field, .out = out};
    int rc = rt_buf_puts(out, "{\"data\":") < 0 ? C_NOMEM
             : root->plan ? execute_fields(&ex, root->plan->obj, &root->plan->gs, NULL, 1, root->plan)
                          : run_root(&ex);
    if (rc == C_NOMEM || ex.nomem)
        goto fail;
    if (ex.nerrors) {
        if (rt_buf_puts(out, ",\"errors\":[") < 0 || rt_buf_append(out, ex.errs.data, ex.errs.len) < 0 ||
            rt_buf_putc(out, ']') < 0)
            goto fail;
    }
    if (rt_buf_putc(out, '}') < 0)
        goto fail;
    exec_done(&ex);
    return 0;
fail:
    exec_done(&ex);
    out->len = start;
    return -1;
}

/* ---- root facts and the selection key ----------------------------------------------------- */

/* Prints an argument value with variables replaced by their (coerced) JSON values. */
static int key_value(const exec_t *ex, rt_buf_t *b, const gql_ast_value_t *v)
{
    switch (v->kind) {
    case GQL_VAL_VARIABLE: {
        json_object *jv;
        if (!ex->env->variables || !json_object_object_get_ex(ex->env->variables, v->str, &jv))
            return rt_buf_puts(b, "$undefined");
        const char *s = json_object_to_json_string_ext(jv, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return rt_buf_putc(b, '$') | rt_buf_puts(b, s ? s : "null");
    }
    case GQL_VAL_LIST: {
        int rc = rt_buf_putc(b, '[');
        for (const gql_ast_value_t *i = v->items; i; i = i->next)
            rc |= key_value(ex, b, i) | rt_buf_putc(b, ',');
        return rc | rt_buf_putc(b, ']');
    }
    case GQL_VAL_OBJECT: {
        int rc = rt_buf_putc(b, '{');
        for (const gql_ast_object_field_t *f = v->fields; f; f = f->next)
            rc |=
                rt_buf_puts(b, f->name.value) | rt_buf_putc(b, ':') | key_value(ex, b, f->value) | rt_buf_putc(b, ',');
        return rc | rt_buf_putc(b, '}');
    }
    default: return gql_print_value(b, v);
    }
}

/* Fragments being expanded on the current path: a cycle (only in unvalidated documents) stops. */
typedef struct frag_path {
    const char *names[64];
    int n;
} frag_path_t;

static int key_selection_set(const exec_t *ex, rt_buf_t *b, const gql_ast_selection_set_t *ss, int depth,
                             frag_path_t *fp)
{
    if (!ss)
        return 0;
    if (depth > GQL_EXEC_MAX_NESTING)
        return -1;
    int rc = rt_buf_putc(b, '{');
    for (const gql_ast_selection_t *sel = ss->selections; sel && !rc; sel = sel->next) {
        if (!should_include(ex, sel->directives))
            continue;
        switch (sel->kind) {
        case GQL_SEL_FIELD:
            /* Field errors carry the field's location, so it is part of what renders. */
            rc |= rt_buf_puts(b, sel->alias.value ? sel->alias.value : sel->name.value) | rt_buf_putc(b, ':') |
                  rt_buf_puts(b, sel->name.value) | rt_buf_printf(b, "@%u:%u", sel->loc.line, sel->loc.column);
            if (sel->arguments) {
                rc |= rt_buf_putc(b, '(');
                for (const gql_ast_argument_t *a = sel->arguments; a; a = a->next)
                    rc |= rt_buf_puts(b, a->name.value) | rt_buf_putc(b, ':') | key_value(ex, b, a->value) |
                          rt_buf_putc(b, ',');
                rc |= rt_buf_putc(b, ')');
            }
            rc |= key_selection_set(ex, b, sel->selection_set, depth + 1, fp);
            break;
        case GQL_SEL_INLINE_FRAGMENT:
            rc |= rt_buf_puts(b, "...");
            if (sel->type_condition)
                rc |= rt_buf_puts(b, "on ") | rt_buf_puts(b, sel->type_condition->name.value);
            rc |= key_selection_set(ex, b, sel->selection_set, depth + 1, fp);
            break;
        case GQL_SEL_FRAGMENT_SPREAD: {
            const gql_ast_definition_t *f = find_fragment(ex->env->doc, sel->name.value);
            if (!f)
                break;
            int cycle = 0;
            for (int i = 0; i < fp->n; i++)
                cycle |= strcmp(fp->names[i], sel->name.value) == 0;
            if (cycle || fp->n == (int)(sizeof fp->names / sizeof fp->names[0]))
                break;
            rc |= rt_buf_puts(b, "...on ") | rt_buf_puts(b, f->type_condition ? f->type_condition->name.value : "");
            fp->names[fp->n++] = sel->name.value;
            rc |= key_selection_set(ex, b, f->selection_set, depth + 1, fp);
            fp->n--;
            break;
        }
        }
        rc |= rt_buf_putc(b, ' ');
    }
    return rc | rt_buf_putc(b, '}');
}

void gql_exec_root_free(gql_exec_root_t *root)
{
    if (!root)
        return;
    free(root->field);
    free(root->key);
    free(root->selection_key);
    plan_free(root->plan);
    if (root->args)
        json_object_put(root->args);
    free(root);
}

int gql_exec_root_new(const gql_exec_env_t *env, gql_exec_root_t **out, json_object **errors)
{
    *out = NULL;
    if (errors)
        *errors = NULL;
    exec_t ex = {.env = env, .s = env->schema};
    fgroups_t gs = {0};
    visited_t vis = {0};
    rt_buf_t key = RT_BUF_INIT;
    char *err = NULL;
    int rc = GQL_ERR_NOMEM;
    gql_exec_root_t *r = calloc(1, sizeof *r);
    int root = op_root_type(env);
    if (!r || collect(&ex, root >= 0 ? root : 0, env->op->selection_set, &gs, &vis, 0) < 0)
        goto fail;
    if (root < 0 || gs.n == 0) {
        /* Nothing selected (all skipped): no root field; rendering gives {"data":{}}. */
        if (!(r->field = strdup("")) || !(r->key = strdup("")) || !(r->args = json_object_new_object()) ||
            !(r->selection_key = strdup("{}")))
            goto fail;
        rc = 0;
        goto done;
    }
    const fgroup_t *g = &gs.g[0];
    const gql_ast_selection_t *node = g->nodes[0];
    if (!(r->field = strdup(node->name.value)) || !(r->key = strdup(g->key)))
        goto fail;
    const gql_field_t *fd = gql_type_field(&env->schema->types[root], node->name.value);
    if (fd && fd->nargs) {
        r->args = gql_exec_coerce_args(env, fd->args, fd->nargs, node->arguments, &err);
        if (!r->args) {
            if (!err)
                goto fail;
            rc = GQL_ERR_REQUEST;
            if (errors) {
                json_object *e = json_object_new_object();
                json_object *arr = json_object_new_array();
                json_object *locs = json_object_new_array();
                json_object *loc = json_object_new_object();
                if (!e || !arr || !locs || !loc) {
                    json_object_put(e);
                    json_object_put(arr);
                    json_object_put(locs);
                    json_object_put(loc);
                    rc = GQL_ERR_NOMEM;
                    goto fail;
                }
                json_object_object_add(e, "message", json_object_new_string(err));
                json_object_object_add(loc, "line", json_object_new_int((int)node->loc.line));
                json_object_object_add(loc, "column", json_object_new_int((int)node->loc.column));
                json_object_array_add(locs, loc);
                json_object_object_add(e, "locations", locs);
                json_object_array_add(arr, e);
                *errors = arr;
            }
            goto fail;
        }
    } else if (!(r->args = json_object_new_object())) {
        goto fail;
    }
    /* Only the root field's response key, name, location and merged sub-selections matter for
     * rendering (locations because field errors carry them). */
    if (rt_buf_puts(&key, g->key) < 0 || rt_buf_putc(&key, ':') < 0 || rt_buf_puts(&key, node->name.value) < 0 ||
        rt_buf_printf(&key, "@%u:%u", node->loc.line, node->loc.column) < 0)
        goto fail;
    frag_path_t fp = {.n = 0};
    for (int i = 0; i < g->n; i++)
        if (key_selection_set(&ex, &key, g->nodes[i]->selection_set, 0, &fp) < 0)
            goto fail;
    if (!rt_buf_cstr(&key))
        goto fail;
    r->selection_key = rt_buf_steal(&key, NULL);
    /* The plan is only a speed-up: without one, rendering collects fields itself. */
    r->plan = plan_build(&ex, root, &gs, 0);
    rc = 0;
    goto done;
fail:
    gql_exec_root_free(r);
    r = NULL;
done:
    free(err);
    free(vis.names);
    groups_free(&gs);
    rt_buf_free(&key);
    *out = r;
    return rc;
}

const char *gql_exec_root_field(const gql_exec_root_t *root) { return root->field; }
const char *gql_exec_root_key(const gql_exec_root_t *root) { return root->key; }
json_object *gql_exec_root_args(const gql_exec_root_t *root) { return root->args; }
const char *gql_exec_root_selection_key(const gql_exec_root_t *root) { return root->selection_key; }

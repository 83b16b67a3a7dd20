/* Node filters: a `<T>Where` value compiled into a flat pre-order program (groups carry the index
 * just past their members, so a short-circuit is a jump) and judged by one loop with an explicit
 * stack. Field kinds and names come from the generated schema tables, so a field added to the
 * SDL is filterable with no C edit. Rules: docs/schema.md, "Node filters". */
#include "feed/feed_where.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util_clock.h"

#define FW_DEPTH_CAP 32 /* the evaluation stack's size, whatever the configured depth limit */

typedef enum { FW_AND, FW_OR, FW_NONE, FW_COND } fw_kind_t;
typedef enum { FW_EQ, FW_NE, FW_IN, FW_NIN, FW_LT, FW_LTE, FW_GT, FW_GTE, FW_CONTAINS, FW_STARTS, FW_ENDS } fw_op_t;
typedef enum { FW_TEXT, FW_NUM, FW_TIME, FW_BOOL } fw_vk_t;

typedef struct fw_val {
    bool null;
    char *s; /* FW_TEXT (owned) */
    size_t len;
    double d;  /* FW_NUM */
    int64_t t; /* FW_TIME: Unix milliseconds */
    bool b;    /* FW_BOOL */
} fw_val_t;

typedef struct fw_ins {
    fw_kind_t kind;
    int end;  /* groups: the index just past the group's members */
    bool top; /* a condition of the outermost object */
    fw_op_t op;
    fw_vk_t vk;
    bool is_id;      /* an ID field: an integer operand stands for its text */
    const char *key; /* the node field's name (static, from the schema) */
    fw_val_t v;      /* scalar operand */
    fw_val_t *items; /* _in / _not_in operands, sorted (owned) */
    int nitems;
} fw_ins_t;

struct feed_where {
    fw_ins_t *ins;
    int n, cap;
    int cost, max_items, max_depth;
    const gql_schema_t *sc;
    const gql_type_t *node_type, *where_type;
};

static const struct {
    const char *sfx;
    fw_op_t op;
} fw_suffixes[] = {
    {"", FW_EQ},
    {"_not", FW_NE},
    {"_in", FW_IN},
    {"_not_in", FW_NIN},
    {"_lt", FW_LT},
    {"_lte", FW_LTE},
    {"_gt", FW_GT},
    {"_gte", FW_GTE},
    {"_contains", FW_CONTAINS},
    {"_starts_with", FW_STARTS},
    {"_ends_with", FW_ENDS},
};

/* ---- values ---- */

static int fw_cmp(fw_vk_t vk, const fw_val_t *a, const fw_val_t *b)
{
    switch (vk) {
    case FW_TEXT: {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, n);
        return c ? c : (a->len > b->len) - (a->len < b->len);
    }
    case FW_NUM: return (a->d > b->d) - (a->d < b->d);
    case FW_TIME: return (a->t > b->t) - (a->t < b->t);
    default: return (int)a->b - (int)b->b;
    }
}

/* Reads a node field: 0 null or absent, 1 a comparable value in *out (borrowed), -1 a present
 * value of another kind (equal to nothing, ordered against nothing). */
static int fw_node_val(json_object *node, const char *key, fw_vk_t vk, fw_val_t *out)
{
    json_object *j = NULL;
    if (!node || !json_object_is_type(node, json_type_object) || !json_object_object_get_ex(node, key, &j) || !j)
        return 0;
    json_type jt = json_object_get_type(j);
    switch (vk) {
    case FW_TEXT:
        if (jt != json_type_string)
            return -1;
        out->s = (char *)json_object_get_string(j);
        out->len = (size_t)json_object_get_string_len(j);
        return 1;
    case FW_NUM:
        if (jt != json_type_int && jt != json_type_double)
            return -1;
        out->d = json_object_get_double(j);
        return 1;
    case FW_TIME:
        return jt == json_type_string &&
                       rt_rfc3339_ms(json_object_get_string(j), (size_t)json_object_get_string_len(j), &out->t)
                   ? 1
                   : -1;
    default:
        if (jt != json_type_boolean)
            return -1;
        out->b = json_object_get_boolean(j);
        return 1;
    }
}

/* A coerced operand; *why set on a value of the wrong kind. */
static int fw_operand(json_object *j, fw_vk_t vk, bool is_id, fw_val_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (!j || json_object_is_type(j, json_type_null)) {
        out->null = true;
        return FEED_WHERE_OK;
    }
    json_type jt = json_object_get_type(j);
    bool ok = false;
    switch (vk) {
    case FW_TEXT:
        /* an ID given as an integer literal is coerced to its text */
        if ((ok = jt == json_type_string || (is_id && jt == json_type_int))) {
            const char *s = json_object_get_string(j);
            out->len = jt == json_type_string ? (size_t)json_object_get_string_len(j) : strlen(s);
            if (!(out->s = malloc(out->len + 1)))
                return FEED_WHERE_NOMEM;
            memcpy(out->s, s, out->len);
            out->s[out->len] = '\0';
        }
        break;
    case FW_NUM:
        if ((ok = jt == json_type_int || jt == json_type_double))
            out->d = json_object_get_double(j);
        break;
    case FW_TIME:
        ok = jt == json_type_string &&
             rt_rfc3339_ms(json_object_get_string(j), (size_t)json_object_get_string_len(j), &out->t);
        break;
    default:
        if ((ok = jt == json_type_boolean))
            out->b = json_object_get_boolean(j);
    }
    if (!ok) {
        *why = vk == FW_TIME ? "a DateTime node filter needs an RFC 3339 date-time string"
                             : "a node filter operand has the wrong type";
        return FEED_WHERE_BAD_ARG;
    }
    return FEED_WHERE_OK;
}

/* ---- compile ---- */

static fw_ins_t *fw_push(feed_where_t *w, fw_kind_t kind)
{
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 8;
        fw_ins_t *ni = realloc(w->ins, (size_t)cap * sizeof *ni);
        if (!ni)
            return NULL;
        w->ins = ni;
        w->cap = cap;
    }
    fw_ins_t *in = &w->ins[w->n++];
    memset(in, 0, sizeof *in);
    in->kind = kind;
    return in;
}

static int fw_charge(feed_where_t *w, int n, const char **why)
{
    w->cost += n;
    if (w->max_items >= 0 && w->cost > w->max_items) {
        *why = "Node filter is too complex: its conditions, list items and nested filters exceed the list limit.";
        return FEED_WHERE_TOO_COMPLEX;
    }
    return FEED_WHERE_OK;
}

/* The comparison kind of a node field, and whether it takes the text operators; false when the
 * field has no filters (lists, objects, JSON and other custom scalars). */
static bool fw_field_kind(const feed_where_t *w, const gql_field_t *f, fw_vk_t *vk, bool *text, bool *ordered)
{
    const gql_typeref_t *r = f->type;
    if (r->wrap == GQL_TR_NON_NULL)
        r = r->of;
    if (r->wrap != GQL_TR_NAMED || r->named < 0 || r->named >= w->sc->ntypes)
        return false;
    const gql_type_t *t = &w->sc->types[r->named];
    *text = *ordered = false;
    if (t->kind == GQL_TK_ENUM) {
        *vk = FW_TEXT;
        return true;
    }
    if (t->kind != GQL_TK_SCALAR)
        return false;
    if (strcmp(t->name, "String") == 0 || strcmp(t->name, "ID") == 0)
        *vk = FW_TEXT, *text = true;
    else if (strcmp(t->name, "Int") == 0 || strcmp(t->name, "Float") == 0)
        *vk = FW_NUM, *ordered = true;
    else if (strcmp(t->name, "DateTime") == 0)
        *vk = FW_TIME, *ordered = true;
    else if (strcmp(t->name, "Boolean") == 0)
        *vk = FW_BOOL;
    else
        return false;
    return true;
}

static int fw_named(const gql_typeref_t *r)
{
    while (r->wrap != GQL_TR_NAMED)
        r = r->of;
    return r->named;
}

/* Resolves an input field name of <T>Where to (node field, operator). */
static bool fw_resolve(const feed_where_t *w, const char *key, fw_ins_t *in)
{
    bool declared = false;
    for (int i = 0; i < w->where_type->ninput_fields && !declared; i++)
        declared = strcmp(w->where_type->input_fields[i].name, key) == 0;
    if (!declared)
        return false;
    size_t klen = strlen(key);
    for (size_t s = 0; s < sizeof fw_suffixes / sizeof *fw_suffixes; s++) {
        size_t sl = strlen(fw_suffixes[s].sfx);
        if (sl >= klen || strcmp(key + klen - sl, fw_suffixes[s].sfx) != 0)
            continue;
        for (int f = 0; f < w->node_type->nfields; f++) {
            const gql_field_t *nf = &w->node_type->fields[f];
            bool text, ordered;
            if (strlen(nf->name) != klen - sl || strncmp(nf->name, key, klen - sl) != 0 ||
                !fw_field_kind(w, nf, &in->vk, &text, &ordered))
                continue;
            fw_op_t op = fw_suffixes[s].op;
            if ((op >= FW_LT && op <= FW_GTE && !ordered) || (op >= FW_CONTAINS && !text))
                continue;
            in->op = op;
            in->key = nf->name;
            in->is_id = strcmp(w->sc->types[fw_named(nf->type)].name, "ID") == 0;
            return true;
        }
    }
    return false;
}

/* qsort comparators, one per kind (no shared state: subscribes run on several threads). */
static int fw_sort_text(const void *a, const void *b) { return fw_cmp(FW_TEXT, a, b); }
static int fw_sort_num(const void *a, const void *b) { return fw_cmp(FW_NUM, a, b); }
static int fw_sort_time(const void *a, const void *b) { return fw_cmp(FW_TIME, a, b); }
static int fw_sort_bool(const void *a, const void *b) { return fw_cmp(FW_BOOL, a, b); }

static int fw_list(feed_where_t *w, fw_ins_t *in, json_object *v, const char **why)
{
    bool arr = json_object_is_type(v, json_type_array);
    size_t n = arr ? json_object_array_length(v) : 1; /* a lone value is a one-item list */
    /* A list condition costs its items (at least one), so a list as long as the list limit
     * alone still fits. */
    int rc = fw_charge(w, n == 0 ? 1 : n > (size_t)INT32_MAX ? INT32_MAX : (int)n, why);
    if (rc != FEED_WHERE_OK)
        return rc;
    if (n && !(in->items = calloc(n, sizeof *in->items)))
        return FEED_WHERE_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((rc = fw_operand(arr ? json_object_array_get_idx(v, i) : v, in->vk, in->is_id, &in->items[i], why)) !=
            FEED_WHERE_OK)
            return rc;
        in->nitems++;
        if (in->items[i].null) {
            *why = "node filter lists take non-null items";
            return FEED_WHERE_BAD_ARG;
        }
    }
    static int (*const sorts[])(const void *, const void *) = {
        [FW_TEXT] = fw_sort_text, [FW_NUM] = fw_sort_num, [FW_TIME] = fw_sort_time, [FW_BOOL] = fw_sort_bool};
    if (in->nitems > 1)
        qsort(in->items, (size_t)in->nitems, sizeof *in->items, sorts[in->vk]);
    return FEED_WHERE_OK;
}

static int fw_object(feed_where_t *w, json_object *obj, int depth, const char **why);

static int fw_group(feed_where_t *w, const char *key, json_object *v, int depth, const char **why)
{
    if (depth + 1 > w->max_depth) {
        *why = "Node filter is too deeply nested: AND/OR/NOT exceed the query depth limit.";
        return FEED_WHERE_TOO_COMPLEX;
    }
    int g = w->n;
    if (!fw_push(w, key[0] == 'A' ? FW_AND : key[0] == 'O' ? FW_OR : FW_NONE))
        return FEED_WHERE_NOMEM;
    bool arr = json_object_is_type(v, json_type_array);
    size_t n = arr ? json_object_array_length(v) : 1;
    for (size_t i = 0; i < n; i++) {
        int rc = fw_charge(w, 1, why);
        if (rc != FEED_WHERE_OK)
            return rc;
        int sub = w->n;
        if (!fw_push(w, FW_AND))
            return FEED_WHERE_NOMEM;
        if ((rc = fw_object(w, arr ? json_object_array_get_idx(v, i) : v, depth + 1, why)) != FEED_WHERE_OK)
            return rc;
        w->ins[sub].end = w->n;
    }
    w->ins[g].end = w->n;
    return FEED_WHERE_OK;
}

static int fw_object(feed_where_t *w, json_object *obj, int depth, const char **why)
{
    if (!obj || !json_object_is_type(obj, json_type_object)) {
        *why = "a node filter must be an input object";
        return FEED_WHERE_BAD_ARG;
    }
    json_object_object_foreach(obj, key, v)
    {
        int rc;
        if (strcmp(key, "AND") == 0 || strcmp(key, "OR") == 0 || strcmp(key, "NOT") == 0) {
            if (v && (rc = fw_group(w, key, v, depth, why)) != FEED_WHERE_OK)
                return rc;
            continue;
        }
        fw_ins_t tmp = {.kind = FW_COND, .top = depth == 0};
        if (!fw_resolve(w, key, &tmp)) {
            *why = "a node filter names an unknown field";
            return FEED_WHERE_BAD_ARG;
        }
        bool list = tmp.op == FW_IN || tmp.op == FW_NIN;
        if (list && !v)
            continue; /* `f_in: null` is an absent condition */
        if (!list && (rc = fw_charge(w, 1, why)) != FEED_WHERE_OK)
            return rc;
        fw_ins_t *in = fw_push(w, FW_COND);
        if (!in)
            return FEED_WHERE_NOMEM;
        *in = tmp;
        if (list && (rc = fw_list(w, in, v, why)) != FEED_WHERE_OK)
            return rc;
        if (!list && (rc = fw_operand(v, in->vk, in->is_id, &in->v, why)) != FEED_WHERE_OK)
            return rc;
    }
    return FEED_WHERE_OK;
}

void feed_where_free(feed_where_t *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n; i++) {
        free(w->ins[i].v.s);
        for (int k = 0; k < w->ins[i].nitems; k++)
            free(w->ins[i].items[k].s);
        free(w->ins[i].items);
    }
    free(w->ins);
    free(w);
}

static const gql_type_t *fw_type(const gql_schema_t *sc, const char *name, gql_type_kind_t kind)
{
    for (int i = 0; sc && name && i < sc->ntypes; i++)
        if (sc->types[i].kind == kind && strcmp(sc->types[i].name, name) == 0)
            return &sc->types[i];
    return NULL;
}

int feed_where_compile(const gql_schema_t *schema, const char *type, json_object *where, const feed_where_limits_t *lim,
                       feed_where_t **out, const char **why)
{
    *out = NULL;
    *why = "out of memory";
    feed_where_t *w = calloc(1, sizeof *w);
    if (!w)
        return FEED_WHERE_NOMEM;
    char wname[256];
    snprintf(wname, sizeof wname, "%sWhere", type ? type : "");
    w->sc = schema;
    w->node_type = fw_type(schema, type, GQL_TK_OBJECT);
    w->where_type = fw_type(schema, wname, GQL_TK_INPUT_OBJECT);
    w->max_items = !lim || lim->max_items == 0 ? 100 : lim->max_items;
    w->max_depth = !lim || lim->max_depth <= 0 ? 12 : lim->max_depth;
    if (w->max_depth > FW_DEPTH_CAP)
        w->max_depth = FW_DEPTH_CAP;
    int rc = FEED_WHERE_BAD_ARG;
    if (!w->node_type || !w->where_type)
        *why = "this type has no node filter";
    else
        rc = fw_object(w, where, 0, why);
    if (rc != FEED_WHERE_OK) {
        feed_where_free(w);
        return rc;
    }
    *out = w;
    return FEED_WHERE_OK;
}

/* ---- evaluate ---- */

static bool fw_in(const fw_ins_t *in, const fw_val_t *x)
{
    int lo = 0, hi = in->nitems;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = fw_cmp(in->vk, &in->items[mid], x);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool fw_text_op(fw_op_t op, const fw_val_t *x, const fw_val_t *v)
{
    if (v->len > x->len)
        return false;
    if (op == FW_STARTS)
        return memcmp(x->s, v->s, v->len) == 0;
    if (op == FW_ENDS)
        return memcmp(x->s + x->len - v->len, v->s, v->len) == 0;
    for (size_t i = 0; i + v->len <= x->len; i++)
        if (memcmp(x->s + i, v->s, v->len) == 0)
            return true;
    return false;
}

static bool fw_cond(const fw_ins_t *in, json_object *node)
{
    fw_val_t x = {0};
    int st = fw_node_val(node, in->key, in->vk, &x);
    switch (in->op) {
    case FW_EQ: return in->v.null ? st == 0 : st == 1 && fw_cmp(in->vk, &x, &in->v) == 0;
    case FW_NE: return in->v.null ? st != 0 : !(st == 1 && fw_cmp(in->vk, &x, &in->v) == 0);
    case FW_IN: return st == 1 && fw_in(in, &x);
    case FW_NIN: return !(st == 1 && fw_in(in, &x));
    default: break;
    }
    if (in->v.null || st != 1)
        return false; /* ordering and text operators never hold on null */
    int c = in->op <= FW_GTE ? fw_cmp(in->vk, &x, &in->v) : 0;
    switch (in->op) {
    case FW_LT: return c < 0;
    case FW_LTE: return c <= 0;
    case FW_GT: return c > 0;
    case FW_GTE: return c >= 0;
    default: return fw_text_op(in->op, &x, &in->v);
    }
}

bool feed_where_test(const feed_where_t *w, json_object *node)
{
    if (!w || w->n == 0)
        return true;
    /* Each AND/OR/NOT level takes two frames (the group, then one member's object). */
    struct fw_frame {
        fw_kind_t kind;
        bool acc;
        int end;
    } st[2 * FW_DEPTH_CAP + 4];
    int sp = 0, pc = 0;
    st[sp++] = (struct fw_frame){FW_AND, true, w->n};
    for (;;) {
        bool v;
        if (pc >= st[sp - 1].end) {
            v = st[--sp].acc; /* a group is done */
            if (sp == 0)
                return v;
        } else if (w->ins[pc].kind != FW_COND) {
            const fw_ins_t *g = &w->ins[pc++];
            st[sp].kind = g->kind;
            st[sp].acc = g->kind != FW_OR;
            st[sp++].end = g->end;
            continue;
        } else {
            v = fw_cond(&w->ins[pc++], node);
        }
        /* AND stops at a false member, OR at a true one, NOT (none holds) at a true one. */
        if (st[sp - 1].kind == FW_AND ? !v : v) {
            st[sp - 1].acc = st[sp - 1].kind == FW_OR;
            pc = st[sp - 1].end;
        }
    }
}

const char *feed_where_top_eq(const feed_where_t *w, const char *field)
{
    for (int i = 0; w && i < w->n; i++) {
        const fw_ins_t *in = &w->ins[i];
        if (in->kind == FW_COND && in->top && in->op == FW_EQ && in->vk == FW_TEXT && !in->v.null &&
            strcmp(in->key, field) == 0)
            return in->v.s;
    }
    return NULL;
}

int feed_where_cost(const feed_where_t *w) { return w ? w->cost : 0; }

/* OverlappingFieldsCanBeMergedRule, ported from graphql-js 16.15 step by step (including its
 * memoisation of fragment comparisons, which decides which conflicts get reported once only):
 * two fields with the same response name in one selection must be the same field with the same
 * arguments and compatible types, recursively through their sub-selections. */
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate_int.h"

#define MAX_DETAIL 1000
#define MAX_NODES 20

typedef struct o_field {
    int parent; /* type index, -1 undefined */
    const gql_ast_selection_t *node;
    const gql_field_t *def;
    bool simple_leaf;
} o_field_t;

typedef struct o_group {
    const char *response_name;
    o_field_t **fields;
    int n, cap;
} o_group_t;

typedef struct o_cfr { /* collectFields result, cached per (parent type, selection set) */
    int parent;
    const gql_ast_selection_set_t *ss;
    o_group_t *groups;
    int ngroups, cgroups;
    const char **frags;
    int nfrags, cfrags;
    gql_v_map_t group_index; /* response name -> group index + 1 */
    gql_v_map_t frag_set;    /* names already in frags */
    gql_v_map_t compared;    /* comparedFragments: name -> 1 (false) / 2 (true) */
    gql_v_map_t ov_seen;     /* getOverlappingFields already computed against these */
    struct o_cfr *next;
} o_cfr_t;

typedef struct gql_v_overlap {
    o_cfr_t *cache;
    gql_v_map_t pairs;       /* comparedFragmentPairs: (a, b) -> 1 (false) / 2 (true) */
    gql_v_map_t comparisons; /* fieldInfo.comparisons: (field1, field2) -> reason */
    long budget;             /* remainingComplexityBudget */
} gql_v_overlap_t;

#define MAX_COMPLEXITY_BUDGET 500000

/* spendComplexityBudget: 0, or -1 once validation is aborted. */
static int o_spend(gql_v_ctx_t *ctx, long cost)
{
    gql_v_overlap_t *st = ctx->overlap;
    if (!st)
        return -1;
    st->budget -= cost;
    return st->budget < 0 ? gql_v_abort_validation(ctx) : 0;
}

typedef struct o_conflict {
    const char *response_name;
    const char *reason;
    const gql_ast_selection_t **f1, **f2;
    int n1, n2;
} o_conflict_t;

typedef struct o_list {
    o_conflict_t *items;
    int n, cap;
} o_list_t;

static int o_push_conflict(gql_v_ctx_t *ctx, o_list_t *l, const o_conflict_t *c)
{
    if (gql_v_grow(ctx, (void **)&l->items, &l->cap, l->n, sizeof *l->items))
        return -1;
    l->items[l->n++] = *c;
    return 0;
}

static gql_v_overlap_t *o_state(gql_v_ctx_t *ctx)
{
    if (!ctx->overlap) {
        ctx->overlap = gql_v_alloc(ctx, sizeof(gql_v_overlap_t));
        if (ctx->overlap) {
            ctx->overlap->budget = MAX_COMPLEXITY_BUDGET;
            ctx->overlap->pairs.kind = V_MAP_STR;
            ctx->overlap->comparisons.kind = V_MAP_PTR;
        }
    }
    return ctx->overlap;
}

static int o_collect_impl(gql_v_ctx_t *ctx, int parent, const gql_ast_selection_set_t *ss, o_cfr_t *r)
{
    for (const gql_ast_selection_t *s = ss->selections; s; s = s->next) {
        switch (s->kind) {
        case GQL_SEL_FIELD: {
            const gql_field_t *def = NULL;
            const gql_type_t *pt = gql_v_type(ctx, parent);
            if (pt && (pt->kind == GQL_TK_OBJECT || pt->kind == GQL_TK_INTERFACE))
                for (int i = 0; i < pt->nfields; i++)
                    if (strcmp(pt->fields[i].name, s->name.value) == 0)
                        def = &pt->fields[i];
            const char *rn = s->alias.value ? s->alias.value : s->name.value;
            o_group_t *g = NULL;
            gql_v_map_slot_t *gs = gql_v_map_get(&r->group_index, rn, NULL);
            if (gs) {
                g = &r->groups[(intptr_t)gs->val - 1];
            } else {
                if (gql_v_grow(ctx, (void **)&r->groups, &r->cgroups, r->ngroups, sizeof *r->groups))
                    return -1;
                g = &r->groups[r->ngroups++];
                g->response_name = rn;
                if (!gql_v_map_put(ctx, &r->group_index, rn, NULL, (void *)(intptr_t)r->ngroups))
                    return -1;
            }
            o_field_t *f = gql_v_alloc(ctx, sizeof *f);
            if (!f || gql_v_grow(ctx, (void **)&g->fields, &g->cap, g->n, sizeof *g->fields))
                return -1;
            f->parent = parent;
            f->node = s;
            f->def = def;
            f->simple_leaf = s->nargs == 0 && !s->selection_set;
            g->fields[g->n++] = f;
            break;
        }
        case GQL_SEL_FRAGMENT_SPREAD: {
            if (!gql_v_map_get(&r->frag_set, s->name.value, NULL)) {
                if (!gql_v_map_put(ctx, &r->frag_set, s->name.value, NULL, NULL))
                    return -1;
                if (gql_v_grow(ctx, (void **)&r->frags, &r->cfrags, r->nfrags, sizeof *r->frags))
                    return -1;
                r->frags[r->nfrags++] = s->name.value;
            }
            break;
        }
        case GQL_SEL_INLINE_FRAGMENT: {
            int t = s->type_condition ? gql_v_named_idx(gql_v_type_from_ast(ctx, s->type_condition)) : parent;
            if (ctx->aborted)
                return -1;
            if (o_collect_impl(ctx, t, s->selection_set, r))
                return -1;
            break;
        }
        }
    }
    return 0;
}

static o_cfr_t *o_collect(gql_v_ctx_t *ctx, int parent, const gql_ast_selection_set_t *ss)
{
    gql_v_overlap_t *st = o_state(ctx);
    if (!st)
        return NULL;
    for (o_cfr_t *c = st->cache; c; c = c->next)
        if (c->parent == parent && c->ss == ss)
            return c;
    o_cfr_t *r = gql_v_alloc(ctx, sizeof *r);
    if (!r)
        return NULL;
    r->parent = parent;
    r->ss = ss;
    r->group_index.kind = V_MAP_STR;
    r->frag_set.kind = V_MAP_STR;
    r->compared.kind = V_MAP_STR;
    r->ov_seen.kind = V_MAP_PTR;
    if (o_collect_impl(ctx, parent, ss, r))
        return NULL;
    r->next = st->cache;
    st->cache = r;
    return r;
}

static o_cfr_t *o_collect_fragment(gql_v_ctx_t *ctx, const gql_ast_definition_t *frag)
{
    int t = gql_v_named_idx(gql_v_type_from_ast(ctx, frag->type_condition));
    if (ctx->aborted)
        return NULL;
    return o_collect(ctx, t, frag->selection_set);
}

/* ---- argument comparison ---- */

static int o_stringify(rt_buf_t *b, const gql_ast_value_t *v);

static int o_field_cmp(const void *x, const void *y)
{
    const gql_ast_object_field_t *a = *(const gql_ast_object_field_t *const *)x;
    const gql_ast_object_field_t *b = *(const gql_ast_object_field_t *const *)y;
    int c = strcmp(a->name.value, b->name.value);
    if (c)
        return c;
    return a->loc.offset < b->loc.offset ? -1 : a->loc.offset > b->loc.offset; /* stable */
}

static int o_stringify(rt_buf_t *b, const gql_ast_value_t *v)
{
    switch (v->kind) {
    case GQL_VAL_VARIABLE: return rt_buf_printf(b, "V%s;", v->str);
    case GQL_VAL_INT: return rt_buf_printf(b, "I%s;", v->str);
    case GQL_VAL_FLOAT: return rt_buf_printf(b, "F%s;", v->str);
    case GQL_VAL_STRING:
        if (rt_buf_printf(b, "S%d:%zu:", v->block ? 1 : 0, v->len))
            return -1;
        return rt_buf_append(b, v->str, v->len);
    case GQL_VAL_BOOLEAN: return rt_buf_puts(b, v->boolean ? "Bt;" : "Bf;");
    case GQL_VAL_NULL: return rt_buf_puts(b, "N;");
    case GQL_VAL_ENUM: return rt_buf_printf(b, "E%s;", v->str);
    case GQL_VAL_LIST:
        if (rt_buf_putc(b, '['))
            return -1;
        for (const gql_ast_value_t *i = v->items; i; i = i->next)
            if (o_stringify(b, i))
                return -1;
        return rt_buf_putc(b, ']');
    case GQL_VAL_OBJECT: {
        int n = 0;
        for (const gql_ast_object_field_t *f = v->fields; f; f = f->next)
            n++;
        const gql_ast_object_field_t **arr = malloc((size_t)(n + 1) * sizeof *arr);
        if (!arr)
            return -1;
        n = 0;
        for (const gql_ast_object_field_t *f = v->fields; f; f = f->next)
            arr[n++] = f;
        qsort(arr, (size_t)n, sizeof *arr, o_field_cmp);
        int rc = rt_buf_putc(b, '{');
        for (int i = 0; i < n && !rc; i++) {
            rc = rt_buf_printf(b, "%s:", arr[i]->name.value);
            if (!rc)
                rc = o_stringify(b, arr[i]->value);
        }
        free(arr);
        return rc ? rc : rt_buf_putc(b, '}');
    }
    }
    return 0;
}

/* sameArguments; -1 on OOM or abort, else 0/1. */
static int o_same_arguments(gql_v_ctx_t *ctx, const gql_ast_selection_t *n1, const gql_ast_selection_t *n2)
{
    if (n1->nargs == 0)
        return n2->nargs == 0;
    if (n1->nargs != n2->nargs)
        return 0;
    for (const gql_ast_argument_t *a = n1->arguments; a; a = a->next) {
        if (o_spend(ctx, 1))
            return -1;
        const gql_ast_argument_t *m = NULL;
        for (const gql_ast_argument_t *q = n2->arguments; q; q = q->next)
            if (strcmp(q->name.value, a->name.value) == 0)
                m = q; /* Map: the last one wins */
        if (!m)
            return 0;
        rt_buf_t x = RT_BUF_INIT, y = RT_BUF_INIT;
        if (o_stringify(&x, a->value) || o_stringify(&y, m->value)) {
            rt_buf_free(&x);
            rt_buf_free(&y);
            return -1;
        }
        bool same = x.len == y.len && (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
        rt_buf_free(&x);
        rt_buf_free(&y);
        if (!same)
            return 0;
    }
    return 1;
}

/* doTypesConflict. graphql-js compares type objects by identity: named types are shared, but
 * every field definition has its own list / non-null wrappers, so wrapped types are identical only
 * when they come from the same field definition (`same_def`, top level only). Returns 1 conflict,
 * 0 none, -1 aborted. */
static int o_types_conflict(gql_v_ctx_t *ctx, vt_t t1, vt_t t2, bool same_def)
{
    if (same_def || (t1->wrap == GQL_TR_NAMED && t2->wrap == GQL_TR_NAMED && t1->named == t2->named))
        return 0;
    if (o_spend(ctx, 1))
        return -1;
    if (gql_v_is_list(t1))
        return gql_v_is_list(t2) ? o_types_conflict(ctx, t1->of, t2->of, false) : 1;
    if (gql_v_is_list(t2))
        return 1;
    if (gql_v_is_nonnull(t1))
        return gql_v_is_nonnull(t2) ? o_types_conflict(ctx, t1->of, t2->of, false) : 1;
    if (gql_v_is_nonnull(t2))
        return 1;
    int a = gql_v_named_idx(t1), b = gql_v_named_idx(t2);
    if (gql_v_idx_is_leaf(ctx, a) || gql_v_idx_is_leaf(ctx, b))
        return a != b;
    return 0;
}

/* ---- comparisons ---- */

static int o_between_subsets(gql_v_ctx_t *ctx, o_list_t *out, bool excl, int p1, const gql_ast_selection_set_t *s1,
                             int p2, const gql_ast_selection_set_t *s2);

static const char *o_abbrev(gql_v_ctx_t *ctx, const char *text)
{
    size_t n = strlen(text);
    if (n <= MAX_DETAIL)
        return text;
    char *p = gql_v_alloc(ctx, MAX_DETAIL + 4);
    if (!p)
        return NULL;
    memcpy(p, text, MAX_DETAIL);
    memcpy(p + MAX_DETAIL, "...", 4);
    return p;
}

static int o_collect_nodes(gql_v_ctx_t *ctx, const gql_ast_selection_t *node, const o_list_t *cs, bool first,
                           const gql_ast_selection_t ***out, int *nout)
{
    const gql_ast_selection_t **nodes = gql_v_alloc(ctx, MAX_NODES * sizeof *nodes);
    if (!nodes)
        return -1;
    int n = 0;
    nodes[n++] = node;
    for (int i = 0; i < cs->n; i++) {
        int remaining = MAX_NODES - n;
        const gql_ast_selection_t **side = first ? cs->items[i].f1 : cs->items[i].f2;
        int ns = first ? cs->items[i].n1 : cs->items[i].n2;
        int start = ns > remaining ? ns - remaining : 0;
        for (int k = start; k < ns; k++)
            nodes[n++] = side[k];
        if (n == MAX_NODES)
            break;
    }
    *out = nodes;
    *nout = n;
    return 0;
}

static int o_oom(gql_v_ctx_t *ctx)
{
    ctx->oom = ctx->aborted = true;
    return -1;
}

/* When the parents are not mutually exclusive: different field names or differing arguments
 * (cached per pair of fields). *reason stays NULL when neither applies. */
static int o_name_args_reason(gql_v_ctx_t *ctx, const o_field_t *f1, const o_field_t *f2, const char **reason)
{
    const gql_ast_selection_t *n1 = f1->node, *n2 = f2->node;
    gql_v_overlap_t *st = ctx->overlap;
    gql_v_map_slot_t *cached = gql_v_map_get(&st->comparisons, f1, f2);
    *reason = NULL;
    if (cached) {
        *reason = cached->val;
        return 0;
    }
    if (strcmp(n1->name.value, n2->name.value) != 0) {
        rt_buf_t b = RT_BUF_INIT;
        const char *a = o_abbrev(ctx, n1->name.value), *bb = o_abbrev(ctx, n2->name.value);
        if (!a || !bb || rt_buf_printf(&b, "\"%s\" and \"%s\" are different fields", a, bb)) {
            rt_buf_free(&b);
            return o_oom(ctx);
        }
        *reason = gql_v_strdup(ctx, rt_buf_cstr(&b));
        rt_buf_free(&b);
        if (!*reason)
            return -1;
    } else {
        int same = o_same_arguments(ctx, n1, n2);
        if (same < 0)
            return ctx->aborted ? -1 : o_oom(ctx);
        if (!same)
            *reason = "they have differing arguments";
    }
    return gql_v_map_put(ctx, &st->comparisons, f1, f2, (void *)*reason) ? 0 : -1;
}

/* "they return conflicting types ..." when t1 and t2 conflict; *reason NULL otherwise. */
static int o_types_reason(gql_v_ctx_t *ctx, vt_t t1, vt_t t2, bool same_def, const char **reason)
{
    *reason = NULL;
    int tc = t1 && t2 ? o_types_conflict(ctx, t1, t2, same_def) : 0;
    if (tc <= 0)
        return tc;
    rt_buf_t b = RT_BUF_INIT;
    if (rt_buf_puts(&b, "they return conflicting types \"") || gql_v_print_type(ctx, &b, t1) ||
        rt_buf_puts(&b, "\" and \"") || gql_v_print_type(ctx, &b, t2) || rt_buf_putc(&b, '"') ||
        !(*reason = gql_v_strdup(ctx, rt_buf_cstr(&b)))) {
        rt_buf_free(&b);
        return o_oom(ctx);
    }
    rt_buf_free(&b);
    return 0;
}

/* Both fields have selections: the conflicts between them, folded into one conflict. */
static int o_subfields_conflict(gql_v_ctx_t *ctx, o_list_t *out, bool excl, const o_field_t *f1, const o_field_t *f2,
                                vt_t t1, vt_t t2, o_conflict_t *c)
{
    const gql_ast_selection_t *n1 = f1->node, *n2 = f2->node;
    o_list_t sub;
    memset(&sub, 0, sizeof sub);
    if (o_between_subsets(ctx, &sub, excl, gql_v_named_idx(t1), n1->selection_set, gql_v_named_idx(t2),
                          n2->selection_set))
        return -1;
    if (sub.n == 0)
        return 0;
    rt_buf_t m = RT_BUF_INIT;
    for (int i = 0; i < sub.n; i++) {
        const char *nm = o_abbrev(ctx, sub.items[i].response_name);
        if (!nm || rt_buf_printf(&m, "%ssubfields \"%s\" conflict because %s", m.len ? " and " : "", nm,
                                 sub.items[i].reason)) {
            rt_buf_free(&m);
            return o_oom(ctx);
        }
        if (m.len > MAX_DETAIL)
            break;
    }
    const char *full = rt_buf_cstr(&m);
    c->reason = full && strlen(full) > MAX_DETAIL ? o_abbrev(ctx, full) : gql_v_strdup(ctx, full ? full : "");
    rt_buf_free(&m);
    if (!c->reason)
        return -1;
    if (o_collect_nodes(ctx, n1, &sub, true, &c->f1, &c->n1) || o_collect_nodes(ctx, n2, &sub, false, &c->f2, &c->n2))
        return -1;
    return o_push_conflict(ctx, out, c);
}

/* A conflict between the two field nodes themselves. */
static int o_push_single(gql_v_ctx_t *ctx, o_list_t *out, o_conflict_t *c, const gql_ast_selection_t *n1,
                         const gql_ast_selection_t *n2)
{
    c->f1 = gql_v_alloc(ctx, sizeof *c->f1);
    c->f2 = gql_v_alloc(ctx, sizeof *c->f2);
    if (!c->f1 || !c->f2)
        return -1;
    c->f1[0] = n1;
    c->f2[0] = n2;
    c->n1 = c->n2 = 1;
    return o_push_conflict(ctx, out, c);
}

/* findConflict: appends at most one conflict to out. */
static int o_find_conflict(gql_v_ctx_t *ctx, o_list_t *out, bool parent_excl, const char *rn, const o_field_t *f1,
                           const o_field_t *f2)
{
    const gql_ast_selection_t *n1 = f1->node, *n2 = f2->node;
    bool excl = parent_excl || (f1->parent != f2->parent && gql_v_idx_is_object(ctx, f1->parent) &&
                                gql_v_idx_is_object(ctx, f2->parent));
    vt_t t1 = f1->def ? f1->def->type : NULL, t2 = f2->def ? f2->def->type : NULL;
    if (o_spend(ctx, 2))
        return -1;
    bool same_type = f1->def == f2->def ||
                     (t1 && t2 && t1->wrap == GQL_TR_NAMED && t2->wrap == GQL_TR_NAMED && t1->named == t2->named);
    if (f1->simple_leaf && f2->simple_leaf && same_type && strcmp(n1->name.value, n2->name.value) == 0)
        return 0;
    o_conflict_t c;
    memset(&c, 0, sizeof c);
    c.response_name = rn;
    if (!excl) {
        if (o_name_args_reason(ctx, f1, f2, &c.reason) < 0)
            return -1;
        if (c.reason)
            return o_push_single(ctx, out, &c, n1, n2);
    }
    if (o_types_reason(ctx, t1, t2, f1->def == f2->def, &c.reason) < 0)
        return -1;
    if (c.reason)
        return o_push_single(ctx, out, &c, n1, n2);
    if (n1->selection_set && n2->selection_set)
        return o_subfields_conflict(ctx, out, excl, f1, f2, t1, t2, &c);
    return 0;
}

static int o_conflicts_within(gql_v_ctx_t *ctx, o_list_t *out, const o_cfr_t *r)
{
    for (int g = 0; g < r->ngroups; g++) {
        const o_group_t *gr = &r->groups[g];
        for (int i = 0; i < gr->n; i++)
            for (int j = i + 1; j < gr->n; j++)
                if (o_find_conflict(ctx, out, false, gr->response_name, gr->fields[i], gr->fields[j]))
                    return -1;
    }
    return 0;
}

static int o_conflicts_between(gql_v_ctx_t *ctx, o_list_t *out, bool excl, o_cfr_t *r1, const o_cfr_t *r2)
{
    if (r1->ngroups == 0 || r2->ngroups == 0)
        return 0;
    /* getOverlappingFields spends once per group the first time this pair is looked at */
    if (!gql_v_map_get(&r1->ov_seen, r2, NULL)) {
        if (!gql_v_map_put(ctx, &r1->ov_seen, r2, NULL, NULL))
            return -1;
        for (int g = 0; g < r1->ngroups; g++)
            if (o_spend(ctx, 1))
                return -1;
    }
    for (int g = 0; g < r1->ngroups; g++) {
        const o_group_t *g1 = &r1->groups[g];
        const gql_v_map_slot_t *gs = gql_v_map_get(&r2->group_index, g1->response_name, NULL);
        if (!gs)
            continue;
        const o_group_t *g2 = &r2->groups[(intptr_t)gs->val - 1];
        for (int i = 0; i < g1->n; i++)
            for (int j = 0; j < g2->n; j++)
                if (o_find_conflict(ctx, out, excl, g1->response_name, g1->fields[i], g2->fields[j]))
                    return -1;
    }
    return 0;
}

static int o_fields_and_fragment(gql_v_ctx_t *ctx, o_list_t *out, bool excl, o_cfr_t *r, const char *frag_name);
static int o_between_fragments(gql_v_ctx_t *ctx, o_list_t *out, bool excl, const char *n1, const char *n2);

static int o_fields_and_fragment_impl(gql_v_ctx_t *ctx, o_list_t *out, bool excl, o_cfr_t *r, const char *frag_name)
{
    if (o_spend(ctx, 1))
        return -1;
    if (r->ngroups == 0)
        return 0;
    gql_v_map_slot_t *cs = gql_v_map_get(&r->compared, frag_name, NULL);
    if (cs) {
        bool compared = (intptr_t)cs->val == 2;
        if (compared == false || (excl && compared == true))
            return 0;
    }
    if (!gql_v_map_put(ctx, &r->compared, frag_name, NULL, (void *)(intptr_t)(excl ? 2 : 1)))
        return -1;
    const gql_ast_definition_t *frag = gql_v_fragment(ctx, frag_name);
    if (!frag)
        return 0;
    o_cfr_t *r2 = o_collect_fragment(ctx, frag);
    if (!r2)
        return -1;
    if (r == r2)
        return 0;
    if (o_conflicts_between(ctx, out, excl, r, r2))
        return -1;
    for (int i = 0; i < r2->nfrags; i++)
        if (o_fields_and_fragment(ctx, out, excl, r, r2->frags[i]))
            return -1;
    return 0;
}

/* Each fragment followed is one level of recursion: bounded by gql_v_enter_fragment. */
static int o_fields_and_fragment(gql_v_ctx_t *ctx, o_list_t *out, bool excl, o_cfr_t *r, const char *frag_name)
{
    if (gql_v_enter_fragment(ctx))
        return -1;
    int rc = o_fields_and_fragment_impl(ctx, out, excl, r, frag_name);
    gql_v_leave_fragment(ctx);
    return rc;
}

/* PairSet.has(a, b, weaklyPresent) for one orientation. */
static bool o_pair_has1(const gql_v_overlap_t *st, const char *a, const char *b, bool weak)
{
    const gql_v_map_slot_t *s = gql_v_map_get(&st->pairs, a, b);
    if (!s)
        return false;
    return weak ? true : (intptr_t)s->val == 1;
}

static int o_between_fragments_impl(gql_v_ctx_t *ctx, o_list_t *out, bool excl, const char *n1, const char *n2)
{
    gql_v_overlap_t *st = o_state(ctx);
    if (!st || o_spend(ctx, 2))
        return -1;
    if (strcmp(n1, n2) == 0)
        return 0;
    if (o_pair_has1(st, n1, n2, excl) || o_pair_has1(st, n2, n1, excl))
        return 0;
    if (!gql_v_map_put(ctx, &st->pairs, n1, n2, (void *)(intptr_t)(excl ? 2 : 1)))
        return -1;
    const gql_ast_definition_t *f1 = gql_v_fragment(ctx, n1), *f2 = gql_v_fragment(ctx, n2);
    if (!f1 || !f2)
        return 0;
    o_cfr_t *r1 = o_collect_fragment(ctx, f1), *r2 = r1 ? o_collect_fragment(ctx, f2) : NULL;
    if (!r1 || !r2)
        return -1;
    if (o_conflicts_between(ctx, out, excl, r1, r2))
        return -1;
    for (int i = 0; i < r2->nfrags; i++)
        if (o_between_fragments(ctx, out, excl, n1, r2->frags[i]))
            return -1;
    for (int i = 0; i < r1->nfrags; i++)
        if (o_between_fragments(ctx, out, excl, r1->frags[i], n2))
            return -1;
    return 0;
}

static int o_between_fragments(gql_v_ctx_t *ctx, o_list_t *out, bool excl, const char *n1, const char *n2)
{
    if (gql_v_enter_fragment(ctx))
        return -1;
    int rc = o_between_fragments_impl(ctx, out, excl, n1, n2);
    gql_v_leave_fragment(ctx);
    return rc;
}

static int o_between_subsets(gql_v_ctx_t *ctx, o_list_t *out, bool excl, int p1, const gql_ast_selection_set_t *s1,
                             int p2, const gql_ast_selection_set_t *s2)
{
    o_cfr_t *r1 = o_collect(ctx, p1, s1), *r2 = r1 ? o_collect(ctx, p2, s2) : NULL;
    if (!r1 || !r2)
        return -1;
    if (o_conflicts_between(ctx, out, excl, r1, r2))
        return -1;
    for (int i = 0; i < r2->nfrags; i++)
        if (o_fields_and_fragment(ctx, out, excl, r1, r2->frags[i]))
            return -1;
    for (int i = 0; i < r1->nfrags; i++)
        if (o_fields_and_fragment(ctx, out, excl, r2, r1->frags[i]))
            return -1;
    for (int i = 0; i < r1->nfrags; i++)
        for (int j = 0; j < r2->nfrags; j++)
            if (o_between_fragments(ctx, out, excl, r1->frags[i], r2->frags[j]))
                return -1;
    return 0;
}

int gql_v_overlap_selection_set(gql_v_ctx_t *ctx, int parent_type, const gql_ast_selection_set_t *ss)
{
    if (!o_state(ctx))
        return -1;
    o_list_t out;
    memset(&out, 0, sizeof out);
    o_cfr_t *r = o_collect(ctx, parent_type, ss);
    if (!r)
        return -1;
    if (o_conflicts_within(ctx, &out, r))
        return -1;
    if (r->nfrags != 0 && (r->ngroups != 0 || r->nfrags > 1)) {
        for (int i = 0; i < r->nfrags; i++) {
            if (o_fields_and_fragment(ctx, &out, false, r, r->frags[i]))
                return -1;
            for (int j = i + 1; j < r->nfrags; j++)
                if (o_between_fragments(ctx, &out, false, r->frags[i], r->frags[j]))
                    return -1;
        }
    }
    for (int i = 0; i < out.n; i++) {
        const o_conflict_t *c = &out.items[i];
        const char *rn = o_abbrev(ctx, c->response_name);
        rt_buf_t b = RT_BUF_INIT;
        if (!rn || rt_buf_printf(&b,
                                 "Fields \"%s\" conflict because %s. Use different aliases on the fields to fetch both "
                                 "if this was intentional.",
                                 rn, c->reason)) {
            rt_buf_free(&b);
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        int n = c->n1 + c->n2;
        const gql_loc_t **locs = gql_v_alloc(ctx, (size_t)n * sizeof *locs);
        if (!locs) {
            rt_buf_free(&b);
            return -1;
        }
        for (int k = 0; k < c->n1; k++)
            locs[k] = &c->f1[k]->loc;
        for (int k = 0; k < c->n2; k++)
            locs[c->n1 + k] = &c->f2[k]->loc;
        int rc = gql_v_report(ctx, rt_buf_cstr(&b), locs, n);
        rt_buf_free(&b);
        if (rc)
            return rc;
    }
    return 0;
}

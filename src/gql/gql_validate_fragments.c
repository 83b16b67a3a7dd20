/* Validation analyses over the fragment graph, as graphql-js's ValidationContext computes them
 * (with its caches and fragment-work budget): spreads, recursively referenced fragments, variable
 * usages through fragments, NoFragmentCycles, NoUnusedFragments, MaxIntrospectionDepthRule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate.h"
#include "gql/gql_validate_int.h"

/* ---------------------------------------------------------------------------------------- */
/* Fragments: spreads, recursively referenced fragments, variable usages                    */

/* ASTValidationContext.getFragmentSpreads: a stack walk, so nested sets come out last-first. */
int gql_v_spreads(gql_v_ctx_t *ctx, const gql_ast_selection_set_t *ss, const gql_ast_selection_t ***out, int *n)
{
    const gql_ast_selection_set_t **stack = NULL;
    int ns = 0, cap = 0, ocap = 0;
    *out = NULL;
    *n = 0;
    if (!ss)
        return 0;
    if (gql_v_push_ptr(ctx, (const void ***)&stack, &ns, &cap, ss))
        return -1;
    while (ns > 0) {
        const gql_ast_selection_set_t *set = stack[--ns];
        for (const gql_ast_selection_t *s = set->selections; s; s = s->next) {
            if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
                if (gql_v_push_ptr(ctx, (const void ***)out, n, &ocap, s))
                    return -1;
            } else if (s->selection_set) {
                if (gql_v_push_ptr(ctx, (const void ***)&stack, &ns, &cap, s->selection_set))
                    return -1;
            }
        }
    }
    return 0;
}

typedef struct gql_v_refcache {
    char *key;
    const gql_ast_definition_t **frags;
    int n;
    bool usages_done; /* _recursiveVariableUsages has this fragments array */
    struct gql_v_refcache *next;
} gql_v_refcache_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* getRecursivelyReferencedFragmentsForOperations, including its cache keyed by the unordered set
 * of directly spread names (which decides the order a later operation with the same set sees). */
static int gql_v_ref_frags(gql_v_ctx_t *ctx, const gql_ast_definition_t *const *ops, int nops,
                           const gql_ast_definition_t ***out, int *nout, gql_v_refcache_t **entry)
{
    const char **names = NULL;
    int nn = 0, cn = 0;
    for (int i = 0; i < nops; i++) {
        const gql_ast_selection_t **sp;
        int nsp;
        if (gql_v_spreads(ctx, ops[i]->selection_set, &sp, &nsp))
            return -1;
        for (int j = 0; j < nsp; j++)
            if (!gql_v_name_in(names, nn, sp[j]->name.value) &&
                gql_v_push_ptr(ctx, (const void ***)&names, &nn, &cn, sp[j]->name.value))
                return -1;
    }
    /* cache key: sorted names */
    const char **sorted = gql_v_alloc(ctx, (size_t)(nn + 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    if (nn)
        memcpy(sorted, names, (size_t)nn * sizeof *sorted);
    qsort(sorted, (size_t)nn, sizeof *sorted, cmp_str);
    rt_buf_t kb = RT_BUF_INIT;
    for (int i = 0; i < nn; i++)
        if (rt_buf_puts(&kb, sorted[i]) || rt_buf_putc(&kb, ',')) {
            rt_buf_free(&kb);
            ctx->oom = ctx->aborted = true;
            return -1;
        }
    const char *key = gql_v_msg(&kb);
    for (gql_v_refcache_t *c = ctx->refcache; c; c = c->next)
        if (strcmp(c->key, key) == 0) {
            rt_buf_free(&kb);
            *out = c->frags;
            *nout = c->n;
            if (entry)
                *entry = c;
            return 0;
        }
    gql_v_refcache_t *c = gql_v_alloc(ctx, sizeof *c);
    if (!c || !(c->key = gql_v_strdup(ctx, key))) {
        rt_buf_free(&kb);
        return -1;
    }
    rt_buf_free(&kb);
    if (gql_v_spend_fragment_work(ctx, nn))
        return -1;
    int fcap = 0;
    for (int i = 0; i < nn; i++) {
        const gql_ast_definition_t *f = gql_v_fragment(ctx, names[i]);
        if (!f)
            continue;
        if (gql_v_push_ptr(ctx, (const void ***)&c->frags, &c->n, &fcap, f))
            return -1;
        const gql_ast_selection_t **sp;
        int nsp;
        if (gql_v_spreads(ctx, f->selection_set, &sp, &nsp))
            return -1;
        if (gql_v_spend_fragment_work(ctx, nsp))
            return -1;
        for (int j = 0; j < nsp; j++)
            if (!gql_v_name_in(names, nn, sp[j]->name.value) &&
                gql_v_push_ptr(ctx, (const void ***)&names, &nn, &cn, sp[j]->name.value))
                return -1;
    }
    c->next = ctx->refcache;
    ctx->refcache = c;
    *out = c->frags;
    *nout = c->n;
    if (entry)
        *entry = c;
    return 0;
}

static gql_v_def_usages_t *gql_v_usages_of(gql_v_ctx_t *ctx, const gql_ast_definition_t *def)
{
    for (int i = 0; i < ctx->nusages; i++)
        if (ctx->usages[i].def == def)
            return &ctx->usages[i];
    return NULL;
}

/* getRecursiveVariableUsages(operation) as a fresh array. */
int gql_v_recursive_usages(gql_v_ctx_t *ctx, const gql_ast_definition_t *op, gql_v_usage_t **out, int *n)
{
    const gql_ast_definition_t **frags;
    int nf;
    gql_v_refcache_t *entry = NULL;
    if (gql_v_ref_frags(ctx, &op, 1, &frags, &nf, &entry))
        return -1;
    int total = 0, ftotal = 0;
    gql_v_def_usages_t *u = gql_v_usages_of(ctx, op);
    total += u ? u->n : 0;
    if (!entry->usages_done && gql_v_spend_fragment_work(ctx, nf))
        return -1;
    for (int i = 0; i < nf; i++) {
        gql_v_def_usages_t *fu = gql_v_usages_of(ctx, frags[i]);
        if (!entry->usages_done && gql_v_spend_fragment_work(ctx, fu ? fu->n : 0))
            return -1;
        ftotal += fu ? fu->n : 0;
    }
    entry->usages_done = true;
    if (gql_v_spend_fragment_work(ctx, ftotal))
        return -1;
    total += ftotal;
    gql_v_usage_t *arr = gql_v_alloc(ctx, (size_t)(total + 1) * sizeof *arr);
    if (!arr)
        return -1;
    int k = 0;
    if (u)
        for (int j = 0; j < u->n; j++)
            arr[k++] = u->items[j];
    for (int i = 0; i < nf; i++) {
        gql_v_def_usages_t *fu = gql_v_usages_of(ctx, frags[i]);
        if (fu)
            for (int j = 0; j < fu->n; j++)
                arr[k++] = fu->items[j];
    }
    *out = arr;
    *n = k;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* MaxIntrospectionDepthRule                                                                 */

typedef struct {
    const char **names;
    int *depths;
    int n, cap, dcap;
} gql_v_depthmap_t;

static int dm_get(const gql_v_depthmap_t *m, const char *name)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0)
            return m->depths[i];
    return -1;
}

static int dm_set(gql_v_ctx_t *ctx, gql_v_depthmap_t *m, const char *name, int depth)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0) {
            m->depths[i] = depth;
            return 0;
        }
    int c1 = m->cap, c2 = m->dcap;
    if (gql_v_grow(ctx, (void **)&m->names, &c1, m->n, sizeof *m->names) ||
        gql_v_grow(ctx, (void **)&m->depths, &c2, m->n, sizeof *m->depths))
        return -1;
    m->cap = c1;
    m->dcap = c2;
    m->names[m->n] = name;
    m->depths[m->n] = depth;
    m->n++;
    return 0;
}

typedef struct gql_v_mid {
    gql_v_depthmap_t checked, exceeded;
} gql_v_mid_t;

/* checkDepth over a selection (kind FIELD/INLINE/SPREAD). Returns 1 exceeded, 0 not, -1 oom. */
static int mid_check_sel(gql_v_ctx_t *ctx, gql_v_mid_t *st, gql_v_depthmap_t *visited, const gql_ast_selection_t *node,
                         int depth);

static int mid_check_set(gql_v_ctx_t *ctx, gql_v_mid_t *st, gql_v_depthmap_t *visited,
                         const gql_ast_selection_set_t *ss, int depth)
{
    if (!ss)
        return 0;
    for (const gql_ast_selection_t *c = ss->selections; c; c = c->next) {
        int r = mid_check_sel(ctx, st, visited, c, depth);
        if (r)
            return r;
    }
    return 0;
}

static int mid_check_sel(gql_v_ctx_t *ctx, gql_v_mid_t *st, gql_v_depthmap_t *visited, const gql_ast_selection_t *node,
                         int depth)
{
    if (node->kind == GQL_SEL_FRAGMENT_SPREAD) {
        const char *name = node->name.value;
        int ex = dm_get(&st->exceeded, name);
        if (ex >= 0 && ex <= depth)
            return 1;
        int vis = dm_get(visited, name), chk = dm_get(&st->checked, name);
        if ((vis >= 0 && vis >= depth) || (chk >= 0 && chk >= depth))
            return 0;
        const gql_ast_definition_t *f = gql_v_fragment(ctx, name);
        if (!f)
            return 0;
        if (dm_set(ctx, visited, name, depth))
            return -1;
        if (gql_v_enter_fragment(ctx))
            return -1;
        int r = mid_check_set(ctx, st, visited, f->selection_set, depth);
        gql_v_leave_fragment(ctx);
        if (r < 0)
            return r;
        if (r) {
            if (dm_set(ctx, &st->exceeded, name, depth))
                return -1;
            return 1;
        }
        if (dm_set(ctx, &st->checked, name, depth))
            return -1;
        return 0;
    }
    if (node->kind == GQL_SEL_FIELD) {
        const char *n = node->name.value;
        if (strcmp(n, "fields") == 0 || strcmp(n, "interfaces") == 0 || strcmp(n, "possibleTypes") == 0 ||
            strcmp(n, "inputFields") == 0) {
            depth++;
            if (depth >= 3)
                return 1;
        }
    }
    return mid_check_set(ctx, st, visited, node->selection_set, depth);
}

/* NoFragmentCycles' detectCycleRecursive. */
static int cyc_index(gql_v_walk_t *w, const char *name)
{
    for (int i = w->ncyc_idx - 1; i >= 0; i--)
        if (strcmp(w->cyc_idx_name[i], name) == 0)
            return w->cyc_idx_val[i];
    return -1;
}

static int cyc_set_index(gql_v_walk_t *w, const char *name, int val)
{
    for (int i = 0; i < w->ncyc_idx; i++)
        if (strcmp(w->cyc_idx_name[i], name) == 0) {
            w->cyc_idx_val[i] = val;
            return 0;
        }
    int c1 = w->cap_cyc_idx, c2 = w->cap_cyc_idx_val;
    if (gql_v_grow(w->ctx, (void **)&w->cyc_idx_name, &c1, w->ncyc_idx, sizeof *w->cyc_idx_name) ||
        gql_v_grow(w->ctx, (void **)&w->cyc_idx_val, &c2, w->ncyc_idx, sizeof *w->cyc_idx_val))
        return -1;
    w->cap_cyc_idx = c1;
    w->cap_cyc_idx_val = c2;
    w->cyc_idx_name[w->ncyc_idx] = name;
    w->cyc_idx_val[w->ncyc_idx++] = val;
    return 0;
}

int gql_v_detect_cycle(gql_v_walk_t *w, const gql_ast_definition_t *frag)
{
    gql_v_ctx_t *ctx = w->ctx;
    const char *fname = frag->name.value;
    if (gql_v_name_in(w->cyc_visited, w->ncyc_visited, fname))
        return 0;
    if (gql_v_push_ptr(ctx, (const void ***)&w->cyc_visited, &w->ncyc_visited, &w->cap_cyc_visited, fname))
        return -1;
    const gql_ast_selection_t **sp;
    int nsp;
    if (gql_v_spreads(ctx, frag->selection_set, &sp, &nsp))
        return -1;
    if (nsp == 0)
        return 0;
    if (cyc_set_index(w, fname, w->ncyc_path))
        return -1;
    for (int i = 0; i < nsp; i++) {
        const char *sname = sp[i]->name.value;
        int cycle = cyc_index(w, sname);
        if (gql_v_push_ptr(ctx, (const void ***)&w->cyc_path, &w->ncyc_path, &w->cap_cyc_path, sp[i]))
            return -1;
        if (cycle < 0) {
            const gql_ast_definition_t *f = gql_v_fragment(ctx, sname);
            if (f) {
                if (gql_v_enter_fragment(ctx))
                    return -1;
                int r = gql_v_detect_cycle(w, f);
                gql_v_leave_fragment(ctx);
                if (r)
                    return -1;
            }
        } else {
            rt_buf_t b = RT_BUF_INIT;
            int n = w->ncyc_path - cycle;
            const gql_loc_t **locs = gql_v_alloc(ctx, (size_t)n * sizeof *locs);
            if (!locs)
                return -1;
            if (rt_buf_printf(&b, "Cannot spread fragment \"%s\" within itself", sname))
                goto oom;
            for (int k = cycle; k < w->ncyc_path - 1; k++)
                if (rt_buf_printf(&b, "%s\"%s\"", k == cycle ? " via " : ", ", w->cyc_path[k]->name.value))
                    goto oom;
            if (rt_buf_putc(&b, '.'))
                goto oom;
            for (int k = 0; k < n; k++)
                locs[k] = &w->cyc_path[cycle + k]->loc;
            int rc = gql_v_report(ctx, gql_v_msg(&b), locs, n);
            rt_buf_free(&b);
            if (rc)
                return rc;
            goto next;
        oom:
            rt_buf_free(&b);
            ctx->oom = ctx->aborted = true;
            return -1;
        }
    next:
        w->ncyc_path--;
    }
    return cyc_set_index(w, fname, -1);
}

/* NoUnusedFragments at document leave. */
int gql_v_rule_unused_fragments(gql_v_walk_t *w)
{
    gql_v_ctx_t *ctx = w->ctx;
    const gql_ast_definition_t **ops = NULL;
    int nops = 0, cap = 0;
    for (const gql_ast_definition_t *d = ctx->doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_OPERATION && gql_v_push_ptr(ctx, (const void ***)&ops, &nops, &cap, d))
            return -1;
    const gql_ast_definition_t **used;
    int nused;
    if (gql_v_ref_frags(ctx, ops, nops, &used, &nused, NULL))
        return -1;
    for (const gql_ast_definition_t *d = ctx->doc->definitions; d; d = d->next) {
        if (d->kind != GQL_DEF_FRAGMENT)
            continue;
        bool u = false;
        for (int i = 0; i < nused; i++)
            if (strcmp(used[i]->name.value, d->name.value) == 0)
                u = true;
        if (u)
            continue;
        rt_buf_t b = RT_BUF_INIT;
        if (rt_buf_printf(&b, "Fragment \"%s\" is never used.", d->name.value)) {
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        int rc = gql_v_report1(ctx, gql_v_msg(&b), &d->loc);
        rt_buf_free(&b);
        if (rc)
            return rc;
    }
    return 0;
}

/* MaxIntrospectionDepthRule at a __schema / __type field: 1 too deep, 0 fine, -1 no memory. */
int gql_v_introspection_too_deep(gql_v_walk_t *w, const gql_ast_selection_t *f)
{
    gql_v_depthmap_t visited;
    memset(&visited, 0, sizeof visited);
    if (!w->mid && !(w->mid = gql_v_alloc(w->ctx, sizeof *w->mid)))
        return -1;
    return mid_check_sel(w->ctx, w->mid, &visited, f, 0);
}

/* SingleFieldSubscriptionsRule: collectFields over the subscription root with no variable values
 * (literal @skip/@include honoured; graphql-js's throw for other arguments reproduced). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate.h"
#include "gql/gql_validate_int.h"

/* SingleFieldSubscriptions' collectFields with no variable values. */
typedef struct {
    const char *key;
    const gql_ast_selection_t **fields;
    int n, cap;
} gql_v_sfgroup_t;

typedef struct {
    gql_v_sfgroup_t *groups;
    int n, cap;
    const char **visited;
    int nvisited, cvisited;
} gql_v_sfcollect_t;

/* shouldIncludeNode with no variable values: 1 include, 0 skip, -1 when graphql-js's
 * getArgumentValues would throw (validate() itself then throws that error; we report it alone). */
static int sf_include(gql_v_ctx_t *ctx, const gql_ast_directive_t *dirs)
{
    for (int k = 0; k < 2; k++) {
        const char *dname = k ? "include" : "skip";
        const gql_ast_directive_t *d = NULL;
        for (const gql_ast_directive_t *x = dirs; x && !d; x = x->next)
            if (strcmp(x->name.value, dname) == 0)
                d = x;
        if (!d)
            continue;
        const gql_ast_argument_t *arg = NULL;
        for (const gql_ast_argument_t *a = d->arguments; a; a = a->next)
            if (strcmp(a->name.value, "if") == 0)
                arg = a; /* keyMap: the last one wins */
        rt_buf_t b = RT_BUF_INIT, vs = RT_BUF_INIT;
        const gql_loc_t *loc;
        int r;
        if (!arg) {
            r = rt_buf_puts(&b, "Argument \"if\" of required type \"Boolean!\" was not provided.");
            loc = &d->loc;
        } else if (arg->value->kind == GQL_VAL_VARIABLE) {
            r = rt_buf_printf(&b,
                              "Argument \"if\" of required type \"Boolean!\" was provided the variable \"$%s\" "
                              "which was not provided a runtime value.",
                              arg->value->str);
            loc = &arg->value->loc;
        } else if (arg->value->kind == GQL_VAL_NULL) {
            r = rt_buf_puts(&b, "Argument \"if\" of non-null type \"Boolean!\" must not be null.");
            loc = &arg->value->loc;
        } else if (arg->value->kind != GQL_VAL_BOOLEAN) {
            r = gql_print_value(&vs, arg->value) ||
                rt_buf_printf(&b, "Argument \"if\" has invalid value %s.", gql_v_msg(&vs));
            loc = &arg->value->loc;
        } else {
            if (arg->value->boolean == (k == 0))
                return 0;
            continue;
        }
        if (r) {
            ctx->oom = true;
        } else {
            int n = (int)json_object_array_length(ctx->errors);
            if (n > ctx->base_errors)
                json_object_array_del_idx(ctx->errors, (size_t)ctx->base_errors, (size_t)(n - ctx->base_errors));
            ctx->nerrors = 0;
            gql_v_report1(ctx, gql_v_msg(&b), loc);
        }
        ctx->aborted = true;
        rt_buf_free(&b);
        rt_buf_free(&vs);
        return -1;
    }
    return 1;
}

static bool sf_condition_matches(gql_v_ctx_t *ctx, const gql_ast_type_t *cond, int type)
{
    if (!cond)
        return true;
    int c = gql_v_named_idx(gql_v_type_from_ast(ctx, cond));
    if (c < 0)
        return false;
    if (c == type)
        return true;
    if (gql_v_idx_is_abstract(ctx, c))
        return gql_v_is_possible(ctx, c, type);
    return false;
}

static int sf_collect(gql_v_ctx_t *ctx, gql_v_sfcollect_t *col, int type, const gql_ast_selection_set_t *ss)
{
    /* reserveSelectionSetWork */
    if (gql_v_spend_fragment_work(ctx, ss->count))
        return -1;
    for (const gql_ast_selection_t *s = ss->selections; s; s = s->next) {
        if (gql_v_spend_fragment_work(ctx, s->ndirectives))
            return -1;
        for (const gql_ast_directive_t *d = s->directives; d; d = d->next)
            if ((strcmp(d->name.value, "skip") == 0 || strcmp(d->name.value, "include") == 0) &&
                gql_v_spend_fragment_work(ctx, d->nargs))
                return -1;
    }
    for (const gql_ast_selection_t *s = ss->selections; s; s = s->next) {
        switch (s->kind) {
        case GQL_SEL_FIELD: {
            int inc = sf_include(ctx, s->directives);
            if (inc < 0)
                return -1;
            if (!inc)
                continue;
            const char *key = s->alias.value ? s->alias.value : s->name.value;
            gql_v_sfgroup_t *g = NULL;
            for (int i = 0; i < col->n; i++)
                if (strcmp(col->groups[i].key, key) == 0)
                    g = &col->groups[i];
            if (!g) {
                if (gql_v_grow(ctx, (void **)&col->groups, &col->cap, col->n, sizeof *col->groups))
                    return -1;
                g = &col->groups[col->n++];
                g->key = key;
            }
            if (gql_v_push_ptr(ctx, (const void ***)&g->fields, &g->n, &g->cap, s))
                return -1;
            break;
        }
        case GQL_SEL_INLINE_FRAGMENT: {
            int inc = sf_include(ctx, s->directives);
            if (inc < 0)
                return -1;
            if (!inc || !sf_condition_matches(ctx, s->type_condition, type))
                continue;
            if (sf_collect(ctx, col, type, s->selection_set))
                return -1;
            break;
        }
        case GQL_SEL_FRAGMENT_SPREAD: {
            if (gql_v_name_in(col->visited, col->nvisited, s->name.value))
                continue;
            int inc = sf_include(ctx, s->directives);
            if (inc < 0)
                return -1;
            if (!inc)
                continue;
            if (gql_v_push_ptr(ctx, (const void ***)&col->visited, &col->nvisited, &col->cvisited, s->name.value))
                return -1;
            const gql_ast_definition_t *f = gql_v_fragment(ctx, s->name.value);
            if (!f || !sf_condition_matches(ctx, f->type_condition, type))
                continue;
            if (gql_v_enter_fragment(ctx))
                return -1;
            int r = sf_collect(ctx, col, type, f->selection_set);
            gql_v_leave_fragment(ctx);
            if (r)
                return -1;
            break;
        }
        }
    }
    return 0;
}

int gql_v_rule_single_field_subscriptions(gql_v_walk_t *w, const gql_ast_definition_t *op)
{
    gql_v_ctx_t *ctx = w->ctx;
    if (op->operation != GQL_OPERATION_SUBSCRIPTION || ctx->s->subscription_type < 0)
        return 0;
    gql_v_sfcollect_t col;
    memset(&col, 0, sizeof col);
    if (!ctx->sf_fragments_done) {
        ctx->sf_fragments_done = true;
        if (gql_v_spend_fragment_work(ctx, ctx->doc->count))
            return -1;
    }
    if (sf_collect(ctx, &col, ctx->s->subscription_type, op->selection_set))
        return -1;
    const char *name = op->name.value;
    int rc = 0;
    rt_buf_t b = RT_BUF_INIT;
    if (col.n > 1) {
        int n = 0, k = 0;
        for (int i = 1; i < col.n; i++)
            n += col.groups[i].n;
        const gql_loc_t **locs = gql_v_alloc(ctx, (size_t)n * sizeof *locs);
        if (!locs)
            return -1;
        for (int i = 1; i < col.n; i++)
            for (int j = 0; j < col.groups[i].n; j++)
                locs[k++] = &col.groups[i].fields[j]->loc;
        if (name ? rt_buf_printf(&b, "Subscription \"%s\" must select only one top level field.", name)
                 : rt_buf_puts(&b, "Anonymous Subscription must select only one top level field."))
            goto oom;
        rc = gql_v_report(ctx, gql_v_msg(&b), locs, n);
        if (rc)
            goto out;
    }
    for (int i = 0; i < col.n; i++) {
        if (strncmp(col.groups[i].fields[0]->name.value, "__", 2) != 0)
            continue;
        const gql_loc_t **locs = gql_v_alloc(ctx, (size_t)col.groups[i].n * sizeof *locs);
        if (!locs)
            return -1;
        for (int j = 0; j < col.groups[i].n; j++)
            locs[j] = &col.groups[i].fields[j]->loc;
        rt_buf_reset(&b);
        if (name ? rt_buf_printf(&b, "Subscription \"%s\" must not select an introspection top level field.", name)
                 : rt_buf_puts(&b, "Anonymous Subscription must not select an introspection top level field."))
            goto oom;
        rc = gql_v_report(ctx, gql_v_msg(&b), locs, col.groups[i].n);
        if (rc)
            goto out;
    }
    goto out;
oom:
    ctx->oom = ctx->aborted = true;
    rc = -1;
out:
    rt_buf_free(&b);
    return rc;
}

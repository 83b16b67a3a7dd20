/* Validation of executable documents: one traversal of the document in graphql-js visit() order
 * keeping TypeInfo's state, calling each rule of specifiedRules at each node in the order graphql-js
 * lists them, so errors come out in exactly graphql-js's order. The rules local to a node live here;
 * values, fragment analyses, subscriptions and overlapping fields have their own files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate.h"
#include "gql/gql_validate_int.h"

static int w_selection_set(gql_v_walk_t *w, const gql_ast_selection_set_t *ss, bool parent_is_inline);

/* ---------------------------------------------------------------------------------------- */
/* Named types, arguments, directives                                                        */

static int w_named_type(gql_v_walk_t *w, const gql_ast_type_t *t)
{
    gql_v_ctx_t *ctx = w->ctx;
    if (!w->validate)
        return 0;
    while (t && t->kind != GQL_TYPE_NAMED)
        t = t->of;
    if (!t)
        return 0;
    /* KnownTypeNames */
    if (gql_schema_type_index(ctx->s, t->name.value) >= 0)
        return 0;
    const gql_ast_definition_t *d;
    for (d = ctx->doc->definitions; d; d = d->next)
        if (d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT && !d->is_extension && d->name.value &&
            strcmp(d->name.value, t->name.value) == 0)
            return 0;
    int n = ctx->s->ntypes, k = 0;
    for (d = ctx->doc->definitions; d; d = d->next)
        n++;
    const char **names = gql_v_alloc(ctx, (size_t)(n + 1) * sizeof *names);
    if (!names)
        return -1;
    for (int i = 0; i < ctx->s->ntypes; i++)
        names[k++] = ctx->s->types[i].name;
    for (d = ctx->doc->definitions; d; d = d->next)
        if (d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT && !d->is_extension && d->name.value)
            names[k++] = d->name.value;
    rt_buf_t b = RT_BUF_INIT;
    int rc;
    if (rt_buf_printf(&b, "Unknown type \"%s\".", t->name.value) ||
        gql_did_you_mean(&b, NULL, t->name.value, names, k)) {
        rt_buf_free(&b);
        ctx->oom = ctx->aborted = true;
        return -1;
    }
    rc = gql_v_report1(ctx, gql_v_msg(&b), &t->loc);
    rt_buf_free(&b);
    return rc;
}

static const gql_input_value_t *find_arg(const gql_input_value_t *args, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

static int w_argument(gql_v_walk_t *w, const gql_ast_argument_t *a)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_input = w->input, save_parent = w->parent_input;
    bool save_def = w->has_default;
    const gql_input_value_t *def = NULL;
    if (w->directive)
        def = find_arg(w->directive->args, w->directive->nargs, a->name.value);
    else if (w->field)
        def = find_arg(w->field->args, w->field->nargs, a->name.value);
    w->has_default = def && def->default_value;
    w->parent_input = w->input;
    w->input = def && gql_v_is_input(ctx, def->type) ? def->type : NULL;
    int rc = 0;
    if (w->validate && !w->in_directive && !def && w->field && w->parent >= 0) {
        /* KnownArgumentNames */
        const gql_type_t *pt = gql_v_type(ctx, w->parent);
        const char **names = gql_v_alloc(ctx, (size_t)(w->field->nargs + 1) * sizeof *names);
        rt_buf_t b = RT_BUF_INIT;
        if (!names)
            return -1;
        for (int i = 0; i < w->field->nargs; i++)
            names[i] = w->field->args[i].name;
        if (rt_buf_printf(&b, "Unknown argument \"%s\" on field \"%s.%s\".", a->name.value, pt->name, w->field->name) ||
            gql_did_you_mean(&b, NULL, a->name.value, names, w->field->nargs)) {
            rt_buf_free(&b);
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        rc = gql_v_report1(ctx, gql_v_msg(&b), &a->loc);
        rt_buf_free(&b);
    }
    if (!rc)
        rc = gql_v_walk_value(w, a->value);
    w->input = save_input;
    w->parent_input = save_parent;
    w->has_default = save_def;
    return rc;
}

/* UniqueArgumentNames over one argument list. */
static int rule_unique_args(gql_v_walk_t *w, const gql_ast_argument_t *args)
{
    gql_v_ctx_t *ctx = w->ctx;
    for (const gql_ast_argument_t *a = args; a; a = a->next) {
        bool first = true;
        for (const gql_ast_argument_t *p = args; p != a; p = p->next)
            if (strcmp(p->name.value, a->name.value) == 0)
                first = false;
        if (!first)
            continue;
        int n = 0;
        for (const gql_ast_argument_t *q = a; q; q = q->next)
            if (strcmp(q->name.value, a->name.value) == 0)
                n++;
        if (n < 2)
            continue;
        const gql_loc_t **locs = gql_v_alloc(ctx, (size_t)n * sizeof *locs);
        if (!locs)
            return -1;
        int k = 0;
        for (const gql_ast_argument_t *q = a; q; q = q->next)
            if (strcmp(q->name.value, a->name.value) == 0)
                locs[k++] = &q->name.loc;
        rt_buf_t b = RT_BUF_INIT;
        if (rt_buf_printf(&b, "There can be only one argument named \"%s\".", a->name.value)) {
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        int rc = gql_v_report(ctx, gql_v_msg(&b), locs, n);
        rt_buf_free(&b);
        if (rc)
            return rc;
    }
    return 0;
}

static const char *location_name(uint32_t loc)
{
    static const char *const names[] = {"QUERY",
                                        "MUTATION",
                                        "SUBSCRIPTION",
                                        "FIELD",
                                        "FRAGMENT_DEFINITION",
                                        "FRAGMENT_SPREAD",
                                        "INLINE_FRAGMENT",
                                        "VARIABLE_DEFINITION",
                                        "SCHEMA",
                                        "SCALAR",
                                        "OBJECT",
                                        "FIELD_DEFINITION",
                                        "ARGUMENT_DEFINITION",
                                        "INTERFACE",
                                        "UNION",
                                        "ENUM",
                                        "ENUM_VALUE",
                                        "INPUT_OBJECT",
                                        "INPUT_FIELD_DEFINITION",
                                        "DIRECTIVE_DEFINITION"};
    for (int i = 0; i < 20; i++)
        if (loc == (1u << i))
            return names[i];
    return "";
}

/* A directive definition in the document itself overrides the schema's for KnownDirectives,
 * UniqueDirectivesPerLocation and the directive-argument rules (TypeInfo still only knows the
 * schema's). The last definition of a name wins. */
static const gql_ast_definition_t *doc_directive(const gql_v_ctx_t *ctx, const char *name)
{
    const gql_ast_definition_t *found = NULL;
    for (const gql_ast_definition_t *d = ctx->doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_DIRECTIVE && strcmp(d->name.value, name) == 0)
            found = d;
    return found;
}

static const char *location_name(uint32_t loc);

static int dir_oom(gql_v_ctx_t *ctx)
{
    ctx->oom = ctx->aborted = true;
    return -1;
}

/* KnownDirectives: the directive exists (in the document or the schema) and is allowed here. */
static int dir_known(gql_v_ctx_t *ctx, const gql_ast_directive_t *d, const gql_directive_t *def,
                     const gql_ast_definition_t *adef, uint32_t location)
{
    bool allowed = true;
    if (adef) {
        allowed = false;
        for (int i = 0; i < adef->nlocations; i++)
            if (strcmp(adef->locations[i].value, location_name(location)) == 0)
                allowed = true;
    } else if (def) {
        allowed = (def->locations & location) != 0;
    }
    rt_buf_t b = RT_BUF_INIT;
    int rc = 0;
    if (!def && !adef) {
        if (rt_buf_printf(&b, "Unknown directive \"@%s\".", d->name.value))
            rc = dir_oom(ctx);
        else
            rc = gql_v_report1(ctx, gql_v_msg(&b), &d->loc);
    } else if (location && !allowed) {
        if (rt_buf_printf(&b, "Directive \"@%s\" may not be used on %s.", d->name.value, location_name(location)))
            rc = dir_oom(ctx);
        else
            rc = gql_v_report1(ctx, gql_v_msg(&b), &d->loc);
    }
    rt_buf_free(&b);
    return rc;
}

/* KnownArgumentNames on directives. */
static int dir_known_args(gql_v_ctx_t *ctx, const gql_ast_directive_t *d, const gql_directive_t *def,
                          const gql_ast_definition_t *adef)
{
    if (!def && !adef)
        return 0;
    int n = adef ? adef->nargs : def->nargs, k = 0;
    const char **names = gql_v_alloc(ctx, (size_t)(n + 1) * sizeof *names);
    if (!names)
        return dir_oom(ctx);
    if (adef) {
        for (const gql_ast_input_value_def_t *iv = adef->arguments; iv; iv = iv->next)
            if (!gql_v_name_in(names, k, iv->name.value))
                names[k++] = iv->name.value;
    } else {
        for (int i = 0; i < def->nargs; i++)
            names[k++] = def->args[i].name;
    }
    for (const gql_ast_argument_t *a = d->arguments; a; a = a->next) {
        if (gql_v_name_in(names, k, a->name.value))
            continue;
        rt_buf_t m = RT_BUF_INIT;
        if (rt_buf_printf(&m, "Unknown argument \"%s\" on directive \"@%s\".", a->name.value, d->name.value) ||
            gql_did_you_mean(&m, NULL, a->name.value, names, k)) {
            rt_buf_free(&m);
            return dir_oom(ctx);
        }
        int rc = gql_v_report1(ctx, gql_v_msg(&m), &a->loc);
        rt_buf_free(&m);
        if (rc)
            return rc;
    }
    return 0;
}

static bool arg_given(const gql_ast_directive_t *d, const char *name)
{
    for (const gql_ast_argument_t *a = d->arguments; a; a = a->next)
        if (strcmp(a->name.value, name) == 0)
            return true;
    return false;
}

static bool required_def(const gql_ast_input_value_def_t *iv, const char *name)
{
    return strcmp(iv->name.value, name) == 0 && iv->type->kind == GQL_TYPE_NON_NULL && !iv->default_value;
}

/* ProvidedRequiredArguments on a directive defined in the document: graphql-js's keyMap over the
 * required ones (first position, last definition). */
static int dir_required_doc(gql_v_ctx_t *ctx, const gql_ast_directive_t *d, const gql_ast_definition_t *adef)
{
    int rc = 0;
    for (const gql_ast_input_value_def_t *iv = adef->arguments; iv && !rc; iv = iv->next) {
        if (iv->type->kind != GQL_TYPE_NON_NULL || iv->default_value)
            continue;
        bool earlier = false;
        for (const gql_ast_input_value_def_t *q = adef->arguments; q != iv; q = q->next)
            earlier = earlier || required_def(q, iv->name.value);
        const gql_ast_input_value_def_t *last = iv;
        for (const gql_ast_input_value_def_t *q = iv->next; q; q = q->next)
            if (required_def(q, iv->name.value))
                last = q;
        if (earlier || arg_given(d, iv->name.value))
            continue;
        rt_buf_t m = RT_BUF_INIT, ts = RT_BUF_INIT;
        if (gql_print_type(&ts, last->type) ||
            rt_buf_printf(&m, "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                          d->name.value, iv->name.value, gql_v_msg(&ts)))
            rc = dir_oom(ctx);
        else
            rc = gql_v_report1(ctx, gql_v_msg(&m), &d->loc);
        rt_buf_free(&m);
        rt_buf_free(&ts);
    }
    return rc;
}

/* ProvidedRequiredArguments on a schema directive (leave). */
static int dir_required_schema(gql_v_ctx_t *ctx, const gql_ast_directive_t *d, const gql_directive_t *def)
{
    int rc = 0;
    for (int i = 0; i < def->nargs && !rc; i++) {
        const gql_input_value_t *ad = &def->args[i];
        if (!gql_v_is_nonnull(ad->type) || ad->default_value || arg_given(d, ad->name))
            continue;
        rt_buf_t m = RT_BUF_INIT;
        if (rt_buf_printf(&m, "Directive \"@%s\" argument \"%s\" of type \"", d->name.value, ad->name) ||
            gql_v_print_type(ctx, &m, ad->type) || rt_buf_puts(&m, "\" is required, but it was not provided."))
            rc = dir_oom(ctx);
        else
            rc = gql_v_report1(ctx, gql_v_msg(&m), &d->loc);
        rt_buf_free(&m);
    }
    return rc;
}

static int w_directive(gql_v_walk_t *w, const gql_ast_directive_t *d, uint32_t location)
{
    gql_v_ctx_t *ctx = w->ctx;
    const gql_directive_t *def = gql_schema_directive(ctx->s, d->name.value);
    const gql_ast_definition_t *adef = w->validate ? doc_directive(ctx, d->name.value) : NULL;
    const gql_directive_t *save_dir = w->directive;
    bool save_in = w->in_directive;
    int rc = 0;
    w->directive = def;
    if (w->validate) {
        if ((rc = dir_known(ctx, d, def, adef, location)) || (rc = dir_known_args(ctx, d, def, adef)) ||
            (rc = rule_unique_args(w, d->arguments)))
            goto out;
    }
    w->in_directive = true;
    for (const gql_ast_argument_t *a = d->arguments; a && !rc; a = a->next)
        rc = w_argument(w, a);
    w->in_directive = save_in;
    if (rc)
        goto out;
    if (w->validate && adef)
        rc = dir_required_doc(ctx, d, adef);
    else if (w->validate && def)
        rc = dir_required_schema(ctx, d, def);
out:
    w->directive = save_dir;
    w->in_directive = save_in;
    return rc;
}

/* UniqueDirectivesPerLocation for one node's directive list (non-SDL nodes: a fresh map). */
static int rule_unique_directives(gql_v_walk_t *w, const gql_ast_directive_t *dirs)
{
    gql_v_ctx_t *ctx = w->ctx;
    if (!w->validate)
        return 0;
    for (const gql_ast_directive_t *d = dirs; d; d = d->next) {
        const gql_directive_t *def = gql_schema_directive(ctx->s, d->name.value);
        const gql_ast_definition_t *adef = doc_directive(ctx, d->name.value);
        if (adef ? adef->repeatable : (!def || def->is_repeatable))
            continue;
        for (const gql_ast_directive_t *p = dirs; p != d; p = p->next)
            if (strcmp(p->name.value, d->name.value) == 0) {
                rt_buf_t b = RT_BUF_INIT;
                if (rt_buf_printf(&b, "The directive \"@%s\" can only be used once at this location.", d->name.value)) {
                    ctx->oom = ctx->aborted = true;
                    return -1;
                }
                int rc = gql_v_report2(ctx, gql_v_msg(&b), &p->loc, &d->loc);
                rt_buf_free(&b);
                if (rc)
                    return rc;
                break;
            }
    }
    return 0;
}

/* UniqueDirectivesPerLocation for a schema definition/extension (key "") or a type
 * definition/extension (key: the type name): the seen directives persist across nodes. */
static int rule_unique_directives_shared(gql_v_walk_t *w, const char *key, const gql_ast_directive_t *dirs)
{
    gql_v_ctx_t *ctx = w->ctx;
    for (const gql_ast_directive_t *d = dirs; d; d = d->next) {
        const gql_directive_t *def = gql_schema_directive(ctx->s, d->name.value);
        const gql_ast_definition_t *adef = doc_directive(ctx, d->name.value);
        if (adef ? adef->repeatable : (!def || def->is_repeatable))
            continue;
        const gql_ast_directive_t *first = NULL;
        for (int i = 0; i < w->nudpl && !first; i++)
            if (strcmp(w->udpl_key[i], key) == 0 && strcmp(w->udpl_dir[i]->name.value, d->name.value) == 0)
                first = w->udpl_dir[i];
        if (!first) {
            int c1 = w->cap_udpl_key, c2 = w->cap_udpl_dir;
            if (gql_v_grow(ctx, (void **)&w->udpl_key, &c1, w->nudpl, sizeof *w->udpl_key) ||
                gql_v_grow(ctx, (void **)&w->udpl_dir, &c2, w->nudpl, sizeof *w->udpl_dir))
                return -1;
            w->cap_udpl_key = c1;
            w->cap_udpl_dir = c2;
            w->udpl_key[w->nudpl] = key;
            w->udpl_dir[w->nudpl++] = d;
            continue;
        }
        rt_buf_t b = RT_BUF_INIT;
        if (rt_buf_printf(&b, "The directive \"@%s\" can only be used once at this location.", d->name.value)) {
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        int rc = gql_v_report2(ctx, gql_v_msg(&b), &first->loc, &d->loc);
        rt_buf_free(&b);
        if (rc)
            return rc;
    }
    return 0;
}

static int w_directives(gql_v_walk_t *w, const gql_ast_directive_t *dirs, uint32_t location)
{
    int rc = 0;
    for (const gql_ast_directive_t *d = dirs; d && !rc; d = d->next)
        rc = w_directive(w, d, location);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Selections                                                                                */

static int rule_scalar_leafs(gql_v_walk_t *w, const gql_ast_selection_t *f)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t type = w->type;
    if (!type)
        return 0;
    rt_buf_t b = RT_BUF_INIT;
    int rc = 0;
    if (gql_v_idx_is_leaf(ctx, gql_v_named_idx(type))) {
        if (f->selection_set) {
            if (rt_buf_printf(&b, "Field \"%s\" must not have a selection since type \"", f->name.value) ||
                gql_v_print_type(ctx, &b, type) || rt_buf_puts(&b, "\" has no subfields."))
                goto oom;
            rc = gql_v_report1(ctx, gql_v_msg(&b), &f->selection_set->loc);
        }
    } else if (!f->selection_set) {
        if (rt_buf_printf(&b, "Field \"%s\" of type \"", f->name.value) || gql_v_print_type(ctx, &b, type) ||
            rt_buf_printf(&b, "\" must have a selection of subfields. Did you mean \"%s { ... }\"?", f->name.value))
            goto oom;
        rc = gql_v_report1(ctx, gql_v_msg(&b), &f->loc);
    } else if (f->selection_set->count == 0) {
        if (rt_buf_printf(&b, "Field \"%s\" of type \"", f->name.value) || gql_v_print_type(ctx, &b, type) ||
            rt_buf_puts(&b, "\" must have at least one field selected."))
            goto oom;
        rc = gql_v_report1(ctx, gql_v_msg(&b), &f->loc);
    }
    rt_buf_free(&b);
    return rc;
oom:
    rt_buf_free(&b);
    ctx->oom = ctx->aborted = true;
    return -1;
}

static int rule_fields_on_correct_type(gql_v_walk_t *w, const gql_ast_selection_t *f)
{
    gql_v_ctx_t *ctx = w->ctx;
    int parent = w->parent;
    if (parent < 0 || w->field)
        return 0;
    const gql_type_t *pt = gql_v_type(ctx, parent);
    rt_buf_t b = RT_BUF_INIT;
    if (rt_buf_printf(&b, "Cannot query field \"%s\" on type \"%s\".", f->name.value, pt->name))
        goto oom;
    size_t before = b.len;
    if (gql_v_idx_is_abstract(ctx, parent)) {
        /* getSuggestedTypeNames */
        int ns = 0;
        int *sidx = gql_v_alloc(ctx, (size_t)(ctx->s->ntypes + 1) * sizeof *sidx);
        int *cnt = gql_v_alloc(ctx, (size_t)(ctx->s->ntypes + 1) * sizeof *cnt);
        if (!sidx || !cnt)
            goto oom;
        for (int i = 0; i < ctx->s->ntypes; i++) {
            if (!gql_v_idx_is_object(ctx, i) || !gql_v_is_possible(ctx, parent, i))
                continue;
            if (!gql_type_field(&ctx->s->types[i], f->name.value))
                continue;
            bool have = false;
            for (int k = 0; k < ns; k++)
                if (sidx[k] == i)
                    have = true;
            if (!have)
                sidx[ns++] = i;
            cnt[i] = 1;
            const gql_type_t *ot = &ctx->s->types[i];
            for (int j = 0; j < ot->ninterfaces; j++) {
                int ii = ot->interfaces[j];
                if (!gql_type_field(&ctx->s->types[ii], f->name.value))
                    continue;
                have = false;
                for (int k = 0; k < ns; k++)
                    if (sidx[k] == ii)
                        have = true;
                if (!have)
                    sidx[ns++] = ii;
                cnt[ii] += 1;
            }
        }
        /* insertion sort with graphql-js's comparator (stable) */
        for (int i = 1; i < ns; i++) {
            int x = sidx[i], j = i - 1;
            while (j >= 0) {
                int a = sidx[j], bb = x, c;
                /* compare(a=sidx[j], b=x) > 0 means x goes before */
                c = cnt[bb] - cnt[a];
                if (c == 0) {
                    if (gql_v_idx_is_kind(ctx, a, GQL_TK_INTERFACE) && gql_v_is_possible(ctx, a, bb))
                        c = -1;
                    else if (gql_v_idx_is_kind(ctx, bb, GQL_TK_INTERFACE) && gql_v_is_possible(ctx, bb, a))
                        c = 1;
                    else
                        c = gql_natural_compare(ctx->s->types[a].name, ctx->s->types[bb].name);
                }
                if (c <= 0)
                    break;
                sidx[j + 1] = sidx[j];
                j--;
            }
            sidx[j + 1] = x;
        }
        const char **names = gql_v_alloc(ctx, (size_t)(ns + 1) * sizeof *names);
        if (!names)
            goto oom;
        for (int i = 0; i < ns; i++)
            names[i] = ctx->s->types[sidx[i]].name;
        if (gql_did_you_mean_list(&b, "to use an inline fragment on", names, ns))
            goto oom;
    }
    if (b.len == before && (pt->kind == GQL_TK_OBJECT || pt->kind == GQL_TK_INTERFACE)) {
        const char **names = gql_v_alloc(ctx, (size_t)(pt->nfields + 1) * sizeof *names);
        if (!names)
            goto oom;
        for (int i = 0; i < pt->nfields; i++)
            names[i] = pt->fields[i].name;
        if (gql_did_you_mean(&b, NULL, f->name.value, names, pt->nfields))
            goto oom;
    }
    int rc = gql_v_report1(ctx, gql_v_msg(&b), &f->loc);
    rt_buf_free(&b);
    return rc;
oom:
    rt_buf_free(&b);
    ctx->oom = ctx->aborted = true;
    return -1;
}

static int w_field(gql_v_walk_t *w, const gql_ast_selection_t *f)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_type = w->type;
    const gql_field_t *save_field = w->field;
    bool save_mid = w->mid_skip;
    int rc = 0;
    const gql_field_t *def = gql_v_field_def(ctx, w->parent, f->name.value);
    w->field = def;
    w->type = def && gql_v_is_output(ctx, def->type) ? def->type : NULL;
    if (w->validate) {
        if ((rc = rule_scalar_leafs(w, f)))
            goto out;
        if ((rc = rule_fields_on_correct_type(w, f)))
            goto out;
        if ((rc = rule_unique_directives(w, f->directives)))
            goto out;
        if ((rc = rule_unique_args(w, f->arguments)))
            goto out;
        if (!w->mid_skip && (strcmp(f->name.value, "__schema") == 0 || strcmp(f->name.value, "__type") == 0)) {
            int r = gql_v_introspection_too_deep(w, f);
            if (r < 0) {
                rc = -1;
                goto out;
            }
            if (r) {
                if ((rc = gql_v_report1(ctx, "Maximum introspection depth exceeded", &f->loc)))
                    goto out;
                w->mid_skip = true;
            }
        }
    }
    for (const gql_ast_argument_t *a = f->arguments; a && !rc; a = a->next)
        rc = w_argument(w, a);
    if (!rc)
        rc = w_directives(w, f->directives, GQL_DL_FIELD);
    if (!rc && f->selection_set)
        rc = w_selection_set(w, f->selection_set, false);
    if (rc)
        goto out;
    if (w->validate && def) {
        /* ProvidedRequiredArguments (leave) */
        for (int i = 0; i < def->nargs && !rc; i++) {
            const gql_input_value_t *ad = &def->args[i];
            if (!gql_v_is_nonnull(ad->type) || ad->default_value)
                continue;
            bool given = false;
            for (const gql_ast_argument_t *a = f->arguments; a; a = a->next)
                if (strcmp(a->name.value, ad->name) == 0)
                    given = true;
            if (given)
                continue;
            rt_buf_t m = RT_BUF_INIT;
            if (rt_buf_printf(&m, "Field \"%s\" argument \"%s\" of type \"", def->name, ad->name) ||
                gql_v_print_type(ctx, &m, ad->type) || rt_buf_puts(&m, "\" is required, but it was not provided.")) {
                rt_buf_free(&m);
                ctx->oom = ctx->aborted = true;
                rc = -1;
                goto out;
            }
            rc = gql_v_report1(ctx, gql_v_msg(&m), &f->loc);
            rt_buf_free(&m);
        }
    }
out:
    w->type = save_type;
    w->field = save_field;
    w->mid_skip = save_mid;
    return rc;
}

static int rule_possible_spread(gql_v_walk_t *w, const char *frag_name, int frag_type, const gql_loc_t *loc)
{
    gql_v_ctx_t *ctx = w->ctx;
    if (gql_v_types_overlap(ctx, frag_type, w->parent))
        return 0;
    rt_buf_t b = RT_BUF_INIT;
    int rc;
    if (frag_name) {
        if (rt_buf_printf(
                &b, "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
                frag_name, ctx->s->types[w->parent].name, ctx->s->types[frag_type].name))
            goto oom;
    } else {
        if (rt_buf_printf(&b, "Fragment cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
                          ctx->s->types[w->parent].name, ctx->s->types[frag_type].name))
            goto oom;
    }
    rc = gql_v_report1(ctx, gql_v_msg(&b), loc);
    rt_buf_free(&b);
    return rc;
oom:
    rt_buf_free(&b);
    ctx->oom = ctx->aborted = true;
    return -1;
}

static int w_spread(gql_v_walk_t *w, const gql_ast_selection_t *s)
{
    gql_v_ctx_t *ctx = w->ctx;
    int rc = 0;
    if (w->validate) {
        const gql_ast_definition_t *frag = gql_v_fragment(ctx, s->name.value);
        if (!frag) {
            rt_buf_t b = RT_BUF_INIT;
            if (rt_buf_printf(&b, "Unknown fragment \"%s\".", s->name.value)) {
                ctx->oom = ctx->aborted = true;
                return -1;
            }
            rc = gql_v_report1(ctx, gql_v_msg(&b), &s->name.loc);
            rt_buf_free(&b);
            if (rc)
                return rc;
        } else {
            int ft = gql_v_named_idx(gql_v_type_from_ast(ctx, frag->type_condition));
            if (gql_v_idx_is_composite(ctx, ft) && w->parent >= 0 &&
                (rc = rule_possible_spread(w, s->name.value, ft, &s->loc)))
                return rc;
        }
        if ((rc = rule_unique_directives(w, s->directives)))
            return rc;
    }
    return w_directives(w, s->directives, GQL_DL_FRAGMENT_SPREAD);
}

static int rule_fragment_on_composite(gql_v_walk_t *w, const char *frag_name, const gql_ast_type_t *cond)
{
    gql_v_ctx_t *ctx = w->ctx;
    int idx = gql_v_named_idx(gql_v_type_from_ast(ctx, cond));
    if (idx < 0 || gql_v_idx_is_composite(ctx, idx))
        return 0;
    rt_buf_t b = RT_BUF_INIT, ts = RT_BUF_INIT;
    int rc;
    if (gql_print_type(&ts, cond))
        goto oom;
    if (frag_name ? rt_buf_printf(&b, "Fragment \"%s\" cannot condition on non composite type \"%s\".", frag_name,
                                  gql_v_msg(&ts))
                  : rt_buf_printf(&b, "Fragment cannot condition on non composite type \"%s\".", gql_v_msg(&ts)))
        goto oom;
    rc = gql_v_report1(ctx, gql_v_msg(&b), &cond->loc);
    rt_buf_free(&b);
    rt_buf_free(&ts);
    return rc;
oom:
    rt_buf_free(&b);
    rt_buf_free(&ts);
    ctx->oom = ctx->aborted = true;
    return -1;
}

static int w_inline(gql_v_walk_t *w, const gql_ast_selection_t *s)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_type = w->type;
    int rc = 0;
    vt_t t =
        s->type_condition ? gql_v_type_from_ast(ctx, s->type_condition) : gql_v_named(ctx, gql_v_named_idx(w->type));
    w->type = gql_v_is_output(ctx, t) ? t : NULL;
    if (w->validate) {
        if (s->type_condition && (rc = rule_fragment_on_composite(w, NULL, s->type_condition)))
            goto out;
        int ft = gql_v_named_idx(w->type);
        if (gql_v_idx_is_composite(ctx, ft) && gql_v_idx_is_composite(ctx, w->parent) &&
            (rc = rule_possible_spread(w, NULL, ft, &s->loc)))
            goto out;
        if ((rc = rule_unique_directives(w, s->directives)))
            goto out;
        if (s->type_condition && (rc = w_named_type(w, s->type_condition)))
            goto out;
    }
    if ((rc = w_directives(w, s->directives, GQL_DL_INLINE_FRAGMENT)))
        goto out;
    rc = w_selection_set(w, s->selection_set, true);
out:
    w->type = save_type;
    return rc;
}

static int w_selection_set(gql_v_walk_t *w, const gql_ast_selection_set_t *ss, bool parent_is_inline)
{
    gql_v_ctx_t *ctx = w->ctx;
    int save_parent = w->parent;
    int rc = 0;
    int nt = gql_v_named_idx(w->type);
    w->parent = gql_v_idx_is_composite(ctx, nt) ? nt : -1;
    if (w->validate && !parent_is_inline &&
        !(ss->count <= 1 && !(ss->selections && ss->selections->kind == GQL_SEL_INLINE_FRAGMENT)))
        rc = gql_v_overlap_selection_set(ctx, w->parent, ss);
    for (const gql_ast_selection_t *s = ss->selections; s && !rc; s = s->next) {
        switch (s->kind) {
        case GQL_SEL_FIELD: rc = w_field(w, s); break;
        case GQL_SEL_FRAGMENT_SPREAD: rc = w_spread(w, s); break;
        case GQL_SEL_INLINE_FRAGMENT: rc = w_inline(w, s); break;
        }
    }
    w->parent = save_parent;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Definitions                                                                               */

static int w_variable_definition(gql_v_walk_t *w, const gql_ast_variable_definition_t *vd)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_input = w->input, save_parent = w->parent_input;
    int rc = 0;
    vt_t t = gql_v_type_from_ast(ctx, vd->type);
    if (ctx->aborted)
        return -1;
    w->parent_input = w->input;
    w->input = gql_v_is_input(ctx, t) ? t : NULL;
    /* VariablesAreInputTypes */
    if (t && !gql_v_is_input(ctx, t)) {
        rt_buf_t b = RT_BUF_INIT, ts = RT_BUF_INIT;
        if (gql_print_type(&ts, vd->type) ||
            rt_buf_printf(&b, "Variable \"$%s\" cannot be non-input type \"%s\".", vd->variable->str, gql_v_msg(&ts))) {
            rt_buf_free(&b);
            rt_buf_free(&ts);
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        rc = gql_v_report1(ctx, gql_v_msg(&b), &vd->type->loc);
        rt_buf_free(&b);
        rt_buf_free(&ts);
        if (rc)
            goto out;
    }
    if ((rc = rule_unique_directives(w, vd->directives)))
        goto out;
    if ((rc = w_named_type(w, vd->type)))
        goto out;
    if (vd->default_value && (rc = gql_v_walk_value(w, vd->default_value)))
        goto out;
    rc = w_directives(w, vd->directives, GQL_DL_VARIABLE_DEFINITION);
out:
    w->input = save_input;
    w->parent_input = save_parent;
    return rc;
}

static int rule_unique_variables(gql_v_walk_t *w, const gql_ast_definition_t *op)
{
    gql_v_ctx_t *ctx = w->ctx;
    for (const gql_ast_variable_definition_t *a = op->variable_definitions; a; a = a->next) {
        bool first = true;
        for (const gql_ast_variable_definition_t *p = op->variable_definitions; p != a; p = p->next)
            if (strcmp(p->variable->str, a->variable->str) == 0)
                first = false;
        if (!first)
            continue;
        int n = 0;
        for (const gql_ast_variable_definition_t *q = a; q; q = q->next)
            if (strcmp(q->variable->str, a->variable->str) == 0)
                n++;
        if (n < 2)
            continue;
        const gql_loc_t **locs = gql_v_alloc(ctx, (size_t)n * sizeof *locs);
        if (!locs)
            return -1;
        int k = 0;
        for (const gql_ast_variable_definition_t *q = a; q; q = q->next)
            if (strcmp(q->variable->str, a->variable->str) == 0)
                locs[k++] = &q->variable->name_loc;
        rt_buf_t b = RT_BUF_INIT;
        if (rt_buf_printf(&b, "There can be only one variable named \"$%s\".", a->variable->str)) {
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        int rc = gql_v_report(ctx, gql_v_msg(&b), locs, n);
        rt_buf_free(&b);
        if (rc)
            return rc;
    }
    return 0;
}

/* NoUndefinedVariables, NoUnusedVariables, VariablesInAllowedPosition at operation leave. */
static const gql_ast_variable_definition_t *find_vardef(const gql_ast_definition_t *op, const char *name, bool last)
{
    const gql_ast_variable_definition_t *found = NULL;
    for (const gql_ast_variable_definition_t *v = op->variable_definitions; v; v = v->next)
        if (strcmp(v->variable->str, name) == 0) {
            found = v;
            if (!last)
                return v;
        }
    return found;
}

static int rules_operation_leave(gql_v_walk_t *w, const gql_ast_definition_t *op)
{
    gql_v_ctx_t *ctx = w->ctx;
    gql_v_usage_t *us;
    int n, rc = 0;
    if (gql_v_recursive_usages(ctx, op, &us, &n))
        return -1;
    const char *opname = op->name.value;
    rt_buf_t b = RT_BUF_INIT;
    for (int i = 0; i < n && !rc; i++) {
        const char *vn = us[i].var->str;
        if (find_vardef(op, vn, false))
            continue;
        rt_buf_reset(&b);
        if (opname ? rt_buf_printf(&b, "Variable \"$%s\" is not defined by operation \"%s\".", vn, opname)
                   : rt_buf_printf(&b, "Variable \"$%s\" is not defined.", vn))
            goto oom;
        rc = gql_v_report2(ctx, gql_v_msg(&b), &us[i].var->loc, &op->loc);
    }
    for (const gql_ast_variable_definition_t *vd = op->variable_definitions; vd && !rc; vd = vd->next) {
        bool used = false;
        for (int i = 0; i < n; i++)
            if (strcmp(us[i].var->str, vd->variable->str) == 0)
                used = true;
        if (used)
            continue;
        rt_buf_reset(&b);
        if (opname ? rt_buf_printf(&b, "Variable \"$%s\" is never used in operation \"%s\".", vd->variable->str, opname)
                   : rt_buf_printf(&b, "Variable \"$%s\" is never used.", vd->variable->str))
            goto oom;
        rc = gql_v_report1(ctx, gql_v_msg(&b), &vd->loc);
    }
    for (int i = 0; i < n && !rc; i++) {
        const gql_ast_variable_definition_t *vd = find_vardef(op, us[i].var->str, true);
        if (!vd || !us[i].type)
            continue;
        vt_t vt = gql_v_type_from_ast(ctx, vd->type);
        if (ctx->aborted)
            return -1;
        if (!vt)
            continue;
        vt_t loc = us[i].type;
        bool allowed;
        if (gql_v_is_nonnull(loc) && !gql_v_is_nonnull(vt)) {
            bool var_default = vd->default_value && vd->default_value->kind != GQL_VAL_NULL;
            if (!var_default && !us[i].has_default)
                allowed = false;
            else
                allowed = gql_v_is_subtype_of(ctx, vt, loc->of);
        } else {
            allowed = gql_v_is_subtype_of(ctx, vt, loc);
        }
        if (!allowed) {
            rt_buf_reset(&b);
            if (rt_buf_printf(&b, "Variable \"$%s\" of type \"", us[i].var->str) || gql_v_print_type(ctx, &b, vt) ||
                rt_buf_puts(&b, "\" used in position expecting type \"") || gql_v_print_type(ctx, &b, loc) ||
                rt_buf_puts(&b, "\"."))
                goto oom;
            if ((rc = gql_v_report2(ctx, gql_v_msg(&b), &vd->loc, &us[i].var->loc)))
                break;
        }
        const gql_type_t *pt = gql_v_type(ctx, gql_v_named_idx(us[i].parent_type));
        if (us[i].parent_type && us[i].parent_type->wrap == GQL_TR_NAMED && pt && pt->kind == GQL_TK_INPUT_OBJECT &&
            pt->is_one_of && !gql_v_is_nonnull(vt)) {
            rt_buf_reset(&b);
            if (rt_buf_printf(&b, "Variable \"$%s\" is of type \"", us[i].var->str) || gql_v_print_type(ctx, &b, vt) ||
                rt_buf_printf(&b, "\" but must be non-nullable to be used for OneOf Input Object \"%s\".", pt->name))
                goto oom;
            rc = gql_v_report2(ctx, gql_v_msg(&b), &vd->loc, &us[i].var->loc);
        }
    }
    rt_buf_free(&b);
    return rc;
oom:
    rt_buf_free(&b);
    ctx->oom = ctx->aborted = true;
    return -1;
}

static int w_operation(gql_v_walk_t *w, const gql_ast_definition_t *op)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_type = w->type;
    int rc = 0;
    int root = op->operation == GQL_OPERATION_QUERY      ? ctx->s->query_type
               : op->operation == GQL_OPERATION_MUTATION ? ctx->s->mutation_type
                                                         : ctx->s->subscription_type;
    w->type = gql_v_idx_is_object(ctx, root) ? gql_v_named(ctx, root) : NULL;
    w->op = op;
    if (w->validate) {
        rt_buf_t b = RT_BUF_INIT;
        /* UniqueOperationNames */
        if (op->name.value) {
            const gql_ast_definition_t *prev = NULL;
            for (int i = 0; i < w->nseen_ops && !prev; i++)
                if (strcmp(w->seen_ops[i]->name.value, op->name.value) == 0)
                    prev = w->seen_ops[i];
            if (prev) {
                if (rt_buf_printf(&b, "There can be only one operation named \"%s\".", op->name.value))
                    goto oom;
                rc = gql_v_report2(ctx, gql_v_msg(&b), &prev->name.loc, &op->name.loc);
                rt_buf_free(&b);
                if (rc)
                    goto out;
            } else if (gql_v_push_ptr(ctx, (const void ***)&w->seen_ops, &w->nseen_ops, &w->cap_seen_ops, op)) {
                rc = -1;
                goto out;
            }
        }
        /* LoneAnonymousOperation */
        if (!op->name.value && w->noperations > 1 &&
            (rc = gql_v_report1(ctx, "This anonymous operation must be the only defined operation.", &op->loc)))
            goto out;
        if ((rc = gql_v_rule_single_field_subscriptions(w, op)))
            goto out;
        if ((rc = rule_unique_variables(w, op)))
            goto out;
        if ((rc = rule_unique_directives(w, op->directives)))
            goto out;
    }
    if (w->validate)
        for (const gql_ast_variable_definition_t *vd = op->variable_definitions; vd && !rc; vd = vd->next)
            rc = w_variable_definition(w, vd);
    if (rc)
        goto out;
    uint32_t loc = op->operation == GQL_OPERATION_QUERY      ? GQL_DL_QUERY
                   : op->operation == GQL_OPERATION_MUTATION ? GQL_DL_MUTATION
                                                             : GQL_DL_SUBSCRIPTION;
    if ((rc = w_directives(w, op->directives, loc)))
        goto out;
    if ((rc = w_selection_set(w, op->selection_set, false)))
        goto out;
    if (w->validate)
        rc = rules_operation_leave(w, op);
    goto out;
oom:
    ctx->oom = ctx->aborted = true;
    rc = -1;
out:
    w->type = save_type;
    w->op = NULL;
    return rc;
}

static int w_fragment(gql_v_walk_t *w, const gql_ast_definition_t *fd)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_type = w->type;
    int rc = 0;
    vt_t t = gql_v_type_from_ast(ctx, fd->type_condition);
    w->type = gql_v_is_output(ctx, t) ? t : NULL;
    if (w->validate) {
        if ((rc = rule_fragment_on_composite(w, fd->name.value, fd->type_condition)))
            goto out;
        /* UniqueFragmentNames */
        const gql_ast_definition_t *prev = NULL;
        for (int i = 0; i < w->nseen_frags && !prev; i++)
            if (strcmp(w->seen_frags[i]->name.value, fd->name.value) == 0)
                prev = w->seen_frags[i];
        if (prev) {
            rt_buf_t b = RT_BUF_INIT;
            if (rt_buf_printf(&b, "There can be only one fragment named \"%s\".", fd->name.value)) {
                ctx->oom = ctx->aborted = true;
                rc = -1;
                goto out;
            }
            rc = gql_v_report2(ctx, gql_v_msg(&b), &prev->name.loc, &fd->name.loc);
            rt_buf_free(&b);
            if (rc)
                goto out;
        } else if (gql_v_push_ptr(ctx, (const void ***)&w->seen_frags, &w->nseen_frags, &w->cap_seen_frags, fd)) {
            rc = -1;
            goto out;
        }
        if ((rc = gql_v_detect_cycle(w, fd)))
            goto out;
        if ((rc = rule_unique_directives(w, fd->directives)))
            goto out;
        if ((rc = w_named_type(w, fd->type_condition)))
            goto out;
    }
    if ((rc = w_directives(w, fd->directives, GQL_DL_FRAGMENT_DEFINITION)))
        goto out;
    rc = w_selection_set(w, fd->selection_set, false);
out:
    w->type = save_type;
    return rc;
}

static bool is_executable(const gql_ast_definition_t *d)
{
    return d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT;
}

/* Type-system definitions inside an executable document: graphql-js visits them with every
 * rule; what can fire there is KnownTypeNames (standard scalars allowed), KnownDirectives and the
 * directive-argument rules. */
static int w_sdl_named(gql_v_walk_t *w, const gql_ast_type_t *t)
{
    gql_v_ctx_t *ctx = w->ctx;
    while (t && t->kind != GQL_TYPE_NAMED)
        t = t->of;
    if (!t)
        return 0;
    static const char *const std[] = {"String",    "Int",      "Float",        "Boolean",
                                      "ID",        "__Schema", "__Directive",  "__DirectiveLocation",
                                      "__Type",    "__Field",  "__InputValue", "__EnumValue",
                                      "__TypeKind"};
    if (gql_schema_type_index(ctx->s, t->name.value) >= 0)
        return 0;
    for (int i = 0; i < 13; i++)
        if (strcmp(std[i], t->name.value) == 0)
            return 0;
    const gql_ast_definition_t *d;
    int n = 13 + ctx->s->ntypes, k = 0;
    for (d = ctx->doc->definitions; d; d = d->next) {
        if (d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT && !d->is_extension && d->name.value &&
            strcmp(d->name.value, t->name.value) == 0)
            return 0;
        n++;
    }
    const char **names = gql_v_alloc(ctx, (size_t)n * sizeof *names);
    if (!names)
        return -1;
    for (int i = 0; i < 13; i++)
        names[k++] = std[i];
    for (int i = 0; i < ctx->s->ntypes; i++)
        names[k++] = ctx->s->types[i].name;
    for (d = ctx->doc->definitions; d; d = d->next)
        if (d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT && !d->is_extension && d->name.value)
            names[k++] = d->name.value;
    rt_buf_t b = RT_BUF_INIT;
    if (rt_buf_printf(&b, "Unknown type \"%s\".", t->name.value) ||
        gql_did_you_mean(&b, NULL, t->name.value, names, k)) {
        rt_buf_free(&b);
        ctx->oom = ctx->aborted = true;
        return -1;
    }
    int rc = gql_v_report1(ctx, gql_v_msg(&b), &t->loc);
    rt_buf_free(&b);
    return rc;
}

static int w_sdl_input_values(gql_v_walk_t *w, const gql_ast_input_value_def_t *iv, uint32_t location)
{
    int rc = 0;
    for (; iv && !rc; iv = iv->next) {
        rc = rule_unique_directives(w, iv->directives);
        if (!rc)
            rc = w_sdl_named(w, iv->type);
        if (!rc && iv->default_value)
            rc = gql_v_walk_value(w, iv->default_value);
        if (!rc)
            rc = w_directives(w, iv->directives, location);
    }
    return rc;
}

static int w_sdl_definition(gql_v_walk_t *w, const gql_ast_definition_t *d)
{
    int rc = 0;
    static const uint32_t locs[] = {0,
                                    0,
                                    GQL_DL_SCHEMA,
                                    GQL_DL_SCALAR,
                                    GQL_DL_OBJECT,
                                    GQL_DL_INTERFACE,
                                    GQL_DL_UNION,
                                    GQL_DL_ENUM,
                                    GQL_DL_INPUT_OBJECT,
                                    0};
    if (d->kind == GQL_DEF_DIRECTIVE)
        return w_sdl_input_values(w, d->arguments, GQL_DL_ARGUMENT_DEFINITION);
    if ((rc = rule_unique_directives_shared(w, d->kind == GQL_DEF_SCHEMA ? "" : d->name.value, d->directives)))
        return rc;
    if (d->kind == GQL_DEF_OBJECT || d->kind == GQL_DEF_INTERFACE)
        for (const gql_ast_type_t *t = d->interfaces; t && !rc; t = t->next)
            rc = w_sdl_named(w, t);
    if (!rc)
        rc = w_directives(w, d->directives, locs[d->kind]);
    for (const gql_ast_operation_type_def_t *o = d->operation_types; o && !rc; o = o->next)
        rc = w_sdl_named(w, o->type);
    for (const gql_ast_type_t *t = d->types; t && !rc; t = t->next)
        rc = w_sdl_named(w, t);
    for (const gql_ast_field_def_t *f = d->fields; f && !rc; f = f->next) {
        rc = rule_unique_directives(w, f->directives);
        if (!rc)
            rc = w_sdl_input_values(w, f->arguments, GQL_DL_ARGUMENT_DEFINITION);
        if (!rc)
            rc = w_sdl_named(w, f->type);
        if (!rc)
            rc = w_directives(w, f->directives, GQL_DL_FIELD_DEFINITION);
    }
    for (const gql_ast_enum_value_def_t *e = d->values; e && !rc; e = e->next) {
        rc = rule_unique_directives(w, e->directives);
        if (!rc)
            rc = w_directives(w, e->directives, GQL_DL_ENUM_VALUE);
    }
    if (!rc)
        rc = w_sdl_input_values(w, d->input_fields, GQL_DL_INPUT_FIELD_DEFINITION);
    return rc;
}

static int w_document(gql_v_walk_t *w)
{
    gql_v_ctx_t *ctx = w->ctx;
    const gql_ast_definition_t *d;
    int rc = 0;
    /* ExecutableDefinitions */
    for (d = ctx->doc->definitions; d; d = d->next) {
        if (is_executable(d))
            continue;
        rt_buf_t b = RT_BUF_INIT;
        if (d->kind == GQL_DEF_SCHEMA ? rt_buf_puts(&b, "The schema definition is not executable.")
                                      : rt_buf_printf(&b, "The \"%s\" definition is not executable.", d->name.value)) {
            ctx->oom = ctx->aborted = true;
            return -1;
        }
        rc = gql_v_report1(ctx, gql_v_msg(&b), &d->loc);
        rt_buf_free(&b);
        if (rc)
            return rc;
    }
    w->noperations = 0;
    for (d = ctx->doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_OPERATION)
            w->noperations++;
    for (d = ctx->doc->definitions; d && !rc; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION)
            rc = w_operation(w, d);
        else if (d->kind == GQL_DEF_FRAGMENT)
            rc = w_fragment(w, d);
        else
            rc = w_sdl_definition(w, d);
    }
    if (!rc)
        rc = gql_v_rule_unused_fragments(w);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */

static void ctx_free(gql_v_ctx_t *ctx) { gql_v_free_all(ctx); }

static int ctx_init(gql_v_ctx_t *ctx, const gql_schema_t *s, const gql_document_t *doc, json_object *errors)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->s = s;
    ctx->doc = doc;
    ctx->errors = errors;
    ctx->base_errors = (int)json_object_array_length(errors);
    ctx->fragment_work = 50000;
    ctx->named = gql_v_alloc(ctx, (size_t)(s->ntypes + 1) * sizeof *ctx->named);
    if (!ctx->named)
        return -1;
    for (int i = 0; i < s->ntypes; i++) {
        ctx->named[i].wrap = GQL_TR_NAMED;
        ctx->named[i].named = i;
    }
    int ischema = gql_schema_type_index(s, "__Schema"), itype = gql_schema_type_index(s, "__Type"),
        istring = gql_schema_type_index(s, "String");
    ctx->tr_schema = (gql_typeref_t){GQL_TR_NAMED, ischema, NULL};
    ctx->tr_schema_nn = (gql_typeref_t){GQL_TR_NON_NULL, -1, &ctx->tr_schema};
    ctx->tr_type = (gql_typeref_t){GQL_TR_NAMED, itype, NULL};
    ctx->tr_string = (gql_typeref_t){GQL_TR_NAMED, istring, NULL};
    ctx->tr_string_nn = (gql_typeref_t){GQL_TR_NON_NULL, -1, &ctx->tr_string};
    ctx->meta_schema = (gql_field_t){.name = "__schema", .type = &ctx->tr_schema_nn};
    ctx->meta_type_arg = (gql_input_value_t){.name = "name", .type = &ctx->tr_string_nn};
    ctx->meta_type = (gql_field_t){.name = "__type", .type = &ctx->tr_type, .args = &ctx->meta_type_arg, .nargs = 1};
    ctx->meta_typename = (gql_field_t){.name = "__typename", .type = &ctx->tr_string_nn};
    int cap = 0;
    ctx->frag_map.kind = V_MAP_STR;
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_FRAGMENT && (gql_v_push_ptr(ctx, (const void ***)&ctx->frags, &ctx->nfrags, &cap, d) ||
                                            !gql_v_map_put(ctx, &ctx->frag_map, d->name.value, NULL, (void *)d)))
            return -1;
    return 0;
}

int gql_validate(const gql_schema_t *schema, const gql_document_t *doc, json_object *errors)
{
    gql_v_ctx_t ctx;
    int rc = 0;
    if (!schema || !doc || !errors || !json_object_is_type(errors, json_type_array))
        return -1;
    if (ctx_init(&ctx, schema, doc, errors))
        goto done;
    /* variable usages of every operation and fragment, each with a fresh TypeInfo */
    int n = 0;
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT)
            n++;
    ctx.usages = gql_v_alloc(&ctx, (size_t)(n + 1) * sizeof *ctx.usages);
    if (!ctx.usages)
        goto done;
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next) {
        if (d->kind != GQL_DEF_OPERATION && d->kind != GQL_DEF_FRAGMENT)
            continue;
        gql_v_def_usages_t *u = &ctx.usages[ctx.nusages++];
        u->def = d;
        gql_v_walk_t w;
        memset(&w, 0, sizeof w);
        w.ctx = &ctx;
        w.out = u;
        w.parent = -1;
        if (d->kind == GQL_DEF_OPERATION)
            rc = w_operation(&w, d);
        else
            rc = w_fragment(&w, d);
        if (rc)
            goto done;
    }
    gql_v_walk_t w;
    memset(&w, 0, sizeof w);
    w.ctx = &ctx;
    w.validate = true;
    w.parent = -1;
    w_document(&w);
done:
    rc = ctx.oom ? -1 : ctx.nerrors;
    ctx_free(&ctx);
    return rc;
}

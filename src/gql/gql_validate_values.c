/* Value literals under validation: TypeInfo's input types through lists and input objects,
 * ValuesOfCorrectType (scalar parseLiteral wording, enums with suggestions, required input fields,
 * @oneOf) and UniqueInputFieldNames; also records variable usages for the fragment analyses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate.h"
#include "gql/gql_validate_int.h"

/* ValuesOfCorrectType's isValidValueNode. */
static int vct_is_valid(gql_v_walk_t *w, const gql_ast_value_t *v)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t loc_type = w->input;
    if (!loc_type)
        return 0;
    int idx = gql_v_named_idx(loc_type);
    const gql_type_t *t = gql_v_type(ctx, idx);
    rt_buf_t b = RT_BUF_INIT, vs = RT_BUF_INIT;
    int rc = 0;
    if (gql_print_value(&vs, v))
        goto oom;
    if (!gql_v_idx_is_leaf(ctx, idx)) {
        if (rt_buf_puts(&b, "Expected value of type \"") || gql_v_print_type(ctx, &b, loc_type) ||
            rt_buf_printf(&b, "\", found %s.", gql_v_msg(&vs)))
            goto oom;
        rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
        goto done;
    }
    if (t->kind == GQL_TK_ENUM) {
        bool ok = false;
        if (v->kind == GQL_VAL_ENUM)
            for (int i = 0; i < t->nenum_values; i++)
                if (strcmp(t->enum_values[i].name, v->str) == 0)
                    ok = true;
        if (ok)
            goto done;
        if (v->kind != GQL_VAL_ENUM) {
            if (rt_buf_printf(&b, "Enum \"%s\" cannot represent non-enum value: %s.", t->name, gql_v_msg(&vs)))
                goto oom;
        } else {
            if (rt_buf_printf(&b, "Value \"%s\" does not exist in \"%s\" enum.", gql_v_msg(&vs), t->name))
                goto oom;
        }
        const char **names = gql_v_alloc(ctx, (size_t)(t->nenum_values + 1) * sizeof *names);
        if (!names)
            goto oom;
        for (int i = 0; i < t->nenum_values; i++)
            names[i] = t->enum_values[i].name;
        if (gql_did_you_mean(&b, "the enum value", gql_v_msg(&vs), names, t->nenum_values))
            goto oom;
        rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
        goto done;
    }
    const char *n = t->name;
    if (strcmp(n, "Int") == 0) {
        if (v->kind != GQL_VAL_INT) {
            if (rt_buf_printf(&b, "Int cannot represent non-integer value: %s", gql_v_msg(&vs)))
                goto oom;
        } else {
            double d = strtod(v->str, NULL);
            if (!(d <= 2147483647.0 && d >= -2147483648.0)) {
                if (rt_buf_printf(&b, "Int cannot represent non 32-bit signed integer value: %s", v->str))
                    goto oom;
            } else {
                goto done;
            }
        }
    } else if (strcmp(n, "Float") == 0) {
        if (v->kind == GQL_VAL_FLOAT || v->kind == GQL_VAL_INT)
            goto done;
        if (rt_buf_printf(&b, "Float cannot represent non numeric value: %s", gql_v_msg(&vs)))
            goto oom;
    } else if (strcmp(n, "String") == 0) {
        if (v->kind == GQL_VAL_STRING)
            goto done;
        if (rt_buf_printf(&b, "String cannot represent a non string value: %s", gql_v_msg(&vs)))
            goto oom;
    } else if (strcmp(n, "Boolean") == 0) {
        if (v->kind == GQL_VAL_BOOLEAN)
            goto done;
        if (rt_buf_printf(&b, "Boolean cannot represent a non boolean value: %s", gql_v_msg(&vs)))
            goto oom;
    } else if (strcmp(n, "ID") == 0) {
        if (v->kind == GQL_VAL_STRING || v->kind == GQL_VAL_INT)
            goto done;
        if (rt_buf_printf(&b, "ID cannot represent a non-string and non-integer value: %s", gql_v_msg(&vs)))
            goto oom;
    } else {
        goto done; /* custom scalars take any literal (valueFromASTUntyped) */
    }
    rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
    goto done;
oom:
    ctx->oom = ctx->aborted = true;
    rc = -1;
done:
    rt_buf_free(&b);
    rt_buf_free(&vs);
    return rc;
}

static int w_object_field(gql_v_walk_t *w, const gql_ast_object_field_t *f, const gql_ast_value_t *obj)
{
    gql_v_ctx_t *ctx = w->ctx;
    vt_t save_input = w->input, save_parent = w->parent_input;
    bool save_def = w->has_default;
    int rc = 0;
    /* TypeInfo enter ObjectField */
    const gql_type_t *ot = gql_v_type(ctx, gql_v_named_idx(w->input));
    const gql_input_value_t *field = NULL;
    if (ot && ot->kind == GQL_TK_INPUT_OBJECT)
        for (int i = 0; i < ot->ninput_fields; i++)
            if (strcmp(ot->input_fields[i].name, f->name.value) == 0) {
                field = &ot->input_fields[i];
                break;
            }
    w->parent_input = w->input;
    w->input = field && gql_v_is_input(ctx, field->type) ? field->type : NULL;
    w->has_default = field && field->default_value;

    if (w->validate) {
        /* ValuesOfCorrectType ObjectField */
        if (!w->vct_skip) {
            const gql_type_t *pt = gql_v_type(ctx, gql_v_named_idx(w->parent_input));
            if (!w->input && pt && pt->kind == GQL_TK_INPUT_OBJECT) {
                rt_buf_t b = RT_BUF_INIT;
                const char **names = gql_v_alloc(ctx, (size_t)(pt->ninput_fields + 1) * sizeof *names);
                if (!names)
                    goto oom;
                for (int i = 0; i < pt->ninput_fields; i++)
                    names[i] = pt->input_fields[i].name;
                if (rt_buf_printf(&b, "Field \"%s\" is not defined by type \"%s\".", f->name.value, pt->name) ||
                    gql_did_you_mean(&b, NULL, f->name.value, names, pt->ninput_fields)) {
                    rt_buf_free(&b);
                    goto oom;
                }
                rc = gql_v_report1(ctx, gql_v_msg(&b), &f->loc);
                rt_buf_free(&b);
                if (rc)
                    goto out;
            }
        }
        /* UniqueInputFieldNames */
        for (const gql_ast_object_field_t *p = obj->fields; p && p != f; p = p->next)
            if (strcmp(p->name.value, f->name.value) == 0) {
                rt_buf_t b = RT_BUF_INIT;
                if (rt_buf_printf(&b, "There can be only one input field named \"%s\".", f->name.value))
                    goto oom;
                rc = gql_v_report2(ctx, gql_v_msg(&b), &p->name.loc, &f->name.loc);
                rt_buf_free(&b);
                if (rc)
                    goto out;
                break;
            }
    }
    rc = gql_v_walk_value(w, f->value);
    goto out;
oom:
    ctx->oom = ctx->aborted = true;
    rc = -1;
out:
    w->input = save_input;
    w->parent_input = save_parent;
    w->has_default = save_def;
    return rc;
}

/* validateOneOfInputObject: exactly one distinct key, and its value not the null literal. */
static int vct_one_of(gql_v_walk_t *w, const gql_ast_value_t *v, const gql_type_t *t)
{
    gql_v_ctx_t *ctx = w->ctx;
    int keys = 0;
    const gql_ast_object_field_t *last = NULL;
    for (const gql_ast_object_field_t *f = v->fields; f; f = f->next) {
        bool dup = false;
        for (const gql_ast_object_field_t *p = v->fields; p != f; p = p->next)
            if (strcmp(p->name.value, f->name.value) == 0)
                dup = true;
        if (!dup)
            keys++;
    }
    rt_buf_t b = RT_BUF_INIT;
    int rc = 0;
    if (keys != 1) {
        if (rt_buf_printf(&b, "OneOf Input Object \"%s\" must specify exactly one key.", t->name))
            goto oom;
        rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
    } else {
        for (const gql_ast_object_field_t *f = v->fields; f; f = f->next)
            last = f; /* keyMap: last wins */
        if (!last->value || last->value->kind == GQL_VAL_NULL) {
            if (rt_buf_printf(&b, "Field \"%s.%s\" must be non-null.", t->name, last->name.value))
                goto oom;
            rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
        }
    }
    rt_buf_free(&b);
    return rc;
oom:
    rt_buf_free(&b);
    ctx->oom = ctx->aborted = true;
    return -1;
}

int gql_v_walk_value(gql_v_walk_t *w, const gql_ast_value_t *v)
{
    gql_v_ctx_t *ctx = w->ctx;
    if (!v || STOP(w))
        return STOP(w) ? -1 : 0;
    switch (v->kind) {
    case GQL_VAL_VARIABLE:
        if (!w->validate && w->out) {
            gql_v_def_usages_t *o = w->out;
            if (gql_v_grow(ctx, (void **)&o->items, &o->cap, o->n, sizeof *o->items))
                return -1;
            o->items[o->n].var = v;
            o->items[o->n].type = w->input;
            o->items[o->n].has_default = w->has_default;
            o->items[o->n].parent_type = w->parent_input;
            o->n++;
        }
        return 0;
    case GQL_VAL_LIST: {
        vt_t save_input = w->input, save_parent = w->parent_input;
        bool save_def = w->has_default, save_skip = w->vct_skip;
        vt_t lt = gql_v_nullable(w->input);
        vt_t item = gql_v_is_list(lt) ? lt->of : lt;
        w->parent_input = w->input;
        w->has_default = false;
        w->input = gql_v_is_input(ctx, item) ? item : NULL;
        int rc = 0;
        if (w->validate && !w->vct_skip) {
            if (!gql_v_is_list(gql_v_nullable(w->parent_input))) {
                rc = vct_is_valid(w, v);
                w->vct_skip = true;
            }
        }
        for (const gql_ast_value_t *it = v->items; it && !rc; it = it->next)
            rc = gql_v_walk_value(w, it);
        w->input = save_input;
        w->parent_input = save_parent;
        w->has_default = save_def;
        w->vct_skip = save_skip;
        return rc;
    }
    case GQL_VAL_OBJECT: {
        bool save_skip = w->vct_skip;
        int rc = 0;
        if (w->validate && !w->vct_skip) {
            const gql_type_t *t = gql_v_type(ctx, gql_v_named_idx(w->input));
            if (!t || t->kind != GQL_TK_INPUT_OBJECT) {
                rc = vct_is_valid(w, v);
                w->vct_skip = true;
            } else {
                for (int i = 0; i < t->ninput_fields && !rc; i++) {
                    const gql_input_value_t *fd = &t->input_fields[i];
                    bool given = false;
                    for (const gql_ast_object_field_t *f = v->fields; f; f = f->next)
                        if (strcmp(f->name.value, fd->name) == 0)
                            given = true;
                    if (!given && gql_v_is_nonnull(fd->type) && !fd->default_value) {
                        rt_buf_t b = RT_BUF_INIT;
                        if (rt_buf_printf(&b, "Field \"%s.%s\" of required type \"", t->name, fd->name) ||
                            gql_v_print_type(ctx, &b, fd->type) || rt_buf_puts(&b, "\" was not provided.")) {
                            rt_buf_free(&b);
                            ctx->oom = ctx->aborted = true;
                            return -1;
                        }
                        rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
                        rt_buf_free(&b);
                    }
                }
                if (!rc && t->is_one_of)
                    rc = vct_one_of(w, v, t);
            }
        }
        for (const gql_ast_object_field_t *f = v->fields; f && !rc; f = f->next)
            rc = w_object_field(w, f, v);
        w->vct_skip = save_skip;
        return rc;
    }
    case GQL_VAL_NULL:
        if (w->validate && !w->vct_skip && gql_v_is_nonnull(w->input)) {
            rt_buf_t b = RT_BUF_INIT;
            int rc;
            if (rt_buf_puts(&b, "Expected value of type \"") || gql_v_print_type(ctx, &b, w->input) ||
                rt_buf_puts(&b, "\", found null.")) {
                rt_buf_free(&b);
                ctx->oom = ctx->aborted = true;
                return -1;
            }
            rc = gql_v_report1(ctx, gql_v_msg(&b), &v->loc);
            rt_buf_free(&b);
            return rc;
        }
        return 0;
    default:
        if (w->validate && !w->vct_skip)
            return vct_is_valid(w, v);
        return 0;
    }
}

/* The generated node filters: for every object type T of the SDL that has a `<T>Change` type (a
 * node type of the change feed), the SDL text of `input <T>Where`, one more document of the
 * model, so validation, introspection and the feed's filter compiler see it like hand-written
 * SDL. The operator suffixes here are the ones src/feed/feed_where.c understands. */
#include <stdio.h>
#include <string.h>

#include "codegen_model.h"

typedef enum { CG_W_SKIP, CG_W_ORDERED, CG_W_TEXT, CG_W_PLAIN } cg_where_kind_t;

static const gql_ast_definition_t *find_def(const gql_document_t *doc, const char *name, gql_definition_kind_t kind)
{
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next)
        if (!d->is_extension && d->kind == kind && d->name.value && strcmp(d->name.value, name) == 0)
            return d;
    return NULL;
}

/* Which operators a field of this type gets: lists, objects, JSON and other custom scalars none. */
static cg_where_kind_t field_kind(const gql_document_t *doc, const gql_ast_type_t *t, const char **named)
{
    if (t->kind == GQL_TYPE_NON_NULL)
        t = t->of;
    if (t->kind != GQL_TYPE_NAMED)
        return CG_W_SKIP;
    const char *n = t->name.value;
    *named = n;
    if (strcmp(n, "Int") == 0 || strcmp(n, "Float") == 0 || strcmp(n, "DateTime") == 0)
        return CG_W_ORDERED;
    if (strcmp(n, "String") == 0 || strcmp(n, "ID") == 0)
        return CG_W_TEXT;
    if (strcmp(n, "Boolean") == 0 || find_def(doc, n, GQL_DEF_ENUM))
        return CG_W_PLAIN;
    return CG_W_SKIP;
}

static void where_field(rt_buf_t *out, const char *f, const char *suffix, const char *type, const char *desc)
{
    rt_buf_printf(out, "  \"\"\"%s\"\"\"\n  %s%s: %s\n", desc, f, suffix, type);
}

static void where_ops(rt_buf_t *out, const char *f, const char *named, cg_where_kind_t k)
{
    char list[300], d[400];
    snprintf(list, sizeof list, "[%s!]", named);
    snprintf(d, sizeof d, "`%s` equals this value (null: `%s` is null or absent).", f, f);
    where_field(out, f, "", named, d);
    snprintf(d, sizeof d, "`%s` differs from this value (null: `%s` is present and not null).", f, f);
    where_field(out, f, "_not", named, d);
    snprintf(d, sizeof d, "`%s` is one of these values.", f);
    where_field(out, f, "_in", list, d);
    snprintf(d, sizeof d, "`%s` is none of these values.", f);
    where_field(out, f, "_not_in", list, d);
    if (k == CG_W_ORDERED) {
        static const char *const sfx[4] = {"_lt", "_lte", "_gt", "_gte"};
        static const char *const what[4] = {"less than", "less than or equal to", "greater than",
                                            "greater than or equal to"};
        for (int i = 0; i < 4; i++) {
            snprintf(d, sizeof d, "`%s` is %s this value (never when `%s` is null).", f, what[i], f);
            where_field(out, f, sfx[i], named, d);
        }
    }
    if (k == CG_W_TEXT) {
        static const char *const sfx[3] = {"_contains", "_starts_with", "_ends_with"};
        static const char *const what[3] = {"contains", "starts with", "ends with"};
        for (int i = 0; i < 3; i++) {
            snprintf(d, sizeof d, "`%s` %s this text (never when `%s` is null).", f, what[i], f);
            where_field(out, f, sfx[i], named, d);
        }
    }
}

static void where_type(rt_buf_t *out, const gql_document_t *doc, const char *t)
{
    rt_buf_printf(out,
                  "\"\"\"\nConditions on a %s: the node of a change, or its last state for DELETED, as the "
                  "subscriber\nreceives it. Every condition given must hold; an absent condition holds.\n\"\"\"\n"
                  "input %sWhere {\n",
                  t, t);
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next) {
        if (d->kind != GQL_DEF_OBJECT || !d->name.value || strcmp(d->name.value, t) != 0)
            continue;
        for (const gql_ast_field_def_t *f = d->fields; f; f = f->next) {
            const char *named = NULL;
            cg_where_kind_t k = field_kind(doc, f->type, &named);
            if (k != CG_W_SKIP)
                where_ops(out, f->name.value, named, k);
        }
    }
    char list[300];
    snprintf(list, sizeof list, "[%sWhere!]", t);
    where_field(out, "AND", "", list, "Every one of these filters holds.");
    where_field(out, "OR", "", list, "At least one of these filters holds.");
    where_field(out, "NOT", "", list, "None of these filters holds.");
    rt_buf_puts(out, "}\n\n");
}

int cg_where_sdl(const gql_document_t *doc, rt_buf_t *out)
{
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next) {
        if (d->kind != GQL_DEF_OBJECT || d->is_extension || !d->name.value)
            continue;
        char change[300];
        snprintf(change, sizeof change, "%sChange", d->name.value);
        if (find_def(doc, change, GQL_DEF_OBJECT))
            where_type(out, doc, d->name.value);
    }
    return rt_buf_cstr(out) ? 0 : -1;
}

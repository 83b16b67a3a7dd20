/* Builds the generator's schema model: merges extensions, adds graphql-js's built-ins, and
 * reproduces GraphQLSchema's type collection order (config types re-collected in definition
 * order, then roots, directive argument types, and __Schema), and default-value printing. */
#include "codegen_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_builtin.h"

static int add_part(cg_model_t *m, const gql_ast_definition_t *d, bool builtin, const char *path)
{
    for (int i = 0; i < m->npool; i++) {
        cg_type_t *t = &m->pool[i];
        if (strcmp(t->name, d->name.value) != 0)
            continue;
        if (!d->is_extension) {
            if (t->builtin)
                return 0; /* redefining a built-in scalar: graphql-js keeps the standard one */
            fprintf(stderr, "%s:%u: type %s defined twice\n", path, d->loc.line, d->name.value);
            return -1;
        }
        if (t->nparts >= CG_MAX_PARTS) {
            fprintf(stderr, "%s:%u: too many extensions of %s\n", path, d->loc.line, d->name.value);
            return -1;
        }
        if (t->kind != d->kind) {
            fprintf(stderr, "%s:%u: extension of %s has the wrong kind\n", path, d->loc.line, d->name.value);
            return -1;
        }
        t->parts[t->nparts++] = d;
        return 0;
    }
    if (d->is_extension) {
        fprintf(stderr, "%s:%u: cannot extend unknown type %s\n", path, d->loc.line, d->name.value);
        return -1;
    }
    cg_type_t *t = &m->pool[m->npool++];
    t->name = d->name.value;
    t->kind = d->kind;
    t->builtin = builtin;
    t->parts[0] = d;
    t->nparts = 1;
    return 0;
}

static int pool_find(const cg_model_t *m, const char *name)
{
    for (int i = 0; i < m->npool; i++)
        if (strcmp(m->pool[i].name, name) == 0)
            return i;
    return -1;
}

static bool in_order(const cg_model_t *m, int idx)
{
    for (int i = 0; i < m->norder; i++)
        if (m->order[i] == idx)
            return true;
    return false;
}

static const char *named(const gql_ast_type_t *t)
{
    while (t->kind != GQL_TYPE_NAMED)
        t = t->of;
    return t->name.value;
}

static int collect(cg_model_t *m, const char *name);

static int collect_type(cg_model_t *m, const gql_ast_type_t *t) { return collect(m, named(t)); }

/* collectReferencedTypes. */
static int collect(cg_model_t *m, const char *name)
{
    int idx = pool_find(m, name);
    if (idx < 0) {
        fprintf(stderr, "unknown type %s\n", name);
        return -1;
    }
    if (in_order(m, idx))
        return 0;
    m->order[m->norder++] = idx;
    const cg_type_t *t = &m->pool[idx];
    for (int p = 0; p < t->nparts; p++) {
        const gql_ast_definition_t *d = t->parts[p];
        if (t->kind == GQL_DEF_UNION)
            for (const gql_ast_type_t *u = d->types; u; u = u->next)
                if (collect_type(m, u) < 0)
                    return -1;
    }
    if (t->kind == GQL_DEF_OBJECT || t->kind == GQL_DEF_INTERFACE) {
        for (int p = 0; p < t->nparts; p++)
            for (const gql_ast_type_t *i = t->parts[p]->interfaces; i; i = i->next)
                if (collect_type(m, i) < 0)
                    return -1;
        for (int p = 0; p < t->nparts; p++)
            for (const gql_ast_field_def_t *f = t->parts[p]->fields; f; f = f->next) {
                if (collect_type(m, f->type) < 0)
                    return -1;
                for (const gql_ast_input_value_def_t *a = f->arguments; a; a = a->next)
                    if (collect_type(m, a->type) < 0)
                        return -1;
            }
    }
    if (t->kind == GQL_DEF_INPUT_OBJECT)
        for (int p = 0; p < t->nparts; p++)
            for (const gql_ast_input_value_def_t *f = t->parts[p]->input_fields; f; f = f->next)
                if (collect_type(m, f->type) < 0)
                    return -1;
    return 0;
}

static int parse_doc(const char *path, const char *src, size_t len, gql_document_t **out)
{
    gql_syntax_error_t err;
    if (gql_parse(src, len, NULL, out, &err) != GQL_PARSE_OK) {
        fprintf(stderr, "%s:%u:%u: %s\n", path, err.loc.line, err.loc.column, err.message);
        return -1;
    }
    return 0;
}

static bool is_input_kind(gql_definition_kind_t k)
{
    return k == GQL_DEF_SCALAR || k == GQL_DEF_ENUM || k == GQL_DEF_INPUT_OBJECT;
}

static bool is_output_kind(gql_definition_kind_t k) { return k != GQL_DEF_INPUT_OBJECT; }

/* The structural rules of graphql-js validateSchema that would otherwise yield tables the
 * engine cannot serve: reference kinds, union members, implemented interfaces. */
static int check_types(const cg_model_t *m, const char *path)
{
    int bad = 0;
    for (int i = 0; i < m->npool; i++) {
        const cg_type_t *t = &m->pool[i];
        if (t->builtin)
            continue;
        for (int p = 0; p < t->nparts; p++) {
            const gql_ast_definition_t *d = t->parts[p];
            for (const gql_ast_field_def_t *f = d->fields; f; f = f->next) {
                const cg_type_t *ft = cg_model_type(m, named(f->type));
                if (ft && !is_output_kind(ft->kind)) {
                    fprintf(stderr, "%s:%u: %s.%s: field type must be an output type\n", path, f->loc.line, t->name,
                            f->name.value);
                    bad = 1;
                }
                for (const gql_ast_input_value_def_t *a = f->arguments; a; a = a->next) {
                    const cg_type_t *at = cg_model_type(m, named(a->type));
                    if (at && !is_input_kind(at->kind)) {
                        fprintf(stderr, "%s:%u: %s.%s(%s:): argument type must be an input type\n", path, a->loc.line,
                                t->name, f->name.value, a->name.value);
                        bad = 1;
                    }
                }
            }
            for (const gql_ast_input_value_def_t *f = d->input_fields; f; f = f->next) {
                const cg_type_t *ft = cg_model_type(m, named(f->type));
                if (ft && !is_input_kind(ft->kind)) {
                    fprintf(stderr, "%s:%u: %s.%s: input field type must be an input type\n", path, f->loc.line,
                            t->name, f->name.value);
                    bad = 1;
                }
            }
            for (const gql_ast_type_t *u = d->types; u; u = u->next) {
                const cg_type_t *ut = cg_model_type(m, u->name.value);
                if (ut && ut->kind != GQL_DEF_OBJECT) {
                    fprintf(stderr, "%s:%u: union %s: member %s must be an object type\n", path, u->loc.line, t->name,
                            u->name.value);
                    bad = 1;
                }
            }
            for (const gql_ast_type_t *it = d->interfaces; it; it = it->next) {
                const cg_type_t *iface = cg_model_type(m, it->name.value);
                if (iface && iface->kind != GQL_DEF_INTERFACE) {
                    fprintf(stderr, "%s:%u: %s implements %s, which is not an interface\n", path, it->loc.line, t->name,
                            it->name.value);
                    bad = 1;
                }
            }
        }
    }
    return bad ? -1 : 0;
}

int cg_model_build(cg_model_t *m, const char *path, const char *sdl, size_t len)
{
    memset(m, 0, sizeof *m);
    if (parse_doc("<builtin>", codegen_builtin_sdl, sizeof codegen_builtin_sdl - 1, &m->builtin_doc) < 0 ||
        parse_doc(path, sdl, len, &m->user_doc) < 0)
        return -1;
    rt_buf_t where = RT_BUF_INIT;
    if (cg_where_sdl(m->user_doc, &where) < 0) {
        rt_buf_free(&where);
        return -1;
    }
    m->where_sdl = rt_buf_steal(&where, &m->where_len);
    /* An empty document is a syntax error: parse only when there are filters. */
    if (m->where_len && parse_doc("<generated node filters>", m->where_sdl, m->where_len, &m->where_doc) < 0)
        return -1;
    int cap = m->builtin_doc->count + m->user_doc->count + (m->where_doc ? m->where_doc->count : 0) + 1;
    m->pool = calloc((size_t)cap, sizeof *m->pool);
    m->order = calloc((size_t)cap, sizeof *m->order);
    m->directives = calloc((size_t)cap, sizeof *m->directives);
    m->directive_builtin = calloc((size_t)cap, sizeof *m->directive_builtin);
    if (!m->pool || !m->order || !m->directives || !m->directive_builtin)
        return -1;

    const gql_ast_definition_t *schema_def = NULL;
    for (const gql_ast_definition_t *d = m->user_doc->definitions; d; d = d->next) {
        switch (d->kind) {
        case GQL_DEF_OPERATION:
        case GQL_DEF_FRAGMENT:
            fprintf(stderr, "%s:%u: executable definitions are not allowed in SDL\n", path, d->loc.line);
            return -1;
        case GQL_DEF_SCHEMA:
            if (!d->is_extension) {
                schema_def = d;
                m->description = d->description;
            }
            for (const gql_ast_operation_type_def_t *o = d->operation_types; o; o = o->next)
                m->roots[o->operation] = o->type->name.value;
            break;
        case GQL_DEF_DIRECTIVE: m->directives[m->ndirectives++] = d; break;
        default:
            if (add_part(m, d, false, path) < 0)
                return -1;
        }
    }
    /* The generated filters follow the user SDL, as if appended to it. */
    for (const gql_ast_definition_t *d = m->where_doc ? m->where_doc->definitions : NULL; d; d = d->next)
        if (add_part(m, d, false, "<generated node filters>") < 0)
            return -1;
    int nuser = m->npool;
    for (const gql_ast_definition_t *d = m->builtin_doc->definitions; d; d = d->next) {
        if (d->kind == GQL_DEF_DIRECTIVE) {
            bool overridden = false;
            for (int i = 0; i < m->ndirectives; i++)
                if (strcmp(m->directives[i]->name.value, d->name.value) == 0)
                    overridden = true;
            if (!overridden) {
                m->directive_builtin[m->ndirectives] = true;
                m->directives[m->ndirectives++] = d;
            }
        } else if (d->kind != GQL_DEF_SCHEMA && add_part(m, d, true, "<builtin>") < 0) {
            return -1;
        }
    }
    if (!schema_def) {
        static const char *const defaults[3] = {"Query", "Mutation", "Subscription"};
        for (int i = 0; i < 3; i++)
            if (!m->roots[i] && pool_find(m, defaults[i]) >= 0 && pool_find(m, defaults[i]) < nuser)
                m->roots[i] = defaults[i];
    }

    /* GraphQLSchema constructor: the config types form the initial set; each is then removed and
     * re-collected in turn, which appends it and any new type it references. */
    for (int i = 0; i < nuser; i++)
        m->order[m->norder++] = i;
    for (int i = 0; i < nuser; i++) {
        for (int k = 0; k < m->norder; k++)
            if (m->order[k] == i) {
                memmove(m->order + k, m->order + k + 1, sizeof *m->order * (size_t)(m->norder - k - 1));
                m->norder--;
                break;
            }
        if (collect(m, m->pool[i].name) < 0)
            return -1;
    }
    for (int i = 0; i < 3; i++)
        if (m->roots[i] && collect(m, m->roots[i]) < 0)
            return -1;
    for (int i = 0; i < m->ndirectives; i++)
        for (const gql_ast_input_value_def_t *a = m->directives[i]->arguments; a; a = a->next)
            if (collect_type(m, a->type) < 0)
                return -1;
    if (collect(m, "__Schema") < 0 || check_types(m, path) < 0)
        return -1;
    if (!m->roots[0]) {
        fprintf(stderr, "%s: the schema has no query type\n", path);
        return -1;
    }
    return 0;
}

void cg_model_free(cg_model_t *m)
{
    gql_document_free(m->builtin_doc);
    gql_document_free(m->user_doc);
    gql_document_free(m->where_doc);
    free(m->where_sdl);
    free(m->pool);
    free(m->order);
    free(m->directives);
    free(m->directive_builtin);
    memset(m, 0, sizeof *m);
}

int cg_model_index(const cg_model_t *m, const char *name)
{
    for (int i = 0; i < m->norder; i++)
        if (strcmp(m->pool[m->order[i]].name, name) == 0)
            return i;
    return -1;
}

const cg_type_t *cg_model_type(const cg_model_t *m, const char *name)
{
    int i = pool_find(m, name);
    return i < 0 ? NULL : &m->pool[i];
}

const gql_ast_value_t *cg_directive_arg(const gql_ast_directive_t *dirs, const char *name, const char *arg,
                                        bool *present)
{
    *present = false;
    for (const gql_ast_directive_t *d = dirs; d; d = d->next) {
        if (strcmp(d->name.value, name) != 0)
            continue;
        *present = true;
        for (const gql_ast_argument_t *a = d->arguments; a; a = a->next)
            if (strcmp(a->name.value, arg) == 0)
                return a->value;
        return NULL;
    }
    return NULL;
}

/* ---- default values ------------------------------------------------------------------------ */

/* JavaScript's Number#toString for finite doubles: shortest round-trip digits, exponent form
 * below 1e-6 and from 1e21. */
static void js_number(double v, char *out, size_t cap)
{
    if (v == 0) {
        snprintf(out, cap, "0");
        return;
    }
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp: [-]d.ddde[+-]XX */
    bool neg = tmp[0] == '-';
    const char *p = tmp + neg;
    char digits[32];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int e = atoi(p + 1); /* value = 0.d1d2... * 10^(e+1) */
    int n = e + 1;
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (n >= nd && n <= 21) {
        o += (size_t)snprintf(out + o, cap - o, "%s", digits);
        for (int i = nd; i < n; i++)
            out[o++] = '0';
        out[o] = '\0';
    } else if (n > 0 && n <= 21) {
        snprintf(out + o, cap - o, "%.*s.%s", n, digits, digits + n);
    } else if (n > -6 && n <= 0) {
        o += (size_t)snprintf(out + o, cap - o, "0.");
        for (int i = 0; i < -n; i++)
            out[o++] = '0';
        snprintf(out + o, cap - o, "%s", digits);
    } else {
        int ex = n - 1;
        if (nd == 1)
            snprintf(out + o, cap - o, "%se%c%d", digits, ex < 0 ? '-' : '+', abs(ex));
        else
            snprintf(out + o, cap - o, "%c.%se%c%d", digits[0], digits + 1, ex < 0 ? '-' : '+', abs(ex));
    }
}

static bool int_like(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int print_coerced(const cg_model_t *m, const gql_ast_value_t *v, const gql_ast_type_t *type, rt_buf_t *out);

static int print_input_object(const cg_model_t *m, const gql_ast_value_t *v, const cg_type_t *t, rt_buf_t *out)
{
    if (v->kind != GQL_VAL_OBJECT)
        return gql_print_value(out, v);
    if (rt_buf_putc(out, '{') < 0)
        return -1;
    bool first = true;
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_input_value_def_t *f = t->parts[p]->input_fields; f; f = f->next) {
            const gql_ast_value_t *given = NULL;
            for (const gql_ast_object_field_t *of = v->fields; of; of = of->next)
                if (strcmp(of->name.value, f->name.value) == 0)
                    given = of->value;
            if (!given)
                given = f->default_value;
            if (!given)
                continue;
            if ((!first && rt_buf_puts(out, ", ") < 0) || rt_buf_printf(out, "%s: ", f->name.value) < 0 ||
                print_coerced(m, given, f->type, out) < 0)
                return -1;
            first = false;
        }
    return rt_buf_putc(out, '}');
}

static int print_coerced(const cg_model_t *m, const gql_ast_value_t *v, const gql_ast_type_t *type, rt_buf_t *out)
{
    if (v->kind == GQL_VAL_NULL)
        return rt_buf_puts(out, "null");
    if (type->kind == GQL_TYPE_NON_NULL)
        return print_coerced(m, v, type->of, out);
    if (type->kind == GQL_TYPE_LIST) {
        if (rt_buf_putc(out, '[') < 0)
            return -1;
        if (v->kind == GQL_VAL_LIST) {
            for (const gql_ast_value_t *i = v->items; i; i = i->next)
                if (print_coerced(m, i, type->of, out) < 0 || (i->next && rt_buf_puts(out, ", ") < 0))
                    return -1;
        } else if (print_coerced(m, v, type->of, out) < 0) {
            return -1;
        }
        return rt_buf_putc(out, ']');
    }
    const char *name = type->name.value;
    const cg_type_t *t = cg_model_type(m, name);
    if (t && t->kind == GQL_DEF_INPUT_OBJECT)
        return print_input_object(m, v, t, out);
    char num[64];
    if ((strcmp(name, "Int") == 0 || strcmp(name, "Float") == 0) &&
        (v->kind == GQL_VAL_INT || v->kind == GQL_VAL_FLOAT)) {
        js_number(strtod(v->str, NULL), num, sizeof num);
        return rt_buf_puts(out, num);
    }
    if (strcmp(name, "ID") == 0 && v->kind == GQL_VAL_STRING && int_like(v->str) && strlen(v->str) == v->len)
        return rt_buf_puts(out, v->str);
    if (v->kind == GQL_VAL_STRING)
        return gql_print_string(out, v->str, v->len); /* block strings print as plain strings */
    return gql_print_value(out, v);
}

int cg_print_default(const cg_model_t *m, const gql_ast_value_t *v, const gql_ast_type_t *type, rt_buf_t *out)
{
    return print_coerced(m, v, type, out);
}

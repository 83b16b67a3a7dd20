/* rt_codegen: schema/X.graphql files -> generated/gql_schema_gen.{c,h}, one constant
 * `gql_schema_t gql_schema_X` per file in the shapes of src/gql/gql_schema.h.
 * Usage: rt_codegen --out-dir DIR file.graphql...
 *        rt_codegen --dump file.graphql   (the schema model as text, for tests against graphql-js)
 *        rt_codegen --where file.graphql  (the generated node-filter SDL the model appends)
 * --out-dir also writes each file's generated node-filter SDL as <name>.where.graphql. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_model.h"

typedef struct emitter {
    const cg_model_t *m;
    rt_buf_t *out;
    const char *prefix;
    int nrefs;
    int rc;
} emitter_t;

static void emit(emitter_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(emitter_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0 || rt_buf_append(e->out, s, (size_t)n) < 0)
        e->rc = -1;
    free(s);
}

/* A C string literal for s[0..len), or NULL. Octal escapes keep any byte exact. */
static void emit_str(emitter_t *e, const char *s, size_t len)
{
    if (!s) {
        emit(e, "NULL");
        return;
    }
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_putc(&b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rt_buf_printf(&b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7F || (c == '?' && i + 1 < len && s[i + 1] == '?'))
            rt_buf_printf(&b, "\\%03o", c);
        else
            rt_buf_putc(&b, (char)c);
    }
    rt_buf_putc(&b, '"');
    if (rt_buf_append(e->out, b.data, b.len) < 0)
        e->rc = -1;
    rt_buf_free(&b);
}

static void emit_cstr(emitter_t *e, const char *s) { emit_str(e, s, s ? strlen(s) : 0); }

static void emit_desc(emitter_t *e, const gql_ast_value_t *d)
{
    if (d)
        emit_str(e, d->str, d->len);
    else
        emit(e, "NULL");
}

/* Emits the reference chain bottom-up and returns the id of the outermost one. */
static int emit_ref(emitter_t *e, const gql_ast_type_t *t)
{
    int of = -1;
    if (t->kind != GQL_TYPE_NAMED)
        of = emit_ref(e, t->of);
    int id = e->nrefs++;
    if (t->kind == GQL_TYPE_NAMED) {
        int idx = cg_model_index(e->m, t->name.value);
        if (idx < 0) {
            fprintf(stderr, "unknown type %s\n", t->name.value);
            e->rc = -1;
        }
        emit(e, "static const gql_typeref_t %str%d = {GQL_TR_NAMED, %d, NULL};\n", e->prefix, id, idx);
    } else {
        emit(e, "static const gql_typeref_t %str%d = {%s, -1, &%str%d};\n", e->prefix, id,
             t->kind == GQL_TYPE_LIST ? "GQL_TR_LIST" : "GQL_TR_NON_NULL", e->prefix, of);
    }
    return id;
}

static void emit_deprecation(emitter_t *e, const gql_ast_directive_t *dirs)
{
    bool present;
    const gql_ast_value_t *reason = cg_directive_arg(dirs, "deprecated", "reason", &present);
    if (!present) {
        emit(e, ".deprecated = false, .deprecation_reason = NULL");
        return;
    }
    emit(e, ".deprecated = true, .deprecation_reason = ");
    if (reason && reason->kind == GQL_VAL_STRING)
        emit_str(e, reason->str, reason->len);
    else if (reason && reason->kind == GQL_VAL_NULL)
        emit(e, "NULL");
    else
        emit_cstr(e, "No longer supported");
}

/* Emits `static const gql_input_value_t <name>[]` for a list of input value definitions. */
static void emit_inputs(emitter_t *e, const gql_ast_input_value_def_t *const *list, int n, const char *name)
{
    if (n == 0)
        return;
    int *refs = calloc((size_t)n, sizeof *refs);
    if (!refs) {
        e->rc = -1;
        return;
    }
    for (int i = 0; i < n; i++)
        refs[i] = emit_ref(e, list[i]->type);
    emit(e, "static const gql_input_value_t %s[] = {\n", name);
    for (int i = 0; i < n; i++) {
        const gql_ast_input_value_def_t *iv = list[i];
        emit(e, "    {.name = ");
        emit_cstr(e, iv->name.value);
        emit(e, ", .description = ");
        emit_desc(e, iv->description);
        emit(e, ", .type = &%str%d, .default_value = ", e->prefix, refs[i]);
        if (iv->default_value) {
            rt_buf_t b = RT_BUF_INIT;
            if (cg_print_default(e->m, iv->default_value, iv->type, &b) < 0)
                e->rc = -1;
            emit_str(e, b.data ? b.data : "", b.len);
            rt_buf_free(&b);
        } else {
            emit(e, "NULL");
        }
        emit(e, ", ");
        emit_deprecation(e, iv->directives);
        emit(e, "},\n");
    }
    emit(e, "};\n");
    free(refs);
}

static uint32_t location_bit(const char *name)
{
    static const char *const names[] = {
        "QUERY",
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
        "DIRECTIVE_DEFINITION",
    };
    for (uint32_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i], name) == 0)
            return 1u << i;
    return 0;
}

static const char *kind_name(gql_definition_kind_t k)
{
    switch (k) {
    case GQL_DEF_OBJECT: return "GQL_TK_OBJECT";
    case GQL_DEF_INTERFACE: return "GQL_TK_INTERFACE";
    case GQL_DEF_UNION: return "GQL_TK_UNION";
    case GQL_DEF_ENUM: return "GQL_TK_ENUM";
    case GQL_DEF_INPUT_OBJECT: return "GQL_TK_INPUT_OBJECT";
    default: return "GQL_TK_SCALAR";
    }
}

static bool implements(const cg_type_t *t, const char *iface)
{
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_type_t *i = t->parts[p]->interfaces; i; i = i->next)
            if (strcmp(i->name.value, iface) == 0)
                return true;
    return false;
}

#define MAXLIST 1024

static int count_list(const cg_type_t *t, int what);

/* Phase 1: what the fixed-size tables below can hold. False (e->rc set) when a type is too big. */
static bool within_limits(emitter_t *e, const cg_type_t *t)
{
    for (int what = 0; what < 4; what++)
        if (count_list(t, what) >= MAXLIST) {
            fprintf(stderr, "rt_codegen: type %s has too many members (limit %d)\n", t->name, MAXLIST - 1);
            e->rc = -1;
            return false;
        }
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_field_def_t *f = t->parts[p]->fields; f; f = f->next)
            if (f->nargs >= MAXLIST) {
                fprintf(stderr, "rt_codegen: field %s.%s has too many arguments\n", t->name, f->name.value);
                e->rc = -1;
                return false;
            }
    return true;
}

/* Fields (with their arguments) and implemented interfaces of an object or interface type. */
static void emit_fields(emitter_t *e, int ti, const cg_type_t *t)
{
    const cg_model_t *m = e->m;
    char name[256];
    const gql_ast_field_def_t *fields[MAXLIST];
    int nf = 0;
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_field_def_t *f = t->parts[p]->fields; f && nf < MAXLIST; f = f->next)
            fields[nf++] = f;
    int refs[MAXLIST];
    for (int i = 0; i < nf; i++) {
        const gql_ast_input_value_def_t *args[MAXLIST];
        int na = 0;
        for (const gql_ast_input_value_def_t *a = fields[i]->arguments; a && na < MAXLIST; a = a->next)
            args[na++] = a;
        snprintf(name, sizeof name, "%st%d_f%d_args", e->prefix, ti, i);
        emit_inputs(e, args, na, name);
        refs[i] = emit_ref(e, fields[i]->type);
    }
    if (nf) {
        emit(e, "static const gql_field_t %st%d_fields[] = {\n", e->prefix, ti);
        for (int i = 0; i < nf; i++) {
            emit(e, "    {.name = ");
            emit_cstr(e, fields[i]->name.value);
            emit(e, ", .description = ");
            emit_desc(e, fields[i]->description);
            emit(e, ", .type = &%str%d, ", e->prefix, refs[i]);
            if (fields[i]->nargs)
                emit(e, ".args = %st%d_f%d_args, .nargs = %d, ", e->prefix, ti, i, fields[i]->nargs);
            emit_deprecation(e, fields[i]->directives);
            emit(e, "},\n");
        }
        emit(e, "};\n");
    }
    int nif = 0;
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_type_t *i = t->parts[p]->interfaces; i; i = i->next)
            nif++;
    if (nif) {
        emit(e, "static const int %st%d_ifaces[] = {", e->prefix, ti);
        for (int p = 0; p < t->nparts; p++)
            for (const gql_ast_type_t *i = t->parts[p]->interfaces; i; i = i->next)
                emit(e, "%d, ", cg_model_index(m, i->name.value));
        emit(e, "};\n");
    }
}

/* The possible types of an interface or union. */
static void emit_possible(emitter_t *e, int ti, const cg_type_t *t)
{
    const cg_model_t *m = e->m;
    int poss[MAXLIST], np = 0;
    if (t->kind == GQL_DEF_UNION) {
        for (int p = 0; p < t->nparts; p++)
            for (const gql_ast_type_t *u = t->parts[p]->types; u && np < MAXLIST; u = u->next)
                poss[np++] = cg_model_index(m, u->name.value);
    } else {
        for (int k = 0; k < m->norder && np < MAXLIST; k++) {
            const cg_type_t *o = &m->pool[m->order[k]];
            if (o->kind == GQL_DEF_OBJECT && implements(o, t->name))
                poss[np++] = k;
        }
    }
    if (np) {
        emit(e, "static const int %st%d_possible[] = {", e->prefix, ti);
        for (int i = 0; i < np; i++)
            emit(e, "%d, ", poss[i]);
        emit(e, "};\n");
    }
}

/* An enum's values. */
static void emit_enum_values(emitter_t *e, int ti, const cg_type_t *t)
{
    emit(e, "static const gql_enum_value_t %st%d_values[] = {\n", e->prefix, ti);
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_enum_value_def_t *v = t->parts[p]->values; v; v = v->next) {
            emit(e, "    {.name = ");
            emit_cstr(e, v->name.value);
            emit(e, ", .description = ");
            emit_desc(e, v->description);
            emit(e, ", ");
            emit_deprecation(e, v->directives);
            emit(e, "},\n");
        }
    emit(e, "    {0}\n};\n"); /* sentinel keeps the array non-empty */
}

/* An input object's fields. */
static void emit_input_fields(emitter_t *e, int ti, const cg_type_t *t)
{
    char name[256];
    const gql_ast_input_value_def_t *fs[MAXLIST];
    int n = 0;
    for (int p = 0; p < t->nparts; p++)
        for (const gql_ast_input_value_def_t *f = t->parts[p]->input_fields; f && n < MAXLIST; f = f->next)
            fs[n++] = f;
    snprintf(name, sizeof name, "%st%d_inputs", e->prefix, ti);
    emit_inputs(e, fs, n, name);
}

static void emit_type_tables(emitter_t *e, int ti)
{
    const cg_type_t *t = &e->m->pool[e->m->order[ti]];
    if (!within_limits(e, t))
        return;
    if (t->kind == GQL_DEF_OBJECT || t->kind == GQL_DEF_INTERFACE)
        emit_fields(e, ti, t);
    if (t->kind == GQL_DEF_INTERFACE || t->kind == GQL_DEF_UNION)
        emit_possible(e, ti, t);
    if (t->kind == GQL_DEF_ENUM)
        emit_enum_values(e, ti, t);
    if (t->kind == GQL_DEF_INPUT_OBJECT)
        emit_input_fields(e, ti, t);
}

static int count_list(const cg_type_t *t, int what)
{
    int n = 0;
    for (int p = 0; p < t->nparts; p++) {
        const gql_ast_definition_t *d = t->parts[p];
        n += what == 0 ? d->nfields : what == 1 ? d->ninterfaces : what == 2 ? d->nvalues : d->ninput_fields;
    }
    return n;
}

static void emit_type_entry(emitter_t *e, int ti)
{
    const cg_model_t *m = e->m;
    const cg_type_t *t = &m->pool[m->order[ti]];
    emit(e, "    {.kind = %s, .name = ", kind_name(t->kind));
    emit_cstr(e, t->name);
    emit(e, ", .description = ");
    emit_desc(e, t->parts[0]->description);
    if (t->kind == GQL_DEF_SCALAR) {
        for (int p = 0; p < t->nparts; p++) {
            bool present;
            const gql_ast_value_t *url = cg_directive_arg(t->parts[p]->directives, "specifiedBy", "url", &present);
            if (present && url && url->kind == GQL_VAL_STRING) {
                emit(e, ", .specified_by_url = ");
                emit_str(e, url->str, url->len);
            }
        }
    }
    int nf = count_list(t, 0), nif = count_list(t, 1), nv = count_list(t, 2), ni = count_list(t, 3);
    if ((t->kind == GQL_DEF_OBJECT || t->kind == GQL_DEF_INTERFACE) && nf)
        emit(e, ", .fields = %st%d_fields, .nfields = %d", e->prefix, ti, nf);
    if ((t->kind == GQL_DEF_OBJECT || t->kind == GQL_DEF_INTERFACE) && nif)
        emit(e, ", .interfaces = %st%d_ifaces, .ninterfaces = %d", e->prefix, ti, nif);
    if (t->kind == GQL_DEF_INTERFACE || t->kind == GQL_DEF_UNION) {
        int np = 0;
        if (t->kind == GQL_DEF_UNION) {
            for (int p = 0; p < t->nparts; p++)
                np += t->parts[p]->ntypes;
        } else {
            for (int k = 0; k < m->norder; k++)
                if (m->pool[m->order[k]].kind == GQL_DEF_OBJECT && implements(&m->pool[m->order[k]], t->name))
                    np++;
        }
        if (np)
            emit(e, ", .possible_types = %st%d_possible, .npossible = %d", e->prefix, ti, np);
    }
    if (t->kind == GQL_DEF_ENUM)
        emit(e, ", .enum_values = %st%d_values, .nenum_values = %d", e->prefix, ti, nv);
    if (t->kind == GQL_DEF_INPUT_OBJECT && ni)
        emit(e, ", .input_fields = %st%d_inputs, .ninput_fields = %d", e->prefix, ti, ni);
    bool one_of = false;
    for (int p = 0; p < t->nparts; p++) {
        bool present;
        cg_directive_arg(t->parts[p]->directives, "oneOf", "", &present);
        one_of = one_of || present;
    }
    emit(e, ", .builtin = %s, .is_one_of = %s},\n", t->builtin ? "true" : "false", one_of ? "true" : "false");
}

static void emit_schema(emitter_t *e, const char *ident)
{
    const cg_model_t *m = e->m;
    for (int i = 0; i < m->norder; i++)
        emit_type_tables(e, i);
    char name[256];
    for (int i = 0; i < m->ndirectives; i++) {
        const gql_ast_input_value_def_t *args[MAXLIST];
        int na = 0;
        for (const gql_ast_input_value_def_t *a = m->directives[i]->arguments; a && na < MAXLIST; a = a->next)
            args[na++] = a;
        snprintf(name, sizeof name, "%sd%d_args", e->prefix, i);
        emit_inputs(e, args, na, name);
    }
    emit(e, "static const gql_type_t %stypes[] = {\n", e->prefix);
    for (int i = 0; i < m->norder; i++)
        emit_type_entry(e, i);
    emit(e, "};\n");
    emit(e, "static const gql_directive_t %sdirectives[] = {\n", e->prefix);
    for (int i = 0; i < m->ndirectives; i++) {
        const gql_ast_definition_t *d = m->directives[i];
        uint32_t locs = 0;
        for (int k = 0; k < d->nlocations; k++)
            locs |= location_bit(d->locations[k].value);
        emit(e, "    {.name = ");
        emit_cstr(e, d->name.value);
        emit(e, ", .description = ");
        emit_desc(e, d->description);
        emit(e, ", .locations = 0x%xu", locs);
        if (d->nargs)
            emit(e, ", .args = %sd%d_args, .nargs = %d", e->prefix, i, d->nargs);
        emit(e, ", .is_repeatable = %s, .builtin = %s},\n", d->repeatable ? "true" : "false",
             m->directive_builtin[i] ? "true" : "false");
    }
    emit(e, "};\n");
    emit(e, "const gql_schema_t gql_schema_%s = {\n    .description = ", ident);
    emit_desc(e, m->description);
    emit(e, ",\n    .types = %stypes,\n    .ntypes = %d,\n", e->prefix, m->norder);
    for (int i = 0; i < 3; i++) {
        static const char *const f[] = {"query_type", "mutation_type", "subscription_type"};
        emit(e, "    .%s = %d,\n", f[i], m->roots[i] ? cg_model_index(m, m->roots[i]) : -1);
    }
    emit(e, "    .directives = %sdirectives,\n    .ndirectives = %d,\n};\n\n", e->prefix, m->ndirectives);
}

/* ---- --dump: the model as canonical text, for comparison with graphql-js buildSchema ---- */

static void dump_str(const char *s, size_t len)
{
    rt_buf_t b = RT_BUF_INIT;
    if (s)
        rt_buf_json_str(&b, s, len);
    else
        rt_buf_puts(&b, "null");
    fwrite(b.data, 1, b.len, stdout);
    rt_buf_free(&b);
}

static void dump_desc(const gql_ast_value_t *d) { dump_str(d ? d->str : NULL, d ? d->len : 0); }

static void dump_type(const gql_ast_type_t *t)
{
    rt_buf_t b = RT_BUF_INIT;
    gql_print_type(&b, t);
    fwrite(b.data, 1, b.len, stdout);
    rt_buf_free(&b);
}

static void dump_deprecation(const gql_ast_directive_t *dirs)
{
    bool present;
    const gql_ast_value_t *reason = cg_directive_arg(dirs, "deprecated", "reason", &present);
    printf(" deprecated=");
    if (!present || (reason && reason->kind == GQL_VAL_NULL))
        printf("null");
    else if (reason && reason->kind == GQL_VAL_STRING)
        dump_str(reason->str, reason->len);
    else
        dump_str("No longer supported", 19);
}

static void dump_input(const cg_model_t *m, const char *what, const gql_ast_input_value_def_t *iv)
{
    printf("    %s %s: ", what, iv->name.value);
    dump_type(iv->type);
    printf(" = ");
    if (iv->default_value) {
        rt_buf_t b = RT_BUF_INIT;
        cg_print_default(m, iv->default_value, iv->type, &b);
        fwrite(b.data, 1, b.len, stdout);
        rt_buf_free(&b);
    } else {
        printf("-");
    }
    printf(" desc=");
    dump_desc(iv->description);
    dump_deprecation(iv->directives);
    printf("\n");
}

static void dump_model(const cg_model_t *m)
{
    static const char *const kinds[] = {
        [GQL_DEF_SCALAR] = "SCALAR", [GQL_DEF_OBJECT] = "OBJECT", [GQL_DEF_INTERFACE] = "INTERFACE",
        [GQL_DEF_UNION] = "UNION",   [GQL_DEF_ENUM] = "ENUM",     [GQL_DEF_INPUT_OBJECT] = "INPUT_OBJECT"};
    printf("schema desc=");
    dump_desc(m->description);
    printf(" query=%s mutation=%s subscription=%s\n", m->roots[0] ? m->roots[0] : "-", m->roots[1] ? m->roots[1] : "-",
           m->roots[2] ? m->roots[2] : "-");
    for (int i = 0; i < m->norder; i++) {
        const cg_type_t *t = &m->pool[m->order[i]];
        printf("type %s %s desc=", t->name, kinds[t->kind]);
        dump_desc(t->parts[0]->description);
        for (int p = 0; p < t->nparts; p++) {
            bool present;
            const gql_ast_value_t *url = cg_directive_arg(t->parts[p]->directives, "specifiedBy", "url", &present);
            if (present && url && url->kind == GQL_VAL_STRING) {
                printf(" specifiedBy=");
                dump_str(url->str, url->len);
            }
            cg_directive_arg(t->parts[p]->directives, "oneOf", "", &present);
            if (present)
                printf(" oneOf");
        }
        printf("\n");
        if (t->kind == GQL_DEF_OBJECT || t->kind == GQL_DEF_INTERFACE) {
            for (int p = 0; p < t->nparts; p++)
                for (const gql_ast_type_t *it = t->parts[p]->interfaces; it; it = it->next)
                    printf("  implements %s\n", it->name.value);
        }
        if (t->kind == GQL_DEF_UNION)
            for (int p = 0; p < t->nparts; p++)
                for (const gql_ast_type_t *u = t->parts[p]->types; u; u = u->next)
                    printf("  possible %s\n", u->name.value);
        if (t->kind == GQL_DEF_INTERFACE)
            for (int k = 0; k < m->norder; k++)
                if (m->pool[m->order[k]].kind == GQL_DEF_OBJECT && implements(&m->pool[m->order[k]], t->name))
                    printf("  possible %s\n", m->pool[m->order[k]].name);
        for (int p = 0; p < t->nparts; p++) {
            for (const gql_ast_field_def_t *f = t->parts[p]->fields; f; f = f->next) {
                printf("  field %s: ", f->name.value);
                dump_type(f->type);
                printf(" desc=");
                dump_desc(f->description);
                dump_deprecation(f->directives);
                printf("\n");
                for (const gql_ast_input_value_def_t *a = f->arguments; a; a = a->next)
                    dump_input(m, "arg", a);
            }
            for (const gql_ast_enum_value_def_t *v = t->parts[p]->values; v; v = v->next) {
                printf("  value %s desc=", v->name.value);
                dump_desc(v->description);
                dump_deprecation(v->directives);
                printf("\n");
            }
            for (const gql_ast_input_value_def_t *f = t->parts[p]->input_fields; f; f = f->next)
                dump_input(m, "input", f);
        }
    }
    for (int i = 0; i < m->ndirectives; i++) {
        const gql_ast_definition_t *d = m->directives[i];
        printf("directive @%s repeatable=%s locations=", d->name.value, d->repeatable ? "true" : "false");
        for (int k = 0; k < d->nlocations; k++)
            printf("%s%s", k ? "|" : "", d->locations[k].value);
        printf(" desc=");
        dump_desc(d->description);
        printf("\n");
        for (const gql_ast_input_value_def_t *a = d->arguments; a; a = a->next)
            dump_input(m, "arg", a);
    }
}

/* A user-defined object type that is not a root operation type. */
static bool record_object(const cg_model_t *m, const cg_type_t *t)
{
    if (t->builtin || t->kind != GQL_DEF_OBJECT)
        return false;
    for (int r = 0; r < 3; r++)
        if (m->roots[r] && strcmp(m->roots[r], t->name) == 0)
            return false;
    return true;
}

/* Does the schema define "<name>Change"? (one change type per node type of the feed) */
static bool has_change_type(const cg_model_t *m, const char *name)
{
    char change[256];
    snprintf(change, sizeof change, "%sChange", name);
    const cg_type_t *c = cg_model_type(m, change);
    return c && c->kind == GQL_DEF_OBJECT;
}

/* The record-type lists the store builds on, in SDL order: `<ident>_changed`, the object
 * types that have a change type (the feed's node types), and `<ident>_objects`, every
 * non-root object type (a directory schema's record types). Counts as macros, so the store
 * can size its tables. */
static void emit_record_lists(const cg_model_t *m, const char *ident, rt_buf_t *c, rt_buf_t *h)
{
    static const char *const what[2] = {"changed", "objects"};
    char upper[128];
    size_t n = 0;
    for (; ident[n] && n < sizeof upper - 1; n++)
        upper[n] = (char)toupper((unsigned char)ident[n]);
    upper[n] = '\0';
    for (int k = 0; k < 2; k++) {
        int count = 0;
        rt_buf_printf(c, "\nconst char *const gql_schema_%s_%s[] = {", ident, what[k]);
        for (int i = 0; i < m->npool; i++) {
            const cg_type_t *t = &m->pool[i];
            if (!record_object(m, t) || (k == 0 && !has_change_type(m, t->name)))
                continue;
            rt_buf_printf(c, "%s\"%s\"", count ? ", " : "", t->name);
            count++;
        }
        rt_buf_printf(c, "%sNULL};\n", count ? ", " : "");
        rt_buf_printf(h, "#define GQL_SCHEMA_%s_N%s %d\n", upper, k == 0 ? "CHANGED" : "OBJECTS", count);
        rt_buf_printf(h, "extern const char *const gql_schema_%s_%s[]; /* NULL-terminated */\n", ident, what[k]);
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    rt_buf_t b = RT_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (rt_buf_append(&b, chunk, n) < 0)
            break;
    fclose(f);
    rt_buf_cstr(&b);
    return rt_buf_steal(&b, len);
}

static int write_file(const char *dir, const char *name, const rt_buf_t *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "rt_codegen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t w = fwrite(b->data, 1, b->len, f);
    int rc = fclose(f);
    return w == b->len && rc == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *dir = ".";
    rt_buf_t c = RT_BUF_INIT, h = RT_BUF_INIT;
    int status = 1;
    rt_buf_puts(&h, "/* Generated by rt_codegen from the SDL files under schema/: do not edit. */\n"
                    "#ifndef RT_GQL_SCHEMA_GEN_H\n#define RT_GQL_SCHEMA_GEN_H\n\n#include \"gql/gql_schema.h\"\n\n");
    rt_buf_puts(&c, "/* Generated by rt_codegen from the SDL files under schema/: do not edit. */\n"
                    "#include \"gql_schema_gen.h\"\n\n#include <stddef.h>\n\n");
    bool dump = false, where = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--dump") == 0) { /* print the model instead of writing tables */
            dump = true;
            continue;
        }
        if (strcmp(argv[i], "--where") == 0) { /* print the generated node filters */
            dump = where = true;
            continue;
        }
        const char *path = argv[i];
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char ident[128];
        size_t n = 0;
        for (; base[n] && base[n] != '.' && n < sizeof ident - 1; n++)
            ident[n] = isalnum((unsigned char)base[n]) ? base[n] : '_';
        ident[n] = '\0';
        size_t len;
        char *sdl = read_file(path, &len);
        if (!sdl) {
            fprintf(stderr, "rt_codegen: %s: %s\n", path, strerror(errno));
            goto fail;
        }
        cg_model_t m;
        int rc = cg_model_build(&m, path, sdl, len);
        if (rc == 0 && where) {
            fwrite(m.where_sdl ? m.where_sdl : "", 1, m.where_len, stdout);
        } else if (rc == 0 && dump) {
            dump_model(&m);
        } else if (rc == 0) {
            char prefix[160];
            snprintf(prefix, sizeof prefix, "gs_%s_", ident);
            emitter_t e = {&m, &c, prefix, 0, 0};
            emit_schema(&e, ident);
            rc = e.rc;
            rt_buf_printf(&h, "extern const gql_schema_t gql_schema_%s;\n", ident);
            emit_record_lists(&m, ident, &c, &h);
            if (rc == 0 && m.where_len) {
                char wname[160];
                snprintf(wname, sizeof wname, "%s.where.graphql", ident);
                rt_buf_t w = {.data = m.where_sdl, .len = m.where_len};
                rc = write_file(dir, wname, &w);
            }
        }
        cg_model_free(&m);
        free(sdl);
        if (rc != 0) {
            fprintf(stderr, "rt_codegen: %s: failed\n", path);
            goto fail;
        }
    }
    rt_buf_puts(&h, "\n#endif\n");
    if (dump) {
        status = 0;
        goto fail;
    }
    if (write_file(dir, "gql_schema_gen.h", &h) < 0 || write_file(dir, "gql_schema_gen.c", &c) < 0)
        goto fail;
    status = 0;
fail:
    rt_buf_free(&c);
    rt_buf_free(&h);
    return status;
}

/* AST printer producing graphql-js 16 print() text: values and types exactly (default values in
 * introspection and error messages rely on it), documents with graphql-js's layout rules
 * (two-space blocks, wrapped long field argument lists, multi-line argument definitions). */
#include <string.h>

#include "gql/syntax/gql_ast.h"
#include "gql/syntax/gql_lexer.h"

typedef struct printer {
    rt_buf_t *out;
    int indent;
    int rc;
} printer_t;

static void put(printer_t *pr, const char *s, size_t n)
{
    if (pr->rc == 0 && n && rt_buf_append(pr->out, s, n) < 0)
        pr->rc = -1;
}

static void puts_(printer_t *pr, const char *s) { put(pr, s, strlen(s)); }

static void newline(printer_t *pr)
{
    put(pr, "\n", 1);
    for (int i = 0; i < pr->indent; i++)
        put(pr, "  ", 2);
}

/* Text that may hold newlines (block strings): every line after the first is indented. */
static void put_lines(printer_t *pr, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            put(pr, s + start, i - start);
            newline(pr);
            start = i + 1;
        }
    }
    put(pr, s + start, n - start);
}

const char *gql_operation_name(gql_operation_t op)
{
    return op == GQL_OPERATION_MUTATION ? "mutation" : op == GQL_OPERATION_SUBSCRIPTION ? "subscription" : "query";
}

int gql_print_string(rt_buf_t *out, const char *s, size_t len)
{
    static const char *const short_esc[32] = {
        [8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f", [13] = "\\r",
    };
    printer_t pr = {out, 0, 0};
    put(&pr, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        unsigned code = 0x100;
        size_t n = 1;
        if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F)
            code = c;
        else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)
            code = (unsigned char)s[i + 1], n = 2; /* U+0080..U+009F */
        if (code == 0x100) {
            i++;
            continue;
        }
        put(&pr, s + start, i - start);
        char esc[8];
        if (code == '"')
            put(&pr, "\\\"", 2);
        else if (code == '\\')
            put(&pr, "\\\\", 2);
        else if (code < 32 && short_esc[code])
            puts_(&pr, short_esc[code]);
        else {
            static const char hex[] = "0123456789ABCDEF";
            esc[0] = '\\', esc[1] = 'u', esc[2] = '0', esc[3] = '0';
            esc[4] = hex[(code >> 4) & 15], esc[5] = hex[code & 15];
            put(&pr, esc, 6);
        }
        i += n;
        start = i;
    }
    put(&pr, s + start, len - start);
    put(&pr, "\"", 1);
    return pr.rc;
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

/* printBlockString: raw text between the triple quotes (before indentation is applied). */
static int block_string_text(rt_buf_t *b, const char *v, size_t len)
{
    rt_buf_t esc = RT_BUF_INIT;
    int rc = -1;
    /* escapedValue = value.replace(/"""/g, '\\"""') */
    for (size_t i = 0; i < len;) {
        if (i + 2 < len && v[i] == '"' && v[i + 1] == '"' && v[i + 2] == '"') {
            if (rt_buf_append(&esc, "\\\"\"\"", 4) < 0)
                goto fail;
            i += 3;
        } else {
            if (rt_buf_putc(&esc, v[i]) < 0)
                goto fail;
            i++;
        }
    }
    const char *e = esc.data ? esc.data : "";
    size_t elen = esc.len;
    /* Lines split at \r\n, \n, \r. */
    size_t nlines = 1;
    bool force_leading = false;
    {
        bool all_ws_start = true;
        for (size_t i = 0; i < elen; i++) {
            if (e[i] == '\n' || e[i] == '\r') {
                if (e[i] == '\r' && i + 1 < elen && e[i + 1] == '\n')
                    i++;
                nlines++;
                size_t next = i + 1;
                bool empty = next >= elen || e[next] == '\n' || e[next] == '\r';
                if (!empty && !is_ws(e[next]))
                    all_ws_start = false;
            }
        }
        force_leading = nlines > 1 && all_ws_start;
    }
    bool single = nlines == 1;
    bool trailing_triple = elen >= 4 && memcmp(e + elen - 4, "\\\"\"\"", 4) == 0;
    bool trailing_quote = len > 0 && v[len - 1] == '"' && !trailing_triple;
    bool trailing_slash = len > 0 && v[len - 1] == '\\';
    bool force_trailing = trailing_quote || trailing_slash;
    bool multi = !single || gql_utf16_units(v, len) > 70 || force_trailing || force_leading || trailing_triple;
    bool skip_leading = single && len > 0 && is_ws(v[0]);
    if (rt_buf_puts(b, "\"\"\"") < 0)
        goto fail;
    if (((multi && !skip_leading) || force_leading) && rt_buf_putc(b, '\n') < 0)
        goto fail;
    if (rt_buf_append(b, e, elen) < 0)
        goto fail;
    if ((multi || force_trailing) && rt_buf_putc(b, '\n') < 0)
        goto fail;
    if (rt_buf_puts(b, "\"\"\"") < 0)
        goto fail;
    rc = 0;
fail:
    rt_buf_free(&esc);
    return rc;
}

int gql_print_block_string(rt_buf_t *out, const char *s, size_t len) { return block_string_text(out, s, len); }

static void print_value(printer_t *pr, const gql_ast_value_t *v);

static void print_string_value(printer_t *pr, const gql_ast_value_t *v)
{
    if (!v->block) {
        if (pr->rc == 0 && gql_print_string(pr->out, v->str, v->len) < 0)
            pr->rc = -1;
        return;
    }
    rt_buf_t tmp = RT_BUF_INIT;
    if (block_string_text(&tmp, v->str, v->len) < 0)
        pr->rc = -1;
    else
        put_lines(pr, tmp.data, tmp.len);
    rt_buf_free(&tmp);
}

static void print_value(printer_t *pr, const gql_ast_value_t *v)
{
    switch (v->kind) {
    case GQL_VAL_VARIABLE:
        put(pr, "$", 1);
        put(pr, v->str, v->len);
        break;
    case GQL_VAL_INT:
    case GQL_VAL_FLOAT:
    case GQL_VAL_ENUM: put(pr, v->str, v->len); break;
    case GQL_VAL_STRING: print_string_value(pr, v); break;
    case GQL_VAL_BOOLEAN: puts_(pr, v->boolean ? "true" : "false"); break;
    case GQL_VAL_NULL: puts_(pr, "null"); break;
    case GQL_VAL_LIST:
        put(pr, "[", 1);
        for (const gql_ast_value_t *i = v->items; i; i = i->next) {
            print_value(pr, i);
            if (i->next)
                put(pr, ", ", 2);
        }
        put(pr, "]", 1);
        break;
    case GQL_VAL_OBJECT:
        put(pr, "{", 1);
        for (const gql_ast_object_field_t *f = v->fields; f; f = f->next) {
            puts_(pr, f->name.value);
            put(pr, ": ", 2);
            print_value(pr, f->value);
            if (f->next)
                put(pr, ", ", 2);
        }
        put(pr, "}", 1);
        break;
    }
}

int gql_print_value(rt_buf_t *out, const gql_ast_value_t *v)
{
    printer_t pr = {out, 0, 0};
    print_value(&pr, v);
    return pr.rc;
}

static void print_type(printer_t *pr, const gql_ast_type_t *t)
{
    switch (t->kind) {
    case GQL_TYPE_NAMED: puts_(pr, t->name.value); break;
    case GQL_TYPE_LIST:
        put(pr, "[", 1);
        print_type(pr, t->of);
        put(pr, "]", 1);
        break;
    case GQL_TYPE_NON_NULL:
        print_type(pr, t->of);
        put(pr, "!", 1);
        break;
    }
}

int gql_print_type(rt_buf_t *out, const gql_ast_type_t *t)
{
    printer_t pr = {out, 0, 0};
    print_type(&pr, t);
    return pr.rc;
}

static void print_arguments_flat(printer_t *pr, const gql_ast_argument_t *a)
{
    for (; a; a = a->next) {
        puts_(pr, a->name.value);
        put(pr, ": ", 2);
        print_value(pr, a->value);
        if (a->next)
            put(pr, ", ", 2);
    }
}

/* " @a(x: 1) @b" with the leading space; nothing when there are no directives. */
static void print_directives(printer_t *pr, const gql_ast_directive_t *d)
{
    for (; d; d = d->next) {
        put(pr, " @", 2);
        puts_(pr, d->name.value);
        if (d->arguments) {
            put(pr, "(", 1);
            print_arguments_flat(pr, d->arguments);
            put(pr, ")", 1);
        }
    }
}

static void print_description(printer_t *pr, const gql_ast_value_t *desc)
{
    if (!desc)
        return;
    print_string_value(pr, desc);
    newline(pr);
}

static void print_selection_set(printer_t *pr, const gql_ast_selection_set_t *ss);

/* wrappedLineAndArgs: arguments go one per line when the line would pass 80 characters. */
static void print_field(printer_t *pr, const gql_ast_selection_t *s)
{
    size_t prefix_start = pr->out->len;
    if (s->alias.value) {
        puts_(pr, s->alias.value);
        put(pr, ": ", 2);
    }
    puts_(pr, s->name.value);
    if (s->arguments) {
        rt_buf_t flat = RT_BUF_INIT;
        printer_t fp = {&flat, 0, 0};
        print_arguments_flat(&fp, s->arguments);
        if (fp.rc)
            pr->rc = -1;
        size_t prefix_len = pr->rc ? 0 : gql_utf16_units(pr->out->data + prefix_start, pr->out->len - prefix_start);
        if (prefix_len + gql_utf16_units(flat.data ? flat.data : "", flat.len) + 2 > 80) {
            put(pr, "(", 1);
            pr->indent++;
            for (const gql_ast_argument_t *a = s->arguments; a; a = a->next) {
                newline(pr);
                puts_(pr, a->name.value);
                put(pr, ": ", 2);
                print_value(pr, a->value);
            }
            pr->indent--;
            newline(pr);
            put(pr, ")", 1);
        } else {
            put(pr, "(", 1);
            print_arguments_flat(pr, s->arguments); /* again, so block strings get indented */
            put(pr, ")", 1);
        }
        rt_buf_free(&flat);
    }
    print_directives(pr, s->directives);
    if (s->selection_set) {
        put(pr, " ", 1);
        print_selection_set(pr, s->selection_set);
    }
}

static void print_selection_set(printer_t *pr, const gql_ast_selection_set_t *ss)
{
    put(pr, "{", 1);
    pr->indent++;
    for (const gql_ast_selection_t *s = ss->selections; s; s = s->next) {
        newline(pr);
        switch (s->kind) {
        case GQL_SEL_FIELD: print_field(pr, s); break;
        case GQL_SEL_FRAGMENT_SPREAD:
            put(pr, "...", 3);
            puts_(pr, s->name.value);
            print_directives(pr, s->directives);
            break;
        case GQL_SEL_INLINE_FRAGMENT:
            put(pr, "...", 3);
            if (s->type_condition) {
                put(pr, " on ", 4);
                puts_(pr, s->type_condition->name.value);
            }
            print_directives(pr, s->directives);
            put(pr, " ", 1);
            print_selection_set(pr, s->selection_set);
            break;
        }
    }
    pr->indent--;
    newline(pr);
    put(pr, "}", 1);
}

int gql_print_selection_set(rt_buf_t *out, const gql_ast_selection_set_t *ss)
{
    printer_t pr = {out, 0, 0};
    print_selection_set(&pr, ss);
    return pr.rc;
}

static void print_input_value(printer_t *pr, const gql_ast_input_value_def_t *iv)
{
    print_description(pr, iv->description);
    puts_(pr, iv->name.value);
    put(pr, ": ", 2);
    print_type(pr, iv->type);
    if (iv->default_value) {
        put(pr, " = ", 3);
        print_value(pr, iv->default_value);
    }
    print_directives(pr, iv->directives);
}

/* Argument definitions: one per line, indented, when any of them has a description. */
static void print_argument_defs(printer_t *pr, const gql_ast_input_value_def_t *args)
{
    if (!args)
        return;
    bool multi = false;
    for (const gql_ast_input_value_def_t *a = args; a; a = a->next)
        if (a->description)
            multi = true;
    put(pr, "(", 1);
    if (multi) {
        pr->indent++;
        for (const gql_ast_input_value_def_t *a = args; a; a = a->next) {
            newline(pr);
            print_input_value(pr, a);
        }
        pr->indent--;
        newline(pr);
    } else {
        for (const gql_ast_input_value_def_t *a = args; a; a = a->next) {
            print_input_value(pr, a);
            if (a->next)
                put(pr, ", ", 2);
        }
    }
    put(pr, ")", 1);
}

static void print_variable_definition(printer_t *pr, const gql_ast_variable_definition_t *vd)
{
    print_description(pr, vd->description);
    print_value(pr, vd->variable);
    put(pr, ": ", 2);
    print_type(pr, vd->type);
    if (vd->default_value) {
        put(pr, " = ", 3);
        print_value(pr, vd->default_value);
    }
    print_directives(pr, vd->directives);
}

static void print_named_list(printer_t *pr, const gql_ast_type_t *t, const char *sep)
{
    for (; t; t = t->next) {
        puts_(pr, t->name.value);
        if (t->next)
            puts_(pr, sep);
    }
}

static void open_block(printer_t *pr)
{
    put(pr, " {", 2);
    pr->indent++;
}

static void close_block(printer_t *pr)
{
    pr->indent--;
    newline(pr);
    put(pr, "}", 1);
}

static void print_variable_definitions(printer_t *pr, const gql_ast_definition_t *d)
{
    bool multi = false; /* a described variable puts each on its own line */
    for (const gql_ast_variable_definition_t *v = d->variable_definitions; v; v = v->next)
        if (v->description)
            multi = true;
    if (!d->name.value)
        put(pr, " ", 1);
    put(pr, multi ? "(\n" : "(", multi ? 2 : 1);
    for (const gql_ast_variable_definition_t *v = d->variable_definitions; v; v = v->next) {
        print_variable_definition(pr, v);
        if (v->next)
            put(pr, multi ? "\n" : ", ", multi ? 1 : 2);
    }
    put(pr, multi ? "\n)" : ")", multi ? 2 : 1);
}

static void print_operation(printer_t *pr, const gql_ast_definition_t *d)
{
    bool bare = d->operation == GQL_OPERATION_QUERY && !d->description && !d->name.value && !d->variable_definitions &&
                !d->directives;
    if (!bare) {
        print_description(pr, d->description);
        puts_(pr, gql_operation_name(d->operation));
        if (d->name.value) {
            put(pr, " ", 1);
            puts_(pr, d->name.value);
        }
        if (d->variable_definitions)
            print_variable_definitions(pr, d);
        print_directives(pr, d->directives);
        put(pr, " ", 1);
    }
    print_selection_set(pr, d->selection_set);
}

static void print_fragment(printer_t *pr, const gql_ast_definition_t *d)
{
    print_description(pr, d->description);
    puts_(pr, "fragment ");
    puts_(pr, d->name.value);
    puts_(pr, " on ");
    puts_(pr, d->type_condition->name.value);
    print_directives(pr, d->directives);
    put(pr, " ", 1);
    print_selection_set(pr, d->selection_set);
}

static void print_directive_definition(printer_t *pr, const gql_ast_definition_t *d)
{
    print_description(pr, d->description);
    puts_(pr, "directive @");
    puts_(pr, d->name.value);
    print_argument_defs(pr, d->arguments);
    if (d->repeatable)
        puts_(pr, " repeatable");
    puts_(pr, " on ");
    for (int i = 0; i < d->nlocations; i++) {
        if (i)
            puts_(pr, " | ");
        puts_(pr, d->locations[i].value);
    }
}

/* The header every type system definition shares: extend/description, keyword, name,
 * implements, directives. */
static void print_type_header(printer_t *pr, const gql_ast_definition_t *d)
{
    static const char *const kw[] = {
        [GQL_DEF_SCHEMA] = "schema",       [GQL_DEF_SCALAR] = "scalar", [GQL_DEF_OBJECT] = "type",
        [GQL_DEF_INTERFACE] = "interface", [GQL_DEF_UNION] = "union",   [GQL_DEF_ENUM] = "enum",
        [GQL_DEF_INPUT_OBJECT] = "input",
    };
    if (d->is_extension)
        puts_(pr, "extend ");
    else
        print_description(pr, d->description);
    puts_(pr, kw[d->kind]);
    if (d->kind != GQL_DEF_SCHEMA) {
        put(pr, " ", 1);
        puts_(pr, d->name.value);
    }
    if (d->interfaces) {
        puts_(pr, " implements ");
        print_named_list(pr, d->interfaces, " & ");
    }
    print_directives(pr, d->directives);
}

static void print_operation_types(printer_t *pr, const gql_ast_definition_t *d)
{
    open_block(pr);
    for (const gql_ast_operation_type_def_t *o = d->operation_types; o; o = o->next) {
        newline(pr);
        puts_(pr, gql_operation_name(o->operation));
        put(pr, ": ", 2);
        puts_(pr, o->type->name.value);
    }
    close_block(pr);
}

static void print_field_defs(printer_t *pr, const gql_ast_definition_t *d)
{
    open_block(pr);
    for (const gql_ast_field_def_t *f = d->fields; f; f = f->next) {
        newline(pr);
        print_description(pr, f->description);
        puts_(pr, f->name.value);
        print_argument_defs(pr, f->arguments);
        put(pr, ": ", 2);
        print_type(pr, f->type);
        print_directives(pr, f->directives);
    }
    close_block(pr);
}

static void print_enum_values(printer_t *pr, const gql_ast_definition_t *d)
{
    open_block(pr);
    for (const gql_ast_enum_value_def_t *e = d->values; e; e = e->next) {
        newline(pr);
        print_description(pr, e->description);
        puts_(pr, e->name.value);
        print_directives(pr, e->directives);
    }
    close_block(pr);
}

static void print_input_fields(printer_t *pr, const gql_ast_definition_t *d)
{
    open_block(pr);
    for (const gql_ast_input_value_def_t *f = d->input_fields; f; f = f->next) {
        newline(pr);
        print_input_value(pr, f);
    }
    close_block(pr);
}

static void print_definition(printer_t *pr, const gql_ast_definition_t *d)
{
    switch (d->kind) {
    case GQL_DEF_OPERATION: print_operation(pr, d); return;
    case GQL_DEF_FRAGMENT: print_fragment(pr, d); return;
    case GQL_DEF_DIRECTIVE: print_directive_definition(pr, d); return;
    default: break;
    }
    print_type_header(pr, d);
    if (d->kind == GQL_DEF_SCHEMA && d->operation_types)
        print_operation_types(pr, d);
    else if ((d->kind == GQL_DEF_OBJECT || d->kind == GQL_DEF_INTERFACE) && d->fields)
        print_field_defs(pr, d);
    else if (d->kind == GQL_DEF_UNION && d->types) {
        puts_(pr, " = ");
        print_named_list(pr, d->types, " | ");
    } else if (d->kind == GQL_DEF_ENUM && d->values)
        print_enum_values(pr, d);
    else if (d->kind == GQL_DEF_INPUT_OBJECT && d->input_fields)
        print_input_fields(pr, d);
}

int gql_print_document(rt_buf_t *out, const gql_document_t *doc)
{
    printer_t pr = {out, 0, 0};
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next) {
        print_definition(&pr, d);
        if (d->next)
            put(&pr, "\n\n", 2);
    }
    return pr.rc;
}

/* Argument coercion for execution: literals (with variables substituted) and schema defaults
 * become JSON values of the argument's type, or a field error worded as graphql-js words it. */
#include "gql/gql_exec_value.h"

#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_introspect.h"
#include "gql/syntax/gql_parser.h"

enum { V_OK = 0, V_UNDEFINED = 1, V_INVALID = -1, V_NOMEM = -2 };

/* JavaScript's Number.prototype.toString for finite doubles (what JSON.stringify writes). */
int gql_exec_format_number(double d, char *buf, size_t cap)
{
    if (!isfinite(d))
        return snprintf(buf, cap, "null");
    if (d == 0)
        return snprintf(buf, cap, "0");
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    if (prec > 17)
        prec = 17;
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    /* tmp: [-]d[.ddd]e[+-]xx */
    char digits[24];
    int k = 0;
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[k++] = *p;
    digits[k] = '\0';
    while (k > 1 && digits[k - 1] == '0')
        digits[--k] = '\0';
    int e = atoi(p + 1);
    int n = e + 1; /* position of the decimal point */
    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (k <= n && n <= 21) {
        memcpy(out + o, digits, (size_t)k);
        o += (size_t)k;
        for (int i = 0; i < n - k; i++)
            out[o++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(out + o, digits, (size_t)n);
        o += (size_t)n;
        out[o++] = '.';
        memcpy(out + o, digits + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -n; i++)
            out[o++] = '0';
        memcpy(out + o, digits, (size_t)k);
        o += (size_t)k;
    } else {
        out[o++] = digits[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    out[o] = '\0';
    return snprintf(buf, cap, "%s", out);
}

/* A double that serialises as JavaScript prints it (1 rather than json-c's 1.0). */
static json_object *new_js_double(double d)
{
    char text[64];
    gql_exec_format_number(d, text, sizeof text);
    return json_object_new_double_s(d, text);
}

/* A number as JavaScript's String() shows it, Infinity included. */
void gql_js_number(double d, char *out, size_t cap)
{
    if (isinf(d))
        snprintf(out, cap, "%s", d < 0 ? "-Infinity" : "Infinity");
    else
        gql_exec_format_number(d, out, cap);
}

/* The JavaScript number a JSON number becomes (json-c keeps big integers as int64/uint64). */
double gql_js_value(json_object *v)
{
    if (json_object_get_type(v) == json_type_double)
        return json_object_get_double(v);
    int64_t i = json_object_get_int64(v);
    if (i == INT64_MAX)
        return (double)json_object_get_uint64(v);
    return (double)i;
}

/* A JSON number as JavaScript shows it: integers exactly while they are exact in a double. */
void gql_js_number_text(json_object *v, char *out, size_t cap)
{
    if (json_object_get_type(v) == json_type_int) {
        int64_t i = json_object_get_int64(v);
        if (i > -(INT64_C(1) << 53) && i < (INT64_C(1) << 53)) {
            snprintf(out, cap, "%" PRId64, i);
            return;
        }
    }
    gql_js_number(gql_js_value(v), out, cap);
}

/* graphql-js inspect() for JSON values (depth 2, 10 items). */
static void inspect_at(rt_buf_t *b, json_object *v, int depth)
{
    switch (json_object_get_type(v)) {
    case json_type_null: rt_buf_puts(b, "null"); break;
    case json_type_boolean: rt_buf_puts(b, json_object_get_boolean(v) ? "true" : "false"); break;
    case json_type_int: {
        char n[64];
        gql_js_number_text(v, n, sizeof n);
        rt_buf_puts(b, n);
        break;
    }
    case json_type_double: {
        char n[64];
        gql_js_number(json_object_get_double(v), n, sizeof n);
        rt_buf_puts(b, n);
        break;
    }
    case json_type_string: rt_buf_json_str(b, json_object_get_string(v), (size_t)json_object_get_string_len(v)); break;
    case json_type_array: {
        size_t n = json_object_array_length(v);
        if (n == 0) {
            rt_buf_puts(b, "[]");
            break;
        }
        if (depth >= 2) {
            rt_buf_puts(b, "[Array]");
            break;
        }
        rt_buf_putc(b, '[');
        for (size_t i = 0; i < n && i < 10; i++) {
            if (i)
                rt_buf_puts(b, ", ");
            inspect_at(b, json_object_array_get_idx(v, i), depth + 1);
        }
        if (n > 10)
            rt_buf_printf(b, ", ... %zu more item%s", n - 10, n - 10 == 1 ? "" : "s");
        rt_buf_putc(b, ']');
        break;
    }
    case json_type_object: {
        if (json_object_object_length(v) == 0) {
            rt_buf_puts(b, "{}");
            break;
        }
        if (depth >= 2) {
            rt_buf_puts(b, "[Object]");
            break;
        }
        rt_buf_puts(b, "{ ");
        bool first = true;
        json_object_object_foreach(v, key, val)
        {
            if (!first)
                rt_buf_puts(b, ", ");
            first = false;
            rt_buf_printf(b, "%s: ", key);
            inspect_at(b, val, depth + 1);
        }
        rt_buf_puts(b, " }");
        break;
    }
    }
}

void gql_inspect(rt_buf_t *b, json_object *v) { inspect_at(b, v, 0); }

/* Untyped conversion for custom scalars (graphql-js valueFromASTUntyped). */
static int untyped(const gql_ast_value_t *v, json_object *vars, json_object **out)
{
    *out = NULL;
    switch (v->kind) {
    case GQL_VAL_NULL: return V_OK;
    case GQL_VAL_INT: {
        errno = 0;
        char *end;
        long long i = strtoll(v->str, &end, 10);
        *out = errno ? new_js_double(strtod(v->str, NULL)) : json_object_new_int64(i);
        break;
    }
    case GQL_VAL_FLOAT: *out = new_js_double(strtod(v->str, NULL)); break;
    case GQL_VAL_STRING: *out = json_object_new_string_len(v->str, (int)v->len); break;
    case GQL_VAL_ENUM: *out = json_object_new_string(v->str); break;
    case GQL_VAL_BOOLEAN: *out = json_object_new_boolean(v->boolean); break;
    case GQL_VAL_VARIABLE: {
        json_object *jv;
        if (!vars || !json_object_object_get_ex(vars, v->str, &jv))
            return V_UNDEFINED;
        *out = json_object_get(jv);
        return V_OK;
    }
    case GQL_VAL_LIST: {
        json_object *a = json_object_new_array();
        if (!a)
            return V_NOMEM;
        for (const gql_ast_value_t *i = v->items; i; i = i->next) {
            json_object *item;
            int rc = untyped(i, vars, &item);
            if (rc == V_NOMEM) {
                json_object_put(a);
                return rc;
            }
            if (json_object_array_add(a, item) < 0) {
                json_object_put(item);
                json_object_put(a);
                return V_NOMEM;
            }
        }
        *out = a;
        return V_OK;
    }
    case GQL_VAL_OBJECT: {
        json_object *o = json_object_new_object();
        if (!o)
            return V_NOMEM;
        for (const gql_ast_object_field_t *f = v->fields; f; f = f->next) {
            json_object *fv;
            int rc = untyped(f->value, vars, &fv);
            if (rc == V_NOMEM) {
                json_object_put(o);
                return rc;
            }
            if (rc == V_UNDEFINED)
                continue;
            if (json_object_object_add(o, f->name.value, fv) < 0) {
                json_object_put(o);
                return V_NOMEM;
            }
        }
        *out = o;
        return V_OK;
    }
    }
    return *out ? V_OK : V_NOMEM;
}

static int parse_default(const gql_schema_t *s, const gql_typeref_t *t, const char *text, json_object **out)
{
    gql_document_t *holder = NULL;
    gql_ast_value_t *v = NULL;
    int prc = gql_parse_value(text, strlen(text), true, &holder, &v, NULL);
    if (prc != GQL_PARSE_OK) {
        gql_document_free(holder);
        return prc == GQL_PARSE_NOMEM ? V_NOMEM : V_INVALID;
    }
    int rc = gql_exec_value_from_ast(s, t, v, NULL, out);
    gql_document_free(holder);
    return rc;
}

static int scalar_from_ast(const gql_type_t *nt, const gql_ast_value_t *v, json_object *vars, json_object **out)
{
    *out = NULL;
    if (nt->kind == GQL_TK_ENUM) {
        if (v->kind != GQL_VAL_ENUM)
            return V_INVALID;
        for (int i = 0; i < nt->nenum_values; i++)
            if (strcmp(nt->enum_values[i].name, v->str) == 0) {
                *out = json_object_new_string(v->str);
                return *out ? V_OK : V_NOMEM;
            }
        return V_INVALID;
    }
    if (!nt->builtin)
        return untyped(v, vars, out);
    const char *n = nt->name;
    if (strcmp(n, "Int") == 0) {
        if (v->kind != GQL_VAL_INT)
            return V_INVALID;
        errno = 0;
        long long i = strtoll(v->str, NULL, 10);
        if (errno || i < INT32_MIN || i > INT32_MAX)
            return V_INVALID;
        *out = json_object_new_int64(i);
    } else if (strcmp(n, "Float") == 0) {
        if (v->kind != GQL_VAL_INT && v->kind != GQL_VAL_FLOAT)
            return V_INVALID;
        *out = new_js_double(strtod(v->str, NULL));
    } else if (strcmp(n, "String") == 0) {
        if (v->kind != GQL_VAL_STRING)
            return V_INVALID;
        *out = json_object_new_string_len(v->str, (int)v->len);
    } else if (strcmp(n, "Boolean") == 0) {
        if (v->kind != GQL_VAL_BOOLEAN)
            return V_INVALID;
        *out = json_object_new_boolean(v->boolean);
    } else if (strcmp(n, "ID") == 0) {
        if (v->kind != GQL_VAL_STRING && v->kind != GQL_VAL_INT)
            return V_INVALID;
        *out = json_object_new_string_len(v->str, (int)v->len);
    } else {
        return untyped(v, vars, out);
    }
    return *out ? V_OK : V_NOMEM;
}

static int input_object_from_ast(const gql_schema_t *s, const gql_type_t *nt, const gql_ast_value_t *v,
                                 json_object *vars, json_object **out)
{
    if (v->kind != GQL_VAL_OBJECT)
        return V_INVALID;
    /* Unknown fields make the literal invalid. */
    for (const gql_ast_object_field_t *f = v->fields; f; f = f->next) {
        int known = 0;
        for (int i = 0; i < nt->ninput_fields && !known; i++)
            known = strcmp(nt->input_fields[i].name, f->name.value) == 0;
        if (!known)
            return V_INVALID;
    }
    json_object *o = json_object_new_object();
    if (!o)
        return V_NOMEM;
    for (int i = 0; i < nt->ninput_fields; i++) {
        const gql_input_value_t *fd = &nt->input_fields[i];
        const gql_ast_object_field_t *f = v->fields;
        while (f && strcmp(f->name.value, fd->name) != 0)
            f = f->next;
        json_object *fv = NULL;
        int rc = f ? gql_exec_value_from_ast(s, fd->type, f->value, vars, &fv) : V_UNDEFINED;
        if (rc == V_UNDEFINED) {
            if (fd->default_value) {
                rc = parse_default(s, fd->type, fd->default_value, &fv);
            } else if (fd->type->wrap == GQL_TR_NON_NULL) {
                rc = V_INVALID;
            } else {
                continue;
            }
        }
        if (rc != V_OK) {
            json_object_put(o);
            return rc == V_UNDEFINED ? V_INVALID : rc;
        }
        if (json_object_object_add(o, fd->name, fv) < 0) {
            json_object_put(fv);
            json_object_put(o);
            return V_NOMEM;
        }
    }
    *out = o;
    return V_OK;
}

int gql_exec_value_from_ast(const gql_schema_t *s, const gql_typeref_t *t, const gql_ast_value_t *v,
                            json_object *variables, json_object **out)
{
    *out = NULL;
    if (!v)
        return V_UNDEFINED;
    if (v->kind == GQL_VAL_VARIABLE) {
        json_object *jv;
        if (!variables || !json_object_object_get_ex(variables, v->str, &jv))
            return V_UNDEFINED;
        if (!jv && t->wrap == GQL_TR_NON_NULL)
            return V_INVALID;
        /* Variable values were coerced to their declared types when the request was prepared. */
        *out = json_object_get(jv);
        return V_OK;
    }
    if (t->wrap == GQL_TR_NON_NULL) {
        if (v->kind == GQL_VAL_NULL)
            return V_INVALID;
        return gql_exec_value_from_ast(s, t->of, v, variables, out);
    }
    if (v->kind == GQL_VAL_NULL)
        return V_OK;
    if (t->wrap == GQL_TR_LIST) {
        json_object *a = json_object_new_array();
        if (!a)
            return V_NOMEM;
        if (v->kind != GQL_VAL_LIST) {
            json_object *item;
            int rc = gql_exec_value_from_ast(s, t->of, v, variables, &item);
            if (rc != V_OK || json_object_array_add(a, item) < 0) {
                json_object_put(item);
                json_object_put(a);
                return rc == V_OK ? V_NOMEM : rc == V_UNDEFINED ? V_INVALID : rc;
            }
            *out = a;
            return V_OK;
        }
        for (const gql_ast_value_t *i = v->items; i; i = i->next) {
            json_object *item = NULL;
            int rc = gql_exec_value_from_ast(s, t->of, i, variables, &item);
            if (rc == V_UNDEFINED) {
                /* A missing variable inside a list is null, unless the item type forbids it. */
                rc = t->of->wrap == GQL_TR_NON_NULL ? V_INVALID : V_OK;
            }
            if (rc != V_OK || json_object_array_add(a, item) < 0) {
                json_object_put(item);
                json_object_put(a);
                return rc == V_OK ? V_NOMEM : rc;
            }
        }
        *out = a;
        return V_OK;
    }
    if (t->named < 0 || t->named >= s->ntypes)
        return V_INVALID;
    const gql_type_t *nt = &s->types[t->named];
    if (nt->kind == GQL_TK_INPUT_OBJECT)
        return input_object_from_ast(s, nt, v, variables, out);
    if (nt->kind == GQL_TK_SCALAR || nt->kind == GQL_TK_ENUM)
        return scalar_from_ast(nt, v, variables, out);
    return V_INVALID;
}

static char *fmt_msg(const char *fmt, const char *a, const char *b, const char *c)
{
    int n = snprintf(NULL, 0, fmt, a, b, c);
    char *m = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (m)
        snprintf(m, (size_t)n + 1, fmt, a, b, c);
    return m;
}

json_object *gql_exec_coerce_args(const gql_exec_env_t *env, const gql_input_value_t *defs, int ndefs,
                                  const gql_ast_argument_t *args, char **error_message)
{
    *error_message = NULL;
    const gql_schema_t *s = env->schema;
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    for (int i = 0; i < ndefs; i++) {
        const gql_input_value_t *d = &defs[i];
        const gql_ast_argument_t *a = args;
        while (a && strcmp(a->name.value, d->name) != 0)
            a = a->next;
        char tname[512];
        if (gql_introspect_typeref_text(s, d->type, tname, sizeof tname) < 0)
            strcpy(tname, "?");
        json_object *v = NULL;
        int rc = a ? gql_exec_value_from_ast(s, d->type, a->value, env->variables, &v) : V_UNDEFINED;
        if (rc == V_UNDEFINED) {
            if (d->default_value) {
                rc = parse_default(s, d->type, d->default_value, &v);
            } else if (d->type->wrap == GQL_TR_NON_NULL) {
                if (a)
                    *error_message =
                        fmt_msg("Argument \"%s\" of required type \"%s\" was provided the variable \"$%s\" "
                                "which was not provided a runtime value.",
                                d->name, tname, a->value->str);
                else
                    *error_message =
                        fmt_msg("Argument \"%s\" of required type \"%s\" was not provided.", d->name, tname, "");
                goto fail;
            } else {
                continue;
            }
        }
        if (rc == V_NOMEM)
            goto fail;
        if (rc != V_OK) {
            if (a && a->value->kind == GQL_VAL_VARIABLE) {
                *error_message =
                    fmt_msg("Argument \"%s\" of non-null type \"%s\" must not be null.", d->name, tname, "");
            } else {
                rt_buf_t lit = RT_BUF_INIT;
                if (a)
                    gql_print_value(&lit, a->value);
                *error_message = fmt_msg("Argument \"%s\" has invalid value %s.", d->name,
                                         rt_buf_cstr(&lit) ? rt_buf_cstr(&lit) : "", "");
                rt_buf_free(&lit);
            }
            goto fail;
        }
        if (json_object_object_add(o, d->name, v) < 0) {
            json_object_put(v);
            goto fail;
        }
    }
    return o;
fail:
    json_object_put(o);
    return NULL;
}

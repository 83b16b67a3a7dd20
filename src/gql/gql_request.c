/* Request preparation: parse (token limit), validate (gql_validate), depth limit, operation
 * selection and variable coercion, with graphql-js's error messages, producing the immutable
 * gql_request_t that execution and the feed share. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_exec_value.h"
#include "gql/gql_request_int.h"
#include "gql/gql_suggest.h"
#include "gql/gql_validate.h"
#include "gql/syntax/gql_arena.h"
#include "gql/syntax/gql_parser.h"

/* {message, locations?: [{line, column}], extensions?: {code}}; the message may hold NUL bytes
 * (from variable values), hence the length. */
static json_object *error_obj_len(const char *message, size_t len, const gql_loc_t *loc, const char *code)
{
    json_object *e = json_object_new_object();
    if (!e)
        return NULL;
    json_object_object_add(e, "message", json_object_new_string_len(message, (int)len));
    if (loc && loc->line > 0) {
        json_object *locs = json_object_new_array(), *l = json_object_new_object();
        json_object_object_add(l, "line", json_object_new_int((int)loc->line));
        json_object_object_add(l, "column", json_object_new_int((int)loc->column));
        json_object_array_add(locs, l);
        json_object_object_add(e, "locations", locs);
    }
    if (code) {
        json_object *ext = json_object_new_object();
        json_object_object_add(ext, "code", json_object_new_string(code));
        json_object_object_add(e, "extensions", ext);
    }
    return e;
}

static json_object *error_obj(const char *message, const gql_loc_t *loc, const char *code)
{
    return error_obj_len(message, strlen(message), loc, code);
}

static int fail_with(json_object **errors, int rc, const char *message, const gql_loc_t *loc, const char *code)
{
    *errors = json_object_new_array();
    json_object *e = error_obj(message, loc, code);
    if (*errors && e)
        json_object_array_add(*errors, e);
    else
        json_object_put(e);
    return rc;
}

/* ---- depth ------------------------------------------------------------------------------- */

typedef struct depth_ctx {
    const gql_document_t *doc;
    const gql_ast_definition_t **memo_def;
    int *memo_depth;
    int nmemo, cap;
    int limit;
} depth_ctx_t;

static int selection_depth(depth_ctx_t *c, const gql_ast_selection_set_t *ss, int guard);

/* Depth of a fragment's selection set, computed once per fragment so shared fragments cost
 * nothing more (no exponential walk over fragment fan-out). */
static int fragment_depth(depth_ctx_t *c, const char *name, int guard)
{
    for (int i = 0; i < c->nmemo; i++)
        if (strcmp(c->memo_def[i]->name.value, name) == 0)
            return c->memo_depth[i];
    for (const gql_ast_definition_t *d = c->doc->definitions; d; d = d->next) {
        if (d->kind != GQL_DEF_FRAGMENT || strcmp(d->name.value, name) != 0)
            continue;
        int depth = selection_depth(c, d->selection_set, guard + 1);
        if (c->nmemo == c->cap) {
            int cap = c->cap ? c->cap * 2 : 16;
            const gql_ast_definition_t **md = realloc(c->memo_def, sizeof *md * (size_t)cap);
            if (md)
                c->memo_def = md;
            int *mv = realloc(c->memo_depth, sizeof *mv * (size_t)cap);
            if (mv)
                c->memo_depth = mv;
            if (!md || !mv)
                return depth;
            c->cap = cap;
        }
        c->memo_def[c->nmemo] = d;
        c->memo_depth[c->nmemo++] = depth;
        return depth;
    }
    return 0;
}

static int selection_depth(depth_ctx_t *c, const gql_ast_selection_set_t *ss, int guard)
{
    if (!ss || guard > 10000) /* validation already refused fragment cycles; belt and braces */
        return 0;
    int max = 0;
    for (const gql_ast_selection_t *s = ss->selections; s; s = s->next) {
        int d = 0;
        if (s->kind == GQL_SEL_FIELD) {
            if (strncmp(s->name.value, "__", 2) == 0)
                continue; /* introspection: bounded by MaxIntrospectionDepthRule instead */
            d = 1 + selection_depth(c, s->selection_set, guard + 1);
        } else if (s->kind == GQL_SEL_INLINE_FRAGMENT) {
            d = selection_depth(c, s->selection_set, guard + 1);
        } else {
            d = fragment_depth(c, s->name.value, guard);
        }
        if (d > max)
            max = d;
    }
    return max;
}

/* ---- variables ------------------------------------------------------------------------ */

typedef struct coerce {
    const gql_schema_t *s;
    gql_arena_t *arena;
    json_object *errors;
    const char *var;
    const gql_loc_t *loc;
    char path[512];
    int max_list; /* > 0: longest list a variable may hold */
    int too_long; /* a list over max_list was refused (QUERY_TOO_COMPLEX) */
    int nomem;
} coerce_t;

/* Deep copy of a JSON value with the numbers JavaScript would hold: integral doubles become
 * integers (JSON 3.0 is the number 3), integers beyond 2^53 become the double they round to. */
static json_object *js_copy(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_double:
    case json_type_int: {
        double d = gql_js_value(v);
        if (json_object_get_type(v) == json_type_int && fabs(d) < 9007199254740992.0)
            return json_object_new_int64(json_object_get_int64(v));
        if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0)
            return json_object_new_int64((int64_t)d);
        /* Serialise as JavaScript would print the number, not json-c's %.17g. */
        char text[64];
        gql_js_number(d, text, sizeof text);
        return json_object_new_double_s(d, text);
    }
    case json_type_array: {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < json_object_array_length(v); i++)
            json_object_array_add(a, js_copy(json_object_array_get_idx(v, i)));
        return a;
    }
    case json_type_object: {
        json_object *o = json_object_new_object();
        json_object_object_foreach(v, key, val)
        {
            if (o)
                json_object_object_add(o, key, js_copy(val));
        }
        return o;
    }
    default: return json_object_get(v);
    }
}

/* Records `Variable "$x" got invalid value <inspect> [at "x<path>"]; <msg>`. */
static void coerce_error_msg(coerce_t *c, json_object *value, const char *msg, size_t msg_len)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_printf(&b, "Variable \"$%s\" got invalid value ", c->var);
    gql_inspect(&b, value);
    if (c->path[0])
        rt_buf_printf(&b, " at \"%s%s\"", c->var, c->path);
    rt_buf_puts(&b, "; ");
    rt_buf_append(&b, msg, msg_len);
    json_object *e = rt_buf_cstr(&b) ? error_obj_len(b.data, b.len, c->loc, NULL) : NULL;
    if (e)
        json_object_array_add(c->errors, e);
    else
        c->nomem = 1;
    rt_buf_free(&b);
}

static void coerce_error(coerce_t *c, json_object *value, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void coerce_error(coerce_t *c, json_object *value, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        c->nomem = 1;
        return;
    }
    coerce_error_msg(c, value, msg, (size_t)n);
    free(msg);
}

/* A list over the limit is refused before its items are looked at: a filter list is scanned for
 * every change on its topic, so its length bounds the work each event costs. */
static void coerce_list_too_long(coerce_t *c, size_t n)
{
    char msg[800];
    if (c->path[0])
        snprintf(msg, sizeof msg,
                 "List in variable \"$%s\" at \"%s%s\" is too long: %zu items exceed the maximum of %d.", c->var,
                 c->var, c->path, n, c->max_list);
    else
        snprintf(msg, sizeof msg, "List in variable \"$%s\" is too long: %zu items exceed the maximum of %d.", c->var,
                 n, c->max_list);
    json_object *e = error_obj(msg, c->loc, "QUERY_TOO_COMPLEX");
    if (e)
        json_object_array_add(c->errors, e);
    else
        c->nomem = 1;
    c->too_long = 1;
}

static void type_str(const gql_schema_t *s, const gql_typeref_t *t, char *out, size_t cap)
{
    gql_typeref_print(s, t, out, cap);
}

/* coerceInputValue: returns a new reference (NULL = JSON null) or sets errors. */
static json_object *coerce_value(coerce_t *c, json_object *v, const gql_typeref_t *t, bool *ok);

/* An error naming inspect(v): "<prefix><inspect(v)>". */
static json_object *coerce_fail_inspect(coerce_t *c, json_object *v, const char *prefix, bool *ok)
{
    rt_buf_t b = RT_BUF_INIT;
    gql_inspect(&b, v);
    coerce_error(c, v, "%s%s", prefix, rt_buf_cstr(&b) ? b.data : "");
    rt_buf_free(&b);
    *ok = false;
    return NULL;
}

static json_object *coerce_int(coerce_t *c, json_object *v, bool *ok)
{
    enum json_type jt = json_object_get_type(v);
    char num[64];
    if (jt != json_type_int && jt != json_type_double)
        return coerce_fail_inspect(c, v, "Int cannot represent non-integer value: ", ok);
    double d = gql_js_value(v);
    if (!isfinite(d) || d != floor(d)) {
        gql_js_number(d, num, sizeof num);
        coerce_error(c, v, "Int cannot represent non-integer value: %s", num);
        *ok = false;
        return NULL;
    }
    if (d > INT_MAX || d < INT_MIN) {
        gql_js_number(d, num, sizeof num);
        coerce_error(c, v, "Int cannot represent non 32-bit signed integer value: %s", num);
        *ok = false;
        return NULL;
    }
    return json_object_new_int((int)d);
}

static json_object *coerce_id(coerce_t *c, json_object *v, bool *ok)
{
    enum json_type jt = json_object_get_type(v);
    char num[64];
    if (jt == json_type_string)
        return json_object_get(v);
    if (jt == json_type_int) {
        gql_js_number_text(v, num, sizeof num);
        return json_object_new_string(num);
    }
    if (jt == json_type_double && isfinite(json_object_get_double(v)) &&
        json_object_get_double(v) == floor(json_object_get_double(v))) {
        gql_js_number(json_object_get_double(v), num, sizeof num); /* JSON 5.0 is the JavaScript number 5 */
        return json_object_new_string(num);
    }
    return coerce_fail_inspect(c, v, "ID cannot represent value: ", ok);
}

static json_object *coerce_scalar(coerce_t *c, json_object *v, const gql_type_t *ty, bool *ok)
{
    enum json_type jt = json_object_get_type(v);
    const char *n = ty->name;
    if (strcmp(n, "Int") == 0)
        return coerce_int(c, v, ok);
    if (strcmp(n, "Float") == 0) {
        if ((jt != json_type_int && jt != json_type_double) ||
            (jt == json_type_double && !isfinite(json_object_get_double(v))))
            return coerce_fail_inspect(c, v, "Float cannot represent non numeric value: ", ok);
        return js_copy(v);
    }
    if (strcmp(n, "String") == 0)
        return jt == json_type_string ? json_object_get(v)
                                      : coerce_fail_inspect(c, v, "String cannot represent a non string value: ", ok);
    if (strcmp(n, "Boolean") == 0)
        return jt == json_type_boolean
                   ? json_object_get(v)
                   : coerce_fail_inspect(c, v, "Boolean cannot represent a non boolean value: ", ok);
    if (strcmp(n, "ID") == 0)
        return coerce_id(c, v, ok);
    return js_copy(v); /* custom scalars: parseValue is the identity on the JavaScript value */
}

/* " Did you mean ...?" for input among names[0..n) (NUL bytes allowed in input). */
static void suggest_among(rt_buf_t *hint, const char *sub, const char *input, size_t input_len,
                          const char *(*name_of)(const gql_type_t *, int), const gql_type_t *ty, int n)
{
    const char **names = malloc(sizeof *names * (size_t)(n + 1));
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        names[i] = name_of(ty, i);
    gql_did_you_mean_n(hint, sub, input, input_len, names, n);
    free(names);
}

static const char *enum_value_name(const gql_type_t *ty, int i) { return ty->enum_values[i].name; }
static const char *input_field_name(const gql_type_t *ty, int i) { return ty->input_fields[i].name; }

static json_object *coerce_enum(coerce_t *c, json_object *v, const gql_type_t *ty, bool *ok)
{
    bool is_str = json_object_get_type(v) == json_type_string;
    /* A NUL inside the string can never name an enum value. */
    bool clean = is_str && strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
    if (clean && gql_type_enum_value(ty, json_object_get_string(v)))
        return json_object_get(v);
    /* didYouMeanEnumValue: suggestions for the string, or for inspect() of a non-string. */
    rt_buf_t shown = RT_BUF_INIT, hint = RT_BUF_INIT;
    if (is_str)
        rt_buf_append(&shown, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    else
        gql_inspect(&shown, v);
    suggest_among(&hint, "the enum value", rt_buf_cstr(&shown) ? shown.data : "", shown.len, enum_value_name, ty,
                  ty->nenum_values);
    if (is_str) {
        rt_buf_t msg = RT_BUF_INIT;
        rt_buf_puts(&msg, "Value \"");
        rt_buf_append(&msg, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        rt_buf_printf(&msg, "\" does not exist in \"%s\" enum.%s", ty->name, rt_buf_cstr(&hint) ? hint.data : "");
        if (rt_buf_cstr(&msg))
            coerce_error_msg(c, v, msg.data, msg.len);
        else
            c->nomem = 1;
        rt_buf_free(&msg);
    } else
        coerce_error(c, v, "Enum \"%s\" cannot represent non-string value: %s.%s", ty->name,
                     rt_buf_cstr(&shown) ? shown.data : "", rt_buf_cstr(&hint) ? hint.data : "");
    rt_buf_free(&shown);
    rt_buf_free(&hint);
    *ok = false;
    return NULL;
}

/* A field the variable's object leaves out: its schema default, or an error when required. */
static void coerce_missing_field(coerce_t *c, json_object *v, const gql_input_value_t *f, json_object *out, bool *ok)
{
    if (f->default_value) {
        gql_document_t *holder;
        gql_ast_value_t *ast;
        gql_syntax_error_t err;
        json_object *dv = NULL;
        if (gql_parse_value(f->default_value, strlen(f->default_value), true, &holder, &ast, &err) == 0) {
            if (gql_exec_value_from_ast(c->s, f->type, ast, NULL, &dv) == 0)
                json_object_object_add(out, f->name, dv);
            gql_document_free(holder);
        }
    } else if (f->type->wrap == GQL_TR_NON_NULL) {
        char ts[256];
        type_str(c->s, f->type, ts, sizeof ts);
        coerce_error(c, v, "Field \"%s\" of required type \"%s\" was not provided.", f->name, ts);
        *ok = false;
    }
}

/* Keys of the variable's object that the input type does not define. */
static void coerce_unknown_fields(coerce_t *c, json_object *v, const gql_type_t *ty, bool *ok)
{
    json_object_object_foreach(v, key, val)
    {
        (void)val;
        if (gql_type_input_field(ty, key))
            continue;
        rt_buf_t hint = RT_BUF_INIT;
        suggest_among(&hint, NULL, key, strlen(key), input_field_name, ty, ty->ninput_fields);
        coerce_error(c, v, "Field \"%s\" is not defined by type \"%s\".%s", key, ty->name,
                     rt_buf_cstr(&hint) ? hint.data : "");
        rt_buf_free(&hint);
        *ok = false;
    }
}

/* graphql-js checks the coerced object of a @oneOf type: defaults count, a null value names its
 * key. */
static void coerce_one_of(coerce_t *c, json_object *v, const gql_type_t *ty, json_object *out, bool *ok)
{
    size_t plen = strlen(c->path);
    if (json_object_object_length(out) != 1) {
        coerce_error(c, v, "Exactly one key must be specified for OneOf type \"%s\".", ty->name);
        *ok = false;
    }
    json_object_object_foreach(out, k1, v1)
    {
        if (!v1) {
            snprintf(c->path + plen, sizeof c->path - plen, ".%s", k1);
            coerce_error(c, NULL, "Field \"%s\" must be non-null.", k1);
            c->path[plen] = '\0';
            *ok = false;
        }
        break; /* only the first key, as graphql-js looks at keys[0] */
    }
}

static json_object *coerce_input_object(coerce_t *c, json_object *v, const gql_type_t *ty, bool *ok)
{
    if (json_object_get_type(v) != json_type_object) {
        coerce_error(c, v, "Expected type \"%s\" to be an object.", ty->name);
        *ok = false;
        return NULL;
    }
    json_object *out = json_object_new_object();
    if (!out) {
        c->nomem = 1;
        return NULL;
    }
    size_t plen = strlen(c->path);
    for (int i = 0; i < ty->ninput_fields; i++) {
        const gql_input_value_t *f = &ty->input_fields[i];
        json_object *fv;
        if (!json_object_object_get_ex(v, f->name, &fv)) {
            coerce_missing_field(c, v, f, out, ok);
            continue;
        }
        snprintf(c->path + plen, sizeof c->path - plen, ".%s", f->name);
        json_object *cv = coerce_value(c, fv, f->type, ok);
        c->path[plen] = '\0';
        json_object_object_add(out, f->name, cv);
    }
    coerce_unknown_fields(c, v, ty, ok);
    if (ty->is_one_of)
        coerce_one_of(c, v, ty, out, ok);
    return out;
}

static json_object *coerce_named(coerce_t *c, json_object *v, const gql_type_t *ty, bool *ok)
{
    switch (ty->kind) {
    case GQL_TK_SCALAR: return coerce_scalar(c, v, ty, ok);
    case GQL_TK_ENUM: return coerce_enum(c, v, ty, ok);
    case GQL_TK_INPUT_OBJECT: return coerce_input_object(c, v, ty, ok);
    default:
        coerce_error(c, v, "Expected type \"%s\".", ty->name);
        *ok = false;
        return NULL;
    }
}

static json_object *coerce_value(coerce_t *c, json_object *v, const gql_typeref_t *t, bool *ok)
{
    if (t->wrap == GQL_TR_NON_NULL) {
        if (!v || json_object_get_type(v) == json_type_null) {
            char ts[256];
            type_str(c->s, t, ts, sizeof ts);
            coerce_error(c, v, "Expected non-nullable type \"%s\" not to be null.", ts);
            *ok = false;
            return NULL;
        }
        return coerce_value(c, v, t->of, ok);
    }
    if (!v || json_object_get_type(v) == json_type_null)
        return NULL;
    if (t->wrap == GQL_TR_LIST) {
        if (json_object_get_type(v) == json_type_array && c->max_list > 0 &&
            json_object_array_length(v) > (size_t)c->max_list) {
            coerce_list_too_long(c, json_object_array_length(v));
            *ok = false;
            return NULL;
        }
        json_object *out = json_object_new_array();
        if (!out) {
            c->nomem = 1;
            return NULL;
        }
        if (json_object_get_type(v) == json_type_array) {
            size_t plen = strlen(c->path);
            for (size_t i = 0; i < json_object_array_length(v); i++) {
                snprintf(c->path + plen, sizeof c->path - plen, "[%zu]", i);
                json_object_array_add(out, coerce_value(c, json_object_array_get_idx(v, i), t->of, ok));
                c->path[plen] = '\0';
            }
        } else {
            json_object_array_add(out, coerce_value(c, v, t->of, ok));
        }
        return out;
    }
    const gql_type_t *ty = gql_typeref_named(c->s, t);
    if (!ty) {
        *ok = false;
        return NULL;
    }
    return coerce_named(c, v, ty, ok);
}

/* Builds a schema type reference from an AST type in the document arena; NULL when a named type
 * is unknown (validation refuses that before we get here). */
static gql_typeref_t *ref_from_ast(const gql_schema_t *s, gql_arena_t *a, const gql_ast_type_t *t)
{
    gql_typeref_t *r = gql_arena_alloc(a, sizeof *r);
    if (!r)
        return NULL;
    if (t->kind == GQL_TYPE_NAMED) {
        r->wrap = GQL_TR_NAMED;
        r->named = gql_schema_type_index(s, t->name.value);
        return r->named < 0 ? NULL : r;
    }
    r->wrap = t->kind == GQL_TYPE_LIST ? GQL_TR_LIST : GQL_TR_NON_NULL;
    r->named = -1;
    r->of = ref_from_ast(s, a, t->of);
    return r->of ? r : NULL;
}

static int coerce_variables(const gql_schema_t *s, const gql_ast_definition_t *op, json_object *inputs, int max_list,
                            json_object **out, json_object *errors)
{
    /* No variables declared: no object (json-c gives each ~640 B, kept for a subscription's
     * whole life); the executor reads a NULL variable set as empty. */
    *out = NULL;
    if (!op->variable_definitions)
        return GQL_OK;
    /* The type references live in an arena of their own: the document may be shared by other
     * threads binding their variables at the same time (gql_prepared.c). */
    json_object *vars = json_object_new_object();
    gql_arena_t *types = gql_arena_new_sized(512);
    if (!vars || !types) {
        json_object_put(vars);
        gql_arena_free(types);
        return GQL_ERR_NOMEM;
    }
    coerce_t c = {.s = s, .arena = types, .errors = errors, .max_list = max_list};
    for (const gql_ast_variable_definition_t *vd = op->variable_definitions; vd; vd = vd->next) {
        const char *name = vd->variable->str;
        gql_typeref_t *t = ref_from_ast(s, types, vd->type);
        if (!t)
            continue;
        char ts[256];
        type_str(s, t, ts, sizeof ts);
        json_object *v = NULL;
        bool has =
            inputs && json_object_get_type(inputs) == json_type_object && json_object_object_get_ex(inputs, name, &v);
        if (!has) {
            if (vd->default_value) {
                json_object *dv = NULL;
                int rc = gql_exec_value_from_ast(s, t, vd->default_value, NULL, &dv);
                if (rc == 0)
                    json_object_object_add(vars, name, dv);
                else if (rc == -2)
                    c.nomem = 1;
            } else if (t->wrap == GQL_TR_NON_NULL) {
                char msg[600];
                snprintf(msg, sizeof msg, "Variable \"$%s\" of required type \"%s\" was not provided.", name, ts);
                json_object_array_add(errors, error_obj(msg, &vd->loc, NULL));
            }
            continue;
        }
        if ((!v || json_object_get_type(v) == json_type_null) && t->wrap == GQL_TR_NON_NULL) {
            char msg[600];
            snprintf(msg, sizeof msg, "Variable \"$%s\" of non-null type \"%s\" must not be null.", name, ts);
            json_object_array_add(errors, error_obj(msg, &vd->loc, NULL));
            continue;
        }
        c.var = name;
        c.loc = &vd->loc;
        c.path[0] = '\0';
        bool ok = true;
        json_object *cv = coerce_value(&c, v, t, &ok);
        if (ok)
            json_object_object_add(vars, name, cv);
        else
            json_object_put(cv);
    }
    gql_arena_free(types);
    if (c.nomem) {
        json_object_put(vars);
        return GQL_ERR_NOMEM;
    }
    *out = vars;
    if (c.too_long)
        return GQL_ERR_TOO_COMPLEX;
    return json_object_array_length(errors) ? GQL_ERR_REQUEST : GQL_OK;
}

/* ---- variables after binding ---------------------------------------------------------- */

static bool value_has_variable(const gql_ast_value_t *v)
{
    if (!v)
        return false;
    if (v->kind == GQL_VAL_VARIABLE)
        return true;
    for (const gql_ast_value_t *i = v->items; i; i = i->next)
        if (value_has_variable(i))
            return true;
    for (const gql_ast_object_field_t *f = v->fields; f; f = f->next)
        if (value_has_variable(f->value))
            return true;
    return false;
}

static bool args_have_variable(const gql_ast_argument_t *a)
{
    for (; a; a = a->next)
        if (value_has_variable(a->value))
            return true;
    return false;
}

/* Whether rendering may read a variable: in any directive, or in the arguments of any field but
 * the top-level ones of the operation (fragments count wholly: conservative). */
static bool selections_use_variables(const gql_ast_selection_set_t *ss, bool top)
{
    if (!ss)
        return false;
    for (const gql_ast_selection_t *s = ss->selections; s; s = s->next) {
        for (const gql_ast_directive_t *d = s->directives; d; d = d->next)
            if (args_have_variable(d->arguments))
                return true;
        if ((!top && args_have_variable(s->arguments)) || selections_use_variables(s->selection_set, false))
            return true;
    }
    return false;
}

void gql_request_compact(gql_request_t *req)
{
    if (req->kind != GQL_OP_SUBSCRIPTION || !req->env.variables || !req->root)
        return;
    if (selections_use_variables(req->env.op->selection_set, true))
        return;
    for (const gql_ast_definition_t *d = req->env.doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_FRAGMENT && selections_use_variables(d->selection_set, false))
            return;
    json_object_put(req->env.variables);
    req->env.variables = NULL;
}

/* ---- prepare -------------------------------------------------------------------------- */

void gql_request_free_parts(gql_request_t *req)
{
    if (req->root)
        gql_exec_root_free(req->root);
    json_object_put(req->env.variables);
}

void gql_request_free(gql_request_t *req)
{
    if (!req)
        return;
    if (req->prep) {
        gql_prepared_request_done(req);
        return;
    }
    gql_request_free_parts(req);
    gql_document_free((gql_document_t *)req->env.doc);
    free(req);
}

gql_op_kind_t gql_request_kind(const gql_request_t *req) { return req->kind; }

/* The effective list limit; 0 means none. */
static int list_limit(const gql_limits_t *limits)
{
    if (!limits || limits->max_list_items < 0)
        return 0;
    return limits->max_list_items ? limits->max_list_items : GQL_DEFAULT_MAX_LIST_ITEMS;
}

/* Parses the document within the token, nesting and literal-list limits. GQL_OK with *doc (caller
 * owns), else the error code with *errors set. */
static int parse_document(const char *query, size_t len, const gql_limits_t *limits, gql_document_t **doc,
                          json_object **errors)
{
    gql_parse_options_t po = {limits ? limits->max_tokens : 0, 0};
    gql_syntax_error_t serr;
    int prc = gql_parse(query, len, &po, doc, &serr);
    if (prc == GQL_PARSE_NOMEM)
        return fail_with(errors, GQL_ERR_NOMEM, "Out of memory", NULL, NULL);
    if (prc == GQL_PARSE_TOO_MANY_TOKENS || prc == GQL_PARSE_TOO_DEEP)
        return fail_with(errors, GQL_ERR_TOO_COMPLEX, serr.message, &serr.loc, "QUERY_TOO_COMPLEX");
    if (prc != GQL_PARSE_OK)
        return fail_with(errors, GQL_ERR_SYNTAX, serr.message, &serr.loc, NULL);
    int max_list = list_limit(limits);
    if (max_list > 0 && (*doc)->longest_list && (*doc)->longest_list->count > max_list) {
        char msg[200];
        snprintf(msg, sizeof msg, "List is too long: %d items exceed the maximum of %d.", (*doc)->longest_list->count,
                 max_list);
        gql_loc_t loc = (*doc)->longest_list->loc;
        gql_document_free(*doc);
        *doc = NULL;
        return fail_with(errors, GQL_ERR_TOO_COMPLEX, msg, &loc, "QUERY_TOO_COMPLEX");
    }
    return GQL_OK;
}

/* getOperationRootType / buildExecutionContext: the operation to run, or an error in errs. */
static int choose_operation(const gql_document_t *doc, const char *operation_name, json_object *errs,
                            const gql_ast_definition_t **out)
{
    const gql_ast_definition_t *op = NULL;
    for (const gql_ast_definition_t *d = doc->definitions; d; d = d->next) {
        if (d->kind != GQL_DEF_OPERATION)
            continue;
        if (!operation_name) {
            if (op) {
                json_object_array_add(
                    errs, error_obj("Must provide operation name if query contains multiple operations.", NULL, NULL));
                return GQL_ERR_REQUEST;
            }
            op = d;
        } else if (d->name.value && strcmp(d->name.value, operation_name) == 0) {
            op = d;
        }
    }
    if (!op) {
        char msg[600];
        if (operation_name)
            snprintf(msg, sizeof msg, "Unknown operation named \"%.500s\".", operation_name);
        else
            snprintf(msg, sizeof msg, "Must provide an operation.");
        json_object_array_add(errs, error_obj(msg, NULL, NULL));
        return GQL_ERR_REQUEST;
    }
    *out = op;
    return GQL_OK;
}

/* The depth limit over the chosen operation, fragments expanded. */
static int check_depth(const gql_document_t *doc, const gql_ast_definition_t *op, const gql_limits_t *limits,
                       json_object *errs)
{
    if (!limits || limits->max_depth <= 0)
        return GQL_OK;
    depth_ctx_t dc = {.doc = doc, .limit = limits->max_depth};
    int depth = selection_depth(&dc, op->selection_set, 0);
    free(dc.memo_def);
    free(dc.memo_depth);
    if (depth <= limits->max_depth)
        return GQL_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "Query is too deep: depth %d exceeds the maximum of %d.", depth, limits->max_depth);
    json_object_array_add(errs, error_obj(msg, &op->loc, "QUERY_TOO_COMPLEX"));
    return GQL_ERR_TOO_COMPLEX;
}

/* The errors a failed preparation hands over (caller owns): an out-of-memory failure that
 * recorded nothing still says what happened. */
static json_object *errors_for(int rc, json_object *errs)
{
    if (rc == GQL_ERR_NOMEM && errs && json_object_array_length(errs) == 0)
        json_object_array_add(errs, error_obj("Out of memory", NULL, NULL));
    return errs;
}

int gql_request_parse(const gql_schema_t *schema, const char *query, size_t len, const char *operation_name,
                      const gql_limits_t *limits, gql_document_t **doc, const gql_ast_definition_t **op,
                      json_object **errors)
{
    *doc = NULL;
    *op = NULL;
    *errors = NULL;
    int rc = parse_document(query, len, limits, doc, errors);
    if (rc != GQL_OK)
        return rc;
    json_object *errs = json_object_new_array();
    rc = GQL_ERR_NOMEM;
    if (!errs)
        goto fail;
    int nerr = gql_validate(schema, *doc, errs);
    if (nerr < 0)
        goto fail;
    if (nerr > 0) {
        rc = GQL_ERR_VALIDATION;
        goto fail;
    }
    if ((rc = choose_operation(*doc, operation_name, errs, op)) != GQL_OK ||
        (rc = check_depth(*doc, *op, limits, errs)) != GQL_OK)
        goto fail;
    json_object_put(errs);
    return GQL_OK;
fail:
    *errors = errors_for(rc, errs);
    gql_document_free(*doc);
    *doc = NULL;
    *op = NULL;
    return rc;
}

int gql_request_bind(const gql_schema_t *schema, const gql_document_t *doc, const gql_ast_definition_t *op,
                     json_object *variables, const gql_limits_t *limits, gql_request_t **out, json_object **errors)
{
    *out = NULL;
    *errors = NULL;
    gql_request_t *req = calloc(1, sizeof *req);
    json_object *errs = json_object_new_array();
    int rc = GQL_ERR_NOMEM;
    if (!req || !errs)
        goto fail;
    req->env.schema = schema;
    req->env.doc = doc;
    req->env.op = op;
    req->kind = op->operation == GQL_OPERATION_MUTATION       ? GQL_OP_MUTATION
                : op->operation == GQL_OPERATION_SUBSCRIPTION ? GQL_OP_SUBSCRIPTION
                                                              : GQL_OP_QUERY;
    rc = coerce_variables(schema, op, variables, list_limit(limits), &req->env.variables, errs);
    if (rc != GQL_OK)
        goto fail;
    if (req->kind == GQL_OP_SUBSCRIPTION) {
        json_object *rerr = NULL;
        rc = gql_exec_root_new(&req->env, &req->root, &rerr);
        if (rc != GQL_OK) {
            if (rerr) {
                json_object_put(errs);
                errs = rerr;
            }
            goto fail;
        }
    }
    json_object_put(errs);
    *out = req;
    return GQL_OK;
fail:
    *errors = errors_for(rc, errs);
    if (req) {
        gql_request_free_parts(req);
        free(req);
    }
    return rc;
}

int gql_request_prepare(const gql_schema_t *schema, const char *query, size_t len, json_object *variables,
                        const char *operation_name, const gql_limits_t *limits, gql_request_t **out,
                        json_object **errors)
{
    *out = NULL;
    gql_document_t *doc = NULL;
    const gql_ast_definition_t *op = NULL;
    int rc = gql_request_parse(schema, query, len, operation_name, limits, &doc, &op, errors);
    if (rc != GQL_OK)
        return rc;
    rc = gql_request_bind(schema, doc, op, variables, limits, out, errors);
    if (rc != GQL_OK)
        gql_document_free(doc); /* on success the request owns it */
    return rc;
}

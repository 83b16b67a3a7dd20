/* Recursive-descent GraphQL parser, function for function graphql-js 16 parser.js so that the
 * accepted language and every syntax error message match. Nodes go into the document's arena;
 * the depth guard bounds recursion so hostile nesting cannot exhaust the stack. */
#include "gql/syntax/gql_parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/syntax/gql_arena.h"
#include "gql/syntax/gql_lexer.h"

typedef struct parser {
    gql_lexer_t lx;
    gql_arena_t *arena;
    gql_syntax_error_t *err;
    int rc;
    int ntokens, max_tokens;
    int depth, max_depth;
    const gql_ast_value_t *longest_list; /* for the list-length limit, checked by the caller */
} parser_t;

#define TOK (&p->lx.token)

static void oom(parser_t *p)
{
    if (p->rc == 0) {
        p->rc = GQL_PARSE_NOMEM;
        if (p->err) {
            memset(p->err, 0, sizeof *p->err);
            snprintf(p->err->message, sizeof p->err->message, "Out of memory");
        }
    }
}

static void *alloc_node(parser_t *p, size_t size)
{
    void *n = gql_arena_alloc(p->arena, size);
    if (!n)
        oom(p);
    return n;
}
#define NEW(T) ((T *)alloc_node(p, sizeof(T)))

static gql_loc_t loc_of(const gql_token_t *t)
{
    gql_loc_t l = {t->line, t->column, t->start, t->end};
    return l;
}

/* Closes a node's location at the last consumed token, as graphql-js node() does. */
static void finish(parser_t *p, gql_loc_t *l) { l->end = p->lx.last.end; }

static int error_at(parser_t *p, size_t pos, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int error_at(parser_t *p, size_t pos, int rc, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gql_syntax_error_at(p->err, p->lx.src, p->lx.len, pos, "%s", msg);
    p->rc = rc;
    return -1;
}

/* getTokenDesc: kind plus the quoted value when the token has one. */
static void token_desc(const gql_token_t *t, char *out, size_t cap)
{
    if (t->value)
        snprintf(out, cap, "%s \"%.*s\"", gql_token_kind_desc(t->kind), (int)(t->len > 700 ? 700 : t->len), t->value);
    else
        snprintf(out, cap, "%s", gql_token_kind_desc(t->kind));
}

static int unexpected(parser_t *p, const gql_token_t *t)
{
    char d[800];
    if (!t)
        t = TOK;
    token_desc(t, d, sizeof d);
    return error_at(p, t->start, GQL_PARSE_SYNTAX, "Unexpected %s.", d);
}

static int advance(parser_t *p)
{
    if (gql_lexer_advance(&p->lx) != 0) {
        p->rc = p->lx.rc;
        return -1;
    }
    if (TOK->kind != GQL_TOK_EOF) {
        p->ntokens++;
        if (p->max_tokens > 0 && p->ntokens > p->max_tokens)
            return error_at(p, TOK->start, GQL_PARSE_TOO_MANY_TOKENS,
                            "Document contains more that %d tokens. Parsing aborted.", p->max_tokens);
    }
    return 0;
}

static bool peek(parser_t *p, gql_token_kind_t k) { return TOK->kind == k; }

static int expect(parser_t *p, gql_token_kind_t k)
{
    if (TOK->kind == k)
        return advance(p);
    char d[800];
    token_desc(TOK, d, sizeof d);
    return error_at(p, TOK->start, GQL_PARSE_SYNTAX, "Expected %s, found %s.", gql_token_kind_desc(k), d);
}

/* 1 when consumed, 0 when not there, -1 on error. */
static int expect_optional(parser_t *p, gql_token_kind_t k)
{
    if (TOK->kind != k)
        return 0;
    return advance(p) < 0 ? -1 : 1;
}

static bool is_keyword(const gql_token_t *t, const char *kw)
{
    return t->kind == GQL_TOK_NAME && t->len == strlen(kw) && memcmp(t->value, kw, t->len) == 0;
}

static bool value_is(const gql_token_t *t, const char *s)
{
    return t->value && t->len == strlen(s) && memcmp(t->value, s, t->len) == 0;
}

static int expect_keyword(parser_t *p, const char *kw)
{
    if (is_keyword(TOK, kw))
        return advance(p);
    char d[800];
    token_desc(TOK, d, sizeof d);
    return error_at(p, TOK->start, GQL_PARSE_SYNTAX, "Expected \"%s\", found %s.", kw, d);
}

static int expect_optional_keyword(parser_t *p, const char *kw)
{
    if (!is_keyword(TOK, kw))
        return 0;
    return advance(p) < 0 ? -1 : 1;
}

static int enter(parser_t *p)
{
    if (++p->depth > p->max_depth)
        return error_at(p, TOK->start, GQL_PARSE_TOO_DEEP,
                        "Document nesting is deeper than %d levels. Parsing aborted.", p->max_depth);
    return 0;
}

static void leave(parser_t *p) { p->depth--; }

static int parse_name(parser_t *p, gql_ast_name_t *out)
{
    gql_token_t t = *TOK;
    if (expect(p, GQL_TOK_NAME) < 0)
        return -1;
    out->loc = loc_of(&t);
    out->value = gql_arena_strndup(p->arena, t.value, t.len);
    if (!out->value) {
        oom(p);
        return -1;
    }
    return 0;
}

/* Appends to a singly linked list through the `next` member. */
#define APPEND(head, tail, node)                                                                                       \
    do {                                                                                                               \
        if (tail)                                                                                                      \
            (tail)->next = node;                                                                                       \
        else                                                                                                           \
            (head) = node;                                                                                             \
        (tail) = node;                                                                                                 \
    } while (0)

/* ---- values --------------------------------------------------------------------------- */

static gql_ast_value_t *parse_value(parser_t *p, bool is_const);

static gql_ast_value_t *parse_string_literal(parser_t *p)
{
    gql_token_t t = *TOK;
    gql_ast_value_t *v = NEW(gql_ast_value_t);
    if (!v || advance(p) < 0)
        return NULL;
    v->kind = GQL_VAL_STRING;
    v->loc = loc_of(&t);
    v->str = t.value;
    v->len = t.len;
    v->block = t.kind == GQL_TOK_BLOCK_STRING;
    finish(p, &v->loc);
    return v;
}

static gql_ast_value_t *parse_variable(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_value_t *v = NEW(gql_ast_value_t);
    gql_ast_name_t n;
    if (!v || expect(p, GQL_TOK_DOLLAR) < 0 || parse_name(p, &n) < 0)
        return NULL;
    v->kind = GQL_VAL_VARIABLE;
    v->loc = loc_of(&start);
    v->str = n.value;
    v->len = strlen(n.value);
    v->name_loc = n.loc;
    finish(p, &v->loc);
    return v;
}

static gql_ast_object_field_t *parse_object_field(parser_t *p, bool is_const)
{
    gql_token_t start = *TOK;
    gql_ast_object_field_t *f = NEW(gql_ast_object_field_t);
    if (!f || parse_name(p, &f->name) < 0 || expect(p, GQL_TOK_COLON) < 0)
        return NULL;
    f->loc = loc_of(&start);
    if (!(f->value = parse_value(p, is_const)))
        return NULL;
    finish(p, &f->loc);
    return f;
}

static gql_ast_value_t *parse_value_inner(parser_t *p, bool is_const)
{
    gql_token_t t = *TOK;
    gql_ast_value_t *v;
    switch (t.kind) {
    case GQL_TOK_BRACKET_L: {
        if (!(v = NEW(gql_ast_value_t)) || advance(p) < 0)
            return NULL;
        v->kind = GQL_VAL_LIST;
        v->loc = loc_of(&t);
        gql_ast_value_t *tail = NULL;
        for (;;) {
            int r = expect_optional(p, GQL_TOK_BRACKET_R);
            if (r < 0)
                return NULL;
            if (r)
                break;
            gql_ast_value_t *item = parse_value(p, is_const);
            if (!item)
                return NULL;
            APPEND(v->items, tail, item);
            v->count++;
        }
        if (!p->longest_list || v->count > p->longest_list->count)
            p->longest_list = v;
        finish(p, &v->loc);
        return v;
    }
    case GQL_TOK_BRACE_L: {
        if (!(v = NEW(gql_ast_value_t)) || advance(p) < 0)
            return NULL;
        v->kind = GQL_VAL_OBJECT;
        v->loc = loc_of(&t);
        gql_ast_object_field_t *tail = NULL;
        for (;;) {
            int r = expect_optional(p, GQL_TOK_BRACE_R);
            if (r < 0)
                return NULL;
            if (r)
                break;
            gql_ast_object_field_t *f = parse_object_field(p, is_const);
            if (!f)
                return NULL;
            APPEND(v->fields, tail, f);
            v->count++;
        }
        finish(p, &v->loc);
        return v;
    }
    case GQL_TOK_INT:
    case GQL_TOK_FLOAT:
    case GQL_TOK_NAME:
        if (!(v = NEW(gql_ast_value_t)) || advance(p) < 0)
            return NULL;
        v->loc = loc_of(&t);
        if (t.kind == GQL_TOK_NAME && value_is(&t, "true")) {
            v->kind = GQL_VAL_BOOLEAN;
            v->boolean = true;
        } else if (t.kind == GQL_TOK_NAME && value_is(&t, "false")) {
            v->kind = GQL_VAL_BOOLEAN;
        } else if (t.kind == GQL_TOK_NAME && value_is(&t, "null")) {
            v->kind = GQL_VAL_NULL;
        } else {
            v->kind = t.kind == GQL_TOK_INT ? GQL_VAL_INT : t.kind == GQL_TOK_FLOAT ? GQL_VAL_FLOAT : GQL_VAL_ENUM;
            if (!(v->str = gql_arena_strndup(p->arena, t.value, t.len))) {
                oom(p);
                return NULL;
            }
            v->len = t.len;
        }
        finish(p, &v->loc);
        return v;
    case GQL_TOK_STRING:
    case GQL_TOK_BLOCK_STRING: return parse_string_literal(p);
    case GQL_TOK_DOLLAR:
        if (is_const) {
            if (expect(p, GQL_TOK_DOLLAR) < 0)
                return NULL;
            if (TOK->kind == GQL_TOK_NAME) {
                error_at(p, t.start, GQL_PARSE_SYNTAX, "Unexpected variable \"$%.*s\" in constant value.",
                         (int)(TOK->len > 700 ? 700 : TOK->len), TOK->value);
                return NULL;
            }
            unexpected(p, &t);
            return NULL;
        }
        return parse_variable(p);
    default: unexpected(p, NULL); return NULL;
    }
}

static gql_ast_value_t *parse_value(parser_t *p, bool is_const)
{
    if (enter(p) < 0)
        return NULL;
    gql_ast_value_t *v = parse_value_inner(p, is_const);
    leave(p);
    return v;
}

/* ---- directives, arguments, types ------------------------------------------------------------ */

static gql_ast_argument_t *parse_argument(parser_t *p, bool is_const)
{
    gql_token_t start = *TOK;
    gql_ast_argument_t *a = NEW(gql_ast_argument_t);
    if (!a || parse_name(p, &a->name) < 0 || expect(p, GQL_TOK_COLON) < 0)
        return NULL;
    a->loc = loc_of(&start);
    if (!(a->value = parse_value(p, is_const)))
        return NULL;
    finish(p, &a->loc);
    return a;
}

/* optionalMany( '(' Argument+ ')' ). */
static int parse_arguments(parser_t *p, bool is_const, gql_ast_argument_t **head, int *count)
{
    int r = expect_optional(p, GQL_TOK_PAREN_L);
    if (r <= 0)
        return r;
    gql_ast_argument_t *tail = NULL;
    do {
        gql_ast_argument_t *a = parse_argument(p, is_const);
        if (!a)
            return -1;
        APPEND(*head, tail, a);
        (*count)++;
    } while ((r = expect_optional(p, GQL_TOK_PAREN_R)) == 0);
    return r < 0 ? -1 : 0;
}

static int parse_directives(parser_t *p, bool is_const, gql_ast_directive_t **head, int *count)
{
    gql_ast_directive_t *tail = NULL;
    while (peek(p, GQL_TOK_AT)) {
        gql_token_t start = *TOK;
        gql_ast_directive_t *d = NEW(gql_ast_directive_t);
        if (!d || advance(p) < 0 || parse_name(p, &d->name) < 0)
            return -1;
        d->loc = loc_of(&start);
        if (parse_arguments(p, is_const, &d->arguments, &d->nargs) < 0)
            return -1;
        finish(p, &d->loc);
        APPEND(*head, tail, d);
        (*count)++;
    }
    return 0;
}

static gql_ast_type_t *parse_named_type(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_type_t *t = NEW(gql_ast_type_t);
    if (!t || parse_name(p, &t->name) < 0)
        return NULL;
    t->kind = GQL_TYPE_NAMED;
    t->loc = loc_of(&start);
    finish(p, &t->loc);
    return t;
}

static gql_ast_type_t *parse_type_reference(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_type_t *type;
    int r = expect_optional(p, GQL_TOK_BRACKET_L);
    if (r < 0)
        return NULL;
    if (r) {
        if (enter(p) < 0)
            return NULL;
        gql_ast_type_t *inner = parse_type_reference(p);
        leave(p);
        if (!inner || expect(p, GQL_TOK_BRACKET_R) < 0)
            return NULL;
        if (!(type = NEW(gql_ast_type_t)))
            return NULL;
        type->kind = GQL_TYPE_LIST;
        type->of = inner;
        type->loc = loc_of(&start);
        finish(p, &type->loc);
    } else if (!(type = parse_named_type(p))) {
        return NULL;
    }
    r = expect_optional(p, GQL_TOK_BANG);
    if (r < 0)
        return NULL;
    if (r) {
        gql_ast_type_t *nn = NEW(gql_ast_type_t);
        if (!nn)
            return NULL;
        nn->kind = GQL_TYPE_NON_NULL;
        nn->of = type;
        nn->loc = loc_of(&start);
        finish(p, &nn->loc);
        return nn;
    }
    return type;
}

/* ---- selections ------------------------------------------------------------------------ */

static gql_ast_selection_set_t *parse_selection_set(parser_t *p);

static gql_ast_selection_t *parse_selection(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_selection_t *s = NEW(gql_ast_selection_t);
    if (!s)
        return NULL;
    s->loc = loc_of(&start);
    if (peek(p, GQL_TOK_SPREAD)) {
        if (advance(p) < 0)
            return NULL;
        int has_cond = expect_optional_keyword(p, "on");
        if (has_cond < 0)
            return NULL;
        if (!has_cond && peek(p, GQL_TOK_NAME)) {
            s->kind = GQL_SEL_FRAGMENT_SPREAD;
            if (parse_name(p, &s->name) < 0 || parse_directives(p, false, &s->directives, &s->ndirectives) < 0)
                return NULL;
        } else {
            s->kind = GQL_SEL_INLINE_FRAGMENT;
            if (has_cond && !(s->type_condition = parse_named_type(p)))
                return NULL;
            if (parse_directives(p, false, &s->directives, &s->ndirectives) < 0 ||
                !(s->selection_set = parse_selection_set(p)))
                return NULL;
        }
        finish(p, &s->loc);
        return s;
    }
    s->kind = GQL_SEL_FIELD;
    gql_ast_name_t first;
    if (parse_name(p, &first) < 0)
        return NULL;
    int r = expect_optional(p, GQL_TOK_COLON);
    if (r < 0)
        return NULL;
    if (r) {
        s->alias = first;
        if (parse_name(p, &s->name) < 0)
            return NULL;
    } else {
        s->name = first;
    }
    if (parse_arguments(p, false, &s->arguments, &s->nargs) < 0 ||
        parse_directives(p, false, &s->directives, &s->ndirectives) < 0)
        return NULL;
    if (peek(p, GQL_TOK_BRACE_L) && !(s->selection_set = parse_selection_set(p)))
        return NULL;
    finish(p, &s->loc);
    return s;
}

static gql_ast_selection_set_t *parse_selection_set(parser_t *p)
{
    gql_token_t start = *TOK;
    if (enter(p) < 0)
        return NULL;
    gql_ast_selection_set_t *ss = NEW(gql_ast_selection_set_t);
    if (!ss || expect(p, GQL_TOK_BRACE_L) < 0)
        return NULL;
    ss->loc = loc_of(&start);
    gql_ast_selection_t *tail = NULL;
    int r;
    do {
        gql_ast_selection_t *s = parse_selection(p);
        if (!s)
            return NULL;
        APPEND(ss->selections, tail, s);
        ss->count++;
    } while ((r = expect_optional(p, GQL_TOK_BRACE_R)) == 0);
    if (r < 0)
        return NULL;
    finish(p, &ss->loc);
    leave(p);
    return ss;
}

/* ---- definitions ----------------------------------------------------------------------- */

static int parse_description(parser_t *p, gql_ast_value_t **out)
{
    *out = NULL;
    if (peek(p, GQL_TOK_STRING) || peek(p, GQL_TOK_BLOCK_STRING)) {
        if (!(*out = parse_string_literal(p)))
            return -1;
    }
    return 0;
}

static int parse_operation_type(parser_t *p, gql_operation_t *op)
{
    gql_token_t t = *TOK;
    if (expect(p, GQL_TOK_NAME) < 0)
        return -1;
    if (value_is(&t, "query"))
        *op = GQL_OPERATION_QUERY;
    else if (value_is(&t, "mutation"))
        *op = GQL_OPERATION_MUTATION;
    else if (value_is(&t, "subscription"))
        *op = GQL_OPERATION_SUBSCRIPTION;
    else
        return unexpected(p, &t);
    return 0;
}

static gql_ast_variable_definition_t *parse_variable_definition(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_variable_definition_t *vd = NEW(gql_ast_variable_definition_t);
    if (!vd || parse_description(p, &vd->description) < 0 || !(vd->variable = parse_variable(p)) ||
        expect(p, GQL_TOK_COLON) < 0 || !(vd->type = parse_type_reference(p)))
        return NULL;
    vd->loc = loc_of(&start);
    int r = expect_optional(p, GQL_TOK_EQUALS);
    if (r < 0 || (r && !(vd->default_value = parse_value(p, true))))
        return NULL;
    if (parse_directives(p, true, &vd->directives, &vd->ndirectives) < 0)
        return NULL;
    finish(p, &vd->loc);
    return vd;
}

static int parse_operation(parser_t *p, gql_ast_definition_t *d)
{
    d->kind = GQL_DEF_OPERATION;
    if (peek(p, GQL_TOK_BRACE_L)) {
        d->operation = GQL_OPERATION_QUERY;
        d->shorthand = true;
        return (d->selection_set = parse_selection_set(p)) ? 0 : -1;
    }
    if (parse_description(p, &d->description) < 0 || parse_operation_type(p, &d->operation) < 0)
        return -1;
    if (peek(p, GQL_TOK_NAME) && parse_name(p, &d->name) < 0)
        return -1;
    int r = expect_optional(p, GQL_TOK_PAREN_L);
    if (r < 0)
        return -1;
    if (r) {
        gql_ast_variable_definition_t *tail = NULL;
        do {
            gql_ast_variable_definition_t *vd = parse_variable_definition(p);
            if (!vd)
                return -1;
            APPEND(d->variable_definitions, tail, vd);
            d->nvariable_definitions++;
        } while ((r = expect_optional(p, GQL_TOK_PAREN_R)) == 0);
        if (r < 0)
            return -1;
    }
    if (parse_directives(p, false, &d->directives, &d->ndirectives) < 0)
        return -1;
    return (d->selection_set = parse_selection_set(p)) ? 0 : -1;
}

static int parse_fragment_definition(parser_t *p, gql_ast_definition_t *d)
{
    d->kind = GQL_DEF_FRAGMENT;
    if (parse_description(p, &d->description) < 0 || expect_keyword(p, "fragment") < 0)
        return -1;
    if (value_is(TOK, "on"))
        return unexpected(p, NULL);
    if (parse_name(p, &d->name) < 0 || expect_keyword(p, "on") < 0 || !(d->type_condition = parse_named_type(p)) ||
        parse_directives(p, false, &d->directives, &d->ndirectives) < 0 || !(d->selection_set = parse_selection_set(p)))
        return -1;
    return 0;
}

static int parse_operation_types(parser_t *p, gql_ast_definition_t *d, bool optional)
{
    int r = optional ? expect_optional(p, GQL_TOK_BRACE_L) : (expect(p, GQL_TOK_BRACE_L) < 0 ? -1 : 1);
    if (r <= 0)
        return r;
    gql_ast_operation_type_def_t *tail = NULL;
    do {
        gql_token_t start = *TOK;
        gql_ast_operation_type_def_t *o = NEW(gql_ast_operation_type_def_t);
        if (!o || parse_operation_type(p, &o->operation) < 0 || expect(p, GQL_TOK_COLON) < 0 ||
            !(o->type = parse_named_type(p)))
            return -1;
        o->loc = loc_of(&start);
        finish(p, &o->loc);
        APPEND(d->operation_types, tail, o);
        d->noperation_types++;
    } while ((r = expect_optional(p, GQL_TOK_BRACE_R)) == 0);
    return r < 0 ? -1 : 0;
}

/* delimitedMany(delim, parseNamedType) after `implements` or `=`. */
static int parse_named_types(parser_t *p, gql_token_kind_t delim, gql_ast_type_t **head, int *count)
{
    if (expect_optional(p, delim) < 0)
        return -1;
    gql_ast_type_t *tail = NULL;
    int r;
    do {
        gql_ast_type_t *t = parse_named_type(p);
        if (!t)
            return -1;
        APPEND(*head, tail, t);
        (*count)++;
    } while ((r = expect_optional(p, delim)) == 1);
    return r < 0 ? -1 : 0;
}

static int parse_implements(parser_t *p, gql_ast_definition_t *d)
{
    int r = expect_optional_keyword(p, "implements");
    if (r <= 0)
        return r;
    return parse_named_types(p, GQL_TOK_AMP, &d->interfaces, &d->ninterfaces);
}

static gql_ast_input_value_def_t *parse_input_value_def(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_input_value_def_t *iv = NEW(gql_ast_input_value_def_t);
    if (!iv || parse_description(p, &iv->description) < 0 || parse_name(p, &iv->name) < 0 ||
        expect(p, GQL_TOK_COLON) < 0 || !(iv->type = parse_type_reference(p)))
        return NULL;
    iv->loc = loc_of(&start);
    int r = expect_optional(p, GQL_TOK_EQUALS);
    if (r < 0 || (r && !(iv->default_value = parse_value(p, true))))
        return NULL;
    if (parse_directives(p, true, &iv->directives, &iv->ndirectives) < 0)
        return NULL;
    finish(p, &iv->loc);
    return iv;
}

/* optionalMany(open, InputValueDefinition, close). */
static int parse_input_value_defs(parser_t *p, gql_token_kind_t open, gql_token_kind_t close,
                                  gql_ast_input_value_def_t **head, int *count)
{
    int r = expect_optional(p, open);
    if (r <= 0)
        return r;
    gql_ast_input_value_def_t *tail = NULL;
    do {
        gql_ast_input_value_def_t *iv = parse_input_value_def(p);
        if (!iv)
            return -1;
        APPEND(*head, tail, iv);
        (*count)++;
    } while ((r = expect_optional(p, close)) == 0);
    return r < 0 ? -1 : 0;
}

static int parse_fields_definition(parser_t *p, gql_ast_definition_t *d)
{
    int r = expect_optional(p, GQL_TOK_BRACE_L);
    if (r <= 0)
        return r;
    gql_ast_field_def_t *tail = NULL;
    do {
        gql_token_t start = *TOK;
        gql_ast_field_def_t *f = NEW(gql_ast_field_def_t);
        if (!f || parse_description(p, &f->description) < 0 || parse_name(p, &f->name) < 0 ||
            parse_input_value_defs(p, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &f->arguments, &f->nargs) < 0 ||
            expect(p, GQL_TOK_COLON) < 0 || !(f->type = parse_type_reference(p)) ||
            parse_directives(p, true, &f->directives, &f->ndirectives) < 0)
            return -1;
        f->loc = loc_of(&start);
        finish(p, &f->loc);
        APPEND(d->fields, tail, f);
        d->nfields++;
    } while ((r = expect_optional(p, GQL_TOK_BRACE_R)) == 0);
    return r < 0 ? -1 : 0;
}

static int parse_enum_values(parser_t *p, gql_ast_definition_t *d)
{
    int r = expect_optional(p, GQL_TOK_BRACE_L);
    if (r <= 0)
        return r;
    gql_ast_enum_value_def_t *tail = NULL;
    do {
        gql_token_t start = *TOK;
        gql_ast_enum_value_def_t *e = NEW(gql_ast_enum_value_def_t);
        if (!e || parse_description(p, &e->description) < 0)
            return -1;
        if (value_is(TOK, "true") || value_is(TOK, "false") || value_is(TOK, "null")) {
            char desc[800];
            token_desc(TOK, desc, sizeof desc);
            return error_at(p, TOK->start, GQL_PARSE_SYNTAX, "%s is reserved and cannot be used for an enum value.",
                            desc);
        }
        if (parse_name(p, &e->name) < 0 || parse_directives(p, true, &e->directives, &e->ndirectives) < 0)
            return -1;
        e->loc = loc_of(&start);
        finish(p, &e->loc);
        APPEND(d->values, tail, e);
        d->nvalues++;
    } while ((r = expect_optional(p, GQL_TOK_BRACE_R)) == 0);
    return r < 0 ? -1 : 0;
}

static const char *const directive_locations[] = {
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

static int parse_directive_definition(parser_t *p, gql_ast_definition_t *d)
{
    d->kind = GQL_DEF_DIRECTIVE;
    if (parse_description(p, &d->description) < 0 || expect_keyword(p, "directive") < 0 || expect(p, GQL_TOK_AT) < 0 ||
        parse_name(p, &d->name) < 0 ||
        parse_input_value_defs(p, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &d->arguments, &d->nargs) < 0)
        return -1;
    int r = expect_optional_keyword(p, "repeatable");
    if (r < 0)
        return -1;
    d->repeatable = r == 1;
    if (expect_keyword(p, "on") < 0 || expect_optional(p, GQL_TOK_PIPE) < 0)
        return -1;
    /* Locations are few; collect them in a small growable array then copy into the arena. */
    gql_ast_name_t buf[32];
    gql_ast_name_t *names = buf;
    int n = 0, cap = 32, rc = -1;
    do {
        gql_token_t start = *TOK;
        gql_ast_name_t nm;
        if (parse_name(p, &nm) < 0)
            goto fail;
        bool known = false;
        for (size_t i = 0; i < sizeof directive_locations / sizeof *directive_locations; i++)
            if (strcmp(directive_locations[i], nm.value) == 0)
                known = true;
        if (!known) {
            unexpected(p, &start);
            goto fail;
        }
        if (n == cap) {
            gql_ast_name_t *bigger = gql_arena_alloc(p->arena, sizeof *bigger * (size_t)cap * 2);
            if (!bigger) {
                oom(p);
                goto fail;
            }
            memcpy(bigger, names, sizeof *names * (size_t)n);
            names = bigger;
            cap *= 2;
        }
        names[n++] = nm;
    } while ((r = expect_optional(p, GQL_TOK_PIPE)) == 1);
    if (r < 0)
        goto fail;
    d->locations = gql_arena_alloc(p->arena, sizeof *names * (size_t)n);
    if (!d->locations) {
        oom(p);
        goto fail;
    }
    memcpy(d->locations, names, sizeof *names * (size_t)n);
    d->nlocations = n;
    rc = 0;
fail:
    return rc;
}

/* Type-system definitions and extensions share one body per kind; `ext` selects the rules. */
static int parse_type_system(parser_t *p, gql_ast_definition_t *d, const char *kw, bool ext)
{
    if (!ext && parse_description(p, &d->description) < 0)
        return -1;
    if (ext && (expect_keyword(p, "extend") < 0))
        return -1;
    d->is_extension = ext;
    if (expect_keyword(p, kw) < 0)
        return -1;
    if (strcmp(kw, "schema") == 0) {
        d->kind = GQL_DEF_SCHEMA;
        if (parse_directives(p, true, &d->directives, &d->ndirectives) < 0 || parse_operation_types(p, d, ext) < 0)
            return -1;
        if (ext && d->ndirectives == 0 && d->noperation_types == 0)
            return unexpected(p, NULL);
        return 0;
    }
    if (parse_name(p, &d->name) < 0)
        return -1;
    if (strcmp(kw, "scalar") == 0) {
        d->kind = GQL_DEF_SCALAR;
        if (parse_directives(p, true, &d->directives, &d->ndirectives) < 0)
            return -1;
        if (ext && d->ndirectives == 0)
            return unexpected(p, NULL);
    } else if (strcmp(kw, "type") == 0 || strcmp(kw, "interface") == 0) {
        d->kind = kw[0] == 't' ? GQL_DEF_OBJECT : GQL_DEF_INTERFACE;
        if (parse_implements(p, d) < 0 || parse_directives(p, true, &d->directives, &d->ndirectives) < 0 ||
            parse_fields_definition(p, d) < 0)
            return -1;
        if (ext && d->ninterfaces == 0 && d->ndirectives == 0 && d->nfields == 0)
            return unexpected(p, NULL);
    } else if (strcmp(kw, "union") == 0) {
        d->kind = GQL_DEF_UNION;
        if (parse_directives(p, true, &d->directives, &d->ndirectives) < 0)
            return -1;
        int r = expect_optional(p, GQL_TOK_EQUALS);
        if (r < 0 || (r && parse_named_types(p, GQL_TOK_PIPE, &d->types, &d->ntypes) < 0))
            return -1;
        if (ext && d->ndirectives == 0 && d->ntypes == 0)
            return unexpected(p, NULL);
    } else if (strcmp(kw, "enum") == 0) {
        d->kind = GQL_DEF_ENUM;
        if (parse_directives(p, true, &d->directives, &d->ndirectives) < 0 || parse_enum_values(p, d) < 0)
            return -1;
        if (ext && d->ndirectives == 0 && d->nvalues == 0)
            return unexpected(p, NULL);
    } else { /* input */
        d->kind = GQL_DEF_INPUT_OBJECT;
        if (parse_directives(p, true, &d->directives, &d->ndirectives) < 0 ||
            parse_input_value_defs(p, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, &d->input_fields, &d->ninput_fields) < 0)
            return -1;
        if (ext && d->ndirectives == 0 && d->ninput_fields == 0)
            return unexpected(p, NULL);
    }
    return 0;
}

static const char *const type_keywords[] = {"schema", "scalar", "type", "interface", "union", "enum", "input"};

static const char *type_keyword(const gql_token_t *t)
{
    for (size_t i = 0; i < sizeof type_keywords / sizeof *type_keywords; i++)
        if (is_keyword(t, type_keywords[i]))
            return type_keywords[i];
    return NULL;
}

static gql_ast_definition_t *parse_definition(parser_t *p)
{
    gql_token_t start = *TOK;
    gql_ast_definition_t *d = NEW(gql_ast_definition_t);
    if (!d)
        return NULL;
    d->loc = loc_of(&start);
    int rc;
    if (peek(p, GQL_TOK_BRACE_L)) {
        rc = parse_operation(p, d);
        goto done;
    }
    bool has_desc = peek(p, GQL_TOK_STRING) || peek(p, GQL_TOK_BLOCK_STRING);
    const gql_token_t *kw_tok = TOK;
    if (has_desc && !(kw_tok = gql_lexer_lookahead(&p->lx))) {
        p->rc = p->lx.rc;
        return NULL;
    }
    gql_token_t kw = *kw_tok;
    if (has_desc && kw.kind == GQL_TOK_BRACE_L) {
        error_at(p, TOK->start, GQL_PARSE_SYNTAX,
                 "Unexpected description, descriptions are not supported on shorthand queries.");
        return NULL;
    }
    if (kw.kind == GQL_TOK_NAME) {
        const char *tk = type_keyword(&kw);
        if (tk) {
            rc = parse_type_system(p, d, tk, false);
            goto done;
        }
        if (is_keyword(&kw, "directive")) {
            rc = parse_directive_definition(p, d);
            goto done;
        }
        if (is_keyword(&kw, "query") || is_keyword(&kw, "mutation") || is_keyword(&kw, "subscription")) {
            rc = parse_operation(p, d);
            goto done;
        }
        if (is_keyword(&kw, "fragment")) {
            rc = parse_fragment_definition(p, d);
            goto done;
        }
        if (has_desc) {
            error_at(p, TOK->start, GQL_PARSE_SYNTAX,
                     "Unexpected description, only GraphQL definitions support descriptions.");
            return NULL;
        }
        if (is_keyword(&kw, "extend")) {
            const gql_token_t *next = gql_lexer_lookahead(&p->lx);
            if (!next) {
                p->rc = p->lx.rc;
                return NULL;
            }
            const char *ek = next->kind == GQL_TOK_NAME ? type_keyword(next) : NULL;
            if (!ek) {
                gql_token_t n = *next;
                unexpected(p, &n);
                return NULL;
            }
            rc = parse_type_system(p, d, ek, true);
            goto done;
        }
    }
    unexpected(p, &kw);
    return NULL;
done:
    if (rc < 0)
        return NULL;
    finish(p, &d->loc);
    return d;
}

/* ---- entry points ------------------------------------------------------------------------- */

static void parser_init(parser_t *p, const char *src, size_t len, const gql_parse_options_t *opts, gql_arena_t *arena,
                        gql_syntax_error_t *err)
{
    memset(p, 0, sizeof *p);
    p->arena = arena;
    p->err = err;
    p->max_tokens = opts ? opts->max_tokens : 0;
    p->max_depth = opts && opts->max_depth > 0 ? opts->max_depth : GQL_PARSE_DEFAULT_DEPTH;
    gql_lexer_init(&p->lx, src, len, arena, err);
}

/* The AST takes a few times the source text; sizing the first chunk from it keeps small
 * documents (a subscription holds its own for its whole life) in one small allocation. */
static int new_document(gql_document_t **out, gql_arena_t **arena, size_t src_len)
{
    *arena = gql_arena_new_sized(src_len * 8 + 256);
    if (!*arena)
        return -1;
    *out = gql_arena_alloc(*arena, sizeof **out);
    if (!*out) {
        gql_arena_free(*arena);
        return -1;
    }
    (*out)->arena = *arena;
    return 0;
}

static void set_nomem(gql_syntax_error_t *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
        snprintf(err->message, sizeof err->message, "Out of memory");
    }
}

int gql_parse(const char *src, size_t len, const gql_parse_options_t *opts, gql_document_t **out,
              gql_syntax_error_t *err)
{
    *out = NULL;
    if (len > UINT32_MAX - 16) {
        if (err) {
            memset(err, 0, sizeof *err);
            snprintf(err->message, sizeof err->message, "Syntax Error: Document is too large.");
        }
        return GQL_PARSE_TOO_MANY_TOKENS;
    }
    gql_arena_t *arena;
    gql_document_t *doc;
    if (new_document(&doc, &arena, src ? len : 0) < 0) {
        set_nomem(err);
        return GQL_PARSE_NOMEM;
    }
    parser_t p;
    parser_init(&p, src ? src : "", src ? len : 0, opts, arena, err);
    doc->loc = loc_of(&p.lx.token);
    gql_ast_definition_t *tail = NULL;
    if (expect(&p, GQL_TOK_SOF) < 0)
        goto fail;
    do {
        gql_ast_definition_t *d = parse_definition(&p);
        if (!d)
            goto fail;
        APPEND(doc->definitions, tail, d);
        doc->count++;
    } while (!peek(&p, GQL_TOK_EOF));
    doc->loc.end = (uint32_t)p.lx.len;
    doc->ntokens = p.ntokens;
    doc->longest_list = p.longest_list;
    gql_lexer_dispose(&p.lx);
    *out = doc;
    return GQL_PARSE_OK;
fail:
    gql_lexer_dispose(&p.lx);
    gql_arena_free(arena);
    return p.rc ? p.rc : GQL_PARSE_SYNTAX;
}

int gql_parse_value(const char *src, size_t len, bool const_only, gql_document_t **holder, gql_ast_value_t **out,
                    gql_syntax_error_t *err)
{
    *holder = NULL;
    *out = NULL;
    gql_arena_t *arena;
    gql_document_t *doc;
    if (len > UINT32_MAX - 16 || new_document(&doc, &arena, src ? len : 0) < 0) {
        set_nomem(err);
        return GQL_PARSE_NOMEM;
    }
    parser_t p;
    parser_init(&p, src ? src : "", src ? len : 0, NULL, arena, err);
    gql_ast_value_t *v;
    if (expect(&p, GQL_TOK_SOF) < 0 || !(v = parse_value(&p, const_only)) || expect(&p, GQL_TOK_EOF) < 0)
        goto fail;
    gql_lexer_dispose(&p.lx);
    *holder = doc;
    *out = v;
    return GQL_PARSE_OK;
fail:
    gql_lexer_dispose(&p.lx);
    gql_arena_free(arena);
    return p.rc ? p.rc : GQL_PARSE_SYNTAX;
}

void gql_document_free(gql_document_t *doc)
{
    if (doc)
        gql_arena_free(doc->arena);
}

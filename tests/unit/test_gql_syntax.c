/* Lexer/parser/printer tests: every syntax form and malformed input, checked against what
 * graphql-js 16.15 parse()+print() gives for the same text (table below was produced by it),
 * plus AST shape and locations, the token and depth limits, and truncation at every offset. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "gql/syntax/gql_parser.h"
#include "rt_test.h"

/* {source, graphql-js result}: "OK <print(parse(src))>" or "ERR <message> @line:column". */
static const struct {
    const char *src;
    const char *want;
} cases[] = {
    {"{ a(x: \"\377\") }", "OK {\012  a(x: \"\357\277\275\")\012}"},
    {"\357\273\277{ a }", "OK {\012  a\012}"},
    {"\"\"\"a\012\012  b\012   \"\"\" scalar S", "OK \"\"\"\012a\012\012b\012\"\"\"\012scalar S"},
    {"query Q($a: Int = 1, $b: [String!]! = [\"x\"] @dir(a: 1)) @d { alias: f(x: $a, y: {a: [1, 2.5e3, -0.1], b: ENUM, c: null, d: true}) @include(if: $b) { ...F ... on T { x } ... @skip(if: false) { y } } }\012fragment F on T @x { z }",
     "OK query Q($a: Int = 1, $b: [String!]! = [\"x\"] @dir(a: 1)) @d {\012  alias: f(x: $a, y: {a: [1, 2.5e3, -0.1], b: ENUM, c: null, d: true}) @include(if: $b) {\012    ...F\012    ... on T {\012      x\012    }\012    ... @skip(if: false) {\012      y\012    }\012  }\012}\012\012fragment F on T @x {\012  z\012}"},
    {"enum E { A @deprecated B \"d\" C }", "OK enum E {\012  A @deprecated\012  B\012  \"d\"\012  C\012}"},
    {"input In { a: Int = 1, b: String! @d }", "OK input In {\012  a: Int = 1\012  b: String! @d\012}"},
    {"directive @d(a: Int) repeatable on FIELD | QUERY", "OK directive @d(a: Int) repeatable on FIELD | QUERY"},
    {"directive @d on | FIELD_DEFINITION", "OK directive @d on FIELD_DEFINITION"},
    {"extend schema @d", "OK extend schema @d"},
    {"extend scalar S @d", "OK extend scalar S @d"},
    {"extend type T implements I", "OK extend type T implements I"},
    {"extend interface I @d", "OK extend interface I @d"},
    {"extend union U = C", "OK extend union U = C"},
    {"extend enum E { D }", "OK extend enum E {\012  D\012}"},
    {"mutation { a }", "OK mutation {\012  a\012}"},
    {"extend input In { c: Int }", "OK extend input In {\012  c: Int\012}"},
    {"{ a(s: \"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u{1F600} \\uD83D\\uDE00\") }",
     "OK {\012  a(s: \"esc \\\" \\\\ / \\b \\f \\n \\r \\t \303\251 \360\237\230\200 \360\237\230\200\")\012}"},
    {"{ a(s: \"\"\"  x\012    y\012      z\012  \"\"\") }",
     "OK {\012  a(s: \"\"\"\012    x\012  y\012    z\012  \"\"\")\012}"},
    {"{ a(s: \"unterminated) }", "ERR Syntax Error: Unterminated string. @1:24"},
    {"{ a(s: \"bad \\x\") }", "ERR Syntax Error: Invalid character escape sequence: \"\\x\". @1:13"},
    {"{ a(s: \"\\uD800\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\uD800\". @1:9"},
    {"{ a(s: \"\\u{110000}\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\u{110000}\". @1:9"},
    {"{ a(s: \"\\u{}\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\u{}\". @1:9"},
    {"{ a(s: \"\\u12\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\u12\")\". @1:9"},
    {"{ a(x: 01) }", "ERR Syntax Error: Invalid number, unexpected digit after 0: \"1\". @1:9"},
    {"subscription S { a }", "OK subscription S {\012  a\012}"},
    {"{ a(x: 1.) }", "ERR Syntax Error: Invalid number, expected digit but got: \")\". @1:10"},
    {"{ a(x: 1e) }", "ERR Syntax Error: Invalid number, expected digit but got: \")\". @1:10"},
    {"{ a(x: 1.5a) }", "ERR Syntax Error: Invalid number, expected digit but got: \"a\". @1:11"},
    {"{ a(x: -) }", "ERR Syntax Error: Invalid number, expected digit but got: \")\". @1:9"},
    {"{ a(x: 0x1) }", "ERR Syntax Error: Invalid number, expected digit but got: \"x\". @1:9"},
    {"{ a(x: 'x') }",
     "ERR Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")? @1:8"},
    {"{ a(x: ~) }", "ERR Syntax Error: Unexpected character: \"~\". @1:8"},
    {"{ a(x: .5) }", "ERR Syntax Error: Unexpected character: \".\". @1:8"},
    {"", "ERR Syntax Error: Unexpected <EOF>. @1:1"},
    {"   # only comment", "ERR Syntax Error: Unexpected <EOF>. @1:18"},
    {"\"desc\" query Q { a }", "OK \"desc\"\012query Q {\012  a\012}"},
    {"{", "ERR Syntax Error: Expected Name, found <EOF>. @1:2"},
    {"{ }", "ERR Syntax Error: Expected Name, found \"}\". @1:3"},
    {"query", "ERR Syntax Error: Expected \"{\", found <EOF>. @1:6"},
    {"query Q($a: Int = $b) { a }", "ERR Syntax Error: Unexpected variable \"$b\" in constant value. @1:19"},
    {"query Q($a) { a }", "ERR Syntax Error: Expected \":\", found \")\". @1:11"},
    {"fragment on on T { a }", "ERR Syntax Error: Unexpected Name \"on\". @1:10"},
    {"fragment F T { a }", "ERR Syntax Error: Expected \"on\", found Name \"T\". @1:12"},
    {"\"d\" extend type T @d",
     "ERR Syntax Error: Unexpected description, only GraphQL definitions support descriptions. @1:1"},
    {"\"d\" { a }",
     "ERR Syntax Error: Unexpected description, descriptions are not supported on shorthand queries. @1:1"},
    {"extend foo", "ERR Syntax Error: Unexpected Name \"foo\". @1:8"},
    {"\"\"\"block\012   desc\"\"\" type T implements A & B @d(a: \"x\") { \"f\" f(\"arg\" a: Int = 1 @deprecated, b: [I!]): String! @deprecated(reason: \"no\") g: [[Int]!] }",
     "OK \"\"\"\012block\012desc\012\"\"\"\012type T implements A & B @d(a: \"x\") {\012  \"f\"\012  f(\012    \"arg\"\012    a: Int = 1 @deprecated\012    b: [I!]\012  ): String! @deprecated(reason: \"no\")\012  g: [[Int]!]\012}"},
    {"extend type T", "ERR Syntax Error: Unexpected <EOF>. @1:14"},
    {"enum E { true }", "ERR Syntax Error: Name \"true\" is reserved and cannot be used for an enum value. @1:10"},
    {"enum E { \"d\" null }",
     "ERR Syntax Error: Name \"null\" is reserved and cannot be used for an enum value. @1:14"},
    {"directive @d on FOO", "ERR Syntax Error: Unexpected Name \"FOO\". @1:17"},
    {"type T { a(): Int }", "ERR Syntax Error: Expected Name, found \")\". @1:12"},
    {"{ a(b: [1 2 3], c: {x: 1 y: 2}) }", "OK {\012  a(b: [1, 2, 3], c: {x: 1, y: 2})\012}"},
    {"{ ...on }", "ERR Syntax Error: Expected Name, found \"}\". @1:9"},
    {"{ ... on T }", "ERR Syntax Error: Expected \"{\", found \"}\". @1:12"},
    {"query Q @ { a }", "ERR Syntax Error: Expected Name, found \"{\". @1:11"},
    {"type T { \"\"\"\012 a\012  b\012\"\"\"\012f: Int }",
     "OK type T {\012  \"\"\"\012  a\012   b\012  \"\"\"\012  f: Int\012}"},
    {"schema @d { query: Q mutation: M subscription: S }",
     "OK schema @d {\012  query: Q\012  mutation: M\012  subscription: S\012}"},
    {"{ a(x: \"\"\"a\"\"\\\"\"\"b\"\"\") }", "OK {\012  a(x: \"\"\"a\\\"\"\"\"\"b\"\"\")\012}"},
    {"{ a(x: \"\"\"  \"\"\") }", "OK {\012  a(x: \"\"\"\"\"\")\012}"},
    {"{ a(x: \"\303\251 \303\274 \360\237\230\200\") b }",
     "OK {\012  a(x: \"\303\251 \303\274 \360\237\230\200\")\012  b\012}"},
    {"query \303\251 { a }", "ERR Syntax Error: Unexpected character: U+00E9. @1:7"},
    {"{ a(x: 1) \303\251 }", "ERR Syntax Error: Unexpected character: U+00E9. @1:11"},
    {"\011{ a, b,, c }", "OK {\012  a\012  b\012  c\012}"},
    {"{ a(x: [[[]]], y: {}) }", "OK {\012  a(x: [[[]]], y: {})\012}"},
    {"query($v: Int) { a }", "OK query ($v: Int) {\012  a\012}"},
    {"query Q(\"d\" $v: Int, $w: String) { a }", "OK query Q(\012\"d\"\012$v: Int\012$w: String\012) {\012  a\012}"},
    {"{ verylongfieldname(argumentnumberone: \"aaaaaaaaaaaaaaaaa\", argumentnumbertwo: \"bbbbbbbbbbbbbbbbbbbbbbb\") { x } }",
     "OK {\012  verylongfieldname(\012    argumentnumberone: \"aaaaaaaaaaaaaaaaa\"\012    argumentnumbertwo: \"bbbbbbbbbbbbbbbbbbbbbbb\"\012  ) {\012    x\012  }\012}"},
    {"scalar Date @specifiedBy(url: \"https://x\")", "OK scalar Date @specifiedBy(url: \"https://x\")"},
    {"{ a(x: \"\\u007f\\u0080\\u009f\\u00a0\") }", "OK {\012  a(x: \"\\u007F\\u0080\\u009F\302\240\")\012}"},
    {"{ a(x: \"\"\" \\\"\"\" \"\"\") }", "OK {\012  a(x: \"\"\" \\\"\"\" \"\"\")\012}"},
    {"type Q { a: Int } extend schema { query: Q }",
     "OK type Q {\012  a: Int\012}\012\012extend schema {\012  query: Q\012}"},
    {"{ a } { b }", "OK {\012  a\012}\012\012{\012  b\012}"},
    {"query { a } ,", "OK {\012  a\012}"},
    {"interface I implements J & K { a: Int }", "OK interface I implements J & K {\012  a: Int\012}"},
    {"union U @d = | A | B", "OK union U @d = A | B"},
    {"{ a\015\012 b\015 c }", "OK {\012  a\012  b\012  c\012}"},
    {"{ a(x: \"\"\"line1\015\012  line2\015  line3\"\"\") b }\012\012   x",
     "ERR Syntax Error: Unexpected Name \"x\". @5:4"},
    {"{ a(x: \"a\001b\") }", "OK {\012  a(x: \"a\\u0001b\")\012}"},
    {"{ a(x: 1) \001 }", "ERR Syntax Error: Unexpected character: U+0001. @1:11"},
    {"query Q($x: Int = 1 @d(y: $z)) { a }", "ERR Syntax Error: Unexpected variable \"$z\" in constant value. @1:27"},
    {"{ a(x: \"\360\237\230\200\303\251\") ~ }", "ERR Syntax Error: Unexpected character: \"~\". @1:15"},
    {"{ a(x: \"\355\240\200\") }", "OK {\012  a(x: \"\357\277\275\357\277\275\357\277\275\")\012}"},
    {"{ a(x: \"\355\240\275\355\270\200\") }",
     "OK {\012  a(x: \"\357\277\275\357\277\275\357\277\275\357\277\275\357\277\275\357\277\275\")\012}"},
    {"{ a(x: \"\\u{0000FFFF}\", y: \"\\u{00000041}\") }", "OK {\012  a(x: \"\357\277\277\", y: \"A\")\012}"},
    {"{ a(x: \"\\u{FFFFFFFF}\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\u{FFFFFFFF\". @1:9"},
    {"{ a(x: \"\\u{41\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\u{41\"\". @1:9"},
    {"{ a(x: \"\\uDBFF\\u0041\") }", "ERR Syntax Error: Invalid Unicode escape sequence: \"\\uDBFF\". @1:9"},
    {"{ a(x: \"\342\202\") b(y: \"\360\237\230\") ~ }", "ERR Syntax Error: Unexpected character: \"~\". @1:23"},
};

static char *outcome(const char *src, size_t len, const gql_parse_options_t *opts)
{
    gql_document_t *doc;
    gql_syntax_error_t err;
    rt_buf_t b = RT_BUF_INIT;
    int rc = gql_parse(src, len, opts, &doc, &err);
    if (rc == GQL_PARSE_OK) {
        rt_buf_puts(&b, "OK ");
        gql_print_document(&b, doc);
        gql_document_free(doc);
    } else {
        rt_buf_printf(&b, "ERR %s @%u:%u", err.message, err.loc.line, err.loc.column);
    }
    rt_buf_cstr(&b);
    return rt_buf_steal(&b, NULL);
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = outcome(cases[i].src, strlen(cases[i].src), NULL);
        CHECK_STR(got, cases[i].want);
        free(got);
    }
}

/* tests/unit/data/gql_syntax_cases.json: 600 documents (seed corpus and seeded mutations of it)
 * with graphql-js's "OK <tokenCount>\n<print>" or "ERR <message> @line:col" for each. */
static void test_graphql_js_cases(void)
{
    json_object *cases_json = json_object_from_file("tests/unit/data/gql_syntax_cases.json");
    CHECK(cases_json != NULL && json_object_array_length(cases_json) >= 600);
    if (!cases_json)
        return;
    int mismatches = 0;
    for (size_t i = 0; i < json_object_array_length(cases_json); i++) {
        json_object *c = json_object_array_get_idx(cases_json, i), *src, *want;
        if (!json_object_object_get_ex(c, "src", &src) || !json_object_object_get_ex(c, "want", &want)) {
            CHECK(!"malformed case");
            continue;
        }
        gql_document_t *doc;
        gql_syntax_error_t err;
        rt_buf_t b = RT_BUF_INIT;
        if (gql_parse(json_object_get_string(src), (size_t)json_object_get_string_len(src), NULL, &doc, &err) == 0) {
            rt_buf_printf(&b, "OK %d\n", doc->ntokens);
            gql_print_document(&b, doc);
            gql_document_free(doc);
        } else {
            rt_buf_printf(&b, "ERR %s @%u:%u", err.message, err.loc.line, err.loc.column);
        }
        if (strcmp(rt_buf_cstr(&b), json_object_get_string(want)) != 0 && mismatches++ < 5)
            fprintf(stderr, "case %zu:\n  src:  %s\n  got:  %s\n  want: %s\n", i, json_object_get_string(src), b.data,
                    json_object_get_string(want));
        rt_buf_free(&b);
    }
    CHECK(mismatches == 0);
    json_object_put(cases_json);
}

static const char *sample =
    "\"\"\"Doc\"\"\" type Query implements Node & Other @d(a: [1, 2.5, \"s\", {k: V}]) {\n"
    "  \"f\" f(a: Int = 1 @deprecated, b: [String!]! = [\"x\"]): [T!]! @deprecated(reason: \"r\")\n"
    "}\n"
    "extend union U = A | B\n"
    "directive @d(a: [Int]) repeatable on FIELD | QUERY\n"
    "query Q($v: Int = 3, $w: In = {a: null, b: true}) @x {\n"
    "  alias: field(arg: $v, s: \"\\u00e9\\uD83D\\uDE00\", t: \"\"\"\n    block\n  \"\"\") { ...F ... on T { x } ... @skip(if: $w) { y } }\n"
    "}\n"
    "fragment F on T { z }\n";

static void test_ast_shape(void)
{
    gql_document_t *doc = NULL;
    gql_syntax_error_t err;
    int rc = gql_parse(sample, strlen(sample), NULL, &doc, &err);
    CHECK(rc == GQL_PARSE_OK);
    if (rc != GQL_PARSE_OK) {
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    CHECK(doc->count == 5);
    const gql_ast_definition_t *t = doc->definitions;
    CHECK(t->kind == GQL_DEF_OBJECT && !t->is_extension);
    CHECK_STR(t->name.value, "Query");
    CHECK(t->description && t->description->block);
    CHECK_STR(t->description->str, "Doc");
    CHECK(t->ninterfaces == 2);
    CHECK_STR(t->interfaces->next->name.value, "Other");
    CHECK(t->ndirectives == 1 && t->directives->nargs == 1);
    const gql_ast_value_t *list = t->directives->arguments->value;
    CHECK(list->kind == GQL_VAL_LIST && list->count == 4);
    CHECK(list->items->kind == GQL_VAL_INT && strcmp(list->items->str, "1") == 0);
    CHECK(list->items->next->kind == GQL_VAL_FLOAT);
    CHECK(list->items->next->next->kind == GQL_VAL_STRING && !list->items->next->next->block);
    const gql_ast_value_t *obj = list->items->next->next->next;
    CHECK(obj->kind == GQL_VAL_OBJECT && obj->count == 1 && obj->fields->value->kind == GQL_VAL_ENUM);
    CHECK(t->nfields == 1);
    const gql_ast_field_def_t *f = t->fields;
    CHECK(f->loc.line == 2 && f->loc.column == 3);
    CHECK(f->nargs == 2 && f->arguments->default_value && f->arguments->ndirectives == 1);
    CHECK(f->type->kind == GQL_TYPE_NON_NULL && f->type->of->kind == GQL_TYPE_LIST &&
          f->type->of->of->kind == GQL_TYPE_NON_NULL && f->type->of->of->of->kind == GQL_TYPE_NAMED);
    rt_buf_t b = RT_BUF_INIT;
    gql_print_type(&b, f->arguments->next->type);
    CHECK_STR(rt_buf_cstr(&b), "[String!]!");
    rt_buf_reset(&b);

    const gql_ast_definition_t *u = t->next;
    CHECK(u->kind == GQL_DEF_UNION && u->is_extension && u->ntypes == 2);
    const gql_ast_definition_t *dd = u->next;
    CHECK(dd->kind == GQL_DEF_DIRECTIVE && dd->repeatable && dd->nlocations == 2);
    CHECK_STR(dd->locations[1].value, "QUERY");

    const gql_ast_definition_t *q = dd->next;
    CHECK(q->kind == GQL_DEF_OPERATION && q->operation == GQL_OPERATION_QUERY && !q->shorthand);
    CHECK_STR(q->name.value, "Q");
    CHECK(q->nvariable_definitions == 2);
    CHECK_STR(q->variable_definitions->variable->str, "v");
    CHECK(q->variable_definitions->loc.line == 6 && q->variable_definitions->loc.column == 9);
    gql_print_value(&b, q->variable_definitions->next->default_value);
    CHECK_STR(rt_buf_cstr(&b), "{a: null, b: true}");
    rt_buf_reset(&b);
    const gql_ast_selection_t *s = q->selection_set->selections;
    CHECK(s->kind == GQL_SEL_FIELD && s->nargs == 3);
    CHECK_STR(s->alias.value, "alias");
    CHECK_STR(s->name.value, "field");
    CHECK(s->loc.line == 7 && s->loc.column == 3 && s->name.loc.column == 10);
    const gql_ast_argument_t *a = s->arguments;
    CHECK(a->value->kind == GQL_VAL_VARIABLE && strcmp(a->value->str, "v") == 0);
    CHECK_STR(a->next->value->str, "\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(a->next->next->value->block);
    CHECK_STR(a->next->next->value->str, "block");
    CHECK(s->selection_set->count == 3);
    const gql_ast_selection_t *sp = s->selection_set->selections;
    CHECK(sp->kind == GQL_SEL_FRAGMENT_SPREAD && strcmp(sp->name.value, "F") == 0);
    CHECK(sp->next->kind == GQL_SEL_INLINE_FRAGMENT && sp->next->type_condition);
    CHECK(sp->next->next->kind == GQL_SEL_INLINE_FRAGMENT && !sp->next->next->type_condition &&
          sp->next->next->ndirectives == 1);
    /* The node spans its source text exactly. */
    CHECK(memcmp(sample + s->loc.offset, "alias:", 6) == 0 && sample[s->loc.end - 1] == '}');
    const gql_ast_definition_t *fr = q->next;
    CHECK(fr->kind == GQL_DEF_FRAGMENT && strcmp(fr->type_condition->name.value, "T") == 0);
    CHECK(doc->ntokens > 50);
    rt_buf_free(&b);
    gql_document_free(doc);
}

static void test_strings_with_nul(void)
{
    const char src[] = "{ a(s: \"x\\u0000y\") }";
    gql_document_t *doc;
    gql_syntax_error_t err;
    CHECK(gql_parse(src, sizeof src - 1, NULL, &doc, &err) == GQL_PARSE_OK);
    const gql_ast_value_t *v = doc->definitions->selection_set->selections->arguments->value;
    CHECK(v->len == 3 && v->str[1] == '\0' && v->str[2] == 'y');
    rt_buf_t b = RT_BUF_INIT;
    gql_print_value(&b, v);
    CHECK_STR(rt_buf_cstr(&b), "\"x\\u0000y\"");
    rt_buf_free(&b);
    gql_document_free(doc);
}

static void test_limits(void)
{
    gql_document_t *doc;
    gql_syntax_error_t err;
    gql_parse_options_t o = {5, 0};
    /* "{ a b c }" is 5 tokens: at the limit is fine, one more is not. */
    CHECK(gql_parse("{ a b c }", 9, &o, &doc, &err) == GQL_PARSE_OK);
    gql_document_free(doc);
    CHECK(gql_parse("{ a b c d }", 11, &o, &doc, &err) == GQL_PARSE_TOO_MANY_TOKENS && doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document contains more that 5 tokens. Parsing aborted.");
    CHECK(err.loc.line == 1 && err.loc.column == 11);
    /* Comments are not tokens. */
    CHECK(gql_parse("{ a #x\n b c }", 13, &o, &doc, &err) == GQL_PARSE_OK);
    gql_document_free(doc);

    /* Hostile nesting: selection sets, lists, objects and list types, far past the limit. */
    size_t n = 200000;
    char *deep = malloc(n * 2 + 16);
    const char *open[] = {"{a", "[", "{a:", "["};
    const char *prefix[] = {"", "{a(x:", "{a(x:", "query($v:"};
    for (int k = 0; k < 4; k++) {
        size_t len = (size_t)sprintf(deep, "%s", prefix[k]);
        for (size_t i = 0; len + 4 < n * 2; i++)
            len += (size_t)sprintf(deep + len, "%s", open[k]);
        gql_parse_options_t od = {0, 64};
        int rc = gql_parse(deep, len, &od, &doc, &err);
        CHECK(rc == GQL_PARSE_TOO_DEEP);
        CHECK(strstr(err.message, "nesting") != NULL);
        rc = gql_parse(deep, len, NULL, &doc, &err); /* default depth: still refused, no crash */
        CHECK(rc == GQL_PARSE_TOO_DEEP);
    }
    free(deep);
    /* Nesting within the limit parses. */
    gql_parse_options_t od = {0, 4};
    CHECK(gql_parse("{a{b{c}}}", 9, &od, &doc, &err) == GQL_PARSE_OK);
    gql_document_free(doc);
    CHECK(gql_parse("{a{b{c{d{e}}}}}", 15, &od, &doc, &err) == GQL_PARSE_TOO_DEEP);
}

static void test_truncation(void)
{
    /* Every prefix of the sample either parses or fails cleanly with a located error. */
    size_t len = strlen(sample);
    int ok = 0, failed = 0;
    for (size_t i = 0; i <= len; i++) {
        char *copy = malloc(i ? i : 1); /* exact size: reading past it trips ASan */
        memcpy(copy, sample, i);
        gql_document_t *doc;
        gql_syntax_error_t err;
        int rc = gql_parse(copy, i, NULL, &doc, &err);
        if (rc == GQL_PARSE_OK) {
            ok++;
            gql_document_free(doc);
        } else {
            failed++;
            if (rc != GQL_PARSE_SYNTAX || strncmp(err.message, "Syntax Error: ", 14) != 0 || err.loc.line == 0)
                CHECK(!"truncated input gave an unexpected error");
        }
        free(copy);
    }
    CHECK(failed > 0 && ok > 0);
    /* And every byte value at every position of a short document. */
    const char *small = "{ a(x: \"s\", y: [1]) }";
    size_t sl = strlen(small);
    for (size_t i = 0; i < sl; i++) {
        for (int c = 0; c < 256; c++) {
            char buf[64];
            memcpy(buf, small, sl);
            buf[i] = (char)c;
            gql_document_t *doc;
            gql_syntax_error_t err;
            if (gql_parse(buf, sl, NULL, &doc, &err) == GQL_PARSE_OK)
                gql_document_free(doc);
        }
    }
}

static void test_parse_value_and_block(void)
{
    gql_document_t *holder;
    gql_ast_value_t *v;
    gql_syntax_error_t err;
    CHECK(gql_parse_value("[1, {a: \"b\"}]", 13, true, &holder, &v, &err) == GQL_PARSE_OK);
    CHECK(v->kind == GQL_VAL_LIST && v->count == 2);
    gql_document_free(holder);
    CHECK(gql_parse_value("$x", 2, true, &holder, &v, &err) == GQL_PARSE_SYNTAX);
    CHECK_STR(err.message, "Syntax Error: Unexpected variable \"$x\" in constant value.");
    CHECK(gql_parse_value("1 2", 3, false, &holder, &v, &err) == GQL_PARSE_SYNTAX);
    CHECK_STR(err.message, "Syntax Error: Expected <EOF>, found Int \"2\".");

    char out[64];
    const char *raw = "\n    a\n      b\n\n    c\n  ";
    size_t n = gql_block_string_value(raw, strlen(raw), out);
    CHECK(n == strlen("a\n  b\n\nc") && memcmp(out, "a\n  b\n\nc", n) == 0);

    rt_buf_t b = RT_BUF_INIT;
    gql_print_block_string(&b, "a\"", 2);
    CHECK_STR(rt_buf_cstr(&b), "\"\"\"\na\"\n\"\"\"");
    rt_buf_free(&b);
    CHECK_STR(gql_operation_name(GQL_OPERATION_SUBSCRIPTION), "subscription");
}

int main(void)
{
    test_table();
    test_graphql_js_cases();
    test_ast_shape();
    test_strings_with_nul();
    test_limits();
    test_truncation();
    test_parse_value_and_block();
    RT_TEST_MAIN_END();
}

/* Execution over JSON values (gql_exec.h): selection sets, aliases, fragments on objects,
 * interfaces and unions, variables and defaults, @skip/@include, __typename, leaf serialisation,
 * non-null propagation with graphql-js's error wording, subscription event rendering and
 * selection keys, and hostile values. Runs on a small hand-written schema table. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_exec.h"
#include "gql/gql_exec_value.h"
#include "gql/syntax/gql_parser.h"
#include "rt_test.h"

/* ---- the test schema ------------------------------------------------------------------- */

enum {
    T_STRING,
    T_INT,
    T_FLOAT,
    T_BOOLEAN,
    T_ID,
    T_JSON,
    T_ROLE,
    T_QUERY,
    T_VIEWER,
    T_ORG,
    T_NODE,
    T_BLOB,
    T_SUB,
    T_CHANGE,
    T_MUT,
    T_RESULT,
    T_FILTER,
    T_COUNT
};

#define NAMED(t)                                                                                                       \
    {                                                                                                                  \
        GQL_TR_NAMED, t, NULL                                                                                          \
    }
static const gql_typeref_t r_string = NAMED(T_STRING), r_int = NAMED(T_INT), r_float = NAMED(T_FLOAT),
                           r_bool = NAMED(T_BOOLEAN), r_id = NAMED(T_ID), r_json = NAMED(T_JSON),
                           r_role = NAMED(T_ROLE), r_viewer = NAMED(T_VIEWER), r_org = NAMED(T_ORG),
                           r_node = NAMED(T_NODE), r_blob = NAMED(T_BLOB), r_change = NAMED(T_CHANGE),
                           r_mut = NAMED(T_MUT), r_result = NAMED(T_RESULT), r_filter = NAMED(T_FILTER);
static const gql_typeref_t r_string_nn = {GQL_TR_NON_NULL, 0, &r_string}, r_id_nn = {GQL_TR_NON_NULL, 0, &r_id},
                           r_viewer_nn = {GQL_TR_NON_NULL, 0, &r_viewer}, r_org_nn = {GQL_TR_NON_NULL, 0, &r_org},
                           r_change_nn = {GQL_TR_NON_NULL, 0, &r_change}, r_mut_nn = {GQL_TR_NON_NULL, 0, &r_mut},
                           r_int_nn = {GQL_TR_NON_NULL, 0, &r_int};
static const gql_typeref_t r_org_list = {GQL_TR_LIST, 0, &r_org_nn};
static const gql_typeref_t r_org_list_nn = {GQL_TR_NON_NULL, 0, &r_org_list};
static const gql_typeref_t r_string_list = {GQL_TR_LIST, 0, &r_string};
static const gql_typeref_t r_string_nn_list = {GQL_TR_LIST, 0, &r_string_nn};
static const gql_typeref_t r_int_list = {GQL_TR_LIST, 0, &r_int};
static const gql_typeref_t r_node_list = {GQL_TR_LIST, 0, &r_node};
static const gql_typeref_t r_result_list = {GQL_TR_LIST, 0, &r_result};
static const gql_typeref_t r_mut_nn_list = {GQL_TR_LIST, 0, &r_mut_nn};
static const gql_typeref_t r_int_list_list = {GQL_TR_LIST, 0, &r_int_list};

static const gql_input_value_t a_id[] = {{"id", NULL, &r_id_nn, NULL, false, NULL}};
static const gql_input_value_t a_search[] = {{"filter", NULL, &r_filter, NULL, false, NULL},
                                             {"first", NULL, &r_int, "5", false, NULL}};
static const gql_input_value_t a_echo[] = {
    {"s", NULL, &r_string, NULL, false, NULL},      {"n", NULL, &r_int, NULL, false, NULL},
    {"f", NULL, &r_float, NULL, false, NULL},       {"list", NULL, &r_int_list, NULL, false, NULL},
    {"filter", NULL, &r_filter, NULL, false, NULL}, {"role", NULL, &r_role, "MEMBER", false, NULL},
    {"req", NULL, &r_int_nn, "7", false, NULL},     {"id", NULL, &r_id, NULL, false, NULL},
    {"any", NULL, &r_json, NULL, false, NULL},
};
static const gql_input_value_t a_blob[] = {{"id", NULL, &r_id_nn, NULL, false, NULL},
                                           {"after", NULL, &r_string, NULL, false, NULL}};
static const gql_input_value_t f_filter[] = {{"mutation_in", NULL, &r_mut_nn_list, NULL, false, NULL},
                                             {"limit", NULL, &r_int, "10", false, NULL}};

static const gql_field_t f_query[] = {
    {"viewer", NULL, &r_viewer_nn, NULL, 0, false, NULL},       {"organization", NULL, &r_org, a_id, 1, false, NULL},
    {"search", NULL, &r_result_list, a_search, 2, false, NULL}, {"echo", NULL, &r_json, a_echo, 9, false, NULL},
    {"matrix", NULL, &r_int_list_list, NULL, 0, false, NULL},
};
static const gql_field_t f_viewer[] = {
    {"kind", NULL, &r_string_nn, NULL, 0, false, NULL},
    {"id", NULL, &r_id_nn, NULL, 0, false, NULL},
    {"organizations", NULL, &r_org_list_nn, NULL, 0, false, NULL},
};
static const gql_field_t f_org[] = {
    {"id", NULL, &r_id_nn, NULL, 0, false, NULL},         {"slug", NULL, &r_string_nn, NULL, 0, false, NULL},
    {"name", NULL, &r_string, NULL, 0, false, NULL},      {"role", NULL, &r_role, NULL, 0, false, NULL},
    {"count", NULL, &r_int, NULL, 0, false, NULL},        {"ratio", NULL, &r_float, NULL, 0, false, NULL},
    {"flag", NULL, &r_bool, NULL, 0, false, NULL},        {"meta", NULL, &r_json, NULL, 0, false, NULL},
    {"tags", NULL, &r_string_list, NULL, 0, false, NULL}, {"nodes", NULL, &r_node_list, NULL, 0, false, NULL},
};
static const gql_field_t f_node[] = {{"id", NULL, &r_id_nn, NULL, 0, false, NULL}};
static const gql_field_t f_blob[] = {{"id", NULL, &r_id_nn, NULL, 0, false, NULL},
                                     {"name", NULL, &r_string, NULL, 0, false, NULL}};
static const gql_field_t f_sub[] = {{"blob", NULL, &r_change_nn, a_blob, 2, false, NULL}};
static const gql_field_t f_change[] = {
    {"mutation", NULL, &r_mut_nn, NULL, 0, false, NULL},
    {"node", NULL, &r_blob, NULL, 0, false, NULL},
    {"previousValues", NULL, &r_blob, NULL, 0, false, NULL},
    {"updatedFields", NULL, &r_string_nn_list, NULL, 0, false, NULL},
    {"cursor", NULL, &r_string_nn, NULL, 0, false, NULL},
};
static const gql_enum_value_t e_role[] = {{"OWNER", NULL, false, NULL},
                                          {"ADMIN", NULL, false, NULL},
                                          {"MEMBER", NULL, false, NULL},
                                          {"VIEWER", NULL, false, NULL}};
static const gql_enum_value_t e_mut[] = {
    {"CREATED", NULL, false, NULL}, {"UPDATED", NULL, false, NULL}, {"DELETED", NULL, false, NULL}};
static const int blob_ifaces[] = {T_NODE};
static const int node_possible[] = {T_BLOB};
static const int result_possible[] = {T_BLOB, T_ORG};

#define SCALAR(n, b)                                                                                                   \
    {                                                                                                                  \
        GQL_TK_SCALAR, n, NULL, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, b                                   \
    }
#define OBJECT(n, f, nf)                                                                                               \
    {                                                                                                                  \
        GQL_TK_OBJECT, n, NULL, NULL, f, nf, NULL, 0, NULL, 0, NULL, 0, NULL, 0, false                                 \
    }

static const gql_type_t types[T_COUNT] = {
    [T_STRING] = SCALAR("String", true),
    [T_INT] = SCALAR("Int", true),
    [T_FLOAT] = SCALAR("Float", true),
    [T_BOOLEAN] = SCALAR("Boolean", true),
    [T_ID] = SCALAR("ID", true),
    [T_JSON] = SCALAR("JSON", false),
    [T_ROLE] = {GQL_TK_ENUM, "Role", NULL, NULL, NULL, 0, NULL, 0, NULL, 0, e_role, 4, NULL, 0, false},
    [T_QUERY] = OBJECT("Query", f_query, 5),
    [T_VIEWER] = OBJECT("Viewer", f_viewer, 3),
    [T_ORG] = OBJECT("Organization", f_org, 10),
    [T_NODE] = {GQL_TK_INTERFACE, "Node", NULL, NULL, f_node, 1, NULL, 0, node_possible, 1, NULL, 0, NULL, 0, false},
    [T_BLOB] = {GQL_TK_OBJECT, "Blob", NULL, NULL, f_blob, 2, blob_ifaces, 1, NULL, 0, NULL, 0, NULL, 0, false},
    [T_SUB] = OBJECT("Subscription", f_sub, 1),
    [T_CHANGE] = OBJECT("BlobChange", f_change, 5),
    [T_MUT] = {GQL_TK_ENUM, "MutationType", NULL, NULL, NULL, 0, NULL, 0, NULL, 0, e_mut, 3, NULL, 0, false},
    [T_RESULT] = {GQL_TK_UNION, "SearchResult", NULL, NULL, NULL, 0, NULL, 0, result_possible, 2, NULL, 0, NULL, 0,
                  false},
    [T_FILTER] = {GQL_TK_INPUT_OBJECT, "ChangeFilter", NULL, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, f_filter, 2,
                  false},
};

static const gql_schema_t schema = {NULL, types, T_COUNT, T_QUERY, -1, T_SUB, NULL, 0};

/* ---- helpers ----------------------------------------------------------------------------- */

typedef struct prepared {
    gql_document_t *doc;
    gql_exec_env_t env;
    json_object *vars;
} prepared_t;

static int prepare(prepared_t *p, const char *query, const char *vars_json)
{
    memset(p, 0, sizeof *p);
    gql_syntax_error_t err;
    if (gql_parse(query, strlen(query), NULL, &p->doc, &err) != GQL_PARSE_OK) {
        fprintf(stderr, "parse failed: %s\n", err.message);
        return -1;
    }
    p->vars = vars_json ? json_tokener_parse(vars_json) : NULL;
    p->env.schema = &schema;
    p->env.doc = p->doc;
    p->env.variables = p->vars;
    for (const gql_ast_definition_t *d = p->doc->definitions; d; d = d->next)
        if (d->kind == GQL_DEF_OPERATION) {
            p->env.op = d;
            break;
        }
    return p->env.op ? 0 : -1;
}

static void release(prepared_t *p)
{
    gql_document_free(p->doc);
    if (p->vars)
        json_object_put(p->vars);
}

/* The organization the resolver returns for id "o1"; tests swap it per case. */
static const char *org_json = "{\"id\":\"o1\",\"slug\":\"acme\",\"name\":\"Acme\",\"role\":\"OWNER\",\"count\":3,"
                              "\"ratio\":0.5,\"flag\":true,\"meta\":{\"a\":[1,2,{\"b\":null}]},\"tags\":[\"x\",\"y\"],"
                              "\"nodes\":[{\"__typename\":\"Blob\",\"id\":\"b1\",\"name\":\"B\"}]}";

static int resolver_calls;

static int resolver(void *ctx, const char *field, json_object *args, json_object **value, char **error_message)
{
    (void)ctx;
    resolver_calls++;
    if (strcmp(field, "viewer") == 0) {
        *error_message = strdup("Not authenticated");
        *value = json_object_new_object();
        json_object_object_add(*value, "code", json_object_new_string("UNAUTHENTICATED"));
        return -1;
    }
    if (strcmp(field, "organization") == 0) {
        json_object *id = json_object_object_get(args, "id");
        if (id && strcmp(json_object_get_string(id), "o1") == 0)
            *value = json_tokener_parse(org_json);
        return 0;
    }
    if (strcmp(field, "search") == 0) {
        *value = json_tokener_parse("[{\"__typename\":\"Blob\",\"id\":\"b1\",\"name\":\"B\"},"
                                    "{\"__typename\":\"Organization\",\"id\":\"o1\",\"slug\":\"acme\"},"
                                    "{\"__typename\":\"Nope\"},{\"id\":\"x\"},null]");
        return 0;
    }
    if (strcmp(field, "echo") == 0) {
        *value = json_object_get(args);
        return 0;
    }
    if (strcmp(field, "matrix") == 0) {
        *value = json_tokener_parse("[[1,2],[3,\"x\"],null]");
        return 0;
    }
    return 0;
}

/* Executes and returns the compact JSON text of the result (static buffer). */
static const char *run(const char *query, const char *vars)
{
    static char text[16384];
    prepared_t p;
    if (prepare(&p, query, vars) < 0)
        return "(prepare failed)";
    json_object *r = gql_exec_execute(&p.env, resolver, NULL);
    snprintf(text, sizeof text, "%s",
             r ? json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "(null)");
    json_object_put(r);
    release(&p);
    return text;
}

/* ---- tests ------------------------------------------------------------------------------- */

/* Expected texts of valid documents are graphql-js 16's execute() output for the same schema
 * (Query, Organization, Node/Blob, SearchResult, ChangeFilter, Role as above) and resolvers. */

static void test_basic_selection(void)
{
    CHECK_STR(run("{ organization(id: \"o1\") { id slug name } }", NULL),
              "{\"data\":{\"organization\":{\"id\":\"o1\",\"slug\":\"acme\",\"name\":\"Acme\"}}}");
    /* Response keys follow the selection order, not the value's member order. */
    CHECK_STR(run("{ organization(id: \"o1\") { name id } }", NULL),
              "{\"data\":{\"organization\":{\"name\":\"Acme\",\"id\":\"o1\"}}}");
    CHECK_STR(run("{ organization(id: \"zz\") { id } }", NULL), "{\"data\":{\"organization\":null}}");
    CHECK_STR(run("{ a: organization(id: \"o1\") { n: name n2: name } b: organization(id: \"o2\") { id } }", NULL),
              "{\"data\":{\"a\":{\"n\":\"Acme\",\"n2\":\"Acme\"},\"b\":null}}");
    CHECK_STR(run("{ __typename organization(id: \"o1\") { __typename t: __typename } }", NULL),
              "{\"data\":{\"__typename\":\"Query\",\"organization\":{\"__typename\":\"Organization\","
              "\"t\":\"Organization\"}}}");
}

static void test_fragments_and_merging(void)
{
    CHECK_STR(run("query { organization(id: \"o1\") { ...F id ... on Organization { slug } ... { name } } }"
                  "fragment F on Organization { name id }",
                  NULL),
              "{\"data\":{\"organization\":{\"name\":\"Acme\",\"id\":\"o1\",\"slug\":\"acme\"}}}");
    /* The same response key from two places merges the sub-selections. */
    CHECK_STR(
        run("{ organization(id: \"o1\") { nodes { id } } organization(id: \"o1\") { nodes { ... on Blob { name } } } }",
            NULL),
        "{\"data\":{\"organization\":{\"nodes\":[{\"id\":\"b1\",\"name\":\"B\"}]}}}");
    /* A fragment on an interface applies to an implementing object; a union's members resolve by
     * __typename; problems with the runtime type are field errors. */
    CHECK_STR(
        run("{ search { __typename ... on Node { id } ... on Blob { name } ... on Organization { slug } } }", NULL),
        "{\"errors\":[{\"message\":\"Abstract type \\\"SearchResult\\\" was resolved to a type \\\"Nope\\\" that "
        "does not exist inside the schema.\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"search\",2]},"
        "{\"message\":\"Abstract type \\\"SearchResult\\\" must resolve to an Object type at runtime for field "
        "\\\"Query.search\\\". Either the \\\"SearchResult\\\" type should provide a \\\"resolveType\\\" function "
        "or each possible type should provide an \\\"isTypeOf\\\" function.\",\"locations\":[{\"line\":1,"
        "\"column\":3}],\"path\":[\"search\",3]}],\"data\":{\"search\":[{\"__typename\":\"Blob\",\"id\":\"b1\","
        "\"name\":\"B\"},{\"__typename\":\"Organization\",\"slug\":\"acme\"},null,null,null]}}");
    /* A fragment spread twice is collected once; a recursive spread (invalid, but hostile) ends. */
    CHECK_STR(run("{ organization(id: \"o1\") { ...F ...F } } fragment F on Organization { id ...F }", NULL),
              "{\"data\":{\"organization\":{\"id\":\"o1\"}}}");
}

static void test_variables_and_directives(void)
{
    const char *q = "query Q($yes: Boolean!, $no: Boolean = false, $id: ID!) { organization(id: $id) {"
                    " id @skip(if: $yes) name @include(if: $yes) slug @include(if: $no) role @skip(if: false)"
                    " ... @skip(if: true) { count } ... on Organization @include(if: $yes) { flag } } }";
    CHECK_STR(run(q, "{\"yes\":true,\"no\":false,\"id\":\"o1\"}"),
              "{\"data\":{\"organization\":{\"name\":\"Acme\",\"role\":\"OWNER\",\"flag\":true}}}");
    CHECK_STR(run(q, "{\"yes\":false,\"no\":true,\"id\":\"o1\"}"),
              "{\"data\":{\"organization\":{\"id\":\"o1\",\"slug\":\"acme\",\"role\":\"OWNER\"}}}");
    /* Root-level skip: the resolver is not asked. */
    resolver_calls = 0;
    CHECK_STR(run("{ organization(id: \"o1\") @skip(if: true) { id } __typename }", NULL),
              "{\"data\":{\"__typename\":\"Query\"}}");
    CHECK(resolver_calls == 0);
}

static void test_argument_coercion(void)
{
    /* Literals, defaults (schema defaults parsed from their printed form), lists from single
     * values, input objects with nested defaults, ID from an Int literal, custom scalars. */
    CHECK_STR(run("{ echo(s: \"a\\u00e9\", n: -3, f: 1, list: 4, filter: {mutation_in: [CREATED]}, id: 12,"
                  " any: {x: [1, 2.5, \"s\", true, null, ENUMY]}) }",
                  NULL),
              "{\"data\":{\"echo\":{\"s\":\"a\u00e9\",\"n\":-3,\"f\":1,\"list\":[4],\"filter\":{\"mutation_in\":"
              "[\"CREATED\"],\"limit\":10},\"role\":\"MEMBER\",\"req\":7,\"id\":\"12\",\"any\":{\"x\":[1,2.5,\"s\","
              "true,null,\"ENUMY\"]}}}}");
    /* Variables: given values are used, missing ones fall back to defaults or are left out. */
    CHECK_STR(run("query ($n: Int, $r: Role, $l: [Int], $m: Int) { echo(n: $n, role: $r, list: [1, $m, $n]) }",
                  "{\"n\":5,\"l\":null}"),
              "{\"data\":{\"echo\":{\"n\":5,\"list\":[1,null,5],\"role\":\"MEMBER\",\"req\":7}}}");
    CHECK_STR(run("query ($r: Role) { echo(role: $r, req: 1) }", "{\"r\":\"ADMIN\"}"),
              "{\"data\":{\"echo\":{\"role\":\"ADMIN\",\"req\":1}}}");
    /* Explicit null for a nullable argument is passed as null. */
    CHECK_STR(run("{ echo(s: null) }", NULL), "{\"data\":{\"echo\":{\"s\":null,\"role\":\"MEMBER\",\"req\":7}}}");
    /* Invalid literals (validation would catch them) become field errors, not crashes. */
    CHECK_STR(run("{ echo(n: 99999999999) }", NULL),
              "{\"errors\":[{\"message\":\"Argument \\\"n\\\" has invalid value 99999999999.\",\"locations\":"
              "[{\"line\":1,\"column\":3}],\"path\":[\"echo\"]}],\"data\":{\"echo\":null}}");
    CHECK_STR(
        run("{ organization { id } }", NULL),
        "{\"errors\":[{\"message\":\"Argument \\\"id\\\" of required type \\\"ID!\\\" was not provided.\","
        "\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"organization\"]}],\"data\":{\"organization\":null}}");
    CHECK_STR(run("query ($id: ID) { organization(id: $id) { id } }", "{}"),
              "{\"errors\":[{\"message\":\"Argument \\\"id\\\" of required type \\\"ID!\\\" was provided the variable "
              "\\\"$id\\\" which was not provided a runtime value.\",\"locations\":[{\"line\":1,\"column\":19}],"
              "\"path\":[\"organization\"]}],\"data\":{\"organization\":null}}");
    CHECK_STR(
        run("query ($id: ID) { organization(id: $id) { id } }", "{\"id\":null}"),
        "{\"errors\":[{\"message\":\"Argument \\\"id\\\" of non-null type \\\"ID!\\\" must not be null.\","
        "\"locations\":[{\"line\":1,\"column\":19}],\"path\":[\"organization\"]}],\"data\":{\"organization\":null}}");
}

static void test_resolver_errors_and_non_null(void)
{
    /* viewer: Viewer! fails: data becomes null, one error with the resolver's extensions. */
    CHECK_STR(run("{ viewer { id } }", NULL),
              "{\"errors\":[{\"message\":\"Not authenticated\",\"locations\":[{\"line\":1,\"column\":3}],"
              "\"path\":[\"viewer\"],\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}],\"data\":null}");
    CHECK_STR(run("{ __typename viewer { id } organization(id: \"o1\") { id } }", NULL),
              "{\"errors\":[{\"message\":\"Not authenticated\",\"locations\":[{\"line\":1,\"column\":14}],"
              "\"path\":[\"viewer\"],\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}],\"data\":null}");

    /* A null in a non-null field nulls the nearest nullable parent. */
    org_json = "{\"id\":\"o1\",\"name\":\"Acme\"}";
    CHECK_STR(run("{ organization(id: \"o1\") { name slug } }", NULL),
              "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Organization.slug.\","
              "\"locations\":[{\"line\":1,\"column\":33}],\"path\":[\"organization\",\"slug\"]}],"
              "\"data\":{\"organization\":null}}");
    /* A nullable list item that fails is null; the others stay. */
    org_json = "{\"id\":\"o1\",\"slug\":\"s\",\"tags\":[\"a\",{\"no\":1},3,true],\"count\":\"12\",\"role\":\"KING\","
               "\"ratio\":\"x\",\"flag\":0}";
    CHECK_STR(
        run("{ organization(id: \"o1\") { tags count role ratio flag } }", NULL),
        "{\"errors\":[{\"message\":\"String cannot represent value: { no: 1 }\",\"locations\":[{\"line\":1,"
        "\"column\":28}],\"path\":[\"organization\",\"tags\",1]},{\"message\":\"Enum \\\"Role\\\" cannot "
        "represent value: \\\"KING\\\"\",\"locations\":[{\"line\":1,\"column\":39}],\"path\":[\"organization\","
        "\"role\"]},{\"message\":\"Float cannot represent non numeric value: \\\"x\\\"\",\"locations\":[{\"line\":1,"
        "\"column\":44}],\"path\":[\"organization\",\"ratio\"]}],\"data\":{\"organization\":{\"tags\":[\"a\",null,"
        "\"3\",\"true\"],\"count\":12,\"role\":null,\"ratio\":null,\"flag\":false}}}");
    org_json = "{\"id\":\"o1\",\"slug\":\"s\",\"count\":3000000000,\"tags\":\"notalist\",\"nodes\":[{\"id\":null}]}";
    CHECK_STR(
        run("{ organization(id: \"o1\") { count tags nodes { id } } }", NULL),
        "{\"errors\":[{\"message\":\"Int cannot represent non 32-bit signed integer value: 3000000000\","
        "\"locations\":[{\"line\":1,\"column\":28}],\"path\":[\"organization\",\"count\"]},{\"message\":"
        "\"Expected Iterable, but did not find one for field \\\"Organization.tags\\\".\",\"locations\":"
        "[{\"line\":1,\"column\":34}],\"path\":[\"organization\",\"tags\"]},{\"message\":\"Cannot return null for "
        "non-nullable field Blob.id.\",\"locations\":[{\"line\":1,\"column\":47}],\"path\":[\"organization\","
        "\"nodes\",0,\"id\"]}],\"data\":{\"organization\":{\"count\":null,\"tags\":null,\"nodes\":[null]}}}");
    /* Scalar coercions graphql-js makes: Int from integral floats and numeric strings, ID from
     * integers, Float formatting as JavaScript prints numbers. */
    org_json = "{\"id\":42,\"slug\":\"s\",\"count\":7.0,\"ratio\":1e21,\"meta\":\"plain\",\"flag\":\"yes\"}";
    CHECK_STR(run("{ organization(id: \"o1\") { id count ratio meta flag } }", NULL),
              "{\"errors\":[{\"message\":\"Boolean cannot represent a non boolean value: \\\"yes\\\"\",\"locations\":"
              "[{\"line\":1,\"column\":48}],\"path\":[\"organization\",\"flag\"]}],\"data\":{\"organization\":{"
              "\"id\":\"42\",\"count\":7,\"ratio\":1e+21,\"meta\":\"plain\",\"flag\":null}}}");
    org_json = "{\"id\":\"o1\",\"slug\":\"acme\"}";
    /* Nested lists keep their shape; a bad item is null. */
    CHECK_STR(
        run("{ matrix }", NULL),
        "{\"errors\":[{\"message\":\"Int cannot represent non-integer value: \\\"x\\\"\",\"locations\":[{\"line\":1,"
        "\"column\":3}],\"path\":[\"matrix\",1,1]}],\"data\":{\"matrix\":[[1,2],[3,null],null]}}");
}

static void test_number_format(void)
{
    char b[64];
    struct {
        double d;
        const char *want;
    } cases[] = {
        {0.5, "0.5"},
        {1, "1"},
        {-2.25, "-2.25"},
        {1e21, "1e+21"},
        {1e20, "100000000000000000000"},
        {0.1, "0.1"},
        {1e-7, "1e-7"},
        {0.000001, "0.000001"},
        {123.456, "123.456"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {5e-324, "5e-324"},
        {0.1 + 0.2, "0.30000000000000004"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gql_exec_format_number(cases[i].d, b, sizeof b);
        CHECK_STR(b, cases[i].want);
    }
}

/* ---- subscriptions: render_event and selection keys --------------------------------------- */

static char *render(const char *query, const char *vars, const char *value_json, char **key)
{
    prepared_t p;
    if (prepare(&p, query, vars) < 0)
        return strdup("(prepare failed)");
    gql_exec_root_t *root = NULL;
    json_object *errors = NULL;
    if (gql_exec_root_new(&p.env, &root, &errors) != 0) {
        json_object_put(errors);
        release(&p);
        return strdup("(root failed)");
    }
    if (key)
        *key = strdup(gql_exec_root_selection_key(root));
    json_object *value = value_json ? json_tokener_parse(value_json) : NULL;
    rt_buf_t out = RT_BUF_INIT;
    rt_buf_puts(&out, "PREFIX:"); /* rendering appends */
    int rc = gql_exec_render_event(&p.env, root, value, &out);
    char *text = rc == 0 ? strdup(rt_buf_cstr(&out)) : strdup("(render failed)");
    rt_buf_free(&out);
    json_object_put(value);
    gql_exec_root_free(root);
    release(&p);
    return text;
}

static const char *EVENT = "{\"mutation\":\"UPDATED\",\"node\":{\"id\":\"b1\",\"name\":\"new\",\"extra\":1},"
                           "\"previousValues\":{\"id\":\"b1\",\"name\":\"old\"},\"updatedFields\":[\"name\"],"
                           "\"cursor\":\"c42\"}";

static void test_render_event(void)
{
    char *t = render("subscription S($id: ID!) { blob(id: $id) { mutation node { id name } updatedFields cursor } }",
                     "{\"id\":\"b1\"}", EVENT, NULL);
    CHECK_STR(t, "PREFIX:{\"data\":{\"blob\":{\"mutation\":\"UPDATED\",\"node\":{\"id\":\"b1\",\"name\":\"new\"},"
                 "\"updatedFields\":[\"name\"],\"cursor\":\"c42\"}}}");
    free(t);
    t = render(
        "subscription { b: blob(id: \"b1\") { __typename m: mutation ...F p: previousValues { ... on Node { id } "
        "name } } } fragment F on BlobChange { node { __typename } }",
        NULL, EVENT, NULL);
    CHECK_STR(t, "PREFIX:{\"data\":{\"b\":{\"__typename\":\"BlobChange\",\"m\":\"UPDATED\",\"node\":{\"__typename\":"
                 "\"Blob\"},\"p\":{\"id\":\"b1\",\"name\":\"old\"}}}}");
    free(t);
    /* BlobChange! at the root: a bad event nulls data and says why. */
    t = render("subscription { blob(id: \"b1\") { mutation cursor } }", NULL,
               "{\"mutation\":\"EXPLODED\",\"cursor\":\"c\"}", NULL);
    CHECK_STR(t, "PREFIX:{\"data\":null,\"errors\":[{\"message\":\"Enum \\\"MutationType\\\" cannot represent value: "
                 "\\\"EXPLODED\\\"\",\"locations\":[{\"line\":1,\"column\":33}],\"path\":[\"blob\",\"mutation\"]}]}");
    free(t);
    t = render("subscription { blob(id: \"b1\") { mutation } }", NULL, NULL, NULL);
    CHECK_STR(t, "PREFIX:{\"data\":null,\"errors\":[{\"message\":\"Cannot return null for non-nullable field "
                 "Subscription.blob.\",\"locations\":[{\"line\":1,\"column\":16}],\"path\":[\"blob\"]}]}");
    free(t);
    /* Hostile values: wrong shapes everywhere never crash and give field errors or nulls. */
    const char *hostile[] = {"[]",
                             "\"str\"",
                             "42",
                             "{\"node\":[1,2],\"mutation\":1,\"cursor\":{}}",
                             "{\"mutation\":\"CREATED\",\"cursor\":\"c\",\"node\":\"x\",\"updatedFields\":[null]}",
                             "{\"mutation\":\"CREATED\",\"cursor\":\"c\",\"updatedFields\":[[[[[[]]]]]]}"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        t = render("subscription { blob(id: \"b1\") { mutation cursor updatedFields node { id name } } }", NULL,
                   hostile[i], NULL);
        CHECK(strncmp(t, "PREFIX:{\"data\":", 15) == 0);
        json_object *parsed = json_tokener_parse(t + 7);
        CHECK(parsed != NULL);
        json_object_put(parsed);
        free(t);
    }
}

static void test_selection_keys(void)
{
    char *k1, *k2, *k3, *k4, *k5, *k6, *k7;
    const char *doc = "subscription S($id: ID!, $x: Boolean!) { blob(id: $id) { mutation node { id name }"
                      " cursor @include(if: $x) } }";
    /* The same document with other root arguments and the same directive outcomes: one key. */
    free(render(doc, "{\"id\":\"a\",\"x\":false}", EVENT, &k1));
    free(render(doc, "{\"id\":\"b\",\"x\":false}", EVENT, &k2));
    /* Another @include outcome selects more. */
    free(render(doc, "{\"id\":\"a\",\"x\":true}", EVENT, &k3));
    /* Another response key, another field order, another layout (error locations differ). */
    free(render("subscription S($id: ID!, $x: Boolean!) { b: blob(id: $id) { mutation node { id name }"
                " cursor @include(if: $x) } }",
                "{\"id\":\"a\",\"x\":false}", EVENT, &k4));
    free(render("subscription S($id: ID!, $x: Boolean!) { blob(id: $id) { node { id name } mutation"
                " cursor @include(if: $x) } }",
                "{\"id\":\"a\",\"x\":false}", EVENT, &k5));
    free(render("subscription S($id: ID!, $x: Boolean!) {\n  blob(id: $id) { mutation node { id name }"
                " cursor @include(if: $x) } }",
                "{\"id\":\"a\",\"x\":false}", EVENT, &k6));
    /* A fragment spread and the same fields written inline render alike but not the same text. */
    free(render("subscription S($id: ID!, $x: Boolean!) { blob(id: $id) { ...F } } fragment F on BlobChange {"
                " mutation }",
                "{\"id\":\"a\",\"x\":false}", EVENT, &k7));
    CHECK(k1 && k2 && k3 && k4 && k5 && k6 && k7);
    CHECK_STR(k1, k2);
    CHECK(strcmp(k1, k3) != 0);
    CHECK(strcmp(k1, k4) != 0);
    CHECK(strcmp(k1, k5) != 0);
    CHECK(strcmp(k1, k6) != 0);
    CHECK(strcmp(k1, k7) != 0);
    free(k1);
    free(k2);
    free(k3);
    free(k4);
    free(k5);
    free(k6);
    free(k7);

    /* Root facts: name, key and coerced arguments. */
    prepared_t p;
    CHECK(prepare(&p, "subscription S($id: ID!) { x: blob(id: $id) { mutation } }", "{\"id\":\"b9\"}") == 0);
    gql_exec_root_t *root = NULL;
    json_object *errors = NULL;
    CHECK(gql_exec_root_new(&p.env, &root, &errors) == 0);
    if (root) {
        CHECK_STR(gql_exec_root_field(root), "blob");
        CHECK_STR(gql_exec_root_key(root), "x");
        CHECK_STR(json_object_to_json_string_ext(gql_exec_root_args(root), JSON_C_TO_STRING_PLAIN), "{\"id\":\"b9\"}");
    }
    gql_exec_root_free(root);
    release(&p);
    /* An argument that cannot be coerced is a request error with a location. */
    CHECK(prepare(&p, "subscription S($id: ID) { blob(id: $id) { mutation } }", "{\"id\":null}") == 0);
    root = NULL;
    CHECK(gql_exec_root_new(&p.env, &root, &errors) == GQL_ERR_REQUEST);
    CHECK(root == NULL);
    CHECK(errors != NULL);
    if (errors)
        CHECK_STR(json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PLAIN),
                  "[{\"message\":\"Argument \\\"id\\\" of non-null type \\\"ID!\\\" must not be null.\",\"locations\":"
                  "[{\"line\":1,\"column\":27}]}]");
    json_object_put(errors);
    release(&p);
}

static void test_hostile_documents(void)
{
    /* Deep but valid nesting over a value that is deep too: bounded by the document. */
    rt_buf_t q = RT_BUF_INIT;
    rt_buf_puts(&q, "{ organization(id: \"o1\") { nodes { ");
    for (int i = 0; i < 200; i++)
        rt_buf_puts(&q, "... on Blob { ");
    rt_buf_puts(&q, "id");
    for (int i = 0; i < 200; i++)
        rt_buf_puts(&q, " }");
    rt_buf_puts(&q, " } } }");
    org_json = "{\"id\":\"o1\",\"slug\":\"s\",\"nodes\":[{\"__typename\":\"Blob\",\"id\":\"b\"}]}";
    CHECK_STR(run(rt_buf_cstr(&q), NULL), "{\"data\":{\"organization\":{\"nodes\":[{\"id\":\"b\"}]}}}");
    rt_buf_free(&q);
    /* Many fields with one response key merge into one. */
    rt_buf_puts(&q, "{ organization(id: \"o1\") { ");
    for (int i = 0; i < 1000; i++)
        rt_buf_puts(&q, "id ");
    rt_buf_puts(&q, "} }");
    CHECK_STR(run(rt_buf_cstr(&q), NULL), "{\"data\":{\"organization\":{\"id\":\"o1\"}}}");
    rt_buf_free(&q);
    /* Unknown fields and types (invalid documents) are ignored instead of crashing. */
    CHECK_STR(run("{ nope organization(id: \"o1\") { zzz ... on Nope { id } id } }", NULL),
              "{\"data\":{\"organization\":{\"id\":\"o1\"}}}");
    org_json = "{\"id\":\"o1\",\"slug\":\"acme\"}";

    /* Fragment cycles (validation rejects them) end in rendering and in the selection key, and
     * deep inline-fragment nesting (valid, depth 1) keeps every selection. */
    char *key = NULL;
    char *t = render("subscription { blob(id: \"b\") { ...A } } fragment A on BlobChange { mutation ...B ...A }"
                     " fragment B on BlobChange { cursor ...A ...B }",
                     NULL, EVENT, &key);
    CHECK_STR(t, "PREFIX:{\"data\":{\"blob\":{\"mutation\":\"UPDATED\",\"cursor\":\"c42\"}}}");
    CHECK(key != NULL);
    free(t);
    free(key);
    rt_buf_puts(&q, "subscription { blob(id: \"b\") { ");
    for (int i = 0; i < 300; i++)
        rt_buf_puts(&q, "... on BlobChange { ");
    rt_buf_puts(&q, "cursor");
    for (int i = 0; i < 300; i++)
        rt_buf_puts(&q, " }");
    rt_buf_puts(&q, " } }");
    t = render(rt_buf_cstr(&q), NULL, EVENT, &key);
    CHECK_STR(t, "PREFIX:{\"data\":{\"blob\":{\"cursor\":\"c42\"}}}");
    free(t);
    free(key);
    rt_buf_free(&q);
}

/* graphql-js inspect(): the one implementation shared by execution and variable coercion. */
static void test_inspect(void)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"[1,2,3,4,5,6,7,8,9,10,11]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 1 more item]"},
        {"[1,2,3,4,5,6,7,8,9,10,11,12]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 2 more items]"},
        {"9007199254740993", "9007199254740992"},
        {"{\"a\":{\"b\":{\"c\":1}},\"d\":\"x\"}", "{ a: { b: [Object] }, d: \"x\" }"},
        {"1.5e300", "1.5e+300"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *v = json_tokener_parse(cases[i].json);
        rt_buf_t b = RT_BUF_INIT;
        gql_inspect(&b, v);
        CHECK_STR(rt_buf_cstr(&b), cases[i].want);
        rt_buf_free(&b);
        json_object_put(v);
    }
}

int main(void)
{
    test_inspect();
    test_basic_selection();
    test_fragments_and_merging();
    test_variables_and_directives();
    test_argument_coercion();
    test_resolver_errors_and_non_null();
    test_number_format();
    test_render_event();
    test_selection_keys();
    test_hostile_documents();
    RT_TEST_MAIN_END();
}

/* Introspection over tables with what the served schema lacks (interfaces, unions, deprecated
 * fields, arguments, enum values and input fields, specifiedByURL, input defaults): the served
 * schema's tables plus a few appended types, answered exactly as graphql-js answers for
 *   interface Node { id: ID! }
 *   "A thing" type Thing implements Node { id: ID! old: String @deprecated(reason: "gone")
 *     f(a: Int = 1, b: String @deprecated): Int }
 *   union U = Thing
 *   enum E { A "bee" B @deprecated }
 *   input In { x: Int = 3 y: String @deprecated(reason: "no") z: [E!] = [A] }
 *   scalar Url @specifiedBy(url: "https://example.com/url") */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_exec.h"
#include "gql/syntax/gql_parser.h"
#include "gql_schema_gen.h"
#include "rt_test.h"

enum { X_NODE, X_THING, X_U, X_E, X_IN, X_URL, X_COUNT };

static gql_typeref_t r_id, r_id_nn, r_string, r_int, r_e, r_e_nn, r_e_list;
static int thing_ifaces[1], node_possible[1], u_possible[1];

static const gql_enum_value_t e_values[] = {{"A", NULL, false, NULL}, {"B", "bee", true, "No longer supported"}};

static gql_schema_t schema;
static gql_type_t *types;

static int build(void)
{
    const gql_schema_t *base = &gql_schema_blobhub;
    int n0 = base->ntypes;
    types = calloc((size_t)n0 + X_COUNT, sizeof *types);
    if (!types)
        return -1;
    memcpy(types, base->types, (size_t)n0 * sizeof *types);
    int string = gql_schema_type_index(base, "String"), id = gql_schema_type_index(base, "ID"),
        integer = gql_schema_type_index(base, "Int");
    if (string < 0 || id < 0 || integer < 0)
        return -1;
    r_id = (gql_typeref_t){GQL_TR_NAMED, id, NULL};
    r_id_nn = (gql_typeref_t){GQL_TR_NON_NULL, 0, &r_id};
    r_string = (gql_typeref_t){GQL_TR_NAMED, string, NULL};
    r_int = (gql_typeref_t){GQL_TR_NAMED, integer, NULL};
    r_e = (gql_typeref_t){GQL_TR_NAMED, n0 + X_E, NULL};
    r_e_nn = (gql_typeref_t){GQL_TR_NON_NULL, 0, &r_e};
    r_e_list = (gql_typeref_t){GQL_TR_LIST, 0, &r_e_nn};
    static gql_input_value_t f_args[2], in_fields[3];
    f_args[0] = (gql_input_value_t){"a", NULL, &r_int, "1", false, NULL};
    f_args[1] = (gql_input_value_t){"b", NULL, &r_string, NULL, true, "No longer supported"};
    in_fields[0] = (gql_input_value_t){"x", NULL, &r_int, "3", false, NULL};
    in_fields[1] = (gql_input_value_t){"y", NULL, &r_string, NULL, true, "no"};
    in_fields[2] = (gql_input_value_t){"z", NULL, &r_e_list, "[A]", false, NULL};
    static gql_field_t thing_fields[3], node_fields[1];
    thing_fields[0] = (gql_field_t){"id", NULL, &r_id_nn, NULL, 0, false, NULL};
    thing_fields[1] = (gql_field_t){"old", NULL, &r_string, NULL, 0, true, "gone"};
    thing_fields[2] = (gql_field_t){"f", NULL, &r_int, f_args, 2, false, NULL};
    node_fields[0] = (gql_field_t){"id", NULL, &r_id_nn, NULL, 0, false, NULL};
    thing_ifaces[0] = n0 + X_NODE;
    node_possible[0] = n0 + X_THING;
    u_possible[0] = n0 + X_THING;
    types[n0 + X_NODE] = (gql_type_t){.kind = GQL_TK_INTERFACE,
                                      .name = "Node",
                                      .fields = node_fields,
                                      .nfields = 1,
                                      .possible_types = node_possible,
                                      .npossible = 1};
    types[n0 + X_THING] = (gql_type_t){.kind = GQL_TK_OBJECT,
                                       .name = "Thing",
                                       .description = "A thing",
                                       .fields = thing_fields,
                                       .nfields = 3,
                                       .interfaces = thing_ifaces,
                                       .ninterfaces = 1};
    types[n0 + X_U] = (gql_type_t){.kind = GQL_TK_UNION, .name = "U", .possible_types = u_possible, .npossible = 1};
    types[n0 + X_E] = (gql_type_t){.kind = GQL_TK_ENUM, .name = "E", .enum_values = e_values, .nenum_values = 2};
    types[n0 + X_IN] =
        (gql_type_t){.kind = GQL_TK_INPUT_OBJECT, .name = "In", .input_fields = in_fields, .ninput_fields = 3};
    types[n0 + X_URL] =
        (gql_type_t){.kind = GQL_TK_SCALAR, .name = "Url", .specified_by_url = "https://example.com/url"};
    schema = *base;
    schema.types = types;
    schema.ntypes = n0 + X_COUNT;
    return 0;
}

static const char *QUERY =
    "{ thing: __type(name: \"Thing\") { kind name description fields { name } all: fields(includeDeprecated"
    ": true) { name isDeprecated deprecationReason args { name defaultValue } allArgs: args(includeDeprec"
    "ated: true) { name isDeprecated deprecationReason defaultValue type { kind name ofType { name } } } "
    "} interfaces { name } possibleTypes { name } enumValues { name } inputFields { name } ofType { name "
    "} specifiedByURL } node: __type(name: \"Node\") { kind possibleTypes { name } interfaces { name } fiel"
    "ds { name } } u: __type(name: \"U\") { kind possibleTypes { name } fields { name } } e: __type(name: \""
    "E\") { enumValues { name } all: enumValues(includeDeprecated: true) { name description isDeprecated d"
    "eprecationReason } } in: __type(name: \"In\") { kind inputFields { name defaultValue } all: inputField"
    "s(includeDeprecated: true) { name isDeprecated deprecationReason defaultValue } isOneOf } url: __typ"
    "e(name: \"Url\") { kind specifiedByURL name } }";

/* graphql-js 16 execute() of QUERY on the SDL above. */
static const char *EXPECTED =
    "{\"data\":{\"thing\":{\"kind\":\"OBJECT\",\"name\":\"Thing\",\"description\":\"A thing\",\"fields\":[{\"name\":\"id\"},{\"n"
    "ame\":\"f\"}],\"all\":[{\"name\":\"id\",\"isDeprecated\":false,\"deprecationReason\":null,\"args\":[],\"allArgs\":[]}"
    ",{\"name\":\"old\",\"isDeprecated\":true,\"deprecationReason\":\"gone\",\"args\":[],\"allArgs\":[]},{\"name\":\"f\",\"i"
    "sDeprecated\":false,\"deprecationReason\":null,\"args\":[{\"name\":\"a\",\"defaultValue\":\"1\"}],\"allArgs\":[{\"na"
    "me\":\"a\",\"isDeprecated\":false,\"deprecationReason\":null,\"defaultValue\":\"1\",\"type\":{\"kind\":\"SCALAR\",\"na"
    "me\":\"Int\",\"ofType\":null}},{\"name\":\"b\",\"isDeprecated\":true,\"deprecationReason\":\"No longer supported\","
    "\"defaultValue\":null,\"type\":{\"kind\":\"SCALAR\",\"name\":\"String\",\"ofType\":null}}]}],\"interfaces\":[{\"name\""
    ":\"Node\"}],\"possibleTypes\":null,\"enumValues\":null,\"inputFields\":null,\"ofType\":null,\"specifiedByURL\":n"
    "ull},\"node\":{\"kind\":\"INTERFACE\",\"possibleTypes\":[{\"name\":\"Thing\"}],\"interfaces\":[],\"fields\":[{\"name\""
    ":\"id\"}]},\"u\":{\"kind\":\"UNION\",\"possibleTypes\":[{\"name\":\"Thing\"}],\"fields\":null},\"e\":{\"enumValues\":[{\""
    "name\":\"A\"}],\"all\":[{\"name\":\"A\",\"description\":null,\"isDeprecated\":false,\"deprecationReason\":null},{\"n"
    "ame\":\"B\",\"description\":\"bee\",\"isDeprecated\":true,\"deprecationReason\":\"No longer supported\"}]},\"in\":{"
    "\"kind\":\"INPUT_OBJECT\",\"inputFields\":[{\"name\":\"x\",\"defaultValue\":\"3\"},{\"name\":\"z\",\"defaultValue\":\"[A]"
    "\"}],\"all\":[{\"name\":\"x\",\"isDeprecated\":false,\"deprecationReason\":null,\"defaultValue\":\"3\"},{\"name\":\"y\""
    ",\"isDeprecated\":true,\"deprecationReason\":\"no\",\"defaultValue\":null},{\"name\":\"z\",\"isDeprecated\":false,"
    "\"deprecationReason\":null,\"defaultValue\":\"[A]\"}],\"isOneOf\":false},\"url\":{\"kind\":\"SCALAR\",\"specifiedBy"
    "URL\":\"https://example.com/url\",\"name\":\"Url\"}}}";

int main(void)
{
    CHECK(build() == 0);
    gql_document_t *doc = NULL;
    gql_syntax_error_t err;
    CHECK(gql_parse(QUERY, strlen(QUERY), NULL, &doc, &err) == GQL_PARSE_OK);
    if (doc) {
        gql_exec_env_t env = {&schema, doc, doc->definitions, NULL};
        json_object *r = gql_exec_execute(&env, NULL, NULL);
        CHECK(r != NULL);
        if (r)
            CHECK_STR(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                      EXPECTED);
        json_object_put(r);
    }
    gql_document_free(doc);
    free(types);
    RT_TEST_MAIN_END();
}

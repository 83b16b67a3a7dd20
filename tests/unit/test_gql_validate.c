/* Validation rules (gql_validate.h): for every rule of graphql-js's specifiedRules one valid and
 * one invalid document, with graphql-js 16.15's exact messages and locations (taken from
 * graphql-js validate() on the same schema), plus the error limit, appending to a non-empty array
 * and hostile documents (long fragment chains and cycles, deep nesting, many errors).
 *
 * The schema is a small one with interfaces, unions, @oneOf, required input fields, a mutation
 * root and custom directives, so that paths the BlobHub schema does not exercise are covered. Its
 * tables below were emitted from graphql-js buildSchema() of this SDL:
 *
 *   interface Node { id: ID! }
 *   interface Named implements Node { id: ID! name: String }
 *   type Blob implements Node & Named { id: ID! name: String size: Int tags: [String!] owner: Person }
 *   type Person implements Node & Named { id: ID! name: String age: Int friends: [Person] pets: [Pet!] }
 *   type Dog { id: ID! name: String barks: Boolean size: String }
 *   type Cat { id: ID! name: String meows: Boolean size: Int }
 *   union Pet = Dog | Cat
 *   union Thing = Blob | Person | Dog
 *   input Req { a: Int! b: String = "x" c: [Int!]! nested: Req }
 *   input One @oneOf { x: Int y: String z: Req }
 *   enum Color { RED GREEN BLUE }
 *   scalar Date
 *   type Query {
 *     node(id: ID!): Node
 *     named(id: ID): Named
 *     pet(kind: Color = RED): Pet
 *     thing: Thing
 *     things(first: Int = 10, after: String): [Thing!]!
 *     check(r: Req, o: One, flag: Boolean! = false, list: [[Int!]!]): Boolean
 *     deep(d: Date, c: Color!): Blob
 *     person: Person
 *   }
 *   type Mutation { touch(id: ID!, input: Req!): Blob renamed(o: One!): Boolean }
 *   type Subscription { tick(every: Int!): Int other: Blob }
 *   directive @rep(n: Int) repeatable on FIELD | INLINE_FRAGMENT
 *   directive @req(n: Int!, m: String = "d") on FIELD | QUERY | VARIABLE_DEFINITION */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_schema.h"
#include "gql/gql_validate.h"
#include "gql/syntax/gql_parser.h"
#include "rt_test.h"

/* ---- schema tables (buildSchema order: getTypeMap(), getDirectives()) ---- */
static const gql_typeref_t tr1 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr0 = {GQL_TR_NON_NULL, -1, &tr1};
static const gql_field_t fields2[] = {{"id", NULL, &tr0, NULL, 0, false, NULL}};
static const int pos3[] = {4, 6};
static const gql_typeref_t tr5 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr4 = {GQL_TR_NON_NULL, -1, &tr5};
static const gql_typeref_t tr6 = {GQL_TR_NAMED, 3, NULL};
static const gql_field_t fields7[] = {{"id", NULL, &tr4, NULL, 0, false, NULL},
                                      {"name", NULL, &tr6, NULL, 0, false, NULL}};
static const int ifs8[] = {0};
static const int pos9[] = {4, 6};
static const gql_typeref_t tr11 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr10 = {GQL_TR_NON_NULL, -1, &tr11};
static const gql_typeref_t tr12 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr13 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr16 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr15 = {GQL_TR_NON_NULL, -1, &tr16};
static const gql_typeref_t tr14 = {GQL_TR_LIST, -1, &tr15};
static const gql_typeref_t tr17 = {GQL_TR_NAMED, 6, NULL};
static const gql_field_t fields18[] = {{"id", NULL, &tr10, NULL, 0, false, NULL},
                                       {"name", NULL, &tr12, NULL, 0, false, NULL},
                                       {"size", NULL, &tr13, NULL, 0, false, NULL},
                                       {"tags", NULL, &tr14, NULL, 0, false, NULL},
                                       {"owner", NULL, &tr17, NULL, 0, false, NULL}};
static const int ifs19[] = {0, 2};
static const gql_typeref_t tr21 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr20 = {GQL_TR_NON_NULL, -1, &tr21};
static const gql_typeref_t tr22 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr23 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr25 = {GQL_TR_NAMED, 6, NULL};
static const gql_typeref_t tr24 = {GQL_TR_LIST, -1, &tr25};
static const gql_typeref_t tr28 = {GQL_TR_NAMED, 10, NULL};
static const gql_typeref_t tr27 = {GQL_TR_NON_NULL, -1, &tr28};
static const gql_typeref_t tr26 = {GQL_TR_LIST, -1, &tr27};
static const gql_field_t fields29[] = {{"id", NULL, &tr20, NULL, 0, false, NULL},
                                       {"name", NULL, &tr22, NULL, 0, false, NULL},
                                       {"age", NULL, &tr23, NULL, 0, false, NULL},
                                       {"friends", NULL, &tr24, NULL, 0, false, NULL},
                                       {"pets", NULL, &tr26, NULL, 0, false, NULL}};
static const int ifs30[] = {0, 2};
static const gql_typeref_t tr32 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr31 = {GQL_TR_NON_NULL, -1, &tr32};
static const gql_typeref_t tr33 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr34 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr35 = {GQL_TR_NAMED, 3, NULL};
static const gql_field_t fields36[] = {{"id", NULL, &tr31, NULL, 0, false, NULL},
                                       {"name", NULL, &tr33, NULL, 0, false, NULL},
                                       {"barks", NULL, &tr34, NULL, 0, false, NULL},
                                       {"size", NULL, &tr35, NULL, 0, false, NULL}};
static const gql_typeref_t tr38 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr37 = {GQL_TR_NON_NULL, -1, &tr38};
static const gql_typeref_t tr39 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr40 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr41 = {GQL_TR_NAMED, 5, NULL};
static const gql_field_t fields42[] = {{"id", NULL, &tr37, NULL, 0, false, NULL},
                                       {"name", NULL, &tr39, NULL, 0, false, NULL},
                                       {"meows", NULL, &tr40, NULL, 0, false, NULL},
                                       {"size", NULL, &tr41, NULL, 0, false, NULL}};
static const int pos43[] = {7, 9};
static const int pos44[] = {4, 6, 7};
static const gql_typeref_t tr46 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr45 = {GQL_TR_NON_NULL, -1, &tr46};
static const gql_typeref_t tr47 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr51 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr50 = {GQL_TR_NON_NULL, -1, &tr51};
static const gql_typeref_t tr49 = {GQL_TR_LIST, -1, &tr50};
static const gql_typeref_t tr48 = {GQL_TR_NON_NULL, -1, &tr49};
static const gql_typeref_t tr52 = {GQL_TR_NAMED, 12, NULL};
static const gql_input_value_t args53[] = {{"a", NULL, &tr45, NULL, false, NULL},
                                           {"b", NULL, &tr47, "\"x\"", false, NULL},
                                           {"c", NULL, &tr48, NULL, false, NULL},
                                           {"nested", NULL, &tr52, NULL, false, NULL}};
static const gql_typeref_t tr54 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr55 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr56 = {GQL_TR_NAMED, 12, NULL};
static const gql_input_value_t args57[] = {{"x", NULL, &tr54, NULL, false, NULL},
                                           {"y", NULL, &tr55, NULL, false, NULL},
                                           {"z", NULL, &tr56, NULL, false, NULL}};
static const gql_enum_value_t ev58[] = {
    {"RED", NULL, false, NULL}, {"GREEN", NULL, false, NULL}, {"BLUE", NULL, false, NULL}};
static const gql_typeref_t tr59 = {GQL_TR_NAMED, 0, NULL};
static const gql_typeref_t tr61 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr60 = {GQL_TR_NON_NULL, -1, &tr61};
static const gql_input_value_t args62[] = {{"id", NULL, &tr60, NULL, false, NULL}};
static const gql_typeref_t tr63 = {GQL_TR_NAMED, 2, NULL};
static const gql_typeref_t tr64 = {GQL_TR_NAMED, 1, NULL};
static const gql_input_value_t args65[] = {{"id", NULL, &tr64, NULL, false, NULL}};
static const gql_typeref_t tr66 = {GQL_TR_NAMED, 10, NULL};
static const gql_typeref_t tr67 = {GQL_TR_NAMED, 14, NULL};
static const gql_input_value_t args68[] = {{"kind", NULL, &tr67, "RED", false, NULL}};
static const gql_typeref_t tr69 = {GQL_TR_NAMED, 11, NULL};
static const gql_typeref_t tr73 = {GQL_TR_NAMED, 11, NULL};
static const gql_typeref_t tr72 = {GQL_TR_NON_NULL, -1, &tr73};
static const gql_typeref_t tr71 = {GQL_TR_LIST, -1, &tr72};
static const gql_typeref_t tr70 = {GQL_TR_NON_NULL, -1, &tr71};
static const gql_typeref_t tr74 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr75 = {GQL_TR_NAMED, 3, NULL};
static const gql_input_value_t args76[] = {{"first", NULL, &tr74, "10", false, NULL},
                                           {"after", NULL, &tr75, NULL, false, NULL}};
static const gql_typeref_t tr77 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr78 = {GQL_TR_NAMED, 12, NULL};
static const gql_typeref_t tr79 = {GQL_TR_NAMED, 13, NULL};
static const gql_typeref_t tr81 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr80 = {GQL_TR_NON_NULL, -1, &tr81};
static const gql_typeref_t tr86 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr85 = {GQL_TR_NON_NULL, -1, &tr86};
static const gql_typeref_t tr84 = {GQL_TR_LIST, -1, &tr85};
static const gql_typeref_t tr83 = {GQL_TR_NON_NULL, -1, &tr84};
static const gql_typeref_t tr82 = {GQL_TR_LIST, -1, &tr83};
static const gql_input_value_t args87[] = {{"r", NULL, &tr78, NULL, false, NULL},
                                           {"o", NULL, &tr79, NULL, false, NULL},
                                           {"flag", NULL, &tr80, "false", false, NULL},
                                           {"list", NULL, &tr82, NULL, false, NULL}};
static const gql_typeref_t tr88 = {GQL_TR_NAMED, 4, NULL};
static const gql_typeref_t tr89 = {GQL_TR_NAMED, 15, NULL};
static const gql_typeref_t tr91 = {GQL_TR_NAMED, 14, NULL};
static const gql_typeref_t tr90 = {GQL_TR_NON_NULL, -1, &tr91};
static const gql_input_value_t args92[] = {{"d", NULL, &tr89, NULL, false, NULL},
                                           {"c", NULL, &tr90, NULL, false, NULL}};
static const gql_typeref_t tr93 = {GQL_TR_NAMED, 6, NULL};
static const gql_field_t fields94[] = {
    {"node", NULL, &tr59, args62, 1, false, NULL},   {"named", NULL, &tr63, args65, 1, false, NULL},
    {"pet", NULL, &tr66, args68, 1, false, NULL},    {"thing", NULL, &tr69, NULL, 0, false, NULL},
    {"things", NULL, &tr70, args76, 2, false, NULL}, {"check", NULL, &tr77, args87, 4, false, NULL},
    {"deep", NULL, &tr88, args92, 2, false, NULL},   {"person", NULL, &tr93, NULL, 0, false, NULL}};
static const gql_typeref_t tr95 = {GQL_TR_NAMED, 4, NULL};
static const gql_typeref_t tr97 = {GQL_TR_NAMED, 1, NULL};
static const gql_typeref_t tr96 = {GQL_TR_NON_NULL, -1, &tr97};
static const gql_typeref_t tr99 = {GQL_TR_NAMED, 12, NULL};
static const gql_typeref_t tr98 = {GQL_TR_NON_NULL, -1, &tr99};
static const gql_input_value_t args100[] = {{"id", NULL, &tr96, NULL, false, NULL},
                                            {"input", NULL, &tr98, NULL, false, NULL}};
static const gql_typeref_t tr101 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr103 = {GQL_TR_NAMED, 13, NULL};
static const gql_typeref_t tr102 = {GQL_TR_NON_NULL, -1, &tr103};
static const gql_input_value_t args104[] = {{"o", NULL, &tr102, NULL, false, NULL}};
static const gql_field_t fields105[] = {{"touch", NULL, &tr95, args100, 2, false, NULL},
                                        {"renamed", NULL, &tr101, args104, 1, false, NULL}};
static const gql_typeref_t tr106 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr108 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr107 = {GQL_TR_NON_NULL, -1, &tr108};
static const gql_input_value_t args109[] = {{"every", NULL, &tr107, NULL, false, NULL}};
static const gql_typeref_t tr110 = {GQL_TR_NAMED, 4, NULL};
static const gql_field_t fields111[] = {{"tick", NULL, &tr106, args109, 1, false, NULL},
                                        {"other", NULL, &tr110, NULL, 0, false, NULL}};
static const gql_typeref_t tr112 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr116 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr115 = {GQL_TR_NON_NULL, -1, &tr116};
static const gql_typeref_t tr114 = {GQL_TR_LIST, -1, &tr115};
static const gql_typeref_t tr113 = {GQL_TR_NON_NULL, -1, &tr114};
static const gql_typeref_t tr118 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr117 = {GQL_TR_NON_NULL, -1, &tr118};
static const gql_typeref_t tr119 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr120 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr124 = {GQL_TR_NAMED, 25, NULL};
static const gql_typeref_t tr123 = {GQL_TR_NON_NULL, -1, &tr124};
static const gql_typeref_t tr122 = {GQL_TR_LIST, -1, &tr123};
static const gql_typeref_t tr121 = {GQL_TR_NON_NULL, -1, &tr122};
static const gql_typeref_t tr126 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr125 = {GQL_TR_NON_NULL, -1, &tr126};
static const gql_input_value_t args127[] = {{"includeDeprecated", NULL, &tr125, "false", false, NULL}};
static const gql_field_t fields128[] = {
    {"description", NULL, &tr112, NULL, 0, false, NULL},      {"types", NULL, &tr113, NULL, 0, false, NULL},
    {"queryType", NULL, &tr117, NULL, 0, false, NULL},        {"mutationType", NULL, &tr119, NULL, 0, false, NULL},
    {"subscriptionType", NULL, &tr120, NULL, 0, false, NULL}, {"directives", NULL, &tr121, args127, 1, false, NULL}};
static const gql_typeref_t tr130 = {GQL_TR_NAMED, 21, NULL};
static const gql_typeref_t tr129 = {GQL_TR_NON_NULL, -1, &tr130};
static const gql_typeref_t tr131 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr132 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr133 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr136 = {GQL_TR_NAMED, 22, NULL};
static const gql_typeref_t tr135 = {GQL_TR_NON_NULL, -1, &tr136};
static const gql_typeref_t tr134 = {GQL_TR_LIST, -1, &tr135};
static const gql_typeref_t tr137 = {GQL_TR_NAMED, 8, NULL};
static const gql_input_value_t args138[] = {{"includeDeprecated", NULL, &tr137, "false", false, NULL}};
static const gql_typeref_t tr141 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr140 = {GQL_TR_NON_NULL, -1, &tr141};
static const gql_typeref_t tr139 = {GQL_TR_LIST, -1, &tr140};
static const gql_typeref_t tr144 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr143 = {GQL_TR_NON_NULL, -1, &tr144};
static const gql_typeref_t tr142 = {GQL_TR_LIST, -1, &tr143};
static const gql_typeref_t tr147 = {GQL_TR_NAMED, 24, NULL};
static const gql_typeref_t tr146 = {GQL_TR_NON_NULL, -1, &tr147};
static const gql_typeref_t tr145 = {GQL_TR_LIST, -1, &tr146};
static const gql_typeref_t tr148 = {GQL_TR_NAMED, 8, NULL};
static const gql_input_value_t args149[] = {{"includeDeprecated", NULL, &tr148, "false", false, NULL}};
static const gql_typeref_t tr152 = {GQL_TR_NAMED, 23, NULL};
static const gql_typeref_t tr151 = {GQL_TR_NON_NULL, -1, &tr152};
static const gql_typeref_t tr150 = {GQL_TR_LIST, -1, &tr151};
static const gql_typeref_t tr153 = {GQL_TR_NAMED, 8, NULL};
static const gql_input_value_t args154[] = {{"includeDeprecated", NULL, &tr153, "false", false, NULL}};
static const gql_typeref_t tr155 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr156 = {GQL_TR_NAMED, 8, NULL};
static const gql_field_t fields157[] = {
    {"kind", NULL, &tr129, NULL, 0, false, NULL},           {"name", NULL, &tr131, NULL, 0, false, NULL},
    {"description", NULL, &tr132, NULL, 0, false, NULL},    {"specifiedByURL", NULL, &tr133, NULL, 0, false, NULL},
    {"fields", NULL, &tr134, args138, 1, false, NULL},      {"interfaces", NULL, &tr139, NULL, 0, false, NULL},
    {"possibleTypes", NULL, &tr142, NULL, 0, false, NULL},  {"enumValues", NULL, &tr145, args149, 1, false, NULL},
    {"inputFields", NULL, &tr150, args154, 1, false, NULL}, {"ofType", NULL, &tr155, NULL, 0, false, NULL},
    {"isOneOf", NULL, &tr156, NULL, 0, false, NULL}};
static const gql_enum_value_t ev158[] = {{"SCALAR", NULL, false, NULL},    {"OBJECT", NULL, false, NULL},
                                         {"INTERFACE", NULL, false, NULL}, {"UNION", NULL, false, NULL},
                                         {"ENUM", NULL, false, NULL},      {"INPUT_OBJECT", NULL, false, NULL},
                                         {"LIST", NULL, false, NULL},      {"NON_NULL", NULL, false, NULL}};
static const gql_typeref_t tr160 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr159 = {GQL_TR_NON_NULL, -1, &tr160};
static const gql_typeref_t tr161 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr165 = {GQL_TR_NAMED, 23, NULL};
static const gql_typeref_t tr164 = {GQL_TR_NON_NULL, -1, &tr165};
static const gql_typeref_t tr163 = {GQL_TR_LIST, -1, &tr164};
static const gql_typeref_t tr162 = {GQL_TR_NON_NULL, -1, &tr163};
static const gql_typeref_t tr166 = {GQL_TR_NAMED, 8, NULL};
static const gql_input_value_t args167[] = {{"includeDeprecated", NULL, &tr166, "false", false, NULL}};
static const gql_typeref_t tr169 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr168 = {GQL_TR_NON_NULL, -1, &tr169};
static const gql_typeref_t tr171 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr170 = {GQL_TR_NON_NULL, -1, &tr171};
static const gql_typeref_t tr172 = {GQL_TR_NAMED, 3, NULL};
static const gql_field_t fields173[] = {
    {"name", NULL, &tr159, NULL, 0, false, NULL},         {"description", NULL, &tr161, NULL, 0, false, NULL},
    {"args", NULL, &tr162, args167, 1, false, NULL},      {"type", NULL, &tr168, NULL, 0, false, NULL},
    {"isDeprecated", NULL, &tr170, NULL, 0, false, NULL}, {"deprecationReason", NULL, &tr172, NULL, 0, false, NULL}};
static const gql_typeref_t tr175 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr174 = {GQL_TR_NON_NULL, -1, &tr175};
static const gql_typeref_t tr176 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr178 = {GQL_TR_NAMED, 20, NULL};
static const gql_typeref_t tr177 = {GQL_TR_NON_NULL, -1, &tr178};
static const gql_typeref_t tr179 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr181 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr180 = {GQL_TR_NON_NULL, -1, &tr181};
static const gql_typeref_t tr182 = {GQL_TR_NAMED, 3, NULL};
static const gql_field_t fields183[] = {
    {"name", NULL, &tr174, NULL, 0, false, NULL},         {"description", NULL, &tr176, NULL, 0, false, NULL},
    {"type", NULL, &tr177, NULL, 0, false, NULL},         {"defaultValue", NULL, &tr179, NULL, 0, false, NULL},
    {"isDeprecated", NULL, &tr180, NULL, 0, false, NULL}, {"deprecationReason", NULL, &tr182, NULL, 0, false, NULL}};
static const gql_typeref_t tr185 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr184 = {GQL_TR_NON_NULL, -1, &tr185};
static const gql_typeref_t tr186 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr188 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr187 = {GQL_TR_NON_NULL, -1, &tr188};
static const gql_typeref_t tr189 = {GQL_TR_NAMED, 3, NULL};
static const gql_field_t fields190[] = {{"name", NULL, &tr184, NULL, 0, false, NULL},
                                        {"description", NULL, &tr186, NULL, 0, false, NULL},
                                        {"isDeprecated", NULL, &tr187, NULL, 0, false, NULL},
                                        {"deprecationReason", NULL, &tr189, NULL, 0, false, NULL}};
static const gql_typeref_t tr192 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr191 = {GQL_TR_NON_NULL, -1, &tr192};
static const gql_typeref_t tr193 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr195 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr194 = {GQL_TR_NON_NULL, -1, &tr195};
static const gql_typeref_t tr199 = {GQL_TR_NAMED, 26, NULL};
static const gql_typeref_t tr198 = {GQL_TR_NON_NULL, -1, &tr199};
static const gql_typeref_t tr197 = {GQL_TR_LIST, -1, &tr198};
static const gql_typeref_t tr196 = {GQL_TR_NON_NULL, -1, &tr197};
static const gql_typeref_t tr203 = {GQL_TR_NAMED, 23, NULL};
static const gql_typeref_t tr202 = {GQL_TR_NON_NULL, -1, &tr203};
static const gql_typeref_t tr201 = {GQL_TR_LIST, -1, &tr202};
static const gql_typeref_t tr200 = {GQL_TR_NON_NULL, -1, &tr201};
static const gql_typeref_t tr204 = {GQL_TR_NAMED, 8, NULL};
static const gql_input_value_t args205[] = {{"includeDeprecated", NULL, &tr204, "false", false, NULL}};
static const gql_typeref_t tr207 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr206 = {GQL_TR_NON_NULL, -1, &tr207};
static const gql_typeref_t tr208 = {GQL_TR_NAMED, 3, NULL};
static const gql_field_t fields209[] = {{"name", NULL, &tr191, NULL, 0, false, NULL},
                                        {"description", NULL, &tr193, NULL, 0, false, NULL},
                                        {"isRepeatable", NULL, &tr194, NULL, 0, false, NULL},
                                        {"locations", NULL, &tr196, NULL, 0, false, NULL},
                                        {"args", NULL, &tr200, args205, 1, false, NULL},
                                        {"isDeprecated", NULL, &tr206, NULL, 0, false, NULL},
                                        {"deprecationReason", NULL, &tr208, NULL, 0, false, NULL}};
static const gql_enum_value_t ev210[] = {{"QUERY", NULL, false, NULL},
                                         {"MUTATION", NULL, false, NULL},
                                         {"SUBSCRIPTION", NULL, false, NULL},
                                         {"FIELD", NULL, false, NULL},
                                         {"FRAGMENT_DEFINITION", NULL, false, NULL},
                                         {"FRAGMENT_SPREAD", NULL, false, NULL},
                                         {"INLINE_FRAGMENT", NULL, false, NULL},
                                         {"VARIABLE_DEFINITION", NULL, false, NULL},
                                         {"SCHEMA", NULL, false, NULL},
                                         {"SCALAR", NULL, false, NULL},
                                         {"OBJECT", NULL, false, NULL},
                                         {"FIELD_DEFINITION", NULL, false, NULL},
                                         {"ARGUMENT_DEFINITION", NULL, false, NULL},
                                         {"INTERFACE", NULL, false, NULL},
                                         {"UNION", NULL, false, NULL},
                                         {"ENUM", NULL, false, NULL},
                                         {"ENUM_VALUE", NULL, false, NULL},
                                         {"INPUT_OBJECT", NULL, false, NULL},
                                         {"INPUT_FIELD_DEFINITION", NULL, false, NULL},
                                         {"DIRECTIVE_DEFINITION", NULL, false, NULL}};
static const gql_typeref_t tr211 = {GQL_TR_NAMED, 5, NULL};
static const gql_input_value_t args212[] = {{"n", NULL, &tr211, NULL, false, NULL}};
static const gql_typeref_t tr214 = {GQL_TR_NAMED, 5, NULL};
static const gql_typeref_t tr213 = {GQL_TR_NON_NULL, -1, &tr214};
static const gql_typeref_t tr215 = {GQL_TR_NAMED, 3, NULL};
static const gql_input_value_t args216[] = {{"n", NULL, &tr213, NULL, false, NULL},
                                            {"m", NULL, &tr215, "\"d\"", false, NULL}};
static const gql_typeref_t tr218 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr217 = {GQL_TR_NON_NULL, -1, &tr218};
static const gql_input_value_t args219[] = {{"if", NULL, &tr217, NULL, false, NULL}};
static const gql_typeref_t tr221 = {GQL_TR_NAMED, 8, NULL};
static const gql_typeref_t tr220 = {GQL_TR_NON_NULL, -1, &tr221};
static const gql_input_value_t args222[] = {{"if", NULL, &tr220, NULL, false, NULL}};
static const gql_typeref_t tr223 = {GQL_TR_NAMED, 3, NULL};
static const gql_input_value_t args224[] = {{"reason", NULL, &tr223, "\"No longer supported\"", false, NULL}};
static const gql_typeref_t tr226 = {GQL_TR_NAMED, 3, NULL};
static const gql_typeref_t tr225 = {GQL_TR_NON_NULL, -1, &tr226};
static const gql_input_value_t args227[] = {{"url", NULL, &tr225, NULL, false, NULL}};
static const gql_type_t types[] = {{.kind = GQL_TK_INTERFACE,
                                    .name = "Node",
                                    .fields = fields2,
                                    .nfields = 1,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = pos3,
                                    .npossible = 2,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_SCALAR,
                                    .name = "ID",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_INTERFACE,
                                    .name = "Named",
                                    .fields = fields7,
                                    .nfields = 2,
                                    .interfaces = ifs8,
                                    .ninterfaces = 1,
                                    .possible_types = pos9,
                                    .npossible = 2,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_SCALAR,
                                    .name = "String",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Blob",
                                    .fields = fields18,
                                    .nfields = 5,
                                    .interfaces = ifs19,
                                    .ninterfaces = 2,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_SCALAR,
                                    .name = "Int",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Person",
                                    .fields = fields29,
                                    .nfields = 5,
                                    .interfaces = ifs30,
                                    .ninterfaces = 2,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Dog",
                                    .fields = fields36,
                                    .nfields = 4,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_SCALAR,
                                    .name = "Boolean",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Cat",
                                    .fields = fields42,
                                    .nfields = 4,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_UNION,
                                    .name = "Pet",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = pos43,
                                    .npossible = 2,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_UNION,
                                    .name = "Thing",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = pos44,
                                    .npossible = 3,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_INPUT_OBJECT,
                                    .name = "Req",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = args53,
                                    .ninput_fields = 4,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_INPUT_OBJECT,
                                    .name = "One",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = args57,
                                    .ninput_fields = 3,
                                    .builtin = false,
                                    .is_one_of = true},
                                   {.kind = GQL_TK_ENUM,
                                    .name = "Color",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = ev58,
                                    .nenum_values = 3,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_SCALAR,
                                    .name = "Date",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Query",
                                    .fields = fields94,
                                    .nfields = 8,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Mutation",
                                    .fields = fields105,
                                    .nfields = 2,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "Subscription",
                                    .fields = fields111,
                                    .nfields = 2,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = false,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "__Schema",
                                    .fields = fields128,
                                    .nfields = 6,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "__Type",
                                    .fields = fields157,
                                    .nfields = 11,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_ENUM,
                                    .name = "__TypeKind",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = ev158,
                                    .nenum_values = 8,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "__Field",
                                    .fields = fields173,
                                    .nfields = 6,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "__InputValue",
                                    .fields = fields183,
                                    .nfields = 6,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "__EnumValue",
                                    .fields = fields190,
                                    .nfields = 4,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_OBJECT,
                                    .name = "__Directive",
                                    .fields = fields209,
                                    .nfields = 7,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = NULL,
                                    .nenum_values = 0,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false},
                                   {.kind = GQL_TK_ENUM,
                                    .name = "__DirectiveLocation",
                                    .fields = NULL,
                                    .nfields = 0,
                                    .interfaces = NULL,
                                    .ninterfaces = 0,
                                    .possible_types = NULL,
                                    .npossible = 0,
                                    .enum_values = ev210,
                                    .nenum_values = 20,
                                    .input_fields = NULL,
                                    .ninput_fields = 0,
                                    .builtin = true,
                                    .is_one_of = false}};
static const gql_directive_t dirs[] = {
    {.name = "rep", .locations = 72u, .args = args212, .nargs = 1, .is_repeatable = true},
    {.name = "req", .locations = 137u, .args = args216, .nargs = 2, .is_repeatable = false},
    {.name = "include", .locations = 104u, .args = args219, .nargs = 1, .is_repeatable = false},
    {.name = "skip", .locations = 104u, .args = args222, .nargs = 1, .is_repeatable = false},
    {.name = "deprecated", .locations = 858112u, .args = args224, .nargs = 1, .is_repeatable = false},
    {.name = "specifiedBy", .locations = 512u, .args = args227, .nargs = 1, .is_repeatable = false},
    {.name = "oneOf", .locations = 131072u, .args = NULL, .nargs = 0, .is_repeatable = false}};
static const gql_schema_t test_schema = {NULL, types, 27, 16, 17, 18, dirs, 7};

typedef struct {
    const char *rule;
    const char *doc;
    const char *expect; /* JSON array of {message, locations} as graphql-js gives it */
} vcase_t;

static const vcase_t
    cases[] =
        {
            {"ExecutableDefinitions", "{ person { id } }", "[]"},
            {"ExecutableDefinitions", "{ person { id } }\ntype T { a: Int }\nschema { query: Query }",
             "[{\"message\":\"The \\\"T\\\" definition is not executable.\",\"locations\":[{\"line\":2,\"column\":1}]},{\"message\":\"The schema definition is not executable.\",\"locations\":[{\"line\":3,\"column\":1}]}]"},
            {"UniqueOperationNames", "query A { person { id } } query B { person { id } }", "[]"},
            {"UniqueOperationNames", "query A { person { id } }\nquery A { person { age } }",
             "[{\"message\":\"There can be only one operation named \\\"A\\\".\",\"locations\":[{\"line\":1,\"column\":7},{\"line\":2,\"column\":7}]}]"},
            {"LoneAnonymousOperation", "{ person { id } }", "[]"},
            {"LoneAnonymousOperation", "{ person { id } }\n{ thing { __typename } }",
             "[{\"message\":\"This anonymous operation must be the only defined operation.\",\"locations\":[{\"line\":1,\"column\":1}]},{\"message\":\"This anonymous operation must be the only defined operation.\",\"locations\":[{\"line\":2,\"column\":1}]}]"},
            {"SingleFieldSubscriptions", "subscription S { tick(every: 1) }", "[]"},
            {"SingleFieldSubscriptions", "subscription S { tick(every: 1) other { id } __typename }",
             "[{\"message\":\"Subscription \\\"S\\\" must select only one top level field.\",\"locations\":[{\"line\":1,\"column\":33},{\"line\":1,\"column\":46}]},{\"message\":\"Subscription \\\"S\\\" must not select an introspection top level field.\",\"locations\":[{\"line\":1,\"column\":46}]}]"},
            {"SingleFieldSubscriptions/skip", "subscription { tick(every: 1) other @skip(if: true) { id } }", "[]"},
            {"SingleFieldSubscriptions/skip", "subscription { tick(every: 1) @include(if: $v) }",
             "[{\"message\":\"Argument \\\"if\\\" of required type \\\"Boolean!\\\" was provided the variable \\\"$v\\\" which was not provided a runtime value.\",\"locations\":[{\"line\":1,\"column\":44}]}]"},
            {"KnownTypeNames", "query Q($c: Color) { pet(kind: $c) { __typename } }", "[]"},
            {"KnownTypeNames", "query Q($c: Colr, $d: [Strin!]) { pet { ... on Dgo { id } } }",
             "[{\"message\":\"Unknown type \\\"Colr\\\". Did you mean \\\"Color\\\"?\",\"locations\":[{\"line\":1,\"column\":13}]},{\"message\":\"Unknown type \\\"Strin\\\". Did you mean \\\"String\\\" or \\\"Thing\\\"?\",\"locations\":[{\"line\":1,\"column\":24}]},{\"message\":\"Unknown type \\\"Dgo\\\". Did you mean \\\"Dog\\\"?\",\"locations\":[{\"line\":1,\"column\":48}]},{\"message\":\"Variable \\\"$c\\\" is never used in operation \\\"Q\\\".\",\"locations\":[{\"line\":1,\"column\":9}]},{\"message\":\"Variable \\\"$d\\\" is never used in operation \\\"Q\\\".\",\"locations\":[{\"line\":1,\"column\":19}]}]"},
            {"FragmentsOnCompositeTypes", "{ pet { ...P } } fragment P on Pet { __typename }", "[]"},
            {"FragmentsOnCompositeTypes", "{ pet { ... on Color { x } ...P } }\nfragment P on Date { x }",
             "[{\"message\":\"Fragment cannot condition on non composite type \\\"Color\\\".\",\"locations\":[{\"line\":1,\"column\":16}]},{\"message\":\"Fragment \\\"P\\\" cannot condition on non composite type \\\"Date\\\".\",\"locations\":[{\"line\":2,\"column\":15}]}]"},
            {"VariablesAreInputTypes", "query Q($r: Req, $c: Color!) { check(r: $r) pet(kind: $c) { __typename } }",
             "[]"},
            {"VariablesAreInputTypes", "query Q($p: Pet, $b: [Blob!]!) { person { id } }",
             "[{\"message\":\"Variable \\\"$p\\\" cannot be non-input type \\\"Pet\\\".\",\"locations\":[{\"line\":1,\"column\":13}]},{\"message\":\"Variable \\\"$b\\\" cannot be non-input type \\\"[Blob!]!\\\".\",\"locations\":[{\"line\":1,\"column\":22}]},{\"message\":\"Variable \\\"$p\\\" is never used in operation \\\"Q\\\".\",\"locations\":[{\"line\":1,\"column\":9}]},{\"message\":\"Variable \\\"$b\\\" is never used in operation \\\"Q\\\".\",\"locations\":[{\"line\":1,\"column\":18}]}]"},
            {"ScalarLeafs", "{ person { id friends { name } } }", "[]"},
            {"ScalarLeafs", "{ person { id { x } friends } pet }",
             "[{\"message\":\"Field \\\"id\\\" must not have a selection since type \\\"ID!\\\" has no subfields.\",\"locations\":[{\"line\":1,\"column\":15}]},{\"message\":\"Field \\\"friends\\\" of type \\\"[Person]\\\" must have a selection of subfields. Did you mean \\\"friends { ... }\\\"?\",\"locations\":[{\"line\":1,\"column\":21}]},{\"message\":\"Field \\\"pet\\\" of type \\\"Pet\\\" must have a selection of subfields. Did you mean \\\"pet { ... }\\\"?\",\"locations\":[{\"line\":1,\"column\":31}]}]"},
            {"FieldsOnCorrectType", "{ node(id: 1) { id ... on Blob { size } } }", "[]"},
            {"FieldsOnCorrectType", "{ person { nmae } node(id: 1) { size barks } pet { name } }",
             "[{\"message\":\"Cannot query field \\\"nmae\\\" on type \\\"Person\\\". Did you mean \\\"name\\\"?\",\"locations\":[{\"line\":1,\"column\":12}]},{\"message\":\"Cannot query field \\\"size\\\" on type \\\"Node\\\". Did you mean to use an inline fragment on \\\"Blob\\\"?\",\"locations\":[{\"line\":1,\"column\":33}]},{\"message\":\"Cannot query field \\\"barks\\\" on type \\\"Node\\\".\",\"locations\":[{\"line\":1,\"column\":38}]},{\"message\":\"Cannot query field \\\"name\\\" on type \\\"Pet\\\". Did you mean to use an inline fragment on \\\"Cat\\\" or \\\"Dog\\\"?\",\"locations\":[{\"line\":1,\"column\":52}]}]"},
            {"UniqueFragmentNames", "{ person { ...A ...B } } fragment A on Person { id } fragment B on Person { id }",
             "[]"},
            {"UniqueFragmentNames", "{ person { ...A } }\nfragment A on Person { id }\nfragment A on Person { age }",
             "[{\"message\":\"There can be only one fragment named \\\"A\\\".\",\"locations\":[{\"line\":2,\"column\":10},{\"line\":3,\"column\":10}]}]"},
            {"KnownFragmentNames", "{ person { ...A } } fragment A on Person { id }", "[]"},
            {"KnownFragmentNames", "{ person { ...Missing ... on Person { ...Other } } }",
             "[{\"message\":\"Unknown fragment \\\"Missing\\\".\",\"locations\":[{\"line\":1,\"column\":15}]},{\"message\":\"Unknown fragment \\\"Other\\\".\",\"locations\":[{\"line\":1,\"column\":42}]}]"},
            {"NoUnusedFragments", "{ person { ...A } } fragment A on Person { ...B } fragment B on Person { id }",
             "[]"},
            {"NoUnusedFragments", "{ person { id } }\nfragment A on Person { id }\nfragment B on Person { ...A }",
             "[{\"message\":\"Fragment \\\"A\\\" is never used.\",\"locations\":[{\"line\":2,\"column\":1}]},{\"message\":\"Fragment \\\"B\\\" is never used.\",\"locations\":[{\"line\":3,\"column\":1}]}]"},
            {"PossibleFragmentSpreads", "{ pet { ... on Dog { barks } ...C } } fragment C on Cat { meows }", "[]"},
            {"PossibleFragmentSpreads",
             "{ pet { ... on Blob { id } ...P } }\nfragment P on Person { id }", "[{\"message\":\"Fragment cannot be spread here as objects of type \\\"Pet\\\" can never be of type \\\"Blob\\\".\",\"locations\":[{\"line\":1,\"column\":9}]},{\"message\":\"Fragment \\\"P\\\" cannot be spread here as objects of type \\\"Pet\\\" can never be of type \\\"Person\\\".\",\"locations\":[{\"line\":1,\"column\":28}]}]"},
            {"NoFragmentCycles",
             "{ person { ...A } } fragment A on Person { friends { ...B } } fragment B on Person { id }", "[]"},
            {"NoFragmentCycles",
             "{ person { ...A } }\nfragment A on Person { friends { ...B } }\nfragment B on Person { ...C }\nfragment C on Person { ...A ...B }",
             "[{\"message\":\"Cannot spread fragment \\\"A\\\" within itself via \\\"B\\\", \\\"C\\\".\",\"locations\":[{\"line\":2,\"column\":34},{\"line\":3,\"column\":24},{\"line\":4,\"column\":24}]},{\"message\":\"Cannot spread fragment \\\"B\\\" within itself via \\\"C\\\".\",\"locations\":[{\"line\":3,\"column\":24},{\"line\":4,\"column\":29}]}]"},
            {"UniqueVariableNames",
             "query Q($a: Int, $b: Int) { things(first: $a) { __typename } t: things(first: $b) { __typename } }",
             "[]"},
            {"UniqueVariableNames", "query Q($a: Int, $a: Int, $a: String) { things(first: $a) { __typename } }",
             "[{\"message\":\"There can be only one variable named \\\"$a\\\".\",\"locations\":[{\"line\":1,\"column\":10},{\"line\":1,\"column\":19},{\"line\":1,\"column\":28}]},{\"message\":\"Variable \\\"$a\\\" of type \\\"String\\\" used in position expecting type \\\"Int\\\".\",\"locations\":[{\"line\":1,\"column\":27},{\"line\":1,\"column\":55}]}]"},
            {"NoUndefinedVariables",
             "query Q($a: Int) { ...F } fragment F on Query { things(first: $a) { __typename } }", "[]"},
            {"NoUndefinedVariables",
             "query Q { ...F }\nfragment F on Query { things(first: $a, after: $b) { __typename } }\n",
             "[{\"message\":\"Variable \\\"$a\\\" is not defined by operation \\\"Q\\\".\",\"locations\":[{\"line\":2,\"column\":37},{\"line\":1,\"column\":1}]},{\"message\":\"Variable \\\"$b\\\" is not defined by operation \\\"Q\\\".\",\"locations\":[{\"line\":2,\"column\":48},{\"line\":1,\"column\":1}]}]"},
            {"NoUnusedVariables", "query Q($a: Int) { things(first: $a) { __typename } }", "[]"},
            {"NoUnusedVariables", "query Q($a: Int, $b: String) { person { id } }\nquery ($c: ID) { person { id } }",
             "[{\"message\":\"Variable \\\"$a\\\" is never used in operation \\\"Q\\\".\",\"locations\":[{\"line\":1,\"column\":9}]},{\"message\":\"Variable \\\"$b\\\" is never used in operation \\\"Q\\\".\",\"locations\":[{\"line\":1,\"column\":18}]},{\"message\":\"This anonymous operation must be the only defined operation.\",\"locations\":[{\"line\":2,\"column\":1}]},{\"message\":\"Variable \\\"$c\\\" is never used.\",\"locations\":[{\"line\":2,\"column\":8}]}]"},
            {"KnownDirectives", "{ person @rep { id @skip(if: false) } }", "[]"},
            {"KnownDirectives", "query Q @skip(if: true) { person @foo { id } }",
             "[{\"message\":\"Directive \\\"@skip\\\" may not be used on QUERY.\",\"locations\":[{\"line\":1,\"column\":9}]},{\"message\":\"Unknown directive \\\"@foo\\\".\",\"locations\":[{\"line\":1,\"column\":34}]}]"},
            {"UniqueDirectivesPerLocation", "{ person @rep @rep { id @skip(if: false) @include(if: true) } }", "[]"},
            {"UniqueDirectivesPerLocation", "{ person { id @skip(if: false) @skip(if: true) @skip(if: true) } }", "[{\"message\":\"The directive \\\"@skip\\\" can only be used once at this location.\",\"locations\":[{\"line\":1,\"column\":15},{\"line\":1,\"column\":32}]},{\"message\":\"The directive \\\"@skip\\\" can only be used once at this location.\",\"locations\":[{\"line\":1,\"column\":15},{\"line\":1,\"column\":48}]}]"},
            {"KnownArgumentNames", "{ things(first: 1, after: \"x\") { __typename } }", "[]"},
            {"KnownArgumentNames", "{ things(frist: 1) { __typename } person { id @skip(iff: true, if: true) } }",
             "[{\"message\":\"Unknown argument \\\"frist\\\" on field \\\"Query.things\\\". Did you mean \\\"first\\\"?\",\"locations\":[{\"line\":1,\"column\":10}]},{\"message\":\"Unknown argument \\\"iff\\\" on directive \\\"@skip\\\". Did you mean \\\"if\\\"?\",\"locations\":[{\"line\":1,\"column\":53}]}]"},
            {"UniqueArgumentNames", "{ things(first: 1) { __typename } }", "[]"},
            {"UniqueArgumentNames",
             "{ things(first: 1, first: 2) { __typename } person { id @skip(if: true, if: false) } }",
             "[{\"message\":\"There can be only one argument named \\\"first\\\".\",\"locations\":[{\"line\":1,\"column\":10},{\"line\":1,\"column\":20}]},{\"message\":\"There can be only one argument named \\\"if\\\".\",\"locations\":[{\"line\":1,\"column\":63},{\"line\":1,\"column\":73}]}]"},
            {"ValuesOfCorrectType",
             "{ check(r: {a: 1, c: [1, 2]}, list: [[1]], flag: true) deep(c: RED, d: \"2020\") { id } }", "[]"},
            {"ValuesOfCorrectType",
             "{ check(r: {a: \"1\", c: [null], q: 1}, flag: null) deep(c: \"RED\") { id } things(first: 1.5) { __typename } }",
             "[{\"message\":\"Int cannot represent non-integer value: \\\"1\\\"\",\"locations\":[{\"line\":1,\"column\":16}]},{\"message\":\"Expected value of type \\\"Int!\\\", found null.\",\"locations\":[{\"line\":1,\"column\":25}]},{\"message\":\"Field \\\"q\\\" is not defined by type \\\"Req\\\". Did you mean \\\"a\\\", \\\"b\\\", or \\\"c\\\"?\",\"locations\":[{\"line\":1,\"column\":32}]},{\"message\":\"Expected value of type \\\"Boolean!\\\", found null.\",\"locations\":[{\"line\":1,\"column\":45}]},{\"message\":\"Enum \\\"Color\\\" cannot represent non-enum value: \\\"RED\\\". Did you mean the enum value \\\"RED\\\" or \\\"GREEN\\\"?\",\"locations\":[{\"line\":1,\"column\":59}]},{\"message\":\"Int cannot represent non-integer value: 1.5\",\"locations\":[{\"line\":1,\"column\":87}]}]"},
            {"ValuesOfCorrectType/oneOf", "{ check(o: {y: \"a\"}) }", "[]"},
            {"ValuesOfCorrectType/oneOf", "{ a: check(o: {x: 1, y: \"a\"}) b: check(o: {x: null}) }",
             "[{\"message\":\"OneOf Input Object \\\"One\\\" must specify exactly one key.\",\"locations\":[{\"line\":1,\"column\":15}]},{\"message\":\"Field \\\"One.x\\\" must be non-null.\",\"locations\":[{\"line\":1,\"column\":43}]}]"},
            {"ProvidedRequiredArguments", "{ node(id: 1) { id } check }", "[]"},
            {"ProvidedRequiredArguments",
             "{ node { id } person { id @skip } }", "[{\"message\":\"Field \\\"node\\\" argument \\\"id\\\" of type \\\"ID!\\\" is required, but it was not provided.\",\"locations\":[{\"line\":1,\"column\":3}]},{\"message\":\"Directive \\\"@skip\\\" argument \\\"if\\\" of type \\\"Boolean!\\\" is required, but it was not provided.\",\"locations\":[{\"line\":1,\"column\":27}]}]"},
            {"VariablesInAllowedPosition", "query Q($f: Boolean, $i: ID!) { check(flag: $f) node(id: $i) { id } }",
             "[]"},
            {"VariablesInAllowedPosition",
             "query Q($i: ID, $s: String!, $l: [Int]) { node(id: $i) { id } n: node(id: $s) { id } check(list: [$l]) }",
             "[{\"message\":\"Variable \\\"$i\\\" of type \\\"ID\\\" used in position expecting type \\\"ID!\\\".\",\"locations\":[{\"line\":1,\"column\":9},{\"line\":1,\"column\":52}]},{\"message\":\"Variable \\\"$s\\\" of type \\\"String!\\\" used in position expecting type \\\"ID!\\\".\",\"locations\":[{\"line\":1,\"column\":17},{\"line\":1,\"column\":75}]},{\"message\":\"Variable \\\"$l\\\" of type \\\"[Int]\\\" used in position expecting type \\\"[Int!]!\\\".\",\"locations\":[{\"line\":1,\"column\":30},{\"line\":1,\"column\":99}]}]"},
            {"OverlappingFieldsCanBeMerged",
             "{ pet { ... on Dog { x: barks } ... on Cat { x: meows } } person { id id } }", "[]"},
            {"OverlappingFieldsCanBeMerged",
             "{ person { x: id x: name } things(first: 1) { __typename } things(first: 2) { __typename } }",
             "[{\"message\":\"Fields \\\"things\\\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.\",\"locations\":[{\"line\":1,\"column\":28},{\"line\":1,\"column\":60}]},{\"message\":\"Fields \\\"x\\\" conflict because \\\"id\\\" and \\\"name\\\" are different fields. Use different aliases on the fields to fetch both if this was intentional.\",\"locations\":[{\"line\":1,\"column\":12},{\"line\":1,\"column\":18}]}]"},
            {"OverlappingFieldsCanBeMerged/deep", "{ person { friends { id } friends { name } } }", "[]"},
            {"OverlappingFieldsCanBeMerged/deep", "{ person { friends { x: id } friends { x: age } } }",
             "[{\"message\":\"Fields \\\"friends\\\" conflict because subfields \\\"x\\\" conflict because \\\"id\\\" and \\\"age\\\" are different fields. Use different aliases on the fields to fetch both if this was intentional.\",\"locations\":[{\"line\":1,\"column\":12},{\"line\":1,\"column\":22},{\"line\":1,\"column\":30},{\"line\":1,\"column\":40}]}]"},
            {"UniqueInputFieldNames", "{ check(r: {a: 1, b: \"x\", c: []}) }", "[]"},
            {"UniqueInputFieldNames", "{ check(r: {a: 1, a: 2, c: [], nested: {a: 1, a: 1, c: []}}) }",
             "[{\"message\":\"There can be only one input field named \\\"a\\\".\",\"locations\":[{\"line\":1,\"column\":13},{\"line\":1,\"column\":19}]},{\"message\":\"There can be only one input field named \\\"a\\\".\",\"locations\":[{\"line\":1,\"column\":41},{\"line\":1,\"column\":47}]}]"},
            {"TypeSystemInDocument", "{ person { id } }", "[]"},
            {"TypeSystemInDocument",
             "{ person { id @d @d(n: 1, m: 2) } }\ndirective @d(n: Int!) on FIELD\ntype T @deprecated @deprecated { f: Strin @d }\nextend type T @deprecated",
             "[{\"message\":\"The \\\"d\\\" definition is not executable.\",\"locations\":[{\"line\":2,\"column\":1}]},{\"message\":\"The \\\"T\\\" definition is not executable.\",\"locations\":[{\"line\":3,\"column\":1}]},{\"message\":\"The \\\"T\\\" definition is not executable.\",\"locations\":[{\"line\":4,\"column\":1}]},{\"message\":\"The directive \\\"@d\\\" can only be used once at this location.\",\"locations\":[{\"line\":1,\"column\":15},{\"line\":1,\"column\":18}]},{\"message\":\"Directive \\\"@d\\\" argument \\\"n\\\" of type \\\"Int!\\\" is required, but it was not provided.\",\"locations\":[{\"line\":1,\"column\":15}]},{\"message\":\"Unknown argument \\\"m\\\" on directive \\\"@d\\\". Did you mean \\\"n\\\"?\",\"locations\":[{\"line\":1,\"column\":27}]},{\"message\":\"The directive \\\"@deprecated\\\" can only be used once at this location.\",\"locations\":[{\"line\":3,\"column\":8},{\"line\":3,\"column\":20}]},{\"message\":\"Directive \\\"@deprecated\\\" may not be used on OBJECT.\",\"locations\":[{\"line\":3,\"column\":8}]},{\"message\":\"Directive \\\"@deprecated\\\" may not be used on OBJECT.\",\"locations\":[{\"line\":3,\"column\":20}]},{\"message\":\"Unknown type \\\"Strin\\\". Did you mean \\\"String\\\" or \\\"Thing\\\"?\",\"locations\":[{\"line\":3,\"column\":37}]},{\"message\":\"Directive \\\"@d\\\" may not be used on FIELD_DEFINITION.\",\"locations\":[{\"line\":3,\"column\":43}]},{\"message\":\"Directive \\\"@d\\\" argument \\\"n\\\" of type \\\"Int!\\\" is required, but it was not provided.\",\"locations\":[{\"line\":3,\"column\":43}]},{\"message\":\"The directive \\\"@deprecated\\\" can only be used once at this location.\",\"locations\":[{\"line\":3,\"column\":8},{\"line\":4,\"column\":15}]},{\"message\":\"Directive \\\"@deprecated\\\" may not be used on OBJECT.\",\"locations\":[{\"line\":4,\"column\":15}]}]"},
            {"EnumSuggestionUnicode", "{ deep(c: GREEN) { id } }", "[]"},
            {"EnumSuggestionUnicode",
             "{ a: deep(c: \"GRΕEN\") { id } b: deep(c: \"KRED\") { id } c: deep(c: \"BLUE😀\") { id } }",
             "[{\"message\":\"Enum \\\"Color\\\" cannot represent non-enum value: \\\"GRΕEN\\\". Did you mean the enum value \\\"GREEN\\\"?\",\"locations\":[{\"line\":1,\"column\":14}]},{\"message\":\"Enum \\\"Color\\\" cannot represent non-enum value: \\\"KRED\\\". Did you mean the enum value \\\"RED\\\"?\",\"locations\":[{\"line\":1,\"column\":41}]},{\"message\":\"Enum \\\"Color\\\" cannot represent non-enum value: \\\"BLUE😀\\\". Did you mean the enum value \\\"BLUE\\\"?\",\"locations\":[{\"line\":1,\"column\":67}]}]"},
            {"FragmentsAndVariablesAcrossOperations",
             "query A($x: Int) { ...F } query B($x: Int) { ...F } fragment F on Query { things(first: $x) { __typename } }",
             "[]"},
            {"FragmentsAndVariablesAcrossOperations",
             "query A($x: Int!) { ...F }\nquery B { ...F }\nquery C($x: String) { ...F }\nfragment F on Query { things(first: $x) { __typename } }",
             "[{\"message\":\"Variable \\\"$x\\\" is not defined by operation \\\"B\\\".\",\"locations\":[{\"line\":4,\"column\":37},{\"line\":2,\"column\":1}]},{\"message\":\"Variable \\\"$x\\\" of type \\\"String\\\" used in position expecting type \\\"Int\\\".\",\"locations\":[{\"line\":3,\"column\":9},{\"line\":4,\"column\":37}]}]"},
            {"MaxIntrospectionDepth", "{ __schema { types { fields { type { name } } } } }", "[]"},
            {"MaxIntrospectionDepth",
             "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
             "[{\"message\":\"Maximum introspection depth exceeded\",\"locations\":[{\"line\":1,\"column\":3}]}]"},
};

/* Parses and validates doc; returns the errors array (caller owns) and the return code. */
static json_object *run(const char *doc, int *rc)
{
    gql_document_t *d = NULL;
    gql_syntax_error_t err;
    json_object *errors = json_object_new_array();
    *rc = -100;
    if (gql_parse(doc, strlen(doc), NULL, &d, &err) != GQL_PARSE_OK) {
        fprintf(stderr, "parse failed: %s\n  %s\n", err.message, doc);
        return errors;
    }
    *rc = gql_validate(&test_schema, d, errors);
    gql_document_free(d);
    return errors;
}

static void test_rules(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        json_object *errors = run(cases[i].doc, &rc);
        json_object *want = json_tokener_parse(cases[i].expect);
        const char *got_s = json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PLAIN);
        const char *want_s = json_object_to_json_string_ext(want, JSON_C_TO_STRING_PLAIN);
        if (strcmp(got_s, want_s) != 0)
            fprintf(stderr, "rule %s, document:\n%s\n", cases[i].rule, cases[i].doc);
        CHECK_STR(got_s, want_s);
        CHECK(rc == (int)json_object_array_length(want));
        json_object_put(want);
        json_object_put(errors);
    }
}

/* 100 errors are kept, the 101st becomes graphql-js's abort message without locations. */
static void test_error_limit(void)
{
    char doc[8192] = "{ person { ";
    for (int i = 0; i < 150; i++)
        snprintf(doc + strlen(doc), sizeof doc - strlen(doc), "f%d ", i);
    strcat(doc, "} }");
    int rc;
    json_object *errors = run(doc, &rc);
    CHECK(rc == 101);
    CHECK(json_object_array_length(errors) == 101);
    json_object *last = json_object_array_get_idx(errors, 100);
    CHECK_STR(json_object_get_string(json_object_object_get(last, "message")),
              "Too many validation errors, error limit reached. Validation aborted.");
    CHECK(json_object_object_get(last, "locations") == NULL);
    json_object *first = json_object_array_get_idx(errors, 0);
    CHECK_STR(json_object_get_string(json_object_object_get(first, "message")),
              "Cannot query field \"f0\" on type \"Person\".");
    json_object_put(errors);

    /* exactly 100 errors: no abort message */
    char doc2[8192] = "{ person { ";
    for (int i = 0; i < 100; i++)
        snprintf(doc2 + strlen(doc2), sizeof doc2 - strlen(doc2), "g%d ", i);
    strcat(doc2, "} }");
    errors = run(doc2, &rc);
    CHECK(rc == 100);
    CHECK(json_object_array_length(errors) == 100);
    json_object_put(errors);
}

/* Errors are appended after what the caller's array already holds, even when validation ends
 * with the single error graphql-js throws from SingleFieldSubscriptions. */
static void test_append(void)
{
    const char *docs[] = {"{ person { zzz } }", "subscription { tick(every: 1) @skip(if: $x) other { id } }"};
    const char *want[] = {"Cannot query field \"zzz\" on type \"Person\".",
                          "Argument \"if\" of required type \"Boolean!\" was provided the variable \"$x\" which was "
                          "not provided a runtime value."};
    for (int k = 0; k < 2; k++) {
        gql_document_t *d = NULL;
        CHECK(gql_parse(docs[k], strlen(docs[k]), NULL, &d, NULL) == GQL_PARSE_OK);
        if (!d)
            continue;
        json_object *errors = json_object_new_array();
        json_object_array_add(errors, json_object_new_string("kept"));
        int rc = gql_validate(&test_schema, d, errors);
        CHECK(rc == 1);
        CHECK(json_object_array_length(errors) == 2);
        CHECK_STR(json_object_get_string(json_object_array_get_idx(errors, 0)), "kept");
        CHECK_STR(json_object_get_string(json_object_object_get(json_object_array_get_idx(errors, 1), "message")),
                  want[k]);
        json_object_put(errors);
        gql_document_free(d);
    }
}

static char *grow_doc(size_t cap)
{
    char *p = malloc(cap);
    if (p)
        p[0] = 0;
    return p;
}

/* Hostile shapes: long fragment chains, a long cycle, deep nesting, many overlapping spreads. */
static void test_hostile(void)
{
    enum { N = 300 };
    size_t cap = 1 << 20;
    char *doc = grow_doc(cap);
    int rc;
    if (!doc)
        return;
    /* a chain F0 -> F1 -> ... -> F299 -> F0: one cycle error naming every spread */
    strcpy(doc, "{ person { ...F0 } }\n");
    for (int i = 0; i < N; i++)
        snprintf(doc + strlen(doc), cap - strlen(doc), "fragment F%d on Person { id ...F%d }\n", i, (i + 1) % N);
    json_object *errors = run(doc, &rc);
    CHECK(rc == 1);
    const char *m = json_object_get_string(json_object_object_get(json_object_array_get_idx(errors, 0), "message"));
    CHECK(m && strncmp(m, "Cannot spread fragment \"F0\" within itself via \"F1\", \"F2\"", 56) == 0);
    CHECK(json_object_array_length(json_object_object_get(json_object_array_get_idx(errors, 0), "locations")) == N);
    json_object_put(errors);

    /* deep nesting: person { friends { friends { ... } } } 200 levels, valid */
    strcpy(doc, "{ person { ");
    for (int i = 0; i < 200; i++)
        strcat(doc, "friends { ");
    strcat(doc, "id");
    for (int i = 0; i < 202; i++)
        strcat(doc, " }");
    errors = run(doc, &rc);
    CHECK(rc == 0);
    json_object_put(errors);

    /* many fragments spread side by side, all compatible: overlap comparisons stay bounded */
    strcpy(doc, "{ person { ");
    for (int i = 0; i < 120; i++)
        snprintf(doc + strlen(doc), cap - strlen(doc), "...G%d ", i);
    strcat(doc, "} }\n");
    for (int i = 0; i < 120; i++)
        snprintf(doc + strlen(doc), cap - strlen(doc), "fragment G%d on Person { id name friends { id } }\n", i);
    errors = run(doc, &rc);
    CHECK(rc == 0);
    json_object_put(errors);

    /* the same, with a conflict in every pair of fragments: capped at 100 + abort */
    strcpy(doc, "{ person { ");
    for (int i = 0; i < 40; i++)
        snprintf(doc + strlen(doc), cap - strlen(doc), "...H%d ", i);
    strcat(doc, "} }\n");
    for (int i = 0; i < 40; i++)
        snprintf(doc + strlen(doc), cap - strlen(doc), "fragment H%d on Person { x: %s }\n", i, i % 2 ? "id" : "name");
    errors = run(doc, &rc);
    CHECK(rc == 101);
    json_object_put(errors);

    /* fragment chains far beyond the server's token limit: recursion stays bounded and validation
     * ends with "Validation aborted." rather than exhausting the stack */
    const char *shapes[] = {"fragment K%d on Person { id ...K%d }\n",
                            "fragment K%d on Person { friends { ...K%d } }\n"};
    for (int k = 0; k < 2; k++) {
        strcpy(doc, "{ person { ...K0 } }\n");
        for (int i = 0; i < 5000; i++)
            snprintf(doc + strlen(doc), cap - strlen(doc), shapes[k], i, i + 1);
        errors = run(doc, &rc);
        CHECK(rc >= 1);
        int n = (int)json_object_array_length(errors);
        const char *lm =
            n ? json_object_get_string(json_object_object_get(json_object_array_get_idx(errors, n - 1), "message"))
              : NULL;
        CHECK_STR(lm, "Validation aborted.");
        json_object_put(errors);
    }
    free(doc);
}

/* graphql-js meters OverlappingFieldsCanBeMerged (500000 units): 354 copies of the same field
 * still validate, 355 end in its "Validation aborted." error, as graphql-js 16.15 does. */
static void test_overlap_budget(void)
{
    size_t cap = 1 << 16;
    char *doc = grow_doc(cap);
    if (!doc)
        return;
    for (int n = 354; n <= 355; n++) {
        strcpy(doc, "{ ");
        for (int i = 0; i < n; i++)
            strcat(doc, "person { id name } ");
        strcat(doc, "}");
        int rc;
        json_object *errors = run(doc, &rc);
        CHECK(rc == (n == 354 ? 0 : 1));
        if (n == 355)
            CHECK_STR(json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PLAIN),
                      "[{\"message\":\"Validation aborted.\"}]");
        json_object_put(errors);
    }
    free(doc);
}

int main(void)
{
    test_overlap_budget();
    test_rules();
    test_error_limit();
    test_append();
    test_hostile();
    RT_TEST_MAIN_END();
}

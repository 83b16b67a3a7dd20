/* Input values at execution: argument literals and variables coerced to JSON against their
 * schema types (graphql-js valueFromAST / coerceArgumentValues), and number formatting as
 * JavaScript prints numbers, so results match graphql-js byte for byte. */
#ifndef RT_GQL_EXEC_VALUE_H
#define RT_GQL_EXEC_VALUE_H

#include <json-c/json.h>
#include <stddef.h>

#include "gql/gql_exec.h"
#include "util/util_buf.h"

/* Writes d as JavaScript's Number#toString does (shortest round-trip digits); "null" for NaN
 * and infinities. Returns the snprintf result. */
int gql_exec_format_number(double d, char *buf, size_t cap);

/* A number as JavaScript's String() shows it, "Infinity" and "-Infinity" included. */
void gql_js_number(double d, char *out, size_t cap);
/* The JavaScript number a JSON number becomes (json-c keeps big integers as int64/uint64). */
double gql_js_value(json_object *v);
/* A JSON number as JavaScript shows it: integers exactly while they are exact in a double. */
void gql_js_number_text(json_object *v, char *out, size_t cap);
/* Appends graphql-js inspect() of a JSON value (depth 2, 10 items), for error messages. */
void gql_inspect(rt_buf_t *b, json_object *v);

/* valueFromAST: coerces literal `v` (variables looked up in `variables`, may be NULL) to input
 * type `t`. Returns 0 with *out a new reference (NULL for JSON null), 1 when the value is
 * "undefined" (a variable without a runtime value), -1 when invalid, -2 on no memory. */
int gql_exec_value_from_ast(const gql_schema_t *s, const gql_typeref_t *t, const gql_ast_value_t *v,
                            json_object *variables, json_object **out);

#endif

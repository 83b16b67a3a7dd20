/* Validation of executable documents against the compiled schema tables: every rule of
 * graphql-js 16.15's specifiedRules, with its exact messages, locations and error order (the
 * rules run interleaved over one document traversal, as graphql-js's parallel visitor does). */
#ifndef RT_GQL_VALIDATE_H
#define RT_GQL_VALIDATE_H

#include <json-c/json.h>

#include "gql/gql_schema.h"
#include "gql/syntax/gql_ast.h"

/* graphql-js validate()'s default maxErrors: after this many errors one more error,
 * "Too many validation errors, error limit reached. Validation aborted.", ends validation. */
#define GQL_VALIDATE_MAX_ERRORS 100

/* Validates `doc` (borrowed) against `schema` (borrowed). Appends one GraphQL error object
 * {message, locations:[{line,column},...]} per failure to the json array `errors` (borrowed; the
 * appended objects become owned by the array), in graphql-js's order. Returns the number of errors
 * appended (0 = valid), or a negative value when memory ran out (errors may then hold a prefix). */
int gql_validate(const gql_schema_t *schema, const gql_document_t *doc, json_object *errors);

#endif

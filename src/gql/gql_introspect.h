/* Introspection over the generated schema tables: resolves the fields of __Schema, __Type,
 * __Field, __InputValue, __EnumValue and __Directive, and the meta-fields __schema / __type.
 * Values are small JSON stand-ins the executor passes back in as parents: a __Type is the
 * type reference's text ("[String!]!"), the others are JSON objects built on demand. */
#ifndef RT_GQL_INTROSPECT_H
#define RT_GQL_INTROSPECT_H

#include <json-c/json.h>
#include <stdbool.h>

#include "gql/gql_schema.h"

/* True for the introspection object types whose fields gql_introspect_resolve answers. */
bool gql_introspect_is_meta_type(const char *type_name);

/* Resolves `field` of an introspection object `type_name` whose value is `parent` (borrowed);
 * type_name NULL means the Query meta-fields "__schema" and "__type". `args` are the coerced
 * arguments (borrowed, may be NULL). Sets *value to a new reference (NULL for null) and returns
 * 0, or -1 when memory ran out. */
int gql_introspect_resolve(const gql_schema_t *s, const char *type_name, const char *field, json_object *parent,
                           json_object *args, json_object **value);

/* Appends the text of a type reference ("[String!]!") to a fixed buffer; returns its length or -1
 * when it does not fit. */
int gql_introspect_typeref_text(const gql_schema_t *s, const gql_typeref_t *r, char *buf, size_t cap);

#endif

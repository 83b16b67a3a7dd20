/* Execution of a prepared (parsed, validated, variables coerced) operation over JSON values:
 * field collection, argument coercion, default resolution from parent JSON objects, leaf
 * serialisation and non-null propagation, written straight into JSON text. gql_execute and
 * gql_render_event (gql.h) are thin wrappers over this interface. */
#ifndef RT_GQL_EXEC_H
#define RT_GQL_EXEC_H

#include <json-c/json.h>

#include "gql/gql.h"
#include "gql/gql_schema.h"
#include "gql/syntax/gql_ast.h"
#include "util/util_buf.h"

/* What execution needs of a prepared request; all borrowed from the request. */
typedef struct gql_exec_env {
    const gql_schema_t *schema;
    const gql_document_t *doc;
    const gql_ast_definition_t *op; /* the chosen operation */
    json_object *variables;         /* coerced variable values (a JSON object), or NULL */
} gql_exec_env_t;

/* Facts about the root field computed once per request (the subscription's single field). */
typedef struct gql_exec_root gql_exec_root_t;

/* Computes the root facts: first root field after @skip/@include, its response key, coerced
 * arguments and canonical selection key. Returns 0 with *out (caller owns, gql_exec_root_free),
 * GQL_ERR_REQUEST with *errors (caller owns) when arguments cannot be coerced, or GQL_ERR_NOMEM. */
int gql_exec_root_new(const gql_exec_env_t *env, gql_exec_root_t **out, json_object **errors);
void gql_exec_root_free(gql_exec_root_t *root);
const char *gql_exec_root_field(const gql_exec_root_t *root); /* field name */
const char *gql_exec_root_key(const gql_exec_root_t *root);   /* response key */
json_object *gql_exec_root_args(const gql_exec_root_t *root); /* borrowed */
const char *gql_exec_root_selection_key(const gql_exec_root_t *root);

/* Executes a query or mutation; returns {"errors"?: [...], "data": ...} (caller owns) or NULL
 * when memory runs out. */
json_object *gql_exec_execute(const gql_exec_env_t *env, gql_resolve_fn resolve, void *ctx);

/* Appends {"data":{"<key>":<value completed under the root field's selection>}} plus
 * ,"errors":[...] when fields errored. Returns 0 or -1 (out of memory; out is restored). */
int gql_exec_render_event(const gql_exec_env_t *env, const gql_exec_root_t *root, json_object *value, rt_buf_t *out);

/* Coerces the arguments of a field or directive node against their definitions (variables from
 * env, defaults from the schema). Returns a new JSON object (caller owns) or NULL with
 * *error_message set (malloc'd, caller frees; NULL too when memory ran out). */
json_object *gql_exec_coerce_args(const gql_exec_env_t *env, const gql_input_value_t *defs, int ndefs,
                                  const gql_ast_argument_t *args, char **error_message);

#endif

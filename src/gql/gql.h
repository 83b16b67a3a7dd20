/* The GraphQL engine's public face: prepare (parse + validate + choose operation + coerce
 * variables + limits) once per request, then execute a query or render subscription events.
 * Knows nothing of sockets or the store: root values come from a resolver callback. */
#ifndef RT_GQL_H
#define RT_GQL_H

#include <json-c/json.h>
#include <stddef.h>

#include "gql/gql_schema.h"
#include "util/util_buf.h"

/* Items one list may hold, in the document or in variables, unless gql_limits_t says otherwise. */
#define GQL_DEFAULT_MAX_LIST_ITEMS 100

typedef struct gql_limits {
    int max_depth;  /* schema fields only; introspection is bounded by MaxIntrospectionDepthRule */
    int max_tokens; /* enforced while lexing */
    /* Items per list value (literal or variable, at any nesting): 0 means GQL_DEFAULT_MAX_LIST_ITEMS,
     * so a caller that predates the field still gets the bound; negative means no limit. A filter
     * list is scanned for every change on its topic, hence the default even without a flag. */
    int max_list_items;
} gql_limits_t;

typedef enum { GQL_OP_QUERY, GQL_OP_MUTATION, GQL_OP_SUBSCRIPTION } gql_op_kind_t;

/* prepare's result codes. Every non-zero code comes with *errors set. */
enum {
    GQL_OK = 0,
    GQL_ERR_SYNTAX = -1,      /* document does not parse */
    GQL_ERR_VALIDATION = -2,  /* fails a validation rule */
    GQL_ERR_TOO_COMPLEX = -3, /* depth/token/list limits: errors carry extensions.code QUERY_TOO_COMPLEX */
    GQL_ERR_REQUEST = -4,     /* unknown operationName, ambiguous operation, bad variables */
    GQL_ERR_NOMEM = -5,
    GQL_ERR_PERSISTED = -6, /* persisted operation unknown or refused: extensions.code says which */
};

typedef struct gql_request gql_request_t; /* opaque, immutable once prepared */

/* Prepares one request. `variables` (borrowed, may be NULL) is a JSON object; `operation_name`
 * may be NULL; `limits` may be NULL (no limits). On GQL_OK *out is owned by the caller
 * (gql_request_free). Otherwise *errors is a
 * json array of GraphQL error objects ({message, locations?, extensions?}) owned by the caller. */
int gql_request_prepare(const gql_schema_t *schema, const char *query, size_t len, json_object *variables,
                        const char *operation_name, const gql_limits_t *limits, gql_request_t **out,
                        json_object **errors);
void gql_request_free(gql_request_t *req);

gql_op_kind_t gql_request_kind(const gql_request_t *req);

/* Resolves a root field (Query fields) whose value the engine cannot take from a parent value.
 * `args` are the coerced arguments (borrowed). Set *value to a new reference (engine takes it;
 * NULL means null) and return 0; or return -1 and set *error_message (malloc'd, engine frees)
 * to produce a field error, optionally with *value set to a JSON object (engine takes it) that
 * becomes the error's "extensions" (e.g. {"code":"UNAUTHENTICATED"}). Introspection fields
 * never reach the resolver. */
typedef int (*gql_resolve_fn)(void *ctx, const char *field_name, json_object *args, json_object **value,
                              char **error_message);

/* Executes a query or mutation. Returns {"data": ..., "errors": [...]?} (caller owns). Fields of
 * object values are read from the JSON value by field name; enums and scalars are serialised
 * per their type; non-null violations propagate with errors carrying path and locations. */
json_object *gql_execute(const gql_request_t *req, gql_resolve_fn resolve, void *ctx);

/* Subscription requests: the single root field's response key, name and coerced arguments. */
const char *gql_request_root_field(const gql_request_t *req);
json_object *gql_request_root_args(const gql_request_t *req); /* borrowed, lives with req */

/* Canonical text of the root field's selection (after variables and @include/@skip, with the
 * response keys): requests with equal keys render every value identically, so the feed renders
 * once per key. Borrowed, lives with req. */
const char *gql_request_selection_key(const gql_request_t *req);

/* Renders one subscription event: `value` is the root field's value (e.g. a change object
 * {mutation, node, previousValues, updatedFields, cursor}); appends the JSON text of the
 * execution result {"data":{<key>:...}} (plus "errors" when a field errored) to out. */
int gql_render_event(const gql_request_t *req, json_object *value, rt_buf_t *out);

/* Builds a GraphQL error object {message, extensions:{code}} (caller owns); code may be NULL. */
json_object *gql_error_new(const char *message, const char *code);

#endif

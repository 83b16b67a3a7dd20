/* TEMPORARY: stands in for the GraphQL engine until it lands; every document is refused with
 * a GraphQL error. Removed when src/gql's engine is merged. */
#include <stdlib.h>

#include "gql/gql.h"

json_object *gql_error_new(const char *message, const char *code)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "message", json_object_new_string(message));
    if (code) {
        json_object *ext = json_object_new_object();
        json_object_object_add(ext, "code", json_object_new_string(code));
        json_object_object_add(e, "extensions", ext);
    }
    return e;
}

int gql_request_prepare(const gql_schema_t *schema, const char *query, size_t len, json_object *variables,
                        const char *operation_name, const gql_limits_t *limits, gql_request_t **out,
                        json_object **errors)
{
    *out = NULL;
    *errors = json_object_new_array();
    json_object_array_add(*errors, gql_error_new("The GraphQL engine is not available yet", NULL));
    return GQL_ERR_VALIDATION;
}

void gql_request_free(gql_request_t *req) { (void)req; }
gql_op_kind_t gql_request_kind(const gql_request_t *req) { return GQL_OP_QUERY; }
json_object *gql_execute(const gql_request_t *req, gql_resolve_fn resolve, void *ctx) { return json_object_new_object(); }

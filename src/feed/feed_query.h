/* The Query root (SPEC 5): viewer, organization and single nodes read from the store and
 * filtered by the principal's view (null, without error, for what it may not see). */
#ifndef RT_FEED_QUERY_H
#define RT_FEED_QUERY_H

#include <json-c/json.h>

#include "auth/auth.h"
#include "server.h"

typedef struct feed_query_ctx {
    rt_server_t *srv;
    auth_identity_t *who; /* borrowed for the duration of gql_execute */
} feed_query_ctx_t;

/* A gql_resolve_fn: pass it to gql_execute with a feed_query_ctx_t. Runs on the calling
 * (network) thread; store reads are short indexed lookups. */
int feed_query_resolve(void *ctx, const char *field_name, json_object *args, json_object **value, char **error_message);

#endif

/* Query root fields (viewer, organization, blob, revision, session, execution) resolved from
 * the store for one principal; what the principal may not see resolves to null. */
#ifndef RT_FEED_QUERY_H
#define RT_FEED_QUERY_H

#include <json-c/json.h>

#include "auth/auth.h"
#include "server.h"

typedef struct feed_query_ctx {
    rt_server_t *srv;
    auth_identity_t *who; /* NULL: unauthenticated */
} feed_query_ctx_t;

/* A gql_resolve_fn (src/gql/gql.h) with ctx a feed_query_ctx_t. */
int feed_query_resolve(void *ctx, const char *field_name, json_object *args, json_object **value,
                       char **error_message);

#endif

/* The Query root resolvers, shared by GraphQL over HTTP and over WebSocket: viewer,
 * organization and single nodes read from the store and filtered by the principal's view
 * (null, without error, for what it may not see; docs/schema.md). */
#ifndef RT_APP_QUERY_H
#define RT_APP_QUERY_H

#include <json-c/json.h>
#include <stdbool.h>

#include "auth/auth.h"
#include "server.h"

typedef struct app_query_ctx {
    rt_server_t *srv;
    auth_identity_t *who;   /* borrowed for the duration of gql_execute */
    bool store_unavailable; /* set when a read failed with STORE_ERR_UNAVAILABLE */
} app_query_ctx_t;

/* A gql_resolve_fn: pass it to gql_execute with an app_query_ctx_t. Runs on the calling
 * (network) thread; store reads are short indexed lookups. */
int app_query_resolve(void *ctx, const char *field_name, json_object *args, json_object **value, char **error_message);

#endif

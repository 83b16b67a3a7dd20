/* TEMPORARY: stands in for the HTTP handlers until the engine and the store land. */
#include "http/http_events.h"
#include "http/http_graphql.h"

void http_graphql_handle(struct rt_server *srv, http_exchange_t *x, gql_resolve_fn resolve, void *resolve_ctx)
{
    http_respond_error(x, 503, "GraphQL over HTTP is not available yet");
}

void http_events_handle(struct rt_server *srv, http_exchange_t *x)
{
    http_respond_error(x, 503, "Ingestion is not available yet");
}

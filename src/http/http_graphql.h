/* GraphQL over HTTP at /v1/graphql (GET and POST), answered on the calling thread. The pure
 * decisions live in http_graphql_params.c; this file only connects them to an exchange. */
#ifndef RT_HTTP_GRAPHQL_H
#define RT_HTTP_GRAPHQL_H

#include "gql/gql.h"
#include "http/http.h"

struct rt_server;

/* Answers the exchange (exactly once, before returning) for any method on /v1/graphql: uses
 * srv->schema and the limits srv->cfg.max_query_depth / max_query_tokens; root Query fields are
 * resolved by `resolve` with `resolve_ctx` (introspection needs neither). */
void http_graphql_handle(struct rt_server *srv, http_exchange_t *x, gql_resolve_fn resolve, void *resolve_ctx);

#endif

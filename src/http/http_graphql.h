/* GraphQL over HTTP at /v1/graphql (GET and POST, per the GraphQL-over-HTTP spec). */
#ifndef RT_HTTP_GRAPHQL_H
#define RT_HTTP_GRAPHQL_H

#include "gql/gql.h"
#include "http/http.h"
#include "server.h"

/* Answers the exchange (exactly once); root Query fields resolve through `resolve`. */
void http_graphql_handle(struct rt_server *srv, http_exchange_t *x, gql_resolve_fn resolve, void *resolve_ctx);

#endif

/* GET /graphiql and /graphiql/<asset>: the GraphiQL IDE embedded in the binary, served
 * precompressed with ETag revalidation (docs/graphiql.md). */
#ifndef RT_HTTP_GRAPHIQL_H
#define RT_HTTP_GRAPHIQL_H

#include <stdbool.h>

#include "http/http.h"
#include "server.h"

/* True when `path` is GraphiQL's (the page or anything under /graphiql/). */
bool http_graphiql_route(const char *path);

/* Answers a request whose path http_graphiql_route accepted: the asset (304 when
 * If-None-Match names it), 404 when --graphiql=false or no such asset, 405 for methods
 * other than GET and HEAD, and a short how-to page when the build has no GraphiQL. */
void http_graphiql_handle(rt_server_t *srv, http_exchange_t *x);

/* True when an Accept-Encoding value accepts gzip (a q of 0 refuses it). */
bool http_graphiql_accepts_gzip(const char *accept_encoding);

/* True when an If-None-Match value ("*" or a list of entity tags, weak or strong) names
 * the quoted entity tag `etag`. */
bool http_graphiql_etag_matches(const char *if_none_match, const char *etag);

#endif

/* GraphQL over HTTP: reads the exchange's request, lets http_graphql_process decide the whole
 * answer, and sends it. Runs the query synchronously on the calling thread. */
#include "http/http_graphql.h"

#include "http/http_graphql_params.h"
#include "server.h"

static const char *header(const http_request_t *r, const char *name)
{
    return r->header ? r->header(r->header_ctx, name) : NULL;
}

void http_graphql_handle(struct rt_server *srv, http_exchange_t *x, gql_resolve_fn resolve, void *resolve_ctx)
{
    const http_request_t *r = http_exchange_request(x);
    gql_limits_t limits = {.max_depth = srv->cfg.max_query_depth,
                           .max_tokens = srv->cfg.max_query_tokens,
                           .max_list_items = srv->cfg.max_list_items};
    http_gql_input_t in = {
        .method = r->method,
        .query_string = r->query_string,
        .body = r->body,
        .body_len = r->body_len,
        .content_type = header(r, "content-type"),
        .accept = header(r, "accept"),
        .persist = srv->persist,
    };
    http_gql_answer_t a;
    if (http_graphql_process(srv->schema, &limits, &in, resolve, resolve_ctx, &a) < 0) {
        http_respond_error(x, 500, "Out of memory");
        return;
    }
    http_exchange_respond(x, a.status, a.content_type, &a.body, a.extra_headers);
    http_graphql_answer_clear(&a);
}

/* GraphQL over HTTP without the network: Accept negotiation, request-parameter parsing (GET query
 * string, POST application/json) and the whole answer (status, content type, headers, body) for
 * one request, as the GraphQL-over-HTTP draft and graphql-http's reference handler decide them.
 * http_graphql.c only moves these answers to and from an exchange, so this part is unit-tested. */
#ifndef RT_HTTP_GRAPHQL_PARAMS_H
#define RT_HTTP_GRAPHQL_PARAMS_H

#include <json-c/json.h>
#include <stddef.h>

#include "gql/gql.h"
#include "gql/gql_persist.h"
#include "util/util_buf.h"

typedef enum {
    HTTP_GQL_MT_NONE = 0,         /* nothing acceptable: 406 */
    HTTP_GQL_MT_JSON,             /* application/json (also for * / * and application / *) */
    HTTP_GQL_MT_GRAPHQL_RESPONSE, /* application/graphql-response+json */
} http_gql_media_t;

/* Picks the response media type from an Accept header (NULL or "" means * / *). The first
 * acceptable entry wins, as in graphql-http; a charset other than utf-8 makes an entry
 * unacceptable; q-weights are not ranked. */
http_gql_media_t http_graphql_accept(const char *accept);

/* The request parameters; members are owned by the struct (http_graphql_params_clear). */
typedef struct http_gql_params {
    char *query;             /* NULL when absent: a persisted id names the document */
    size_t query_len;        /* the query may contain NUL bytes, which the parser rejects */
    char *document_id;       /* documentId: a persisted document's id, NULL when absent */
    char *operation_name;    /* NULL when absent or null */
    json_object *variables;  /* NULL when absent or null, else a JSON object */
    json_object *extensions; /* NULL when absent or null, else a JSON object */
} http_gql_params_t;

void http_graphql_params_clear(http_gql_params_t *p);

/* Parses the parameters of a GET (query string, form-encoded) or POST (JSON body) request.
 * Returns 0, or an HTTP status (400, 405, 415) with *message set to a static text. */
int http_graphql_parse_params(const char *method, const char *content_type, const char *query_string, const char *body,
                              size_t body_len, http_gql_params_t *out, const char **message);

/* Decodes one application/x-www-form-urlencoded component ('+' is a space, %XX a byte) into a
 * new NUL-terminated string (caller frees) of *out_len bytes (out_len may be NULL); NULL on a
 * bad escape or no memory. */
char *http_graphql_form_decode(const char *s, size_t len, size_t *out_len);

/* One HTTP answer. body and extra_headers are owned by the struct (http_graphql_answer_clear). */
typedef struct http_gql_answer {
    int status;
    const char *content_type;  /* static text */
    const char *extra_headers; /* static text: "name: value\r\n" lines, or NULL */
    rt_buf_t body;
} http_gql_answer_t;

void http_graphql_answer_clear(http_gql_answer_t *a);

typedef struct http_gql_input {
    const char *method;
    const char *query_string;
    const char *body;
    size_t body_len;
    const char *content_type;    /* header value or NULL */
    const char *accept;          /* header value or NULL */
    struct gql_persist *persist; /* persisted operations (gql_persist.h), NULL: none */
} http_gql_input_t;

/* Answers one GraphQL-over-HTTP request completely: negotiation, parameters, prepare (parse,
 * validate, limits, variables), the GET/mutation and subscription refusals, execution with
 * `resolve`. Returns 0 with *out filled (always, whatever the status), or -1 when memory ran out. */
int http_graphql_process(const gql_schema_t *schema, const gql_limits_t *limits, const http_gql_input_t *in,
                         gql_resolve_fn resolve, void *resolve_ctx, http_gql_answer_t *out);

#endif

/* The HTTP handlers' view of a request and how they answer it. The network layer owns the
 * exchange; a handler answers exactly once with http_exchange_respond, either before it
 * returns or later from any network thread's task queue after asynchronous work. */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include <stddef.h>

#include "util/util_buf.h"

struct rt_server;
typedef struct http_exchange http_exchange_t; /* opaque, owned by the network layer */

typedef struct http_request {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* without the query string */
    const char *query_string; /* raw, without '?', "" when none */
    const char *body;         /* NULL for GET; the whole body, NUL-terminated */
    size_t body_len;
    /* Header value by lower-case name ("content-type", "accept", "authorization"), or NULL. */
    const char *(*header)(void *ctx, const char *lower_name);
    void *header_ctx;
} http_request_t;

/* Answers the exchange: takes `body` (left empty); `content_type` is copied; `extra_headers`
 * (may be NULL) is a list of "name: value\r\n" lines, copied. Call once, on a network
 * thread: called on another than the exchange's, the answer is carried to the exchange's
 * thread through its queue. When the client has gone away meanwhile, it only frees. */
void http_exchange_respond(http_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                           const char *extra_headers);
/* The request of an exchange stays valid until it is answered. */
const http_request_t *http_exchange_request(http_exchange_t *x);

/* A JSON error answer {"error": message}. */
void http_respond_error(http_exchange_t *x, int status, const char *message);

#endif

/* The contract between the transport and the HTTP handlers: a request and the one way to answer
 * it. The network layer (net/) implements http_exchange_ops_t and hands each exchange to the
 * handler its route names; handlers see only this header, so http/ never links to net/. */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include <stddef.h>
#include <string.h>

#include "util/util_buf.h"
#include "util/util_taskq.h"

typedef struct http_exchange http_exchange_t;

typedef struct http_request {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* without the query string */
    const char *query_string; /* raw, without '?', "" when none */
    const char *body;         /* NULL for GET; the whole body, NUL-terminated */
    size_t body_len;
    /* Header value by lower-case name ("content-type", "accept", "authorization"), or NULL. */
    const char *(*header)(void *ctx, const char *lower_name);
    void *header_ctx;
    const char *peer; /* the direct peer's address, or NULL (proxies: see "x-forwarded-for") */
} http_request_t;

/* Called when the client leaves before the answer: it must make sure no answer will come
 * (cancel what is in flight, free its state); the transport then frees the exchange. */
typedef void (*http_abandon_fn)(void *arg);

/* What the transport provides for each exchange (see the inline wrappers below). */
typedef struct http_exchange_ops {
    const http_request_t *(*request)(http_exchange_t *x);
    void (*respond)(http_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                    const char *extra_headers);
    rt_taskq_t *(*queue)(http_exchange_t *x);
    void (*on_abandon)(http_exchange_t *x, http_abandon_fn fn, void *arg);
} http_exchange_ops_t;

/* Every transport's exchange starts with this. */
struct http_exchange {
    const http_exchange_ops_t *ops;
};

/* The request of an exchange stays valid until it is answered. */
static inline const http_request_t *http_exchange_request(http_exchange_t *x) { return x->ops->request(x); }

/* Answers the exchange: takes `body` (left empty); `content_type` is copied; `extra_headers`
 * (may be NULL) is a list of "name: value\r\n" lines, copied. Call once, on a network
 * thread: called on another than the exchange's, the answer is carried to the exchange's
 * thread through its queue. When the client has gone away meanwhile, it only frees. */
static inline void http_exchange_respond(http_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                                         const char *extra_headers)
{
    x->ops->respond(x, status, content_type, body, extra_headers);
}

/* The task queue of the thread that owns the exchange: asynchronous work (authentication)
 * answers through it, so the answer is made on that thread. */
static inline rt_taskq_t *http_exchange_queue(http_exchange_t *x) { return x->ops->queue(x); }

/* Registers (fn NULL: clears) what to call if the client leaves before the answer. Without one,
 * the exchange is kept until the answer comes. Call on the exchange's thread. */
static inline void http_exchange_on_abandon(http_exchange_t *x, http_abandon_fn fn, void *arg)
{
    x->ops->on_abandon(x, fn, arg);
}

/* A JSON error answer {"error": message}. */
static inline void http_respond_error(http_exchange_t *x, int status, const char *message)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, "{\"error\":");
    rt_buf_json_str(&b, message, strlen(message));
    rt_buf_puts(&b, "}");
    http_exchange_respond(x, status, "application/json", &b, NULL);
}

#endif

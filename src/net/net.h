/* The transport: one libwebsockets context per network thread (--threads), all listening on
 * one port; HTTP exchanges handed to the handlers the wiring layer registered (net_route_add),
 * WebSocket upgrades, the outgoing queues with their bound, pings, timers and the SIGTERM drain.
 * It knows no route, credential or schema of its own. */
#ifndef RT_NET_H
#define RT_NET_H

#include <stdbool.h>

#include "http/http.h"
#include "server.h"
#include "util/util_clock.h"
#include "util/util_frame.h"
#include "util/util_taskq.h"

typedef struct net net_t;
typedef struct net_ws net_ws_t; /* one WebSocket connection, owned by the transport */

/* Answers `x` exactly once, before returning or later (http/http.h). Runs on the exchange's
 * network thread. */
typedef void (*net_http_fn)(void *ctx, http_exchange_t *x);

/* One HTTP route: requests whose path is exactly `path` go to `handle`; a `path` ending in '/'
 * also takes every path under it (the longest such prefix wins; an exact match always does). */
typedef struct net_route {
    const char *path;   /* borrowed: a static string */
    const char *method; /* "GET" (HEAD included) or "POST": others are answered 405 with an Allow
                         * header; NULL: every method reaches the handler */
    bool body;          /* read the request body first (over --max-body-bytes: 413); false:
                         * the handler runs as soon as the headers are in */
    net_http_fn handle;
    void *ctx;
} net_route_t;

#define NET_MAX_ROUTES 16

/* The subprotocol a WebSocket agreed on. */
enum { NET_WS_NONE = 0, NET_WS_TRANSPORT = 1 /* graphql-transport-ws */, NET_WS_LEGACY = 2 /* graphql-ws */ };

/* What the upgrade request said; borrowed for the open call. */
typedef struct net_ws_info {
    int subprotocol;           /* NET_WS_*; NET_WS_NONE when the client offered none */
    const char *client_id;     /* from /v1/ws/{clientId}, or NULL */
    const char *query_token;   /* ?token=, or NULL */
    rt_taskq_t *q;             /* the queue of the connection's thread */
    const char *peer;          /* the direct peer's address, or NULL */
    const char *forwarded_for; /* X-Forwarded-For, or NULL */
} net_ws_info_t;

/* What a WebSocket connection's messages go to, set by the wiring layer (net_ws_handler_set).
 * Every call is made on the connection's thread. */
typedef struct net_ws_handler {
    /* A connection was accepted: returns its session (handed to the other calls), or NULL to
     * hang up. */
    void *(*open)(void *ctx, net_ws_t *ws, const net_ws_info_t *info);
    void (*message)(void *session, const char *data, size_t len); /* one whole message */
    void (*init_timeout)(void *session);                          /* --init-timeout-ms passed since the upgrade */
    void (*tick)(void *session, rt_wall_t wall, rt_mono_t mono);  /* periodic (the sweep) */
    void (*close)(void *session);                                 /* the socket is gone: the session frees itself */
    void *ctx;
} net_ws_handler_t;

/* Sets the WebSocket handler (copied); between net_start and net_run. */
void net_ws_handler_set(net_t *n, const net_ws_handler_t *h);

/* For a session: queue a message (msg malloc'd, taken), a message in parts (one reference to
 * each non-NULL frame taken), or the close. Sends return 0, or -1 when the connection is
 * closing (what was passed is released). Call on the connection's thread. */
int net_ws_send(net_ws_t *ws, char *msg, size_t len);
int net_ws_send_parts(net_ws_t *ws, rt_frame_t *head, rt_frame_t *body, const char *tail, size_t tail_len);
/* A close after what is queued (drop_queue: at once, dropping it). */
void net_ws_close(net_ws_t *ws, int code, const char *reason, int drop_queue);

/* Binds the listen sockets (one per thread) and creates every thread's task queue; srv->net_q
 * becomes thread 0's. Caller owns the result (net_free, after the workers
 * that answer into the queues stopped). Returns 0 or -1 (logged). */
int net_start(rt_server_t *srv, net_t **out);
/* Adds a route (copied) to every thread's table. Call between net_start and net_run. Returns 0,
 * or -1 when the table is full or the path is taken. Unknown paths are answered 404. */
int net_route_add(net_t *n, const net_route_t *route);
/* The bound port (useful with --port 0). */
int net_port(const net_t *n);
/* Serves on the calling thread (thread 0) and srv->nthreads - 1 more until a drain completes
 * everywhere: new connections refused, sockets closed 1001. Returns 0 once all are joined. */
int net_run(net_t *n);
/* Asks for a drain; thread-safe. */
void net_request_drain(net_t *n);
/* Runs what is queued for every thread, on the caller's (after net_run returned). */
void net_drain_tasks(net_t *n);
/* Closes every connection and destroys the contexts; the queues stay (pushes are kept, not run). */
void net_stop(net_t *n);
/* net_stop, then frees the queues (srv->net_q included) and the rest. */
void net_free(net_t *n);

#endif

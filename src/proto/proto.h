/* The WebSocket protocols (graphql-transport-ws and legacy graphql-ws) as one state machine
 * over an abstract transport: the network layer feeds whole messages in and implements
 * proto_io_t to send and close. No libwebsockets here, so it is unit-testable offline. */
#ifndef RT_PROTO_H
#define RT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util/util_clock.h"
#include "util/util_frame.h"
#include "util/util_taskq.h"

struct rt_server;
typedef struct proto_conn proto_conn_t;
typedef struct proto_hub proto_hub_t;

typedef enum {
    PROTO_NONE = 0,         /* no acceptable subprotocol: closed 4406 at once */
    PROTO_TRANSPORT_WS = 1, /* graphql-transport-ws */
    PROTO_LEGACY_WS = 2,    /* graphql-ws (subscriptions-transport-ws) */
} proto_kind_t;

/* The transport, implemented by the network layer. Every call is made on the connection's
 * thread. Sends queue a message; they return 0, or -1 when the connection is closing. */
typedef struct proto_io {
    /* Queues msg (malloc'd; ownership passes to the transport). */
    int (*send)(void *io_ctx, char *msg, size_t len);
    /* Queues the message head + body + tail; takes one reference to each non-NULL frame. */
    int (*send_parts)(void *io_ctx, rt_frame_t *head, rt_frame_t *body, const char *tail, size_t tail_len);
    /* Queues a close after what is already queued (drop_queue: close at once instead). */
    void (*close)(void *io_ctx, int code, const char *reason, int drop_queue);
} proto_io_t;

/* What the upgrade request said; copied by proto_conn_new. */
typedef struct proto_conn_info {
    const char *client_id;     /* from /v1/ws/{clientId}, or NULL */
    const char *query_token;   /* ?token=, or NULL */
    const char *peer;          /* the direct peer's address, or NULL */
    const char *forwarded_for; /* its X-Forwarded-For header, or NULL */
    rt_taskq_t *q;             /* the queue of the connection's thread: authentication results,
                              * feed replays and deliveries run there (NULL: srv->net_q) */
} proto_conn_info_t;

struct gql_request;
struct auth_identity;
typedef json_object *(*proto_query_fn)(void *ctx, const struct gql_request *req, struct auth_identity *who);

/* Shared state of all connections of a server (client-id registry); one per server, used from
 * every network thread. A connection replaced by a newer one on another thread is closed on
 * its own thread (through its queue). */
/* `query` (may be NULL: only introspection answers) executes a query or mutation sent over a
 * socket for `who` (borrowed; NULL when the connection has no principal) and returns the
 * result the client gets; the wiring layer supplies the Query resolvers this way. */
proto_hub_t *proto_hub_new(proto_query_fn query, void *query_ctx);
void proto_hub_free(proto_hub_t *hub);

/* Caller owns the connection (proto_conn_free). NULL on OOM. */
proto_conn_t *proto_conn_new(struct rt_server *srv, proto_hub_t *hub, proto_kind_t kind, const proto_io_t *io,
                             void *io_ctx, const proto_conn_info_t *info);
/* One complete message from the peer. */
void proto_conn_message(proto_conn_t *c, const char *data, size_t len);
/* The init timeout expired (the network layer times it from the upgrade). */
void proto_conn_init_timeout(proto_conn_t *c);
/* Periodic: closes 4403 when the credential became invalid at `wall` (expiry instants are
 * wall-clock); sends legacy keep-alives, timed on `mono`. */
void proto_conn_tick(proto_conn_t *c, rt_wall_t wall, rt_mono_t mono);
/* True once connection_ack was sent. */
int proto_conn_acked(const proto_conn_t *c);
/* The socket is gone: cancels authentication, stops every subscription, frees. */
void proto_conn_free(proto_conn_t *c);

#endif

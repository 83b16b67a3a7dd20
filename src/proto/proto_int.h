/* Internals shared by the protocol files: the connection state and the helpers both wire
 * formats use. Not for other layers. */
#ifndef RT_PROTO_INT_H
#define RT_PROTO_INT_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "auth/auth.h"
#include "feed/feed.h"
#include "proto/proto.h"
#include "util/util_buf.h"
#include "server.h"

typedef enum { ST_WAIT_INIT, ST_AUTHING, ST_READY, ST_CLOSED } proto_state_t;

typedef struct proto_sub {
    struct proto_sub *next;
    struct proto_conn *conn;
    char *id;
    feed_sub_t *feed_sub;
    rt_frame_t *head; /* {"id":<id>,"type":"next"|"data","payload": — shared by every event */
} proto_sub_t;

/* A connection's entry in the hub: outlives the connection while another thread holds it. */
typedef struct proto_handle {
    atomic_int refs;
    struct proto_conn *conn; /* NULL once freed; read and written on the connection's thread */
    rt_taskq_t *q;
} proto_handle_t;

struct proto_conn {
    rt_server_t *srv;
    proto_hub_t *hub;
    rt_taskq_t *q;          /* the connection's thread */
    proto_handle_t *handle; /* set while registered under identity + client id */
    proto_kind_t kind;
    const proto_io_t *io;
    void *io_ctx;
    proto_state_t state;
    auth_pending_t *pending;
    auth_identity_t *who;
    char *client_id;
    char *query_token;
    char *hub_key; /* set while registered under identity + client id */
    proto_sub_t *subs;
    int nsubs;
    char *peer, *forwarded_for; /* for the authentication failure limits, or NULL */
    /* legacy: start messages received while authenticating, as received (length, then text),
     * so what a client holds is bounded by bytes, not by parsed size */
    rt_buf_t held;
    int nheld;
    const char *raw; /* the message being handled (valid during proto_conn_message) */
    size_t raw_len;
    rt_mono_t last_ka; /* when the last legacy keep-alive went out (valid once ka_sent) */
    bool ka_sent;
};

/* Sends obj (borrowed) as one text message. */
void proto_send_json(proto_conn_t *c, json_object *obj);
/* Sends {"id":id,"type":type} (id may be NULL). */
void proto_send_simple(proto_conn_t *c, const char *type, const char *id);
/* Sends {"id"?, "type": type, "payload": {"message": message}} (legacy error shapes). */
void proto_send_message_error(proto_conn_t *c, const char *type, const char *id, const char *message);
void proto_close(proto_conn_t *c, int code, const char *reason);

/* connection_init: starts authentication with the payload (borrowed, may be NULL). */
void proto_begin_auth(proto_conn_t *c, json_object *payload);
/* Runs one operation {query, variables, operationName} under id: a single result is sent at
 * once; a subscription is registered with the feed. */
void proto_run_operation(proto_conn_t *c, const char *id, json_object *payload);
proto_sub_t *proto_find_sub(proto_conn_t *c, const char *id);
/* Client stop/complete: stops delivery, sends nothing. */
void proto_stop_sub(proto_conn_t *c, const char *id);

void proto_gtws_message(proto_conn_t *c, json_object *msg);
void proto_legacy_message(proto_conn_t *c, json_object *msg);
void proto_legacy_acked(proto_conn_t *c);

#endif

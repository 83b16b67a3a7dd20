/* The legacy graphql-ws protocol of subscriptions-transport-ws: start/stop/data/ka. Errors are
 * answered as that library's server answers them, without closing; only authentication
 * failures and oversize messages close the socket. */
#include <string.h>

#include "proto/proto_int.h"
#include "util/util_json.h"

static void start_op(proto_conn_t *c, const char *id, json_object *payload)
{
    json_object *q = rt_json_get(payload, "query");
    if (!q || !json_object_is_type(q, json_type_string)) {
        proto_send_message_error(c, "error", id, "Must provide a query string.");
        return;
    }
    /* A start reusing a running id replaces that operation. */
    proto_stop_sub(c, id);
    proto_run_operation(c, id, payload);
}

void proto_legacy_acked(proto_conn_t *c)
{
    proto_send_simple(c, "ka", NULL);
    rt_buf_t held = c->held;
    c->held = (rt_buf_t)RT_BUF_INIT;
    c->nheld = 0;
    /* Replayed as if just received: the connection is ready now, so each start runs. */
    for (size_t off = 0; off + sizeof(size_t) <= held.len && c->state == ST_READY;) {
        size_t len;
        memcpy(&len, held.data + off, sizeof len);
        off += sizeof len;
        proto_conn_message(c, held.data + off, len);
        off += len;
    }
    rt_buf_free(&held);
}

/* Keeps a start received while authenticating; its text counts against the message-size limit
 * (docs/authentication.md), and at most max_subscriptions are kept. */
static void hold_start(proto_conn_t *c, const char *id)
{
    size_t cost = sizeof(size_t) + c->raw_len;
    if (c->nheld >= c->srv->cfg.max_subscriptions || c->held.len + cost > c->srv->cfg.max_message_bytes) {
        proto_send_message_error(c, "error", id, "Too many messages held while authenticating");
        return;
    }
    size_t len = c->raw_len;
    if (rt_buf_append(&c->held, &len, sizeof len) < 0 || rt_buf_append(&c->held, c->raw, len) < 0) {
        proto_close(c, 4500, "Internal error");
        return;
    }
    c->nheld++;
}

void proto_legacy_message(proto_conn_t *c, json_object *msg)
{
    if (!json_object_is_type(msg, json_type_object)) {
        proto_send_message_error(c, "connection_error", NULL, "Message must be a JSON object");
        return;
    }
    json_object *type = rt_json_get(msg, "type");
    json_object *idv = rt_json_get(msg, "id");
    json_object *payload = rt_json_get(msg, "payload");
    const char *t = type && json_object_is_type(type, json_type_string) ? json_object_get_string(type) : "";
    const char *id = NULL;
    if (idv && json_object_is_type(idv, json_type_string) && json_object_get_string_len(idv) > 0)
        id = json_object_get_string(idv);

    if (!strcmp(t, "connection_init")) {
        if (c->state != ST_WAIT_INIT) {
            proto_close(c, 4429, "Too many initialisation requests");
            return;
        }
        proto_begin_auth(c, payload && json_object_is_type(payload, json_type_object) ? payload : NULL);
    } else if (!strcmp(t, "start")) {
        if (!id || !payload || !json_object_is_type(payload, json_type_object)) {
            proto_send_message_error(c, "error", id, "Invalid start message: needs a string id and an object payload");
            return;
        }
        if (c->state == ST_AUTHING) {
            /* subscriptions-transport-ws clients send start right after connection_init
             * without waiting for the ack: keep them until authentication ends. */
            hold_start(c, id);
            return;
        }
        if (c->state != ST_READY) {
            proto_close(c, 4401, "Unauthorized");
            return;
        }
        start_op(c, id, payload);
    } else if (!strcmp(t, "stop")) {
        if (id)
            proto_stop_sub(c, id);
    } else if (!strcmp(t, "connection_terminate")) {
        proto_close(c, 1000, "Normal closure");
    } else {
        proto_send_message_error(c, "error", id, "Invalid message type!");
    }
}

/* graphql-transport-ws (the graphql-ws library's protocol), message for message: validation
 * of every client message with graphql-ws's wording, and the close codes of docs/protocol.md#close-codes. */
#include <stdio.h>
#include <string.h>

#include "proto/proto_int.h"
#include "util/util_json.h"

/* Close reasons must fit a close frame (123 bytes); graphql-ws limits them likewise. */
static void close_reason_cut(proto_conn_t *c, int code, const char *reason)
{
    char r[124];
    size_t n = strlen(reason);
    if (n > sizeof r - 1) {
        n = sizeof r - 1;
        /* Never cut inside a UTF-8 sequence: the reason must stay valid UTF-8. */
        while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(r, reason, n);
    r[n] = '\0';
    proto_close(c, code, r);
}

static int is_obj(json_object *v) { return v && json_object_is_type(v, json_type_object); }

/* Checks a message as graphql-ws's validateMessage does; returns 0 or closes with 4400. */
static int validate(proto_conn_t *c, json_object *msg, const char **type_out)
{
    char reason[200];
    if (!is_obj(msg)) {
        snprintf(reason, sizeof reason, "Message is expected to be an object, but got %s", rt_json_typeof(msg, 1));
        goto bad;
    }
    json_object *type = NULL;
    int has_type = json_object_object_get_ex(msg, "type", &type);
    if (!has_type || !type || (json_object_is_type(type, json_type_string) && json_object_get_string_len(type) == 0)) {
        snprintf(reason, sizeof reason, "Message is missing the 'type' property");
        goto bad;
    }
    if (!json_object_is_type(type, json_type_string)) {
        snprintf(reason, sizeof reason, "Message is expects the 'type' property to be a string, but got %s",
                 rt_json_typeof(type, 1));
        goto bad;
    }
    const char *t = json_object_get_string(type);
    json_object *payload = NULL, *id = NULL;
    int has_payload = json_object_object_get_ex(msg, "payload", &payload);
    int has_id = json_object_object_get_ex(msg, "id", &id);
    if (!strcmp(t, "connection_init") || !strcmp(t, "ping") || !strcmp(t, "pong")) {
        if (has_payload && payload && !is_obj(payload)) {
            snprintf(reason, sizeof reason,
                     "\"%s\" message expects the 'payload' property to be an object or nullish or missing", t);
            goto bad;
        }
    } else if (!strcmp(t, "subscribe") || !strcmp(t, "complete")) {
        if (!has_id || !json_object_is_type(id, json_type_string)) {
            snprintf(reason, sizeof reason, "\"%s\" message expects the 'id' property to be a string, but got %s", t,
                     rt_json_typeof(id, has_id));
            goto bad;
        }
        if (json_object_get_string_len(id) == 0) {
            snprintf(reason, sizeof reason, "\"%s\" message requires a non-empty 'id' property", t);
            goto bad;
        }
        if (!strcmp(t, "subscribe")) {
            if (!is_obj(payload)) {
                snprintf(reason, sizeof reason,
                         "\"%s\" message expects the 'payload' property to be an object, but got %s", t,
                         rt_json_typeof(payload, has_payload));
                goto bad;
            }
            json_object *q = NULL, *v = NULL, *on = NULL, *ext = NULL;
            int hq = json_object_object_get_ex(payload, "query", &q);
            if (!hq || !json_object_is_type(q, json_type_string)) {
                snprintf(reason, sizeof reason,
                         "\"%s\" message payload expects the 'query' property to be a string, but got %s", t,
                         rt_json_typeof(q, hq));
                goto bad;
            }
            if (json_object_object_get_ex(payload, "variables", &v) && v && !is_obj(v)) {
                snprintf(reason, sizeof reason,
                         "\"%s\" message payload expects the 'variables' property to be an object or nullish or "
                         "missing, but got %s",
                         t, rt_json_typeof(v, 1));
                goto bad;
            }
            if (json_object_object_get_ex(payload, "operationName", &on) && on &&
                !json_object_is_type(on, json_type_string)) {
                snprintf(reason, sizeof reason,
                         "\"%s\" message payload expects the 'operationName' property to be a string or nullish "
                         "or missing, but got %s",
                         t, rt_json_typeof(on, 1));
                goto bad;
            }
            if (json_object_object_get_ex(payload, "extensions", &ext) && ext && !is_obj(ext)) {
                snprintf(reason, sizeof reason,
                         "\"%s\" message payload expects the 'extensions' property to be an object or nullish or "
                         "missing, but got %s",
                         t, rt_json_typeof(ext, 1));
                goto bad;
            }
        }
    } else if (!strcmp(t, "connection_ack") || !strcmp(t, "next") || !strcmp(t, "error")) {
        /* Valid messages, but only a server sends them. */
        snprintf(reason, sizeof reason, "Message of type \"%s\" may only be sent by the server", t);
        goto bad;
    } else {
        snprintf(reason, sizeof reason, "Invalid message 'type' property \"%s\"", t);
        goto bad;
    }
    *type_out = t;
    return 0;
bad:
    close_reason_cut(c, 4400, reason);
    return -1;
}

void proto_gtws_message(proto_conn_t *c, json_object *msg)
{
    const char *t;
    if (validate(c, msg, &t) < 0)
        return;
    json_object *payload = rt_json_get(msg, "payload");
    if (!strcmp(t, "connection_init")) {
        if (c->state != ST_WAIT_INIT) {
            proto_close(c, 4429, "Too many initialisation requests");
            return;
        }
        proto_begin_auth(c, payload);
    } else if (!strcmp(t, "ping")) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, "type", json_object_new_string("pong"));
        if (payload && json_object_is_type(payload, json_type_object))
            json_object_object_add(m, "payload", json_object_get(payload));
        proto_send_json(c, m);
        json_object_put(m);
    } else if (!strcmp(t, "pong")) {
        /* Nothing to do: the peer answered our ping (we send WebSocket-level pings). */
    } else if (!strcmp(t, "subscribe")) {
        if (c->state != ST_READY) {
            proto_close(c, 4401, "Unauthorized");
            return;
        }
        const char *id = json_object_get_string(rt_json_get(msg, "id"));
        if (proto_find_sub(c, id)) {
            char reason[200];
            /* Ids longer than the close frame allows are cut, as graphql-ws limits reasons. */
            snprintf(reason, sizeof reason, "Subscriber for %.150s already exists", id);
            close_reason_cut(c, 4409, reason);
            return;
        }
        proto_run_operation(c, id, payload);
    } else if (!strcmp(t, "complete")) {
        proto_stop_sub(c, json_object_get_string(rt_json_get(msg, "id")));
    }
}

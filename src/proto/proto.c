/* Protocol core shared by graphql-transport-ws and the legacy graphql-ws: connection life,
 * authentication hand-off, operations (single result or feed subscription), the client-id
 * registry, and the sink through which the feed delivers events. */
#include "proto/proto_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql.h"
#include "gql/gql_persist.h"
#include "gql/gql_prepared.h"
#include "util/util_buf.h"
#include "util/util_json.h"
#include "util/util_log.h"
#include "util/util_map.h"

/* Messages are JSON objects of a few levels; 64 is ample for variables and hostile input. */
#define PROTO_JSON_DEPTH 64

struct proto_hub {
    pthread_mutex_t lock;
    rt_map_t *clients; /* principal kind + '\x1f' + identity id + '\x1f' + client id -> proto_handle_t */
    proto_query_fn query;
    void *query_ctx;
};

proto_hub_t *proto_hub_new(proto_query_fn query, void *query_ctx)
{
    proto_hub_t *hub = calloc(1, sizeof *hub);
    if (!hub)
        return NULL;
    hub->query = query;
    hub->query_ctx = query_ctx;
    hub->clients = rt_map_new();
    if (!hub->clients) {
        free(hub);
        return NULL;
    }
    pthread_mutex_init(&hub->lock, NULL);
    return hub;
}

void proto_hub_free(proto_hub_t *hub)
{
    if (!hub)
        return;
    rt_map_free(hub->clients, NULL);
    pthread_mutex_destroy(&hub->lock);
    free(hub);
}

static void handle_unref(proto_handle_t *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1)
        free(h);
}

proto_conn_t *proto_conn_new(rt_server_t *srv, proto_hub_t *hub, proto_kind_t kind, const proto_io_t *io, void *io_ctx,
                             const proto_conn_info_t *info)
{
    proto_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->srv = srv;
    c->hub = hub;
    c->kind = kind;
    c->io = io;
    c->io_ctx = io_ctx;
    c->state = ST_WAIT_INIT;
    c->q = info && info->q ? info->q : srv->net_q;
    if (info && info->client_id && !(c->client_id = strdup(info->client_id)))
        goto fail;
    if (info && info->query_token && !(c->query_token = strdup(info->query_token)))
        goto fail;
    if (info && info->peer && !(c->peer = strdup(info->peer)))
        goto fail;
    if (info && info->forwarded_for && !(c->forwarded_for = strdup(info->forwarded_for)))
        goto fail;
    if (kind == PROTO_NONE)
        proto_close(c, 4406, "Subprotocol not acceptable");
    return c;
fail:
    free(c->client_id);
    free(c->query_token);
    free(c->peer);
    free(c);
    return NULL;
}

void proto_send_json(proto_conn_t *c, json_object *obj)
{
    if (c->state == ST_CLOSED)
        return;
    size_t len;
    const char *s = rt_json_str(obj, &len);
    char *copy = malloc(len + 1);
    if (!copy) {
        proto_close(c, 4500, "Internal error");
        return;
    }
    memcpy(copy, s, len + 1);
    c->io->send(c->io_ctx, copy, len);
}

void proto_send_simple(proto_conn_t *c, const char *type, const char *id)
{
    json_object *m = json_object_new_object();
    if (id)
        json_object_object_add(m, "id", json_object_new_string(id));
    json_object_object_add(m, "type", json_object_new_string(type));
    proto_send_json(c, m);
    json_object_put(m);
}

void proto_send_message_error(proto_conn_t *c, const char *type, const char *id, const char *message)
{
    json_object *m = json_object_new_object();
    json_object *p = json_object_new_object();
    json_object_object_add(p, "message", json_object_new_string(message));
    if (id)
        json_object_object_add(m, "id", json_object_new_string(id));
    json_object_object_add(m, "type", json_object_new_string(type));
    json_object_object_add(m, "payload", p);
    proto_send_json(c, m);
    json_object_put(m);
}

void proto_close(proto_conn_t *c, int code, const char *reason)
{
    if (c->state == ST_CLOSED)
        return;
    c->state = ST_CLOSED;
    c->io->close(c->io_ctx, code, reason, 0);
}

static void unregister_client(proto_conn_t *c)
{
    if (c->hub_key) {
        pthread_mutex_lock(&c->hub->lock);
        if (rt_map_get(c->hub->clients, c->hub_key, strlen(c->hub_key)) == c->handle)
            rt_map_remove(c->hub->clients, c->hub_key, strlen(c->hub_key));
        pthread_mutex_unlock(&c->hub->lock);
        free(c->hub_key);
        c->hub_key = NULL;
    }
    if (c->handle) {
        c->handle->conn = NULL; /* a replace task still queued finds nobody */
        handle_unref(c->handle);
        c->handle = NULL;
    }
}

/* rt_task_fn on the replaced connection's thread: it may have closed meanwhile. */
static void replace_task(void *arg)
{
    proto_handle_t *h = arg;
    if (h->conn)
        proto_close(h->conn, 4000, "Replaced by a newer connection");
    handle_unref(h);
}

/* A newer connection of the same principal with the same client id replaces the older,
 * wherever it lives: on this thread it is closed at once, on another through that thread. */
static void register_client(proto_conn_t *c)
{
    if (!c->client_id || !c->hub)
        return;
    proto_handle_t *h = calloc(1, sizeof *h);
    if (!h)
        return;
    atomic_init(&h->refs, 1);
    h->conn = c;
    h->q = c->q;
    rt_buf_t key = RT_BUF_INIT;
    /* The kind is part of the key: an API key and a user may carry the same id. */
    rt_buf_printf(&key, "%d\x1f%s\x1f%s", c->who ? (int)auth_identity_kind(c->who) : -1,
                  c->who ? auth_identity_id(c->who) : "anonymous", c->client_id);
    pthread_mutex_lock(&c->hub->lock);
    proto_handle_t *old = rt_map_get(c->hub->clients, key.data, key.len);
    if (old)
        atomic_fetch_add(&old->refs, 1); /* its connection cannot drop it while we hold the lock */
    if (rt_map_put(c->hub->clients, key.data, key.len, h, NULL) == 0) {
        c->hub_key = rt_buf_steal(&key, NULL);
        c->handle = h;
    } else {
        free(h);
    }
    pthread_mutex_unlock(&c->hub->lock);
    rt_buf_free(&key);
    if (!old)
        return;
    if (old->q == c->q) {
        replace_task(old);
    } else if (rt_taskq_push(old->q, replace_task, old) < 0) {
        rt_log_error("proto", "out of memory: a replaced connection stays open");
        handle_unref(old);
    }
}

static void auth_done(void *ctx, auth_failure_t result, auth_identity_t *identity)
{
    proto_conn_t *c = ctx;
    c->pending = NULL;
    if (c->state != ST_AUTHING) {
        if (identity)
            auth_identity_unref(identity);
        return;
    }
    if (result != AUTH_OK) {
        rt_log_info("proto", "connection_init rejected: %s", auth_failure_name(result));
        /* docs/authentication.md: a full verification queue asks the client to retry; a locked
         * id or address is a refusal that says why. */
        int code = result == AUTH_FAIL_BUSY ? 1013 : 4403;
        const char *reason = result == AUTH_FAIL_BUSY        ? "Try again later"
                             : result == AUTH_FAIL_THROTTLED ? "Too many authentication failures"
                                                             : "Forbidden";
        if (c->kind == PROTO_LEGACY_WS)
            proto_send_message_error(c, "connection_error", NULL, reason);
        proto_close(c, code, reason);
        return;
    }
    c->who = identity;
    c->state = ST_READY;
    /* Only authentication reads these: an idle connection should not carry them for its life. */
    free(c->query_token);
    free(c->peer);
    free(c->forwarded_for);
    c->query_token = c->peer = c->forwarded_for = NULL;
    register_client(c);
    proto_send_simple(c, "connection_ack", NULL);
    if (c->kind == PROTO_LEGACY_WS)
        proto_legacy_acked(c);
}

void proto_begin_auth(proto_conn_t *c, json_object *payload)
{
    c->state = ST_AUTHING;
    if (!c->srv->auth) {
        /* No authentication layer configured (unit tests of the protocol alone). */
        auth_done(c, AUTH_OK, NULL);
        return;
    }
    auth_request_t req = {
        .params = payload, .query_token = c->query_token, .peer = c->peer, .forwarded_for = c->forwarded_for};
    if (auth_authenticate(c->srv->auth, &req, c->q, auth_done, c, &c->pending) < 0) {
        c->pending = NULL;
        proto_close(c, 4500, "Internal error");
    }
}

proto_sub_t *proto_find_sub(proto_conn_t *c, const char *id)
{
    for (proto_sub_t *s = c->subs; s; s = s->next)
        if (strcmp(s->id, id) == 0)
            return s;
    return NULL;
}

static void sub_unlink_free(proto_conn_t *c, proto_sub_t *sub)
{
    for (proto_sub_t **p = &c->subs; *p; p = &(*p)->next) {
        if (*p == sub) {
            *p = sub->next;
            break;
        }
    }
    c->nsubs--;
    rt_frame_unref(sub->head);
    free(sub->id);
    free(sub);
}

void proto_stop_sub(proto_conn_t *c, const char *id)
{
    proto_sub_t *sub = proto_find_sub(c, id);
    if (!sub)
        return;
    if (sub->feed_sub)
        feed_unsubscribe(sub->feed_sub);
    sub_unlink_free(c, sub);
}

/* Sends a list of GraphQL errors for an operation, as each protocol words it. */
static void send_op_errors(proto_conn_t *c, const char *id, json_object *errors)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "id", json_object_new_string(id));
    if (c->kind == PROTO_TRANSPORT_WS) {
        json_object_object_add(m, "type", json_object_new_string("error"));
        json_object_object_add(m, "payload", json_object_get(errors));
    } else {
        /* subscriptions-transport-ws answers request errors as a data message with errors,
         * then completes the operation. */
        json_object *p = json_object_new_object();
        json_object_object_add(p, "errors", json_object_get(errors));
        json_object_object_add(m, "type", json_object_new_string("data"));
        json_object_object_add(m, "payload", p);
    }
    proto_send_json(c, m);
    json_object_put(m);
    if (c->kind == PROTO_LEGACY_WS)
        proto_send_simple(c, "complete", id);
}

static void send_op_error_code(proto_conn_t *c, const char *id, const char *message, const char *code)
{
    json_object *errs = json_object_new_array();
    json_object_array_add(errs, gql_error_new(message, code));
    send_op_errors(c, id, errs);
    json_object_put(errs);
}

static void sink_next(void *sub_ctx, rt_frame_t *payload)
{
    proto_sub_t *sub = sub_ctx;
    proto_conn_t *c = sub->conn;
    if (c->state == ST_CLOSED)
        return;
    c->io->send_parts(c->io_ctx, sub->head, payload, "}", 1);
}

static void sink_end(void *sub_ctx, json_object *errors)
{
    proto_sub_t *sub = sub_ctx;
    proto_conn_t *c = sub->conn;
    if (errors)
        send_op_errors(c, sub->id, errors);
    else
        proto_send_simple(c, "complete", sub->id);
    sub_unlink_free(c, sub);
}

static const feed_sink_t proto_sink = {.next = sink_next, .end = sink_end};

static rt_frame_t *make_head(proto_conn_t *c, const char *id)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, "{\"id\":");
    rt_buf_json_str(&b, id, strlen(id));
    rt_buf_puts(&b,
                c->kind == PROTO_TRANSPORT_WS ? ",\"type\":\"next\",\"payload\":" : ",\"type\":\"data\",\"payload\":");
    rt_frame_t *f = rt_frame_new(b.data, b.len);
    rt_buf_free(&b);
    return f;
}

void proto_run_operation(proto_conn_t *c, const char *id, json_object *payload)
{
    rt_server_t *srv = c->srv;
    json_object *q = rt_json_get(payload, "query");
    json_object *vars = rt_json_get(payload, "variables");
    json_object *opname = rt_json_get(payload, "operationName");
    const char *query = json_object_get_string(q);
    size_t qlen = (size_t)json_object_get_string_len(q);
    gql_limits_t limits = {srv->cfg.max_query_depth, srv->cfg.max_query_tokens, srv->cfg.max_list_items};
    gql_request_t *req = NULL;
    json_object *errors = NULL;

    if (vars && !json_object_is_type(vars, json_type_object))
        vars = NULL;
    const char *op = opname && json_object_is_type(opname, json_type_string) ? json_object_get_string(opname) : NULL;
    /* A persisted id (extensions.persistedQuery or documentId) names the document to run. */
    json_object *doc_id = rt_json_get(payload, "documentId");
    char *pdoc = NULL;
    int rc = gql_persist_resolve(srv->persist, GQL_PERSIST_SOCKET, query, qlen, rt_json_get(payload, "extensions"),
                                 json_object_is_type(doc_id, json_type_string) ? json_object_get_string(doc_id) : NULL,
                                 &pdoc, &qlen, &errors);
    if (rc == GQL_OK)
        rc = gql_request_prepare_shared(srv->prepared, srv->schema, pdoc ? pdoc : query, qlen, vars, op, &limits, &req,
                                        &errors);
    free(pdoc);
    if (rc != GQL_OK) {
        send_op_errors(c, id, errors);
        json_object_put(errors);
        return;
    }
    if (gql_request_kind(req) != GQL_OP_SUBSCRIPTION) {
        json_object *result =
            c->hub && c->hub->query ? c->hub->query(c->hub->query_ctx, req, c->who) : gql_execute(req, NULL, NULL);
        gql_request_free(req);
        json_object *m = json_object_new_object();
        json_object_object_add(m, "id", json_object_new_string(id));
        json_object_object_add(m, "type", json_object_new_string(c->kind == PROTO_TRANSPORT_WS ? "next" : "data"));
        json_object_object_add(m, "payload", result);
        proto_send_json(c, m);
        json_object_put(m);
        proto_send_simple(c, "complete", id);
        return;
    }
    if (c->nsubs >= srv->cfg.max_subscriptions) {
        gql_request_free(req);
        send_op_error_code(c, id, "Too many subscriptions on this connection", "SUBSCRIPTION_LIMIT");
        return;
    }
    proto_sub_t *sub = calloc(1, sizeof *sub);
    if (!sub || !(sub->id = strdup(id)) || !(sub->head = make_head(c, id))) {
        if (sub)
            free(sub->id);
        free(sub);
        gql_request_free(req);
        proto_close(c, 4500, "Internal error");
        return;
    }
    sub->conn = c;
    /* Linked before subscribing: a replay may deliver events from inside feed_subscribe. */
    sub->next = c->subs;
    c->subs = sub;
    c->nsubs++;
    if (feed_subscribe(srv->feed, c->who, req, &proto_sink, sub, c->q, &sub->feed_sub, &errors) < 0) {
        gql_request_free(req);
        send_op_errors(c, id, errors);
        json_object_put(errors);
        sub_unlink_free(c, sub);
    }
}

void proto_conn_message(proto_conn_t *c, const char *data, size_t len)
{
    if (c->state == ST_CLOSED)
        return;
    json_object *msg = NULL;
    if (rt_json_parse(data, len, PROTO_JSON_DEPTH, &msg) < 0) {
        if (c->kind == PROTO_TRANSPORT_WS) {
            proto_close(c, 4400, "Invalid message received: not valid JSON");
        } else {
            proto_send_message_error(c, "connection_error", NULL, "Invalid message: not valid JSON");
        }
        return;
    }
    c->raw = data;
    c->raw_len = len;
    if (c->kind == PROTO_TRANSPORT_WS)
        proto_gtws_message(c, msg);
    else
        proto_legacy_message(c, msg);
    json_object_put(msg);
}

void proto_conn_init_timeout(proto_conn_t *c)
{
    /* A connection_init whose verification is still pending is as unanswered as a missing one. */
    if (c->state == ST_AUTHING && c->pending) {
        auth_cancel(c->pending);
        c->pending = NULL;
    }
    if (c->state == ST_WAIT_INIT || c->state == ST_AUTHING)
        proto_close(c, 4408, "Connection initialisation timeout");
}

void proto_conn_tick(proto_conn_t *c, rt_wall_t wall, rt_mono_t mono)
{
    if (c->state != ST_READY)
        return;
    if (c->who && !auth_identity_valid(c->who, wall)) {
        rt_log_info("proto", "closing connection of %s: credential no longer valid", auth_identity_id(c->who));
        proto_close(c, 4403, "Forbidden");
        return;
    }
    if (c->kind == PROTO_LEGACY_WS &&
        (!c->ka_sent || rt_mono_ms_between(c->last_ka, mono) >= c->srv->cfg.ping_interval_ms)) {
        c->ka_sent = true;
        c->last_ka = mono;
        proto_send_simple(c, "ka", NULL);
    }
}

int proto_conn_acked(const proto_conn_t *c) { return c->state == ST_READY; }

void proto_conn_free(proto_conn_t *c)
{
    if (!c)
        return;
    if (c->pending)
        auth_cancel(c->pending);
    c->state = ST_CLOSED;
    while (c->subs) {
        proto_sub_t *s = c->subs;
        if (s->feed_sub)
            feed_unsubscribe(s->feed_sub);
        sub_unlink_free(c, s);
    }
    unregister_client(c);
    if (c->who)
        auth_identity_unref(c->who);
    rt_buf_free(&c->held);
    free(c->client_id);
    free(c->query_token);
    free(c->peer);
    free(c->forwarded_for);
    free(c);
}

/* The bridge between a transport connection and a protocol connection: net_ws_handler_t calls
 * become proto_conn_* calls, and proto_io_t sends become net_ws_* sends. The protocols' hub
 * (client-id registry) lives here, with the resolver queries over a socket use. */
#include "app/app_ws.h"

#include <stdlib.h>

#include "app/app_query.h"
#include "gql/gql.h"
#include "proto/proto.h"

struct app_ws {
    rt_server_t *srv;
    proto_hub_t *hub;
};

static int io_send(void *ws, char *msg, size_t len) { return net_ws_send(ws, msg, len); }

static int io_send_parts(void *ws, rt_frame_t *head, rt_frame_t *body, const char *tail, size_t tail_len)
{
    return net_ws_send_parts(ws, head, body, tail, tail_len);
}

static void io_close(void *ws, int code, const char *reason, int drop_queue)
{
    net_ws_close(ws, code, reason, drop_queue);
}

static const proto_io_t ws_io = {.send = io_send, .send_parts = io_send_parts, .close = io_close};

/* A query or mutation over a socket: the same resolvers as over HTTP. */
static json_object *run_query(void *srv, const struct gql_request *req, struct auth_identity *who)
{
    app_query_ctx_t q = {.srv = srv, .who = who};
    return gql_execute(req, app_query_resolve, &q);
}

static void *session_open(void *ctx, net_ws_t *ws, const net_ws_info_t *info)
{
    app_ws_t *w = ctx;
    proto_kind_t kind = info->subprotocol == NET_WS_TRANSPORT ? PROTO_TRANSPORT_WS
                        : info->subprotocol == NET_WS_LEGACY  ? PROTO_LEGACY_WS
                                                              : PROTO_NONE;
    proto_conn_info_t pi = {.client_id = info->client_id,
                            .query_token = info->query_token,
                            .q = info->q,
                            .peer = info->peer,
                            .forwarded_for = info->forwarded_for};
    return proto_conn_new(w->srv, w->hub, kind, &ws_io, ws, &pi);
}

static void session_message(void *c, const char *data, size_t len) { proto_conn_message(c, data, len); }
static void session_init_timeout(void *c) { proto_conn_init_timeout(c); }
static void session_tick(void *c, rt_wall_t wall, rt_mono_t mono) { proto_conn_tick(c, wall, mono); }
static void session_close(void *c) { proto_conn_free(c); }

app_ws_t *app_ws_new(rt_server_t *srv)
{
    app_ws_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->srv = srv;
    w->hub = proto_hub_new(run_query, srv);
    if (!w->hub) {
        free(w);
        return NULL;
    }
    return w;
}

void app_ws_register(app_ws_t *w, net_t *net)
{
    net_ws_handler_t h = {.open = session_open,
                          .message = session_message,
                          .init_timeout = session_init_timeout,
                          .tick = session_tick,
                          .close = session_close,
                          .ctx = w};
    net_ws_handler_set(net, &h);
}

void app_ws_free(app_ws_t *w)
{
    if (!w)
        return;
    proto_hub_free(w->hub);
    free(w);
}

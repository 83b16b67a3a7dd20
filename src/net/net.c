/* libwebsockets context, protocol table and event loop. One service thread (Debian's lws is
 * built with LWS_MAX_SMP 1); worker threads hand results back through srv->net_q, drained when
 * lws_cancel_service wakes the loop. */
#include "net/net_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util_log.h"

/* Small per-connection receive buffers keep idle connections cheap (messages are reassembled
 * in net_ws.c); tx_packet_size is set so sends are not chopped to the rx size. */
#define NET_RX_BUFFER 1024
#define NET_TX_PACKET (256 * 1024)
#define NET_DRAIN_GRACE_MS 3000

int64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void taskq_wake(void *arg)
{
    net_t *n = arg;
    if (n->ctx)
        lws_cancel_service(n->ctx);
}

static int net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    net_pss_t *pss = user;
    net_t *n = lws_context_user(lws_get_context(wsi));
    const struct lws_protocols *proto = lws_get_protocol(wsi);

    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* Sent once per protocol: act on the first only. */
        if (proto && proto->id == 0 && n && n->srv->net_q)
            rt_taskq_drain(n->srv->net_q);
        return 0;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return n && n->draining ? -1 : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return net_http_confirm_upgrade(wsi);
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        return net_http_callback(wsi, reason, pss, in, len);
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_RECEIVE_PONG:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_TIMER:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    case LWS_CALLBACK_CLOSED:
        return net_ws_callback(wsi, reason, pss, in, len);
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols net_protocols[] = {
    /* protocols[0] serves HTTP and WebSocket upgrades offering no subprotocol (closed 4406). */
    {"http", net_callback, sizeof(net_pss_t), NET_RX_BUFFER, PROTO_NONE, NULL, NET_TX_PACKET},
    {"graphql-transport-ws", net_callback, sizeof(net_pss_t), NET_RX_BUFFER, PROTO_TRANSPORT_WS, NULL,
     NET_TX_PACKET},
    {"graphql-ws", net_callback, sizeof(net_pss_t), NET_RX_BUFFER, PROTO_LEGACY_WS, NULL, NET_TX_PACKET},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void sweep_cb(lws_sorted_usec_list_t *sul)
{
    net_t *n = lws_container_of(sul, net_t, sweep);
    net_ws_sweep(n, net_now_ms());
    lws_sul_schedule(n->ctx, 0, &n->sweep, sweep_cb, (lws_usec_t)n->sweep_ms * LWS_US_PER_MS);
}

static void lws_log_bridge(int level, const char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    rt_log(level == LLL_ERR ? RT_LOG_WARN : RT_LOG_DEBUG, "lws", "%.*s", (int)len, line);
}

int net_start(rt_server_t *srv, net_t **out)
{
    net_t *n = calloc(1, sizeof *n);
    if (!n)
        return -1;
    n->srv = srv;
    n->hub = proto_hub_new();
    if (!n->hub)
        goto fail;
    if (!srv->net_q && !(srv->net_q = rt_taskq_new(taskq_wake, n)))
        goto fail;
    /* Pings go out after one idle interval; a peer silent for two is dropped. The sweep runs
     * often enough for that and for the one-second credential checks. */
    n->sweep_ms = srv->cfg.ping_interval_ms / 4;
    if (n->sweep_ms > 1000)
        n->sweep_ms = 1000;
    if (n->sweep_ms < 10)
        n->sweep_ms = 10;

    lws_set_log_level(LLL_ERR | (rt_log_get_level() >= RT_LOG_DEBUG ? LLL_WARN | LLL_NOTICE : 0), lws_log_bridge);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = srv->cfg.port;
    info.iface = strcmp(srv->cfg.host, "0.0.0.0") == 0 ? NULL : srv->cfg.host;
    info.protocols = net_protocols;
    info.user = n;
    /* UTF-8 is checked in net_ws.c (see there), not with LWS_SERVER_OPTION_VALIDATE_UTF8. */
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
                   LWS_SERVER_OPTION_SKIP_SERVER_CANONICAL_NAME;
    /* Header buffers are pooled: few are needed at once, and freed ones stay resident. */
    info.max_http_header_pool = 32;
    info.max_http_header_data = 8192;
    info.timeout_secs = 30;
    info.vhost_name = "blobhub-realtime";
    info.server_string = "blobhub-realtime";
    if (srv->cfg.tls_cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = srv->cfg.tls_cert;
        info.ssl_private_key_filepath = srv->cfg.tls_key;
        /* HTTP/1.1 only: the direct-write path of net_ws.c is not valid on h2 streams. */
        info.alpn = "http/1.1";
    }
    n->ctx = lws_create_context(&info);
    if (!n->ctx) {
        rt_log_error("net", "cannot listen on %s:%d", srv->cfg.host, srv->cfg.port);
        goto fail;
    }
    n->vhost = lws_get_vhost_by_name(n->ctx, "blobhub-realtime");
    srv->net = n;
    lws_sul_schedule(n->ctx, 0, &n->sweep, sweep_cb, (lws_usec_t)n->sweep_ms * LWS_US_PER_MS);
    *out = n;
    return 0;
fail:
    net_free(n);
    return -1;
}

int net_port(const net_t *n) { return n->vhost ? lws_get_vhost_listen_port(n->vhost) : n->srv->cfg.port; }

void net_request_drain(net_t *n)
{
    n->drain_requested = 1;
    n->srv->draining = 1;
    if (n->ctx)
        lws_cancel_service(n->ctx);
}

int net_run(net_t *n)
{
    for (;;) {
        lws_service(n->ctx, 0);
        if (n->drain_requested && !n->draining) {
            n->draining = true;
            n->drain_deadline_ms = net_now_ms() + NET_DRAIN_GRACE_MS;
            rt_log_info("net", "draining: closing %ld connections", n->nconns);
            net_ws_close_all(n, 1001, "Going away");
        }
        if (n->draining && (n->nconns == 0 || net_now_ms() > n->drain_deadline_ms))
            break;
    }
    return 0;
}

void net_free(net_t *n)
{
    if (!n)
        return;
    if (n->srv->net_q)
        rt_taskq_set_wake(n->srv->net_q, NULL, NULL);
    if (n->ctx) {
        lws_sul_cancel(&n->sweep);
        lws_context_destroy(n->ctx);
    }
    if (n->srv->net == n)
        n->srv->net = NULL;
    proto_hub_free(n->hub);
    rt_buf_free(&n->scratch);
    free(n);
}

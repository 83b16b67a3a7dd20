/* libwebsockets contexts, protocol table and event loops. Debian's lws is built with
 * LWS_MAX_SMP 1 (one service thread per context), so each network thread runs its own context.
 * Thread 0's context owns the listen socket; it hands accepted sockets round-robin to the
 * others, which adopt them into their own (non-listening) contexts. (lws 4.1 sets SO_REUSEPORT
 * for LWS_SERVER_OPTION_ALLOW_LISTEN_SHARE only when LWS_MAX_SMP > 1, so several contexts
 * cannot bind one port.) Worker threads hand results back through the owning thread's task
 * queue, drained when lws_cancel_service wakes that loop. With --event-loop uv each thread owns a
 * libuv loop (epoll) that lws serves through its evlib_uv plugin as a "foreign" loop: lws then
 * installs no signal handler of its own, so app.c's signal thread keeps SIGTERM/SIGINT/SIGHUP. */
#include "net/net_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/net_pending.h"
#include "util/util_log.h"

/* lws keeps rx_buffer_size + LWS_PRE bytes for each WebSocket's whole life, so it is small
 * (bench/MEMORY.md), though never below a control frame's largest payload (125 bytes), which
 * lws hands over whole; longer messages arrive in fragments that net_ws.c reassembles. HTTP
 * connections are short-lived and read bodies in larger pieces. tx_packet_size is set so sends
 * are not chopped to the rx size. */
#define NET_RX_BUFFER 128
#define NET_HTTP_RX_BUFFER 4096
#define NET_TX_PACKET (256 * 1024)
#define NET_DRAIN_GRACE_MS 3000

bool net_loop_is_current(const net_loop_t *l) { return pthread_equal(pthread_self(), l->tid) != 0; }

/* Installed once the context exists and removed before it goes (under the queue's lock). */
static void taskq_wake(void *arg)
{
    net_loop_t *l = arg;
    lws_cancel_service(l->ctx);
}

#ifdef RT_WS_GUARD
/* Debian's lws 4.1.6 is built with _DEBUG, which under libuv repeats every "close_and_handled"
 * close at once as a test (lib/core-net/service.c): the repeat finds the connection waiting to
 * send its close frame and drops it, so a client would see 1006 instead of our close code
 * (upstream issue 3569, fixed after 4.1). The link wraps lws_close_free_wsi (CMakeLists.txt)
 * and skips that one caller; every other close goes through unchanged. */
void __real_lws_close_free_wsi(struct lws *wsi, enum lws_close_status reason, const char *caller);
void __wrap_lws_close_free_wsi(struct lws *wsi, enum lws_close_status reason, const char *caller);

void __wrap_lws_close_free_wsi(struct lws *wsi, enum lws_close_status reason, const char *caller)
{
    if (caller && strcmp(caller, "close_and_handled uv repeat test") == 0)
        return;
    __real_lws_close_free_wsi(wsi, reason, caller);
}
#endif

/* An accepted socket travelling from thread 0 to the thread that will serve it. */
typedef struct net_handoff {
    net_loop_t *loop;
    int fd;
} net_handoff_t;

static void handoff_task(void *arg)
{
    net_handoff_t *h = arg;
    net_loop_t *l = h->loop;
    if (l->draining || !l->vhost)
        close(h->fd);
    else if (!lws_adopt_socket_vhost(l->vhost, h->fd))
        rt_log_warn("net", "thread %d could not adopt a connection", l->index); /* fd closed by lws */
    free(h);
}

/* FILTER_NETWORK_CONNECTION on thread 0: 0 keeps the socket here; 1 means a copy of it went
 * to another thread and lws closes this one. */
static int net_spread_accept(net_loop_t *n, int fd)
{
    net_t *g = n->group;
    if (g->nloops < 2 || fd < 0 || n->index != 0)
        return 0;
    int target = (int)(g->next_accept++ % (unsigned)g->nloops);
    if (target == 0)
        return 0;
    net_loop_t *l = &g->loops[target];
    net_handoff_t *h = malloc(sizeof *h);
    if (!h)
        return 0;
    h->loop = l;
    h->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (h->fd < 0) {
        free(h);
        return 0;
    }
    if (rt_taskq_push(l->q, handoff_task, h) < 0) {
        close(h->fd);
        free(h);
        return 0;
    }
    return 1;
}

static int net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    net_pss_t *pss = user;
    net_loop_t *n = lws_context_user(lws_get_context(wsi));
    const struct lws_protocols *proto = lws_get_protocol(wsi);

    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* Sent once per protocol: act on the first only. */
        if (proto && proto->id == 0 && n && n->q)
            rt_taskq_drain(n->q);
        return 0;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        if (!n || n->draining)
            return n ? -1 : 0;
        return net_spread_accept(n, (int)(lws_intptr_t)in);
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: return n ? net_pending_open(n, wsi) : 0;
    case LWS_CALLBACK_WSI_DESTROY: net_pending_done(wsi); return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: net_pending_done(wsi); return net_http_confirm_upgrade(wsi);
    case LWS_CALLBACK_HTTP: net_pending_done(wsi); /* fall through */
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: return net_http_callback(wsi, reason, pss, in, len);
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_RECEIVE_PONG:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_TIMER:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    case LWS_CALLBACK_CLOSED: return net_ws_callback(wsi, reason, pss, in, len);
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols net_protocols[] = {
    /* protocols[0] serves HTTP and WebSocket upgrades offering no subprotocol (closed 4406). */
    {"http", net_callback, sizeof(net_pss_t), NET_HTTP_RX_BUFFER, NET_WS_NONE, NULL, NET_TX_PACKET},
    {"graphql-transport-ws", net_callback, sizeof(net_pss_t), NET_RX_BUFFER, NET_WS_TRANSPORT, NULL, NET_TX_PACKET},
    {"graphql-ws", net_callback, sizeof(net_pss_t), NET_RX_BUFFER, NET_WS_LEGACY, NULL, NET_TX_PACKET},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void sweep_cb(lws_sorted_usec_list_t *sul)
{
    net_loop_t *n = lws_container_of(sul, net_loop_t, sweep);
    rt_mono_t now = rt_mono_now();
    net_ws_sweep(n, now);
    net_pending_sweep(n, now);
    lws_sul_schedule(n->ctx, 0, &n->sweep, sweep_cb, (lws_usec_t)n->sweep_ms * LWS_US_PER_MS);
}

static void lws_log_bridge(int level, const char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    rt_log(level == LLL_ERR ? RT_LOG_WARN : RT_LOG_DEBUG, "lws", "%.*s", (int)len, line);
}

static int resolve_threads(int configured)
{
    if (configured > 0)
        return configured > RT_MAX_THREADS ? RT_MAX_THREADS : configured;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    return cpus > RT_AUTO_THREADS_MAX ? RT_AUTO_THREADS_MAX : (int)cpus;
}

/* --event-loop uv: the thread's libuv loop, owned by l until loop_uv_free. */
static int loop_uv_new(net_loop_t *l)
{
    l->uv = malloc(sizeof *l->uv);
    if (!l->uv)
        return -1;
    if (uv_loop_init(l->uv) != 0) {
        free(l->uv);
        l->uv = NULL;
        return -1;
    }
    return 0;
}

static void loop_uv_free(net_loop_t *l)
{
    if (!l->uv)
        return;
    if (uv_loop_close(l->uv) != 0)
        rt_log_warn("net", "thread %d's event loop still had handles at exit", l->index);
    free(l->uv);
    l->uv = NULL;
}

/* Creates loop l's context: listening on `port`, or (port < 0) only adopting sockets. */
static int loop_listen(net_t *net, net_loop_t *l, int port)
{
    rt_server_t *srv = net->srv;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = strcmp(srv->cfg.host, "0.0.0.0") == 0 ? NULL : srv->cfg.host;
    info.protocols = net_protocols;
    info.user = l;
    /* UTF-8 is checked in net_ws.c (see there), not with LWS_SERVER_OPTION_VALIDATE_UTF8. */
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_SKIP_SERVER_CANONICAL_NAME;
    /* Header buffers are pooled: few are needed at once, and freed ones stay resident. */
    info.max_http_header_pool = NET_HEADER_POOL;
    info.max_http_header_data = 8192;
    info.timeout_secs = 30;
    /* lws's own limit on holding a header buffer, in whole seconds; net_pending.c enforces the
     * header deadline to the millisecond for every connection, with or without a buffer. */
    info.timeout_secs_ah_idle = (srv->cfg.header_timeout_ms + 999) / 1000;
    /* No lws validity timer: its default policy re-inserts a timer into the thread's sorted
     * list at every upgrade and every pong (a walk over every connection's timer each time);
     * the thread's sweep already pings and drops silent peers (--ping-interval-ms). */
    static const lws_retry_bo_t no_validity_timer = {0};
    info.retry_and_idle_policy = &no_validity_timer;
    info.vhost_name = "blobhub-realtime";
    info.server_string = "blobhub-realtime";
    if (srv->cfg.tls_cert) {
        /* No client certificates are verified, so the OS CA store is not needed; lws 4.1 also
         * leaks it at exit for every context but one. */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
        info.ssl_cert_filepath = srv->cfg.tls_cert;
        info.ssl_private_key_filepath = srv->cfg.tls_key;
        /* lws 4.1 makes a TLS client context for every context and frees only one of them at
         * exit; the server makes no client connections, so every context gets the one it owns. */
        info.provided_client_ssl_ctx = net->tls_client_ctx;
        /* HTTP/1.1 only: the direct-write path of net_ws.c is not valid on h2 streams. */
        info.alpn = "http/1.1";
    }
    void *foreign[1] = {l->uv};
    if (l->uv) {
        info.options |= LWS_SERVER_OPTION_LIBUV;
        info.foreign_loops = foreign;
    }
    l->ctx = lws_create_context(&info);
    if (!l->ctx) {
        if (l->uv)
            rt_log_error("net", "cannot start thread %d's libuv loop (is libwebsockets-evlib_uv.so installed?)",
                         l->index);
        else if (port >= 0)
            rt_log_error("net", "cannot listen on %s:%d", srv->cfg.host, port);
        else
            rt_log_error("net", "cannot create network thread %d's context", l->index);
        return -1;
    }
    l->vhost = lws_get_vhost_by_name(l->ctx, "blobhub-realtime");
    if (!l->vhost) {
        /* lws 4.1 on a foreign libuv loop returns a context whose vhost (the bind) failed,
         * already half destroyed: its handles close in the loop, then the last destroy frees
         * it (and unloads the plugin, so the loop must not run lws's callbacks after that). */
        rt_log_error("net", "cannot listen on %s:%d", srv->cfg.host, port);
        uv_run(l->uv, UV_RUN_DEFAULT);
        lws_context_destroy(l->ctx);
        uv_run(l->uv, UV_RUN_DEFAULT);
        l->ctx = NULL;
        return -1;
    }
    rt_taskq_set_wake(l->q, taskq_wake, l);
    lws_sul_schedule(l->ctx, 0, &l->sweep, sweep_cb, (lws_usec_t)l->sweep_ms * LWS_US_PER_MS);
    return 0;
}

int net_start(rt_server_t *srv, net_t **out)
{
    net_t *n = calloc(1, sizeof *n);
    if (!n)
        return -1;
    n->srv = srv;
    pthread_mutex_init(&n->start_lock, NULL);
    atomic_init(&n->drain_requested, 0);
    n->nloops = resolve_threads(srv->cfg.threads);
    if (srv->cfg.tls_cert && !(n->tls_client_ctx = SSL_CTX_new(TLS_client_method())))
        goto fail;
    n->loops = calloc((size_t)n->nloops, sizeof *n->loops);
    if (!n->loops)
        goto fail;
    /* Pings go out after one idle interval; a peer silent for two is dropped. The sweep runs
     * often enough for that and for the one-second credential checks. */
    int sweep_ms = srv->cfg.ping_interval_ms / 4;
    if (sweep_ms > 1000)
        sweep_ms = 1000;
    if (sweep_ms < 10)
        sweep_ms = 10;
    bool uv = srv->cfg.event_loop && strcmp(srv->cfg.event_loop, "uv") == 0;
#ifndef RT_WS_GUARD
    if (uv) {
        /* Without the static link the close fix above is missing: closes would lose their codes. */
        rt_log_error("net", "--event-loop uv needs the build that links libwebsockets statically");
        goto fail;
    }
#endif
    for (int i = 0; i < n->nloops; i++) {
        net_loop_t *l = &n->loops[i];
        if (uv && loop_uv_new(l) < 0)
            goto fail;
        l->group = n;
        l->srv = srv;
        l->index = i;
        l->sweep_ms = sweep_ms;
        l->tid = pthread_self(); /* until its thread starts (net_run) */
        /* Loop 0 takes over a queue the caller made (unit tests); the others are new. */
        if (i == 0 && srv->net_q)
            l->q = srv->net_q;
        else if (!(l->q = rt_taskq_new(NULL, NULL)))
            goto fail;
        if (i == 0)
            srv->net_q = l->q;
    }

    lws_set_log_level(LLL_ERR | (rt_log_get_level() >= RT_LOG_DEBUG ? LLL_WARN | LLL_NOTICE : 0), lws_log_bridge);
    /* The first context binds (with --port 0 it picks the port); the others adopt. */
    if (loop_listen(n, &n->loops[0], srv->cfg.port) < 0)
        goto fail;
    for (int i = 1; i < n->nloops; i++)
        if (loop_listen(n, &n->loops[i], CONTEXT_PORT_NO_LISTEN_SERVER) < 0)
            goto fail;
    srv->nthreads = n->nloops;
    srv->net = n;
    *out = n;
    return 0;
fail:
    net_free(n);
    return -1;
}

int net_port(const net_t *n)
{
    return n->loops && n->loops[0].vhost ? lws_get_vhost_listen_port(n->loops[0].vhost) : n->srv->cfg.port;
}

void net_request_drain(net_t *n)
{
    atomic_store(&n->drain_requested, 1);
    n->srv->draining = 1;
    for (int i = 0; i < n->nloops; i++)
        if (n->loops[i].ctx)
            lws_cancel_service(n->loops[i].ctx);
}

static void loop_serve(net_loop_t *l)
{
    for (;;) {
        if (l->uv)
            uv_run(l->uv, UV_RUN_ONCE);
        else
            lws_service(l->ctx, 0);
        if (atomic_load(&l->group->drain_requested) && !l->draining) {
            l->draining = true;
            l->drain_deadline = rt_mono_add_ms(rt_mono_now(), NET_DRAIN_GRACE_MS);
            rt_log_info("net", "draining thread %d: closing %ld connections", l->index, l->nconns);
            net_ws_close_all(l, 1001, "Going away");
        }
        if (l->draining && (l->nconns == 0 || rt_mono_before(l->drain_deadline, rt_mono_now())))
            break;
    }
}

static void *loop_thread(void *arg)
{
    net_loop_t *l = arg;
    /* The creator holds start_lock until l->tid is written: take it once to see the value. */
    pthread_mutex_lock(&l->group->start_lock);
    pthread_mutex_unlock(&l->group->start_lock);
    loop_serve(l);
    return NULL;
}

int net_run(net_t *n)
{
    pthread_t self = pthread_self();
    n->loops[0].tid = self;
    pthread_mutex_lock(&n->start_lock);
    for (int i = 1; i < n->nloops; i++) {
        net_loop_t *l = &n->loops[i];
        if (pthread_create(&l->tid, NULL, loop_thread, l) != 0) {
            /* Served by no thread: refuse its connections from now on (its listen socket
             * stays bound but the kernel then routes to the others only if it is closed, so
             * drain everything rather than serve a port that half works). */
            rt_log_error("net", "cannot start network thread %d: draining", i);
            l->tid = self;
            net_request_drain(n);
            continue;
        }
        l->thread_started = true;
    }
    pthread_mutex_unlock(&n->start_lock);
    loop_serve(&n->loops[0]);
    for (int i = 1; i < n->nloops; i++) {
        net_loop_t *l = &n->loops[i];
        if (l->thread_started)
            pthread_join(l->tid, NULL);
        l->thread_started = false;
        /* From now on the caller's thread stands in for every loop (final task drains). */
        l->tid = self;
    }
    return 0;
}

void net_drain_tasks(net_t *n)
{
    if (!n)
        return;
    /* A task may push to another loop's queue (a delivery list, an answer): go round until
     * every queue is empty, bounded in case something keeps re-queueing itself. */
    for (int round = 0; round < 16; round++) {
        int ran = 0;
        for (int i = 0; i < n->nloops; i++)
            if (n->loops[i].q)
                ran += rt_taskq_drain(n->loops[i].q);
        if (!ran)
            break;
    }
}

void net_stop(net_t *n)
{
    if (!n || !n->loops)
        return;
    for (int i = n->nloops - 1; i >= 0; i--) {
        net_loop_t *l = &n->loops[i];
        if (l->q)
            rt_taskq_set_wake(l->q, NULL, NULL);
        if (l->ctx) {
            lws_sul_cancel(&l->sweep);
            lws_context_destroy(l->ctx);
            if (l->uv) {
                /* lws 4.1 with a foreign loop: the first destroy closes its handles, which
                 * needs the loop to run; the second frees the context. */
                uv_run(l->uv, UV_RUN_DEFAULT);
                lws_context_destroy(l->ctx);
                uv_run(l->uv, UV_RUN_DEFAULT);
            }
            net_pending_free_all(l);
            l->ctx = NULL;
            l->vhost = NULL;
        }
    }
}

void net_free(net_t *n)
{
    if (!n)
        return;
    net_stop(n);
    if (n->srv->net == n)
        n->srv->net = NULL;
    for (int i = 0; n->loops && i < n->nloops; i++) {
        net_loop_t *l = &n->loops[i];
        if (l->q == n->srv->net_q)
            n->srv->net_q = NULL;
        rt_taskq_free(l->q);
        rt_buf_free(&l->scratch);
        loop_uv_free(l);
    }
    if (n->tls_client_ctx)
        SSL_CTX_free(n->tls_client_ctx);
    free(n->loops);
    pthread_mutex_destroy(&n->start_lock);
    free(n);
}

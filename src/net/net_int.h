/* Internals of the network layer shared by its files: the per-connection structs kept in
 * libwebsockets' per-session user data, the per-thread loop (one lws context each) and the
 * server-wide net state. */
#ifndef RT_NET_INT_H
#define RT_NET_INT_H

#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "http/http.h"
#include "net/net.h"
#include "net/net_wsguard.h"
#include "util/util_buf.h"
#include "util/util_clock.h"
#include "util/util_frame.h"

typedef enum { NQ_MSG, NQ_PING, NQ_CLOSE } net_qkind_t;

/* One queued outgoing item: a message of up to three parts, a ping, or the close. */
typedef struct net_qitem {
    net_qkind_t kind;
    rt_frame_t *head, *body; /* references, may be NULL */
    char *own;               /* malloc'd whole message, may be NULL */
    size_t own_len;
    const char *tail; /* static */
    size_t tail_len;
} net_qitem_t;

typedef struct net_loop net_loop_t;
typedef struct net_pending net_pending_t;

/* Header buffers per network thread (lws allocates them as requests need them). */
#define NET_HEADER_POOL 32

typedef struct net_ws {
    struct lws *wsi;
    net_loop_t *net;            /* the loop (thread) that owns the connection */
    void *session;              /* the handler's (net_ws_handler_t.open) */
    struct net_ws *prev, *next; /* all live WebSocket connections, for sweeps and drain */
    rt_buf_t rx;                /* message reassembly across frames/fragments */
    net_wsguard_t guard;        /* the client's frame headers, checked before lws parses them */
    net_qitem_t *q;             /* ring buffer */
    uint32_t qhead, qlen, qcap;
    size_t qbytes;
    rt_mono_t last_rx; /* anything (message, pong) last heard from the peer */
    rt_mono_t opened;  /* the upgrade: the connection_init deadline counts from here */
    uint32_t dirty_ix; /* 1 + its slot in net_loop.dirty while it waits for the flush, else 0 */
    bool ping_out;     /* a ping went out since then */
    bool closing;
    bool close_sent; /* lws is sending our close frame: nothing more from us */
    int close_code;
    char *close_reason; /* owned (ws_close); NULL: none, or no memory for one */
} net_ws_t;

/* Per-session user data of every protocol: an HTTP exchange or a WebSocket connection. */
typedef struct net_pss {
    net_ws_t *ws;
    struct net_exchange *x;
} net_pss_t;

/* One network thread: its own lws context listening on the shared port, its connections,
 * timers, scratch buffer and task queue. Everything here is touched by that thread only
 * (tid and q excepted: other threads read tid and push to q). */
struct net_loop {
    struct net *group;
    rt_server_t *srv;
    int index;
    rt_taskq_t *q; /* tasks run on this thread: auth results, replays, deliveries */
    pthread_t tid; /* the thread serving this loop (after the loops stop: the caller's) */
    bool thread_started;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    uv_loop_t *uv;   /* --event-loop uv: this thread's loop, owned (lws uses it as foreign); else NULL */
    net_ws_t *conns; /* newest first */
    long nconns;
    /* The connection_init deadline: the oldest connection whose deadline has not been checked
     * (the ones after it in `conns` are newer) and the one timer that checks it. */
    net_ws_t *init_next;
    lws_sorted_usec_list_t init_sul;
    /* Connections given messages since the last flush: written once per loop pass, so several
     * messages to one connection go out in one write (net_ws.c). Slots of closed ones are NULL;
     * the array is freed when the loop has no connection left. */
    net_ws_t **dirty;
    uint32_t ndirty, dirty_cap;
    bool flush_armed;
    lws_sorted_usec_list_t flush_sul;
    lws_sorted_usec_list_t sweep;
    int sweep_ms;
    bool draining;
    rt_mono_t drain_deadline;
    rt_buf_t scratch;                           /* LWS_PRE + one batch of framed messages */
    net_pending_t *pending_head, *pending_tail; /* incomplete requests, oldest first */
    /* The last read of a connection still in HTTP, and how many bytes came after the end of
     * the request headers in it: an upgrade finds there what a client sent without waiting for
     * the 101. (A count taken at read time: lws reuses its buffer for the 101 itself.) */
    struct lws *rd_wsi;
    size_t rd_after;
};

struct net {
    rt_server_t *srv;
    net_ws_handler_t ws; /* set before net_run, read-only after */
    int nloops;
    net_loop_t *loops;
    atomic_int drain_requested;
    net_route_t routes[NET_MAX_ROUTES]; /* written before net_run, read-only after */
    int nroutes;
    unsigned next_accept;       /* round-robin of accepted sockets (thread 0 only) */
    pthread_mutex_t start_lock; /* held while the threads are created: they see their tid */
    SSL_CTX *tls_client_ctx;    /* with TLS: the one client context lws wants per context (ours) */
};

/* True when the calling thread is the one serving `l`. */
bool net_loop_is_current(const net_loop_t *l);

/* net_ws.c */
int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, net_pss_t *pss, void *in, size_t len);
void net_ws_sweep(net_loop_t *n, rt_mono_t now);
void net_ws_close_all(net_loop_t *n, int code, const char *reason);

/* net_http.c */
int net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, net_pss_t *pss, void *in, size_t len);
/* Validates an upgrade request before libwebsockets accepts it: path, client id, protocol.
 * Returns 0 to proceed, 1 when a refusal was written, -1 to hang up. */
int net_http_confirm_upgrade(struct lws *wsi);

#endif

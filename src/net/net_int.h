/* Internals of the network layer shared by its files: the per-connection structs kept in
 * libwebsockets' per-session user data, and the server-wide net state. */
#ifndef RT_NET_INT_H
#define RT_NET_INT_H

#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "net/net.h"
#include "proto/proto.h"
#include "util/util_buf.h"
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

typedef struct net_ws {
    struct lws *wsi;
    struct net *net;
    proto_conn_t *proto;
    struct net_ws *prev, *next; /* all live WebSocket connections, for sweeps and drain */
    rt_buf_t rx;                /* message reassembly across frames/fragments */
    net_qitem_t *q;             /* ring buffer */
    uint32_t qhead, qlen, qcap;
    size_t qbytes;
    int64_t last_rx_ms;
    int64_t ping_sent_ms;
    bool closing;
    bool close_sent; /* lws is sending our close frame: nothing more from us */
    int close_code;
    char close_reason[124];
} net_ws_t;

/* Per-session user data of every protocol: an HTTP exchange or a WebSocket connection. */
typedef struct net_pss {
    net_ws_t *ws;
    http_exchange_t *x;
} net_pss_t;

struct net {
    rt_server_t *srv;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    proto_hub_t *hub;
    net_ws_t *conns;
    long nconns;
    lws_sorted_usec_list_t sweep;
    int sweep_ms;
    volatile sig_atomic_t drain_requested;
    bool draining;
    int64_t drain_deadline_ms;
    rt_buf_t scratch; /* LWS_PRE + one assembled message */
};

int64_t net_now_ms(void);

/* net_ws.c */
int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, net_pss_t *pss, void *in, size_t len);
void net_ws_sweep(struct net *n, int64_t now);
void net_ws_close_all(struct net *n, int code, const char *reason);

/* net_http.c */
int net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, net_pss_t *pss, void *in, size_t len);
/* Validates an upgrade request before libwebsockets accepts it: path, client id, protocol.
 * Returns 0 to proceed, 1 when a refusal was written, -1 to hang up. */
int net_http_confirm_upgrade(struct lws *wsi);

#endif

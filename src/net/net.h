/* The network layer: one libwebsockets context serving HTTP routes and WebSocket upgrades on
 * one port, the outgoing queues with their bound, pings, timers and the SIGTERM drain. */
#ifndef RT_NET_H
#define RT_NET_H

#include "server.h"

typedef struct net net_t;

/* Binds the listen socket; caller owns the result (net_free). Creates srv->net_q when absent,
 * which the caller frees after net_free (workers may answer into it until they stop).
 * Returns 0 or -1 (logged). */
int net_start(rt_server_t *srv, net_t **out);
/* The bound port (useful with --port 0). */
int net_port(const net_t *n);
/* Serves until a drain completes: new connections refused, sockets closed 1001. Returns 0. */
int net_run(net_t *n);
/* Asks for a drain; async-signal-safe. */
void net_request_drain(net_t *n);
void net_free(net_t *n);

#endif

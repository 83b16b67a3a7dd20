/* The network layer: one libwebsockets context per network thread (--threads), all serving
 * HTTP routes and WebSocket upgrades on one port, the outgoing queues with their bound, pings,
 * timers and the SIGTERM drain. */
#ifndef RT_NET_H
#define RT_NET_H

#include "server.h"

typedef struct net net_t;

/* Binds the listen sockets (one per thread) and creates every thread's task queue; srv->net_q
 * becomes thread 0's (the publisher's). Caller owns the result (net_free, after the workers
 * that answer into the queues stopped). Returns 0 or -1 (logged). */
int net_start(rt_server_t *srv, net_t **out);
/* The bound port (useful with --port 0). */
int net_port(const net_t *n);
/* Serves on the calling thread (thread 0) and srv->nthreads - 1 more until a drain completes
 * everywhere: new connections refused, sockets closed 1001. Returns 0 once all are joined. */
int net_run(net_t *n);
/* Asks for a drain; thread-safe. */
void net_request_drain(net_t *n);
/* Runs what is queued for every thread, on the caller's (after net_run returned). */
void net_drain_tasks(net_t *n);
/* Closes every connection and destroys the contexts; the queues stay (pushes are kept, not run). */
void net_stop(net_t *n);
/* net_stop, then frees the queues (srv->net_q included) and the rest. */
void net_free(net_t *n);

#endif

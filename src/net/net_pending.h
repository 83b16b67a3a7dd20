/* Connections that have not finished sending their request headers. Each is closed when the
 * header deadline passes, and beyond a per-address cap and a per-thread share of the header
 * buffers once they have been waiting a moment: incomplete requests (slowloris) cannot lock new
 * clients out. See docs/operation.md "Limits". */
#ifndef RT_NET_PENDING_H
#define RT_NET_PENDING_H

#include <libwebsockets.h>

#include "util/util_clock.h"

typedef struct net_loop net_loop_t;

/* Requests waiting longer than this count against the caps: a client that sends its request at
 * once is never touched. */
#define NET_PENDING_GRACE_MS 1000

/* Starts tracking a connection just accepted on loop l (its thread). Returns 0, or -1 when no
 * memory is left (the connection is then refused). The record belongs to the loop; it is freed
 * by net_pending_done or net_pending_sweep. */
int net_pending_open(net_loop_t *l, struct lws *wsi);

/* The connection finished its request headers or is going away: stop tracking it. Idempotent. */
void net_pending_done(struct lws *wsi);

/* On loop l's thread: closes what passed the deadline or the caps. */
void net_pending_sweep(net_loop_t *l, rt_mono_t now);

/* Frees every record of loop l (its context is being destroyed). */
void net_pending_free_all(net_loop_t *l);

#endif

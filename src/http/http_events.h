/* POST /v1/events: change ingestion for platform services (docs/ingestion.md). */
#ifndef RT_HTTP_EVENTS_H
#define RT_HTTP_EVENTS_H

#include "http/http.h"

struct rt_server;
struct store_change;

/* What a commit made, handed on by the wiring layer (the directory mirror, then the feed):
 * `changes` in log order, borrowed for the call. */
typedef void (*http_commit_fn)(void *ctx, const struct store_change *changes, int n);

/* Handles one ingestion request on the network thread. Answers at once for errors (401, 413,
 * 400, 503); otherwise submits the records to srv->store and answers 200 from srv->net_q after
 * the commit, then calls `commit` (unless the store's watcher reports the commit itself), on
 * the thread draining srv->net_q: every commit answer goes through that one queue, whichever
 * thread owns the exchange, so that publishes happen one at a time in log order. */
void http_events_handle(struct rt_server *srv, http_exchange_t *x, http_commit_fn commit, void *commit_ctx);

#endif

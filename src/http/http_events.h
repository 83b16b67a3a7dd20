/* POST /v1/events: change ingestion for platform services (docs/ingestion.md). */
#ifndef RT_HTTP_EVENTS_H
#define RT_HTTP_EVENTS_H

#include "http/http.h"

struct rt_server;
struct store_change;

/* What a commit made, for a wiring without a store watcher: `changes` in log order, borrowed
 * for the call. */
typedef void (*http_commit_fn)(void *ctx, const struct store_change *changes, int n);

/* Handles one ingestion request on the network thread. Answers at once for errors (401, 413,
 * 400, 503); otherwise submits the records to srv->store and answers 200 from srv->net_q as
 * soon as the commit is durable. The server's store watcher hands the changes to the publisher
 * on their own, so the answer never waits for a fan-out; only when the store has no watcher is
 * `commit` (may be NULL) called, after the answer, on the thread draining srv->net_q. */
void http_events_handle(struct rt_server *srv, http_exchange_t *x, http_commit_fn commit, void *commit_ctx);

#endif

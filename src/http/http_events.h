/* POST /v1/events: change ingestion for platform services (SPEC 7). */
#ifndef RT_HTTP_EVENTS_H
#define RT_HTTP_EVENTS_H

#include "http/http.h"

struct rt_server;
struct store_change;

/* Handles one ingestion request on the network thread. Answers at once for errors (401, 413,
 * 400, 503); otherwise submits the records to srv->store and answers 200 from srv->net_q after
 * the commit, then mirrors directory/Blob changes into srv->auth (auth_dir_apply) and hands
 * node changes to srv->feed (feed_publish), both on the thread draining srv->net_q: every
 * commit answer goes through that one queue, whichever thread owns the exchange, so that
 * publishes happen one at a time in log order. */
void http_events_handle(struct rt_server *srv, http_exchange_t *x);

/* After a commit (also of changes made by another process, e.g. an operator command, when the
 * caller learns of them): mirrors directory and Blob changes into srv->auth and publishes node
 * changes to srv->feed, on the network thread. */
void http_events_dispatch(struct rt_server *srv, const struct store_change *changes, int n);

#endif

/* POST /v1/events: change ingestion for platform services (SPEC 7). */
#ifndef RT_HTTP_EVENTS_H
#define RT_HTTP_EVENTS_H

#include "http/http.h"
#include "server.h"

/* Answers the exchange exactly once, after the changes are durable. */
void http_events_handle(struct rt_server *srv, http_exchange_t *x);

#endif

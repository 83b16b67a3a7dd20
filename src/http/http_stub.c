/* TEMPORARY: stands in for the HTTP handlers until the engine and the store land. */
#include "http/http_events.h"

void http_events_handle(struct rt_server *srv, http_exchange_t *x)
{
    http_respond_error(x, 503, "Ingestion is not available yet");
}

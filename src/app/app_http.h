/* The HTTP routes: one table naming each path, its method, whether it reads a body, who may
 * call it and its handler, registered with the transport (net_route_add). A route is added by
 * one line in the table of app_http.c. */
#ifndef RT_APP_HTTP_H
#define RT_APP_HTTP_H

#include "http/http_events.h"
#include "net/net.h"
#include "server.h"

typedef struct app_http app_http_t;

/* `commit` / `commit_ctx` receive what an ingestion request committed (app_commit_watched).
 * Caller owns the result (app_http_free, after net_free). NULL on OOM. */
app_http_t *app_http_new(rt_server_t *srv, http_commit_fn commit, void *commit_ctx);
/* Registers every route with `net` (between net_start and net_run). Returns 0 or -1. */
int app_http_register(app_http_t *h, net_t *net);
void app_http_free(app_http_t *h);

#endif

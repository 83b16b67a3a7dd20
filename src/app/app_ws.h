/* WebSocket sessions: connects the transport's connections (net_ws_handler_t) to the protocol
 * state machines (proto_conn_t), and gives the protocols the Query resolvers. */
#ifndef RT_APP_WS_H
#define RT_APP_WS_H

#include "net/net.h"
#include "server.h"

typedef struct app_ws app_ws_t;

/* Caller owns the result (app_ws_free, after net_stop closed every connection). NULL on OOM. */
app_ws_t *app_ws_new(rt_server_t *srv);
/* Makes `net` hand its WebSocket connections to the protocols (between net_start and net_run). */
void app_ws_register(app_ws_t *w, net_t *net);
void app_ws_free(app_ws_t *w);

#endif

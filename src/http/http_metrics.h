/* GET /metrics: the Prometheus text exposition of rt_metrics_t (docs/operation.md). */
#ifndef RT_HTTP_METRICS_H
#define RT_HTTP_METRICS_H

#include "server.h"
#include "util/util_buf.h"

/* Appends the exposition text to out. */
void http_metrics_render(rt_server_t *srv, rt_buf_t *out);

#endif

/* Prometheus text format of the server's counters and gauges; names are prefixed
 * blobhub_rt_ and documented with HELP/TYPE lines. */
#include "http/http_metrics.h"

#include "auth/auth.h"
#include "gql/gql_persist.h"
#include "feed/feed.h"

static void metric(rt_buf_t *b, const char *name, const char *type, const char *help, long value)
{
    rt_buf_printf(b, "# HELP blobhub_rt_%s %s\n# TYPE blobhub_rt_%s %s\nblobhub_rt_%s %ld\n", name, help, name, type,
                  name, value);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void http_metrics_render(rt_server_t *srv, rt_buf_t *out)
{
    rt_metrics_t *m = &srv->metrics;
    metric(out, "connections", "gauge", "Open WebSocket connections.", LOAD(m->connections));
    metric(out, "subscriptions", "gauge", "Active subscriptions.", LOAD(m->subscriptions));
    metric(out, "changes_ingested_total", "counter", "Changes accepted by POST /v1/events.", LOAD(m->changes_ingested));
    metric(out, "deliveries_total", "counter", "Events delivered to subscriptions.", LOAD(m->deliveries));
    metric(out, "deliveries_denied_total", "counter", "Events withheld by the permission check.",
           LOAD(m->deliveries_denied));
    metric(out, "slow_consumer_closes_total", "counter", "Connections closed 1013 Slow consumer.",
           LOAD(m->slow_consumer_closes));
    metric(out, "outgoing_queue_bytes", "gauge", "Bytes queued for sending over all connections.",
           LOAD(m->queue_bytes));
    metric(out, "publish_queue", "gauge", "Commits waiting for the publisher thread.", LOAD(m->publish_queue));
    gql_persist_counters_t pc;
    gql_persist_counters(srv->persist, &pc);
    metric(out, "persisted_hits_total", "counter", "Persisted operation ids resolved to a document.", pc.hits);
    metric(out, "persisted_misses_total", "counter", "Persisted operation ids not found.", pc.misses);
    metric(out, "persisted_refusals_total", "counter", "Documents refused by the allow-list.", pc.refusals);
    metric(out, "persisted_cache_entries", "gauge", "Documents in the automatic persisted queries cache.", pc.cached);
    rt_buf_puts(out, "# HELP blobhub_rt_thread_connections Open WebSocket connections per network thread.\n"
                     "# TYPE blobhub_rt_thread_connections gauge\n");
    int nthreads = srv->nthreads < 1 ? 1 : srv->nthreads > RT_MAX_THREADS ? RT_MAX_THREADS : srv->nthreads;
    for (int t = 0; t < nthreads; t++)
        rt_buf_printf(out, "blobhub_rt_thread_connections{thread=\"%d\"} %ld\n", t, LOAD(m->thread_connections[t]));
    rt_buf_puts(out, "# HELP blobhub_rt_auth_failures_total Authentication failures by reason (throttled, busy: "
                     "refused without verification).\n"
                     "# TYPE blobhub_rt_auth_failures_total counter\n");
    for (int r = 1; r < AUTH_FAIL__COUNT; r++)
        rt_buf_printf(out, "blobhub_rt_auth_failures_total{reason=\"%s\"} %ld\n", auth_failure_name((auth_failure_t)r),
                      LOAD(m->auth_failures[r]));
    if (srv->auth)
        metric(out, "auth_verifications_waiting", "gauge", "PAT and API-key verifications waiting for a worker.",
               (long)auth_verifications_waiting(srv->auth));
    if (srv->feed)
        feed_metrics_write(srv->feed, out);
}

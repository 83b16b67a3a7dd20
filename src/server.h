/* The one server context: configuration and the subsystems, created in main.c and passed
 * explicitly to every layer. No other mutable global state exists. */
#ifndef RT_SERVER_H
#define RT_SERVER_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gql/gql_schema.h"
#include "util/util_taskq.h"

typedef struct rt_config {
    const char *host;                   /* --host, default 0.0.0.0 */
    int port;                           /* --port, default 4000 (0: pick a free port) */
    const char *data_dir;               /* --data-dir, default ./data */
    const char *service_key;            /* --service-key, NULL: ingestion answers 503 */
    const char *jwt_hs256_secret;       /* --jwt-hs256-secret */
    const char *jwt_ed25519_public_key; /* --jwt-ed25519-public-key (base64) */
    const char *jwt_issuer;             /* --jwt-issuer */
    const char *jwt_audience;           /* --jwt-audience */
    int init_timeout_ms;                /* --init-timeout-ms, default 3000 */
    int header_timeout_ms;              /* --header-timeout-ms, default 10000: request headers */
    int max_pending_per_address;        /* --max-pending-per-address, default 8 (0: no cap) */
    const char *log_level;              /* --log-level, default info */
    const char *redis;                  /* --redis redis://host:port: cluster mode */
    const char *tls_cert;               /* --tls-cert */
    const char *tls_key;                /* --tls-key */
    size_t max_message_bytes;           /* --max-message-bytes, default 64 KiB: close 1009 */
    int max_subscriptions;              /* --max-subscriptions, default 100 per connection */
    int max_query_depth;                /* --max-query-depth, default 12 */
    int max_query_tokens;               /* --max-query-tokens, default 2000 */
    int max_list_items;                 /* --max-list-items, default 100 per list argument */
    size_t max_queue_bytes;             /* --max-queue-bytes, default 4 MiB: close 1013 */
    size_t max_body_bytes;              /* --max-body-bytes, default 8 MiB: 413 */
    int ping_interval_ms;               /* --ping-interval-ms, default 20000: WebSocket ping frames */
    long log_retention_sec;             /* --log-retention, default 86400 */
    long log_retention_max;             /* --log-retention-max, default 1000000 changes */
    int demo;                           /* --demo: seed an empty data dir with a demo organization */
    int auth_failures_per_id;           /* --auth-failures-per-id, default 10 per window */
    int auth_failures_per_address;      /* --auth-failures-per-address, default 20 per window */
    int auth_failure_window_ms;         /* --auth-failure-window-ms, default 60000 */
    int max_pending_verifications;      /* --max-pending-verifications, default 1024: close 1013 */
    const char *trusted_proxies;        /* --trusted-proxies: comma-separated proxy addresses */
    const char *persisted_operations;   /* --persisted-operations FILE: id -> document manifest */
    int allow_list_only;                /* --allow-list-only: run only documents in that file */
    int persisted_cache_entries;        /* --persisted-cache-entries, default 1000 (APQ cache) */
    int graphiql;                       /* --graphiql, default on: serve GET /graphiql */
    const char *event_loop;             /* --event-loop: "poll" (default) or "uv" */
    int threads;                        /* --threads: network threads (0: one per CPU, at most
                                     * RT_AUTO_THREADS_MAX); at most RT_MAX_THREADS */
} rt_config_t;

#define RT_MAX_THREADS 16
#define RT_AUTO_THREADS_MAX 8

struct store;
struct auth;
struct feed;
struct net;
struct gql_persist;
struct gql_prepared_cache;

/* Counters read by /metrics; written from any thread with relaxed atomics. */
typedef struct rt_metrics {
    atomic_long connections;
    atomic_long subscriptions;
    atomic_long changes_ingested;
    atomic_long deliveries;
    atomic_long deliveries_denied;
    atomic_long slow_consumer_closes;
    atomic_long queue_bytes;
    atomic_long publish_queue; /* commits waiting for the publisher thread (app/app_commit.c) */
    /* Tasks handed to the publisher, and those whose directory changes it has applied: a Query
     * waits for the second to reach the first (app/app_query.c). Not rendered. */
    atomic_ulong mirror_queued, mirror_done;
    atomic_long auth_failures[16];                  /* by auth failure reason, see auth/auth.h */
    atomic_long thread_connections[RT_MAX_THREADS]; /* open WebSockets per network thread */
} rt_metrics_t;

typedef struct rt_server {
    rt_config_t cfg;
    const gql_schema_t *schema;           /* the served schema (generated tables) */
    const gql_schema_t *directory_schema; /* directory record types (schema/directory.graphql):
                                           * gql_schema_directory; NULL: store's built-in copy */
    struct store *store;
    struct auth *auth;
    struct feed *feed;
    struct net *net;
    struct gql_persist *persist; /* persisted operations and APQ (gql_persist_new); NULL: none */
    rt_taskq_t *net_q;           /* network thread 0's task queue: ingestion answers, and like
                                     * every other network thread's queue (net_loop_t) its
                                     * connections' auth results, replays and deliveries. Commits
                                     * reach the feed on the publisher thread (app/app_commit.c) */
    int nthreads;                /* network threads actually running (cfg.threads resolved) */
    rt_metrics_t metrics;
    atomic_int draining; /* set by SIGTERM (signal thread), read by every network
                                     * thread: refuse new work, close, flush, exit 0 */
    /* Interned operations of WebSocket requests (gql_prepared.h); NULL: none. */
    struct gql_prepared_cache *prepared;
} rt_server_t;

#endif

/* Start-up and shutdown: opens the store, mirrors its directory into auth, starts the network
 * with the HTTP routes and WebSocket sessions registered, the feed, follows the store's commits
 * (and gaps in them), serves until SIGTERM, then takes everything down in the order that keeps
 * each layer's users alive while it drains. */
#include "app/app.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "auth/auth.h"
#include "feed/feed.h"
#include "gql/gql_persist.h"
#include "gql/gql_prepared.h"
#include "app/app_commit.h"
#include "app/app_http.h"
#include "app/app_ws.h"
#include "net/net.h"
#include "store/store.h"
#include "util/util_log.h"

/* SIGTERM/SIGINT/SIGHUP are blocked in every thread (main.c) and taken here with sigwait, so no
 * handler and no global state is needed: the drain request and the manifest swap are
 * thread-safe. SIGHUP rereads --persisted-operations (docs/operation.md "Signals"); connections
 * and running subscriptions are untouched. */
typedef struct app_signals {
    rt_server_t *srv;
    net_t *net;
} app_signals_t;

static void *signal_thread(void *arg)
{
    app_signals_t *sigs = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    int sig = 0;
    /* At function scope: a buffer scoped inside the loop leaves GCC's use-after-scope poison on
     * this thread's stack, which ASan then reports when the thread exits. */
    char err[320];
    while (sigwait(&set, &sig) == 0) {
        if (sig != SIGHUP) {
            rt_log_info("main", "%s received: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            net_request_drain(sigs->net);
            break;
        }
        if (!sigs->srv->persist || !sigs->srv->cfg.persisted_operations)
            rt_log_info("main", "SIGHUP received: no --persisted-operations to reread");
        else if (gql_persist_reload(sigs->srv->persist, err, sizeof err) < 0)
            rt_log_warn("main", "SIGHUP: persisted operations not reloaded, the previous ones stay: %s", err);
        else
            rt_log_info("main", "SIGHUP: persisted operations reloaded");
    }
    return NULL;
}

/* What the wiring owns besides srv's subsystems. */
typedef struct app {
    net_t *net;
    app_commit_t *commit;
    app_http_t *http;
    app_ws_t *ws;
} app_t;

/* Order matters: the demo seed is written before the directory is mirrored into auth; routes
 * and sessions are registered before serving; the feed needs store, auth and the network's
 * queue. Returns 0 or -1 (what was made is in *a, for app_stop). */
static int app_start(rt_server_t *srv, app_seed_fn seed, app_t *a)
{
    srv->store = store_open(srv);
    if (!srv->store)
        return -1;
    if (srv->cfg.demo && seed && seed(srv, stdout) < 0)
        return -1;
    srv->auth = auth_new(srv);
    a->commit = app_commit_new(srv);
    /* No commit callback: the store's watcher hands every commit, ingestion's included, to the
     * publisher, so an ingestion answer never waits for a fan-out. */
    a->http = a->commit ? app_http_new(srv, NULL, NULL) : NULL;
    a->ws = app_ws_new(srv);
    if (!srv->auth || !a->http || !a->ws)
        return -1;
    if (app_commit_load_directory(a->commit) < 0) {
        rt_log_error("main", "cannot load the directory from the store");
        return -1;
    }
    char perr[320];
    if (gql_persist_new(srv->cfg.persisted_operations, srv->cfg.allow_list_only, srv->cfg.persisted_cache_entries,
                        &srv->persist, perr, sizeof perr) < 0) {
        rt_log_error("main", "--persisted-operations: %s", perr);
        return -1;
    }
    if (!(srv->prepared = gql_prepared_cache_new()))
        return -1;
    /* Every commit, this server's, operator commands' on its data dir, other cluster nodes' on
     * the shared store, and what was missed when the log outran us, goes to the publisher in
     * log order; registered before serving so that no ingestion result lacks it. */
    if (store_watch_gaps(srv->store, app_commit_gap, a->commit) < 0 ||
        store_watch(srv->store, app_commit_queue(a->commit), app_commit_watched, a->commit) < 0)
        return -1;
    if (net_start(srv, &a->net) < 0 || app_http_register(a->http, a->net) < 0)
        return -1;
    app_ws_register(a->ws, a->net);
    srv->feed = feed_new(srv);
    if (!srv->feed || app_commit_start(a->commit) < 0)
        return -1;
    return 0;
}

/* Pending work first, while everything is alive; the publisher stops before the store it
 * reads; then the store's writer is joined (accepted changes are committed), the last commits
 * dispatched here and the last answers and deliveries run; then connections are closed (which
 * unsubscribes from the feed), and only then the feed and auth go; the task queues last,
 * since auth workers may answer into them until auth_free. */
static void app_stop(rt_server_t *srv, app_t *a)
{
    net_t *net = a->net;
    if (net)
        net_drain_tasks(net);
    app_commit_stop(a->commit);
    store_close(srv->store);
    srv->store = NULL;
    app_commit_drain(a->commit);
    if (net)
        net_drain_tasks(net);
    net_stop(net);
    feed_free(srv->feed);
    srv->feed = NULL;
    auth_free(srv->auth);
    srv->auth = NULL;
    net_free(net);
    gql_persist_free(srv->persist);
    srv->persist = NULL;
    gql_prepared_cache_free(srv->prepared); /* after the feed and the connections: no request is left */
    srv->prepared = NULL;
    app_ws_free(a->ws);
    app_http_free(a->http);
    app_commit_free(a->commit);
}

int app_run(rt_server_t *srv, app_seed_fn seed)
{
    int rc = 1;
    app_t a = {0};
    pthread_t sig_tid;
    app_signals_t sigs = {srv, NULL};
    bool sig_started = false;

    if (app_start(srv, seed, &a) < 0)
        goto out;
    sigs.net = a.net;
    if (pthread_create(&sig_tid, NULL, signal_thread, &sigs) == 0)
        sig_started = true;
    rt_log_info("main", "blobhub-realtime listening on %s:%d (data dir %s, store %s, %d network thread%s)",
                srv->cfg.host, net_port(a.net), srv->cfg.data_dir, srv->store->ops->name, srv->nthreads,
                srv->nthreads == 1 ? "" : "s");
    if (!srv->cfg.service_key)
        rt_log_warn("main", "no --service-key: POST /v1/events answers 503");
    fflush(stdout);
    net_run(a.net);
    rc = 0;
out:
    /* The signal thread may still be waking loops (net_request_drain): stop it before any of
     * them goes. */
    if (sig_started) {
        pthread_cancel(sig_tid);
        pthread_join(sig_tid, NULL);
    }
    app_stop(srv, &a);
    rt_log_info("main", rc == 0 ? "drained; exiting" : "could not start");
    return rc;
}

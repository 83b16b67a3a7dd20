/* Start-up and shutdown: opens the store, mirrors its directory into auth, starts the network
 * and the feed, follows the store's commits, serves until SIGTERM, then takes everything down
 * in the order that keeps each layer's users alive while it drains. */
#include "app/app.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "auth/auth.h"
#include "feed/feed.h"
#include "app/app_commit.h"
#include "net/net.h"
#include "store/store.h"
#include "util/util_log.h"

/* SIGTERM/SIGINT are blocked in every thread (main.c) and taken here with sigwait, so no
 * handler and no global state is needed: the drain request is thread-safe. */
static void *signal_thread(void *arg)
{
    net_t *n = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    if (sigwait(&set, &sig) == 0) {
        rt_log_info("main", "%s received: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        net_request_drain(n);
    }
    return NULL;
}

/* Order matters: the demo seed is written before the directory is mirrored into auth; the
 * feed needs store and auth. Returns 0 with *net set (also on failure, when it was started). */
static int app_start(rt_server_t *srv, app_seed_fn seed, net_t **net)
{
    srv->store = store_open(srv);
    if (!srv->store)
        return -1;
    if (srv->cfg.demo && seed && seed(srv, stdout) < 0)
        return -1;
    srv->auth = auth_new(srv);
    if (!srv->auth)
        return -1;
    if (store_load_directory(srv->store, auth_dir_record, srv->auth) < 0) {
        rt_log_error("main", "cannot load the directory from the store");
        return -1;
    }
    if (net_start(srv, net) < 0)
        return -1;
    srv->feed = feed_new(srv);
    if (!srv->feed)
        return -1;
    /* Operator commands may write to the data dir of this running server: hear of it. */
    if (store_watch(srv->store, srv->net_q, app_commit_watched, srv) < 0)
        return -1;
    return 0;
}

/* Pending work first, while everything is alive; then the store's writer is joined (accepted
 * changes are committed) and its last answers delivered; then connections are closed (which
 * unsubscribes from the feed), and only then the feed and auth go; the task queues last,
 * since auth workers may answer into them until auth_free. */
static void app_stop(rt_server_t *srv, net_t *net)
{
    if (net)
        net_drain_tasks(net);
    store_close(srv->store);
    srv->store = NULL;
    if (net)
        net_drain_tasks(net);
    net_stop(net);
    feed_free(srv->feed);
    srv->feed = NULL;
    auth_free(srv->auth);
    srv->auth = NULL;
    net_free(net);
}

int app_run(rt_server_t *srv, app_seed_fn seed)
{
    int rc = 1;
    net_t *net = NULL;
    pthread_t sig_tid;
    bool sig_started = false;

    if (app_start(srv, seed, &net) < 0)
        goto out;
    if (pthread_create(&sig_tid, NULL, signal_thread, net) == 0)
        sig_started = true;
    rt_log_info("main", "blobhub-realtime listening on %s:%d (data dir %s, store %s, %d network thread%s)",
                srv->cfg.host, net_port(net), srv->cfg.data_dir, srv->store->ops->name, srv->nthreads,
                srv->nthreads == 1 ? "" : "s");
    if (!srv->cfg.service_key)
        rt_log_warn("main", "no --service-key: POST /v1/events answers 503");
    fflush(stdout);
    net_run(net);
    rc = 0;
out:
    /* The signal thread may still be waking loops (net_request_drain): stop it before any of
     * them goes. */
    if (sig_started) {
        pthread_cancel(sig_tid);
        pthread_join(sig_tid, NULL);
    }
    app_stop(srv, net);
    rt_log_info("main", rc == 0 ? "drained; exiting" : "could not start");
    return rc;
}

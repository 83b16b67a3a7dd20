/* blobhub-realtime: parses flags and environment, runs an operator command or wires the
 * layers (store, auth, feed, network) into one server context and serves until SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli_admin.h"
#include "cli/cli_config.h"
#include "cli/cli_demo.h"
#include "feed/feed.h"
#include "gql/gql_persist.h"
#include "gql_schema_gen.h"
#include "http/http_events.h"
#include "net/net.h"
#include "server.h"
#include "store/store.h"
#include "util/util_log.h"

/* SIGTERM/SIGINT are blocked in every thread and taken here with sigwait, so no handler and
 * no global state is needed: the drain request is thread-safe. */
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

static void load_directory_record(void *ctx, const char *type, const char *id, json_object *node)
{
    auth_dir_apply(ctx, type, id, node);
}

static void store_watched(void *ctx, const store_change_t *changes, int n) { http_events_dispatch(ctx, changes, n); }

/* Order matters: the demo seed is written before the directory is mirrored into auth; the
 * feed needs store and auth; on the way out the network goes first (it drains the task queue
 * the feed and the store answer through), then the feed, then the store is flushed. */
static int serve(rt_server_t *srv)
{
    int rc = 1;
    net_t *net = NULL;
    pthread_t sig_tid;
    bool sig_started = false;

    srv->store = store_open(srv);
    if (!srv->store)
        goto out;
    if (srv->cfg.demo && store_seed_demo(srv, stdout) < 0)
        goto out;
    srv->auth = auth_new(srv);
    if (!srv->auth)
        goto out;
    if (store_load_directory(srv->store, load_directory_record, srv->auth) < 0) {
        rt_log_error("main", "cannot load the directory from the store");
        goto out;
    }
    char perr[320];
    if (gql_persist_new(srv->cfg.persisted_operations, srv->cfg.allow_list_only, srv->cfg.persisted_cache_entries,
                        &srv->persist, perr, sizeof perr) < 0) {
        rt_log_error("main", "--persisted-operations: %s", perr);
        goto out;
    }
    if (net_start(srv, &net) < 0)
        goto out;
    srv->feed = feed_new(srv);
    if (!srv->feed)
        goto out;
    /* Operator commands may write to the data dir of this running server: hear of it. */
    if (store_watch(srv->store, srv->net_q, store_watched, srv) < 0)
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
    /* Pending work first, while everything is alive; then the store's writer is joined
     * (accepted changes are committed) and its last answers delivered; then connections are
     * closed (which unsubscribes from the feed), and only then the feed and auth go; the task
     * queues last, since auth workers may answer into them until auth_free. */
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
    gql_persist_free(srv->persist);
    srv->persist = NULL;
    rt_log_info("main", rc == 0 ? "drained; exiting" : "could not start");
    return rc;
}

int main(int argc, char **argv)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    int rest = 0;
    int prc = cli_config_parse(&srv.cfg, argc, argv, &rest, stdout, stderr);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    rt_log_level_t lvl;
    if (rt_log_parse_level(srv.cfg.log_level, &lvl) < 0) {
        fprintf(stderr, "blobhub-realtime: unknown --log-level '%s'\n", srv.cfg.log_level);
        return 2;
    }
    rt_log_set_level(lvl);
    srv.schema = &gql_schema_blobhub;
    srv.directory_schema = &gql_schema_directory;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (rest > 1) {
        int rc = cli_admin_run(&srv, rest, argv);
        if (rc >= 0)
            return rc;
        fprintf(stderr, "blobhub-realtime: unknown command '%s' (see 'blobhub-realtime help')\n", argv[1]);
        return 2;
    }
    return serve(&srv);
}

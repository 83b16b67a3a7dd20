/* blobhub-realtime: parses flags and environment, runs an operator command or wires the
 * layers (store, auth, feed, network) into one server context and serves until SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli_config.h"
#include "feed/feed.h"
#include "gql_schema_gen.h"
#include "net/net.h"
#include "server.h"
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

static int serve(rt_server_t *srv)
{
    int rc = 1;
    net_t *net = NULL;
    pthread_t sig_tid;
    bool sig_started = false;

    srv->feed = feed_new(srv);
    if (net_start(srv, &net) < 0)
        goto out;
    if (pthread_create(&sig_tid, NULL, signal_thread, net) == 0)
        sig_started = true;
    rt_log_info("main", "blobhub-realtime listening on %s:%d (data dir %s)", srv->cfg.host, net_port(net),
                srv->cfg.data_dir);
    net_run(net);
    rc = 0;
    rt_log_info("main", "drained; exiting");
out:
    net_free(net);
    feed_free(srv->feed);
    srv->feed = NULL;
    if (sig_started) {
        pthread_cancel(sig_tid);
        pthread_join(sig_tid, NULL);
    }
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

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (rest > 1) {
        fprintf(stderr, "blobhub-realtime: unknown command '%s' (see 'blobhub-realtime help')\n", argv[1]);
        return 2;
    }
    return serve(&srv);
}

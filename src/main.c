/* blobhub-realtime: parses flags and environment, then runs an operator command or hands the
 * configuration to the wiring layer (app/app.c), which serves until SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli_admin.h"
#include "cli/cli_config.h"
#include "cli/cli_demo.h"
#include "gql_schema_gen.h"
#include "server.h"
#include "util/util_log.h"

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
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (rest > 1) {
        int rc = cli_admin_run(&srv, rest, argv);
        if (rc >= 0)
            return rc;
        fprintf(stderr, "blobhub-realtime: unknown command '%s' (see 'blobhub-realtime help')\n", argv[1]);
        return 2;
    }
    return app_run(&srv, cli_demo_seed);
}

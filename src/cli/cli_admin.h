/* Operator subcommands (docs/operation.md): create organizations, users, memberships, API keys and
 * PATs in a data dir (of a stopped or running server), and hash a secret. */
#ifndef RT_CLI_ADMIN_H
#define RT_CLI_ADMIN_H

#include <stdio.h>

#include "server.h"

/* Runs the subcommand argv[1] (argv[0] is the program): `srv` carries the parsed global
 * configuration (cfg.data_dir, schema tables); srv->store may be NULL, the command then opens
 * and closes the store itself. Output on stdout, errors on stderr. Returns the process exit
 * code (0 success, 1 failure, 2 usage), or -1 when argv[1] is not an operator subcommand. */
int cli_admin_run(rt_server_t *srv, int argc, char **argv);

/* Prints the list of operator subcommands. */
void cli_admin_usage(FILE *out);

#endif

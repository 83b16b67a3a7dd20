/* First-run demo: seeds an empty data dir with an organization, a user, a membership, a
 * public and a private blob, an API key and a PAT, and tells the operator how to connect. */
#ifndef RT_CLI_DEMO_H
#define RT_CLI_DEMO_H

#include <stdio.h>

#include "server.h"

/* Uses srv->store (opened) and srv->cfg (host, port, service key). Does nothing and returns 0
 * when the store already holds an organization, a user or a retained change; returns 0 after
 * seeding and printing to `out`, or -1 on failure (reason on stderr, nothing applied). */
int cli_demo_seed(rt_server_t *srv, FILE *out);

#endif

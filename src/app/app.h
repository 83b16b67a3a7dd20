/* The wiring layer: builds the server from its layers (store, auth, feed, network), connects
 * them through the callbacks each lower layer takes, serves until SIGTERM and shuts down in
 * the one order that is safe. main.c parses the configuration and hands over here. */
#ifndef RT_APP_H
#define RT_APP_H

#include <stdio.h>

#include "server.h"

/* Seeds a fresh data dir (--demo) through the opened srv->store, printing to `out`; 0 or -1. */
typedef int (*app_seed_fn)(rt_server_t *srv, FILE *out);

/* Runs the server described by srv->cfg (srv->schema and srv->directory_schema set) until a
 * drain completes. `seed` (may be NULL) runs with --demo before the directory is loaded. Returns the process exit status: 0 after a clean drain, 1 when start-up
 * failed (logged). */
int app_run(rt_server_t *srv, app_seed_fn seed);

#endif

/* The commit dispatch: the one path every committed change takes on its way out of the store,
 * whether this server's ingestion made it or another process (an operator command, another
 * cluster node) did: the directory mirror first, then the feed. */
#ifndef RT_APP_COMMIT_H
#define RT_APP_COMMIT_H

#include "server.h"
#include "store/store.h"

/* Mirrors directory and Blob changes into srv->auth (auth_dir_apply), then hands the node
 * changes to srv->feed (feed_publish), still in log order. Called on the thread draining
 * srv->net_q, one commit at a time, in log order: the mirror is updated before any subscriber
 * is judged on the same commit's nodes. `changes` is borrowed. */
void app_commit_dispatch(rt_server_t *srv, const store_change_t *changes, int n);

/* app_commit_dispatch with the store_changes_fn / http_commit_fn shape (ctx = srv). */
void app_commit_watched(void *srv, const store_change_t *changes, int n);

#endif

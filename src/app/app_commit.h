/* The commit dispatch: the one path every committed change takes on its way out of the store,
 * whether this server's ingestion made it or another process (an operator command, another
 * cluster node) did: the directory mirror first, then the feed. It also (re)loads the mirror
 * from the store, at start and after a gap in the change log. */
#ifndef RT_APP_COMMIT_H
#define RT_APP_COMMIT_H

#include "server.h"
#include "store/store.h"

typedef struct app_commit app_commit_t;

/* Caller owns the result (app_commit_free, after the store stopped calling it). NULL on OOM. */
app_commit_t *app_commit_new(rt_server_t *srv);
void app_commit_free(app_commit_t *c);

/* Loads every directory record of srv->store into srv->auth, then removes from the mirror what
 * it held but the store no longer does (a deletion missed in a gap). At start, and on the thread
 * draining srv->net_q afterwards. Returns 0, or -1 (the mirror keeps what it had, updated). */
int app_commit_load_directory(app_commit_t *c);

/* Mirrors directory and Blob changes into srv->auth (auth_dir_apply), then hands the node
 * changes to srv->feed (feed_publish), still in log order. Called on the thread draining
 * srv->net_q, one commit at a time, in log order: the mirror is updated before any subscriber
 * is judged on the same commit's nodes. `changes` is borrowed. */
void app_commit_dispatch(app_commit_t *c, const store_change_t *changes, int n);

/* app_commit_dispatch with the store_changes_fn / http_commit_fn shape (ctx = the app_commit_t). */
void app_commit_watched(void *c, const store_change_t *changes, int n);

/* A store_gap_fn (ctx = the app_commit_t): the change log was trimmed past what this server
 * followed, so directory changes may have been missed; reloads the mirror. */
void app_commit_gap(void *c);

#endif

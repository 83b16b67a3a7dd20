/* The commit dispatch: the one path every committed change takes on its way out of the store,
 * whether this server's ingestion made it or another process (an operator command, another
 * cluster node) did: the directory mirror first, then the feed. It runs on its own thread, the
 * publisher, fed in log order by the store's watcher (store_watch on app_commit_queue), so that
 * matching, permission checks and rendering never hold a network thread or an ingestion answer.
 * It also (re)loads the mirror from the store, at start and after a gap in the change log. */
#ifndef RT_APP_COMMIT_H
#define RT_APP_COMMIT_H

#include "server.h"
#include "store/store.h"

typedef struct app_commit app_commit_t;

/* Caller owns the result (app_commit_free). NULL on OOM. */
app_commit_t *app_commit_new(rt_server_t *srv);
/* Stops the publisher if it runs, runs what is still queued on the calling thread, frees. */
void app_commit_free(app_commit_t *c);

/* The publisher's queue (owned by c): hand it to store_watch. Unbounded: a commit is never
 * dropped or refused for a slow fan-out, and the store's writer never waits for it (the
 * ingestion answer would); srv->metrics.publish_queue counts what waits, and a warning is
 * logged when it reaches 1000. */
rt_taskq_t *app_commit_queue(app_commit_t *c);
/* Starts the publisher thread, which runs the queue's tasks one at a time, in order. Start it
 * once srv's store, auth and feed are set (what was queued before then waits). 0 or -1. */
int app_commit_start(app_commit_t *c);
/* Joins the publisher thread after the task it is running; the queue keeps the rest for
 * app_commit_drain. Call before the store closes (the publisher reads it). */
void app_commit_stop(app_commit_t *c);
/* Runs what is queued on the calling thread (after app_commit_stop: shutdown's last commits). */
void app_commit_drain(app_commit_t *c);

/* What the dispatch hands the node changes to instead of feed_publish(srv->feed): tests (a
 * slow or recording feed). Before app_commit_start. `changes` are borrowed for the call. */
typedef void (*app_commit_publish_fn)(void *ctx, const store_change_t *changes, int n);
void app_commit_set_publish(app_commit_t *c, app_commit_publish_fn fn, void *ctx);

/* Loads every directory record of srv->store into srv->auth, then removes from the mirror what
 * it held but the store no longer does (a deletion missed in a gap). At start, and on the
 * publisher afterwards. Returns 0, or -1 (the mirror keeps what it had, updated). */
int app_commit_load_directory(app_commit_t *c);

/* Mirrors directory and Blob changes into srv->auth (auth_dir_apply), then hands the node
 * changes to srv->feed (feed_publish), still in log order. Called on the publisher, one commit
 * at a time, in log order: the mirror is updated before any subscriber is judged on the same
 * commit's nodes. `changes` is borrowed. */
void app_commit_dispatch(app_commit_t *c, const store_change_t *changes, int n);

/* app_commit_dispatch as the store_changes_fn of the publisher's queue (ctx = the app_commit_t). */
void app_commit_watched(void *c, const store_change_t *changes, int n);

/* A store_gap_fn (ctx = the app_commit_t), on the publisher's queue: the change log was
 * trimmed past what this server followed, so directory changes may have been missed; reloads
 * the mirror. */
void app_commit_gap(void *c);

#endif

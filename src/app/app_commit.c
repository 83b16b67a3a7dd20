/* The commit dispatch: directory mirror, then feed. The mirror goes first so that a commit
 * that both revokes access and changes a node is judged on the directory after the commit. */
#include "app/app_commit.h"

#include <stdlib.h>

#include "auth/auth.h"
#include "feed/feed.h"
#include "util/util_log.h"

void app_commit_dispatch(rt_server_t *srv, const store_change_t *changes, int n)
{
    int nodes = 0;
    for (int i = 0; i < n; i++) {
        if (srv->auth && store_type_is_auth(changes[i].type))
            auth_dir_apply(srv->auth, changes[i].type, changes[i].id, changes[i].node);
        if (store_type_is_node(changes[i].type))
            nodes++;
    }
    if (!srv->feed || nodes == 0)
        return;
    if (nodes == n) {
        feed_publish(srv->feed, changes, n);
        return;
    }
    /* Directory changes interleaved: hand the feed only the node changes, still in log order
     * (shallow copies; the feed copies what it keeps). */
    store_change_t *only = malloc((size_t)nodes * sizeof *only);
    if (!only) {
        rt_log_error("app", "out of memory publishing %d changes", nodes);
        return;
    }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (store_type_is_node(changes[i].type))
            only[k++] = changes[i];
    feed_publish(srv->feed, only, k);
    free(only);
}

void app_commit_watched(void *srv, const store_change_t *changes, int n) { app_commit_dispatch(srv, changes, n); }

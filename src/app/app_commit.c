/* The commit dispatch: directory mirror, then feed. The mirror goes first so that a commit
 * that both revokes access and changes a node is judged on the directory after the commit.
 * The keys of what the mirror holds are kept here, so a reload can drop what vanished. */
#include "app/app_commit.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "feed/feed.h"
#include "util/util_log.h"
#include "util/util_map.h"

struct app_commit {
    rt_server_t *srv;
    rt_map_t *keys; /* "type\0id" of every directory record mirrored into srv->auth */
};

static char present; /* the value stored under every key: the key is what matters */

/* "type\0id" into buf; returns its length, or 0 when it does not fit. */
static size_t dir_key(char *buf, size_t cap, const char *type, const char *id)
{
    size_t tl = strlen(type), il = strlen(id);
    if (tl + 1 + il > cap)
        return 0;
    memcpy(buf, type, tl + 1);
    memcpy(buf + tl + 1, id, il);
    return tl + 1 + il;
}

static void note_key(rt_map_t *keys, const char *type, const char *id, bool live)
{
    char k[512];
    size_t len = dir_key(k, sizeof k - 1, type, id); /* room for drop_vanished's NUL */
    if (!len)
        return;
    if (!live)
        rt_map_remove(keys, k, len);
    else if (rt_map_put(keys, k, len, &present, NULL) < 0)
        rt_log_error("app", "out of memory noting a directory record");
}

app_commit_t *app_commit_new(rt_server_t *srv)
{
    app_commit_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->srv = srv;
    c->keys = rt_map_new();
    if (!c->keys) {
        free(c);
        return NULL;
    }
    return c;
}

void app_commit_free(app_commit_t *c)
{
    if (!c)
        return;
    rt_map_free(c->keys, NULL);
    free(c);
}

typedef struct reload {
    app_commit_t *c;
    rt_map_t *fresh; /* the keys the store holds now */
} reload_t;

static void load_record(void *ctx, const char *type, const char *id, json_object *node)
{
    reload_t *r = ctx;
    auth_dir_record(r->c->srv->auth, type, id, node);
    note_key(r->fresh, type, id, true);
}

static void keep_key(void *ctx, const void *key, size_t len, void *val)
{
    (void)val;
    if (rt_map_put(ctx, key, len, &present, NULL) < 0)
        rt_log_error("app", "out of memory noting a directory record");
}

/* A key the mirror held that the fresh load did not bring: deleted while unheard. */
static void drop_vanished(void *ctx, const void *key, size_t len, void *val)
{
    (void)val;
    reload_t *r = ctx;
    if (rt_map_get(r->fresh, key, len))
        return;
    char type[512], *id;
    memcpy(type, key, len);
    type[len] = '\0';
    id = type + strlen(type) + 1;
    auth_dir_apply(r->c->srv->auth, type, id, NULL);
}

int app_commit_load_directory(app_commit_t *c)
{
    reload_t r = {.c = c, .fresh = rt_map_new()};
    if (!r.fresh)
        return -1;
    if (store_load_directory(c->srv->store, load_record, &r) < 0) {
        /* What was loaded is in the mirror: remember it along with what was there. */
        rt_map_foreach(r.fresh, keep_key, c->keys);
        rt_map_free(r.fresh, NULL);
        return -1;
    }
    rt_map_foreach(c->keys, drop_vanished, &r);
    rt_map_free(c->keys, NULL);
    c->keys = r.fresh;
    return 0;
}

void app_commit_gap(void *ctx)
{
    app_commit_t *c = ctx;
    rt_log_warn("app", "changes were missed (the change log was trimmed past this server): reloading the directory");
    if (app_commit_load_directory(c) < 0)
        rt_log_error("app", "cannot reload the directory from the store");
}

/* Only the node changes, still in log order (shallow copies; the feed copies what it keeps). */
static void publish_nodes(rt_server_t *srv, const store_change_t *changes, int n, int nodes)
{
    if (nodes == n) {
        feed_publish(srv->feed, changes, n);
        return;
    }
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

void app_commit_dispatch(app_commit_t *c, const store_change_t *changes, int n)
{
    rt_server_t *srv = c->srv;
    int nodes = 0;
    for (int i = 0; i < n; i++) {
        if (srv->auth && store_type_is_auth(changes[i].type)) {
            auth_dir_apply(srv->auth, changes[i].type, changes[i].id, changes[i].node);
            note_key(c->keys, changes[i].type, changes[i].id, changes[i].node != NULL);
        }
        if (store_type_is_node(changes[i].type))
            nodes++;
    }
    if (srv->feed && nodes > 0)
        publish_nodes(srv, changes, n, nodes);
}

void app_commit_watched(void *c, const store_change_t *changes, int n) { app_commit_dispatch(c, changes, n); }

/* The commit dispatch and the publisher thread that runs it: directory mirror, then feed. The
 * mirror goes first so that a commit that both revokes access and changes a node is judged on
 * the directory after the commit. The keys of what the mirror holds are kept here, so a reload
 * can drop what vanished. */
#include "app/app_commit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "feed/feed.h"
#include "util/util_log.h"
#include "util/util_map.h"

/* Batches waiting for the publisher at which a warning is logged (once per crossing). */
#define APP_PUBLISH_BEHIND 1000

struct app_commit {
    rt_server_t *srv;
    rt_map_t *keys; /* "type\0id" of every directory record mirrored into srv->auth; publisher */
    rt_taskq_t *q;  /* the publisher's queue: the store's watcher pushes here */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* woken, stopping */
    pthread_cond_t cv;
    bool woken, stopping;
    app_commit_publish_fn publish; /* NULL: feed_publish(srv->feed) */
    void *publish_ctx;
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

/* The queue's wake hook, on the pushing thread (the store's writer or follower). */
static void publisher_wake(void *arg)
{
    app_commit_t *c = arg;
    atomic_fetch_add_explicit(&c->srv->metrics.mirror_queued, 1, memory_order_release);
    if (atomic_fetch_add_explicit(&c->srv->metrics.publish_queue, 1, memory_order_relaxed) + 1 == APP_PUBLISH_BEHIND)
        rt_log_warn("app", "the publisher is %d commits behind the store", APP_PUBLISH_BEHIND);
    pthread_mutex_lock(&c->mu);
    c->woken = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

app_commit_t *app_commit_new(rt_server_t *srv)
{
    app_commit_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->srv = srv;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->keys = rt_map_new();
    c->q = rt_taskq_new(publisher_wake, c);
    if (!c->keys || !c->q) {
        app_commit_free(c);
        return NULL;
    }
    return c;
}

rt_taskq_t *app_commit_queue(app_commit_t *c) { return c->q; }

void app_commit_set_publish(app_commit_t *c, app_commit_publish_fn fn, void *ctx)
{
    c->publish = fn;
    c->publish_ctx = ctx;
}

static void *publisher_main(void *arg)
{
    app_commit_t *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->woken && !c->stopping)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stopping)
            break;
        c->woken = false;
        pthread_mutex_unlock(&c->mu);
        rt_taskq_drain(c->q);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int app_commit_start(app_commit_t *c)
{
    if (pthread_create(&c->thread, NULL, publisher_main, c) != 0)
        return -1;
    pthread_setname_np(c->thread, "rt-publisher");
    c->started = true;
    return 0;
}

void app_commit_stop(app_commit_t *c)
{
    if (!c || !c->started)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    c->started = false;
}

void app_commit_drain(app_commit_t *c)
{
    if (c && c->q)
        rt_taskq_drain(c->q);
}

void app_commit_free(app_commit_t *c)
{
    if (!c)
        return;
    app_commit_stop(c);
    /* What is still queued holds the store's results: run it (srv's subsystems are gone by
     * now, so it only frees) rather than drop it. */
    app_commit_drain(c);
    rt_taskq_free(c->q);
    rt_map_free(c->keys, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
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
    atomic_fetch_add_explicit(&c->srv->metrics.mirror_done, 1, memory_order_release);
    atomic_fetch_sub_explicit(&c->srv->metrics.publish_queue, 1, memory_order_relaxed);
}

static void publish(app_commit_t *c, const store_change_t *changes, int n)
{
    if (c->publish)
        c->publish(c->publish_ctx, changes, n);
    else
        feed_publish(c->srv->feed, changes, n);
}

/* Only the node changes, still in log order (shallow copies; the feed copies what it keeps). */
static void publish_nodes(app_commit_t *c, const store_change_t *changes, int n, int nodes)
{
    if (nodes == 0 || (!c->publish && !c->srv->feed))
        return;
    if (nodes == n) {
        publish(c, changes, n);
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
    publish(c, only, k);
    free(only);
}

/* The directory changes into the mirror; returns how many node changes there are. */
static int mirror(app_commit_t *c, const store_change_t *changes, int n)
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
    return nodes;
}

void app_commit_dispatch(app_commit_t *c, const store_change_t *changes, int n)
{
    publish_nodes(c, changes, n, mirror(c, changes, n));
}

void app_commit_watched(void *ctx, const store_change_t *changes, int n)
{
    app_commit_t *c = ctx;
    int nodes = mirror(c, changes, n);
    /* Queries waiting for this commit's directory changes need not wait for its fan-out. */
    atomic_fetch_add_explicit(&c->srv->metrics.mirror_done, 1, memory_order_release);
    publish_nodes(c, changes, n, nodes);
    atomic_fetch_sub_explicit(&c->srv->metrics.publish_queue, 1, memory_order_relaxed);
}

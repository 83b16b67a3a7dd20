/* The store's public entry points: choice of implementation at open, dispatch through the
 * vtable, and the blocking submit the operator commands use. Implementation-independent. */
#include "store/store.h"

#include "gql_schema_gen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store/redis/store_redis.h"
#include "store/sqlite/store_sqlite.h"
#include "store/store_writer.h"
#include "util/util_log.h"

const char *store_mutation_name(store_mutation_t m)
{
    switch (m) {
    case STORE_CREATED: return "CREATED";
    case STORE_UPDATED: return "UPDATED";
    case STORE_DELETED: return "DELETED";
    }
    return "UPDATED";
}

const char *store_type_name(int k)
{
    if (k < 0 || k >= STORE_NTYPES)
        return NULL;
    return k < STORE_NNODE_TYPES ? gql_schema_blobhub_changed[k] : gql_schema_directory_objects[k - STORE_NNODE_TYPES];
}

const char *store_directory_order(int i)
{
    if (i < 0 || i > STORE_NTYPES - STORE_NNODE_TYPES)
        return NULL;
    return i < STORE_NTYPES - STORE_NNODE_TYPES ? store_type_name(STORE_NNODE_TYPES + i) : "Blob";
}

const char *store_type_static(const char *type)
{
    for (int k = 0; type && k < STORE_NTYPES; k++)
        if (strcmp(type, store_type_name(k)) == 0)
            return store_type_name(k);
    return NULL;
}

bool store_type_is_node(const char *type)
{
    for (int k = 0; type && k < STORE_NNODE_TYPES; k++)
        if (strcmp(type, store_type_name(k)) == 0)
            return true;
    return false;
}

bool store_type_is_auth(const char *type)
{
    /* the directory, and Blob: the auth layer mirrors each blob's ownership and visibility */
    for (int k = STORE_NNODE_TYPES; type && k < STORE_NTYPES; k++)
        if (strcmp(type, store_type_name(k)) == 0)
            return true;
    return type && strcmp(type, "Blob") == 0;
}

json_object *store_json_parse(const char *text)
{
    if (!text)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(STORE_JSON_MAX_DEPTH);
    if (!tok)
        return NULL;
    json_object *v = json_tokener_parse_ex(tok, text, -1); /* -1: up to the NUL, as json_tokener_parse */
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(v);
        v = NULL;
    }
    json_tokener_free(tok);
    return v;
}

void store_change_clear(store_change_t *c)
{
    if (!c)
        return;
    free(c->id);
    json_object_put(c->node);
    json_object_put(c->previous);
    json_object_put(c->updated_fields);
    free(c->organization_id);
    free(c->blob_id);
    free(c->session_id);
    free(c->execution_id);
    memset(c, 0, sizeof *c);
}

void store_record_clear(store_record_t *r)
{
    if (!r)
        return;
    free(r->id);
    json_object_put(r->node);
    memset(r, 0, sizeof *r);
}

store_t *store_open(struct rt_server *srv)
{
    const gql_schema_t *dir = srv->directory_schema ? srv->directory_schema : &gql_schema_directory;
    long ret_sec = srv->cfg.log_retention_sec > 0 ? srv->cfg.log_retention_sec : 86400;
    long ret_max = srv->cfg.log_retention_max > 0 ? srv->cfg.log_retention_max : 1000000;
    if (srv->cfg.redis) {
        store_redis_opts_t r = {srv->cfg.redis, ret_sec, ret_max, srv->schema, dir};
        return store_redis_open(&r);
    }
    store_sqlite_opts_t o = {
        .data_dir = srv->cfg.data_dir ? srv->cfg.data_dir : "./data",
        .retention_sec = ret_sec,
        .retention_max = ret_max,
        .nodes = srv->schema,
        .directory = dir,
    };
    return store_sqlite_open(&o);
}

void store_close(store_t *s)
{
    if (s)
        s->ops->close(s);
}

int store_submit(store_t *s, store_record_t *records, int n, rt_taskq_t *q, store_done_fn done, void *ctx)
{
    return store_writer_submit(s->writer, records, n, q, done, ctx);
}

int store_submit_prepared(store_t *s, store_prepare_fn prepare, void *pctx, rt_taskq_t *q, store_done_fn done,
                          void *ctx)
{
    return store_writer_submit_prepared(s->writer, prepare, pctx, q, done, ctx);
}

int store_get(store_t *s, const char *type, const char *id, json_object **out) { return s->ops->get(s, type, id, out); }

int store_find(store_t *s, const char *type, const char *field, const char *value, store_record_fn fn, void *ctx)
{
    return s->ops->find(s, type, field, value, fn, ctx);
}

int store_load_directory(store_t *s, store_record_fn fn, void *ctx) { return s->ops->load_directory(s, fn, ctx); }

int store_log_read(store_t *s, const char *after, int max, store_change_fn fn, void *ctx)
{
    return s->ops->log_read(s, after, max, fn, ctx);
}

int store_log_head(store_t *s, char out[STORE_CURSOR_MAX]) { return s->ops->log_head(s, out); }

int store_cursor_check(store_t *s, const char *cursor) { return s->ops->cursor_check(s, cursor); }

void store_flush(store_t *s) { store_writer_flush(s->writer); }

int store_watch(store_t *s, rt_taskq_t *q, store_changes_fn fn, void *ctx) { return s->ops->watch(s, q, fn, ctx); }

bool store_ready(store_t *s) { return s && (!s->ops->ready || s->ops->ready(s)); }

int store_watch_gaps(store_t *s, store_gap_fn fn, void *ctx)
{
    return s->ops->watch_gaps ? s->ops->watch_gaps(s, fn, ctx) : 0;
}

/* The blocking submit: the done callback runs on the writer thread and copies what the
 * waiting caller needs before the result goes away. */
typedef struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int status;
    int index;
    char cursor[STORE_CURSOR_MAX];
    char *msg;
    size_t msg_size;
} sync_wait_t;

static void sync_done(void *ctx, const store_result_t *res)
{
    sync_wait_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->status = res->status;
    w->index = res->error_index;
    memcpy(w->cursor, res->cursor, STORE_CURSOR_MAX);
    if (w->msg && w->msg_size)
        snprintf(w->msg, w->msg_size, "%s", res->error_message ? res->error_message : "");
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int store_apply_sync(store_t *s, store_record_t *records, int n, char cursor_out[STORE_CURSOR_MAX], char *msg,
                     size_t msg_size, int *index_out)
{
    sync_wait_t w = {
        .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .msg = msg, .msg_size = msg_size, .index = -1};
    int rc = store_submit(s, records, n, NULL, sync_done, &w);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    if (cursor_out)
        memcpy(cursor_out, w.cursor, STORE_CURSOR_MAX);
    if (index_out)
        *index_out = w.index;
    return w.status;
}

/* The feed wired to the real layers: GraphQL engine (gql.h), auth (auth.h), store change log
 * (store.h) and the network threads' task queues. Only feed_new and feed_publish live here, so
 * the engine (feed_core.c) stays testable with fakes. */
#include "feed/feed.h"

#include <stdlib.h>
#include <string.h>

#include "feed/feed_core.h"
#include "server.h"
#include "store/store.h"

static bool feed_wire_can_view(void *ctx, const auth_identity_t *who, const char *type, json_object *node)
{
    rt_server_t *srv = ctx;
    return srv->auth && auth_can_view(srv->auth, who, type, node);
}

static int feed_wire_current(void *ctx, const char *type, const char *id, json_object **out)
{
    rt_server_t *srv = ctx;
    *out = NULL;
    if (!srv->store || !type || !id)
        return -1;
    int rc = store_get(srv->store, type, id, out);
    if (rc == STORE_ERR_NOT_FOUND || (rc == 0 && !*out)) {
        json_object_put(*out);
        *out = NULL; /* the store keeps no last state of a deleted node */
        return 1;
    }
    return rc == 0 ? 0 : -1;
}

/* The store's change as the feed sees it: same fields, borrowed. */
static void feed_wire_view(const store_change_t *s, feed_change_t *c)
{
    c->seq = s->seq > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)s->seq;
    c->cursor = s->cursor;
    c->type = s->type;
    c->id = s->id;
    c->mutation = s->mutation == STORE_CREATED   ? FEED_CREATED
                  : s->mutation == STORE_UPDATED ? FEED_UPDATED
                                                 : FEED_DELETED;
    c->node = s->node;
    c->previous = s->previous;
    c->updated_fields = s->updated_fields;
    c->organization_id = s->organization_id;
    c->blob_id = s->blob_id;
    c->session_id = s->session_id;
    c->execution_id = s->execution_id;
    c->time_ms = s->time_ms;
}

typedef struct feed_wire_read {
    feed_log_fn fn;
    void *arg;
} feed_wire_read_t;

static int feed_wire_one(void *ctx, const store_change_t *s)
{
    feed_wire_read_t *r = ctx;
    feed_change_t c;
    feed_wire_view(s, &c);
    return r->fn(r->arg, &c);
}

static int feed_wire_code(int rc)
{
    switch (rc) {
    case STORE_ERR_CURSOR_EXPIRED: return FEED_LOG_EXPIRED;
    case STORE_ERR_CURSOR_MALFORMED: return FEED_LOG_MALFORMED;
    default: return FEED_LOG_ERROR;
    }
}

/* max == 0 only judges the cursor (the store reads a default page for 0). */
static int feed_wire_log_read(void *ctx, const char *after, int max, feed_log_fn fn, void *arg)
{
    rt_server_t *srv = ctx;
    if (!srv->store)
        return FEED_LOG_ERROR;
    /* "" means "from the oldest" to the store; to a client it is no cursor at all. */
    if (!after || !*after)
        return FEED_LOG_MALFORMED;
    if (max <= 0) {
        int rc = store_cursor_check(srv->store, after);
        return rc == 0 ? 0 : feed_wire_code(rc);
    }
    feed_wire_read_t r = {fn, arg};
    int rc = store_log_read(srv->store, after, max, feed_wire_one, &r);
    return rc >= 0 ? rc : feed_wire_code(rc);
}

static int feed_wire_defer(void *ctx, rt_taskq_t *owner, rt_task_fn fn, void *arg)
{
    rt_server_t *srv = ctx;
    rt_taskq_t *q = owner ? owner : srv->net_q;
    return q ? rt_taskq_push(q, fn, arg) : -1;
}

/* feed_publish runs on the publisher thread (app/app_commit.c), not a network thread: every
 * thread's list, thread 0's included, goes through that thread's queue. */
static int feed_wire_deliver(void *ctx, rt_taskq_t *owner, rt_task_fn run, void *list)
{
    rt_server_t *srv = ctx;
    rt_taskq_t *q = owner ? owner : srv->net_q;
    return q ? rt_taskq_push(q, run, list) : -1;
}

feed_t *feed_new(struct rt_server *srv)
{
    feed_deps_t d = {
        .ctx = srv,
        .root_field = gql_request_root_field,
        .root_args = gql_request_root_args,
        .selection_key = gql_request_selection_key,
        .render = gql_render_event,
        .request_free = gql_request_free,
        .error_new = gql_error_new,
        .can_view = feed_wire_can_view,
        .current = feed_wire_current,
        .identity_ref = auth_identity_ref,
        .identity_unref = auth_identity_unref,
        .log_read = feed_wire_log_read,
        .defer = feed_wire_defer,
        .deliver = feed_wire_deliver,
        .replay_page = 256,
        .node_limits = {srv->cfg.max_list_items, srv->cfg.max_query_depth},
    };
    return feed_new_with_deps(&d, &srv->metrics);
}

void feed_publish(feed_t *f, const struct store_change *changes, int n)
{
    feed_change_t batch[64];
    int nb = 0;
    for (int i = 0; i < n; i++) {
        if (!changes[i].type || !store_type_is_node(changes[i].type))
            continue; /* directory changes feed auth, not subscribers */
        feed_wire_view(&changes[i], &batch[nb++]);
        if (nb == (int)(sizeof batch / sizeof *batch)) {
            feed_publish_changes(f, batch, nb);
            nb = 0;
        }
    }
    if (nb)
        feed_publish_changes(f, batch, nb);
}

/* The feed's engine behind an injected dependency table, so it runs with the real GraphQL
 * engine, auth and store (feed_wire.c) or with fakes in unit tests. It sees changes as
 * feed_change_t, a borrowed view the wiring builds from the store's change records. */
#ifndef RT_FEED_CORE_H
#define RT_FEED_CORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "feed/feed.h"
#include "feed/feed_where.h"
#include "server.h"
#include "util/util_buf.h"
#include "util/util_taskq.h"

typedef enum { FEED_CREATED = 0, FEED_UPDATED = 1, FEED_DELETED = 2 } feed_mutation_t;

/* One committed change, every pointer borrowed for the duration of the call it is passed to. */
typedef struct feed_change {
    int64_t seq;        /* position in the log: strictly increasing in log order */
    const char *cursor; /* its opaque text form, as clients see it */
    const char *type;   /* node type: Execution, ExecutionEvent, Session, ... */
    const char *id;     /* node id */
    feed_mutation_t mutation;
    json_object *node;           /* new state; NULL for DELETED */
    json_object *previous;       /* state before; NULL for CREATED */
    json_object *updated_fields; /* array of field names for UPDATED, else NULL */
    /* Ownership ids (NULL when the type has none): the topics a change is indexed under. */
    const char *organization_id;
    const char *blob_id;
    const char *session_id;
    const char *execution_id;
    int64_t time_ms; /* commit time, Unix ms (0: unknown) */
} feed_change_t;

/* Outcomes of a log read. */
enum {
    FEED_LOG_OK = 0,
    FEED_LOG_EXPIRED = -1,   /* the cursor is older than the retained log */
    FEED_LOG_MALFORMED = -2, /* not a cursor */
    FEED_LOG_ERROR = -3,     /* store failure */
};

/* Called for each logged change in log order; return non-zero to stop reading. */
typedef int (*feed_log_fn)(void *arg, const feed_change_t *change);

typedef struct feed_deps {
    void *ctx; /* passed to can_view, log_read, defer */
    /* GraphQL engine (gql.h). */
    const char *(*root_field)(const gql_request_t *req);
    json_object *(*root_args)(const gql_request_t *req);
    const char *(*selection_key)(const gql_request_t *req);
    int (*render)(const gql_request_t *req, json_object *value, rt_buf_t *out);
    void (*request_free)(gql_request_t *req);
    json_object *(*error_new)(const char *message, const char *code);
    /* Auth (auth.h). */
    bool (*can_view)(void *ctx, const auth_identity_t *who, const char *type, json_object *node);
    /* Store: the current state of a node (replay judges records as they are now). Returns 0 and
     * *out (caller owns); 1 when the node is gone (deleted since, or never stored), with *out its
     * last state when the store still keeps it (a tombstone; caller owns) or NULL; or < 0 on a
     * store failure. NULL hook: replay judges on the logged states alone. Not called inside
     * log_read. */
    int (*current)(void *ctx, const char *type, const char *id, json_object **out);
    auth_identity_t *(*identity_ref)(auth_identity_t *who);
    void (*identity_unref)(auth_identity_t *who);
    /* Store: calls fn for at most `max` changes after cursor `after`, in log order, and returns
     * how many it passed (>= 0), or a FEED_LOG_* code (nothing passed then). */
    int (*log_read)(void *ctx, const char *after, int max, feed_log_fn fn, void *arg);
    /* Runs fn(arg) later on the thread draining `owner` (the subscription's, as given to
     * feed_subscribe): how a long replay yields between pages. Returns 0, or -1 when it cannot
     * be queued. */
    int (*defer)(void *ctx, rt_taskq_t *owner, rt_task_fn fn, void *arg);
    feed_where_limits_t node_limits; /* node filters' cost bound (the list and depth limits) */
    int replay_page;                 /* changes read per replay step; <= 0 means 256 */
    size_t replay_bytes;             /* a step also ends after delivering this many bytes; 0 means 256 KiB,
                             so a backlog of large changes reaches a connection's queue a slice per
                             event-loop turn (with the socket written in between), not all at once */
    /* The threading seam. NULL: a publish delivers inline, on the publishing thread. Set: a
     * publish builds one delivery list per owner queue (in log order) and hands each to this
     * hook, which must arrange run(list) exactly once on the thread draining `owner` (e.g.
     * rt_taskq_push(owner, run, list), or run(list) at once when that is the calling thread).
     * It is called after the feed's lock is released. Returns 0, or -1 when it could not (the
     * list is then dropped: those deliveries are lost, logged). */
    int (*deliver)(void *ctx, rt_taskq_t *owner, rt_task_fn run, void *list);
} feed_deps_t;

/* Caller owns the feed (feed_free). `metrics` (may be NULL) receives subscriptions,
 * deliveries and deliveries_denied. The deps table is copied. */
feed_t *feed_new_with_deps(const feed_deps_t *deps, rt_metrics_t *metrics);

/* Hands changes, in log order, to every matching subscription (the core of feed_publish).
 * One publisher at a time, in log order; subscribe/unsubscribe may run on other threads. */
void feed_publish_changes(feed_t *f, const feed_change_t *changes, int n);

/* Introspection for tests and /metrics. */
size_t feed_subscription_count(const feed_t *f);
size_t feed_topic_count(const feed_t *f);
/* Distinct interned selections currently in use. */
size_t feed_selection_count(const feed_t *f);

#endif

/* The change feed: subscriptions indexed by topic, filters, render-once, per-subscriber
 * permission check, replay from the store for `after:` and the replay->live handover.
 * Connections see it through feed_subscribe/feed_unsubscribe and a sink of callbacks. */
#ifndef RT_FEED_H
#define RT_FEED_H

#include <json-c/json.h>

#include "auth/auth.h"
#include "gql/gql.h"
#include "util/util_buf.h"
#include "util/util_frame.h"
#include "util/util_taskq.h"

struct rt_server;
typedef struct feed feed_t;
typedef struct feed_sub feed_sub_t;

/* Implemented by the protocol layer; called on the subscriber connection's thread (the one
 * draining the `owner` queue given to feed_subscribe). */
typedef struct feed_sink {
    /* One event: `payload` is the rendered execution result {"data":...} shared by every
     * subscriber with the same selection; take a reference to keep it. */
    void (*next)(void *sub_ctx, rt_frame_t *payload);
    /* The subscription ended from the server side (e.g. CURSOR_EXPIRED during replay):
     * `errors` (borrowed, may be NULL) is a JSON array of GraphQL errors to send as `error`;
     * NULL means a plain `complete`. The subscription is gone once this returns. */
    void (*end)(void *sub_ctx, json_object *errors);
} feed_sink_t;

/* Created at start; caller owns it (feed_free). */
feed_t *feed_new(struct rt_server *srv);
void feed_free(feed_t *f);

/* Hands committed node changes (in log order) to the feed after the store committed them:
 * called on the publisher thread (app/app_commit.c), one call at a time, in log order.
 * Renders once per selection and hands every network thread its delivery list through that
 * thread's queue. The feed copies what it keeps. */
struct store_change;
void feed_publish(feed_t *f, const struct store_change *changes, int n);

/* Starts a subscription for `req` (ownership passes to the feed on success) on behalf of
 * `who` (a reference is taken). `owner` is the task queue of the calling (subscriber's)
 * thread: replay pages and deliveries run there, and feed_unsubscribe must be called there.
 * Returns 0 and *out; or a negative code with *errors (a JSON array of GraphQL errors, caller
 * owns) for arguments the feed rejects (malformed cursor: BAD_USER_INPUT; cursor too old:
 * CURSOR_EXPIRED) — then req stays the caller's. Thread-safe. */
int feed_subscribe(feed_t *f, auth_identity_t *who, gql_request_t *req, const feed_sink_t *sink, void *sub_ctx,
                   rt_taskq_t *owner, feed_sub_t **out, json_object **errors);
/* Stops delivery at once: the sink is not called for this subscription after return. Call it
 * on the subscription's owner thread. */
void feed_unsubscribe(feed_sub_t *sub);

/* Appends the feed's own /metrics families (Prometheus text): the publish->delivery latency
 * histogram blobhub_rt_publish_delivery_seconds. Returns 0 or -1 (out of memory). Any thread. */
int feed_metrics_write(const feed_t *f, rt_buf_t *out);

#endif

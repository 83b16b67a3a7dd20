/* TEMPORARY: stands in for the feed and the Query resolvers until they land. */
#include "feed/feed.h"

feed_t *feed_new(struct rt_server *srv) { return NULL; }
void feed_free(feed_t *f) { (void)f; }
void feed_publish(feed_t *f, const struct store_change *changes, int n) { (void)f; }
int feed_subscribe(feed_t *f, auth_identity_t *who, gql_request_t *req, const feed_sink_t *sink, void *sub_ctx,
                   feed_sub_t **out, json_object **errors)
{
    *out = NULL;
    *errors = json_object_new_array();
    json_object_array_add(*errors, gql_error_new("Subscriptions are not available yet", NULL));
    return -1;
}
void feed_unsubscribe(feed_sub_t *sub) { (void)sub; }

/* Benchmark (not a test) of the feed engine alone, with trivial fakes: how long matching,
 * render-once, permission checks and delivery take for one change fanned out to many
 * subscriptions, and for changes that match nobody among many topics.
 * Build: cmake -DRT_BENCH=ON ... && ./bench_fanout_core [subs=10000] [selections=10] [changes=2000] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed/feed_core.h"

struct gql_request {
    char field[32];
    json_object *args;
    char key[32];
};
struct auth_identity {
    int refs;
};

static long renders, delivered;

static const char *b_root_field(const gql_request_t *r) { return r->field; }
static json_object *b_root_args(const gql_request_t *r) { return r->args; }
static const char *b_selection_key(const gql_request_t *r) { return r->key; }
static int b_render(const gql_request_t *r, json_object *value, rt_buf_t *out)
{
    renders++;
    return rt_buf_puts(out, json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
}
static void b_request_free(gql_request_t *r)
{
    json_object_put(r->args);
    free(r);
}
static bool b_can_view(void *ctx, const auth_identity_t *who, const char *type, json_object *node) { return true; }
static void b_next(void *ctx, rt_frame_t *payload) { delivered++; }
static void b_end(void *ctx, json_object *errors) {}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int nsubs = argc > 1 ? atoi(argv[1]) : 10000;
    int nsel = argc > 2 ? atoi(argv[2]) : 10;
    int nchanges = argc > 3 ? atoi(argv[3]) : 2000;
    if (nsubs <= 0 || nsel <= 0 || nchanges <= 0)
        return 2;
    feed_deps_t d = {.root_field = b_root_field,
                     .root_args = b_root_args,
                     .selection_key = b_selection_key,
                     .render = b_render,
                     .request_free = b_request_free,
                     .can_view = b_can_view};
    feed_t *f = feed_new_with_deps(&d, NULL);
    static const feed_sink_t sink = {b_next, b_end};
    struct auth_identity who = {0};
    feed_sub_t **subs = calloc((size_t)nsubs * 2, sizeof *subs);
    /* nsubs on one blob (the fan-out), nsubs more on distinct executions (the bystanders). */
    for (int i = 0; i < nsubs * 2; i++) {
        gql_request_t *r = calloc(1, sizeof *r);
        char args[64];
        if (i < nsubs) {
            strcpy(r->field, "executions");
            snprintf(args, sizeof args, "{\"blobId\":\"hot\"}");
        } else {
            strcpy(r->field, "execution");
            snprintf(args, sizeof args, "{\"id\":\"x%d\"}", i);
        }
        r->args = json_tokener_parse(args);
        snprintf(r->key, sizeof r->key, "sel%d", i % nsel);
        json_object *errors = NULL;
        if (feed_subscribe(f, &who, r, &sink, NULL, NULL, &subs[i], &errors) < 0)
            return 1;
    }
    json_object *node = json_tokener_parse("{\"id\":\"e\",\"blobId\":\"hot\",\"status\":\"RUNNING\"}");
    feed_change_t c = {.cursor = "s1",
                       .type = "Execution",
                       .id = "e",
                       .mutation = FEED_CREATED,
                       .node = node,
                       .blob_id = "hot",
                       .organization_id = "o"};
    double t0 = now_s();
    for (int i = 0; i < nchanges; i++) {
        c.seq = i + 1;
        feed_publish_changes(f, &c, 1);
    }
    double t1 = now_s();
    printf("fan-out: %d changes x %d subscriptions (%d selections): %.0f deliveries/s, %.1f us per change, "
           "%ld renders\n",
           nchanges, nsubs, nsel, (double)delivered / (t1 - t0), (t1 - t0) * 1e6 / nchanges, renders);
    c.blob_id = "cold";
    c.id = "nobody";
    delivered = 0;
    t0 = now_s();
    for (int i = 0; i < nchanges * 50; i++) {
        c.seq = nchanges + i + 1;
        feed_publish_changes(f, &c, 1);
    }
    t1 = now_s();
    printf("no match among %d topics: %.2f us per change (%ld deliveries)\n", nsubs + 1,
           (t1 - t0) * 1e6 / (nchanges * 50), delivered);
    for (int i = 0; i < nsubs * 2; i++)
        feed_unsubscribe(subs[i]);
    free(subs);
    json_object_put(node);
    feed_free(f);
    return 0;
}

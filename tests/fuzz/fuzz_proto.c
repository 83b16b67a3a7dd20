/* libFuzzer target for the protocol layer: a sequence of messages (the input split at newlines)
 * on one connection of either subprotocol (the first byte picks it), against the BlobHub schema
 * and a live feed, with keep-alive ticks and the init timeout in between. Whatever the order —
 * subscribe before init, duplicate ids, complete of unknown ids, legacy start/stop, garbage —
 * the connection answers or closes, and freeing it releases everything. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_query.h"
#include "auth/auth.h"
#include "cli/cli_config.h"
#include "feed/feed.h"
#include "gql/gql.h"
#include "gql_schema_gen.h"
#include "proto/proto.h"
#include "server.h"

static int f_send(void *ctx, char *msg, size_t len)
{
    (void)ctx, (void)len;
    free(msg);
    return 0;
}

static int f_send_parts(void *ctx, rt_frame_t *head, rt_frame_t *body, const char *tail, size_t tail_len)
{
    (void)ctx, (void)head, (void)body, (void)tail, (void)tail_len;
    return 0;
}

static void f_close(void *ctx, int code, const char *reason, int drop)
{
    (void)reason, (void)drop;
    *(int *)ctx = code;
}

static const proto_io_t io = {f_send, f_send_parts, f_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Queries over the socket reach the server's resolvers, as app_ws.c wires them. */
static json_object *run_query(void *srv, const struct gql_request *req, struct auth_identity *who)
{
    app_query_ctx_t q = {.srv = srv, .who = who};
    return gql_execute(req, app_query_resolve, &q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rt_server_t srv;
    static proto_hub_t *hub;
    static rt_taskq_t *q; /* the network thread's queue: answers from the auth workers */
    if (!srv.schema) {
        char *argv[] = {"fuzz", "--service-key", "fuzz-service-key", NULL};
        int rest = 0;
        if (cli_config_parse(&srv.cfg, 3, argv, &rest, stdout, stderr) != 0)
            abort();
        srv.schema = &gql_schema_blobhub;
        srv.auth = auth_new(&srv);
        srv.feed = feed_new(&srv);
        hub = proto_hub_new(run_query, &srv);
        q = rt_taskq_new(NULL, NULL);
        if (!srv.auth || !srv.feed || !hub || !q)
            abort();
    }
    if (size < 1)
        return 0;
    proto_kind_t kind = data[0] & 1 ? PROTO_LEGACY_WS : PROTO_TRANSPORT_WS;
    int closed = 0;
    proto_conn_info_t info = {.q = q};
    proto_conn_t *c = proto_conn_new(&srv, hub, kind, &io, &closed, &info);
    if (!c)
        return 0;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    for (int i = 0; p < end && !closed; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        proto_conn_message(c, p, len);
        rt_taskq_drain(q);
        if (i % 4 == 3)
            proto_conn_tick(c, rt_wall_now(), rt_mono_now());
        p += len + 1;
    }
    if (!closed && (data[0] & 2))
        proto_conn_init_timeout(c);
    proto_conn_free(c);
    rt_taskq_drain(q);
    return 0;
}

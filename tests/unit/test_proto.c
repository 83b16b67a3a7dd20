/* Unit tests for the protocol layer without a network: a fake transport records what the
 * state machine sends and how it closes, for valid, invalid and random input. */
#include <stdlib.h>

#include "gql/gql.h"
#include "gql_schema_gen.h"
#include "proto/proto.h"
#include "rt_test.h"
#include "server.h"

typedef struct fake {
    char sent[64][512];
    int nsent;
    int close_code;
    char close_reason[128];
} fake_t;

static int f_send(void *ctx, char *msg, size_t len)
{
    fake_t *f = ctx;
    if (f->nsent < 64)
        snprintf(f->sent[f->nsent++], sizeof f->sent[0], "%.*s", (int)len, msg);
    free(msg);
    return 0;
}

static int f_send_parts(void *ctx, rt_frame_t *head, rt_frame_t *body, const char *tail, size_t tail_len)
{
    fake_t *f = ctx;
    if (f->nsent < 64)
        snprintf(f->sent[f->nsent++], sizeof f->sent[0], "%s%s%.*s", head ? head->data : "", body ? body->data : "",
                 (int)tail_len, tail);
    return 0;
}

static void f_close(void *ctx, int code, const char *reason, int drop)
{
    fake_t *f = ctx;
    if (!f->close_code) {
        f->close_code = code;
        snprintf(f->close_reason, sizeof f->close_reason, "%s", reason);
    }
}

static const proto_io_t io = {f_send, f_send_parts, f_close};

static rt_server_t srv;

static proto_conn_t *conn(fake_t *f, proto_kind_t kind)
{
    memset(f, 0, sizeof *f);
    return proto_conn_new(&srv, NULL, kind, &io, f, NULL);
}

static void msg(proto_conn_t *c, const char *s) { proto_conn_message(c, s, strlen(s)); }

static void expect_close(const char *input, int code, const char *reason)
{
    fake_t f;
    proto_conn_t *c = conn(&f, PROTO_TRANSPORT_WS);
    msg(c, input);
    if (f.close_code != code)
        fprintf(stderr, "input %s: close %d %s\n", input, f.close_code, f.close_reason);
    CHECK(f.close_code == code);
    if (reason)
        CHECK_STR(f.close_reason, reason);
    proto_conn_free(c);
}

RT_TEST(ping_before_init_is_answered_and_subscribe_closes_4401)
{
    fake_t f;
    proto_conn_t *c = conn(&f, PROTO_TRANSPORT_WS);
    msg(c, "{\"type\":\"ping\",\"payload\":{\"x\":[1,2]}}");
    CHECK(f.nsent == 1);
    CHECK_STR(f.sent[0], "{\"type\":\"pong\",\"payload\":{\"x\":[1,2]}}");
    msg(c, "{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":\"{a}\"}}");
    CHECK(f.close_code == 4401);
    CHECK_STR(f.close_reason, "Unauthorized");
    proto_conn_free(c);
}

RT_TEST(init_acks_and_a_second_init_closes_4429)
{
    fake_t f;
    proto_conn_t *c = conn(&f, PROTO_TRANSPORT_WS);
    msg(c, "{\"type\":\"connection_init\",\"payload\":{}}");
    CHECK(f.nsent == 1 && strcmp(f.sent[0], "{\"type\":\"connection_ack\"}") == 0);
    CHECK(proto_conn_acked(c));
    msg(c, "{\"type\":\"complete\",\"id\":\"nope\"}");
    CHECK(f.close_code == 0);
    msg(c, "{\"type\":\"connection_init\"}");
    CHECK(f.close_code == 4429);
    CHECK_STR(f.close_reason, "Too many initialisation requests");
    proto_conn_free(c);
}

RT_TEST(init_timeout_closes_4408)
{
    fake_t f;
    proto_conn_t *c = conn(&f, PROTO_TRANSPORT_WS);
    proto_conn_init_timeout(c);
    CHECK(f.close_code == 4408);
    CHECK_STR(f.close_reason, "Connection initialisation timeout");
    proto_conn_free(c);
}

RT_TEST(no_subprotocol_closes_4406)
{
    fake_t f;
    proto_conn_t *c = conn(&f, PROTO_NONE);
    CHECK(f.close_code == 4406);
    CHECK_STR(f.close_reason, "Subprotocol not acceptable");
    proto_conn_free(c);
}

RT_TEST(invalid_messages_close_4400_naming_the_problem)
{
    expect_close("not json", 4400, "Invalid message received: not valid JSON");
    expect_close("[1,2]", 4400, "Message is expected to be an object, but got array");
    expect_close("{}", 4400, "Message is missing the 'type' property");
    expect_close("{\"type\":5}", 4400, "Message is expects the 'type' property to be a string, but got number");
    expect_close("{\"type\":\"hello\"}", 4400, "Invalid message 'type' property \"hello\"");
    expect_close("{\"type\":\"subscribe\",\"payload\":{\"query\":\"{a}\"}}", 4400,
                 "\"subscribe\" message expects the 'id' property to be a string, but got undefined");
    expect_close("{\"type\":\"subscribe\",\"id\":\"\",\"payload\":{\"query\":\"{a}\"}}", 4400,
                 "\"subscribe\" message requires a non-empty 'id' property");
    expect_close("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":[]}", 4400,
                 "\"subscribe\" message expects the 'payload' property to be an object, but got array");
    expect_close("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{}}", 4400,
                 "\"subscribe\" message payload expects the 'query' property to be a string, but got undefined");
    expect_close("{\"type\":\"ping\",\"payload\":3}", 4400, NULL);
    expect_close("{\"type\":\"next\",\"id\":\"1\",\"payload\":{}}", 4400, NULL);
    expect_close("{\"type\":\"complete\"}", 4400, NULL);
    expect_close("{\"type\":\"ping\"} trailing", 4400, NULL);
    expect_close("{\"type\":\"ping\",}", 4400, NULL);
    expect_close("\"\\ud800\"", 4400, NULL);
}

RT_TEST(random_bytes_and_deep_nesting_close_4400_without_crashing)
{
    fake_t f;
    proto_conn_t *c;
    srand(7);
    char buf[4096];
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(rand() % (int)sizeof buf) + 1;
        for (size_t k = 0; k < n; k++)
            buf[k] = (char)(rand() % 256);
        if (i % 3 == 0)
            memset(buf, '[', n);
        c = conn(&f, PROTO_TRANSPORT_WS);
        proto_conn_message(c, buf, n);
        CHECK(f.close_code == 4400);
        proto_conn_free(c);
        c = conn(&f, PROTO_LEGACY_WS);
        proto_conn_message(c, buf, n);
        CHECK(f.close_code == 0 && f.nsent == 1 && strstr(f.sent[0], "connection_error"));
        proto_conn_free(c);
    }
}

RT_TEST(legacy_acks_with_keepalive_and_answers_unknown_types)
{
    fake_t f;
    proto_conn_t *c = conn(&f, PROTO_LEGACY_WS);
    msg(c, "{\"type\":\"connection_init\",\"payload\":{}}");
    CHECK(f.nsent == 2);
    CHECK_STR(f.sent[0], "{\"type\":\"connection_ack\"}");
    CHECK_STR(f.sent[1], "{\"type\":\"ka\"}");
    msg(c, "{\"type\":\"what\",\"id\":\"1\"}");
    CHECK(f.nsent == 3 && strstr(f.sent[2], "Invalid message type!"));
    CHECK(f.close_code == 0);
    msg(c, "{\"type\":\"connection_terminate\"}");
    CHECK(f.close_code == 1000);
    proto_conn_free(c);
}

static int query_calls;

/* The hub's query function: what the wiring layer supplies (the Query resolvers). */
static json_object *fake_query(void *ctx, const struct gql_request *req, struct auth_identity *who)
{
    (void)req, (void)who;
    query_calls++;
    CHECK(ctx == &query_calls);
    return json_tokener_parse("{\"data\":{\"marker\":1}}");
}

RT_TEST(a_query_is_answered_by_the_hub_query_function)
{
    fake_t f;
    proto_hub_t *hub = proto_hub_new(fake_query, &query_calls);
    CHECK(hub != NULL);
    memset(&f, 0, sizeof f);
    proto_conn_t *c = proto_conn_new(&srv, hub, PROTO_TRANSPORT_WS, &io, &f, NULL);
    msg(c, "{\"type\":\"connection_init\",\"payload\":{}}");
    msg(c, "{\"type\":\"subscribe\",\"id\":\"q\",\"payload\":{\"query\":\"{ viewer { id } }\"}}");
    CHECK(query_calls == 1);
    CHECK(f.nsent == 3);
    CHECK_STR(f.sent[1], "{\"id\":\"q\",\"type\":\"next\",\"payload\":{\"data\":{\"marker\":1}}}");
    CHECK_STR(f.sent[2], "{\"id\":\"q\",\"type\":\"complete\"}");
    CHECK(f.close_code == 0);
    proto_conn_free(c);
    proto_hub_free(hub);
}

int main(int argc, char **argv)
{
    srv.cfg.max_subscriptions = 100;
    srv.cfg.max_query_depth = 12;
    srv.cfg.max_query_tokens = 2000;
    srv.cfg.ping_interval_ms = 20000;
    srv.schema = &gql_schema_blobhub;
    return rt_test_run(argc, argv);
}

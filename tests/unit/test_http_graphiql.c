/* GraphiQL's request-header parsing: Accept-Encoding (gzip or not, with q values) and
 * If-None-Match (lists, weak tags, "*"), including malformed and oversized values; and what
 * /graphiql answers in a build without GraphiQL (no Node at build time).
 *
 * This program is that build: it defines the asset table empty, and it stands in for the
 * network layer's exchange functions, so the linker takes neither from librt_core (an archive
 * member is linked only for a symbol still undefined). */
#include <stdlib.h>

#include "http/http_graphiql.h"
#include "http/http_graphiql_assets.h"
#include "rt_test.h"

const http_graphiql_asset_t http_graphiql_assets[1] = {{NULL, NULL, NULL, 0, 0, NULL}};
const size_t http_graphiql_asset_count = 0;

/* One answered request, as the handler left it. */
struct http_exchange {
    http_request_t req;
    int status;
    char content_type[64];
    char headers[256];
    rt_buf_t body;
};

const http_request_t *http_exchange_request(http_exchange_t *x) { return &x->req; }

void http_exchange_respond(http_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                           const char *extra_headers)
{
    x->status = status;
    snprintf(x->content_type, sizeof x->content_type, "%s", content_type ? content_type : "");
    snprintf(x->headers, sizeof x->headers, "%s", extra_headers ? extra_headers : "");
    if (body) {
        rt_buf_append(&x->body, body->data, body->len);
        rt_buf_free(body);
    }
    rt_buf_putc(&x->body, '\0');
}

void http_respond_error(http_exchange_t *x, int status, const char *message)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, message);
    http_exchange_respond(x, status, "application/json", &b, NULL);
}

static const char *no_headers(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return NULL;
}

/* Runs the handler on one request; the caller frees x->body. */
static void handle(int graphiql_on, const char *method, const char *path, http_exchange_t *x)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    srv.cfg.graphiql = graphiql_on;
    memset(x, 0, sizeof *x);
    x->req = (http_request_t){.method = method, .path = path, .query_string = "", .header = no_headers};
    http_graphiql_handle(&srv, x);
}

RT_TEST(unbuilt_page_says_how_to_get_it)
{
    const char *paths[] = {"/graphiql", "/graphiql/"};
    for (int i = 0; i < 2; i++) {
        http_exchange_t x;
        handle(1, "GET", paths[i], &x);
        CHECK(x.status == 200);
        CHECK(!strncmp(x.content_type, "text/html", 9));
        CHECK(x.body.data && strstr(x.body.data, "GraphiQL is not part of this build"));
        CHECK(x.body.data && strstr(x.body.data, "npm ci"));
        CHECK(x.body.data && strstr(x.body.data, "POST /v1/graphql"));
        rt_buf_free(&x.body);
    }
}

RT_TEST(unbuilt_assets_are_not_found)
{
    http_exchange_t x;
    handle(1, "GET", "/graphiql/graphiql.js", &x);
    CHECK(x.status == 404);
    rt_buf_free(&x.body);
}

RT_TEST(unbuilt_route_off_and_other_methods)
{
    http_exchange_t x;
    handle(0, "GET", "/graphiql", &x);
    CHECK(x.status == 404);
    CHECK(x.body.data && !strstr(x.body.data, "GraphiQL"));
    rt_buf_free(&x.body);
    handle(1, "POST", "/graphiql", &x);
    CHECK(x.status == 405);
    CHECK(strstr(x.headers, "allow: GET, HEAD") != NULL);
    rt_buf_free(&x.body);
}

RT_TEST(gzip_accepted_plainly)
{
    CHECK(http_graphiql_accepts_gzip("gzip"));
    CHECK(http_graphiql_accepts_gzip("gzip, deflate, br"));
    CHECK(http_graphiql_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    CHECK(http_graphiql_accepts_gzip("x-gzip"));
    CHECK(http_graphiql_accepts_gzip("*"));
    CHECK(http_graphiql_accepts_gzip("identity;q=1, *;q=0.1"));
}

RT_TEST(gzip_refused)
{
    CHECK(!http_graphiql_accepts_gzip(NULL));
    CHECK(!http_graphiql_accepts_gzip(""));
    CHECK(!http_graphiql_accepts_gzip("identity"));
    CHECK(!http_graphiql_accepts_gzip("deflate, br"));
    CHECK(!http_graphiql_accepts_gzip("gzip;q=0"));
    CHECK(!http_graphiql_accepts_gzip("gzip; q=0.000"));
    CHECK(!http_graphiql_accepts_gzip("*, gzip;q=0"));
    CHECK(!http_graphiql_accepts_gzip("*;q=0"));
    CHECK(!http_graphiql_accepts_gzip("gzipx, xgzip"));
}

RT_TEST(gzip_malformed_values_do_not_crash)
{
    CHECK(!http_graphiql_accepts_gzip(",,,;;;"));
    CHECK(!http_graphiql_accepts_gzip("gzip;q="));
    CHECK(!http_graphiql_accepts_gzip("gzip;q=abc"));
    CHECK(!http_graphiql_accepts_gzip("gzip;q=-1"));
    CHECK(http_graphiql_accepts_gzip("gzip;;q=0.5;"));
    CHECK(http_graphiql_accepts_gzip("gzip;q=0.50000000000000000000000000001"));
    size_t n = 100000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 3 == 2 ? ',' : ';';
    big[n] = '\0';
    CHECK(!http_graphiql_accepts_gzip(big));
    CHECK(!http_graphiql_etag_matches(big, "\"abc\""));
    free(big);
}

RT_TEST(etag_lists)
{
    CHECK(http_graphiql_etag_matches("\"abc\"", "\"abc\""));
    CHECK(http_graphiql_etag_matches("\"x\", \"abc\"", "\"abc\""));
    CHECK(http_graphiql_etag_matches("W/\"abc\"", "\"abc\""));
    CHECK(http_graphiql_etag_matches("*", "\"abc\""));
    CHECK(http_graphiql_etag_matches("\"abc\" ", "\"abc\""));
    CHECK(!http_graphiql_etag_matches(NULL, "\"abc\""));
    CHECK(!http_graphiql_etag_matches("", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("\"abc-gz\"", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("\"ab\"", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("abc", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("W/", "\"abc\""));
    CHECK(!http_graphiql_etag_matches(",,, ,", "\"abc\""));
}

RT_TEST(routes)
{
    CHECK(http_graphiql_route("/graphiql"));
    CHECK(http_graphiql_route("/graphiql/"));
    CHECK(http_graphiql_route("/graphiql/graphiql.js"));
    CHECK(!http_graphiql_route("/graphiqlx"));
    CHECK(!http_graphiql_route("/v1/graphql"));
}

RT_TEST_MAIN()

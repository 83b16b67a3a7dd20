/* The route table and its policies. The transport hands each exchange to route_run, which
 * applies the route's policy (authenticating the caller where it asks for a principal) and
 * then calls the route's handler; handlers live in http/ (GraphQL, ingestion, metrics) or here
 * when they are one line (health). */
#include "app/app_http.h"

#include <stdlib.h>

#include "app/app_query.h"
#include "auth/auth.h"
#include "http/http_graphiql.h"
#include "http/http_graphql.h"
#include "http/http_metrics.h"
#include "store/store.h"
#include "util/util_log.h"

/* Who may call a route. */
typedef enum {
    APP_AUTH_NONE,      /* anyone: probes and metrics */
    APP_AUTH_PRINCIPAL, /* credentials optional; wrong ones are answered 401/403 (429 after too
                         * many failures, 503 when verification is saturated) before the
                         * handler, which gets the principal (NULL without credentials) */
    APP_AUTH_SERVICE,   /* the service key, checked by the handler (http_events_authorized),
                         * which also answers 503 when none is configured */
} app_auth_t;

/* `who` is borrowed for the call (NULL unless the policy is APP_AUTH_PRINCIPAL). */
typedef void (*app_handler_fn)(app_http_t *h, http_exchange_t *x, auth_identity_t *who);

typedef struct app_route {
    const char *path;
    const char *method; /* see net_route_t */
    bool body;
    app_auth_t auth;
    app_handler_fn handle;
} app_route_t;

static void serve_healthz(app_http_t *h, http_exchange_t *x, auth_identity_t *who);
static void serve_readyz(app_http_t *h, http_exchange_t *x, auth_identity_t *who);
static void serve_metrics(app_http_t *h, http_exchange_t *x, auth_identity_t *who);
static void serve_graphql(app_http_t *h, http_exchange_t *x, auth_identity_t *who);
static void serve_events(app_http_t *h, http_exchange_t *x, auth_identity_t *who);
static void serve_graphiql(app_http_t *h, http_exchange_t *x, auth_identity_t *who);

/* Every HTTP route of the server. WebSocket upgrades (/v1/graphql, /v1/ws/{clientId}) are
 * checked by the transport before this table is consulted. */
static const app_route_t routes[] = {
    {"/healthz", "GET", false, APP_AUTH_NONE, serve_healthz},
    {"/readyz", "GET", false, APP_AUTH_NONE, serve_readyz},
    {"/metrics", "GET", false, APP_AUTH_NONE, serve_metrics},
    {"/v1/graphql", NULL, true, APP_AUTH_PRINCIPAL, serve_graphql},
    {"/v1/events", "POST", true, APP_AUTH_SERVICE, serve_events},
    /* the IDE page and its assets; the handler answers 405 itself (docs/graphiql.md) */
    {"/graphiql", NULL, false, APP_AUTH_NONE, serve_graphiql},
    {"/graphiql/", NULL, false, APP_AUTH_NONE, serve_graphiql},
};
#define NROUTES (sizeof routes / sizeof *routes)

typedef struct app_binding {
    app_http_t *h;
    const app_route_t *route;
} app_binding_t;

struct app_http {
    rt_server_t *srv;
    http_commit_fn commit;
    void *commit_ctx;
    app_binding_t bind[NROUTES]; /* the ctx each route is registered with */
};

static void respond_text(http_exchange_t *x, int status, const char *type, const char *text, const char *extra)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, text);
    http_exchange_respond(x, status, type, &b, extra);
}

static void serve_healthz(app_http_t *h, http_exchange_t *x, auth_identity_t *who)
{
    (void)h, (void)who;
    respond_text(x, 200, "application/json", "{\"status\":\"ok\"}", NULL);
}

/* Ready while not draining and the store can serve (Redis reachable). */
static void serve_readyz(app_http_t *h, http_exchange_t *x, auth_identity_t *who)
{
    (void)who;
    rt_server_t *srv = h->srv;
    bool ready = !srv->draining && srv->store && store_ready(srv->store);
    respond_text(x, ready ? 200 : 503, "application/json",
                 ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not ready\"}", NULL);
}

static void serve_metrics(app_http_t *h, http_exchange_t *x, auth_identity_t *who)
{
    (void)who;
    rt_buf_t b = RT_BUF_INIT;
    http_metrics_render(h->srv, &b);
    http_exchange_respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", &b, NULL);
}

static void serve_events(app_http_t *h, http_exchange_t *x, auth_identity_t *who)
{
    (void)who;
    http_events_handle(h->srv, x, h->commit, h->commit_ctx);
}

static void serve_graphiql(app_http_t *h, http_exchange_t *x, auth_identity_t *who)
{
    (void)who;
    http_graphiql_handle(h->srv, x);
}

/* GraphQL over HTTP answers through this stand-in exchange: when a resolver met an unavailable
 * store, the answer becomes 503 with Retry-After, as ingestion's does, instead of a result
 * with a "storage error". */
typedef struct gql_exchange {
    http_exchange_t base;
    http_exchange_t *inner;
    app_query_ctx_t q;
} gql_exchange_t;

static const http_request_t *gx_request(http_exchange_t *x)
{
    return http_exchange_request(((gql_exchange_t *)x)->inner);
}
static rt_taskq_t *gx_queue(http_exchange_t *x) { return http_exchange_queue(((gql_exchange_t *)x)->inner); }
static void gx_on_abandon(http_exchange_t *x, http_abandon_fn fn, void *arg)
{
    http_exchange_on_abandon(((gql_exchange_t *)x)->inner, fn, arg);
}

static void gx_respond(http_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                       const char *extra_headers)
{
    gql_exchange_t *g = (gql_exchange_t *)x;
    if (g->q.store_unavailable) {
        if (body)
            rt_buf_free(body);
        respond_text(g->inner, 503, "application/json", "{\"error\":\"storage unavailable: retry later\"}",
                     "retry-after: 1\r\n");
        return;
    }
    http_exchange_respond(g->inner, status, content_type, body, extra_headers);
}

static const http_exchange_ops_t gx_ops = {
    .request = gx_request, .respond = gx_respond, .queue = gx_queue, .on_abandon = gx_on_abandon};

static void serve_graphql(app_http_t *h, http_exchange_t *x, auth_identity_t *who)
{
    gql_exchange_t g = {.base = {.ops = &gx_ops}, .inner = x, .q = {.srv = h->srv, .who = who}};
    /* http_graphql_handle answers before it returns: g may live on the stack. */
    http_graphql_handle(h->srv, &g.base, app_query_resolve, &g.q);
}

/* ---- APP_AUTH_PRINCIPAL: authenticate on a worker, continue on the exchange's thread ---- */

typedef struct auth_call {
    const app_binding_t *b;
    http_exchange_t *x;
    auth_pending_t *pending;
} auth_call_t;

static void auth_call_abandon(void *arg)
{
    auth_call_t *c = arg;
    auth_cancel(c->pending);
    free(c);
}

static void auth_call_done(void *ctx, auth_failure_t result, auth_identity_t *identity)
{
    auth_call_t *c = ctx;
    http_exchange_on_abandon(c->x, NULL, NULL);
    if (result == AUTH_FAIL_THROTTLED || result == AUTH_FAIL_BUSY)
        http_respond_error(c->x, result == AUTH_FAIL_BUSY ? 503 : 429,
                           result == AUTH_FAIL_BUSY ? "Try again later" : "Too many authentication failures");
    else if (result != AUTH_OK && result != AUTH_FAIL_NO_CREDENTIAL)
        http_respond_error(c->x, result == AUTH_FAIL_SCOPE ? 403 : 401,
                           result == AUTH_FAIL_SCOPE ? "Forbidden" : "Unauthorized");
    else
        c->b->route->handle(c->b->h, c->x, identity);
    if (identity)
        auth_identity_unref(identity);
    free(c);
}

static void authenticate(const app_binding_t *b, http_exchange_t *x)
{
    rt_server_t *srv = b->h->srv;
    if (!srv->auth) {
        b->route->handle(b->h, x, NULL);
        return;
    }
    auth_call_t *c = calloc(1, sizeof *c);
    const http_request_t *req = http_exchange_request(x);
    auth_request_t ar = {.header = req->header, .header_ctx = req->header_ctx, .peer = req->peer};
    if (c)
        *c = (auth_call_t){.b = b, .x = x};
    if (!c || auth_authenticate(srv->auth, &ar, http_exchange_queue(x), auth_call_done, c, &c->pending) < 0) {
        free(c);
        http_respond_error(x, 500, "Internal error");
        return;
    }
    http_exchange_on_abandon(x, auth_call_abandon, c);
}

/* The net_http_fn of every route. */
static void route_run(void *ctx, http_exchange_t *x)
{
    const app_binding_t *b = ctx;
    if (b->route->auth == APP_AUTH_PRINCIPAL)
        authenticate(b, x);
    else
        b->route->handle(b->h, x, NULL);
}

app_http_t *app_http_new(rt_server_t *srv, http_commit_fn commit, void *commit_ctx)
{
    app_http_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->srv = srv;
    h->commit = commit;
    h->commit_ctx = commit_ctx;
    for (size_t i = 0; i < NROUTES; i++)
        h->bind[i] = (app_binding_t){.h = h, .route = &routes[i]};
    return h;
}

int app_http_register(app_http_t *h, net_t *net)
{
    for (size_t i = 0; i < NROUTES; i++) {
        const app_route_t *r = &routes[i];
        net_route_t nr = {
            .path = r->path, .method = r->method, .body = r->body, .handle = route_run, .ctx = &h->bind[i]};
        if (net_route_add(net, &nr) < 0) {
            rt_log_error("app", "cannot register the route %s", r->path);
            return -1;
        }
    }
    return 0;
}

void app_http_free(app_http_t *h) { free(h); }

/* HTTP side of the port: the route table the wiring layer fills (net_route_add), request bodies
 * with their limit, the exchange that handlers answer (at once or later from the network thread;
 * http/http.h), responses, and the checks made before a WebSocket upgrade is accepted (path,
 * client id, subprotocol, drain). Routes, credentials and schemas are the handlers' business. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_chunked.h"
#include "net/net_int.h"
#include "util/util_log.h"

enum {
    H_CONTENT_TYPE,
    H_ACCEPT,
    H_AUTHORIZATION,
    H_X_API_KEY,
    H_X_TOKEN_ID,
    H_X_TOKEN_SECRET,
    H_X_ORG_ID,
    H_X_BLOB_ID,
    H_ACCEPT_ENCODING,
    H_IF_NONE_MATCH,
    H_X_FORWARDED_FOR, /* for the authentication failure limits behind a trusted proxy */
    H_COUNT
};
static const char *const hdr_names[H_COUNT] = {"content-type",    "accept",         "authorization",  "x-api-key",
                                               "x-token-id",      "x-token-secret", "x-org-id",       "x-blob-id",
                                               "accept-encoding", "if-none-match",  "x-forwarded-for"};

typedef struct net_exchange {
    http_exchange_t base; /* first: handlers see only this */
    struct lws *wsi;      /* NULL once the client went away */
    net_loop_t *net;      /* the loop (thread) that owns the exchange */
    const net_route_t *route;
    http_request_t req;
    char *method, *path, *query;
    char peer[64]; /* the direct peer's address */
    char *hdr[H_COUNT];
    rt_buf_t body;
    bool body_too_large;
    bool chunked;     /* Transfer-Encoding: chunked: lws hands the body over still framed */
    net_chunked_t ch; /* its decoder */
    bool dispatched;
    bool responded;
    http_abandon_fn abandon; /* set by the handler while asynchronous work may still answer */
    void *abandon_arg;
    /* the answer */
    int status;
    char *content_type;
    char *extra_headers;
    rt_buf_t out;
    size_t sent;
    bool headers_sent;
} net_exchange_t;

static const char *x_header(void *ctx, const char *lower_name)
{
    net_exchange_t *x = ctx;
    for (int i = 0; i < H_COUNT; i++)
        if (strcmp(hdr_names[i], lower_name) == 0)
            return x->hdr[i];
    return NULL;
}

static void x_free(net_exchange_t *x)
{
    for (int i = 0; i < H_COUNT; i++)
        free(x->hdr[i]);
    free(x->method);
    free(x->path);
    free(x->query);
    rt_buf_free(&x->body);
    free(x->content_type);
    free(x->extra_headers);
    rt_buf_free(&x->out);
    free(x);
}

static const http_request_t *x_request(http_exchange_t *hx) { return &((net_exchange_t *)hx)->req; }

static rt_taskq_t *x_queue(http_exchange_t *hx) { return ((net_exchange_t *)hx)->net->q; }

static void x_on_abandon(http_exchange_t *hx, http_abandon_fn fn, void *arg)
{
    net_exchange_t *x = (net_exchange_t *)hx;
    x->abandon = fn;
    x->abandon_arg = arg;
}

static void x_respond(http_exchange_t *hx, int status, const char *content_type, rt_buf_t *body,
                      const char *extra_headers);

static const http_exchange_ops_t x_ops = {
    .request = x_request, .respond = x_respond, .queue = x_queue, .on_abandon = x_on_abandon};

/* An answer made on another thread (an ingestion commit is answered on the publisher's
 * thread), carried to the exchange's own thread. */
typedef struct respond_task {
    net_exchange_t *x;
    int status;
    char *content_type;
    char *extra_headers;
    rt_buf_t body;
} respond_task_t;

static void respond_task_run(void *arg)
{
    respond_task_t *t = arg;
    x_respond(&t->x->base, t->status, t->content_type, &t->body, t->extra_headers);
    rt_buf_free(&t->body);
    free(t->content_type);
    free(t->extra_headers);
    free(t);
}

static int respond_elsewhere(net_exchange_t *x, int status, const char *content_type, rt_buf_t *body,
                             const char *extra_headers)
{
    respond_task_t *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->x = x;
    t->status = status;
    t->content_type = content_type ? strdup(content_type) : NULL;
    t->extra_headers = extra_headers ? strdup(extra_headers) : NULL;
    if (body) {
        t->body = *body;
        *body = (rt_buf_t)RT_BUF_INIT;
    }
    if ((content_type && !t->content_type) || (extra_headers && !t->extra_headers) ||
        rt_taskq_push(x->net->q, respond_task_run, t) < 0) {
        if (body)
            *body = t->body;
        free(t->content_type);
        free(t->extra_headers);
        free(t);
        return -1;
    }
    return 0;
}

static void x_respond(http_exchange_t *hx, int status, const char *content_type, rt_buf_t *body,
                      const char *extra_headers)
{
    net_exchange_t *x = (net_exchange_t *)hx;
    if (!net_loop_is_current(x->net)) {
        /* Nothing of x may be touched here: its thread may be freeing it right now (it is
         * kept until answered, so the task finds it). */
        if (respond_elsewhere(x, status, content_type, body, extra_headers) < 0) {
            rt_log_error("http", "out of memory: an answer was lost");
            if (body)
                rt_buf_free(body);
        }
        return;
    }
    if (x->responded)
        return;
    x->responded = true;
    x->abandon = NULL;
    if (!x->wsi) {
        /* The client left while the handler worked: nothing to send, nobody else owns x. */
        if (body)
            rt_buf_free(body);
        x_free(x);
        return;
    }
    x->status = status;
    x->content_type = strdup(content_type ? content_type : "application/json");
    x->extra_headers = extra_headers ? strdup(extra_headers) : NULL;
    if (body) {
        x->out = *body;
        *body = (rt_buf_t)RT_BUF_INIT;
    }
    lws_callback_on_writable(x->wsi);
}

int net_route_add(net_t *n, const net_route_t *route)
{
    if (n->nroutes >= NET_MAX_ROUTES || !route->path || !route->handle)
        return -1;
    for (int i = 0; i < n->nroutes; i++)
        if (!strcmp(n->routes[i].path, route->path))
            return -1;
    n->routes[n->nroutes++] = *route;
    return 0;
}

/* The exact path first; else the longest route ending in '/' that prefixes the path. */
static const net_route_t *find_route(const net_t *n, const char *path)
{
    const net_route_t *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < n->nroutes; i++) {
        const char *rp = n->routes[i].path;
        size_t len = strlen(rp);
        if (!strcmp(rp, path))
            return &n->routes[i];
        if (len > best_len && rp[len - 1] == '/' && !strncmp(rp, path, len)) {
            best = &n->routes[i];
            best_len = len;
        }
    }
    return best;
}

/* Writes a complete small response from inside a callback where the headers can be sent at
 * once (upgrade refusals). Returns 0 or -1. */
static int write_now(struct lws *wsi, int status, const char *json)
{
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    size_t len = strlen(json);
    if (lws_add_http_common_headers(wsi, (unsigned)status, "application/json", len, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    unsigned char body[LWS_PRE + 512];
    if (len > sizeof body - LWS_PRE)
        return -1;
    memcpy(body + LWS_PRE, json, len);
    return lws_write(wsi, body + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) < (int)len ? -1 : 0;
}

static bool valid_client_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

static bool is_ws_path(const char *path)
{
    return !strcmp(path, "/v1/graphql") || !strcmp(path, "/v1/") || !strcmp(path, "/v1");
}

/* True when a comma-separated Sec-WebSocket-Protocol list names one of ours. */
static bool offers_known_protocol(const char *list)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *s = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - s);
        if ((n == 20 && !strncmp(s, "graphql-transport-ws", n)) || (n == 10 && !strncmp(s, "graphql-ws", n)))
            return true;
    }
    return false;
}

int net_http_confirm_upgrade(struct lws *wsi)
{
    net_loop_t *n = lws_context_user(lws_get_context(wsi));
    char path[512] = "";
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0)
        return write_now(wsi, 414, "{\"error\":\"URI too long\"}") < 0 ? -1 : 1;
    if (n->draining)
        return write_now(wsi, 503, "{\"error\":\"Server is shutting down\"}") < 0 ? -1 : 1;
    if (strncmp(path, "/v1/ws/", 7) == 0) {
        if (!valid_client_id(path + 7))
            return write_now(wsi, 400, "{\"error\":\"Invalid clientId: 1-128 of [A-Za-z0-9_-]\"}") < 0 ? -1 : 1;
    } else if (!is_ws_path(path)) {
        return write_now(wsi, 404, "{\"error\":\"Not found\"}") < 0 ? -1 : 1;
    }
    char protos[256] = "";
    int plen = lws_hdr_copy(wsi, protos, sizeof protos, WSI_TOKEN_PROTOCOL);
    /* libwebsockets would hang up on a list naming none of our subprotocols; answer instead.
     * With no list at all the upgrade proceeds and the socket is closed 4406. */
    if (plen > 0 && !offers_known_protocol(protos))
        return write_now(wsi, 400, "{\"error\":\"Subprotocol not acceptable\"}") < 0 ? -1 : 1;
    return 0;
}

static char *copy_header(struct lws *wsi, enum lws_token_indexes tok)
{
    int len = lws_hdr_total_length(wsi, tok);
    if (len <= 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (s && lws_hdr_copy(wsi, s, len + 1, tok) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static char *copy_custom(struct lws *wsi, const char *name)
{
    char key[64];
    int klen = snprintf(key, sizeof key, "%s:", name);
    int len = lws_hdr_custom_length(wsi, key, klen);
    if (len <= 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (s && lws_hdr_custom_copy(wsi, s, len + 1, key, klen) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void pct_encode(rt_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            rt_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rt_buf_append(b, e, 3);
        }
    }
}

/* libwebsockets hands the query string decoded and split at '&'; rebuild a raw, re-encoded one
 * so handlers parse a single well-formed form. */
static char *copy_query(struct lws *wsi)
{
    rt_buf_t q = RT_BUF_INIT;
    char frag[8192];
    for (int i = 0;; i++) {
        int len = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (len < 0)
            break;
        if (q.len)
            rt_buf_putc(&q, '&');
        char *eq = memchr(frag, '=', (size_t)len);
        if (eq) {
            pct_encode(&q, frag, (size_t)(eq - frag));
            rt_buf_putc(&q, '=');
            pct_encode(&q, eq + 1, (size_t)(len - (eq + 1 - frag)));
        } else {
            pct_encode(&q, frag, (size_t)len);
        }
    }
    rt_buf_cstr(&q);
    return rt_buf_steal(&q, NULL);
}

static const char *method_name(int m)
{
    switch (m) {
    case LWSHUMETH_GET: return "GET";
    case LWSHUMETH_POST: return "POST";
    case LWSHUMETH_OPTIONS: return "OPTIONS";
    case LWSHUMETH_PUT: return "PUT";
    case LWSHUMETH_PATCH: return "PATCH";
    case LWSHUMETH_DELETE: return "DELETE";
    case LWSHUMETH_HEAD: return "HEAD";
    default: return "OTHER";
    }
}

static void dispatch(net_exchange_t *x)
{
    x->dispatched = true;
    x->req.body = x->body.data ? rt_buf_cstr(&x->body) : NULL;
    x->req.body_len = x->body.len;
    if (x->body_too_large) {
        http_respond_error(&x->base, 413, "Request body too large");
        return;
    }
    x->route->handle(x->route->ctx, &x->base);
}

/* A piece of a chunked body: decoded into x->body up to the limit (counted past it, for the
 * 413), dispatched once the last chunk ended; a malformed body is answered 400. */
static int chunked_body(net_exchange_t *x, const char *in, size_t len)
{
    int rc = net_chunked_feed(&x->ch, in, len, x->body_too_large ? NULL : &x->body, NULL);
    if (!x->body_too_large && x->ch.total > x->net->srv->cfg.max_body_bytes) {
        x->body_too_large = true;
        rt_buf_free(&x->body);
    }
    if (rc == NET_CHUNKED_BAD) {
        x->dispatched = true;
        http_respond_error(&x->base, 400, "Malformed chunked request body");
    } else if (rc == NET_CHUNKED_DONE) {
        dispatch(x);
    }
    return 0;
}

static bool method_allowed(const char *allow, const char *method)
{
    if (!allow || !strcmp(allow, method))
        return true;
    return !strcmp(allow, "GET") && !strcmp(method, "HEAD");
}

static int on_http(struct lws *wsi, net_pss_t *pss, const char *uri)
{
    net_loop_t *n = lws_context_user(lws_get_context(wsi));
    net_exchange_t *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->base.ops = &x_ops;
    char *uptr = NULL;
    int ulen = 0;
    int m = lws_http_get_uri_and_method(wsi, &uptr, &ulen);
    x->wsi = wsi;
    x->net = n;
    x->method = strdup(method_name(m));
    x->path = strdup(uri ? uri : "/");
    x->query = copy_query(wsi);
    if (!x->method || !x->path || !x->query) {
        x_free(x);
        return -1;
    }
    x->hdr[H_CONTENT_TYPE] = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    x->hdr[H_ACCEPT] = copy_header(wsi, WSI_TOKEN_HTTP_ACCEPT);
    x->hdr[H_AUTHORIZATION] = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    for (int i = H_X_API_KEY; i <= H_X_BLOB_ID; i++)
        x->hdr[i] = copy_custom(wsi, hdr_names[i]);
    x->hdr[H_ACCEPT_ENCODING] = copy_header(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING);
    x->hdr[H_IF_NONE_MATCH] = copy_header(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
    x->hdr[H_X_FORWARDED_FOR] = copy_header(wsi, WSI_TOKEN_X_FORWARDED_FOR);
    lws_get_peer_simple(wsi, x->peer, sizeof x->peer);
    x->req = (http_request_t){.method = x->method,
                              .path = x->path,
                              .query_string = x->query,
                              .header = x_header,
                              .header_ctx = x,
                              .peer = x->peer[0] ? x->peer : NULL};
    pss->x = x;
    char te[64] = "";
    if (lws_hdr_copy(wsi, te, sizeof te, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 && strcasestr(te, "chunked"))
        x->chunked = true;

    if (n->draining) {
        http_respond_error(&x->base, 503, "Server is shutting down");
        return 0;
    }
    x->route = find_route(n->group, x->path);
    if (!x->route) {
        http_respond_error(&x->base, 404, "Not found");
        return 0;
    }
    if (!method_allowed(x->route->method, x->method)) {
        char allow[64];
        snprintf(allow, sizeof allow, "allow: %s\r\n", x->route->method);
        rt_buf_t b = RT_BUF_INIT;
        rt_buf_puts(&b, "{\"error\":\"Method not allowed\"}");
        x_respond(&x->base, 405, "application/json", &b, allow);
        return 0;
    }
    /* A body follows when the request announces one; else dispatch now. */
    char cl[32] = "";
    bool has_body = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && strtoull(cl, NULL, 10) > 0)
        has_body = true;
    if (!has_body || !x->route->body)
        dispatch(x);
    return 0;
}

static int on_writeable(struct lws *wsi, net_exchange_t *x)
{
    if (!x || !x->responded)
        return 0;
    if (!x->headers_sent) {
        unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, (unsigned)x->status, x->content_type, x->out.len, &p, end))
            return -1;
        /* extra_headers: "name: value\r\n" lines */
        for (char *line = x->extra_headers; line && *line;) {
            char *eol = strstr(line, "\r\n");
            char *colon = strchr(line, ':');
            if (!eol || !colon || colon > eol)
                break;
            char name[64];
            int nl = snprintf(name, sizeof name, "%.*s:", (int)(colon - line), line);
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            if (nl > 0 && nl < (int)sizeof name &&
                lws_add_http_header_by_name(wsi, (unsigned char *)name, (const unsigned char *)v, (int)(eol - v), &p,
                                            end))
                return -1;
            line = eol + 2;
        }
        /* After a chunked body lws still counts the request as unread: the connection cannot
         * carry another request. */
        if (x->chunked &&
            lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5, &p, end))
            return -1;
        if (lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        x->headers_sent = true;
        if (x->out.len == 0 || !strcmp(x->method, "HEAD"))
            goto done;
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* Body in chunks the socket takes without buffering inside lws. */
    size_t chunk = x->out.len - x->sent;
    if (chunk > 65536)
        chunk = 65536;
    rt_buf_t *s = &x->net->scratch;
    if (rt_buf_reserve(s, LWS_PRE + chunk) < 0)
        return -1;
    memcpy(s->data + LWS_PRE, x->out.data + x->sent, chunk);
    bool last = x->sent + chunk == x->out.len;
    if (lws_write(wsi, (unsigned char *)s->data + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
        (int)chunk)
        return -1;
    x->sent += chunk;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
done:;
    net_pss_t *pss = lws_wsi_user(wsi);
    pss->x = NULL;
    bool close = x->chunked;
    x_free(x);
    if (close)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* The connection or transaction ended: an exchange still being worked on is orphaned and
 * freed by its eventual answer; an answered one is freed here. */
static void detach(net_pss_t *pss)
{
    net_exchange_t *x = pss ? pss->x : NULL;
    if (!x)
        return;
    pss->x = NULL;
    x->wsi = NULL;
    if (x->responded || !x->dispatched) {
        x_free(x);
        return;
    }
    if (x->abandon) {
        /* The handler's asynchronous work is cancelled, so nothing will answer: free now. */
        x->abandon(x->abandon_arg);
        x_free(x);
    }
}

int net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, net_pss_t *pss, void *in, size_t len)
{
    net_exchange_t *x = pss ? pss->x : NULL;
    switch (reason) {
    case LWS_CALLBACK_HTTP: return on_http(wsi, pss, in);
    case LWS_CALLBACK_HTTP_BODY:
        if (!x || x->dispatched || x->responded)
            return 0;
        if (x->chunked)
            return chunked_body(x, in, len);
        if (x->body_too_large || x->body.len + len > x->net->srv->cfg.max_body_bytes) {
            /* Keep reading and discard, so the client sees the 413 rather than a reset. */
            x->body_too_large = true;
            rt_buf_free(&x->body);
            return 0;
        }
        return rt_buf_append(&x->body, in, len) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (x && !x->dispatched && !x->responded)
            dispatch(x);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: return on_writeable(wsi, x);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: detach(pss); return 0;
    default: return 0;
    }
}

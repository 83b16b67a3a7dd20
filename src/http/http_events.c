/* The ingestion endpoint: authenticate the service, decode and validate every record before
 * any is applied, submit the request to the store's writer (one atomic unit, grouped with
 * others into one commit) and answer only once the commit is durable. */
#include "http/http_events.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "http/http_events_body.h"
#include "server.h"
#include "store/store.h"
#include "util/util_log.h"

#define DEFAULT_MAX_BODY (8u << 20)

typedef struct pending {
    rt_server_t *srv;
    http_exchange_t *x;
    const char *body; /* the exchange's request body: valid until the answer */
    size_t body_len;
    int n; /* records in the request, set by prepare */
    http_commit_fn commit;
    void *commit_ctx;
} pending_t;

static void respond_json(http_exchange_t *x, int status, json_object *body)
{
    rt_buf_t b = RT_BUF_INIT;
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    if (rt_buf_puts(&b, text) != 0) {
        http_respond_error(x, 500, "out of memory");
        return;
    }
    http_exchange_respond(x, status, "application/json", &b, NULL);
    rt_buf_free(&b);
}

static void respond_errors(http_exchange_t *x, json_object *errors)
{
    json_object *o = json_object_new_object();
    if (!o) {
        http_respond_error(x, 500, "out of memory");
        return;
    }
    json_object_object_add(o, "errors", json_object_get(errors));
    respond_json(x, 400, o);
    json_object_put(o);
}

/* Disk full, I/O error or Redis down: nothing was applied and a retry may succeed. */
static void respond_unavailable(http_exchange_t *x)
{
    rt_buf_t b = RT_BUF_INIT;
    rt_buf_puts(&b, "{\"error\":\"storage unavailable, nothing was applied: retry later\"}");
    http_exchange_respond(x, 503, "application/json", &b, "retry-after: 1\r\n");
    rt_buf_free(&b);
}

/* Writer thread: decoding and validating a body of up to --max-body-bytes is CPU work that must
 * not hold a network thread; the store runs it just before the request's turn. */
static int prepare_body(void *pctx, const store_t *s, store_record_t **records, int *n, json_object **errors)
{
    pending_t *p = pctx;
    json_object *decoded = NULL;
    *records = NULL;
    *n = 0;
    if (http_events_decode(p->body, p->body_len, &decoded, errors) != 0)
        return -1;
    int rc = http_events_validate(s, decoded, records, n, errors);
    json_object_put(decoded);
    if (rc == -2) {
        *errors = json_object_new_array();
        if (*errors)
            http_events_error_add(*errors, -1, "out of memory");
    }
    p->n = *n;
    return rc;
}

static void on_committed(void *ctx, const store_result_t *res)
{
    pending_t *p = ctx;
    if (res->status == STORE_ERR_INVALID && res->errors) {
        respond_errors(p->x, res->errors);
    } else if (res->status == STORE_ERR_INVALID) {
        json_object *errs = json_object_new_array();
        if (errs)
            http_events_error_add(errs, res->error_index, res->error_message);
        respond_errors(p->x, errs);
        json_object_put(errs);
    } else if (res->status == STORE_ERR_UNAVAILABLE) {
        respond_unavailable(p->x);
    } else if (res->status != 0) {
        http_respond_error(p->x, res->status == STORE_ERR_CLOSED ? 503 : 500,
                           res->status == STORE_ERR_CLOSED ? "server is shutting down" : "storage error");
    } else {
        json_object *o = json_object_new_object();
        if (o) {
            json_object_object_add(o, "accepted", json_object_new_int(p->n));
            json_object_object_add(o, "cursor", json_object_new_string(res->cursor));
            respond_json(p->x, 200, o);
            json_object_put(o);
        } else {
            http_respond_error(p->x, 500, "out of memory");
        }
        atomic_fetch_add_explicit(&p->srv->metrics.changes_ingested, res->nchanges, memory_order_relaxed);
        /* Only without a store watcher (the server always has one): after the answer. */
        if (!res->via_watch && p->commit)
            p->commit(p->commit_ctx, res->changes, res->nchanges);
    }
    free(p);
}

void http_events_handle(struct rt_server *srv, http_exchange_t *x, http_commit_fn commit, void *commit_ctx)
{
    const http_request_t *req = http_exchange_request(x);
    if (strcmp(req->method, "POST") != 0) {
        rt_buf_t b = RT_BUF_INIT;
        rt_buf_puts(&b, "{\"error\":\"method not allowed: use POST\"}");
        http_exchange_respond(x, 405, "application/json", &b, "allow: POST\r\n");
        rt_buf_free(&b);
        return;
    }
    if (!srv->cfg.service_key || !*srv->cfg.service_key || !srv->store) {
        http_respond_error(x, 503, "ingestion is disabled: no service key is configured");
        return;
    }
    const char *authz = req->header ? req->header(req->header_ctx, "authorization") : NULL;
    if (!http_events_authorized(srv->cfg.service_key, authz)) {
        rt_buf_t b = RT_BUF_INIT;
        rt_buf_puts(&b, "{\"error\":\"missing or wrong service key\"}");
        http_exchange_respond(x, 401, "application/json", &b, "www-authenticate: Bearer\r\n");
        rt_buf_free(&b);
        return;
    }
    if (srv->draining) {
        http_respond_error(x, 503, "server is shutting down");
        return;
    }
    size_t max = srv->cfg.max_body_bytes ? srv->cfg.max_body_bytes : DEFAULT_MAX_BODY;
    if (req->body_len > max) {
        http_respond_error(x, 413, "request body too large");
        return;
    }
    pending_t *p = malloc(sizeof *p);
    if (!p) {
        http_respond_error(x, 500, "out of memory");
        return;
    }
    p->srv = srv;
    p->x = x;
    p->body = req->body;
    p->body_len = req->body ? req->body_len : 0;
    p->n = 0;
    p->commit = commit;
    p->commit_ctx = commit_ctx;
    /* Answered on srv->net_q (network thread 0) as soon as the commit is durable; the server's
     * store watcher hands the changes to the publisher on their own (res->via_watch), so the
     * answer never waits for a fan-out. The answer then travels to the exchange's thread in
     * http_exchange_respond. */
    int rc = store_submit_prepared(srv->store, prepare_body, p, srv->net_q, on_committed, p);
    if (rc != 0) {
        free(p);
        if (rc == STORE_ERR_UNAVAILABLE)
            respond_unavailable(x);
        else
            http_respond_error(x, rc == STORE_ERR_CLOSED ? 503 : 500, "cannot queue the request");
    }
}

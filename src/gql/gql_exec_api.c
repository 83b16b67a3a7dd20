/* The engine's public execution entry points (gql.h) over a prepared request: thin wrappers
 * that hand the request's parts to gql_exec.c. */
#include <stdlib.h>
#include <string.h>

#include "gql/gql.h"
#include "gql/gql_exec.h"
#include "gql/gql_request_int.h"

json_object *gql_execute(const gql_request_t *req, gql_resolve_fn resolve, void *ctx)
{
    return gql_exec_execute(&req->env, resolve, ctx);
}

const char *gql_request_root_field(const gql_request_t *req)
{
    return req->root ? gql_exec_root_field(req->root) : NULL;
}

json_object *gql_request_root_args(const gql_request_t *req)
{
    return req->root ? gql_exec_root_args(req->root) : NULL;
}

const char *gql_request_selection_key(const gql_request_t *req)
{
    return req->root ? gql_exec_root_selection_key(req->root) : NULL;
}

int gql_render_event(const gql_request_t *req, json_object *value, rt_buf_t *out)
{
    if (!req->root)
        return -1;
    return gql_exec_render_event(&req->env, req->root, value, out);
}

json_object *gql_error_new(const char *message, const char *code)
{
    json_object *e = json_object_new_object();
    if (!e)
        return NULL;
    if (json_object_object_add(e, "message", json_object_new_string(message ? message : "")) < 0)
        goto fail;
    if (code) {
        json_object *ext = json_object_new_object();
        if (!ext || json_object_object_add(ext, "code", json_object_new_string(code)) < 0 ||
            json_object_object_add(e, "extensions", ext) < 0) {
            json_object_put(ext);
            goto fail;
        }
    }
    return e;
fail:
    json_object_put(e);
    return NULL;
}

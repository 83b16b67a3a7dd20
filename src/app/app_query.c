/* Query root resolver: nodes are one store lookup each, passed through the principal's view;
 * the viewer and organizations come from the directory mirror (auth_viewer, auth_can_view_org).
 * Used by the HTTP route (app_http.c) and by the WebSocket protocols (through proto's hub). */
#include "app/app_query.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

static const char *arg_id(json_object *args)
{
    json_object *v;
    if (!args || !json_object_object_get_ex(args, "id", &v) || json_object_get_type(v) != json_type_string)
        return NULL;
    return json_object_get_string(v);
}

static int fail(char **error_message, const char *m)
{
    *error_message = strdup(m);
    return -1;
}

/* A failed store read: an unavailable store (disk, Redis) is worth a retry and says so. Reads
 * report an unreachable Redis as an I/O error, so the store's own readiness decides too. */
static int store_failed(app_query_ctx_t *q, int rc, json_object **value, char **error_message)
{
    if (rc != STORE_ERR_UNAVAILABLE && store_ready(q->srv->store))
        return fail(error_message, "storage error");
    q->store_unavailable = true;
    json_object_put(*value);
    *value = json_object_new_object();
    if (*value)
        json_object_object_add(*value, "code", json_object_new_string("STORE_UNAVAILABLE"));
    return fail(error_message, "storage unavailable: retry later");
}

/* viewer and organization come from the directory mirror, the view the feed judges events on,
 * and honour the connection's x-org-id scope: a Query never shows more than a subscription would. */
static int resolve_viewer(app_query_ctx_t *q, json_object **value, char **error_message)
{
    if (!q->who) {
        /* gql.h: a failing resolver's *value becomes the error's extensions */
        *value = json_object_new_object();
        if (*value)
            json_object_object_add(*value, "code", json_object_new_string("UNAUTHENTICATED"));
        return fail(error_message, "Not authenticated: send credentials to read the viewer.");
    }
    if (!q->srv->auth || !(*value = auth_viewer(q->srv->auth, q->who)))
        return fail(error_message, "out of memory");
    return 0;
}

static int resolve_organization(app_query_ctx_t *q, const char *id, json_object **value)
{
    if (q->srv->auth && auth_can_view_org(q->srv->auth, q->who, id))
        *value = auth_org_node(q->srv->auth, id);
    return 0;
}

/* The directory mirror is updated on the publisher thread after an ingestion answer went out:
 * a Query sent after a 200 waits (at most a second) until the commits handed to the publisher
 * before it reached the mirror, so it sees what it was told was accepted (docs/architecture.md). */
static void mirror_barrier(rt_server_t *srv)
{
    unsigned long want = atomic_load_explicit(&srv->metrics.mirror_queued, memory_order_acquire);
    struct timespec pause = {0, 200000};
    for (int i = 0; i < 5000 && atomic_load_explicit(&srv->metrics.mirror_done, memory_order_acquire) < want; i++)
        nanosleep(&pause, NULL);
}

int app_query_resolve(void *ctx, const char *field_name, json_object *args, json_object **value, char **error_message)
{
    app_query_ctx_t *q = ctx;
    *value = NULL;
    if (!q || !q->srv || !q->srv->store)
        return fail(error_message, "store unavailable");
    mirror_barrier(q->srv);
    if (strcmp(field_name, "viewer") == 0)
        return resolve_viewer(q, value, error_message);
    const char *id = arg_id(args);
    if (!id)
        return 0;
    if (!q->who)
        return 0;
    if (strcmp(field_name, "organization") == 0)
        return resolve_organization(q, id, value);
    static const struct {
        const char *field, *type;
    } map[] = {{"blob", "Blob"}, {"revision", "Revision"}, {"session", "Session"}, {"execution", "Execution"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        if (strcmp(field_name, map[i].field) != 0)
            continue;
        json_object *node = NULL;
        int rc = store_get(q->srv->store, map[i].type, id, &node);
        if (rc != 0) {
            json_object_put(node);
            return store_failed(q, rc, value, error_message);
        }
        if (node && q->srv->auth && auth_can_view(q->srv->auth, q->who, map[i].type, node)) {
            *value = node;
        } else {
            json_object_put(node);
        }
        return 0;
    }
    return 0; /* a field this resolver does not know: null */
}

/* Query root resolver: each field is one store lookup passed through the principal's view.
 * Organizations are visible to their members, to their own API keys, and to the service.
 * Used by the HTTP route (app_http.c) and by the WebSocket protocols (through proto's hub). */
#include "app/app_query.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static const char *arg_id(json_object *args)
{
    json_object *v;
    if (!args || !json_object_object_get_ex(args, "id", &v) || json_object_get_type(v) != json_type_string)
        return NULL;
    return json_object_get_string(v);
}

static const char *str_field(json_object *node, const char *name)
{
    json_object *v;
    if (!node || !json_object_object_get_ex(node, name, &v) || json_object_get_type(v) != json_type_string)
        return NULL;
    return json_object_get_string(v);
}

static void add_org_id(void *ctx, const char *type, const char *id, json_object *node)
{
    json_object *ids = ctx;
    const char *org = strcmp(type, "Organization") == 0 ? id : str_field(node, "organizationId");
    if (org)
        json_object_array_add(ids, json_object_new_string(org));
}

/* The organization ids the principal belongs to (service: every organization). */
static json_object *org_ids(app_query_ctx_t *q)
{
    json_object *ids = json_object_new_array();
    store_t *s = q->srv->store;
    if (!ids || !q->who || !s)
        return ids;
    const char *id = auth_identity_id(q->who);
    switch (auth_identity_kind(q->who)) {
    case AUTH_PRINCIPAL_SERVICE: store_find(s, "Organization", NULL, NULL, add_org_id, ids); break;
    case AUTH_PRINCIPAL_USER: store_find(s, "Membership", "userId", id, add_org_id, ids); break;
    case AUTH_PRINCIPAL_API_KEY: {
        json_object *key = NULL;
        if (store_get(s, "ApiKey", id, &key) == 0 && key)
            add_org_id(ids, "ApiKey", id, key);
        json_object_put(key);
        break;
    }
    }
    return ids;
}

static bool contains(json_object *ids, const char *id)
{
    size_t n = json_object_array_length(ids);
    for (size_t i = 0; i < n; i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(ids, i)), id) == 0)
            return true;
    return false;
}

/* A banned organization is out of reach for everyone but the service
 * (docs/authentication.md#credential-forms-in-order: its
 * credentials stop working); it is neither listed nor returned. */
static bool org_banned(json_object *org)
{
    json_object *v;
    return org && json_object_object_get_ex(org, "banned", &v) && json_object_get_boolean(v);
}

static bool is_service(app_query_ctx_t *q) { return auth_identity_kind(q->who) == AUTH_PRINCIPAL_SERVICE; }

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

static int resolve_viewer(app_query_ctx_t *q, json_object **value, char **error_message)
{
    if (!q->who) {
        /* gql.h: a failing resolver's *value becomes the error's extensions */
        *value = json_object_new_object();
        if (*value)
            json_object_object_add(*value, "code", json_object_new_string("UNAUTHENTICATED"));
        return fail(error_message, "Not authenticated: send credentials to read the viewer.");
    }
    json_object *v = json_object_new_object(), *orgs = json_object_new_array(), *ids = org_ids(q);
    if (!v || !orgs || !ids) {
        json_object_put(v);
        json_object_put(orgs);
        json_object_put(ids);
        return fail(error_message, "out of memory");
    }
    auth_kind_t k = auth_identity_kind(q->who);
    json_object_object_add(v, "kind",
                           json_object_new_string(k == AUTH_PRINCIPAL_SERVICE   ? "service"
                                                  : k == AUTH_PRINCIPAL_API_KEY ? "apiKey"
                                                                                : "user"));
    json_object_object_add(v, "id", json_object_new_string(auth_identity_id(q->who)));
    size_t n = json_object_array_length(ids);
    for (size_t i = 0; i < n; i++) {
        json_object *org = NULL;
        if (store_get(q->srv->store, "Organization", json_object_get_string(json_object_array_get_idx(ids, i)), &org) ==
                0 &&
            org && (is_service(q) || !org_banned(org)))
            json_object_array_add(orgs, org);
        else
            json_object_put(org);
    }
    json_object_put(ids);
    json_object_object_add(v, "organizations", orgs);
    *value = v;
    return 0;
}

int app_query_resolve(void *ctx, const char *field_name, json_object *args, json_object **value, char **error_message)
{
    app_query_ctx_t *q = ctx;
    *value = NULL;
    if (!q || !q->srv || !q->srv->store)
        return fail(error_message, "store unavailable");
    if (strcmp(field_name, "viewer") == 0)
        return resolve_viewer(q, value, error_message);
    const char *id = arg_id(args);
    if (!id)
        return 0;
    if (!q->who)
        return 0;
    if (strcmp(field_name, "organization") == 0) {
        json_object *ids = org_ids(q);
        bool ok = ids && contains(ids, id);
        json_object_put(ids);
        int rc = ok ? store_get(q->srv->store, "Organization", id, value) : 0;
        if (rc != 0)
            return store_failed(q, rc, value, error_message);
        if (*value && !is_service(q) && org_banned(*value)) {
            json_object_put(*value);
            *value = NULL;
        }
        return 0;
    }
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

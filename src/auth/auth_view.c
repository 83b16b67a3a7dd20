/* Authorization on the directory mirror: the per-event view check (docs/authentication.md
 * (#principals-and-what-they-see, #revocation-expiry-and-bans)) and what the
 * Query resolvers need. The per-event path takes the read lock once, does a few hash lookups
 * and allocates nothing.
 * Scoping rule: with x-org-id only nodes owned by that organization are considered, public
 * blobs of other organizations included — a scope narrows, it never widens; with x-blob-id only
 * that blob's own nodes. */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *node_str(json_object *node, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(node, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static bool str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* Under the read lock: may the (live) principal see what `org_id` owns? */
static bool principal_sees_org(const auth_t *a, const auth_identity_t *who, const char *org_id)
{
    switch (who->form) {
    case AUTH_CRED_SERVICE: return true;
    case AUTH_CRED_API_KEY: {
        const dir_cred_t *k = auth_dir_api_key(&a->dir, who->id);
        return k && str_eq(k->owner_id, org_id);
    }
    default: return auth_dir_is_member(&a->dir, org_id, who->id);
    }
}

bool auth_can_view(auth_t *a, const auth_identity_t *who, const char *type, json_object *node)
{
    if (!a || !who || !type || !node || !json_object_is_type(node, json_type_object))
        return false;
    const char *blob_id, *org_id;
    bool is_public = false, known;
    bool service = who->form == AUTH_CRED_SERVICE;
    bool ok = false;
    auth_dir_rdlock(&a->dir);
    if (strcmp(type, "Blob") == 0) {
        blob_id = node_str(node, "id");
        org_id = node_str(node, "organizationId");
        const char *vis = node_str(node, "visibility");
        is_public = vis && strcmp(vis, "PUBLIC") == 0;
        known = blob_id && org_id;
    } else {
        blob_id = node_str(node, "blobId");
        const dir_blob_t *b = auth_dir_blob(&a->dir, blob_id);
        org_id = b ? b->org_id : NULL;
        is_public = b && b->is_public;
        known = b != NULL;
    }
    if (who->scope_blob && !str_eq(blob_id, who->scope_blob))
        goto out;
    if (who->scope_org && !str_eq(org_id, who->scope_org))
        goto out;
    if (service) {
        ok = true; /* even a node whose blob is not known yet */
        goto out;
    }
    if (!known)
        goto out;
    int64_t deadline;
    if (!auth_principal_live_cached(a, who, &deadline))
        goto out;
    if (deadline != INT64_MAX || who->jwt_deadline_ms != INT64_MAX) {
        int64_t now = rt_wall_now_coarse().ms;
        if (now >= deadline || now >= who->jwt_deadline_ms)
            goto out;
    }
    const dir_org_t *o = auth_dir_org(&a->dir, org_id);
    if (!o || o->banned)
        goto out;
    ok = is_public || principal_sees_org(a, who, org_id);
out:
    auth_dir_unlock(&a->dir);
    return ok;
}

bool auth_can_view_org(auth_t *a, const auth_identity_t *who, const char *org_id)
{
    if (!a || !who || !org_id)
        return false;
    bool ok = false;
    int64_t deadline;
    auth_dir_rdlock(&a->dir);
    const dir_org_t *o = auth_dir_org(&a->dir, org_id);
    if (!o || o->banned || (who->scope_org && strcmp(who->scope_org, org_id) != 0))
        goto out;
    if (!auth_principal_live(a, who, &deadline) || rt_wall_now_coarse().ms >= deadline)
        goto out;
    ok = principal_sees_org(a, who, org_id);
out:
    auth_dir_unlock(&a->dir);
    return ok;
}

static json_object *org_json(const dir_org_t *o)
{
    json_object *j = json_object_new_object();
    if (!j)
        return NULL;
    json_object_object_add(j, "id", json_object_new_string(o->id));
    json_object_object_add(j, "slug", json_object_new_string(o->slug));
    json_object_object_add(j, "name", json_object_new_string(o->name));
    json_object_object_add(j, "createdAt", json_object_new_string(o->created_at));
    return j;
}

json_object *auth_org_node(auth_t *a, const char *org_id)
{
    json_object *j = NULL;
    auth_dir_rdlock(&a->dir);
    const dir_org_t *o = auth_dir_org(&a->dir, org_id);
    if (o)
        j = org_json(o);
    auth_dir_unlock(&a->dir);
    return j;
}

typedef struct collect {
    const auth_t *a;
    const auth_identity_t *who;
    const dir_org_t **orgs;
    size_t n, cap;
    bool oom;
} collect_t;

static void collect_add(collect_t *c, const dir_org_t *o)
{
    if (!o || o->banned || (c->who->scope_org && strcmp(c->who->scope_org, o->id) != 0))
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        const dir_org_t **n = realloc(c->orgs, cap * sizeof *n);
        if (!n) {
            c->oom = true;
            return;
        }
        c->orgs = n;
        c->cap = cap;
    }
    c->orgs[c->n++] = o;
}

static void collect_all(void *ctx, const void *key, size_t len, void *val) { collect_add(ctx, val); }

static void collect_member(void *ctx, const void *key, size_t len, void *val)
{
    collect_t *c = ctx;
    const dir_member_t *m = val;
    if (strcmp(m->user_id, c->who->id) == 0)
        collect_add(c, auth_dir_org(&c->a->dir, m->org_id));
}

static int org_cmp(const void *x, const void *y)
{
    return strcmp((*(const dir_org_t *const *)x)->id, (*(const dir_org_t *const *)y)->id);
}

json_object *auth_viewer(auth_t *a, const auth_identity_t *who)
{
    json_object *v = json_object_new_object(), *list = json_object_new_array();
    collect_t c = {.a = a, .who = who};
    if (!v || !list)
        goto fail;
    const char *kind = who->kind == AUTH_PRINCIPAL_SERVICE   ? "service"
                       : who->kind == AUTH_PRINCIPAL_API_KEY ? "apiKey"
                                                             : "user";
    json_object_object_add(v, "kind", json_object_new_string(kind));
    json_object_object_add(v, "id", json_object_new_string(who->id));
    auth_dir_rdlock(&a->dir);
    int64_t deadline;
    if (auth_principal_live(a, who, &deadline)) {
        if (who->form == AUTH_CRED_SERVICE) {
            rt_map_foreach(a->dir.orgs, collect_all, &c);
        } else if (who->form == AUTH_CRED_API_KEY) {
            const dir_cred_t *k = auth_dir_api_key(&a->dir, who->id);
            if (k)
                collect_add(&c, auth_dir_org(&a->dir, k->owner_id));
        } else {
            rt_map_foreach(a->dir.members, collect_member, &c);
        }
    }
    if (c.n > 1)
        qsort(c.orgs, c.n, sizeof *c.orgs, org_cmp);
    for (size_t i = 0; i < c.n && !c.oom; i++) {
        json_object *o = org_json(c.orgs[i]);
        if (!o || json_object_array_add(list, o)) {
            json_object_put(o);
            c.oom = true;
        }
    }
    auth_dir_unlock(&a->dir);
    if (c.oom)
        goto fail;
    free(c.orgs);
    json_object_object_add(v, "organizations", list);
    return v;
fail:
    free(c.orgs);
    json_object_put(list);
    json_object_put(v);
    return NULL;
}

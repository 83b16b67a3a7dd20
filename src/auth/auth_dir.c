/* Directory mirror: one map per record type, records rebuilt whole on every change (a change
 * is rare next to the checks that read it). A deleted user or organization simply disappears,
 * which every check treats like a ban. */
#include "auth/auth_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util_log.h"

static void org_free(void *p)
{
    dir_org_t *o = p;
    if (!o)
        return;
    free(o->id);
    free(o->slug);
    free(o->name);
    free(o->created_at);
    free(o);
}

static void user_free(void *p)
{
    dir_user_t *u = p;
    if (!u)
        return;
    free(u->id);
    free(u);
}

static void member_free(void *p)
{
    dir_member_t *m = p;
    if (!m)
        return;
    free(m->org_id);
    free(m->user_id);
    free(m->role);
    free(m);
}

static void cred_free(void *p)
{
    dir_cred_t *c = p;
    if (!c)
        return;
    free(c->id);
    free(c->owner_id);
    free(c->secret_hash);
    free(c);
}

static void blob_free(void *p)
{
    dir_blob_t *b = p;
    if (!b)
        return;
    free(b->id);
    free(b->org_id);
    free(b);
}

int auth_dir_init(auth_dir_t *d)
{
    memset(d, 0, sizeof *d);
    /* Writers first: readers come in a steady stream (one check per event per subscriber) and
     * must not starve the thread applying a directory change. Safe because no read lock is ever
     * taken while holding one. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    for (; d->nstripes_ready < AUTH_DIR_STRIPES; d->nstripes_ready++)
        if (pthread_rwlock_init(&d->stripes[d->nstripes_ready].lock, &attr) != 0) {
            pthread_rwlockattr_destroy(&attr);
            auth_dir_destroy(d);
            return -1;
        }
    pthread_rwlockattr_destroy(&attr);
    atomic_init(&d->gen, 1);
    if (!(d->orgs = rt_map_new()) || !(d->slugs = rt_map_new()) || !(d->users = rt_map_new()) ||
        !(d->members = rt_map_new()) || !(d->api_keys = rt_map_new()) || !(d->pats = rt_map_new()) ||
        !(d->blobs = rt_map_new())) {
        auth_dir_destroy(d);
        return -1;
    }
    return 0;
}

void auth_dir_destroy(auth_dir_t *d)
{
    rt_map_free(d->slugs, NULL);
    rt_map_free(d->orgs, org_free);
    rt_map_free(d->users, user_free);
    rt_map_free(d->members, member_free);
    rt_map_free(d->api_keys, cred_free);
    rt_map_free(d->pats, cred_free);
    rt_map_free(d->blobs, blob_free);
    d->orgs = d->slugs = d->users = d->members = d->api_keys = d->pats = d->blobs = NULL;
    for (int i = 0; i < d->nstripes_ready; i++)
        pthread_rwlock_destroy(&d->stripes[i].lock);
    d->nstripes_ready = 0;
}

/* ---- reading fields of a node ---- */

static const char *str_field(json_object *node, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(node, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static char *dup_field(json_object *node, const char *name)
{
    const char *s = str_field(node, name);
    return strdup(s ? s : "");
}

static bool true_field(json_object *node, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(node, name, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int auth_time_parse(const char *s, int64_t *ms)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0;
    const char *p = s;
    if (!s || digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' || digits(&p, 2, &D))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' || digits(&p, 2, &sec))
        return -1;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return -1;
        for (; n < 3; n++)
            frac_ms *= 10;
    }
    int sign = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
    } else {
        return -1;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    int64_t t = (int64_t)timegm(&tm);
    t -= (int64_t)sign * (oh * 3600 + om * 60);
    *ms = t * 1000 + frac_ms;
    return 0;
}

/* ---- building records ---- */

static dir_cred_t *cred_from(const char *id, json_object *node, const char *owner_field, uint64_t version)
{
    dir_cred_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->id = strdup(id);
    c->owner_id = dup_field(node, owner_field);
    const char *h = str_field(node, "secretHash");
    c->secret_hash = h ? strdup(h) : NULL;
    c->revoked = true_field(node, "revoked");
    c->version = version;
    json_object *ex;
    c->expires_ms = INT64_MAX;
    if (json_object_object_get_ex(node, "expiresAt", &ex) && ex) {
        if (!json_object_is_type(ex, json_type_string) || auth_time_parse(json_object_get_string(ex), &c->expires_ms)) {
            rt_log_warn("auth", "credential %s: unreadable expiresAt, treated as expired", id);
            c->expires_ms = INT64_MIN;
        }
    }
    if (!c->id || !c->owner_id || (h && !c->secret_hash)) {
        cred_free(c);
        return NULL;
    }
    return c;
}

static void org_drop(auth_dir_t *d, const char *id)
{
    dir_org_t *old = rt_map_remove(d->orgs, id, strlen(id));
    if (!old)
        return;
    if (rt_map_get(d->slugs, old->slug, strlen(old->slug)) == old)
        rt_map_remove(d->slugs, old->slug, strlen(old->slug));
    org_free(old);
}

static int put_org(auth_dir_t *d, const char *id, json_object *node)
{
    org_drop(d, id);
    if (!node)
        return 0;
    dir_org_t *o = calloc(1, sizeof *o);
    if (!o)
        return -1;
    o->id = strdup(id);
    o->slug = dup_field(node, "slug");
    o->name = dup_field(node, "name");
    o->created_at = dup_field(node, "createdAt");
    o->banned = true_field(node, "banned");
    if (!o->id || !o->slug || !o->name || !o->created_at || rt_map_put(d->orgs, id, strlen(id), o, NULL)) {
        org_free(o);
        return -1;
    }
    if (o->slug[0])
        rt_map_put(d->slugs, o->slug, strlen(o->slug), o, NULL); /* OOM: slug lookup just fails */
    return 0;
}

static int put_simple(rt_map_t *m, const char *id, void *rec, void (*free_fn)(void *))
{
    free_fn(rt_map_remove(m, id, strlen(id)));
    if (!rec)
        return 0;
    if (rt_map_put(m, id, strlen(id), rec, NULL)) {
        free_fn(rec);
        return -1;
    }
    return 0;
}

int auth_dir_put(auth_dir_t *d, const char *type, const char *id, json_object *node)
{
    if (!type || !id)
        return 0;
    if (node && !json_object_is_type(node, json_type_object))
        node = NULL;
    static const char *const mirrored[] = {"Organization",        "User", "Membership", "ApiKey",
                                           "PersonalAccessToken", "Blob"};
    bool known = false;
    for (size_t i = 0; i < sizeof mirrored / sizeof *mirrored; i++)
        known = known || strcmp(type, mirrored[i]) == 0;
    if (!known)
        return 0;
    int rc = 0;
    for (int i = 0; i < AUTH_DIR_STRIPES; i++)
        pthread_rwlock_wrlock(&d->stripes[i].lock);
    /* Blob changes cannot change an identity's validity: leave the generation alone for them so
     * validity caches stay warm under blob churn. */
    uint64_t version = strcmp(type, "Blob") == 0 ? atomic_load(&d->gen) : atomic_fetch_add(&d->gen, 1) + 1;
    if (strcmp(type, "Organization") == 0) {
        rc = put_org(d, id, node);
    } else if (strcmp(type, "User") == 0) {
        dir_user_t *u = NULL;
        if (node) {
            u = calloc(1, sizeof *u);
            if (u && (u->id = strdup(id)) != NULL) {
                u->banned = true_field(node, "banned");
            } else {
                user_free(u);
                u = NULL;
                rc = -1;
            }
        }
        int r = put_simple(d->users, id, u, user_free);
        rc = rc ? rc : r;
    } else if (strcmp(type, "Membership") == 0) {
        dir_member_t *m = NULL;
        if (node) {
            m = calloc(1, sizeof *m);
            if (m) {
                m->org_id = dup_field(node, "organizationId");
                m->user_id = dup_field(node, "userId");
                m->role = dup_field(node, "role");
            }
            if (!m || !m->org_id || !m->user_id || !m->role) {
                member_free(m);
                m = NULL;
                rc = -1;
            }
        }
        int r = put_simple(d->members, id, m, member_free);
        rc = rc ? rc : r;
    } else if (strcmp(type, "ApiKey") == 0 || strcmp(type, "PersonalAccessToken") == 0) {
        bool is_key = type[0] == 'A';
        dir_cred_t *c = NULL;
        if (node && !(c = cred_from(id, node, is_key ? "organizationId" : "userId", version)))
            rc = -1;
        int r = put_simple(is_key ? d->api_keys : d->pats, id, c, cred_free);
        rc = rc ? rc : r;
    } else {
        dir_blob_t *b = NULL;
        if (node) {
            b = calloc(1, sizeof *b);
            if (b) {
                b->id = strdup(id);
                b->org_id = dup_field(node, "organizationId");
                const char *vis = str_field(node, "visibility");
                b->is_public = vis && strcmp(vis, "PUBLIC") == 0;
            }
            if (!b || !b->id || !b->org_id) {
                blob_free(b);
                b = NULL;
                rc = -1;
            }
        }
        int r = put_simple(d->blobs, id, b, blob_free);
        rc = rc ? rc : r;
    }
    for (int i = AUTH_DIR_STRIPES - 1; i >= 0; i--)
        pthread_rwlock_unlock(&d->stripes[i].lock);
    if (rc)
        rt_log_error("auth", "out of memory mirroring %s %s: record dropped (denies until the next change)", type, id);
    return rc ? -1 : 1;
}

/* ---- lookups ---- */

const dir_org_t *auth_dir_org(const auth_dir_t *d, const char *id)
{
    return id ? rt_map_get(d->orgs, id, strlen(id)) : NULL;
}

const dir_org_t *auth_dir_org_by_slug(const auth_dir_t *d, const char *slug)
{
    return slug ? rt_map_get(d->slugs, slug, strlen(slug)) : NULL;
}

const dir_user_t *auth_dir_user(const auth_dir_t *d, const char *id)
{
    return id ? rt_map_get(d->users, id, strlen(id)) : NULL;
}

bool auth_dir_is_member(const auth_dir_t *d, const char *org_id, const char *user_id)
{
    if (!org_id || !user_id)
        return false;
    char stack[256];
    size_t lo = strlen(org_id), lu = strlen(user_id), n = lo + 1 + lu;
    char *key = n <= sizeof stack ? stack : malloc(n);
    if (!key)
        return false;
    memcpy(key, org_id, lo);
    key[lo] = ':';
    memcpy(key + lo + 1, user_id, lu);
    bool found = rt_map_get(d->members, key, n) != NULL;
    if (key != stack)
        free(key);
    return found;
}

const dir_cred_t *auth_dir_api_key(const auth_dir_t *d, const char *id)
{
    return id ? rt_map_get(d->api_keys, id, strlen(id)) : NULL;
}

const dir_cred_t *auth_dir_pat(const auth_dir_t *d, const char *id)
{
    return id ? rt_map_get(d->pats, id, strlen(id)) : NULL;
}

const dir_blob_t *auth_dir_blob(const auth_dir_t *d, const char *id)
{
    return id ? rt_map_get(d->blobs, id, strlen(id)) : NULL;
}

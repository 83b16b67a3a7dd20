/* The table of interned prepared operations (gql_prepared.h). Every count below changes under
 * the cache's one lock, which is a leaf: nothing else is locked while it is held. Parsing and
 * binding run outside it; two threads preparing the same new text both parse, and the second
 * to insert drops its copy. */
#include "gql/gql_prepared.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_request_int.h"
#include "gql/syntax/gql_parser.h"
#include "util/util_map.h"

typedef struct gql_prepared {
    gql_prepared_cache_t *cache;
    int refs;                       /* requests holding doc (each shared one counts once) */
    gql_document_t *doc;            /* owned */
    const gql_ast_definition_t *op; /* inside doc */
    /* Subscription requests by their coerced variables (share_key), or NULL: every subscriber
     * sending those values gets the one request. Each holds one of refs. */
    rt_map_t *shared;
    size_t keylen;
    char key[]; /* the table's key, see make_key */
} gql_prepared_t;

struct gql_prepared_cache {
    pthread_mutex_t lock;
    rt_map_t *map; /* key -> gql_prepared_t */
};

/* What selects the result of parsing: schema, limits, operation name (absent differs from
 * empty) and text, as "<schema>|<depth>|<tokens>|<list>|<named>|<name>\0<text>". */
static char *make_key(const gql_schema_t *schema, const gql_limits_t *limits, const char *name, const char *query,
                      size_t len, size_t *keylen)
{
    char head[128];
    int hlen = snprintf(head, sizeof head, "%p|%d|%d|%d|%d|", (const void *)schema, limits ? limits->max_depth : 0,
                        limits ? limits->max_tokens : 0, limits ? limits->max_list_items : 0, name != NULL);
    if (hlen < 0 || (size_t)hlen >= sizeof head)
        return NULL;
    size_t nlen = name ? strlen(name) : 0;
    if (len > SIZE_MAX - (size_t)hlen - nlen - 1)
        return NULL;
    *keylen = (size_t)hlen + nlen + 1 + len;
    char *k = malloc(*keylen);
    if (!k)
        return NULL;
    memcpy(k, head, (size_t)hlen);
    if (nlen)
        memcpy(k + hlen, name, nlen);
    k[(size_t)hlen + nlen] = '\0'; /* a name holds no NUL, so name and text cannot run into each other */
    if (len)
        memcpy(k + (size_t)hlen + nlen + 1, query, len);
    return k;
}

gql_prepared_cache_t *gql_prepared_cache_new(void)
{
    gql_prepared_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (!(c->map = rt_map_new())) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void gql_prepared_cache_free(gql_prepared_cache_t *c)
{
    if (!c)
        return;
    rt_map_free(c->map, NULL);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

size_t gql_prepared_cache_count(gql_prepared_cache_t *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = rt_map_count(c->map);
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void prepared_free(gql_prepared_t *p)
{
    rt_map_free(p->shared, NULL); /* empty: every shared request holds a reference */
    gql_document_free(p->doc);
    free(p);
}

/* Drops one reference; under the lock. Returns p when it must be freed (after unlocking). */
static gql_prepared_t *unref_locked(gql_prepared_t *p)
{
    if (--p->refs > 0)
        return NULL;
    rt_map_remove(p->cache->map, p->key, p->keylen);
    return p;
}

void gql_prepared_request_done(gql_request_t *req)
{
    gql_prepared_t *p = req->prep, *dead;
    pthread_mutex_lock(&p->cache->lock);
    if (req->share_key && --req->refs > 0) {
        pthread_mutex_unlock(&p->cache->lock);
        return;
    }
    if (req->share_key)
        rt_map_remove(p->shared, req->share_key, strlen(req->share_key));
    dead = unref_locked(p);
    pthread_mutex_unlock(&p->cache->lock);
    gql_request_free_parts(req);
    free(req->share_key);
    free(req);
    if (dead)
        prepared_free(dead);
}

/* The interned operation for key (one reference for the caller), parsing the text when it is not
 * in the table. GQL_OK with *out, or the parse/validation error with *errors. */
static int prepared_get(gql_prepared_cache_t *c, char *key, size_t keylen, const gql_schema_t *schema,
                        const char *query, size_t len, const char *name, const gql_limits_t *limits,
                        gql_prepared_t **out, json_object **errors)
{
    pthread_mutex_lock(&c->lock);
    gql_prepared_t *p = rt_map_get(c->map, key, keylen);
    if (p)
        p->refs++;
    pthread_mutex_unlock(&c->lock);
    if (p) {
        *out = p;
        return GQL_OK;
    }
    gql_document_t *doc;
    const gql_ast_definition_t *op;
    int rc = gql_request_parse(schema, query, len, name, limits, &doc, &op, errors);
    if (rc != GQL_OK)
        return rc;
    if ((p = calloc(1, sizeof *p + keylen))) {
        p->cache = c;
        p->refs = 1;
        p->doc = doc;
        p->op = op;
        p->keylen = keylen;
        memcpy(p->key, key, keylen);
        pthread_mutex_lock(&c->lock);
        gql_prepared_t *other = rt_map_get(c->map, key, keylen);
        int put = other ? 0 : rt_map_put(c->map, key, keylen, p, NULL);
        if (other)
            other->refs++;
        pthread_mutex_unlock(&c->lock);
        if (other || put < 0) {
            prepared_free(p); /* frees doc too */
            p = other;
        }
    } else {
        gql_document_free(doc);
    }
    if (!p) {
        *errors = json_object_new_array();
        json_object_array_add(*errors, gql_error_new("Out of memory", NULL));
        return GQL_ERR_NOMEM;
    }
    *out = p;
    return GQL_OK;
}

/* Hands back p's request for the variables in key with one more user, or NULL. */
static gql_request_t *shared_get(gql_prepared_t *p, const char *key)
{
    pthread_mutex_lock(&p->cache->lock);
    gql_request_t *r = p->shared ? rt_map_get(p->shared, key, strlen(key)) : NULL;
    if (r)
        r->refs++;
    pthread_mutex_unlock(&p->cache->lock);
    return r;
}

/* Publishes req (holding the caller's reference on its prep) under key (taken); when another
 * thread got there first, req is dropped and theirs is handed back. Out of memory, req stays
 * private. */
static gql_request_t *shared_put(gql_request_t *req, char *key)
{
    gql_prepared_t *p = req->prep;
    pthread_mutex_lock(&p->cache->lock);
    if (!p->shared)
        p->shared = rt_map_new();
    gql_request_t *r = p->shared ? rt_map_get(p->shared, key, strlen(key)) : NULL;
    if (r) {
        r->refs++;
        p->refs--; /* req's reference; r holds another, so p stays */
    } else if (p->shared && rt_map_put(p->shared, key, strlen(key), req, NULL) == 0) {
        req->share_key = key;
        req->refs = 1;
        key = NULL;
    }
    pthread_mutex_unlock(&p->cache->lock);
    free(key);
    if (!r)
        return req;
    gql_request_free_parts(req);
    free(req);
    return r;
}

/* The coerced variables as JSON text ("" for none): equal texts render and match alike.
 * Variables are coerced in the order the operation declares them, so the text is canonical. */
static char *variables_key(const gql_request_t *req)
{
    if (!req->env.variables)
        return strdup("");
    const char *t = json_object_to_json_string_ext(req->env.variables, JSON_C_TO_STRING_PLAIN);
    return t ? strdup(t) : NULL;
}

/* Drops the reference prepared_get handed out, when no request took it over. */
static void prepared_release(gql_prepared_t *p)
{
    pthread_mutex_lock(&p->cache->lock);
    gql_prepared_t *dead = unref_locked(p);
    pthread_mutex_unlock(&p->cache->lock);
    if (dead)
        prepared_free(dead);
}

int gql_request_prepare_shared(gql_prepared_cache_t *c, const gql_schema_t *schema, const char *query, size_t len,
                               json_object *variables, const char *operation_name, const gql_limits_t *limits,
                               gql_request_t **out, json_object **errors)
{
    if (!c)
        return gql_request_prepare(schema, query, len, variables, operation_name, limits, out, errors);
    *out = NULL;
    *errors = NULL;
    size_t keylen;
    char *key = make_key(schema, limits, operation_name, query, len, &keylen);
    if (!key) /* out of memory (or a length that cannot be copied): a private request */
        return gql_request_prepare(schema, query, len, variables, operation_name, limits, out, errors);
    gql_prepared_t *p = NULL;
    int rc = prepared_get(c, key, keylen, schema, query, len, operation_name, limits, &p, errors);
    free(key);
    if (rc != GQL_OK)
        return rc;
    /* Subscribers sending the same variables (or none) get the same root facts: one request
     * serves them all. A subscription is immutable once prepared, so sharing is invisible. */
    bool share = p->op->operation == GQL_OPERATION_SUBSCRIPTION;
    if (share && !p->op->variable_definitions && (*out = shared_get(p, ""))) {
        prepared_release(p);
        return GQL_OK;
    }
    gql_request_t *req;
    rc = gql_request_bind(schema, p->doc, p->op, variables, limits, &req, errors);
    if (rc != GQL_OK) {
        prepared_release(p);
        return rc;
    }
    req->prep = p; /* takes prepared_get's reference */
    char *vkey = share ? variables_key(req) : NULL;
    if (share)
        gql_request_compact(req);
    *out = vkey ? shared_put(req, vkey) : req;
    return GQL_OK;
}

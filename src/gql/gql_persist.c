/* Persisted operations engine: the manifest (parsed whole, swapped under a lock on reload), the
 * allow-list decision, and the automatic persisted queries cache (LRU over an rt_map). Documents
 * are copied out to each request, so a reload never pulls text from under a running one. */
#include "gql/gql_persist.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql.h"
#include "util/util_buf.h"
#include "util/util_json.h"
#include "util/util_map.h"

/* A document in the manifest or the cache. In the cache, prev/next is the LRU list (head:
 * most recently used). */
typedef struct entry {
    char id[GQL_PERSIST_ID_LEN + 1];
    char *doc;
    size_t len;
    struct entry *prev, *next;
} entry_t;

struct gql_persist_manifest {
    rt_map_t *map; /* id -> entry_t */
};

struct gql_persist {
    char *path;
    bool allow_list_only;
    int apq_entries;
    pthread_mutex_t lock; /* guards manifest and the cache */
    gql_persist_manifest_t *manifest;
    rt_map_t *apq;
    entry_t *lru_head, *lru_tail;
    size_t apq_bytes;
    atomic_long hits, misses, refusals;
};

static void entry_free(void *v)
{
    entry_t *e = v;
    if (e)
        free(e->doc);
    free(e);
}

static entry_t *entry_new(const char *id, const char *doc, size_t len)
{
    entry_t *e = calloc(1, sizeof *e);
    if (!e || !(e->doc = malloc(len + 1))) {
        free(e);
        return NULL;
    }
    memcpy(e->id, id, GQL_PERSIST_ID_LEN + 1);
    memcpy(e->doc, doc, len);
    e->doc[len] = '\0';
    e->len = len;
    return e;
}

void gql_persist_hash(const char *text, size_t len, char id[GQL_PERSIST_ID_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, len);
    sodium_bin2hex(id, GQL_PERSIST_ID_LEN + 1, h, sizeof h);
}

/* Copies a 64-hex-digit id, lower-cased, into out; -1 when s is not one. */
static int normalise_id(const char *s, size_t len, char out[GQL_PERSIST_ID_LEN + 1])
{
    if (len != GQL_PERSIST_ID_LEN)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c + 32);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
        out[i] = c;
    }
    out[len] = '\0';
    return 0;
}

/* ---- manifest ---- */

void gql_persist_manifest_free(gql_persist_manifest_t *m)
{
    if (!m)
        return;
    rt_map_free(m->map, entry_free);
    free(m);
}

int gql_persist_manifest_count(const gql_persist_manifest_t *m) { return m ? (int)rt_map_count(m->map) : 0; }

const char *gql_persist_manifest_get(const gql_persist_manifest_t *m, const char *id, size_t *len)
{
    entry_t *e = m ? rt_map_get(m->map, id, strlen(id)) : NULL;
    if (e && len)
        *len = e->len;
    return e ? e->doc : NULL;
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* One `"id": "document"` member at text[*pos] (the text is known to be valid JSON); adds it to m. */
static int parse_member(gql_persist_manifest_t *m, const char *text, size_t len, size_t *pos, char *err, size_t errcap)
{
    size_t i = *pos + 1, start = i; /* after the key's opening quote */
    while (i < len && text[i] != '"' && text[i] != '\\')
        i++;
    char id[GQL_PERSIST_ID_LEN + 1], hash[GQL_PERSIST_ID_LEN + 1];
    if (i >= len || text[i] != '"' || normalise_id(text + start, i - start, id) < 0) {
        snprintf(err, errcap, "entry %d: the id is not 64 hex digits", gql_persist_manifest_count(m) + 1);
        return -1;
    }
    if (rt_map_get(m->map, id, GQL_PERSIST_ID_LEN)) {
        snprintf(err, errcap, "id %s appears twice", id);
        return -1;
    }
    i = skip_ws(text, skip_ws(text, i + 1, len) + 1, len); /* past ':' */
    size_t used = 0;
    json_object *v = NULL;
    if (rt_json_scan(text + i, len - i, 2, &used) < 0 || rt_json_parse(text + i, used, 2, &v) < 0 ||
        !json_object_is_type(v, json_type_string)) {
        json_object_put(v);
        snprintf(err, errcap, "id %s: the document is not a string", id);
        return -1;
    }
    const char *doc = json_object_get_string(v);
    size_t dlen = (size_t)json_object_get_string_len(v);
    gql_persist_hash(doc, dlen, hash);
    entry_t *e = NULL;
    int rc = -1;
    if (strcmp(hash, id) != 0) {
        snprintf(err, errcap, "id %s is not the SHA-256 of its document (%s)", id, hash);
    } else if (!(e = entry_new(id, doc, dlen)) || rt_map_put(m->map, id, GQL_PERSIST_ID_LEN, e, NULL) < 0) {
        entry_free(e);
        snprintf(err, errcap, "out of memory");
    } else {
        rc = 0;
    }
    json_object_put(v);
    *pos = i + used;
    return rc;
}

int gql_persist_manifest_parse(const char *text, size_t len, gql_persist_manifest_t **out, char *err, size_t errcap)
{
    *out = NULL;
    if (len > GQL_PERSIST_MAX_FILE_BYTES) {
        snprintf(err, errcap, "larger than %u bytes", GQL_PERSIST_MAX_FILE_BYTES);
        return -1;
    }
    if (rt_json_validate(text, len, 2) < 0) {
        snprintf(err, errcap, "not a JSON object of id -> document strings (bad JSON, or nested values)");
        return -1;
    }
    size_t i = skip_ws(text, 0, len);
    if (i >= len || text[i] != '{') {
        snprintf(err, errcap, "not a JSON object of id -> document strings");
        return -1;
    }
    gql_persist_manifest_t *m = calloc(1, sizeof *m);
    if (!m || !(m->map = rt_map_new())) {
        free(m);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    i = skip_ws(text, i + 1, len);
    while (i < len && text[i] == '"') {
        if (gql_persist_manifest_count(m) >= GQL_PERSIST_MAX_ENTRIES) {
            snprintf(err, errcap, "more than %d documents", GQL_PERSIST_MAX_ENTRIES);
            goto fail;
        }
        if (parse_member(m, text, len, &i, err, errcap) < 0)
            goto fail;
        i = skip_ws(text, i, len);
        if (i < len && text[i] == ',')
            i = skip_ws(text, i + 1, len);
    }
    *out = m;
    return 0;
fail:
    gql_persist_manifest_free(m);
    return -1;
}

/* Reads a whole file of at most `max` bytes (caller frees *data). */
static int read_file(const char *path, size_t max, char **data, size_t *len, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    rt_buf_t b = RT_BUF_INIT;
    if (!f) {
        snprintf(err, errcap, "cannot open %s", path);
        return -1;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max) {
            snprintf(err, errcap, "%s is larger than %zu bytes", path, max);
            goto fail;
        }
        if (rt_buf_append(&b, chunk, n) < 0) {
            snprintf(err, errcap, "out of memory reading %s", path);
            goto fail;
        }
    }
    if (ferror(f)) {
        snprintf(err, errcap, "cannot read %s", path);
        goto fail;
    }
    fclose(f);
    *len = b.len;
    *data = b.data ? b.data : calloc(1, 1);
    return *data ? 0 : -1;
fail:
    fclose(f);
    rt_buf_free(&b);
    return -1;
}

static int load_manifest(const char *path, gql_persist_manifest_t **out, char *err, size_t errcap)
{
    char *data = NULL, inner[200];
    size_t len = 0;
    if (read_file(path, GQL_PERSIST_MAX_FILE_BYTES, &data, &len, err, errcap) < 0)
        return -1;
    int rc = gql_persist_manifest_parse(data, len, out, inner, sizeof inner);
    if (rc < 0)
        snprintf(err, errcap, "%s: %s", path, inner);
    free(data);
    return rc;
}

int gql_persist_print_entry(const char *path, FILE *out, FILE *err)
{
    char *doc = NULL, msg[300], id[GQL_PERSIST_ID_LEN + 1];
    size_t len = 0;
    if (read_file(path, GQL_PERSIST_APQ_MAX_BYTES, &doc, &len, msg, sizeof msg) < 0) {
        fprintf(err, "blobhub-realtime: %s\n", msg);
        return -1;
    }
    gql_persist_hash(doc, len, id);
    rt_buf_t b = RT_BUF_INIT;
    int rc = rt_buf_printf(&b, "{\"%s\":", id) | rt_buf_json_str(&b, doc, len) | rt_buf_puts(&b, "}\n");
    if (rc == 0)
        fwrite(b.data, 1, b.len, out);
    else
        fprintf(err, "blobhub-realtime: out of memory\n");
    rt_buf_free(&b);
    free(doc);
    return rc ? -1 : 0;
}

/* ---- engine ---- */

int gql_persist_new(const char *path, bool allow_list_only, int apq_entries, gql_persist_t **out, char *err,
                    size_t errcap)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errcap, "libsodium did not initialise");
        return -1;
    }
    gql_persist_t *p = calloc(1, sizeof *p);
    if (!p || (path && !(p->path = strdup(path))) || !(p->apq = rt_map_new())) {
        if (p)
            free(p->path);
        free(p);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    p->allow_list_only = allow_list_only;
    p->apq_entries = allow_list_only ? 0 : apq_entries;
    pthread_mutex_init(&p->lock, NULL);
    if (path && load_manifest(path, &p->manifest, err, errcap) < 0) {
        gql_persist_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void gql_persist_free(gql_persist_t *p)
{
    if (!p)
        return;
    gql_persist_manifest_free(p->manifest);
    rt_map_free(p->apq, entry_free);
    pthread_mutex_destroy(&p->lock);
    free(p->path);
    free(p);
}

void gql_persist_swap(gql_persist_t *p, gql_persist_manifest_t *m)
{
    pthread_mutex_lock(&p->lock);
    gql_persist_manifest_t *old = p->manifest;
    p->manifest = m;
    pthread_mutex_unlock(&p->lock);
    gql_persist_manifest_free(old);
}

int gql_persist_reload(gql_persist_t *p, char *err, size_t errcap)
{
    if (!p || !p->path) {
        snprintf(err, errcap, "no --persisted-operations file to reload");
        return -1;
    }
    gql_persist_manifest_t *m = NULL;
    if (load_manifest(p->path, &m, err, errcap) < 0)
        return -1;
    gql_persist_swap(p, m);
    return 0;
}

void gql_persist_counters(gql_persist_t *p, gql_persist_counters_t *out)
{
    memset(out, 0, sizeof *out);
    if (!p)
        return;
    out->hits = atomic_load_explicit(&p->hits, memory_order_relaxed);
    out->misses = atomic_load_explicit(&p->misses, memory_order_relaxed);
    out->refusals = atomic_load_explicit(&p->refusals, memory_order_relaxed);
    pthread_mutex_lock(&p->lock);
    out->cached = (long)rt_map_count(p->apq);
    out->manifest = gql_persist_manifest_count(p->manifest);
    pthread_mutex_unlock(&p->lock);
}

/* ---- the automatic persisted queries cache (lock held) ---- */

static void lru_unlink(gql_persist_t *p, entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        p->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        p->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(gql_persist_t *p, entry_t *e)
{
    e->next = p->lru_head;
    if (p->lru_head)
        p->lru_head->prev = e;
    p->lru_head = e;
    if (!p->lru_tail)
        p->lru_tail = e;
}

static void apq_evict_one(gql_persist_t *p)
{
    entry_t *e = p->lru_tail;
    lru_unlink(p, e);
    rt_map_remove(p->apq, e->id, GQL_PERSIST_ID_LEN);
    p->apq_bytes -= e->len;
    entry_free(e);
}

/* Caches a text under its id. Failing to cache (no memory, too large) is not an error. */
static void apq_put(gql_persist_t *p, const char *id, const char *doc, size_t len)
{
    if (p->apq_entries <= 0 || len > GQL_PERSIST_APQ_MAX_DOC_BYTES || rt_map_get(p->apq, id, GQL_PERSIST_ID_LEN))
        return;
    entry_t *e = entry_new(id, doc, len);
    if (!e)
        return;
    while (p->lru_tail &&
           ((int)rt_map_count(p->apq) >= p->apq_entries || p->apq_bytes + len > GQL_PERSIST_APQ_MAX_BYTES))
        apq_evict_one(p);
    if (rt_map_put(p->apq, id, GQL_PERSIST_ID_LEN, e, NULL) < 0) {
        entry_free(e);
        return;
    }
    lru_push_front(p, e);
    p->apq_bytes += len;
}

/* A copy of the document under id from the manifest or (not allow-list-only) the cache. */
static char *lookup(gql_persist_t *p, const char *id, size_t *len, bool *nomem)
{
    pthread_mutex_lock(&p->lock);
    entry_t *e = p->manifest ? rt_map_get(p->manifest->map, id, GQL_PERSIST_ID_LEN) : NULL;
    if (!e && !p->allow_list_only) {
        e = rt_map_get(p->apq, id, GQL_PERSIST_ID_LEN);
        if (e) {
            lru_unlink(p, e);
            lru_push_front(p, e);
        }
    }
    char *doc = NULL;
    if (e) {
        doc = malloc(e->len + 1);
        if (doc) {
            memcpy(doc, e->doc, e->len + 1);
            *len = e->len;
        } else {
            *nomem = true;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return doc;
}

static bool in_manifest(gql_persist_t *p, const char *id)
{
    pthread_mutex_lock(&p->lock);
    bool found = p->manifest && rt_map_get(p->manifest->map, id, GQL_PERSIST_ID_LEN);
    pthread_mutex_unlock(&p->lock);
    return found;
}

/* ---- resolve ---- */

static int fail_with(json_object **errors, const char *message, const char *code)
{
    *errors = json_object_new_array();
    json_object *e = gql_error_new(message, code);
    if (!*errors || !e || json_object_array_add(*errors, e) < 0) {
        json_object_put(e);
        json_object_put(*errors);
        *errors = NULL;
        return GQL_ERR_NOMEM;
    }
    return GQL_ERR_PERSISTED;
}

/* The id a request names: extensions.persistedQuery.sha256Hash (version 1) or documentId.
 * 0 with *named false when it names none; -1 with *errors when the naming is malformed. */
static int named_id(json_object *extensions, const char *document_id, char id[GQL_PERSIST_ID_LEN + 1], bool *named,
                    json_object **errors, int *rc)
{
    *named = false;
    json_object *pq = rt_json_get(extensions, "persistedQuery");
    const char *raw = document_id;
    if (pq && !json_object_is_type(pq, json_type_null)) {
        json_object *ver = rt_json_get(pq, "version"), *hash = rt_json_get(pq, "sha256Hash");
        if (!json_object_is_type(ver, json_type_int) || json_object_get_int64(ver) != 1) {
            *rc = fail_with(errors, "Unsupported persisted query version", "BAD_REQUEST");
            return -1;
        }
        raw = hash && json_object_is_type(hash, json_type_string) ? json_object_get_string(hash) : "";
    }
    if (!raw)
        return 0;
    if (normalise_id(raw, strlen(raw), id) < 0) {
        *rc = fail_with(errors, "The persisted query id must be the 64 hex digits of a SHA-256", "BAD_REQUEST");
        return -1;
    }
    *named = true;
    return 0;
}

int gql_persist_resolve(gql_persist_t *p, gql_persist_via_t via, const char *query, size_t query_len,
                        json_object *extensions, const char *document_id, char **doc, size_t *doc_len,
                        json_object **errors)
{
    *doc = NULL;
    *errors = NULL;
    if (!p)
        return GQL_OK;
    char id[GQL_PERSIST_ID_LEN + 1], text_id[GQL_PERSIST_ID_LEN + 1];
    bool named = false, has_text = query && query_len > 0;
    int rc = GQL_OK;
    if (named_id(extensions, document_id, id, &named, errors, &rc) < 0)
        return rc;
    if (named && !has_text) {
        bool nomem = false;
        *doc = lookup(p, id, doc_len, &nomem);
        if (nomem)
            return GQL_ERR_NOMEM;
        if (*doc) {
            atomic_fetch_add_explicit(&p->hits, 1, memory_order_relaxed);
            return GQL_OK;
        }
        atomic_fetch_add_explicit(&p->misses, 1, memory_order_relaxed);
        return fail_with(errors, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND");
    }
    if (!has_text)
        return GQL_OK; /* no document at all: the request layer says so */
    gql_persist_hash(query, query_len, text_id);
    if (named && strcmp(id, text_id) != 0)
        return fail_with(errors, "provided sha does not match query", "BAD_REQUEST");
    if (p->allow_list_only) {
        if (in_manifest(p, text_id))
            return GQL_OK;
        atomic_fetch_add_explicit(&p->refusals, 1, memory_order_relaxed);
        return fail_with(errors, "This operation is not in the persisted operations allow-list",
                         "OPERATION_NOT_ALLOWED");
    }
    if (named && via == GQL_PERSIST_HTTP) {
        pthread_mutex_lock(&p->lock);
        apq_put(p, text_id, query, query_len);
        pthread_mutex_unlock(&p->lock);
    }
    return GQL_OK;
}

/* Redis implementation of store.h for cluster mode: every server process shares node state
 * (one string key per node, a set of ids per type) and the change log (one stream). A writer
 * thread per process applies requests with optimistic concurrency (WATCH the nodes read,
 * compute changes in C exactly as the SQLite store does, MULTI/EXEC; a conflict recomputes),
 * and a reader thread follows the stream so that every server's changes reach its watcher in
 * log order, whichever server accepted them. */
#include "store/redis/store_redis.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store_writer.h"
#include "util/util_clock.h"
#include "util/util_log.h"

#define KEY_LOG "bh:log"
#define MAX_RETRIES 20
#define GROUP_MAX_JOBS 256

struct redis_store;

typedef struct sid {
    uint64_t ms, n;
} sid_t;

typedef struct redis_store {
    store_t base;
    char *host;
    int port, db;
    long retention_sec, retention_max;
    char producer[17];
    redisContext *w; /* writer thread */
    redisContext *r; /* readers, under rmu */
    pthread_mutex_t rmu;
    pthread_t watch_thread;
    bool watch_started;
    atomic_bool stopping; /* the follower ends */
    int64_t last_trim_ms;
    rt_taskq_t *watch_q;
    store_changes_fn watch_fn;
    void *watch_ctx;
    char watch_from[STORE_CURSOR_MAX]; /* stream id (without 'r') to follow from */
    /* Set by the first directory load: the stream's head just before it, so the follower starts
     * no later than the directory it loaded (nothing published meanwhile is missed). */
    bool loaded;
    sid_t loaded_from;
    store_gap_fn gap_fn;
    void *gap_ctx;
    /* Whether the last exchange with Redis succeeded (any thread): store_ready. */
    atomic_bool reachable;
    /* Writer thread: counts connections of `w`, so a transaction notices a reconnect between
     * its WATCH and its EXEC (the new connection holds no WATCH). */
    unsigned w_gen;
    store_redis_hook_fn hook;
    void *hook_ctx;
} redis_store_t;

/* ---- cursors: "r<ms>-<n>", the stream id ---- */

static int parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return -1;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return 0;
}

static int sid_parse(const char *s, sid_t *id)
{
    if (!s || parse_u64(&s, &id->ms) != 0 || *s++ != '-' || parse_u64(&s, &id->n) != 0 || *s)
        return -1;
    return 0;
}

static int sid_cmp(sid_t a, sid_t b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    return a.n == b.n ? 0 : a.n < b.n ? -1 : 1;
}

static void sid_cursor(sid_t id, char out[STORE_CURSOR_MAX])
{
    snprintf(out, STORE_CURSOR_MAX, "r%" PRIu64 "-%" PRIu64, id.ms, id.n);
}

/* A 64-bit position for layers that order by number: 20 bits of sequence within a millisecond. */
static uint64_t sid_seq(sid_t id) { return (id.ms << 20) | (id.n < (1u << 20) ? id.n : (1u << 20) - 1); }

static int cursor_parse(const char *c, sid_t *id)
{
    if (!c || c[0] != 'r' || sid_parse(c + 1, id) != 0 || id->ms >= (1ull << 43))
        return STORE_ERR_CURSOR_MALFORMED;
    return 0;
}

/* ---- connections and replies ---- */

static redisContext *connect_to(redis_store_t *s)
{
    struct timeval tv = {5, 0};
    redisContext *c = redisConnectWithTimeout(s->host, s->port, tv);
    if (!c || c->err) {
        rt_log_error("store", "redis %s:%d: %s", s->host, s->port, c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    /* A Redis that hangs (stopped, network partition) fails commands instead of blocking a thread. */
    redisSetTimeout(c, tv);
    if (s->db > 0) {
        redisReply *r = redisCommand(c, "SELECT %d", s->db);
        bool ok = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

/* Runs a command; on a broken connection reconnects once and retries. */
static redisReply *run(redis_store_t *s, redisContext **c, int argc, const char **argv, const size_t *lens)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!*c) {
            if (!(*c = connect_to(s))) {
                atomic_store(&s->reachable, false);
                return NULL;
            }
            if (c == &s->w)
                s->w_gen++;
        }
        redisReply *r = redisCommandArgv(*c, argc, argv, lens);
        if (r) {
            atomic_store(&s->reachable, true);
            return r;
        }
        rt_log_warn("store", "redis connection lost: %s", (*c)->errstr);
        redisFree(*c);
        *c = NULL;
    }
    atomic_store(&s->reachable, false);
    return NULL;
}

static redisReply *run1(redis_store_t *s, redisContext **c, const char *a, const char *b)
{
    const char *argv[2] = {a, b};
    return run(s, c, b ? 2 : 1, argv, NULL);
}

/* Stream bounds: the newest id ever added, and the newest id that may have been removed. Redis
 * 7.0 reports XDEL in max-deleted-entry-id but not trimming; when entries were trimmed, every id
 * below the first retained one counts as removed (a cursor exactly at the last trimmed entry is
 * then called expired, conservatively). */
static int stream_bounds(redis_store_t *s, redisContext **c, sid_t *last, sid_t *deleted)
{
    const char *argv[] = {"XINFO", "STREAM", KEY_LOG};
    redisReply *r = run(s, c, 3, argv, NULL);
    *last = (sid_t){0, 0};
    *deleted = (sid_t){0, 0};
    if (!r)
        return STORE_ERR_IO;
    int rc = 0;
    long long added = 0, length = 0;
    sid_t first = {0, 0};
    bool have_first = false;
    if (r->type == REDIS_REPLY_ERROR) {
        rc = strstr(r->str, "no such key") ? 0 : STORE_ERR_IO;
    } else if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            redisReply *k = r->element[i], *v = r->element[i + 1];
            if (k->type != REDIS_REPLY_STRING && k->type != REDIS_REPLY_STATUS)
                continue;
            if (v->type == REDIS_REPLY_INTEGER) {
                if (strcmp(k->str, "entries-added") == 0)
                    added = v->integer;
                else if (strcmp(k->str, "length") == 0)
                    length = v->integer;
                continue;
            }
            if (v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_STATUS)
                continue;
            if (strcmp(k->str, "last-generated-id") == 0)
                sid_parse(v->str, last);
            else if (strcmp(k->str, "max-deleted-entry-id") == 0)
                sid_parse(v->str, deleted);
            else if (strcmp(k->str, "recorded-first-entry-id") == 0)
                have_first = sid_parse(v->str, &first) == 0;
        }
        if (added > length) {
            sid_t below = *last; /* everything trimmed */
            if (length > 0 && have_first) {
                below = first.n > 0 ? (sid_t){first.ms, first.n - 1} : (sid_t){first.ms - 1, UINT64_MAX};
            }
            if (sid_cmp(below, *deleted) > 0)
                *deleted = below;
        }
    } else {
        rc = STORE_ERR_IO;
    }
    freeReplyObject(r);
    return rc;
}

/* ---- change log entries ---- */

static json_object *parse_or_null(const char *t) { return store_json_parse(t); }

/* One XRANGE/XREAD entry [id, [field, value, ...]] -> change; -1 when unusable. */
static int entry_change(redisReply *e, store_change_t *c)
{
    memset(c, 0, sizeof *c);
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING ||
        e->element[1]->type != REDIS_REPLY_ARRAY)
        return -1;
    sid_t id;
    if (sid_parse(e->element[0]->str, &id) != 0)
        return -1;
    c->seq = sid_seq(id);
    sid_cursor(id, c->cursor);
    redisReply *f = e->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const char *k = f->element[i]->str, *v = f->element[i + 1]->str;
        if (!k || !v)
            continue;
        if (!strcmp(k, "ty"))
            c->type = store_type_static(v);
        else if (!strcmp(k, "id"))
            c->id = strdup(v);
        else if (!strcmp(k, "m"))
            c->mutation = (store_mutation_t)atoi(v);
        else if (!strcmp(k, "t"))
            c->time_ms = strtoll(v, NULL, 10);
        else if (!strcmp(k, "n"))
            c->node = parse_or_null(v);
        else if (!strcmp(k, "pv"))
            c->previous = parse_or_null(v);
        else if (!strcmp(k, "u"))
            c->updated_fields = parse_or_null(v);
        else if (!strcmp(k, "o"))
            c->organization_id = strdup(v);
        else if (!strcmp(k, "b"))
            c->blob_id = strdup(v);
        else if (!strcmp(k, "s"))
            c->session_id = strdup(v);
        else if (!strcmp(k, "e"))
            c->execution_id = strdup(v);
    }
    if (!c->type || !c->id || c->mutation < STORE_CREATED || c->mutation > STORE_DELETED)
        return -1;
    return 0;
}

/* ---- writer ---- */

static char *node_key(const char *type, const char *id)
{
    char *k = NULL;
    return asprintf(&k, "bh:n:%s:%s", type, id) < 0 ? NULL : k;
}

/* The state of `key` as this group sees it: the job's writes, the group's, then the store's.
 * Returns a new reference or NULL (absent/deleted). */
static json_object *state_of(json_object *job_ov, json_object *group_ov, json_object *base, const char *key)
{
    json_object *v;
    if (json_object_object_get_ex(job_ov, key, &v) || json_object_object_get_ex(group_ov, key, &v) ||
        json_object_object_get_ex(base, key, &v))
        return v ? store_json_parse(json_object_get_string(v)) : NULL;
    return NULL;
}

typedef struct cmdbuf {
    const char **argv;
    size_t *lens;
    char **owned;
    int n, cap, nowned, capowned;
} cmdbuf_t;

static int cb_add(cmdbuf_t *b, const char *s, bool own)
{
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 32;
        const char **a = realloc(b->argv, (size_t)cap * sizeof *a);
        if (!a)
            return -1;
        b->argv = a;
        size_t *l = realloc(b->lens, (size_t)cap * sizeof *l);
        if (!l)
            return -1;
        b->lens = l;
        b->cap = cap;
    }
    char *copy = own ? strdup(s) : NULL;
    if (own) {
        if (!copy)
            return -1;
        if (b->nowned == b->capowned) {
            int cap = b->capowned ? b->capowned * 2 : 32;
            char **o = realloc(b->owned, (size_t)cap * sizeof *o);
            if (!o) {
                free(copy);
                return -1;
            }
            b->owned = o;
            b->capowned = cap;
        }
        b->owned[b->nowned++] = copy;
    }
    b->argv[b->n] = own ? copy : s;
    b->lens[b->n] = strlen(b->argv[b->n]);
    b->n++;
    return 0;
}

static void cb_reset(cmdbuf_t *b)
{
    for (int i = 0; i < b->nowned; i++)
        free(b->owned[i]);
    b->nowned = 0;
    b->n = 0;
}

static void cb_free(cmdbuf_t *b)
{
    cb_reset(b);
    free(b->argv);
    free(b->lens);
    free(b->owned);
}

static const char *jtext(json_object *o) { return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN); }

/* Computes one job against the overlays; on success its writes join the group's overlay. */
static void compute_job(redis_store_t *s, store_job_t *j, json_object *group_ov, json_object *base)
{
    json_object *job_ov = json_object_new_object();
    if (!job_ov) {
        store_job_fail(j, STORE_ERR_NOMEM, -1, NULL);
        return;
    }
    for (int i = 0; i < j->n && j->status == 0; i++) {
        store_record_t *r = &j->records[i];
        char *key = node_key(r->type, r->id), *msg = NULL;
        json_object *old = key ? state_of(job_ov, group_ov, base, key) : NULL, *next = NULL;
        store_change_t c = {0};
        bool changed = false;
        int rc = key ? store_change_compute(&s->base, r, old, &changed, &next, &c, &msg) : STORE_ERR_NOMEM;
        if (rc == 0 && changed) {
            c.type = r->type;
            c.id = strdup(r->id);
            c.time_ms = rt_wall_now().ms;
            json_object *n = c.node ? c.node : c.previous, *jb = NULL, *borg = NULL, *blob = NULL;
            if (strcmp(r->type, "Blob") != 0 && json_object_object_get_ex(n, "blobId", &jb) &&
                json_object_get_type(jb) == json_type_string) {
                char *bk = node_key("Blob", json_object_get_string(jb));
                blob = bk ? state_of(job_ov, group_ov, base, bk) : NULL;
                if (bk && !blob && !json_object_object_get_ex(job_ov, bk, NULL) &&
                    !json_object_object_get_ex(group_ov, bk, NULL) && !json_object_object_get_ex(base, bk, NULL)) {
                    /* not read yet: the blob is only needed for its organization (not watched) */
                    redisReply *rr = run1(s, &s->w, "GET", bk);
                    if (rr && rr->type == REDIS_REPLY_STRING)
                        blob = store_json_parse(rr->str);
                    /* remembered for the group's other records of this blob (read-only use) */
                    if (rr)
                        json_object_object_add(base, bk,
                                               rr->type == REDIS_REPLY_STRING ? json_object_new_string(rr->str) : NULL);
                    if (rr)
                        freeReplyObject(rr);
                }
                free(bk);
                json_object_object_get_ex(blob, "organizationId", &borg);
            }
            rc = c.id ? store_change_owners(&c, borg && json_object_get_type(borg) == json_type_string
                                                    ? json_object_get_string(borg)
                                                    : NULL)
                      : STORE_ERR_NOMEM;
            json_object_put(blob);
            if (rc == 0)
                json_object_object_add(job_ov, key,
                                       c.mutation == STORE_DELETED ? NULL : json_object_new_string(jtext(next)));
            if (rc == 0)
                rc = store_job_add_change(j, &c);
        }
        if (rc != 0)
            store_job_fail(j, rc, i, msg);
        else
            free(msg);
        store_change_clear(&c);
        json_object_put(old);
        json_object_put(next);
        free(key);
    }
    if (j->status == 0) {
        json_object_object_foreach(job_ov, k, v) json_object_object_add(group_ov, k, json_object_get(v));
    } else {
        store_job_drop_changes(j);
    }
    json_object_put(job_ov);
}

/* One attempt: WATCH + read, compute, MULTI/EXEC. Returns 0 done, 1 conflict (retry), <0 error. */
/* Phase 1: WATCH every node the group names and read them into `base` (key -> JSON text or
 * null). *gen is the writer connection that holds the WATCH. 0 or a store error. */
static int watch_and_read(redis_store_t *s, store_job_t *group, json_object *base, unsigned *gen)
{
    cmdbuf_t b = {0};
    redisReply *rr = NULL;
    int rc = STORE_ERR_NOMEM, nkeys = 0;
    *gen = s->w_gen;
    if (cb_add(&b, "WATCH", false) != 0)
        goto out;
    for (store_job_t *j = group; j; j = j->next)
        for (int i = 0; j->status == 0 && i < j->n; i++) {
            char *k = node_key(j->records[i].type, j->records[i].id);
            int added = k ? cb_add(&b, k, true) : -1;
            free(k);
            if (added != 0)
                goto out;
            nkeys++;
        }
    rc = STORE_ERR_IO;
    if (nkeys == 0) {
        rc = 0;
        goto out;
    }
    rr = run(s, &s->w, b.n, b.argv, b.lens);
    if (!rr || rr->type == REDIS_REPLY_ERROR)
        goto out;
    freeReplyObject(rr);
    *gen = s->w_gen;
    if (s->hook)
        s->hook(s->hook_ctx, STORE_REDIS_HOOK_WATCHED);
    b.argv[0] = "MGET";
    b.lens[0] = 4;
    rr = run(s, &s->w, b.n, b.argv, b.lens);
    if (!rr || rr->type != REDIS_REPLY_ARRAY || (int)rr->elements != nkeys)
        goto out;
    for (int i = 0; i < nkeys; i++) {
        redisReply *e = rr->element[i];
        json_object_object_add(base, b.argv[i + 1],
                               e->type == REDIS_REPLY_STRING ? json_object_new_string(e->str) : NULL);
    }
    rc = 0;
out:
    if (rr)
        freeReplyObject(rr);
    cb_free(&b);
    return rc;
}

/* Appends one change's commands to the pipeline: SET/DEL, SADD/SREM, XADD. 0 or -1. */
static int queue_change(redis_store_t *s, cmdbuf_t *b, const store_change_t *c)
{
    char *key = node_key(c->type, c->id), *ids = NULL;
    if (!key || asprintf(&ids, "bh:ids:%s", c->type) < 0) {
        free(key);
        return -1;
    }
    const char *a[3];
    int ok1, ok2;
    if (c->mutation == STORE_DELETED) {
        a[0] = "DEL", a[1] = key;
        ok1 = redisAppendCommandArgv(s->w, 2, a, NULL);
        a[0] = "SREM", a[1] = ids, a[2] = c->id;
    } else {
        a[0] = "SET", a[1] = key, a[2] = jtext(c->node);
        ok1 = redisAppendCommandArgv(s->w, 3, a, NULL);
        a[0] = "SADD", a[1] = ids, a[2] = c->id;
    }
    ok2 = redisAppendCommandArgv(s->w, 3, a, NULL);
    free(key);
    free(ids);
    if (ok1 != REDIS_OK || ok2 != REDIS_OK)
        return -1;
    char maxlen[32], tbuf[32], mbuf[4];
    snprintf(maxlen, sizeof maxlen, "%ld", s->retention_max);
    snprintf(tbuf, sizeof tbuf, "%" PRId64, c->time_ms);
    snprintf(mbuf, sizeof mbuf, "%d", (int)c->mutation);
    cb_reset(b);
    const char *fixed[] = {"XADD", KEY_LOG, "MAXLEN", "~",     maxlen, "*",   "p", s->producer,
                           "t",    tbuf,    "ty",     c->type, "id",   c->id, "m", mbuf};
    for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
        if (cb_add(b, fixed[k], false))
            return -1;
    if (c->node && (cb_add(b, "n", false) || cb_add(b, jtext(c->node), true)))
        return -1;
    if (c->previous && (cb_add(b, "pv", false) || cb_add(b, jtext(c->previous), true)))
        return -1;
    if (c->updated_fields && (cb_add(b, "u", false) || cb_add(b, jtext(c->updated_fields), true)))
        return -1;
    const struct {
        const char *k, *v;
    } owners[] = {{"o", c->organization_id}, {"b", c->blob_id}, {"s", c->session_id}, {"e", c->execution_id}};
    for (size_t k = 0; k < 4; k++)
        if (owners[k].v && (cb_add(b, owners[k].k, false) || cb_add(b, owners[k].v, false)))
            return -1;
    return redisAppendCommandArgv(s->w, b->n, b->argv, b->lens) == REDIS_OK ? 0 : -1;
}

/* Phase 3: MULTI, every change's commands, EXEC, pipelined (one round trip). Returns how many
 * replies to read, or -1. */
static int queue_transaction(redis_store_t *s, store_job_t *group)
{
    cmdbuf_t b = {0};
    const char *multi[] = {"MULTI"}, *exec_cmd[] = {"EXEC"};
    int queued = -1;
    if (redisAppendCommandArgv(s->w, 1, multi, NULL) != REDIS_OK)
        goto out;
    int n = 1;
    for (store_job_t *j = group; j; j = j->next)
        for (int i = 0; j->status == 0 && i < j->nchanges; i++) {
            if (queue_change(s, &b, &j->changes[i]) != 0)
                goto out;
            n += 3;
        }
    if (redisAppendCommandArgv(s->w, 1, exec_cmd, NULL) != REDIS_OK)
        goto out;
    queued = n + 1;
out:
    cb_free(&b);
    return queued;
}

/* Phase 4: MULTI's OK and one QUEUED per command, then EXEC's array, whose XADD ids become the
 * changes' cursors. 0 committed, 1 a watched node changed meanwhile, or STORE_ERR_IO. */
static int read_exec(redis_store_t *s, store_job_t *group, int queued)
{
    redisReply *rr = NULL;
    int rc = 0;
    for (int i = 0; i < queued; i++) {
        void *reply = NULL;
        if (redisGetReply(s->w, &reply) != REDIS_OK || !reply) {
            rt_log_warn("store", "redis connection lost: %s", s->w->errstr);
            atomic_store(&s->reachable, false);
            if (rr)
                freeReplyObject(rr);
            return STORE_ERR_IO;
        }
        if (i < queued - 1) {
            redisReply *q = reply;
            if (q->type != REDIS_REPLY_STATUS)
                rc = STORE_ERR_IO; /* keep reading so the connection stays in step */
            freeReplyObject(q);
        } else {
            rr = reply;
        }
    }
    if (rc == 0 && rr->type == REDIS_REPLY_NIL)
        rc = 1; /* another server changed a watched node: recompute */
    else if (rc == 0 && rr->type != REDIS_REPLY_ARRAY)
        rc = STORE_ERR_IO;
    /* replies come in command order: SET/DEL, SADD/SREM, XADD per change */
    size_t at = 0;
    for (store_job_t *j = group; rc == 0 && j; j = j->next)
        for (int i = 0; rc == 0 && j->status == 0 && i < j->nchanges; i++) {
            at += 3;
            redisReply *x = at - 1 < rr->elements ? rr->element[at - 1] : NULL;
            sid_t id;
            if (!x || x->type != REDIS_REPLY_STRING || sid_parse(x->str, &id) != 0) {
                rc = STORE_ERR_IO;
                break;
            }
            j->changes[i].seq = sid_seq(id);
            sid_cursor(id, j->changes[i].cursor);
        }
    freeReplyObject(rr);
    return rc;
}

/* One attempt: WATCH + read, compute, MULTI/EXEC. Returns 0 done, 1 conflict (retry), <0 error. */
static int attempt_group(redis_store_t *s, store_job_t *group)
{
    json_object *base = json_object_new_object(), *group_ov = json_object_new_object();
    unsigned gen = 0;
    int rc = base && group_ov ? watch_and_read(s, group, base, &gen) : STORE_ERR_NOMEM;
    int nchanges = 0;
    for (store_job_t *j = group; rc == 0 && j; j = j->next) {
        if (j->status != 0)
            continue;
        compute_job(s, j, group_ov, base); /* phase 2 */
        nchanges += j->nchanges;
    }
    json_object_put(base);
    json_object_put(group_ov);
    if (rc != 0)
        return rc;
    if (nchanges == 0) {
        redisReply *r = run1(s, &s->w, "UNWATCH", NULL);
        if (r)
            freeReplyObject(r);
        return 0;
    }
    if (s->hook)
        s->hook(s->hook_ctx, STORE_REDIS_HOOK_COMPUTED);
    if (!s->w)
        return STORE_ERR_IO;
    if (s->w_gen != gen)
        return 1; /* reconnected since the WATCH: this connection guards nothing, so start over */
    int queued = queue_transaction(s, group);
    rc = queued < 0 ? STORE_ERR_IO : read_exec(s, group, queued);
    if (rc < 0) {
        /* the connection may hold half a pipeline: start the next attempt on a fresh one */
        redisFree(s->w);
        s->w = NULL;
    }
    return rc;
}

/* The writer's apply step: optimistic transactions until one is not disturbed. */
static void apply_group(void *impl, store_job_t *group)
{
    redis_store_t *s = impl;
    int rc = 1;
    for (int attempt = 0; rc == 1 && attempt < MAX_RETRIES; attempt++) {
        rc = attempt_group(s, group);
        if (rc != 0) {
            /* start over: a retry recomputes every job that passed its prepare step */
            for (store_job_t *j = group; j; j = j->next) {
                store_job_drop_changes(j);
                if (j->status != 0 && !j->errors) {
                    j->status = 0;
                    j->error_index = -1;
                }
            }
        }
    }
    sid_t last = {0, 0}, del;
    if (rc == 0)
        stream_bounds(s, &s->w, &last, &del);
    char head[STORE_CURSOR_MAX];
    sid_cursor(last, head);
    for (store_job_t *j = group; j; j = j->next) {
        if (rc != 0 && j->status == 0 && rc != 1 && !atomic_load(&s->reachable))
            store_job_fail(j, STORE_ERR_UNAVAILABLE, -1, strdup("redis unreachable"));
        else if (rc != 0 && j->status == 0)
            store_job_fail(j, STORE_ERR_IO, -1, strdup(rc == 1 ? "too much contention, retry" : "storage error"));
        if (j->status == 0)
            memcpy(j->cursor, j->nchanges ? j->changes[j->nchanges - 1].cursor : head, STORE_CURSOR_MAX);
    }
}

/* After the answers: trim the log by age, about once a second. */
static void after_group(void *impl)
{
    redis_store_t *s = impl;
    int64_t now = rt_wall_now().ms;
    if (now - s->last_trim_ms >= 1000) {
        s->last_trim_ms = now;
        char minid[48];
        snprintf(minid, sizeof minid, "%" PRId64 "-0", now - (int64_t)s->retention_sec * 1000);
        const char *a[] = {"XTRIM", KEY_LOG, "MINID", "~", minid};
        redisReply *r = run(s, &s->w, 5, a, NULL);
        if (r)
            freeReplyObject(r);
    }
}

static const store_writer_ops_t writer_ops = {
    .apply = apply_group,
    .after = after_group,
    .max_jobs = GROUP_MAX_JOBS,
    .max_weight = 1 << 30,
    .via_watch = true,
    .thread = "rt-store-writer",
};

/* ---- readers ---- */

static int r_get(store_t *base, const char *type, const char *id, json_object **out)
{
    redis_store_t *s = (redis_store_t *)base;
    *out = NULL;
    char *key = node_key(type, id);
    if (!key)
        return STORE_ERR_NOMEM;
    pthread_mutex_lock(&s->rmu);
    redisReply *r = run1(s, &s->r, "GET", key);
    pthread_mutex_unlock(&s->rmu);
    free(key);
    if (!r)
        return STORE_ERR_IO;
    int rc = 0;
    if (r->type == REDIS_REPLY_STRING)
        *out = store_json_parse(r->str);
    else if (r->type != REDIS_REPLY_NIL)
        rc = STORE_ERR_IO;
    freeReplyObject(r);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Every node of `type` (in id order), filtered by field == value when field is set. */
static int each_of_type(redis_store_t *s, const char *type, const char *field, const char *value, store_record_fn fn,
                        void *ctx)
{
    char *ids = NULL;
    if (asprintf(&ids, "bh:ids:%s", type) < 0)
        return STORE_ERR_NOMEM;
    pthread_mutex_lock(&s->rmu);
    redisReply *m = run1(s, &s->r, "SMEMBERS", ids);
    free(ids);
    int rc = 0;
    if (!m || m->type != REDIS_REPLY_ARRAY) {
        rc = STORE_ERR_IO;
        goto out;
    }
    const char **names = calloc(m->elements + 1, sizeof *names);
    if (!names) {
        rc = STORE_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < m->elements; i++)
        names[i] = m->element[i]->str ? m->element[i]->str : "";
    qsort(names, m->elements, sizeof *names, cmp_str);
    for (size_t i = 0; rc == 0 && i < m->elements; i++) {
        char *key = node_key(type, names[i]);
        redisReply *g = key ? run1(s, &s->r, "GET", key) : NULL;
        free(key);
        if (!g) {
            rc = STORE_ERR_IO;
            break;
        }
        json_object *node = g->type == REDIS_REPLY_STRING ? store_json_parse(g->str) : NULL, *v = NULL;
        freeReplyObject(g);
        bool match = node && (!field || (json_object_object_get_ex(node, field, &v) &&
                                         json_object_get_type(v) == json_type_string &&
                                         strcmp(json_object_get_string(v), value ? value : "") == 0));
        if (match)
            fn(ctx, type, names[i], node);
        json_object_put(node);
    }
    free(names);
out:
    if (m)
        freeReplyObject(m);
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

static int r_find(store_t *base, const char *type, const char *field, const char *value, store_record_fn fn, void *ctx)
{
    return each_of_type((redis_store_t *)base, type, field, value, fn, ctx);
}

static int r_load_directory(store_t *base, store_record_fn fn, void *ctx)
{
    redis_store_t *s = (redis_store_t *)base;
    int rc = 0;
    if (!s->loaded && !s->watch_started) {
        sid_t last, deleted;
        pthread_mutex_lock(&s->rmu);
        rc = stream_bounds(s, &s->r, &last, &deleted);
        pthread_mutex_unlock(&s->rmu);
        if (rc != 0)
            return rc;
        s->loaded_from = last;
        s->loaded = true;
    }
    for (int i = 0; rc == 0 && store_directory_order(i); i++)
        rc = each_of_type((redis_store_t *)base, store_directory_order(i), NULL, NULL, fn, ctx);
    return rc;
}

/* Caller holds rmu. */
static int check_locked(redis_store_t *s, const char *cursor, sid_t *id)
{
    if (cursor_parse(cursor, id) != 0)
        return STORE_ERR_CURSOR_MALFORMED;
    sid_t last, deleted;
    if (stream_bounds(s, &s->r, &last, &deleted) != 0)
        return STORE_ERR_IO;
    if (sid_cmp(*id, last) > 0)
        return STORE_ERR_CURSOR_MALFORMED;
    if (sid_cmp(*id, deleted) < 0)
        return STORE_ERR_CURSOR_EXPIRED;
    return 0;
}

static int r_cursor_check(store_t *base, const char *cursor)
{
    redis_store_t *s = (redis_store_t *)base;
    sid_t id;
    pthread_mutex_lock(&s->rmu);
    int rc = check_locked(s, cursor, &id);
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

static int r_log_head(store_t *base, char out[STORE_CURSOR_MAX])
{
    redis_store_t *s = (redis_store_t *)base;
    sid_t last, deleted;
    pthread_mutex_lock(&s->rmu);
    int rc = stream_bounds(s, &s->r, &last, &deleted);
    pthread_mutex_unlock(&s->rmu);
    sid_cursor(last, out);
    return rc;
}

static int r_log_read(store_t *base, const char *after, int max, store_change_fn fn, void *ctx)
{
    redis_store_t *s = (redis_store_t *)base;
    sid_t id = {0, 0};
    char start[64], count[16];
    int rc = 0, n = 0;
    pthread_mutex_lock(&s->rmu);
    if (after && *after) {
        rc = check_locked(s, after, &id);
        snprintf(start, sizeof start, "(%" PRIu64 "-%" PRIu64, id.ms, id.n);
    } else {
        snprintf(start, sizeof start, "-");
    }
    snprintf(count, sizeof count, "%d", max > 0 ? max : 1000);
    redisReply *r = NULL;
    if (rc == 0) {
        const char *a[] = {"XRANGE", KEY_LOG, start, "+", "COUNT", count};
        r = run(s, &s->r, 6, a, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY)
            rc = STORE_ERR_IO;
    }
    /* trimmed while we read? then the caller's position is gone after all */
    if (rc == 0 && after && *after) {
        sid_t last, deleted;
        if (stream_bounds(s, &s->r, &last, &deleted) != 0)
            rc = STORE_ERR_IO;
        else if (sid_cmp(id, deleted) < 0)
            rc = STORE_ERR_CURSOR_EXPIRED;
    }
    pthread_mutex_unlock(&s->rmu);
    for (size_t i = 0; rc == 0 && i < r->elements; i++) {
        store_change_t c;
        if (entry_change(r->element[i], &c) != 0) {
            store_change_clear(&c);
            continue;
        }
        n++;
        int stop = fn(ctx, &c);
        store_change_clear(&c);
        if (stop)
            break;
    }
    if (r)
        freeReplyObject(r);
    return rc == 0 ? n : rc;
}

/* ---- follower: every server's changes, in stream order, to the watcher ---- */

typedef struct rbatch {
    store_writer_item_t item; /* first: freed on the writer thread */
    store_writer_t *w;
    store_changes_fn fn;
    void *ctx;
    store_change_t *changes;
    int n;
} rbatch_t;

static void rbatch_free(store_writer_item_t *item)
{
    rbatch_t *b = (rbatch_t *)item;
    for (int i = 0; i < b->n; i++)
        store_change_clear(&b->changes[i]);
    free(b->changes);
    free(b);
}

static void rbatch_run(void *arg)
{
    rbatch_t *b = arg;
    b->fn(b->ctx, b->changes, b->n);
    store_writer_give_back(b->w, &b->item);
}

typedef struct gap_task {
    store_gap_fn fn;
    void *ctx;
} gap_task_t;

static void gap_run(void *arg)
{
    gap_task_t *g = arg;
    g->fn(g->ctx);
    free(g);
}

/* Follower thread: when entries after `from` were trimmed away, reports the gap and moves
 * `from` to the head (the caller's reload covers what was missed). Non-zero: Redis unreachable. */
static int follow_gap(redis_store_t *s, redisContext **c, char *from, size_t size)
{
    sid_t pos, last, deleted;
    if (stream_bounds(s, c, &last, &deleted) != 0)
        return -1;
    if (sid_parse(from, &pos) != 0 || sid_cmp(pos, deleted) >= 0)
        return 0;
    rt_log_warn("store", "change log trimmed past this server's position %s: reloading the directory", from);
    snprintf(from, size, "%" PRIu64 "-%" PRIu64, last.ms, last.n);
    gap_task_t *g = s->gap_fn ? malloc(sizeof *g) : NULL;
    if (g) {
        *g = (gap_task_t){s->gap_fn, s->gap_ctx};
        if (rt_taskq_push(s->watch_q, gap_run, g) != 0) {
            rt_log_error("store", "cannot report the change-log gap (out of memory)");
            free(g);
        }
    }
    return 0;
}

static void *watch_main(void *arg)
{
    redis_store_t *s = arg;
    redisContext *c = NULL;
    char from[64];
    snprintf(from, sizeof from, "%s", s->watch_from);
    for (;;) {
        if (atomic_load(&s->stopping))
            break;
        if (follow_gap(s, &c, from, sizeof from) != 0) {
            sleep(1);
            continue;
        }
        const char *a[] = {"XREAD", "COUNT", "1000", "BLOCK", "500", "STREAMS", KEY_LOG, from};
        redisReply *r = run(s, &c, 8, a, NULL);
        if (!r) {
            sleep(1);
            continue;
        }
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2) {
            redisReply *entries = r->element[0]->element[1];
            rbatch_t *b = calloc(1, sizeof *b);
            if (b)
                b->item.free_fn = rbatch_free;
            if (b && entries->elements)
                b->changes = calloc(entries->elements, sizeof *b->changes);
            for (size_t i = 0; b && b->changes && i < entries->elements; i++) {
                redisReply *e = entries->element[i];
                if (e->elements == 2 && e->element[0]->str)
                    snprintf(from, sizeof from, "%s", e->element[0]->str);
                if (entry_change(e, &b->changes[b->n]) == 0)
                    b->n++;
                else
                    store_change_clear(&b->changes[b->n]);
            }
            if (b && b->n > 0) {
                b->w = s->base.writer;
                b->fn = s->watch_fn;
                b->ctx = s->watch_ctx;
                store_writer_hold(s->base.writer);
                if (rt_taskq_push(s->watch_q, rbatch_run, b) == 0)
                    b = NULL;
                else
                    store_writer_unhold(s->base.writer);
            }
            if (b)
                rbatch_free(&b->item);
        }
        freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return NULL;
}

static int r_watch(store_t *base, rt_taskq_t *q, store_changes_fn fn, void *ctx)
{
    redis_store_t *s = (redis_store_t *)base;
    if (s->watch_started)
        return STORE_ERR_INVALID;
    sid_t last, deleted;
    pthread_mutex_lock(&s->rmu);
    int rc = stream_bounds(s, &s->r, &last, &deleted);
    pthread_mutex_unlock(&s->rmu);
    if (rc != 0)
        return rc;
    if (s->loaded)
        last = s->loaded_from; /* no later than the directory the caller loaded */
    snprintf(s->watch_from, sizeof s->watch_from, "%" PRIu64 "-%" PRIu64, last.ms, last.n);
    s->watch_q = q;
    s->watch_fn = fn;
    s->watch_ctx = ctx;
    if (pthread_create(&s->watch_thread, NULL, watch_main, s) != 0)
        return STORE_ERR_IO;
    s->watch_started = true;
    return 0;
}

static bool r_ready(store_t *base) { return atomic_load(&((redis_store_t *)base)->reachable); }

static int r_watch_gaps(store_t *base, store_gap_fn fn, void *ctx)
{
    redis_store_t *s = (redis_store_t *)base;
    if (s->watch_started)
        return STORE_ERR_INVALID;
    s->gap_fn = fn;
    s->gap_ctx = ctx;
    return 0;
}

void store_redis_set_hook(store_t *base, store_redis_hook_fn fn, void *ctx)
{
    redis_store_t *s = (redis_store_t *)base;
    s->hook = fn;
    s->hook_ctx = ctx;
}

static void r_close(store_t *base)
{
    redis_store_t *s = (redis_store_t *)base;
    atomic_store(&s->stopping, true);
    if (s->watch_started)
        pthread_join(s->watch_thread, NULL);
    store_writer_close(s->base.writer); /* results still queued keep the writer, not the store */
    if (s->w)
        redisFree(s->w);
    if (s->r)
        redisFree(s->r);
    free(s->host);
    pthread_mutex_destroy(&s->rmu);
    free(s);
}

static const store_ops_t redis_ops = {
    .name = "redis",
    .close = r_close,
    .get = r_get,
    .find = r_find,
    .load_directory = r_load_directory,
    .log_read = r_log_read,
    .log_head = r_log_head,
    .cursor_check = r_cursor_check,
    .watch = r_watch,
    .ready = r_ready,
    .watch_gaps = r_watch_gaps,
};

/* docs/ingestion.md wants accepted changes to survive a restart: say so when Redis is not set up for it. */
static void warn_durability(redis_store_t *s)
{
    const char *a[] = {"CONFIG", "GET", "append*"};
    redisReply *r = run(s, &s->r, 3, a, NULL);
    bool aof = false, always = false;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        const char *k = r->element[i]->str, *v = r->element[i + 1]->str;
        if (k && v && strcmp(k, "appendonly") == 0)
            aof = strcmp(v, "yes") == 0;
        if (k && v && strcmp(k, "appendfsync") == 0)
            always = strcmp(v, "always") == 0;
    }
    if (r)
        freeReplyObject(r);
    if (!aof || !always)
        rt_log_warn("store", "redis runs without appendonly yes + appendfsync always: accepted changes may be "
                             "lost if Redis restarts");
}

/* "redis://host[:port][/db]" or "host[:port]". */
static int parse_url(const char *url, char **host, int *port, int *db)
{
    const char *p = strncmp(url, "redis://", 8) == 0 ? url + 8 : url;
    const char *end = p + strcspn(p, ":/");
    if (end == p)
        return -1;
    *host = strndup(p, (size_t)(end - p));
    *port = 6379;
    *db = 0;
    if (*end == ':') {
        char *e;
        long v = strtol(end + 1, &e, 10);
        if (v <= 0 || v > 65535 || (*e && *e != '/'))
            return -1;
        *port = (int)v;
        end = e;
    }
    if (*end == '/' && end[1]) {
        char *e;
        long v = strtol(end + 1, &e, 10);
        if (v < 0 || v > 1000 || *e)
            return -1;
        *db = (int)v;
    }
    return *host ? 0 : -1;
}

store_t *store_redis_open(const store_redis_opts_t *o)
{
    redis_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &redis_ops;
    s->base.nodes = o->nodes;
    s->base.directory = o->directory;
    store_types_init(&s->base);
    s->retention_sec = o->retention_sec;
    s->retention_max = o->retention_max;
    pthread_mutex_init(&s->rmu, NULL);
    unsigned char rnd[8];
    if (sodium_init() < 0)
        goto fail;
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(s->producer, sizeof s->producer, rnd, sizeof rnd);
    if (parse_url(o->url, &s->host, &s->port, &s->db) != 0) {
        rt_log_error("store", "bad --redis URL '%s' (expected redis://host:port[/db])", o->url);
        goto fail;
    }
    if (!(s->w = connect_to(s)) || !(s->r = connect_to(s)))
        goto fail;
    s->w_gen = 1;
    atomic_store(&s->reachable, true);
    if (!(s->base.writer = store_writer_start(&writer_ops, &s->base, s)))
        goto fail;
    rt_log_info("store", "redis store %s:%d db %d (cluster mode)", s->host, s->port, s->db);
    warn_durability(s);
    return &s->base;
fail:
    r_close(&s->base);
    return NULL;
}

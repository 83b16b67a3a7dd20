/* The feed engine: subscriptions indexed by topic, per-change matching, render once per
 * distinct selection, permission per subscriber, delivery lists per subscriber thread, and the
 * paged replay of the log for `after:` with its handover to live delivery. One lock guards the
 * index, the selections and the subscription list: the publisher holds it while matching and
 * rendering; subscribers' threads take it briefly to (un)subscribe and to go live. Sink calls
 * happen on each subscription's own thread, outside the lock (the final replay check aside). */
#include "feed/feed_core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/util_clock.h"
#include "util/util_histogram.h"
#include "util/util_map.h"
#include "feed/feed_match.h"
#include "util/util_log.h"

typedef struct feed_sel {
    char *key;   /* NULL for a private (uninterned) selection */
    size_t refs; /* subscriptions using it */
    /* Payloads of the change being published, one per mutation as received (a transition
     * turns one UPDATED into CREATED or DELETED for some subscribers): frame[m] is valid when
     * stamp[m] is the change's stamp. */
    uint64_t stamp[3];
    rt_frame_t *frame[3];
    uint64_t listed;          /* stamp of the change whose touched list holds this selection */
    struct feed_sel *touched; /* list of selections rendered for the current change */
} feed_sel_t;

typedef struct feed_topic {
    feed_sub_t *head;
    size_t count;
    size_t keylen;
    char key[];
} feed_topic_t;

enum { FEED_SUB_LIVE = 0, FEED_SUB_REPLAYING = 1 };

struct feed_sub {
    feed_t *feed;
    atomic_int refs;        /* 1 while subscribed + one per pending delivery or replay task;
                            * taken under the lock (or by a holder), freed under the lock */
    bool dead;              /* unsubscribed or ended: the sink is never called again (owner thread) */
    rt_taskq_t *owner;      /* the subscriber's thread */
    struct feed_page *page; /* the replay page being read (owner thread); NULL otherwise */
    int state;              /* written under the lock */
    int64_t last_seq;       /* last change the replay read: live copies up to it are dropped */
    char *replay_cursor;    /* where the next replay page starts */
    feed_match_t match;
    gql_request_t *req;
    auth_identity_t *who;
    feed_sink_t sink;
    void *sub_ctx;
    feed_sel_t *sel;
    feed_topic_t *topic;
    feed_sub_t *tprev, *tnext; /* topic list */
    feed_sub_t *aprev, *anext; /* every allocated subscription, for feed_free */
};

/* Deliveries for one subscriber thread, in log order: the publish builds one per owner queue
 * and deps.deliver hands each to its thread (see feed_core.h); without the hook it runs at once. */
typedef struct feed_delivery {
    feed_sub_t *sub;   /* referenced */
    rt_frame_t *frame; /* referenced */
    int64_t commit_ms; /* the change's commit time (Unix ms), for the latency histogram */
} feed_delivery_t;

typedef struct feed_delivery_list {
    feed_t *feed;
    rt_taskq_t *owner;
    struct feed_delivery_list *next; /* the other owners' lists of the same publish */
    size_t n, cap;
    feed_delivery_t *v;
} feed_delivery_list_t;

struct feed {
    pthread_mutex_t lock;
    atomic_uint_fast64_t publishes; /* bumped under the lock by every publish */
    feed_deps_t deps;
    rt_metrics_t *metrics;
    rt_map_t *topics; /* topic key -> feed_topic_t */
    rt_map_t *sels;   /* selection key -> feed_sel_t */
    feed_sub_t *all;
    size_t nsubs;           /* subscribed (not dead) */
    uint64_t stamp;         /* one per published change */
    rt_buf_t key;           /* scratch for topic keys (under the lock) */
    rt_buf_t out;           /* scratch for the publisher's rendering (under the lock) */
    rt_histogram_t latency; /* commit -> frame handed to the connection's writer, microseconds */
};

/* Latency buckets, microseconds: 0.5 ms to 10 s. */
static const int64_t feed_latency_bounds[] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
                                              100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

#define FEED_METRIC_ADD(f, field, n)                                                                                   \
    do {                                                                                                               \
        if ((f)->metrics)                                                                                              \
            atomic_fetch_add_explicit(&(f)->metrics->field, (n), memory_order_relaxed);                                \
    } while (0)

static const char *const feed_mutation_text[] = {"CREATED", "UPDATED", "DELETED"};

feed_t *feed_new_with_deps(const feed_deps_t *deps, rt_metrics_t *metrics)
{
    feed_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->deps = *deps;
    if (f->deps.replay_page <= 0)
        f->deps.replay_page = 256;
    if (f->deps.replay_bytes == 0)
        f->deps.replay_bytes = 256 * 1024;
    f->metrics = metrics;
    pthread_mutex_init(&f->lock, NULL);
    atomic_init(&f->publishes, 0);
    f->topics = rt_map_new();
    f->sels = rt_map_new();
    if (!f->topics || !f->sels)
        goto fail;
    rt_histogram_init(&f->latency, feed_latency_bounds,
                      (int)(sizeof feed_latency_bounds / sizeof feed_latency_bounds[0]));
    return f;
fail:
    rt_map_free(f->topics, NULL);
    rt_map_free(f->sels, NULL);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return NULL;
}

/* ---- selections ---- */

static feed_sel_t *feed_sel_get(feed_t *f, const char *key)
{
    feed_sel_t *s = key ? rt_map_get(f->sels, key, strlen(key)) : NULL;
    if (s) {
        s->refs++;
        return s;
    }
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->refs = 1;
    if (key) {
        if (!(s->key = strdup(key)) || rt_map_put(f->sels, key, strlen(key), s, NULL) < 0)
            goto fail;
    }
    return s;
fail:
    free(s->key);
    free(s);
    return NULL;
}

static void feed_sel_put(feed_t *f, feed_sel_t *s)
{
    if (!s || --s->refs > 0)
        return;
    if (s->key)
        rt_map_remove(f->sels, s->key, strlen(s->key));
    for (int m = 0; m < 3; m++)
        rt_frame_unref(s->frame[m]);
    free(s->key);
    free(s);
}

/* ---- subscriptions and the index ---- */

static int feed_topic_add(feed_t *f, feed_sub_t *s)
{
    if (feed_topic_key(&f->key, s->match.type, s->match.topic_dim, s->match.topic_value) < 0)
        return -1;
    feed_topic_t *t = rt_map_get(f->topics, f->key.data, f->key.len);
    if (!t) {
        if (!(t = calloc(1, sizeof *t + f->key.len + 1)))
            return -1;
        t->keylen = f->key.len;
        memcpy(t->key, f->key.data, f->key.len);
        if (rt_map_put(f->topics, t->key, t->keylen, t, NULL) < 0) {
            free(t);
            return -1;
        }
    }
    /* Appended at the tail would cost a walk; order inside a topic does not matter because
     * each subscription gets the changes in log order on its own. */
    s->tnext = t->head;
    if (t->head)
        t->head->tprev = s;
    t->head = s;
    t->count++;
    s->topic = t;
    return 0;
}

static void feed_topic_remove(feed_t *f, feed_sub_t *s)
{
    feed_topic_t *t = s->topic;
    if (!t)
        return;
    if (s->tprev)
        s->tprev->tnext = s->tnext;
    else
        t->head = s->tnext;
    if (s->tnext)
        s->tnext->tprev = s->tprev;
    s->tprev = s->tnext = NULL;
    s->topic = NULL;
    if (--t->count == 0) {
        rt_map_remove(f->topics, t->key, t->keylen);
        free(t);
    }
}

/* Under the lock. */
static void feed_sub_free(feed_sub_t *s)
{
    feed_t *f = s->feed;
    if (s->aprev)
        s->aprev->anext = s->anext;
    else
        f->all = s->anext;
    if (s->anext)
        s->anext->aprev = s->aprev;
    feed_topic_remove(f, s);
    feed_sel_put(f, s->sel);
    if (s->req && f->deps.request_free)
        f->deps.request_free(s->req);
    if (s->who && f->deps.identity_unref)
        f->deps.identity_unref(s->who);
    feed_match_clear(&s->match);
    free(s->replay_cursor);
    free(s);
}

/* Not under the lock: the last reference frees under it. */
static void feed_sub_unref(feed_sub_t *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        feed_t *f = s->feed;
        pthread_mutex_lock(&f->lock);
        feed_sub_free(s);
        pthread_mutex_unlock(&f->lock);
    }
}

/* Takes the subscription out of the index and drops the subscribed reference: no sink call
 * happens for it afterwards, while pending deliveries/tasks still hold the memory. On the
 * owner thread, not under the lock. */
static void feed_sub_kill(feed_sub_t *s)
{
    if (s->dead)
        return;
    s->dead = true;
    pthread_mutex_lock(&s->feed->lock);
    feed_topic_remove(s->feed, s);
    s->feed->nsubs--;
    pthread_mutex_unlock(&s->feed->lock);
    FEED_METRIC_ADD(s->feed, subscriptions, -1);
    feed_sub_unref(s);
}

void feed_unsubscribe(feed_sub_t *sub)
{
    if (sub)
        feed_sub_kill(sub);
}

static json_object *feed_errors1(feed_t *f, const char *message, const char *code)
{
    json_object *arr = json_object_new_array();
    json_object *e = f->deps.error_new ? f->deps.error_new(message, code) : NULL;
    if (arr && e)
        json_object_array_add(arr, e);
    else
        json_object_put(e);
    return arr;
}

/* Ends a subscription from the feed's side with one GraphQL error. */
static void feed_sub_end(feed_sub_t *s, const char *message, const char *code)
{
    if (s->dead)
        return;
    json_object *errors = message ? feed_errors1(s->feed, message, code) : NULL;
    atomic_fetch_add(&s->refs, 1); /* keeps the memory valid through a reentrant feed_unsubscribe */
    feed_sub_kill(s);
    s->sink.end(s->sub_ctx, errors);
    json_object_put(errors);
    feed_sub_unref(s);
}

/* ---- the change value and rendering ---- */

static json_object *feed_change_value(const feed_change_t *c)
{
    json_object *v = json_object_new_object();
    if (!v)
        return NULL;
    json_object_object_add(v, "mutation", json_object_new_string(feed_mutation_text[c->mutation]));
    json_object_object_add(v, "node", c->mutation == FEED_DELETED ? NULL : json_object_get(c->node));
    json_object_object_add(v, "previousValues", c->mutation == FEED_CREATED ? NULL : json_object_get(c->previous));
    json_object_object_add(v, "updatedFields", c->mutation == FEED_UPDATED ? json_object_get(c->updated_fields) : NULL);
    json_object_object_add(v, "cursor", c->cursor ? json_object_new_string(c->cursor) : NULL);
    return v;
}

/* Renders the change for `req` into the scratch `out`; returns a new frame owned by the
 * caller, or NULL. */
static rt_frame_t *feed_render(feed_t *f, rt_buf_t *out, const gql_request_t *req, json_object **value,
                               const feed_change_t *c)
{
    if (!*value && !(*value = feed_change_value(c)))
        return NULL;
    out->len = 0;
    if (f->deps.render(req, *value, out) < 0) {
        rt_log_warn("feed", "rendering a %s change failed", c->type);
        return NULL;
    }
    return rt_frame_new(out->data, out->len);
}

/* ---- delivery ---- */

static int feed_dl_push(feed_delivery_list_t *dl, feed_sub_t *s, rt_frame_t *frame, int64_t commit_ms)
{
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 64;
        feed_delivery_t *v = realloc(dl->v, cap * sizeof *v);
        if (!v)
            return -1;
        dl->v = v;
        dl->cap = cap;
    }
    atomic_fetch_add(&s->refs, 1);
    dl->v[dl->n].sub = s;
    dl->v[dl->n].frame = rt_frame_ref(frame);
    dl->v[dl->n].commit_ms = commit_ms;
    dl->n++;
    return 0;
}

/* rt_task_fn: delivers a list on the subscribers' thread and frees it. A subscription
 * unsubscribed meanwhile (even by an earlier sink call of this very list) is skipped. */
static void feed_deliver_task(void *arg)
{
    feed_delivery_list_t *dl = arg;
    /* Counted locally and added once: the network threads share these counters. */
    rt_histogram_batch_t lat = RT_HISTOGRAM_BATCH_INIT;
    long delivered = 0;
    for (size_t i = 0; i < dl->n; i++) {
        feed_sub_t *s = dl->v[i].sub;
        if (!s->dead) {
            delivered++;
            s->sink.next(s->sub_ctx, dl->v[i].frame);
            /* Live deliveries only: a replayed change's age is not a latency. Commit times are
             * whole milliseconds, so the sub-millisecond buckets are approximate. */
            if (dl->v[i].commit_ms > 0)
                rt_histogram_batch_add(&dl->feed->latency, &lat, (rt_wall_now().ms - dl->v[i].commit_ms) * 1000);
        }
        rt_frame_unref(dl->v[i].frame);
        feed_sub_unref(s);
    }
    FEED_METRIC_ADD(dl->feed, deliveries, delivered);
    rt_histogram_batch_flush(&dl->feed->latency, &lat);
    free(dl->v);
    free(dl);
}

/* A list that cannot reach its thread: released without sink calls (on the publisher). */
static void feed_dl_drop(feed_delivery_list_t *dl)
{
    rt_log_error("feed", "cannot hand %zu deliveries to their thread: dropped", dl->n);
    for (size_t i = 0; i < dl->n; i++) {
        rt_frame_unref(dl->v[i].frame);
        feed_sub_unref(dl->v[i].sub);
    }
    free(dl->v);
    free(dl);
}

/* The list of `owner` in this publish, made on first use; NULL when memory runs out. */
static feed_delivery_list_t *feed_dl_for(feed_t *f, feed_delivery_list_t **lists, rt_taskq_t *owner)
{
    for (feed_delivery_list_t *dl = *lists; dl; dl = dl->next)
        if (dl->owner == owner)
            return dl;
    feed_delivery_list_t *dl = calloc(1, sizeof *dl);
    if (!dl)
        return NULL;
    dl->feed = f;
    dl->owner = owner;
    dl->next = *lists;
    *lists = dl;
    return dl;
}

/* One change prepared for judging: the states before and after, their ownership ids, and the
 * change as each mutation a subscriber may receive (docs/schema.md, "Seen through
 * permissions"): as[m] is the change as received with mutation m. */
typedef struct feed_judge {
    const feed_change_t *c;
    feed_change_t as[3];
    const char *before[FEED_DIM__COUNT]; /* ownership ids of previousValues (has_before) */
    const char *after[FEED_DIM__COUNT];  /* ownership ids of node (has_after) */
    bool has_before, has_after;
    bool moved; /* UPDATED across what permission is judged on: before and after may differ */
} feed_judge_t;

static bool feed_same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static bool feed_str_differ(const char *a, const char *b) { return (a || b) && (!a || !b || strcmp(a, b) != 0); }

static const char *feed_str_field(json_object *node, const char *key)
{
    json_object *v;
    if (!node || !json_object_object_get_ex(node, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void feed_judge_init(feed_judge_t *j, const feed_change_t *c)
{
    memset(j, 0, sizeof *j);
    j->c = c;
    j->as[c->mutation] = *c;
    j->has_before = c->mutation != FEED_CREATED && c->previous;
    j->has_after = c->mutation != FEED_DELETED && c->node;
    if (c->mutation != FEED_UPDATED) {
        feed_change_dims(c, false, c->mutation == FEED_DELETED ? j->before : j->after);
        return;
    }
    feed_change_dims(c, false, j->after);
    feed_change_dims(c, true, j->before);
    for (int d = 1; d < FEED_DIM__COUNT && !j->moved; d++)
        j->moved = feed_str_differ(j->before[d], j->after[d]);
    /* A Blob is judged on its own organization and visibility, the other types through their
     * blob (the ownership ids above). */
    if (!j->moved && strcmp(c->type, "Blob") == 0)
        j->moved = feed_str_differ(feed_str_field(c->previous, "visibility"), feed_str_field(c->node, "visibility"));
    j->as[FEED_CREATED] = *c;
    j->as[FEED_CREATED].mutation = FEED_CREATED;
    j->as[FEED_CREATED].previous = NULL;
    j->as[FEED_CREATED].updated_fields = NULL;
    j->as[FEED_DELETED] = *c;
    j->as[FEED_DELETED].mutation = FEED_DELETED;
    j->as[FEED_DELETED].node = NULL;
    j->as[FEED_DELETED].updated_fields = NULL;
}

static bool feed_sees(feed_t *f, const feed_sub_t *s, const char *type, json_object *state)
{
    return state && f->deps.can_view(f->deps.ctx, s->who, type, state);
}

/* The mutation `s` receives for the change (FEED_CREATED..FEED_DELETED), or -1 for nothing:
 * membership (ownership arguments and permission) before and after decides UPDATED, CREATED,
 * DELETED or nothing, then the change filters apply to that mutation. When both states are
 * judged alike (no move) the filters run first, so a filtered-out change costs no permission
 * check. */
static int feed_judge_sub(feed_t *f, const feed_sub_t *s, const feed_judge_t *j)
{
    bool in_before = j->has_before && feed_match_owns(&s->match, j->before);
    bool in_after = j->has_after && feed_match_owns(&s->match, j->after);
    if (!in_before && !in_after)
        return -1;
    const feed_change_t *c = j->c;
    if (!j->moved) {
        if (!feed_match_test(&s->match, c))
            return -1;
        if (!feed_sees(f, s, c->type, feed_change_subject(c))) {
            FEED_METRIC_ADD(f, deliveries_denied, 1);
            return -1;
        }
        return (int)c->mutation;
    }
    bool vb = in_before && feed_sees(f, s, c->type, c->previous);
    bool va = in_after && feed_sees(f, s, c->type, c->node);
    int m = vb && va ? FEED_UPDATED : va ? FEED_CREATED : vb ? FEED_DELETED : -1;
    if (m < 0) {
        FEED_METRIC_ADD(f, deliveries_denied, 1);
        return -1;
    }
    return feed_match_test(&s->match, &j->as[m]) ? m : -1;
}

/* Matches one change against one topic's subscriptions, adding deliveries to the lists. */
static void feed_match_topic(feed_t *f, feed_topic_t *t, const feed_judge_t *j, json_object *value[3],
                             feed_sel_t **touched, feed_delivery_list_t **lists)
{
    const feed_change_t *c = j->c;
    for (feed_sub_t *s = t->head; s; s = s->tnext) {
        /* A replaying subscription reads this change from the log (it was committed before
         * it was published); one that just finished replaying already has it if seq <= last. */
        if (s->state == FEED_SUB_REPLAYING || c->seq <= s->last_seq)
            continue;
        int m = feed_judge_sub(f, s, j);
        if (m < 0)
            continue;
        feed_sel_t *sel = s->sel;
        if (sel->stamp[m] != f->stamp) {
            sel->stamp[m] = f->stamp;
            rt_frame_unref(sel->frame[m]);
            sel->frame[m] = feed_render(f, &f->out, s->req, &value[m], &j->as[m]);
            if (sel->listed != f->stamp) {
                sel->listed = f->stamp;
                sel->touched = *touched;
                *touched = sel;
            }
        }
        if (!sel->frame[m])
            continue;
        feed_delivery_list_t *dl = feed_dl_for(f, lists, s->owner);
        if (!dl || feed_dl_push(dl, s, sel->frame[m], c->time_ms) < 0)
            rt_log_error("feed", "out of memory: a delivery was dropped");
    }
}

/* Visits the topics of one dimension: the after state's and, when it differs, the before
 * state's (a change moving out of a topic reaches its subscribers as DELETED). Distinct keys
 * hold distinct subscriptions, so nobody is reached twice. */
static void feed_publish_dim(feed_t *f, const feed_judge_t *j, feed_dim_t d, json_object *value[3],
                             feed_sel_t **touched, feed_delivery_list_t **lists)
{
    const char *va = j->has_after ? j->after[d] : NULL;
    const char *vb = j->has_before ? j->before[d] : NULL;
    const char *vals[2] = {va, vb && feed_str_differ(va, vb) ? vb : NULL};
    for (int i = 0; i < 2; i++) {
        if (!vals[i] || feed_topic_key(&f->key, j->c->type, d, vals[i]) < 0)
            continue;
        feed_topic_t *t = rt_map_get(f->topics, f->key.data, f->key.len);
        if (t)
            feed_match_topic(f, t, j, value, touched, lists);
    }
}

void feed_publish_changes(feed_t *f, const feed_change_t *changes, int n)
{
    feed_delivery_list_t *lists = NULL;
    pthread_mutex_lock(&f->lock);
    atomic_fetch_add(&f->publishes, 1);
    for (int i = 0; i < n; i++) {
        const feed_change_t *c = &changes[i];
        if (!c->type || (unsigned)c->mutation > FEED_DELETED)
            continue;
        json_object *value[3] = {NULL, NULL, NULL};
        feed_sel_t *touched = NULL;
        feed_judge_t j;
        feed_judge_init(&j, c);
        f->stamp++;
        /* A subscription sits on exactly one topic, and a change's topics are distinct keys,
         * so nobody is reached twice for one change. */
        for (int d = FEED_DIM_ALL; d < FEED_DIM__COUNT; d++)
            feed_publish_dim(f, &j, (feed_dim_t)d, value, &touched, &lists);
        /* The list holds its own references: selections keep no frame between changes. */
        while (touched) {
            feed_sel_t *next = touched->touched;
            for (int m = 0; m < 3; m++) {
                rt_frame_unref(touched->frame[m]);
                touched->frame[m] = NULL;
            }
            touched->touched = NULL;
            touched = next;
        }
        for (int m = 0; m < 3; m++)
            json_object_put(value[m]);
    }
    pthread_mutex_unlock(&f->lock);
    /* Lists were prepended: hand them over oldest-made first (any order is correct, since
     * each thread's list is whole and in log order). */
    while (lists) {
        feed_delivery_list_t *dl = lists;
        lists = dl->next;
        dl->next = NULL;
        if (!f->deps.deliver)
            feed_deliver_task(dl);
        else if (f->deps.deliver(f->deps.ctx, dl->owner, feed_deliver_task, dl) < 0)
            feed_dl_drop(dl);
    }
}

/* ---- replay ---- */

/* One replay page: the changes a subscription may want, copied out of the log read (the store
 * may hold a read lock while calling back: judging and delivering happen after it returns). */
typedef struct feed_page {
    feed_change_t *v;     /* owned copies (strings and references) */
    signed char *verdict; /* per change: may the principal view the record now (1, 0; -1 unknown) */
    int n, cap;
    char *last_cursor; /* the last change read, wanted or not */
    int64_t last_seq;
    bool oom; /* stopped early: read on from last_cursor */
} feed_page_t;

static void feed_change_release(feed_change_t *c)
{
    free((char *)c->cursor);
    free((char *)c->type);
    free((char *)c->id);
    free((char *)c->organization_id);
    free((char *)c->blob_id);
    free((char *)c->session_id);
    free((char *)c->execution_id);
    json_object_put(c->node);
    json_object_put(c->previous);
    json_object_put(c->updated_fields);
}

static char *feed_dup(const char *v, bool *oom)
{
    char *d = v ? strdup(v) : NULL;
    if (v && !d)
        *oom = true;
    return d;
}

static int feed_page_push(feed_page_t *p, const feed_change_t *c)
{
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 16;
        feed_change_t *v = realloc(p->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        p->v = v;
        signed char *verdict = realloc(p->verdict, (size_t)cap);
        if (!verdict)
            return -1;
        p->verdict = verdict;
        p->cap = cap;
    }
    bool oom = false;
    feed_change_t *d = &p->v[p->n];
    *d = *c;
    d->cursor = feed_dup(c->cursor, &oom);
    d->type = feed_dup(c->type, &oom);
    d->id = feed_dup(c->id, &oom);
    d->organization_id = feed_dup(c->organization_id, &oom);
    d->blob_id = feed_dup(c->blob_id, &oom);
    d->session_id = feed_dup(c->session_id, &oom);
    d->execution_id = feed_dup(c->execution_id, &oom);
    json_object_get(d->node);
    json_object_get(d->previous);
    json_object_get(d->updated_fields);
    p->verdict[p->n] = -1;
    if (oom) {
        feed_change_release(d);
        return -1;
    }
    p->n++;
    return 0;
}

static void feed_page_free(feed_page_t *p)
{
    for (int i = 0; i < p->n; i++)
        feed_change_release(&p->v[i]);
    free(p->v);
    free(p->verdict);
    free(p->last_cursor);
    memset(p, 0, sizeof *p);
}

/* Could the change concern this subscription (its type, and its topic before or after)? */
static bool feed_replay_wanted(const feed_sub_t *s, const feed_change_t *c)
{
    if (!c->type || strcmp(c->type, s->match.type) != 0 || (unsigned)c->mutation > FEED_DELETED)
        return false;
    if (s->match.topic_dim == FEED_DIM_ALL)
        return true;
    const char *dims[FEED_DIM__COUNT];
    for (int before = 0; before < 2; before++) {
        feed_change_dims(c, before, dims);
        const char *v = dims[s->match.topic_dim];
        if (v && strcmp(v, s->match.topic_value) == 0)
            return true;
    }
    return false;
}

/* feed_log_fn: copies what the subscription may want into its page. */
static int feed_replay_collect(void *arg, const feed_change_t *c)
{
    feed_sub_t *s = arg;
    feed_page_t *p = s->page;
    if (!p)
        return 1; /* only the cursor check of feed_subscribe, which reads nothing */
    char *cur = c->cursor ? strdup(c->cursor) : NULL;
    if (!cur || (feed_replay_wanted(s, c) && feed_page_push(p, c) < 0)) {
        free(cur);
        p->oom = true; /* the next page re-reads from the last change kept: nothing lost */
        return 1;
    }
    free(p->last_cursor);
    p->last_cursor = cur;
    p->last_seq = c->seq;
    return 0;
}

/* Replay judges a record also as it is now: a record the principal may no longer view is not
 * replayed, not even its past. A record gone since is judged on its last state if the store
 * still has it, else on the last state its DELETED change carries. The verdict
 * on an earlier change of the same record in the page is reused: one store read per record and
 * page (a read may be a Redis round trip). */
static bool feed_replay_current_ok(feed_t *f, const feed_sub_t *s, feed_page_t *p, int i)
{
    const feed_change_t *c = &p->v[i];
    if (!f->deps.current || !c->id)
        return true;
    for (int k = i - 1; k >= 0; k--)
        if (p->verdict[k] >= 0 && feed_same(p->v[k].id, c->id) && feed_same(p->v[k].type, c->type))
            return (p->verdict[i] = p->verdict[k]) == 1;
    json_object *now = NULL;
    int rc = f->deps.current(f->deps.ctx, c->type, c->id, &now);
    if (rc == 1 && !now) {
        /* Gone, and the store keeps no last state: its DELETED change carries it (previousValues).
         * When that change is in the page, the record's earlier changes are judged on it; when it
         * is not, only the DELETED change will be replayed, never the record's past, which may
         * have been seen by a wider audience than its last state allowed. Not cached: the verdict
         * depends on the mutation. */
        p->verdict[i] = -1;
        if (c->mutation == FEED_DELETED)
            return true;
        for (int k = i + 1; k < p->n; k++)
            if (p->v[k].mutation == FEED_DELETED && feed_same(p->v[k].id, c->id) && feed_same(p->v[k].type, c->type))
                return p->v[k].previous && feed_sees(f, s, c->type, p->v[k].previous);
        return false;
    }
    /* Gone with a last state kept by the store (a tombstone): judged on it. */
    bool ok = rc == 0 ? feed_sees(f, s, c->type, now) : rc == 1 && feed_sees(f, s, c->type, now);
    json_object_put(now);
    p->verdict[i] = ok ? 1 : 0;
    return ok;
}

/* Judges and delivers one copied change; returns the bytes delivered. */
static size_t feed_replay_one(feed_sub_t *s, feed_page_t *p, int i, rt_buf_t *buf)
{
    feed_t *f = s->feed;
    const feed_change_t *c = &p->v[i];
    feed_judge_t j;
    feed_judge_init(&j, c);
    int m = feed_judge_sub(f, s, &j);
    if (m < 0)
        return 0;
    if (!feed_replay_current_ok(f, s, p, i)) {
        FEED_METRIC_ADD(f, deliveries_denied, 1);
        return 0;
    }
    json_object *value = NULL;
    rt_frame_t *frame = feed_render(f, buf, s->req, &value, &j.as[m]);
    json_object_put(value);
    if (!frame)
        return 0;
    FEED_METRIC_ADD(f, deliveries, 1);
    s->sink.next(s->sub_ctx, frame);
    size_t len = frame->len;
    rt_frame_unref(frame);
    return len;
}

/* Delivers a page in order. With `budget`, stops after the byte budget (the rest is read
 * again from the cursor of the last one delivered) and moves the replay position; returns true
 * when the page was delivered whole. */
static bool feed_replay_deliver(feed_sub_t *s, feed_page_t *p, bool budget)
{
    feed_t *f = s->feed;
    rt_buf_t buf = RT_BUF_INIT;
    size_t sent = 0;
    bool whole = true;
    for (int i = 0; i < p->n && !s->dead; i++) {
        sent += feed_replay_one(s, p, i, &buf);
        if (budget && sent >= f->deps.replay_bytes && i + 1 < p->n) {
            char *cur = strdup(p->v[i].cursor);
            if (cur) {
                free(s->replay_cursor);
                s->replay_cursor = cur;
                s->last_seq = p->v[i].seq;
                whole = false;
                break;
            }
        }
    }
    rt_buf_free(&buf);
    if (budget && whole && p->last_cursor) {
        free(s->replay_cursor);
        s->replay_cursor = p->last_cursor;
        p->last_cursor = NULL;
        s->last_seq = p->last_seq;
    }
    return whole;
}

static const char *feed_log_error_code(int rc, const char **message)
{
    switch (rc) {
    case FEED_LOG_EXPIRED:
        *message = "cursor expired: it is older than the retained change log";
        return "CURSOR_EXPIRED";
    case FEED_LOG_MALFORMED: *message = "malformed cursor"; return "BAD_USER_INPUT";
    default: *message = "the change log cannot be read"; return "INTERNAL_SERVER_ERROR";
    }
}

static void feed_replay_task(void *arg);

/* Schedules the next replay page; the task holds a reference. */
static void feed_replay_schedule(feed_sub_t *s)
{
    feed_t *f = s->feed;
    atomic_fetch_add(&s->refs, 1);
    if (!f->deps.defer || f->deps.defer(f->deps.ctx, s->owner, feed_replay_task, s) < 0) {
        atomic_fetch_sub(&s->refs, 1);
        feed_sub_end(s, "the change log replay cannot be scheduled", "INTERNAL_SERVER_ERROR");
    }
}

static int feed_replay_read(feed_sub_t *s, feed_page_t *p)
{
    feed_t *f = s->feed;
    s->page = p;
    int n = f->deps.log_read(f->deps.ctx, s->replay_cursor, f->deps.replay_page, feed_replay_collect, s);
    s->page = NULL;
    return n;
}

/* The switch to live, in a step no publish can fall into. When no publish happened since the
 * page began (`mark`), the page itself was that step (anything committed after its read is
 * published later, to a live subscription). Otherwise a change may have been published, and
 * skipped, while the page was read: read on under the lock, so the last read and the switch
 * are one step for the publisher too; that tail is delivered after the lock, before any live
 * delivery can run on this thread. Returns a log error, 1 when live, 0 when more is left. */
static int feed_replay_go_live(feed_sub_t *s, uint_fast64_t mark, feed_page_t *tail)
{
    feed_t *f = s->feed;
    int rc = 1;
    pthread_mutex_lock(&f->lock);
    if (atomic_load(&f->publishes) != mark) {
        int n = feed_replay_read(s, tail);
        if (n < 0)
            rc = n;
        else if (n >= f->deps.replay_page || tail->oom)
            rc = 0;
        else if (tail->last_cursor)
            s->last_seq = tail->last_seq;
    }
    if (rc == 1)
        s->state = FEED_SUB_LIVE;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* One replay page (on the owner thread, without the lock: publishes go on meanwhile). A
 * short page means the log is caught up: switch to live. */
static void feed_replay_task(void *arg)
{
    feed_sub_t *s = arg;
    feed_t *f = s->feed;
    feed_page_t page = {0}, tail = {0};
    if (s->dead)
        goto out;
    uint_fast64_t mark = atomic_load(&f->publishes);
    int n = feed_replay_read(s, &page);
    if (n < 0)
        goto fail;
    bool more = n >= f->deps.replay_page || page.oom;
    if (!feed_replay_deliver(s, &page, true))
        more = true;
    if (s->dead)
        goto out; /* unsubscribed by a sink call during the page */
    if (!more) {
        n = feed_replay_go_live(s, mark, &tail);
        if (n < 0)
            goto fail;
        feed_replay_deliver(s, &tail, n == 0);
        if (s->dead)
            goto out;
        if (n == 1) {
            free(s->replay_cursor);
            s->replay_cursor = NULL;
            goto out;
        }
    }
    feed_replay_schedule(s);
    goto out;
fail:;
    const char *msg, *code = feed_log_error_code(n, &msg);
    feed_sub_end(s, msg, code);
out:
    feed_page_free(&page);
    feed_page_free(&tail);
    feed_sub_unref(s);
}

/* ---- subscribe ---- */

int feed_subscribe(feed_t *f, auth_identity_t *who, gql_request_t *req, const feed_sink_t *sink, void *sub_ctx,
                   rt_taskq_t *owner, feed_sub_t **out, json_object **errors)
{
    const char *why = NULL;
    feed_sub_t *s = NULL;
    int rc;
    *out = NULL;
    *errors = NULL;
    if (!(s = calloc(1, sizeof *s)))
        goto nomem;
    rc = feed_match_compile(f->deps.root_field(req), f->deps.root_args(req), &f->deps.node_limits, &s->match, &why);
    if (rc != FEED_MATCH_OK) {
        free(s);
        *errors = feed_errors1(f, why,
                               rc == FEED_MATCH_NOMEM         ? "INTERNAL_SERVER_ERROR"
                               : rc == FEED_MATCH_TOO_COMPLEX ? "QUERY_TOO_COMPLEX"
                                                              : "BAD_USER_INPUT");
        return -1;
    }
    s->feed = f;
    atomic_init(&s->refs, 1);
    s->last_seq = INT64_MIN;
    s->sink = *sink;
    s->sub_ctx = sub_ctx;
    s->owner = owner;
    if (feed_match_after(&s->match)) {
        /* Validate the cursor now (before the lock: it reads the store), so a bad one is an
         * `error` answer to this subscribe; the pages themselves run later, after the caller
         * has its handle. */
        int lr = f->deps.log_read(f->deps.ctx, feed_match_after(&s->match), 0, feed_replay_collect, s);
        if (lr < 0) {
            const char *msg, *code = feed_log_error_code(lr, &msg);
            *errors = feed_errors1(f, msg, code);
            feed_match_clear(&s->match);
            free(s); /* req is still the caller's */
            return -1;
        }
        if (!(s->replay_cursor = strdup(feed_match_after(&s->match)))) {
            feed_match_clear(&s->match);
            free(s);
            goto nomem;
        }
        s->state = FEED_SUB_REPLAYING;
    }
    /* Everything a publisher reads is set before the subscription enters the index. */
    pthread_mutex_lock(&f->lock);
    s->anext = f->all;
    if (f->all)
        f->all->aprev = s;
    f->all = s;
    if (!(s->sel = feed_sel_get(f, f->deps.selection_key(req))))
        goto nomem_locked;
    s->req = req;
    if (feed_topic_add(f, s) < 0)
        goto nomem_locked;
    if (s->state == FEED_SUB_REPLAYING) {
        atomic_fetch_add(&s->refs, 1); /* the replay task's reference */
        if (!f->deps.defer || f->deps.defer(f->deps.ctx, owner, feed_replay_task, s) < 0) {
            s->req = NULL; /* still the caller's */
            feed_sub_free(s);
            pthread_mutex_unlock(&f->lock);
            *errors = feed_errors1(f, "the change log replay cannot be scheduled", "INTERNAL_SERVER_ERROR");
            return -1;
        }
    }
    s->who = f->deps.identity_ref ? f->deps.identity_ref(who) : who;
    f->nsubs++;
    pthread_mutex_unlock(&f->lock);
    FEED_METRIC_ADD(f, subscriptions, 1);
    *out = s;
    return 0;
nomem_locked:
    s->req = NULL;
    feed_sub_free(s);
    pthread_mutex_unlock(&f->lock);
nomem:
    *errors = feed_errors1(f, "out of memory", "INTERNAL_SERVER_ERROR");
    return -1;
}

/* ---- lifetime and introspection ---- */

void feed_free(feed_t *f)
{
    if (!f)
        return;
    /* Pending replay tasks in the caller's task queue must be dropped, not run, after this. */
    while (f->all) {
        feed_sub_t *s = f->all;
        feed_sub_free(s);
    }
    rt_map_free(f->topics, NULL);
    rt_map_free(f->sels, NULL);
    rt_buf_free(&f->key);
    rt_buf_free(&f->out);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* Counters read under the lock (the feed is const to callers, not to its mutex). */
#define FEED_LOCKED_READ(f, expr)                                                                                      \
    do {                                                                                                               \
        pthread_mutex_t *mu_ = (pthread_mutex_t *)&(f)->lock;                                                          \
        pthread_mutex_lock(mu_);                                                                                       \
        size_t v_ = (expr);                                                                                            \
        pthread_mutex_unlock(mu_);                                                                                     \
        return v_;                                                                                                     \
    } while (0)

size_t feed_subscription_count(const feed_t *f) { FEED_LOCKED_READ(f, f->nsubs); }

size_t feed_topic_count(const feed_t *f) { FEED_LOCKED_READ(f, rt_map_count(f->topics)); }

size_t feed_selection_count(const feed_t *f) { FEED_LOCKED_READ(f, rt_map_count(f->sels)); }

int feed_metrics_write(const feed_t *f, rt_buf_t *out)
{
    return rt_histogram_write(&f->latency, out, "blobhub_rt_publish_delivery_seconds",
                              "Time from a change's commit to its frame being handed to a subscriber's connection "
                              "for writing (live deliveries).",
                              1e-6);
}

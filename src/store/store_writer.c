/* The store writer shared by both stores; see store_writer.h. Answered requests come back to
 * the writer to be freed: freeing thousands of JSON values allocated on the writer's heap arena
 * costs a network thread ~10 ms per 1000 records. */
#include "store/store_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util/util_log.h"

/* A request whose records are not decoded yet counts as this many for grouping. */
#define JOB_WEIGHT(j) ((j)->prepare ? 1000 : (j)->n)

struct store_writer {
    const store_writer_ops_t *ops;
    const store_t *base;
    void *impl;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* work queued, items to free, or closing */
    pthread_cond_t idle_cv; /* queue drained */
    store_job_t *head, *tail;
    bool closing, busy;
    void (*idle)(void *impl);
    int idle_ms;
    /* `out` counts results and items handed to consumers and not yet given back; once the
     * thread is gone (`stopped`) they free themselves, and the last one frees a closed writer. */
    store_job_t *trash;
    store_writer_item_t *items;
    int out;
    bool stopped, closed;
    /* store_writer_watch: where every successful result's changes also go (NULL fn: nowhere) */
    rt_taskq_t *watch_q;
    store_changes_fn watch_fn;
    void *watch_ctx;
};

static void job_free(store_job_t *j)
{
    store_job_drop_changes(j);
    free(j->changes);
    for (int i = 0; i < j->n; i++)
        store_record_clear(&j->records[i]);
    free(j->records);
    free(j->msg);
    json_object_put(j->errors);
    free(j);
}

static void writer_free(store_writer_t *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->idle_cv);
    free(w);
}

void store_job_drop_changes(store_job_t *j)
{
    for (int i = 0; i < j->nchanges; i++)
        store_change_clear(&j->changes[i]);
    j->nchanges = 0;
}

void store_job_fail(store_job_t *j, int status, int index, char *msg)
{
    j->status = status;
    j->error_index = index;
    free(j->msg);
    j->msg = msg ? msg
                 : strdup(status == STORE_ERR_INVALID       ? "invalid record"
                          : status == STORE_ERR_UNAVAILABLE ? "storage unavailable"
                                                            : "storage error");
}

int store_job_add_change(store_job_t *j, store_change_t *c)
{
    if (j->nchanges == j->cap) {
        int cap = j->cap ? j->cap * 2 : 8;
        store_change_t *nc = realloc(j->changes, (size_t)cap * sizeof *nc);
        if (!nc)
            return STORE_ERR_NOMEM;
        j->changes = nc;
        j->cap = cap;
    }
    j->changes[j->nchanges++] = *c;
    memset(c, 0, sizeof *c);
    return 0;
}

/* Frees what consumers gave back (writer thread, lock not held). */
static void empty_trash(store_writer_t *w)
{
    pthread_mutex_lock(&w->mu);
    store_job_t *t = w->trash;
    store_writer_item_t *it = w->items;
    w->trash = NULL;
    w->items = NULL;
    pthread_mutex_unlock(&w->mu);
    while (t) {
        store_job_t *next = t->next;
        job_free(t);
        t = next;
    }
    while (it) {
        store_writer_item_t *next = it->next;
        it->free_fn(it);
        it = next;
    }
}

/* A consumer is done with a job or an item: back to the writer, or freed here once it is gone. */
static void give_back(store_writer_t *w, store_job_t *j, store_writer_item_t *item)
{
    pthread_mutex_lock(&w->mu);
    w->out--;
    if (!w->stopped) {
        if (j) {
            j->next = w->trash;
            w->trash = j;
        } else {
            item->next = w->items;
            w->items = item;
        }
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        return;
    }
    bool last = w->closed && w->out == 0;
    pthread_mutex_unlock(&w->mu);
    if (j)
        job_free(j);
    else
        item->free_fn(item);
    if (last)
        writer_free(w);
}

void store_writer_give_back(store_writer_t *w, store_writer_item_t *item) { give_back(w, NULL, item); }

void store_writer_hold(store_writer_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->out++;
    pthread_mutex_unlock(&w->mu);
}

void store_writer_unhold(store_writer_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->out--;
    pthread_mutex_unlock(&w->mu);
}

/* A consumer is done with j: the last one hands the job back (or, on the writer thread, frees
 * it). `held`: this consumer was counted in w->out. */
static void job_release(store_job_t *j, bool held)
{
    store_writer_t *w = j->w;
    pthread_mutex_lock(&w->mu);
    bool last = --j->refs == 0;
    if (!last && held)
        w->out--; /* the other consumer still counts: never the writer's last reference */
    pthread_mutex_unlock(&w->mu);
    if (!last)
        return;
    if (held)
        give_back(w, j, NULL);
    else
        job_free(j);
}

static void job_finish(void *arg)
{
    store_job_t *j = arg;
    bool via_watch = j->w->ops->via_watch || j->watched;
    store_result_t res = {
        .status = j->status,
        .error_index = j->status ? j->error_index : -1,
        .error_message = j->msg,
        /* The watcher may be reading them on its own thread right now. */
        .changes = via_watch ? NULL : j->changes,
        .nchanges = j->nchanges,
        .errors = j->errors,
        .via_watch = via_watch,
    };
    memcpy(res.cursor, j->cursor, STORE_CURSOR_MAX);
    if (j->done)
        j->done(j->ctx, &res);
    job_release(j, j->q != NULL); /* without a queue: on the writer thread already */
}

/* The watcher's copy of a result: its changes, in commit order (the watcher's thread). */
static void job_publish(void *arg)
{
    store_job_t *j = arg;
    j->w->watch_fn(j->w->watch_ctx, j->changes, j->nchanges);
    job_release(j, true);
}

/* Hands a committed job's changes to the watcher, before its answer goes out (writer thread). */
static void job_tee(store_job_t *j)
{
    store_writer_t *w = j->w;
    pthread_mutex_lock(&w->mu);
    rt_taskq_t *q = w->watch_fn ? w->watch_q : NULL;
    pthread_mutex_unlock(&w->mu);
    if (!q)
        return;
    j->watched = true;
    if (j->status != 0 || j->nchanges == 0)
        return;
    j->refs++;
    store_writer_hold(w);
    for (int tries = 0; tries < 100; tries++) {
        if (rt_taskq_push(q, job_publish, j) == 0)
            return;
        usleep(10000);
    }
    /* The changes are committed and in the log (replays see them); live subscribers miss them. */
    rt_log_error("store", "cannot hand %d committed changes to the watcher (out of memory)", j->nchanges);
    store_writer_unhold(w);
    j->refs--;
}

static void job_deliver(store_job_t *j)
{
    j->refs = 1;
    job_tee(j);
    if (!j->q) {
        job_finish(j);
        return;
    }
    store_writer_hold(j->w);
    for (int tries = 0; tries < 100; tries++) {
        if (rt_taskq_push(j->q, job_finish, j) == 0)
            return;
        usleep(10000);
    }
    /* Out of memory for a queue node: the answer cannot be routed; drop it rather than run the
     * caller's callback on the wrong thread. The change itself is committed. */
    rt_log_error("store", "cannot hand a commit result back (out of memory)");
    store_writer_unhold(j->w);
    job_release(j, false);
}

/* Runs the prepare steps (pure CPU work) before the group is applied. */
static void prepare_group(store_writer_t *w, store_job_t *group)
{
    for (store_job_t *j = group; j; j = j->next) {
        if (!j->prepare)
            continue;
        json_object *errors = NULL;
        if (j->prepare(j->pctx, w->base, &j->records, &j->n, &errors) != 0) {
            json_object *first = errors ? json_object_array_get_idx(errors, 0) : NULL, *v = NULL;
            int idx = first && json_object_object_get_ex(first, "index", &v) ? json_object_get_int(v) : -1;
            store_job_fail(j, STORE_ERR_INVALID, idx,
                           strdup(first && json_object_object_get_ex(first, "message", &v) ? json_object_get_string(v)
                                                                                           : "invalid request"));
            j->errors = errors;
            j->records = NULL;
            j->n = 0;
        }
        j->prepare = NULL;
    }
}

static void run_group(store_writer_t *w, store_job_t *group)
{
    prepare_group(w, group);
    w->ops->apply(w->impl, group);
    while (group) {
        store_job_t *next = group->next;
        group->next = NULL;
        job_deliver(group);
        group = next;
    }
    if (w->ops->after)
        w->ops->after(w->impl);
}

/* Takes everything queued while the previous group was committing, within the bounds. Lock held. */
static store_job_t *take_group(store_writer_t *w)
{
    store_job_t *group = w->head, *last = w->head;
    int jobs = 1, weight = JOB_WEIGHT(last);
    while (last->next && jobs < w->ops->max_jobs && weight + JOB_WEIGHT(last->next) <= w->ops->max_weight) {
        last = last->next;
        jobs++;
        weight += JOB_WEIGHT(last);
    }
    w->head = last->next;
    if (!w->head)
        w->tail = NULL;
    last->next = NULL;
    return group;
}

/* Waits for work with the lock held; runs the idle step when it times out. */
static void wait_for_work(store_writer_t *w)
{
    if (w->trash || w->items) {
        pthread_mutex_unlock(&w->mu);
        empty_trash(w);
        pthread_mutex_lock(&w->mu);
        return;
    }
    if (!w->idle) {
        pthread_cond_wait(&w->cv, &w->mu);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)w->idle_ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0 && !w->head && !w->closing && w->idle) {
        void (*idle)(void *) = w->idle;
        w->busy = true;
        pthread_mutex_unlock(&w->mu);
        idle(w->impl);
        pthread_mutex_lock(&w->mu);
        w->busy = false;
    }
}

static void *writer_main(void *arg)
{
    store_writer_t *w = arg;
    /* Ingestion must yield to WebSocket service when the cores are busy: on Linux nice is per
     * thread, so only the writer runs at a lower priority. Failure is harmless. */
    if (w->ops->nice && setpriority(PRIO_PROCESS, (id_t)gettid(), w->ops->nice) != 0)
        rt_log_debug("store", "writer thread priority unchanged: %s", strerror(errno));
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->closing)
            wait_for_work(w);
        if (!w->head && w->closing)
            break;
        store_job_t *group = take_group(w);
        w->busy = true;
        pthread_mutex_unlock(&w->mu);
        run_group(w, group);
        empty_trash(w);
        pthread_mutex_lock(&w->mu);
        w->busy = false;
        if (!w->head)
            pthread_cond_broadcast(&w->idle_cv);
    }
    w->stopped = true; /* from now on answered results free themselves */
    pthread_cond_broadcast(&w->idle_cv);
    pthread_mutex_unlock(&w->mu);
    empty_trash(w);
    return NULL;
}

store_writer_t *store_writer_start(const store_writer_ops_t *ops, const store_t *base, void *impl)
{
    store_writer_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->ops = ops;
    w->base = base;
    w->impl = impl;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->idle_cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        writer_free(w);
        return NULL;
    }
    if (ops->thread)
        pthread_setname_np(w->thread, ops->thread);
    return w;
}

void store_writer_close(store_writer_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->closing = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    empty_trash(w);
    /* Results still queued for their consumers keep the writer alive. */
    pthread_mutex_lock(&w->mu);
    w->closed = true;
    bool last = w->out == 0;
    pthread_mutex_unlock(&w->mu);
    if (last)
        writer_free(w);
}

static int enqueue(store_writer_t *w, store_job_t *j)
{
    pthread_mutex_lock(&w->mu);
    if (w->closing) {
        pthread_mutex_unlock(&w->mu);
        job_free(j);
        return STORE_ERR_CLOSED;
    }
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int store_writer_submit(store_writer_t *w, store_record_t *records, int n, rt_taskq_t *q, store_done_fn done, void *ctx)
{
    store_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        for (int i = 0; i < n; i++)
            store_record_clear(&records[i]);
        free(records);
        return STORE_ERR_NOMEM;
    }
    *j = (store_job_t){.records = records, .n = n, .error_index = -1, .w = w, .q = q, .done = done, .ctx = ctx};
    return enqueue(w, j);
}

int store_writer_submit_prepared(store_writer_t *w, store_prepare_fn prepare, void *pctx, rt_taskq_t *q,
                                 store_done_fn done, void *ctx)
{
    store_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return STORE_ERR_NOMEM;
    *j = (store_job_t){.error_index = -1, .w = w, .q = q, .done = done, .ctx = ctx, .prepare = prepare, .pctx = pctx};
    return enqueue(w, j);
}

void store_writer_watch(store_writer_t *w, rt_taskq_t *q, store_changes_fn fn, void *ctx)
{
    pthread_mutex_lock(&w->mu);
    w->watch_q = q;
    w->watch_fn = fn;
    w->watch_ctx = ctx;
    pthread_mutex_unlock(&w->mu);
}

void store_writer_flush(store_writer_t *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->head || w->busy)
        pthread_cond_wait(&w->idle_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void store_writer_set_idle(store_writer_t *w, void (*idle)(void *impl), int ms)
{
    pthread_mutex_lock(&w->mu);
    w->idle = idle;
    w->idle_ms = ms;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

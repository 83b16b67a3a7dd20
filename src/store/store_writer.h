/* The one store writer under both stores: the queue of submitted requests, grouping them for
 * one commit, running their prepare steps, handing each answer to its consumer's queue and
 * freeing answered requests on the writer thread. A store supplies only how a group is
 * applied (store_writer_ops_t). */
#ifndef RT_STORE_WRITER_H
#define RT_STORE_WRITER_H

#include "store/store.h"

typedef struct store_writer store_writer_t;

/* One submitted request, as the store applying a group sees it. Owned by the writer. */
typedef struct store_job {
    struct store_job *next; /* the next job of the group (NULL at its end) */
    store_record_t *records;
    int n;
    int status, error_index; /* 0 / -1 until apply decides otherwise */
    char *msg;               /* malloc'd, with status */
    store_change_t *changes; /* the changes made, in log order */
    int nchanges, cap;
    char cursor[STORE_CURSOR_MAX];
    json_object *errors; /* a prepare step's rejection: the job is skipped by apply */
    /* private to the writer */
    store_writer_t *w;
    rt_taskq_t *q;
    store_done_fn done;
    void *ctx;
    store_prepare_fn prepare;
    void *pctx;
    int refs;     /* consumers still to finish with it: the answer, and the watcher's copy */
    bool watched; /* its changes went to the watcher too (store_writer_watch) */
} store_job_t;

typedef struct store_writer_ops {
    /* Applies a group (jobs linked by next; those with a status are to be left alone): sets
     * each job's status, msg, changes and cursor. Writer thread. */
    void (*apply)(void *impl, store_job_t *group);
    /* Optional: called after the group's answers were handed out (housekeeping: pruning). */
    void (*after)(void *impl);
    int max_jobs;       /* most requests in one group */
    int max_weight;     /* most records in one group (a request not prepared yet counts 1000) */
    bool via_watch;     /* results carry via_watch (see store_result_t) */
    int nice;           /* the writer thread's priority adjustment (0: none) */
    const char *thread; /* its name */
} store_writer_ops_t;

/* Items other than results that consumers hand back to be freed on the writer thread (the
 * Redis follower's batches). Embed as the first member. */
typedef struct store_writer_item {
    struct store_writer_item *next;
    void (*free_fn)(struct store_writer_item *item);
} store_writer_item_t;

/* Starts the writer thread for `base` (passed to prepare steps) and `impl` (to apply). NULL on
 * failure. The writer stays valid until store_writer_close and every result handed out is
 * answered (the last one frees it). */
store_writer_t *store_writer_start(const store_writer_ops_t *ops, const store_t *base, void *impl);
/* Drains the queue, stops the thread; afterwards answered results free themselves. */
void store_writer_close(store_writer_t *w);

/* store_submit / store_submit_prepared (store.h) on this writer. */
int store_writer_submit(store_writer_t *w, store_record_t *records, int n, rt_taskq_t *q, store_done_fn done,
                        void *ctx);
int store_writer_submit_prepared(store_writer_t *w, store_prepare_fn prepare, void *pctx, rt_taskq_t *q,
                                 store_done_fn done, void *ctx);
/* From now on every successful result's changes also go to fn(ctx, ...) on the thread draining
 * q, in commit order, on their own (results then carry via_watch): the answer is not held up by
 * what the watcher does with them. For a store whose follower does not see its own commits
 * (SQLite), so that they and other processes' changes reach one queue in log order. Any
 * thread; once, before requests whose changes must be watched. */
void store_writer_watch(store_writer_t *w, rt_taskq_t *q, store_changes_fn fn, void *ctx);
/* Waits until everything submitted so far was applied and answered to its queue. */
void store_writer_flush(store_writer_t *w);

/* While no request waits, calls idle(impl) every `ms` on the writer thread (SQLite: changes
 * other processes committed); NULL stops it. */
void store_writer_set_idle(store_writer_t *w, void (*idle)(void *impl), int ms);

/* An item about to be pushed to a consumer's queue; its consumer calls store_writer_give_back
 * when done with it. store_writer_unhold undoes a hold whose push failed. */
void store_writer_hold(store_writer_t *w);
void store_writer_unhold(store_writer_t *w);
void store_writer_give_back(store_writer_t *w, store_writer_item_t *item);

/* Job helpers for apply. */
void store_job_fail(store_job_t *j, int status, int index, char *msg); /* takes msg (NULL: a default) */
int store_job_add_change(store_job_t *j, store_change_t *c);           /* moves *c in (zeroed) */
void store_job_drop_changes(store_job_t *j);

#endif

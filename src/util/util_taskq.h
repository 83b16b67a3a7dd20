/* A multi-producer queue of closures run on one consumer thread: how worker threads (auth
 * verification, store writer) hand results back to a network thread without locking it.
 * The producer's push calls `wake` so the consumer's event loop drains the queue. */
#ifndef RT_UTIL_TASKQ_H
#define RT_UTIL_TASKQ_H

typedef void (*rt_task_fn)(void *arg);
typedef struct rt_taskq rt_taskq_t;

/* wake(wake_arg) is called from the pushing thread after each push; it must be thread-safe
 * (e.g. lws_cancel_service). Caller owns the queue (rt_taskq_free). */
rt_taskq_t *rt_taskq_new(void (*wake)(void *), void *wake_arg);
/* Replaces the wake function (NULL: none), e.g. when the consumer's loop goes away first. */
void rt_taskq_set_wake(rt_taskq_t *q, void (*wake)(void *), void *wake_arg);
/* Returns 0, or -1 when memory runs out (fn is then not run). */
int rt_taskq_push(rt_taskq_t *q, rt_task_fn fn, void *arg);
/* Runs every queued task on the calling (consumer) thread; returns how many ran. */
int rt_taskq_drain(rt_taskq_t *q);
/* Drops queued tasks without running them. */
void rt_taskq_free(rt_taskq_t *q);

#endif

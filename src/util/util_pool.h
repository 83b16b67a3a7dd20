/* A small pool of worker threads for slow, CPU-bound work (Argon2id verification), so the
 * network threads never run it. FIFO with a bounded wait list; tasks still waiting at
 * rt_pool_free are dropped. */
#ifndef RT_UTIL_POOL_H
#define RT_UTIL_POOL_H

#include <stddef.h>

#include "util/util_taskq.h"

typedef struct rt_pool rt_pool_t;

/* Starts n threads; at most max_waiting tasks wait for a worker (0: unbounded). Caller owns the
 * pool (rt_pool_free). NULL on failure. */
rt_pool_t *rt_pool_new(int n, size_t max_waiting);
/* Queues fn(arg) for a worker. Returns 0; -1 when memory runs out, RT_POOL_FULL when
 * max_waiting tasks already wait (fn is then not run). */
#define RT_POOL_FULL (-2)
int rt_pool_submit(rt_pool_t *p, rt_task_fn fn, void *arg);
/* Tasks waiting for a worker now (not those running). */
size_t rt_pool_waiting(rt_pool_t *p);
/* Stops the workers after the task each is running, joins them, drops waiting tasks. */
void rt_pool_free(rt_pool_t *p);

#endif

/* A small pool of worker threads for slow, CPU-bound work (Argon2id verification), so the
 * network threads never run it. FIFO; tasks still queued at auth_pool_free are dropped. */
#ifndef RT_AUTH_POOL_H
#define RT_AUTH_POOL_H

#include "util/util_taskq.h"

typedef struct auth_pool auth_pool_t;

/* Starts n threads. Caller owns the pool (auth_pool_free). NULL on failure. */
auth_pool_t *auth_pool_new(int n);
/* Queues fn(arg) for a worker. Returns 0, or -1 when memory runs out (fn is then not run). */
int auth_pool_submit(auth_pool_t *p, rt_task_fn fn, void *arg);
/* Stops the workers after the task each is running, joins them, drops queued tasks. */
void auth_pool_free(auth_pool_t *p);

#endif

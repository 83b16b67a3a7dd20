/* Worker pool: mutex + condition variable over a linked FIFO with a count, so a flood of
 * submissions is refused at the bound instead of growing without limit. */
#include "util/util_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/util_log.h"

typedef struct ptask {
    struct ptask *next;
    rt_task_fn fn;
    void *arg;
} ptask_t;

struct rt_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    ptask_t *head, *tail;
    size_t waiting, max_waiting;
    bool stop;
    int n;
    pthread_t th[];
};

static void *pool_main(void *arg)
{
    rt_pool_t *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->stop)
            break;
        ptask_t *t = p->head;
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
        p->waiting--;
        pthread_mutex_unlock(&p->lock);
        t->fn(t->arg);
        free(t);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

rt_pool_t *rt_pool_new(int n, size_t max_waiting)
{
    if (n < 1)
        return NULL;
    rt_pool_t *p = calloc(1, sizeof *p + (size_t)n * sizeof(pthread_t));
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->max_waiting = max_waiting;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&p->th[i], NULL, pool_main, p) != 0) {
            rt_log_error("util", "cannot start worker thread %d", i);
            rt_pool_free(p);
            return NULL;
        }
        p->n++;
    }
    return p;
}

int rt_pool_submit(rt_pool_t *p, rt_task_fn fn, void *arg)
{
    ptask_t *t = malloc(sizeof *t);
    if (!t)
        return -1;
    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&p->lock);
    if (p->max_waiting && p->waiting >= p->max_waiting) {
        pthread_mutex_unlock(&p->lock);
        free(t);
        return RT_POOL_FULL;
    }
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    p->waiting++;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

size_t rt_pool_waiting(rt_pool_t *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->waiting;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void rt_pool_free(rt_pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->th[i], NULL);
    ptask_t *t = p->head;
    while (t) {
        ptask_t *next = t->next;
        free(t);
        t = next;
    }
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

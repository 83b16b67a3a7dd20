/* Closure queue between threads: a mutex-protected singly linked list, swapped out whole on
 * drain so the lock is held only for a pointer exchange. */
#include "util/util_taskq.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct task {
    struct task *next;
    rt_task_fn fn;
    void *arg;
} task_t;

struct rt_taskq {
    pthread_mutex_t lock;
    task_t *head, *tail;
    void (*wake)(void *);
    void *wake_arg;
};

rt_taskq_t *rt_taskq_new(void (*wake)(void *), void *wake_arg)
{
    rt_taskq_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    q->wake = wake;
    q->wake_arg = wake_arg;
    return q;
}

void rt_taskq_set_wake(rt_taskq_t *q, void (*wake)(void *), void *wake_arg)
{
    pthread_mutex_lock(&q->lock);
    q->wake = wake;
    q->wake_arg = wake_arg;
    pthread_mutex_unlock(&q->lock);
}

int rt_taskq_push(rt_taskq_t *q, rt_task_fn fn, void *arg)
{
    task_t *t = malloc(sizeof *t);
    if (!t)
        return -1;
    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    /* Woken under the lock so that set_wake cannot free the target in between. */
    if (q->wake)
        q->wake(q->wake_arg);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int rt_taskq_drain(rt_taskq_t *q)
{
    pthread_mutex_lock(&q->lock);
    task_t *t = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->lock);
    int n = 0;
    while (t) {
        task_t *next = t->next;
        t->fn(t->arg);
        free(t);
        t = next;
        n++;
    }
    return n;
}

void rt_taskq_free(rt_taskq_t *q)
{
    if (!q)
        return;
    task_t *t = q->head;
    while (t) {
        task_t *next = t->next;
        free(t);
        t = next;
    }
    pthread_mutex_destroy(&q->lock);
    free(q);
}

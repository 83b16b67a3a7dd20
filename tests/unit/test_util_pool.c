/* Unit tests for the worker pool (util_pool), the task queue that brings results back to a
 * consumer thread (util_taskq) and the shared frames (util_frame). */
#include "rt_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/util_frame.h"
#include "util/util_pool.h"
#include "util/util_taskq.h"

/* ---- pool ---- */

static atomic_int ran;

static void count_task(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

/* Blocks its worker until *gate is set, so tests can fill the wait list deterministically. */
static void gate_task(void *arg)
{
    atomic_int *gate = arg;
    while (!atomic_load(gate))
        usleep(1000);
    atomic_fetch_add(&ran, 1);
}

static void wait_for(int n)
{
    for (int i = 0; i < 5000 && atomic_load(&ran) < n; i++)
        usleep(1000);
}

RT_TEST(pool_runs_every_task)
{
    atomic_store(&ran, 0);
    rt_pool_t *p = rt_pool_new(3, 0);
    CHECK(p != NULL);
    for (int i = 0; i < 500; i++)
        CHECK(rt_pool_submit(p, count_task, NULL) == 0);
    wait_for(500);
    CHECK(atomic_load(&ran) == 500);
    CHECK(rt_pool_waiting(p) == 0);
    rt_pool_free(p);
}

RT_TEST(pool_refuses_past_the_wait_bound)
{
    atomic_store(&ran, 0);
    atomic_int gate = 0;
    rt_pool_t *p = rt_pool_new(1, 2);
    CHECK(rt_pool_submit(p, gate_task, &gate) == 0);
    /* Wait until the worker holds the first task: only then is the wait list empty. */
    for (int i = 0; i < 5000 && rt_pool_waiting(p) != 0; i++)
        usleep(1000);
    CHECK(rt_pool_submit(p, gate_task, &gate) == 0);
    CHECK(rt_pool_submit(p, gate_task, &gate) == 0);
    CHECK(rt_pool_waiting(p) == 2);
    CHECK(rt_pool_submit(p, count_task, NULL) == RT_POOL_FULL);
    atomic_store(&gate, 1);
    wait_for(3);
    CHECK(atomic_load(&ran) == 3);
    /* Room again once the list drained. */
    CHECK(rt_pool_submit(p, count_task, NULL) == 0);
    wait_for(4);
    CHECK(atomic_load(&ran) == 4);
    rt_pool_free(p);
}

RT_TEST(pool_free_drops_waiting_tasks)
{
    atomic_store(&ran, 0);
    atomic_int gate = 0;
    rt_pool_t *p = rt_pool_new(1, 0);
    CHECK(rt_pool_submit(p, gate_task, &gate) == 0);
    for (int i = 0; i < 10; i++)
        CHECK(rt_pool_submit(p, count_task, NULL) == 0);
    /* Once the worker holds the gate task, ten wait; freeing drops those not yet started
     * (ASan reports a leak if a dropped task's record were lost). */
    for (int i = 0; i < 5000 && rt_pool_waiting(p) != 10; i++)
        usleep(1000);
    CHECK(rt_pool_waiting(p) == 10);
    atomic_store(&gate, 1);
    rt_pool_free(p); /* joins after the running task; the rest may or may not have run */
    CHECK(atomic_load(&ran) >= 1 && atomic_load(&ran) <= 11);
    CHECK(rt_pool_new(0, 0) == NULL);
}

/* ---- task queue ---- */

typedef struct {
    rt_taskq_t *q;
    int base;
} producer_t;

static int order[4000];
static int norder;
static atomic_int wakes;

static void record(void *arg) { order[norder++] = (int)(intptr_t)arg; }

static void on_wake(void *arg)
{
    (void)arg;
    atomic_fetch_add(&wakes, 1);
}

static void *produce(void *arg)
{
    producer_t *pr = arg;
    for (int i = 0; i < 1000; i++)
        rt_taskq_push(pr->q, record, (void *)(intptr_t)(pr->base + i));
    return NULL;
}

RT_TEST(taskq_fifo_per_producer_and_wakes)
{
    norder = 0;
    atomic_store(&wakes, 0);
    rt_taskq_t *q = rt_taskq_new(on_wake, NULL);
    CHECK(rt_taskq_drain(q) == 0);
    pthread_t th[4];
    producer_t pr[4];
    for (int t = 0; t < 4; t++) {
        pr[t] = (producer_t){q, t * 1000};
        pthread_create(&th[t], NULL, produce, &pr[t]);
    }
    int total = 0;
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    total += rt_taskq_drain(q);
    CHECK(total == 4000);
    CHECK(norder == 4000);
    CHECK(atomic_load(&wakes) == 4000);
    /* Each producer's tasks ran in the order it pushed them. */
    int last[4] = {-1, -1, -1, -1};
    int in_order = 1;
    for (int i = 0; i < norder; i++) {
        int t = order[i] / 1000;
        in_order &= order[i] > last[t];
        last[t] = order[i];
    }
    CHECK(in_order);
    rt_taskq_free(q);
}

static void push_again(void *arg)
{
    rt_taskq_t *q = arg;
    rt_taskq_push(q, record, (void *)(intptr_t)7);
}

RT_TEST(taskq_task_pushing_a_task_and_free_dropping)
{
    norder = 0;
    rt_taskq_t *q = rt_taskq_new(NULL, NULL);
    rt_taskq_push(q, push_again, q);
    int n = rt_taskq_drain(q);
    n += rt_taskq_drain(q);
    CHECK(n == 2);
    CHECK(norder == 1 && order[0] == 7);
    rt_taskq_push(q, record, (void *)(intptr_t)8);
    rt_taskq_set_wake(q, on_wake, NULL);
    rt_taskq_free(q); /* the queued task is dropped, not run */
    CHECK(norder == 1);
}

/* ---- frames ---- */

RT_TEST(frame_copies_and_counts_references)
{
    char src[] = "hello";
    rt_frame_t *f = rt_frame_new(src, 5);
    CHECK(f != NULL);
    src[0] = 'j';
    CHECK(f->len == 5);
    CHECK_STR(f->data, "hello");
    CHECK(rt_frame_ref(f) == f);
    CHECK(atomic_load(&f->refs) == 2);
    rt_frame_unref(f);
    CHECK(atomic_load(&f->refs) == 1);
    rt_frame_unref(f);
    rt_frame_unref(NULL);
    rt_frame_t *e = rt_frame_new("", 0);
    CHECK(e && e->len == 0 && e->data[0] == '\0');
    rt_frame_unref(e);
}

RT_TEST_MAIN()

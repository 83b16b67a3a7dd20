/* One verification in flight per credential id: further attempts for an id that is being
 * verified wait in that id's line, outside the worker queue. A flood against one id therefore
 * holds at most one worker, and the other worker keeps serving every other id; when the id gets
 * locked, its line drains without any Argon2id. A reconnect storm with the right secret costs one
 * check: the rest of the line finds the verdict in the cache. */
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"

typedef struct {
    auth_pending_t *head, *tail; /* waiting, in arrival order */
} line_t;

int auth_slot_acquire(auth_t *a, auth_pending_t *j, const char *key)
{
    size_t len = strlen(key);
    int r = 0;
    pthread_mutex_lock(&a->park_lock);
    line_t *l = rt_map_get(a->parked, key, len);
    if (!l) {
        if (!(l = calloc(1, sizeof *l)) || rt_map_put(a->parked, key, len, l, NULL) != 0) {
            free(l);
            r = -1;
        } else {
            j->has_slot = true;
        }
    } else if (a->max_pending && a->nparked + rt_pool_waiting(a->pool) >= a->max_pending) {
        r = AUTH_FAIL_BUSY;
    } else {
        j->park_next = NULL;
        if (l->tail)
            l->tail->park_next = j;
        else
            l->head = j;
        l->tail = j;
        a->nparked++;
        r = 1;
    }
    pthread_mutex_unlock(&a->park_lock);
    return r;
}

auth_pending_t *auth_slot_release(auth_t *a, auth_pending_t *j, const char *key)
{
    if (!j->has_slot)
        return NULL;
    j->has_slot = false;
    size_t len = strlen(key);
    auth_pending_t *next = NULL;
    pthread_mutex_lock(&a->park_lock);
    line_t *l = rt_map_get(a->parked, key, len);
    if (l && l->head) {
        next = l->head;
        l->head = next->park_next;
        if (!l->head)
            l->tail = NULL;
        next->park_next = NULL;
        next->has_slot = true;
        a->nparked--;
    } else if (l) {
        free(rt_map_remove(a->parked, key, len));
    }
    pthread_mutex_unlock(&a->park_lock);
    return next;
}

size_t auth_slots_waiting(auth_t *a)
{
    pthread_mutex_lock(&a->park_lock);
    size_t n = a->nparked;
    pthread_mutex_unlock(&a->park_lock);
    return n;
}

/* String-keyed hash map (open addressing, linear probing) for registries and indexes.
 * The map copies keys; values are the caller's. Not thread-safe. */
#ifndef RT_UTIL_MAP_H
#define RT_UTIL_MAP_H

#include <stddef.h>

typedef struct rt_map rt_map_t;

rt_map_t *rt_map_new(void);
/* Values are not freed. */
void rt_map_free(rt_map_t *m);
void *rt_map_get(const rt_map_t *m, const char *key);
/* Inserts or replaces; returns 0, or -1 when memory runs out. */
int rt_map_set(rt_map_t *m, const char *key, void *value);
/* Returns the removed value, or NULL when absent. */
void *rt_map_del(rt_map_t *m, const char *key);
size_t rt_map_count(const rt_map_t *m);
/* Visits every entry; fn must not modify the map. */
void rt_map_each(const rt_map_t *m, void (*fn)(void *ctx, const char *key, void *value), void *ctx);

#endif

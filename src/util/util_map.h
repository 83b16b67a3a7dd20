/* The server's one hash map (directory mirror, identities, feed index, client ids): byte-string
 * keys hashed with SipHash under a random per-map key, so hostile ids cannot force collisions.
 * Keys are copied; values are the caller's. Not thread-safe: callers hold the lock that
 * protects the data the map indexes. */
#ifndef RT_UTIL_MAP_H
#define RT_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rt_map rt_map_t;

/* Caller owns the map (rt_map_free). NULL when memory runs out. */
rt_map_t *rt_map_new(void);
/* Frees the map; free_val (may be NULL) is called on every value still stored. */
void rt_map_free(rt_map_t *m, void (*free_val)(void *));
size_t rt_map_count(const rt_map_t *m);
/* Value stored under key[0..len), or NULL. Never allocates. */
void *rt_map_get(const rt_map_t *m, const void *key, size_t len);
/* Stores val under a copy of the key. The value previously stored under it, if any, is
 * handed back in *old (caller owns it) or NULL. Returns 0, or -1 when memory runs out. */
int rt_map_put(rt_map_t *m, const void *key, size_t len, void *val, void **old);
/* Removes the key; returns its value (caller owns it) or NULL. */
void *rt_map_remove(rt_map_t *m, const void *key, size_t len);
/* Calls fn for every entry, in no particular order; fn must not change the map. */
void rt_map_foreach(const rt_map_t *m, void (*fn)(void *ctx, const void *key, size_t len, void *val), void *ctx);

#endif

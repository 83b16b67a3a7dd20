/* String-keyed hash map for the auth layer's directory mirror and identity table. Keys are
 * hashed with SipHash under a random per-map key, so hostile ids cannot force collisions.
 * Not thread-safe: callers hold the lock that protects the data the map indexes. */
#ifndef RT_AUTH_MAP_H
#define RT_AUTH_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct auth_map auth_map_t;

/* Caller owns the map (auth_map_free). NULL when memory runs out. */
auth_map_t *auth_map_new(void);
/* Frees the map; free_val (may be NULL) is called on every value still stored. */
void auth_map_free(auth_map_t *m, void (*free_val)(void *));
size_t auth_map_count(const auth_map_t *m);
/* Value stored under key[0..len), or NULL. Never allocates. */
void *auth_map_get(const auth_map_t *m, const void *key, size_t len);
/* Stores val under a copy of the key. The value previously stored under it, if any, is
 * handed back in *old (caller owns it) or NULL. Returns 0, or -1 when memory runs out. */
int auth_map_put(auth_map_t *m, const void *key, size_t len, void *val, void **old);
/* Removes the key; returns its value (caller owns it) or NULL. */
void *auth_map_remove(auth_map_t *m, const void *key, size_t len);
/* Calls fn for every entry, in no particular order; fn must not change the map. */
void auth_map_foreach(const auth_map_t *m, void (*fn)(void *ctx, const void *key, size_t len, void *val),
                      void *ctx);

#endif

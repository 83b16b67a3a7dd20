/* A string-keyed hash map (separate chaining, power-of-two table) used by the feed for its
 * topic index and its interned selections. Keys are copied; values are borrowed pointers. */
#ifndef RT_FEED_MAP_H
#define RT_FEED_MAP_H

#include <stddef.h>

typedef struct feed_map feed_map_t;

/* Caller owns the map (feed_map_free); NULL when memory runs out. */
feed_map_t *feed_map_new(void);
/* Frees the map and its key copies, not the values. */
void feed_map_free(feed_map_t *m);
/* The value under key (len bytes), or NULL. */
void *feed_map_get(const feed_map_t *m, const char *key, size_t len);
/* Sets key -> value (replacing any). Returns 0, or -1 when memory runs out (map unchanged). */
int feed_map_put(feed_map_t *m, const char *key, size_t len, void *value);
/* Removes key; returns its value or NULL when absent. */
void *feed_map_del(feed_map_t *m, const char *key, size_t len);
size_t feed_map_count(const feed_map_t *m);

#endif

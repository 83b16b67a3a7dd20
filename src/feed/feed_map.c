/* String-keyed hash map for the feed: FNV-1a hashing, chains, doubling at load 1 and never
 * shrinking below its initial size. Lookups cost O(1) on average regardless of map size. */
#include "feed/feed_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct feed_map_entry {
    struct feed_map_entry *next;
    uint64_t hash;
    void *value;
    size_t len;
    char key[]; /* len bytes + NUL */
} feed_map_entry_t;

struct feed_map {
    feed_map_entry_t **slots;
    size_t nslots; /* power of two */
    size_t count;
};

#define FEED_MAP_INITIAL 64

static uint64_t feed_map_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

feed_map_t *feed_map_new(void)
{
    feed_map_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slots = calloc(FEED_MAP_INITIAL, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->nslots = FEED_MAP_INITIAL;
    return m;
}

void feed_map_free(feed_map_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nslots; i++) {
        feed_map_entry_t *e = m->slots[i];
        while (e) {
            feed_map_entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->slots);
    free(m);
}

static feed_map_entry_t **feed_map_find(const feed_map_t *m, const char *key, size_t len, uint64_t h)
{
    feed_map_entry_t **pp = &m->slots[h & (m->nslots - 1)];
    while (*pp) {
        feed_map_entry_t *e = *pp;
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return pp;
        pp = &e->next;
    }
    return pp;
}

void *feed_map_get(const feed_map_t *m, const char *key, size_t len)
{
    feed_map_entry_t **pp = feed_map_find(m, key, len, feed_map_hash(key, len));
    return *pp ? (*pp)->value : NULL;
}

/* Growing is best effort: a failed allocation leaves longer chains, never a broken map. */
static void feed_map_grow(feed_map_t *m)
{
    size_t n = m->nslots * 2;
    feed_map_entry_t **slots = calloc(n, sizeof *slots);
    if (!slots)
        return;
    for (size_t i = 0; i < m->nslots; i++) {
        feed_map_entry_t *e = m->slots[i];
        while (e) {
            feed_map_entry_t *next = e->next;
            size_t j = e->hash & (n - 1);
            e->next = slots[j];
            slots[j] = e;
            e = next;
        }
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
}

int feed_map_put(feed_map_t *m, const char *key, size_t len, void *value)
{
    uint64_t h = feed_map_hash(key, len);
    feed_map_entry_t **pp = feed_map_find(m, key, len, h);
    if (*pp) {
        (*pp)->value = value;
        return 0;
    }
    feed_map_entry_t *e = malloc(sizeof *e + len + 1);
    if (!e)
        return -1;
    e->next = NULL;
    e->hash = h;
    e->value = value;
    e->len = len;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    *pp = e;
    m->count++;
    if (m->count > m->nslots)
        feed_map_grow(m);
    return 0;
}

void *feed_map_del(feed_map_t *m, const char *key, size_t len)
{
    feed_map_entry_t **pp = feed_map_find(m, key, len, feed_map_hash(key, len));
    feed_map_entry_t *e = *pp;
    if (!e)
        return NULL;
    void *v = e->value;
    *pp = e->next;
    free(e);
    m->count--;
    return v;
}

size_t feed_map_count(const feed_map_t *m)
{
    return m->count;
}

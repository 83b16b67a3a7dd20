/* Chained hash table with keyed SipHash (libsodium crypto_shorthash): lookups touch one
 * bucket chain and never allocate, which is what the per-event paths need. */
#include "util/util_map.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    size_t len;
    void *val;
    unsigned char key[];
} entry_t;

struct rt_map {
    entry_t **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    unsigned char sipkey[crypto_shorthash_KEYBYTES];
};

static uint64_t map_hash(const rt_map_t *m, const void *key, size_t len)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, key, len, m->sipkey);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

rt_map_t *rt_map_new(void)
{
    rt_map_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (sodium_init() < 0) {
        free(m);
        return NULL;
    }
    m->nbuckets = 16;
    m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
    if (!m->buckets) {
        free(m);
        return NULL;
    }
    crypto_shorthash_keygen(m->sipkey);
    return m;
}

void rt_map_free(rt_map_t *m, void (*free_val)(void *))
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        entry_t *e = m->buckets[i];
        while (e) {
            entry_t *next = e->next;
            if (free_val)
                free_val(e->val);
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    free(m);
}

size_t rt_map_count(const rt_map_t *m) { return m->count; }

static entry_t **map_find(const rt_map_t *m, const void *key, size_t len, uint64_t h)
{
    entry_t **pp = &m->buckets[h & (m->nbuckets - 1)];
    while (*pp) {
        entry_t *e = *pp;
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return pp;
        pp = &e->next;
    }
    return pp;
}

void *rt_map_get(const rt_map_t *m, const void *key, size_t len)
{
    uint64_t h = map_hash(m, key, len);
    entry_t **pp = map_find(m, key, len, h);
    return *pp ? (*pp)->val : NULL;
}

static void map_grow(rt_map_t *m)
{
    size_t n = m->nbuckets * 2;
    entry_t **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep working with longer chains */
    for (size_t i = 0; i < m->nbuckets; i++) {
        entry_t *e = m->buckets[i];
        while (e) {
            entry_t *next = e->next;
            size_t j = e->hash & (n - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

int rt_map_put(rt_map_t *m, const void *key, size_t len, void *val, void **old)
{
    uint64_t h = map_hash(m, key, len);
    entry_t **pp = map_find(m, key, len, h);
    if (old)
        *old = NULL;
    if (*pp) {
        if (old)
            *old = (*pp)->val;
        (*pp)->val = val;
        return 0;
    }
    entry_t *e = malloc(sizeof *e + len + 1);
    if (!e)
        return -1;
    e->next = NULL;
    e->hash = h;
    e->len = len;
    e->val = val;
    memcpy(e->key, key, len);
    e->key[len] = 0;
    *pp = e;
    m->count++;
    if (m->count > m->nbuckets)
        map_grow(m);
    return 0;
}

void *rt_map_remove(rt_map_t *m, const void *key, size_t len)
{
    uint64_t h = map_hash(m, key, len);
    entry_t **pp = map_find(m, key, len, h);
    entry_t *e = *pp;
    if (!e)
        return NULL;
    *pp = e->next;
    void *val = e->val;
    free(e);
    m->count--;
    return val;
}

void rt_map_foreach(const rt_map_t *m, void (*fn)(void *ctx, const void *key, size_t len, void *val), void *ctx)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (entry_t *e = m->buckets[i]; e; e = e->next)
            fn(ctx, e->key, e->len, e->val);
}

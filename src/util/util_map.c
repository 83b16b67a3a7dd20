/* Open-addressing hash map with tombstones; FNV-1a hashing, grown at 70% load. */
#include "util/util_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOMB ((char *)1)

typedef struct slot {
    char *key; /* NULL: empty, TOMB: deleted */
    void *value;
    uint64_t hash;
} slot_t;

struct rt_map {
    slot_t *slots;
    size_t cap;   /* power of two */
    size_t count; /* live entries */
    size_t used;  /* live + tombstones */
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

rt_map_t *rt_map_new(void)
{
    rt_map_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 16;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void rt_map_free(rt_map_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMB)
            free(m->slots[i].key);
    free(m->slots);
    free(m);
}

static slot_t *find(const rt_map_t *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        slot_t *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMB && s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

void *rt_map_get(const rt_map_t *m, const char *key)
{
    slot_t *s = find(m, key, hash_str(key));
    return s ? s->value : NULL;
}

static int grow(rt_map_t *m)
{
    size_t ncap = m->count * 4 > m->cap ? m->cap * 2 : m->cap;
    slot_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        slot_t *s = &m->slots[i];
        if (!s->key || s->key == TOMB)
            continue;
        size_t j = s->hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    m->used = m->count;
    return 0;
}

int rt_map_set(rt_map_t *m, const char *key, void *value)
{
    uint64_t h = hash_str(key);
    slot_t *s = find(m, key, h);
    if (s) {
        s->value = value;
        return 0;
    }
    if ((m->used + 1) * 10 > m->cap * 7 && grow(m) < 0)
        return -1;
    char *k = strdup(key);
    if (!k)
        return -1;
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    while (m->slots[i].key && m->slots[i].key != TOMB)
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i] = (slot_t){k, value, h};
    m->count++;
    return 0;
}

void *rt_map_del(rt_map_t *m, const char *key)
{
    slot_t *s = find(m, key, hash_str(key));
    if (!s)
        return NULL;
    void *v = s->value;
    free(s->key);
    s->key = TOMB;
    s->value = NULL;
    m->count--;
    return v;
}

size_t rt_map_count(const rt_map_t *m) { return m->count; }

void rt_map_each(const rt_map_t *m, void (*fn)(void *ctx, const char *key, void *value), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMB)
            fn(ctx, m->slots[i].key, m->slots[i].value);
}

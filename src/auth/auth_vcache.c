/* A fixed-size, 4-way set-associative table: bounded memory whatever is presented; the
 * victim in a full set is the entry closest to expiry. */
#include "auth/auth_vcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SETS 1024
#define WAYS 4

typedef struct ventry {
    uint8_t key[AUTH_VCACHE_KEY_BYTES];
    uint64_t version;
    int64_t expires_us; /* monotonic; 0: empty */
    bool ok;
} ventry_t;

struct auth_vcache {
    pthread_mutex_t lock;
    ventry_t e[SETS][WAYS];
};

auth_vcache_t *auth_vcache_new(void)
{
    auth_vcache_t *c = calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

void auth_vcache_free(auth_vcache_t *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static ventry_t *set_of(auth_vcache_t *c, const uint8_t *key)
{
    uint32_t h;
    memcpy(&h, key, sizeof h); /* the key is already a keyed hash: its bits are uniform */
    return c->e[h % SETS];
}

int auth_vcache_get(auth_vcache_t *c, const uint8_t key[AUTH_VCACHE_KEY_BYTES], uint64_t version, rt_mono_t now,
                    bool *ok)
{
    int hit = 0;
    pthread_mutex_lock(&c->lock);
    ventry_t *set = set_of(c, key);
    for (int i = 0; i < WAYS; i++) {
        ventry_t *v = &set[i];
        if (v->expires_us > now.us && v->version == version && memcmp(v->key, key, AUTH_VCACHE_KEY_BYTES) == 0) {
            *ok = v->ok;
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void auth_vcache_put(auth_vcache_t *c, const uint8_t key[AUTH_VCACHE_KEY_BYTES], uint64_t version, rt_mono_t now,
                     bool ok)
{
    pthread_mutex_lock(&c->lock);
    ventry_t *set = set_of(c, key), *victim = &set[0];
    for (int i = 0; i < WAYS; i++) {
        ventry_t *v = &set[i];
        if (memcmp(v->key, key, AUTH_VCACHE_KEY_BYTES) == 0 || v->expires_us <= now.us) {
            victim = v;
            break;
        }
        if (v->expires_us < victim->expires_us)
            victim = v;
    }
    memcpy(victim->key, key, AUTH_VCACHE_KEY_BYTES);
    victim->version = version;
    victim->expires_us = rt_mono_add_ms(now, AUTH_VCACHE_TTL_MS).us;
    victim->ok = ok;
    pthread_mutex_unlock(&c->lock);
}

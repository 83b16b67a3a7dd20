/* Verification cache: remembers, for a short time, whether a presented secret matched a
 * credential's stored Argon2id hash, so a reconnect storm costs one Argon2id per credential.
 * Keyed by a keyed hash of (form, id, secret) computed by the caller — the secret itself is
 * never stored — and by the credential's directory version, so any change to the credential
 * (new hash, revocation) makes old entries miss. Thread-safe (one mutex). */
#ifndef RT_AUTH_VCACHE_H
#define RT_AUTH_VCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util_clock.h"

#define AUTH_VCACHE_KEY_BYTES 16
#define AUTH_VCACHE_TTL_MS 60000

typedef struct auth_vcache auth_vcache_t;

/* Caller owns it (auth_vcache_free). NULL when memory runs out. */
auth_vcache_t *auth_vcache_new(void);
void auth_vcache_free(auth_vcache_t *c);
/* 1 and *ok on a live entry for (key, version); 0 on a miss. */
int auth_vcache_get(auth_vcache_t *c, const uint8_t key[AUTH_VCACHE_KEY_BYTES], uint64_t version, rt_mono_t now,
                    bool *ok);
void auth_vcache_put(auth_vcache_t *c, const uint8_t key[AUTH_VCACHE_KEY_BYTES], uint64_t version, rt_mono_t now,
                     bool ok);

#endif

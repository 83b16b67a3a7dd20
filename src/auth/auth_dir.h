/* The in-memory directory mirror: organizations, users, memberships, API keys, PATs and blob
 * ownership, as the store committed them. One writer (the network thread applying commits),
 * many readers (network threads judging events, verification workers): a rwlock guards it.
 * Lookups return borrowed records, valid while the caller holds the read lock. */
#ifndef RT_AUTH_DIR_H
#define RT_AUTH_DIR_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/util_map.h"

typedef struct dir_org {
    char *id, *slug, *name, *created_at;
    bool banned;
} dir_org_t;

typedef struct dir_user {
    char *id;
    bool banned;
} dir_user_t;

typedef struct dir_member {
    char *org_id, *user_id, *role;
} dir_member_t;

/* An API key (owner_id = organization) or a PAT (owner_id = user). */
typedef struct dir_cred {
    char *id, *owner_id, *secret_hash;
    int64_t expires_ms; /* INT64_MAX: never; INT64_MIN: unreadable expiresAt (fail closed) */
    bool revoked;
    uint64_t version; /* directory generation of its last change: stale cache entries differ */
} dir_cred_t;

typedef struct dir_blob {
    char *id, *org_id;
    bool is_public;
} dir_blob_t;

/* Readers take one of several rwlocks, chosen by thread, so network threads judging events
 * in parallel do not bounce one lock's cache line between cores; a writer takes them all. */
#define AUTH_DIR_STRIPES 8
typedef struct auth_dir_stripe {
    pthread_rwlock_t lock;
    /* 128-byte stride: two locks never share a 64-byte line, however the block is aligned. */
    char pad[128 - sizeof(pthread_rwlock_t)];
} auth_dir_stripe_t;

typedef struct auth_dir {
    auth_dir_stripe_t stripes[AUTH_DIR_STRIPES];
    int nstripes_ready;
    atomic_uint_least64_t gen; /* bumped by every change that can affect an identity */
    rt_map_t *orgs, *slugs, *users, *members, *api_keys, *pats, *blobs;
} auth_dir_t;

int auth_dir_init(auth_dir_t *d);
void auth_dir_destroy(auth_dir_t *d);

/* Takes the write lock. See auth_dir_apply in auth.h for the meaning. Returns 1 when `type`
 * is a directory type it mirrors, 0 when ignored, -1 on OOM (the old record is kept removed:
 * fail closed). */
int auth_dir_put(auth_dir_t *d, const char *type, const char *id, json_object *node);

static inline pthread_rwlock_t *auth_dir_stripe(auth_dir_t *d)
{
    uint64_t t = (uint64_t)(uintptr_t)pthread_self();
    return &d->stripes[(t * 0x9E3779B97F4A7C15ull) >> 61].lock; /* top 3 bits: 8 stripes */
}
/* Read lock / unlock on the calling thread's stripe (the same thread must unlock). */
static inline void auth_dir_rdlock(auth_dir_t *d) { pthread_rwlock_rdlock(auth_dir_stripe(d)); }
static inline void auth_dir_unlock(auth_dir_t *d) { pthread_rwlock_unlock(auth_dir_stripe(d)); }

/* Read-locked lookups (NULL when absent). */
const dir_org_t *auth_dir_org(const auth_dir_t *d, const char *id);
const dir_org_t *auth_dir_org_by_slug(const auth_dir_t *d, const char *slug);
const dir_user_t *auth_dir_user(const auth_dir_t *d, const char *id);
bool auth_dir_is_member(const auth_dir_t *d, const char *org_id, const char *user_id);
const dir_cred_t *auth_dir_api_key(const auth_dir_t *d, const char *id);
const dir_cred_t *auth_dir_pat(const auth_dir_t *d, const char *id);
const dir_blob_t *auth_dir_blob(const auth_dir_t *d, const char *id);

/* RFC 3339 date-time to ms since the epoch; 0 or -1 when unreadable. */
int auth_time_parse(const char *s, int64_t *ms);

#endif

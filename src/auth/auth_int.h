/* Internals shared by the auth layer's files (not for other layers): the auth context, the
 * identity and the pending authentication. */
#ifndef RT_AUTH_INT_H
#define RT_AUTH_INT_H

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>

#include "auth/auth.h"
#include "auth/auth_cred.h"
#include "auth/auth_dir.h"
#include "util/util_map.h"
#include "util/util_pool.h"
#include "auth/auth_limit.h"
#include "auth/auth_vcache.h"

#define AUTH_ID_KEY_BYTES 16
#define AUTH_WORKERS 2

struct auth_identity {
    auth_t *a;
    int refs;      /* under a->id_lock */
    bool interned; /* present in a->identities under key */
    uint8_t key[AUTH_ID_KEY_BYTES];
    auth_kind_t kind;
    auth_cred_form_t form;   /* SERVICE, JWT, PAT or API_KEY */
    char *id;                /* user id, API key id, or "service" */
    char *cred_id;           /* the PAT id of a PAT identity, else NULL */
    char *scope_org;         /* resolved organization id of x-org-id, or NULL */
    char *scope_blob;        /* x-blob-id, or NULL */
    int64_t jwt_deadline_ms; /* when a JWT identity stops being valid; INT64_MAX otherwise */
    /* Liveness memo for directory generation live_gen: the credential's deadline, INT64_MIN when
     * not live. Written under the directory read lock only, so every concurrent writer computes
     * the same values for the same generation (see auth_principal_live_cached). */
    atomic_uint_least64_t live_gen;
    atomic_int_least64_t live_deadline;
};

struct auth_pending {
    auth_t *a;
    struct auth_pending *prev, *next; /* a->jobs, under a->jobs_lock */
    rt_taskq_t *q;
    auth_done_fn done;
    void *ctx;
    atomic_bool cancelled;
    auth_cred_t cred;
    int attempts; /* worker round trips (bounded) */
    uint8_t ckey[AUTH_VCACHE_KEY_BYTES];
    char *hash;                  /* copy of the stored hash the worker checks against */
    uint64_t version;            /* directory version of that hash */
    bool have_result, secret_ok; /* worker verdict for `version` */
    bool throttled;              /* the worker refused it: the id or address got locked meanwhile */
    bool unknown_id;             /* no such PAT / API key: counts against the address only */
    char addr[64];               /* client address the failure limits count (may be "") */
    bool has_slot;               /* holds its id's verification slot (auth_queue.c) */
    struct auth_pending *park_next;
};

struct auth {
    struct rt_server *srv;
    auth_dir_t dir;
    unsigned char *hs_secret;
    size_t hs_len;
    unsigned char ed_pk[crypto_sign_PUBLICKEYBYTES];
    bool has_ed;
    char *issuer, *audience, *service_key;
    uint8_t hkey[crypto_generichash_KEYBYTES]; /* per-process key of every keyed hash */
    pthread_mutex_t id_lock;
    rt_map_t *identities; /* key -> auth_identity_t (not owned) */
    pthread_mutex_t jobs_lock;
    auth_pending_t *jobs;
    rt_pool_t *pool;
    auth_limit_t *limit;
    pthread_mutex_t park_lock;
    rt_map_t *parked;   /* limit id -> its line of waiting attempts; present while one is in flight */
    size_t nparked;     /* attempts in those lines, under park_lock */
    size_t max_pending; /* bound of parked + queued verifications (0: none) */
    auth_vcache_t *vcache;
    atomic_long pwhash_count;
};

/* Under the directory read lock: is the principal still live (credential present, not revoked,
 * its user / organization present and not banned, its scope organization not banned)? *deadline
 * receives when its credential expires (INT64_MAX: never). */
bool auth_principal_live(const auth_t *a, const auth_identity_t *id, int64_t *deadline);
/* Same, memoised per identity and directory generation: the per-event path pays a lookup only
 * after a directory change. Under the directory read lock. */
bool auth_principal_live_cached(const auth_t *a, const auth_identity_t *id, int64_t *deadline);

/* The per-id verification slot (auth_queue.c), key = the job's limit id. Acquire returns 0 with
 * j->has_slot set, 1 when j was put in the id's line (it gets the slot from a release), or
 * AUTH_FAIL_BUSY / -1 (OOM). Release hands the slot to the next job in line and returns it (the
 * caller schedules it), or NULL. */
int auth_slot_acquire(auth_t *a, auth_pending_t *j, const char *key);
auth_pending_t *auth_slot_release(auth_t *a, auth_pending_t *j, const char *key);
size_t auth_slots_waiting(auth_t *a);

#endif

/* Auth context, identities and the authentication flow. Every authentication runs as a job
 * whose steps execute on the caller's thread through its task queue; only the Argon2id check
 * of a PAT/API key secret leaves for a worker, and its verdict comes back through the same
 * queue. The job is owned by the auth context until its last step frees it, so a caller that
 * cancels while a worker holds it only flips a flag. */
#include "auth/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth_jwt.h"
#include "server.h"
#include "util/util_log.h"

#define AUTH_STEP_WORKER (-1)
#define AUTH_MAX_ATTEMPTS 3

const char *auth_failure_name(auth_failure_t f)
{
    switch (f) {
    case AUTH_OK: return "ok";
    case AUTH_FAIL_NO_CREDENTIAL: return "no_credential";
    case AUTH_FAIL_MALFORMED: return "malformed";
    case AUTH_FAIL_BAD_SECRET: return "bad_secret";
    case AUTH_FAIL_UNKNOWN: return "unknown";
    case AUTH_FAIL_EXPIRED: return "expired";
    case AUTH_FAIL_BANNED: return "banned";
    case AUTH_FAIL_SCOPE: return "scope";
    case AUTH_FAIL_CLAIMS: return "claims";
    case AUTH_FAIL_THROTTLED: return "throttled";
    case AUTH_FAIL_BUSY: return "busy";
    default: return "unknown_reason";
    }
}

/* ---- context ---- */

static int decode_ed_key(const char *b64, unsigned char out[crypto_sign_PUBLICKEYBYTES])
{
    static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                                   sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    size_t len = strlen(b64);
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        unsigned char buf[64];
        size_t n = 0;
        if (sodium_base642bin(buf, sizeof buf, b64, len, " \n\r\t", &n, NULL, variants[i]) == 0 &&
            n == crypto_sign_PUBLICKEYBYTES) {
            memcpy(out, buf, n);
            return 0;
        }
    }
    return -1;
}

static char *dup_opt(const char *s) { return s && *s ? strdup(s) : NULL; }

auth_t *auth_new(struct rt_server *srv)
{
    if (sodium_init() < 0) {
        rt_log_error("auth", "libsodium failed to initialise");
        return NULL;
    }
    auth_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->srv = srv;
    pthread_mutex_init(&a->id_lock, NULL);
    pthread_mutex_init(&a->jobs_lock, NULL);
    pthread_mutex_init(&a->park_lock, NULL);
    atomic_init(&a->pwhash_count, 0);
    crypto_generichash_keygen(a->hkey);
    if (auth_dir_init(&a->dir)) {
        pthread_mutex_destroy(&a->id_lock);
        pthread_mutex_destroy(&a->jobs_lock);
        pthread_mutex_destroy(&a->park_lock);
        free(a);
        return NULL;
    }
    const rt_config_t *cfg = &srv->cfg;
    if (cfg->jwt_hs256_secret && cfg->jwt_hs256_secret[0]) {
        a->hs_len = strlen(cfg->jwt_hs256_secret);
        if (!(a->hs_secret = malloc(a->hs_len)))
            goto fail;
        memcpy(a->hs_secret, cfg->jwt_hs256_secret, a->hs_len);
    }
    if (cfg->jwt_ed25519_public_key && cfg->jwt_ed25519_public_key[0]) {
        if (decode_ed_key(cfg->jwt_ed25519_public_key, a->ed_pk)) {
            rt_log_error("auth", "--jwt-ed25519-public-key is not the base64 of a 32-byte Ed25519 public key");
            goto fail;
        }
        a->has_ed = true;
    }
    a->issuer = dup_opt(cfg->jwt_issuer);
    a->audience = dup_opt(cfg->jwt_audience);
    a->service_key = dup_opt(cfg->service_key);
    if ((cfg->jwt_issuer && cfg->jwt_issuer[0] && !a->issuer) ||
        (cfg->jwt_audience && cfg->jwt_audience[0] && !a->audience) ||
        (cfg->service_key && cfg->service_key[0] && !a->service_key))
        goto fail;
    a->max_pending = (size_t)cfg->max_pending_verifications;
    if (!(a->identities = rt_map_new()) || !(a->parked = rt_map_new()) || !(a->vcache = auth_vcache_new()) ||
        !(a->pool = rt_pool_new(AUTH_WORKERS, (size_t)cfg->max_pending_verifications)) ||
        !(a->limit =
              auth_limit_new(cfg->auth_failures_per_id, cfg->auth_failures_per_address, cfg->auth_failure_window_ms)))
        goto fail;
    return a;
fail:
    auth_free(a);
    return NULL;
}

static void identity_free(auth_identity_t *id)
{
    free(id->id);
    free(id->cred_id);
    free(id->scope_org);
    free(id->scope_blob);
    free(id);
}

static void job_free(auth_pending_t *j)
{
    auth_t *a = j->a;
    pthread_mutex_lock(&a->jobs_lock);
    if (j->prev)
        j->prev->next = j->next;
    else
        a->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    pthread_mutex_unlock(&a->jobs_lock);
    auth_cred_clear(&j->cred);
    free(j->hash);
    free(j);
}

static void identity_free_cb(void *p) { identity_free(p); }

void auth_free(auth_t *a)
{
    if (!a)
        return;
    rt_pool_free(a->pool); /* joins the workers: no job is touched by them after this */
    auth_limit_free(a->limit);
    while (a->jobs)
        job_free(a->jobs);
    auth_vcache_free(a->vcache);
    if (a->identities && rt_map_count(a->identities))
        rt_log_warn("auth", "%zu identities still referenced at shutdown", rt_map_count(a->identities));
    rt_map_free(a->identities, identity_free_cb);
    rt_map_free(a->parked, free); /* the lines only point at jobs, freed above */
    auth_dir_destroy(&a->dir);
    if (a->hs_secret) {
        sodium_memzero(a->hs_secret, a->hs_len);
        free(a->hs_secret);
    }
    if (a->service_key) {
        sodium_memzero(a->service_key, strlen(a->service_key));
        free(a->service_key);
    }
    free(a->issuer);
    free(a->audience);
    sodium_memzero(a->hkey, sizeof a->hkey);
    pthread_mutex_destroy(&a->id_lock);
    pthread_mutex_destroy(&a->jobs_lock);
    pthread_mutex_destroy(&a->park_lock);
    free(a);
}

void auth_dir_apply(auth_t *a, const char *type, const char *id, json_object *node)
{
    auth_dir_put(&a->dir, type, id, node);
}

void auth_dir_record(void *auth, const char *type, const char *id, json_object *node)
{
    auth_dir_put(&((auth_t *)auth)->dir, type, id, node);
}

uint64_t auth_dir_generation(auth_t *a) { return atomic_load(&a->dir.gen); }

long auth_pwhash_count(auth_t *a) { return atomic_load(&a->pwhash_count); }

size_t auth_verifications_waiting(auth_t *a) { return rt_pool_waiting(a->pool) + auth_slots_waiting(a); }

/* ---- identities ---- */

auth_identity_t *auth_identity_ref(auth_identity_t *id)
{
    pthread_mutex_lock(&id->a->id_lock);
    id->refs++;
    pthread_mutex_unlock(&id->a->id_lock);
    return id;
}

void auth_identity_unref(auth_identity_t *id)
{
    if (!id)
        return;
    auth_t *a = id->a;
    pthread_mutex_lock(&a->id_lock);
    bool last = --id->refs == 0;
    if (last && id->interned)
        rt_map_remove(a->identities, id->key, sizeof id->key);
    pthread_mutex_unlock(&a->id_lock);
    if (last)
        identity_free(id);
}

auth_kind_t auth_identity_kind(const auth_identity_t *id) { return id->kind; }

const char *auth_identity_id(const auth_identity_t *id) { return id->id; }

static bool org_usable(const auth_dir_t *d, const char *org_id)
{
    const dir_org_t *o = auth_dir_org(d, org_id);
    return o && !o->banned;
}

static bool user_usable(const auth_dir_t *d, const char *user_id)
{
    const dir_user_t *u = auth_dir_user(d, user_id);
    return u && !u->banned;
}

bool auth_principal_live(const auth_t *a, const auth_identity_t *id, int64_t *deadline)
{
    const auth_dir_t *d = &a->dir;
    *deadline = INT64_MAX;
    if (id->scope_org && !org_usable(d, id->scope_org))
        return false;
    switch (id->form) {
    case AUTH_CRED_SERVICE: return true;
    case AUTH_CRED_JWT: return user_usable(d, id->id);
    case AUTH_CRED_PAT: {
        const dir_cred_t *c = auth_dir_pat(d, id->cred_id);
        if (!c || c->revoked || strcmp(c->owner_id, id->id) != 0 || !user_usable(d, id->id))
            return false;
        *deadline = c->expires_ms;
        return true;
    }
    case AUTH_CRED_API_KEY: {
        const dir_cred_t *c = auth_dir_api_key(d, id->id);
        if (!c || c->revoked || !org_usable(d, c->owner_id))
            return false;
        *deadline = c->expires_ms;
        return true;
    }
    default: return false;
    }
}

bool auth_principal_live_cached(const auth_t *a, const auth_identity_t *cid, int64_t *deadline)
{
    auth_identity_t *id = (auth_identity_t *)cid;                           /* only the memo changes */
    uint64_t gen = atomic_load_explicit(&a->dir.gen, memory_order_relaxed); /* stable: we hold the read lock */
    if (atomic_load_explicit(&id->live_gen, memory_order_acquire) == gen) {
        *deadline = atomic_load_explicit(&id->live_deadline, memory_order_relaxed);
        return *deadline != INT64_MIN;
    }
    bool live = auth_principal_live(a, id, deadline);
    if (!live)
        *deadline = INT64_MIN;
    atomic_store_explicit(&id->live_deadline, *deadline, memory_order_relaxed);
    atomic_store_explicit(&id->live_gen, gen, memory_order_release);
    return live;
}

bool auth_identity_valid(const auth_identity_t *id, rt_wall_t now)
{
    if (id->form == AUTH_CRED_SERVICE && !id->scope_org)
        return true;
    auth_t *a = id->a;
    int64_t deadline;
    auth_dir_rdlock(&a->dir);
    bool ok = auth_principal_live_cached(a, id, &deadline);
    auth_dir_unlock(&a->dir);
    return ok && now.ms < deadline && now.ms < id->jwt_deadline_ms;
}

static void hash_part(crypto_generichash_state *st, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) + 1 : 0; /* 0 tells NULL from "" */
    crypto_generichash_update(st, (const unsigned char *)&n, sizeof n);
    if (s)
        crypto_generichash_update(st, (const unsigned char *)s, n - 1);
}

/* Returns a new reference to the interned identity for this principal + credential + scope,
 * creating it when absent; NULL on OOM. `secret` is the token or secret presented. */
static auth_identity_t *identity_get(auth_t *a, auth_cred_form_t form, const char *principal, const char *cred_id,
                                     const char *secret, const char *scope_org, const char *scope_blob,
                                     int64_t jwt_deadline_ms)
{
    uint8_t key[AUTH_ID_KEY_BYTES];
    crypto_generichash_state st;
    crypto_generichash_init(&st, a->hkey, sizeof a->hkey, sizeof key);
    unsigned char f = (unsigned char)form;
    crypto_generichash_update(&st, &f, 1);
    hash_part(&st, principal);
    hash_part(&st, cred_id);
    hash_part(&st, secret);
    hash_part(&st, scope_org);
    hash_part(&st, scope_blob);
    crypto_generichash_final(&st, key, sizeof key);

    pthread_mutex_lock(&a->id_lock);
    auth_identity_t *id = rt_map_get(a->identities, key, sizeof key);
    if (id && id->jwt_deadline_ms == jwt_deadline_ms) {
        id->refs++;
        pthread_mutex_unlock(&a->id_lock);
        return id;
    }
    pthread_mutex_unlock(&a->id_lock);

    auth_identity_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->a = a;
    n->refs = 1;
    memcpy(n->key, key, sizeof key);
    n->form = form;
    n->kind = form == AUTH_CRED_SERVICE   ? AUTH_PRINCIPAL_SERVICE
              : form == AUTH_CRED_API_KEY ? AUTH_PRINCIPAL_API_KEY
                                          : AUTH_PRINCIPAL_USER;
    n->id = strdup(principal);
    n->cred_id = cred_id ? strdup(cred_id) : NULL;
    n->scope_org = scope_org ? strdup(scope_org) : NULL;
    n->scope_blob = scope_blob ? strdup(scope_blob) : NULL;
    n->jwt_deadline_ms = jwt_deadline_ms;
    atomic_init(&n->live_gen, 0);
    atomic_init(&n->live_deadline, INT64_MIN);
    if (!n->id || (cred_id && !n->cred_id) || (scope_org && !n->scope_org) || (scope_blob && !n->scope_blob)) {
        identity_free(n);
        return NULL;
    }
    pthread_mutex_lock(&a->id_lock);
    /* Another thread may have interned the same identity meanwhile: share it. */
    auth_identity_t *old = rt_map_get(a->identities, key, sizeof key);
    if (old && old->jwt_deadline_ms == jwt_deadline_ms) {
        old->refs++;
        pthread_mutex_unlock(&a->id_lock);
        identity_free(n);
        return old;
    }
    void *replaced = NULL;
    if (rt_map_put(a->identities, key, sizeof key, n, &replaced) == 0) {
        n->interned = true;
        if (replaced)
            ((auth_identity_t *)replaced)->interned = false; /* lives on with its own references */
    }
    pthread_mutex_unlock(&a->id_lock);
    return n;
}

/* ---- the authentication job ---- */

static void cred_cache_key(const auth_t *a, auth_pending_t *j, unsigned char form)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, a->hkey, sizeof a->hkey, sizeof j->ckey);
    crypto_generichash_update(&st, &form, 1);
    hash_part(&st, j->cred.cred_id);
    hash_part(&st, j->cred.secret);
    crypto_generichash_final(&st, j->ckey, sizeof j->ckey);
}

/* The failure-limit key of a PAT / API key attempt: kind-qualified, as a PAT and an API key
 * may share an id. Written to buf; returns buf. */
static const char *limit_id(const auth_pending_t *j, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%s", j->cred.form == AUTH_CRED_API_KEY ? "key" : "pat",
             j->cred.cred_id ? j->cred.cred_id : "");
    return buf;
}

static const char *limit_addr(const auth_pending_t *j) { return j->addr[0] ? j->addr : NULL; }

/* Under the directory read lock: resolves and checks x-org-id / x-blob-id for a principal.
 * *org_out is the resolved organization id (borrowed from the mirror) or NULL. */
static auth_failure_t check_scope(const auth_t *a, const auth_pending_t *j, auth_cred_form_t form,
                                  const char *principal, const char *key_org, const char **org_out)
{
    const auth_dir_t *d = &a->dir;
    *org_out = NULL;
    if (j->cred.scope_org) {
        const dir_org_t *o = auth_dir_org(d, j->cred.scope_org);
        if (!o)
            o = auth_dir_org_by_slug(d, j->cred.scope_org);
        if (!o || o->banned)
            return AUTH_FAIL_SCOPE;
        if (form == AUTH_CRED_API_KEY ? strcmp(key_org, o->id) != 0
                                      : form != AUTH_CRED_SERVICE && !auth_dir_is_member(d, o->id, principal))
            return AUTH_FAIL_SCOPE;
        *org_out = o->id;
    }
    if (j->cred.scope_blob && form != AUTH_CRED_SERVICE) {
        /* An unknown blob narrows to nothing yet (it may appear later); a known one must be visible. */
        const dir_blob_t *b = auth_dir_blob(d, j->cred.scope_blob);
        if (b) {
            bool ok = org_usable(d, b->org_id) &&
                      (b->is_public || (form == AUTH_CRED_API_KEY ? strcmp(key_org, b->org_id) == 0
                                                                  : auth_dir_is_member(d, b->org_id, principal)));
            if (!ok)
                return AUTH_FAIL_SCOPE;
        }
    }
    return AUTH_OK;
}

/* A Bearer JWT: verified here (no Argon2id), its sub must be a usable user. */
static int eval_jwt(auth_t *a, auth_pending_t *j, rt_wall_t now, auth_identity_t **out)
{
    auth_cred_t *c = &j->cred;
    auth_jwt_keys_t keys = {.hs_secret = a->hs_secret,
                            .hs_len = a->hs_len,
                            .ed_pk = a->has_ed ? a->ed_pk : NULL,
                            .issuer = a->issuer,
                            .audience = a->audience};
    auth_jwt_claims_t cl;
    auth_failure_t r = auth_jwt_verify(&keys, c->token, strlen(c->token), now, &cl);
    if (r != AUTH_OK)
        return r;
    /* The sub goes to the log line on a later failure. */
    free(c->cred_id);
    c->cred_id = cl.sub;
    /* A token accepted only thanks to the leeway stays valid to the end of the leeway, not
     * closed on the next validity check. */
    int64_t deadline = cl.exp_ms;
    if (deadline != INT64_MAX && deadline <= now.ms)
        deadline += AUTH_JWT_LEEWAY_S * 1000;
    const char *org = NULL;
    auth_dir_rdlock(&a->dir);
    const dir_user_t *u = auth_dir_user(&a->dir, cl.sub);
    r = !u ? AUTH_FAIL_UNKNOWN : u->banned ? AUTH_FAIL_BANNED : check_scope(a, j, AUTH_CRED_JWT, cl.sub, NULL, &org);
    if (r == AUTH_OK && !(*out = identity_get(a, AUTH_CRED_JWT, cl.sub, NULL, c->token, org, c->scope_blob, deadline)))
        r = AUTH_FAIL_UNKNOWN;
    auth_dir_unlock(&a->dir);
    return r;
}

/* A PAT or API key (or ?token=<id>.<secret>, whichever of the two the id names): limits,
 * directory checks, then the secret from the cache or, via AUTH_STEP_WORKER, from a worker. */
static int eval_pair(auth_t *a, auth_pending_t *j, rt_wall_t now, auth_identity_t **out)
{
    auth_cred_t *c = &j->cred;
    auth_failure_t r = AUTH_OK;
    auth_dir_rdlock(&a->dir);
    if (c->form == AUTH_CRED_PAIR)
        c->form = auth_dir_api_key(&a->dir, c->cred_id) ? AUTH_CRED_API_KEY : AUTH_CRED_PAT;
    bool is_key = c->form == AUTH_CRED_API_KEY;
    char lim_id[300];
    /* Refused before the directory is consulted, so a locked caller learns nothing about the id. */
    if (j->attempts == 0 &&
        auth_limit_locked(a->limit, limit_id(j, lim_id, sizeof lim_id), limit_addr(j), rt_mono_now())) {
        r = AUTH_FAIL_THROTTLED;
        goto out;
    }
    const dir_cred_t *cr = is_key ? auth_dir_api_key(&a->dir, c->cred_id) : auth_dir_pat(&a->dir, c->cred_id);
    if (!cr) {
        r = AUTH_FAIL_UNKNOWN;
        j->unknown_id = true;
    } else if (cr->revoked || cr->expires_ms <= now.ms) {
        r = AUTH_FAIL_EXPIRED;
    } else if (is_key ? !org_usable(&a->dir, cr->owner_id) : !user_usable(&a->dir, cr->owner_id)) {
        r = AUTH_FAIL_BANNED;
    } else if (!cr->secret_hash) {
        r = AUTH_FAIL_BAD_SECRET;
    }
    if (r != AUTH_OK)
        goto out;
    if (j->attempts == 0 && !j->have_result)
        cred_cache_key(a, j, (unsigned char)c->form);
    bool ok;
    if (j->have_result && j->version == cr->version) {
        ok = j->secret_ok;
    } else if (!auth_vcache_get(a->vcache, j->ckey, cr->version, rt_mono_now(), &ok)) {
        if (j->attempts >= AUTH_MAX_ATTEMPTS) {
            r = AUTH_FAIL_BAD_SECRET; /* the credential kept changing under verification */
            goto out;
        }
        free(j->hash);
        if (!(j->hash = strdup(cr->secret_hash))) {
            r = AUTH_FAIL_UNKNOWN;
            goto out;
        }
        j->version = cr->version;
        j->have_result = false;
        auth_dir_unlock(&a->dir);
        return AUTH_STEP_WORKER;
    }
    if (!ok) {
        r = AUTH_FAIL_BAD_SECRET;
        goto out;
    }
    const char *principal = is_key ? cr->id : cr->owner_id;
    const char *org = NULL;
    r = check_scope(a, j, c->form, principal, is_key ? cr->owner_id : NULL, &org);
    if (r == AUTH_OK &&
        !(*out = identity_get(a, c->form, principal, is_key ? NULL : cr->id, c->secret, org, c->scope_blob, INT64_MAX)))
        r = AUTH_FAIL_UNKNOWN;
out:
    auth_dir_unlock(&a->dir);
    return r;
}

/* One evaluation on the caller's thread: AUTH_OK with *out, a failure, or AUTH_STEP_WORKER
 * when the secret must first be checked by a worker. */
static int job_eval(auth_t *a, auth_pending_t *j, auth_identity_t **out)
{
    auth_cred_t *c = &j->cred;
    rt_wall_t now = rt_wall_now();
    if (c->fail)
        return c->fail;
    if (c->form == AUTH_CRED_SERVICE) {
        const char *org = NULL;
        auth_dir_rdlock(&a->dir);
        auth_failure_t r = check_scope(a, j, AUTH_CRED_SERVICE, "service", NULL, &org);
        if (r == AUTH_OK &&
            !(*out = identity_get(a, AUTH_CRED_SERVICE, "service", NULL, NULL, org, c->scope_blob, INT64_MAX)))
            r = AUTH_FAIL_UNKNOWN;
        auth_dir_unlock(&a->dir);
        return r;
    }
    if (c->form == AUTH_CRED_JWT)
        return eval_jwt(a, j, now, out);
    return eval_pair(a, j, now, out);
}

static void job_step(void *arg);

/* Worker thread: the one slow step. Re-checks the cache first, since jobs of a reconnect
 * storm queue up behind the first verification of the same secret. */
static void job_verify(void *arg)
{
    auth_pending_t *j = arg;
    auth_t *a = j->a;
    if (!atomic_load(&j->cancelled)) {
        bool ok;
        rt_mono_t now = rt_mono_now();
        char lim_id[300];
        if (auth_vcache_get(a->vcache, j->ckey, j->version, now, &ok)) {
            j->secret_ok = ok;
            j->have_result = true;
        } else if (auth_limit_locked(a->limit, limit_id(j, lim_id, sizeof lim_id), limit_addr(j), now)) {
            /* Locked while this one waited: a queued flood costs no Argon2id past the limit. */
            j->throttled = true;
        } else {
            ok = crypto_pwhash_str_verify(j->hash, j->cred.secret, strlen(j->cred.secret)) == 0;
            atomic_fetch_add(&a->pwhash_count, 1);
            auth_vcache_put(a->vcache, j->ckey, j->version, now, ok);
            j->secret_ok = ok;
            j->have_result = true;
        }
    }
    j->attempts++;
    if (rt_taskq_push(j->q, job_step, j) != 0)
        rt_log_error("auth", "out of memory returning a verification; the handshake is dropped");
    /* on failure the job stays listed in a->jobs and is freed by auth_free */
}

static void report_failure(auth_t *a, const auth_pending_t *j, auth_failure_t r)
{
    if (a->srv && r > 0 && r < 16)
        atomic_fetch_add_explicit(&a->srv->metrics.auth_failures[r], 1, memory_order_relaxed);
    const char *id = j->cred.cred_id ? j->cred.cred_id : "-";
    rt_log_level_t lvl = r == AUTH_FAIL_BAD_SECRET || r == AUTH_FAIL_BANNED ? RT_LOG_WARN : RT_LOG_INFO;
    rt_log(lvl, "auth", "authentication failed: reason=%s form=%s id=%s address=%s", auth_failure_name(r),
           auth_cred_form_name(j->cred.form), id, j->addr[0] ? j->addr : "-");
}

/* Counts a failed PAT / API key verification against its id and the client address; an
 * unknown id counts against the address only. */
static void count_failure(auth_t *a, const auth_pending_t *j, int r)
{
    bool pair = j->cred.form == AUTH_CRED_PAT || j->cred.form == AUTH_CRED_API_KEY;
    if (!pair || (r != AUTH_FAIL_BAD_SECRET && !(r == AUTH_FAIL_UNKNOWN && j->unknown_id)))
        return;
    char lim_id[300];
    auth_limit_fail(a->limit, r == AUTH_FAIL_BAD_SECRET ? limit_id(j, lim_id, sizeof lim_id) : NULL, limit_addr(j),
                    rt_mono_now());
}

/* Gives up j's verification slot; the next attempt in its id's line runs its step next. */
static void slot_release(auth_t *a, auth_pending_t *j)
{
    char key[300];
    auth_pending_t *next = auth_slot_release(a, j, limit_id(j, key, sizeof key));
    if (next && rt_taskq_push(next->q, job_step, next) != 0)
        rt_log_error("auth", "out of memory resuming a verification; the handshake is dropped");
}

/* Sends j to a worker once it holds its id's slot. Returns 1 when j was handed on (to a worker
 * or to its id's line), else the failure to answer with. */
static int to_worker(auth_t *a, auth_pending_t *j)
{
    if (!j->has_slot) {
        char key[300];
        int r = auth_slot_acquire(a, j, limit_id(j, key, sizeof key));
        if (r == 1)
            return 1;
        if (r != 0)
            return r == AUTH_FAIL_BUSY ? AUTH_FAIL_BUSY : AUTH_FAIL_UNKNOWN;
    }
    int sr = rt_pool_submit(a->pool, job_verify, j);
    if (sr == 0)
        return 1;
    return sr == RT_POOL_FULL ? AUTH_FAIL_BUSY : AUTH_FAIL_UNKNOWN;
}

static void job_step(void *arg)
{
    auth_pending_t *j = arg;
    auth_t *a = j->a;
    if (atomic_load(&j->cancelled)) {
        /* A guess whose caller hung up still counts, or hanging up would be free guessing. */
        if (j->have_result && !j->secret_ok)
            count_failure(a, j, AUTH_FAIL_BAD_SECRET);
        slot_release(a, j);
        job_free(j);
        return;
    }
    auth_identity_t *id = NULL;
    int r = j->throttled ? AUTH_FAIL_THROTTLED : job_eval(a, j, &id);
    if (r == AUTH_STEP_WORKER && (r = to_worker(a, j)) == 1)
        return;
    slot_release(a, j);
    count_failure(a, j, r);
    if (r != AUTH_OK)
        report_failure(a, j, (auth_failure_t)r);
    j->done(j->ctx, (auth_failure_t)r, id);
    job_free(j);
}

int auth_authenticate(auth_t *a, const auth_request_t *req, rt_taskq_t *q, auth_done_fn done, void *ctx,
                      auth_pending_t **pending)
{
    auth_pending_t *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->a = a;
    j->q = q;
    j->done = done;
    j->ctx = ctx;
    atomic_init(&j->cancelled, false);
    if (auth_cred_extract(req, a->service_key, &j->cred)) {
        auth_cred_clear(&j->cred);
        free(j);
        return -1;
    }
    const char *xff = req->forwarded_for;
    if (!xff && req->header)
        xff = req->header(req->header_ctx, "x-forwarded-for");
    auth_limit_client_addr(a->srv ? a->srv->cfg.trusted_proxies : NULL, req->peer, xff, j->addr, sizeof j->addr);
    pthread_mutex_lock(&a->jobs_lock);
    j->next = a->jobs;
    if (a->jobs)
        a->jobs->prev = j;
    a->jobs = j;
    pthread_mutex_unlock(&a->jobs_lock);
    if (rt_taskq_push(q, job_step, j) != 0) {
        job_free(j);
        return -1;
    }
    *pending = j;
    return 0;
}

void auth_cancel(auth_pending_t *pending)
{
    if (pending)
        atomic_store(&pending->cancelled, true);
}

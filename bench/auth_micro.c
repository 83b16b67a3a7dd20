/* In-process micro-benchmark of the auth layer's hot paths: auth_can_view (per event per
 * subscriber), auth_identity_valid (per connection per second), JWT verification, and one
 * Argon2id verification at the limits `hash-secret` uses. Not part of the build; see
 * bench/RESULTS.md for the command line. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/auth_jwt.h"
#include "server.h"
#include "util/util_log.h"
#include "util/util_taskq.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void apply(auth_t *a, const char *type, const char *id, const char *json)
{
    json_object *n = json_tokener_parse(json);
    auth_dir_apply(a, type, id, n);
    json_object_put(n);
}

typedef struct fan {
    auth_t *a;
    auth_identity_t **subs;
    int nsub;
    json_object **ev;
    int nev;
    long visible;
} fan_t;

static void *fan_thread(void *arg)
{
    fan_t *f = arg;
    for (int i = 0; i < f->nev; i++)
        for (int u = 0; u < f->nsub; u++)
            f->visible += auth_can_view(f->a, f->subs[u], "Execution", f->ev[i]);
    return NULL;
}

static void on_done(void *ctx, auth_failure_t r, auth_identity_t *id) { *(auth_identity_t **)ctx = id; }

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    rt_log_set_level(RT_LOG_ERROR);
    static rt_server_t srv;
    const char *secret = "bench-secret";
    srv.cfg.jwt_hs256_secret = secret;
    auth_t *a = auth_new(&srv);
    char buf[512];
    /* 1,000 organizations, 10,000 blobs, 5,000 users in 2 organizations each. */
    for (int o = 0; o < 1000; o++) {
        snprintf(buf, sizeof buf, "{\"id\":\"o%d\",\"slug\":\"s%d\",\"name\":\"n\",\"createdAt\":\"x\"}", o, o);
        char id[32];
        snprintf(id, sizeof id, "o%d", o);
        apply(a, "Organization", id, buf);
    }
    for (int b = 0; b < 10000; b++) {
        char id[32];
        snprintf(id, sizeof id, "b%d", b);
        snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"organizationId\":\"o%d\",\"visibility\":\"%s\"}", id, b % 1000,
                 b % 10 ? "PRIVATE" : "PUBLIC");
        apply(a, "Blob", id, buf);
    }
    for (int u = 0; u < 5000; u++) {
        char id[32], mid[64];
        snprintf(id, sizeof id, "u%d", u);
        snprintf(buf, sizeof buf, "{\"id\":\"%s\"}", id);
        apply(a, "User", id, buf);
        for (int k = 0; k < 2; k++) {
            int o = (u + k * 500) % 1000;
            snprintf(mid, sizeof mid, "o%d:%s", o, id);
            snprintf(buf, sizeof buf, "{\"organizationId\":\"o%d\",\"userId\":\"%s\",\"role\":\"MEMBER\"}", o, id);
            apply(a, "Membership", mid, buf);
        }
    }
    /* JWT identities for 1,000 users: the subscribers of the fan-out. */
    enum { NSUB = 1000, NEV = 1000 };
    static auth_identity_t *subs[NSUB];
    rt_taskq_t *q = rt_taskq_new(NULL, NULL);
    char tok[512];
    for (int u = 0; u < NSUB; u++) {
        char hdr[64], pl[96], sig[64], params[700];
        const char *h = "{\"alg\":\"HS256\"}";
        char p[64];
        snprintf(p, sizeof p, "{\"sub\":\"u%d\",\"exp\":4102444800}", u * 5);
        sodium_bin2base64(hdr, sizeof hdr, (const unsigned char *)h, strlen(h),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_bin2base64(pl, sizeof pl, (const unsigned char *)p, strlen(p), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(tok, sizeof tok, "%s.%s", hdr, pl);
        unsigned char mac[32];
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, strlen(tok));
        crypto_auth_hmacsha256_final(&st, mac);
        sodium_bin2base64(sig, sizeof sig, mac, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(tok + strlen(tok), sizeof tok - strlen(tok), ".%s", sig);
        snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", tok);
        json_object *pj = json_tokener_parse(params);
        auth_request_t req = {.params = pj};
        auth_pending_t *pend;
        auth_authenticate(a, &req, q, on_done, &subs[u], &pend);
        rt_taskq_drain(q);
        json_object_put(pj);
        if (!subs[u]) {
            fprintf(stderr, "authentication failed\n");
            return 1;
        }
    }
    auth_identity_t *who = subs[7];

    /* Fan-out: each event (a random blob of 10,000) judged for every subscriber. */
    json_object *ev[NEV];
    for (int i = 0; i < NEV; i++) {
        snprintf(buf, sizeof buf, "{\"id\":\"e%d\",\"blobId\":\"b%d\",\"status\":\"RUNNING\"}", i, (i * 7919) % 10000);
        ev[i] = json_tokener_parse(buf);
    }
    long visible = 0;
    double t0 = now_s();
    for (int i = 0; i < NEV; i++)
        for (int u = 0; u < NSUB; u++)
            visible += auth_can_view(a, subs[u], "Execution", ev[i]);
    double dt = now_s() - t0;
    printf("auth_can_view, fan-out (1 event x 1,000 subscribers, 1,000 events): %.0f ns/check (%ld visible of %d)\n",
           dt * 1e9 / ((double)NSUB * NEV), visible, NSUB * NEV);
    /* The same fan-out on two threads at once (two network threads delivering). */
    fan_t fans[2] = {{a, subs, NSUB, ev, NEV, 0}, {a, subs, NSUB, ev, NEV, 0}};
    pthread_t th[2];
    t0 = now_s();
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, fan_thread, &fans[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    dt = now_s() - t0;
    printf("auth_can_view, same fan-out on 2 threads at once: %.1f M checks/s in total\n", 2.0 * NSUB * NEV / dt / 1e6);
    visible = 0;
    t0 = now_s();
    for (int r = 0; r < 1000; r++)
        for (int i = 0; i < NEV; i++)
            visible += auth_can_view(a, who, "Execution", ev[i]);
    dt = now_s() - t0;
    printf("auth_can_view, one subscriber over 1,000 random blobs: %.0f ns/check\n", dt * 1e9 / (1000.0 * NEV));

    t0 = now_s();
    long valid = 0;
    for (long i = 0; i < 1000000; i++)
        valid += auth_identity_valid(who, rt_wall_from_ms(1700000000000LL));
    dt = now_s() - t0;
    printf("auth_identity_valid: %.0f ns/call\n", dt * 1e9 / 1000000);

    auth_jwt_keys_t keys = {.hs_secret = (const unsigned char *)secret, .hs_len = strlen(secret)};
    t0 = now_s();
    for (int i = 0; i < 100000; i++) {
        auth_jwt_claims_t cl;
        auth_jwt_verify(&keys, tok, strlen(tok), rt_wall_from_ms(1700000000000LL), &cl);
        free(cl.sub);
    }
    dt = now_s() - t0;
    printf("JWT HS256 verify: %.1f us/token (%.0f/s on one core)\n", dt * 1e6 / 100000, 100000 / dt);

    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, "s", 1, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return 1;
    t0 = now_s();
    for (int i = 0; i < 5; i++)
        if (crypto_pwhash_str_verify(hash, "s", 1) != 0)
            return 1;
    dt = now_s() - t0;
    printf("Argon2id verify (INTERACTIVE: 2 passes, 64 MiB): %.1f ms\n", dt * 1e3 / 5);

    for (int i = 0; i < NEV; i++)
        json_object_put(ev[i]);
    for (int u = 0; u < NSUB; u++)
        auth_identity_unref(subs[u]);
    rt_taskq_free(q);
    auth_free(a);
    return valid > 0 ? 0 : 1;
}

/* Unit tests for src/auth: JWT vectors generated here with libsodium (HS256, EdDSA) and every
 * malformed form; credential extraction; PAT / API key verification through the worker pool
 * and its cache; identity validity; scoping; the view matrix. */
#include "rt_test.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/auth_dir.h"
#include "auth/auth_jwt.h"
#include "auth/auth_limit.h"
#include "auth/auth_vcache.h"
#include "server.h"
#include "util/util_log.h"
#include "util/util_taskq.h"

static const char HS_SECRET[] = "test-hs256-secret-of-some-length";
static unsigned char ED_PK[crypto_sign_PUBLICKEYBYTES], ED_SK[crypto_sign_SECRETKEYBYTES];

/* ---- token building ---- */

static char *b64url(const void *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

enum { SIG_HS, SIG_ED, SIG_NONE, SIG_GARBAGE };

/* Signs header.payload with HMAC-SHA256 under `key` (SIG_HS), Ed25519 (SIG_ED), nothing
 * (SIG_NONE: empty signature) or a fixed garbage signature. Caller frees. */
static char *jwt_sign(const char *header, const char *payload, int how, const unsigned char *key, size_t keylen)
{
    char *h = b64url(header, strlen(header)), *p = b64url(payload, strlen(payload));
    char *signing;
    if (asprintf(&signing, "%s.%s", h, p) < 0)
        abort();
    free(h);
    free(p);
    unsigned char sig[64];
    size_t sig_len = 0;
    if (how == SIG_HS) {
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, key, keylen);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing, strlen(signing));
        crypto_auth_hmacsha256_final(&st, sig);
        sig_len = 32;
    } else if (how == SIG_ED) {
        crypto_sign_detached(sig, NULL, (const unsigned char *)signing, strlen(signing), ED_SK);
        sig_len = 64;
    } else if (how == SIG_GARBAGE) {
        memset(sig, 0x5a, 32);
        sig_len = 32;
    }
    char *s = sig_len ? b64url(sig, sig_len) : strdup("");
    char *out;
    if (asprintf(&out, "%s.%s", signing, s) < 0)
        abort();
    free(s);
    free(signing);
    return out;
}

static char *hs_token(const char *payload)
{
    return jwt_sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, SIG_HS, (const unsigned char *)HS_SECRET,
                    strlen(HS_SECRET));
}

static char *ed_token(const char *payload)
{
    return jwt_sign("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}", payload, SIG_ED, NULL, 0);
}

/* ---- direct JWT verification at fixed times ---- */

static auth_failure_t verify_at(const auth_jwt_keys_t *k, const char *tok, int64_t now_ms, char **sub)
{
    auth_jwt_claims_t cl;
    auth_failure_t r = auth_jwt_verify(k, tok, strlen(tok), rt_wall_from_ms(now_ms), &cl);
    if (sub)
        *sub = cl.sub;
    else
        free(cl.sub);
    return r;
}

RT_TEST(jwt)
{
    const int64_t T = 1700000000; /* seconds */
    auth_jwt_keys_t both = {.hs_secret = (const unsigned char *)HS_SECRET, .hs_len = strlen(HS_SECRET), .ed_pk = ED_PK};
    auth_jwt_keys_t hs_only = {.hs_secret = (const unsigned char *)HS_SECRET, .hs_len = strlen(HS_SECRET)};
    auth_jwt_keys_t ed_only = {.ed_pk = ED_PK};
    char pl[256], *t, *sub = NULL;

    snprintf(pl, sizeof pl, "{\"sub\":\"u1\",\"exp\":%lld}", (long long)(T + 60));
    t = hs_token(pl);
    CHECK(verify_at(&hs_only, t, T * 1000, &sub) == AUTH_OK);
    CHECK_STR(sub, "u1");
    free(sub);
    CHECK(verify_at(&both, t, T * 1000, NULL) == AUTH_OK);
    CHECK(verify_at(&ed_only, t, T * 1000, NULL) == AUTH_FAIL_MALFORMED); /* HS256 not configured */
    /* Tampering: flip the last payload character's case -> signature mismatch. */
    char *tampered = strdup(t);
    char *dot2 = strrchr(tampered, '.');
    dot2[-1] = dot2[-1] == 'A' ? 'B' : 'A';
    CHECK(verify_at(&hs_only, tampered, T * 1000, NULL) != AUTH_OK);
    free(tampered);
    /* Wrong HMAC key. */
    char *wrongkey = jwt_sign("{\"alg\":\"HS256\"}", pl, SIG_HS, (const unsigned char *)"other", 5);
    CHECK(verify_at(&hs_only, wrongkey, T * 1000, NULL) == AUTH_FAIL_BAD_SECRET);
    free(wrongkey);
    /* Trailing/leading junk, extra segments. */
    char *junk;
    CHECK(asprintf(&junk, "%s.", t) > 0);
    CHECK(verify_at(&hs_only, junk, T * 1000, NULL) == AUTH_FAIL_MALFORMED);
    free(junk);
    CHECK(asprintf(&junk, "%s=", t) > 0);
    CHECK(verify_at(&hs_only, junk, T * 1000, NULL) == AUTH_FAIL_MALFORMED);
    free(junk);
    free(t);

    t = ed_token(pl);
    CHECK(verify_at(&ed_only, t, T * 1000, &sub) == AUTH_OK);
    CHECK_STR(sub, "u1");
    free(sub);
    CHECK(verify_at(&both, t, T * 1000, NULL) == AUTH_OK);
    CHECK(verify_at(&hs_only, t, T * 1000, NULL) == AUTH_FAIL_MALFORMED);
    free(t);
    /* EdDSA signature by another key. */
    unsigned char pk2[32], sk2[64];
    crypto_sign_keypair(pk2, sk2);
    auth_jwt_keys_t ed2 = {.ed_pk = pk2};
    t = ed_token(pl);
    CHECK(verify_at(&ed2, t, T * 1000, NULL) == AUTH_FAIL_BAD_SECRET);
    free(t);

    /* alg confusion: HS256 "signed" with the Ed25519 public key bytes. */
    t = jwt_sign("{\"alg\":\"HS256\"}", pl, SIG_HS, ED_PK, sizeof ED_PK);
    CHECK(verify_at(&ed_only, t, T * 1000, NULL) == AUTH_FAIL_MALFORMED);
    CHECK(verify_at(&both, t, T * 1000, NULL) == AUTH_FAIL_BAD_SECRET);
    free(t);
    /* alg none, with and without a signature; unknown algs; missing / non-string alg. */
    const char *bad_headers[] = {"{\"alg\":\"none\"}",
                                 "{\"alg\":\"None\"}",
                                 "{\"alg\":\"RS256\"}",
                                 "{\"alg\":\"HS512\"}",
                                 "{\"typ\":\"JWT\"}",
                                 "{\"alg\":256}",
                                 "{\"alg\":\"HS256\",\"crit\":[\"x\"]}",
                                 "[\"HS256\"]",
                                 "{\"alg\":\"HS256\"",
                                 "not json",
                                 "{\"alg\":\"HS256\"} x"};
    for (size_t i = 0; i < sizeof bad_headers / sizeof *bad_headers; i++) {
        for (int how = SIG_HS; how <= SIG_NONE; how++) {
            t = jwt_sign(bad_headers[i], pl, how, (const unsigned char *)HS_SECRET, strlen(HS_SECRET));
            if (verify_at(&both, t, T * 1000, NULL) != AUTH_FAIL_MALFORMED) {
                fprintf(stderr, "header %s sig %d accepted\n", bad_headers[i], how);
                CHECK(0);
            } else {
                CHECK(1);
            }
            free(t);
        }
    }
    /* Bad payloads behind a valid signature. */
    const char *bad_payloads[] = {
        "not json",        "[1,2]", "\"u1\"", "{\"sub\":\"u1\",\"exp\":\"soon\"}", "{\"sub\":\"u1\",\"nbf\":true}",
        "{\"sub\":\"u1\"", ""};
    for (size_t i = 0; i < sizeof bad_payloads / sizeof *bad_payloads; i++) {
        t = hs_token(bad_payloads[i]);
        CHECK(verify_at(&hs_only, t, T * 1000, NULL) == AUTH_FAIL_MALFORMED);
        free(t);
    }
    /* sub missing, empty or not a string. */
    const char *bad_subs[] = {"{\"exp\":1800000000}", "{\"sub\":\"\"}", "{\"sub\":42}"};
    for (size_t i = 0; i < 3; i++) {
        t = hs_token(bad_subs[i]);
        CHECK(verify_at(&hs_only, t, T * 1000, NULL) == AUTH_FAIL_CLAIMS);
        free(t);
    }
    /* Bad base64url: standard alphabet, padding, invalid characters, non-zero trailing bits. */
    const char *bad_b64[] = {"eyJhbGciOiJIUzI1NiJ9+.eyJzdWIiOiJ1MSJ9.AAAA",
                             "eyJhbGciOiJIUzI1NiJ9=.eyJzdWIiOiJ1MSJ9.AAAA",
                             "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.AA*A",
                             "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.AB",
                             "eyJhbGc iOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.AAAA",
                             "..",
                             ".eyJzdWIiOiJ1MSJ9.AAAA",
                             "a.b",
                             "a.b.c.d",
                             "",
                             "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.A"};
    for (size_t i = 0; i < sizeof bad_b64 / sizeof *bad_b64; i++)
        CHECK(verify_at(&both, bad_b64[i], T * 1000, NULL) == AUTH_FAIL_MALFORMED);
    /* Oversized token. */
    char *big = malloc(AUTH_JWT_MAX_LEN + 10);
    memset(big, 'A', AUTH_JWT_MAX_LEN + 9);
    big[10] = '.';
    big[20] = '.';
    big[AUTH_JWT_MAX_LEN + 9] = 0;
    CHECK(verify_at(&both, big, T * 1000, NULL) == AUTH_FAIL_MALFORMED);
    free(big);

    /* exp / nbf and the 30 s leeway, at the edges. */
    snprintf(pl, sizeof pl, "{\"sub\":\"u1\",\"exp\":%lld}", (long long)T);
    t = hs_token(pl);
    CHECK(verify_at(&hs_only, t, (T + 30) * 1000, NULL) == AUTH_OK);
    CHECK(verify_at(&hs_only, t, (T + 30) * 1000 + 1, NULL) == AUTH_FAIL_EXPIRED);
    CHECK(verify_at(&hs_only, t, (T + 31) * 1000, NULL) == AUTH_FAIL_EXPIRED);
    auth_jwt_claims_t cl;
    CHECK(auth_jwt_verify(&hs_only, t, strlen(t), rt_wall_from_ms((T - 5) * 1000), &cl) == AUTH_OK &&
          cl.exp_ms == T * 1000);
    free(cl.sub);
    free(t);
    snprintf(pl, sizeof pl, "{\"sub\":\"u1\",\"nbf\":%lld}", (long long)T);
    t = hs_token(pl);
    CHECK(verify_at(&hs_only, t, (T - 30) * 1000, NULL) == AUTH_OK);
    CHECK(verify_at(&hs_only, t, (T - 31) * 1000, NULL) == AUTH_FAIL_EXPIRED);
    CHECK(auth_jwt_verify(&hs_only, t, strlen(t), rt_wall_from_ms(T * 1000), &cl) == AUTH_OK && cl.exp_ms == INT64_MAX);
    free(cl.sub);
    free(t);
    snprintf(pl, sizeof pl, "{\"sub\":\"u1\",\"exp\":%lld.75}", (long long)T);
    t = hs_token(pl);
    CHECK(verify_at(&hs_only, t, (T + 30) * 1000, NULL) == AUTH_OK);
    CHECK(verify_at(&hs_only, t, (T + 32) * 1000, NULL) == AUTH_FAIL_EXPIRED);
    free(t);

    /* iss / aud. */
    auth_jwt_keys_t strict = hs_only;
    strict.issuer = "https://issuer.example";
    strict.audience = "blobhub";
    struct {
        const char *payload;
        auth_failure_t want;
    } claims[] = {
        {"{\"sub\":\"u1\",\"iss\":\"https://issuer.example\",\"aud\":\"blobhub\"}", AUTH_OK},
        {"{\"sub\":\"u1\",\"iss\":\"https://issuer.example\",\"aud\":[\"x\",\"blobhub\"]}", AUTH_OK},
        {"{\"sub\":\"u1\",\"iss\":\"https://issuer.example\",\"aud\":[\"x\",\"y\"]}", AUTH_FAIL_CLAIMS},
        {"{\"sub\":\"u1\",\"iss\":\"https://issuer.example\",\"aud\":\"blobhub2\"}", AUTH_FAIL_CLAIMS},
        {"{\"sub\":\"u1\",\"iss\":\"https://issuer.example\"}", AUTH_FAIL_CLAIMS},
        {"{\"sub\":\"u1\",\"iss\":\"https://evil.example\",\"aud\":\"blobhub\"}", AUTH_FAIL_CLAIMS},
        {"{\"sub\":\"u1\",\"aud\":\"blobhub\"}", AUTH_FAIL_CLAIMS},
        {"{\"sub\":\"u1\",\"iss\":7,\"aud\":\"blobhub\"}", AUTH_FAIL_CLAIMS},
        {"{\"sub\":\"u1\",\"iss\":\"https://issuer.example\",\"aud\":{\"blobhub\":1}}", AUTH_FAIL_CLAIMS},
    };
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        t = hs_token(claims[i].payload);
        CHECK(verify_at(&strict, t, T * 1000, NULL) == claims[i].want);
        free(t);
    }
}

/* NumericDates at and past the int64 edges: saturated, never overflowed (UBSan aborts on a
 * signed overflow in `exp + leeway` or `exp * 1000`). */
RT_TEST(jwt_extreme_dates)
{
    const int64_t T = 1700000000;
    auth_jwt_keys_t k = {.hs_secret = (const unsigned char *)HS_SECRET, .hs_len = strlen(HS_SECRET)};
    const int64_t far_ms = 9000000000000000LL * 1000;
    struct {
        const char *payload;
        auth_failure_t want;
        int64_t exp_ms; /* on AUTH_OK */
    } cases[] = {
        {"{\"sub\":\"u1\",\"exp\":9223372036854775807}", AUTH_OK, far_ms},
        {"{\"sub\":\"u1\",\"exp\":18446744073709551615}", AUTH_OK, far_ms},
        {"{\"sub\":\"u1\",\"exp\":9300000000000000}", AUTH_OK, far_ms},
        {"{\"sub\":\"u1\",\"exp\":9.3e15}", AUTH_OK, far_ms},
        {"{\"sub\":\"u1\",\"exp\":1e308}", AUTH_OK, far_ms},
        {"{\"sub\":\"u1\",\"exp\":9000000000000000}", AUTH_OK, far_ms},
        {"{\"sub\":\"u1\",\"exp\":-9223372036854775808}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"exp\":-9300000000000000}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"exp\":-9.3e15}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"exp\":-1}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"exp\":-1e308}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"nbf\":9223372036854775807}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"nbf\":-9223372036854775808}", AUTH_OK, INT64_MAX},
        {"{\"sub\":\"u1\",\"nbf\":1e308,\"exp\":1e308}", AUTH_FAIL_EXPIRED, 0},
        {"{\"sub\":\"u1\",\"nbf\":-1e308,\"exp\":9223372036854775807}", AUTH_OK, far_ms},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *t = hs_token(cases[i].payload);
        auth_jwt_claims_t cl;
        auth_failure_t r = auth_jwt_verify(&k, t, strlen(t), rt_wall_from_ms(T * 1000), &cl);
        if (r != cases[i].want || (r == AUTH_OK && cl.exp_ms != cases[i].exp_ms))
            fprintf(stderr, "payload %s: got %d exp_ms %lld\n", cases[i].payload, (int)r, (long long)cl.exp_ms);
        CHECK(r == cases[i].want);
        CHECK(r != AUTH_OK || cl.exp_ms == cases[i].exp_ms);
        free(cl.sub);
        free(t);
    }
    /* At the far ends of the clock too. */
    char *t = hs_token("{\"sub\":\"u1\",\"exp\":9223372036854775807,\"nbf\":-9223372036854775808}");
    CHECK(verify_at(&k, t, INT64_MAX, NULL) == AUTH_FAIL_EXPIRED);
    CHECK(verify_at(&k, t, 0, NULL) == AUTH_OK);
    free(t);
}

/* ---- the auth context end to end ---- */

typedef struct result {
    int called;
    auth_failure_t r;
    auth_identity_t *id;
} result_t;

static void on_done(void *ctx, auth_failure_t r, auth_identity_t *id)
{
    result_t *res = ctx;
    res->called++;
    res->r = r;
    res->id = id;
}

typedef struct hdrs {
    const char *names[4];
    const char *values[4];
} hdrs_t;

static const char *hdr_get(void *ctx, const char *name)
{
    hdrs_t *h = ctx;
    for (int i = 0; i < 4 && h->names[i]; i++)
        if (strcmp(h->names[i], name) == 0)
            return h->values[i];
    return NULL;
}

static rt_taskq_t *Q;
static rt_server_t SRV;
static const char *PEER, *XFF; /* client address of the next authn calls */

static void drain_until(result_t *res)
{
    for (int i = 0; i < 20000 && !res->called; i++) {
        if (rt_taskq_drain(Q) == 0)
            usleep(500);
    }
}

/* Authenticates with a connection_init payload (JSON text), optional ?token= and headers.
 * Returns the failure; *out gets the identity (caller unrefs) when wanted, else it is dropped. */
static auth_failure_t authn(auth_t *a, const char *params_json, const char *qtoken, hdrs_t *h, auth_identity_t **out)
{
    json_object *params = params_json ? json_tokener_parse(params_json) : NULL;
    auth_request_t req = {.params = params,
                          .query_token = qtoken,
                          .header = h ? hdr_get : NULL,
                          .header_ctx = h,
                          .peer = PEER,
                          .forwarded_for = XFF};
    result_t res = {0};
    auth_pending_t *p = NULL;
    if (auth_authenticate(a, &req, Q, on_done, &res, &p) != 0) {
        json_object_put(params);
        return AUTH_FAIL__COUNT;
    }
    json_object_put(params); /* copied by auth_authenticate */
    CHECK(res.called == 0);  /* never called from inside auth_authenticate */
    drain_until(&res);
    CHECK(res.called == 1);
    CHECK((res.r == AUTH_OK) == (res.id != NULL));
    if (out)
        *out = res.id;
    else if (res.id)
        auth_identity_unref(res.id);
    return res.r;
}

static void apply(auth_t *a, const char *type, const char *id, const char *json)
{
    json_object *n = json ? json_tokener_parse(json) : NULL;
    if (json && !n) {
        fprintf(stderr, "bad fixture JSON: %s\n", json);
        abort();
    }
    auth_dir_apply(a, type, id, n);
    json_object_put(n);
}

static char *hash_secret(const char *secret)
{
    char *out = malloc(crypto_pwhash_STRBYTES);
    if (crypto_pwhash_str(out, secret, strlen(secret), crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) != 0)
        abort();
    return out;
}

static void iso_time(int64_t ms, char *out, size_t n)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void put_cred(auth_t *a, const char *type, const char *id, const char *owner_field, const char *owner,
                     const char *secret, const char *expires, bool revoked)
{
    char *h = hash_secret(secret), buf[1024];
    char exp[64] = "null";
    if (expires)
        snprintf(exp, sizeof exp, "\"%s\"", expires);
    snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"%s\":\"%s\",\"secretHash\":\"%s\",\"expiresAt\":%s,\"revoked\":%s}", id,
             owner_field, owner, h, exp, revoked ? "true" : "false");
    apply(a, type, id, buf);
    free(h);
}

/* Two organizations, four users, keys of each, public and private blobs of each. */
static void seed(auth_t *a)
{
    apply(a, "Organization", "oA",
          "{\"id\":\"oA\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"2026-01-01T00:00:00Z\"}");
    apply(a, "Organization", "oB",
          "{\"id\":\"oB\",\"slug\":\"bolt\",\"name\":\"Bolt\",\"createdAt\":\"2026-01-02T00:00:00Z\"}");
    apply(a, "User", "uA", "{\"id\":\"uA\",\"name\":\"A\"}");
    apply(a, "User", "uB", "{\"id\":\"uB\"}");
    apply(a, "User", "uAB", "{\"id\":\"uAB\",\"banned\":false}");
    apply(a, "User", "uN", "{\"id\":\"uN\"}");
    apply(a, "User", "uX", "{\"id\":\"uX\",\"banned\":true}");
    apply(a, "Membership", "oA:uA", "{\"organizationId\":\"oA\",\"userId\":\"uA\",\"role\":\"MEMBER\"}");
    apply(a, "Membership", "oB:uB", "{\"organizationId\":\"oB\",\"userId\":\"uB\",\"role\":\"OWNER\"}");
    apply(a, "Membership", "oA:uAB", "{\"organizationId\":\"oA\",\"userId\":\"uAB\",\"role\":\"ADMIN\"}");
    apply(a, "Membership", "oB:uAB", "{\"organizationId\":\"oB\",\"userId\":\"uAB\",\"role\":\"VIEWER\"}");
    apply(a, "Blob", "bAp", "{\"id\":\"bAp\",\"organizationId\":\"oA\",\"visibility\":\"PRIVATE\"}");
    apply(a, "Blob", "bAu", "{\"id\":\"bAu\",\"organizationId\":\"oA\",\"visibility\":\"PUBLIC\"}");
    apply(a, "Blob", "bBp", "{\"id\":\"bBp\",\"organizationId\":\"oB\",\"visibility\":\"PRIVATE\"}");
    apply(a, "Blob", "bBu", "{\"id\":\"bBu\",\"organizationId\":\"oB\",\"visibility\":\"PUBLIC\"}");
    put_cred(a, "ApiKey", "kA", "organizationId", "oA", "secretA", NULL, false);
    put_cred(a, "ApiKey", "kB", "organizationId", "oB", "secretB", NULL, false);
    put_cred(a, "PersonalAccessToken", "pA", "userId", "uA", "patsecretA", "2999-01-01T00:00:00Z", false);
}

static auth_t *new_auth(const char *issuer, const char *audience)
{
    static char ed_b64[64];
    sodium_bin2base64(ed_b64, sizeof ed_b64, ED_PK, sizeof ED_PK, sodium_base64_VARIANT_ORIGINAL);
    memset(&SRV, 0, sizeof SRV);
    SRV.cfg.jwt_hs256_secret = HS_SECRET;
    SRV.cfg.jwt_ed25519_public_key = ed_b64;
    SRV.cfg.jwt_issuer = issuer;
    SRV.cfg.jwt_audience = audience;
    SRV.cfg.service_key = "svc-key-123";
    auth_t *a = auth_new(&SRV);
    CHECK(a != NULL);
    seed(a);
    return a;
}

RT_TEST(config)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    srv.cfg.jwt_ed25519_public_key = "bm90IGEga2V5"; /* "not a key" */
    CHECK(auth_new(&srv) == NULL);
    srv.cfg.jwt_ed25519_public_key = "!!!";
    CHECK(auth_new(&srv) == NULL);
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, ED_PK, sizeof ED_PK, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    srv.cfg.jwt_ed25519_public_key = b64;
    auth_t *a = auth_new(&srv);
    CHECK(a != NULL);
    auth_free(a);
    memset(&srv, 0, sizeof srv); /* nothing configured: still a working context (JWTs rejected) */
    a = auth_new(&srv);
    CHECK(a != NULL);
    auth_free(a);
}

RT_TEST(jwt_end_to_end)
{
    auth_t *a = new_auth(NULL, NULL);
    long now = (long)time(NULL);
    char pl[256], params[1024];
    auth_identity_t *id = NULL, *id2 = NULL;

    snprintf(pl, sizeof pl, "{\"sub\":\"uA\",\"exp\":%ld}", now + 600);
    char *t = hs_token(pl);
    snprintf(params, sizeof params, "{\"Authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, &id) == AUTH_OK);
    CHECK(id && auth_identity_kind(id) == AUTH_PRINCIPAL_USER);
    CHECK_STR(id ? auth_identity_id(id) : NULL, "uA");
    CHECK(id && auth_identity_valid(id, rt_wall_from_ms((int64_t)now * 1000)));
    CHECK(id && !auth_identity_valid(id, rt_wall_from_ms((int64_t)(now + 600) * 1000))); /* closes at exp */
    /* Same token again: the same shared identity. Nested headers object, odd case. */
    snprintf(params, sizeof params, "{\"headers\":{\"AUTHORIZATION\":\"bearer %s\"}}", t);
    CHECK(authn(a, params, NULL, NULL, &id2) == AUTH_OK);
    CHECK(id2 == id);
    auth_identity_unref(id2);
    /* Top level wins over headers. */
    snprintf(params, sizeof params,
             "{\"authorization\":\"Bearer %s\",\"headers\":{\"authorization\":\"Bearer x.y.z\"}}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_OK);
    snprintf(params, sizeof params,
             "{\"authorization\":\"Bearer x.y.z\",\"headers\":{\"authorization\":\"Bearer %s\"}}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_MALFORMED);
    /* HTTP header and ?token=. */
    char hv[1024];
    snprintf(hv, sizeof hv, "Bearer %s", t);
    hdrs_t h = {.names = {"authorization"}, .values = {hv}};
    CHECK(authn(a, NULL, NULL, &h, NULL) == AUTH_OK);
    CHECK(authn(a, "{}", t, NULL, NULL) == AUTH_OK);
    CHECK(authn(a, NULL, t, NULL, NULL) == AUTH_OK);
    free(t);
    /* EdDSA. */
    snprintf(pl, sizeof pl, "{\"sub\":\"uB\",\"exp\":%ld}", now + 600);
    t = ed_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_OK);
    free(t);
    /* Unknown, banned and deleted users; expired token. */
    snprintf(pl, sizeof pl, "{\"sub\":\"nobody\",\"exp\":%ld}", now + 600);
    t = hs_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_UNKNOWN);
    free(t);
    snprintf(pl, sizeof pl, "{\"sub\":\"uX\",\"exp\":%ld}", now + 600);
    t = hs_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_BANNED);
    free(t);
    snprintf(pl, sizeof pl, "{\"sub\":\"uA\",\"exp\":%ld}", now - 120);
    t = hs_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_EXPIRED);
    free(t);
    /* Accepted within the leeway: valid until the leeway runs out, not closed at once. */
    snprintf(pl, sizeof pl, "{\"sub\":\"uA\",\"exp\":%ld}", now - 5);
    t = hs_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, &id2) == AUTH_OK);
    CHECK(id2 && auth_identity_valid(id2, rt_wall_from_ms((int64_t)now * 1000)));
    CHECK(id2 && !auth_identity_valid(id2, rt_wall_from_ms((int64_t)(now + 26) * 1000)));
    auth_identity_unref(id2);
    free(t);

    /* Live validity follows the directory: ban, unban, delete the user. */
    CHECK(auth_identity_valid(id, rt_wall_from_ms((int64_t)now * 1000)));
    apply(a, "User", "uA", "{\"id\":\"uA\",\"banned\":true}");
    CHECK(!auth_identity_valid(id, rt_wall_from_ms((int64_t)now * 1000)));
    apply(a, "User", "uA", "{\"id\":\"uA\",\"banned\":false}");
    CHECK(auth_identity_valid(id, rt_wall_from_ms((int64_t)now * 1000)));
    apply(a, "User", "uA", NULL);
    CHECK(!auth_identity_valid(id, rt_wall_from_ms((int64_t)now * 1000)));
    auth_identity_unref(id);

    /* Service key: Bearer, constant-time compare; a near miss is not the service. */
    CHECK(authn(a, "{\"authorization\":\"Bearer svc-key-123\"}", NULL, NULL, &id) == AUTH_OK);
    CHECK(id && auth_identity_kind(id) == AUTH_PRINCIPAL_SERVICE);
    CHECK_STR(id ? auth_identity_id(id) : NULL, "service");
    CHECK(id && auth_identity_valid(id, rt_wall_from_ms(INT64_MAX - 1)));
    auth_identity_unref(id);
    CHECK(authn(a, "{\"authorization\":\"Bearer svc-key-12\"}", NULL, NULL, NULL) == AUTH_FAIL_MALFORMED);
    auth_free(a);

    /* Configured issuer / audience. */
    a = new_auth("iss1", "aud1");
    snprintf(pl, sizeof pl, "{\"sub\":\"uB\",\"iss\":\"iss1\",\"aud\":[\"aud1\"],\"exp\":%ld}", now + 60);
    t = hs_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_OK);
    free(t);
    snprintf(pl, sizeof pl, "{\"sub\":\"uB\",\"iss\":\"iss2\",\"aud\":\"aud1\",\"exp\":%ld}", now + 60);
    t = hs_token(pl);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_CLAIMS);
    free(t);
    CHECK(atomic_load(&SRV.metrics.auth_failures[AUTH_FAIL_CLAIMS]) == 1);
    auth_free(a);
}

RT_TEST(extraction)
{
    auth_t *a = new_auth(NULL, NULL);
    struct {
        const char *params;
        const char *qtoken;
        auth_failure_t want;
    } cases[] = {
        {"{}", NULL, AUTH_FAIL_NO_CREDENTIAL},
        {NULL, NULL, AUTH_FAIL_NO_CREDENTIAL},
        {"[1,2,3]", NULL, AUTH_FAIL_NO_CREDENTIAL},
        {"{\"authorization\":null}", NULL, AUTH_FAIL_NO_CREDENTIAL},
        {"{\"authorization\":\"\"}", NULL, AUTH_FAIL_NO_CREDENTIAL},
        {"{\"headers\":\"authorization\"}", NULL, AUTH_FAIL_NO_CREDENTIAL},
        {"{\"authorization\":42}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"authorization\":{\"Bearer\":\"x\"}}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"authorization\":\"Basic dXNlcjpwdw==\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"authorization\":\"Bearer\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"authorization\":\"Bearer \"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"authorization\":\"Bearertoken.a.b\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-token-id\":\"pA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-token-secret\":\"patsecretA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-token-id\":7,\"x-token-secret\":\"patsecretA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-api-key\":\"kA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-api-key\":\".secretA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-api-key\":\"kA.\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-api-key\":[\"kA.secretA\"]}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-api-key\":\"k A.secretA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{}", "nodots", AUTH_FAIL_MALFORMED},
        {"{}", "a.b.c.d", AUTH_FAIL_UNKNOWN}, /* <id>.<secret> form: no such id */
        {"{\"x-org-id\":5,\"x-api-key\":\"kA.secretA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"X-Api-Key\":\"kA.secretA\"}", NULL, AUTH_OK},
        {"{\"headers\":{\"x-api-key\":\"kA.secretA\"}}", NULL, AUTH_OK},
        /* Order: the first present form decides, even when it fails. */
        {"{\"authorization\":\"Bearer a.b.c\",\"x-api-key\":\"kA.secretA\"}", NULL, AUTH_FAIL_MALFORMED},
        {"{\"x-token-id\":\"pA\",\"x-token-secret\":\"wrong\",\"x-api-key\":\"kA.secretA\"}", NULL,
         AUTH_FAIL_BAD_SECRET},
        {"{\"x-api-key\":\"kA.secretA\"}", "garbage", AUTH_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        auth_failure_t r = authn(a, cases[i].params, cases[i].qtoken, NULL, NULL);
        if (r != cases[i].want)
            fprintf(stderr, "case %zu (%s): got %s want %s\n", i, cases[i].params ? cases[i].params : "NULL",
                    auth_failure_name(r), auth_failure_name(cases[i].want));
        CHECK(r == cases[i].want);
    }
    CHECK(atomic_load(&SRV.metrics.auth_failures[AUTH_FAIL_NO_CREDENTIAL]) == 6);
    hdrs_t h = {.names = {"x-token-id", "x-token-secret", "x-org-id"}, .values = {"pA", "patsecretA", "acme"}};
    auth_identity_t *id = NULL;
    CHECK(authn(a, NULL, NULL, &h, &id) == AUTH_OK);
    CHECK_STR(id ? auth_identity_id(id) : NULL, "uA");
    auth_identity_unref(id);
    auth_free(a);
}

RT_TEST(secrets)
{
    auth_t *a = new_auth(NULL, NULL);
    int64_t now = (int64_t)time(NULL) * 1000;
    char past[64], soon[64];
    iso_time(now - 3600 * 1000, past, sizeof past);
    iso_time(now + 2000, soon, sizeof soon);
    apply(a, "Organization", "oZ",
          "{\"id\":\"oZ\",\"slug\":\"zed\",\"name\":\"Z\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"banned\":true}");
    put_cred(a, "ApiKey", "kOld", "organizationId", "oA", "s1", past, false);
    put_cred(a, "ApiKey", "kRev", "organizationId", "oA", "s1", NULL, true);
    put_cred(a, "ApiKey", "kBan", "organizationId", "oZ", "s1", NULL, false);
    put_cred(a, "ApiKey", "kGone", "organizationId", "oGone", "s1", NULL, false);
    put_cred(a, "ApiKey", "kSoon", "organizationId", "oA", "s1", soon, false);
    put_cred(a, "PersonalAccessToken", "pOld", "userId", "uA", "s1", past, false);
    put_cred(a, "PersonalAccessToken", "pRev", "userId", "uA", "s1", NULL, true);
    put_cred(a, "PersonalAccessToken", "pBan", "userId", "uX", "s1", NULL, false);
    put_cred(a, "PersonalAccessToken", "pGone", "userId", "uGone", "s1", NULL, false);
    put_cred(a, "PersonalAccessToken", "pB", "userId", "uB", "s1", NULL, false);
    apply(a, "ApiKey", "kBadExp",
          "{\"id\":\"kBadExp\",\"organizationId\":\"oA\",\"secretHash\":\"x\",\"expiresAt\":\"tomorrow\"}");
    apply(a, "ApiKey", "kNoHash", "{\"id\":\"kNoHash\",\"organizationId\":\"oA\"}");
    struct {
        const char *params;
        const char *qtoken;
        auth_failure_t want;
    } cases[] = {
        {"{\"x-api-key\":\"kA.secretA\"}", NULL, AUTH_OK},
        {"{\"x-api-key\":\"kA.secretB\"}", NULL, AUTH_FAIL_BAD_SECRET},
        {"{\"x-api-key\":\"kA.secretA.more\"}", NULL, AUTH_FAIL_BAD_SECRET},
        {"{\"x-api-key\":\"kNope.secretA\"}", NULL, AUTH_FAIL_UNKNOWN},
        {"{\"x-api-key\":\"pA.patsecretA\"}", NULL, AUTH_FAIL_UNKNOWN}, /* a PAT is not an API key */
        {"{\"x-api-key\":\"kOld.s1\"}", NULL, AUTH_FAIL_EXPIRED},
        {"{\"x-api-key\":\"kRev.s1\"}", NULL, AUTH_FAIL_EXPIRED},
        {"{\"x-api-key\":\"kBan.s1\"}", NULL, AUTH_FAIL_BANNED},
        {"{\"x-api-key\":\"kGone.s1\"}", NULL, AUTH_FAIL_BANNED},
        {"{\"x-api-key\":\"kBadExp.s1\"}", NULL, AUTH_FAIL_EXPIRED},
        {"{\"x-api-key\":\"kNoHash.s1\"}", NULL, AUTH_FAIL_BAD_SECRET},
        {"{\"x-token-id\":\"pA\",\"x-token-secret\":\"patsecretA\"}", NULL, AUTH_OK},
        {"{\"x-token-id\":\"pA\",\"x-token-secret\":\"patsecretB\"}", NULL, AUTH_FAIL_BAD_SECRET},
        {"{\"x-token-id\":\"kA\",\"x-token-secret\":\"secretA\"}", NULL, AUTH_FAIL_UNKNOWN},
        {"{\"x-token-id\":\"pOld\",\"x-token-secret\":\"s1\"}", NULL, AUTH_FAIL_EXPIRED},
        {"{\"x-token-id\":\"pRev\",\"x-token-secret\":\"s1\"}", NULL, AUTH_FAIL_EXPIRED},
        {"{\"x-token-id\":\"pBan\",\"x-token-secret\":\"s1\"}", NULL, AUTH_FAIL_BANNED},
        {"{\"x-token-id\":\"pGone\",\"x-token-secret\":\"s1\"}", NULL, AUTH_FAIL_BANNED},
        {"{}", "kA.secretA", AUTH_OK},
        {"{}", "kA.wrong", AUTH_FAIL_BAD_SECRET},
        {"{}", "pA.patsecretA", AUTH_OK},
        {"{}", "pRev.s1", AUTH_FAIL_EXPIRED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        auth_failure_t r = authn(a, cases[i].params, cases[i].qtoken, NULL, NULL);
        if (r != cases[i].want)
            fprintf(stderr, "secret case %zu (%s %s): got %s want %s\n", i, cases[i].params,
                    cases[i].qtoken ? cases[i].qtoken : "", auth_failure_name(r), auth_failure_name(cases[i].want));
        CHECK(r == cases[i].want);
    }

    /* Cache: a second handshake with the same secret costs no Argon2id; a wrong secret is
     * remembered too; a change to the credential invalidates. */
    long n0 = auth_pwhash_count(a);
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, NULL) == AUTH_OK);
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretB\"}", NULL, NULL, NULL) == AUTH_FAIL_BAD_SECRET);
    CHECK(auth_pwhash_count(a) == n0);
    put_cred(a, "ApiKey", "kA", "organizationId", "oA", "rotated", NULL, false);
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, NULL) == AUTH_FAIL_BAD_SECRET);
    CHECK(auth_pwhash_count(a) == n0 + 1);
    CHECK(authn(a, "{\"x-api-key\":\"kA.rotated\"}", NULL, NULL, NULL) == AUTH_OK);
    CHECK(auth_pwhash_count(a) == n0 + 2);
    CHECK(authn(a, "{\"x-api-key\":\"kA.rotated\"}", NULL, NULL, NULL) == AUTH_OK);
    CHECK(auth_pwhash_count(a) == n0 + 2);
    /* Revocation is judged on the mirror even with a warm cache. */
    apply(a, "ApiKey", "kA", NULL);
    CHECK(authn(a, "{\"x-api-key\":\"kA.rotated\"}", NULL, NULL, NULL) == AUTH_FAIL_UNKNOWN);

    /* A storm: many handshakes of one new credential at once cost at most one Argon2id per worker. */
    put_cred(a, "ApiKey", "kStorm", "organizationId", "oB", "storm", NULL, false);
    long n1 = auth_pwhash_count(a);
    enum { STORM = 24 };
    result_t res[STORM];
    memset(res, 0, sizeof res);
    json_object *params = json_tokener_parse("{\"x-api-key\":\"kStorm.storm\"}");
    auth_request_t req = {.params = params};
    auth_pending_t *p;
    for (int i = 0; i < STORM; i++)
        CHECK(auth_authenticate(a, &req, Q, on_done, &res[i], &p) == 0);
    json_object_put(params);
    for (int i = 0; i < STORM; i++) {
        drain_until(&res[i]);
        CHECK(res[i].called == 1 && res[i].r == AUTH_OK);
    }
    CHECK(auth_pwhash_count(a) - n1 >= 1 && auth_pwhash_count(a) - n1 <= 2);
    for (int i = 1; i < STORM; i++)
        CHECK(res[i].id == res[0].id); /* one shared identity */
    for (int i = 0; i < STORM; i++)
        auth_identity_unref(res[i].id);

    /* Cancel while the worker verifies: done is never called, nothing leaks. */
    put_cred(a, "ApiKey", "kCancel", "organizationId", "oB", "cancel", NULL, false);
    params = json_tokener_parse("{\"x-api-key\":\"kCancel.cancel\"}");
    req.params = params;
    result_t rc = {0};
    CHECK(auth_authenticate(a, &req, Q, on_done, &rc, &p) == 0);
    rt_taskq_drain(Q); /* first step: submitted to the worker */
    auth_cancel(p);
    for (int i = 0; i < 200; i++) {
        rt_taskq_drain(Q);
        usleep(1000);
    }
    CHECK(rc.called == 0);
    /* Cancel before the first step ran. */
    CHECK(auth_authenticate(a, &req, Q, on_done, &rc, &p) == 0);
    auth_cancel(p);
    rt_taskq_drain(Q);
    CHECK(rc.called == 0);
    /* A job still at a worker when the context is freed is freed with it. */
    put_cred(a, "ApiKey", "kLate", "organizationId", "oB", "late", NULL, false);
    json_object_put(params);
    params = json_tokener_parse("{\"x-api-key\":\"kLate.late\"}");
    req.params = params;
    CHECK(auth_authenticate(a, &req, Q, on_done, &rc, &p) == 0);
    rt_taskq_drain(Q);
    json_object_put(params);

    /* Identity validity: PAT revoked / user banned; API key expiry and org ban. */
    auth_identity_t *pid = NULL, *kid = NULL;
    CHECK(authn(a, "{\"x-token-id\":\"pB\",\"x-token-secret\":\"s1\"}", NULL, NULL, &pid) == AUTH_OK);
    CHECK(authn(a, "{\"x-api-key\":\"kSoon.s1\"}", NULL, NULL, &kid) == AUTH_OK);
    CHECK(pid && auth_identity_kind(pid) == AUTH_PRINCIPAL_USER);
    CHECK(kid && auth_identity_kind(kid) == AUTH_PRINCIPAL_API_KEY);
    CHECK_STR(kid ? auth_identity_id(kid) : NULL, "kSoon");
    CHECK(pid && auth_identity_valid(pid, rt_wall_from_ms(now)));
    CHECK(kid && auth_identity_valid(kid, rt_wall_from_ms(now)));
    CHECK(kid && !auth_identity_valid(kid, rt_wall_from_ms(now + 3000))); /* expiresAt passed */
    put_cred(a, "PersonalAccessToken", "pB", "userId", "uB", "s1", NULL, true);
    CHECK(pid && !auth_identity_valid(pid, rt_wall_from_ms(now)));
    put_cred(a, "PersonalAccessToken", "pB", "userId", "uB", "s1", NULL, false);
    CHECK(pid && auth_identity_valid(pid, rt_wall_from_ms(now)));
    apply(a, "User", "uB", "{\"id\":\"uB\",\"banned\":true}");
    CHECK(pid && !auth_identity_valid(pid, rt_wall_from_ms(now)));
    apply(a, "Organization", "oA",
          "{\"id\":\"oA\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"x\",\"banned\":true}");
    CHECK(kid && !auth_identity_valid(kid, rt_wall_from_ms(now)));
    apply(a, "Organization", "oA", "{\"id\":\"oA\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"x\"}");
    CHECK(kid && auth_identity_valid(kid, rt_wall_from_ms(now)));
    apply(a, "ApiKey", "kSoon", NULL);
    CHECK(kid && !auth_identity_valid(kid, rt_wall_from_ms(now)));
    auth_identity_unref(pid);
    auth_identity_unref(kid);
    auth_free(a);
}

static bool view(auth_t *a, auth_identity_t *who, const char *type, const char *json)
{
    json_object *n = json_tokener_parse(json);
    bool r = auth_can_view(a, who, type, n);
    json_object_put(n);
    return r;
}

RT_TEST(view_matrix)
{
    auth_t *a = new_auth(NULL, NULL);
    long now = (long)time(NULL);
    char pl[128], params[1024];
    const char *users[] = {"uA", "uB", "uAB", "uN"};
    enum { NP = 7 };
    auth_identity_t *who[NP];
    for (int i = 0; i < 4; i++) {
        snprintf(pl, sizeof pl, "{\"sub\":\"%s\",\"exp\":%ld}", users[i], now + 600);
        char *t = hs_token(pl);
        snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
        who[i] = NULL;
        CHECK(authn(a, params, NULL, NULL, &who[i]) == AUTH_OK);
        free(t);
    }
    who[4] = who[5] = who[6] = NULL;
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, &who[4]) == AUTH_OK);
    CHECK(authn(a, "{\"x-api-key\":\"kB.secretB\"}", NULL, NULL, &who[5]) == AUTH_OK);
    CHECK(authn(a, "{\"authorization\":\"Bearer svc-key-123\"}", NULL, NULL, &who[6]) == AUTH_OK);
    for (int i = 0; i < NP; i++)
        if (!who[i]) {
            CHECK(0);
            auth_free(a);
            return;
        }
    /* Columns: uA uB uAB uN kA kB service. */
    static const char *blobs[] = {"bAp", "bAu", "bBp", "bBu"};
    static const int expect[4][NP] = {
        {1, 0, 1, 0, 1, 0, 1}, /* A private */
        {1, 1, 1, 1, 1, 1, 1}, /* A public */
        {0, 1, 1, 0, 0, 1, 1}, /* B private */
        {1, 1, 1, 1, 1, 1, 1}, /* B public */
    };
    char node[256];
    for (int b = 0; b < 4; b++) {
        for (int p = 0; p < NP; p++) {
            snprintf(node, sizeof node, "{\"id\":\"ex_%s\",\"blobId\":\"%s\",\"status\":\"RUNNING\"}", blobs[b],
                     blobs[b]);
            const char *types[] = {"Execution", "ExecutionEvent", "Session", "SessionEvent", "Revision"};
            for (int t = 0; t < 5; t++) {
                bool got = view(a, who[p], types[t], node);
                if (got != (bool)expect[b][p])
                    fprintf(stderr, "view %s of %s by #%d: got %d\n", types[t], blobs[b], p, got);
                CHECK(got == (bool)expect[b][p]);
            }
            /* The Blob node itself, judged on its own organizationId and visibility. */
            snprintf(node, sizeof node, "{\"id\":\"%s\",\"organizationId\":\"%s\",\"visibility\":\"%s\"}", blobs[b],
                     b < 2 ? "oA" : "oB", b % 2 ? "PUBLIC" : "PRIVATE");
            CHECK(view(a, who[p], "Blob", node) == (bool)expect[b][p]);
        }
    }
    /* Unknown blob: only the service. Malformed nodes: nobody but the service sees an unowned one. */
    for (int p = 0; p < NP; p++) {
        CHECK(view(a, who[p], "Execution", "{\"id\":\"e\",\"blobId\":\"nope\"}") == (p == 6));
        CHECK(view(a, who[p], "Execution", "{\"id\":\"e\",\"blobId\":17}") == (p == 6));
        CHECK(view(a, who[p], "Execution", "{\"id\":\"e\"}") == (p == 6));
        CHECK(view(a, who[p], "Blob", "{\"id\":\"bQ\",\"organizationId\":\"oNope\",\"visibility\":\"PUBLIC\"}") ==
              (p == 6));
        CHECK(!auth_can_view(a, who[p], "Execution", NULL));
    }
    /* A blob's visibility change shows on its children at once. */
    apply(a, "Blob", "bBp", "{\"id\":\"bBp\",\"organizationId\":\"oB\",\"visibility\":\"PUBLIC\"}");
    CHECK(view(a, who[0], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    apply(a, "Blob", "bBp", "{\"id\":\"bBp\",\"organizationId\":\"oB\",\"visibility\":\"PRIVATE\"}");
    CHECK(!view(a, who[0], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    /* Membership removed: the very next check denies; restored: allowed again. */
    CHECK(view(a, who[2], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    apply(a, "Membership", "oB:uAB", NULL);
    CHECK(!view(a, who[2], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    CHECK(view(a, who[2], "Execution", "{\"id\":\"e\",\"blobId\":\"bBu\"}")); /* public still */
    apply(a, "Membership", "oB:uAB", "{\"organizationId\":\"oB\",\"userId\":\"uAB\",\"role\":\"MEMBER\"}");
    CHECK(view(a, who[2], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    /* Banned user sees nothing, not even public blobs; banned org's nodes are hidden. */
    apply(a, "User", "uA", "{\"id\":\"uA\",\"banned\":true}");
    CHECK(!view(a, who[0], "Execution", "{\"id\":\"e\",\"blobId\":\"bAp\"}"));
    CHECK(!view(a, who[0], "Execution", "{\"id\":\"e\",\"blobId\":\"bBu\"}"));
    apply(a, "User", "uA", "{\"id\":\"uA\"}");
    CHECK(view(a, who[0], "Execution", "{\"id\":\"e\",\"blobId\":\"bAp\"}"));
    apply(a, "Organization", "oB",
          "{\"id\":\"oB\",\"slug\":\"bolt\",\"name\":\"Bolt\",\"createdAt\":\"x\",\"banned\":true}");
    CHECK(!view(a, who[1], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    CHECK(!view(a, who[0], "Execution", "{\"id\":\"e\",\"blobId\":\"bBu\"}"));
    CHECK(!view(a, who[5], "Execution", "{\"id\":\"e\",\"blobId\":\"bAu\"}")); /* key of a banned org */
    CHECK(view(a, who[6], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    apply(a, "Organization", "oB",
          "{\"id\":\"oB\",\"slug\":\"bolt\",\"name\":\"Bolt\",\"createdAt\":\"2026-01-02T00:00:00Z\"}");
    /* Revoked key: nothing. */
    put_cred(a, "ApiKey", "kB", "organizationId", "oB", "secretB", NULL, true);
    CHECK(!view(a, who[5], "Execution", "{\"id\":\"e\",\"blobId\":\"bBp\"}"));
    CHECK(!view(a, who[5], "Execution", "{\"id\":\"e\",\"blobId\":\"bAu\"}"));

    /* Query helpers. */
    CHECK(auth_can_view_org(a, who[2], "oA") && auth_can_view_org(a, who[2], "oB"));
    CHECK(auth_can_view_org(a, who[0], "oA") && !auth_can_view_org(a, who[0], "oB"));
    CHECK(!auth_can_view_org(a, who[3], "oA"));
    CHECK(auth_can_view_org(a, who[4], "oA") && !auth_can_view_org(a, who[4], "oB"));
    CHECK(!auth_can_view_org(a, who[5], "oB")); /* revoked */
    CHECK(auth_can_view_org(a, who[6], "oB") && !auth_can_view_org(a, who[6], "oNope"));
    json_object *v = auth_viewer(a, who[2]);
    CHECK_STR(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : NULL,
              "{\"kind\":\"user\",\"id\":\"uAB\",\"organizations\":[{\"id\":\"oA\",\"slug\":\"acme\",\"name\":\"Acme\","
              "\"createdAt\":\"2026-01-01T00:00:00Z\"},{\"id\":\"oB\",\"slug\":\"bolt\",\"name\":\"Bolt\","
              "\"createdAt\":\"2026-01-02T00:00:00Z\"}]}");
    json_object_put(v);
    v = auth_viewer(a, who[3]);
    CHECK_STR(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : NULL,
              "{\"kind\":\"user\",\"id\":\"uN\",\"organizations\":[]}");
    json_object_put(v);
    v = auth_viewer(a, who[4]);
    json_object *orgs = NULL;
    CHECK(v && json_object_object_get_ex(v, "organizations", &orgs) && json_object_array_length(orgs) == 1);
    CHECK_STR(v ? json_object_get_string(json_object_object_get(v, "kind")) : NULL, "apiKey");
    json_object_put(v);
    v = auth_viewer(a, who[6]);
    CHECK(v && json_object_object_get_ex(v, "organizations", &orgs) && json_object_array_length(orgs) == 2);
    json_object_put(v);
    v = auth_org_node(a, "oB");
    CHECK_STR(v ? json_object_get_string(json_object_object_get(v, "slug")) : NULL, "bolt");
    json_object_put(v);
    CHECK(auth_org_node(a, "oNope") == NULL);

    for (int i = 0; i < NP; i++)
        auth_identity_unref(who[i]);
    auth_free(a);
}

RT_TEST(scoping)
{
    auth_t *a = new_auth(NULL, NULL);
    long now = (long)time(NULL);
    char pl[128], params[1024];
    snprintf(pl, sizeof pl, "{\"sub\":\"uAB\",\"exp\":%ld}", now + 600);
    char *t = hs_token(pl);
    auth_identity_t *s = NULL, *s2 = NULL, *plain = NULL;

    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\",\"x-org-id\":\"acme\"}", t);
    CHECK(authn(a, params, NULL, NULL, &s) == AUTH_OK);
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\",\"headers\":{\"X-Org-Id\":\"oA\"}}", t);
    CHECK(authn(a, params, NULL, NULL, &s2) == AUTH_OK);
    CHECK(s && s == s2); /* slug and id resolve to the same scope: one identity */
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, &plain) == AUTH_OK);
    CHECK(plain && plain != s);
    if (s && plain) {
        CHECK(view(a, s, "Execution", "{\"blobId\":\"bAp\"}"));
        CHECK(view(a, s, "Execution", "{\"blobId\":\"bAu\"}"));
        CHECK(!view(a, s, "Execution", "{\"blobId\":\"bBp\"}"));
        CHECK(!view(a, s, "Execution", "{\"blobId\":\"bBu\"}")); /* other orgs' public blobs excluded */
        CHECK(view(a, plain, "Execution", "{\"blobId\":\"bBp\"}"));
        CHECK(!auth_can_view_org(a, s, "oB"));
        json_object *v = auth_viewer(a, s);
        json_object *orgs = NULL;
        CHECK(v && json_object_object_get_ex(v, "organizations", &orgs) && json_object_array_length(orgs) == 1);
        json_object_put(v);
    }
    auth_identity_unref(s);
    auth_identity_unref(s2);
    auth_identity_unref(plain);

    /* Scopes the principal cannot see: 4403 (AUTH_FAIL_SCOPE). */
    snprintf(pl, sizeof pl, "{\"sub\":\"uA\",\"exp\":%ld}", now + 600);
    char *ta = hs_token(pl);
    const char *bad_scopes[] = {"\"x-org-id\":\"bolt\"", "\"x-org-id\":\"oB\"", "\"x-org-id\":\"nope\"",
                                "\"x-blob-id\":\"bBp\""};
    for (int i = 0; i < 4; i++) {
        snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\",%s}", ta, bad_scopes[i]);
        CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_SCOPE);
    }
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\",\"x-org-id\":\"bolt\"}", NULL, NULL, NULL) == AUTH_FAIL_SCOPE);
    CHECK(authn(a, "{\"x-api-key\":\"kB.secretB\",\"x-org-id\":\"bolt\"}", NULL, NULL, NULL) == AUTH_OK);
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\",\"x-blob-id\":\"bBp\"}", NULL, NULL, NULL) == AUTH_FAIL_SCOPE);
    CHECK(authn(a, "{\"authorization\":\"Bearer svc-key-123\",\"x-org-id\":\"nope\"}", NULL, NULL, NULL) ==
          AUTH_FAIL_SCOPE);

    /* Blob scope: public blob of another org is allowed as scope; events of other blobs are not seen. */
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\",\"x-blob-id\":\"bBu\"}", ta);
    CHECK(authn(a, params, NULL, NULL, &s) == AUTH_OK);
    if (s) {
        CHECK(view(a, s, "SessionEvent", "{\"blobId\":\"bBu\"}"));
        CHECK(!view(a, s, "SessionEvent", "{\"blobId\":\"bAp\"}"));
        CHECK(view(a, s, "Blob", "{\"id\":\"bBu\",\"organizationId\":\"oB\",\"visibility\":\"PUBLIC\"}"));
        CHECK(!view(a, s, "Blob", "{\"id\":\"bAu\",\"organizationId\":\"oA\",\"visibility\":\"PUBLIC\"}"));
    }
    auth_identity_unref(s);
    /* Scope organization banned later: the connection's identity is no longer valid. */
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\",\"x-org-id\":\"acme\"}", ta);
    CHECK(authn(a, params, NULL, NULL, &s) == AUTH_OK);
    CHECK(s && auth_identity_valid(s, rt_wall_from_ms((int64_t)now * 1000)));
    apply(a, "Organization", "oA",
          "{\"id\":\"oA\",\"slug\":\"acme\",\"name\":\"Acme\",\"createdAt\":\"x\",\"banned\":true}");
    CHECK(s && !auth_identity_valid(s, rt_wall_from_ms((int64_t)now * 1000)));
    auth_identity_unref(s);
    /* A renamed slug no longer resolves. */
    apply(a, "Organization", "oA", "{\"id\":\"oA\",\"slug\":\"acme2\",\"name\":\"Acme\",\"createdAt\":\"x\"}");
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_FAIL_SCOPE);
    free(t);
    free(ta);
    auth_free(a);
}

RT_TEST(dir_misc)
{
    int64_t ms;
    CHECK(auth_time_parse("2026-11-23T20:00:00Z", &ms) == 0 && ms == 1795464000000LL);
    CHECK(auth_time_parse("2026-11-23T20:00:00.250Z", &ms) == 0 && ms == 1795464000250LL);
    CHECK(auth_time_parse("2026-11-23T21:30:00+01:30", &ms) == 0 && ms == 1795464000000LL);
    CHECK(auth_time_parse("2026-11-23t20:00:00z", &ms) == 0 && ms == 1795464000000LL);
    const char *bad[] = {"",
                         "2026-11-23",
                         "2026-11-23T20:00:00",
                         "2026-13-01T00:00:00Z",
                         "2026-11-23T20:00:00Zjunk",
                         "2026-11-23T20:00Z",
                         "20261123T200000Z",
                         "2026-11-23T20:00:00.Z",
                         "2026-11-23T20:00:00+0100"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(auth_time_parse(bad[i], &ms) == -1);
    CHECK(auth_time_parse(NULL, &ms) == -1);

    /* Hostile directory records never crash; other types are ignored. */
    auth_t *a = new_auth(NULL, NULL);
    uint64_t g0 = auth_dir_generation(a);
    apply(a, "Blob", "bG", "{\"organizationId\":\"oA\"}");
    apply(a, "Session", "s1", "{\"blobId\":\"bG\"}");
    CHECK(auth_dir_generation(a) == g0);
    json_object *un = json_tokener_parse("{\"id\":\"uG\"}");
    auth_dir_record(a, "User", "uG", un);
    json_object_put(un);
    CHECK(auth_dir_generation(a) > g0);
    apply(a, "Execution", "ex1", "{\"id\":\"ex1\",\"blobId\":\"bAp\"}");
    apply(a, "Organization", "oQ", "[1,2]");
    apply(a, "Organization", "oR", "{\"slug\":5,\"banned\":\"yes\"}");
    apply(a, "Membership", "x", "{}");
    apply(a, "ApiKey", "kQ", "{\"expiresAt\":5}");
    apply(a, "Blob", "bQ", "{\"visibility\":[]}");
    apply(a, "Membership", "never:existed", NULL);
    auth_dir_apply(a, NULL, "x", NULL);
    auth_dir_apply(a, "User", NULL, NULL);
    /* "banned":"yes" is not true: the org stays usable; the mirror only trusts booleans. */
    CHECK(authn(a, "{\"x-api-key\":\"kQ.s\"}", NULL, NULL, NULL) == AUTH_FAIL_EXPIRED);
    auth_free(a);
}

/* Mutations of a valid token: never accepted, never a crash. Strict base64url makes every
 * textual change a change of the signed bytes or of the signature. */
RT_TEST(jwt_mutations)
{
    auth_jwt_keys_t k = {.hs_secret = (const unsigned char *)HS_SECRET, .hs_len = strlen(HS_SECRET), .ed_pk = ED_PK};
    char *t = hs_token("{\"sub\":\"u1\",\"exp\":4102444800}");
    size_t n = strlen(t);
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x01\xff";
    int accepted = 0;
    for (int i = 0; i < 3000; i++) {
        char *m = strdup(t);
        int edits = 1 + (int)randombytes_uniform(3);
        for (int e = 0; e < edits; e++)
            m[randombytes_uniform((uint32_t)n)] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
        size_t len = randombytes_uniform(8) == 0 ? randombytes_uniform((uint32_t)n + 1) : n; /* truncations */
        auth_jwt_claims_t cl;
        auth_failure_t r = auth_jwt_verify(&k, m, len, rt_wall_from_ms(1700000000000LL), &cl);
        if (r == AUTH_OK && !(len == n && strcmp(m, t) == 0))
            accepted++;
        free(cl.sub);
        free(m);
    }
    CHECK(accepted == 0);
    free(t);
}

/* Hostile connection_init payloads: deep nesting, huge strings, odd types. Nothing crashes and
 * nothing authenticates. */
RT_TEST(hostile_params)
{
    auth_t *a = new_auth(NULL, NULL);
    char *big = malloc(200000);
    memset(big, 'a', 199999);
    big[199999] = 0;
    char *p1;
    CHECK(asprintf(&p1, "{\"authorization\":\"Bearer %s.%s.%s\"}", big, big, big) > 0);
    CHECK(authn(a, p1, NULL, NULL, NULL) == AUTH_FAIL_MALFORMED);
    free(p1);
    CHECK(asprintf(&p1, "{\"x-api-key\":\"kA.%s\"}", big) > 0);
    CHECK(authn(a, p1, NULL, NULL, NULL) == AUTH_FAIL_MALFORMED);
    free(p1);
    CHECK(asprintf(&p1, "{\"x-token-id\":\"%s\",\"x-token-secret\":\"x\"}", big) > 0);
    CHECK(authn(a, p1, NULL, NULL, NULL) == AUTH_FAIL_MALFORMED);
    free(p1);
    CHECK(asprintf(&p1, "{\"x-api-key\":\"kA.secretA\",\"x-org-id\":\"%s\"}", big) > 0);
    CHECK(authn(a, p1, NULL, NULL, NULL) == AUTH_FAIL_MALFORMED);
    free(p1);
    CHECK(authn(a, "{}", big, NULL, NULL) == AUTH_FAIL_MALFORMED);
    free(big);
    const char *odd[] = {"{\"headers\":{\"headers\":{\"authorization\":\"Bearer svc-key-123\"}}}",
                         "{\"headers\":[{\"authorization\":\"Bearer svc-key-123\"}]}",
                         "{\"authorization\":[\"Bearer svc-key-123\"]}",
                         "{\"authorization\":true}",
                         "{\"x-api-key\":\"kA.secretA\\u0000x\"}",
                         "{\"x-token-id\":\"\",\"x-token-secret\":\"\"}",
                         "{\"authorization\":\"Bearer svc-key-123\\u0000\"}",
                         "\"just a string\"",
                         "42",
                         "null"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        auth_failure_t r = authn(a, odd[i], NULL, NULL, NULL);
        if (r == AUTH_OK)
            fprintf(stderr, "hostile payload accepted: %s\n", odd[i]);
        CHECK(r != AUTH_OK);
    }
    auth_free(a);
}

/* Readers judging events on other threads while the directory changes under them. */
typedef struct stress {
    auth_t *a;
    auth_identity_t *who;
    atomic_int stop;
    long seen;
} stress_t;

static void *stress_reader(void *arg)
{
    stress_t *s = arg;
    json_object *n = json_tokener_parse("{\"id\":\"e\",\"blobId\":\"bBp\"}");
    while (!atomic_load(&s->stop)) {
        s->seen += auth_can_view(s->a, s->who, "Execution", n);
        (void)auth_identity_valid(s->who, rt_wall_now());
    }
    json_object_put(n);
    return NULL;
}

RT_TEST(concurrency)
{
    auth_t *a = new_auth(NULL, NULL);
    auth_identity_t *who = NULL;
    CHECK(authn(a, "{\"x-token-id\":\"pA\",\"x-token-secret\":\"patsecretA\"}", NULL, NULL, &who) == AUTH_OK);
    if (!who) {
        auth_free(a);
        return;
    }
    stress_t s = {.a = a, .who = who};
    atomic_init(&s.stop, 0);
    pthread_t th[2];
    stress_t st[2] = {s, s};
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, stress_reader, &st[i]);
    for (int i = 0; i < 3000; i++) {
        if (i % 2)
            apply(a, "Membership", "oB:uA", NULL);
        else
            apply(a, "Membership", "oB:uA", "{\"organizationId\":\"oB\",\"userId\":\"uA\",\"role\":\"MEMBER\"}");
        apply(a, "Blob", "bBp", i % 3 ? "{\"organizationId\":\"oB\",\"visibility\":\"PRIVATE\"}" : NULL);
    }
    apply(a, "Blob", "bBp", "{\"organizationId\":\"oB\",\"visibility\":\"PRIVATE\"}");
    apply(a, "Membership", "oB:uA", "{\"organizationId\":\"oB\",\"userId\":\"uA\",\"role\":\"MEMBER\"}");
    atomic_store(&st[0].stop, 1);
    atomic_store(&st[1].stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    /* After the writers settled, the answer is the current state's. */
    CHECK(view(a, who, "Execution", "{\"blobId\":\"bBp\"}"));
    apply(a, "User", "uA", "{\"banned\":true}");
    CHECK(!view(a, who, "Execution", "{\"blobId\":\"bBp\"}"));
    CHECK(!auth_identity_valid(who, rt_wall_from_ms((int64_t)time(NULL) * 1000)));
    auth_identity_unref(who);
    auth_free(a);
}

/* ---- flood protection ---- */

static auth_t *new_auth_limited(int per_id, int per_addr, int max_pending, const char *trusted)
{
    memset(&SRV, 0, sizeof SRV);
    SRV.cfg.jwt_hs256_secret = HS_SECRET;
    SRV.cfg.auth_failures_per_id = per_id;
    SRV.cfg.auth_failures_per_address = per_addr;
    SRV.cfg.auth_failure_window_ms = 60000;
    SRV.cfg.max_pending_verifications = max_pending;
    SRV.cfg.trusted_proxies = trusted;
    auth_t *a = auth_new(&SRV);
    CHECK(a != NULL);
    seed(a);
    return a;
}

RT_TEST(failure_limit_per_id)
{
    auth_t *a = new_auth_limited(2, 0, 0, NULL);
    PEER = "10.0.0.1";
    CHECK(authn(a, "{\"x-api-key\":\"kA.wrong1\"}", NULL, NULL, NULL) == AUTH_FAIL_BAD_SECRET);
    CHECK(authn(a, "{\"x-api-key\":\"kA.wrong2\"}", NULL, NULL, NULL) == AUTH_FAIL_BAD_SECRET);
    long n0 = auth_pwhash_count(a);
    /* Locked: refused without Argon2id, even with the right secret, from any address. */
    PEER = "10.0.0.2";
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, NULL) == AUTH_FAIL_THROTTLED);
    CHECK(authn(a, "{}", "kA.secretA", NULL, NULL) == AUTH_FAIL_THROTTLED);
    CHECK(auth_pwhash_count(a) == n0);
    /* Another id, and a PAT sharing nothing with the key, are not locked. */
    CHECK(authn(a, "{\"x-token-id\":\"pA\",\"x-token-secret\":\"patsecretA\"}", NULL, NULL, NULL) == AUTH_OK);
    /* Unknown ids never lock an id (there is none), and JWTs are not limited. */
    char *t = hs_token("{\"sub\":\"uA\"}");
    char params[1024];
    snprintf(params, sizeof params, "{\"authorization\":\"Bearer %s\"}", t);
    CHECK(authn(a, params, NULL, NULL, NULL) == AUTH_OK);
    free(t);
    CHECK(SRV.metrics.auth_failures[AUTH_FAIL_THROTTLED] == 2);
    PEER = NULL;
    auth_free(a);
}

RT_TEST(failure_limit_per_address_and_proxy)
{
    auth_t *a = new_auth_limited(0, 3, 0, "127.0.0.1, ::1");
    PEER = "::ffff:127.0.0.1";
    XFF = "203.0.113.9, 10.7.0.1";
    for (int i = 0; i < 3; i++)
        CHECK(authn(a, "{\"x-token-id\":\"nope\",\"x-token-secret\":\"x\"}", NULL, NULL, NULL) == AUTH_FAIL_UNKNOWN);
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, NULL) == AUTH_FAIL_THROTTLED);
    XFF = "10.7.0.2";
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, NULL) == AUTH_OK);
    /* A peer that is not a trusted proxy is the client, whatever it forwards. */
    PEER = "192.0.2.1";
    for (int i = 0; i < 3; i++) {
        char xff[32];
        snprintf(xff, sizeof xff, "10.8.0.%d", i);
        XFF = xff;
        CHECK(authn(a, "{\"x-api-key\":\"kNope.x\"}", NULL, NULL, NULL) == AUTH_FAIL_UNKNOWN);
    }
    XFF = "10.8.0.99";
    CHECK(authn(a, "{\"x-api-key\":\"kA.secretA\"}", NULL, NULL, NULL) == AUTH_FAIL_THROTTLED);
    PEER = XFF = NULL;
    /* No address known (unit callers, HTTP without peer): only the id limits apply. */
    for (int i = 0; i < 5; i++)
        CHECK(authn(a, "{\"x-api-key\":\"kNope.x\"}", NULL, NULL, NULL) == AUTH_FAIL_UNKNOWN);
    auth_free(a);
}

RT_TEST(verification_queue_bound)
{
    auth_t *a = new_auth_limited(0, 0, 1, NULL);
    enum { N = 8 };
    result_t res[N] = {{0}};
    auth_pending_t *p[N];
    for (int i = 0; i < N; i++) {
        char params[128];
        snprintf(params, sizeof params, "{\"x-api-key\":\"kA.wrong%d\"}", i);
        json_object *o = json_tokener_parse(params);
        auth_request_t req = {.params = o};
        CHECK(auth_authenticate(a, &req, Q, on_done, &res[i], &p[i]) == 0);
        json_object_put(o);
    }
    int busy = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        drain_until(&res[i]);
        busy += res[i].r == AUTH_FAIL_BUSY;
        bad += res[i].r == AUTH_FAIL_BAD_SECRET;
    }
    /* Two workers and one waiting place: at most three are verified at once. */
    CHECK(busy >= N - 3);
    CHECK(busy + bad == N);
    CHECK(auth_pwhash_count(a) == bad);
    auth_free(a);
}

RT_TEST(limit_window_and_sweep)
{
    auth_limit_t *l = auth_limit_new(2, 1, 1000);
    rt_mono_t t0 = {.us = 5000000};
    rt_mono_t t1 = {.us = t0.us + 999000}, t2 = {.us = t0.us + 1000000};
    CHECK(!auth_limit_locked(l, "k:a", "1.1.1.1", t0));
    auth_limit_fail(l, "k:a", NULL, t0);
    CHECK(!auth_limit_locked(l, "k:a", NULL, t0));
    auth_limit_fail(l, "k:a", NULL, t0);
    CHECK(auth_limit_locked(l, "k:a", NULL, t1));
    CHECK(!auth_limit_locked(l, "k:b", NULL, t1));
    CHECK(!auth_limit_locked(l, NULL, NULL, t1));
    CHECK(!auth_limit_locked(l, "k:a", NULL, t2)); /* the window passed */
    auth_limit_fail(l, NULL, "1.1.1.1", t0);
    CHECK(auth_limit_locked(l, NULL, "1.1.1.1", t0));
    CHECK(!auth_limit_locked(l, "1.1.1.1", NULL, t0)); /* ids and addresses are separate keys */
    /* Expired windows are swept as the map grows: 5000 addresses, then 5000 more later. */
    char addr[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(addr, sizeof addr, "10.0.%d.%d", i / 256, i % 256);
        auth_limit_fail(l, NULL, addr, t0);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 256, i % 256);
        auth_limit_fail(l, NULL, addr, t2);
    }
    CHECK(auth_limit_count(l) < 8000);
    /* An oversized key is truncated, not overflowed. */
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    auth_limit_fail(l, big, big, t0);
    CHECK(auth_limit_locked(l, NULL, big, t0));
    auth_limit_free(l);
    auth_limit_t *off = auth_limit_new(0, 0, 0);
    auth_limit_fail(off, "k:a", "1.1.1.1", t0);
    CHECK(!auth_limit_locked(off, "k:a", "1.1.1.1", t0));
    CHECK(auth_limit_count(off) == 0);
    auth_limit_free(off);
}

RT_TEST(client_address)
{
    char out[64];
    struct {
        const char *trusted, *peer, *xff, *want;
    } cases[] = {
        {NULL, "192.0.2.1", "10.0.0.1", "192.0.2.1"},
        {"127.0.0.1", "192.0.2.1", "10.0.0.1", "192.0.2.1"},
        {"127.0.0.1", "127.0.0.1", NULL, "127.0.0.1"},
        {"127.0.0.1", "127.0.0.1", "10.0.0.1", "10.0.0.1"},
        {"127.0.0.1", "::ffff:127.0.0.1", " 10.0.0.1 ", "10.0.0.1"},
        {"127.0.0.1,10.0.0.2", "127.0.0.1", "1.2.3.4, 10.0.0.3, 10.0.0.2", "10.0.0.3"},
        {"127.0.0.1, 10.0.0.2", "127.0.0.1", "10.0.0.2,127.0.0.1", "10.0.0.2"}, /* all trusted: left-most */
        {"127.0.0.1", "127.0.0.1", ",,, ,", "127.0.0.1"},
        {"127.0.0.1", "127.0.0.1", "", "127.0.0.1"},
        {"", "127.0.0.1", "10.0.0.1", "127.0.0.1"},
        {",,", "127.0.0.1", "10.0.0.1", "127.0.0.1"},
        {"::1", "::1", "2001:db8::7", "2001:db8::7"},
        {"127.0.0.1", NULL, "10.0.0.1", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = auth_limit_client_addr(cases[i].trusted, cases[i].peer, cases[i].xff, out, sizeof out);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "client_address case %zu: got '%s' want '%s'\n", i, got, cases[i].want);
        CHECK_STR(got, cases[i].want);
    }
    /* An over-long hop is truncated to the buffer. */
    char xff[300];
    memset(xff, '7', sizeof xff - 1);
    xff[sizeof xff - 1] = '\0';
    CHECK(strlen(auth_limit_client_addr("127.0.0.1", "127.0.0.1", xff, out, sizeof out)) < sizeof out);
}

/* Starts n authentications with the given connection_init payloads at once, then waits for all. */
static void authn_burst(auth_t *a, int n, const char *const *params, result_t *res)
{
    auth_pending_t *p;
    for (int i = 0; i < n; i++) {
        json_object *o = json_tokener_parse(params[i]);
        auth_request_t req = {.params = o};
        CHECK(auth_authenticate(a, &req, Q, on_done, &res[i], &p) == 0);
        json_object_put(o);
    }
    for (int i = 0; i < n; i++)
        drain_until(&res[i]);
}

RT_TEST(one_verification_in_flight_per_id)
{
    /* A burst of wrong secrets for one id costs exactly the limit in Argon2id checks. */
    auth_t *a = new_auth_limited(2, 0, 0, NULL);
    const char *wrong[6] = {"{\"x-api-key\":\"kA.w0\"}", "{\"x-api-key\":\"kA.w1\"}", "{\"x-api-key\":\"kA.w2\"}",
                            "{\"x-api-key\":\"kA.w3\"}", "{\"x-api-key\":\"kA.w4\"}", "{\"x-api-key\":\"kA.w5\"}"};
    result_t res[6] = {{0}};
    authn_burst(a, 6, wrong, res);
    int throttled = 0;
    for (int i = 0; i < 6; i++)
        throttled += res[i].r == AUTH_FAIL_THROTTLED;
    CHECK(res[0].r == AUTH_FAIL_BAD_SECRET && res[1].r == AUTH_FAIL_BAD_SECRET);
    CHECK(throttled == 4);
    CHECK(auth_pwhash_count(a) == 2);
    /* A reconnect storm with the right secret costs one check: the line finds it cached. */
    const char *right[6];
    for (int i = 0; i < 6; i++)
        right[i] = "{\"x-token-id\":\"pA\",\"x-token-secret\":\"patsecretA\"}";
    result_t ok[6] = {{0}};
    authn_burst(a, 6, right, ok);
    for (int i = 0; i < 6; i++) {
        CHECK(ok[i].r == AUTH_OK);
        auth_identity_unref(ok[i].id);
    }
    CHECK(auth_pwhash_count(a) == 3);
    CHECK(auth_verifications_waiting(a) == 0);
    auth_free(a);
}

RT_TEST(verification_cache)
{
    auth_vcache_t *c = auth_vcache_new();
    uint8_t k1[AUTH_VCACHE_KEY_BYTES] = {1}, k2[AUTH_VCACHE_KEY_BYTES] = {2};
    rt_mono_t t0 = {.us = 1000000};
    bool ok = false;
    CHECK(!auth_vcache_get(c, k1, 1, t0, &ok));
    auth_vcache_put(c, k1, 1, t0, true);
    auth_vcache_put(c, k2, 1, t0, false);
    CHECK(auth_vcache_get(c, k1, 1, t0, &ok) && ok);
    CHECK(auth_vcache_get(c, k2, 1, t0, &ok) && !ok); /* a wrong secret is remembered too */
    CHECK(!auth_vcache_get(c, k1, 2, t0, &ok));       /* the credential changed: miss */
    rt_mono_t late = rt_mono_add_ms(t0, AUTH_VCACHE_TTL_MS);
    CHECK(!auth_vcache_get(c, k1, 1, late, &ok)); /* expired */
    auth_vcache_put(c, k1, 1, t0, false);         /* a newer verdict replaces the entry */
    CHECK(auth_vcache_get(c, k1, 1, t0, &ok) && !ok);
    /* Keys of one set (same first four bytes) beyond its ways evict the oldest, never corrupt. */
    uint8_t k[8][AUTH_VCACHE_KEY_BYTES];
    for (int i = 0; i < 8; i++) {
        memset(k[i], 0, sizeof k[i]);
        k[i][15] = (uint8_t)(i + 10);
        auth_vcache_put(c, k[i], 1, (rt_mono_t){.us = t0.us + i}, i % 2 == 0);
    }
    int hits = 0;
    for (int i = 0; i < 8; i++)
        if (auth_vcache_get(c, k[i], 1, t0, &ok)) {
            hits++;
            CHECK(ok == (i % 2 == 0));
        }
    CHECK(hits >= 1 && hits <= 4);
    CHECK(auth_vcache_get(c, k[7], 1, t0, &ok)); /* the newest survives */
    auth_vcache_free(c);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    rt_log_set_level(RT_LOG_ERROR);
    crypto_sign_keypair(ED_PK, ED_SK);
    Q = rt_taskq_new(NULL, NULL);
    int rc = rt_test_run(argc, argv);
    rt_taskq_free(Q);
    return rc;
}

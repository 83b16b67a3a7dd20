/* JWT verification. The signature is checked before any payload claim is read, and the key
 * type decides the algorithm, never the token: alg "none", an unknown alg, or an alg whose key
 * is not configured is rejected, so an HS256 token "signed" with the public Ed25519 key bytes
 * never meets an HMAC check with that key. */
#include "auth/auth_jwt.h"

#include <json-c/json.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int auth_jwt_looks_like(const char *token)
{
    int dots = 0;
    for (const char *p = token; *p; p++)
        dots += *p == '.';
    return dots == 2;
}

/* Strict base64url without padding: any other character or non-zero trailing bits fail.
 * Caller owns *out (free). */
static int b64url_decode(const char *s, size_t len, unsigned char **out, size_t *out_len)
{
    size_t cap = len / 4 * 3 + 3;
    unsigned char *buf = malloc(cap + 1);
    if (!buf)
        return -1;
    size_t n = 0;
    if (len > 0 && sodium_base642bin(buf, cap, s, len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(buf);
        return -1;
    }
    buf[n] = 0;
    *out = buf;
    *out_len = n;
    return 0;
}

static json_object *parse_json_object(const unsigned char *s, size_t len)
{
    if (len == 0 || memchr(s, 0, len))
        return NULL;
    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *o = json_tokener_parse_ex(tok, (const char *)s, (int)len);
    if (!o || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
        !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

/* NumericDates are kept within +-9e15 s (about 285 million years), so that `date + leeway`
 * and `date * 1000` stay inside int64. A date beyond the bound saturates to it: a far-future
 * exp never expires, a far-past one has always expired, on either number path. */
#define NUMERIC_DATE_BOUND_S 9000000000000000LL

/* Reads a NumericDate claim into whole seconds. 1 = absent, 0 = read, -1 = ill-typed. */
static int numeric_date(json_object *payload, const char *name, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(payload, name, &v) || !v)
        return 1;
    if (json_object_is_type(v, json_type_int)) {
        int64_t i = json_object_get_int64(v); /* json-c saturates beyond int64 */
        *out = i > NUMERIC_DATE_BOUND_S ? NUMERIC_DATE_BOUND_S : i < -NUMERIC_DATE_BOUND_S ? -NUMERIC_DATE_BOUND_S : i;
        return 0;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (isnan(d))
            return -1;
        d = d > (double)NUMERIC_DATE_BOUND_S    ? (double)NUMERIC_DATE_BOUND_S
            : d < -(double)NUMERIC_DATE_BOUND_S ? -(double)NUMERIC_DATE_BOUND_S
                                                : floor(d);
        *out = (int64_t)d;
        return 0;
    }
    return -1;
}

static int audience_matches(json_object *payload, const char *want)
{
    json_object *v;
    if (!json_object_object_get_ex(payload, "aud", &v) || !v)
        return 0;
    if (json_object_is_type(v, json_type_string))
        return strcmp(json_object_get_string(v), want) == 0;
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (json_object_is_type(e, json_type_string) && strcmp(json_object_get_string(e), want) == 0)
                return 1;
        }
    }
    return 0;
}

static int hs256_ok(const auth_jwt_keys_t *k, const char *signing, size_t signing_len, const unsigned char *sig,
                    size_t sig_len)
{
    if (sig_len != crypto_auth_hmacsha256_BYTES)
        return 0;
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, k->hs_secret, k->hs_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing, signing_len);
    crypto_auth_hmacsha256_final(&st, mac);
    int ok = sodium_memcmp(mac, sig, sizeof mac) == 0;
    sodium_memzero(mac, sizeof mac);
    return ok;
}

auth_failure_t auth_jwt_verify(const auth_jwt_keys_t *k, const char *token, size_t len, rt_wall_t now,
                               auth_jwt_claims_t *claims)
{
    auth_failure_t rc = AUTH_FAIL_MALFORMED;
    unsigned char *hdr_raw = NULL, *pl_raw = NULL, *sig = NULL;
    size_t hdr_len, pl_len, sig_len;
    json_object *hdr = NULL, *pl = NULL;
    claims->sub = NULL;
    claims->exp_ms = INT64_MAX;

    if (!token || len == 0 || len > AUTH_JWT_MAX_LEN || memchr(token, 0, len))
        goto fail;
    const char *d1 = memchr(token, '.', len);
    if (!d1)
        goto fail;
    const char *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
    if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        goto fail;
    size_t h_len = (size_t)(d1 - token), p_len = (size_t)(d2 - d1 - 1), s_len = len - (size_t)(d2 + 1 - token);
    if (h_len == 0 || p_len == 0 || s_len == 0)
        goto fail;
    if (b64url_decode(token, h_len, &hdr_raw, &hdr_len) || b64url_decode(d1 + 1, p_len, &pl_raw, &pl_len) ||
        b64url_decode(d2 + 1, s_len, &sig, &sig_len))
        goto fail;
    if (!(hdr = parse_json_object(hdr_raw, hdr_len)))
        goto fail;
    json_object *alg, *crit;
    if (!json_object_object_get_ex(hdr, "alg", &alg) || !json_object_is_type(alg, json_type_string))
        goto fail;
    /* No header extension is understood, so one marked critical must be refused (RFC 7515 4.1.11). */
    if (json_object_object_get_ex(hdr, "crit", &crit))
        goto fail;
    const char *alg_s = json_object_get_string(alg);
    size_t signing_len = (size_t)(d2 - token);
    if (strcmp(alg_s, "HS256") == 0 && k->hs_secret) {
        if (!hs256_ok(k, token, signing_len, sig, sig_len)) {
            rc = AUTH_FAIL_BAD_SECRET;
            goto fail;
        }
    } else if (strcmp(alg_s, "EdDSA") == 0 && k->ed_pk) {
        if (sig_len != crypto_sign_BYTES ||
            crypto_sign_verify_detached(sig, (const unsigned char *)token, signing_len, k->ed_pk) != 0) {
            rc = AUTH_FAIL_BAD_SECRET;
            goto fail;
        }
    } else {
        goto fail; /* none, unknown, or not configured */
    }

    if (!(pl = parse_json_object(pl_raw, pl_len)))
        goto fail;
    int64_t now_ms = now.ms, now_s = now_ms / 1000, exp_s = 0, nbf_s = 0;
    int r = numeric_date(pl, "exp", &exp_s);
    if (r < 0)
        goto fail;
    if (r == 0) {
        if (now_s > exp_s + AUTH_JWT_LEEWAY_S || (now_s == exp_s + AUTH_JWT_LEEWAY_S && now_ms % 1000 > 0)) {
            rc = AUTH_FAIL_EXPIRED;
            goto fail;
        }
        claims->exp_ms = exp_s * 1000;
    }
    r = numeric_date(pl, "nbf", &nbf_s);
    if (r < 0)
        goto fail;
    if (r == 0 && nbf_s > now_s + AUTH_JWT_LEEWAY_S) {
        rc = AUTH_FAIL_EXPIRED;
        goto fail;
    }
    if (k->issuer) {
        json_object *iss;
        if (!json_object_object_get_ex(pl, "iss", &iss) || !json_object_is_type(iss, json_type_string) ||
            strcmp(json_object_get_string(iss), k->issuer) != 0) {
            rc = AUTH_FAIL_CLAIMS;
            goto fail;
        }
    }
    if (k->audience && !audience_matches(pl, k->audience)) {
        rc = AUTH_FAIL_CLAIMS;
        goto fail;
    }
    json_object *sub;
    if (!json_object_object_get_ex(pl, "sub", &sub) || !json_object_is_type(sub, json_type_string) ||
        json_object_get_string_len(sub) == 0) {
        rc = AUTH_FAIL_CLAIMS;
        goto fail;
    }
    if (!(claims->sub = strdup(json_object_get_string(sub)))) {
        rc = AUTH_FAIL_MALFORMED;
        goto fail;
    }
    rc = AUTH_OK;
fail:
    json_object_put(hdr);
    json_object_put(pl);
    free(hdr_raw);
    free(pl_raw);
    free(sig);
    return rc;
}

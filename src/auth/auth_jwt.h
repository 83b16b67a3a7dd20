/* Bearer JWT verification (compact JWS): strict base64url, alg pinned to the configured key
 * type (HS256 shared secret, EdDSA Ed25519 public key), exp/nbf with leeway, iss/aud.
 * Pure function of its inputs: no directory, no clock, so it is tested with fixed times. */
#ifndef RT_AUTH_JWT_H
#define RT_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

#define AUTH_JWT_LEEWAY_S 30
#define AUTH_JWT_MAX_LEN 8192

typedef struct auth_jwt_keys {
    const unsigned char *hs_secret; /* NULL: HS256 tokens are rejected */
    size_t hs_len;
    const unsigned char *ed_pk; /* 32 bytes, NULL: EdDSA tokens are rejected */
    const char *issuer;         /* required iss, or NULL */
    const char *audience;       /* required aud (string or array member), or NULL */
} auth_jwt_keys_t;

typedef struct auth_jwt_claims {
    char *sub;      /* caller owns (free) */
    int64_t exp_ms; /* exp in ms since the epoch, INT64_MAX when absent */
} auth_jwt_claims_t;

/* Verifies token[0..len) at now_ms. AUTH_OK fills *claims (caller frees claims->sub);
 * any failure leaves claims->sub NULL. */
auth_failure_t auth_jwt_verify(const auth_jwt_keys_t *k, const char *token, size_t len, rt_wall_t now,
                               auth_jwt_claims_t *claims);

/* True when the token has the compact JWS shape (exactly two dots). */
int auth_jwt_looks_like(const char *token);

#endif

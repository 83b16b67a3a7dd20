/* libFuzzer target for Bearer JWT verification. The first byte picks a mode: verify the input as a
 * token, or treat it as "header.payload" and sign it with the fuzzer's HS256 key first, so that
 * the claims parser (exp, nbf, iss, aud, sub of every JSON shape) is reached past the signature.
 * Any verdict is fine; a crash, a leak or an AUTH_OK without a subject is not. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_jwt.h"

static const unsigned char key[] = "fuzz-hs256-secret";

static void b64u(const unsigned char *in, size_t n, char *out, size_t cap)
{
    sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > AUTH_JWT_MAX_LEN)
        return 0;
    int sign = data[0] & 1;
    data++, size--;
    auth_jwt_keys_t keys = {.hs_secret = key,
                            .hs_len = sizeof key - 1,
                            .issuer = data[0] & 2 ? "iss" : NULL,
                            .audience = data[0] & 4 ? "aud" : NULL};
    char *token = malloc(size + 128);
    if (!token)
        return 0;
    memcpy(token, data, size);
    size_t len = size;
    if (sign) {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, key, sizeof key - 1);
        crypto_auth_hmacsha256_update(&st, data, size);
        crypto_auth_hmacsha256_final(&st, mac);
        token[len++] = '.';
        b64u(mac, sizeof mac, token + len, 128 - 1);
        len += strlen(token + len);
    }
    auth_jwt_claims_t claims = {0};
    auth_failure_t r = auth_jwt_verify(&keys, token, len, rt_wall_from_ms(1800000000000LL), &claims);
    if ((r == AUTH_OK) != (claims.sub != NULL))
        abort();
    free(claims.sub);
    free(token);
    return 0;
}

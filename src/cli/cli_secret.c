/* Credential generation and hashing shared by the operator commands and the demo seed. */
#include "cli/cli_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_random_id(const char *prefix, char *out, size_t size)
{
    unsigned char b[8];
    char hex[17];
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(hex, sizeof hex, b, sizeof b);
    return snprintf(out, size, "%s%s", prefix, hex) < (int)size ? 0 : -1;
}

int cli_random_secret(char out[CLI_SECRET_LEN])
{
    unsigned char b[32];
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, CLI_SECRET_LEN, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof b);
    return 0;
}

/* OPSLIMIT/MEMLIMIT_INTERACTIVE (2 passes, 64 MiB): the secrets are 256 random bits, so the
 * hash's cost adds nothing against guessing them; Argon2id is there so a stolen database does
 * not yield usable credentials, and the interactive limits keep every verification the server
 * must do on connect (reconnect storms, docs/authentication.md#credential-forms-in-order) in tens of
 * milliseconds instead of the
 * ~0.7 s of MODERATE. */
int cli_hash_secret(const char *secret, size_t len, char out[crypto_pwhash_STRBYTES])
{
    if (sodium_init() < 0)
        return -1;
    return crypto_pwhash_str(out, secret, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

void cli_now_rfc3339(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cli_apply_record(store_t *s, json_object *record, FILE *err)
{
    store_record_t *r = calloc(1, sizeof *r);
    char *msg = NULL;
    if (!r) {
        fprintf(err, "out of memory\n");
        return -1;
    }
    if (store_record_parse(s, record, r, &msg) != 0) {
        fprintf(err, "invalid: %s\n", msg ? msg : "out of memory");
        free(msg);
        free(r);
        return -1;
    }
    char emsg[256] = "";
    int rc = store_apply_sync(s, r, 1, NULL, emsg, sizeof emsg, NULL);
    if (rc != 0) {
        fprintf(err, "not applied: %s\n", emsg[0] ? emsg : "storage error");
        return -1;
    }
    return 0;
}

/* New credentials for the operator commands and the demo seed: random ids and secrets from
 * libsodium, and their Argon2id hashes (the only form the store ever keeps). */
#ifndef RT_CLI_SECRET_H
#define RT_CLI_SECRET_H

#include <sodium.h>
#include <stdio.h>
#include <stddef.h>

#include "store/store.h"

/* 32 random bytes, base64url without padding: 43 characters, never containing '.'. */
#define CLI_SECRET_LEN 44
/* "<prefix><16 hex digits>" into out (size >= strlen(prefix) + 17). Returns 0 or -1. */
int cli_random_id(const char *prefix, char *out, size_t size);
int cli_random_secret(char out[CLI_SECRET_LEN]);
/* crypto_pwhash_str with the limits chosen in cli_secret.c; 0 or -1 (out of memory). */
int cli_hash_secret(const char *secret, size_t len, char out[crypto_pwhash_STRBYTES]);

/* RFC 3339 UTC "now" (second precision) into out[32]. */
void cli_now_rfc3339(char out[32]);

/* Validates one record (JSON text) with the ingestion rules and applies it through the store's
 * writer (a change-log entry like any other). Returns 0, or prints the reason to `err` and
 * returns -1. */
int cli_apply_record(store_t *s, json_object *record, FILE *err);

#endif

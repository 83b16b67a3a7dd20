/* libFuzzer target for the persisted-operations manifest parser: any input is either a manifest
 * whose every entry's id is its document's SHA-256, or refused with a reason; never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "gql/gql_persist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (sodium_init() < 0)
        abort();
    gql_persist_manifest_t *m = NULL;
    char err[256] = "";
    if (gql_persist_manifest_parse((const char *)data, size, &m, err, sizeof err) == 0) {
        if (!m || gql_persist_manifest_count(m) < 0)
            abort();
        gql_persist_manifest_free(m);
    } else if (m || err[0] == '\0') {
        fprintf(stderr, "refused without a reason, or with a manifest\n");
        abort();
    }
    return 0;
}

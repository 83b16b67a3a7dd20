/* libFuzzer target for request preparation against the BlobHub schema: input is the query text,
 * optionally followed by a NUL and a JSON variables object. Parsing, validation, the limits,
 * operation choice and variable coercion must answer every input with a request or errors. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql.h"
#include "gql_schema_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t qlen = nul ? (size_t)(nul - data) : size;
    json_object *vars = NULL;
    if (nul) {
        json_tokener *tok = json_tokener_new();
        if (tok) {
            vars = json_tokener_parse_ex(tok, (const char *)nul + 1, (int)(size - qlen - 1));
            json_tokener_free(tok);
        }
    }
    gql_limits_t limits = {12, 2000, 0};
    gql_request_t *req = NULL;
    json_object *errors = NULL;
    int rc =
        gql_request_prepare(&gql_schema_blobhub, q, qlen, vars, size % 5 == 0 ? "A" : NULL, &limits, &req, &errors);
    if ((rc == GQL_OK) != (req != NULL) || (rc == GQL_OK) != (errors == NULL)) {
        fprintf(stderr, "inconsistent result %d\n", rc);
        abort();
    }
    if (errors && (json_object_get_type(errors) != json_type_array || json_object_array_length(errors) == 0)) {
        fprintf(stderr, "error result without errors\n");
        abort();
    }
    gql_request_free(req);
    json_object_put(errors);
    json_object_put(vars);
    return 0;
}

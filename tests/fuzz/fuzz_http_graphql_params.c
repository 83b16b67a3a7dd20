/* libFuzzer target for GraphQL-over-HTTP request parameters: the first byte picks the method and
 * the content type, the rest splits at the first NUL into a query string and a body. Every input
 * yields parameters with a query (or a persisted document's id instead), or a 4xx status with a
 * message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_graphql_params.h"
#include "util/util_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *methods[] = {"GET", "POST", "PUT", "HEAD"};
    static const char *types[] = {"application/json",
                                  "application/json; charset=utf-8",
                                  "application/graphql-response+json",
                                  "text/plain",
                                  "application/x-www-form-urlencoded",
                                  NULL,
                                  "application/json; charset=latin1",
                                  ""};
    if (size < 1)
        return 0;
    const char *method = methods[data[0] & 3], *ctype = types[(data[0] >> 2) & 7];
    data++, size--;
    const uint8_t *nul = memchr(data, 0, size);
    size_t qlen = nul ? (size_t)(nul - data) : size;
    char *qs = malloc(qlen + 1);
    if (!qs)
        return 0;
    memcpy(qs, data, qlen);
    qs[qlen] = '\0';
    const char *body = nul ? (const char *)nul + 1 : "";
    size_t body_len = nul ? size - qlen - 1 : 0;
    http_gql_params_t p = {0};
    const char *message = NULL;
    int rc = http_graphql_parse_params(method, ctype, qs, body, body_len, &p, &message);
    bool named = p.document_id || rt_json_get(p.extensions, "persistedQuery");
    if (rc == 0 ? (p.query == NULL && !named) : (rc < 400 || rc > 599 || !message))
        abort();
    http_graphql_accept(qs);
    http_graphql_params_clear(&p);
    free(qs);
    return 0;
}

/* libFuzzer target for the GraphQL parser and printer: any input must parse or fail cleanly
 * (with a located "Syntax Error: ..."), and a parsed document must print to text that parses
 * again and prints identically (print is a fixed point after one round). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/syntax/gql_parser.h"

static void round_trip(const gql_document_t *doc)
{
    rt_buf_t a = RT_BUF_INIT, b = RT_BUF_INIT;
    if (gql_print_document(&a, doc) < 0)
        goto done;
    gql_document_t *again = NULL;
    gql_syntax_error_t err;
    int rc = gql_parse(a.data ? a.data : "", a.len, NULL, &again, &err);
    if (rc == GQL_PARSE_TOO_DEEP || rc == GQL_PARSE_NOMEM)
        goto done;
    if (rc != GQL_PARSE_OK) {
        fprintf(stderr, "printed document does not parse: %s\n%.*s\n", err.message, (int)a.len, a.data);
        abort();
    }
    if (gql_print_document(&b, again) == 0 && (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)) {
        fprintf(stderr, "print is not stable:\n%.*s\n---\n%.*s\n", (int)a.len, a.data, (int)b.len, b.data);
        abort();
    }
    gql_document_free(again);
done:
    rt_buf_free(&a);
    rt_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gql_document_t *doc = NULL;
    gql_syntax_error_t err;
    gql_parse_options_t opts = {size % 3 == 0 ? 64 : 0, 64};
    int rc = gql_parse((const char *)data, size, &opts, &doc, &err);
    if (rc == GQL_PARSE_OK) {
        round_trip(doc);
        gql_document_free(doc);
    } else if (strncmp(err.message, "Syntax Error: ", 14) != 0 || err.loc.line == 0 || err.loc.offset > size) {
        fprintf(stderr, "bad error: %s at %u:%u\n", err.message, err.loc.line, err.loc.column);
        abort();
    }
    /* Values alone, as variable defaults and schema defaults are parsed. */
    gql_document_t *holder;
    gql_ast_value_t *v;
    if (gql_parse_value((const char *)data, size, size % 2 == 0, &holder, &v, &err) == GQL_PARSE_OK) {
        rt_buf_t b = RT_BUF_INIT;
        gql_print_value(&b, v);
        rt_buf_free(&b);
        gql_document_free(holder);
    }
    return 0;
}

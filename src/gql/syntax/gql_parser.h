/* GraphQL parser: source text -> gql_document_t (gql_ast.h), following graphql-js 16's parser,
 * including its syntax error wording. Abuse limits (token count, nesting depth) are checked while
 * lexing/parsing so hostile input is rejected before it costs memory or stack. */
#ifndef RT_GQL_PARSER_H
#define RT_GQL_PARSER_H

#include <stddef.h>

#include "gql/syntax/gql_ast.h"

typedef struct gql_parse_options {
    int max_tokens; /* > 0: more tokens than this (EOF excluded) fails with GQL_PARSE_TOO_MANY_TOKENS */
    int max_depth;  /* > 0: nesting of selection sets, lists, objects and wrapped types beyond this
                       fails with GQL_PARSE_TOO_DEEP; 0 means the default GQL_PARSE_DEFAULT_DEPTH */
} gql_parse_options_t;

#define GQL_PARSE_DEFAULT_DEPTH 512

enum {
    GQL_PARSE_OK = 0,
    GQL_PARSE_SYNTAX = -1,          /* message is graphql-js's "Syntax Error: ..." */
    GQL_PARSE_TOO_MANY_TOKENS = -2, /* "Syntax Error: Document contains more that N tokens. Parsing aborted."
                                        (sic: graphql-js 16 words it so) */
    GQL_PARSE_TOO_DEEP = -3,        /* "Syntax Error: Document nesting is deeper than N levels. Parsing aborted." */
    GQL_PARSE_NOMEM = -4,
};

typedef struct gql_syntax_error {
    char message[1024]; /* NUL-terminated; absurdly long names are cut short */
    gql_loc_t loc;      /* where graphql-js reports the error */
} gql_syntax_error_t;

/* Parses src[0..len) (need not be NUL-terminated). On GQL_PARSE_OK *out is a new document owned by
 * the caller (gql_document_free). Otherwise *out is NULL and *err (if non-NULL) describes the error.
 * opts may be NULL (no token limit, default depth). */
int gql_parse(const char *src, size_t len, const gql_parse_options_t *opts, gql_document_t **out,
              gql_syntax_error_t *err);

/* Parses a lone value literal (graphql-js parseValue), with or without variables allowed. */
int gql_parse_value(const char *src, size_t len, bool const_only, gql_document_t **holder, gql_ast_value_t **out,
                    gql_syntax_error_t *err);

/* The spec's BlockStringValue(): strips common indentation and blank leading/trailing lines from
 * raw block-string text (escaped \""" already turned into """). Writes at most len bytes to out
 * and returns the result length. */
size_t gql_block_string_value(const char *raw, size_t len, char *out);

#endif

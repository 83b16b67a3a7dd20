/* GraphQL lexer over UTF-8 source, token for token what graphql-js 16's Lexer produces (same
 * token kinds, values, error messages). Internal to the syntax library: the parser drives it. */
#ifndef RT_GQL_LEXER_H
#define RT_GQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gql/syntax/gql_arena.h"
#include "gql/syntax/gql_parser.h"
#include "util/util_buf.h"

typedef enum {
    GQL_TOK_SOF,
    GQL_TOK_EOF,
    GQL_TOK_BANG,
    GQL_TOK_DOLLAR,
    GQL_TOK_AMP,
    GQL_TOK_PAREN_L,
    GQL_TOK_PAREN_R,
    GQL_TOK_DOT,
    GQL_TOK_SPREAD,
    GQL_TOK_COLON,
    GQL_TOK_EQUALS,
    GQL_TOK_AT,
    GQL_TOK_BRACKET_L,
    GQL_TOK_BRACKET_R,
    GQL_TOK_BRACE_L,
    GQL_TOK_PIPE,
    GQL_TOK_BRACE_R,
    GQL_TOK_NAME,
    GQL_TOK_INT,
    GQL_TOK_FLOAT,
    GQL_TOK_STRING,
    GQL_TOK_BLOCK_STRING,
    GQL_TOK_COMMENT,
} gql_token_kind_t;

typedef struct gql_token {
    gql_token_kind_t kind;
    uint32_t start, end;   /* byte offsets */
    uint32_t line, column; /* 1-based; column in UTF-16 units like graphql-js */
    /* NAME, INT, FLOAT, COMMENT: points into the source; STRING, BLOCK_STRING: decoded value in
     * the arena (NUL-terminated); NULL for punctuators. */
    const char *value;
    size_t len;
} gql_token_t;

typedef struct gql_lexer {
    const char *src;
    size_t len;
    size_t line;
    size_t line_start;         /* byte offset where the current line starts */
    size_t col_off, col_units; /* memo for UTF-16 column counting within the line */
    gql_arena_t *arena;        /* where decoded strings go */
    gql_syntax_error_t *err;   /* filled on failure (may be NULL) */
    gql_token_t token;         /* current token */
    gql_token_t last;          /* previous token */
    gql_token_t ahead;         /* cached lookahead, valid when has_ahead */
    bool has_ahead;
    int rc;           /* code of the last failure: GQL_PARSE_SYNTAX or GQL_PARSE_NOMEM */
    size_t pos;       /* where the next token is read from (end of the last one read) */
    rt_buf_t scratch; /* string decoding workspace, freed by gql_lexer_dispose */
} gql_lexer_t;

void gql_lexer_init(gql_lexer_t *lx, const char *src, size_t len, gql_arena_t *arena, gql_syntax_error_t *err);
void gql_lexer_dispose(gql_lexer_t *lx);
/* Moves to the next non-comment token. 0, or -1 on a lexical error (err filled). */
int gql_lexer_advance(gql_lexer_t *lx);
/* The token after the current one, without consuming it. NULL on a lexical error. */
const gql_token_t *gql_lexer_lookahead(gql_lexer_t *lx);

/* "Name", "<EOF>", "\"{\"" ... as graphql-js getTokenKindDesc. */
const char *gql_token_kind_desc(gql_token_kind_t kind);
/* Fills err with "Syntax Error: <msg>" located at byte offset pos of src. */
void gql_syntax_error_at(gql_syntax_error_t *err, const char *src, size_t len, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Decodes one code point at src[pos] (pos < len) as Node's UTF-8 decoder would: a maximal
 * invalid subpart gives one U+FFFD. Returns the bytes used. */
size_t gql_utf8_decode(const char *src, size_t len, size_t pos, uint32_t *cp);
/* Number of UTF-16 code units the bytes src[0..n) stand for. */
size_t gql_utf16_units(const char *src, size_t n);

#endif

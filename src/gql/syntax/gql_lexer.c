/* GraphQL lexer: mirrors graphql-js 16 lexer.js rule for rule (numbers, strings, escapes, block
 * strings, error wording) while reading UTF-8; positions reported to users are converted to the
 * UTF-16 columns graphql-js would give for the same text. */
#include "gql/syntax/gql_lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- UTF-8 helpers ------------------------------------------------------------------------ */

size_t gql_utf8_decode(const char *src, size_t len, size_t pos, uint32_t *cp)
{
    /* WHATWG decoding, as Node reads the same bytes: a maximal invalid subpart is one U+FFFD. */
    const unsigned char *s = (const unsigned char *)src + pos;
    size_t n = len - pos;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2, v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED) /* no surrogates */
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            *cp = 0xFFFD;
            return i;
        }
        v = (v << 6) | (s[i] & 0x3F);
        lo = 0x80, hi = 0xBF;
    }
    *cp = v;
    return need;
}

size_t gql_utf16_units(const char *src, size_t n)
{
    size_t units = 0, pos = 0;
    while (pos < n) {
        unsigned char c = (unsigned char)src[pos];
        if (c < 0x80) {
            units++;
            pos++;
            continue;
        }
        uint32_t cp;
        pos += gql_utf8_decode(src, n, pos, &cp);
        units += cp >= 0x10000 ? 2 : 1;
    }
    return units;
}

static bool is_scalar_value(uint32_t cp) { return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0x10FFFF); }

static int put_utf8(rt_buf_t *b, uint32_t cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    return rt_buf_append(b, o, n);
}

/* ---- errors ------------------------------------------------------------------------------- */

void gql_syntax_error_at(gql_syntax_error_t *err, const char *src, size_t len, size_t pos, const char *fmt, ...)
{
    if (!err)
        return;
    int n = snprintf(err->message, sizeof err->message, "Syntax Error: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    va_end(ap);
    /* Lines end at \r\n, \n or \r, as graphql-js getLocation counts them. */
    size_t line = 1, line_start = 0;
    if (pos > len)
        pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (src[i] == '\n') {
            line++;
            line_start = i + 1;
        } else if (src[i] == '\r') {
            if (i + 1 < pos && src[i + 1] == '\n')
                i++;
            line++;
            line_start = i + 1;
        }
    }
    err->loc.line = (uint32_t)line;
    err->loc.column = (uint32_t)(gql_utf16_units(src + line_start, pos - line_start) + 1);
    err->loc.offset = (uint32_t)pos;
    err->loc.end = (uint32_t)pos;
}

/* printCodePointAt: "<EOF>", "\"a\"", "'\"'" or "U+XXXX". */
static void code_point_desc(const gql_lexer_t *lx, size_t pos, char *out, size_t cap)
{
    if (pos >= lx->len) {
        snprintf(out, cap, "<EOF>");
        return;
    }
    uint32_t cp;
    gql_utf8_decode(lx->src, lx->len, pos, &cp);
    if (cp >= 0x20 && cp <= 0x7E) {
        if (cp == '"')
            snprintf(out, cap, "'\"'");
        else
            snprintf(out, cap, "\"%c\"", (char)cp);
    } else {
        snprintf(out, cap, "U+%04X", (unsigned)cp);
    }
}

/* Byte end of the span starting at pos covering `units` UTF-16 units (for body.slice quoting).
 * *split is set when the span ends inside a surrogate pair: JavaScript would show half a pair,
 * which UTF-8 can only render as U+FFFD. */
static size_t slice_units(const gql_lexer_t *lx, size_t pos, size_t units, bool *split)
{
    *split = false;
    while (units > 0 && pos < lx->len) {
        uint32_t cp;
        size_t n = gql_utf8_decode(lx->src, lx->len, pos, &cp);
        size_t u = cp >= 0x10000 ? 2 : 1;
        if (u > units) {
            *split = true;
            break;
        }
        units -= u;
        pos += n;
    }
    return pos;
}

const char *gql_token_kind_desc(gql_token_kind_t kind)
{
    static const char *const names[] = {
        [GQL_TOK_SOF] = "<SOF>",       [GQL_TOK_EOF] = "<EOF>",
        [GQL_TOK_BANG] = "\"!\"",      [GQL_TOK_DOLLAR] = "\"$\"",
        [GQL_TOK_AMP] = "\"&\"",       [GQL_TOK_PAREN_L] = "\"(\"",
        [GQL_TOK_PAREN_R] = "\")\"",   [GQL_TOK_DOT] = "\".\"",
        [GQL_TOK_SPREAD] = "\"...\"",  [GQL_TOK_COLON] = "\":\"",
        [GQL_TOK_EQUALS] = "\"=\"",    [GQL_TOK_AT] = "\"@\"",
        [GQL_TOK_BRACKET_L] = "\"[\"", [GQL_TOK_BRACKET_R] = "\"]\"",
        [GQL_TOK_BRACE_L] = "\"{\"",   [GQL_TOK_PIPE] = "\"|\"",
        [GQL_TOK_BRACE_R] = "\"}\"",   [GQL_TOK_NAME] = "Name",
        [GQL_TOK_INT] = "Int",         [GQL_TOK_FLOAT] = "Float",
        [GQL_TOK_STRING] = "String",   [GQL_TOK_BLOCK_STRING] = "BlockString",
        [GQL_TOK_COMMENT] = "Comment",
    };
    return names[kind];
}

/* ---- lexer core ---------------------------------------------------------------------------- */

void gql_lexer_init(gql_lexer_t *lx, const char *src, size_t len, gql_arena_t *arena, gql_syntax_error_t *err)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->arena = arena;
    lx->err = err;
    lx->token.kind = GQL_TOK_SOF;
    lx->token.line = 1;
    lx->token.column = 0;
    lx->last = lx->token;
}

void gql_lexer_dispose(gql_lexer_t *lx) { rt_buf_free(&lx->scratch); }

static int ch(const gql_lexer_t *lx, size_t pos) { return pos < lx->len ? (unsigned char)lx->src[pos] : -1; }

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_name_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_name_continue(int c) { return is_name_start(c) || is_digit(c); }

/* UTF-16 column of byte offset pos on the current line, counted incrementally: tokens arrive in
 * order, so each byte of a long line is measured once. */
static uint32_t column_of(gql_lexer_t *lx, size_t pos)
{
    if (lx->col_off < lx->line_start || lx->col_off > pos) {
        lx->col_off = lx->line_start;
        lx->col_units = 0;
    }
    lx->col_units += gql_utf16_units(lx->src + lx->col_off, pos - lx->col_off);
    lx->col_off = pos;
    return (uint32_t)(lx->col_units + 1);
}

static void make(gql_lexer_t *lx, gql_token_t *t, gql_token_kind_t kind, size_t start, size_t end)
{
    t->kind = kind;
    t->start = (uint32_t)start;
    t->end = (uint32_t)end;
    t->line = (uint32_t)lx->line;
    t->column = column_of(lx, start);
    t->value = NULL;
    t->len = 0;
}

static int fail(gql_lexer_t *lx, size_t pos, const char *fmt, const char *arg)
{
    gql_syntax_error_at(lx->err, lx->src, lx->len, pos, fmt, arg);
    return -1;
}

static int read_digits(gql_lexer_t *lx, size_t *pos)
{
    if (!is_digit(ch(lx, *pos))) {
        char d[16];
        code_point_desc(lx, *pos, d, sizeof d);
        return fail(lx, *pos, "Invalid number, expected digit but got: %s.", d);
    }
    while (is_digit(ch(lx, *pos)))
        (*pos)++;
    return 0;
}

static int read_number(gql_lexer_t *lx, gql_token_t *t, size_t start)
{
    size_t pos = start;
    bool is_float = false;
    char d[16];
    if (ch(lx, pos) == '-')
        pos++;
    if (ch(lx, pos) == '0') {
        pos++;
        if (is_digit(ch(lx, pos))) {
            code_point_desc(lx, pos, d, sizeof d);
            return fail(lx, pos, "Invalid number, unexpected digit after 0: %s.", d);
        }
    } else if (read_digits(lx, &pos) < 0) {
        return -1;
    }
    if (ch(lx, pos) == '.') {
        is_float = true;
        pos++;
        if (read_digits(lx, &pos) < 0)
            return -1;
    }
    if (ch(lx, pos) == 'E' || ch(lx, pos) == 'e') {
        is_float = true;
        pos++;
        if (ch(lx, pos) == '+' || ch(lx, pos) == '-')
            pos++;
        if (read_digits(lx, &pos) < 0)
            return -1;
    }
    if (ch(lx, pos) == '.' || is_name_start(ch(lx, pos))) {
        code_point_desc(lx, pos, d, sizeof d);
        return fail(lx, pos, "Invalid number, expected digit but got: %s.", d);
    }
    make(lx, t, is_float ? GQL_TOK_FLOAT : GQL_TOK_INT, start, pos);
    t->value = lx->src + start;
    t->len = pos - start;
    return 0;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int32_t read_hex16(const gql_lexer_t *lx, size_t pos)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_digit(ch(lx, pos + (size_t)i));
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

static int bad_escape(gql_lexer_t *lx, size_t pos, size_t units, const char *fmt)
{
    bool split;
    size_t end = slice_units(lx, pos, units, &split);
    char quoted[64];
    size_t n = end - pos < sizeof quoted - 4 ? end - pos : sizeof quoted - 4;
    memcpy(quoted, lx->src + pos, n);
    if (split)
        memcpy(quoted + n, "\xEF\xBF\xBD", 3), n += 3;
    quoted[n] = '\0';
    return fail(lx, pos, fmt, quoted);
}

/* One escape sequence at pos (the backslash): appends its value, returns its size or -1. */
static long read_escape(gql_lexer_t *lx, size_t pos)
{
    rt_buf_t *b = &lx->scratch;
    int c = ch(lx, pos + 1);
    if (c == 'u' && ch(lx, pos + 2) == '{') {
        int32_t point = 0;
        size_t size = 3;
        while (size < 12) {
            int code = ch(lx, pos + size++);
            if (code == '}') {
                if (size < 5 || !is_scalar_value((uint32_t)point))
                    break;
                if (put_utf8(b, (uint32_t)point) < 0)
                    return -2;
                return (long)size;
            }
            int h = hex_digit(code);
            point = h < 0 ? -1 : (int32_t)(((uint32_t)point << 4) | (uint32_t)h);
            if (point < 0)
                break;
        }
        bad_escape(lx, pos, size, "Invalid Unicode escape sequence: \"%s\".");
        return -1;
    }
    if (c == 'u') {
        int32_t code = read_hex16(lx, pos + 2);
        if (code >= 0 && is_scalar_value((uint32_t)code)) {
            if (put_utf8(b, (uint32_t)code) < 0)
                return -2;
            return 6;
        }
        if (code >= 0xD800 && code <= 0xDBFF && ch(lx, pos + 6) == '\\' && ch(lx, pos + 7) == 'u') {
            int32_t trail = read_hex16(lx, pos + 8);
            if (trail >= 0xDC00 && trail <= 0xDFFF) {
                uint32_t cp = 0x10000 + (((uint32_t)code - 0xD800) << 10) + ((uint32_t)trail - 0xDC00);
                if (put_utf8(b, cp) < 0)
                    return -2;
                return 12;
            }
        }
        bad_escape(lx, pos, 6, "Invalid Unicode escape sequence: \"%s\".");
        return -1;
    }
    char v;
    switch (c) {
    case '"': v = '"'; break;
    case '\\': v = '\\'; break;
    case '/': v = '/'; break;
    case 'b': v = '\b'; break;
    case 'f': v = '\f'; break;
    case 'n': v = '\n'; break;
    case 'r': v = '\r'; break;
    case 't': v = '\t'; break;
    default: bad_escape(lx, pos, 2, "Invalid character escape sequence: \"%s\"."); return -1;
    }
    if (rt_buf_putc(b, v) < 0)
        return -2;
    return 2;
}

static int nomem(gql_lexer_t *lx)
{
    if (lx->err) {
        snprintf(lx->err->message, sizeof lx->err->message, "Out of memory");
        memset(&lx->err->loc, 0, sizeof lx->err->loc);
    }
    return GQL_PARSE_NOMEM;
}

static int finish_string(gql_lexer_t *lx, gql_token_t *t)
{
    char *v = gql_arena_strndup(lx->arena, lx->scratch.data ? lx->scratch.data : "", lx->scratch.len);
    if (!v)
        return nomem(lx);
    t->value = v;
    t->len = lx->scratch.len;
    return 0;
}

/* Copies one source character (known valid) to the scratch buffer; invalid bytes become the
 * U+FFFD a JavaScript string would hold. */
static int copy_char(gql_lexer_t *lx, size_t pos, size_t n, uint32_t cp)
{
    if (n == 1 && cp < 0x80)
        return rt_buf_putc(&lx->scratch, (char)cp);
    if (cp == 0xFFFD)
        return put_utf8(&lx->scratch, cp);
    return rt_buf_append(&lx->scratch, lx->src + pos, n);
}

static int invalid_in_string(gql_lexer_t *lx, size_t pos)
{
    char d[16];
    code_point_desc(lx, pos, d, sizeof d);
    return fail(lx, pos, "Invalid character within String: %s.", d);
}

static int read_string(gql_lexer_t *lx, gql_token_t *t, size_t start)
{
    size_t pos = start + 1;
    rt_buf_reset(&lx->scratch);
    while (pos < lx->len) {
        int c = ch(lx, pos);
        if (c == '"') {
            make(lx, t, GQL_TOK_STRING, start, pos + 1);
            return finish_string(lx, t);
        }
        if (c == '\\') {
            long n = read_escape(lx, pos);
            if (n == -2)
                return nomem(lx);
            if (n < 0)
                return -1;
            pos += (size_t)n;
            continue;
        }
        if (c == '\n' || c == '\r')
            break;
        uint32_t cp;
        size_t n = gql_utf8_decode(lx->src, lx->len, pos, &cp);
        if (!is_scalar_value(cp))
            return invalid_in_string(lx, pos);
        if (copy_char(lx, pos, n, cp) < 0)
            return nomem(lx);
        pos += n;
    }
    return fail(lx, pos, "Unterminated string.%s", "");
}

static int read_block_string(gql_lexer_t *lx, gql_token_t *t, size_t start)
{
    size_t pos = start + 3;
    size_t line_start = lx->line_start;
    size_t lines = 1;
    rt_buf_reset(&lx->scratch);
    while (pos < lx->len) {
        int c = ch(lx, pos);
        if (c == '"' && ch(lx, pos + 1) == '"' && ch(lx, pos + 2) == '"') {
            make(lx, t, GQL_TOK_BLOCK_STRING, start, pos + 3);
            /* Dedent in place: the result is never longer than the raw text. */
            if (rt_buf_reserve(&lx->scratch, 1) < 0)
                return nomem(lx);
            lx->scratch.len = gql_block_string_value(lx->scratch.data, lx->scratch.len, lx->scratch.data);
            int rc = finish_string(lx, t);
            lx->line += lines - 1;
            lx->line_start = line_start;
            return rc;
        }
        if (c == '\\' && ch(lx, pos + 1) == '"' && ch(lx, pos + 2) == '"' && ch(lx, pos + 3) == '"') {
            if (rt_buf_append(&lx->scratch, "\"\"\"", 3) < 0)
                return nomem(lx);
            pos += 4;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (rt_buf_putc(&lx->scratch, '\n') < 0)
                return nomem(lx);
            pos += (c == '\r' && ch(lx, pos + 1) == '\n') ? 2 : 1;
            lines++;
            line_start = pos;
            continue;
        }
        uint32_t cp;
        size_t n = gql_utf8_decode(lx->src, lx->len, pos, &cp);
        if (!is_scalar_value(cp))
            return invalid_in_string(lx, pos);
        if (copy_char(lx, pos, n, cp) < 0)
            return nomem(lx);
        pos += n;
    }
    return fail(lx, pos, "Unterminated string.%s", "");
}

/* Skips white space, commas, a BOM and line terminators (counting lines) from pos; returns the
 * position of the next significant character, or lx->len. */
static size_t skip_ignored(gql_lexer_t *lx, size_t pos)
{
    while (pos < lx->len) {
        int c = ch(lx, pos);
        if (c == '\t' || c == ' ' || c == ',') {
            pos++;
        } else if (c == 0xEF && ch(lx, pos + 1) == 0xBB && ch(lx, pos + 2) == 0xBF) {
            pos += 3;
        } else if (c == '\n' || c == '\r') {
            pos += (c == '\r' && ch(lx, pos + 1) == '\n') ? 2 : 1;
            lx->line++;
            lx->line_start = pos;
        } else {
            break;
        }
    }
    return pos;
}

static int read_comment(gql_lexer_t *lx, gql_token_t *t, size_t pos)
{
    size_t p = pos + 1;
    while (p < lx->len) {
        int cc = ch(lx, p);
        if (cc == '\n' || cc == '\r')
            break;
        uint32_t cp;
        size_t n = gql_utf8_decode(lx->src, lx->len, p, &cp);
        if (!is_scalar_value(cp))
            break;
        p += n;
    }
    make(lx, t, GQL_TOK_COMMENT, pos, p);
    t->value = lx->src + pos + 1;
    t->len = p - pos - 1;
    lx->pos = p;
    return 0;
}

/* The one-character punctuator c is, or -1. */
static int punctuator(int c)
{
    switch (c) {
    case '!': return GQL_TOK_BANG;
    case '$': return GQL_TOK_DOLLAR;
    case '&': return GQL_TOK_AMP;
    case '(': return GQL_TOK_PAREN_L;
    case ')': return GQL_TOK_PAREN_R;
    case ':': return GQL_TOK_COLON;
    case '=': return GQL_TOK_EQUALS;
    case '@': return GQL_TOK_AT;
    case '[': return GQL_TOK_BRACKET_L;
    case ']': return GQL_TOK_BRACKET_R;
    case '{': return GQL_TOK_BRACE_L;
    case '|': return GQL_TOK_PIPE;
    case '}': return GQL_TOK_BRACE_R;
    default: return -1;
    }
}

/* Numbers and names; anything else is graphql-js's unexpected/invalid character error. */
static int read_number_or_name(gql_lexer_t *lx, gql_token_t *t, size_t pos)
{
    int c = ch(lx, pos);
    if (is_digit(c) || c == '-') {
        int rc = read_number(lx, t, pos);
        if (rc == 0)
            lx->pos = t->end;
        return rc;
    }
    if (is_name_start(c)) {
        size_t p = pos + 1;
        while (is_name_continue(ch(lx, p)))
            p++;
        make(lx, t, GQL_TOK_NAME, pos, p);
        t->value = lx->src + pos;
        t->len = p - pos;
        lx->pos = p;
        return 0;
    }
    char d[16];
    uint32_t cp;
    gql_utf8_decode(lx->src, lx->len, pos, &cp);
    code_point_desc(lx, pos, d, sizeof d);
    if (c == '\'')
        return fail(lx, pos, "Unexpected single quote character ('), did you mean to use a double quote (\")?%s", "");
    if (is_scalar_value(cp))
        return fail(lx, pos, "Unexpected character: %s.", d);
    return fail(lx, pos, "Invalid character: %s.", d);
}

/* readNextToken: reads the token starting at or after lx->pos (comments included). */
static int read_token(gql_lexer_t *lx, gql_token_t *t)
{
    size_t pos = skip_ignored(lx, lx->pos);
    if (pos >= lx->len) {
        make(lx, t, GQL_TOK_EOF, lx->len, lx->len);
        lx->pos = lx->len;
        return 0;
    }
    int c = ch(lx, pos);
    int k = punctuator(c);
    if (k >= 0) {
        make(lx, t, (gql_token_kind_t)k, pos, pos + 1);
        lx->pos = pos + 1;
        return 0;
    }
    if (c == '#')
        return read_comment(lx, t, pos);
    if (c == '.' && ch(lx, pos + 1) == '.' && ch(lx, pos + 2) == '.') {
        make(lx, t, GQL_TOK_SPREAD, pos, pos + 3);
        lx->pos = pos + 3;
        return 0;
    }
    if (c == '"') {
        int rc = (ch(lx, pos + 1) == '"' && ch(lx, pos + 2) == '"') ? read_block_string(lx, t, pos)
                                                                    : read_string(lx, t, pos);
        if (rc == 0)
            lx->pos = t->end;
        return rc;
    }
    return read_number_or_name(lx, t, pos);
}

/* The next non-comment token after the last one read. */
static int read_significant(gql_lexer_t *lx, gql_token_t *t)
{
    do {
        int rc = read_token(lx, t);
        if (rc != 0)
            return lx->rc = rc;
    } while (t->kind == GQL_TOK_COMMENT);
    return 0;
}

int gql_lexer_advance(gql_lexer_t *lx)
{
    lx->last = lx->token;
    if (lx->token.kind == GQL_TOK_EOF)
        return 0;
    if (lx->has_ahead) {
        lx->token = lx->ahead;
        lx->has_ahead = false;
        return 0;
    }
    return read_significant(lx, &lx->token);
}

const gql_token_t *gql_lexer_lookahead(gql_lexer_t *lx)
{
    if (lx->token.kind == GQL_TOK_EOF)
        return &lx->token;
    if (!lx->has_ahead) {
        if (read_significant(lx, &lx->ahead) != 0)
            return NULL;
        lx->has_ahead = true;
    }
    return &lx->ahead;
}

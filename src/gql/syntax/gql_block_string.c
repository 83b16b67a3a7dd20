/* The spec's BlockStringValue (graphql-js dedentBlockStringLines): common indentation of all
 * lines but the first is removed, then leading and trailing blank lines are dropped. */
#include "gql/syntax/gql_parser.h"

#include <string.h>

typedef struct {
    size_t start, len;
} span_t;

/* Next line of raw[*pos..len): lines end at \n, \r\n or \r. Returns false when none is left. */
static bool next_line(const char *raw, size_t len, size_t *pos, bool *done, span_t *out)
{
    if (*done)
        return false;
    size_t p = *pos;
    while (p < len && raw[p] != '\n' && raw[p] != '\r')
        p++;
    out->start = *pos;
    out->len = p - *pos;
    if (p >= len) {
        *done = true;
        *pos = len;
    } else {
        p += (raw[p] == '\r' && p + 1 < len && raw[p + 1] == '\n') ? 2 : 1;
        *pos = p;
    }
    return true;
}

static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

size_t gql_block_string_value(const char *raw, size_t len, char *out)
{
    size_t common = (size_t)-1;
    long first = -1, last = -1, i = 0;
    size_t pos = 0;
    bool done = false;
    span_t l;
    while (next_line(raw, len, &pos, &done, &l)) {
        size_t ind = indent_of(raw + l.start, l.len);
        if (ind != l.len) {
            if (first < 0)
                first = i;
            last = i;
            if (i != 0 && ind < common)
                common = ind;
        }
        i++;
    }
    if (first < 0)
        first = 0;
    /* Second pass writes forward; every output byte comes from at or after its input position,
     * so out may equal raw. */
    size_t o = 0;
    pos = 0;
    done = false;
    i = 0;
    while (next_line(raw, len, &pos, &done, &l)) {
        if (i >= first && i <= last) {
            size_t skip = i == 0 ? 0 : (common < l.len ? common : l.len);
            if (i > first)
                out[o++] = '\n';
            memmove(out + o, raw + l.start + skip, l.len - skip);
            o += l.len - skip;
        }
        i++;
    }
    return o;
}

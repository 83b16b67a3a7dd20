/* Chunked request bodies: size line (hex, optional ";ext"), CRLF, data, CRLF, ... then a zero
 * size, optional trailer lines and a final CRLF. Lines end in CRLF; extension and trailer lines
 * are skipped, with a bound on their length so a body cannot grow them without end. */
#include "net/net_chunked.h"

#define MAX_LINE 4096 /* one extension or trailer line */
#define MAX_DIGITS 15 /* a chunk size below 2^60 */

enum {
    S_SIZE,
    S_EXT,
    S_SIZE_LF,
    S_DATA,
    S_DATA_CR,
    S_DATA_LF,
    S_TRAILER,
    S_TRAILER_LINE,
    S_TRAILER_LF,
    S_LAST_LF,
    S_DONE
};

static int hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* One byte of everything but chunk data. Returns 0 or NET_CHUNKED_BAD. */
static int step(net_chunked_t *c, char ch)
{
    switch (c->state) {
    case S_SIZE: {
        int v = hex(ch);
        if (v >= 0 && c->digits < MAX_DIGITS) {
            c->remain = c->remain * 16 + (uint64_t)v;
            c->digits++;
            return 0;
        }
        if (v >= 0 || c->digits == 0)
            return NET_CHUNKED_BAD;
        if (ch == ';' || ch == ' ' || ch == '\t') {
            c->state = S_EXT;
            c->line = 0;
            return 0;
        }
        if (ch != '\r')
            return NET_CHUNKED_BAD;
        c->state = S_SIZE_LF;
        return 0;
    }
    case S_EXT:
        if (ch == '\r')
            c->state = S_SIZE_LF;
        else if (ch == '\n' || ++c->line > MAX_LINE)
            return NET_CHUNKED_BAD;
        return 0;
    case S_SIZE_LF:
        if (ch != '\n')
            return NET_CHUNKED_BAD;
        c->state = c->remain ? S_DATA : S_TRAILER;
        return 0;
    case S_DATA_CR:
        if (ch != '\r')
            return NET_CHUNKED_BAD;
        c->state = S_DATA_LF;
        return 0;
    case S_DATA_LF:
        if (ch != '\n')
            return NET_CHUNKED_BAD;
        c->state = S_SIZE;
        c->digits = 0;
        c->remain = 0;
        return 0;
    case S_TRAILER: /* the start of a line after the last chunk: CR ends the body */
        c->line = 0;
        c->state = ch == '\r' ? S_LAST_LF : S_TRAILER_LINE;
        return ch == '\n' ? NET_CHUNKED_BAD : 0;
    case S_TRAILER_LINE:
        if (ch == '\r')
            c->state = S_TRAILER_LF;
        else if (ch == '\n' || ++c->line > MAX_LINE)
            return NET_CHUNKED_BAD;
        return 0;
    case S_TRAILER_LF:
        if (ch != '\n')
            return NET_CHUNKED_BAD;
        c->state = S_TRAILER;
        return 0;
    case S_LAST_LF:
        if (ch != '\n')
            return NET_CHUNKED_BAD;
        c->state = S_DONE;
        return 0;
    default: return NET_CHUNKED_BAD;
    }
}

int net_chunked_feed(net_chunked_t *c, const char *in, size_t len, rt_buf_t *out, size_t *used)
{
    size_t i = 0;
    while (i < len && c->state != S_DONE) {
        if (c->state == S_DATA) {
            size_t n = len - i;
            if (n > c->remain)
                n = (size_t)c->remain;
            if (out && rt_buf_append(out, in + i, n) < 0)
                return NET_CHUNKED_BAD;
            c->total += n;
            c->remain -= n;
            i += n;
            if (!c->remain)
                c->state = S_DATA_CR;
            continue;
        }
        if (step(c, in[i++]) < 0) {
            c->state = S_DONE + 1; /* stays bad */
            return NET_CHUNKED_BAD;
        }
    }
    if (used)
        *used = i;
    return c->state == S_DONE ? NET_CHUNKED_DONE : c->state > S_DONE ? NET_CHUNKED_BAD : NET_CHUNKED_MORE;
}

/* Growable byte buffer: amortised doubling, always room for a trailing NUL. */
#include "util/util_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rt_buf_reserve(rt_buf_t *b, size_t extra)
{
    if (extra > ((size_t)-1) / 2 - b->len - 1)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int rt_buf_append(rt_buf_t *b, const void *data, size_t len)
{
    if (rt_buf_reserve(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int rt_buf_puts(rt_buf_t *b, const char *s) { return rt_buf_append(b, s, strlen(s)); }

int rt_buf_putc(rt_buf_t *b, char c) { return rt_buf_append(b, &c, 1); }

int rt_buf_printf(rt_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || rt_buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int rt_buf_json_str(rt_buf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (rt_buf_reserve(b, len + 2) < 0 || rt_buf_putc(b, '"') < 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (rt_buf_append(b, s + run, i - run) < 0)
            return -1;
        run = i + 1;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            if (rt_buf_append(b, esc, 6) < 0)
                return -1;
            continue;
        }
        if (rt_buf_append(b, esc, 2) < 0)
            return -1;
    }
    if (rt_buf_append(b, s + run, len - run) < 0)
        return -1;
    return rt_buf_putc(b, '"');
}

const char *rt_buf_cstr(rt_buf_t *b)
{
    if (!b->data && rt_buf_reserve(b, 0) < 0)
        return "";
    b->data[b->len] = '\0';
    return b->data;
}

char *rt_buf_steal(rt_buf_t *b, size_t *len)
{
    if (!b->data)
        rt_buf_reserve(b, 0);
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void rt_buf_reset(rt_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void rt_buf_free(rt_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

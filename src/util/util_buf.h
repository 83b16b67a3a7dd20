/* Growable byte buffer for building output (JSON frames, HTTP bodies).
 * The buffer owns its memory; rt_buf_steal hands it to the caller. */
#ifndef RT_UTIL_BUF_H
#define RT_UTIL_BUF_H

#include <stddef.h>

typedef struct rt_buf {
    char *data;
    size_t len;
    size_t cap;
} rt_buf_t;

#define RT_BUF_INIT                                                                                                    \
    {                                                                                                                  \
        NULL, 0, 0                                                                                                     \
    }

/* All return 0, or -1 when memory runs out (the buffer is left as it was). */
int rt_buf_reserve(rt_buf_t *b, size_t extra);
int rt_buf_append(rt_buf_t *b, const void *data, size_t len);
int rt_buf_puts(rt_buf_t *b, const char *s);
int rt_buf_putc(rt_buf_t *b, char c);
int rt_buf_printf(rt_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included, escaping per RFC 8259. */
int rt_buf_json_str(rt_buf_t *b, const char *s, size_t len);
/* Keeps a NUL after len so data can be used as a C string; never counted in len. */
const char *rt_buf_cstr(rt_buf_t *b);
/* Caller owns the returned memory (free()); the buffer is left empty. */
char *rt_buf_steal(rt_buf_t *b, size_t *len);
void rt_buf_reset(rt_buf_t *b);
void rt_buf_free(rt_buf_t *b);

#endif

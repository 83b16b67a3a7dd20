/* A decoder for the chunked transfer coding of HTTP/1.1 request bodies (RFC 9112 7.1):
 * libwebsockets 4.1 hands such a body over still framed, so the transport unframes it here.
 * Pure and incremental: bytes go in as they arrive, in pieces of any size. */
#ifndef RT_NET_CHUNKED_H
#define RT_NET_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include "util/util_buf.h"

typedef struct net_chunked {
    int state;
    uint64_t remain; /* bytes left in the current chunk */
    int digits;      /* hex digits of the current size line */
    size_t line;     /* bytes of the current extension or trailer line */
    uint64_t total;  /* decoded bytes so far */
} net_chunked_t;

enum { NET_CHUNKED_MORE = 0, NET_CHUNKED_DONE = 1, NET_CHUNKED_BAD = -1 };

#define NET_CHUNKED_INIT                                                                                               \
    {                                                                                                                  \
        0                                                                                                              \
    }

/* Decodes in[0..len): data goes to `out` (NULL: counted in c->total only, e.g. past a size
 * limit). Returns NET_CHUNKED_DONE once the last chunk and the trailers ended (*used: the
 * bytes of `in` that belonged to the body), NET_CHUNKED_MORE when more is needed, or
 * NET_CHUNKED_BAD for a malformed body (also when `out` cannot grow). */
int net_chunked_feed(net_chunked_t *c, const char *in, size_t len, rt_buf_t *out, size_t *used);

#endif

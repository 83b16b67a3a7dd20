/* Feeds bytes to a frame guard the way net_ws.c's read wrapper does (held prefix bytes put back in
 * front of the next read), for the unit test and the fuzzer. */
#ifndef RT_TEST_WSGUARD_FEED_H
#define RT_TEST_WSGUARD_FEED_H

#include <stdlib.h>
#include <string.h>

#include "net/net_wsguard.h"

/* A transport that hands out in[] in reads of at most `step` bytes (and less when asked). */
typedef struct wsguard_src {
    const uint8_t *in;
    size_t n, at, step;
} wsguard_src_t;

static inline int wsguard_src_read(void *ctx, uint8_t *buf, int len)
{
    wsguard_src_t *s = ctx;
    size_t k = s->n - s->at;
    if (k > s->step)
        k = s->step;
    if (k > (size_t)len)
        k = (size_t)len;
    memcpy(buf, s->in + s->at, k);
    s->at += k;
    return (int)k;
}

/* Feeds in[0..n) through net_wsguard_read the way lws reads: asking for `ask` bytes at a time
 * (cycling through sizes 1-5 when ask is 0, as TLS does with what a record has left), the
 * transport giving at most `step`. Writes what the guard hands on to out (room for n bytes) and
 * returns its length. */
static inline size_t wsguard_feed_ask(net_wsguard_t *g, const uint8_t *in, size_t n, size_t step, size_t ask,
                                      uint8_t *out)
{
    wsguard_src_t src = {in, n, 0, step ? step : 1};
    size_t got = 0;
    for (int i = 0; src.at < src.n || g->owed; i++) {
        int want = ask ? (int)ask : 1 + i % 5;
        uint8_t buf[4096];
        int r = net_wsguard_read(g, buf, want, wsguard_src_read, &src);
        if (r > 0) {
            memcpy(out + got, buf, (size_t)r);
            got += (size_t)r;
        }
    }
    return got;
}

static inline size_t wsguard_feed(net_wsguard_t *g, const uint8_t *in, size_t n, size_t step, uint8_t *out)
{
    return wsguard_feed_ask(g, in, n, step, 4096, out);
}

#endif

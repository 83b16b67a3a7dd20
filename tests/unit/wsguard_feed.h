/* Feeds bytes to a frame guard the way net_ws.c's read wrapper does (held prefix bytes put back in
 * front of the next read), for the unit test and the fuzzer. */
#ifndef RT_TEST_WSGUARD_FEED_H
#define RT_TEST_WSGUARD_FEED_H

#include <stdlib.h>
#include <string.h>

#include "net/net_wsguard.h"

/* Feeds in[0..n) in pieces of at most `step` bytes; writes what the guard hands on to out (room
 * for n bytes) and returns its length. */
static inline size_t wsguard_feed(net_wsguard_t *g, const uint8_t *in, size_t n, size_t step, uint8_t *out)
{
    uint8_t buf[NET_WSGUARD_PREFIX_MAX + 4096];
    size_t got = 0;
    if (step == 0 || step > 4096)
        step = 4096;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < step ? n - i : step, held = g->held;
        memcpy(buf + held, in + i, k);
        net_wsguard_take_held(g, buf);
        size_t o = net_wsguard_filter(g, buf, held + k);
        memcpy(out + got, buf, o);
        got += o;
        i += k;
    }
    return got;
}

#endif

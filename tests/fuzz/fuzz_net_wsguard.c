/* libFuzzer target for the WebSocket frame guard: any bytes, split into reads of any size (the
 * first input byte picks the size), give the same output and verdict as one read, never more
 * bytes than came in. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/wsguard_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    size_t step = 1 + data[0] % 17;
    data++, size--;
    uint8_t *a = malloc(size + 1), *b = malloc(size + 1);
    net_wsguard_t g = {0}, h = {0};
    size_t na = wsguard_feed(&g, data, size, size, a);
    size_t nb = data[-1] & 0x80 ? wsguard_feed_ask(&h, data, size, step, 0, b) : wsguard_feed(&h, data, size, step, b);
    if (na > size || na != nb || memcmp(a, b, na) != 0 || g.failed != h.failed)
        abort();
    free(a);
    free(b);
    return 0;
}

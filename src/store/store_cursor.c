/* Encoding of sequence cursors (see store_cursor.h); strict decoding so that anything not
 * produced by the encoder is reported as malformed rather than silently mapped. */
#include "store/store_cursor.h"

#include <stdio.h>

void store_seq_cursor_encode(uint64_t seq, char out[STORE_CURSOR_MAX])
{
    snprintf(out, STORE_CURSOR_MAX, "s%llu", (unsigned long long)seq);
}

int store_seq_cursor_decode(const char *cursor, uint64_t *seq)
{
    if (!cursor || cursor[0] != 's' || cursor[1] < '0' || cursor[1] > '9')
        return STORE_ERR_CURSOR_MALFORMED;
    if (cursor[1] == '0' && cursor[2] != '\0')
        return STORE_ERR_CURSOR_MALFORMED;
    uint64_t v = 0;
    const char *p = cursor + 1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return STORE_ERR_CURSOR_MALFORMED;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return STORE_ERR_CURSOR_MALFORMED;
        v = v * 10 + d;
    }
    if (p - cursor > 21)
        return STORE_ERR_CURSOR_MALFORMED;
    *seq = v;
    return 0;
}

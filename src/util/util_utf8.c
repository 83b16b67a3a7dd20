/* Table-free UTF-8 check: the second byte's allowed range depends on the lead byte (this is
 * what rules out overlongs, surrogates and code points past U+10FFFF). */
#include "util/util_utf8.h"

bool rt_utf8_valid(const void *data, size_t len)
{
    const unsigned char *s = data, *end = s + len;
    while (s < end) {
        unsigned char c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        int n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return false;
        if (end - s <= n)
            return false;
        if (s[1] < lo || s[1] > hi)
            return false;
        for (int i = 2; i <= n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return false;
        s += n + 1;
    }
    return true;
}

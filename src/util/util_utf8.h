/* UTF-8 validation as WHATWG's fatal decoder (and RFC 3629) judges it: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
#ifndef RT_UTIL_UTF8_H
#define RT_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool rt_utf8_valid(const void *data, size_t len);

#endif

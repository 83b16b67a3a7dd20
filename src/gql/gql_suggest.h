/* graphql-js's "Did you mean ...?" machinery (suggestionList, didYouMean, naturalCompare), the one
 * copy used by validation and by request/variable coercion, for error messages that must read
 * exactly like graphql-js's. */
#ifndef RT_GQL_SUGGEST_H
#define RT_GQL_SUGGEST_H

#include <stddef.h>

#include "util/util_buf.h"

/* Appends didYouMean([sub,] suggestionList(input, options)) to b: nothing when no option is close,
 * else e.g. ` Did you mean the enum value "A" or "B"?` (sub may be NULL). 0, or -1 on no memory. */
int gql_did_you_mean(rt_buf_t *b, const char *sub, const char *input, const char *const *options, int n);
/* The same for an input of input_len bytes that may hold NUL bytes. */
int gql_did_you_mean_n(rt_buf_t *b, const char *sub, const char *input, size_t input_len, const char *const *options,
                       int n);
/* didYouMean([sub,] list) over an already ordered list (at most five shown). 0, or -1 on no memory. */
int gql_did_you_mean_list(rt_buf_t *b, const char *sub, const char *const *list, int n);
/* graphql-js naturalCompare: byte-wise, except that digit runs compare as numbers. */
int gql_natural_compare(const char *a, const char *b);

#endif

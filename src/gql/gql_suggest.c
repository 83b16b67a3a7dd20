/* Suggestions as graphql-js computes them: Damerau-Levenshtein distance over lower-cased UTF-16
 * units with graphql-js's threshold (40% of the input's length plus one), ties broken by
 * naturalCompare, at most five shown. */
#include "gql/gql_suggest.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

int gql_natural_compare(const char *a, const char *b)
{
    size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
    while (ai < al && bi < bl) {
        int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (is_digit(ac) && is_digit(bc)) {
            double an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + (ac - '0');
                ac = ai < al ? (unsigned char)a[ai] : -1;
            } while (is_digit(ac) && an > 0);
            do {
                ++bi;
                bn = bn * 10 + (bc - '0');
                bc = bi < bl ? (unsigned char)b[bi] : -1;
            } while (is_digit(bc) && bn > 0);
            if (an < bn)
                return -1;
            if (an > bn)
                return 1;
        } else {
            if (ac < bc)
                return -1;
            if (ac > bc)
                return 1;
            ++ai;
            ++bi;
        }
    }
    return (int)((long)al - (long)bl);
}

/* One code point from s[i..len); *used gets its byte count (invalid bytes decode to U+FFFD). */
static uint32_t decode_utf8(const char *s, size_t i, size_t len, size_t *used)
{
    const unsigned char *p = (const unsigned char *)s + i;
    *used = 1;
    if (p[0] < 0x80)
        return p[0];
    if ((p[0] & 0xE0) == 0xC0 && i + 1 < len) {
        *used = 2;
        return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    }
    if ((p[0] & 0xF0) == 0xE0 && i + 2 < len) {
        *used = 3;
        return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    }
    if ((p[0] & 0xF8) == 0xF0 && i + 3 < len) {
        *used = 4;
        return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) |
               (p[3] & 0x3F);
    }
    return 0xFFFD;
}

/* UTF-16 code units of s as JavaScript sees the string, lower-cased the way toLowerCase() does
 * wherever that can matter against ASCII names: A-Z, KELVIN SIGN (to "k") and LATIN CAPITAL I
 * WITH DOT ABOVE (to "i" + U+0307). Other non-ASCII units are kept (they never equal an ASCII
 * unit either way). *n gets the unit count; *raw_len the count before lower-casing. */
static uint16_t *units(const char *s, size_t len, size_t *n, size_t *raw_len)
{
    size_t k = 0, raw = 0;
    uint16_t *u = malloc((2 * len + 1) * sizeof *u);
    if (!u)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t used;
        uint32_t cp = decode_utf8(s, i, len, &used);
        i += used;
        if (cp >= 0x10000) {
            u[k++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            u[k++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            raw += 2;
            continue;
        }
        raw++;
        if (cp >= 'A' && cp <= 'Z') {
            u[k++] = (uint16_t)(cp + 32);
        } else if (cp == 0x212A) {
            u[k++] = 'k';
        } else if (cp == 0x0130) {
            u[k++] = 'i';
            u[k++] = 0x0307;
        } else {
            u[k++] = (uint16_t)cp;
        }
    }
    *n = k;
    if (raw_len)
        *raw_len = raw;
    return u;
}

/* The optimal-string-alignment distance between a (the longer) and b, abandoned (-1) as soon as
 * a whole row exceeds threshold. */
static int osa_distance(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen, int threshold)
{
    int *rows = malloc(3 * (blen + 1) * sizeof(int));
    if (!rows)
        return -1;
    int *r[3] = {rows, rows + blen + 1, rows + 2 * (blen + 1)};
    int result = -1;
    for (size_t j = 0; j <= blen; j++)
        r[0][j] = (int)j;
    for (size_t i = 1; i <= alen; i++) {
        int *up = r[(i - 1) % 3], *cur = r[i % 3];
        int smallest = cur[0] = (int)i;
        for (size_t j = 1; j <= blen; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int cell = up[j] + 1;
            if (cur[j - 1] + 1 < cell)
                cell = cur[j - 1] + 1;
            if (up[j - 1] + cost < cell)
                cell = up[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                int dd = r[(i - 2) % 3][j - 2] + 1;
                if (dd < cell)
                    cell = dd;
            }
            if (cell < smallest)
                smallest = cell;
            cur[j] = cell;
        }
        if (smallest > threshold)
            goto done;
    }
    int d = r[alen % 3][blen];
    result = d <= threshold ? d : -1;
done:
    free(rows);
    return result;
}

/* LexicalDistance.measure over UTF-16 units; -1 for "undefined". */
static int lexical_distance(const char *input, size_t input_len, const uint16_t *in, size_t il, const char *option,
                            int threshold)
{
    size_t optlen = strlen(option);
    if (optlen == input_len && memcmp(input, option, input_len) == 0)
        return 0;
    size_t ol;
    uint16_t *opt = units(option, optlen, &ol, NULL);
    if (!opt)
        return -1;
    int result = -1;
    if (il == ol && memcmp(in, opt, il * sizeof *in) == 0) {
        result = 1;
    } else if (ol >= il) {
        if ((long)ol - (long)il <= threshold)
            result = osa_distance(opt, ol, in, il, threshold);
    } else if ((long)il - (long)ol <= threshold) {
        result = osa_distance(in, il, opt, ol, threshold);
    }
    free(opt);
    return result;
}

typedef struct {
    const char *name;
    int dist;
} sugg_t;

static int sugg_cmp(const void *x, const void *y)
{
    const sugg_t *a = x, *b = y;
    if (a->dist != b->dist)
        return a->dist - b->dist;
    return gql_natural_compare(a->name, b->name);
}

int gql_did_you_mean_list(rt_buf_t *b, const char *sub, const char *const *list, int n)
{
    if (n <= 0)
        return 0;
    if (rt_buf_puts(b, " Did you mean "))
        return -1;
    if (sub && (rt_buf_puts(b, sub) || rt_buf_putc(b, ' ')))
        return -1;
    if (n == 1)
        return rt_buf_printf(b, "\"%s\"?", list[0]);
    if (n == 2)
        return rt_buf_printf(b, "\"%s\" or \"%s\"?", list[0], list[1]);
    int m = n > 5 ? 5 : n;
    for (int i = 0; i < m - 1; i++)
        if (rt_buf_printf(b, "\"%s\", ", list[i]))
            return -1;
    return rt_buf_printf(b, "or \"%s\"?", list[m - 1]);
}

int gql_did_you_mean(rt_buf_t *b, const char *sub, const char *input, const char *const *options, int n)
{
    return gql_did_you_mean_n(b, sub, input, strlen(input), options, n);
}

int gql_did_you_mean_n(rt_buf_t *b, const char *sub, const char *input, size_t input_len, const char *const *options,
                       int n)
{
    if (n <= 0)
        return 0;
    uint16_t *in = NULL;
    sugg_t *s = malloc((size_t)n * sizeof *s);
    const char **names = malloc((size_t)n * sizeof *names);
    int rc = -1, k = 0;
    if (!s || !names)
        goto fail;
    size_t il, raw;
    in = units(input, input_len, &il, &raw);
    if (!in)
        goto fail;
    int threshold = (int)(raw * 4 / 10) + 1; /* Math.floor(length * 0.4) + 1 */
    for (int i = 0; i < n; i++) {
        bool dup = false; /* options are object keys in graphql-js: each once */
        for (int j = 0; j < k && !dup; j++)
            dup = strcmp(s[j].name, options[i]) == 0;
        if (dup)
            continue;
        int d = lexical_distance(input, input_len, in, il, options[i], threshold);
        if (d >= 0)
            s[k++] = (sugg_t){options[i], d};
    }
    /* qsort is not stable, but (distance, naturalCompare) only ties on equal names */
    qsort(s, (size_t)k, sizeof *s, sugg_cmp);
    for (int i = 0; i < k; i++)
        names[i] = s[i].name;
    rc = gql_did_you_mean_list(b, sub, names, k);
fail:
    free(in);
    free(s);
    free(names);
    return rc;
}

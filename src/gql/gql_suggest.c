/* Suggestions as graphql-js computes them: Damerau-Levenshtein distance over lower-cased code
 * points with graphql-js's threshold (40% of the input plus one), ties broken by naturalCompare,
 * at most five shown. */
#include "gql/gql_suggest.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Lower-cased code points of s (ASCII case folding: GraphQL names are ASCII). */
static uint32_t *code_points(const char *s, size_t len, size_t *n)
{
    uint32_t *cp = malloc((len + 1) * sizeof *cp);
    if (!cp)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t v;
        size_t used = 1;
        if (c < 0x80)
            v = (c >= 'A' && c <= 'Z') ? (uint32_t)(c + 32) : c;
        else if ((c & 0xE0) == 0xC0 && i + 1 < len)
            v = ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F), used = 2;
        else if ((c & 0xF0) == 0xE0 && i + 2 < len)
            v = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), used = 3;
        else if ((c & 0xF8) == 0xF0 && i + 3 < len)
            v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F),
            used = 4;
        else
            v = 0xFFFD;
        cp[k++] = v;
        i += used;
    }
    *n = k;
    return cp;
}

static size_t utf16_len(const char *s, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + len; p++) {
        if ((*p & 0xC0) != 0x80)
            n++;
        if ((*p & 0xF8) == 0xF0)
            n++; /* supplementary: two UTF-16 units */
    }
    return n;
}

static bool same_ignoring_case(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    return na == nb && memcmp(a, b, na * sizeof *a) == 0;
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* LexicalDistance.measure; -1 for "undefined". */
static int measure(const char *input, size_t input_len, const uint32_t *in, size_t nin, const char *option,
                   int threshold)
{
    if (strlen(option) == input_len && memcmp(input, option, input_len) == 0)
        return 0;
    size_t nopt;
    uint32_t *opt = code_points(option, strlen(option), &nopt);
    if (!opt)
        return -1;
    int result = -1;
    if (same_ignoring_case(in, nin, opt, nopt)) {
        result = 1;
        goto done;
    }
    const uint32_t *a = opt, *b = in;
    size_t al = nopt, bl = nin;
    if (al < bl) {
        a = in, b = opt;
        al = nin, bl = nopt;
    }
    if ((int)(al - bl) > threshold)
        goto done;
    int *rows = malloc(3 * (bl + 1) * sizeof *rows);
    if (!rows)
        goto done;
#define ROW(r) (rows + ((r) % 3) * (bl + 1))
    for (size_t j = 0; j <= bl; j++)
        ROW(0)[j] = (int)j;
    for (size_t i = 1; i <= al; i++) {
        int *up = ROW(i - 1), *cur = ROW(i);
        int smallest = cur[0] = (int)i;
        for (size_t j = 1; j <= bl; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int cell = min3(up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                int dd = ROW(i - 2)[j - 2] + 1;
                if (dd < cell)
                    cell = dd;
            }
            if (cell < smallest)
                smallest = cell;
            cur[j] = cell;
        }
        if (smallest > threshold) {
            free(rows);
            goto done;
        }
    }
    int d = ROW(al)[bl];
#undef ROW
    free(rows);
    result = d <= threshold ? d : -1;
done:
    free(opt);
    return result;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* graphql-js naturalCompare (byte-wise outside digit runs). */
static int natural_compare(const char *a, const char *b)
{
    size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
    while (ai < al && bi < bl) {
        unsigned char ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (is_digit(ac) && is_digit(bc)) {
            double an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + (ac - '0');
                ac = ai < al ? (unsigned char)a[ai] : 0;
            } while (is_digit(ac) && an > 0);
            do {
                ++bi;
                bn = bn * 10 + (bc - '0');
                bc = bi < bl ? (unsigned char)b[bi] : 0;
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
    return (int)al - (int)bl;
}

typedef struct {
    const char *name;
    int distance;
} cand_t;

static int cand_cmp(const void *x, const void *y)
{
    const cand_t *a = x, *b = y;
    if (a->distance != b->distance)
        return a->distance - b->distance;
    return natural_compare(a->name, b->name);
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
    size_t nin;
    uint32_t *in = code_points(input, input_len, &nin);
    cand_t *c = malloc((size_t)n * sizeof *c);
    int rc = -1;
    if (!in || !c)
        goto fail;
    int threshold = (int)(utf16_len(input, input_len) * 4 / 10) + 1; /* Math.floor(length * 0.4) + 1 */
    int k = 0;
    for (int i = 0; i < n; i++) {
        bool dup = false; /* options are object keys in graphql-js: each once */
        for (int j = 0; j < k; j++)
            if (strcmp(c[j].name, options[i]) == 0)
                dup = true;
        if (dup)
            continue;
        int d = measure(input, input_len, in, nin, options[i], threshold);
        if (d >= 0)
            c[k++] = (cand_t){options[i], d};
    }
    qsort(c, (size_t)k, sizeof *c, cand_cmp);
    rc = 0;
    if (k == 0)
        goto fail;
    int shown = k > 5 ? 5 : k;
    rt_buf_puts(b, " Did you mean ");
    if (sub) {
        rt_buf_puts(b, sub);
        rt_buf_putc(b, ' ');
    }
    for (int i = 0; i < shown; i++) {
        if (i > 0)
            rt_buf_puts(b, shown == 2 ? " or " : (i == shown - 1 ? ", or " : ", "));
        rt_buf_printf(b, "\"%s\"", c[i].name);
    }
    if (rt_buf_putc(b, '?') < 0)
        rc = -1;
fail:
    free(in);
    free(c);
    return rc;
}

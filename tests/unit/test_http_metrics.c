/* The /metrics renderer (src/http/http_metrics.c): the exposition is valid Prometheus text
 * (every sample under a HELP and TYPE of its family, each family declared once, names and values
 * well formed; histograms as _bucket/_sum/_count) and carries the server's counters. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_metrics.h"
#include "rt_test.h"

#define MAX_FAMILIES 128

typedef struct {
    char name[128], type[384];
    int help;
} family_t;

static int valid_name(const char *s, size_t n)
{
    if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
            return 0;
    return 1;
}

static family_t *find(family_t *f, int nf, const char *name, size_t n)
{
    for (int i = 0; i < nf; i++)
        if (strlen(f[i].name) == n && !strncmp(f[i].name, name, n))
            return &f[i];
    return NULL;
}

/* The family a sample belongs to: its own name, or the histogram's without the suffix. */
static family_t *family_of(family_t *f, int nf, const char *name, size_t n)
{
    family_t *x = find(f, nf, name, n);
    if (x)
        return x;
    static const char *sfx[] = {"_bucket", "_sum", "_count"};
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && !strncmp(name + n - k, sfx[i], k) && (x = find(f, nf, name, n - k)) &&
            !strcmp(x->type, "histogram"))
            return x;
    }
    return NULL;
}

/* Returns the number of problems found in text, printing each. */
static int check_exposition(const char *text)
{
    family_t fam[MAX_FAMILIES];
    int nf = 0, problems = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        if (!end) {
            fprintf(stderr, "exposition does not end with a newline\n");
            return problems + 1;
        }
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(end - line), line);
        line = end + 1;
        char name[128], rest[384];
        if (!strncmp(buf, "# HELP ", 7) || !strncmp(buf, "# TYPE ", 7)) {
            if (sscanf(buf + 7, "%127s %383[^\n]", name, rest) != 2 || !valid_name(name, strlen(name))) {
                fprintf(stderr, "bad comment: %s\n", buf);
                problems++;
                continue;
            }
            family_t *f = find(fam, nf, name, strlen(name));
            if (!f) {
                if (nf == MAX_FAMILIES)
                    return problems + 1;
                f = &fam[nf++];
                memset(f, 0, sizeof *f);
                snprintf(f->name, sizeof f->name, "%s", name);
            }
            if (buf[2] == 'H') {
                problems += f->help++ ? (fprintf(stderr, "HELP twice: %s\n", name), 1) : 0;
            } else {
                problems += f->type[0] ? (fprintf(stderr, "TYPE twice: %s\n", name), 1) : 0;
                snprintf(f->type, sizeof f->type, "%s", rest);
                if (strcmp(rest, "counter") && strcmp(rest, "gauge") && strcmp(rest, "histogram"))
                    problems += (fprintf(stderr, "unknown type: %s\n", buf), 1);
            }
            continue;
        }
        size_t n = strcspn(buf, "{ ");
        family_t *f = family_of(fam, nf, buf, n);
        if (!valid_name(buf, n) || !f || !f->type[0] || !f->help) {
            fprintf(stderr, "sample outside a declared family: %s\n", buf);
            problems++;
            continue;
        }
        const char *value = strrchr(buf, ' ');
        char *stop = NULL;
        strtod(value ? value + 1 : "", &stop);
        if (!value || !stop || *stop || stop == value + 1) {
            fprintf(stderr, "bad value: %s\n", buf);
            problems++;
        }
    }
    return problems;
}

static char *render(rt_server_t *srv)
{
    rt_buf_t b = {0};
    http_metrics_render(srv, &b);
    rt_buf_putc(&b, '\0');
    return b.data;
}

RT_TEST(empty_server_renders_valid_text)
{
    static rt_server_t srv;
    char *text = render(&srv);
    CHECK(text && check_exposition(text) == 0);
    CHECK(text && strstr(text, "\nblobhub_rt_connections 0\n"));
    free(text);
}

RT_TEST(counters_appear_with_their_values)
{
    static rt_server_t srv;
    srv.nthreads = 3;
    atomic_store(&srv.metrics.connections, 7);
    atomic_store(&srv.metrics.deliveries, 123456789);
    atomic_store(&srv.metrics.thread_connections[2], 5);
    char *text = render(&srv);
    CHECK(text && check_exposition(text) == 0);
    CHECK(text && strstr(text, "\nblobhub_rt_connections 7\n"));
    CHECK(text && strstr(text, "\nblobhub_rt_deliveries_total 123456789\n"));
    CHECK(text && strstr(text, "blobhub_rt_thread_connections{thread=\"2\"} 5\n"));
    CHECK(text && !strstr(text, "thread=\"3\""));
    free(text);
}

RT_TEST(validator_catches_broken_text)
{
    CHECK(check_exposition("blobhub_rt_x 1\n") > 0);
    CHECK(check_exposition("# HELP a x\n# TYPE a counter\na one\n") > 0);
    CHECK(check_exposition("# HELP a x\n# TYPE a counter\n# TYPE a gauge\na 1\n") > 0);
    CHECK(check_exposition("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n") == 0);
}

RT_TEST_MAIN()

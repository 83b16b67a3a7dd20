/* The chunked request-body decoder: whole and split bodies, extensions and trailers, and
 * malformed, truncated and oversized framing. */
#include <stdlib.h>
#include <string.h>

#include "net/net_chunked.h"
#include "rt_test.h"

/* Feeds `in` in pieces of `step` bytes; returns the last result, the body in *out. */
static int feed(const char *in, size_t step, rt_buf_t *out, size_t *used_total)
{
    net_chunked_t c = NET_CHUNKED_INIT;
    size_t len = strlen(in), off = 0, used = 0;
    int rc = NET_CHUNKED_MORE;
    while (off < len && rc == NET_CHUNKED_MORE) {
        size_t n = len - off < step ? len - off : step;
        rc = net_chunked_feed(&c, in + off, n, out, &used);
        off += used;
    }
    if (used_total)
        *used_total = off;
    return rc;
}

RT_TEST(decodes_a_body_in_any_pieces)
{
    const char *body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
    for (size_t step = 1; step <= strlen(body); step++) {
        rt_buf_t out = RT_BUF_INIT;
        size_t used = 0;
        CHECK(feed(body, step, &out, &used) == NET_CHUNKED_DONE);
        CHECK(used == strlen(body));
        CHECK(out.len == 12 && memcmp(out.data, "hello, world", 12) == 0);
        rt_buf_free(&out);
    }
}

RT_TEST(skips_trailers_and_stops_at_the_end_of_the_body)
{
    rt_buf_t out = RT_BUF_INIT;
    size_t used = 0;
    const char *in = "A\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\nGET / HTTP/1.1\r\n";
    CHECK(feed(in, 1000, &out, &used) == NET_CHUNKED_DONE);
    CHECK(used == strlen(in) - strlen("GET / HTTP/1.1\r\n"));
    CHECK(out.len == 10);
    rt_buf_free(&out);
}

RT_TEST(an_empty_body_is_one_zero_chunk)
{
    rt_buf_t out = RT_BUF_INIT;
    CHECK(feed("0\r\n\r\n", 1, &out, NULL) == NET_CHUNKED_DONE);
    CHECK(out.len == 0);
    rt_buf_free(&out);
}

RT_TEST(truncated_bodies_want_more)
{
    const char *cuts[] = {"5\r\nhel", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5", "0\r\nx: y\r\n"};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        rt_buf_t out = RT_BUF_INIT;
        CHECK(feed(cuts[i], 3, &out, NULL) == NET_CHUNKED_MORE);
        rt_buf_free(&out);
    }
}

RT_TEST(malformed_framing_is_refused)
{
    const char *bad[] = {
        "\r\n",                     /* no size */
        "g\r\n",                    /* not hex */
        "5\nhello\r\n0\r\n\r\n",    /* bare LF after the size */
        "5\r\nhelloX\r\n0\r\n\r\n", /* data longer than announced */
        "5\r\nhello\r\n0\r\n\n",    /* bare LF at the end */
        "-1\r\n",                   /* negative */
        "1000000000000000\r\n",     /* 16 hex digits: too big */
        "5\r\nhello\r\n0\r\nbad\n", /* trailer line without CR */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rt_buf_t out = RT_BUF_INIT;
        CHECK(feed(bad[i], 2, &out, NULL) == NET_CHUNKED_BAD);
        rt_buf_free(&out);
    }
    /* an endless extension or trailer line */
    size_t n = 10000;
    char *longline = malloc(n + 1);
    memset(longline, 'a', n);
    memcpy(longline, "5;", 2);
    longline[n] = '\0';
    rt_buf_t out = RT_BUF_INIT;
    CHECK(feed(longline, 512, &out, NULL) == NET_CHUNKED_BAD);
    rt_buf_free(&out);
    free(longline);
}

RT_TEST(without_an_output_it_only_counts)
{
    net_chunked_t c = NET_CHUNKED_INIT;
    const char *in = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    CHECK(net_chunked_feed(&c, in, strlen(in), NULL, NULL) == NET_CHUNKED_DONE);
    CHECK(c.total == 5);
}

RT_TEST(random_bytes_never_crash)
{
    srand(11);
    char buf[512];
    for (int i = 0; i < 5000; i++) {
        size_t n = (size_t)(rand() % (int)sizeof buf) + 1;
        for (size_t k = 0; k < n; k++)
            buf[k] = (char)(i % 2 ? "0123456789abcdef\r\n;"[rand() % 19] : rand() % 256);
        net_chunked_t c = NET_CHUNKED_INIT;
        rt_buf_t out = RT_BUF_INIT;
        int rc = net_chunked_feed(&c, buf, n, &out, NULL);
        CHECK(rc == NET_CHUNKED_MORE || rc == NET_CHUNKED_DONE || rc == NET_CHUNKED_BAD);
        CHECK(out.len == c.total);
        rt_buf_free(&out);
    }
}

RT_TEST_MAIN()

/* The WebSocket frame guard (src/net/net_wsguard.c): which client frames reach libwebsockets, and
 * that the verdict does not depend on how the bytes were split into reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_wsguard.h"
#include "rt_test.h"
#include "wsguard_feed.h"

/* Appends one client frame to b (masked unless mask == 0) and returns its length. */
static size_t frame(uint8_t *b, unsigned b0, int mask, size_t len)
{
    size_t o = 0;
    b[o++] = (uint8_t)b0;
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        b[o++] = m | (uint8_t)len;
    } else if (len < 65536) {
        b[o++] = m | 126;
        b[o++] = (uint8_t)(len >> 8);
        b[o++] = (uint8_t)len;
    } else {
        b[o++] = m | 127;
        for (int i = 7; i >= 0; i--)
            b[o++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (mask) {
        memcpy(b + o, "\x11\x22\x33\x44", 4);
        o += 4;
    }
    memset(b + o, 'x', len);
    return o + len;
}

/* Runs the same bytes through fresh guards at every read size; all must agree. */
static size_t run_all_splits(const uint8_t *in, size_t n, uint8_t *out, int *failed)
{
    uint8_t *other = malloc(n ? n : 1);
    net_wsguard_t g = {0};
    size_t want = wsguard_feed(&g, in, n, n, out);
    *failed = g.failed;
    for (size_t step = 1; step < n; step++) {
        net_wsguard_t h = {0};
        size_t got = wsguard_feed(&h, in, n, step, other);
        CHECK(got == want && memcmp(other, out, want) == 0 && h.failed == g.failed);
    }
    /* Reads of 1-5 bytes asked for, as lws does with a TLS record's remainder. */
    for (size_t step = 1; step < 8 && step < n + 1; step++) {
        net_wsguard_t h = {0};
        size_t got = wsguard_feed_ask(&h, in, n, step, 0, other);
        CHECK(got == want && memcmp(other, out, want) == 0 && h.failed == g.failed);
    }
    free(other);
    return want;
}

RT_TEST(well_formed_frames_pass_unchanged)
{
    uint8_t in[70000], out[70000];
    size_t n = frame(in, 0x81, 1, 5);
    n += frame(in + n, 0x01, 1, 200);   /* text, not final */
    n += frame(in + n, 0x89, 1, 3);     /* ping between fragments */
    n += frame(in + n, 0x80, 1, 66000); /* final continuation, 64-bit length */
    n += frame(in + n, 0x82, 1, 0);     /* empty binary */
    n += frame(in + n, 0x88, 1, 2);     /* close with a code */
    int failed;
    size_t got = run_all_splits(in, n, out, &failed);
    CHECK(!failed);
    CHECK(got == n && memcmp(in, out, n) == 0);
}

RT_TEST(unmasked_frame_is_cut_out_and_fails)
{
    uint8_t in[256], out[256];
    size_t a = frame(in, 0x81, 1, 4);
    size_t n = a + frame(in + a, 0x81, 0, 10);
    int failed;
    size_t got = run_all_splits(in, n, out, &failed);
    CHECK(failed);
    CHECK(got == a && memcmp(in, out, a) == 0); /* the frame before it still goes on */
}

RT_TEST(after_a_violation_only_close_frames_go_on)
{
    uint8_t in[256], out[256];
    size_t n = frame(in, 0x81, 0, 3);
    n += frame(in + n, 0x81, 1, 7);
    size_t c = n;
    n += frame(in + n, 0x88, 1, 2);
    int failed;
    size_t got = run_all_splits(in, n, out, &failed);
    CHECK(failed);
    CHECK(got == n - c && memcmp(out, in + c, got) == 0);
}

RT_TEST(each_rule)
{
    struct {
        unsigned b0;
        int mask;
        size_t len;
    } bad[] = {
        {0x81, 0, 1},   /* unmasked */
        {0xC1, 1, 1},   /* RSV1 without an extension */
        {0x91, 1, 1},   /* RSV3... (0x10) */
        {0x83, 1, 1},   /* reserved data opcode */
        {0x8B, 1, 1},   /* reserved control opcode */
        {0x80, 1, 1},   /* continuation without a start */
        {0x09, 1, 1},   /* fragmented ping */
        {0x89, 1, 126}, /* ping over 125 bytes */
        {0x88, 1, 1},   /* close with a 1-byte payload */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t in[512], out[512];
        size_t n = frame(in, bad[i].b0, bad[i].mask, bad[i].len);
        int failed;
        CHECK(run_all_splits(in, n, out, &failed) == 0);
        CHECK(failed);
    }
}

RT_TEST(new_message_inside_a_fragmented_one_fails)
{
    uint8_t in[64], out[64];
    size_t a = frame(in, 0x01, 1, 2);
    size_t n = a + frame(in + a, 0x81, 1, 2);
    int failed;
    CHECK(run_all_splits(in, n, out, &failed) == a);
    CHECK(failed);
}

RT_TEST(length_with_top_bit_stops_the_stream)
{
    uint8_t in[64] = {0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, out[64];
    size_t n = 14 + frame(in + 14, 0x88, 1, 2);
    net_wsguard_t g = {0};
    CHECK(wsguard_feed(&g, in, n, n, out) == 0);
    CHECK(g.failed && net_wsguard_dead(&g));
}

RT_TEST(random_bytes_never_grow_and_agree_across_splits)
{
    uint8_t in[300], out[300];
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(rand_r(&seed) % sizeof in);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)rand_r(&seed);
        int failed;
        CHECK(run_all_splits(in, n, out, &failed) <= n);
    }
}

RT_TEST_MAIN()

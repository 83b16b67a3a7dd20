/* Unit tests for src/net/net_frame.c: server frame headers at every length boundary, checked
 * against RFC 6455's own examples (section 5.7) and the byte layout of section 5.2. */
#include "net/net_frame.h"
#include "rt_test.h"

static int header_is(int opcode, size_t len, const unsigned char *want, size_t want_len)
{
    unsigned char out[NET_FRAME_HEADER_MAX + 1];
    memset(out, 0xee, sizeof out);
    size_t n = net_frame_header(out, opcode, len);
    return n == want_len && net_frame_header_len(len) == want_len && memcmp(out, want, n) == 0 &&
           out[NET_FRAME_HEADER_MAX] == 0xee;
}

/* RFC 6455 5.7: "Hello" unmasked is 0x81 0x05; a 256-byte payload has a 16-bit length and a
 * 64 KiB one a 64-bit length (the RFC shows them as binary frames; ours are text). */
RT_TEST(rfc_examples)
{
    CHECK(header_is(NET_FRAME_TEXT, 5, (const unsigned char[]){0x81, 0x05}, 2));
    CHECK(header_is(NET_FRAME_TEXT, 256, (const unsigned char[]){0x81, 0x7e, 0x01, 0x00}, 4));
    CHECK(header_is(NET_FRAME_TEXT, 65536, (const unsigned char[]){0x81, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}, 10));
}

RT_TEST(length_boundaries)
{
    CHECK(header_is(NET_FRAME_TEXT, 0, (const unsigned char[]){0x81, 0x00}, 2));
    CHECK(header_is(NET_FRAME_TEXT, 125, (const unsigned char[]){0x81, 0x7d}, 2));
    CHECK(header_is(NET_FRAME_TEXT, 126, (const unsigned char[]){0x81, 0x7e, 0x00, 0x7e}, 4));
    CHECK(header_is(NET_FRAME_TEXT, 65535, (const unsigned char[]){0x81, 0x7e, 0xff, 0xff}, 4));
    CHECK(header_is(NET_FRAME_TEXT, (size_t)0x12345678,
                    (const unsigned char[]){0x81, 0x7f, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78}, 10));
}

/* A ping is a final control frame: 0x89, never masked. */
RT_TEST(ping_opcode) { CHECK(header_is(NET_FRAME_PING, 2, (const unsigned char[]){0x89, 0x02}, 2)); }

RT_TEST_MAIN()

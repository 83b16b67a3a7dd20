/* Server frame headers (see net_frame.h): what lws_write(LWS_WRITE_TEXT) would put before a
 * message, made here so that a batch of messages can go out in one LWS_WRITE_RAW write. */
#include "net/net_frame.h"

#include <stdint.h>

size_t net_frame_header_len(size_t len) { return len < 126 ? 2 : len <= 0xffff ? 4 : 10; }

size_t net_frame_header(unsigned char *out, int opcode, size_t len)
{
    out[0] = (unsigned char)(0x80 | (opcode & 0x0f)); /* FIN: messages are never fragmented */
    if (len < 126) {
        out[1] = (unsigned char)len; /* no mask bit: server frames are not masked */
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        return 4;
    }
    out[1] = 127;
    uint64_t l = (uint64_t)len;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)(l >> (56 - 8 * i));
    return 10;
}

/* WebSocket frame headers of the server side (RFC 6455 5.2): unmasked, FIN set, the 7-, 16- or
 * 64-bit payload length. net_ws.c writes several whole messages of one connection in one system
 * call, each behind the header made here. */
#ifndef RT_NET_FRAME_H
#define RT_NET_FRAME_H

#include <stddef.h>

enum { NET_FRAME_TEXT = 0x1, NET_FRAME_PING = 0x9 };

/* The longest header: 2 bytes and a 64-bit length. */
#define NET_FRAME_HEADER_MAX 10

/* Bytes of the header of a `len`-byte payload. */
size_t net_frame_header_len(size_t len);

/* Writes the header of one final, unmasked frame (opcode NET_FRAME_*) carrying `len` bytes to
 * `out` (room for NET_FRAME_HEADER_MAX); returns the bytes written. */
size_t net_frame_header(unsigned char *out, int opcode, size_t len);

#endif

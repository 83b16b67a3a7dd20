/* The WebSocket frame guard: a second reader of the frame headers a client sends on an
 * established connection. It enforces what libwebsockets 4.1 does not (every client frame masked,
 * a close payload never one byte long, a 64-bit length with its top bit clear: RFC 6455 5.1, 5.2,
 * 5.5.1) and judges first what lws does check (opcodes, RSV bits, control frames, continuations),
 * so that every protocol error ends in a 1002 close handshake. See docs/protocol.md. */
#ifndef RT_NET_WSGUARD_H
#define RT_NET_WSGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The header bytes a verdict needs: the first two, and the first length byte when the length is
 * 64-bit. */
#define NET_WSGUARD_PREFIX_MAX 3

typedef struct net_wsguard {
    uint8_t state;
    uint8_t held; /* bytes of an incomplete header prefix, kept in hold[] (not handed on yet) */
    uint8_t hold[NET_WSGUARD_PREFIX_MAX];
    bool pass;    /* the current frame is handed on (false: it is cut out of the stream) */
    bool failed;  /* a violation was seen: from then on only well-formed close frames go on */
    bool in_msg;  /* a fragmented data message is in progress (continuations expected) */
    uint8_t ext;  /* extended length bytes still to come */
    uint8_t mask; /* masking-key bytes still to come */
    uint64_t len; /* payload length being assembled, then payload bytes still to come */
    uint8_t owed; /* judged bytes a short read could not take yet, handed on first next time */
    uint8_t owe[NET_WSGUARD_PREFIX_MAX + 1];
} net_wsguard_t;

/* Filters n bytes read from the peer in place and returns how many remain at the front of p,
 * in order, for libwebsockets to parse. Whole frames are cut out from a violation on (only close
 * frames that are themselves well formed go on, so the closing handshake can complete), and the
 * bytes of an incomplete header prefix are held back: before a call after which g->held > 0, the
 * caller puts those g->held bytes (net_wsguard_take_held) in front of the next bytes it reads.
 * g->failed tells that the connection must be closed with 1002. */
size_t net_wsguard_filter(net_wsguard_t *g, uint8_t *p, size_t n);

/* Moves the held prefix bytes to out (room for NET_WSGUARD_PREFIX_MAX) and returns their count;
 * the guard then expects them again at the front of the next call's bytes. */
size_t net_wsguard_take_held(net_wsguard_t *g, uint8_t *out);

/* Marks the stream as unreadable from here on (bytes the guard never saw went to lws). */
void net_wsguard_fail(net_wsguard_t *g);

/* Reads from the peer through the guard into buf (at most len bytes): `read` is the transport's
 * read (libwebsockets' in net_ws.c). Returns the bytes for the parser (> 0); the transport's own
 * result when it read nothing (0 at end of stream, < 0 for an error or "again"); or
 * NET_WSGUARD_NOTHING when bytes came in but none can be handed on yet (held back or cut out).
 * Any len works, however small: a header prefix is held back until judged, and judged bytes a
 * short read cannot take are handed on first by the next call (the rest of a masked frame always
 * follows a prefix, so the next call comes). */
#define NET_WSGUARD_NOTHING (-1000)
typedef int (*net_wsguard_read_fn)(void *ctx, uint8_t *buf, int len);
int net_wsguard_read(net_wsguard_t *g, uint8_t *buf, int len, net_wsguard_read_fn read, void *ctx);

/* True when the stream can no longer be followed (a length with no meaning): nothing after the
 * violation is handed on, not even a close. */
bool net_wsguard_dead(const net_wsguard_t *g);

#endif

/* Client side of the wire shared by the C load generators (bench/compare_load.c,
 * bench/fanout_load.c, bench/scale_load.c): loopback dialing, the WebSocket upgrade and
 * graphql-transport-ws connection_init, masked frames, frame parsing and keep-alive
 * POST /v1/events. Header-only (static functions): each benchmark is one gcc command. */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One socket and what was read from it but not yet taken as frames (buf is owned). */
typedef struct conn {
    int fd;
    unsigned char *buf;
    size_t len, cap;
} conn_t;

static inline int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A loopback socket to `port` (blocking, TCP_NODELAY); bound first to the source address
 * `src` (host order) when it is not 0, so that the ephemeral ports of more than one address
 * are available (127.0.0.0/8 all routes to lo). */
static inline int dial_from(int port, uint32_t src, int flags)
{
    int fd = socket(AF_INET, SOCK_STREAM | flags, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src) {
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(src);
        /* The port is chosen at connect() for the whole 4-tuple, not reserved at bind(). */
        setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Connection `idx` binds its own loopback source address per 20,000 connections (idx < 20000:
 * the default 127.0.0.1). */
static inline int dial(int port, int idx)
{
    return dial_from(port, idx >= 20000 ? 0x7f000001u + (uint32_t)(idx / 20000) * 256u : 0, 0);
}

static inline int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One masked client text frame (zero mask: the payload goes as is). */
static inline int ws_send(int fd, const char *msg)
{
    size_t n = strlen(msg), hl = 0;
    unsigned char h[8];
    h[hl++] = 0x81;
    if (n < 126) {
        h[hl++] = (unsigned char)(0x80 | n);
    } else {
        h[hl++] = 0x80 | 126;
        h[hl++] = (unsigned char)(n >> 8);
        h[hl++] = (unsigned char)n;
    }
    memset(h + hl, 0, 4);
    hl += 4;
    if (write_all(fd, h, hl) < 0)
        return -1;
    return write_all(fd, msg, n);
}

/* Reads what is there; 0 on EAGAIN, -1 on close or error. */
static inline int conn_fill(conn_t *c)
{
    if (c->cap - c->len < 65536) {
        size_t cap = c->cap ? c->cap * 2 : 131072;
        unsigned char *b = realloc(c->buf, cap);
        if (!b)
            return -1;
        c->buf = b;
        c->cap = cap;
    }
    ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (r <= 0)
        return -1;
    c->len += (size_t)r;
    return (int)r;
}

typedef void (*frame_fn)(void *ctx, int opcode, const unsigned char *p, size_t n);

/* Takes complete frames off the buffer and hands each to fn. */
static inline void conn_frames(conn_t *c, frame_fn fn, void *ctx)
{
    size_t off = 0;
    for (;;) {
        if (c->len - off < 2)
            break;
        unsigned char *p = c->buf + off;
        uint64_t n = p[1] & 0x7f;
        size_t hl = 2;
        if (n == 126) {
            if (c->len - off < 4)
                break;
            n = ((uint64_t)p[2] << 8) | p[3];
            hl = 4;
        } else if (n == 127) {
            if (c->len - off < 10)
                break;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = (n << 8) | p[2 + i];
            hl = 10;
        }
        if (c->len - off < hl + n)
            break;
        fn(ctx, p[0] & 0x0f, p + hl, (size_t)n);
        off += hl + n;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
}

typedef struct waiter {
    const char *needle;
    int hit;
} waiter_t;

static inline void wait_frame(void *ctx, int opcode, const unsigned char *p, size_t n)
{
    waiter_t *w = ctx;
    if (opcode == 1 && memmem(p, n, w->needle, strlen(w->needle)))
        w->hit = 1;
}

/* Blocking: reads until a frame holding `needle` arrived. */
static inline int conn_wait(conn_t *c, const char *needle)
{
    waiter_t w = {needle, 0};
    for (;;) {
        conn_frames(c, wait_frame, &w);
        if (w.hit)
            return 0;
        if (conn_fill(c) < 0)
            return -1;
    }
}

/* The upgrade request to /v1/graphql with the graphql-transport-ws subprotocol. */
static inline int ws_upgrade_request(char *out, size_t cap, int port)
{
    return snprintf(out, cap,
                    "GET /v1/graphql HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n",
                    port);
}

/* Takes the upgrade answer off the buffer: 1 when it was a 101 (what follows it stays as
 * frames), 0 when it is not complete yet, -1 when it is anything else. */
static inline int ws_take_101(conn_t *c)
{
    unsigned char *end = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
    if (!end)
        return 0;
    if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0)
        return -1;
    size_t hl = (size_t)(end + 4 - c->buf);
    memmove(c->buf, c->buf + hl, c->len - hl);
    c->len -= hl;
    return 1;
}

/* connection_init carrying `credential` (a JWT or a key) as a Bearer Authorization. */
static inline int ws_init_message(char *out, size_t cap, const char *credential)
{
    return snprintf(out, cap, "{\"type\":\"connection_init\",\"payload\":{\"Authorization\":\"Bearer %s\"}}",
                    credential);
}

/* Blocking: dials (see dial()), upgrades and authenticates until connection_ack. The caller
 * owns c->buf and c->fd afterwards, also on failure (c is zeroed first). */
static inline int ws_handshake(conn_t *c, int port, int idx, const char *credential)
{
    memset(c, 0, sizeof *c);
    c->fd = dial(port, idx);
    if (c->fd < 0)
        return -1;
    char req[512];
    ws_upgrade_request(req, sizeof req, port);
    if (write_all(c->fd, req, strlen(req)) < 0)
        return -1;
    for (;;) {
        int r = ws_take_101(c);
        if (r < 0)
            return -1;
        if (r > 0)
            break;
        if (conn_fill(c) < 0)
            return -1;
    }
    char msg[1024];
    ws_init_message(msg, sizeof msg, credential);
    return ws_send(c->fd, msg) < 0 || conn_wait(c, "connection_ack") < 0 ? -1 : 0;
}

/* Writes POST /v1/events on a keep-alive connection. */
static inline int post_send(int fd, const char *key, const char *body, size_t blen)
{
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Authorization: Bearer %s\r\nContent-Length: %zu\r\n\r\n",
                      key, blen);
    if (write_all(fd, head, (size_t)hl) < 0 || write_all(fd, body, blen) < 0)
        return -1;
    return 0;
}

/* Reads one HTTP answer from rx (blocking); returns its status or -1. */
static inline int post_answer(conn_t *rx)
{
    for (;;) {
        unsigned char *end = rx->len ? memmem(rx->buf, rx->len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t h = (size_t)(end + 4 - rx->buf);
            char *cl = memmem(rx->buf, h, "ontent-Length:", 14);
            if (!cl)
                cl = memmem(rx->buf, h, "ontent-length:", 14);
            size_t bl = cl ? strtoul(cl + 14, NULL, 10) : 0;
            if (rx->len >= h + bl) {
                int status = atoi((char *)rx->buf + 9);
                memmove(rx->buf, rx->buf + h + bl, rx->len - h - bl);
                rx->len -= h + bl;
                return status;
            }
        }
        if (conn_fill(rx) < 0)
            return -1;
    }
}

static inline int post(int fd, const char *key, const char *body, size_t blen, conn_t *rx)
{
    rx->fd = fd;
    return post_send(fd, key, body, blen) < 0 ? -1 : post_answer(rx);
}

#endif

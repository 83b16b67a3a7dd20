/* Fan-out load generator (benchmark, not a test): opens C graphql-transport-ws connections to a
 * running server, S subscriptions each on one blob's executions, then publishes N executions
 * (one per POST /v1/events, from a second thread) and counts the `next` frames that arrive.
 * Reports deliveries per second from the first publish to the last delivery. One epoll thread
 * reads every socket, so it needs far less CPU per delivery than a Node client.
 * Build: gcc -O2 -D_GNU_SOURCE bench/fanout_load.c -lpthread -o /tmp/fanout_load
 * Run:   /tmp/fanout_load <port> <service-key> [conns=1000] [subs=10] [changes=200] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    unsigned char *buf;
    size_t len, cap;
} conn_t;

typedef struct bench {
    int port;
    const char *key;
    int conns, subs, changes;
    double t_first_publish;
} bench_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const void *p, size_t n)
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

/* One masked client text frame. */
static int ws_send(int fd, const char *msg)
{
    size_t n = strlen(msg);
    unsigned char h[14];
    size_t hl = 0;
    h[hl++] = 0x81;
    if (n < 126) {
        h[hl++] = (unsigned char)(0x80 | n);
    } else {
        h[hl++] = 0x80 | 126;
        h[hl++] = (unsigned char)(n >> 8);
        h[hl++] = (unsigned char)n;
    }
    memset(h + hl, 0, 4); /* zero mask: payload goes as is */
    hl += 4;
    if (write_all(fd, h, hl) < 0)
        return -1;
    return write_all(fd, msg, n);
}

static int conn_fill(conn_t *c)
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

/* Takes complete frames off the buffer; counts text frames whose payload holds `needle`.
 * Returns how many matched; *other counts the rest. */
static long conn_frames(conn_t *c, const char *needle, long *other)
{
    size_t off = 0;
    long hits = 0;
    size_t nl = strlen(needle);
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
        if ((p[0] & 0x0f) == 1 && memmem(p + hl, n, needle, nl))
            hits++;
        else if (other)
            (*other)++;
        off += hl + n;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return hits;
}

/* Blocking: reads until a frame holding `needle` arrived. */
static int conn_wait(conn_t *c, const char *needle)
{
    for (;;) {
        if (conn_frames(c, needle, NULL) > 0)
            return 0;
        if (conn_fill(c) < 0)
            return -1;
    }
}

static int conn_open(const bench_t *b, conn_t *c)
{
    memset(c, 0, sizeof *c);
    c->fd = dial(b->port);
    if (c->fd < 0)
        return -1;
    char req[512];
    snprintf(req, sizeof req,
             "GET /v1/graphql HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n",
             b->port);
    if (write_all(c->fd, req, strlen(req)) < 0)
        return -1;
    for (;;) { /* the 101 answer */
        if (conn_fill(c) < 0)
            return -1;
        unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end)
            continue;
        if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0)
            return -1;
        size_t hl = (size_t)(end + 4 - c->buf);
        memmove(c->buf, c->buf + hl, c->len - hl);
        c->len -= hl;
        break;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "{\"type\":\"connection_init\",\"payload\":{\"Authorization\":\"Bearer %s\"}}", b->key);
    if (ws_send(c->fd, msg) < 0 || conn_wait(c, "connection_ack") < 0)
        return -1;
    for (int k = 0; k < b->subs; k++) {
        /* Half the subscriptions share one selection, half another: render-once at work. */
        snprintf(msg, sizeof msg,
                 "{\"id\":\"s%d\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { executions(blobId: "
                 "\\\"b_load\\\") %s }\"}}",
                 k, k % 2 ? "{ node { id } }" : "{ mutation node { id status } }");
        if (ws_send(c->fd, msg) < 0)
            return -1;
    }
    if (ws_send(c->fd, "{\"type\":\"ping\"}") < 0 || conn_wait(c, "\"pong\"") < 0)
        return -1;
    return 0;
}

/* POST /v1/events on a keep-alive connection; returns the HTTP status or -1. */
static int post(int fd, const char *key, const char *body, conn_t *rx)
{
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Authorization: Bearer %s\r\nContent-Length: %zu\r\n\r\n",
                      key, strlen(body));
    if (write_all(fd, head, (size_t)hl) < 0 || write_all(fd, body, strlen(body)) < 0)
        return -1;
    rx->fd = fd;
    for (;;) {
        unsigned char *end = rx->len ? memmem(rx->buf, rx->len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t h = (size_t)(end + 4 - rx->buf);
            char *cl = memmem(rx->buf, h, "ontent-Length:", 14);
            if (!cl)
                cl = memmem(rx->buf, h, "ontent-length:", 14);
            size_t blen = cl ? strtoul(cl + 14, NULL, 10) : 0;
            if (rx->len >= h + blen) {
                int status = atoi((char *)rx->buf + 9);
                memmove(rx->buf, rx->buf + h + blen, rx->len - h - blen);
                rx->len -= h + blen;
                return status;
            }
        }
        if (conn_fill(rx) < 0)
            return -1;
    }
}

static void *publisher(void *arg)
{
    bench_t *b = arg;
    int fd = dial(b->port);
    conn_t rx = {0};
    char body[512];
    if (fd < 0) {
        fprintf(stderr, "publisher: cannot connect\n");
        return NULL;
    }
    b->t_first_publish = now_s();
    for (int i = 0; i < b->changes; i++) {
        snprintf(
            body, sizeof body,
            "{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"lx_%d\",\"blobId\":\"b_load\","
            "\"status\":\"RUNNING\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"}}",
            i);
        int st = post(fd, b->key, body, &rx);
        if (st != 200) {
            fprintf(stderr, "publisher: request %d answered %d\n", i, st);
            break;
        }
    }
    free(rx.buf);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <port> <service-key> [conns] [subs] [changes]\n", argv[0]);
        return 2;
    }
    bench_t b = {.port = atoi(argv[1]), .key = argv[2], .conns = 1000, .subs = 10, .changes = 200};
    if (argc > 3)
        b.conns = atoi(argv[3]);
    if (argc > 4)
        b.subs = atoi(argv[4]);
    if (argc > 5)
        b.changes = atoi(argv[5]);
    int rc = 1, ep = epoll_create1(0);
    conn_t *cs = calloc((size_t)b.conns, sizeof *cs);
    if (ep < 0 || !cs)
        goto out;
    { /* the blob the executions belong to */
        int fd = dial(b.port);
        conn_t rx = {0};
        int st = fd < 0
                     ? -1
                     : post(fd, b.key,
                            "[{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"org_load\",\"slug\":"
                            "\"org_load\",\"name\":\"o\",\"createdAt\":\"2026-01-01T00:00:00Z\"}},{\"type\":\"Blob\","
                            "\"op\":\"upsert\",\"node\":{\"id\":\"b_load\",\"organizationId\":\"org_load\",\"type\":"
                            "\"WORKFLOW\",\"name\":\"b\",\"visibility\":\"PRIVATE\",\"createdAt\":"
                            "\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"}}]",
                            &rx);
        free(rx.buf);
        if (fd >= 0)
            close(fd);
        if (st != 200) {
            fprintf(stderr, "setup publish answered %d\n", st);
            goto out;
        }
    }
    double t0 = now_s();
    for (int i = 0; i < b.conns; i++) {
        if (conn_open(&b, &cs[i]) < 0) {
            fprintf(stderr, "connection %d failed\n", i);
            goto out;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    printf("%d connections, %d subscriptions in %.2f s\n", b.conns, b.conns * b.subs, now_s() - t0);
    long expected = (long)b.conns * b.subs * b.changes, got = 0, other = 0;
    pthread_t pub;
    pthread_create(&pub, NULL, publisher, &b);
    double last = now_s(), deadline = now_s() + 300;
    struct epoll_event evs[256];
    while (got < expected && now_s() < deadline) {
        int n = epoll_wait(ep, evs, 256, 1000);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (conn_fill(c) < 0) {
                fprintf(stderr, "a connection closed\n");
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                continue;
            }
            long h = conn_frames(c, "\"next\"", &other);
            if (h) {
                got += h;
                last = now_s();
            }
        }
    }
    pthread_join(pub, NULL);
    double secs = last - b.t_first_publish;
    printf("%ld/%ld deliveries in %.2f s: %.0f deliveries/s (%ld other frames)\n", got, expected, secs,
           secs > 0 ? (double)got / secs : 0.0, other);
    rc = got == expected ? 0 : 1;
out:
    for (int i = 0; cs && i < b.conns; i++) {
        if (cs[i].fd > 0)
            close(cs[i].fd);
        free(cs[i].buf);
    }
    free(cs);
    if (ep >= 0)
        close(ep);
    return rc;
}

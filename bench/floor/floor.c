/* The raw floor for bench/compare: the least a server can do to deliver the same bytes on the same
 * sockets. One epoll thread, no libwebsockets, no GraphQL, no store: the HTTP upgrade
 * (Sec-WebSocket-Accept), graphql-transport-ws connection_init (Bearer HS256 JWT signature checked)
 * -> connection_ack, subscribe -> remembered, ping -> pong; `POST /v1/events` renders one `next`
 * frame per Execution record, byte for byte the frame this server sends for bench/compare_load.c's
 * selection, and writes it to every subscriber socket.
 * Build: gcc -O2 -D_GNU_SOURCE bench/floor/floor.c -lcrypto -o /tmp/floor
 * Run:   /tmp/floor <port> <service-key> <jwt-hs256-secret> */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_MAX (4u << 20) /* the same slow-consumer bound as the server's default */
#define MSG_MAX (64u << 10)

typedef struct buf {
    char *p;
    size_t len, cap, off;
} buf_t;

typedef struct fconn {
    int fd, ws, acked, dead, sub_idx; /* sub_idx: place in the subscriber list, -1 if none */
    struct fconn *next_dead;
    char sub_id[64];
    buf_t in, out;
} fconn_t;

typedef struct floor_srv {
    int ep;
    const char *key, *secret;
    fconn_t **subs;
    size_t nsubs, subs_cap;
    long seq;
    fconn_t *dead; /* closed during this epoll batch; freed after it, as the batch may name them */
} floor_t;

static int buf_put(buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static void conn_close(floor_t *f, fconn_t *c)
{
    if (c->dead)
        return;
    if (c->sub_idx >= 0) {
        f->subs[c->sub_idx] = f->subs[--f->nsubs];
        f->subs[c->sub_idx]->sub_idx = c->sub_idx;
    }
    epoll_ctl(f->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->dead = 1;
    c->next_dead = f->dead;
    f->dead = c;
}

static void free_dead(floor_t *f)
{
    while (f->dead) {
        fconn_t *c = f->dead;
        f->dead = c->next_dead;
        free(c->in.p);
        free(c->out.p);
        free(c);
    }
}

/* Writes now when nothing is queued; queues the rest and asks for EPOLLOUT. -1: close it. */
static int conn_send(floor_t *f, fconn_t *c, const void *p, size_t n)
{
    size_t done = 0;
    if (c->out.len == c->out.off) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN)
            return -1;
        done = w > 0 ? (size_t)w : 0;
        if (done == n)
            return 0;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        epoll_ctl(f->ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
    if (c->out.len - c->out.off + n - done > OUT_MAX)
        return -1;
    return buf_put(&c->out, (const char *)p + done, n - done);
}

static int conn_flush(floor_t *f, fconn_t *c)
{
    while (c->out.off < c->out.len) {
        ssize_t w = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        c->out.off += (size_t)w;
    }
    free(c->out.p);
    c->out = (buf_t){0};
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(f->ep, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

/* An unmasked server frame: header into h, returns its length. */
static size_t ws_header(unsigned char *h, int opcode, size_t n)
{
    h[0] = (unsigned char)(0x80 | opcode);
    if (n < 126) {
        h[1] = (unsigned char)n;
        return 2;
    }
    h[1] = 126;
    h[2] = (unsigned char)(n >> 8);
    h[3] = (unsigned char)n;
    return 4;
}

static int ws_send_text(floor_t *f, fconn_t *c, int opcode, const char *msg, size_t n)
{
    unsigned char fr[MSG_MAX + 4];
    size_t hl = ws_header(fr, opcode, n);
    memcpy(fr + hl, msg, n);
    return conn_send(f, c, fr, hl + n);
}

static size_t b64url(const unsigned char *in, size_t n, char *out)
{
    size_t o = (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (o && out[o - 1] == '=')
        o--;
    for (size_t i = 0; i < o; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    out[o] = 0;
    return o;
}

/* Bearer <service key> or an HS256 JWT whose signature holds (claims are not read). */
static int auth_ok(const floor_t *f, const char *msg, size_t n)
{
    const char *b = memmem(msg, n, "Bearer ", 7);
    if (!b)
        return 0;
    b += 7;
    const char *e = memchr(b, '"', (size_t)(msg + n - b));
    if (!e)
        return 0;
    size_t tl = (size_t)(e - b);
    if (tl == strlen(f->key) && memcmp(b, f->key, tl) == 0)
        return 1;
    const char *dot = memrchr(b, '.', tl);
    if (!dot)
        return 0;
    unsigned char mac[32];
    unsigned int ml = 0;
    char sig[64];
    HMAC(EVP_sha256(), f->secret, (int)strlen(f->secret), (const unsigned char *)b, (size_t)(dot - b), mac, &ml);
    size_t sl = b64url(mac, ml, sig);
    return (size_t)(e - dot - 1) == sl && memcmp(dot + 1, sig, sl) == 0;
}

static int on_text(floor_t *f, fconn_t *c, char *msg, size_t n)
{
    if (memmem(msg, n, "\"connection_init\"", 17)) {
        if (!auth_ok(f, msg, n))
            return -1;
        c->acked = 1;
        return ws_send_text(f, c, 1, "{\"type\":\"connection_ack\"}", 25);
    }
    if (memmem(msg, n, "\"ping\"", 6))
        return ws_send_text(f, c, 1, "{\"type\":\"pong\"}", 15);
    if (!c->acked)
        return -1;
    if (memmem(msg, n, "\"subscribe\"", 11) && c->sub_idx < 0) {
        const char *id = memmem(msg, n, "\"id\":\"", 6);
        if (!id || f->nsubs == f->subs_cap)
            return -1;
        id += 6;
        const char *q = memchr(id, '"', (size_t)(msg + n - id));
        if (!q)
            return -1;
        size_t il = (size_t)(q - id);
        snprintf(c->sub_id, sizeof c->sub_id, "%.*s", (int)(il < 60 ? il : 60), id);
        c->sub_idx = (int)f->nsubs;
        f->subs[f->nsubs++] = c;
    }
    return 0;
}

/* Takes complete client frames off c->in (masked, unfragmented). */
static int ws_read(floor_t *f, fconn_t *c)
{
    while (c->in.len - c->in.off >= 6) {
        unsigned char *p = (unsigned char *)c->in.p + c->in.off;
        size_t n = p[1] & 0x7f, hl = 6;
        if (n == 126) {
            if (c->in.len - c->in.off < 8)
                break;
            n = (size_t)p[2] << 8 | p[3];
            hl = 8;
        } else if (n == 127 || !(p[1] & 0x80)) {
            return -1;
        }
        if (n > MSG_MAX)
            return -1;
        if (c->in.len - c->in.off < hl + n)
            break;
        for (size_t i = 0; i < n; i++)
            p[hl + i] ^= p[hl - 4 + (i & 3)];
        int op = p[0] & 0x0f, r = 0;
        if (op == 1)
            r = on_text(f, c, (char *)p + hl, n);
        else if (op == 9)
            r = ws_send_text(f, c, 10, (char *)p + hl, n);
        else if (op == 8)
            r = -1;
        if (r < 0)
            return -1;
        c->in.off += hl + n;
    }
    return 0;
}

static int http_upgrade(floor_t *f, fconn_t *c, const char *req, size_t hl)
{
    const char *k = memmem(req, hl, "Sec-WebSocket-Key:", 18);
    if (!k)
        return -1;
    k += 18;
    while (*k == ' ')
        k++;
    size_t kl = strcspn(k, "\r\n");
    char src[128], acc[64], resp[256];
    unsigned char sha[20];
    int sl = snprintf(src, sizeof src, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)(kl < 60 ? kl : 60), k);
    SHA1((unsigned char *)src, (size_t)sl, sha);
    EVP_EncodeBlock((unsigned char *)acc, sha, 20);
    int rl = snprintf(resp, sizeof resp,
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n",
                      acc);
    c->ws = 1;
    return conn_send(f, c, resp, (size_t)rl);
}

/* The `next` frame of change `seq` for subscription `sub_id`; returns its length. */
static size_t render(unsigned char *fr, const char *sub_id, long seq, const char *id, int il, long long stamp)
{
    char msg[768];
    int ml = snprintf(msg, sizeof msg,
                      "{\"id\":\"%s\",\"type\":\"next\",\"payload\":{\"data\":{\"executions\":{\"mutation\":"
                      "\"CREATED\",\"cursor\":\"s%ld\",\"updatedFields\":null,\"node\":{\"id\":\"%.*s\","
                      "\"status\":\"RUNNING\",\"input\":{\"t\":%lld},\"updatedAt\":\"2026-01-01T00:00:00Z\"},"
                      "\"previousValues\":null}}}}",
                      sub_id, seq, il, id, stamp);
    size_t hl = ws_header(fr, 1, (size_t)ml);
    memcpy(fr + hl, msg, (size_t)ml);
    return hl + (size_t)ml;
}

/* The frames of every Execution record of `body`, for subscription `sub_id`, appended to `out`;
 * the records take cursors seq+1.. . Returns the record count or -1. */
static long render_all(buf_t *out, const char *sub_id, long seq, const char *body, size_t n)
{
    const char *p = body, *end = body + n;
    unsigned char fr[1024];
    long k = 0;
    while ((p = memmem(p, (size_t)(end - p), "\"type\":\"Execution\"", 18))) {
        const char *id = memmem(p, (size_t)(end - p), "\"id\":\"", 6), *t = memmem(p, (size_t)(end - p), "\"t\":", 4);
        if (!id || !t)
            return -1;
        id += 6;
        const char *q = memchr(id, '"', (size_t)(end - id));
        char num[24] = ""; /* the body is not NUL-terminated: the stamp is copied out first */
        size_t nl = (size_t)(end - t - 4) < sizeof num - 1 ? (size_t)(end - t - 4) : sizeof num - 1;
        if (!q)
            return -1;
        memcpy(num, t + 4, nl);
        int il = (int)(q - id);
        size_t fl = render(fr, sub_id, seq + ++k, id, il < 200 ? il : 200, strtoll(num, NULL, 10));
        if (buf_put(out, fr, fl) < 0)
            return -1;
        p = t;
    }
    return k;
}

static int http_answer(floor_t *f, fconn_t *c, int status, const char *body)
{
    char resp[512];
    int rl =
        snprintf(resp, sizeof resp, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                 status, status == 200 ? "OK" : "Error", strlen(body), body);
    return conn_send(f, c, resp, (size_t)rl);
}

/* Renders the request's frames once (per distinct subscription id: the load generator uses one),
 * answers the publisher, then writes them to every subscriber, all of one request in one send()
 * per socket. */
static int publish(floor_t *f, fconn_t *pub, const char *body, size_t n)
{
    long cnt = 0, *count = &cnt;
    char ans[128];
    buf_t shared = {0}, own = {0};
    char shared_id[64] = "";
    if (f->nsubs) /* copied: subs[0] may be closed below */
        memcpy(shared_id, f->subs[0]->sub_id, sizeof shared_id);
    *count = render_all(&shared, shared_id, f->seq, body, n);
    snprintf(ans, sizeof ans, "{\"accepted\":%ld,\"cursor\":\"s%ld\"}", cnt, f->seq + cnt);
    int r = http_answer(f, pub, cnt < 0 ? 400 : 200, cnt < 0 ? "{\"errors\":[]}" : ans);
    for (size_t i = f->nsubs; *count > 0 && i-- > 0;) { /* backwards: a close swaps the last one in */
        fconn_t *c = f->subs[i];
        buf_t *b = &shared;
        if (strcmp(c->sub_id, shared_id) != 0) {
            own.len = 0;
            render_all(&own, c->sub_id, f->seq, body, n);
            b = &own;
        }
        if (conn_send(f, c, b->p, b->len) < 0)
            conn_close(f, c);
    }
    f->seq += *count > 0 ? *count : 0;
    free(shared.p);
    free(own.p);
    return r;
}

/* One complete HTTP request at c->in.off, if there is one: 1 handled, 0 need more, -1 close. */
static int http_read(floor_t *f, fconn_t *c)
{
    char *req = c->in.p + c->in.off;
    size_t avail = c->in.len - c->in.off;
    char *eoh = memmem(req, avail, "\r\n\r\n", 4);
    if (!eoh)
        return avail > 16384 ? -1 : 0;
    size_t hl = (size_t)(eoh + 4 - req);
    if (strncmp(req, "GET ", 4) == 0) {
        c->in.off += hl;
        if (memmem(req, hl, "pgrade: websocket", 17))
            return http_upgrade(f, c, req, hl) < 0 ? -1 : 1;
        return http_answer(f, c, 200, "{\"ok\":true}") < 0 ? -1 : 1;
    }
    const char *cl = memmem(req, hl, "ontent-Length:", 14);
    size_t bl = cl ? strtoul(cl + 14, NULL, 10) : 0;
    if (bl > (8u << 20))
        return -1;
    if (avail < hl + bl)
        return 0;
    c->in.off += hl + bl;
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", f->key);
    if (!memmem(req, hl, auth, strlen(auth)))
        return http_answer(f, c, 401, "{\"errors\":[{\"message\":\"unauthorized\"}]}") < 0 ? -1 : 1;
    return publish(f, c, req + hl, bl) < 0 ? -1 : 1;
}

static int conn_readable(floor_t *f, fconn_t *c)
{
    char tmp[65536];
    ssize_t r = recv(c->fd, tmp, sizeof tmp, 0);
    if (r < 0 && errno == EAGAIN)
        return 0;
    if (r <= 0 || buf_put(&c->in, tmp, (size_t)r) < 0)
        return -1;
    int h = 1;
    while (!c->ws && h == 1)
        h = http_read(f, c);
    if (h < 0 || (c->ws && ws_read(f, c) < 0))
        return -1;
    memmove(c->in.p, c->in.p + c->in.off, c->in.len - c->in.off);
    c->in.len -= c->in.off;
    c->in.off = 0;
    if (!c->in.len) { /* an idle connection keeps no buffer */
        free(c->in.p);
        c->in = (buf_t){0};
    }
    return 0;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0)
        return -1;
    return fd;
}

static void accept_all(floor_t *f, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0)
            return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fconn_t *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->sub_idx = -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s <port> <service-key> <jwt-hs256-secret>\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    floor_t f = {.key = argv[2], .secret = argv[3], .subs_cap = 1u << 20};
    int lfd = listen_on(atoi(argv[1]));
    f.ep = epoll_create1(0);
    f.subs = calloc(f.subs_cap, sizeof *f.subs);
    if (lfd < 0 || f.ep < 0 || !f.subs) {
        perror("floor");
        return 1;
    }
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL}, evs[256];
    epoll_ctl(f.ep, EPOLL_CTL_ADD, lfd, &lev);
    printf("floor listening on 127.0.0.1:%s\n", argv[1]);
    fflush(stdout);
    for (;;) { /* ends with SIGTERM, like the other servers */
        int n = epoll_wait(f.ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            fconn_t *c = evs[i].data.ptr;
            if (!c) {
                accept_all(&f, lfd);
                continue;
            }
            if (c->dead)
                continue;
            int r = 0;
            if (evs[i].events & EPOLLOUT)
                r = conn_flush(&f, c);
            if (r == 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                r = conn_readable(&f, c);
            if (r < 0)
                conn_close(&f, c);
        }
        free_dead(&f);
    }
}

/* Load generator of bench/scale (benchmark, not a test): one process holds N graphql-transport-ws
 * connections to one server, opened without blocking (a bounded window of handshakes in flight)
 * from source addresses spread over 127.<net>.0.0/16, each authenticated with a Bearer credential
 * and holding one `executions(blobId: "b_scale")` subscription; then it records, per connection
 * and per change, publish->delivery of the changes `publish` mode posts (stamped with the
 * CLOCK_MONOTONIC time of the post, which all processes of the machine share).
 * Build: gcc -O2 -D_GNU_SOURCE bench/scale_load.c -o /tmp/scale_load
 * Run:   scale_load conns <port> <credential> <n> <net> <changes> <timeout-s> <latency-file> [window]
 *        scale_load publish <port> <service-key> <first> <count> <interval-ms>
 * conns prints `READY ...` once every connection is subscribed (or failed), `DONE <change> ...` once
 * every subscribed connection got that change, `RESULT ...` at the end; it ends when every change
 * arrived everywhere, on SIGTERM/SIGINT, or when <timeout-s> passed for the connections or then
 * again for the changes, whatever happens; it writes one
 * line `<change> <latency-us>` per delivery to <latency-file>. */
#include "bench_client.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define MAX_CHANGES 64
#define BUF_CAP 4096         /* per connection: the 101, the ack and a few `next` frames */
#define CONNS_PER_ADDRESS 64 /* source addresses per process: N / 64 */
#define HANDSHAKE_TIMEOUT_US 60000000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

enum { S_IDLE, S_CONNECTING, S_UPGRADE, S_INIT, S_SUB, S_READY, S_DEAD };

static const char SUBSCRIBE[] =
    "{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { executions(blobId: "
    "\\\"b_scale\\\") { mutation cursor updatedFields node { id status input updatedAt } previousValues { status } "
    "} }\"}}";

typedef struct sconn {
    conn_t io;
    int state, got;
    int64_t t_start;
} sconn_t;

typedef struct load {
    int port, n, net, changes, window;
    const char *credential;
    sconn_t *cs;
    int32_t *lat;        /* [change * n + conn], µs; -1: not received */
    int fail_at[S_DEAD]; /* failed handshakes by the state they were in */
    int ep, started, inflight, ready, alive, failed, closes, errors, pings, bad_frames;
    long per_change[MAX_CHANGES];
    char done[MAX_CHANGES];
    int64_t t0, t_ready, hs_sum_us, hs_max_us;
    int32_t *hs_us; /* per subscribed connection, the handshake time */
} load_t;

/* The frame handler's view: which connection the frames belong to. */
typedef struct frame_ctx {
    load_t *l;
    int idx;
} frame_ctx_t;

static int fill_small(conn_t *c)
{
    if (c->len == c->cap)
        return -1; /* no frame of this benchmark is that large */
    ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (r <= 0)
        return -1;
    c->len += (size_t)r;
    return (int)r;
}

/* Closes a connection; its buffer stays until the end (frames of it may be being walked). */
static void conn_kill(load_t *l, sconn_t *s, int was_ready)
{
    if (s->io.fd >= 0) {
        epoll_ctl(l->ep, EPOLL_CTL_DEL, s->io.fd, NULL);
        close(s->io.fd);
    }
    s->io.fd = -1;
    if (was_ready) {
        l->closes++;
        l->alive--;
    } else {
        l->failed++;
        l->fail_at[s->state]++;
        l->inflight--;
    }
    s->state = S_DEAD;
}

/* A masked pong echoing the ping's payload (control payloads are at most 125 bytes). */
static int send_pong(int fd, const unsigned char *p, size_t n)
{
    unsigned char f[2 + 4 + 125];
    if (n > 125)
        return -1;
    f[0] = 0x8a;
    f[1] = (unsigned char)(0x80 | n);
    memset(f + 2, 0, 4);
    memcpy(f + 6, p, n);
    return write_all(fd, f, 6 + n);
}

static void on_delivery(load_t *l, int idx, const unsigned char *p, size_t n)
{
    int64_t t = now_us();
    const unsigned char *id = memmem(p, n, "\"sx_", 4), *st = memmem(p, n, "\"t\":", 4);
    if (!id || !st) {
        l->bad_frames++;
        return;
    }
    int change = atoi((const char *)id + 4);
    if (change < 0 || change >= l->changes || l->lat[(size_t)change * l->n + idx] >= 0) {
        l->bad_frames++;
        return;
    }
    int64_t lat = t - strtoll((const char *)st + 4, NULL, 10);
    l->lat[(size_t)change * l->n + idx] = (int32_t)(lat < 0 ? 0 : lat > INT32_MAX ? INT32_MAX : lat);
    l->cs[idx].got++;
    if (++l->per_change[change] >= l->alive && !l->done[change]) {
        l->done[change] = 1;
        printf("DONE %d t_us=%lld\n", change, (long long)t);
        fflush(stdout);
    }
}

static void subscribed(load_t *l, sconn_t *s)
{
    int64_t d = now_us() - s->t_start;
    l->hs_us[l->ready++] = (int32_t)d;
    l->alive++;
    l->hs_sum_us += d;
    if (d > l->hs_max_us)
        l->hs_max_us = d;
    l->inflight--;
    s->state = S_READY;
}

static void on_frame(void *ctx, int opcode, const unsigned char *p, size_t n)
{
    frame_ctx_t *f = ctx;
    load_t *l = f->l;
    sconn_t *s = &l->cs[f->idx];
    if (s->state == S_DEAD)
        return;
    if (opcode == 9) {
        l->pings++;
        if (send_pong(s->io.fd, p, n) < 0)
            conn_kill(l, s, s->state == S_READY);
        return;
    }
    if (opcode == 8) {
        conn_kill(l, s, s->state == S_READY);
        return;
    }
    if (opcode != 1)
        return;
    if (memmem(p, n < 48 ? n : 48, "\"next\"", 6)) {
        on_delivery(l, f->idx, p, n);
    } else if (memmem(p, n, "\"error\"", 7) || memmem(p, n, "\"complete\"", 10)) {
        l->errors++;
    } else if (s->state == S_INIT && memmem(p, n, "connection_ack", 14)) {
        if (ws_send(s->io.fd, SUBSCRIBE) < 0 || ws_send(s->io.fd, "{\"type\":\"ping\"}") < 0)
            conn_kill(l, s, 0);
        else
            s->state = S_SUB;
    } else if (s->state == S_SUB && memmem(p, n, "\"pong\"", 6)) {
        subscribed(l, s); /* the pong follows the subscribe: the subscription is in place */
    }
}

/* Starts connection idx: a non-blocking connect from its source address. */
static void conn_start(load_t *l, int idx)
{
    sconn_t *s = &l->cs[idx];
    uint32_t a = (uint32_t)(idx / CONNS_PER_ADDRESS) + 1;
    uint32_t src = 0x7f000000u | (uint32_t)l->net << 16 | (a / 250) << 8 | (a % 250 + 1);
    l->started++;
    l->inflight++;
    s->t_start = now_us();
    s->io.fd = dial_from(l->port, src, SOCK_NONBLOCK);
    s->io.buf = malloc(BUF_CAP);
    s->io.cap = BUF_CAP;
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)idx};
    if (s->io.fd < 0 || !s->io.buf || epoll_ctl(l->ep, EPOLL_CTL_ADD, s->io.fd, &ev) < 0) {
        if (l->failed < 3)
            fprintf(stderr, "connection %d: %s\n", idx, strerror(errno));
        conn_kill(l, s, 0);
        return;
    }
    s->state = S_CONNECTING;
}

/* Connected: sends the upgrade and waits for input from now on. */
static void conn_connected(load_t *l, int idx)
{
    sconn_t *s = &l->cs[idx];
    int err = 0;
    socklen_t len = sizeof err;
    char req[512];
    getsockopt(s->io.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)idx};
    int rl = ws_upgrade_request(req, sizeof req, l->port);
    if (err || write_all(s->io.fd, req, (size_t)rl) < 0 || epoll_ctl(l->ep, EPOLL_CTL_MOD, s->io.fd, &ev) < 0) {
        if (l->failed < 3)
            fprintf(stderr, "connection %d: connect: %s\n", idx, strerror(err ? err : errno));
        conn_kill(l, s, 0);
        return;
    }
    s->state = S_UPGRADE;
}

static void conn_readable(load_t *l, int idx)
{
    sconn_t *s = &l->cs[idx];
    if (fill_small(&s->io) < 0) {
        conn_kill(l, s, s->state == S_READY);
        return;
    }
    if (s->state == S_UPGRADE) {
        int r = ws_take_101(&s->io);
        char msg[1024];
        if (r == 0)
            return;
        ws_init_message(msg, sizeof msg, l->credential);
        if (r < 0 || ws_send(s->io.fd, msg) < 0) {
            conn_kill(l, s, 0);
            return;
        }
        s->state = S_INIT;
    }
    frame_ctx_t f = {l, idx};
    conn_frames(&s->io, on_frame, &f);
}

static void expire_handshakes(load_t *l, int64_t now)
{
    for (int i = 0; i < l->started; i++) {
        sconn_t *s = &l->cs[i];
        if (s->state > S_IDLE && s->state < S_READY && now - s->t_start > HANDSHAKE_TIMEOUT_US)
            conn_kill(l, s, 0);
    }
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void report_ready(load_t *l)
{
    l->t_ready = now_us();
    qsort(l->hs_us, (size_t)l->ready, sizeof *l->hs_us, cmp_i32);
    double p50 = l->ready ? l->hs_us[l->ready / 2] / 1e3 : 0, p99 = l->ready ? l->hs_us[l->ready * 99 / 100] / 1e3 : 0;
    printf("READY subscribed=%d failed=%d failed_connect=%d failed_upgrade=%d failed_init=%d failed_subscribe=%d "
           "start_us=%lld ready_us=%lld open_s=%.2f hs_p50_ms=%.1f hs_p99_ms=%.1f "
           "hs_max_ms=%.1f\n",
           l->ready, l->failed, l->fail_at[S_IDLE] + l->fail_at[S_CONNECTING], l->fail_at[S_UPGRADE],
           l->fail_at[S_INIT], l->fail_at[S_SUB], (long long)l->t0, (long long)l->t_ready,
           (double)(l->t_ready - l->t0) / 1e6, p50, p99, l->hs_max_us / 1e3);
    fflush(stdout);
}

static int all_delivered(const load_t *l)
{
    for (int c = 0; c < l->changes; c++)
        if (l->per_change[c] < l->alive)
            return 0;
    return 1;
}

static void run(load_t *l, int timeout_s)
{
    struct epoll_event evs[1024];
    int64_t end = l->t0 + (int64_t)timeout_s * 1000000, last_expiry = l->t0;
    int announced = 0;
    while (!stop_requested && now_us() < end) {
        while (l->inflight < l->window && l->started < l->n)
            conn_start(l, l->started);
        if (!announced && l->started == l->n && l->inflight == 0) {
            report_ready(l);
            announced = 1;
            end = l->t_ready + (int64_t)timeout_s * 1000000; /* as long again for the changes */
        }
        if (announced && l->changes > 0 && all_delivered(l))
            break;
        int k = epoll_wait(l->ep, evs, 1024, 100);
        for (int i = 0; i < k; i++) {
            int idx = (int)evs[i].data.u32;
            if (l->cs[idx].state == S_CONNECTING)
                conn_connected(l, idx);
            else if (l->cs[idx].state != S_DEAD)
                conn_readable(l, idx);
        }
        int64_t now = now_us();
        if (now - last_expiry > 1000000) {
            expire_handshakes(l, now);
            last_expiry = now;
        }
    }
    if (!announced)
        report_ready(l);
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int write_latencies(const load_t *l, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int c = 0; c < l->changes; c++)
        for (int i = 0; i < l->n; i++)
            if (l->lat[(size_t)c * l->n + i] >= 0)
                fprintf(f, "%d %d\n", c, l->lat[(size_t)c * l->n + i]);
    return fclose(f);
}

static int run_conns(int argc, char **argv)
{
    static load_t l;
    l.port = atoi(argv[2]);
    l.credential = argv[3];
    l.n = atoi(argv[4]);
    l.net = atoi(argv[5]);
    l.changes = atoi(argv[6]);
    l.window = argc > 9 ? atoi(argv[9]) : 32;
    int timeout_s = atoi(argv[7]);
    if (l.n <= 0 || l.net < 1 || l.net > 254 || l.changes < 0 || l.changes > MAX_CHANGES || l.window < 1)
        return 2;
    l.cs = calloc((size_t)l.n, sizeof *l.cs);
    l.hs_us = calloc((size_t)l.n, sizeof *l.hs_us);
    l.lat = malloc((size_t)l.n * (size_t)(l.changes ? l.changes : 1) * sizeof *l.lat);
    l.ep = epoll_create1(0);
    if (!l.cs || !l.hs_us || !l.lat || l.ep < 0)
        return 1;
    memset(l.lat, 0xff, (size_t)l.n * (size_t)(l.changes ? l.changes : 1) * sizeof *l.lat);
    l.t0 = now_us();
    run(&l, timeout_s);
    long got = 0;
    for (int c = 0; c < l.changes; c++)
        got += l.per_change[c];
    printf("RESULT subscribed=%d failed=%d got=%ld expected=%ld closes=%d errors=%d bad_frames=%d pings=%d "
           "client_cpu_s=%.2f stopped=%s\n",
           l.ready, l.failed, got, (long)l.ready * l.changes, l.closes, l.errors, l.bad_frames, l.pings, cpu_s(),
           stop_requested      ? "signal"
           : all_delivered(&l) ? "done"
                               : "timeout");
    int rc = write_latencies(&l, argv[8]) < 0 ? 1 : 0;
    for (int i = 0; i < l.n; i++) {
        if (l.cs[i].state != S_IDLE && l.cs[i].io.fd >= 0)
            close(l.cs[i].io.fd);
        free(l.cs[i].io.buf);
    }
    free(l.cs);
    free(l.hs_us);
    free(l.lat);
    close(l.ep);
    return rc;
}

/* Posts changes first..first+count-1, one per request, interval-ms apart, each stamped. */
static int run_publish(char **argv)
{
    int port = atoi(argv[2]), first = atoi(argv[4]), count = atoi(argv[5]), interval_ms = atoi(argv[6]);
    int fd = dial(port, -1), rc = 0;
    conn_t rx = {0};
    char body[512];
    int64_t t0 = now_us();
    for (int i = 0; fd >= 0 && i < count; i++) {
        int64_t due = t0 + (int64_t)i * interval_ms * 1000, d = due - now_us();
        if (d > 0)
            usleep((useconds_t)d);
        int64_t t = now_us();
        snprintf(body, sizeof body,
                 "[{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"sx_%d\",\"blobId\":\"b_scale\","
                 "\"status\":\"RUNNING\",\"input\":{\"t\":%lld},\"createdAt\":\"2026-01-01T00:00:00Z\","
                 "\"updatedAt\":\"2026-01-01T00:00:00Z\"}}]",
                 first + i, (long long)t);
        int st = post(fd, argv[3], body, strlen(body), &rx);
        printf("POSTED %d status=%d t_us=%lld answer_ms=%.2f\n", first + i, st, (long long)t, (now_us() - t) / 1e3);
        fflush(stdout);
        if (st != 200)
            rc = 1;
    }
    free(rx.buf);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? 1 : rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (argc >= 9 && strcmp(argv[1], "conns") == 0)
        return run_conns(argc, argv);
    if (argc == 7 && strcmp(argv[1], "publish") == 0)
        return run_publish(argv);
    fprintf(stderr,
            "usage: %s conns <port> <credential> <n> <net> <changes> <timeout-s> <latency-file> [window]\n"
            "       %s publish <port> <service-key> <first> <count> <interval-ms>\n",
            argv[0], argv[0]);
    return 2;
}

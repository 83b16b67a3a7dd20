/* Load generator for bench/compare (benchmark, not a test): drives any server that speaks the
 * project's wire interface (this server, the Node peer in bench/peer/, the raw floor in bench/floor/)
 * with the same bytes. It posts the directory (an organization, a user who is a member, a private
 * blob), then either
 *   fanout: opens C graphql-transport-ws connections authenticated with a Bearer HS256 JWT, one
 *           `executions(blobId:)` subscription each, publishes at a fixed rate for a fixed time
 *           (one record per request up to 50 changes/s, then 50 requests/s with more records each;
 *           every record stamped with the publish time) and measures publish->delivery per delivery;
 *   conns:  times N JWT handshakes (connect, upgrade, connection_init, ack, subscribe, ping/pong)
 *           and reads the server's RSS before and after (idle memory per connection).
 * Posts are open-loop (a slow answer delays nothing but its own connection's next request).
 * One line `RESULT k=v ...` on stdout is what bench/compare reads.
 * Build: gcc -O2 -D_GNU_SOURCE bench/compare_load.c -lcrypto -lpthread -o /tmp/compare_load
 * Run:   compare_load fanout <port> <service-key> <jwt-secret> <conns> <changes/s> <seconds>
 *        compare_load conns  <port> <service-key> <jwt-secret> <conns> <server-pid> */
#include "bench_client.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define HIST_US 2000000 /* latency histogram: 1 µs buckets up to 2 s, the rest counted as overflow */
#define OPEN_THREADS 8
#define REQS_PER_S_MAX 50
#define PUB_CONNS 8 /* publishing connections: up to 8 requests in flight */

typedef struct bench {
    int port;
    const char *key;
    char jwt[512];
    int conns;
    double rate, seconds;
    conn_t *cs;
    atomic_int open_failed;
    atomic_long posted, post_errors;
    atomic_int publishing;
    int64_t t_first_us, t_last_post_us;
} bench_t;

static void sleep_until_us(int64_t t)
{
    int64_t d = t - now_us();
    if (d > 0) {
        struct timespec ts = {.tv_sec = d / 1000000, .tv_nsec = (d % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
}

static const char SUBSCRIBE[] =
    "{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { executions(blobId: \\\"b_load\\\") "
    "{ mutation cursor updatedFields node { id status input updatedAt } previousValues { status } } }\"}}";

/* The whole handshake: upgrade, connection_init with the JWT, ack, subscribe, ping -> pong. */
static int conn_open(const bench_t *b, conn_t *c, int idx)
{
    if (ws_handshake(c, b->port, idx, b->jwt) < 0)
        return -1;
    if (ws_send(c->fd, SUBSCRIBE) < 0 || ws_send(c->fd, "{\"type\":\"ping\"}") < 0 || conn_wait(c, "\"pong\"") < 0)
        return -1;
    return 0;
}

typedef struct opener {
    bench_t *b;
    int from, to;
} opener_t;

static void *open_range(void *arg)
{
    opener_t *o = arg;
    for (int i = o->from; i < o->to; i++) {
        if (conn_open(o->b, &o->b->cs[i], i) < 0) {
            atomic_fetch_add(&o->b->open_failed, 1);
            return NULL;
        }
        fcntl(o->b->cs[i].fd, F_SETFL, O_NONBLOCK);
    }
    return NULL;
}

/* Opens cs[from..to) from OPEN_THREADS threads; returns the seconds it took or -1. */
static double open_all(bench_t *b, int from, int to)
{
    pthread_t th[OPEN_THREADS];
    opener_t o[OPEN_THREADS];
    int64_t t0 = now_us();
    int n = to - from;
    for (int k = 0; k < OPEN_THREADS; k++) {
        o[k] = (opener_t){b, from + n * k / OPEN_THREADS, from + n * (k + 1) / OPEN_THREADS};
        pthread_create(&th[k], NULL, open_range, &o[k]);
    }
    for (int k = 0; k < OPEN_THREADS; k++)
        pthread_join(th[k], NULL);
    return atomic_load(&b->open_failed) ? -1 : (double)(now_us() - t0) / 1e6;
}

static int post_once(int port, const char *key, const char *body)
{
    int fd = dial(port, -1);
    conn_t rx = {0};
    int st = fd < 0 ? -1 : post(fd, key, body, strlen(body), &rx);
    free(rx.buf);
    if (fd >= 0)
        close(fd);
    return st;
}

static int setup_directory(const bench_t *b)
{
    static const char dir[] =
        "[{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"org_load\",\"slug\":\"org_load\",\"name\":\"o\","
        "\"createdAt\":\"2026-01-01T00:00:00Z\"}},"
        "{\"type\":\"User\",\"op\":\"upsert\",\"node\":{\"id\":\"u_load\",\"name\":\"u\"}},"
        "{\"type\":\"Membership\",\"op\":\"upsert\",\"node\":{\"organizationId\":\"org_load\",\"userId\":\"u_load\","
        "\"role\":\"MEMBER\"}},"
        "{\"type\":\"Blob\",\"op\":\"upsert\",\"node\":{\"id\":\"b_load\",\"organizationId\":\"org_load\",\"type\":"
        "\"WORKFLOW\",\"name\":\"b\",\"visibility\":\"PRIVATE\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":"
        "\"2026-01-01T00:00:00Z\"}}]";
    int st = post_once(b->port, b->key, dir);
    if (st != 200)
        fprintf(stderr, "directory publish answered %d\n", st);
    return st == 200 ? 0 : -1;
}

static size_t b64url(const unsigned char *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = a[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = a[v & 63];
    }
    out[o] = 0;
    return o;
}

/* HS256 JWT for the member user, valid for an hour. */
static void make_jwt(bench_t *b, const char *secret)
{
    char claims[128];
    snprintf(claims, sizeof claims, "{\"sub\":\"u_load\",\"exp\":%ld}", (long)time(NULL) + 3600);
    const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    size_t o = b64url((const unsigned char *)hdr, strlen(hdr), b->jwt);
    b->jwt[o++] = '.';
    o += b64url((const unsigned char *)claims, strlen(claims), b->jwt + o);
    unsigned char mac[32];
    unsigned int ml = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)b->jwt, o, mac, &ml);
    b->jwt[o++] = '.';
    b64url(mac, ml, b->jwt + o);
}

/* Body of `n` new executions, each stamped with the publish time in `input.t` (µs). */
static size_t render_body(char *out, size_t cap, long first, int n, int64_t stamp)
{
    size_t o = 0;
    out[o++] = '[';
    for (int k = 0; k < n && o < cap - 512; k++) {
        o += (size_t)snprintf(out + o, cap - o,
                              "%s{\"type\":\"Execution\",\"op\":\"upsert\",\"node\":{\"id\":\"lx_%ld\",\"blobId\":"
                              "\"b_load\",\"status\":\"RUNNING\",\"input\":{\"t\":%lld},\"createdAt\":"
                              "\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"}}",
                              k ? "," : "", first + k, (long long)stamp);
    }
    out[o++] = ']';
    out[o] = 0;
    return o;
}

/* Open loop: request i is due at t0 + i/reqs_s whatever the answers do, on keep-alive
 * connection i % PUB_CONNS, which first takes that connection's previous answer. */
static void *publisher(void *arg)
{
    bench_t *b = arg;
    double reqs_s = b->rate <= REQS_PER_S_MAX ? b->rate : REQS_PER_S_MAX;
    int per = b->rate <= REQS_PER_S_MAX ? 1 : (int)(b->rate / REQS_PER_S_MAX + 0.5);
    long nreq = (long)(reqs_s * b->seconds + 0.5), sent = 0;
    size_t cap = (size_t)per * 256 + 1024;
    char *body = malloc(cap);
    conn_t rx[PUB_CONNS] = {0};
    int pending[PUB_CONNS] = {0}, ok = body != NULL;
    for (int k = 0; k < PUB_CONNS; k++)
        ok = ok && (rx[k].fd = dial(b->port, -1)) >= 0;
    int64_t t0 = now_us(), end = t0 + (int64_t)(b->seconds * 1e6);
    b->t_first_us = t0;
    for (long i = 0; ok && i < nreq && now_us() < end; i++) {
        conn_t *c = &rx[i % PUB_CONNS];
        if (pending[i % PUB_CONNS] && post_answer(c) != 200)
            break;
        pending[i % PUB_CONNS] = 0;
        sleep_until_us(t0 + (int64_t)((double)i * 1e6 / reqs_s));
        size_t n = render_body(body, cap, i * per, per, now_us());
        if (post_send(c->fd, b->key, body, n) < 0)
            break;
        pending[i % PUB_CONNS] = 1;
        sent++;
    }
    long answered_ok = sent;
    for (int k = 0; k < PUB_CONNS; k++) {
        if (pending[k] && post_answer(&rx[k]) != 200)
            answered_ok--;
        if (rx[k].fd >= 0)
            close(rx[k].fd);
        free(rx[k].buf);
    }
    atomic_store(&b->post_errors, sent - answered_ok + (ok ? 0 : 1));
    atomic_store(&b->posted, answered_ok * per);
    b->t_last_post_us = now_us();
    atomic_store(&b->publishing, 0);
    free(body);
    return NULL;
}

typedef struct rx_stats {
    long got, errors;
    long *hist, overflow;
    int64_t last_us;
} rx_stats_t;

static void count_frame(void *ctx, int opcode, const unsigned char *p, size_t n)
{
    rx_stats_t *s = ctx;
    if (opcode != 1 || !memmem(p, n < 48 ? n : 48, "\"next\"", 6)) {
        if (opcode == 1 && (memmem(p, n, "\"error\"", 7) || memmem(p, n, "\"complete\"", 10)))
            s->errors++;
        return;
    }
    int64_t t = now_us();
    s->got++;
    s->last_us = t;
    const unsigned char *st = memmem(p, n, "\"t\":", 4);
    if (!st)
        return;
    long long lat = t - strtoll((const char *)st + 4, NULL, 10);
    if (lat >= 0 && lat < HIST_US)
        s->hist[lat]++;
    else
        s->overflow++;
}

static double pct_ms(const rx_stats_t *s, double q)
{
    long total = s->overflow, want, acc = 0;
    for (long i = 0; i < HIST_US; i++)
        total += s->hist[i];
    want = (long)(q * (double)total);
    if (want >= total)
        want = total - 1;
    for (long i = 0; i < HIST_US; i++) {
        acc += s->hist[i];
        if (acc > want)
            return (double)i / 1000.0;
    }
    return total ? HIST_US / 1000.0 : 0.0;
}

/* Reads every socket until all deliveries of the posted changes arrived or 5 s passed after
 * the last post without completing; counts closes. */
static long receive(bench_t *b, int ep, rx_stats_t *s)
{
    long closes = 0;
    struct epoll_event evs[256];
    for (;;) {
        int pub = atomic_load(&b->publishing);
        long want = atomic_load(&b->posted) * b->conns;
        if (!pub && (s->got >= want || now_us() > b->t_last_post_us + 5000000))
            break;
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (conn_fill(c) < 0) {
                closes++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                continue;
            }
            conn_frames(c, count_frame, s);
        }
    }
    return closes;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int run_fanout(bench_t *b)
{
    int ep = epoll_create1(0), rc = 1;
    rx_stats_t s = {.hist = calloc(HIST_US, sizeof(long))};
    double open_s = open_all(b, 0, b->conns);
    if (open_s < 0 || ep < 0 || !s.hist) {
        fprintf(stderr, "could not open the connections\n");
        printf("RESULT pass=0 open_failed=1\n");
        goto out;
    }
    for (int i = 0; i < b->conns; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &b->cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, b->cs[i].fd, &ev);
    }
    atomic_store(&b->publishing, 1);
    pthread_t pub;
    pthread_create(&pub, NULL, publisher, b);
    long closes = receive(b, ep, &s);
    pthread_join(pub, NULL);
    long offered = (long)(b->rate * b->seconds + 0.5), posted = atomic_load(&b->posted);
    long expected = posted * b->conns;
    double secs = (double)(s.last_us - b->t_first_us) / 1e6, p99 = pct_ms(&s, 0.99);
    int pass = s.got == expected && p99 <= 50.0 && !s.errors && !closes && !atomic_load(&b->post_errors) &&
               posted * 100 >= offered * 95;
    printf("RESULT pass=%d rate=%g offered=%ld posted=%ld expected=%ld got=%ld deliveries_s=%.0f p50_ms=%.2f "
           "p99_ms=%.2f max_ms=%.2f errors=%ld closes=%ld post_errors=%ld open_s=%.2f client_cpu_s=%.2f\n",
           pass, b->rate, offered, posted, expected, s.got, secs > 0 ? (double)s.got / secs : 0.0, pct_ms(&s, 0.5), p99,
           pct_ms(&s, 1.0), s.errors, closes, atomic_load(&b->post_errors), open_s, cpu_s());
    rc = 0;
out:
    free(s.hist);
    if (ep >= 0)
        close(ep);
    return rc;
}

static long rss_bytes(int pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

/* Warms the server with 200 connections (closed again), then times N handshakes and reads the
 * RSS growth they cost once idle. */
static int run_conns(bench_t *b, int pid)
{
    int warm = b->conns < 200 ? b->conns : 200;
    if (open_all(b, 0, warm) < 0)
        goto fail;
    for (int i = 0; i < warm; i++) {
        close(b->cs[i].fd);
        free(b->cs[i].buf);
    }
    usleep(500000);
    long before = rss_bytes(pid);
    double secs = open_all(b, 0, b->conns);
    if (secs < 0)
        goto fail;
    usleep(1000000);
    long after = rss_bytes(pid);
    printf("RESULT conns=%d handshake_s=%.3f handshakes_s=%.0f rss_before=%ld rss_after=%ld bytes_per_conn=%.0f\n",
           b->conns, secs, b->conns / secs, before, after, (double)(after - before) / b->conns);
    return 0;
fail:
    fprintf(stderr, "could not open the connections\n");
    printf("RESULT conns=%d failed=1\n", b->conns);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr,
                "usage: %s fanout <port> <service-key> <jwt-secret> <conns> <changes/s> <seconds>\n"
                "       %s conns <port> <service-key> <jwt-secret> <conns> <server-pid>\n",
                argv[0], argv[0]);
        return 2;
    }
    static bench_t b;
    b.port = atoi(argv[2]);
    b.key = argv[3];
    b.conns = atoi(argv[5]);
    make_jwt(&b, argv[4]);
    b.cs = calloc((size_t)b.conns, sizeof *b.cs);
    if (!b.cs || b.conns <= 0 || setup_directory(&b) < 0)
        return 1;
    int rc;
    if (strcmp(argv[1], "fanout") == 0) {
        b.rate = atof(argv[6]);
        b.seconds = argc > 7 ? atof(argv[7]) : 5;
        rc = run_fanout(&b);
    } else {
        rc = run_conns(&b, atoi(argv[6]));
    }
    for (int i = 0; i < b.conns; i++) {
        if (b.cs[i].fd > 0)
            close(b.cs[i].fd);
        free(b.cs[i].buf);
    }
    free(b.cs);
    return rc;
}

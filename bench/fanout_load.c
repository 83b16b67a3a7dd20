/* Fan-out load generator (benchmark, not a test): opens C graphql-transport-ws connections to a
 * running server, S subscriptions each on one blob's executions, then publishes N executions
 * (one per POST /v1/events, from a second thread) and counts the `next` frames that arrive.
 * Reports deliveries per second from the first publish to the last delivery. One epoll thread
 * reads every socket, so it needs far less CPU per delivery than a Node client.
 * Build: gcc -O2 -D_GNU_SOURCE bench/fanout_load.c -lpthread -o /tmp/fanout_load
 * Run:   /tmp/fanout_load <port> <service-key> [conns=1000] [subs=10] [changes=200] */
#include "bench_client.h"

#include <pthread.h>
#include <sys/epoll.h>

typedef struct bench {
    int port;
    const char *key;
    int conns, subs, changes;
    double t_first_publish;
} bench_t;

static double now_s(void) { return (double)now_us() / 1e6; }

/* Counts the `next` frames of one read; the other frames count in `other`. */
typedef struct tally {
    long hits, other;
} tally_t;

static void tally_frame(void *ctx, int opcode, const unsigned char *p, size_t n)
{
    tally_t *t = ctx;
    if (opcode == 1 && memmem(p, n, "\"next\"", 6))
        t->hits++;
    else
        t->other++;
}

static int conn_open(const bench_t *b, conn_t *c)
{
    if (ws_handshake(c, b->port, -1, b->key) < 0)
        return -1;
    char msg[512];
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

static void *publisher(void *arg)
{
    bench_t *b = arg;
    int fd = dial(b->port, -1);
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
        int st = post(fd, b->key, body, strlen(body), &rx);
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
        static const char setup[] =
            "[{\"type\":\"Organization\",\"op\":\"upsert\",\"node\":{\"id\":\"org_load\",\"slug\":"
            "\"org_load\",\"name\":\"o\",\"createdAt\":\"2026-01-01T00:00:00Z\"}},{\"type\":\"Blob\","
            "\"op\":\"upsert\",\"node\":{\"id\":\"b_load\",\"organizationId\":\"org_load\",\"type\":"
            "\"WORKFLOW\",\"name\":\"b\",\"visibility\":\"PRIVATE\",\"createdAt\":"
            "\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"}}]";
        int fd = dial(b.port, -1);
        conn_t rx = {0};
        int st = fd < 0 ? -1 : post(fd, b.key, setup, strlen(setup), &rx);
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
            tally_t t = {0};
            conn_frames(c, tally_frame, &t);
            long h = t.hits;
            other += t.other;
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

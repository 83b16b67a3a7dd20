/* WebSocket connections: message reassembly with the size limit, the bounded outgoing queue
 * (refcounted frames; every connection given messages during a loop pass is flushed once at the
 * start of the next, its queued messages framed here and written together in one system call),
 * the connection_init deadline, keep-alive pings, and the calls into the session handler the
 * wiring layer set (net_ws_handler_t: the WebSocket protocols). */
#include <stdlib.h>
#include <string.h>

#include "net/net_frame.h"
#include "net/net_int.h"
#include "util/util_log.h"
#include "util/util_utf8.h"

/* One write of a connection's queued messages (unless its first message alone is larger): a
 * connection with a long queue takes its turn with the others in between. */
#define NET_WS_BATCH_BYTES (64 * 1024)
/* The connection_init deadlines of connections opened within this long of each other are
 * checked together (so at most one timer pass per slice, a close at most this much late). */
#define NET_INIT_SLICE_MS 10

static size_t item_len(const net_qitem_t *it)
{
    if (it->own)
        return it->own_len;
    return (it->head ? it->head->len : 0) + (it->body ? it->body->len : 0) + it->tail_len;
}

static void item_release(net_qitem_t *it)
{
    rt_frame_unref(it->head);
    rt_frame_unref(it->body);
    free(it->own);
    memset(it, 0, sizeof *it);
}

static void queue_clear(net_ws_t *w)
{
    while (w->qlen) {
        item_release(&w->q[w->qhead]);
        w->qhead = (w->qhead + 1) % w->qcap;
        w->qlen--;
    }
    atomic_fetch_sub_explicit(&w->net->srv->metrics.queue_bytes, (long)w->qbytes, memory_order_relaxed);
    w->qbytes = 0;
}

static int queue_push(net_ws_t *w, const net_qitem_t *it)
{
    if (w->qlen == w->qcap) {
        uint32_t ncap = w->qcap ? w->qcap * 2 : 4;
        net_qitem_t *nq = malloc(ncap * sizeof *nq);
        if (!nq)
            return -1;
        for (uint32_t i = 0; i < w->qlen; i++)
            nq[i] = w->q[(w->qhead + i) % w->qcap];
        free(w->q);
        w->q = nq;
        w->qcap = ncap;
        w->qhead = 0;
    }
    w->q[(w->qhead + w->qlen) % w->qcap] = *it;
    w->qlen++;
    size_t len = item_len(it);
    w->qbytes += len;
    atomic_fetch_add_explicit(&w->net->srv->metrics.queue_bytes, (long)len, memory_order_relaxed);
    return 0;
}

static void queue_pop(net_ws_t *w)
{
    item_release(&w->q[w->qhead]);
    w->qhead = (w->qhead + 1) % w->qcap;
    w->qlen--;
}

/* Frames queued messages and pings from the head of the queue into the loop's scratch buffer
 * after LWS_PRE, up to NET_WS_BATCH_BYTES (at least one) and never past a close. Returns how
 * many items it took, or -1 when memory runs out; *len the framed bytes, *qb their queue bytes. */
static int batch_build(net_ws_t *w, size_t *len, size_t *qb)
{
    rt_buf_t *s = &w->net->scratch;
    size_t total = 0, payload = 0;
    uint32_t k = 0;
    for (; k < w->qlen; k++) {
        const net_qitem_t *it = &w->q[(w->qhead + k) % w->qcap];
        if (it->kind == NQ_CLOSE)
            break;
        size_t ilen = item_len(it), framed = net_frame_header_len(ilen) + ilen;
        if (k && total + framed > NET_WS_BATCH_BYTES)
            break;
        if (rt_buf_reserve(s, LWS_PRE + total + framed) < 0)
            return -1;
        unsigned char *p = (unsigned char *)s->data + LWS_PRE + total;
        p += net_frame_header(p, it->kind == NQ_PING ? NET_FRAME_PING : NET_FRAME_TEXT, ilen);
        if (it->own) {
            memcpy(p, it->own, ilen);
        } else {
            if (it->head) {
                memcpy(p, it->head->data, it->head->len);
                p += it->head->len;
            }
            if (it->body) {
                memcpy(p, it->body->data, it->body->len);
                p += it->body->len;
            }
            if (it->tail_len)
                memcpy(p, it->tail, it->tail_len);
        }
        total += framed;
        payload += ilen;
    }
    *len = total;
    *qb = payload;
    return (int)k;
}

/* Writes one batch of queued items, unless lws still holds unsent bytes of an earlier write
 * (then the WRITEABLE callback comes once they are out). The batch goes out pre-framed as one
 * LWS_WRITE_RAW write: TLS still applies, and lws keeps whatever the socket did not take and
 * sends it before anything else, so frames never interleave; no extension is ever negotiated,
 * so nothing is lost by bypassing lws's framing. At most one batch beyond the queue's bound is
 * thus held by lws. Outside the connection's own WRITEABLE callback a close cannot be
 * performed, so it is left for that callback. Returns -1 when the connection must be closed now
 * (only ever inside its WRITEABLE callback). */
static int flush(net_ws_t *w, int in_writeable)
{
    net_loop_t *n = w->net;
    if (!w->wsi)
        return 0;
    if (w->qlen && w->q[w->qhead].kind == NQ_CLOSE) {
        if (!in_writeable) {
            lws_callback_on_writable(w->wsi);
            return 0;
        }
        /* Return -1 once only: lws then sends the close frame and waits for the peer's ack; a
         * second -1 while it waits would kill the socket (the peer sees 1006). */
        queue_pop(w);
        w->close_sent = true;
        const char *why = w->close_reason ? w->close_reason : "";
        lws_close_reason(w->wsi, (enum lws_close_status)w->close_code, (unsigned char *)why, strlen(why));
        return -1;
    }
    if (w->qlen && !lws_partial_buffered(w->wsi)) {
        size_t len, qb;
        int k = batch_build(w, &len, &qb);
        if (k < 0)
            return in_writeable ? -1 : 0;
        int wrote = lws_write(w->wsi, (unsigned char *)n->scratch.data + LWS_PRE, len, LWS_WRITE_RAW);
        w->qbytes -= qb;
        atomic_fetch_sub_explicit(&n->srv->metrics.queue_bytes, (long)qb, memory_order_relaxed);
        while (k--)
            queue_pop(w);
        if (wrote < (int)len)
            return in_writeable ? -1 : 0;
    }
    if (w->qlen)
        lws_callback_on_writable(w->wsi);
    return 0;
}

static void flush_cb(lws_sorted_usec_list_t *sul)
{
    net_loop_t *n = lws_container_of(sul, net_loop_t, flush_sul);
    n->flush_armed = false;
    /* Flushing adds nobody: the count cannot change under the loop. */
    for (uint32_t i = 0; i < n->ndirty; i++) {
        net_ws_t *w = n->dirty[i];
        if (!w)
            continue;
        w->dirty_ix = 0;
        flush(w, 0);
    }
    n->ndirty = 0;
}

/* Queues a flush of w at the start of the next loop pass, after whatever else this pass gives
 * it (a delivery list, other connections' messages, a batch of task results). */
static void mark_dirty(net_ws_t *w)
{
    net_loop_t *n = w->net;
    if (w->dirty_ix)
        return;
    if (n->ndirty == n->dirty_cap) {
        uint32_t ncap = n->dirty_cap ? n->dirty_cap * 2 : 64;
        net_ws_t **nd = realloc(n->dirty, ncap * sizeof *nd);
        if (!nd) {
            flush(w, 0); /* unbatched, but sent */
            return;
        }
        n->dirty = nd;
        n->dirty_cap = ncap;
    }
    n->dirty[n->ndirty++] = w;
    w->dirty_ix = n->ndirty;
    if (!n->flush_armed) {
        n->flush_armed = true;
        lws_sul_schedule(n->ctx, 0, &n->flush_sul, flush_cb, 0);
    }
}

static void ws_close(void *io_ctx, int code, const char *reason, int drop_queue)
{
    net_ws_t *w = io_ctx;
    if (w->closing || !w->wsi)
        return;
    w->closing = true;
    w->close_code = code;
    /* A close frame carries at most 123 bytes of reason. */
    w->close_reason = reason && *reason ? strndup(reason, 123) : NULL;
    if (drop_queue)
        queue_clear(w);
    net_qitem_t it = {.kind = NQ_CLOSE};
    if (queue_push(w, &it) < 0) {
        /* No memory even for the close marker: let lws drop the socket. */
        lws_set_timeout(w->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        return;
    }
    lws_callback_on_writable(w->wsi);
}

/* Pushes one message; a consumer whose queue would pass the bound is dropped (1013). */
static int ws_enqueue(net_ws_t *w, net_qitem_t *it)
{
    size_t max = w->net->srv->cfg.max_queue_bytes;
    if (w->closing || !w->wsi) {
        item_release(it);
        return -1;
    }
    if (w->qbytes + item_len(it) > max) {
        item_release(it);
        atomic_fetch_add_explicit(&w->net->srv->metrics.slow_consumer_closes, 1, memory_order_relaxed);
        rt_log_warn("net", "slow consumer: outgoing queue passed %zu bytes, closing 1013", max);
        ws_close(w, 1013, "Slow consumer", 1);
        return -1;
    }
    if (queue_push(w, it) < 0) {
        item_release(it);
        ws_close(w, 4500, "Internal error", 1);
        return -1;
    }
    /* A burst (one publish's many messages) is written whenever a batch's worth has gathered,
     * so that the queue holds what the socket did not take plus less than one batch, and only a
     * reader that does not keep up passes the bound. */
    size_t batch = max / 2 < NET_WS_BATCH_BYTES ? max / 2 : NET_WS_BATCH_BYTES;
    if (w->qbytes >= batch)
        flush(w, 0);
    mark_dirty(w);
    return 0;
}

int net_ws_send(net_ws_t *ws, char *msg, size_t len)
{
    net_qitem_t it = {.kind = NQ_MSG, .own = msg, .own_len = len};
    return ws_enqueue(ws, &it);
}

int net_ws_send_parts(net_ws_t *ws, rt_frame_t *head, rt_frame_t *body, const char *tail, size_t tail_len)
{
    net_qitem_t it = {.kind = NQ_MSG,
                      .head = head ? rt_frame_ref(head) : NULL,
                      .body = body ? rt_frame_ref(body) : NULL,
                      .tail = tail,
                      .tail_len = tail_len};
    return ws_enqueue(ws, &it);
}

void net_ws_close(net_ws_t *ws, int code, const char *reason, int drop_queue)
{
    ws_close(ws, code, reason, drop_queue);
}

void net_ws_handler_set(net_t *n, const net_ws_handler_t *h) { n->ws = *h; }

/* /v1/ws/{clientId} names a client session; the path was validated before the upgrade. */
static const char *client_id_of(const char *path)
{
    static const char prefix[] = "/v1/ws/";
    return strncmp(path, prefix, sizeof prefix - 1) == 0 ? path + sizeof prefix - 1 : NULL;
}

/* Whether the read that completed the upgrade request carried bytes after its end. */
static bool sent_before_upgrade(net_loop_t *n, struct lws *wsi)
{
    bool after = n->rd_wsi == wsi && n->rd_after > 0;
    n->rd_wsi = NULL;
    return after;
}

/* The connection_init deadline of every connection is checked by one timer per thread rather
 * than a timer per connection: lws 4.1 keeps a thread's timers in one sorted list that every
 * insertion walks, so a timer per connection made each handshake cost as much as the handshakes
 * of the last few seconds. Connections arrive in deadline order, so the timer only ever looks at
 * the oldest unchecked one (n->init_next) and walks towards the newer ones. Connections already
 * acknowledged are still visited once: the handler ignores the timeout then. */
static void init_cb(lws_sorted_usec_list_t *sul);

static void init_arm(net_loop_t *n, const net_ws_t *w)
{
    int64_t ms = n->srv->cfg.init_timeout_ms - rt_mono_ms_between(w->opened, rt_mono_now());
    ms = ms <= 0 ? 0 : (ms + NET_INIT_SLICE_MS - 1) / NET_INIT_SLICE_MS * NET_INIT_SLICE_MS;
    lws_sul_schedule(n->ctx, 0, &n->init_sul, init_cb, (lws_usec_t)ms * LWS_US_PER_MS);
}

static void init_cb(lws_sorted_usec_list_t *sul)
{
    net_loop_t *n = lws_container_of(sul, net_loop_t, init_sul);
    rt_mono_t now = rt_mono_now();
    net_ws_t *w;
    while ((w = n->init_next) && rt_mono_ms_between(w->opened, now) >= n->srv->cfg.init_timeout_ms) {
        n->init_next = w->prev; /* the next newer one */
        if (!w->closing && w->wsi)
            n->group->ws.init_timeout(w->session);
    }
    if (n->init_next)
        init_arm(n, n->init_next);
}

static int ws_established(struct lws *wsi, net_pss_t *pss)
{
    net_loop_t *n = lws_context_user(lws_get_context(wsi));
    net_ws_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->wsi = wsi;
    w->net = n;
    w->last_rx = w->opened = rt_mono_now();

    char path[256] = "", tokbuf[4096];
    lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI);
    const char *token = lws_get_urlarg_by_name(wsi, "token=", tokbuf, sizeof tokbuf);
    /* The peer and X-Forwarded-For feed the authentication failure limits. */
    char peer[64] = "", xff[512] = "";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    int has_xff = lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) > 0;
    const struct lws_protocols *p = lws_get_protocol(wsi);
    net_ws_info_t info = {.subprotocol = (int)p->id,
                          .client_id = client_id_of(path),
                          .query_token = token,
                          .q = n->q,
                          .peer = peer[0] ? peer : NULL,
                          .forwarded_for = has_xff ? xff : NULL};
    const net_ws_handler_t *h = &n->group->ws;
    w->session = h->open ? h->open(h->ctx, w, &info) : NULL;
    if (!w->session) {
        free(w);
        return -1;
    }
    pss->ws = w;
    w->next = n->conns;
    if (n->conns)
        n->conns->prev = w;
    n->conns = w;
    n->nconns++;
    atomic_fetch_add_explicit(&n->srv->metrics.connections, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&n->srv->metrics.thread_connections[n->index], 1, memory_order_relaxed);
    if (sent_before_upgrade(n, wsi)) {
        /* RFC 6455 4.1: a client waits for the 101 before it sends a frame. lws already holds
         * those bytes, unseen by the frame guard: refuse them all. */
        net_wsguard_fail(&w->guard);
        ws_close(w, LWS_CLOSE_STATUS_PROTOCOL_ERR, "Protocol error", 1);
    } else if (n->draining) {
        ws_close(w, 1001, "Going away", 1);
    }
    if (!n->init_next) {
        n->init_next = w;
        init_arm(n, w);
    }
    return 0;
}

static void ws_closed(net_ws_t *w)
{
    net_loop_t *n = w->net;
    w->wsi = NULL;
    n->group->ws.close(w->session);
    queue_clear(w);
    free(w->q);
    free(w->close_reason);
    rt_buf_free(&w->rx);
    if (n->init_next == w)
        n->init_next = w->prev; /* the init timer, when it comes, finds the newer ones */
    if (w->dirty_ix)
        n->dirty[w->dirty_ix - 1] = NULL;
    if (w->prev)
        w->prev->next = w->next;
    else
        n->conns = w->next;
    if (w->next)
        w->next->prev = w->prev;
    if (--n->nconns == 0) {
        /* Every slot is NULL now; a flush still armed finds none. */
        free(n->dirty);
        n->dirty = NULL;
        n->ndirty = n->dirty_cap = 0;
    }
    atomic_fetch_sub_explicit(&n->srv->metrics.connections, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&n->srv->metrics.thread_connections[n->index], 1, memory_order_relaxed);
    free(w);
}

static int ws_receive(net_ws_t *w, const char *in, size_t len)
{
    w->last_rx = rt_mono_now();
    w->ping_out = false;
    if (w->closing)
        return 0;
    size_t max = w->net->srv->cfg.max_message_bytes;
    int final = lws_is_final_fragment(w->wsi) && lws_remaining_packet_payload(w->wsi) == 0;
    if (w->rx.len + len > max || (!final && w->rx.len + len + lws_remaining_packet_payload(w->wsi) > max)) {
        /* Keep reading (and dropping) the rest while the close goes out, so the peer sees
         * the 1009 rather than a reset of a socket with unread data. */
        rt_buf_free(&w->rx);
        ws_close(w, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "Message too big", 1);
        return 0;
    }
    /* UTF-8 of text messages is checked here, on the whole message, rather than by lws: its
     * check hangs up with the peer's remaining fragments unread, and the reset loses the 1007. */
    int text = !lws_frame_is_binary(w->wsi);
    if (final && w->rx.len == 0) {
        if (text && !rt_utf8_valid(in, len))
            ws_close(w, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "Invalid UTF-8", 1);
        else
            w->net->group->ws.message(w->session, in, len);
        return 0;
    }
    if (rt_buf_append(&w->rx, in, len) < 0) {
        w->close_sent = true;
        queue_clear(w);
        lws_close_reason(w->wsi, (enum lws_close_status)4500, (unsigned char *)"Internal error", 14);
        return -1;
    }
    if (final) {
        if (text && !rt_utf8_valid(w->rx.data, w->rx.len))
            ws_close(w, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "Invalid UTF-8", 1);
        else
            w->net->group->ws.message(w->session, w->rx.data, w->rx.len);
        /* Fragmented messages are rare (a long subscribe): nothing is kept between them. */
        rt_buf_free(&w->rx);
    }
    return 0;
}

int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, net_pss_t *pss, void *in, size_t len)
{
    net_ws_t *w = pss ? pss->ws : NULL;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: return ws_established(wsi, pss);
    case LWS_CALLBACK_RECEIVE:
        if (w && w->close_sent)
            return 0;
        return w ? ws_receive(w, in, len) : -1;
    case LWS_CALLBACK_RECEIVE_PONG:
        if (w) {
            w->last_rx = rt_mono_now();
            w->ping_out = false;
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (w && w->guard.failed && !w->closing) {
            rt_log_info("net", "closing a connection that broke the WebSocket framing rules (1002)");
            ws_close(w, LWS_CLOSE_STATUS_PROTOCOL_ERR, "Protocol error", 0);
        }
        return w && !w->close_sent ? flush(w, 1) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* A 1-byte close payload is a protocol error (RFC 6455 5.5.1) that lws would echo as if
         * it were well formed. The frame guard cuts it out before lws sees it; a build without
         * the guard answers it here. */
        if (len == 1) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)"Protocol error", 14);
            return -1;
        }
        /* lws echoes the payload and turns the reserved codes below 3000 into 1002 itself, but
         * not codes above 4999, which RFC 6455 7.4 leaves undefined: those are 1002 too. */
        if (len >= 2 && (((unsigned char *)in)[0] << 8 | ((unsigned char *)in)[1]) > 4999) {
            unsigned char *p = in;
            p[0] = LWS_CLOSE_STATUS_PROTOCOL_ERR >> 8;
            p[1] = LWS_CLOSE_STATUS_PROTOCOL_ERR & 0xff;
        }
        /* A reason that is not UTF-8 becomes 1007 with the reason blanked (the payload is lws's
         * buffer, its length cannot change). */
        if (len > 2 && !rt_utf8_valid((const char *)in + 2, len - 2)) {
            unsigned char *p = in;
            p[0] = LWS_CLOSE_STATUS_INVALID_PAYLOAD >> 8;
            p[1] = LWS_CLOSE_STATUS_INVALID_PAYLOAD & 0xff;
            memset(p + 2, ' ', len - 2);
        }
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (w) {
            pss->ws = NULL;
            ws_closed(w);
        }
        return 0;
    default: return 0;
    }
}

void net_ws_sweep(net_loop_t *n, rt_mono_t now)
{
    int interval = n->srv->cfg.ping_interval_ms;
    rt_wall_t wall = rt_wall_now();
    for (net_ws_t *w = n->conns, *next; w; w = next) {
        next = w->next;
        if (w->closing || !w->wsi)
            continue;
        int64_t silent = rt_mono_ms_between(w->last_rx, now);
        if (silent >= 2 * (int64_t)interval) {
            rt_log_info("net", "dropping a peer silent for %lld ms", (long long)silent);
            lws_set_timeout(w->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
            continue;
        }
        if (silent >= interval && !w->ping_out) {
            w->ping_out = true;
            /* libwebsockets 4.1 does not report empty pongs: give the ping a payload. */
            net_qitem_t it = {.kind = NQ_PING, .tail = "rt", .tail_len = 2};
            if (queue_push(w, &it) == 0)
                mark_dirty(w);
        }
        n->group->ws.tick(w->session, wall, now);
        /* An idle connection keeps no queue: a burst grows it, the next sweep gives it back. */
        if (!w->qlen && w->q && !w->dirty_ix) {
            free(w->q);
            w->q = NULL;
            w->qcap = w->qhead = 0;
        }
    }
}

void net_ws_close_all(net_loop_t *n, int code, const char *reason)
{
    for (net_ws_t *w = n->conns; w; w = w->next)
        ws_close(w, code, reason, 0);
}

#ifdef RT_WS_GUARD
/* Every read lws makes passes here: the link wraps lws_ssl_capable_read (CMakeLists.txt,
 * RT_WS_GUARD), so the bytes of an established connection, decrypted when TLS is on, go through
 * its frame guard before lws parses them. A violation closes with 1002 (docs/protocol.md). */
int __real_lws_ssl_capable_read(struct lws *wsi, unsigned char *buf, int len);
int __wrap_lws_ssl_capable_read(struct lws *wsi, unsigned char *buf, int len);
/* lws 4.1's private "read again later" answer (lib/core-net/private-lib-core-net.h). */
#define NET_LWS_READ_AGAIN (-4)

static int guarded_read(void *wsi, uint8_t *buf, int len) { return __real_lws_ssl_capable_read(wsi, buf, len); }

int __wrap_lws_ssl_capable_read(struct lws *wsi, unsigned char *buf, int len)
{
    net_pss_t *pss = lws_wsi_user(wsi);
    net_ws_t *w = pss ? pss->ws : NULL;
    if (!w || w->wsi != wsi) {
        int n = __real_lws_ssl_capable_read(wsi, buf, len);
        if (n > 0) {
            net_loop_t *loop = lws_context_user(lws_get_context(wsi));
            loop->rd_wsi = wsi;
            loop->rd_after = 0;
            for (int i = 0; i + 4 <= n; i++)
                if (!memcmp(buf + i, "\r\n\r\n", 4)) {
                    loop->rd_after = (size_t)(n - i - 4);
                    break;
                }
        }
        return n;
    }
    int n = net_wsguard_read(&w->guard, buf, len, guarded_read, wsi);
    if (w->guard.failed && w->close_sent && net_wsguard_dead(&w->guard))
        return -1; /* the peer's close answer cannot be found in a stream without frame ends */
    if (w->guard.failed && !w->closing)
        /* The close waits for the writeable callback: the frames before the offending one are
         * parsed by lws after this read, and their answers go out before the close. */
        lws_callback_on_writable(wsi);
    /* Nothing left for lws (held back or cut out): "read again later", not end of stream. */
    return n == NET_WSGUARD_NOTHING ? NET_LWS_READ_AGAIN : n;
}
#endif

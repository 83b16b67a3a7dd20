/* WebSocket connections: message reassembly with the size limit, the bounded outgoing queue
 * (refcounted frames, written straight away when the socket has room, else on WRITEABLE),
 * init timeout, keep-alive pings, and the calls into the session handler the wiring layer set
 * (net_ws_handler_t: the WebSocket protocols). */
#include <stdlib.h>
#include <string.h>

#include "net/net_int.h"
#include "util/util_log.h"
#include "util/util_utf8.h"

#define NET_RX_KEEP 1024 /* reassembly buffers larger than this are freed after each message */

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

/* Writes queued items while the socket takes them. Outside the connection's own WRITEABLE
 * callback a close cannot be performed, so it is left for that callback. Returns -1 when the
 * connection must be closed now (only ever inside its WRITEABLE callback). */
static int flush(net_ws_t *w, int in_writeable)
{
    net_loop_t *n = w->net;
    while (w->qlen && w->wsi) {
        net_qitem_t *it = &w->q[w->qhead];
        if (it->kind == NQ_CLOSE) {
            if (!in_writeable)
                break;
            /* Return -1 once only: lws then sends the close frame and waits for the peer's
             * ack; a second -1 while it waits would kill the socket (the peer sees 1006). */
            item_release(it);
            w->qhead = (w->qhead + 1) % w->qcap;
            w->qlen--;
            w->close_sent = true;
            lws_close_reason(w->wsi, (enum lws_close_status)w->close_code, (unsigned char *)w->close_reason,
                             strlen(w->close_reason));
            return -1;
        }
        if (lws_send_pipe_choked(w->wsi))
            break;
        size_t len = item_len(it);
        if (rt_buf_reserve(&n->scratch, LWS_PRE + len) < 0)
            return in_writeable ? -1 : 0;
        unsigned char *p = (unsigned char *)n->scratch.data + LWS_PRE;
        size_t off = 0;
        if (it->own) {
            memcpy(p, it->own, len);
            off = len;
        } else {
            if (it->head) {
                memcpy(p, it->head->data, it->head->len);
                off += it->head->len;
            }
            if (it->body) {
                memcpy(p + off, it->body->data, it->body->len);
                off += it->body->len;
            }
            if (it->tail_len) {
                memcpy(p + off, it->tail, it->tail_len);
                off += it->tail_len;
            }
        }
        int wrote = lws_write(w->wsi, p, off, it->kind == NQ_PING ? LWS_WRITE_PING : LWS_WRITE_TEXT);
        w->qbytes -= len;
        atomic_fetch_sub_explicit(&n->srv->metrics.queue_bytes, (long)len, memory_order_relaxed);
        item_release(it);
        w->qhead = (w->qhead + 1) % w->qcap;
        w->qlen--;
        if (wrote < (int)off)
            return in_writeable ? -1 : 0;
    }
    if (w->qlen && w->wsi)
        lws_callback_on_writable(w->wsi);
    return 0;
}

static void ws_close(void *io_ctx, int code, const char *reason, int drop_queue)
{
    net_ws_t *w = io_ctx;
    if (w->closing || !w->wsi)
        return;
    w->closing = true;
    w->close_code = code;
    snprintf(w->close_reason, sizeof w->close_reason, "%s", reason ? reason : "");
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
    flush(w, 0);
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

static int ws_established(struct lws *wsi, net_pss_t *pss)
{
    net_loop_t *n = lws_context_user(lws_get_context(wsi));
    net_ws_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->wsi = wsi;
    w->net = n;
    w->last_rx = rt_mono_now();

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
    } else if (n->draining)
        ws_close(w, 1001, "Going away", 1);
    else
        lws_set_timer_usecs(wsi, (lws_usec_t)n->srv->cfg.init_timeout_ms * LWS_US_PER_MS);
    return 0;
}

static void ws_closed(net_ws_t *w)
{
    net_loop_t *n = w->net;
    w->wsi = NULL;
    n->group->ws.close(w->session);
    queue_clear(w);
    free(w->q);
    rt_buf_free(&w->rx);
    if (w->prev)
        w->prev->next = w->next;
    else
        n->conns = w->next;
    if (w->next)
        w->next->prev = w->prev;
    n->nconns--;
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
        if (w->rx.cap > NET_RX_KEEP)
            rt_buf_free(&w->rx);
        else
            rt_buf_reset(&w->rx);
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
    case LWS_CALLBACK_TIMER:
        if (w && !w->closing)
            w->net->group->ws.init_timeout(w->session);
        return 0;
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
                flush(w, 0);
        }
        n->group->ws.tick(w->session, wall, now);
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

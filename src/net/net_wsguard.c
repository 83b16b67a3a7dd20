/* The WebSocket frame guard: follows the frame boundaries of what a client sends, judges each
 * header as soon as its first two (or three) bytes are known, and cuts out of the stream what
 * libwebsockets must not act on. Pure byte logic, no lws: net_ws.c feeds it. */
#include "net/net_wsguard.h"

#include <string.h>

enum { G_HDR, G_EXT, G_MASK, G_PAYLOAD, G_DEAD };

enum { OP_CLOSE = 0x8 };

static size_t prefix_needed(const net_wsguard_t *g) { return g->held >= 2 && (g->hold[1] & 0x7f) == 127 ? 3 : 2; }

/* The rules lws checks too, judged here first so that the offending frame never reaches lws:
 * its own refusal leaves its parser inside the frame, where the peer's close answer is lost. */
static bool frame_breaks_rules(const net_wsguard_t *g, unsigned opcode, unsigned len7)
{
    bool fin = g->hold[0] & 0x80, rsv = g->hold[0] & 0x70; /* no extension is ever negotiated */
    if (rsv || (opcode > 2 && opcode < 8) || opcode > 10)
        return true;
    if (opcode & 8) /* control frames: whole, short, and a close payload is 0 or 2+ bytes */
        return !fin || len7 > 125 || (opcode == OP_CLOSE && len7 == 1);
    return opcode == 0 ? !g->in_msg : g->in_msg;
}

/* The verdict on a complete prefix, and the shape of the rest of the frame. */
static void judge(net_wsguard_t *g)
{
    unsigned opcode = g->hold[0] & 0x0f, len7 = g->hold[1] & 0x7f;
    bool masked = g->hold[1] & 0x80;
    if (len7 == 127 && (g->hold[2] & 0x80)) {
        /* No such length: the frame's end cannot be found, so nothing after it can be read. */
        g->failed = true;
        g->pass = false;
        g->state = G_DEAD;
        return;
    }
    bool bad = !masked || frame_breaks_rules(g, opcode, len7);
    if (bad)
        g->failed = true;
    else if (!(opcode & 8))
        g->in_msg = !(g->hold[0] & 0x80);
    g->pass = !bad && (!g->failed || opcode == OP_CLOSE);
    g->len = len7 < 126 ? len7 : len7 == 127 ? g->hold[2] : 0;
    g->ext = len7 < 126 ? 0 : len7 == 126 ? 2 : 7;
    g->mask = masked ? 4 : 0;
    g->state = g->ext ? G_EXT : g->mask ? G_MASK : g->len ? G_PAYLOAD : G_HDR;
}

/* The header's length and mask bytes are done: on to the payload, or the next frame. */
static void header_done(net_wsguard_t *g) { g->state = g->len ? G_PAYLOAD : G_HDR; }

size_t net_wsguard_filter(net_wsguard_t *g, uint8_t *p, size_t n)
{
    size_t out = 0, i = 0;
    /* out never passes i: what is kept moves toward the front, over bytes already read. */
    while (i < n) {
        switch (g->state) {
        case G_HDR:
            g->hold[g->held++] = p[i++];
            if (g->held < prefix_needed(g))
                break;
            judge(g);
            if (g->pass) {
                memmove(p + out, g->hold, g->held);
                out += g->held;
            }
            g->held = 0;
            break;
        case G_EXT:
            g->len = g->len << 8 | p[i];
            if (g->pass)
                p[out++] = p[i];
            i++;
            if (--g->ext == 0) {
                if (g->mask)
                    g->state = G_MASK;
                else
                    header_done(g);
            }
            break;
        case G_MASK:
            if (g->pass)
                p[out++] = p[i];
            i++;
            if (--g->mask == 0)
                header_done(g);
            break;
        case G_PAYLOAD: {
            size_t k = n - i < g->len ? n - i : (size_t)g->len;
            if (g->pass) {
                memmove(p + out, p + i, k);
                out += k;
            }
            i += k;
            g->len -= k;
            if (g->len == 0)
                g->state = G_HDR;
            break;
        }
        default: i = n; break;
        }
    }
    return out;
}

size_t net_wsguard_take_held(net_wsguard_t *g, uint8_t *out)
{
    size_t h = g->held;
    memcpy(out, g->hold, h);
    g->held = 0;
    return h;
}

bool net_wsguard_dead(const net_wsguard_t *g) { return g->state == G_DEAD; }

void net_wsguard_fail(net_wsguard_t *g)
{
    g->failed = true;
    g->pass = false;
    g->state = G_DEAD;
}

int net_wsguard_read(net_wsguard_t *g, uint8_t *buf, int len, net_wsguard_read_fn read, void *ctx)
{
    if (len <= 0)
        return read(ctx, buf, len);
    if (g->owed) {
        int k = g->owed < len ? g->owed : len;
        memcpy(buf, g->owe, (size_t)k);
        memmove(g->owe, g->owe + k, g->owed - (size_t)k);
        g->owed -= (uint8_t)k;
        return k;
    }
    size_t held = g->held;
    if ((size_t)len > held) {
        /* The usual case: read behind room for the held prefix, filter in place. */
        int n = read(ctx, buf + held, len - (int)held);
        if (n <= 0)
            return n;
        net_wsguard_take_held(g, buf);
        size_t out = net_wsguard_filter(g, buf, held + (size_t)n);
        return out ? (int)out : NET_WSGUARD_NOTHING;
    }
    /* A read shorter than the held prefix (TLS hands over what one record has left): one byte
     * at a time through a scratch buffer, owing what does not fit. */
    uint8_t tmp[NET_WSGUARD_PREFIX_MAX + 1];
    int n = read(ctx, tmp + held, 1);
    if (n <= 0)
        return n;
    net_wsguard_take_held(g, tmp);
    size_t out = net_wsguard_filter(g, tmp, held + 1);
    if (out == 0)
        return NET_WSGUARD_NOTHING;
    size_t k = out < (size_t)len ? out : (size_t)len;
    memcpy(buf, tmp, k);
    memcpy(g->owe, tmp + k, out - k);
    g->owed = (uint8_t)(out - k);
    return (int)k;
}

/* Incomplete requests: a list per network thread, oldest first, of the connections still sending
 * their request headers, kept in lws's per-connection opaque pointer so that completion and close
 * find their record without a lookup. */
#include "net/net_pending.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net_int.h"
#include "util/util_log.h"

struct net_pending {
    struct lws *wsi;
    net_loop_t *loop;
    rt_mono_t since;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    struct net_pending *prev, *next;
};

int net_pending_open(net_loop_t *l, struct lws *wsi)
{
    if (lws_get_opaque_user_data(wsi))
        return 0;
    net_pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->wsi = wsi;
    p->loop = l;
    p->since = rt_mono_now();
    p->peer_len = sizeof p->peer;
    if (getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&p->peer, &p->peer_len) < 0)
        p->peer_len = 0;
    p->prev = l->pending_tail;
    if (l->pending_tail)
        l->pending_tail->next = p;
    else
        l->pending_head = p;
    l->pending_tail = p;
    lws_set_opaque_user_data(wsi, p);
    return 0;
}

static void unlink_free(net_pending_t *p)
{
    net_loop_t *l = p->loop;
    if (p->prev)
        p->prev->next = p->next;
    else
        l->pending_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        l->pending_tail = p->prev;
    lws_set_opaque_user_data(p->wsi, NULL);
    free(p);
}

void net_pending_done(struct lws *wsi)
{
    net_pending_t *p = lws_get_opaque_user_data(wsi);
    if (p)
        unlink_free(p);
}

/* The address only (not the port): one client machine, however many connections it opens. */
static int same_peer(const net_pending_t *a, const net_pending_t *b)
{
    const struct sockaddr *sa = (const struct sockaddr *)&a->peer, *sb = (const struct sockaddr *)&b->peer;
    if (!a->peer_len || !b->peer_len || sa->sa_family != sb->sa_family)
        return 0;
    if (sa->sa_family == AF_INET)
        return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == ((const struct sockaddr_in *)sb)->sin_addr.s_addr;
    if (sa->sa_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &((const struct sockaddr_in6 *)sb)->sin6_addr,
                       sizeof(struct in6_addr));
    return 0;
}

static void close_late(net_pending_t *p)
{
    struct lws *wsi = p->wsi;
    unlink_free(p);
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
}

void net_pending_sweep(net_loop_t *l, rt_mono_t now)
{
    const rt_config_t *cfg = &l->srv->cfg;
    /* Requests past the grace may hold at most half of this thread's header buffers, so fresh
     * requests always find one; the kept ones are the oldest, the killed ones the newest. */
    net_pending_t *kept[NET_HEADER_POOL / 2];
    int nkept = 0, killed = 0;
    for (net_pending_t *p = l->pending_head, *next; p; p = next) {
        next = p->next;
        int64_t age = rt_mono_ms_between(p->since, now);
        if (age < NET_PENDING_GRACE_MS)
            break; /* oldest first: the rest are younger */
        if (cfg->header_timeout_ms > 0 && age >= cfg->header_timeout_ms) {
            close_late(p);
            killed++;
            continue;
        }
        int same = 0;
        for (int i = 0; i < nkept; i++)
            same += same_peer(kept[i], p);
        if (nkept == NET_HEADER_POOL / 2 ||
            (cfg->max_pending_per_address > 0 && same >= cfg->max_pending_per_address)) {
            close_late(p);
            killed++;
        } else {
            kept[nkept++] = p;
        }
    }
    if (killed)
        rt_log_warn("net", "closed %d connections whose request headers were late or over the limits", killed);
}

void net_pending_free_all(net_loop_t *l)
{
    while (l->pending_head)
        unlink_free(l->pending_head);
}

/* Failure counters in one map keyed "i\x1f<id>" / "a\x1f<address>" under one mutex. The map is
 * swept of expired windows whenever it doubles, so its size follows the active attackers, not
 * every address ever seen. */
#include "auth/auth_limit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util_buf.h"
#include "util/util_map.h"

#define SWEEP_MIN 1024

typedef struct {
    rt_mono_t start; /* first failure of the current window */
    int failures;
} lim_entry_t;

struct auth_limit {
    pthread_mutex_t lock;
    rt_map_t *m;
    int max_id, max_addr;
    int64_t window_ms;
    size_t next_sweep;
};

auth_limit_t *auth_limit_new(int max_per_id, int max_per_addr, int64_t window_ms)
{
    auth_limit_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (!(l->m = rt_map_new())) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    l->max_id = max_per_id;
    l->max_addr = max_per_addr;
    l->window_ms = window_ms > 0 ? window_ms : 1;
    l->next_sweep = SWEEP_MIN;
    return l;
}

void auth_limit_free(auth_limit_t *l)
{
    if (!l)
        return;
    rt_map_free(l->m, free);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

static size_t make_key(char *buf, size_t cap, char tag, const char *s)
{
    size_t n = strlen(s);
    if (n > cap - 2)
        n = cap - 2; /* ids and addresses are bounded far below this */
    buf[0] = tag;
    buf[1] = '\x1f';
    memcpy(buf + 2, s, n);
    return n + 2;
}

static bool expired(const auth_limit_t *l, const lim_entry_t *e, rt_mono_t now)
{
    return rt_mono_ms_between(e->start, now) >= l->window_ms;
}

/* Under l->lock. */
static bool key_locked(auth_limit_t *l, char tag, const char *s, int max, rt_mono_t now)
{
    if (!s || max <= 0)
        return false;
    char key[512];
    size_t n = make_key(key, sizeof key, tag, s);
    lim_entry_t *e = rt_map_get(l->m, key, n);
    return e && !expired(l, e, now) && e->failures >= max;
}

bool auth_limit_locked(auth_limit_t *l, const char *id, const char *addr, rt_mono_t now)
{
    pthread_mutex_lock(&l->lock);
    bool r = key_locked(l, 'i', id, l->max_id, now) || key_locked(l, 'a', addr, l->max_addr, now);
    pthread_mutex_unlock(&l->lock);
    return r;
}

typedef struct {
    auth_limit_t *l;
    rt_mono_t now;
    rt_buf_t keys; /* expired keys: length (size_t) then bytes */
} sweep_t;

static void sweep_one(void *ctx, const void *key, size_t len, void *val)
{
    sweep_t *s = ctx;
    if (expired(s->l, val, s->now)) {
        rt_buf_append(&s->keys, &len, sizeof len);
        rt_buf_append(&s->keys, key, len);
    }
}

/* Under l->lock: drops expired windows (a failed allocation only delays the sweep). */
static void sweep(auth_limit_t *l, rt_mono_t now)
{
    sweep_t s = {.l = l, .now = now, .keys = RT_BUF_INIT};
    rt_map_foreach(l->m, sweep_one, &s);
    for (size_t off = 0; off + sizeof(size_t) <= s.keys.len;) {
        size_t len;
        memcpy(&len, s.keys.data + off, sizeof len);
        off += sizeof len;
        free(rt_map_remove(l->m, s.keys.data + off, len));
        off += len;
    }
    rt_buf_free(&s.keys);
    size_t n = rt_map_count(l->m);
    l->next_sweep = n * 2 > SWEEP_MIN ? n * 2 : SWEEP_MIN;
}

/* Under l->lock. */
static void key_fail(auth_limit_t *l, char tag, const char *s, int max, rt_mono_t now)
{
    if (!s || max <= 0)
        return;
    char key[512];
    size_t n = make_key(key, sizeof key, tag, s);
    lim_entry_t *e = rt_map_get(l->m, key, n);
    if (!e) {
        if (rt_map_count(l->m) >= l->next_sweep)
            sweep(l, now);
        if (!(e = calloc(1, sizeof *e)))
            return;
        if (rt_map_put(l->m, key, n, e, NULL) != 0) {
            free(e);
            return;
        }
        e->start = now;
    } else if (expired(l, e, now)) {
        e->start = now;
        e->failures = 0;
    }
    e->failures++;
}

void auth_limit_fail(auth_limit_t *l, const char *id, const char *addr, rt_mono_t now)
{
    pthread_mutex_lock(&l->lock);
    key_fail(l, 'i', id, l->max_id, now);
    key_fail(l, 'a', addr, l->max_addr, now);
    pthread_mutex_unlock(&l->lock);
}

size_t auth_limit_count(auth_limit_t *l)
{
    pthread_mutex_lock(&l->lock);
    size_t n = rt_map_count(l->m);
    pthread_mutex_unlock(&l->lock);
    return n;
}

/* Copies [s, s+n) trimmed of blanks and of an IPv4-mapped IPv6 prefix. */
static void copy_addr(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    static const char mapped[] = "::ffff:";
    if (n > sizeof mapped - 1 && strncasecmp(s, mapped, sizeof mapped - 1) == 0 && memchr(s, '.', n))
        s += sizeof mapped - 1, n -= sizeof mapped - 1;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static bool is_trusted(const char *trusted, const char *addr)
{
    if (!trusted || !*addr)
        return false;
    for (const char *p = trusted; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char one[64];
        copy_addr(p, n, one, sizeof one);
        if (*one && strcmp(one, addr) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

const char *auth_limit_client_addr(const char *trusted, const char *peer, const char *xff, char *out, size_t cap)
{
    out[0] = '\0';
    if (!peer || cap < 2)
        return out;
    copy_addr(peer, strlen(peer), out, cap);
    if (!xff || !is_trusted(trusted, out))
        return out;
    /* Walk the list from the right: each hop was appended by the proxy before it. */
    size_t end = strlen(xff);
    char hop[64];
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        copy_addr(xff + start, end - start, hop, sizeof hop);
        if (*hop) {
            memcpy(out, hop, strlen(hop) + 1 < cap ? strlen(hop) + 1 : cap);
            out[cap - 1] = '\0';
            if (!is_trusted(trusted, hop))
                return out;
        }
        end = start ? start - 1 : 0;
    }
    return out;
}

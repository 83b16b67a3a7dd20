/* Failed-verification limits: counts failures per credential id and per peer address in a
 * fixed window that starts at the first failure, so that guessing is throttled and one id's
 * flood cannot starve other logins (docs/authentication.md). Also resolves the peer address
 * through trusted proxies. Thread-safe. */
#ifndef RT_AUTH_LIMIT_H
#define RT_AUTH_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util_clock.h"

typedef struct auth_limit auth_limit_t;

/* max_per_id / max_per_addr: failures per window before refusing (0: no limit on that key).
 * Caller owns the result (auth_limit_free); NULL on OOM. */
auth_limit_t *auth_limit_new(int max_per_id, int max_per_addr, int64_t window_ms);
void auth_limit_free(auth_limit_t *l);

/* True when the credential `id` (kind-qualified by the caller) or the address `addr` reached
 * its limit in the current window. Either may be NULL (not checked). */
bool auth_limit_locked(auth_limit_t *l, const char *id, const char *addr, rt_mono_t now);
/* Counts one failed verification against `id` and `addr` (either may be NULL). */
void auth_limit_fail(auth_limit_t *l, const char *id, const char *addr, rt_mono_t now);
/* Entries tracked now (for tests: expired ones are dropped as the map grows). */
size_t auth_limit_count(auth_limit_t *l);

/* The address whose failures count: `peer` itself unless it is listed in `trusted` (a
 * comma-separated list of IP addresses), in which case the right-most X-Forwarded-For entry that
 * is not a trusted proxy (all trusted: the left-most). Writes it to out (NUL-terminated,
 * truncated to cap) and returns out; "" when peer is NULL. IPv4-mapped IPv6 peers compare as
 * their IPv4 address. */
const char *auth_limit_client_addr(const char *trusted, const char *peer, const char *xff, char *out, size_t cap);

#endif

/* Cluster mode's store: node state and the change log in Redis, shared by every server
 * process; each process follows the log so that all changes reach its feed in log order. */
#ifndef RT_STORE_REDIS_H
#define RT_STORE_REDIS_H

#include "store/store.h"

typedef struct store_redis_opts {
    const char *url;    /* redis://host:port[/db] */
    long retention_sec; /* log entries older than this are trimmed */
    long retention_max; /* at most about this many entries are kept (XADD MAXLEN ~) */
    const gql_schema_t *nodes;
    const gql_schema_t *directory;
} store_redis_opts_t;

/* NULL when Redis cannot be reached (logged). Caller owns the store (store_close).
 * Durability is Redis's: run it with appendonly yes and appendfsync always for docs/ingestion.md's
 * guarantee. Changes reach store_watch's callback from every server, this one's included
 * (results carry via_watch). */
store_t *store_redis_open(const store_redis_opts_t *o);

/* For tests of the transaction's guard: called on the writer thread after the WATCH of an
 * attempt, and again once its changes are computed, just before MULTI/EXEC. */
enum { STORE_REDIS_HOOK_WATCHED = 1, STORE_REDIS_HOOK_COMPUTED = 2 };
typedef void (*store_redis_hook_fn)(void *ctx, int phase);
/* Set before the first submit; NULL removes it. */
void store_redis_set_hook(store_t *s, store_redis_hook_fn fn, void *ctx);

#endif

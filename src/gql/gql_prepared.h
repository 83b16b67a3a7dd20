/* Interned prepared operations: one parsed and validated document per distinct (schema, limits,
 * operation name, query text), shared by every request that sends it and freed with its last
 * user. Subscriptions with the same coerced variables (or none) share the whole request too
 * (root field facts, plan, selection key); any other request owns only its variables and root
 * facts. bench/MEMORY.md has what this saves per connection. */
#ifndef RT_GQL_PREPARED_H
#define RT_GQL_PREPARED_H

#include <stddef.h>

#include "gql/gql.h"

typedef struct gql_prepared_cache gql_prepared_cache_t;

/* Caller owns the cache (gql_prepared_cache_free). NULL when memory runs out. */
gql_prepared_cache_t *gql_prepared_cache_new(void);
/* Frees the cache; every request prepared through it must have been freed before. */
void gql_prepared_cache_free(gql_prepared_cache_t *c);
/* Distinct prepared operations alive (for tests and metrics). */
size_t gql_prepared_cache_count(gql_prepared_cache_t *c);

/* gql_request_prepare (same arguments, results and ownership: free with gql_request_free) through
 * the cache; a NULL cache prepares a private request. Thread-safe. */
int gql_request_prepare_shared(gql_prepared_cache_t *c, const gql_schema_t *schema, const char *query, size_t len,
                               json_object *variables, const char *operation_name, const gql_limits_t *limits,
                               gql_request_t **out, json_object **errors);

#endif

/* Bump allocator that owns every node and string of one parsed document: nodes are never freed
 * one by one, the whole arena goes at once with gql_arena_free. */
#ifndef RT_GQL_ARENA_H
#define RT_GQL_ARENA_H

#include <stddef.h>

typedef struct gql_arena gql_arena_t;

gql_arena_t *gql_arena_new(void);
/* Same, with a first chunk of about first_chunk bytes: a document held by a long-lived
 * subscription should not keep a mostly empty 4 KiB chunk alive. */
gql_arena_t *gql_arena_new_sized(size_t first_chunk);
/* Zeroed, 16-byte aligned memory owned by the arena; NULL when memory runs out. */
void *gql_arena_alloc(gql_arena_t *a, size_t size);
/* Copy of s[0..len) plus a NUL, owned by the arena. */
char *gql_arena_strndup(gql_arena_t *a, const char *s, size_t len);
void gql_arena_free(gql_arena_t *a);

#endif

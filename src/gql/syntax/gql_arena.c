/* Arena for AST nodes: a chain of chunks, each grown geometrically, so a document costs a
 * handful of mallocs however many nodes it has. */
#include "gql/syntax/gql_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct gql_chunk {
    struct gql_chunk *prev;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} gql_chunk_t;

struct gql_arena {
    gql_chunk_t *head;
    size_t next_cap;
};

gql_arena_t *gql_arena_new_sized(size_t first_chunk)
{
    gql_arena_t *a = calloc(1, sizeof *a);
    if (a)
        a->next_cap = first_chunk < 256 ? 256 : first_chunk > 4096 ? 4096 : first_chunk;
    return a;
}

gql_arena_t *gql_arena_new(void) { return gql_arena_new_sized(4096); }

void *gql_arena_alloc(gql_arena_t *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    gql_chunk_t *c = a->head;
    if (!c || c->cap - c->used < size) {
        if (size > SIZE_MAX / 4)
            return NULL;
        size_t cap = a->next_cap;
        while (cap < size)
            cap *= 2;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->prev = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
        if (a->next_cap < (1u << 20))
            a->next_cap *= 2;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *gql_arena_strndup(gql_arena_t *a, const char *s, size_t len)
{
    char *p = gql_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void gql_arena_free(gql_arena_t *a)
{
    if (!a)
        return;
    gql_chunk_t *c = a->head;
    while (c) {
        gql_chunk_t *prev = c->prev;
        free(c);
        c = prev;
    }
    free(a);
}

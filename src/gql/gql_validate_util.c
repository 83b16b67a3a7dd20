/* Validation helpers: an arena for the pass, graphql-js-shaped error objects, type predicates
 * over the schema tables (suggestions live in
 * gql_suggest.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate.h"
#include "gql/gql_validate_int.h"

struct gql_v_block {
    struct gql_v_block *next;
    size_t used, cap;
    max_align_t data[];
};

void *gql_v_alloc(gql_v_ctx_t *ctx, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    gql_v_block_t *b = ctx->arena;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > 16384 ? size : 16384;
        b = malloc(sizeof *b + cap);
        if (!b) {
            ctx->oom = true;
            ctx->aborted = true;
            return NULL;
        }
        b->next = ctx->arena;
        b->used = 0;
        b->cap = cap;
        ctx->arena = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void gql_v_free_all(gql_v_ctx_t *ctx)
{
    gql_v_block_t *b = ctx->arena;
    while (b) {
        gql_v_block_t *n = b->next;
        free(b);
        b = n;
    }
    ctx->arena = NULL;
}

static uint64_t gql_v_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint64_t gql_v_map_hash(const gql_v_map_t *m, const void *a, const void *b)
{
    if (m->kind == V_MAP_STR)
        return gql_v_hash_str(a) * 31 + gql_v_hash_str(b) + (b != NULL);
    uint64_t x = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)b * 0xC2B2AE3D27D4EB4Full;
    return x ^ (x >> 29);
}

static bool gql_v_map_eq(const gql_v_map_t *m, const gql_v_map_slot_t *s, const void *a, const void *b)
{
    if (m->kind == V_MAP_PTR)
        return s->a == a && s->b == b;
    if (strcmp(s->a, a) != 0)
        return false;
    if (!s->b || !b)
        return s->b == b;
    return strcmp(s->b, b) == 0;
}

gql_v_map_slot_t *gql_v_map_get(const gql_v_map_t *m, const void *a, const void *b)
{
    if (!m->cap)
        return NULL;
    size_t i = (size_t)gql_v_map_hash(m, a, b) & (m->cap - 1);
    while (m->slots[i].used) {
        if (gql_v_map_eq(m, &m->slots[i], a, b))
            return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

gql_v_map_slot_t *gql_v_map_put(gql_v_ctx_t *ctx, gql_v_map_t *m, const void *a, const void *b, void *val)
{
    gql_v_map_slot_t *s = gql_v_map_get(m, a, b);
    if (s) {
        s->val = val;
        return s;
    }
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        gql_v_map_slot_t *old = m->slots;
        size_t ocap = m->cap;
        m->slots = gql_v_alloc(ctx, ncap * sizeof *m->slots);
        if (!m->slots)
            return NULL;
        m->cap = ncap;
        m->n = 0;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].used)
                gql_v_map_put(ctx, m, old[i].a, old[i].b, old[i].val);
    }
    size_t i = (size_t)gql_v_map_hash(m, a, b) & (m->cap - 1);
    while (m->slots[i].used)
        i = (i + 1) & (m->cap - 1);
    s = &m->slots[i];
    s->used = true;
    s->a = a;
    s->b = b;
    s->val = val;
    m->n++;
    return s;
}

char *gql_v_strdup(gql_v_ctx_t *ctx, const char *s)
{
    size_t n = strlen(s);
    char *p = gql_v_alloc(ctx, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

int gql_v_grow(gql_v_ctx_t *ctx, void **arr, int *cap, int need, size_t el)
{
    if (need < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 8;
    while (ncap <= need)
        ncap *= 2;
    void *n = gql_v_alloc(ctx, (size_t)ncap * el);
    if (!n)
        return -1;
    if (*arr && *cap)
        memcpy(n, *arr, (size_t)*cap * el);
    *arr = n;
    *cap = ncap;
    return 0;
}

static json_object *gql_v_error_obj(const char *message, const gql_loc_t *const *locs, int n)
{
    json_object *e = json_object_new_object();
    if (!e)
        return NULL;
    json_object_object_add(e, "message", json_object_new_string(message));
    if (n > 0) {
        json_object *arr = json_object_new_array();
        for (int i = 0; i < n; i++) {
            json_object *l = json_object_new_object();
            json_object_object_add(l, "line", json_object_new_int((int)locs[i]->line));
            json_object_object_add(l, "column", json_object_new_int((int)locs[i]->column));
            json_object_array_add(arr, l);
        }
        json_object_object_add(e, "locations", arr);
    }
    return e;
}

int gql_v_report(gql_v_ctx_t *ctx, const char *message, const gql_loc_t *const *locs, int n)
{
    if (ctx->aborted)
        return -1;
    if (ctx->nerrors >= GQL_VALIDATE_MAX_ERRORS) {
        json_object *e =
            gql_v_error_obj("Too many validation errors, error limit reached. Validation aborted.", NULL, 0);
        if (!e || json_object_array_add(ctx->errors, e) != 0) {
            json_object_put(e);
            ctx->oom = true;
        } else {
            ctx->nerrors++;
        }
        ctx->aborted = true;
        return -1;
    }
    json_object *e = gql_v_error_obj(message, locs, n);
    if (!e || json_object_array_add(ctx->errors, e) != 0) {
        json_object_put(e);
        ctx->oom = true;
        ctx->aborted = true;
        return -1;
    }
    ctx->nerrors++;
    return 0;
}

int gql_v_abort_validation(gql_v_ctx_t *ctx)
{
    if (ctx->aborted)
        return -1;
    json_object *e = gql_v_error_obj("Validation aborted.", NULL, 0);
    if (!e || json_object_array_add(ctx->errors, e) != 0) {
        json_object_put(e);
        ctx->oom = true;
    } else {
        ctx->nerrors++;
    }
    ctx->aborted = true;
    return -1;
}

int gql_v_enter_fragment(gql_v_ctx_t *ctx)
{
    if (ctx->fragment_depth >= V_MAX_FRAGMENT_DEPTH)
        return gql_v_abort_validation(ctx);
    ctx->fragment_depth++;
    return 0;
}

void gql_v_leave_fragment(gql_v_ctx_t *ctx) { ctx->fragment_depth--; }

int gql_v_spend_fragment_work(gql_v_ctx_t *ctx, long cost)
{
    ctx->fragment_work -= cost;
    return ctx->fragment_work < 0 ? gql_v_abort_validation(ctx) : 0;
}

int gql_v_report1(gql_v_ctx_t *ctx, const char *message, const gql_loc_t *loc)
{
    const gql_loc_t *l[1] = {loc};
    return gql_v_report(ctx, message, l, 1);
}

int gql_v_report2(gql_v_ctx_t *ctx, const char *message, const gql_loc_t *a, const gql_loc_t *b)
{
    const gql_loc_t *l[2] = {a, b};
    return gql_v_report(ctx, message, l, 2);
}

const char *gql_v_msg(rt_buf_t *b) { return b->data ? rt_buf_cstr(b) : ""; }

int gql_v_push_ptr(gql_v_ctx_t *ctx, const void ***arr, int *n, int *cap, const void *p)
{
    if (gql_v_grow(ctx, (void **)arr, cap, *n, sizeof(void *)))
        return -1;
    (*arr)[(*n)++] = p;
    return 0;
}

bool gql_v_name_in(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* ---- types ---- */

const gql_type_t *gql_v_type(const gql_v_ctx_t *ctx, int idx)
{
    return idx >= 0 && idx < ctx->s->ntypes ? &ctx->s->types[idx] : NULL;
}

int gql_v_named_idx(vt_t t)
{
    while (t && t->wrap != GQL_TR_NAMED)
        t = t->of;
    return t ? t->named : -1;
}

vt_t gql_v_named(const gql_v_ctx_t *ctx, int idx) { return idx >= 0 && idx < ctx->s->ntypes ? &ctx->named[idx] : NULL; }

vt_t gql_v_nullable(vt_t t) { return t && t->wrap == GQL_TR_NON_NULL ? t->of : t; }

bool gql_v_is_nonnull(vt_t t) { return t && t->wrap == GQL_TR_NON_NULL; }
bool gql_v_is_list(vt_t t) { return t && t->wrap == GQL_TR_LIST; }

bool gql_v_idx_is_kind(const gql_v_ctx_t *ctx, int idx, gql_type_kind_t k)
{
    const gql_type_t *t = gql_v_type(ctx, idx);
    return t && t->kind == k;
}

bool gql_v_idx_is_composite(const gql_v_ctx_t *ctx, int idx)
{
    const gql_type_t *t = gql_v_type(ctx, idx);
    return t && (t->kind == GQL_TK_OBJECT || t->kind == GQL_TK_INTERFACE || t->kind == GQL_TK_UNION);
}

bool gql_v_idx_is_leaf(const gql_v_ctx_t *ctx, int idx)
{
    const gql_type_t *t = gql_v_type(ctx, idx);
    return t && (t->kind == GQL_TK_SCALAR || t->kind == GQL_TK_ENUM);
}

bool gql_v_idx_is_abstract(const gql_v_ctx_t *ctx, int idx)
{
    const gql_type_t *t = gql_v_type(ctx, idx);
    return t && (t->kind == GQL_TK_INTERFACE || t->kind == GQL_TK_UNION);
}

bool gql_v_idx_is_object(const gql_v_ctx_t *ctx, int idx) { return gql_v_idx_is_kind(ctx, idx, GQL_TK_OBJECT); }

bool gql_v_is_input(const gql_v_ctx_t *ctx, vt_t t)
{
    const gql_type_t *n = gql_v_type(ctx, gql_v_named_idx(t));
    return n && (n->kind == GQL_TK_SCALAR || n->kind == GQL_TK_ENUM || n->kind == GQL_TK_INPUT_OBJECT);
}

bool gql_v_is_output(const gql_v_ctx_t *ctx, vt_t t)
{
    const gql_type_t *n = gql_v_type(ctx, gql_v_named_idx(t));
    return n && n->kind != GQL_TK_INPUT_OBJECT;
}

int gql_v_print_type(const gql_v_ctx_t *ctx, rt_buf_t *b, vt_t t)
{
    if (!t)
        return rt_buf_puts(b, "undefined");
    switch (t->wrap) {
    case GQL_TR_NAMED: {
        const gql_type_t *n = gql_v_type(ctx, t->named);
        return rt_buf_puts(b, n ? n->name : "undefined");
    }
    case GQL_TR_LIST:
        if (rt_buf_putc(b, '[') || gql_v_print_type(ctx, b, t->of))
            return -1;
        return rt_buf_putc(b, ']');
    case GQL_TR_NON_NULL:
        if (gql_v_print_type(ctx, b, t->of))
            return -1;
        return rt_buf_putc(b, '!');
    }
    return 0;
}

vt_t gql_v_type_from_ast(gql_v_ctx_t *ctx, const gql_ast_type_t *t)
{
    if (!t)
        return NULL;
    if (t->kind == GQL_TYPE_NAMED)
        return gql_v_named(ctx, gql_schema_type_index(ctx->s, t->name.value));
    vt_t inner = gql_v_type_from_ast(ctx, t->of);
    if (!inner)
        return NULL;
    gql_typeref_t *r = gql_v_alloc(ctx, sizeof *r);
    if (!r)
        return NULL;
    r->wrap = t->kind == GQL_TYPE_LIST ? GQL_TR_LIST : GQL_TR_NON_NULL;
    r->named = -1;
    r->of = inner;
    return r;
}

bool gql_v_is_possible(const gql_v_ctx_t *ctx, int abstract, int sub)
{
    const gql_type_t *a = gql_v_type(ctx, abstract), *s = gql_v_type(ctx, sub);
    if (!a || !s)
        return false;
    if (a->kind == GQL_TK_UNION) {
        for (int i = 0; i < a->npossible; i++)
            if (a->possible_types[i] == sub)
                return true;
        return false;
    }
    if (a->kind != GQL_TK_INTERFACE)
        return false;
    if (s->kind != GQL_TK_OBJECT && s->kind != GQL_TK_INTERFACE)
        return false;
    for (int i = 0; i < s->ninterfaces; i++)
        if (s->interfaces[i] == abstract)
            return true;
    return false;
}

bool gql_v_types_overlap(const gql_v_ctx_t *ctx, int a, int b)
{
    if (a == b)
        return true;
    if (gql_v_idx_is_abstract(ctx, a)) {
        if (gql_v_idx_is_abstract(ctx, b)) {
            /* getPossibleTypes(a) are object types; isSubType(b, t) for each */
            for (int i = 0; i < ctx->s->ntypes; i++)
                if (gql_v_idx_is_object(ctx, i) && gql_v_is_possible(ctx, a, i) && gql_v_is_possible(ctx, b, i))
                    return true;
            return false;
        }
        return gql_v_is_possible(ctx, a, b);
    }
    if (gql_v_idx_is_abstract(ctx, b))
        return gql_v_is_possible(ctx, b, a);
    return false;
}

bool gql_v_is_subtype_of(const gql_v_ctx_t *ctx, vt_t sub, vt_t super)
{
    if (!sub || !super)
        return sub == super;
    if (sub == super)
        return true;
    if (sub->wrap == GQL_TR_NAMED && super->wrap == GQL_TR_NAMED && sub->named == super->named)
        return true;
    if (super->wrap == GQL_TR_NON_NULL) {
        if (sub->wrap == GQL_TR_NON_NULL)
            return gql_v_is_subtype_of(ctx, sub->of, super->of);
        return false;
    }
    if (sub->wrap == GQL_TR_NON_NULL)
        return gql_v_is_subtype_of(ctx, sub->of, super);
    if (super->wrap == GQL_TR_LIST) {
        if (sub->wrap == GQL_TR_LIST)
            return gql_v_is_subtype_of(ctx, sub->of, super->of);
        return false;
    }
    if (sub->wrap == GQL_TR_LIST)
        return false;
    return gql_v_idx_is_abstract(ctx, super->named) &&
           (gql_v_idx_is_kind(ctx, sub->named, GQL_TK_INTERFACE) || gql_v_idx_is_object(ctx, sub->named)) &&
           gql_v_is_possible(ctx, super->named, sub->named);
}

const gql_field_t *gql_v_field_def(const gql_v_ctx_t *ctx, int parent, const char *name)
{
    if (parent < 0)
        return NULL;
    if (parent == ctx->s->query_type && strcmp(name, "__schema") == 0)
        return &ctx->meta_schema;
    if (parent == ctx->s->query_type && strcmp(name, "__type") == 0)
        return &ctx->meta_type;
    if (strcmp(name, "__typename") == 0 && gql_v_idx_is_composite(ctx, parent))
        return &ctx->meta_typename;
    const gql_type_t *t = gql_v_type(ctx, parent);
    if (t && (t->kind == GQL_TK_OBJECT || t->kind == GQL_TK_INTERFACE)) {
        for (int i = 0; i < t->nfields; i++)
            if (strcmp(t->fields[i].name, name) == 0)
                return &t->fields[i];
    }
    return NULL;
}

const gql_ast_definition_t *gql_v_fragment(const gql_v_ctx_t *ctx, const char *name)
{
    const gql_v_map_slot_t *s = gql_v_map_get(&ctx->frag_map, name, NULL);
    return s ? s->val : NULL;
}

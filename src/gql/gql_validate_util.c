/* Validation helpers: an arena for the pass, graphql-js-shaped error objects, type predicates
 * over the schema tables (suggestions live in
 * gql_suggest.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate.h"
#include "gql/gql_validate_int.h"

struct v_block {
    struct v_block *next;
    size_t used, cap;
    max_align_t data[];
};

void *v_alloc(v_ctx_t *ctx, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    v_block_t *b = ctx->arena;
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

void v_free_all(v_ctx_t *ctx)
{
    v_block_t *b = ctx->arena;
    while (b) {
        v_block_t *n = b->next;
        free(b);
        b = n;
    }
    ctx->arena = NULL;
}

static uint64_t v_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint64_t v_map_hash(const v_map_t *m, const void *a, const void *b)
{
    if (m->kind == V_MAP_STR)
        return v_hash_str(a) * 31 + v_hash_str(b) + (b != NULL);
    uint64_t x = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)b * 0xC2B2AE3D27D4EB4Full;
    return x ^ (x >> 29);
}

static bool v_map_eq(const v_map_t *m, const v_map_slot_t *s, const void *a, const void *b)
{
    if (m->kind == V_MAP_PTR)
        return s->a == a && s->b == b;
    if (strcmp(s->a, a) != 0)
        return false;
    if (!s->b || !b)
        return s->b == b;
    return strcmp(s->b, b) == 0;
}

v_map_slot_t *v_map_get(const v_map_t *m, const void *a, const void *b)
{
    if (!m->cap)
        return NULL;
    size_t i = (size_t)v_map_hash(m, a, b) & (m->cap - 1);
    while (m->slots[i].used) {
        if (v_map_eq(m, &m->slots[i], a, b))
            return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

v_map_slot_t *v_map_put(v_ctx_t *ctx, v_map_t *m, const void *a, const void *b, void *val)
{
    v_map_slot_t *s = v_map_get(m, a, b);
    if (s) {
        s->val = val;
        return s;
    }
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        v_map_slot_t *old = m->slots;
        size_t ocap = m->cap;
        m->slots = v_alloc(ctx, ncap * sizeof *m->slots);
        if (!m->slots)
            return NULL;
        m->cap = ncap;
        m->n = 0;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].used)
                v_map_put(ctx, m, old[i].a, old[i].b, old[i].val);
    }
    size_t i = (size_t)v_map_hash(m, a, b) & (m->cap - 1);
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

char *v_strdup(v_ctx_t *ctx, const char *s)
{
    size_t n = strlen(s);
    char *p = v_alloc(ctx, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

int v_grow(v_ctx_t *ctx, void **arr, int *cap, int need, size_t el)
{
    if (need < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 8;
    while (ncap <= need)
        ncap *= 2;
    void *n = v_alloc(ctx, (size_t)ncap * el);
    if (!n)
        return -1;
    if (*arr && *cap)
        memcpy(n, *arr, (size_t)*cap * el);
    *arr = n;
    *cap = ncap;
    return 0;
}

static json_object *v_error_obj(const char *message, const gql_loc_t *const *locs, int n)
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

int v_report(v_ctx_t *ctx, const char *message, const gql_loc_t *const *locs, int n)
{
    if (ctx->aborted)
        return -1;
    if (ctx->nerrors >= GQL_VALIDATE_MAX_ERRORS) {
        json_object *e = v_error_obj("Too many validation errors, error limit reached. Validation aborted.", NULL, 0);
        if (!e || json_object_array_add(ctx->errors, e) != 0) {
            json_object_put(e);
            ctx->oom = true;
        } else {
            ctx->nerrors++;
        }
        ctx->aborted = true;
        return -1;
    }
    json_object *e = v_error_obj(message, locs, n);
    if (!e || json_object_array_add(ctx->errors, e) != 0) {
        json_object_put(e);
        ctx->oom = true;
        ctx->aborted = true;
        return -1;
    }
    ctx->nerrors++;
    return 0;
}

int v_abort_validation(v_ctx_t *ctx)
{
    if (ctx->aborted)
        return -1;
    json_object *e = v_error_obj("Validation aborted.", NULL, 0);
    if (!e || json_object_array_add(ctx->errors, e) != 0) {
        json_object_put(e);
        ctx->oom = true;
    } else {
        ctx->nerrors++;
    }
    ctx->aborted = true;
    return -1;
}

int v_enter_fragment(v_ctx_t *ctx)
{
    if (ctx->fragment_depth >= V_MAX_FRAGMENT_DEPTH)
        return v_abort_validation(ctx);
    ctx->fragment_depth++;
    return 0;
}

void v_leave_fragment(v_ctx_t *ctx) { ctx->fragment_depth--; }

int v_spend_fragment_work(v_ctx_t *ctx, long cost)
{
    ctx->fragment_work -= cost;
    return ctx->fragment_work < 0 ? v_abort_validation(ctx) : 0;
}

int v_report1(v_ctx_t *ctx, const char *message, const gql_loc_t *loc)
{
    const gql_loc_t *l[1] = {loc};
    return v_report(ctx, message, l, 1);
}

int v_report2(v_ctx_t *ctx, const char *message, const gql_loc_t *a, const gql_loc_t *b)
{
    const gql_loc_t *l[2] = {a, b};
    return v_report(ctx, message, l, 2);
}

const char *v_msg(rt_buf_t *b) { return b->data ? rt_buf_cstr(b) : ""; }

int v_push_ptr(v_ctx_t *ctx, const void ***arr, int *n, int *cap, const void *p)
{
    if (v_grow(ctx, (void **)arr, cap, *n, sizeof(void *)))
        return -1;
    (*arr)[(*n)++] = p;
    return 0;
}

bool v_name_in(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* ---- types ---- */

const gql_type_t *v_type(const v_ctx_t *ctx, int idx)
{
    return idx >= 0 && idx < ctx->s->ntypes ? &ctx->s->types[idx] : NULL;
}

int v_named_idx(vt_t t)
{
    while (t && t->wrap != GQL_TR_NAMED)
        t = t->of;
    return t ? t->named : -1;
}

vt_t v_named(const v_ctx_t *ctx, int idx) { return idx >= 0 && idx < ctx->s->ntypes ? &ctx->named[idx] : NULL; }

vt_t v_nullable(vt_t t) { return t && t->wrap == GQL_TR_NON_NULL ? t->of : t; }

bool v_is_nonnull(vt_t t) { return t && t->wrap == GQL_TR_NON_NULL; }
bool v_is_list(vt_t t) { return t && t->wrap == GQL_TR_LIST; }

bool v_idx_is_kind(const v_ctx_t *ctx, int idx, gql_type_kind_t k)
{
    const gql_type_t *t = v_type(ctx, idx);
    return t && t->kind == k;
}

bool v_idx_is_composite(const v_ctx_t *ctx, int idx)
{
    const gql_type_t *t = v_type(ctx, idx);
    return t && (t->kind == GQL_TK_OBJECT || t->kind == GQL_TK_INTERFACE || t->kind == GQL_TK_UNION);
}

bool v_idx_is_leaf(const v_ctx_t *ctx, int idx)
{
    const gql_type_t *t = v_type(ctx, idx);
    return t && (t->kind == GQL_TK_SCALAR || t->kind == GQL_TK_ENUM);
}

bool v_idx_is_abstract(const v_ctx_t *ctx, int idx)
{
    const gql_type_t *t = v_type(ctx, idx);
    return t && (t->kind == GQL_TK_INTERFACE || t->kind == GQL_TK_UNION);
}

bool v_idx_is_object(const v_ctx_t *ctx, int idx) { return v_idx_is_kind(ctx, idx, GQL_TK_OBJECT); }

bool v_is_input(const v_ctx_t *ctx, vt_t t)
{
    const gql_type_t *n = v_type(ctx, v_named_idx(t));
    return n && (n->kind == GQL_TK_SCALAR || n->kind == GQL_TK_ENUM || n->kind == GQL_TK_INPUT_OBJECT);
}

bool v_is_output(const v_ctx_t *ctx, vt_t t)
{
    const gql_type_t *n = v_type(ctx, v_named_idx(t));
    return n && n->kind != GQL_TK_INPUT_OBJECT;
}

int v_print_type(const v_ctx_t *ctx, rt_buf_t *b, vt_t t)
{
    if (!t)
        return rt_buf_puts(b, "undefined");
    switch (t->wrap) {
    case GQL_TR_NAMED: {
        const gql_type_t *n = v_type(ctx, t->named);
        return rt_buf_puts(b, n ? n->name : "undefined");
    }
    case GQL_TR_LIST:
        if (rt_buf_putc(b, '[') || v_print_type(ctx, b, t->of))
            return -1;
        return rt_buf_putc(b, ']');
    case GQL_TR_NON_NULL:
        if (v_print_type(ctx, b, t->of))
            return -1;
        return rt_buf_putc(b, '!');
    }
    return 0;
}

vt_t v_type_from_ast(v_ctx_t *ctx, const gql_ast_type_t *t)
{
    if (!t)
        return NULL;
    if (t->kind == GQL_TYPE_NAMED)
        return v_named(ctx, gql_schema_type_index(ctx->s, t->name.value));
    vt_t inner = v_type_from_ast(ctx, t->of);
    if (!inner)
        return NULL;
    gql_typeref_t *r = v_alloc(ctx, sizeof *r);
    if (!r)
        return NULL;
    r->wrap = t->kind == GQL_TYPE_LIST ? GQL_TR_LIST : GQL_TR_NON_NULL;
    r->named = -1;
    r->of = inner;
    return r;
}

bool v_is_possible(const v_ctx_t *ctx, int abstract, int sub)
{
    const gql_type_t *a = v_type(ctx, abstract), *s = v_type(ctx, sub);
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

bool v_types_overlap(const v_ctx_t *ctx, int a, int b)
{
    if (a == b)
        return true;
    if (v_idx_is_abstract(ctx, a)) {
        if (v_idx_is_abstract(ctx, b)) {
            /* getPossibleTypes(a) are object types; isSubType(b, t) for each */
            for (int i = 0; i < ctx->s->ntypes; i++)
                if (v_idx_is_object(ctx, i) && v_is_possible(ctx, a, i) && v_is_possible(ctx, b, i))
                    return true;
            return false;
        }
        return v_is_possible(ctx, a, b);
    }
    if (v_idx_is_abstract(ctx, b))
        return v_is_possible(ctx, b, a);
    return false;
}

bool v_is_subtype_of(const v_ctx_t *ctx, vt_t sub, vt_t super)
{
    if (!sub || !super)
        return sub == super;
    if (sub == super)
        return true;
    if (sub->wrap == GQL_TR_NAMED && super->wrap == GQL_TR_NAMED && sub->named == super->named)
        return true;
    if (super->wrap == GQL_TR_NON_NULL) {
        if (sub->wrap == GQL_TR_NON_NULL)
            return v_is_subtype_of(ctx, sub->of, super->of);
        return false;
    }
    if (sub->wrap == GQL_TR_NON_NULL)
        return v_is_subtype_of(ctx, sub->of, super);
    if (super->wrap == GQL_TR_LIST) {
        if (sub->wrap == GQL_TR_LIST)
            return v_is_subtype_of(ctx, sub->of, super->of);
        return false;
    }
    if (sub->wrap == GQL_TR_LIST)
        return false;
    return v_idx_is_abstract(ctx, super->named) &&
           (v_idx_is_kind(ctx, sub->named, GQL_TK_INTERFACE) || v_idx_is_object(ctx, sub->named)) &&
           v_is_possible(ctx, super->named, sub->named);
}

const gql_field_t *v_field_def(const v_ctx_t *ctx, int parent, const char *name)
{
    if (parent < 0)
        return NULL;
    if (parent == ctx->s->query_type && strcmp(name, "__schema") == 0)
        return &ctx->meta_schema;
    if (parent == ctx->s->query_type && strcmp(name, "__type") == 0)
        return &ctx->meta_type;
    if (strcmp(name, "__typename") == 0 && v_idx_is_composite(ctx, parent))
        return &ctx->meta_typename;
    const gql_type_t *t = v_type(ctx, parent);
    if (t && (t->kind == GQL_TK_OBJECT || t->kind == GQL_TK_INTERFACE)) {
        for (int i = 0; i < t->nfields; i++)
            if (strcmp(t->fields[i].name, name) == 0)
                return &t->fields[i];
    }
    return NULL;
}

const gql_ast_definition_t *v_fragment(const v_ctx_t *ctx, const char *name)
{
    const v_map_slot_t *s = v_map_get(&ctx->frag_map, name, NULL);
    return s ? s->val : NULL;
}

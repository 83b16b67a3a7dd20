/* Validation helpers: an arena for the pass, graphql-js-shaped error objects, type predicates
 * over the schema tables, and graphql-js's suggestionList / didYouMean / naturalCompare. */
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

/* ---- suggestions ---- */

static bool v_isdigit(int c) { return c >= '0' && c <= '9'; }

int v_natural_compare(const char *a, const char *b)
{
    size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
    while (ai < al && bi < bl) {
        int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (v_isdigit(ac) && v_isdigit(bc)) {
            double an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + (ac - '0');
                ac = ai < al ? (unsigned char)a[ai] : -1;
            } while (v_isdigit(ac) && an > 0);
            do {
                ++bi;
                bn = bn * 10 + (bc - '0');
                bc = bi < bl ? (unsigned char)b[bi] : -1;
            } while (v_isdigit(bc) && bn > 0);
            if (an < bn)
                return -1;
            if (an > bn)
                return 1;
        } else {
            if (ac < bc)
                return -1;
            if (ac > bc)
                return 1;
            ++ai;
            ++bi;
        }
    }
    return (int)((long)al - (long)bl);
}

/* UTF-16 code units of s as JavaScript sees the string, lower-cased the way toLowerCase() does
 * wherever that can matter against ASCII names: A-Z, KELVIN SIGN (to "k") and LATIN CAPITAL I
 * WITH DOT ABOVE (to "i" + U+0307). Other non-ASCII units are kept (they never equal an ASCII
 * unit either way). *n gets the unit count; *raw_len the count before lower-casing. */
static uint16_t *v_units(const char *s, size_t *n, size_t *raw_len)
{
    size_t len = strlen(s), k = 0, raw = 0;
    uint16_t *u = malloc((2 * len + 1) * sizeof *u);
    if (!u)
        return NULL;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t used = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < len) {
            cp = ((uint32_t)(c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            used = 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < len) {
            cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)((unsigned char)s[i + 1] & 0x3F) << 6) |
                 ((unsigned char)s[i + 2] & 0x3F);
            used = 3;
        } else if ((c & 0xF8) == 0xF0 && i + 3 < len) {
            cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)((unsigned char)s[i + 1] & 0x3F) << 12) |
                 ((uint32_t)((unsigned char)s[i + 2] & 0x3F) << 6) | ((unsigned char)s[i + 3] & 0x3F);
            used = 4;
        } else {
            cp = 0xFFFD;
        }
        i += used;
        if (cp >= 0x10000) {
            u[k++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            u[k++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            raw += 2;
            continue;
        }
        raw++;
        if (cp >= 'A' && cp <= 'Z') {
            u[k++] = (uint16_t)(cp + 32);
        } else if (cp == 0x212A) {
            u[k++] = 'k';
        } else if (cp == 0x0130) {
            u[k++] = 'i';
            u[k++] = 0x0307;
        } else {
            u[k++] = (uint16_t)cp;
        }
    }
    *n = k;
    if (raw_len)
        *raw_len = raw;
    return u;
}

/* LexicalDistance.measure over UTF-16 units; -1 for "undefined". */
static int v_lexical_distance(const char *input, const uint16_t *in, size_t il, const char *option, int threshold)
{
    if (strcmp(input, option) == 0)
        return 0;
    size_t ol;
    uint16_t *opt = v_units(option, &ol, NULL);
    if (!opt)
        return -1;
    int result = -1;
    int *rows = NULL;
    if (il == ol && memcmp(in, opt, il * sizeof *in) == 0) {
        result = 1;
        goto done;
    }
    const uint16_t *a = opt, *b = in;
    size_t alen = ol, blen = il;
    if (alen < blen) {
        a = in;
        b = opt;
        alen = il;
        blen = ol;
    }
    if ((long)alen - (long)blen > threshold)
        goto done;
    rows = malloc(3 * (blen + 1) * sizeof(int));
    if (!rows)
        goto done;
    int *r[3] = {rows, rows + blen + 1, rows + 2 * (blen + 1)};
    for (size_t j = 0; j <= blen; j++)
        r[0][j] = (int)j;
    for (size_t i = 1; i <= alen; i++) {
        int *up = r[(i - 1) % 3], *cur = r[i % 3];
        int smallest = cur[0] = (int)i;
        for (size_t j = 1; j <= blen; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int cell = up[j] + 1;
            if (cur[j - 1] + 1 < cell)
                cell = cur[j - 1] + 1;
            if (up[j - 1] + cost < cell)
                cell = up[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                int dd = r[(i - 2) % 3][j - 2] + 1;
                if (dd < cell)
                    cell = dd;
            }
            if (cell < smallest)
                smallest = cell;
            cur[j] = cell;
        }
        if (smallest > threshold)
            goto done;
    }
    int d = r[alen % 3][blen];
    result = d <= threshold ? d : -1;
done:
    free(rows);
    free(opt);
    return result;
}

typedef struct {
    const char *name;
    int dist;
} v_sugg_t;

static int v_sugg_cmp(const void *x, const void *y)
{
    const v_sugg_t *a = x, *b = y;
    if (a->dist != b->dist)
        return a->dist - b->dist;
    return v_natural_compare(a->name, b->name);
}

int v_did_you_mean_list(rt_buf_t *b, const char *sub, const char *const *list, int n)
{
    if (n == 0)
        return 0;
    if (rt_buf_puts(b, " Did you mean "))
        return -1;
    if (sub && (rt_buf_puts(b, sub) || rt_buf_putc(b, ' ')))
        return -1;
    if (n == 1)
        return rt_buf_printf(b, "\"%s\"?", list[0]);
    if (n == 2)
        return rt_buf_printf(b, "\"%s\" or \"%s\"?", list[0], list[1]);
    int m = n > 5 ? 5 : n;
    for (int i = 0; i < m - 1; i++)
        if (rt_buf_printf(b, "\"%s\", ", list[i]))
            return -1;
    return rt_buf_printf(b, "or \"%s\"?", list[m - 1]);
}

int v_did_you_mean(rt_buf_t *b, const char *sub, const char *input, const char *const *options, int n)
{
    if (n <= 0)
        return 0;
    uint16_t *in = NULL;
    v_sugg_t *s = malloc((size_t)n * sizeof *s);
    const char **names = malloc((size_t)n * sizeof *names);
    int rc = -1, k = 0;
    if (!s || !names)
        goto fail;
    size_t il, raw;
    in = v_units(input, &il, &raw);
    if (!in)
        goto fail;
    int threshold = (int)(raw * 4 / 10) + 1;
    for (int i = 0; i < n; i++) {
        bool dup = false;
        for (int j = 0; j < k; j++)
            if (strcmp(s[j].name, options[i]) == 0)
                dup = true;
        if (dup)
            continue;
        int d = v_lexical_distance(input, in, il, options[i], threshold);
        if (d >= 0) {
            s[k].name = options[i];
            s[k].dist = d;
            k++;
        }
    }
    /* qsort is not stable, but (distance, naturalCompare) only ties on equal names */
    qsort(s, (size_t)k, sizeof *s, v_sugg_cmp);
    for (int i = 0; i < k; i++)
        names[i] = s[i].name;
    rc = v_did_you_mean_list(b, sub, names, k);
fail:
    free(in);
    free(s);
    free(names);
    return rc;
}

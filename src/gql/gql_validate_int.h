/* Internals shared by the validation files: the validation context (schema, document, error
 * sink), type helpers mirroring graphql-js's type predicates over the schema tables, and the
 * suggestion machinery (suggestionList / didYouMean). Not for use outside gql_validate*.c. */
#ifndef RT_GQL_VALIDATE_INT_H
#define RT_GQL_VALIDATE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "gql/gql_schema.h"
#include "gql/gql_suggest.h"
#include "gql/syntax/gql_ast.h"
#include "util/util_buf.h"

/* A type as graphql-js sees one: NULL is "undefined" (unknown or not applicable). */
typedef const gql_typeref_t *vt_t;

/* A hash map from a key pair (a, b) to a pointer, arena-backed. Keys are compared as strings
 * (V_MAP_STR: a and b are names, b may be NULL) or by address (V_MAP_PTR). Keeps the checks
 * graphql-js does with Maps and Sets linear, so large documents cannot make them quadratic. */
typedef enum { V_MAP_STR, V_MAP_PTR } gql_v_map_kind_t;
typedef struct gql_v_map_slot {
    const void *a, *b;
    void *val;
    bool used;
} gql_v_map_slot_t;
typedef struct gql_v_map {
    gql_v_map_kind_t kind;
    gql_v_map_slot_t *slots;
    size_t cap, n;
} gql_v_map_t;

typedef struct gql_v_block gql_v_block_t; /* arena chunk */

typedef struct gql_v_usage {
    const gql_ast_value_t *var; /* the Variable node */
    vt_t type;                  /* input type at the usage, or NULL */
    bool has_default;           /* the location (argument / input field) has a default */
    vt_t parent_type;           /* parent input type, or NULL */
} gql_v_usage_t;

typedef struct gql_v_def_usages {
    const gql_ast_definition_t *def;
    gql_v_usage_t *items;
    int n, cap;
} gql_v_def_usages_t;

typedef struct gql_v_ctx {
    const gql_schema_t *s;
    const gql_document_t *doc;
    json_object *errors;
    int nerrors;
    int base_errors; /* entries the caller's array held before validation */
    bool aborted;    /* error limit reached: stop everything */
    bool oom;
    gql_v_block_t *arena;

    gql_typeref_t *named; /* one NAMED reference per schema type */
    gql_typeref_t tr_schema_nn, tr_schema, tr_type, tr_string, tr_string_nn;
    gql_field_t meta_schema, meta_type, meta_typename;
    gql_input_value_t meta_type_arg;

    /* fragments by name (the last definition of a name wins, like graphql-js) */
    const gql_ast_definition_t **frags;
    int nfrags;
    gql_v_map_t frag_map;

    gql_v_def_usages_t *usages; /* per operation / fragment definition */
    int nusages;

    int fragment_depth;              /* recursion through fragment spreads, see gql_v_enter_fragment */
    long fragment_work;              /* graphql-js's _remainingFragmentWork (50000) */
    bool sf_fragments_done;          /* SingleFieldSubscriptions built its fragment map */
    struct gql_v_overlap *overlap;   /* OverlappingFieldsCanBeMerged state */
    struct gql_v_refcache *refcache; /* recursively referenced fragments, by name set */
} gql_v_ctx_t;

/* Traversal state: TypeInfo's stacks are kept as "current" values saved and restored by the
 * recursion (every push has its pop on the same node). */
typedef struct gql_v_walk {
    gql_v_ctx_t *ctx;
    bool validate; /* false: only collect variable usages into `out` */
    gql_v_def_usages_t *out;

    vt_t type;                        /* getType() */
    int parent;                       /* getParentType(), -1 undefined */
    const gql_field_t *field;         /* getFieldDef() */
    vt_t input;                       /* getInputType() */
    vt_t parent_input;                /* getParentInputType() */
    bool has_default;                 /* getDefaultValue() !== undefined */
    const gql_directive_t *directive; /* getDirective() */

    bool in_directive;     /* KnownArgumentNames skips directive arguments */
    bool vct_skip;         /* ValuesOfCorrectType returned false above */
    bool mid_skip;         /* MaxIntrospectionDepth returned false above */
    struct gql_v_mid *mid; /* MaxIntrospectionDepth's checked/exceeded fragments */

    const gql_ast_definition_t *op;        /* operation being visited */
    const gql_ast_definition_t **seen_ops; /* UniqueOperationNames */
    int nseen_ops, cap_seen_ops;
    const gql_ast_definition_t **seen_frags; /* UniqueFragmentNames */
    int nseen_frags, cap_seen_frags;
    int noperations; /* LoneAnonymousOperation */

    /* UniqueDirectivesPerLocation across type-system nodes: schema, and per type name */
    const char **udpl_key; /* "" for schema, else the type name */
    const gql_ast_directive_t **udpl_dir;
    int nudpl, cap_udpl_key, cap_udpl_dir;

    /* NoFragmentCycles */
    const char **cyc_visited;
    int ncyc_visited, cap_cyc_visited;
    const gql_ast_selection_t **cyc_path;
    int ncyc_path, cap_cyc_path;
    const char **cyc_idx_name; /* spreadPathIndexByName */
    int *cyc_idx_val;
    int ncyc_idx, cap_cyc_idx, cap_cyc_idx_val;
} gql_v_walk_t;

#define STOP(w) ((w)->ctx->aborted)

/* Arena: memory lives until validation ends. Returns NULL (and sets ctx->oom) on failure. */
void *gql_v_alloc(gql_v_ctx_t *ctx, size_t size);
char *gql_v_strdup(gql_v_ctx_t *ctx, const char *s);
void gql_v_free_all(gql_v_ctx_t *ctx);
/* Map lookups: gql_v_map_get returns the slot (NULL when absent); gql_v_map_put inserts or overwrites,
 * returning the slot or NULL when memory ran out. */
gql_v_map_slot_t *gql_v_map_get(const gql_v_map_t *m, const void *a, const void *b);
gql_v_map_slot_t *gql_v_map_put(gql_v_ctx_t *ctx, gql_v_map_t *m, const void *a, const void *b, void *val);
/* Grows *arr (element size el) so that index `need` fits; arena-backed. 0 or -1. */
int gql_v_grow(gql_v_ctx_t *ctx, void **arr, int *cap, int need, size_t el);

/* Errors. locs may be NULL when n == 0. Returns 0, or -1 when validation must stop. */
int gql_v_report(gql_v_ctx_t *ctx, const char *message, const gql_loc_t *const *locs, int n);
int gql_v_report1(gql_v_ctx_t *ctx, const char *message, const gql_loc_t *loc);
int gql_v_report2(gql_v_ctx_t *ctx, const char *message, const gql_loc_t *a, const gql_loc_t *b);
/* graphql-js's validationAbortedError: appends "Validation aborted." (no limit check) and stops.
 * Returns -1. */
int gql_v_abort_validation(gql_v_ctx_t *ctx);
/* Bounds recursion that follows fragment spreads (cycles, overlap, introspection depth, subscription
 * fields): past V_MAX_FRAGMENT_DEPTH nested fragments validation ends with "Validation aborted."
 * instead of exhausting the C stack. Documents within the server's token limit never get close
 * (a spread and its fragment take at least 8 tokens). Pair every successful enter with a leave. */
#define V_MAX_FRAGMENT_DEPTH 1000
int gql_v_enter_fragment(gql_v_ctx_t *ctx);
void gql_v_leave_fragment(gql_v_ctx_t *ctx);
/* ASTValidationContext.spendFragmentWork: 0, or -1 after gql_v_abort_validation. */
int gql_v_spend_fragment_work(gql_v_ctx_t *ctx, long cost);

/* Types */
const gql_type_t *gql_v_type(const gql_v_ctx_t *ctx, int idx); /* NULL for -1 */
int gql_v_named_idx(vt_t t);                                   /* -1 for NULL */
vt_t gql_v_named(const gql_v_ctx_t *ctx, int idx);             /* NULL for -1 */
vt_t gql_v_nullable(vt_t t);
bool gql_v_is_nonnull(vt_t t);
bool gql_v_is_list(vt_t t);
bool gql_v_idx_is_composite(const gql_v_ctx_t *ctx, int idx);
bool gql_v_idx_is_leaf(const gql_v_ctx_t *ctx, int idx);
bool gql_v_idx_is_abstract(const gql_v_ctx_t *ctx, int idx);
bool gql_v_idx_is_object(const gql_v_ctx_t *ctx, int idx);
bool gql_v_idx_is_kind(const gql_v_ctx_t *ctx, int idx, gql_type_kind_t k);
bool gql_v_is_input(const gql_v_ctx_t *ctx, vt_t t);
bool gql_v_is_output(const gql_v_ctx_t *ctx, vt_t t);
int gql_v_print_type(const gql_v_ctx_t *ctx, rt_buf_t *b, vt_t t);
/* typeFromAST: NULL when the named type is unknown. */
vt_t gql_v_type_from_ast(gql_v_ctx_t *ctx, const gql_ast_type_t *t);
/* schema.isSubType(abstract, maybeSub) */
bool gql_v_is_possible(const gql_v_ctx_t *ctx, int abstract, int sub);
bool gql_v_types_overlap(const gql_v_ctx_t *ctx, int a, int b);
bool gql_v_is_subtype_of(const gql_v_ctx_t *ctx, vt_t sub, vt_t super);
/* TypeInfo's field lookup, including __schema, __type and __typename. */
const gql_field_t *gql_v_field_def(const gql_v_ctx_t *ctx, int parent, const char *name);
const gql_ast_definition_t *gql_v_fragment(const gql_v_ctx_t *ctx, const char *name);

/* Small helpers: the buffer's text ("" when empty); append a pointer to an arena array; linear
 * name lookup. */
const char *gql_v_msg(rt_buf_t *b);
int gql_v_push_ptr(gql_v_ctx_t *ctx, const void ***arr, int *n, int *cap, const void *p);
bool gql_v_name_in(const char *const *names, int n, const char *name);

/* Whole-document fragment analyses (gql_validate_fragments.c). */
/* getFragmentSpreads: the spreads under a selection set, in graphql-js's (stack) order. */
int gql_v_spreads(gql_v_ctx_t *ctx, const gql_ast_selection_set_t *ss, const gql_ast_selection_t ***out, int *n);
/* getRecursiveVariableUsages(operation): a fresh arena array. */
int gql_v_recursive_usages(gql_v_ctx_t *ctx, const gql_ast_definition_t *op, gql_v_usage_t **out, int *n);
/* NoFragmentCycles at a fragment definition. */
int gql_v_detect_cycle(gql_v_walk_t *w, const gql_ast_definition_t *frag);
/* NoUnusedFragments at document leave. */
int gql_v_rule_unused_fragments(gql_v_walk_t *w);
/* MaxIntrospectionDepthRule's check at a __schema / __type field: 1 too deep, 0 fine, -1 OOM. */
int gql_v_introspection_too_deep(gql_v_walk_t *w, const gql_ast_selection_t *f);

/* Values (gql_validate_values.c): visits a value literal keeping TypeInfo's input types, running
 * ValuesOfCorrectType and UniqueInputFieldNames, and (when not validating) collecting variable
 * usages. */
int gql_v_walk_value(gql_v_walk_t *w, const gql_ast_value_t *v);

/* SingleFieldSubscriptions at an operation (gql_validate_subscriptions.c). */
int gql_v_rule_single_field_subscriptions(gql_v_walk_t *w, const gql_ast_definition_t *op);

/* OverlappingFieldsCanBeMerged at a selection set (gql_validate_overlap.c). */
int gql_v_overlap_selection_set(gql_v_ctx_t *ctx, int parent_type, const gql_ast_selection_set_t *ss);

#endif

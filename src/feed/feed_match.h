/* What one subscription asks for: the table of Subscription fields (node type and topic rule
 * per field), its arguments compiled once at subscribe time, and the per-change test
 * (ownership arguments, ChangeFilter, the generated node filters of feed_where.h). */
#ifndef RT_FEED_MATCH_H
#define RT_FEED_MATCH_H

#include <json-c/json.h>
#include <stdbool.h>

#include "feed/feed_core.h"
#include "feed/feed_where.h"
#include "util/util_buf.h"

/* Index dimensions: which id of a change a topic is keyed on. */
typedef enum {
    FEED_DIM_ALL = 0,   /* every change of the type */
    FEED_DIM_ID,        /* the node's own id */
    FEED_DIM_ORG,       /* organizationId */
    FEED_DIM_BLOB,      /* blobId */
    FEED_DIM_SESSION,   /* sessionId */
    FEED_DIM_EXECUTION, /* executionId */
    FEED_DIM__COUNT,
} feed_dim_t;

typedef struct feed_strs {
    char **v;
    int n;
    bool given; /* the argument was present (an empty list is still a condition) */
} feed_strs_t;

/* The conditions few subscriptions have, kept apart so that a plain subscription (one ownership
 * argument) carries only feed_match_t's first fields (bench/MEMORY.md). */
typedef struct feed_match_more {
    char *eq[FEED_DIM__COUNT]; /* further ownership arguments the change must equal */
    feed_strs_t uf_every;      /* updatedFields_contains + updatedFields_contains_every */
    feed_strs_t uf_some;       /* updatedFields_contains_some */
    feed_where_t *node_where;  /* `node: <T>Where`, on the node (DELETED: previous), or NULL */
    char *after;               /* `after` cursor text, or NULL */
} feed_match_more_t;

typedef struct feed_match {
    const char *type;        /* node type (static string) */
    feed_dim_t topic_dim;    /* where the subscription sits in the index */
    unsigned mutation_mask;  /* 1 << feed_mutation_t; all three when mutation_in is absent */
    char *topic_value;       /* NULL for FEED_DIM_ALL */
    feed_match_more_t *more; /* owned; NULL when the subscription has none of those conditions */
} feed_match_t;

enum {
    FEED_MATCH_OK = 0,
    FEED_MATCH_UNKNOWN_FIELD = -1, /* not a Subscription field of the feed */
    FEED_MATCH_BAD_ARG = -2,       /* ill-typed argument (validation should have caught it) */
    FEED_MATCH_NOMEM = -3,
    FEED_MATCH_TOO_COMPLEX = -4, /* a node filter over the list or depth limit */
};

/* Compiles `field` with its coerced `args` (borrowed, may be NULL); node filters against the
 * served schema within `lim` (NULL: the defaults). On FEED_MATCH_OK the caller owns what *m
 * holds (feed_match_clear); otherwise *m is left cleared and *why names the problem (static
 * string). */
int feed_match_compile(const char *field, json_object *args, const feed_where_limits_t *lim, feed_match_t *m,
                       const char **why);
void feed_match_clear(feed_match_t *m);
/* The `after` cursor text (borrowed from m), or NULL. */
const char *feed_match_after(const feed_match_t *m);

/* Does a state whose ownership ids are `dims` (indexed by feed_dim_t, NULL when absent) belong
 * to m's ownership arguments (its topic and the further equalities)? */
bool feed_match_owns(const feed_match_t *m, const char *const dims[FEED_DIM__COUNT]);
/* Do the change filters (mutation_in, updatedFields_*, node) hold for the change as the
 * subscriber receives it? Ownership is feed_match_owns's concern. */
bool feed_match_test(const feed_match_t *m, const feed_change_t *c);

/* The change's id for a dimension, or NULL. */
const char *feed_change_dim(const feed_change_t *c, feed_dim_t d);
/* Appends the index key of (type, dim, value) to out (reset first). Returns 0 or -1 (OOM). */
int feed_topic_key(rt_buf_t *out, const char *type, feed_dim_t dim, const char *value);
/* The node a change is judged on: node, or previous values for DELETED. */
json_object *feed_change_subject(const feed_change_t *c);
/* The ownership ids of one state of a change: the state after (node; for DELETED the change's
 * own ids, which name the last state) or, for an UPDATED change, the state before (read from
 * previousValues). dims[FEED_DIM_ALL] is "". */
void feed_change_dims(const feed_change_t *c, bool before, const char *dims[FEED_DIM__COUNT]);

#endif

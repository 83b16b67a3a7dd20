/* The store interface: directory, node state, change log and retention behind one vtable, so the
 * embedded SQLite store (sqlite/) and a Redis store for cluster mode plug in with no change above
 * this header. Writes go through one writer per store (group commit); reads may come from any
 * thread. Nothing here knows about HTTP, GraphQL execution or subscriptions. */
#ifndef RT_STORE_H
#define RT_STORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "gql/gql_schema.h"
#include "gql_schema_gen.h"
#include "util/util_taskq.h"

struct rt_server;
typedef struct store store_t;

/* Error codes (functions return 0 or one of these). */
enum {
    STORE_OK = 0,
    STORE_ERR_IO = -1, /* the database failed (logged) */
    STORE_ERR_NOMEM = -2,
    STORE_ERR_INVALID = -3,          /* a record breaks the schema/semantics: see index/message */
    STORE_ERR_CURSOR_MALFORMED = -4, /* not a cursor of this store: BAD_USER_INPUT */
    STORE_ERR_CURSOR_EXPIRED = -5,   /* older than the retained log: CURSOR_EXPIRED */
    STORE_ERR_NOT_FOUND = -6,
    STORE_ERR_CLOSED = -7, /* the store is shutting down */
    /* The store cannot take writes for now (disk full, I/O error, Redis unreachable): nothing
     * was applied; the client should retry later (HTTP 503 with Retry-After). */
    STORE_ERR_UNAVAILABLE = -8,
};

/* The one JSON nesting limit: ingestion accepts values nested this deep, counted from the
 * record ({"type", "op", "node": {...}} is already two levels; docs/ingestion.md), and every
 * read of stored text allows as much, so whatever is accepted reads back intact. */
#define STORE_JSON_MAX_DEPTH 64

/* Parses JSON text the store itself wrote (node states, change-log fields) under the nesting
 * limit above. Returns a new reference (caller owns) or NULL for NULL or unparsable text. */
json_object *store_json_parse(const char *text);

/* Longest id, in characters (docs/ingestion.md: ids are 1 to this many characters without
 * control characters; Organization and User ids also without ':'). */
#define STORE_ID_MAX_CHARS 256

/* Longest cursor text, NUL included. Cursors are opaque to every layer above the store. */
#define STORE_CURSOR_MAX 48

typedef enum { STORE_CREATED = 0, STORE_UPDATED = 1, STORE_DELETED = 2 } store_mutation_t;
const char *store_mutation_name(store_mutation_t m); /* "CREATED", "UPDATED", "DELETED" */

typedef enum { STORE_OP_UPSERT = 0, STORE_OP_PATCH = 1, STORE_OP_DELETE = 2 } store_op_t;

/* One committed change, as the change log keeps it and as the feed receives it.
 * Every pointer is owned by the change (store_change_clear frees them). */
typedef struct store_change {
    char cursor[STORE_CURSOR_MAX];
    uint64_t seq;     /* position in this store's log (implementation detail) */
    const char *type; /* node or directory type name (static storage) */
    char *id;
    store_mutation_t mutation;
    json_object *node;           /* new state; NULL when DELETED */
    json_object *previous;       /* state just before; NULL when CREATED */
    json_object *updated_fields; /* array of field names in schema order; NULL unless UPDATED */
    /* Ownership ids, NULL when not applicable or unknown. organizationId is the node's own
     * (Blob, Organization, Membership, ApiKey) or its blob's at the time of the change. */
    char *organization_id;
    char *blob_id;
    char *session_id;
    char *execution_id;
    int64_t time_ms; /* commit time, Unix ms */
} store_change_t;

void store_change_clear(store_change_t *c);
/* True for the six node types of the served schema (the feed's types). */
bool store_type_is_node(const char *type);
/* True for the directory types the auth layer mirrors (Blob included: ownership/visibility). */
bool store_type_is_auth(const char *type);

/* One validated ingestion record; owned by whoever holds it (store_record_clear). */
typedef struct store_record {
    const char *type; /* static storage (known type name) */
    store_op_t op;
    char *id;          /* the node id (Membership: "<organizationId>:<userId>") */
    json_object *node; /* upsert: the whole node; patch: the fields to merge; delete: NULL */
} store_record_t;

void store_record_clear(store_record_t *r);

/* Outcome of one submitted request, valid for the duration of the done callback only. Its
 * changes are freed afterwards on the store's writer thread (freeing thousands of JSON values
 * is too slow for a network thread): keep copies, never json_object_get references, of
 * anything in it (json-c reference counts are not atomic). */
typedef struct store_result {
    int status;      /* STORE_OK, STORE_ERR_INVALID (error_index/message), other */
    int error_index; /* index of the offending record, -1 when not about one record */
    const char *error_message;
    /* In log order; only node and directory changes made. NULL when via_watch: the watcher
     * gets them (maybe at this very moment, on its own thread); nchanges still counts them. */
    const store_change_t *changes;
    int nchanges;
    /* Cursor of the last change; when no record changed anything, the log head at the time
     * (a client that resumes after it misses nothing). */
    char cursor[STORE_CURSOR_MAX];
    /* When a prepare step rejected the request: every error, a JSON array of
     * {"index","message"} (borrowed); NULL otherwise. */
    json_object *errors;
    /* True when the store itself hands these changes to its watcher (store_watch) in log order,
     * as cluster mode does for every server's changes: the caller must not dispatch them again. */
    bool via_watch;
} store_result_t;

/* Produces a request's records on the writer thread, so that decoding and validating a large
 * body never holds a network thread. Returns 0 with *records (malloc'd array of *n; the store
 * takes it), or non-zero with *errors (JSON array of {"index","message"}; the store takes it). */
typedef int (*store_prepare_fn)(void *pctx, const store_t *s, store_record_t **records, int *n, json_object **errors);

/* Called once per submit: on the thread that drains `q`, or on the writer thread when q is NULL. */
typedef void (*store_done_fn)(void *ctx, const store_result_t *res);

/* Called per change during a log read; return non-zero to stop early. `c` is borrowed. */
typedef int (*store_change_fn)(void *ctx, const store_change_t *c);
/* Called with changes the caller did not get as results (see store_watch), in log order;
 * borrowed for the call (keep copies, not references). */
typedef void (*store_changes_fn)(void *ctx, const store_change_t *changes, int n);
/* Called on the watcher's queue when the log was trimmed past the follower's position:
 * changes were missed, so the caller reloads what it mirrors (store_load_directory). */
typedef void (*store_gap_fn)(void *ctx);
/* Called per record at start-up; `node` is borrowed. */
typedef void (*store_record_fn)(void *ctx, const char *type, const char *id, json_object *node);

/* The operations every implementation provides. */
typedef struct store_ops {
    const char *name;
    void (*close)(store_t *s);
    /* The store_* functions below document each operation. Submits go to the store's writer
     * (store_t.writer, store/store_writer.h), which calls back into the store to apply them. */
    /* *out is a new reference (caller owns) or NULL when absent; returns 0 either way. */
    int (*get)(store_t *s, const char *type, const char *id, json_object **out);
    /* Every stored node of `type` whose top-level `field` equals the string `value` (field
     * NULL: every node of the type), in id order. */
    int (*find)(store_t *s, const char *type, const char *field, const char *value, store_record_fn fn, void *ctx);
    int (*load_directory)(store_t *s, store_record_fn fn, void *ctx);
    int (*log_read)(store_t *s, const char *after, int max, store_change_fn fn, void *ctx);
    int (*log_head)(store_t *s, char out[STORE_CURSOR_MAX]);
    int (*cursor_check)(store_t *s, const char *cursor);
    int (*watch)(store_t *s, rt_taskq_t *q, store_changes_fn fn, void *ctx);
    bool (*ready)(store_t *s);
    int (*watch_gaps)(store_t *s, store_gap_fn fn, void *ctx);
} store_ops_t;

/* The record types ingestion knows, generated from the SDL (codegen): the served schema's node
 * types (those with a change type), then the directory's types. */
#define STORE_NNODE_TYPES GQL_SCHEMA_BLOBHUB_NCHANGED
#define STORE_NTYPES (GQL_SCHEMA_BLOBHUB_NCHANGED + GQL_SCHEMA_DIRECTORY_NOBJECTS)
/* The name of record type k (0 <= k < STORE_NTYPES; static storage). */
const char *store_type_name(int k);
/* The i-th type store_load_directory hands out, NULL past the last: the directory's types in
 * SDL order (organizations and users before what refers to them), then Blob. */
const char *store_directory_order(int i);
/* The static copy of a known record type's name, or NULL for any other text. */
const char *store_type_static(const char *type);

/* Implementations embed this as their first member. */
struct store {
    const store_ops_t *ops;
    struct store_writer *writer;   /* the queue of submitted requests (store_writer.h) */
    const gql_schema_t *nodes;     /* served schema: Blob, Revision, ... */
    const gql_schema_t *directory; /* Organization, User, Membership, ApiKey, PersonalAccessToken */
    /* Filled by store_types_init: each known type's table entry, so the hot path never scans
     * the schema. Left zeroed (e.g. a store_t built by hand in a test), lookups scan. */
    const gql_type_t *defs[STORE_NTYPES];
    const gql_schema_t *def_schemas[STORE_NTYPES];
    bool defs_ready;
};

/* Resolves the known types in s->nodes / s->directory once, at open. */
void store_types_init(store_t *s);

/* Opens the store chosen by srv->cfg: Redis (cluster mode, store/redis/) when cfg.redis is set,
 * else SQLite in cfg.data_dir (created if missing). NULL on failure (logged). Caller owns it
 * (store_close). */
store_t *store_open(struct rt_server *srv);
void store_close(store_t *s);

/* Submits validated records as one atomic request (all or nothing). Ownership of `records`
 * (malloc'd array) and its contents passes to the store. `done` runs exactly once, after the
 * commit made the changes durable, or with an error and nothing applied. Returns 0, or an
 * error without calling done (nothing was queued; records are freed). */
int store_submit(store_t *s, store_record_t *records, int n, rt_taskq_t *q, store_done_fn done, void *ctx);
/* Like store_submit, but the records come from `prepare(pctx, ...)` run on the writer thread
 * just before the request's turn; `pctx` must stay valid until `done` runs. When prepare fails,
 * done gets STORE_ERR_INVALID with res->errors and nothing is applied. */
int store_submit_prepared(store_t *s, store_prepare_fn prepare, void *pctx, rt_taskq_t *q, store_done_fn done,
                          void *ctx);
/* Blocking form for the operator commands and the demo seed (never on a network thread):
 * waits for the commit. Returns the status; cursor_out, index_out and msg (copied, msg_size
 * bytes) may each be NULL. Ownership of `records` passes as with store_submit. */
int store_apply_sync(store_t *s, store_record_t *records, int n, char cursor_out[STORE_CURSOR_MAX], char *msg,
                     size_t msg_size, int *index_out);

/* Current state of one node or directory record (new reference, caller owns; NULL: absent). */
int store_get(store_t *s, const char *type, const char *id, json_object **out);
/* See store_ops_t.find. */
int store_find(store_t *s, const char *type, const char *field, const char *value, store_record_fn fn, void *ctx);
/* Calls fn(type, id, node) for every Organization, User, Membership, ApiKey,
 * PersonalAccessToken and Blob (main.c passes a wrapper of auth_dir_apply). Redis: the first
 * load also fixes where store_watch's follower starts, the log's head just before the load,
 * so nothing published while loading is missed (re-applied changes are harmless). */
int store_load_directory(store_t *s, store_record_fn fn, void *ctx);
/* Calls fn for up to `max` changes after cursor `after` (NULL or "": from the oldest retained)
 * in log order; returns how many were passed, or STORE_ERR_CURSOR_MALFORMED /
 * STORE_ERR_CURSOR_EXPIRED (no callback) or another error. */
int store_log_read(store_t *s, const char *after, int max, store_change_fn fn, void *ctx);
/* The cursor of the newest change (or of the empty log). */
int store_log_head(store_t *s, char out[STORE_CURSOR_MAX]);
/* 0 when `cursor` can be resumed from; STORE_ERR_CURSOR_MALFORMED or _EXPIRED otherwise. */
int store_cursor_check(store_t *s, const char *cursor);
void store_flush(store_t *s);
/* Asks to hear of every committed change, in log order, this process's own included (results
 * then carry via_watch and the answer does not wait for the watcher). SQLite: the writer hands
 * on its own commits and what other processes (operator commands) commit to the same data dir,
 * checked about twice a second and before each group commit. Redis (cluster mode): the follower
 * reads every server's changes from the shared log. `fn` runs on the thread draining `q`. One
 * watcher; call once at start, before serving. */
int store_watch(store_t *s, rt_taskq_t *q, store_changes_fn fn, void *ctx);

/* True when the store can serve: SQLite always; Redis when the last exchange with it
 * succeeded (the follower talks to it about twice a second). For /readyz. Never blocks. */
bool store_ready(store_t *s);
/* Asks to hear, through `fn` on store_watch's queue, of a gap: the change log was trimmed past
 * the follower's position, so changes were missed. The caller then reloads the directory
 * (store_load_directory into a fresh mirror); the follower goes on from the log's head at the
 * time of the gap. SQLite has no follower and never calls it. Call before store_watch. */
int store_watch_gaps(store_t *s, store_gap_fn fn, void *ctx);

/* ---- Schema-driven validation and change computation (pure; store/store_change.c) ---- */

/* Parses and validates one ingestion record against the schema tables without reading the
 * store (known type, op, known fields, field types, enum values, required fields of an upsert,
 * ids). On 0 *out is filled (caller owns its contents); otherwise *msg is a malloc'd message. */
int store_record_parse(const store_t *s, json_object *rec, store_record_t *out, char **msg);

/* The type table entry of a known type name (from the node or directory schema), or NULL. */
const gql_type_t *store_type_def(const store_t *s, const char *type, const gql_schema_t **schema_out);

/* Applies one record to the stored state `old` (borrowed, NULL when absent). On 0:
 * *changed tells whether a change results; if so *next is the new state (new reference, NULL
 * for a deletion) and `c` holds mutation, node, previous and updated_fields (c->node/previous
 * are new references). Returns STORE_ERR_INVALID with *msg (malloc'd) for a record that is
 * valid alone but not on this state (patch creating a node without its required fields,
 * rewriting an append-only event, patch changing a Membership's identity). */
int store_change_compute(const store_t *s, const store_record_t *r, json_object *old, bool *changed, json_object **next,
                         store_change_t *c, char **msg);

/* JSON equality for change detection: numbers by value (1 == 1.0), objects regardless of key
 * order, recursively; NULL equals JSON null. */
bool store_json_equal(json_object *a, json_object *b);

/* The id a node is stored under (Membership: "<organizationId>:<userId>"); malloc'd or NULL. */
char *store_node_id(const char *type, json_object *node);

/* Fills c->organization_id/blob_id/session_id/execution_id from the node (or previous values
 * for a deletion); `blob_org` (may be NULL) is the organization of the node's blob. */
int store_change_owners(store_change_t *c, const char *blob_org);

#endif

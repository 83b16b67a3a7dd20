/* Persisted operations: a manifest of documents named by the hex SHA-256 of their text, an
 * optional allow-list that refuses every other document, and automatic persisted queries (a
 * bounded LRU cache of texts registered over HTTP). See docs/persisted-operations.md. */
#ifndef RT_GQL_PERSIST_H
#define RT_GQL_PERSIST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GQL_PERSIST_ID_LEN 64                      /* hex SHA-256 */
#define GQL_PERSIST_MAX_FILE_BYTES (16u << 20)     /* a larger manifest is refused */
#define GQL_PERSIST_MAX_ENTRIES 100000             /* documents per manifest */
#define GQL_PERSIST_APQ_MAX_DOC_BYTES (256u << 10) /* larger texts are not cached */
#define GQL_PERSIST_APQ_MAX_BYTES (16u << 20)      /* all cached texts together */

/* ---- the manifest: {"<hex sha256 of document>": "<document>", ...} ---- */

typedef struct gql_persist_manifest gql_persist_manifest_t; /* immutable once parsed */

/* Parses a manifest of len bytes. Every id must be 64 hex digits (either case) equal to the
 * SHA-256 of its document's UTF-8 bytes; an id may appear once. Returns 0 and *out (caller owns,
 * gql_persist_manifest_free), or -1 with a one-line reason in err. */
int gql_persist_manifest_parse(const char *text, size_t len, gql_persist_manifest_t **out, char *err, size_t errcap);
void gql_persist_manifest_free(gql_persist_manifest_t *m);
int gql_persist_manifest_count(const gql_persist_manifest_t *m);
/* The document of a lower-case hex id (borrowed, lives with m), or NULL. */
const char *gql_persist_manifest_get(const gql_persist_manifest_t *m, const char *id, size_t *len);

/* Writes the lower-case hex SHA-256 of text into id (GQL_PERSIST_ID_LEN + 1 bytes). */
void gql_persist_hash(const char *text, size_t len, char id[GQL_PERSIST_ID_LEN + 1]);

/* Prints the manifest entry of a document file, `{"<id>":"<document>"}` and a newline, on out;
 * a pipeline merges such lines into one manifest (e.g. `jq -s add`). 0, or -1 after a message on
 * err. */
int gql_persist_print_entry(const char *path, FILE *out, FILE *err);

/* ---- the engine the entry points consult ---- */

typedef struct gql_persist gql_persist_t; /* thread-safe */

/* path may be NULL (no manifest: automatic persisted queries only, unless allow_list_only, which
 * then refuses every document). apq_entries bounds the cache (0: no cache). Returns 0 and *out
 * (caller owns, gql_persist_free), or -1 with the reason in err. */
int gql_persist_new(const char *path, bool allow_list_only, int apq_entries, gql_persist_t **out, char *err,
                    size_t errcap);
void gql_persist_free(gql_persist_t *p);

/* Reads the manifest file again and swaps it in atomically; on any error the previous manifest
 * stays and -1 comes back with the reason in err. Requests already prepared (running
 * subscriptions) are not touched. The application calls it on SIGHUP. */
int gql_persist_reload(gql_persist_t *p, char *err, size_t errcap);
/* Replaces the manifest with one already parsed (p takes m), as reload does. */
void gql_persist_swap(gql_persist_t *p, gql_persist_manifest_t *m);

typedef enum { GQL_PERSIST_SOCKET, GQL_PERSIST_HTTP } gql_persist_via_t;

/* One request's document. query/query_len is the text sent (NULL or empty: none); extensions the
 * request's extensions object (borrowed, may be NULL) where persistedQuery {version, sha256Hash}
 * may name a document; document_id the request's documentId (may be NULL). Returns GQL_OK with
 * *doc NULL (run the text as sent) or a document to run instead (caller frees, *doc_len bytes);
 * else GQL_ERR_PERSISTED with *errors a JSON array of one GraphQL error (caller owns):
 * PERSISTED_QUERY_NOT_FOUND, OPERATION_NOT_ALLOWED or BAD_REQUEST; GQL_ERR_NOMEM. p may be NULL
 * (nothing persisted: GQL_OK, *doc NULL). Over HTTP a text sent with its matching hash is cached. */
int gql_persist_resolve(gql_persist_t *p, gql_persist_via_t via, const char *query, size_t query_len,
                        json_object *extensions, const char *document_id, char **doc, size_t *doc_len,
                        json_object **errors);

typedef struct gql_persist_counters {
    long hits;     /* ids resolved to a document (manifest or cache) */
    long misses;   /* ids unknown: PERSISTED_QUERY_NOT_FOUND */
    long refusals; /* texts refused by the allow-list: OPERATION_NOT_ALLOWED */
    long cached;   /* documents in the automatic persisted queries cache now */
    long manifest; /* documents in the manifest now */
} gql_persist_counters_t;

void gql_persist_counters(gql_persist_t *p, gql_persist_counters_t *out);

#endif

/* The embedded store: one SQLite database (WAL) in the data directory, written by one writer
 * thread with group commit, read through a separate connection. */
#ifndef RT_STORE_SQLITE_H
#define RT_STORE_SQLITE_H

#include "store/store.h"

typedef struct store_sqlite_opts {
    const char *data_dir;      /* created if missing; the database is <data_dir>/blobhub.db */
    long retention_sec;        /* changes older than this are pruned */
    long retention_max;        /* at most this many changes are kept */
    const gql_schema_t *nodes; /* served schema (node types) */
    const gql_schema_t *directory;
} store_sqlite_opts_t;

/* NULL on failure (logged). Caller owns the store (store_close). */
store_t *store_sqlite_open(const store_sqlite_opts_t *o);

/* Database file name inside the data directory. */
#define STORE_SQLITE_FILE "blobhub.db"

#endif

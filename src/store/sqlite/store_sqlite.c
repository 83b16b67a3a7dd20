/* SQLite implementation of store.h. One writer thread owns the write connection and commits
 * queued requests in groups (one fsync per group, never on a network thread); each request is
 * a SAVEPOINT inside the group's transaction, so it stays all-or-nothing on its own. Readers
 * use a second connection under a mutex; WAL lets them run while the writer commits. */
#include "store/sqlite/store_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_cursor.h"
#include "store/store_writer.h"
#include "util/util_clock.h"
#include "util/util_log.h"

/* Most requests taken into one group commit: bounds how long the first one waits. */
#define GROUP_MAX_JOBS 512
#define GROUP_MAX_RECORDS 20000
/* Rows deleted per pruning pass, so pruning a large backlog never holds the writer long. */
#define PRUNE_BATCH 20000
#define BUSY_TIMEOUT_MS 10000
#define WRITER_NICE 5

struct sqlite_store;

typedef struct sqlite_store {
    store_t base;
    long retention_sec, retention_max;
    sqlite3 *wdb; /* writer thread only (and open/close) */
    sqlite3 *rdb; /* readers, under rmu */
    pthread_mutex_t rmu;
    sqlite3_stmt *w_get, *w_put, *w_del, *w_log, *w_head;
    int64_t last_prune_ms;
    int64_t known_head;  /* writer thread: newest change it has seen (own or foreign) */
    pthread_mutex_t wmu; /* the watcher fields: set once, read by the writer thread */
    rt_taskq_t *watch_q;
    store_changes_fn watch_fn;
    void *watch_ctx;
    /* Writer thread, one group at a time: the organization of the blob last looked up, since a
     * batch usually names one blob again and again. Dropped at each group's start, on every
     * Blob write and on every rollback. */
    char *cache_blob, *cache_org;
} sqlite_store_t;

typedef struct foreign {
    store_changes_fn fn;
    void *ctx;
    store_change_t *changes;
    int n;
} foreign_t;

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        rt_log_error("store", "sqlite: %s (%s)", err ? err : sqlite3_errmsg(db), sql);
        sqlite3_free(err);
        return STORE_ERR_IO;
    }
    return 0;
}

/* What a failed write means for the client: a full disk or an I/O error passes (space returns,
 * the device recovers), so it is "unavailable, retry later"; anything else is a storage error. */
static int write_failure(sqlite3 *db)
{
    int code = sqlite3_extended_errcode(db) & 0xff;
    return code == SQLITE_FULL || code == SQLITE_IOERR ? STORE_ERR_UNAVAILABLE : STORE_ERR_IO;
}

static const char *SCHEMA_SQL =
    "CREATE TABLE IF NOT EXISTS nodes(type TEXT NOT NULL, id TEXT NOT NULL, node TEXT NOT NULL,"
    " PRIMARY KEY(type, id)) WITHOUT ROWID;"
    /* AUTOINCREMENT: a sequence is never reused, even after the whole log was pruned, so an
     * old cursor can never silently point into new history. */
    "CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL,"
    " type TEXT NOT NULL, id TEXT NOT NULL, mutation INTEGER NOT NULL, node TEXT, previous TEXT,"
    " updated TEXT, organization_id TEXT, blob_id TEXT, session_id TEXT, execution_id TEXT);"
    "CREATE INDEX IF NOT EXISTS changes_time ON changes(time_ms);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);";

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rt_log_error("store", "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    /* WAL: readers never block the writer and an operator command can write while the server
     * runs. synchronous=FULL: in WAL mode each commit fsyncs the log before returning, so an
     * accepted change survives not only kill -9 (NORMAL would do) but a power loss too (docs/ingestion.md:
     * a restart loses none). Group commit spreads that one fsync over every request queued
     * meanwhile, which is what keeps the cost acceptable. */
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;") != 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static int mkdir_p(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            buf[i] = c;
        }
    }
    return 0;
}

/* ---- reading rows ---- */

static json_object *col_json(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return store_json_parse(t);
}

static char *col_strdup(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? strdup(t) : NULL;
}

static int get_node(sqlite3_stmt *st, const char *type, const char *id, json_object **out)
{
    *out = NULL;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = col_json(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_ERR_IO;
}

static int64_t read_int(sqlite3 *db, const char *sql, int64_t dflt, int *err)
{
    sqlite3_stmt *st = NULL;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        *err = STORE_ERR_IO;
        return dflt;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        *err = STORE_ERR_IO;
    sqlite3_finalize(st);
    return v;
}

#define HEAD_SQL "SELECT seq FROM sqlite_sequence WHERE name = 'changes'"
#define PRUNED_SQL "SELECT value FROM meta WHERE key = 'pruned_through'"

/* ---- writer ---- */

static int row_change(sqlite3_stmt *st, store_change_t *c);
#define CHANGE_COLUMNS                                                                                                 \
    "seq, time_ms, type, id, mutation, node, previous, updated, organization_id, blob_id, session_id,"                 \
    " execution_id"

static void foreign_run(void *arg)
{
    foreign_t *f = arg;
    f->fn(f->ctx, f->changes, f->n);
    for (int i = 0; i < f->n; i++)
        store_change_clear(&f->changes[i]);
    free(f->changes);
    free(f);
}

/* Hands the watcher the changes other processes committed after known_head (writer thread). */
static void pick_up_foreign(sqlite_store_t *s, int64_t head)
{
    if (head <= s->known_head)
        return;
    int64_t from = s->known_head;
    s->known_head = head;
    pthread_mutex_lock(&s->wmu);
    store_changes_fn fn = s->watch_fn;
    void *fctx = s->watch_ctx;
    rt_taskq_t *q = s->watch_q;
    pthread_mutex_unlock(&s->wmu);
    if (!fn)
        return;
    sqlite3_stmt *st = NULL;
    foreign_t *f = calloc(1, sizeof *f);
    int cap = 0;
    if (!f ||
        sqlite3_prepare_v2(s->wdb, "SELECT " CHANGE_COLUMNS " FROM changes WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    f->fn = fn;
    f->ctx = fctx;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, head);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (f->n == cap) {
            cap = cap ? cap * 2 : 16;
            store_change_t *nc = realloc(f->changes, (size_t)cap * sizeof *nc);
            if (!nc)
                goto fail;
            f->changes = nc;
        }
        if (row_change(st, &f->changes[f->n]) != 0) {
            store_change_clear(&f->changes[f->n]);
            continue;
        }
        f->n++;
    }
    sqlite3_finalize(st);
    if (f->n == 0 || rt_taskq_push(q, foreign_run, f) != 0)
        goto fail_noclose;
    return;
fail:
    sqlite3_finalize(st);
fail_noclose:
    if (f) {
        if (f->n)
            rt_log_warn("store", "could not hand on %d changes made by another process", f->n);
        for (int i = 0; i < f->n; i++)
            store_change_clear(&f->changes[i]);
        free(f->changes);
        free(f);
    }
}

static int bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static int bind_json(sqlite3_stmt *st, int i, json_object *v)
{
    if (!v)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : STORE_ERR_IO;
}

static void blob_cache_drop(sqlite_store_t *s)
{
    free(s->cache_blob);
    free(s->cache_org);
    s->cache_blob = s->cache_org = NULL;
}

/* The organization of blob `id` as stored now (NULL when unknown); borrowed until the next call. */
static const char *blob_org(sqlite_store_t *s, const char *id)
{
    if (s->cache_blob && strcmp(s->cache_blob, id) == 0)
        return s->cache_org;
    blob_cache_drop(s);
    json_object *blob = NULL, *org = NULL;
    if (get_node(s->w_get, "Blob", id, &blob) == 0 && blob && json_object_object_get_ex(blob, "organizationId", &org) &&
        json_object_get_type(org) == json_type_string)
        s->cache_org = strdup(json_object_get_string(org));
    json_object_put(blob);
    s->cache_blob = strdup(id);
    if (!s->cache_blob)
        blob_cache_drop(s);
    return s->cache_org;
}

/* Applies one record inside the open transaction; appends its change to the job. */
static int apply_record(sqlite_store_t *s, store_job_t *j, int idx, int64_t *head)
{
    store_record_t *r = &j->records[idx];
    json_object *old = NULL, *next = NULL;
    char *msg = NULL;
    bool changed = false;
    store_change_t c = {0};
    int rc = get_node(s->w_get, r->type, r->id, &old);
    if (rc != 0)
        goto fail;
    rc = store_change_compute(&s->base, r, old, &changed, &next, &c, &msg);
    if (rc != 0)
        goto fail;
    if (!changed)
        goto done;
    c.type = r->type;
    c.id = strdup(r->id);
    c.time_ms = rt_wall_now().ms;
    if (!c.id) {
        rc = STORE_ERR_NOMEM;
        goto fail;
    }
    json_object *n = c.node ? c.node : c.previous;
    json_object *jb = NULL;
    if (strcmp(r->type, "Blob") == 0) {
        blob_cache_drop(s);
        rc = store_change_owners(&c, NULL);
    } else if (json_object_object_get_ex(n, "blobId", &jb) && json_object_get_type(jb) == json_type_string) {
        rc = store_change_owners(&c, blob_org(s, json_object_get_string(jb)));
    } else {
        rc = store_change_owners(&c, NULL);
    }
    if (rc != 0)
        goto fail;
    if (c.mutation == STORE_DELETED) {
        sqlite3_bind_text(s->w_del, 1, r->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->w_del, 2, r->id, -1, SQLITE_STATIC);
        rc = step_done(s->w_del);
    } else {
        sqlite3_bind_text(s->w_put, 1, r->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->w_put, 2, r->id, -1, SQLITE_STATIC);
        bind_json(s->w_put, 3, next);
        rc = step_done(s->w_put);
    }
    if (rc != 0)
        goto fail;
    sqlite3_stmt *lg = s->w_log;
    sqlite3_bind_int64(lg, 1, c.time_ms);
    sqlite3_bind_text(lg, 2, c.type, -1, SQLITE_STATIC);
    sqlite3_bind_text(lg, 3, c.id, -1, SQLITE_STATIC);
    sqlite3_bind_int(lg, 4, (int)c.mutation);
    bind_json(lg, 5, c.node);
    bind_json(lg, 6, c.previous);
    bind_json(lg, 7, c.updated_fields);
    bind_opt(lg, 8, c.organization_id);
    bind_opt(lg, 9, c.blob_id);
    bind_opt(lg, 10, c.session_id);
    bind_opt(lg, 11, c.execution_id);
    rc = step_done(lg);
    if (rc != 0)
        goto fail;
    c.seq = (uint64_t)sqlite3_last_insert_rowid(s->wdb);
    *head = (int64_t)c.seq;
    store_seq_cursor_encode(c.seq, c.cursor);
    rc = store_job_add_change(j, &c);
    if (rc != 0)
        goto fail;
done:
    json_object_put(old);
    json_object_put(next);
    return 0;
fail:
    if (rc == STORE_ERR_IO) {
        rt_log_error("store", "write failed: %s", sqlite3_errmsg(s->wdb));
        rc = write_failure(s->wdb);
    }
    store_job_fail(j, rc, idx,
                   msg                           ? msg
                   : rc == STORE_ERR_UNAVAILABLE ? strdup("storage unavailable (disk full or I/O error)")
                                                 : NULL);
    store_change_clear(&c);
    json_object_put(old);
    json_object_put(next);
    return rc;
}

static void prune(sqlite_store_t *s)
{
    int err = 0;
    int64_t now = rt_wall_now().ms;
    if (now - s->last_prune_ms < 1000)
        return;
    s->last_prune_ms = now;
    int64_t maxseq = read_int(s->wdb, "SELECT max(seq) FROM changes", 0, &err);
    int64_t minseq = read_int(s->wdb, "SELECT min(seq) FROM changes", 0, &err);
    if (err || maxseq == 0)
        return;
    int64_t cut = maxseq - s->retention_max; /* keep the newest retention_max */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->wdb, "SELECT max(seq) FROM changes WHERE time_ms < ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now - (int64_t)s->retention_sec * 1000);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            int64_t t = sqlite3_column_int64(st, 0);
            if (t > cut)
                cut = t;
        }
    }
    sqlite3_finalize(st);
    if (cut < minseq)
        return;
    if (cut > minseq + PRUNE_BATCH)
        cut = minseq + PRUNE_BATCH;
    if (exec(s->wdb, "BEGIN IMMEDIATE") != 0)
        return;
    st = NULL;
    int rc = sqlite3_prepare_v2(s->wdb, "DELETE FROM changes WHERE seq <= ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, cut);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK && sqlite3_prepare_v2(s->wdb,
                                              "INSERT INTO meta(key, value) VALUES('pruned_through', ?1)"
                                              " ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                                              -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, cut);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    } else {
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK || exec(s->wdb, "COMMIT") != 0) {
        rt_log_error("store", "pruning the change log failed: %s", sqlite3_errmsg(s->wdb));
        exec(s->wdb, "ROLLBACK");
    }
}

/* Every request of the group not already answered with an error fails with `status`. */
static void fail_group(store_job_t *group, int status)
{
    for (store_job_t *j = group; j; j = j->next) {
        if (j->status == 0) {
            store_job_fail(j, status, -1, strdup("storage unavailable"));
        }
        store_job_drop_changes(j);
    }
}

/* The writer's apply step: one transaction for the group, a savepoint per request. */
static void apply_group(void *impl, store_job_t *group)
{
    sqlite_store_t *s = impl;
    int err = 0;
    blob_cache_drop(s);
    int rc = exec(s->wdb, "BEGIN IMMEDIATE");
    int64_t head = rc == 0 ? read_int(s->wdb, HEAD_SQL, 0, &err) : 0;
    if (rc == 0 && !err)
        pick_up_foreign(s, head); /* under the write lock: nobody can add more meanwhile */
    if (rc != 0 || err) {
        int failure = write_failure(s->wdb);
        if (rc == 0)
            exec(s->wdb, "ROLLBACK");
        for (store_job_t *j = group; j; j = j->next) {
            if (j->status != 0)
                continue;
            j->status = failure;
            j->error_index = -1;
            j->msg = strdup("storage unavailable");
        }
        return;
    }
    for (store_job_t *j = group; j; j = j->next) {
        int64_t start_head = head;
        if (j->status != 0)
            continue; /* rejected by its prepare step */
        if (exec(s->wdb, "SAVEPOINT req") != 0) {
            j->status = write_failure(s->wdb);
            j->error_index = -1;
            j->msg = strdup("storage error");
            continue;
        }
        for (int i = 0; i < j->n; i++)
            if (apply_record(s, j, i, &head) != 0)
                break;
        if (j->status != 0) {
            blob_cache_drop(s);
            if (sqlite3_get_autocommit(s->wdb)) {
                /* SQLite rolled the whole group back itself (it may on a full disk) */
                fail_group(group, j->status);
                return;
            }
            exec(s->wdb, "ROLLBACK TO req");
            head = start_head;
            store_job_drop_changes(j);
        }
        exec(s->wdb, "RELEASE req");
        store_seq_cursor_encode((uint64_t)head, j->cursor);
    }
    if (exec(s->wdb, "COMMIT") == 0) {
        s->known_head = head;
    } else {
        int failure = write_failure(s->wdb);
        blob_cache_drop(s);
        exec(s->wdb, "ROLLBACK");
        for (store_job_t *j = group; j; j = j->next) {
            if (j->status == 0) {
                j->status = failure;
                j->error_index = -1;
                j->msg = strdup("commit failed");
                store_job_drop_changes(j);
            }
        }
    }
}

static void after_group(void *impl) { prune(impl); }

/* Idle: look for changes another process (an operator command) committed. */
static void idle_poll(void *impl)
{
    sqlite_store_t *s = impl;
    int err = 0;
    int64_t head = read_int(s->wdb, HEAD_SQL, 0, &err);
    if (!err)
        pick_up_foreign(s, head);
}

static const store_writer_ops_t writer_ops = {
    .apply = apply_group,
    .after = after_group,
    .max_jobs = GROUP_MAX_JOBS,
    .max_weight = GROUP_MAX_RECORDS,
    .nice = WRITER_NICE,
    .thread = "rt-store-writer",
};

static int s_watch(store_t *base, rt_taskq_t *q, store_changes_fn fn, void *ctx)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    pthread_mutex_lock(&s->wmu);
    s->watch_q = q;
    s->watch_ctx = ctx;
    s->watch_fn = fn;
    pthread_mutex_unlock(&s->wmu);
    /* This server's own commits too, pushed by the same writer thread: one queue in log order. */
    store_writer_watch(s->base.writer, q, fn, ctx);
    store_writer_set_idle(s->base.writer, idle_poll, 500);
    return 0;
}

/* ---- readers ---- */

static int s_get(store_t *base, const char *type, const char *id, json_object **out)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    sqlite3_stmt *st = NULL;
    *out = NULL;
    pthread_mutex_lock(&s->rmu);
    int rc = STORE_ERR_IO;
    if (sqlite3_prepare_v2(s->rdb, "SELECT node FROM nodes WHERE type = ?1 AND id = ?2", -1, &st, NULL) == SQLITE_OK)
        rc = get_node(st, type, id, out);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

static int each_row(sqlite3_stmt *st, store_record_fn fn, void *ctx)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = store_type_static((const char *)sqlite3_column_text(st, 0));
        const char *id = (const char *)sqlite3_column_text(st, 1);
        json_object *node = col_json(st, 2);
        if (type && id && node)
            fn(ctx, type, id, node);
        json_object_put(node);
    }
    return rc == SQLITE_DONE ? 0 : STORE_ERR_IO;
}

static int s_find(store_t *base, const char *type, const char *field, const char *value, store_record_fn fn, void *ctx)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    char path[256];
    if (field && (snprintf(path, sizeof path, "$.\"%s\"", field) >= (int)sizeof path || strchr(field, '"')))
        return STORE_ERR_INVALID;
    sqlite3_stmt *st = NULL;
    int rc = STORE_ERR_IO;
    pthread_mutex_lock(&s->rmu);
    const char *sql = field ? "SELECT type, id, node FROM nodes WHERE type = ?1 AND json_extract(node, ?2) = ?3"
                              " ORDER BY id"
                            : "SELECT type, id, node FROM nodes WHERE type = ?1 ORDER BY id";
    if (sqlite3_prepare_v2(s->rdb, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
        if (field) {
            sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_STATIC);
        }
        rc = each_row(st, fn, ctx);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

static int s_load_directory(store_t *base, store_record_fn fn, void *ctx)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    int rc = 0;
    pthread_mutex_lock(&s->rmu);
    for (int i = 0; rc == 0 && store_directory_order(i); i++) {
        sqlite3_stmt *st = NULL;
        rc = STORE_ERR_IO;
        if (sqlite3_prepare_v2(s->rdb, "SELECT type, id, node FROM nodes WHERE type = ?1", -1, &st, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(st, 1, store_directory_order(i), -1, SQLITE_STATIC);
            rc = each_row(st, fn, ctx);
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

/* Judges a cursor against the log bounds; caller holds rmu inside a read transaction. */
static int check_locked(sqlite_store_t *s, const char *cursor, uint64_t *seq)
{
    int err = 0;
    if (store_seq_cursor_decode(cursor, seq) != 0)
        return STORE_ERR_CURSOR_MALFORMED;
    int64_t head = read_int(s->rdb, HEAD_SQL, 0, &err);
    int64_t pruned = read_int(s->rdb, PRUNED_SQL, 0, &err);
    if (err)
        return STORE_ERR_IO;
    if (*seq > (uint64_t)head)
        return STORE_ERR_CURSOR_MALFORMED; /* a position this log never had */
    if (*seq < (uint64_t)pruned)
        return STORE_ERR_CURSOR_EXPIRED;
    return 0;
}

static int row_change(sqlite3_stmt *st, store_change_t *c)
{
    memset(c, 0, sizeof *c);
    c->seq = (uint64_t)sqlite3_column_int64(st, 0);
    store_seq_cursor_encode(c->seq, c->cursor);
    c->time_ms = sqlite3_column_int64(st, 1);
    c->type = store_type_static((const char *)sqlite3_column_text(st, 2));
    c->id = col_strdup(st, 3);
    c->mutation = (store_mutation_t)sqlite3_column_int(st, 4);
    c->node = col_json(st, 5);
    c->previous = col_json(st, 6);
    c->updated_fields = col_json(st, 7);
    c->organization_id = col_strdup(st, 8);
    c->blob_id = col_strdup(st, 9);
    c->session_id = col_strdup(st, 10);
    c->execution_id = col_strdup(st, 11);
    if (!c->type || !c->id || c->mutation < STORE_CREATED || c->mutation > STORE_DELETED)
        return -1;
    return 0;
}

/* Copies up to `max` rows after `seq` into *out (caller frees each and the array); returns the
 * count or STORE_ERR_IO. Caller holds rmu inside the read transaction. */
static int read_page(sqlite_store_t *s, uint64_t seq, int max, store_change_t **out)
{
    sqlite3_stmt *st = NULL;
    store_change_t *page = calloc((size_t)max, sizeof *page);
    int n = 0, step = SQLITE_ERROR;
    *out = NULL;
    if (!page)
        return STORE_ERR_NOMEM;
    if (sqlite3_prepare_v2(s->rdb, "SELECT " CHANGE_COLUMNS " FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (int64_t)seq);
        sqlite3_bind_int(st, 2, max);
        while (n < max && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (row_change(st, &page[n]) != 0)
                store_change_clear(&page[n]); /* a row of a type this build does not know */
            else
                n++;
        }
    }
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        for (int i = 0; i < n; i++)
            store_change_clear(&page[i]);
        free(page);
        return STORE_ERR_IO;
    }
    *out = page;
    return n;
}

static int s_log_read(store_t *base, const char *after, int max, store_change_fn fn, void *ctx)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    uint64_t seq = 0;
    int rc = 0, err = 0;
    store_change_t *page = NULL;
    pthread_mutex_lock(&s->rmu);
    /* One read transaction: the bounds check and the rows come from the same snapshot, so a
     * concurrent pruning pass cannot open a gap between them. The page is copied out and the
     * transaction ended before delivery: a slow consumer must not hold the reader lock (nor
     * WAL checkpoints) while it writes to sockets. */
    if (exec(s->rdb, "BEGIN") != 0) {
        pthread_mutex_unlock(&s->rmu);
        return STORE_ERR_IO;
    }
    if (after && *after) {
        rc = check_locked(s, after, &seq);
    } else {
        seq = (uint64_t)read_int(s->rdb, PRUNED_SQL, 0, &err);
        rc = err;
    }
    if (rc == 0)
        rc = read_page(s, seq, max > 0 ? max : 1000, &page);
    exec(s->rdb, "COMMIT");
    pthread_mutex_unlock(&s->rmu);
    int count = 0;
    bool stop = false;
    for (int i = 0; i < rc; i++) {
        if (!stop) {
            count++;
            stop = fn(ctx, &page[i]) != 0;
        }
        store_change_clear(&page[i]);
    }
    free(page);
    return rc < 0 ? rc : count;
}

static int s_log_head(store_t *base, char out[STORE_CURSOR_MAX])
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    int err = 0;
    pthread_mutex_lock(&s->rmu);
    int64_t head = read_int(s->rdb, HEAD_SQL, 0, &err);
    pthread_mutex_unlock(&s->rmu);
    store_seq_cursor_encode((uint64_t)head, out);
    return err;
}

static int s_cursor_check(store_t *base, const char *cursor)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    uint64_t seq;
    pthread_mutex_lock(&s->rmu);
    if (exec(s->rdb, "BEGIN") != 0) {
        pthread_mutex_unlock(&s->rmu);
        return STORE_ERR_IO;
    }
    int rc = check_locked(s, cursor, &seq);
    exec(s->rdb, "COMMIT");
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

static void s_close(store_t *base)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    store_writer_close(s->base.writer);
    sqlite3_finalize(s->w_get);
    sqlite3_finalize(s->w_put);
    sqlite3_finalize(s->w_del);
    sqlite3_finalize(s->w_log);
    sqlite3_finalize(s->w_head);
    sqlite3_close(s->wdb);
    sqlite3_close(s->rdb);
    blob_cache_drop(s);
    pthread_mutex_destroy(&s->rmu);
    pthread_mutex_destroy(&s->wmu);
    free(s);
}

static const store_ops_t sqlite_ops = {
    .name = "sqlite",
    .close = s_close,
    .get = s_get,
    .find = s_find,
    .load_directory = s_load_directory,
    .log_read = s_log_read,
    .log_head = s_log_head,
    .cursor_check = s_cursor_check,
    .watch = s_watch,
};

store_t *store_sqlite_open(const store_sqlite_opts_t *o)
{
    char path[4096];
    sqlite_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &sqlite_ops;
    s->base.nodes = o->nodes;
    s->base.directory = o->directory;
    store_types_init(&s->base);
    s->retention_sec = o->retention_sec;
    s->retention_max = o->retention_max;
    pthread_mutex_init(&s->rmu, NULL);
    pthread_mutex_init(&s->wmu, NULL);
    if (mkdir_p(o->data_dir) != 0) {
        rt_log_error("store", "cannot create data dir %s: %s", o->data_dir, strerror(errno));
        goto fail;
    }
    if (snprintf(path, sizeof path, "%s/%s", o->data_dir, STORE_SQLITE_FILE) >= (int)sizeof path)
        goto fail;
    s->wdb = open_db(path);
    if (!s->wdb || exec(s->wdb, SCHEMA_SQL) != 0)
        goto fail;
    s->rdb = open_db(path);
    if (!s->rdb)
        goto fail;
    if (sqlite3_prepare_v2(s->wdb, "SELECT node FROM nodes WHERE type = ?1 AND id = ?2", -1, &s->w_get, NULL) ||
        sqlite3_prepare_v2(s->wdb, "INSERT OR REPLACE INTO nodes(type, id, node) VALUES(?1, ?2, ?3)", -1, &s->w_put,
                           NULL) ||
        sqlite3_prepare_v2(s->wdb, "DELETE FROM nodes WHERE type = ?1 AND id = ?2", -1, &s->w_del, NULL) ||
        sqlite3_prepare_v2(s->wdb,
                           "INSERT INTO changes(time_ms, type, id, mutation, node, previous, updated,"
                           " organization_id, blob_id, session_id, execution_id)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                           -1, &s->w_log, NULL)) {
        rt_log_error("store", "cannot prepare statements: %s", sqlite3_errmsg(s->wdb));
        goto fail;
    }
    int err = 0;
    s->known_head = read_int(s->wdb, HEAD_SQL, 0, &err);
    if (err)
        goto fail;
    if (!(s->base.writer = store_writer_start(&writer_ops, &s->base, s)))
        goto fail;
    rt_log_info("store", "sqlite store %s (WAL, synchronous=FULL), log head s%lld", path, (long long)s->known_head);
    return &s->base;
fail:
    s_close(&s->base);
    return NULL;
}

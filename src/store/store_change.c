/* Schema-driven checks of ingestion records and the change computation of docs/schema.md#the-change-event: what an
 * upsert, patch or delete does to a stored node, which fields changed (JSON equality, schema
 * order), and the ownership ids of the change. Pure functions over json-c values. */
#include "store/store.h"
#include "util/util_clock.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* Event types are append-only feeds: an event, once published, is immutable. */
static bool is_event_type(const char *type)
{
    return strcmp(type, "ExecutionEvent") == 0 || strcmp(type, "SessionEvent") == 0;
}

static const gql_type_t *find_type(const gql_schema_t *sc, const char *name)
{
    if (!sc)
        return NULL;
    for (int i = 0; i < sc->ntypes; i++)
        if (sc->types[i].name && strcmp(sc->types[i].name, name) == 0)
            return &sc->types[i];
    return NULL;
}

static int known_index(const char *type)
{
    for (int i = 0; i < STORE_NTYPES; i++)
        if (strcmp(type, store_type_name(i)) == 0)
            return i;
    return -1;
}

static const gql_type_t *lookup_def(const store_t *s, int k, const gql_schema_t **schema_out)
{
    const gql_schema_t *sc = k < STORE_NNODE_TYPES ? s->nodes : s->directory;
    const gql_type_t *t = find_type(sc, store_type_name(k));
    if (!t || t->kind != GQL_TK_OBJECT)
        return NULL;
    *schema_out = sc;
    return t;
}

void store_types_init(store_t *s)
{
    for (int k = 0; k < STORE_NTYPES; k++) {
        s->def_schemas[k] = NULL;
        s->defs[k] = lookup_def(s, k, &s->def_schemas[k]);
    }
    s->defs_ready = true;
}

const gql_type_t *store_type_def(const store_t *s, const char *type, const gql_schema_t **schema_out)
{
    if (!type)
        return NULL;
    int k = known_index(type);
    if (k < 0)
        return NULL;
    const gql_schema_t *sc = NULL;
    const gql_type_t *t = s->defs_ready ? s->defs[k] : lookup_def(s, k, &sc);
    if (s->defs_ready)
        sc = s->def_schemas[k];
    if (t && schema_out)
        *schema_out = sc;
    return t;
}

/* ---- JSON equality ---- */

static bool is_number(json_object *v)
{
    json_type t = json_object_get_type(v);
    return t == json_type_int || t == json_type_double;
}

static bool number_equal(json_object *a, json_object *b)
{
    bool ai = json_object_get_type(a) == json_type_int, bi = json_object_get_type(b) == json_type_int;
    if (ai && bi)
        return json_object_get_int64(a) == json_object_get_int64(b);
    if (!ai && !bi)
        return json_object_get_double(a) == json_object_get_double(b);
    json_object *i = ai ? a : b, *d = ai ? b : a;
    double dv = json_object_get_double(d);
    /* An int64 compared with a double: equal only when the double is integral and in range, so
     * large integers do not compare equal through rounding. */
    if (!isfinite(dv) || dv != floor(dv) || dv < -9223372036854775808.0 || dv >= 9223372036854775808.0)
        return false;
    return (int64_t)dv == json_object_get_int64(i);
}

bool store_json_equal(json_object *a, json_object *b)
{
    json_type ta = a ? json_object_get_type(a) : json_type_null;
    json_type tb = b ? json_object_get_type(b) : json_type_null;
    if (is_number(a) && is_number(b))
        return number_equal(a, b);
    if (ta != tb)
        return false;
    switch (ta) {
    case json_type_null: return true;
    case json_type_boolean: return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b), (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array: {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!store_json_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                return false;
        return true;
    }
    case json_type_object: {
        if (json_object_object_length(a) != json_object_object_length(b))
            return false;
        json_object_object_foreach(a, k, va)
        {
            json_object *vb;
            if (!json_object_object_get_ex(b, k, &vb))
                return false;
            if (!store_json_equal(va, vb))
                return false;
        }
        return true;
    }
    default: return false;
    }
}

/* ---- value checks ---- */

/* RFC 3339 date-time (util_clock.h). */
static bool is_rfc3339(const char *s)
{
    int64_t ms;
    return rt_rfc3339_ms(s, strlen(s), &ms);
}

static bool is_int32(json_object *v)
{
    if (json_object_get_type(v) == json_type_int) {
        int64_t i = json_object_get_int64(v); /* saturates beyond int64: still out of range */
        return i >= INT32_MIN && i <= INT32_MAX;
    }
    if (json_object_get_type(v) == json_type_double) {
        double d = json_object_get_double(v);
        return isfinite(d) && d == floor(d) && d >= INT32_MIN && d <= INT32_MAX;
    }
    return false;
}

/* ---- ids (docs/ingestion.md): 1 to STORE_ID_MAX_CHARS characters, no control characters;
 * Organization and User ids without ':', since a Membership id is "<organizationId>:<userId>". */

/* Checks the id text `v` (len bytes, valid UTF-8 as ingestion decoded it); returns a malloc'd
 * reason naming `what`, or NULL. */
static char *check_id_text(const char *what, const char *v, size_t len, bool no_colon)
{
    if (len == 0)
        return fmt("%s must be a non-empty string", what);
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c & 0xC0) != 0x80)
            chars++;
        /* C0, DEL and C1 (U+0080..U+009F, encoded C2 80..C2 9F) */
        if (c < 0x20 || c == 0x7F || (c == 0xC2 && i + 1 < len && (unsigned char)v[i + 1] < 0xA0))
            return fmt("%s must not contain NUL or other control characters", what);
        if (c == ':' && no_colon)
            return fmt("%s must not contain ':' (a Membership id is \"<organizationId>:<userId>\")", what);
    }
    if (chars > STORE_ID_MAX_CHARS)
        return fmt("%s is longer than %d characters", what, STORE_ID_MAX_CHARS);
    return NULL;
}

static char *check_id(const char *what, json_object *v, bool no_colon)
{
    if (json_object_get_type(v) != json_type_string)
        return fmt("%s must be a non-empty string", what);
    return check_id_text(what, json_object_get_string(v), (size_t)json_object_get_string_len(v), no_colon);
}

/* Ids that a Membership id is built from: an Organization's or User's own id, and a
 * Membership's organizationId and userId. */
static bool id_refuses_colon(const char *type, const char *field)
{
    if (strcmp(type, "Organization") == 0 || strcmp(type, "User") == 0)
        return strcmp(field, "id") == 0;
    if (strcmp(type, "Membership") == 0)
        return strcmp(field, "organizationId") == 0 || strcmp(field, "userId") == 0;
    return false;
}

/* A Membership record's id: "<organizationId>:<userId>", each part a valid id. */
static char *check_membership_id(json_object *v)
{
    if (json_object_get_type(v) != json_type_string || json_object_get_string_len(v) == 0)
        return fmt("'id' must be a non-empty string");
    const char *t = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    const char *colon = memchr(t, ':', len);
    if (!colon)
        return fmt("a Membership 'id' is \"<organizationId>:<userId>\"");
    char *m = check_id_text("the organizationId in 'id'", t, (size_t)(colon - t), true);
    if (!m)
        m = check_id_text("the userId in 'id'", colon + 1, len - (size_t)(colon - t) - 1, true);
    return m;
}

/* Checks a non-null value against a type reference; returns a malloc'd reason or NULL. */
static char *check_value(const gql_schema_t *sc, const gql_typeref_t *r, json_object *v, const char *field,
                         bool no_colon)
{
    if (r->wrap == GQL_TR_NON_NULL)
        r = r->of;
    if (r->wrap == GQL_TR_LIST) {
        if (json_object_get_type(v) != json_type_array)
            return fmt("field '%s' must be a list", field);
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (!e) {
                if (r->of->wrap == GQL_TR_NON_NULL)
                    return fmt("field '%s' must not contain null", field);
                continue;
            }
            char *m = check_value(sc, r->of, e, field, no_colon);
            if (m)
                return m;
        }
        return NULL;
    }
    if (r->named < 0 || r->named >= sc->ntypes)
        return fmt("field '%s' has an unknown type", field);
    const gql_type_t *t = &sc->types[r->named];
    json_type jt = json_object_get_type(v);
    if (t->kind == GQL_TK_ENUM) {
        if (jt == json_type_string) {
            const char *sv = json_object_get_string(v);
            for (int i = 0; i < t->nenum_values; i++)
                if (strcmp(t->enum_values[i].name, sv) == 0)
                    return NULL;
        }
        return fmt("field '%s' must be one of the %s values", field, t->name);
    }
    if (t->kind != GQL_TK_SCALAR)
        return fmt("field '%s' of type %s cannot be published", field, t->name);
    const char *n = t->name;
    if (strcmp(n, "ID") == 0) {
        char what[160];
        snprintf(what, sizeof what, "field '%s' (ID)", field);
        return check_id(what, v, no_colon);
    } else if (strcmp(n, "String") == 0 || strcmp(n, "Cursor") == 0) {
        if (jt != json_type_string)
            return fmt("field '%s' must be a string", field);
    } else if (strcmp(n, "Int") == 0) {
        if (!is_int32(v))
            return fmt("field '%s' must be a 32-bit integer", field);
    } else if (strcmp(n, "Float") == 0) {
        if (!is_number(v))
            return fmt("field '%s' must be a number", field);
    } else if (strcmp(n, "Boolean") == 0) {
        if (jt != json_type_boolean)
            return fmt("field '%s' must be a boolean", field);
    } else if (strcmp(n, "DateTime") == 0) {
        if (jt != json_type_string || !is_rfc3339(json_object_get_string(v)))
            return fmt("field '%s' must be an RFC 3339 date-time string", field);
    }
    /* JSON and any other custom scalar: any value. */
    return NULL;
}

/* Checks every field of `node`; with `full`, also that every non-null field is present. */
static char *check_node(const gql_schema_t *sc, const gql_type_t *t, json_object *node, bool full)
{
    json_object_object_foreach(node, k, v)
    {
        const gql_field_t *f = NULL;
        for (int i = 0; i < t->nfields && !f; i++)
            if (strcmp(t->fields[i].name, k) == 0)
                f = &t->fields[i];
        if (!f)
            return fmt("unknown field '%s' of %s", k, t->name);
        if (!v) {
            if (f->type->wrap == GQL_TR_NON_NULL)
                return fmt("field '%s' of %s must not be null", k, t->name);
            continue;
        }
        char *m = check_value(sc, f->type, v, k, id_refuses_colon(t->name, k));
        if (m)
            return m;
    }
    if (full) {
        for (int i = 0; i < t->nfields; i++) {
            const gql_field_t *f = &t->fields[i];
            if (f->type->wrap != GQL_TR_NON_NULL)
                continue;
            if (strcmp(t->name, "Membership") == 0 && strcmp(f->name, "id") == 0)
                continue; /* derived from organizationId and userId */
            json_object *v = NULL;
            if (!json_object_object_get_ex(node, f->name, &v) || !v)
                return fmt("missing required field '%s' of %s", f->name, t->name);
        }
    }
    return NULL;
}

static const char *str_field(json_object *node, const char *name)
{
    json_object *v;
    if (!node || !json_object_object_get_ex(node, name, &v) || json_object_get_type(v) != json_type_string)
        return NULL;
    return json_object_get_string(v);
}

char *store_node_id(const char *type, json_object *node)
{
    if (!node)
        return NULL;
    if (strcmp(type, "Membership") == 0) {
        const char *o = str_field(node, "organizationId"), *u = str_field(node, "userId");
        /* "<organizationId>:<userId>" must name one pair only: no ':' in either id */
        if (!o || !u || !*o || !*u || strchr(o, ':') || strchr(u, ':'))
            return NULL;
        return fmt("%s:%s", o, u);
    }
    const char *id = str_field(node, "id");
    return id && *id ? strdup(id) : NULL;
}

/* A JSON string whose C-string view is the whole string (no embedded NUL). */
static bool plain_string(json_object *v)
{
    return strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
}

typedef struct record_keys {
    json_object *type, *op, *id, *node;
    bool has_id, has_node;
} record_keys_t;

/* Phase 1: the record's own keys. Returns a malloc'd reason or NULL. */
static char *record_keys(json_object *rec, record_keys_t *k)
{
    memset(k, 0, sizeof *k);
    if (json_object_get_type(rec) != json_type_object)
        return fmt("a record must be a JSON object");
    json_object_object_foreach(rec, key, v)
    {
        if (strcmp(key, "type") == 0) {
            k->type = v;
        } else if (strcmp(key, "op") == 0) {
            k->op = v;
        } else if (strcmp(key, "id") == 0) {
            k->id = v;
            k->has_id = true;
        } else if (strcmp(key, "node") == 0) {
            k->node = v;
            k->has_node = true;
        } else {
            return fmt("unknown key '%s' in record (expected type, op, id, node)", key);
        }
    }
    return NULL;
}

/* Phase 2: a known type, an op it allows, and a valid 'id' when there is one. */
static char *record_type_op(const store_t *s, const record_keys_t *k, store_record_t *out, const gql_type_t **t,
                            const gql_schema_t **sc)
{
    if (json_object_get_type(k->type) != json_type_string || !plain_string(k->type))
        return fmt("'type' must be a string");
    *t = store_type_def(s, json_object_get_string(k->type), sc);
    if (!*t)
        return fmt("unknown type '%s'", json_object_get_string(k->type));
    const char *op =
        json_object_get_type(k->op) == json_type_string && plain_string(k->op) ? json_object_get_string(k->op) : "";
    if (strcmp(op, "upsert") == 0)
        out->op = STORE_OP_UPSERT;
    else if (strcmp(op, "patch") == 0)
        out->op = STORE_OP_PATCH;
    else if (strcmp(op, "delete") == 0)
        out->op = STORE_OP_DELETE;
    else
        return fmt("'op' must be \"upsert\", \"patch\" or \"delete\"");
    out->type = (*t)->name;
    if (is_event_type(out->type) && out->op != STORE_OP_UPSERT)
        return fmt("%s is an append-only feed: only \"upsert\" of a new event is accepted", out->type);
    if (!k->has_id)
        return NULL;
    return strcmp(out->type, "Membership") == 0 ? check_membership_id(k->id)
                                                : check_id("'id'", k->id, id_refuses_colon(out->type, "id"));
}

/* Phase 4: the id an upsert (from its node) or a patch (from the record) names. */
static int record_node_id(const record_keys_t *k, store_record_t *out, char **msg)
{
    const char *rid = k->has_id ? json_object_get_string(k->id) : NULL;
    if (out->op == STORE_OP_UPSERT) {
        out->id = store_node_id(out->type, k->node);
        if (!out->id) {
            *msg = strcmp(out->type, "Membership") == 0
                       ? fmt("Membership needs organizationId (without ':') and userId")
                       : fmt("node.id must be a non-empty string");
            return STORE_ERR_INVALID;
        }
        if (rid && strcmp(out->id, rid) != 0) {
            *msg = fmt("'id' does not match the node's id");
            return STORE_ERR_INVALID;
        }
        return 0;
    }
    if (!rid) {
        *msg = fmt("patch needs 'id'");
        return STORE_ERR_INVALID;
    }
    const char *nid = str_field(k->node, "id");
    if (nid && strcmp(nid, rid) != 0) {
        *msg = fmt("patch cannot change a node's id");
        return STORE_ERR_INVALID;
    }
    out->id = strdup(rid);
    return out->id ? 0 : STORE_ERR_NOMEM;
}

int store_record_parse(const store_t *s, json_object *rec, store_record_t *out, char **msg)
{
    record_keys_t k;
    const gql_type_t *t = NULL;
    const gql_schema_t *sc = NULL;
    memset(out, 0, sizeof *out);
    *msg = record_keys(rec, &k);
    if (!*msg)
        *msg = record_type_op(s, &k, out, &t, &sc);
    if (*msg)
        return STORE_ERR_INVALID;
    /* Phase 3: a delete names its id only; the others carry a node that fits the type. */
    if (out->op == STORE_OP_DELETE) {
        if (!k.has_id)
            *msg = fmt("delete needs 'id'");
        else if (k.has_node)
            *msg = fmt("delete takes no 'node'");
        if (*msg)
            return STORE_ERR_INVALID;
        out->id = strdup(json_object_get_string(k.id));
        return out->id ? 0 : STORE_ERR_NOMEM;
    }
    if (json_object_get_type(k.node) != json_type_object) {
        *msg = fmt("'node' must be a JSON object");
        return STORE_ERR_INVALID;
    }
    *msg = check_node(sc, t, k.node, out->op == STORE_OP_UPSERT);
    if (*msg)
        return STORE_ERR_INVALID;
    int rc = record_node_id(&k, out, msg);
    if (rc != 0) {
        store_record_clear(out);
        return rc;
    }
    out->node = json_object_get(k.node);
    return 0;
}

/* ---- change computation ---- */

static json_object *merge(json_object *old, json_object *patch)
{
    json_object *m = json_object_new_object();
    if (!m)
        return NULL;
    if (old) {
        json_object_object_foreach(old, k, v)
        {
            if (json_object_object_add(m, k, json_object_get(v)) != 0)
                goto fail;
        }
    }
    json_object_object_foreach(patch, k2, v2)
    {
        if (json_object_object_add(m, k2, json_object_get(v2)) != 0)
            goto fail;
    }
    return m;
fail:
    json_object_put(m);
    return NULL;
}

/* Names of the fields whose values differ, in schema order; absent and null are the same
 * value (a client reading the node sees null either way). */
static json_object *diff_fields(const gql_type_t *t, json_object *a, json_object *b)
{
    json_object *arr = json_object_new_array();
    if (!arr)
        return NULL;
    for (int i = 0; i < t->nfields; i++) {
        json_object *va = NULL, *vb = NULL;
        json_object_object_get_ex(a, t->fields[i].name, &va);
        json_object_object_get_ex(b, t->fields[i].name, &vb);
        if (!store_json_equal(va, vb))
            json_object_array_add(arr, json_object_new_string(t->fields[i].name));
    }
    return arr;
}

int store_change_compute(const store_t *s, const store_record_t *r, json_object *old, bool *changed, json_object **next,
                         store_change_t *c, char **msg)
{
    *changed = false;
    *next = NULL;
    *msg = NULL;
    const gql_schema_t *sc = NULL;
    const gql_type_t *t = store_type_def(s, r->type, &sc);
    if (!t) {
        *msg = fmt("unknown type '%s'", r->type);
        return STORE_ERR_INVALID;
    }
    json_object *newv = NULL;
    switch (r->op) {
    case STORE_OP_DELETE:
        if (!old)
            return 0; /* deleting what does not exist changes nothing */
        c->mutation = STORE_DELETED;
        c->previous = json_object_get(old);
        *changed = true;
        return 0;
    case STORE_OP_UPSERT:
        if (old && is_event_type(r->type)) {
            if (store_json_equal(old, r->node))
                return 0; /* a retried publish of the same event */
            *msg = fmt("%s '%s' already exists: events are append-only", r->type, r->id);
            return STORE_ERR_INVALID;
        }
        newv = json_object_get(r->node);
        break;
    case STORE_OP_PATCH:
        newv = merge(old, r->node);
        if (!newv)
            return STORE_ERR_NOMEM;
        if (!old) {
            char *m = check_node(sc, t, newv, true);
            if (m) {
                *msg = fmt("patch of unknown %s '%s' cannot create it: %s", r->type, r->id, m);
                free(m);
                json_object_put(newv);
                return STORE_ERR_INVALID;
            }
        }
        if (strcmp(r->type, "Membership") == 0) {
            char *nid = store_node_id(r->type, newv);
            bool same = nid && strcmp(nid, r->id) == 0;
            free(nid);
            if (!same) {
                *msg = fmt("Membership id '%s' must be '<organizationId>:<userId>' of the node", r->id);
                json_object_put(newv);
                return STORE_ERR_INVALID;
            }
        }
        break;
    }
    if (!old) {
        c->mutation = STORE_CREATED;
        c->node = json_object_get(newv);
        *next = newv;
        *changed = true;
        return 0;
    }
    json_object *fields = diff_fields(t, old, newv);
    if (!fields) {
        json_object_put(newv);
        return STORE_ERR_NOMEM;
    }
    if (json_object_array_length(fields) == 0) {
        json_object_put(fields);
        json_object_put(newv);
        return 0;
    }
    c->mutation = STORE_UPDATED;
    c->node = json_object_get(newv);
    c->previous = json_object_get(old);
    c->updated_fields = fields;
    *next = newv;
    *changed = true;
    return 0;
}

static int dup_field(char **dst, json_object *node, const char *name)
{
    const char *v = str_field(node, name);
    if (!v || *dst)
        return 0;
    *dst = strdup(v);
    return *dst ? 0 : STORE_ERR_NOMEM;
}

int store_change_owners(store_change_t *c, const char *blob_org)
{
    json_object *n = c->node ? c->node : c->previous;
    const char *type = c->type;
    int rc = 0;
    if (strcmp(type, "Organization") == 0) {
        c->organization_id = strdup(c->id);
        return c->organization_id ? 0 : STORE_ERR_NOMEM;
    }
    if (strcmp(type, "Blob") == 0) {
        c->blob_id = strdup(c->id);
        if (!c->blob_id)
            return STORE_ERR_NOMEM;
        return dup_field(&c->organization_id, n, "organizationId");
    }
    rc |= dup_field(&c->organization_id, n, "organizationId");
    rc |= dup_field(&c->blob_id, n, "blobId");
    rc |= dup_field(&c->session_id, n, "sessionId");
    rc |= dup_field(&c->execution_id, n, "executionId");
    if (strcmp(type, "Session") == 0 && !c->session_id)
        c->session_id = strdup(c->id);
    if (strcmp(type, "Execution") == 0 && !c->execution_id)
        c->execution_id = strdup(c->id);
    if (blob_org && !c->organization_id)
        c->organization_id = strdup(blob_org);
    if (rc || (strcmp(type, "Session") == 0 && !c->session_id) || (strcmp(type, "Execution") == 0 && !c->execution_id))
        return STORE_ERR_NOMEM;
    return 0;
}

/* Decoding and validation of ingestion bodies; see http_events_body.h. */
#include "http/http_events_body.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util_json.h"

bool http_events_authorized(const char *service_key, const char *authorization)
{
    if (!service_key || !authorization || sodium_init() < 0)
        return false;
    const char *p = authorization;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return false;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
    crypto_generichash(a, sizeof a, (const unsigned char *)p, n, NULL, 0);
    crypto_generichash(b, sizeof b, (const unsigned char *)service_key, strlen(service_key), NULL, 0);
    return n > 0 && sodium_memcmp(a, b, sizeof a) == 0;
}

void http_events_error_add(json_object *errors, int index, const char *message)
{
    json_object *e = json_object_new_object();
    if (!e)
        return;
    json_object_object_add(e, "index", json_object_new_int(index));
    json_object_object_add(e, "message", json_object_new_string(message ? message : "invalid record"));
    json_object_array_add(errors, e);
}

static size_t skip_ws(const char *b, size_t i, size_t len)
{
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    return i;
}

static int fail_at(json_object **errors, int index, const char *message)
{
    *errors = json_object_new_array();
    if (*errors)
        http_events_error_add(*errors, index, message);
    return -1;
}

/* Counts '{' and '[' outside strings; stops counting past `limit`. */
static size_t count_containers(const char *b, size_t len, size_t limit)
{
    size_t n = 0;
    bool in_str = false;
    for (size_t i = 0; i < len && n <= limit; i++) {
        char c = b[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            n++;
        }
    }
    return n;
}

/* Why a value failed the scan: when it nests deeper than `limit`, the index of the record
 * where it does (the element of a top-level array when `array_form`, else 0); -1 otherwise.
 * Iterative, so no body can exhaust the stack. */
static int too_deep_at(const char *b, size_t len, int limit, bool array_form)
{
    int depth = 0, index = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = b[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return array_form ? index : 0;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0)
                return -1;
        } else if (c == ',' && depth == 1) {
            index++;
        }
    }
    return -1;
}

int http_events_decode(const char *body, size_t len, json_object **records, json_object **errors)
{
    *records = NULL;
    *errors = NULL;
    if (!body)
        len = 0;
    size_t pos = skip_ws(body, 0, len);
    if (pos == len)
        return fail_at(errors, 0, "empty body: expected a JSON record, an array of records or NDJSON");
    if (count_containers(body, len, HTTP_EVENTS_MAX_CONTAINERS) > HTTP_EVENTS_MAX_CONTAINERS)
        return fail_at(errors, -1, "too many JSON objects and arrays in one request (at most 250000): split it");
    json_object *out = json_object_new_array();
    char msg[160];
    int index = 0;
    bool array_form = body[pos] == '[';
    /* The limit counts from the record: the array around records is one more level. */
    int limit = STORE_JSON_MAX_DEPTH + (array_form ? 1 : 0);
    if (!out)
        goto nomem;
    /* One strict grammar for every value (util_json): the scan finds where a value ends, so
     * concatenated records and NDJSON need no line splitting. */
    while (pos < len) {
        size_t used = 0;
        int sc = rt_json_scan(body + pos, len - pos, limit, &used);
        int deep = sc == -1 ? too_deep_at(body + pos, len - pos, limit, array_form) : -1;
        if (sc == -2) {
            snprintf(msg, sizeof msg, "invalid JSON: truncated record");
            goto bad;
        } else if (deep >= 0) {
            index += deep;
            snprintf(msg, sizeof msg, "record nested deeper than %d levels (the limit, counted from the record)",
                     STORE_JSON_MAX_DEPTH);
            goto bad;
        } else if (sc < 0) {
            snprintf(msg, sizeof msg, "invalid JSON");
            goto bad;
        }
        json_object *v = NULL;
        if (rt_json_parse(body + pos, used, limit, &v) < 0)
            goto nomem;
        pos += used;
        if (array_form) {
            pos = skip_ws(body, pos, len);
            if (pos != len) {
                index = v && json_object_get_type(v) == json_type_array ? (int)json_object_array_length(v) : 0;
                json_object_put(v);
                snprintf(msg, sizeof msg, "invalid JSON: unexpected data after the array");
                goto bad;
            }
            *records = v;
            json_object_put(out);
            return 0;
        }
        if (json_object_array_add(out, v) != 0) {
            json_object_put(v);
            goto nomem;
        }
        index++;
        pos = skip_ws(body, pos, len);
    }
    *records = out;
    return 0;
bad:
    json_object_put(out);
    return fail_at(errors, index, msg);
nomem:
    json_object_put(out);
    return fail_at(errors, index, "out of memory");
}

int http_events_validate(const store_t *s, json_object *records, store_record_t **out, int *n, json_object **errors)
{
    *out = NULL;
    *n = 0;
    *errors = NULL;
    size_t count = json_object_array_length(records);
    store_record_t *recs = calloc(count ? count : 1, sizeof *recs);
    json_object *errs = json_object_new_array();
    if (!recs || !errs) {
        free(recs);
        json_object_put(errs);
        return -2;
    }
    for (size_t i = 0; i < count; i++) {
        char *msg = NULL;
        int rc = store_record_parse(s, json_object_array_get_idx(records, i), &recs[i], &msg);
        if (rc != 0)
            http_events_error_add(errs, (int)i, msg ? msg : "out of memory");
        free(msg);
    }
    if (json_object_array_length(errs) > 0) {
        for (size_t i = 0; i < count; i++)
            store_record_clear(&recs[i]);
        free(recs);
        *errors = errs;
        return -1;
    }
    json_object_put(errs);
    *out = recs;
    *n = (int)count;
    return 0;
}

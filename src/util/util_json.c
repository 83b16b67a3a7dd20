/* json-c with its lenient defaults switched off: everything from the network goes through
 * rt_json_parse so that a trailing byte or a lone surrogate is an error everywhere alike. */
#include "util/util_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* RFC 8259 grammar check: json-c's strict mode still takes Infinity, NaN and raw control
 * characters inside strings, which JSON.parse (every peer of ours) refuses. */
typedef struct jv {
    const unsigned char *p, *end, *start;
    int depth, max_depth;
    bool collect; /* record where integers outside 64 bits end */
    size_t *big;
    size_t nbig, capbig;
} jv_t;

static void jv_ws(jv_t *v)
{
    while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
        v->p++;
}

static int jv_lit(jv_t *v, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(v->end - v->p) < n || memcmp(v->p, lit, n) != 0)
        return -1;
    v->p += n;
    return 0;
}

static int jv_string(jv_t *v)
{
    v->p++; /* opening quote */
    while (v->p < v->end) {
        unsigned char c = *v->p++;
        if (c == '"')
            return 0;
        if (c < 0x20)
            return -1;
        if (c != '\\')
            continue;
        if (v->p >= v->end)
            return -1;
        c = *v->p++;
        if (c == 'u') {
            for (int i = 0; i < 4; i++, v->p++)
                if (v->p >= v->end || !isxdigit(*v->p))
                    return -1;
        } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
            return -1;
        }
    }
    return -1;
}

static int jv_digits(jv_t *v)
{
    const unsigned char *s = v->p;
    while (v->p < v->end && isdigit(*v->p))
        v->p++;
    return v->p > s ? 0 : -1;
}

/* An integer literal json-c would clamp to 64 bits? (JSON.parse reads it as a double.) */
static bool jv_int_overflows(const unsigned char *s, size_t n)
{
    char buf[32];
    if (n < 19)
        return false;
    if (n >= sizeof buf)
        return true;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    if (buf[0] == '-')
        (void)strtoll(buf, NULL, 10);
    else
        (void)strtoull(buf, NULL, 10);
    return errno == ERANGE;
}

static int jv_number(jv_t *v)
{
    const unsigned char *s = v->p;
    bool integer = true;
    if (*v->p == '-')
        v->p++;
    if (v->p < v->end && *v->p == '0')
        v->p++;
    else if (jv_digits(v) < 0)
        return -1;
    if (v->p < v->end && *v->p == '.') {
        integer = false;
        v->p++;
        if (jv_digits(v) < 0)
            return -1;
    }
    if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
        integer = false;
        v->p++;
        if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
            v->p++;
        if (jv_digits(v) < 0)
            return -1;
    }
    if (integer && v->collect && jv_int_overflows(s, (size_t)(v->p - s))) {
        if (v->nbig == v->capbig) {
            size_t cap = v->capbig ? v->capbig * 2 : 8;
            size_t *nb = realloc(v->big, cap * sizeof *nb);
            if (!nb)
                return -1;
            v->big = nb;
            v->capbig = cap;
        }
        v->big[v->nbig++] = (size_t)(v->p - v->start);
    }
    return 0;
}

static int jv_value(jv_t *v)
{
    jv_ws(v);
    if (v->p >= v->end)
        return -1;
    switch (*v->p) {
    case '"': return jv_string(v);
    case 't': return jv_lit(v, "true");
    case 'f': return jv_lit(v, "false");
    case 'n': return jv_lit(v, "null");
    case '[':
    case '{': {
        unsigned char close = *v->p == '[' ? ']' : '}';
        int obj = close == '}';
        if (++v->depth > v->max_depth)
            return -1;
        v->p++;
        jv_ws(v);
        if (v->p < v->end && *v->p == close) {
            v->p++;
            v->depth--;
            return 0;
        }
        for (;;) {
            if (obj) {
                jv_ws(v);
                if (v->p >= v->end || *v->p != '"' || jv_string(v) < 0)
                    return -1;
                jv_ws(v);
                if (v->p >= v->end || *v->p++ != ':')
                    return -1;
            }
            if (jv_value(v) < 0)
                return -1;
            jv_ws(v);
            if (v->p >= v->end)
                return -1;
            if (*v->p == ',') {
                v->p++;
                continue;
            }
            if (*v->p++ != close)
                return -1;
            v->depth--;
            return 0;
        }
    }
    default:
        if (*v->p == '-' || isdigit(*v->p))
            return jv_number(v);
        return -1;
    }
}

static int jv_run(jv_t *v)
{
    if (jv_value(v) < 0)
        return -1;
    jv_ws(v);
    return v->p == v->end ? 0 : -1;
}

int rt_json_scan(const char *data, size_t len, int max_depth, size_t *used)
{
    jv_t v = {(const unsigned char *)data,
              (const unsigned char *)data + len,
              (const unsigned char *)data,
              0,
              max_depth,
              false,
              NULL,
              0,
              0};
    *used = 0;
    if (jv_value(&v) < 0)
        return v.p >= v.end ? -2 : -1;
    *used = (size_t)(v.p - v.start);
    return 0;
}

int rt_json_validate(const char *data, size_t len, int max_depth)
{
    jv_t v = {(const unsigned char *)data,
              (const unsigned char *)data + len,
              (const unsigned char *)data,
              0,
              max_depth,
              false,
              NULL,
              0,
              0};
    return jv_run(&v);
}

static int parse_checked(const char *data, size_t len, int max_depth, json_object **out);

int rt_json_parse(const char *data, size_t len, int max_depth, json_object **out)
{
    *out = NULL;
    if (len == 0 || len > (size_t)0x7fffffff)
        return -1;
    jv_t v = {(const unsigned char *)data,
              (const unsigned char *)data + len,
              (const unsigned char *)data,
              0,
              max_depth,
              true,
              NULL,
              0,
              0};
    if (jv_run(&v) < 0) {
        free(v.big);
        return -1;
    }
    /* Integers past 64 bits get a ".0" so json-c reads them as doubles, as JSON.parse does,
     * instead of clamping them. */
    char *copy = NULL;
    if (v.nbig) {
        copy = malloc(len + 2 * v.nbig + 1);
        if (!copy) {
            free(v.big);
            return -1;
        }
        size_t from = 0, to = 0;
        for (size_t i = 0; i < v.nbig; i++) {
            memcpy(copy + to, data + from, v.big[i] - from);
            to += v.big[i] - from;
            from = v.big[i];
            copy[to++] = '.';
            copy[to++] = '0';
        }
        memcpy(copy + to, data + from, len - from);
        to += len - from;
        data = copy;
        len = to;
    }
    free(v.big);
    int rc = parse_checked(data, len, max_depth, out);
    free(copy);
    return rc;
}

/* json-c on text already checked by jv_run. */
static int parse_checked(const char *data, size_t len, int max_depth, json_object **out)
{
    struct json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok)
        return -1;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (err == json_tokener_continue) {
        /* A bare number at the very end is only complete once the tokener sees an end. */
        json_object_put(obj);
        obj = NULL;
        struct json_tokener *t2 = json_tokener_new_ex(max_depth);
        if (!t2)
            return -1;
        json_tokener_set_flags(t2, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        obj = json_tokener_parse_ex(t2, data, (int)len);
        if (json_tokener_get_error(t2) == json_tokener_continue)
            obj = json_tokener_parse_ex(t2, "", 1);
        err = json_tokener_get_error(t2);
        end = len;
        json_tokener_free(t2);
    }
    if (err != json_tokener_success) {
        json_object_put(obj);
        return -1;
    }
    /* Only insignificant white space may follow the value. */
    for (size_t i = end; i < len; i++) {
        char c = data[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            json_object_put(obj);
            return -1;
        }
    }
    *out = obj;
    return 0;
}

const char *rt_json_str(json_object *obj, size_t *len)
{
    return json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

json_object *rt_json_get(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v))
        return v;
    return NULL;
}

const char *rt_json_typeof(json_object *v, int present)
{
    if (!present)
        return "undefined";
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_array: return "array";
    case json_type_object: return "object";
    case json_type_string: return "string";
    case json_type_boolean: return "boolean";
    default: return "number";
    }
}

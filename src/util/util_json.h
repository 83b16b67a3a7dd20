/* Strict JSON parsing of untrusted input (RFC 8259 only: no comments, no trailing garbage,
 * valid UTF-8, bounded nesting) and small json-c conveniences. */
#ifndef RT_UTIL_JSON_H
#define RT_UTIL_JSON_H

#include <json-c/json.h>
#include <stddef.h>

/* Parses exactly len bytes. Returns 0 and *out (caller owns a reference; NULL for the JSON
 * value null), or -1 when the text is not one complete JSON value within max_depth levels. */
int rt_json_parse(const char *data, size_t len, int max_depth, json_object **out);

/* 0 when data is exactly one RFC 8259 JSON text nested at most max_depth deep, else -1.
 * (rt_json_parse checks this first; json-c alone accepts more than the RFC.) */
int rt_json_validate(const char *data, size_t len, int max_depth);

/* Checks the one JSON value at the start of data (leading white space allowed) and sets *used
 * to where it ends, for bodies of several values (NDJSON). Returns 0; -2 when the input ends
 * inside the value; -1 when it is not JSON. */
int rt_json_scan(const char *data, size_t len, int max_depth, size_t *used);

/* Compact serialisation without escaping '/'; the string lives as long as obj. */
const char *rt_json_str(json_object *obj, size_t *len);

/* Member value when obj is an object holding key, else NULL (borrowed). */
json_object *rt_json_get(json_object *obj, const char *key);

/* The JSON type name as graphql-ws's extendedTypeof says it: null, array, object, string,
 * number, boolean; "undefined" for a missing value. */
const char *rt_json_typeof(json_object *v, int present);

#endif

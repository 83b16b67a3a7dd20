/* The pure parts of POST /v1/events: service-key check, body decoding (JSON object, JSON
 * array or NDJSON, recognised from the content) and record validation with every error
 * collected. No network, no store writes: unit-testable on their own. */
#ifndef RT_HTTP_EVENTS_BODY_H
#define RT_HTTP_EVENTS_BODY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* Does `authorization` ("Bearer <key>", scheme case-insensitive) carry `service_key`? Compared
 * in constant time over fixed-length digests, so neither the key's content nor its length leaks
 * through timing. False for NULL arguments. */
bool http_events_authorized(const char *service_key, const char *authorization);

/* Most JSON objects and arrays one request may contain. json-c spends ~0.5 KiB on each object,
 * so an 8 MiB body of "{}" would otherwise cost over a gigabyte while decoding; real records
 * (two or three objects each) stay far below this at the default body limit. */
#define HTTP_EVENTS_MAX_CONTAINERS 250000

/* Decodes a request body into a JSON array of records (new reference in *records). A body
 * starting with '[' is one array; otherwise one or more JSON values separated by whitespace
 * (one object = a single record; several = NDJSON). Returns 0, or -1 with *errors set to a JSON
 * array of {"index","message"} (caller owns) naming the record that failed to parse, or index -1
 * for a body with more than HTTP_EVENTS_MAX_CONTAINERS objects and arrays (checked first, by a
 * scan that allocates nothing). */
int http_events_decode(const char *body, size_t len, json_object **records, json_object **errors);

/* Validates every record (all errors are collected, in index order). On 0, *out is a malloc'd
 * array of *n records (caller owns; store_submit takes it). Otherwise -1 with *errors as above,
 * or -2 when memory ran out. */
int http_events_validate(const store_t *s, json_object *records, store_record_t **out, int *n, json_object **errors);

/* Appends {"index": i, "message": m} to an errors array. */
void http_events_error_add(json_object *errors, int index, const char *message);

#endif

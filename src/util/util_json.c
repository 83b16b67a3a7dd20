/* json-c with its lenient defaults switched off: everything from the network goes through
 * rt_json_parse so that a trailing byte or a lone surrogate is an error everywhere alike. */
#include "util/util_json.h"

#include <string.h>

int rt_json_parse(const char *data, size_t len, int max_depth, json_object **out)
{
    *out = NULL;
    if (len == 0 || len > (size_t)0x7fffffff)
        return -1;
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

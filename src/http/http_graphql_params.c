/* GraphQL over HTTP, the part without sockets: what to answer for one request. Decisions follow
 * graphql-http's createHandler (the reference the serverAudits check) so that clients see the
 * same statuses and media types as from a Node server. */
#include "http/http_graphql_params.h"
#include "util/util_json.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Deep JSON in a request body is never legitimate; bounded to keep the parser's stack small. */
#define HTTP_GQL_JSON_DEPTH 64

static const char ACCEPT_BOTH[] =
    "accept: application/graphql-response+json; charset=utf-8, application/json; charset=utf-8\r\n";

/* Copies s[0..len) without whitespace, lower-cased, into dst (cap bytes incl. NUL); returns the
 * length, or -1 if it does not fit. */
static int squeeze_lower(const char *s, size_t len, char *dst, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c))
            continue;
        if (n + 1 >= cap)
            return -1;
        dst[n++] = (char)tolower(c);
    }
    dst[n] = '\0';
    return (int)n;
}

/* The charset parameter among ";"-separated params (already squeezed), or NULL. */
static const char *find_charset(char *params)
{
    for (char *p = params; p && *p;) {
        char *semi = strchr(p, ';');
        if (semi)
            *semi = '\0';
        if (strstr(p, "charset="))
            return p;
        p = semi ? semi + 1 : NULL;
    }
    return NULL;
}

http_gql_media_t http_graphql_accept(const char *accept)
{
    if (!accept || !*accept)
        accept = "*/*";
    const char *p = accept;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char entry[256];
        if (squeeze_lower(p, len, entry, sizeof entry) >= 0) {
            char *semi = strchr(entry, ';');
            const char *charset = NULL;
            if (semi) {
                *semi = '\0';
                charset = find_charset(semi + 1);
            }
            if (!charset)
                charset = "charset=utf-8";
            if (strcmp(entry, "application/graphql-response+json") == 0 && strcmp(charset, "charset=utf-8") == 0)
                return HTTP_GQL_MT_GRAPHQL_RESPONSE;
            if ((strcmp(entry, "application/json") == 0 || strcmp(entry, "application/*") == 0 ||
                 strcmp(entry, "*/*") == 0) &&
                (strcmp(charset, "charset=utf-8") == 0 || strcmp(charset, "charset=utf8") == 0))
                return HTTP_GQL_MT_JSON;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return HTTP_GQL_MT_NONE;
}

void http_graphql_params_clear(http_gql_params_t *p)
{
    free(p->query);
    free(p->document_id);
    free(p->operation_name);
    if (p->variables)
        json_object_put(p->variables);
    if (p->extensions)
        json_object_put(p->extensions);
    memset(p, 0, sizeof *p);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *http_graphql_form_decode(const char *s, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            out[n++] = ' ';
        } else if (c == '%') {
            if (len - i < 3) {
                free(out);
                return NULL;
            }
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0) {
                free(out);
                return NULL;
            }
            out[n++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

/* Parses a whole JSON text (trailing whitespace allowed) with the server's one strict parser;
 * NULL on any error. *ok tells a literal null apart from a failure. */
static json_object *parse_json(const char *s, size_t len, int *ok)
{
    json_object *v = NULL;
    *ok = rt_json_parse(s, len, HTTP_GQL_JSON_DEPTH, &v) == 0;
    return v;
}

/* The checks graphql-http's parseRequestParams makes once the raw members are known; the query
 * may be missing when extensions.persistedQuery or documentId names a persisted document. */
static int check_members(json_object *query, json_object *op, json_object *vars, json_object *ext, json_object *doc_id,
                         http_gql_params_t *out, const char **message)
{
    bool persisted = rt_json_get(ext, "persistedQuery") || json_object_is_type(doc_id, json_type_string);
    if (doc_id && !json_object_is_type(doc_id, json_type_string)) {
        *message = "Invalid documentId";
        return 400;
    }
    if (!query && !persisted) {
        *message = "Missing query";
        return 400;
    }
    if (query && !json_object_is_type(query, json_type_string)) {
        *message = "Invalid query";
        return 400;
    }
    if (vars && !json_object_is_type(vars, json_type_object)) {
        *message = "Invalid variables";
        return 400;
    }
    if (op && !json_object_is_type(op, json_type_string)) {
        *message = "Invalid operationName";
        return 400;
    }
    if (ext && !json_object_is_type(ext, json_type_object)) {
        *message = "Invalid extensions";
        return 400;
    }
    if (query) {
        out->query_len = (size_t)json_object_get_string_len(query);
        out->query = malloc(out->query_len + 1);
        if (out->query) {
            memcpy(out->query, json_object_get_string(query), out->query_len);
            out->query[out->query_len] = '\0';
        }
    }
    out->document_id = doc_id ? strdup(json_object_get_string(doc_id)) : NULL;
    out->operation_name = op ? strdup(json_object_get_string(op)) : NULL;
    out->variables = vars ? json_object_get(vars) : NULL;
    out->extensions = ext ? json_object_get(ext) : NULL;
    if ((query && !out->query) || (op && !out->operation_name) || (doc_id && !out->document_id)) {
        http_graphql_params_clear(out);
        *message = "Out of memory";
        return 500;
    }
    return 0;
}

/* application/json with no parameter but an utf-8 charset. */
static int is_json_content_type(const char *ct)
{
    if (!ct)
        return 0;
    char buf[128];
    if (squeeze_lower(ct, strlen(ct), buf, sizeof buf) < 0)
        return 0;
    char *semi = strchr(buf, ';');
    if (semi) {
        *semi = '\0';
        const char *param = semi + 1;
        if (strcmp(param, "charset=utf-8") != 0 && strcmp(param, "charset=utf8") != 0)
            return 0;
    }
    return strcmp(buf, "application/json") == 0;
}

static int parse_post(const char *content_type, const char *body, size_t body_len, http_gql_params_t *out,
                      const char **message)
{
    if (!is_json_content_type(content_type)) {
        *message = "Unsupported Media Type";
        return 415;
    }
    if (!body || body_len == 0) {
        *message = "Missing body";
        return 400;
    }
    int ok;
    json_object *data = parse_json(body, body_len, &ok);
    if (!ok) {
        *message = "Unparsable JSON body";
        return 400;
    }
    if (!json_object_is_type(data, json_type_object)) {
        json_object_put(data);
        *message = "JSON body must be an object";
        return 400;
    }
    json_object *q = json_object_object_get(data, "query");
    json_object *op = json_object_object_get(data, "operationName");
    json_object *vars = json_object_object_get(data, "variables");
    json_object *ext = json_object_object_get(data, "extensions");
    json_object *doc_id = json_object_object_get(data, "documentId");
    int rc = check_members(q, op, vars, ext, doc_id, out, message);
    json_object_put(data);
    return rc;
}

/* Form-decodes the value of the first occurrence of `key` in a query string, like
 * URLSearchParams.get. Returns 0 with *val (caller frees; NULL when absent), or -1 on a bad
 * escape / no memory. */
static int qs_get(const char *qs, const char *key, char **val, size_t *vlen)
{
    *val = NULL;
    *vlen = 0;
    size_t klen = strlen(key);
    for (const char *p = qs; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        size_t dlen;
        char *name = http_graphql_form_decode(p, nlen, &dlen);
        if (!name)
            return -1;
        int match = dlen == klen && memcmp(name, key, klen) == 0;
        free(name);
        if (match) {
            const char *v = eq ? eq + 1 : p + len;
            *val = http_graphql_form_decode(v, (size_t)(p + len - v), vlen);
            return *val ? 0 : -1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static int parse_get(const char *qs, http_gql_params_t *out, const char **message)
{
    char *query = NULL, *op = NULL, *vars = NULL, *ext = NULL, *did = NULL;
    json_object *jq = NULL, *jop = NULL, *jvars = NULL, *jext = NULL, *jdid = NULL;
    int rc = 400;
    *message = "Unparsable URL";
    if (!qs)
        qs = "";
    size_t qlen, oplen, vlen, elen, dlen;
    if (qs_get(qs, "query", &query, &qlen) < 0 || qs_get(qs, "operationName", &op, &oplen) < 0 ||
        qs_get(qs, "variables", &vars, &vlen) < 0 || qs_get(qs, "extensions", &ext, &elen) < 0 ||
        qs_get(qs, "documentId", &did, &dlen) < 0)
        goto fail;
    int ok = 1;
    /* An empty variables/extensions value counts as absent, as in graphql-http. */
    if (vars && vlen)
        jvars = parse_json(vars, vlen, &ok);
    if (!ok)
        goto fail;
    if (ext && elen)
        jext = parse_json(ext, elen, &ok);
    if (!ok)
        goto fail;
    if (query && !(jq = json_object_new_string_len(query, (int)qlen)))
        goto nomem;
    if (op && !(jop = json_object_new_string_len(op, (int)oplen)))
        goto nomem;
    if (did && !(jdid = json_object_new_string_len(did, (int)dlen)))
        goto nomem;
    rc = check_members(jq, jop, jvars, jext, jdid, out, message);
    goto done;
nomem:
    rc = 500;
    *message = "Out of memory";
    goto done;
fail:
    rc = 400;
done:
    free(query);
    free(op);
    free(vars);
    free(ext);
    free(did);
    json_object_put(jdid);
    json_object_put(jq);
    json_object_put(jop);
    json_object_put(jvars);
    json_object_put(jext);
    return rc;
}

int http_graphql_parse_params(const char *method, const char *content_type, const char *query_string, const char *body,
                              size_t body_len, http_gql_params_t *out, const char **message)
{
    memset(out, 0, sizeof *out);
    *message = NULL;
    if (method && strcmp(method, "GET") == 0)
        return parse_get(query_string, out, message);
    if (method && strcmp(method, "POST") == 0)
        return parse_post(content_type, body, body_len, out, message);
    *message = "Method Not Allowed";
    return 405;
}

void http_graphql_answer_clear(http_gql_answer_t *a)
{
    rt_buf_free(&a->body);
    memset(a, 0, sizeof *a);
}

static const char *media_content_type(http_gql_media_t mt)
{
    return mt == HTTP_GQL_MT_GRAPHQL_RESPONSE ? "application/graphql-response+json; charset=utf-8"
                                              : "application/json; charset=utf-8";
}

static int put_json(rt_buf_t *b, json_object *v)
{
    size_t len;
    const char *s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    return s ? rt_buf_append(b, s, len) : -1;
}

/* {"errors":[{"message": msg}]} */
static int put_error_body(rt_buf_t *b, const char *msg)
{
    if (rt_buf_puts(b, "{\"errors\":[{\"message\":") < 0 || rt_buf_json_str(b, msg, strlen(msg)) < 0 ||
        rt_buf_puts(b, "}]}") < 0)
        return -1;
    return 0;
}

/* A request the server refuses before GraphQL runs: JSON body, given status. */
static int answer_plain_error(http_gql_answer_t *out, int status, const char *msg, const char *headers)
{
    out->status = status;
    out->content_type = "application/json; charset=utf-8";
    out->extra_headers = headers;
    return put_error_body(&out->body, msg);
}

/* Errors of the GraphQL request itself (syntax, validation, variables, operation choice):
 * a 200 for application/json clients, 400 with the new media type. */
static int answer_request_errors(http_gql_answer_t *out, http_gql_media_t mt, json_object *errors)
{
    out->status = mt == HTTP_GQL_MT_JSON ? 200 : 400;
    out->content_type = media_content_type(mt);
    if (rt_buf_puts(&out->body, "{\"errors\":") < 0 || put_json(&out->body, errors) < 0 ||
        rt_buf_putc(&out->body, '}') < 0)
        return -1;
    return 0;
}

int http_graphql_process(const gql_schema_t *schema, const gql_limits_t *limits, const http_gql_input_t *in,
                         gql_resolve_fn resolve, void *resolve_ctx, http_gql_answer_t *out)
{
    memset(out, 0, sizeof *out);
    http_gql_params_t params = {0};
    gql_request_t *req = NULL;
    json_object *errors = NULL, *result = NULL;
    char *pdoc = NULL; /* a persisted document run instead of params.query */
    int rc = -1;
    const char *method = in->method ? in->method : "";

    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        rc = answer_plain_error(out, 405, "Method Not Allowed", "allow: GET, POST\r\n");
        goto done;
    }
    http_gql_media_t mt = http_graphql_accept(in->accept);
    if (mt == HTTP_GQL_MT_NONE) {
        rc = answer_plain_error(out, 406, "Not Acceptable", ACCEPT_BOTH);
        goto done;
    }
    const char *msg;
    int status =
        http_graphql_parse_params(method, in->content_type, in->query_string, in->body, in->body_len, &params, &msg);
    if (status) {
        if (status == 500)
            goto done;
        rc = answer_plain_error(out, status, msg, NULL);
        goto done;
    }
    size_t qlen = params.query_len;
    int prc = gql_persist_resolve(in->persist, GQL_PERSIST_HTTP, params.query, params.query_len, params.extensions,
                                  params.document_id, &pdoc, &qlen, &errors);
    if (prc == GQL_OK && !pdoc && !params.query) {
        rc = answer_plain_error(out, 400, "Missing query", NULL);
        goto done;
    }
    if (prc == GQL_OK)
        prc = gql_request_prepare(schema, pdoc ? pdoc : params.query, qlen, params.variables, params.operation_name,
                                  limits, &req, &errors);
    if (prc == GQL_ERR_NOMEM) {
        goto done;
    } else if (prc != GQL_OK) {
        rc = errors ? answer_request_errors(out, mt, errors) : answer_plain_error(out, 400, "Bad Request", NULL);
        goto done;
    }
    gql_op_kind_t kind = gql_request_kind(req);
    if (kind == GQL_OP_SUBSCRIPTION) {
        errors = json_object_new_array();
        if (!errors || json_object_array_add(errors, gql_error_new("Subscriptions are not supported", NULL)) < 0)
            goto done;
        rc = answer_request_errors(out, mt, errors);
        goto done;
    }
    if (kind == GQL_OP_MUTATION && strcmp(method, "GET") == 0) {
        rc = answer_plain_error(out, 405, "Cannot perform mutations over GET", "allow: POST\r\n");
        goto done;
    }
    result = gql_execute(req, resolve, resolve_ctx);
    if (!result)
        goto done;
    out->status = 200;
    out->content_type = media_content_type(mt);
    rc = put_json(&out->body, result);
done:
    if (result)
        json_object_put(result);
    if (errors)
        json_object_put(errors);
    gql_request_free(req);
    free(pdoc);
    http_graphql_params_clear(&params);
    if (rc < 0)
        http_graphql_answer_clear(out);
    return rc;
}

/* Credential extraction. Presence is decided per form in the order of
 * docs/authentication.md#credential-forms-in-order; a form that is present
 * but ill-shaped (non-string value, missing half of a pair, Authorization not Bearer) makes
 * the request malformed rather than falling through to a later form, so what a client sent
 * is never silently replaced by a weaker credential. */
#include "auth/auth_cred.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct lookup {
    const auth_request_t *req;
    json_object *headers; /* nested `headers` object of the payload, or NULL */
} lookup_t;

static json_object *obj_get_ci(json_object *obj, const char *name)
{
    if (!obj || !json_object_is_type(obj, json_type_object))
        return NULL;
    json_object_object_foreach(obj, k, v)
    {
        if (strcasecmp(k, name) == 0)
            return v;
    }
    return NULL;
}

/* 0: absent (missing, null or empty); 1: *out is the string; -1: present but not a string. */
static int get_key(const lookup_t *l, const char *name, const char **out)
{
    const char *s = NULL;
    if (l->req->params) {
        json_object *v = obj_get_ci(l->req->params, name);
        if (!v)
            v = obj_get_ci(l->headers, name);
        if (v) {
            /* An embedded NUL would silently truncate what is checked: refuse it. */
            if (!json_object_is_type(v, json_type_string) ||
                strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
                return -1;
            s = json_object_get_string(v);
        }
    }
    if (!s && l->req->header)
        s = l->req->header(l->req->header_ctx, name);
    if (!s || !*s)
        return 0;
    *out = s;
    return 1;
}

static bool printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] <= 0x20 || s[n] == 0x7f || n >= max)
            return false;
    return n > 0;
}

/* Splits "<id>.<secret>" at the first dot. */
static int split_pair(auth_cred_t *c, const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot || dot == s || !dot[1] || (size_t)(dot - s) > AUTH_MAX_ID_LEN || strlen(dot + 1) > AUTH_MAX_SECRET_LEN ||
        !printable(s, AUTH_MAX_ID_LEN + AUTH_MAX_SECRET_LEN + 2)) {
        c->fail = AUTH_FAIL_MALFORMED;
        return 0;
    }
    c->cred_id = strndup(s, (size_t)(dot - s));
    c->secret = strdup(dot + 1);
    return c->cred_id && c->secret ? 0 : -1;
}

static int extract_bearer(auth_cred_t *c, const char *v, const char *service_key)
{
    while (*v == ' ')
        v++;
    if (strncasecmp(v, "bearer", 6) != 0 || v[6] != ' ') {
        c->fail = AUTH_FAIL_MALFORMED;
        return 0;
    }
    v += 7;
    while (*v == ' ')
        v++;
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == ' ')
        n--;
    if (service_key) {
        size_t sk = strlen(service_key);
        /* Constant time over the key: only the length can be learnt from timing. */
        if (n == sk && sk > 0 && sodium_memcmp(v, service_key, sk) == 0) {
            c->form = AUTH_CRED_SERVICE;
            return 0;
        }
    }
    c->form = AUTH_CRED_JWT;
    if (n == 0 || n > 8192) {
        c->fail = AUTH_FAIL_MALFORMED;
        return 0;
    }
    c->token = strndup(v, n);
    return c->token ? 0 : -1;
}

static int extract_scope(const lookup_t *l, const char *name, char **out, auth_cred_t *c)
{
    const char *v;
    int r = get_key(l, name, &v);
    if (r < 0 || (r > 0 && !printable(v, AUTH_MAX_ID_LEN))) {
        c->fail = AUTH_FAIL_MALFORMED;
        return 0;
    }
    if (r == 0)
        return 0;
    *out = strdup(v);
    return *out ? 0 : -1;
}

int auth_cred_extract(const auth_request_t *req, const char *service_key, auth_cred_t *c)
{
    memset(c, 0, sizeof *c);
    lookup_t l = {.req = req, .headers = NULL};
    if (req->params) {
        json_object *h = obj_get_ci(req->params, "headers");
        if (h && json_object_is_type(h, json_type_object))
            l.headers = h;
    }
    const char *v, *v2;
    int r, r2;

    if (extract_scope(&l, "x-org-id", &c->scope_org, c) || extract_scope(&l, "x-blob-id", &c->scope_blob, c))
        return -1;
    if (c->fail)
        return 0;

    if ((r = get_key(&l, "authorization", &v)) != 0) {
        if (r < 0) {
            c->form = AUTH_CRED_JWT;
            c->fail = AUTH_FAIL_MALFORMED;
            return 0;
        }
        return extract_bearer(c, v, service_key);
    }
    r = get_key(&l, "x-token-id", &v);
    r2 = get_key(&l, "x-token-secret", &v2);
    if (r || r2) {
        c->form = AUTH_CRED_PAT;
        if (r <= 0 || r2 <= 0 || !printable(v, AUTH_MAX_ID_LEN) || strlen(v2) > AUTH_MAX_SECRET_LEN) {
            c->fail = AUTH_FAIL_MALFORMED;
            if (r > 0 && printable(v, AUTH_MAX_ID_LEN))
                c->cred_id = strdup(v); /* for the log line only */
            return 0;
        }
        c->cred_id = strdup(v);
        c->secret = strdup(v2);
        return c->cred_id && c->secret ? 0 : -1;
    }
    if ((r = get_key(&l, "x-api-key", &v)) != 0) {
        c->form = AUTH_CRED_API_KEY;
        if (r < 0) {
            c->fail = AUTH_FAIL_MALFORMED;
            return 0;
        }
        return split_pair(c, v);
    }
    if (req->query_token && req->query_token[0]) {
        const char *t = req->query_token;
        int dots = 0;
        for (const char *p = t; *p; p++)
            dots += *p == '.';
        if (dots == 2) {
            c->form = AUTH_CRED_JWT;
            if (strlen(t) > 8192) {
                c->fail = AUTH_FAIL_MALFORMED;
                return 0;
            }
            c->token = strdup(t);
            return c->token ? 0 : -1;
        }
        c->form = AUTH_CRED_PAIR;
        return split_pair(c, t);
    }
    c->form = AUTH_CRED_NONE;
    c->fail = AUTH_FAIL_NO_CREDENTIAL;
    return 0;
}

void auth_cred_clear(auth_cred_t *c)
{
    if (c->secret) {
        sodium_memzero(c->secret, strlen(c->secret));
        free(c->secret);
    }
    if (c->token) {
        sodium_memzero(c->token, strlen(c->token));
        free(c->token);
    }
    free(c->cred_id);
    free(c->scope_org);
    free(c->scope_blob);
    memset(c, 0, sizeof *c);
}

const char *auth_cred_form_name(auth_cred_form_t f)
{
    switch (f) {
    case AUTH_CRED_SERVICE: return "service";
    case AUTH_CRED_JWT: return "jwt";
    case AUTH_CRED_PAT: return "pat";
    case AUTH_CRED_API_KEY: return "api_key";
    case AUTH_CRED_PAIR: return "token";
    default: return "none";
    }
}

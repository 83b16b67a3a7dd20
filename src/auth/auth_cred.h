/* Reading the presented credential out of a request (docs/authentication.md#credential-forms-in-order):
 * connection_init payload keys
 * (case-insensitive, top level over a nested `headers` object), HTTP headers, or ?token=.
 * Only shape is judged here; nothing is verified. */
#ifndef RT_AUTH_CRED_H
#define RT_AUTH_CRED_H

#include "auth/auth.h"

typedef enum {
    AUTH_CRED_NONE,
    AUTH_CRED_SERVICE, /* Bearer equal to the service key */
    AUTH_CRED_JWT,     /* token */
    AUTH_CRED_PAT,     /* cred_id + secret */
    AUTH_CRED_API_KEY, /* cred_id + secret */
    AUTH_CRED_PAIR,    /* ?token=<id>.<secret>: API key if such a key exists, else PAT */
} auth_cred_form_t;

#define AUTH_MAX_ID_LEN 256
#define AUTH_MAX_SECRET_LEN 1024

typedef struct auth_cred {
    auth_cred_form_t form;
    auth_failure_t fail; /* AUTH_OK, or why the request has no usable credential */
    char *token;         /* JWT */
    char *cred_id;       /* PAT / API key id */
    char *secret;        /* PAT / API key secret (zeroed on clear) */
    char *scope_org;     /* x-org-id (id or slug), or NULL */
    char *scope_blob;    /* x-blob-id, or NULL */
} auth_cred_t;

/* Fills *out (all strings owned by it; auth_cred_clear frees them). `service_key` may be
 * NULL. Returns 0, or -1 when memory runs out. */
int auth_cred_extract(const auth_request_t *req, const char *service_key, auth_cred_t *out);
void auth_cred_clear(auth_cred_t *c);
const char *auth_cred_form_name(auth_cred_form_t f);

#endif

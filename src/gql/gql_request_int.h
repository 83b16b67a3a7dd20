/* The prepared request's fields, shared by the request layer (gql_request.c, which fills them),
 * the interned operations (gql_prepared.c) and the executor API (gql_exec_api.c, which reads
 * them). Not for other layers. */
#ifndef RT_GQL_REQUEST_INT_H
#define RT_GQL_REQUEST_INT_H

#include <stdbool.h>

#include "gql/gql.h"
#include "gql/gql_exec.h"
#include "gql/syntax/gql_ast.h"

struct gql_prepared;

struct gql_request {
    gql_exec_env_t env;        /* schema, doc, chosen op, coerced variables (owned object or NULL) */
    gql_exec_root_t *root;     /* SUBSCRIPTION: the root field facts (owned); NULL otherwise */
    struct gql_prepared *prep; /* the interned operation holding env.doc (one reference), or NULL
                                 * when the request owns env.doc itself */
    int refs;                  /* users of a request shared through prep (under its cache's lock) */
    char *share_key;           /* its key in prep's shared requests (coerced variables as JSON
                                * text, "" for none), or NULL when not shared */
    gql_op_kind_t kind;
};

/* Parse, validate, choose the operation and check the depth: GQL_OK with *doc (caller owns) and
 * *op (inside *doc), or an error code with *errors (caller owns). */
int gql_request_parse(const gql_schema_t *schema, const char *query, size_t len, const char *operation_name,
                      const gql_limits_t *limits, gql_document_t **doc, const gql_ast_definition_t **op,
                      json_object **errors);

/* Coerces `variables` for op and, for a subscription, computes the root facts: GQL_OK with *out
 * (caller owns; doc and op are borrowed by it, prep and owns-doc are left unset), or an error
 * code with *errors (caller owns). doc is only read, so several threads may bind one document. */
int gql_request_bind(const gql_schema_t *schema, const gql_document_t *doc, const gql_ast_definition_t *op,
                     json_object *variables, const gql_limits_t *limits, gql_request_t **out, json_object **errors);

/* Drops the coerced variables of a subscription when nothing renders from them any more: they
 * are used only in the root field's arguments, which the root facts hold already coerced. */
void gql_request_compact(gql_request_t *req);

/* Frees what a request owns besides its document and its reference on prep. */
void gql_request_free_parts(gql_request_t *req);

/* gql_prepared.c: drops a prepared-operation request (req->prep set). */
void gql_prepared_request_done(gql_request_t *req);

#endif

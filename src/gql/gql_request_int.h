/* The prepared request's fields, shared by the request layer (gql_request.c, which fills them)
 * and the executor API (gql-C's gql_exec_api.c, which reads them). Not for other layers. */
#ifndef RT_GQL_REQUEST_INT_H
#define RT_GQL_REQUEST_INT_H

#include "gql/gql.h"
#include "gql/gql_exec.h"
#include "gql/syntax/gql_ast.h"

struct gql_request {
    gql_exec_env_t env;    /* schema, doc (owned), chosen op, coerced variables (owned object) */
    gql_exec_root_t *root; /* SUBSCRIPTION: the root field facts (owned); NULL otherwise */
    gql_op_kind_t kind;
};

#endif

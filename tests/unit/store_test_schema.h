/* A hand-built copy of the node types of SPEC 5 as a schema table (the shape codegen emits),
 * so store tests do not depend on the generated tables. Include from one test file only. */
#ifndef STORE_TEST_SCHEMA_H
#define STORE_TEST_SCHEMA_H

#include "gql/gql_schema.h"

enum {
    TT_ID,
    TT_STRING,
    TT_INT,
    TT_BOOLEAN,
    TT_DATETIME,
    TT_JSON,
    TT_BLOBTYPE,
    TT_VISIBILITY,
    TT_REVSTATE,
    TT_EXECSTATUS,
    TT_SESSSTATUS,
    TT_BLOB,
    TT_REVISION,
    TT_SESSION,
    TT_EXECUTION,
    TT_EXECEVENT,
    TT_SESSEVENT,
    TT_COUNT
};

#define TR(name, idx) static const gql_typeref_t name = {GQL_TR_NAMED, idx, NULL}
#define TNN(name, of) static const gql_typeref_t name = {GQL_TR_NON_NULL, 0, &of}
TR(tr_id, TT_ID);
TR(tr_string, TT_STRING);
TR(tr_int, TT_INT);
TR(tr_datetime, TT_DATETIME);
TR(tr_json, TT_JSON);
TR(tr_blobtype, TT_BLOBTYPE);
TR(tr_visibility, TT_VISIBILITY);
TR(tr_revstate, TT_REVSTATE);
TR(tr_execstatus, TT_EXECSTATUS);
TR(tr_sessstatus, TT_SESSSTATUS);
TNN(tr_id_nn, tr_id);
TNN(tr_string_nn, tr_string);
TNN(tr_int_nn, tr_int);
TNN(tr_datetime_nn, tr_datetime);
TNN(tr_blobtype_nn, tr_blobtype);
TNN(tr_visibility_nn, tr_visibility);
TNN(tr_revstate_nn, tr_revstate);
TNN(tr_execstatus_nn, tr_execstatus);
TNN(tr_sessstatus_nn, tr_sessstatus);

#define TF(n, t)                                                                                                       \
    {                                                                                                                  \
        .name = n, .type = &t                                                                                          \
    }
static const gql_field_t tf_blob[] = {TF("id", tr_id_nn),
                                      TF("organizationId", tr_id_nn),
                                      TF("type", tr_blobtype_nn),
                                      TF("name", tr_string_nn),
                                      TF("description", tr_string),
                                      TF("visibility", tr_visibility_nn),
                                      TF("headRevisionId", tr_id),
                                      TF("metadata", tr_json),
                                      TF("createdAt", tr_datetime_nn),
                                      TF("updatedAt", tr_datetime_nn)};
static const gql_field_t tf_revision[] = {TF("id", tr_id_nn),
                                          TF("blobId", tr_id_nn),
                                          TF("number", tr_int_nn),
                                          TF("state", tr_revstate_nn),
                                          TF("message", tr_string),
                                          TF("createdAt", tr_datetime_nn),
                                          TF("updatedAt", tr_datetime_nn)};
static const gql_field_t tf_session[] = {TF("id", tr_id_nn),
                                         TF("blobId", tr_id_nn),
                                         TF("name", tr_string),
                                         TF("status", tr_sessstatus_nn),
                                         TF("state", tr_json),
                                         TF("createdAt", tr_datetime_nn),
                                         TF("updatedAt", tr_datetime_nn)};
static const gql_field_t tf_execution[] = {
    TF("id", tr_id_nn),           TF("blobId", tr_id_nn),         TF("sessionId", tr_id),
    TF("revisionId", tr_id),      TF("status", tr_execstatus_nn), TF("input", tr_json),
    TF("output", tr_json),        TF("error", tr_string),         TF("createdAt", tr_datetime_nn),
    TF("startedAt", tr_datetime), TF("finishedAt", tr_datetime),  TF("updatedAt", tr_datetime_nn)};
static const gql_field_t tf_execevent[] = {
    TF("id", tr_id_nn),           TF("executionId", tr_id_nn), TF("blobId", tr_id_nn),
    TF("sessionId", tr_id),       TF("sequence", tr_int_nn),   TF("type", tr_string_nn),
    TF("componentId", tr_string), TF("data", tr_json),         TF("createdAt", tr_datetime_nn)};
static const gql_field_t tf_sessevent[] = {
    TF("id", tr_id_nn),        TF("sessionId", tr_id_nn), TF("blobId", tr_id_nn), TF("executionId", tr_id),
    TF("sequence", tr_int_nn), TF("type", tr_string_nn),  TF("data", tr_json),    TF("createdAt", tr_datetime_nn)};

#define EV(n)                                                                                                          \
    {                                                                                                                  \
        .name = n                                                                                                      \
    }
static const gql_enum_value_t te_blobtype[] = {EV("WORKFLOW"), EV("SCHEDULER"), EV("ONNX")};
static const gql_enum_value_t te_visibility[] = {EV("PRIVATE"), EV("PUBLIC")};
static const gql_enum_value_t te_revstate[] = {EV("DRAFT"), EV("COMMITTED"), EV("SNAPSHOT")};
static const gql_enum_value_t te_execstatus[] = {EV("PENDING"), EV("RUNNING"), EV("SUCCEEDED"), EV("FAILED"),
                                                 EV("CANCELLED")};
static const gql_enum_value_t te_sessstatus[] = {EV("ACTIVE"), EV("CLOSED")};

#define TSCALAR(n)                                                                                                     \
    {                                                                                                                  \
        .kind = GQL_TK_SCALAR, .name = n, .builtin = true                                                              \
    }
#define TENUM(n, e)                                                                                                    \
    {                                                                                                                  \
        .kind = GQL_TK_ENUM, .name = n, .enum_values = e, .nenum_values = (int)(sizeof e / sizeof *e)                  \
    }
#define TOBJ(n, f)                                                                                                     \
    {                                                                                                                  \
        .kind = GQL_TK_OBJECT, .name = n, .fields = f, .nfields = (int)(sizeof f / sizeof *f)                          \
    }

static const gql_type_t test_types[TT_COUNT] = {
    [TT_ID] = TSCALAR("ID"),
    [TT_STRING] = TSCALAR("String"),
    [TT_INT] = TSCALAR("Int"),
    [TT_BOOLEAN] = TSCALAR("Boolean"),
    [TT_DATETIME] = TSCALAR("DateTime"),
    [TT_JSON] = TSCALAR("JSON"),
    [TT_BLOBTYPE] = TENUM("BlobType", te_blobtype),
    [TT_VISIBILITY] = TENUM("Visibility", te_visibility),
    [TT_REVSTATE] = TENUM("RevisionState", te_revstate),
    [TT_EXECSTATUS] = TENUM("ExecutionStatus", te_execstatus),
    [TT_SESSSTATUS] = TENUM("SessionStatus", te_sessstatus),
    [TT_BLOB] = TOBJ("Blob", tf_blob),
    [TT_REVISION] = TOBJ("Revision", tf_revision),
    [TT_SESSION] = TOBJ("Session", tf_session),
    [TT_EXECUTION] = TOBJ("Execution", tf_execution),
    [TT_EXECEVENT] = TOBJ("ExecutionEvent", tf_execevent),
    [TT_SESSEVENT] = TOBJ("SessionEvent", tf_sessevent),
};

static const gql_schema_t test_node_schema = {
    .types = test_types, .ntypes = TT_COUNT, .query_type = -1, .mutation_type = -1, .subscription_type = -1};

#endif

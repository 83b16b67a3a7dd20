/* The directory record types of SPEC 7 as a schema table, for when the generated
 * gql_schema_directory (schema/directory.graphql) is not wired: the same shape codegen emits,
 * so validation and change computation read both the same way. */
#include "store/store.h"

enum { T_ID, T_STRING, T_BOOLEAN, T_DATETIME, T_ROLE, T_ORG, T_USER, T_MEMBERSHIP, T_APIKEY, T_PAT, T_COUNT };

static const gql_typeref_t r_id = {GQL_TR_NAMED, T_ID, NULL};
static const gql_typeref_t r_string = {GQL_TR_NAMED, T_STRING, NULL};
static const gql_typeref_t r_boolean = {GQL_TR_NAMED, T_BOOLEAN, NULL};
static const gql_typeref_t r_datetime = {GQL_TR_NAMED, T_DATETIME, NULL};
static const gql_typeref_t r_role = {GQL_TR_NAMED, T_ROLE, NULL};
static const gql_typeref_t r_id_nn = {GQL_TR_NON_NULL, 0, &r_id};
static const gql_typeref_t r_string_nn = {GQL_TR_NON_NULL, 0, &r_string};
static const gql_typeref_t r_datetime_nn = {GQL_TR_NON_NULL, 0, &r_datetime};
static const gql_typeref_t r_role_nn = {GQL_TR_NON_NULL, 0, &r_role};

#define F(n, t) {.name = n, .type = &t}

static const gql_field_t f_org[] = {F("id", r_id_nn), F("slug", r_string_nn), F("name", r_string_nn),
                                    F("createdAt", r_datetime_nn), F("banned", r_boolean)};
static const gql_field_t f_user[] = {F("id", r_id_nn), F("name", r_string), F("email", r_string),
                                     F("banned", r_boolean)};
static const gql_field_t f_membership[] = {F("organizationId", r_id_nn), F("userId", r_id_nn),
                                           F("role", r_role_nn)};
static const gql_field_t f_apikey[] = {F("id", r_id_nn), F("organizationId", r_id_nn),
                                       F("secretHash", r_string_nn), F("expiresAt", r_datetime),
                                       F("revoked", r_boolean)};
static const gql_field_t f_pat[] = {F("id", r_id_nn), F("userId", r_id_nn), F("secretHash", r_string_nn),
                                    F("expiresAt", r_datetime), F("revoked", r_boolean)};

static const gql_enum_value_t e_role[] = {{.name = "OWNER"}, {.name = "ADMIN"}, {.name = "MEMBER"}, {.name = "VIEWER"}};

#define SCALAR(n) {.kind = GQL_TK_SCALAR, .name = n, .builtin = true}
#define OBJECT(n, f) {.kind = GQL_TK_OBJECT, .name = n, .fields = f, .nfields = (int)(sizeof f / sizeof *f)}

static const gql_type_t types[T_COUNT] = {
    [T_ID] = SCALAR("ID"),
    [T_STRING] = SCALAR("String"),
    [T_BOOLEAN] = SCALAR("Boolean"),
    [T_DATETIME] = {.kind = GQL_TK_SCALAR, .name = "DateTime"},
    [T_ROLE] = {.kind = GQL_TK_ENUM, .name = "Role", .enum_values = e_role, .nenum_values = 4},
    [T_ORG] = OBJECT("Organization", f_org),
    [T_USER] = OBJECT("User", f_user),
    [T_MEMBERSHIP] = OBJECT("Membership", f_membership),
    [T_APIKEY] = OBJECT("ApiKey", f_apikey),
    [T_PAT] = OBJECT("PersonalAccessToken", f_pat),
};

const gql_schema_t store_directory_schema_builtin = {
    .types = types, .ntypes = T_COUNT, .query_type = -1, .mutation_type = -1, .subscription_type = -1};

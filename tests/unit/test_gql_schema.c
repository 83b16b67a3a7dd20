/* The generated schema tables (codegen output for schema/blobhub.graphql and directory.graphql)
 * and the lookups of gql_schema.c. Expected orders and texts are what graphql-js 16.15's
 * buildSchema gives for the same SDL (getTypeMap(), getDirectives(), introspection.js). */
#include <string.h>

#include "gql/gql_schema.h"
#include "gql_schema_gen.h"
#include "rt_test.h"

static void check_order(const gql_schema_t *s, const char *want)
{
    char got[4096] = "";
    for (int i = 0; i < s->ntypes; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, s->types[i].name);
    }
    CHECK_STR(got, want);
}

static void test_blobhub(void)
{
    const gql_schema_t *s = &gql_schema_blobhub;
    check_order(s, "DateTime JSON Cursor MutationType Role BlobType Visibility RevisionState ExecutionStatus "
                   "SessionStatus Organization ID String Blob Revision Int Session Execution ExecutionEvent "
                   "SessionEvent ExecutionChange ExecutionEventChange SessionChange SessionEventChange BlobChange "
                   "RevisionChange ChangeFilter Subscription Viewer Query BlobWhere RevisionWhere SessionWhere "
                   "ExecutionWhere ExecutionEventWhere SessionEventWhere Boolean __Schema __Type __TypeKind __Field "
                   "__InputValue __EnumValue __Directive __DirectiveLocation");
    CHECK(s->ndirectives == 5);
    const char *dirs[] = {"include", "skip", "deprecated", "specifiedBy", "oneOf"};
    for (int i = 0; i < 5 && i < s->ndirectives; i++) {
        CHECK_STR(s->directives[i].name, dirs[i]);
        CHECK(s->directives[i].builtin);
    }
    CHECK(gql_schema_root(s, 0) == gql_schema_type(s, "Query"));
    CHECK(s->mutation_type == -1 && gql_schema_root(s, 1) == NULL);
    CHECK(gql_schema_root(s, 2) == gql_schema_type(s, "Subscription"));
    CHECK(s->description && strstr(s->description, "BlobHub Realtime") != NULL);

    /* Subscription.executions(blobId: ID, sessionId: ID, where: ChangeFilter, node: ExecutionWhere, after: Cursor) */
    const gql_type_t *sub = gql_schema_type(s, "Subscription");
    CHECK(sub && sub->kind == GQL_TK_OBJECT && sub->nfields == 8 && !sub->builtin);
    const gql_field_t *ex = gql_type_field(sub, "executions");
    CHECK(ex && ex->nargs == 5);
    const char *args[] = {"blobId", "sessionId", "where", "node", "after"};
    for (int i = 0; i < 5 && ex && i < ex->nargs; i++)
        CHECK_STR(ex->args[i].name, args[i]);
    char buf[64];
    gql_typeref_print(s, ex->type, buf, sizeof buf);
    CHECK_STR(buf, "ExecutionChange!");
    CHECK(gql_typeref_named(s, ex->type) == gql_schema_type(s, "ExecutionChange"));
    CHECK(gql_field_arg(ex, "where") &&
          gql_typeref_named(s, gql_field_arg(ex, "where")->type)->kind == GQL_TK_INPUT_OBJECT);
    CHECK(gql_field_arg(ex, "nope") == NULL);
    CHECK(gql_type_field(sub, "nope") == NULL);

    const gql_type_t *chg = gql_schema_type(s, "RevisionChange");
    CHECK(chg && chg->nfields == 5);
    gql_typeref_print(s, gql_type_field(chg, "updatedFields")->type, buf, sizeof buf);
    CHECK_STR(buf, "[String!]");
    gql_typeref_print(s, gql_type_field(chg, "node")->type, buf, sizeof buf);
    CHECK_STR(buf, "Revision");

    const gql_type_t *es = gql_schema_type(s, "ExecutionStatus");
    CHECK(es && es->kind == GQL_TK_ENUM && es->nenum_values == 5);
    CHECK(gql_type_enum_value(es, "CANCELLED") && !gql_type_enum_value(es, "DONE"));
    const gql_type_t *cf = gql_schema_type(s, "ChangeFilter");
    CHECK(cf && cf->ninput_fields == 4 && gql_type_input_field(cf, "updatedFields_contains_some"));
    const gql_type_t *str = gql_schema_type(s, "String");
    CHECK(str && str->builtin && str->kind == GQL_TK_SCALAR);
    CHECK_STR(str->description, "The `String` scalar type represents textual data, represented as UTF-8 character "
                                "sequences. The String type is most often used by GraphQL to represent free-form "
                                "human-readable text.");
    CHECK(gql_schema_type(s, "Float") == NULL); /* unreferenced built-in scalars are left out */
    CHECK(gql_schema_type_index(s, "nope") == -1);

    /* Introspection types and built-in directives exactly as graphql-js defines them. */
    const gql_type_t *ty = gql_schema_type(s, "__Type");
    CHECK(ty && ty->builtin && ty->nfields == 11);
    CHECK(ty && strncmp(ty->description, "The fundamental unit of any GraphQL Schema is the type.", 55) == 0);
    const gql_field_t *fields = gql_type_field(ty, "fields");
    CHECK(fields && fields->nargs == 1);
    CHECK_STR(fields->args[0].default_value, "false");
    const gql_type_t *sch = gql_schema_type(s, "__Schema");
    gql_typeref_print(s, gql_field_arg(gql_type_field(sch, "directives"), "includeDeprecated")->type, buf, sizeof buf);
    CHECK_STR(buf, "Boolean!");
    const gql_directive_t *dep = gql_schema_directive(s, "deprecated");
    CHECK(dep && dep->nargs == 1);
    CHECK_STR(gql_directive_arg(dep, "reason")->default_value, "\"No longer supported\"");
    CHECK(dep->locations == (GQL_DL_FIELD_DEFINITION | GQL_DL_ARGUMENT_DEFINITION | GQL_DL_INPUT_FIELD_DEFINITION |
                             GQL_DL_ENUM_VALUE | GQL_DL_DIRECTIVE_DEFINITION));
    const gql_directive_t *inc = gql_schema_directive(s, "include");
    CHECK(inc && inc->locations == (GQL_DL_FIELD | GQL_DL_FRAGMENT_SPREAD | GQL_DL_INLINE_FRAGMENT));
    CHECK_STR(inc->description,
              "Directs the executor to include this field or fragment only when the `if` argument is true.");
    CHECK(!inc->is_repeatable && gql_schema_directive(s, "nope") == NULL);
    const gql_type_t *dl = gql_schema_type(s, "__DirectiveLocation");
    CHECK(dl && dl->nenum_values == 20);
    CHECK(gql_schema_is_possible(s, ty, ty));
    CHECK(!gql_schema_is_possible(s, gql_schema_type(s, "Query"), gql_schema_type(s, "Blob")));
}

static void test_directory(void)
{
    const gql_schema_t *s = &gql_schema_directory;
    check_order(s, "DateTime Role Organization ID String Boolean User Membership ApiKey PersonalAccessToken Query "
                   "__Schema __Type __TypeKind __Field __InputValue __EnumValue __Directive __DirectiveLocation");
    const gql_type_t *m = gql_schema_type(s, "Membership");
    CHECK(m && m->nfields == 3);
    CHECK(gql_type_field(m, "role")->type->wrap == GQL_TR_NON_NULL);
    CHECK(gql_typeref_named(s, gql_type_field(m, "role")->type) == gql_schema_type(s, "Role"));
    const gql_type_t *k = gql_schema_type(s, "ApiKey");
    CHECK(k && gql_type_field(k, "expiresAt")->type->wrap == GQL_TR_NAMED);
    CHECK(gql_type_field(k, "secretHash")->type->wrap == GQL_TR_NON_NULL);
}

int main(void)
{
    test_blobhub();
    test_directory();
    RT_TEST_MAIN_END();
}

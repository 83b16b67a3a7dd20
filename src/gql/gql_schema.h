/* The compiled schema: constant tables emitted by codegen/ from the SDL files in schema/ into the
 * build tree (generated/gql_schema_gen.c). Nothing parses SDL at run time; every layer that
 * needs type information (validation, execution, introspection, ingestion checks, feed)
 * reads these tables. All pointers point into static storage. */
#ifndef RT_GQL_SCHEMA_H
#define RT_GQL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    GQL_TK_SCALAR,
    GQL_TK_OBJECT,
    GQL_TK_INTERFACE,
    GQL_TK_UNION,
    GQL_TK_ENUM,
    GQL_TK_INPUT_OBJECT,
} gql_type_kind_t;

typedef enum { GQL_TR_NAMED, GQL_TR_LIST, GQL_TR_NON_NULL } gql_typeref_wrap_t;

/* A type reference such as [String!]!: NON_NULL -> LIST -> NON_NULL -> NAMED(String). */
typedef struct gql_typeref {
    gql_typeref_wrap_t wrap;
    int named;                    /* index into gql_schema_t.types when wrap == NAMED */
    const struct gql_typeref *of; /* the wrapped reference for LIST and NON_NULL */
} gql_typeref_t;

/* An argument or an input-object field. */
typedef struct gql_input_value {
    const char *name;
    const char *description; /* NULL when none */
    const gql_typeref_t *type;
    const char *default_value; /* GraphQL literal as graphql-js prints it, or NULL */
    bool deprecated;
    const char *deprecation_reason; /* NULL when not deprecated */
} gql_input_value_t;

typedef struct gql_field {
    const char *name;
    const char *description;
    const gql_typeref_t *type;
    const gql_input_value_t *args;
    int nargs;
    bool deprecated;
    const char *deprecation_reason;
} gql_field_t;

typedef struct gql_enum_value {
    const char *name;
    const char *description;
    bool deprecated;
    const char *deprecation_reason;
} gql_enum_value_t;

typedef struct gql_type {
    gql_type_kind_t kind;
    const char *name;
    const char *description;
    const char *specified_by_url; /* SCALAR only, NULL when none */
    const gql_field_t *fields;    /* OBJECT, INTERFACE: in SDL order */
    int nfields;
    const int *interfaces; /* OBJECT, INTERFACE: type indices */
    int ninterfaces;
    const int *possible_types; /* INTERFACE, UNION: type indices */
    int npossible;
    const gql_enum_value_t *enum_values; /* ENUM */
    int nenum_values;
    const gql_input_value_t *input_fields; /* INPUT_OBJECT */
    int ninput_fields;
    bool builtin;   /* String, Int, ..., and the __ introspection types */
    bool is_one_of; /* INPUT_OBJECT marked @oneOf (__Type.isOneOf) */
} gql_type_t;

/* Directive locations, one bit each, in the order of the GraphQL spec's DirectiveLocation enum. */
typedef enum {
    GQL_DL_QUERY = 1u << 0,
    GQL_DL_MUTATION = 1u << 1,
    GQL_DL_SUBSCRIPTION = 1u << 2,
    GQL_DL_FIELD = 1u << 3,
    GQL_DL_FRAGMENT_DEFINITION = 1u << 4,
    GQL_DL_FRAGMENT_SPREAD = 1u << 5,
    GQL_DL_INLINE_FRAGMENT = 1u << 6,
    GQL_DL_VARIABLE_DEFINITION = 1u << 7,
    GQL_DL_SCHEMA = 1u << 8,
    GQL_DL_SCALAR = 1u << 9,
    GQL_DL_OBJECT = 1u << 10,
    GQL_DL_FIELD_DEFINITION = 1u << 11,
    GQL_DL_ARGUMENT_DEFINITION = 1u << 12,
    GQL_DL_INTERFACE = 1u << 13,
    GQL_DL_UNION = 1u << 14,
    GQL_DL_ENUM = 1u << 15,
    GQL_DL_ENUM_VALUE = 1u << 16,
    GQL_DL_INPUT_OBJECT = 1u << 17,
    GQL_DL_INPUT_FIELD_DEFINITION = 1u << 18,
    GQL_DL_DIRECTIVE_DEFINITION = 1u << 19, /* graphql-js 16.15: @deprecated may sit on directives */
} gql_directive_location_t;

typedef struct gql_directive {
    const char *name;
    const char *description;
    uint32_t locations; /* gql_directive_location_t bits */
    const gql_input_value_t *args;
    int nargs;
    bool is_repeatable;
    bool builtin;    /* @include, @skip, @deprecated, @specifiedBy, @oneOf */
    bool deprecated; /* __Directive.isDeprecated (graphql-js 16.15) */
    const char *deprecation_reason;
} gql_directive_t;

typedef struct gql_schema {
    const char *description;
    const gql_type_t *types; /* in graphql-js schema.getTypeMap() order */
    int ntypes;
    int query_type; /* type indices, -1 when absent */
    int mutation_type;
    int subscription_type;
    const gql_directive_t *directives; /* in graphql-js schema.getDirectives() order */
    int ndirectives;
} gql_schema_t;

/* Lookups over any schema table; return an index / pointer, or -1 / NULL when absent. */
int gql_schema_type_index(const gql_schema_t *s, const char *name);
const gql_type_t *gql_schema_type(const gql_schema_t *s, const char *name);
const gql_field_t *gql_type_field(const gql_type_t *t, const char *name);
const gql_directive_t *gql_schema_directive(const gql_schema_t *s, const char *name);
/* The named type at the bottom of a reference. */
const gql_type_t *gql_typeref_named(const gql_schema_t *s, const gql_typeref_t *r);
const gql_input_value_t *gql_field_arg(const gql_field_t *f, const char *name);
const gql_input_value_t *gql_directive_arg(const gql_directive_t *d, const char *name);
const gql_input_value_t *gql_type_input_field(const gql_type_t *t, const char *name);
const gql_enum_value_t *gql_type_enum_value(const gql_type_t *t, const char *name);
/* The root type of an operation kind (0 query, 1 mutation, 2 subscription), or NULL. */
const gql_type_t *gql_schema_root(const gql_schema_t *s, int operation);
/* True when `possible` (an object type) is a possible type of abstract type `abstract`, or the
 * two are the same type. */
bool gql_schema_is_possible(const gql_schema_t *s, const gql_type_t *abstract, const gql_type_t *possible);
/* Writes a reference the way graphql-js prints it ("[String!]!"); returns the would-be length
 * like snprintf. */
int gql_typeref_print(const gql_schema_t *s, const gql_typeref_t *r, char *out, size_t cap);

#endif

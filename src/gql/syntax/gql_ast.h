/* The GraphQL abstract syntax tree produced by gql_parse (gql_parser.h): executable documents and
 * type-system (SDL) documents. The whole tree lives in one arena owned by the gql_document_t;
 * gql_document_free releases every node and string at once, so nodes never need freeing alone.
 * Lists are singly linked through `next` (in source order) with a count kept by the parent. */
#ifndef RT_GQL_AST_H
#define RT_GQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util_buf.h"

/* Where a node starts: 1-based line and column as graphql-js reports them (columns count UTF-16
 * code units, like JavaScript string indices, so error locations match graphql-js even after
 * non-ASCII text), plus byte offsets of the node's first byte and one past its last byte. */
typedef struct gql_loc {
    uint32_t line;
    uint32_t column;
    uint32_t offset;
    uint32_t end;
} gql_loc_t;

/* A Name token. value is NULL when an optional name is absent (anonymous operation, no alias). */
typedef struct gql_ast_name {
    const char *value;
    gql_loc_t loc;
} gql_ast_name_t;

/* ---- Values ---------------------------------------------------------------------------- */

typedef enum {
    GQL_VAL_VARIABLE,
    GQL_VAL_INT,
    GQL_VAL_FLOAT,
    GQL_VAL_STRING,
    GQL_VAL_BOOLEAN,
    GQL_VAL_NULL,
    GQL_VAL_ENUM,
    GQL_VAL_LIST,
    GQL_VAL_OBJECT,
} gql_value_kind_t;

struct gql_ast_object_field;

typedef struct gql_ast_value {
    gql_value_kind_t kind;
    gql_loc_t loc; /* VARIABLE: starts at the '$' */
    /* VARIABLE: variable name without '$'; INT, FLOAT: the literal's source text (e.g. "-1.5e3");
     * STRING: the decoded value (escapes resolved, block-string indentation removed), which may
     * contain NUL bytes from \u0000 - use len; ENUM: the enum value name. NULL otherwise. */
    const char *str;
    size_t len;                          /* byte length of str */
    gql_loc_t name_loc;                  /* VARIABLE: location of the name after '$' */
    bool block;                          /* STRING: written as a """block string""" */
    bool boolean;                        /* BOOLEAN */
    struct gql_ast_value *items;         /* LIST: first item */
    struct gql_ast_object_field *fields; /* OBJECT: first field */
    int count;                           /* LIST: items, OBJECT: fields */
    struct gql_ast_value *next;          /* next item of the enclosing list */
} gql_ast_value_t;

typedef struct gql_ast_object_field {
    gql_loc_t loc;
    gql_ast_name_t name;
    gql_ast_value_t *value;
    struct gql_ast_object_field *next;
} gql_ast_object_field_t;

/* ---- Types ----------------------------------------------------------------------------- */

typedef enum { GQL_TYPE_NAMED, GQL_TYPE_LIST, GQL_TYPE_NON_NULL } gql_type_node_kind_t;

typedef struct gql_ast_type {
    gql_type_node_kind_t kind;
    gql_loc_t loc;
    gql_ast_name_t name;       /* NAMED */
    struct gql_ast_type *of;   /* LIST, NON_NULL: the wrapped type */
    struct gql_ast_type *next; /* next entry when in a list (implements ..., union members) */
} gql_ast_type_t;

/* ---- Arguments and directives ------------------------------------------------------------ */

typedef struct gql_ast_argument {
    gql_loc_t loc;
    gql_ast_name_t name;
    gql_ast_value_t *value;
    struct gql_ast_argument *next;
} gql_ast_argument_t;

typedef struct gql_ast_directive {
    gql_loc_t loc; /* starts at the '@' */
    gql_ast_name_t name;
    gql_ast_argument_t *arguments;
    int nargs;
    struct gql_ast_directive *next;
} gql_ast_directive_t;

/* ---- Selections ------------------------------------------------------------------------ */

typedef enum { GQL_SEL_FIELD, GQL_SEL_FRAGMENT_SPREAD, GQL_SEL_INLINE_FRAGMENT } gql_selection_kind_t;

struct gql_ast_selection;

typedef struct gql_ast_selection_set {
    gql_loc_t loc; /* starts at the '{' */
    struct gql_ast_selection *selections;
    int count;
} gql_ast_selection_set_t;

typedef struct gql_ast_selection {
    gql_selection_kind_t kind;
    gql_loc_t loc;                 /* FIELD: starts at the alias when there is one; spreads at "..." */
    gql_ast_name_t alias;          /* FIELD: value NULL when no alias */
    gql_ast_name_t name;           /* FIELD: field name; FRAGMENT_SPREAD: fragment name */
    gql_ast_argument_t *arguments; /* FIELD */
    int nargs;
    gql_ast_directive_t *directives;
    int ndirectives;
    gql_ast_type_t *type_condition;         /* INLINE_FRAGMENT: NAMED type, or NULL when absent */
    gql_ast_selection_set_t *selection_set; /* FIELD: NULL when absent; INLINE_FRAGMENT: set */
    struct gql_ast_selection *next;
} gql_ast_selection_t;

/* ---- Executable definitions ------------------------------------------------------------ */

typedef enum { GQL_OPERATION_QUERY, GQL_OPERATION_MUTATION, GQL_OPERATION_SUBSCRIPTION } gql_operation_t;

typedef struct gql_ast_variable_definition {
    gql_loc_t loc;                /* starts at the '$' (or at the description) */
    gql_ast_value_t *description; /* STRING or NULL (draft syntax graphql-js 16.15 accepts) */
    gql_ast_value_t *variable;    /* kind GQL_VAL_VARIABLE */
    gql_ast_type_t *type;
    gql_ast_value_t *default_value; /* NULL when none */
    gql_ast_directive_t *directives;
    int ndirectives;
    struct gql_ast_variable_definition *next;
} gql_ast_variable_definition_t;

/* ---- Type-system definitions ------------------------------------------------------------ */

/* An argument definition or an input-object field definition. */
typedef struct gql_ast_input_value_def {
    gql_loc_t loc;                /* starts at the description when there is one */
    gql_ast_value_t *description; /* STRING value, or NULL */
    gql_ast_name_t name;
    gql_ast_type_t *type;
    gql_ast_value_t *default_value; /* NULL when none */
    gql_ast_directive_t *directives;
    int ndirectives;
    struct gql_ast_input_value_def *next;
} gql_ast_input_value_def_t;

typedef struct gql_ast_field_def {
    gql_loc_t loc;
    gql_ast_value_t *description;
    gql_ast_name_t name;
    gql_ast_input_value_def_t *arguments;
    int nargs;
    gql_ast_type_t *type;
    gql_ast_directive_t *directives;
    int ndirectives;
    struct gql_ast_field_def *next;
} gql_ast_field_def_t;

typedef struct gql_ast_enum_value_def {
    gql_loc_t loc;
    gql_ast_value_t *description;
    gql_ast_name_t name;
    gql_ast_directive_t *directives;
    int ndirectives;
    struct gql_ast_enum_value_def *next;
} gql_ast_enum_value_def_t;

/* `query: Query` inside schema { ... } / extend schema { ... }. */
typedef struct gql_ast_operation_type_def {
    gql_loc_t loc;
    gql_operation_t operation;
    gql_ast_type_t *type; /* NAMED */
    struct gql_ast_operation_type_def *next;
} gql_ast_operation_type_def_t;

/* ---- Definitions ----------------------------------------------------------------------- */

typedef enum {
    GQL_DEF_OPERATION,
    GQL_DEF_FRAGMENT,
    GQL_DEF_SCHEMA,
    GQL_DEF_SCALAR,
    GQL_DEF_OBJECT,
    GQL_DEF_INTERFACE,
    GQL_DEF_UNION,
    GQL_DEF_ENUM,
    GQL_DEF_INPUT_OBJECT,
    GQL_DEF_DIRECTIVE,
} gql_definition_kind_t;

/* One top-level definition; which members are meaningful depends on kind (see each comment).
 * `extend` forms have the kind of what they extend and is_extension = true (DIRECTIVE and the
 * executable kinds are never extensions). */
typedef struct gql_ast_definition {
    gql_definition_kind_t kind;
    bool is_extension;
    gql_loc_t loc; /* starts at the description when there is one */
    /* STRING or NULL: type-system definitions (never extensions), and OPERATION / FRAGMENT too
     * (draft syntax graphql-js 16.15 accepts) */
    gql_ast_value_t *description;
    /* OPERATION: value NULL when anonymous (also for the `{ ... }` shorthand); every other kind
     * but SCHEMA: the defined name (DIRECTIVE: without the '@'). */
    gql_ast_name_t name;

    /* OPERATION */
    gql_operation_t operation;
    bool shorthand; /* written as a bare selection set `{ ... }` */
    gql_ast_variable_definition_t *variable_definitions;
    int nvariable_definitions;

    /* FRAGMENT: NAMED type after `on` */
    gql_ast_type_t *type_condition;

    /* every kind but DIRECTIVE */
    gql_ast_directive_t *directives;
    int ndirectives;

    /* OPERATION, FRAGMENT */
    gql_ast_selection_set_t *selection_set;

    /* SCHEMA */
    gql_ast_operation_type_def_t *operation_types;
    int noperation_types;

    /* OBJECT, INTERFACE: `implements` list (NAMED types); UNION: member types */
    gql_ast_type_t *interfaces;
    int ninterfaces;
    gql_ast_type_t *types;
    int ntypes;

    /* OBJECT, INTERFACE */
    gql_ast_field_def_t *fields;
    int nfields;

    /* ENUM */
    gql_ast_enum_value_def_t *values;
    int nvalues;

    /* INPUT_OBJECT: fields; DIRECTIVE: arguments */
    gql_ast_input_value_def_t *input_fields;
    int ninput_fields;
    gql_ast_input_value_def_t *arguments;
    int nargs;

    /* DIRECTIVE */
    bool repeatable;
    gql_ast_name_t *locations; /* array of nlocations names, e.g. "FIELD_DEFINITION" */
    int nlocations;

    struct gql_ast_definition *next;
} gql_ast_definition_t;

typedef struct gql_arena gql_arena_t;

typedef struct gql_document {
    gql_loc_t loc;
    gql_ast_definition_t *definitions;
    int count;
    int ntokens;                              /* tokens lexed, <EOF> excluded (graphql-js tokenCount) */
    const struct gql_ast_value *longest_list; /* the list literal with the most items; NULL: none */
    gql_arena_t *arena;                       /* owns every node and string of the tree */
} gql_document_t;

/* Releases the document and the whole tree (NULL is fine). */
void gql_document_free(gql_document_t *doc);

/* ---- Printing, graphql-js `print` compatible ------------------------------------------- */

/* Each appends the text graphql-js print() gives for the node; return 0 or -1 on out of memory. */
int gql_print_value(rt_buf_t *out, const gql_ast_value_t *v);
int gql_print_type(rt_buf_t *out, const gql_ast_type_t *t);
/* A string as graphql-js printString does: "..." with JSON-like escapes. */
int gql_print_string(rt_buf_t *out, const char *s, size_t len);
/* A block string as graphql-js printBlockString does (used when value->block is set). */
int gql_print_block_string(rt_buf_t *out, const char *s, size_t len);
/* Whole documents (executable and SDL) as graphql-js print(); the result is canonical text. */
int gql_print_document(rt_buf_t *out, const gql_document_t *doc);
int gql_print_selection_set(rt_buf_t *out, const gql_ast_selection_set_t *ss);

/* "query", "mutation", "subscription". */
const char *gql_operation_name(gql_operation_t op);

#endif

/* The schema model the generator builds from SDL: types with their extensions merged, the
 * built-ins graphql-js adds, and type/directive order exactly as graphql-js buildSchema gives. */
#ifndef RT_CODEGEN_MODEL_H
#define RT_CODEGEN_MODEL_H

#include <stdbool.h>

#include "gql/syntax/gql_parser.h"
#include "util/util_buf.h"

#define CG_MAX_PARTS 32

typedef struct cg_type {
    const char *name;
    gql_definition_kind_t kind;
    bool builtin;
    const gql_ast_definition_t *parts[CG_MAX_PARTS]; /* the definition, then its extensions */
    int nparts;
} cg_type_t;

typedef struct cg_model {
    gql_document_t *builtin_doc; /* owned */
    gql_document_t *user_doc;    /* owned */
    gql_document_t *where_doc;   /* the generated <T>Where inputs (owned) */
    char *where_sdl;             /* its text, as written to the build tree (owned) */
    size_t where_len;
    cg_type_t *pool; /* every known type: user types then built-ins (owned) */
    int npool;
    int *order; /* pool indices in graphql-js getTypeMap() order (owned) */
    int norder;
    const gql_ast_definition_t **directives; /* in getDirectives() order (owned array) */
    bool *directive_builtin;
    int ndirectives;
    const char *roots[3];               /* query, mutation, subscription type names or NULL */
    const gql_ast_value_t *description; /* schema description or NULL */
} cg_model_t;

/* Builds the model of one SDL file's text. 0, or -1 with a message printed to stderr. */
int cg_model_build(cg_model_t *m, const char *path, const char *sdl, size_t len);
void cg_model_free(cg_model_t *m);

/* Appends the SDL of `input <T>Where` for every object type T of doc that has a `<T>Change`
 * type (codegen_where.c). 0, or -1 on OOM. */
int cg_where_sdl(const gql_document_t *doc, rt_buf_t *out);

/* Position of a type name in the final order, or -1. */
int cg_model_index(const cg_model_t *m, const char *name);
const cg_type_t *cg_model_type(const cg_model_t *m, const char *name);

/* Appends the default value as graphql-js shows it in introspection: valueFromAST coercion to
 * `type`, then astFromValue + print. */
int cg_print_default(const cg_model_t *m, const gql_ast_value_t *v, const gql_ast_type_t *type, rt_buf_t *out);

/* The value of argument `arg` of directive @name among `dirs`, or NULL; *present tells whether
 * the directive is there at all. */
const gql_ast_value_t *cg_directive_arg(const gql_ast_directive_t *dirs, const char *name, const char *arg,
                                        bool *present);

#endif

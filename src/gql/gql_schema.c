/* Lookups over the generated schema tables. Tables are small (tens of types, a few fields each),
 * so linear scans over static memory are cheaper than building hash maps at start-up. */
#include "gql/gql_schema.h"

#include <stdio.h>
#include <string.h>

int gql_schema_type_index(const gql_schema_t *s, const char *name)
{
    if (!s || !name)
        return -1;
    for (int i = 0; i < s->ntypes; i++)
        if (strcmp(s->types[i].name, name) == 0)
            return i;
    return -1;
}

const gql_type_t *gql_schema_type(const gql_schema_t *s, const char *name)
{
    int i = gql_schema_type_index(s, name);
    return i < 0 ? NULL : &s->types[i];
}

const gql_field_t *gql_type_field(const gql_type_t *t, const char *name)
{
    if (!t || !name)
        return NULL;
    for (int i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

const gql_directive_t *gql_schema_directive(const gql_schema_t *s, const char *name)
{
    if (!s || !name)
        return NULL;
    for (int i = 0; i < s->ndirectives; i++)
        if (strcmp(s->directives[i].name, name) == 0)
            return &s->directives[i];
    return NULL;
}

const gql_type_t *gql_typeref_named(const gql_schema_t *s, const gql_typeref_t *r)
{
    while (r && r->wrap != GQL_TR_NAMED)
        r = r->of;
    if (!r || r->named < 0 || r->named >= s->ntypes)
        return NULL;
    return &s->types[r->named];
}

static const gql_input_value_t *find_input(const gql_input_value_t *v, int n, const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

const gql_input_value_t *gql_field_arg(const gql_field_t *f, const char *name)
{
    return f ? find_input(f->args, f->nargs, name) : NULL;
}

const gql_input_value_t *gql_directive_arg(const gql_directive_t *d, const char *name)
{
    return d ? find_input(d->args, d->nargs, name) : NULL;
}

const gql_input_value_t *gql_type_input_field(const gql_type_t *t, const char *name)
{
    return t ? find_input(t->input_fields, t->ninput_fields, name) : NULL;
}

const gql_enum_value_t *gql_type_enum_value(const gql_type_t *t, const char *name)
{
    if (!t || !name)
        return NULL;
    for (int i = 0; i < t->nenum_values; i++)
        if (strcmp(t->enum_values[i].name, name) == 0)
            return &t->enum_values[i];
    return NULL;
}

const gql_type_t *gql_schema_root(const gql_schema_t *s, int operation)
{
    int i = operation == 0 ? s->query_type : operation == 1 ? s->mutation_type : s->subscription_type;
    return i < 0 || i >= s->ntypes ? NULL : &s->types[i];
}

bool gql_schema_is_possible(const gql_schema_t *s, const gql_type_t *abstract, const gql_type_t *possible)
{
    if (!abstract || !possible)
        return false;
    if (abstract == possible)
        return true;
    int idx = (int)(possible - s->types);
    for (int i = 0; i < abstract->npossible; i++)
        if (abstract->possible_types[i] == idx)
            return true;
    return false;
}

static int print_ref(const gql_schema_t *s, const gql_typeref_t *r, char *out, size_t cap, size_t at)
{
    /* Returns the length written from `at`, truncating like snprintf. */
    char tmp[2] = {0, 0};
    int n = 0;
    switch (r->wrap) {
    case GQL_TR_NAMED: {
        const char *name = r->named >= 0 && r->named < s->ntypes ? s->types[r->named].name : "?";
        n = snprintf(at < cap ? out + at : NULL, at < cap ? cap - at : 0, "%s", name);
        return n;
    }
    case GQL_TR_LIST:
        tmp[0] = '[';
        n = snprintf(at < cap ? out + at : NULL, at < cap ? cap - at : 0, "%s", tmp);
        n += print_ref(s, r->of, out, cap, at + (size_t)n);
        n += snprintf(at + (size_t)n < cap ? out + at + n : NULL, at + (size_t)n < cap ? cap - at - (size_t)n : 0, "]");
        return n;
    case GQL_TR_NON_NULL:
        n = print_ref(s, r->of, out, cap, at);
        n += snprintf(at + (size_t)n < cap ? out + at + n : NULL, at + (size_t)n < cap ? cap - at - (size_t)n : 0, "!");
        return n;
    }
    return 0;
}

int gql_typeref_print(const gql_schema_t *s, const gql_typeref_t *r, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    return r ? print_ref(s, r, out, cap, 0) : 0;
}

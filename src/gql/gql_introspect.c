/* Introspection resolvers over the generated tables, shaped so that a full introspection query
 * gives exactly graphql-js's introspectionFromSchema for the same SDL (field and list orders come
 * from the tables, which keep graphql-js's orders). */
#include "gql/gql_introspect.h"

#include <string.h>

static const char *const META_TYPES[] = {"__Schema", "__Type", "__Field", "__InputValue", "__EnumValue", "__Directive"};

bool gql_introspect_is_meta_type(const char *type_name)
{
    if (!type_name || type_name[0] != '_' || type_name[1] != '_')
        return false;
    for (size_t i = 0; i < sizeof META_TYPES / sizeof META_TYPES[0]; i++)
        if (strcmp(type_name, META_TYPES[i]) == 0)
            return true;
    return false;
}

static int put(char *buf, size_t cap, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (*n + l + 1 > cap)
        return -1;
    memcpy(buf + *n, s, l + 1);
    *n += l;
    return 0;
}

static int typeref_text(const gql_schema_t *s, const gql_typeref_t *r, char *buf, size_t cap, size_t *n)
{
    if (!r)
        return -1;
    switch (r->wrap) {
    case GQL_TR_NAMED:
        if (r->named < 0 || r->named >= s->ntypes)
            return -1;
        return put(buf, cap, n, s->types[r->named].name);
    case GQL_TR_LIST:
        if (put(buf, cap, n, "[") < 0 || typeref_text(s, r->of, buf, cap, n) < 0)
            return -1;
        return put(buf, cap, n, "]");
    case GQL_TR_NON_NULL:
        if (typeref_text(s, r->of, buf, cap, n) < 0)
            return -1;
        return put(buf, cap, n, "!");
    }
    return -1;
}

int gql_introspect_typeref_text(const gql_schema_t *s, const gql_typeref_t *r, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    return typeref_text(s, r, buf, cap, &n) < 0 ? -1 : (int)n;
}

static json_object *typeref_value(const gql_schema_t *s, const gql_typeref_t *r)
{
    char buf[512];
    int n = gql_introspect_typeref_text(s, r, buf, sizeof buf);
    return n < 0 ? NULL : json_object_new_string_len(buf, n);
}

static json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

/* Adds key: v (v may be NULL for null); returns -1 when v should have existed but memory ran out. */
static int add(json_object *o, const char *key, json_object *v, bool want)
{
    if (want && !v)
        return -1;
    return json_object_object_add(o, key, v);
}

static json_object *input_value_obj(const gql_schema_t *s, const gql_input_value_t *iv)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    if (add(o, "name", json_object_new_string(iv->name), true) < 0 ||
        add(o, "description", str_or_null(iv->description), iv->description != NULL) < 0 ||
        add(o, "type", typeref_value(s, iv->type), true) < 0 ||
        add(o, "defaultValue", str_or_null(iv->default_value), iv->default_value != NULL) < 0 ||
        add(o, "isDeprecated", json_object_new_boolean(iv->deprecated), true) < 0 ||
        add(o, "deprecationReason", str_or_null(iv->deprecation_reason), iv->deprecation_reason != NULL) < 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static bool include_deprecated(json_object *args)
{
    json_object *v;
    return args && json_object_object_get_ex(args, "includeDeprecated", &v) && json_object_get_boolean(v);
}

static json_object *input_values_list(const gql_schema_t *s, const gql_input_value_t *ivs, int n, bool with_deprecated)
{
    json_object *a = json_object_new_array();
    if (!a)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (ivs[i].deprecated && !with_deprecated)
            continue;
        json_object *o = input_value_obj(s, &ivs[i]);
        if (!o || json_object_array_add(a, o) < 0) {
            json_object_put(o);
            json_object_put(a);
            return NULL;
        }
    }
    return a;
}

static json_object *field_obj(const gql_schema_t *s, const gql_field_t *f)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    /* "args" keeps deprecated arguments; __Field.args filters them per includeDeprecated. */
    if (add(o, "name", json_object_new_string(f->name), true) < 0 ||
        add(o, "description", str_or_null(f->description), f->description != NULL) < 0 ||
        add(o, "args", input_values_list(s, f->args, f->nargs, true), true) < 0 ||
        add(o, "type", typeref_value(s, f->type), true) < 0 ||
        add(o, "isDeprecated", json_object_new_boolean(f->deprecated), true) < 0 ||
        add(o, "deprecationReason", str_or_null(f->deprecation_reason), f->deprecation_reason != NULL) < 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static json_object *enum_value_obj(const gql_enum_value_t *ev)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    if (add(o, "name", json_object_new_string(ev->name), true) < 0 ||
        add(o, "description", str_or_null(ev->description), ev->description != NULL) < 0 ||
        add(o, "isDeprecated", json_object_new_boolean(ev->deprecated), true) < 0 ||
        add(o, "deprecationReason", str_or_null(ev->deprecation_reason), ev->deprecation_reason != NULL) < 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static const char *const LOCATION_NAMES[] = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
    "DIRECTIVE_DEFINITION",
};

/* graphql-js lists a directive's locations in definition order, which a bit set loses; the
 * specified directives whose order differs from the enum's are spelled out (graphql 16.x). */
static const char *const DEPRECATED_LOCATIONS[] = {"FIELD_DEFINITION", "ARGUMENT_DEFINITION",  "INPUT_FIELD_DEFINITION",
                                                   "ENUM_VALUE",       "DIRECTIVE_DEFINITION", NULL};

static json_object *directive_locations(const gql_directive_t *d)
{
    json_object *a = json_object_new_array();
    if (!a)
        return NULL;
    if (d->builtin && strcmp(d->name, "deprecated") == 0) {
        for (int i = 0; DEPRECATED_LOCATIONS[i]; i++) {
            uint32_t bit = 0;
            for (size_t j = 0; j < sizeof LOCATION_NAMES / sizeof LOCATION_NAMES[0]; j++)
                if (strcmp(LOCATION_NAMES[j], DEPRECATED_LOCATIONS[i]) == 0)
                    bit = 1u << j;
            if (!(d->locations & bit))
                continue;
            if (json_object_array_add(a, json_object_new_string(DEPRECATED_LOCATIONS[i])) < 0)
                goto fail;
        }
        return a;
    }
    for (size_t j = 0; j < sizeof LOCATION_NAMES / sizeof LOCATION_NAMES[0]; j++) {
        if (!(d->locations & (1u << j)))
            continue;
        json_object *v = json_object_new_string(LOCATION_NAMES[j]);
        if (!v || json_object_array_add(a, v) < 0) {
            json_object_put(v);
            goto fail;
        }
    }
    return a;
fail:
    json_object_put(a);
    return NULL;
}

static json_object *directive_obj(const gql_schema_t *s, const gql_directive_t *d)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    if (add(o, "name", json_object_new_string(d->name), true) < 0 ||
        add(o, "description", str_or_null(d->description), d->description != NULL) < 0 ||
        add(o, "isRepeatable", json_object_new_boolean(d->is_repeatable), true) < 0 ||
        add(o, "locations", directive_locations(d), true) < 0 ||
        add(o, "args", input_values_list(s, d->args, d->nargs, true), true) < 0 ||
        add(o, "isDeprecated", json_object_new_boolean(d->deprecated), true) < 0 ||
        add(o, "deprecationReason", str_or_null(d->deprecation_reason), d->deprecation_reason != NULL) < 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static json_object *type_name_value(const gql_schema_t *s, int idx)
{
    if (idx < 0 || idx >= s->ntypes)
        return NULL;
    return json_object_new_string(s->types[idx].name);
}

static json_object *type_names_list(const gql_schema_t *s, const int *idx, int n)
{
    json_object *a = json_object_new_array();
    if (!a)
        return NULL;
    for (int i = 0; i < n; i++) {
        json_object *v = type_name_value(s, idx[i]);
        if (!v || json_object_array_add(a, v) < 0) {
            json_object_put(v);
            json_object_put(a);
            return NULL;
        }
    }
    return a;
}

static int resolve_schema(const gql_schema_t *s, const char *field, json_object *args, json_object **value)
{
    if (strcmp(field, "description") == 0) {
        *value = str_or_null(s->description);
        return s->description && !*value ? -1 : 0;
    }
    if (strcmp(field, "types") == 0) {
        json_object *a = json_object_new_array();
        if (!a)
            return -1;
        for (int i = 0; i < s->ntypes; i++) {
            json_object *v = json_object_new_string(s->types[i].name);
            if (!v || json_object_array_add(a, v) < 0) {
                json_object_put(v);
                json_object_put(a);
                return -1;
            }
        }
        *value = a;
        return 0;
    }
    int idx = -2;
    if (strcmp(field, "queryType") == 0)
        idx = s->query_type;
    else if (strcmp(field, "mutationType") == 0)
        idx = s->mutation_type;
    else if (strcmp(field, "subscriptionType") == 0)
        idx = s->subscription_type;
    if (idx != -2) {
        *value = type_name_value(s, idx);
        return idx >= 0 && !*value ? -1 : 0;
    }
    if (strcmp(field, "directives") == 0) {
        json_object *a = json_object_new_array();
        if (!a)
            return -1;
        bool dep = include_deprecated(args);
        for (int i = 0; i < s->ndirectives; i++) {
            if (s->directives[i].deprecated && !dep)
                continue;
            json_object *d = directive_obj(s, &s->directives[i]);
            if (!d || json_object_array_add(a, d) < 0) {
                json_object_put(d);
                json_object_put(a);
                return -1;
            }
        }
        *value = a;
        return 0;
    }
    return 0;
}

static const char *kind_name(gql_type_kind_t k)
{
    switch (k) {
    case GQL_TK_SCALAR: return "SCALAR";
    case GQL_TK_OBJECT: return "OBJECT";
    case GQL_TK_INTERFACE: return "INTERFACE";
    case GQL_TK_UNION: return "UNION";
    case GQL_TK_ENUM: return "ENUM";
    case GQL_TK_INPUT_OBJECT: return "INPUT_OBJECT";
    }
    return "SCALAR";
}

static int resolve_type(const gql_schema_t *s, const char *field, json_object *parent, json_object *args,
                        json_object **value)
{
    const char *text = json_object_get_string(parent);
    size_t len = text ? strlen(text) : 0;
    if (!len)
        return 0;
    /* The outermost wrapper of "[X]!" is NON_NULL, of "[X]" LIST; anything else is a name. */
    const char *wrapper = NULL;
    size_t inner_off = 0, inner_len = 0;
    if (text[len - 1] == '!') {
        wrapper = "NON_NULL";
        inner_len = len - 1;
    } else if (text[0] == '[' && text[len - 1] == ']') {
        wrapper = "LIST";
        inner_off = 1;
        inner_len = len - 2;
    }
    if (wrapper) {
        if (strcmp(field, "kind") == 0)
            *value = json_object_new_string(wrapper);
        else if (strcmp(field, "ofType") == 0)
            *value = json_object_new_string_len(text + inner_off, (int)inner_len);
        else
            return 0; /* every other field of a wrapper is null */
        return *value ? 0 : -1;
    }
    const gql_type_t *t = gql_schema_type(s, text);
    if (!t)
        return 0;
    bool dep = include_deprecated(args);
    if (strcmp(field, "kind") == 0) {
        *value = json_object_new_string(kind_name(t->kind));
    } else if (strcmp(field, "name") == 0) {
        *value = json_object_new_string(t->name);
    } else if (strcmp(field, "description") == 0) {
        if (!t->description)
            return 0;
        *value = json_object_new_string(t->description);
    } else if (strcmp(field, "specifiedByURL") == 0) {
        if (t->kind != GQL_TK_SCALAR || !t->specified_by_url)
            return 0;
        *value = json_object_new_string(t->specified_by_url);
    } else if (strcmp(field, "fields") == 0) {
        if (t->kind != GQL_TK_OBJECT && t->kind != GQL_TK_INTERFACE)
            return 0;
        json_object *a = json_object_new_array();
        if (!a)
            return -1;
        for (int i = 0; i < t->nfields; i++) {
            if (t->fields[i].deprecated && !dep)
                continue;
            json_object *f = field_obj(s, &t->fields[i]);
            if (!f || json_object_array_add(a, f) < 0) {
                json_object_put(f);
                json_object_put(a);
                return -1;
            }
        }
        *value = a;
    } else if (strcmp(field, "interfaces") == 0) {
        if (t->kind != GQL_TK_OBJECT && t->kind != GQL_TK_INTERFACE)
            return 0;
        *value = type_names_list(s, t->interfaces, t->ninterfaces);
    } else if (strcmp(field, "possibleTypes") == 0) {
        if (t->kind != GQL_TK_INTERFACE && t->kind != GQL_TK_UNION)
            return 0;
        *value = type_names_list(s, t->possible_types, t->npossible);
    } else if (strcmp(field, "enumValues") == 0) {
        if (t->kind != GQL_TK_ENUM)
            return 0;
        json_object *a = json_object_new_array();
        if (!a)
            return -1;
        for (int i = 0; i < t->nenum_values; i++) {
            if (t->enum_values[i].deprecated && !dep)
                continue;
            json_object *e = enum_value_obj(&t->enum_values[i]);
            if (!e || json_object_array_add(a, e) < 0) {
                json_object_put(e);
                json_object_put(a);
                return -1;
            }
        }
        *value = a;
    } else if (strcmp(field, "inputFields") == 0) {
        if (t->kind != GQL_TK_INPUT_OBJECT)
            return 0;
        *value = input_values_list(s, t->input_fields, t->ninput_fields, dep);
    } else if (strcmp(field, "isOneOf") == 0) {
        if (t->kind != GQL_TK_INPUT_OBJECT)
            return 0;
        *value = json_object_new_boolean(t->is_one_of);
    } else {
        return 0; /* ofType of a named type, unknown fields: null */
    }
    return *value ? 0 : -1;
}

/* __Field.args and __Directive.args hold every argument; drop deprecated ones unless asked. */
static int resolve_args_field(json_object *parent, json_object *args, json_object **value)
{
    json_object *all;
    if (!json_object_object_get_ex(parent, "args", &all) || !json_object_is_type(all, json_type_array))
        return 0;
    if (include_deprecated(args)) {
        *value = json_object_get(all);
        return 0;
    }
    json_object *a = json_object_new_array();
    if (!a)
        return -1;
    size_t n = json_object_array_length(all);
    for (size_t i = 0; i < n; i++) {
        json_object *iv = json_object_array_get_idx(all, i), *d;
        if (json_object_object_get_ex(iv, "isDeprecated", &d) && json_object_get_boolean(d))
            continue;
        if (json_object_array_add(a, json_object_get(iv)) < 0) {
            json_object_put(iv);
            json_object_put(a);
            return -1;
        }
    }
    *value = a;
    return 0;
}

int gql_introspect_resolve(const gql_schema_t *s, const char *type_name, const char *field, json_object *parent,
                           json_object *args, json_object **value)
{
    *value = NULL;
    if (!type_name) {
        if (strcmp(field, "__schema") == 0) {
            *value = json_object_new_object();
            return *value ? 0 : -1;
        }
        if (strcmp(field, "__type") == 0) {
            json_object *n;
            if (!args || !json_object_object_get_ex(args, "name", &n) || !json_object_is_type(n, json_type_string))
                return 0;
            const gql_type_t *t = gql_schema_type(s, json_object_get_string(n));
            if (!t)
                return 0;
            *value = json_object_new_string(t->name);
            return *value ? 0 : -1;
        }
        return 0;
    }
    if (strcmp(type_name, "__Schema") == 0)
        return resolve_schema(s, field, args, value);
    if (strcmp(type_name, "__Type") == 0)
        return json_object_is_type(parent, json_type_string) ? resolve_type(s, field, parent, args, value) : 0;
    if (!json_object_is_type(parent, json_type_object))
        return 0;
    if (strcmp(field, "args") == 0 && (strcmp(type_name, "__Field") == 0 || strcmp(type_name, "__Directive") == 0))
        return resolve_args_field(parent, args, value);
    json_object *v;
    if (json_object_object_get_ex(parent, field, &v))
        *value = json_object_get(v);
    return 0;
}

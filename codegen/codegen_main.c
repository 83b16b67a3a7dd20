/* PLACEHOLDER until the real generator lands: emits an empty schema table so the tree builds. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    const char *dir = ".";
    for (int i = 1; i < argc - 1; i++)
        if (strcmp(argv[i], "--out-dir") == 0)
            dir = argv[i + 1];
    char path[4096];
    snprintf(path, sizeof path, "%s/gql_schema_gen.h", dir);
    FILE *h = fopen(path, "w");
    if (!h) return 1;
    fprintf(h, "#ifndef RT_GQL_SCHEMA_GEN_H\n#define RT_GQL_SCHEMA_GEN_H\n#include \"gql/gql_schema.h\"\n"
               "extern const gql_schema_t gql_schema_blobhub;\n#endif\n");
    fclose(h);
    snprintf(path, sizeof path, "%s/gql_schema_gen.c", dir);
    FILE *c = fopen(path, "w");
    if (!c) return 1;
    fprintf(c, "#include \"gql_schema_gen.h\"\nconst gql_schema_t gql_schema_blobhub = {0, 0, 0, -1, -1, -1, 0, 0};\n");
    fclose(c);
    return 0;
}

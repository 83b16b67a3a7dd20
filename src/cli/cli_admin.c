/* Operator subcommands: each builds one directory record, validates and applies it through
 * the same store code as ingestion (one change-log entry each), and prints any new secret
 * once. SQLite's WAL and busy timeout make this safe next to a running server. */
#include "cli/cli_admin.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_secret.h"
#include "gql/gql_persist.h"
#include "store/store.h"

typedef struct opts {
    const char *id, *slug, *name, *email, *org, *user, *role, *expires_at, *data_dir;
} opts_t;

void cli_admin_usage(FILE *out)
{
    fputs("Operator subcommands (global flags such as --data-dir apply):\n"
          "  create-org --slug SLUG [--name NAME] [--id ID]\n"
          "  create-user [--id ID] [--name NAME] [--email EMAIL]\n"
          "  create-membership --org ORG_ID --user USER_ID --role OWNER|ADMIN|MEMBER|VIEWER\n"
          "  create-api-key --org ORG_ID [--id KEY_ID] [--expires-at RFC3339]\n"
          "      prints the key <keyId>.<secret> once (connectionParams x-api-key)\n"
          "  create-pat --user USER_ID [--id TOKEN_ID] [--expires-at RFC3339]\n"
          "      prints x-token-id and x-token-secret once\n"
          "  hash-secret      reads a secret from stdin, prints its Argon2id hash (crypto_pwhash_str)\n"
          "  persisted-entry FILE.graphql\n"
          "      prints the --persisted-operations manifest entry {\"<sha256>\":\"<document>\"} of a document\n"
          "  help             this list\n"
          "Only Argon2id hashes of secrets are stored; a lost secret cannot be recovered.\n",
          out);
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    static const struct {
        const char *flag;
        size_t off;
    } map[] = {
        {"--id", offsetof(opts_t, id)},
        {"--slug", offsetof(opts_t, slug)},
        {"--name", offsetof(opts_t, name)},
        {"--email", offsetof(opts_t, email)},
        {"--org", offsetof(opts_t, org)},
        {"--user", offsetof(opts_t, user)},
        {"--role", offsetof(opts_t, role)},
        {"--expires-at", offsetof(opts_t, expires_at)},
        {"--data-dir", offsetof(opts_t, data_dir)},
    };
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        size_t k;
        const char *eq = strchr(a, '=');
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
        for (k = 0; k < sizeof map / sizeof *map; k++)
            if (strlen(map[k].flag) == alen && strncmp(a, map[k].flag, alen) == 0)
                break;
        if (k == sizeof map / sizeof *map) {
            fprintf(stderr, "unknown option '%s'\n", a);
            return -1;
        }
        if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            fprintf(stderr, "option %s needs a value\n", a);
            return -1;
        }
        *(const char **)((char *)o + map[k].off) = v;
    }
    return 0;
}

static int need(const char *v, const char *flag)
{
    if (v && *v)
        return 0;
    fprintf(stderr, "%s is required\n", flag);
    return -1;
}

static void put_str(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* Wraps a node into an upsert record (takes the node) and applies it. */
static int upsert(store_t *s, const char *type, json_object *node)
{
    json_object *rec = json_object_new_object();
    json_object_object_add(rec, "type", json_object_new_string(type));
    json_object_object_add(rec, "op", json_object_new_string("upsert"));
    json_object_object_add(rec, "node", node);
    int rc = cli_apply_record(s, rec, stderr);
    json_object_put(rec);
    return rc;
}

static int exists(store_t *s, const char *type, const char *id)
{
    json_object *n = NULL;
    if (store_get(s, type, id, &n) != 0)
        return -1;
    int r = n != NULL;
    json_object_put(n);
    return r;
}

static int require_existing(store_t *s, const char *type, const char *id)
{
    int e = exists(s, type, id);
    if (e == 1)
        return 0;
    fprintf(stderr, e == 0 ? "%s '%s' does not exist\n" : "cannot read %s '%s'\n", type, id);
    return -1;
}

static int cmd_org(store_t *s, const opts_t *o)
{
    char id[64], now[32];
    if (need(o->slug, "--slug") != 0)
        return 2;
    if (!o->id && cli_random_id("org_", id, sizeof id) != 0)
        return 1;
    cli_now_rfc3339(now);
    json_object *n = json_object_new_object();
    put_str(n, "id", o->id ? o->id : id);
    put_str(n, "slug", o->slug);
    put_str(n, "name", o->name ? o->name : o->slug);
    put_str(n, "createdAt", now);
    if (upsert(s, "Organization", n) != 0)
        return 1;
    printf("organization-id: %s\n", o->id ? o->id : id);
    return 0;
}

static int cmd_user(store_t *s, const opts_t *o)
{
    char id[64];
    if (!o->id && cli_random_id("usr_", id, sizeof id) != 0)
        return 1;
    json_object *n = json_object_new_object();
    put_str(n, "id", o->id ? o->id : id);
    put_str(n, "name", o->name);
    put_str(n, "email", o->email);
    if (upsert(s, "User", n) != 0)
        return 1;
    printf("user-id: %s\n", o->id ? o->id : id);
    return 0;
}

static int cmd_membership(store_t *s, const opts_t *o)
{
    if (need(o->org, "--org") || need(o->user, "--user") || need(o->role, "--role"))
        return 2;
    if (require_existing(s, "Organization", o->org) || require_existing(s, "User", o->user))
        return 1;
    json_object *n = json_object_new_object();
    put_str(n, "organizationId", o->org);
    put_str(n, "userId", o->user);
    put_str(n, "role", o->role);
    if (upsert(s, "Membership", n) != 0)
        return 1;
    printf("membership-id: %s:%s\n", o->org, o->user);
    return 0;
}

/* API keys and PATs: a new random secret, stored only as its hash, printed once. */
static int cmd_credential(store_t *s, const opts_t *o, bool api_key)
{
    const char *owner = api_key ? o->org : o->user;
    if (need(owner, api_key ? "--org" : "--user") != 0)
        return 2;
    if (require_existing(s, api_key ? "Organization" : "User", owner) != 0)
        return 1;
    char id[64], secret[CLI_SECRET_LEN], hash[crypto_pwhash_STRBYTES];
    if (o->id)
        snprintf(id, sizeof id, "%s", o->id);
    else if (cli_random_id(api_key ? "ak_" : "pat_", id, sizeof id) != 0)
        return 1;
    if (strchr(id, '.')) {
        fprintf(stderr, "an id may not contain '.'\n");
        return 2;
    }
    if (cli_random_secret(secret) != 0 || cli_hash_secret(secret, strlen(secret), hash) != 0) {
        fprintf(stderr, "cannot create a secret\n");
        return 1;
    }
    json_object *n = json_object_new_object();
    put_str(n, "id", id);
    put_str(n, api_key ? "organizationId" : "userId", owner);
    put_str(n, "secretHash", hash);
    if (o->expires_at)
        put_str(n, "expiresAt", o->expires_at);
    int rc = upsert(s, api_key ? "ApiKey" : "PersonalAccessToken", n);
    if (rc == 0) {
        if (api_key) {
            printf("%s.%s\n", id, secret);
            fprintf(stderr,
                    "API key %s created; the line above is shown only once (connectionParams "
                    "{\"x-api-key\": \"<it>\"}).\n",
                    id);
        } else {
            printf("x-token-id: %s\nx-token-secret: %s\n", id, secret);
            fprintf(stderr, "PAT %s created; the secret is shown only once.\n", id);
        }
    }
    sodium_memzero(secret, sizeof secret);
    return rc == 0 ? 0 : 1;
}

static int cmd_hash_secret(void)
{
    char line[4096];
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "hash-secret reads the secret from stdin\n");
        return 2;
    }
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n == 0) {
        fprintf(stderr, "empty secret\n");
        return 2;
    }
    char hash[crypto_pwhash_STRBYTES];
    int rc = cli_hash_secret(line, n, hash);
    sodium_memzero(line, sizeof line);
    if (rc != 0) {
        fprintf(stderr, "hashing failed (out of memory?)\n");
        return 1;
    }
    printf("%s\n", hash);
    return 0;
}

int cli_admin_run(rt_server_t *srv, int argc, char **argv)
{
    static const char *const cmds[] = {"create-org", "create-user", "create-membership", "create-api-key",
                                       "create-pat", "hash-secret", "persisted-entry",   "help"};
    if (argc < 2)
        return -1;
    const char *cmd = argv[1];
    size_t k;
    for (k = 0; k < sizeof cmds / sizeof *cmds; k++)
        if (strcmp(cmd, cmds[k]) == 0)
            break;
    if (k == sizeof cmds / sizeof *cmds)
        return -1;
    if (strcmp(cmd, "help") == 0) {
        cli_admin_usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "hash-secret") == 0)
        return argc == 2 ? cmd_hash_secret() : 2;
    if (strcmp(cmd, "persisted-entry") == 0)
        return argc == 3 ? (gql_persist_print_entry(argv[2], stdout, stderr) < 0 ? 1 : 0) : 2;
    opts_t o;
    if (parse_opts(argc, argv, &o) != 0) {
        cli_admin_usage(stderr);
        return 2;
    }
    store_t *s = srv->store;
    bool own = false;
    if (!s) {
        rt_server_t tmp = *srv;
        if (o.data_dir)
            tmp.cfg.data_dir = o.data_dir;
        s = store_open(&tmp);
        own = true;
        if (!s) {
            fprintf(stderr, "cannot open the store in %s\n", tmp.cfg.data_dir ? tmp.cfg.data_dir : "./data");
            return 1;
        }
    }
    int rc;
    if (strcmp(cmd, "create-org") == 0)
        rc = cmd_org(s, &o);
    else if (strcmp(cmd, "create-user") == 0)
        rc = cmd_user(s, &o);
    else if (strcmp(cmd, "create-membership") == 0)
        rc = cmd_membership(s, &o);
    else
        rc = cmd_credential(s, &o, strcmp(cmd, "create-api-key") == 0);
    if (own)
        store_close(s);
    fflush(stdout);
    return rc;
}

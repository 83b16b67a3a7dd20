/* Operator subcommands on a temporary data dir: records land in the store with a change-log
 * entry each, printed secrets verify against the stored Argon2id hashes, bad usage fails
 * without writing, and the demo seed fills only an empty data dir. */
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "cli/cli_demo.h"
#include "rt_test.h"
#include "store/store.h"
#include "store_test_schema.h"

static char dir[256];

/* Runs a subcommand with stdout captured into out; returns its exit code. */
static int run(rt_server_t *srv, char *out, size_t size, int argc, char **argv)
{
    char path[300];
    snprintf(path, sizeof path, "%s/stdout.txt", dir);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, 1);
    close(fd);
    int rc = cli_admin_run(srv, argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, size - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    return rc;
}

static char *stored_field(store_t *s, const char *type, const char *id, const char *field)
{
    json_object *n = NULL, *v = NULL;
    char *r = NULL;
    if (store_get(s, type, id, &n) == 0 && n && json_object_object_get_ex(n, field, &v) && v)
        r = strdup(json_object_get_string(v));
    json_object_put(n);
    return r;
}

/* Each case gets its own empty data dir under a fresh temporary directory. */
static rt_server_t fresh(void)
{
    rt_server_t srv;
    memset(&srv, 0, sizeof srv);
    snprintf(dir, sizeof dir, "/tmp/rt-cli-test-XXXXXX");
    static char data[300];
    if (!mkdtemp(dir) || sodium_init() < 0) {
        CHECK(!"cannot make a temporary directory");
        return srv;
    }
    snprintf(data, sizeof data, "%s/data", dir);
    srv.cfg.data_dir = data;
    srv.schema = &test_node_schema;
    return srv;
}

static void cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void log_head(rt_server_t *srv, char head[STORE_CURSOR_MAX])
{
    store_t *s = store_open(srv);
    CHECK(s != NULL);
    strcpy(head, "?");
    if (s) {
        store_log_head(s, head);
        store_close(s);
    }
}

RT_TEST(help_lists_the_commands_and_serve_is_not_one)
{
    rt_server_t srv = fresh();
    char out[4096];
    CHECK(cli_admin_run(&srv, 2, (char *[]){"prog", "serve", NULL}) == -1);
    CHECK(cli_admin_run(&srv, 1, (char *[]){"prog", NULL}) == -1);
    CHECK(run(&srv, out, sizeof out, 2, (char *[]){"prog", "help", NULL}) == 0);
    CHECK(strstr(out, "create-api-key") && strstr(out, "hash-secret") && strstr(out, "create-pat"));
    cleanup();
}

RT_TEST(bad_usage_fails_without_writing)
{
    rt_server_t srv = fresh();
    char out[4096], head[STORE_CURSOR_MAX];
    CHECK(run(&srv, out, sizeof out, 6, (char *[]){"prog", "create-org", "--id", "o1", "--slug", "acme", NULL}) == 0);
    CHECK(run(&srv, out, sizeof out, 4, (char *[]){"prog", "create-user", "--id=u1", "--name=Ann", NULL}) == 0);
    /* unknown role, unknown org, missing flag, unknown option, option without its value */
    CHECK(run(&srv, out, sizeof out, 8,
              (char *[]){"prog", "create-membership", "--org", "o1", "--user", "u1", "--role", "KING", NULL}) == 1);
    CHECK(run(&srv, out, sizeof out, 4, (char *[]){"prog", "create-api-key", "--org", "nope", NULL}) == 1);
    CHECK(run(&srv, out, sizeof out, 2, (char *[]){"prog", "create-api-key", NULL}) == 2);
    CHECK(run(&srv, out, sizeof out, 4, (char *[]){"prog", "create-org", "--bogus", "x", NULL}) == 2);
    CHECK(run(&srv, out, sizeof out, 3, (char *[]){"prog", "create-org", "--slug", NULL}) == 2);
    log_head(&srv, head);
    CHECK_STR(head, "s2"); /* the org and the user only */
    cleanup();
}

RT_TEST(records_land_with_a_change_each_and_printed_secrets_verify)
{
    rt_server_t srv = fresh();
    char out[4096];
    CHECK(run(&srv, out, sizeof out, 6, (char *[]){"prog", "create-org", "--id", "o1", "--slug", "acme", NULL}) == 0);
    CHECK_STR(out, "organization-id: o1\n");
    CHECK(run(&srv, out, sizeof out, 4, (char *[]){"prog", "create-user", "--id=u1", "--name=Ann", NULL}) == 0);
    CHECK(run(&srv, out, sizeof out, 8,
              (char *[]){"prog", "create-membership", "--org", "o1", "--user", "u1", "--role", "ADMIN", NULL}) == 0);
    CHECK(run(&srv, out, sizeof out, 4, (char *[]){"prog", "create-api-key", "--org", "o1", NULL}) == 0);
    char keyid[64] = "", secret[128] = "";
    char *dot = strchr(out, '.');
    CHECK(dot && strncmp(out, "ak_", 3) == 0);
    if (dot) {
        snprintf(keyid, sizeof keyid, "%.*s", (int)(dot - out), out);
        snprintf(secret, sizeof secret, "%.*s", (int)strcspn(dot + 1, "\n"), dot + 1);
    }
    CHECK(run(&srv, out, sizeof out, 4, (char *[]){"prog", "create-pat", "--user", "u1", NULL}) == 0);
    char patid[64] = "", patsec[128] = "";
    CHECK(sscanf(out, "x-token-id: %63s\nx-token-secret: %127s", patid, patsec) == 2);

    store_t *s = store_open(&srv);
    CHECK(s != NULL);
    if (s) {
        char *h = stored_field(s, "ApiKey", keyid, "secretHash");
        CHECK(h && strncmp(h, "$argon2id$", 10) == 0);
        CHECK(h && crypto_pwhash_str_verify(h, secret, strlen(secret)) == 0);
        CHECK(h && crypto_pwhash_str_verify(h, "wrong", 5) != 0);
        CHECK(h && strstr(h, secret) == NULL);
        free(h);
        h = stored_field(s, "PersonalAccessToken", patid, "secretHash");
        CHECK(h && crypto_pwhash_str_verify(h, patsec, strlen(patsec)) == 0);
        free(h);
        h = stored_field(s, "Membership", "o1:u1", "role");
        CHECK_STR(h, "ADMIN");
        free(h);
        char head[STORE_CURSOR_MAX];
        store_log_head(s, head);
        CHECK_STR(head, "s5"); /* org, user, membership, key, pat: one change each */
        /* the demo leaves a used data dir alone */
        srv.store = s;
        FILE *devnull = fopen("/dev/null", "w");
        CHECK(cli_demo_seed(&srv, devnull) == 0);
        fclose(devnull);
        store_log_head(s, head);
        CHECK_STR(head, "s5");
        srv.store = NULL;
        store_close(s);
    }
    cleanup();
}

RT_TEST(demo_seeds_an_empty_data_dir_with_working_credentials)
{
    rt_server_t srv = fresh();
    char out[4096];
    srv.cfg.service_key = "svc-key";
    srv.store = store_open(&srv);
    CHECK(srv.store != NULL);
    if (srv.store) {
        char path[300];
        snprintf(path, sizeof path, "%s/demo.txt", dir);
        FILE *f = fopen(path, "w+");
        CHECK(cli_demo_seed(&srv, f) == 0);
        rewind(f);
        size_t n = fread(out, 1, sizeof out - 1, f);
        out[n] = '\0';
        fclose(f);
        CHECK(strstr(out, "ws://localhost:4000/v1/graphql") != NULL);
        CHECK(strstr(out, "Bearer svc-key") != NULL);
        char *k = strstr(out, "x-api-key\": \"");
        CHECK(k != NULL);
        if (k) {
            k += strlen("x-api-key\": \"");
            char kid[64], ksec[128];
            CHECK(sscanf(k, "%63[^.].%127[^\"]", kid, ksec) == 2);
            char *h = stored_field(srv.store, "ApiKey", kid, "secretHash");
            CHECK(h && crypto_pwhash_str_verify(h, ksec, strlen(ksec)) == 0);
            free(h);
        }
        char *vis = stored_field(srv.store, "Blob", "demo-blob-private", "visibility");
        CHECK_STR(vis, "PRIVATE");
        free(vis);
        store_close(srv.store);
    }
    cleanup();
}

RT_TEST_MAIN()

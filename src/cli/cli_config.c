/* Flag table and parser. Each flag's environment variable is BLOBHUB_RT_ plus the flag name
 * in upper snake case, derived from the name so the two can never drift apart. */
#include "cli/cli_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_STR, OPT_INT, OPT_SIZE, OPT_LONG, OPT_BOOL } opt_kind_t;

typedef struct opt {
    const char *name;
    opt_kind_t kind;
    size_t offset;
    const char *def; /* textual default, NULL: unset */
    const char *help;
} opt_t;

#define OFF(f) offsetof(rt_config_t, f)

static const opt_t opts[] = {
    {"host", OPT_STR, OFF(host), "0.0.0.0", "listen address"},
    {"port", OPT_INT, OFF(port), "4000", "listen port"},
    {"data-dir", OPT_STR, OFF(data_dir), "./data", "embedded SQLite store directory"},
    {"service-key", OPT_STR, OFF(service_key), NULL, "ingestion credential (none: POST /v1/events answers 503)"},
    {"jwt-hs256-secret", OPT_STR, OFF(jwt_hs256_secret), NULL, "HS256 secret for Bearer JWTs"},
    {"jwt-ed25519-public-key", OPT_STR, OFF(jwt_ed25519_public_key), NULL,
     "base64 Ed25519 public key for EdDSA Bearer JWTs"},
    {"jwt-issuer", OPT_STR, OFF(jwt_issuer), NULL, "required JWT iss when set"},
    {"jwt-audience", OPT_STR, OFF(jwt_audience), NULL, "required JWT aud when set"},
    {"init-timeout-ms", OPT_INT, OFF(init_timeout_ms), "3000", "connection_init timeout (close 4408)"},
    {"header-timeout-ms", OPT_INT, OFF(header_timeout_ms), "10000",
     "a connection that has not sent its request headers by then is closed"},
    {"max-pending-per-address", OPT_INT, OFF(max_pending_per_address), "8",
     "incomplete requests kept per client address and network thread after 1 s (0: no cap)"},
    {"log-level", OPT_STR, OFF(log_level), "info", "error, warn, info or debug"},
    {"redis", OPT_STR, OFF(redis), NULL, "cluster mode: redis://host:port as shared change log and state"},
    {"tls-cert", OPT_STR, OFF(tls_cert), NULL, "PEM certificate: serve wss:// and https://"},
    {"tls-key", OPT_STR, OFF(tls_key), NULL, "PEM private key for --tls-cert"},
    {"max-message-bytes", OPT_SIZE, OFF(max_message_bytes), "65536", "largest WebSocket message (close 1009)"},
    {"max-subscriptions", OPT_INT, OFF(max_subscriptions), "100", "subscriptions per connection"},
    {"max-query-depth", OPT_INT, OFF(max_query_depth), "12", "query depth limit (QUERY_TOO_COMPLEX)"},
    {"max-query-tokens", OPT_INT, OFF(max_query_tokens), "2000", "query token limit (QUERY_TOO_COMPLEX)"},
    {"max-list-items", OPT_INT, OFF(max_list_items), "100",
     "items per list argument, in the document or in variables (QUERY_TOO_COMPLEX)"},
    {"max-queue-bytes", OPT_SIZE, OFF(max_queue_bytes), "4194304",
     "outgoing queue per connection (close 1013 Slow consumer)"},
    {"max-body-bytes", OPT_SIZE, OFF(max_body_bytes), "8388608", "ingestion request body limit (413)"},
    {"ping-interval-ms", OPT_INT, OFF(ping_interval_ms), "20000",
     "WebSocket ping interval; a peer silent for 2 intervals is dropped"},
    {"log-retention", OPT_LONG, OFF(log_retention_sec), "86400", "change log retention in seconds"},
    {"log-retention-max", OPT_LONG, OFF(log_retention_max), "1000000", "change log retention in changes"},
    {"auth-failures-per-id", OPT_INT, OFF(auth_failures_per_id), "10",
     "failed PAT/API-key verifications per credential id per window before 4403 (0: no limit)"},
    {"auth-failures-per-address", OPT_INT, OFF(auth_failures_per_address), "20",
     "failed PAT/API-key verifications per peer address per window before 4403 (0: no limit)"},
    {"auth-failure-window-ms", OPT_INT, OFF(auth_failure_window_ms), "60000", "window of the failure limits"},
    {"max-pending-verifications", OPT_INT, OFF(max_pending_verifications), "1024",
     "verifications waiting for a worker (beyond: close 1013 Try again later)"},
    {"trusted-proxies", OPT_STR, OFF(trusted_proxies), NULL,
     "comma-separated proxy addresses whose X-Forwarded-For names the client"},
    {"persisted-operations", OPT_STR, OFF(persisted_operations), NULL,
     "JSON manifest of persisted documents (hex SHA-256 id -> document); reread on SIGHUP"},
    {"allow-list-only", OPT_BOOL, OFF(allow_list_only), "0",
     "run only documents in --persisted-operations (others: OPERATION_NOT_ALLOWED)"},
    {"persisted-cache-entries", OPT_INT, OFF(persisted_cache_entries), "1000",
     "automatic persisted queries cache size (0: off)"},
    {"threads", OPT_INT, OFF(threads), "0",
     "network threads (connections spread round-robin); 0: one per CPU, at most 8"},
    {"event-loop", OPT_STR, OFF(event_loop), "poll",
     "network threads' event loop: poll (lws's own) or uv (epoll through lws's libuv plugin)"},
    {"graphiql", OPT_BOOL, OFF(graphiql), "1", "serve the GraphiQL IDE at /graphiql (--graphiql=false: off)"},
    {"demo", OPT_BOOL, OFF(demo), "0", "seed an empty data dir with a demo organization and print credentials"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

static void env_name(const char *flag, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "BLOBHUB_RT_");
    for (const char *p = flag; *p && n + 1 < cap; p++)
        out[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static int set_opt(rt_config_t *cfg, const opt_t *o, const char *val, const char *origin, FILE *err)
{
    char *base = (char *)cfg + o->offset;
    char *end = NULL;
    errno = 0;
    switch (o->kind) {
    case OPT_STR: *(const char **)base = val; return 0;
    case OPT_BOOL:
        if (!strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on"))
            *(int *)base = 1;
        else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off"))
            *(int *)base = 0;
        else
            goto bad;
        return 0;
    case OPT_INT: {
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || v < 0 || v > INT_MAX)
            goto bad;
        *(int *)base = (int)v;
        return 0;
    }
    case OPT_LONG: {
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || v < 0)
            goto bad;
        *(long *)base = v;
        return 0;
    }
    case OPT_SIZE: {
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-' || v == 0)
            goto bad;
        *(size_t *)base = (size_t)v;
        return 0;
    }
    }
bad:
    fprintf(err, "blobhub-realtime: invalid value '%s' for %s\n", val, origin);
    return -1;
}

void cli_config_help(FILE *out)
{
    fprintf(out, "usage: blobhub-realtime [flags]            run the server\n"
                 "       blobhub-realtime [flags] <command>  operator commands ('blobhub-realtime help')\n\n"
                 "Every flag is also an environment variable: BLOBHUB_RT_ + the name in upper snake case.\n\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char env[64], arg[64];
        env_name(opts[i].name, env, sizeof env);
        snprintf(arg, sizeof arg, "--%s%s", opts[i].name, opts[i].kind == OPT_BOOL ? "" : " <v>");
        fprintf(out, "  %-30s %s", arg, opts[i].help);
        if (opts[i].def && opts[i].kind != OPT_BOOL)
            fprintf(out, " (default %s)", opts[i].def);
        fprintf(out, "\n  %-30s   env %s\n", "", env);
    }
    fprintf(out, "  %-30s %s\n", "--help", "this list");
}

int cli_config_parse(rt_config_t *cfg, int argc, char **argv, int *argc_rest, FILE *out, FILE *err)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].def && set_opt(cfg, &opts[i], opts[i].def, opts[i].name, err) < 0)
            return -1;
        char env[64];
        env_name(opts[i].name, env, sizeof env);
        const char *v = getenv(env);
        if (v && *v && set_opt(cfg, &opts[i], v, env, err) < 0)
            return -1;
    }
    int rest = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_config_help(out);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            argv[rest++] = argv[i];
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const opt_t *o = NULL;
        for (size_t k = 0; k < NOPTS; k++)
            if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0)
                o = &opts[k];
        if (!o) {
            /* Unknown flags may belong to a subcommand: pass them on with the rest. */
            if (rest > 1) {
                argv[rest++] = argv[i];
                continue;
            }
            fprintf(err, "blobhub-realtime: unknown flag %s (see --help)\n", a);
            return -1;
        }
        const char *val;
        if (eq)
            val = eq + 1;
        else if (o->kind == OPT_BOOL)
            val = "1";
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            fprintf(err, "blobhub-realtime: %s needs a value\n", a);
            return -1;
        }
        if (set_opt(cfg, o, val, a, err) < 0)
            return -1;
    }
    argv[rest] = NULL;
    *argc_rest = rest;
    if (cfg->port > 65535) {
        fprintf(err, "blobhub-realtime: --port must be 0..65535\n");
        return -1;
    }
    if (cfg->header_timeout_ms < 1000 || cfg->max_pending_per_address < 0) {
        fprintf(err, "blobhub-realtime: --header-timeout-ms must be >= 1000 and --max-pending-per-address >= 0\n");
        return -1;
    }
    if (cfg->init_timeout_ms <= 0 || cfg->ping_interval_ms < 50) {
        fprintf(err, "blobhub-realtime: --init-timeout-ms must be > 0 and --ping-interval-ms >= 50\n");
        return -1;
    }
    if (cfg->auth_failures_per_id < 0 || cfg->auth_failures_per_address < 0 || cfg->auth_failure_window_ms <= 0 ||
        cfg->max_pending_verifications <= 0) {
        fprintf(err, "blobhub-realtime: the auth failure limits must be >= 0, --auth-failure-window-ms and "
                     "--max-pending-verifications > 0\n");
        return -1;
    }
    if (cfg->threads > RT_MAX_THREADS) {
        fprintf(err, "blobhub-realtime: --threads must be 0..%d\n", RT_MAX_THREADS);
        return -1;
    }
    if (strcmp(cfg->event_loop, "poll") != 0 && strcmp(cfg->event_loop, "uv") != 0) {
        fprintf(err, "blobhub-realtime: --event-loop must be poll or uv\n");
        return -1;
    }
    if (cfg->allow_list_only && !cfg->persisted_operations) {
        fprintf(err, "blobhub-realtime: --allow-list-only needs --persisted-operations\n");
        return -1;
    }
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        fprintf(err, "blobhub-realtime: --tls-cert and --tls-key go together\n");
        return -1;
    }
    return 0;
}

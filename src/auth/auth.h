/* Authentication (credentials -> principal) and authorization (may this principal view this
 * node now?). Verification of slow secrets (Argon2id) runs off the network thread; results
 * come back through the caller's task queue. The directory mirror it judges on lives in memory
 * and is updated by every applied directory change. */
#ifndef RT_AUTH_H
#define RT_AUTH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util_clock.h"
#include "util/util_taskq.h"

struct rt_server;
typedef struct auth auth_t;

typedef enum {
    AUTH_PRINCIPAL_USER,    /* JWT or PAT */
    AUTH_PRINCIPAL_API_KEY, /* organization API key */
    AUTH_PRINCIPAL_SERVICE, /* the ingestion key: sees everything */
} auth_kind_t;

/* Failure reasons, also the index of rt_metrics_t.auth_failures. */
typedef enum {
    AUTH_OK = 0,
    AUTH_FAIL_NO_CREDENTIAL = 1,
    AUTH_FAIL_MALFORMED = 2,  /* undecodable token, bad base64/JSON, wrong alg */
    AUTH_FAIL_BAD_SECRET = 3, /* signature or secret does not verify */
    AUTH_FAIL_UNKNOWN = 4,    /* unknown key/token/user id */
    AUTH_FAIL_EXPIRED = 5,    /* exp/nbf, expiresAt, revoked */
    AUTH_FAIL_BANNED = 6,     /* banned or deleted user or organization */
    AUTH_FAIL_SCOPE = 7,      /* x-org-id / x-blob-id the principal cannot see */
    AUTH_FAIL_CLAIMS = 8,     /* JWT iss/aud mismatch, or no usable sub */
    AUTH_FAIL_THROTTLED = 9,  /* refused unchecked: too many failures for the id or the address */
    AUTH_FAIL_BUSY = 10,      /* refused unchecked: the verification queue is full */
    AUTH_FAIL__COUNT = 11,
} auth_failure_t;

const char *auth_failure_name(auth_failure_t f);

/* Who a connection is, with its scope. Refcounted and shared by every connection that
 * presented the same credential and scope; immutable but for the validity it reports. */
typedef struct auth_identity auth_identity_t;

auth_identity_t *auth_identity_ref(auth_identity_t *id);
void auth_identity_unref(auth_identity_t *id);
auth_kind_t auth_identity_kind(const auth_identity_t *id);
const char *auth_identity_id(const auth_identity_t *id); /* user id, API key id, or "service" */
/* False once the credential is revoked or expired, or its user/organization banned: the
 * connection must then be closed with 4403. Cheap; called about once a second per connection.
 * now_ms is wall-clock time, ms since the Unix epoch (CLOCK_REALTIME): expiry instants (JWT exp,
 * expiresAt) are wall-clock. A value below 10^12 (before 2001-09-09, e.g. a CLOCK_MONOTONIC
 * reading) is not taken as wall-clock time: the wall clock is read instead. */
bool auth_identity_valid(const auth_identity_t *id, rt_wall_t now);

/* What a request presents. Header lookup is by lower-case name. */
typedef struct auth_request {
    json_object *params;                                      /* connection_init payload (borrowed), NULL on HTTP */
    const char *query_token;                                  /* ?token= of the WebSocket URL, or NULL */
    const char *(*header)(void *ctx, const char *lower_name); /* HTTP headers, or NULL */
    void *header_ctx;
    const char *peer;          /* address of the direct peer, or NULL */
    const char *forwarded_for; /* X-Forwarded-For (used only when peer is a trusted proxy), or NULL */
} auth_request_t;

/* Always called through `q` (never from inside auth_authenticate), on the thread draining it,
 * with AUTH_OK and a new identity reference owned by the callee, or a failure and NULL. */
typedef void (*auth_done_fn)(void *ctx, auth_failure_t result, auth_identity_t *identity);
typedef struct auth_pending auth_pending_t;

/* Created at start from srv->cfg (JWT keys, issuer, audience) with an empty directory mirror;
 * caller owns it (auth_free). NULL on bad configuration (logged). */
auth_t *auth_new(struct rt_server *srv);
/* Call last: after every identity reference is dropped and the task queues that may still
 * hold authentication steps are drained or freed (jobs still pending are freed here). */
void auth_free(auth_t *a);

/* Mirrors one committed change into the in-memory directory that every check reads: `type`
 * is Organization, User, Membership, ApiKey, PersonalAccessToken or Blob (blob ownership and
 * visibility); `node` is the new state (borrowed) or NULL when the record was deleted. Called
 * at start for every stored record and after every commit; other types are ignored. */
void auth_dir_apply(auth_t *a, const char *type, const char *id, json_object *node);
/* auth_dir_apply with the store_record_fn shape, ctx = the auth_t: main.c can pass it straight
 * to store_load_directory(store, auth_dir_record, srv->auth). */
void auth_dir_record(void *auth, const char *type, const char *id, json_object *node);
/* Bumped by every directory change that can change an identity's validity (not by Blob
 * changes). A connection sweep may skip auth_identity_valid while it is unchanged and no
 * credential deadline has passed; calling it anyway is cheap. */
uint64_t auth_dir_generation(auth_t *a);

/* May `who` view this node now (docs/authentication.md (#principals-and-what-they-see,
 * #revocation-expiry-and-bans))? `type` is a node type of the schema
 * (Blob, Revision, Session, Execution, ExecutionEvent, SessionEvent), `node` its state (a
 * DELETED change is judged on its previous values). Judged on the mirror as it is now.
 * A Blob is judged on its own organizationId/visibility; the others through node.blobId and
 * the mirrored blob (unknown blob: only the service sees it). A banned or deleted user or
 * organization, or a revoked/expired key or PAT, sees nothing; a banned organization's nodes are
 * hidden from everyone but the service. Scope: with x-org-id only that organization's nodes
 * (other organizations' public blobs excluded), with x-blob-id only that blob's nodes.
 * Thread-safe, allocation-free, a few hash lookups under a per-thread read lock. */
bool auth_can_view(auth_t *a, const auth_identity_t *who, const char *type, json_object *node);

/* May `who` see this organization now (Query.organization)? A member (user), the key's own
 * organization (API key), any existing one (service); banned or deleted: no; outside an x-org-id
 * scope: no. */
bool auth_can_view_org(auth_t *a, const auth_identity_t *who, const char *org_id);
/* Query.viewer: {"kind": "user"|"apiKey"|"service", "id": ..., "organizations": [{id, slug,
 * name, createdAt}, ...]} (organizations it may see, sorted by id). Caller owns the result;
 * NULL when memory runs out. */
json_object *auth_viewer(auth_t *a, const auth_identity_t *who);
/* Organization {id, slug, name, createdAt} as mirrored, or NULL when unknown/deleted; caller owns. */
json_object *auth_org_node(auth_t *a, const char *org_id);

/* Verifications waiting for a worker now (the bounded queue; for /metrics). */
size_t auth_verifications_waiting(auth_t *a);
/* Argon2id verifications run so far (for tests and the benchmark: a warm cache adds none). */
long auth_pwhash_count(auth_t *a);

/* Starts authentication; everything in `req` is copied before return. Returns 0 and *pending
 * (cancel it if the caller goes away first; after `done` runs it is gone), or -1 on OOM. */
int auth_authenticate(auth_t *a, const auth_request_t *req, rt_taskq_t *q, auth_done_fn done, void *ctx,
                      auth_pending_t **pending);
/* `done` will not be called after this returns. Call it on the thread that drains `q` (the
 * one `done` would run on), and only before `done` ran. A verification in flight finishes on
 * its worker and is then discarded. */
void auth_cancel(auth_pending_t *pending);

#endif

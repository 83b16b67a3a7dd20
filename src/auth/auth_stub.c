/* TEMPORARY: stands in for the auth layer until it lands (srv->auth stays NULL). */
#include "auth/auth.h"

const char *auth_failure_name(auth_failure_t f) { return "unknown"; }
auth_identity_t *auth_identity_ref(auth_identity_t *id) { return id; }
void auth_identity_unref(auth_identity_t *id) { (void)id; }
const char *auth_identity_id(const auth_identity_t *id) { return "anonymous"; }
bool auth_identity_valid(const auth_identity_t *id, int64_t now_ms) { return true; }
int auth_authenticate(auth_t *a, const auth_request_t *req, rt_taskq_t *q, auth_done_fn done, void *ctx,
                      auth_pending_t **pending)
{
    return -1;
}
void auth_cancel(auth_pending_t *pending) { (void)pending; }

/*
 * apid/credential_lockout.c — lockout and audit of apid's application passwords and connection keys
 * (apid/credential_lockout.h).
 *
 * Owns: the 429 answer of a locked subject, the failure/success bookkeeping after a check and the
 * audit rows api.auth (every refused application password or connection key: each cost a slow hash,
 * so their rate is bounded by the offload pool) and api.lockout (the failure that locked). Does not:
 * count anything itself (common/lockout.c), verify credentials (apid/app_password.c,
 * apid/connection_key.c) or audit refusals by HTTPS, the allowlist or a lock already in force (those
 * cost an attacker nothing and would let one fill the audit table; the log has them at debug level).
 */
#include "apid/credential_lockout.h"

#include <stdio.h>

#include <jansson.h>

#include "common/audit.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/lockout.h"
#include "common/log.h"
#include "common/security_settings.h"

static const char *user_of(const struct credential_attempt *a)
{
    return a->user_key[0] ? a->user_key : NULL;
}

int credential_lockout_check_or_reply(struct http_call *call, struct db *db, const struct credential_attempt *a)
{
    struct daemon_worker *w = call->worker->data;
    const struct security_settings *s = security_settings_get(w);
    unsigned retry = 0;
    int locked = lockout_check(db, &s->lockout, http_client_addr(call), user_of(a), &retry);
    if (locked == 0)
        return 0;
    if (locked < 0) {
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return -1;
    }
    log_debug("apid: %s refused while locked out (%s, user %s)", a->kind, http_client_addr(call),
              a->user_key[0] ? a->user_key : "-");
    http_reply_rate_limit_headers(call->req, retry, a->user_key[0] ? s->lockout.user_max : s->lockout.ip_max, 0, retry);
    http_reply_no_store(call->req);
    http_reply_error(call->req, 429, "cartman_locked_out",
                     "Too many failed sign-ins from this address or for this account: retry after the time in "
                     "Retry-After.");
    return -1;
}

static void audit(struct db *db, struct http_call *call, const char *event, const char *result,
                  const struct credential_attempt *a, const char *reason, unsigned retry)
{
    json_t *d = json_pack("{s:s, s:s}", "credential", a->kind, "reason", reason);
    if (retry != 0)
        json_object_set_new(d, "locked_for_s", json_integer(retry));
    struct audit_event e = {.event = event, .result = result, .user_id = a->owner_id, .ip = http_client_addr(call),
                            .detail = d};
    audit_write(db, &e);
    json_decref(d);
}

void credential_lockout_failed(struct http_call *call, const struct credential_attempt *a, const char *reason)
{
    struct daemon_worker *w = call->worker->data;
    struct db *db = daemon_worker_db(w);
    if (db == NULL)
        return;
    const struct security_settings *s = security_settings_get(w);
    const char *ip = http_client_addr(call);
    if (lockout_record_failure(db, &s->lockout, ip, user_of(a)) != 0)
        log_warn("apid: cannot count a failed %s: %s", a->kind, db_error(db));
    audit(db, call, "api.auth", "denied", a, reason, 0);
    unsigned retry = 0;
    if (lockout_check(db, &s->lockout, ip, user_of(a), &retry) == 1) {
        log_info("apid: %s failures locked out %s / user %s for %u s", a->kind, ip, a->user_key[0] ? a->user_key : "-",
                 retry);
        audit(db, call, "api.lockout", "locked", a, "too_many_failures", retry);
    }
}

void credential_lockout_succeeded(struct http_call *call, const struct credential_attempt *a)
{
    struct db *db = daemon_worker_db(call->worker->data);
    if (db != NULL && lockout_record_success(db, http_client_addr(call), user_of(a)) != 0)
        log_warn("apid: cannot clear the failure counts: %s", db_error(db));
}

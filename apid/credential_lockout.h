/*
 * apid/credential_lockout.h — the sign-in lockout (common/lockout.h) for apid's guessable credentials:
 * application passwords and connection keys. Bearer tokens are not counted (a signature cannot be
 * guessed, and checking one costs no slow hash).
 *
 *   app_password_check / connection_key_check:
 *     find the account → credential_lockout_check_or_reply(call, db, &attempt) → 429 while locked
 *     verify on the offload pool → done(call, &attempt)
 *   the guard's done: credential_lockout_failed(call, &attempt, "wrong_password") or
 *                     credential_lockout_succeeded(call, &attempt)  (only when !attempt.cached)
 *
 * The counts are per IP (the client address, common/http_server.h) and per user, in the database,
 * shared with authd's sign-ins and with every other instance. The thresholds come from the cached
 * security settings (common/security_settings.h): no query but the check itself before a slow hash,
 * and none at all for a credential found in the verified-credential cache — a credential verified in
 * the last minute keeps working for that minute even while its user is locked out.
 */
#ifndef APID_CREDENTIAL_LOCKOUT_H
#define APID_CREDENTIAL_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/db.h"
#include "common/http_server.h"

struct credential_attempt {
    const char *kind;  /* "application_password", "connection_key" (audit detail) */
    uint64_t user_id;  /* the verified user; 0: refused */
    uint64_t owner_id; /* the account the attempt was for, when one exists (audit), else 0 */
    bool cached;       /* answered from the verified-credential cache (nothing to record) */
    bool malformed;    /* not even the shape of the credential: refused without a check, not counted */
    char user_key[64]; /* lockout subject: the user ID in decimal, a lower-cased unknown login, or "" */
};

/* Before a slow check: 0 to go on, -1 after answering (429 cartman_locked_out with Retry-After and
 * RateLimit-*, or 503 when the database fails). */
int credential_lockout_check_or_reply(struct http_call *call, struct db *db, const struct credential_attempt *a);

/* A refused credential: counts one failure for the IP and the user; writes an audit row
 * api.auth/denied with the reason, and one api.lockout/locked when this failure locked the IP or user. */
void credential_lockout_failed(struct http_call *call, const struct credential_attempt *a, const char *reason);

/* A freshly verified credential: clears the IP's and the user's counts. */
void credential_lockout_succeeded(struct http_call *call, const struct credential_attempt *a);

#endif

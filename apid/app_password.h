/*
 * apid/app_password.h — `Authorization: Basic <user:application password>`, as WordPress's own REST
 * API accepts it (DESIGN §7, credential 2).
 *
 * A verified pair is cached in memory for APP_PASSWORD_CACHE_S under an HMAC-SHA256 of it keyed with a
 * per-process random key (never the password itself), so the slow hash is paid once, not per request.
 * A password revoked in WordPress therefore still works for at most APP_PASSWORD_CACHE_S in a process
 * that cached it.
 */
#ifndef APID_APP_PASSWORD_H
#define APID_APP_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "apid/credential_lockout.h"
#include "common/http_server.h"

#define APP_PASSWORD_CACHE_S 60
#define APP_PASSWORD_CACHE_ENTRIES 4096

/* Called on the request's worker loop with the attempt (a->user_id: the verified user, 0 when refused;
 * the caller answers 401 and does the lockout bookkeeping), or never when the request went away or
 * when app_password_check already answered (503, or 429 while the IP or the user is locked out). */
typedef void (*app_password_done_fn)(struct http_call *call, const struct credential_attempt *a);

/* Checks the base64 part of a Basic header: from the cache at once (done runs before this returns), or
 * on the offload pool. Returns 0 when done was or will be called, -1 when an error answer was sent. */
int app_password_check(struct http_call *call, const char *b64, size_t len, app_password_done_fn done);

#endif

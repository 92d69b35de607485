/*
 * apid/connection_key.h — `X-CartMan-Key: <connection key>` with `X-CartMan-Timestamp: <unix seconds>`
 * (DESIGN §7, credential 3): the key authd's `keys create-connection-key` prints, checked against
 * {p}cartman_connection_keys (bcrypt, on the offload pool).
 *
 * The timestamp must be within CONNECTION_KEY_SKEW_S of the server clock. A verified key is cached for
 * CONNECTION_KEY_CACHE_S under an HMAC-SHA256 of it keyed with a per-process random key, so a key
 * revoked at authd still works for at most that long in a process that cached it.
 */
#ifndef APID_CONNECTION_KEY_H
#define APID_CONNECTION_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "apid/credential_lockout.h"
#include "common/http_server.h"

#define CONNECTION_KEY_SKEW_S 300
#define CONNECTION_KEY_CACHE_S 60
#define CONNECTION_KEY_CACHE_ENTRIES 4096

/* Called on the request's worker loop with the attempt (a->user_id: the key's user, 0 when refused;
 * the caller answers 401 and does the lockout bookkeeping), or never when the request went away or
 * connection_key_check already answered (503, or 429 while the IP or the key's owner is locked out). */
typedef void (*connection_key_done_fn)(struct http_call *call, const struct credential_attempt *a);

/* Checks key[0..len) (the timestamp is the caller's concern). 0 when done was or will be called, -1
 * when an error answer was sent. */
int connection_key_check(struct http_call *call, const char *key, size_t len, connection_key_done_fn done);

#endif

/*
 * apid/bearer.h — access tokens from authd (RFC 9068 JWTs, ES256), verified and cached.
 *
 *   struct bearer_claims c;
 *   const char *why;
 *   switch (bearer_check(tok, len, cfg->authd_url, cfg->apid_url, time(NULL), &c, &why)) { ... }
 *
 * bearer_verify is the pure check: three base64url parts, a strict header ({"alg":"ES256",
 * "typ":"at+jwt","kid":…} and nothing else; alg is checked before any key is looked at), the kid in
 * the key set, the signature (EVP_DigestVerify over the DER form of r||s), then the claims: iss, aud
 * (string or array), exp and nbf with BEARER_LEEWAY_S, iat, a lifetime of at most
 * BEARER_MAX_LIFETIME_S, sub a decimal WordPress user id, sid the grant id, client_id, scope.
 *
 * bearer_check adds the cache: a verified token is kept (keyed by its SHA-256, sharded, bounded to
 * BEARER_CACHE_ENTRIES, per process) until its exp, so its signature is checked once; every use, cached
 * or not, also asks apid/revoked.h whether its grant was revoked, and a revoked one leaves the cache.
 */
#ifndef APID_BEARER_H
#define APID_BEARER_H

#include <stddef.h>
#include <stdint.h>

#include "apid/jwks.h"
#include "common/config.h"

#define BEARER_LEEWAY_S 60
#define BEARER_MAX_LIFETIME_S 3600      /* exp - iat; the revocation window (apid/revoked.h) covers it */
#define BEARER_MAX_HEADER_B64 512       /* the encoded JOSE header */
#define BEARER_CACHE_ENTRIES 16384      /* verified tokens held per process (about 300 bytes each) */
#define BEARER_SCOPE_BYTES 512
#define BEARER_CLIENT_ID_BYTES 101

struct bearer_claims {
    uint64_t user_id;  /* sub */
    uint64_t grant_id; /* sid */
    int64_t exp;
    char client_id[BEARER_CLIENT_ID_BYTES];
    char scope[BEARER_SCOPE_BYTES];
};

enum bearer_result {
    BEARER_OK,
    BEARER_INVALID,     /* 401 invalid_token; *why says which check failed (fixed text, no token bytes) */
    BEARER_UNKNOWN_KID, /* 401 invalid_token; a JWKS refetch was requested */
    BEARER_UNAVAILABLE, /* 503: no JWKS yet (authd unreachable since start), or the revocation list is
                           stale (database unreachable); *why says which */
    BEARER_REVOKED,     /* 401 invalid_token: the grant was revoked */
};

/* Pure verification against ks at time now (no cache, no revocation list). */
enum bearer_result bearer_verify(const struct jwks_set *ks, const char *tok, size_t len, const char *iss,
                                 const char *aud, int64_t now, struct bearer_claims *out, const char **why);

/* Verification through the cache, the process's key set (apid/jwks.h) and the revocation list. */
enum bearer_result bearer_check(const char *tok, size_t len, const char *iss, const char *aud, int64_t now,
                                struct bearer_claims *out, const char **why);

/* Empties the cache (tests, benchmarks). */
void bearer_cache_clear(void);

/* Starts / stops what bearer_check needs in the background: the JWKS fetcher and the revocation list.
 * From the main thread, around daemon_serve. 0, or -1 (logged). */
int bearer_start(const struct config *cfg);
void bearer_stop(void);

#endif

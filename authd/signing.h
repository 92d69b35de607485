/*
 * authd/signing.h — ES256 access tokens (RFC 9068 JWTs) and the public keys that verify them (JWKS).
 *
 * Keys on disk (private keys never go into the database):
 *
 *   <signing_key>                   the current key: a PEM P-256 private key (PKCS#8 or SEC1), 0600
 *   <signing_key>.d/<kid>.pem       a previous key, kept so tokens it signed still verify
 *   <signing_key>.d/<kid>.retired   when it stopped being current: Unix seconds, one line
 *
 * kid is the RFC 7638 JWK thumbprint: base64url(SHA-256('{"crv":"P-256","kty":"EC","x":"…","y":"…"}')).
 * A previous key stays in the JWKS for SIGNING_RETAIN_S after it was retired (the access-token life,
 * 15 minutes, plus a margin for clock skew, reload delay and the resource servers' JWKS cache); after
 * that running daemons drop it from the JWKS and the next `authd keys rotate` deletes its files (deleted,
 * not archived: a private key that can no longer verify any live token is only a liability).
 *
 * `authd keys rotate` (signing_keys_rotate) makes a new P-256 key: it copies the current key into the
 * .d/ directory with its retired-at time, then renames the new key over <signing_key>; every file is
 * written to a temporary name and renamed, so a daemon reading at any moment sees whole files. Running
 * daemons notice within a few seconds (signing_keys_reload_if_changed: stat of the key file and of
 * the .d/ directory), parse the new set once and swap it in; signers holding the old set finish with it.
 *
 * Why not libjwt for signing: libjwt 1.10 always writes `"typ":"JWT"` (RFC 9068 wants `at+jwt`) and
 * re-parses the PEM key on every jwt_encode (hundreds of µs for ES256). Here every key is parsed once
 * into an EVP_PKEY, the header of each key is serialised once, and a token costs one ECDSA signature.
 * libjwt's jwt_decode also refuses every typ but "JWT" (EINVAL), so it cannot verify an at+jwt
 * token as it is: the unit test verifies the signing layer with libjwt (signing_jws with typ JWT), and
 * the access tokens themselves with OpenSSL's EVP_DigestVerify and, in the integration tests, node's
 * `jose` (jwtVerify with typ 'at+jwt' against the live JWKS).
 */
#ifndef AUTHD_SIGNING_H
#define AUTHD_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/config.h"

#define SIGNING_TOKEN_LIFETIME_S 900 /* default access-token life (15 minutes) */
#define SIGNING_RETAIN_S (SIGNING_TOKEN_LIFETIME_S + 300) /* a previous key stays published this long */
#define SIGNING_RELOAD_INTERVAL_MS 1000 /* signing_keys_reload_if_changed looks at the files at most this often */
#define SIGNING_KID_BYTES 44   /* base64url of a SHA-256, NUL included */
#define SIGNING_JTI_BYTES 32   /* base64url of 128 random bits (22 chars), NUL included */

struct signing_keys;

/* Loads the current key (cfg->signing_key) and the previous keys still published. At start-up.
 * NULL with a message in err when the current key is missing, unreadable or not a P-256 key. */
struct signing_keys *signing_keys_load(const struct config *cfg, char *err, size_t errlen);
/* The same from a key file path (tests, command-line tools). */
struct signing_keys *signing_keys_load_file(const char *keyfile, char *err, size_t errlen);
void signing_keys_free(struct signing_keys *k);

struct access_claims {
    const char *iss, *sub, *aud, *client_id, *scope; /* required: iss, sub, aud, client_id; scope may be NULL */
    uint64_t sid; /* the grant id; 0: no sid claim */
    int64_t iat, exp; /* Unix seconds; nbf = iat */
};

/* Signs an access token with the current key: header {"alg":"ES256","typ":"at+jwt","kid":"…"}, payload
 * {iss, sub, aud, exp, iat, nbf, jti, client_id, scope, sid}. Writes a fresh random jti (128 bits,
 * base64url) into the token and, if jti_out is not NULL, copies it there. Returns a malloc'd,
 * NUL-terminated token (length in *len when len is not NULL), or NULL on failure. Thread-safe; picks
 * up rotated keys by itself (signing_keys_reload_if_changed). */
char *signing_access_token(struct signing_keys *k, const struct access_claims *c, char jti_out[SIGNING_JTI_BYTES],
                           size_t *len);

/* The layer under signing_access_token: an ES256 JWS (compact form) of payload (JSON text, plen bytes)
 * with header {"alg":"ES256","typ":typ,"kid":…} and the current key. For other token types (an ID
 * token's typ is JWT) and for tests: libjwt 1.10's jwt_decode refuses any typ but "JWT" (EINVAL), so
 * it can verify this layer but not an at+jwt access token. malloc'd; NULL on failure. */
char *signing_jws(struct signing_keys *k, const char *typ, const char *payload, size_t plen, size_t *len);

/* {"keys":[{kty,crv,x,y,kid,use:"sig",alg:"ES256"}…]}, current key first; a new reference. */
json_t *signing_jwks(struct signing_keys *k);

/* The same JWKS, serialised once per key set: calls use(arg, body, len) with bytes valid during the call. */
void signing_jwks_body(struct signing_keys *k, void (*use)(void *arg, const char *body, size_t len), void *arg);

/* The current key's kid (copied). */
void signing_current_kid(struct signing_keys *k, char kid[SIGNING_KID_BYTES]);

/* Looks at the key files (at most once per SIGNING_RELOAD_INTERVAL_MS, whoever calls: cheap enough for
 * every request) and swaps in a new key set when they changed or a previous key expired.
 * 1 reloaded, 0 nothing to do, -1 the new files could not be loaded (logged; the old set stays). */
int signing_keys_reload_if_changed(struct signing_keys *k);

/* `authd keys rotate`: a new current key; the old one moves to <keyfile>.d/ with its retired-at time;
 * files of previous keys retired more than SIGNING_RETAIN_S ago are deleted. The new kid goes into
 * new_kid. 0, or -1 with a message in err. */
int signing_keys_rotate(const char *keyfile, int64_t now, char new_kid[SIGNING_KID_BYTES], char *err, size_t errlen);

/* base64url without padding of n bytes into out (cap bytes, NUL-terminated). Returns the length, or 0
 * when cap is too small. */
size_t signing_base64url(const unsigned char *in, size_t n, char *out, size_t cap);

#endif

/*
 * apid/jwks.h — authd's public keys (RFC 7517 JWKS at <authd_url>/oauth/jwks.json), as apid holds them.
 *
 * One immutable key set per process, parsed once into EVP_PKEYs (EC P-256, alg ES256 only) and
 * swapped under a write lock when a fetch brings a new one. A background thread fetches it with
 * libcurl (TLS verified, authd_ca as the trusted CA when set): once before apid serves (at most
 * JWKS_START_TIMEOUT_S, so a running authd's keys are there for the first request), every JWKS_REFRESH_S after a
 * success, every JWKS_RETRY_S while no key is known (authd down at start), and on request when a token
 * names an unknown kid — at most once per JWKS_MIN_INTERVAL_S. The request that saw the unknown kid
 * does not wait: it gets 401 invalid_token, and the client's retry after the refetch succeeds.
 */
#ifndef APID_JWKS_H
#define APID_JWKS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/config.h"

#define JWKS_MAX_KEYS 16
#define JWKS_MAX_BYTES ((size_t)64 * 1024) /* a JWKS document we accept */
#define JWKS_KID_BYTES 64           /* a kid, NUL included */
#define JWKS_REFRESH_S 300          /* refetch after a success */
#define JWKS_RETRY_S 2              /* refetch while no key is known, or after a failure */
#define JWKS_MIN_INTERVAL_S 5       /* unknown-kid refetches are at most this frequent */
#define JWKS_NO_KEY_INTERVAL_S 0.5  /* while no key is known, requests may ask this often */
#define JWKS_FETCH_TIMEOUT_S 10
#define JWKS_START_TIMEOUT_S 3      /* the first fetch, before apid serves */

struct jwks_key {
    char kid[JWKS_KID_BYTES];
    EVP_PKEY *pkey;
};

struct jwks_set {
    size_t n;
    struct jwks_key keys[JWKS_MAX_KEYS];
};

/* Pure: parses a JWKS document. Keys that are not EC P-256 for ES256 signatures (kty, crv, alg, use
 * checked) are skipped; a set without any usable key is an error. NULL with err on failure. */
struct jwks_set *jwks_parse(const char *json, size_t len, char *err, size_t errlen);
void jwks_set_free(struct jwks_set *ks);

/* The key named kid in ks, or NULL. */
EVP_PKEY *jwks_set_find(const struct jwks_set *ks, const char *kid, size_t len);

/* The process's current set. Read-lock it for as long as a key from it is in use. */
const struct jwks_set *jwks_read_lock(void);
void jwks_read_unlock(void);

/* Replaces the current set (takes ks; frees the previous one). The fetcher uses it; tests and
 * benchmarks install a set directly. */
void jwks_install(struct jwks_set *ks);

/* Asks the fetcher for a refetch now (an unknown kid), unless one ran less than JWKS_MIN_INTERVAL_S ago.
 * Never blocks. */
void jwks_request_refresh(void);

/* Starts the fetcher thread (SIGTERM/SIGINT blocked in it). Call from the main thread before the
 * server starts. 0, or -1 (logged). */
int jwks_start(const struct config *cfg);
/* Stops and joins the fetcher and frees the current set. */
void jwks_stop(void);

#endif

/*
 * apid/bearer.c — verifying authd's access tokens and caching the verified ones (apid/bearer.h).
 *
 * Owns: the JWS compact parse, the ES256 signature check (OpenSSL, never libjwt), the claim checks and
 * the per-process cache of verified tokens. Does not: fetch keys (apid/jwks.c), read revocations
 * (apid/revoked.c), check scopes or answer HTTP (apid/guard.c). Never logs a token or a part of one.
 */
#include "apid/bearer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "apid/revoked.h"
#include "common/jose.h"
#include "common/limits.h"

/* ---- verification ---- */


/* Decodes one base64url part and parses it as a JSON object (duplicate members refused). */
static json_t *decode_json(const char *p, size_t len)
{
    unsigned char buf[LIMIT_TOKEN_BYTES];
    if (len > sizeof buf)
        return NULL;
    long n = jose_base64url_decode(p, len, buf);
    if (n <= 0)
        return NULL;
    json_t *v = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static bool str_eq(const json_t *v, const char *want)
{
    return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
           strcmp(json_string_value(v), want) == 0;
}

/* sub: a WordPress user id in decimal, no sign, no leading zero, not 0. */
static bool parse_user_id(const json_t *v, uint64_t *out)
{
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > 19 || s[0] == '0')
        return false;
    uint64_t id = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        id = id * 10 + (uint64_t)(s[i] - '0');
    }
    *out = id;
    return true;
}

static bool copy_str(const json_t *v, char *out, size_t cap)
{
    if (!json_is_string(v) || json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v))
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

static bool audience_ok(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return str_eq(aud, want);
    if (!json_is_array(aud))
        return false;
    size_t i;
    const json_t *a;
    bool found = false;
    json_array_foreach(aud, i, a) {
        if (!json_is_string(a))
            return false;
        if (str_eq(a, want))
            found = true;
    }
    return found;
}

static enum bearer_result claims(const json_t *p, const char *iss, const char *aud, int64_t now,
                                 struct bearer_claims *out, const char **why)
{
    const json_t *exp = json_object_get(p, "exp"), *nbf = json_object_get(p, "nbf"), *iat = json_object_get(p, "iat");
    const json_t *sid = json_object_get(p, "sid");
    if (!str_eq(json_object_get(p, "iss"), iss)) {
        *why = "The token was not issued by this store's authorization server.";
        return BEARER_INVALID;
    }
    if (!audience_ok(json_object_get(p, "aud"), aud)) {
        *why = "The token is not meant for this API (aud).";
        return BEARER_INVALID;
    }
    if (!json_is_integer(exp) || !json_is_integer(iat) || (nbf && !json_is_integer(nbf))) {
        *why = "The token lacks exp or iat.";
        return BEARER_INVALID;
    }
    int64_t e = (int64_t)json_integer_value(exp), ia = (int64_t)json_integer_value(iat);
    if (now > e + BEARER_LEEWAY_S) {
        *why = "The token has expired.";
        return BEARER_INVALID;
    }
    if ((nbf && (int64_t)json_integer_value(nbf) > now + BEARER_LEEWAY_S) || ia > now + BEARER_LEEWAY_S) {
        *why = "The token is not valid yet.";
        return BEARER_INVALID;
    }
    if (e - ia > BEARER_MAX_LIFETIME_S || e < ia) {
        *why = "The token's lifetime is longer than this API accepts.";
        return BEARER_INVALID;
    }
    if (!parse_user_id(json_object_get(p, "sub"), &out->user_id)) {
        *why = "The token's subject is not a user id.";
        return BEARER_INVALID;
    }
    if (!json_is_integer(sid) || json_integer_value(sid) <= 0) {
        *why = "The token names no grant (sid).";
        return BEARER_INVALID;
    }
    out->grant_id = (uint64_t)json_integer_value(sid);
    out->exp = e;
    if (!copy_str(json_object_get(p, "client_id"), out->client_id, sizeof out->client_id) ||
        !copy_str(json_object_get(p, "scope"), out->scope, sizeof out->scope)) {
        *why = "The token lacks client_id or scope.";
        return BEARER_INVALID;
    }
    return BEARER_OK;
}

enum bearer_result bearer_verify(const struct jwks_set *ks, const char *tok, size_t len, const char *iss,
                                 const char *aud, int64_t now, struct bearer_claims *out, const char **why)
{
    *why = "The token is malformed.";
    if (len > LIMIT_TOKEN_BYTES)
        return BEARER_INVALID;
    const char *d1 = memchr(tok, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
    if (d1 == NULL || d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)) != NULL)
        return BEARER_INVALID;
    size_t hlen = (size_t)(d1 - tok), plen = (size_t)(d2 - d1 - 1), slen = len - (size_t)(d2 + 1 - tok);
    if (hlen == 0 || plen == 0 || slen == 0)
        return BEARER_INVALID;
    if (hlen > BEARER_MAX_HEADER_B64) {
        *why = "The token's header is too large.";
        return BEARER_INVALID;
    }
    json_t *hdr = decode_json(tok, hlen);
    if (hdr == NULL)
        return BEARER_INVALID;
    const json_t *alg = json_object_get(hdr, "alg"), *typ = json_object_get(hdr, "typ"), *kid = json_object_get(hdr, "kid");
    enum bearer_result r = BEARER_INVALID;
    /* the algorithm first: none, HS256 and the rest are refused before any key is looked at */
    if (!str_eq(alg, "ES256")) {
        *why = "The token's algorithm is not ES256.";
    } else if (!str_eq(typ, "at+jwt")) {
        *why = "The token is not an access token (typ).";
    } else if (!json_is_string(kid) || json_object_size(hdr) != 3) {
        *why = "The token's header is not the one this API accepts.";
    } else {
        EVP_PKEY *pk = jwks_set_find(ks, json_string_value(kid), json_string_length(kid));
        unsigned char sig[LIMIT_TOKEN_BYTES];
        if (pk == NULL) {
            *why = "The token was signed with an unknown key.";
            r = BEARER_UNKNOWN_KID;
        } else if (slen != 86 || jose_base64url_decode(d2 + 1, slen, sig) != 64 ||
                   !jose_es256_verify(pk, tok, (size_t)(d2 - tok), sig)) {
            *why = "The token's signature does not verify.";
        } else {
            json_t *payload = decode_json(d1 + 1, plen);
            if (payload == NULL)
                *why = "The token's payload is malformed.";
            else
                r = claims(payload, iss, aud, now, out, why);
            json_decref(payload);
        }
    }
    json_decref(hdr);
    return r;
}

/* ---- the cache ---- */

#define SHARDS 16
#define PER_SHARD (BEARER_CACHE_ENTRIES / SHARDS)
#define PROBE 4

struct entry {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    bool used;
    uint64_t user_id, grant_id;
    int64_t exp;
    char client_id[64];
    char scope[160];
};

struct shard {
    pthread_mutex_t mu;
    struct entry *slots; /* PER_SHARD, allocated on first insert */
};

static struct shard shards[SHARDS] = {
#define S {.mu = PTHREAD_MUTEX_INITIALIZER}
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
#undef S
};

static size_t slot_of(const unsigned char *d)
{
    return ((size_t)d[1] << 24 | (size_t)d[2] << 16 | (size_t)d[3] << 8 | d[4]) % PER_SHARD;
}

/* 1 hit (out filled), 0 miss, -1 revoked (dropped). */
static int cache_get(const unsigned char *d, int64_t now, struct bearer_claims *out)
{
    struct shard *sh = &shards[d[0] % SHARDS];
    int rc = 0;
    pthread_mutex_lock(&sh->mu);
    if (sh->slots != NULL) {
        size_t at = slot_of(d);
        for (size_t i = 0; i < PROBE; i++) {
            struct entry *e = &sh->slots[(at + i) % PER_SHARD];
            if (!e->used || memcmp(e->digest, d, sizeof e->digest) != 0)
                continue;
            if (now > e->exp + BEARER_LEEWAY_S) {
                e->used = false;
                break;
            }
            if (revoked_contains(e->grant_id)) {
                e->used = false;
                rc = -1;
                break;
            }
            out->user_id = e->user_id;
            out->grant_id = e->grant_id;
            out->exp = e->exp;
            memcpy(out->client_id, e->client_id, sizeof e->client_id);
            memcpy(out->scope, e->scope, sizeof e->scope);
            rc = 1;
            break;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return rc;
}

static void cache_put(const unsigned char *d, int64_t now, const struct bearer_claims *c)
{
    struct entry n = {.used = true, .user_id = c->user_id, .grant_id = c->grant_id, .exp = c->exp};
    size_t cl = strlen(c->client_id), sl = strlen(c->scope);
    if (cl >= sizeof n.client_id || sl >= sizeof n.scope)
        return; /* unusually long claims: verified each time instead */
    memcpy(n.digest, d, sizeof n.digest);
    memcpy(n.client_id, c->client_id, cl + 1);
    memcpy(n.scope, c->scope, sl + 1);
    struct shard *sh = &shards[d[0] % SHARDS];
    pthread_mutex_lock(&sh->mu);
    if (sh->slots == NULL) {
        sh->slots = calloc(PER_SHARD, sizeof *sh->slots);
        if (sh->slots == NULL)
            abort();
    }
    size_t at = slot_of(d), victim = at;
    for (size_t i = 0; i < PROBE; i++) {
        size_t k = (at + i) % PER_SHARD;
        struct entry *e = &sh->slots[k];
        if (!e->used || now > e->exp + BEARER_LEEWAY_S || memcmp(e->digest, d, sizeof e->digest) == 0) {
            victim = k;
            break;
        }
        if (e->exp < sh->slots[victim].exp) /* full: the one that expires first goes */
            victim = k;
    }
    sh->slots[victim] = n;
    pthread_mutex_unlock(&sh->mu);
}

void bearer_cache_clear(void)
{
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&shards[i].mu);
        free(shards[i].slots);
        shards[i].slots = NULL;
        pthread_mutex_unlock(&shards[i].mu);
    }
}

enum bearer_result bearer_check(const char *tok, size_t len, const char *iss, const char *aud, int64_t now,
                                struct bearer_claims *out, const char **why)
{
    if (len == 0 || len > LIMIT_TOKEN_BYTES) {
        *why = "The token is malformed.";
        return BEARER_INVALID;
    }
    if (!revoked_fresh()) {
        *why = "Revocations cannot be checked right now.";
        return BEARER_UNAVAILABLE;
    }
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)tok, len, d);
    int hit = cache_get(d, now, out);
    if (hit != 0) {
        *why = hit > 0 ? "" : "The token's grant was revoked.";
        return hit > 0 ? BEARER_OK : BEARER_REVOKED;
    }
    const struct jwks_set *ks = jwks_read_lock();
    enum bearer_result r;
    if (ks == NULL) {
        *why = "The authorization server's keys are not available yet.";
        r = BEARER_UNAVAILABLE;
    } else {
        r = bearer_verify(ks, tok, len, iss, aud, now, out, why);
    }
    jwks_read_unlock();
    if (r == BEARER_UNAVAILABLE || r == BEARER_UNKNOWN_KID)
        jwks_request_refresh();
    if (r != BEARER_OK)
        return r;
    if (revoked_contains(out->grant_id)) {
        *why = "The token's grant was revoked.";
        return BEARER_REVOKED;
    }
    cache_put(d, now, out);
    return BEARER_OK;
}

int bearer_start(const struct config *cfg)
{
    if (revoked_start(cfg) != 0)
        return -1;
    if (jwks_start(cfg) != 0) {
        revoked_stop();
        return -1;
    }
    return 0;
}

void bearer_stop(void)
{
    jwks_stop();
    revoked_stop();
    bearer_cache_clear();
}

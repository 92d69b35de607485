/*
 * tests/unit/test_bearer.c — apid/bearer.c and apid/jwks.c: a table of tokens made here with OpenSSL
 * (valid ones and every forgery the verifier must refuse), the JWKS parser, and the cache with the
 * revocation list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "apid/bearer.h"
#include "apid/jwks.h"
#include "apid/revoked.h"
#include "tests/jws_mint.h"
#include "tests/tap.h"

#define ISS "https://auth.example"
#define AUD "https://api.example"

static EVP_PKEY *new_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (k == NULL)
        abort();
    return k;
}

static void coord(EVP_PKEY *k, const char *param, char out[64])
{
    BIGNUM *bn = NULL;
    unsigned char buf[32];
    EVP_PKEY_get_bn_param(k, param, &bn);
    BN_bn2binpad(bn, buf, 32);
    BN_free(bn);
    jws_mint_b64url(buf, 32, out);
}

static char *jwk_json(EVP_PKEY *k, const char *kid, const char *kty, const char *crv, const char *alg)
{
    char x[64], y[64];
    coord(k, OSSL_PKEY_PARAM_EC_PUB_X, x);
    coord(k, OSSL_PKEY_PARAM_EC_PUB_Y, y);
    char *s = malloc(1024);
    snprintf(s, 1024, "{\"kty\":\"%s\",\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"%s\"}",
             kty, crv, x, y, kid, alg);
    return s;
}

/* header and payload JSON → a compact JWS signed ES256 with k (or with HS256 over secret when k is NULL). */
static char *make_token(const char *header, const char *payload, EVP_PKEY *k, const unsigned char *secret, size_t slen)
{
    static char out[16384];
    size_t o = jws_mint_b64url((const unsigned char *)header, strlen(header), out);
    out[o++] = '.';
    o += jws_mint_b64url((const unsigned char *)payload, strlen(payload), out + o);
    unsigned char sig[64];
    size_t siglen = 0;
    if (k != NULL) {
        jws_mint_es256(k, out, o, sig);
        siglen = 64;
    } else if (secret != NULL) {
        unsigned int l = 0;
        HMAC(EVP_sha256(), secret, (int)slen, (const unsigned char *)out, o, sig, &l);
        siglen = l;
    }
    out[o++] = '.';
    o += jws_mint_b64url(sig, siglen, out + o);
    out[o] = '\0';
    return out;
}

static char *payload(long now, const char *iss, const char *aud, long exp, long iat, const char *extra)
{
    static char p[4096];
    snprintf(p, sizeof p,
             "{\"iss\":\"%s\",\"sub\":\"7\",\"aud\":%s,\"exp\":%ld,\"iat\":%ld,\"jti\":\"j1\",\"client_id\":\"cartman-mobile\","
             "\"scope\":\"orders:read products:read\",\"sid\":42%s}",
             iss, aud, now + exp, now + iat, extra);
    return p;
}

int main(void)
{
    EVP_PKEY *key = new_key(), *other = new_key();
    char *jwk = jwk_json(key, "k1", "EC", "P-256", "ES256");
    char jwks[2048];
    snprintf(jwks, sizeof jwks, "{\"keys\":[%s]}", jwk);
    char err[200];
    struct jwks_set *ks = jwks_parse(jwks, strlen(jwks), err, sizeof err);
    tap_ok(ks != NULL && ks->n == 1, "JWKS with one P-256 key parses");

    /* JWKS parser: wrong kty/crv/alg are skipped, a set with nothing usable is an error */
    const char *bad[][3] = {{"RSA", "P-256", "ES256"}, {"EC", "P-384", "ES256"}, {"EC", "P-256", "HS256"}};
    for (size_t i = 0; i < 3; i++) {
        char *j = jwk_json(key, "b", bad[i][0], bad[i][1], bad[i][2]);
        char doc[2048];
        snprintf(doc, sizeof doc, "{\"keys\":[%s]}", j);
        struct jwks_set *b = jwks_parse(doc, strlen(doc), err, sizeof err);
        tap_ok(b == NULL, "JWKS key with kty %s crv %s alg %s is refused", bad[i][0], bad[i][1], bad[i][2]);
        jwks_set_free(b);
        free(j);
    }
    tap_ok(jwks_parse("{\"keys\":{}}", 11, err, sizeof err) == NULL, "JWKS without a keys array is refused");
    tap_ok(jwks_parse("[1", 2, err, sizeof err) == NULL, "malformed JWKS is refused");

    long now = (long)time(NULL);
    const char *H = "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}";
    const char *AUDS = "\"" AUD "\"";
    char ok_tok[4096];
    snprintf(ok_tok, sizeof ok_tok, "%s", make_token(H, payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0));

    struct row {
        const char *name;
        char tok[16384];
        enum bearer_result want;
    };
    static struct row rows[40];
    size_t n = 0;
#define ROW(nm, t, w)                                                                                                  \
    do {                                                                                                               \
        rows[n].name = (nm);                                                                                           \
        snprintf(rows[n].tok, sizeof rows[n].tok, "%s", (t));                                                          \
        rows[n++].want = (w);                                                                                          \
    } while (0)
    ROW("valid token", ok_tok, BEARER_OK);
    ROW("aud as an array naming the API", make_token(H, payload(now, ISS, "[\"x\",\"" AUD "\"]", 900, 0, ""), key, NULL, 0),
        BEARER_OK);
    ROW("expired within the leeway", make_token(H, payload(now, ISS, AUDS, -30, -900, ""), key, NULL, 0), BEARER_OK);
    ROW("alg none, no signature", make_token("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                                             payload(now, ISS, AUDS, 900, 0, ""), NULL, NULL, 0),
        BEARER_INVALID);
    {
        char t[16384];
        snprintf(t, sizeof t, "%sAAAA", make_token("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                                                   payload(now, ISS, AUDS, 900, 0, ""), NULL, NULL, 0));
        ROW("alg none with a signature part", t, BEARER_INVALID);
    }
    ROW("HS256 keyed with the public JWK", make_token("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                                                      payload(now, ISS, AUDS, 900, 0, ""), NULL,
                                                      (const unsigned char *)jwk, strlen(jwk)),
        BEARER_INVALID);
    ROW("alg es256 (case)", make_token("{\"alg\":\"es256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                                       payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0),
        BEARER_INVALID);
    ROW("typ JWT", make_token("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", payload(now, ISS, AUDS, 900, 0, ""),
                              key, NULL, 0),
        BEARER_INVALID);
    ROW("no typ", make_token("{\"alg\":\"ES256\",\"kid\":\"k1\"}", payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0),
        BEARER_INVALID);
    ROW("extra header member (jku)",
        make_token("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"jku\":\"https://evil\"}",
                   payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0),
        BEARER_INVALID);
    ROW("duplicate alg in header",
        make_token("{\"alg\":\"none\",\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                   payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0),
        BEARER_INVALID);
    ROW("unknown kid", make_token("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k9\"}",
                                  payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0),
        BEARER_UNKNOWN_KID);
    ROW("signed by a foreign key under our kid", make_token(H, payload(now, ISS, AUDS, 900, 0, ""), other, NULL, 0),
        BEARER_INVALID);
    ROW("wrong iss", make_token(H, payload(now, "https://evil.example", AUDS, 900, 0, ""), key, NULL, 0), BEARER_INVALID);
    ROW("wrong aud", make_token(H, payload(now, ISS, "\"https://other.example\"", 900, 0, ""), key, NULL, 0),
        BEARER_INVALID);
    ROW("aud array without the API", make_token(H, payload(now, ISS, "[\"x\"]", 900, 0, ""), key, NULL, 0),
        BEARER_INVALID);
    ROW("expired", make_token(H, payload(now, ISS, AUDS, -120, -1000, ""), key, NULL, 0), BEARER_INVALID);
    ROW("not yet valid (nbf)", make_token(H, payload(now, ISS, AUDS, 900, 0, ",\"nbf\":99999999999"), key, NULL, 0),
        BEARER_INVALID);
    ROW("issued in the future (iat)", make_token(H, payload(now, ISS, AUDS, 1200, 300, ""), key, NULL, 0), BEARER_INVALID);
    ROW("lifetime over the maximum", make_token(H, payload(now, ISS, AUDS, 7200, 0, ""), key, NULL, 0), BEARER_INVALID);
    {
        char p[4096];
        snprintf(p, sizeof p, "%s", payload(now, ISS, AUDS, 900, 0, ""));
        char *s = strstr(p, "\"sub\":\"7\"");
        s[7] = 'x';
        ROW("sub not numeric", make_token(H, p, key, NULL, 0), BEARER_INVALID);
    }
    ROW("payload not an object", make_token(H, "[1,2]", key, NULL, 0), BEARER_INVALID);
    {
        /* tampered payload: the signature of the valid token over another payload */
        char t[16384];
        const char *d1 = strchr(ok_tok, '.'), *d2 = strrchr(ok_tok, '.');
        char other_p[4096], enc[8192];
        snprintf(other_p, sizeof other_p, "%s", payload(now, ISS, AUDS, 900, 0, ""));
        other_p[strlen("{\"iss\":\"" ISS "\",\"sub\":\"")] = '1';
        jws_mint_b64url((const unsigned char *)other_p, strlen(other_p), enc);
        snprintf(t, sizeof t, "%.*s.%s%s", (int)(d1 - ok_tok), ok_tok, enc, d2);
        ROW("tampered payload", t, BEARER_INVALID);
        snprintf(t, sizeof t, "%s", ok_tok);
        t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
        ROW("tampered signature", t, BEARER_INVALID);
        snprintf(t, sizeof t, "%s", ok_tok);
        t[(size_t)(d1 - ok_tok) + 3] = '*';
        ROW("malformed base64 in the payload", t, BEARER_INVALID);
        snprintf(t, sizeof t, "%s=", ok_tok);
        ROW("padding on the signature", t, BEARER_INVALID);
        snprintf(t, sizeof t, "%s.xyz", ok_tok);
        ROW("four parts", t, BEARER_INVALID);
        snprintf(t, sizeof t, "%.*s", (int)(d2 - ok_tok), ok_tok);
        ROW("two parts", t, BEARER_INVALID);
        ROW("empty token", "", BEARER_INVALID);
        ROW("dots only", "..", BEARER_INVALID);
    }
    {
        char big[2048];
        int m = snprintf(big, sizeof big, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"pad\":\"");
        memset(big + m, 'a', 700);
        snprintf(big + m + 700, sizeof big - (size_t)m - 700, "\"}");
        ROW("huge header", make_token(big, payload(now, ISS, AUDS, 900, 0, ""), key, NULL, 0), BEARER_INVALID);
        char huge[8000];
        memset(huge, 'a', sizeof huge - 1);
        huge[sizeof huge - 1] = '\0';
        huge[100] = '.';
        huge[200] = '.';
        ROW("token over LIMIT_TOKEN_BYTES", huge, BEARER_INVALID);
    }

    for (size_t i = 0; i < n; i++) {
        struct bearer_claims c;
        const char *why = "";
        enum bearer_result r = bearer_verify(ks, rows[i].tok, strlen(rows[i].tok), ISS, AUD, now, &c, &why);
        if (!tap_ok(r == rows[i].want, "%s: %d (want %d)", rows[i].name, (int)r, (int)rows[i].want))
            tap_diag("why: %s", why);
    }

    /* claims of the valid token */
    struct bearer_claims c;
    const char *why;
    bearer_verify(ks, ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why);
    tap_ok(c.user_id == 7 && c.grant_id == 42 && strcmp(c.client_id, "cartman-mobile") == 0 &&
               strcmp(c.scope, "orders:read products:read") == 0 && c.exp == now + 900,
           "claims: user 7, grant 42, client and scope");

    /* bearer_check: no keys → unavailable; cached; revoked grant dropped at once */
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_UNAVAILABLE,
           "no revocation list yet: unavailable");
    revoked_install(NULL, 0);
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_UNAVAILABLE,
           "no key set yet: unavailable");
    jwks_install(ks);
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_OK, "first check verifies");
    jwks_install(NULL); /* a cached token no longer needs the key */
    memset(&c, 0, sizeof c);
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_OK && c.user_id == 7 &&
               c.grant_id == 42 && strcmp(c.scope, "orders:read products:read") == 0,
           "second check comes from the cache, same claims");
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now + 2000, &c, &why) != BEARER_OK,
           "the cache does not outlive exp");
    ks = jwks_parse(jwks, strlen(jwks), err, sizeof err);
    jwks_install(ks);
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_OK, "verified again");
    uint64_t rev[] = {5, 42, 99};
    revoked_install(rev, 3);
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_REVOKED, "revoked grant: refused");
    tap_ok(bearer_check(ok_tok, strlen(ok_tok), ISS, AUD, now, &c, &why) == BEARER_REVOKED,
           "revoked grant: refused again (not from the cache)");
    tap_ok(revoked_contains(99) && !revoked_contains(43), "revocation list lookup");

    uint64_t none[] = {1};
    revoked_install(none, 1);
    bearer_cache_clear();
    jwks_install(NULL);
    revoked_install(NULL, 0);
    free(jwk);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    return tap_done();
}

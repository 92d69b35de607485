/*
 * tests/bench/bench_bearer.c — what one bearer token check costs in apid (apid/bearer.c): a token seen
 * for the first time (parse, ES256 signature, claims, cache insert) and a token already in the cache
 * (SHA-256 of the token, cache lookup, revocation lookup). Tokens are made here with OpenSSL.
 *
 *   bench_bearer [TOKENS] [CACHED_ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "apid/bearer.h"
#include "apid/jwks.h"
#include "apid/revoked.h"
#include "tests/jws_mint.h"

#define ISS "https://auth.example"
#define AUD "https://api.example"

static char *token(EVP_PKEY *k, long now, unsigned i)
{
    char hdr[] = "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", pl[512];
    snprintf(pl, sizeof pl,
             "{\"iss\":\"" ISS "\",\"sub\":\"1\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"j%u\","
             "\"client_id\":\"cartman-mobile\",\"scope\":\"orders:read orders:write products:read products:write "
             "reports:read tickets:read tickets:write\",\"sid\":%u}",
             now + 900, now, i, i + 1);
    char *out = malloc(2048);
    size_t o = jws_mint_b64url((unsigned char *)hdr, strlen(hdr), out);
    out[o++] = '.';
    o += jws_mint_b64url((unsigned char *)pl, strlen(pl), out + o);
    unsigned char sig[64];
    jws_mint_es256(k, out, o, sig);
    out[o++] = '.';
    jws_mint_b64url(sig, 64, out + o);
    return out;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned ntok = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 2000;
    unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 500;
    if (ntok == 0 || rounds == 0)
        return 2;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    char x[64], y[64], jwks[512];
    BIGNUM *bx = NULL, *by = NULL;
    unsigned char buf[32];
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &bx);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &by);
    BN_bn2binpad(bx, buf, 32);
    jws_mint_b64url(buf, 32, x);
    BN_bn2binpad(by, buf, 32);
    jws_mint_b64url(buf, 32, y);
    BN_free(bx);
    BN_free(by);
    snprintf(jwks, sizeof jwks, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"kid\":\"k1\"}]}", x, y);
    char err[200];
    struct jwks_set *ks = jwks_parse(jwks, strlen(jwks), err, sizeof err);
    if (ks == NULL) {
        fprintf(stderr, "bench_bearer: %s\n", err);
        return 1;
    }
    jwks_install(ks);
    uint64_t revoked[1000];
    for (unsigned i = 0; i < 1000; i++)
        revoked[i] = 1000000 + i; /* a realistic list to search, none of ours */
    revoked_install(revoked, 1000);

    long now = (long)time(NULL);
    char **toks = malloc(ntok * sizeof *toks);
    for (unsigned i = 0; i < ntok; i++)
        toks[i] = token(k, now, i);

    struct bearer_claims c;
    const char *why;
    double t0 = now_s();
    for (unsigned i = 0; i < ntok; i++)
        if (bearer_check(toks[i], strlen(toks[i]), ISS, AUD, now, &c, &why) != BEARER_OK) {
            fprintf(stderr, "bench_bearer: token %u refused: %s\n", i, why);
            return 1;
        }
    double first = (now_s() - t0) / ntok * 1e6;

    t0 = now_s();
    unsigned long n = 0;
    for (unsigned r = 0; r < rounds; r++)
        for (unsigned i = 0; i < ntok; i++, n++)
            if (bearer_check(toks[i], strlen(toks[i]), ISS, AUD, now, &c, &why) != BEARER_OK)
                return 1;
    double cached = (now_s() - t0) / (double)n * 1e6;

    printf("bearer check, new token (verify ES256 + claims + cache insert): %.1f us  (%u tokens, %zu bytes each)\n",
           first, ntok, strlen(toks[0]));
    printf("bearer check, cached token (SHA-256 + lookup + revocation list): %.2f us  (%lu checks)\n", cached, n);
    for (unsigned i = 0; i < ntok; i++)
        free(toks[i]);
    free(toks);
    bearer_cache_clear();
    jwks_install(NULL);
    revoked_install(NULL, 0);
    EVP_PKEY_free(k);
    return 0;
}

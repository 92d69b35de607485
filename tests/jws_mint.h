/*
 * tests/jws_mint.h — JWS pieces made in tests and benchmarks with OpenSSL alone, independent of the
 * code under test (authd/signing.c signs, common/jose.c verifies): base64url without padding, and the
 * r || s of an ES256 signature.
 */
#ifndef TESTS_JWS_MINT_H
#define TESTS_JWS_MINT_H

#include <stddef.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

/* base64url of in[0..n) into out (room for n * 4 / 3 + 3 bytes), NUL-terminated; returns its length. */
__attribute__((unused)) static size_t jws_mint_b64url(const unsigned char *in, size_t n, char *out)
{
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t k = 0; k < chars; k++)
            out[o++] = B64[v >> (18 - 6 * k) & 63];
    }
    out[o] = '\0';
    return o;
}

/* The ES256 signature of msg with key, as a JWS carries it: r || s, 32 bytes each. */
__attribute__((unused)) static void jws_mint_es256(EVP_PKEY *key, const void *msg, size_t len, unsigned char sig[64])
{
    unsigned char der[80];
    size_t dlen = sizeof der;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key);
    EVP_DigestSign(md, der, &dlen, msg, len);
    EVP_MD_CTX_free(md);
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
    ECDSA_SIG_free(es);
}

#endif

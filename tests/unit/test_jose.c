/*
 * tests/unit/test_jose.c — common/jose: strict base64url (rows: canonical input, padding, the other
 * alphabet, impossible lengths, non-zero unused bits), P-256 keys from coordinates (the generator, a
 * point off the curve), and ES256 verification of a raw r || s signature made with OpenSSL
 * (tests/jws_mint.h): accepted; a changed message, a changed signature and another key refused.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/jose.h"
#include "tests/jws_mint.h"
#include "tests/tap.h"

/* Each row: base64url text and its bytes as hex, or "-" when refused. */
static void test_base64url(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"", ""},
        {"Zg", "66"},
        {"Zm8", "666f"},
        {"Zm9v", "666f6f"},
        {"Zm9vYg", "666f6f62"},
        {"-_-_", "fbffbf"},
        {"AP8", "00ff"},
        {"Zg==", "-"},   /* padding */
        {"Zm9v+g", "-"}, /* the standard alphabet */
        {"Zm9v/w", "-"},
        {"Z", "-"},      /* a length no encoder writes */
        {"Zm9vY", "-"},
        {"Zh", "-"},     /* unused bits set: a second spelling of "Zg" */
        {"Zm9", "-"},
        {"Zm 9v", "-"},
        {"Zm9v.", "-"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned char out[16];
        char got[64] = "-", name[64];
        long n = jose_base64url_decode(rows[i].in, strlen(rows[i].in), out);
        if (n >= 0) {
            size_t o = 0;
            got[0] = '\0';
            for (long k = 0; k < n; k++)
                o += (size_t)snprintf(got + o, sizeof got - o, "%02x", out[k]);
        }
        char want[64];
        size_t w = 0;
        for (const char *p = rows[i].want; *p; p++) /* the spaces in a want are for reading only */
            if (*p != ' ')
                want[w++] = *p;
        want[w] = '\0';
        snprintf(name, sizeof name, "base64url '%s'", rows[i].in);
        TAP_EQ_STR(got, want, name);
    }
}

static void hex32(const char *hex, unsigned char out[32])
{
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
}

static void test_p256(void)
{
    unsigned char x[32], y[32];
    hex32("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296", x);
    hex32("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", y);
    EVP_PKEY *g = jose_p256_public(x, y);
    tap_ok(g != NULL, "p256: the curve's generator is a key");
    EVP_PKEY_free(g);
    y[31] ^= 1;
    EVP_PKEY *off = jose_p256_public(x, y);
    tap_ok(off == NULL, "p256: a point off the curve is refused");
    EVP_PKEY_free(off);
}

static void test_es256(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
    if (!tap_ok(key != NULL && other != NULL, "two P-256 keys made")) {
        EVP_PKEY_free(key);
        EVP_PKEY_free(other);
        return;
    }
    const char *msg = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0";
    unsigned char sig[64];
    jws_mint_es256(key, msg, strlen(msg), sig);
    tap_ok(jose_es256_verify(key, msg, strlen(msg), sig), "es256: a signature of the message verifies");
    tap_ok(!jose_es256_verify(key, msg, strlen(msg) - 1, sig), "es256: a shorter message does not");
    tap_ok(!jose_es256_verify(other, msg, strlen(msg), sig), "es256: another key does not");
    sig[63] ^= 1;
    tap_ok(!jose_es256_verify(key, msg, strlen(msg), sig), "es256: a changed signature does not");
    memset(sig, 0, sizeof sig);
    tap_ok(!jose_es256_verify(key, msg, strlen(msg), sig), "es256: r = s = 0 does not");
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
}

int main(void)
{
    test_base64url();
    test_p256();
    test_es256();
    return tap_done();
}

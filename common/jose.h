/*
 * common/jose.h — the JOSE pieces both daemons verify tokens with: strict base64url (RFC 7515 §2) and
 * ES256 (RFC 7518 §3.4) over a P-256 public key given by its JWK coordinates.
 *
 * Used by apid (apid/jwks.c, apid/bearer.c: authd's tokens against the published JWKS) and authd
 * (authd/token_endpoint.c: introspection of its own tokens). Signing stays in authd/signing.c.
 */
#ifndef COMMON_JOSE_H
#define COMMON_JOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

/* Strict base64url (RFC 4648 §5, no padding, unused bits zero) of in[0..len) into out (room for
 * len * 3 / 4 bytes). The decoded length, or -1 when in is not canonical base64url. A pure parser. */
long jose_base64url_decode(const char *in, size_t len, unsigned char *out);

/* The P-256 public key of the point (x, y) (a JWK's decoded "x" and "y"), or NULL when the point is
 * not on the curve. The caller frees it with EVP_PKEY_free. */
EVP_PKEY *jose_p256_public(const unsigned char x[32], const unsigned char y[32]);

/* Whether sig (the 64 bytes r || s of a JWS ES256 signature) signs msg with pkey. */
bool jose_es256_verify(EVP_PKEY *pkey, const char *msg, size_t mlen, const unsigned char sig[64]);

#endif

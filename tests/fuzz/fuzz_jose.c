/*
 * tests/fuzz/fuzz_jose.c — libFuzzer target for common/jose's base64url decoder and P-256 keys.
 *
 * Checks, beyond "no crash": a decoded input had a length an encoder writes and only base64url
 * characters, decodes to exactly len * 3 / 4 bytes, and encodes back (tests/jws_mint.h) to the
 * same text; 64 input bytes taken as a point give a key or NULL, never anything else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jose.h"
#include "tests/jws_mint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1); /* a private copy, so ASan catches any read past size */
    unsigned char *out = malloc(size * 3 / 4 + 1);
    char *back = malloc(size + 4);
    if (src == NULL || out == NULL || back == NULL)
        abort();
    memcpy(src, data, size);
    long n = jose_base64url_decode(src, size, out);
    if (n >= 0) {
        if (size % 4 == 1 || (size_t)n != size * 3 / 4 || jws_mint_b64url(out, (size_t)n, back) != size ||
            memcmp(back, src, size) != 0)
            abort();
    }
    if (size >= 64) {
        EVP_PKEY *k = jose_p256_public(data, data + 32);
        EVP_PKEY_free(k);
    }
    free(src);
    free(out);
    free(back);
    return 0;
}

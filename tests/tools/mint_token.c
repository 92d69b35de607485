/*
 * tests/tools/mint_token.c — signs one access token with authd/signing.c, for the integration tests
 * that verify tokens with an independent JOSE library before the token endpoint exists. Test-only:
 * never installed, never reachable over HTTP.
 *
 *   mint_token KEYFILE ISS AUD SUB [LIFETIME_S [IAT_OFFSET_S [SID]]]   prints the token on stdout
 *
 * exp = now + LIFETIME_S (default the real lifetime); iat = nbf = now + IAT_OFFSET_S (default 0: a positive
 * offset makes a token that is not valid yet); sid names the grant (default 1). client_id is cartman-mobile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "authd/signing.h"

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 8) {
        fputs("usage: mint_token KEYFILE ISS AUD SUB [LIFETIME_S [IAT_OFFSET_S [SID]]]\n", stderr);
        return 2;
    }
    char err[300];
    struct signing_keys *k = signing_keys_load_file(argv[1], err, sizeof err);
    if (k == NULL) {
        fprintf(stderr, "mint_token: %s\n", err);
        return 1;
    }
    long life = argc >= 6 ? strtol(argv[5], NULL, 10) : SIGNING_TOKEN_LIFETIME_S;
    long iat_offset = argc >= 7 ? strtol(argv[6], NULL, 10) : 0;
    unsigned long long sid = argc >= 8 ? strtoull(argv[7], NULL, 10) : 1;
    int64_t now = (int64_t)time(NULL);
    struct access_claims c = {.iss = argv[2], .aud = argv[3], .sub = argv[4], .client_id = "cartman-mobile",
                              .scope = "orders:read products:read", .sid = (uint64_t)sid, .iat = now + iat_offset,
                              .exp = now + life};
    char *tok = signing_access_token(k, &c, NULL, NULL);
    int ok = tok != NULL;
    if (ok)
        puts(tok);
    free(tok);
    signing_keys_free(k);
    return ok ? 0 : 1;
}

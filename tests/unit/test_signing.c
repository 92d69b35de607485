/*
 * tests/unit/test_signing.c — authd/signing: ES256 signatures checked by independent verifiers
 * (libjwt and OpenSSL with the public key PEM; node's jose in tests/integration), exact header bytes, claims, the RFC 7638 thumbprint of RFC 7517's
 * example EC key (cross-checked with node's crypto and `openssl dgst`), tampering, the JWKS, rotation,
 * reload and expiry of previous keys, and signing from two threads while keys rotate.
 */
#include <dirent.h>
#include <errno.h>
#include <jwt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "authd/signing.h"
#include "common/log.h"
#include "tests/tap.h"

/* RFC 7517 Appendix A.2's P-256 private key as PKCS#8; its RFC 7638 thumbprint, computed independently:
 *   printf '{"crv":"P-256","kty":"EC","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}' \
 *     | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
 */
static const char RFC7517_KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg870MB6gfuTJ4HtUn\n"
                                  "UvYMyJpr5eUZNP4Bk43bVdj3eAGhRANCAAQwoEJM0hwpRIOKLXXJKzfnbqINnwCJ\n"
                                  "OjtO7oo8Cq/sPuBLZekkVtmIi1Kzeb371R7oae8fD8ZbZllpW2zOCBcj\n"
                                  "-----END PRIVATE KEY-----\n";
static const char RFC7517_KID[] = "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s";

static char dir[64];

static void write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(data, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* The public key PEM of a private key file (what a verifier gets). */
static char *public_pem(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (k && PEM_write_bio_PUBKEY(b, k)) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = strndup(p, (size_t)n);
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

static void gen_key(const char *path)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    FILE *f = fopen(path, "w");
    if (k == NULL || f == NULL || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    EVP_PKEY_free(k);
}

static size_t b64url_decode(const char *in, size_t n, char *out, size_t cap)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned v = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(A, in[i]);
        if (p == NULL || in[i] == '\0')
            return (size_t)-1;
        v = v << 6 | (unsigned)(p - A);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= cap)
                return (size_t)-1;
            out[o++] = (char)(v >> bits & 0xff);
        }
    }
    out[o] = '\0';
    return o;
}

static const struct access_claims CLAIMS = {
    .iss = "https://auth.example.test",
    .sub = "42",
    .aud = "https://api.example.test",
    .client_id = "cartman-mobile",
    .scope = "orders:read products:read",
    .sid = 7001,
    .iat = 1700000000,
    .exp = 4100000000LL,
};

/* libjwt: accepts a JWS (typ JWT only, see authd/signing.h) */
static int libjwt_verify(const char *tok, const char *pub)
{
    jwt_t *j = NULL;
    int rc = jwt_decode(&j, tok, (const unsigned char *)pub, (int)strlen(pub));
    int ok = rc == 0 && jwt_get_alg(j) == JWT_ALG_ES256;
    jwt_free(j);
    return ok;
}

/* OpenSSL, written here independently of authd/signing.c: r||s → DER, EVP_DigestVerify with the
 * public key PEM. */
static int verify(const char *tok, const char *pub)
{
    if (tok == NULL)
        return 0;
    const char *dot = strrchr(tok, '.');
    char sig[100];
    if (dot == NULL || b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof sig) != 64)
        return 0;
    BIO *b = BIO_new_mem_buf(pub, -1);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn((unsigned char *)sig, 32, NULL), BN_bin2bn((unsigned char *)sig + 32, 32, NULL));
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(es, &der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = k != NULL && derlen > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(ctx, der, (size_t)derlen, (const unsigned char *)tok, (size_t)(dot - tok)) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    EVP_PKEY_free(k);
    return ok;
}

static void test_thumbprint(void)
{
    char path[128], err[300], kid[SIGNING_KID_BYTES];
    snprintf(path, sizeof path, "%s/rfc7517.pem", dir);
    write_file(path, RFC7517_KEY);
    struct signing_keys *k = signing_keys_load_file(path, err, sizeof err);
    if (!tap_ok(k != NULL, "RFC 7517 example key loads"))
        tap_diag("%s", err);
    if (k == NULL)
        return;
    signing_current_kid(k, kid);
    TAP_EQ_STR(kid, RFC7517_KID, "kid is the RFC 7638 thumbprint of RFC 7517's example EC key");
    json_t *jwks = signing_jwks(k);
    json_t *key0 = json_array_get(json_object_get(jwks, "keys"), 0);
    TAP_EQ_STR(json_string_value(json_object_get(key0, "x")), "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "JWKS x");
    TAP_EQ_STR(json_string_value(json_object_get(key0, "y")), "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM", "JWKS y");
    TAP_EQ_STR(json_string_value(json_object_get(key0, "kid")), RFC7517_KID, "JWKS kid");
    TAP_EQ_STR(json_string_value(json_object_get(key0, "kty")), "EC", "JWKS kty");
    TAP_EQ_STR(json_string_value(json_object_get(key0, "crv")), "P-256", "JWKS crv");
    TAP_EQ_STR(json_string_value(json_object_get(key0, "use")), "sig", "JWKS use");
    TAP_EQ_STR(json_string_value(json_object_get(key0, "alg")), "ES256", "JWKS alg");
    TAP_EQ_INT(json_object_size(key0), 7, "JWKS key has exactly kty, crv, x, y, kid, use, alg (no d)");
    json_decref(jwks);
    signing_keys_free(k);
}

static void test_sign_verify(void)
{
    char path[128], err[300], kid[SIGNING_KID_BYTES], jti[SIGNING_JTI_BYTES];
    snprintf(path, sizeof path, "%s/a.pem", dir);
    gen_key(path);
    struct signing_keys *k = signing_keys_load_file(path, err, sizeof err);
    if (!tap_ok(k != NULL, "a generated P-256 key loads"))
        return;
    char *pub = public_pem(path);
    signing_current_kid(k, kid);
    size_t len = 0;
    char *tok = signing_access_token(k, &CLAIMS, jti, &len);
    if (!tap_ok(tok != NULL && strlen(tok) == len, "a token is signed, len matches") || tok == NULL)
        goto out;
    tap_ok(verify(tok, pub), "OpenSSL verifies the access token with the public key PEM");
    jwt_t *lj = NULL;
    TAP_EQ_INT(jwt_decode(&lj, tok, (const unsigned char *)pub, (int)strlen(pub)), EINVAL,
               "libjwt 1.10 refuses typ at+jwt (EINVAL): a verifier must not rely on jwt_decode for access tokens");
    jwt_free(lj);

    const char *dot1 = strchr(tok, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!tap_ok(dot2 != NULL && strchr(dot2 + 1, '.') == NULL, "three parts") || dot2 == NULL)
        goto out;
    char buf[1024], want[200];
    b64url_decode(tok, (size_t)(dot1 - tok), buf, sizeof buf);
    snprintf(want, sizeof want, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid);
    TAP_EQ_STR(buf, want, "header bytes are exactly alg, typ at+jwt, kid");
    TAP_EQ_INT(strlen(dot2 + 1), 86, "signature is 64 bytes r||s (86 base64url characters)");
    b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf, sizeof buf);
    json_t *p = json_loads(buf, 0, NULL);
    TAP_EQ_STR(json_string_value(json_object_get(p, "iss")), CLAIMS.iss, "iss");
    TAP_EQ_STR(json_string_value(json_object_get(p, "sub")), "42", "sub is a string");
    TAP_EQ_STR(json_string_value(json_object_get(p, "aud")), CLAIMS.aud, "aud");
    TAP_EQ_STR(json_string_value(json_object_get(p, "client_id")), CLAIMS.client_id, "client_id");
    TAP_EQ_STR(json_string_value(json_object_get(p, "scope")), CLAIMS.scope, "scope");
    TAP_EQ_INT(json_integer_value(json_object_get(p, "sid")), 7001, "sid");
    TAP_EQ_INT(json_integer_value(json_object_get(p, "iat")), CLAIMS.iat, "iat");
    TAP_EQ_INT(json_integer_value(json_object_get(p, "nbf")), CLAIMS.iat, "nbf = iat");
    TAP_EQ_INT(json_integer_value(json_object_get(p, "exp")), CLAIMS.exp, "exp");
    TAP_EQ_STR(json_string_value(json_object_get(p, "jti")), jti, "jti in the token is the one returned");
    TAP_EQ_INT(strlen(jti), 22, "jti is 128 bits of base64url");
    json_decref(p);

    /* libjwt, an independent verifier, checks the signing layer: the same payload signed as typ JWT */
    size_t plen = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf, sizeof buf);
    size_t jlen = 0;
    char *jws = signing_jws(k, "JWT", buf, plen, &jlen);
    tap_ok(jws != NULL && strlen(jws) == jlen, "signing_jws signs");
    jwt_t *j = NULL;
    if (tap_ok(jws && jwt_decode(&j, jws, (const unsigned char *)pub, (int)strlen(pub)) == 0,
               "libjwt accepts the ES256 signature with the public key PEM")) {
        TAP_EQ_STR(jwt_get_grant(j, "sub"), "42", "libjwt: sub");
        TAP_EQ_STR(jwt_get_grant(j, "client_id"), "cartman-mobile", "libjwt: client_id");
        TAP_EQ_INT(jwt_get_grant_int(j, "exp"), CLAIMS.exp, "libjwt: exp");
        TAP_EQ_INT(jwt_get_grant_int(j, "sid"), 7001, "libjwt: sid");
        TAP_EQ_STR(jwt_get_header(j, "kid"), kid, "libjwt: kid");
    }
    jwt_free(j);
    tap_ok(jws && verify(jws, pub), "OpenSSL agrees on the JWS");
    if (jws) {
        char *dot = strchr(jws, '.') + 3;
        *dot = *dot == 'A' ? 'B' : 'A';
        tap_ok(!libjwt_verify(jws, pub), "libjwt refuses the JWS with a changed payload");
    }
    free(jws);

    char jti2[SIGNING_JTI_BYTES];
    char *tok2 = signing_access_token(k, &CLAIMS, jti2, NULL);
    tap_ok(tok2 && strcmp(jti, jti2) != 0 && strcmp(tok, tok2) != 0, "every token gets a fresh jti");
    free(tok2);

    struct access_claims noscope = CLAIMS;
    noscope.scope = NULL;
    noscope.sid = 0;
    tok2 = signing_access_token(k, &noscope, NULL, NULL);
    tap_ok(tok2 && verify(tok2, pub), "scope and sid are optional; jti_out may be NULL");
    free(tok2);
    struct access_claims bad = CLAIMS;
    bad.sub = NULL;
    tap_ok(signing_access_token(k, &bad, NULL, NULL) == NULL, "a missing sub is refused");
    bad = CLAIMS;
    bad.scope = "bad \xff utf-8";
    tap_ok(signing_access_token(k, &bad, NULL, NULL) == NULL, "a claim that is not UTF-8 is refused");

    /* tampering: payload byte, signature byte, header swapped to alg none */
    char *t = strdup(tok);
    size_t mid = (size_t)(dot1 - tok) + 5;
    t[mid] = t[mid] == 'A' ? 'B' : 'A';
    tap_ok(!verify(t, pub), "a changed payload fails libjwt verification");
    memcpy(t, tok, len + 1);
    t[len - 10] = t[len - 10] == 'A' ? 'B' : 'A';
    tap_ok(!verify(t, pub), "a changed signature fails libjwt verification");
    free(t);
    char other[128];
    snprintf(other, sizeof other, "%s/other.pem", dir);
    gen_key(other);
    char *opub = public_pem(other);
    tap_ok(!verify(tok, opub), "another key's public PEM does not verify the token");
    free(opub);

out:
    free(tok);
    free(pub);
    signing_keys_free(k);
}

/* Files in d, not counting dotfiles (the rotation's .lock). */
static size_t count_files(const char *d)
{
    DIR *dd = opendir(d);
    size_t n = 0;
    for (struct dirent *e; dd && (e = readdir(dd)) != NULL;)
        n += e->d_name[0] != '.';
    if (dd)
        closedir(dd);
    return n;
}

struct hammer {
    struct signing_keys *k;
    atomic_int stop;
    int failures, count;
};

static void *hammer_run(void *arg)
{
    struct hammer *h = arg;
    while (!atomic_load(&h->stop)) {
        char *tok = signing_access_token(h->k, &CLAIMS, NULL, NULL);
        h->failures += tok == NULL;
        h->count++;
        free(tok);
        signing_keys_reload_if_changed(h->k);
    }
    return NULL;
}

static void test_rotation(void)
{
    char path[128], ddir[140], err[300], kid1[SIGNING_KID_BYTES], kid2[SIGNING_KID_BYTES], kid3[SIGNING_KID_BYTES];
    snprintf(path, sizeof path, "%s/rot.pem", dir);
    snprintf(ddir, sizeof ddir, "%s.d", path);
    gen_key(path);
    struct signing_keys *k = signing_keys_load_file(path, err, sizeof err);
    if (!tap_ok(k != NULL, "rotation: key loads"))
        return;
    signing_current_kid(k, kid1);
    char *pub1 = public_pem(path);
    char *old_tok = signing_access_token(k, &CLAIMS, NULL, NULL);

    struct hammer h = {.k = k};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, hammer_run, &h);

    int64_t t0 = (int64_t)time(NULL);
    TAP_EQ_INT(signing_keys_rotate(path, t0, kid2, err, sizeof err), 0, "keys rotate succeeds");
    tap_ok(strcmp(kid1, kid2) != 0, "a new kid");
    TAP_EQ_INT(count_files(ddir), 2, "the previous key and its .retired file are in <key>.d/");
    usleep(1100 * 1000); /* the reload looks at most once a second */
    int rc = signing_keys_reload_if_changed(k);
    if (rc == 0) { /* a signer thread did the reload */
        char now_kid[SIGNING_KID_BYTES];
        signing_current_kid(k, now_kid);
        rc = strcmp(now_kid, kid2) == 0;
    }
    TAP_EQ_INT(rc, 1, "the running key set picks the new key up");
    atomic_store(&h.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    TAP_EQ_INT(h.failures, 0, "two threads signed while the keys rotated, without a failure");
    tap_diag("%d tokens signed during the rotation", h.count);

    char cur[SIGNING_KID_BYTES];
    signing_current_kid(k, cur);
    TAP_EQ_STR(cur, kid2, "the current kid is the new one");
    json_t *jwks = signing_jwks(k);
    json_t *keys = json_object_get(jwks, "keys");
    TAP_EQ_INT(json_array_size(keys), 2, "the JWKS lists the new and the previous key");
    TAP_EQ_STR(json_string_value(json_object_get(json_array_get(keys, 0), "kid")), kid2, "new key first");
    TAP_EQ_STR(json_string_value(json_object_get(json_array_get(keys, 1), "kid")), kid1, "previous key second");
    json_decref(jwks);
    char *pub2 = public_pem(path);
    char *new_tok = signing_access_token(k, &CLAIMS, NULL, NULL);
    tap_ok(verify(new_tok, pub2) && !verify(new_tok, pub1), "new tokens are signed with the new key");
    tap_ok(verify(old_tok, pub1), "tokens of the previous key still verify with its public key");

    /* a second rotation long after the first: the first previous key has expired and is deleted */
    int64_t t1 = t0 + SIGNING_RETAIN_S + 10;
    TAP_EQ_INT(signing_keys_rotate(path, t1, kid3, err, sizeof err), 0, "second rotation");
    TAP_EQ_INT(count_files(ddir), 2, "the expired previous key's files are deleted, the new previous key's kept");
    char p1[300];
    snprintf(p1, sizeof p1, "%s/%s.pem", ddir, kid1);
    tap_ok(access(p1, F_OK) != 0, "the expired key file is gone");
    struct signing_keys *k2 = signing_keys_load_file(path, err, sizeof err);
    jwks = k2 ? signing_jwks(k2) : NULL;
    TAP_EQ_INT(json_array_size(json_object_get(jwks, "keys")), 2, "a fresh load publishes current + one previous");
    json_decref(jwks);
    signing_keys_free(k2);

    /* a retired time older than the retention is not published, even before a rotation deletes it */
    char rp[300];
    snprintf(rp, sizeof rp, "%s/%s.retired", ddir, kid2);
    char line[32];
    snprintf(line, sizeof line, "%lld\n", (long long)(time(NULL) - SIGNING_RETAIN_S - 1));
    write_file(rp, line);
    k2 = signing_keys_load_file(path, err, sizeof err);
    jwks = k2 ? signing_jwks(k2) : NULL;
    TAP_EQ_INT(json_array_size(json_object_get(jwks, "keys")), 1, "a previous key past its retention is dropped");
    json_decref(jwks);
    signing_keys_free(k2);

    free(old_tok);
    free(new_tok);
    free(pub1);
    free(pub2);
    signing_keys_free(k);
}

static void test_bad_keys(void)
{
    char path[128], err[300];
    struct signing_keys *k = signing_keys_load_file("", err, sizeof err);
    tap_ok(k == NULL && strstr(err, "signing_key") != NULL, "no key file configured: a clear error");
    snprintf(path, sizeof path, "%s/missing.pem", dir);
    k = signing_keys_load_file(path, err, sizeof err);
    tap_ok(k == NULL && strstr(err, "cannot open") != NULL, "missing file: a clear error");
    snprintf(path, sizeof path, "%s/garbage.pem", dir);
    write_file(path, "not a key\n");
    k = signing_keys_load_file(path, err, sizeof err);
    tap_ok(k == NULL && strstr(err, "not a PEM private key") != NULL, "garbage: a clear error");
    snprintf(path, sizeof path, "%s/p384.pem", dir);
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    FILE *f = fopen(path, "w");
    PEM_write_PrivateKey(f, p384, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    EVP_PKEY_free(p384);
    k = signing_keys_load_file(path, err, sizeof err);
    tap_ok(k == NULL && strstr(err, "P-256") != NULL, "a P-384 key is refused for ES256");
}

static void test_base64url(void)
{
    static const struct {
        const char *in, *out;
    } rows[] = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"\xfb\xff", "-_8"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[16];
        signing_base64url((const unsigned char *)rows[i].in, strlen(rows[i].in), out, sizeof out);
        TAP_EQ_STR(out, rows[i].out, "base64url row");
    }
    char small[3];
    TAP_EQ_INT(signing_base64url((const unsigned char *)"foo", 3, small, sizeof small), 0, "too small a buffer: 0");
}

static void cleanup(const char *d)
{
    DIR *dd = opendir(d);
    for (struct dirent *e; dd && (e = readdir(dd)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[300];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        if (e->d_type == DT_DIR)
            cleanup(p);
        else
            unlink(p);
    }
    if (dd)
        closedir(dd);
    rmdir(d);
}

int main(void)
{
    log_init("test_signing", LOG_LEVEL_WARN);
    snprintf(dir, sizeof dir, "/tmp/test_signing.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_base64url();
    test_thumbprint();
    test_sign_verify();
    test_rotation();
    test_bad_keys();
    cleanup(dir);
    return tap_done();
}

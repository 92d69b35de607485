/*
 * authd/signing.c — ES256 access tokens, the JWKS, and the key files behind them (layout and rotation:
 * authd/signing.h).
 *
 * Owns: parsing every key once into an EVP_PKEY, the RFC 7638 thumbprint (kid), the pre-serialised
 * header of each key and the pre-serialised JWKS, signing (EVP_DigestSign, DER → 64-byte r||s), the
 * reload of a changed key set and `keys rotate`. Does not: decide claims or lifetimes (the token
 * endpoint does), verify tokens (apid does), or touch the database.
 *
 * Concurrency: the key set is immutable once built and reference-counted. A signer takes a reference
 * under a read lock held for a pointer copy and an atomic increment, then signs without any lock;
 * a reload builds the new set outside any lock and swaps the pointer under the write lock. The last
 * reference frees a set.
 */
#include "authd/signing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/log.h"

#define MAX_KEYS 16 /* current + previous keys in one set */

struct key {
    EVP_PKEY *pkey;
    char kid[SIGNING_KID_BYTES];
    char x[SIGNING_KID_BYTES], y[SIGNING_KID_BYTES]; /* base64url coordinates */
    char header[128];                                /* base64url of the JOSE header */
    size_t header_len;
    int64_t retired_at; /* 0: the current key */
};

struct stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    bool dir_exists;
    ino_t dir_ino;
    struct timespec dir_mtime;
};

struct keyset {
    atomic_long refs;
    struct key keys[MAX_KEYS]; /* keys[0] is current */
    size_t n;
    char *jwks;
    size_t jwks_len;
    int64_t expires_next; /* wall-clock seconds when a previous key drops out; INT64_MAX: never */
    struct stamp stamp;
};

struct signing_keys {
    char path[PATH_MAX];
    char dir[PATH_MAX];
    EVP_MD *sha256;
    pthread_rwlock_t lock; /* guards the cur pointer only */
    struct keyset *cur;
    pthread_mutex_t reload;
    atomic_llong next_check_ms;
};

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t signing_base64url(const unsigned char *in, size_t n, char *out, size_t cap)
{
    size_t need = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    if (cap < need + 1)
        return 0;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
        out[o++] = B64URL[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_now(void)
{
    return (int64_t)time(NULL);
}

/* Reads a PEM private key and checks it is a P-256 key. */
static EVP_PKEY *read_key(const char *path, char *err, size_t errlen)
{
    BIO *bio = BIO_new_file(path, "r");
    if (bio == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (pkey == NULL) {
        snprintf(err, errlen, "%s is not a PEM private key", path);
        return NULL;
    }
    char group[64] = "";
    size_t glen = 0;
    if (!EVP_PKEY_is_a(pkey, "EC") ||
        !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) ||
        strcmp(group, "prime256v1") != 0) {
        snprintf(err, errlen, "%s is not an EC P-256 key (ES256 needs one)", path);
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

static int coordinate(const EVP_PKEY *pkey, const char *param, char *out, size_t cap)
{
    BIGNUM *bn = NULL;
    unsigned char buf[32];
    int ok = EVP_PKEY_get_bn_param(pkey, param, &bn) && BN_bn2binpad(bn, buf, sizeof buf) == (int)sizeof buf;
    BN_free(bn);
    return ok && signing_base64url(buf, sizeof buf, out, cap) == 43 ? 0 : -1;
}

/* Fills kid, x, y and the serialised header of k->pkey. */
static int key_describe(struct key *k, char *err, size_t errlen)
{
    if (coordinate(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, k->x, sizeof k->x) != 0 ||
        coordinate(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, k->y, sizeof k->y) != 0) {
        snprintf(err, errlen, "cannot read the public point of the key");
        return -1;
    }
    /* RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace */
    char canon[160];
    int n = snprintf(canon, sizeof canon, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", k->x, k->y);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)canon, (size_t)n, digest);
    signing_base64url(digest, sizeof digest, k->kid, sizeof k->kid);

    json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "at+jwt", "kid", k->kid);
    char *hs = h ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(h);
    if (hs == NULL)
        abort();
    k->header_len = signing_base64url((const unsigned char *)hs, strlen(hs), k->header, sizeof k->header);
    free(hs);
    if (k->header_len == 0) {
        snprintf(err, errlen, "header too long");
        return -1;
    }
    return 0;
}

static void keyset_free(struct keyset *ks)
{
    if (ks == NULL)
        return;
    for (size_t i = 0; i < ks->n; i++)
        EVP_PKEY_free(ks->keys[i].pkey);
    free(ks->jwks);
    free(ks);
}

static void keyset_release(struct keyset *ks)
{
    if (ks != NULL && atomic_fetch_sub_explicit(&ks->refs, 1, memory_order_acq_rel) == 1)
        keyset_free(ks);
}

static struct keyset *keyset_acquire(struct signing_keys *k)
{
    pthread_rwlock_rdlock(&k->lock);
    struct keyset *ks = k->cur;
    atomic_fetch_add_explicit(&ks->refs, 1, memory_order_relaxed);
    pthread_rwlock_unlock(&k->lock);
    return ks;
}

static void take_stamp(const char *path, const char *dir, struct stamp *st)
{
    memset(st, 0, sizeof *st);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        st->dev = sb.st_dev;
        st->ino = sb.st_ino;
        st->size = sb.st_size;
        st->mtime = sb.st_mtim;
    }
    if (stat(dir, &sb) == 0) {
        st->dir_exists = true;
        st->dir_ino = sb.st_ino;
        st->dir_mtime = sb.st_mtim;
    }
}

static bool stamp_equal(const struct stamp *a, const struct stamp *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec && a->dir_exists == b->dir_exists && a->dir_ino == b->dir_ino &&
           a->dir_mtime.tv_sec == b->dir_mtime.tv_sec && a->dir_mtime.tv_nsec == b->dir_mtime.tv_nsec;
}

/* The retired-at time in <dir>/<kid>.retired; -1 when missing or malformed. */
static int64_t read_retired(const char *dir, const char *kid)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.retired", dir, kid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[32] = "";
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    if (got == NULL)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(line, &end, 10);
    if (errno || end == line || v <= 0 || (*end != '\n' && *end != '\0'))
        return -1;
    return v;
}

static bool kid_name(const char *name, size_t len)
{
    if (len == 0 || len >= SIGNING_KID_BYTES)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr(B64URL, name[i]) || name[i] == '\0')
            return false;
    return true;
}

static int by_retired_desc(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    return x->retired_at < y->retired_at ? 1 : x->retired_at > y->retired_at ? -1 : 0;
}

static int build_jwks(struct keyset *ks)
{
    json_t *keys = json_array();
    for (size_t i = 0; i < ks->n; i++) {
        const struct key *k = &ks->keys[i];
        json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x",
                                              k->x, "y", k->y, "kid", k->kid, "use", "sig", "alg", "ES256"));
    }
    json_t *doc = json_pack("{s:o}", "keys", keys);
    ks->jwks = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (ks->jwks == NULL)
        return -1;
    ks->jwks_len = strlen(ks->jwks);
    return 0;
}

/* Builds a key set from the files as they are now. */
static struct keyset *keyset_load(const char *path, const char *dir, int64_t now, char *err, size_t errlen)
{
    struct keyset *ks = calloc(1, sizeof *ks);
    if (ks == NULL)
        abort();
    atomic_init(&ks->refs, 1);
    ks->expires_next = INT64_MAX;
    take_stamp(path, dir, &ks->stamp);
    ks->keys[0].pkey = read_key(path, err, errlen);
    if (ks->keys[0].pkey == NULL || key_describe(&ks->keys[0], err, errlen) != 0)
        goto fail;
    ks->n = 1;

    DIR *d = opendir(dir);
    if (d == NULL && errno != ENOENT) {
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        goto fail;
    }
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0 || !kid_name(e->d_name, len - 4))
            continue;
        char kid[SIGNING_KID_BYTES];
        memcpy(kid, e->d_name, len - 4);
        kid[len - 4] = '\0';
        int64_t retired = read_retired(dir, kid);
        if (retired < 0) {
            log_warn("signing key %s/%s has no valid .retired file: not published", dir, e->d_name);
            continue;
        }
        if (retired + SIGNING_RETAIN_S <= now)
            continue; /* its tokens have expired */
        if (ks->n == MAX_KEYS) {
            log_warn("more than %d signing keys in %s: the oldest are not published", MAX_KEYS, dir);
            break;
        }
        char kp[PATH_MAX + 64];
        snprintf(kp, sizeof kp, "%s/%s", dir, e->d_name);
        struct key *k = &ks->keys[ks->n];
        char why[300];
        k->pkey = read_key(kp, why, sizeof why);
        if (k->pkey == NULL || key_describe(k, why, sizeof why) != 0) {
            log_warn("previous signing key skipped: %s", why);
            EVP_PKEY_free(k->pkey);
            memset(k, 0, sizeof *k);
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < ks->n; i++)
            dup = dup || strcmp(ks->keys[i].kid, k->kid) == 0;
        if (dup) { /* the current key copied there by a rotation that has not finished */
            EVP_PKEY_free(k->pkey);
            memset(k, 0, sizeof *k);
            continue;
        }
        k->retired_at = retired;
        if (retired + SIGNING_RETAIN_S < ks->expires_next)
            ks->expires_next = retired + SIGNING_RETAIN_S;
        ks->n++;
    }
    if (d != NULL)
        closedir(d);
    qsort(ks->keys + 1, ks->n - 1, sizeof ks->keys[0], by_retired_desc);
    if (build_jwks(ks) != 0) {
        snprintf(err, errlen, "cannot serialise the JWKS");
        goto fail;
    }
    return ks;
fail:
    keyset_free(ks);
    return NULL;
}

struct signing_keys *signing_keys_load_file(const char *keyfile, char *err, size_t errlen)
{
    if (keyfile == NULL || keyfile[0] == '\0') {
        snprintf(err, errlen, "signing_key is not set (CARTMAN_SIGNING_KEY: an ES256 private key PEM file)");
        return NULL;
    }
    if (strlen(keyfile) + 3 > PATH_MAX) {
        snprintf(err, errlen, "signing_key path is too long");
        return NULL;
    }
    struct signing_keys *k = calloc(1, sizeof *k);
    if (k == NULL)
        abort();
    snprintf(k->path, sizeof k->path, "%s", keyfile);
    snprintf(k->dir, sizeof k->dir, "%s.d", keyfile);
    k->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (k->sha256 == NULL) {
        snprintf(err, errlen, "OpenSSL has no SHA256");
        free(k);
        return NULL;
    }
    k->cur = keyset_load(k->path, k->dir, wall_now(), err, errlen);
    if (k->cur == NULL) {
        EVP_MD_free(k->sha256);
        free(k);
        return NULL;
    }
    pthread_rwlock_init(&k->lock, NULL);
    pthread_mutex_init(&k->reload, NULL);
    atomic_init(&k->next_check_ms, now_ms() + SIGNING_RELOAD_INTERVAL_MS);
    return k;
}

struct signing_keys *signing_keys_load(const struct config *cfg, char *err, size_t errlen)
{
    return signing_keys_load_file(cfg->signing_key, err, errlen);
}

void signing_keys_free(struct signing_keys *k)
{
    if (k == NULL)
        return;
    keyset_release(k->cur);
    EVP_MD_free(k->sha256);
    pthread_rwlock_destroy(&k->lock);
    pthread_mutex_destroy(&k->reload);
    free(k);
}

int signing_keys_reload_if_changed(struct signing_keys *k)
{
    int64_t t = now_ms();
    long long due = atomic_load_explicit(&k->next_check_ms, memory_order_relaxed);
    if (t < due || !atomic_compare_exchange_strong(&k->next_check_ms, &due, t + SIGNING_RELOAD_INTERVAL_MS))
        return 0;
    if (pthread_mutex_trylock(&k->reload) != 0)
        return 0;
    struct stamp st;
    take_stamp(k->path, k->dir, &st);
    int64_t now = wall_now();
    /* only this thread (holding k->reload) replaces k->cur, so reading it here needs no lock */
    const struct keyset *old = k->cur;
    int rc = 0;
    if (!stamp_equal(&st, &old->stamp) || now >= old->expires_next) {
        char err[400];
        struct keyset *ks = keyset_load(k->path, k->dir, now, err, sizeof err);
        if (ks == NULL) {
            log_warn("signing keys not reloaded (the previous set stays in use): %s", err);
            rc = -1;
        } else {
            pthread_rwlock_wrlock(&k->lock);
            struct keyset *prev = k->cur;
            k->cur = ks;
            pthread_rwlock_unlock(&k->lock);
            if (strcmp(prev->keys[0].kid, ks->keys[0].kid) != 0 || prev->n != ks->n)
                log_info("signing keys reloaded: current kid %s, %zu published", ks->keys[0].kid, ks->n);
            keyset_release(prev);
            rc = 1;
        }
    }
    pthread_mutex_unlock(&k->reload);
    return rc;
}

/* ECDSA over SHA-256, as the 64-byte JOSE r||s (RFC 7518 §3.4). */
static int sign_es256(const struct signing_keys *k, EVP_PKEY *pkey, const char *in, size_t len, unsigned char out[64])
{
    unsigned char der[80];
    size_t derlen = sizeof der;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        abort();
    int ok = EVP_DigestSignInit(ctx, NULL, k->sha256, NULL, pkey) == 1 &&
             EVP_DigestSign(ctx, der, &derlen, (const unsigned char *)in, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (sig == NULL)
        return -1;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

/* header_b64 "." base64url(payload) "." signature, with key; malloc'd. */
static char *jws(const struct signing_keys *k, const struct key *key, const char *header_b64, size_t hlen,
                 const char *payload, size_t plen, size_t *len)
{
    size_t cap = hlen + 1 + (plen + 2) / 3 * 4 + 1 + 86 + 1;
    char *tok = malloc(cap);
    if (tok == NULL)
        abort();
    memcpy(tok, header_b64, hlen);
    size_t n = hlen;
    tok[n++] = '.';
    n += signing_base64url((const unsigned char *)payload, plen, tok + n, cap - n);
    unsigned char sig[64];
    if (sign_es256(k, key->pkey, tok, n, sig) != 0) {
        free(tok);
        return NULL;
    }
    tok[n++] = '.';
    n += signing_base64url(sig, sizeof sig, tok + n, cap - n);
    if (len != NULL)
        *len = n;
    return tok;
}

char *signing_access_token(struct signing_keys *k, const struct access_claims *c, char jti_out[SIGNING_JTI_BYTES],
                           size_t *len)
{
    if (c->iss == NULL || c->sub == NULL || c->aud == NULL || c->client_id == NULL)
        return NULL;
    unsigned char rnd[16];
    char jti[SIGNING_JTI_BYTES];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return NULL;
    signing_base64url(rnd, sizeof rnd, jti, sizeof jti);

    json_t *p = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "iss", c->iss, "sub", c->sub, "aud", c->aud, "exp",
                          (json_int_t)c->exp, "iat", (json_int_t)c->iat, "nbf", (json_int_t)c->iat, "jti", jti,
                          "client_id", c->client_id);
    if (p == NULL) /* a claim that is not UTF-8 */
        return NULL;
    if (c->scope != NULL && json_object_set_new(p, "scope", json_string(c->scope)) != 0) {
        json_decref(p);
        return NULL;
    }
    if (c->sid != 0)
        json_object_set_new(p, "sid", json_integer((json_int_t)c->sid));
    char *payload = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);
    if (payload == NULL)
        return NULL;
    signing_keys_reload_if_changed(k); /* a clock read and a compare, except once a second */
    struct keyset *ks = keyset_acquire(k);
    const struct key *key = &ks->keys[0];
    char *tok = jws(k, key, key->header, key->header_len, payload, strlen(payload), len);
    keyset_release(ks);
    free(payload);
    if (tok != NULL && jti_out != NULL)
        memcpy(jti_out, jti, sizeof jti);
    return tok;
}

char *signing_jws(struct signing_keys *k, const char *typ, const char *payload, size_t plen, size_t *len)
{
    struct keyset *ks = keyset_acquire(k);
    const struct key *key = &ks->keys[0];
    json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", typ, "kid", key->kid);
    char *hs = h ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(h);
    char hb[256];
    size_t hlen = hs ? signing_base64url((const unsigned char *)hs, strlen(hs), hb, sizeof hb) : 0;
    free(hs);
    char *tok = hlen ? jws(k, key, hb, hlen, payload, plen, len) : NULL;
    keyset_release(ks);
    return tok;
}

void signing_jwks_body(struct signing_keys *k, void (*use)(void *arg, const char *body, size_t len), void *arg)
{
    struct keyset *ks = keyset_acquire(k);
    use(arg, ks->jwks, ks->jwks_len);
    keyset_release(ks);
}

json_t *signing_jwks(struct signing_keys *k)
{
    struct keyset *ks = keyset_acquire(k);
    json_t *j = json_loadb(ks->jwks, ks->jwks_len, 0, NULL);
    keyset_release(ks);
    return j;
}

void signing_current_kid(struct signing_keys *k, char kid[SIGNING_KID_BYTES])
{
    struct keyset *ks = keyset_acquire(k);
    memcpy(kid, ks->keys[0].kid, SIGNING_KID_BYTES);
    keyset_release(ks);
}

/* Writes len bytes to path through a temporary file in the same directory and a rename. */
static int write_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file next to %s: %s", path, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static char *pem_of(EVP_PKEY *pkey, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL)
        abort();
    char *out = NULL;
    if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        if (n > 0 && (out = malloc((size_t)n)) != NULL) {
            memcpy(out, p, (size_t)n);
            *len = (size_t)n;
        }
    }
    BIO_free(bio); /* secmem: the buffer is cleansed when freed */
    return out;
}

static void free_secret(char *s, size_t len)
{
    if (s != NULL)
        OPENSSL_cleanse(s, len);
    free(s);
}

/* Deletes the files of previous keys retired more than SIGNING_RETAIN_S before now. */
static void prune(const char *dir, int64_t now)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 9 || strcmp(e->d_name + len - 8, ".retired") != 0 || !kid_name(e->d_name, len - 8))
            continue;
        char kid[SIGNING_KID_BYTES];
        memcpy(kid, e->d_name, len - 8);
        kid[len - 8] = '\0';
        int64_t retired = read_retired(dir, kid);
        if (retired < 0 || retired + SIGNING_RETAIN_S > now)
            continue;
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s.pem", dir, kid);
        unlink(p);
        snprintf(p, sizeof p, "%s/%s.retired", dir, kid);
        unlink(p);
    }
    closedir(d);
}

int signing_keys_rotate(const char *keyfile, int64_t now, char new_kid[SIGNING_KID_BYTES], char *err, size_t errlen)
{
    if (keyfile == NULL || keyfile[0] == '\0' || strlen(keyfile) + 80 > PATH_MAX) {
        snprintf(err, errlen, "signing_key is not set (CARTMAN_SIGNING_KEY)");
        return -1;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s.d", keyfile);
    struct key old = {0}, fresh = {0};
    char *old_pem = NULL, *new_pem = NULL;
    size_t old_len = 0, new_len = 0;
    int rc = -1, lockfd = -1;

    if (access(keyfile, R_OK) != 0) { /* before creating anything next to it */
        snprintf(err, errlen, "cannot read %s: %s", keyfile, strerror(errno));
        return -1;
    }
    fresh.pkey = EVP_EC_gen("P-256");
    if (fresh.pkey == NULL || key_describe(&fresh, err, errlen) != 0) {
        snprintf(err, errlen, "cannot generate a P-256 key");
        goto out;
    }
    new_pem = pem_of(fresh.pkey, &new_len);
    if (new_pem == NULL) {
        snprintf(err, errlen, "cannot serialise the new key");
        goto out;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    char path[PATH_MAX + 64], line[32];
    snprintf(path, sizeof path, "%s/.lock", dir); /* two rotations at once would lose a key */
    lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0) {
        snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
        goto out;
    }
    /* the current key, read under the lock: another rotation may just have replaced it */
    old.pkey = read_key(keyfile, err, errlen);
    if (old.pkey == NULL || key_describe(&old, err, errlen) != 0)
        goto out;
    old_pem = pem_of(old.pkey, &old_len);
    if (old_pem == NULL) {
        snprintf(err, errlen, "cannot serialise the keys");
        goto out;
    }
    int n = snprintf(line, sizeof line, "%lld\n", (long long)now);
    snprintf(path, sizeof path, "%s/%s.retired", dir, old.kid);
    if (write_file_atomic(path, line, (size_t)n, err, errlen) != 0)
        goto out;
    snprintf(path, sizeof path, "%s/%s.pem", dir, old.kid);
    if (write_file_atomic(path, old_pem, old_len, err, errlen) != 0)
        goto out;
    if (write_file_atomic(keyfile, new_pem, new_len, err, errlen) != 0)
        goto out;
    prune(dir, now);
    memcpy(new_kid, fresh.kid, SIGNING_KID_BYTES);
    rc = 0;
out:
    if (lockfd >= 0)
        close(lockfd); /* releases the lock */
    free_secret(old_pem, old_len);
    free_secret(new_pem, new_len);
    EVP_PKEY_free(old.pkey);
    EVP_PKEY_free(fresh.pkey);
    return rc;
}

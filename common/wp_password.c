/*
 * common/wp_password.c — verifying WordPress password hashes (see wp_password.h for the contract).
 *
 * Owns: the branch order of wp_check_password (6.8+, plus $H$), phpass portable, the $wp pre-hash,
 * wp_fast_hash, the sign-in forms of wp-login.php, and bcrypt hashing of connection keys.
 * Borrows: MD5, HMAC-SHA-384 and keyed BLAKE2b from OpenSSL 3 (algorithms fetched once), bcrypt
 * from libxcrypt (crypt_rn), argon2 from libargon2 (argon2_verify).
 * Does not: look users up, rehash, or write anything to the database; throttle; cache results.
 */
#include "common/wp_password.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"

/* phpass's alphabet; a character's index is its value. */
static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define PHPASS_SETTING_LEN 12 /* $P$ + count + 8 salt */
#define PHPASS_MIN_LOG2 7
#define PHPASS_MAX_LOG2 30
#define BCRYPT_MAX_KEY 72 /* bcrypt reads at most this many bytes of the key */

static const char wp_sha384_key[] = "wp-sha384";               /* 9 bytes, no NUL */
static const char fast_hash_key[] = "wp_fast_hash_6.8+";       /* 17 bytes, no NUL */
#define FAST_HASH_PREFIX "$generic$"
#define FAST_HASH_PREFIX_LEN (sizeof(FAST_HASH_PREFIX) - 1)
#define FAST_HASH_BYTES 30

/* ---- OpenSSL algorithms, fetched once and shared (EVP_MD/EVP_MAC are immutable and refcounted) ---- */

static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static EVP_MD *alg_md5;
static EVP_MAC *alg_hmac;
static EVP_MAC *alg_blake2b;

static void algs_fetch(void)
{
    alg_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    alg_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    alg_blake2b = EVP_MAC_fetch(NULL, "BLAKE2BMAC", NULL);
}

static const EVP_MD *md5_alg(void)
{
    pthread_once(&algs_once, algs_fetch);
    return alg_md5;
}

static EVP_MAC *hmac_alg(void)
{
    pthread_once(&algs_once, algs_fetch);
    return alg_hmac;
}

static EVP_MAC *blake2b_alg(void)
{
    pthread_once(&algs_once, algs_fetch);
    return alg_blake2b;
}

/* ---- classification ---- */

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool is_bcrypt_prefix(const char *h, size_t len)
{
    return len >= 4 && h[0] == '$' && h[1] == '2' && (h[2] == 'a' || h[2] == 'b' || h[2] == 'x' || h[2] == 'y') &&
           h[3] == '$';
}

static bool is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

enum wp_hash_kind wp_password_kind(const char *hash, size_t len)
{
    if (len <= 32)
        return len == 32 && is_hex(hash, len) ? WP_HASH_MD5 : WP_HASH_UNKNOWN;
    if (has_prefix(hash, len, "$wp"))
        return is_bcrypt_prefix(hash + 3, len - 3) ? WP_HASH_WP_BCRYPT : WP_HASH_UNKNOWN;
    if (has_prefix(hash, len, "$P$"))
        return WP_HASH_PHPASS;
    if (has_prefix(hash, len, "$H$"))
        return WP_HASH_PHPBB;
    if (is_bcrypt_prefix(hash, len))
        return WP_HASH_BCRYPT;
    if (has_prefix(hash, len, "$argon2i$") || has_prefix(hash, len, "$argon2id$"))
        return WP_HASH_ARGON2;
    if (has_prefix(hash, len, FAST_HASH_PREFIX))
        return WP_HASH_GENERIC;
    return WP_HASH_UNKNOWN;
}

const char *wp_password_kind_name(enum wp_hash_kind kind)
{
    switch (kind) {
    case WP_HASH_MD5: return "md5";
    case WP_HASH_PHPASS: return "phpass";
    case WP_HASH_PHPBB: return "phpbb";
    case WP_HASH_BCRYPT: return "bcrypt";
    case WP_HASH_WP_BCRYPT: return "wp_bcrypt";
    case WP_HASH_ARGON2: return "argon2";
    case WP_HASH_GENERIC: return "generic";
    case WP_HASH_UNKNOWN: break;
    }
    return "unknown";
}

/* ---- MD5 (WordPress < 2.5, SQL MD5()) ---- */

static bool md5_check(const char *pw, size_t plen, const char *hash, size_t hlen)
{
    static const char hexdig[] = "0123456789abcdef";
    unsigned char d[16];
    char hex[32];
    unsigned int dlen = 0;
    const EVP_MD *md = md5_alg();
    bool ok;

    if (hlen != sizeof hex || md == NULL) /* hash_equals: a length difference is false */
        return false;
    if (!EVP_Digest(pw, plen, d, &dlen, md, NULL) || dlen != sizeof d)
        return false;
    for (size_t i = 0; i < sizeof d; i++) {
        hex[2 * i] = hexdig[d[i] >> 4];
        hex[2 * i + 1] = hexdig[d[i] & 15];
    }
    ok = CRYPTO_memcmp(hex, hash, sizeof hex) == 0;
    OPENSSL_cleanse(d, sizeof d);
    OPENSSL_cleanse(hex, sizeof hex);
    return ok;
}

/* ---- phpass portable ($P$, $H$) ---- */

/* class-phpass.php's encode64(), byte for byte. */
static void phpass_encode64(char *out, const unsigned char *in, size_t count)
{
    size_t i = 0;
    do {
        unsigned v = in[i++];
        *out++ = itoa64[v & 0x3f];
        if (i < count)
            v |= (unsigned)in[i] << 8;
        *out++ = itoa64[(v >> 6) & 0x3f];
        if (i++ >= count)
            break;
        if (i < count)
            v |= (unsigned)in[i] << 16;
        *out++ = itoa64[(v >> 12) & 0x3f];
        if (i++ >= count)
            break;
        *out++ = itoa64[(v >> 18) & 0x3f];
    } while (i < count);
}

int wp_password_phpass(const char *password, size_t plen, const char *setting, size_t slen,
                       char out[WP_PASSWORD_PHPASS_LEN + 1])
{
    const EVP_MD *md = md5_alg();
    const char *pos;
    unsigned char h[16];
    unsigned int hlen = 0;
    unsigned long count;
    EVP_MD_CTX *ctx;
    int ok;

    if (setting == NULL || slen < PHPASS_SETTING_LEN || md == NULL)
        return -1;
    if (setting[0] != '$' || (setting[1] != 'P' && setting[1] != 'H') || setting[2] != '$')
        return -1;
    pos = memchr(itoa64, setting[3], sizeof itoa64 - 1);
    if (pos == NULL || pos - itoa64 < PHPASS_MIN_LOG2 || pos - itoa64 > PHPASS_MAX_LOG2)
        return -1;
    count = 1UL << (pos - itoa64);

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return -1;
    /* h = MD5(salt . password); 2^k times h = MD5(h . password). Always all rounds. */
    ok = EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, setting + 4, 8) &&
         EVP_DigestUpdate(ctx, password, plen) && EVP_DigestFinal_ex(ctx, h, &hlen);
    for (; ok && count > 0; count--)
        ok = EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, h, sizeof h) &&
             EVP_DigestUpdate(ctx, password, plen) && EVP_DigestFinal_ex(ctx, h, &hlen);
    EVP_MD_CTX_free(ctx);
    if (ok && hlen == sizeof h) {
        memcpy(out, setting, PHPASS_SETTING_LEN);
        phpass_encode64(out + PHPASS_SETTING_LEN, h, sizeof h);
        out[WP_PASSWORD_PHPASS_LEN] = '\0';
    }
    OPENSSL_cleanse(h, sizeof h);
    return ok && hlen == sizeof h ? 0 : -1;
}

static bool phpass_check(const char *pw, size_t plen, const char *hash, size_t hlen)
{
    char out[WP_PASSWORD_PHPASS_LEN + 1];
    bool ok;

    /* crypt_private's output is always 34 characters; any other stored length cannot be equal. */
    if (hlen != WP_PASSWORD_PHPASS_LEN || wp_password_phpass(pw, plen, hash, hlen, out) != 0)
        return false;
    ok = CRYPTO_memcmp(out, hash, WP_PASSWORD_PHPASS_LEN) == 0;
    OPENSSL_cleanse(out, sizeof out);
    return ok;
}

/* ---- bcrypt (libxcrypt) ---- */

bool wp_password_check_bcrypt(const char *password, size_t plen, const char *hash, size_t hlen)
{
    char key[BCRYPT_MAX_KEY + 1];
    char setting[WP_PASSWORD_BCRYPT_LEN + 1];
    struct crypt_data *data;
    const char *r;
    size_t klen;
    bool ok;

    if (hash == NULL || (password == NULL && plen > 0) || hlen != WP_PASSWORD_BCRYPT_LEN ||
        !is_bcrypt_prefix(hash, hlen) || memchr(hash, 0, hlen) != NULL)
        return false;
    /* PHP hands bcrypt a C string: the key ends at the first NUL, and bcrypt reads 72 bytes at most.
     * Cutting here also keeps libxcrypt's own 512-byte passphrase limit out of the way. */
    klen = plen < BCRYPT_MAX_KEY ? plen : BCRYPT_MAX_KEY;
    if (klen > 0) {
        klen = strnlen(password, klen);
        memcpy(key, password, klen);
    }
    key[klen] = '\0';
    memcpy(setting, hash, hlen);
    setting[hlen] = '\0';

    /* ~32 KB: on the heap, per call (worker threads may have small stacks; bcrypt dwarfs the cost). */
    data = calloc(1, sizeof *data);
    if (data == NULL)
        abort();
    r = crypt_rn(key, setting, data, (int)sizeof *data);
    ok = r != NULL && strlen(r) == hlen && CRYPTO_memcmp(r, hash, hlen) == 0;
    OPENSSL_cleanse(data, sizeof *data);
    free(data);
    OPENSSL_cleanse(key, sizeof key);
    return ok;
}

int wp_password_hash_bcrypt(const char *pw, size_t len, unsigned cost, char out[64])
{
    unsigned char rnd[16];
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    char key[BCRYPT_MAX_KEY + 1];
    struct crypt_data *data;
    const char *r;
    int rc = -1;

    if (cost < 4 || cost > 31 || len > BCRYPT_MAX_KEY || (len > 0 && memchr(pw, 0, len) != NULL))
        return -1;
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return -1;
    if (crypt_gensalt_rn("$2y$", cost, (const char *)rnd, (int)sizeof rnd, salt, (int)sizeof salt) == NULL) {
        OPENSSL_cleanse(rnd, sizeof rnd);
        return -1;
    }
    if (len > 0)
        memcpy(key, pw, len);
    key[len] = '\0';

    data = calloc(1, sizeof *data);
    if (data == NULL)
        abort();
    r = crypt_rn(key, salt, data, (int)sizeof *data);
    if (r != NULL && strlen(r) == WP_PASSWORD_BCRYPT_LEN) {
        memcpy(out, r, WP_PASSWORD_BCRYPT_LEN + 1);
        rc = 0;
    }
    OPENSSL_cleanse(data, sizeof *data);
    free(data);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(rnd, sizeof rnd);
    return rc;
}

/* ---- $wp: bcrypt over base64(HMAC-SHA-384("wp-sha384", password)) ---- */

static bool hmac_sha384(const char *msg, size_t len, unsigned char out[48])
{
    EVP_MAC *mac = hmac_alg();
    EVP_MAC_CTX *ctx;
    char digest[] = "SHA384";
    OSSL_PARAM params[2];
    size_t outl = 0;
    bool ok;

    if (mac == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
        return false;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = EVP_MAC_init(ctx, (const unsigned char *)wp_sha384_key, sizeof wp_sha384_key - 1, params) &&
         EVP_MAC_update(ctx, (const unsigned char *)msg, len) && EVP_MAC_final(ctx, out, &outl, 48) && outl == 48;
    EVP_MAC_CTX_free(ctx);
    return ok;
}

static bool wp_bcrypt_check(const char *pw, size_t plen, const char *hash, size_t hlen)
{
    unsigned char mac[48];
    char pre[65]; /* 48 bytes are 64 base64 characters, no padding */
    bool ok = false;

    if (hmac_sha384(pw, plen, mac)) {
        EVP_EncodeBlock((unsigned char *)pre, mac, sizeof mac);
        ok = wp_password_check_bcrypt(pre, 64, hash + 3, hlen - 3);
    }
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(pre, sizeof pre);
    return ok;
}

/* ---- argon2 (libargon2) ---- */

static bool eat(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

static bool eat_u32(const char **p, const char *end, uint32_t *out)
{
    uint64_t v = 0;
    const char *s = *p;

    if (s == end || *s < '0' || *s > '9')
        return false;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return false;
    }
    *p = s;
    *out = (uint32_t)v;
    return true;
}

/* The parameters of "[v=N$]m=M,t=T,p=P$...", the layout libargon2's decoder accepts, within our caps. */
static bool argon2_params_ok(const char *s, const char *end)
{
    uint32_t v, m, t, lanes;

    if (eat(&s, end, "v=") && !(eat_u32(&s, end, &v) && eat(&s, end, "$")))
        return false;
    return eat(&s, end, "m=") && eat_u32(&s, end, &m) && eat(&s, end, ",t=") && eat_u32(&s, end, &t) &&
           eat(&s, end, ",p=") && eat_u32(&s, end, &lanes) && eat(&s, end, "$") && m <= LIMIT_ARGON2_MEMORY_KIB &&
           t <= LIMIT_ARGON2_TIME_COST && lanes <= LIMIT_ARGON2_LANES;
}

static bool argon2_check(const char *pw, size_t plen, const char *hash, size_t hlen)
{
    char enc[LIMIT_PASSWORD_HASH_BYTES + 1];
    argon2_type type;
    size_t off;

    if (has_prefix(hash, hlen, "$argon2id$")) {
        type = Argon2_id;
        off = strlen("$argon2id$");
    } else if (has_prefix(hash, hlen, "$argon2i$")) {
        type = Argon2_i;
        off = strlen("$argon2i$");
    } else {
        return false;
    }
    /* argon2_verify takes a C string: an embedded NUL would hide the rest of the stored value. */
    if (hlen > LIMIT_PASSWORD_HASH_BYTES || memchr(hash, 0, hlen) != NULL || !argon2_params_ok(hash + off, hash + hlen))
        return false;
    memcpy(enc, hash, hlen);
    enc[hlen] = '\0';
    /* argon2_verify recomputes and compares in constant time (argon2_compare). */
    return argon2_verify(enc, pw, plen, type) == ARGON2_OK;
}

/* ---- wp_check_password ---- */

bool wp_password_check(const char *password, size_t plen, const char *hash, size_t hlen)
{
    if (hash == NULL || (password == NULL && plen > 0))
        return false;
    if (hlen <= 32)
        return md5_check(password, plen, hash, hlen);
    if (plen > LIMIT_PASSWORD_BYTES || hlen > LIMIT_PASSWORD_HASH_BYTES)
        return false;
    switch (wp_password_kind(hash, hlen)) {
    case WP_HASH_WP_BCRYPT: return wp_bcrypt_check(password, plen, hash, hlen);
    case WP_HASH_PHPASS:
    case WP_HASH_PHPBB: return phpass_check(password, plen, hash, hlen);
    case WP_HASH_BCRYPT: return wp_password_check_bcrypt(password, plen, hash, hlen);
    case WP_HASH_ARGON2: return argon2_check(password, plen, hash, hlen);
    case WP_HASH_GENERIC: /* wp_check_password does not understand it; WP_Application_Passwords does */
    case WP_HASH_MD5:     /* cannot happen above 32 characters */
    case WP_HASH_UNKNOWN: break;
    }
    return false;
}

/* ---- wp_fast_hash ($generic$) ---- */

int wp_password_fast_hash(const char *msg, size_t len, char out[WP_PASSWORD_FAST_HASH_LEN + 1])
{
    EVP_MAC *mac = blake2b_alg();
    EVP_MAC_CTX *ctx;
    unsigned char d[FAST_HASH_BYTES];
    size_t size = FAST_HASH_BYTES, outl = 0;
    OSSL_PARAM params[2];
    bool ok;

    if (mac == NULL || (msg == NULL && len > 0) || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
        return -1;
    params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
    params[1] = OSSL_PARAM_construct_end();
    ok = EVP_MAC_init(ctx, (const unsigned char *)fast_hash_key, sizeof fast_hash_key - 1, params) &&
         EVP_MAC_update(ctx, (const unsigned char *)msg, len) && EVP_MAC_final(ctx, d, &outl, sizeof d) &&
         outl == sizeof d;
    EVP_MAC_CTX_free(ctx);
    if (ok) {
        memcpy(out, FAST_HASH_PREFIX, FAST_HASH_PREFIX_LEN);
        /* 30 bytes are 40 characters with no padding; then the URL-safe alphabet. */
        EVP_EncodeBlock((unsigned char *)out + FAST_HASH_PREFIX_LEN, d, sizeof d);
        for (char *c = out + FAST_HASH_PREFIX_LEN; *c != '\0'; c++) {
            if (*c == '+')
                *c = '-';
            else if (*c == '/')
                *c = '_';
        }
    }
    OPENSSL_cleanse(d, sizeof d);
    return ok ? 0 : -1;
}

static bool fast_hash_check(const char *msg, size_t len, const char *stored, size_t stlen)
{
    char h[WP_PASSWORD_FAST_HASH_LEN + 1];
    bool ok;

    if (stlen != WP_PASSWORD_FAST_HASH_LEN || wp_password_fast_hash(msg, len, h) != 0)
        return false;
    ok = CRYPTO_memcmp(h, stored, WP_PASSWORD_FAST_HASH_LEN) == 0;
    OPENSSL_cleanse(h, sizeof h);
    return ok;
}

/* ---- sign-in forms ---- */

static bool php_trim_char(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0' || c == '\x0B';
}

size_t wp_php_trim(const char **p, size_t len)
{
    const char *s = *p;

    while (len > 0 && php_trim_char(*s)) {
        s++;
        len--;
    }
    while (len > 0 && php_trim_char(s[len - 1]))
        len--;
    *p = s;
    return len;
}

char *wp_php_addslashes(const char *in, size_t len, size_t *outlen)
{
    char *out, *o;

    if (len > (SIZE_MAX - 1) / 2)
        abort();
    out = malloc(2 * len + 1);
    if (out == NULL)
        abort();
    o = out;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '\0') {
            *o++ = '\\';
            *o++ = '0';
            continue;
        }
        if (c == '\'' || c == '"' || c == '\\')
            *o++ = '\\';
        *o++ = c;
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

/* PHP's empty() on a string: "" and "0". */
static bool php_empty(const char *s, size_t len)
{
    return len == 0 || (len == 1 && s[0] == '0');
}

int wp_password_login_candidates(const char *typed, size_t len, struct wp_login_forms *forms)
{
    const char *raw = typed, *sl;
    size_t rawlen, sllen;

    memset(forms, 0, sizeof *forms);
    if (typed == NULL)
        return 0;
    rawlen = wp_php_trim(&raw, len);
    if (!php_empty(raw, rawlen)) {
        forms->form[forms->n] = raw;
        forms->len[forms->n++] = rawlen;
    }

    forms->slashed = wp_php_addslashes(typed, len, &forms->slashed_len);
    sl = forms->slashed;
    sllen = wp_php_trim(&sl, forms->slashed_len);
    if (!php_empty(sl, sllen) && (sllen != rawlen || memcmp(sl, raw, sllen) != 0)) {
        forms->form[forms->n] = sl;
        forms->len[forms->n++] = sllen;
    } else {
        OPENSSL_clear_free(forms->slashed, forms->slashed_len + 1);
        forms->slashed = NULL;
        forms->slashed_len = 0;
    }
    return forms->n;
}

void wp_password_login_forms_free(struct wp_login_forms *forms)
{
    if (forms->slashed != NULL)
        OPENSSL_clear_free(forms->slashed, forms->slashed_len + 1);
    memset(forms, 0, sizeof *forms);
}

bool wp_password_check_login(const char *typed, size_t len, const char *hash, size_t hlen)
{
    struct wp_login_forms forms;
    bool ok = false;

    wp_password_login_candidates(typed, len, &forms);
    for (int i = 0; i < forms.n && !ok; i++)
        ok = wp_password_check(forms.form[i], forms.len[i], hash, hlen);
    wp_password_login_forms_free(&forms);
    return ok;
}

/* ---- application passwords ---- */

size_t wp_app_password_normalize(const char *in, size_t len, char *out)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    return n;
}

bool wp_app_password_check(const char *supplied, size_t slen, const char *stored, size_t stlen)
{
    char *norm;
    size_t nlen;
    bool ok;

    if (stored == NULL || (supplied == NULL && slen > 0))
        return false;
    norm = malloc(slen + 1);
    if (norm == NULL)
        abort();
    nlen = slen > 0 ? wp_app_password_normalize(supplied, slen, norm) : 0;
    if (has_prefix(stored, stlen, FAST_HASH_PREFIX))
        ok = fast_hash_check(norm, nlen, stored, stlen);
    else
        ok = wp_password_check(norm, nlen, stored, stlen);
    OPENSSL_clear_free(norm, slen + 1);
    return ok;
}

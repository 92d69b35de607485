/*
 * tests/unit/test_wp_password.c — common/wp_password.c against hashes made by WordPress's own code.
 *
 * Two sources of cases:
 *   - the literal rows below, made once with Debian's WordPress 6.1 and PHP 8.2 (wp_hash_password,
 *     PasswordHash, password_hash, crypt, sodium_crypto_generichash) the way
 *     tests/vectors/make-wp-password-vectors.php makes them;
 *   - when WP_PASSWORD_VECTORS names a file, every vector in it (fresh hashes from that script):
 *         php tests/vectors/make-wp-password-vectors.php > build/wp-password-vectors.tsv
 *         WP_PASSWORD_VECTORS=build/wp-password-vectors.tsv prove -v build/asan/tests/test_wp_password
 *
 * Every password and hash is copied into a buffer of exactly its length before the call, so the
 * sanitizer build catches a read past a counted string.
 */
#include "common/wp_password.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/limits.h"
#include "tests/tap.h"

#define S(lit) lit, sizeof(lit) - 1

#define TEN "0123456789"
#define LONG100 TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN
#define LONG_OTHER TEN TEN TEN TEN TEN TEN TEN "01" "and then a different tail" /* same first 72 bytes */
#define LONG71 TEN TEN TEN TEN TEN TEN TEN "0"
#define UNI "pässwörd ✓"
#define QUOTED "it's a \"quoted\" pass\\word"
#define QUOTED_SLASHED "it\\'s a \\\"quoted\\\" pass\\\\word"

/* Literal hashes (password "cartman-literal" unless the row says otherwise). */
#define P_B "$P$BY4wDqTc2pAAMdiABXmW61CJKyAeHP."            /* wp_hash_password() of 6.1 */
#define P_D "$P$D1fOYC689l8CaJNapQRccw./qbhJ.W1"            /* PasswordHash(10, true) */
#define P_4 "$P$49VCzrms0beeZjgHMsBjMxBYZAu1.O1"            /* 2^6 rounds, computed by hand */
#define H_B "$H$BONKY5K975iQfZ9cMv/za9k4HxrxwQ1"            /* crypt_private with a $H$ setting */
#define P_NUL "$P$BeO8GWxEoxhWoPMoleHxjbk2xxBnvd/"          /* "nul\0inside" */
#define P_PADDED "$P$BLkKUbaTDfe4GBxWpAMdJZteuW74vM/"       /* wp_hash_password("  padded pass \t\n") */
#define P_SLASHED "$P$BZIDHK85F1INobY7GDS4HR31EujCmC/"      /* wp_hash_password(addslashes(QUOTED)) */
#define Y10 "$2y$10$K5Qv5EB1IkqFa58jCkodx.PVuUWLo2zbwTDgdQP5opIAoCmzVfM5O" /* password_hash */
#define Y4LONG "$2y$04$xigD4Gb..G791dI404PrLuzVdHmkTNHlMVq92pqQuNqFOhYzliYFy" /* LONG100, cost 4 */
#define B2A "$2a$04$XSZO5yVG0sraNDf2uCpXrOhsNAf2Itah1TnvwNzr.k1FHA7FnDSt." /* crypt(UNI) */
#define B2B "$2b$04$buyaqYjuVcgPLkfqghVikekXb3abaXwefoKHeRRv2RpTMjgXY3KTK"
#define B2X "$2x$04$P3Fl4Rr6W/3GlrCP8RhMUemS4MTdHcxp5q7WQMpzUeiWoLXqHA9BC"
#define WP10 "$wp$2y$10$2eRA0ldw8VUd3zV1WGhjO.tMvVnYU3tj/oAxSDBsTz4zELPHTttfW" /* 6.8 formula */
#define WPLONG "$wp$2y$04$OY04OlgFkbRC5dBtaL1xNOVdYzdO5IPMOcnJU24e6UVk/TlD8qekq" /* LONG100 */
#define A2ID "$argon2id$v=19$m=1024,t=2,p=1$OThXeXNTRVg0akpsY1JibA$5d7TO/S6D8aajrU/L3H/hFhOXVY1g5E7SiJvuDEzd6I"
#define A2I "$argon2i$v=19$m=1024,t=2,p=1$cVhKNWVZV1JibWRBelk1Qw$ADUoKLuCC8UKV1di15gYV9E1fKI86a7R7VVtgQhrdVc"
#define SHA512                                                                                                         \
    "$6$a7e54d3007b8a183$zMICKWBz8mZLsicjDnf3h.16sgTwl1wdoUdt2j.7JxpxWkJ9RmIO12nwKoyMG6vqyQYg.yZbtfUbZDelycQIm0"
#define GEN_EMPTY "$generic$XJQGK2eUryTa4vHbU0bDv1Ml3wGPwaC1ATczq0o_" /* wp_fast_hash(""), from the reference */
#define GEN_APP "$generic$khTS-OHVbtzYnusaMB0Hs9cLFSAWOz1TxxMx-3J0"   /* wp_fast_hash("k7ZvHd9ytATYmD6EgMT5GUyI") */
#define MD5_4097A "8cfc1a0bd8cd76599e76e5e721c6e62e"                 /* md5(str_repeat('a', 4097)) */

enum fn { FN_CHECK, FN_APP, FN_LOGIN };

struct row {
    const char *kind;
    int expect;
    enum fn fn;
    const char *pw;
    size_t plen;
    const char *hash;
    const char *what;
};

static const struct row rows[] = {
    /* MD5 */
    {"md5", 1, FN_CHECK, S("password"), "5f4dcc3b5aa765d61d8327deb882cf99", "md5 of \"password\""},
    {"md5", 0, FN_CHECK, S("Password"), "5f4dcc3b5aa765d61d8327deb882cf99", "md5: wrong password"},
    {"md5", 0, FN_CHECK, S("password"), "5F4DCC3B5AA765D61D8327DEB882CF99", "md5: uppercase hex never matches"},
    {"md5", 1, FN_CHECK, S(""), "d41d8cd98f00b204e9800998ecf8427e", "md5 of the empty password"},
    {"md5", 1, FN_CHECK, S("0"), "cfcd208495d565ef66e7dff9f98764da", "md5 of \"0\""},
    {"unknown", 0, FN_CHECK, S(""), "*", "\"*\" matches nothing"},
    {"unknown", 0, FN_CHECK, S("*"), "*", "\"*\" does not match \"*\""},
    {"unknown", 0, FN_CHECK, S(""), "", "empty hash matches nothing"},
    {"unknown", 0, FN_CHECK, S("password"), "5f4dcc3b5aa765d61d8327deb882cf9", "md5 branch: 31 characters"},
    /* phpass $P$ / $H$ */
    {"phpass", 1, FN_CHECK, S("cartman-literal"), P_B, "$P$B from wp_hash_password"},
    {"phpass", 0, FN_CHECK, S("cartman-literal "), P_B, "$P$B: trailing space is another password"},
    {"phpass", 0, FN_CHECK, S("Cartman-literal"), P_B, "$P$B: case-sensitive"},
    {"phpass", 1, FN_CHECK, S("cartman-literal"), P_D, "$P$D (PasswordHash(10, true))"},
    {"phpass", 0, FN_CHECK, S("cartman-literal"), P_4, "$P$4: 2^6 rounds, correctly computed, refused (count < 7)"},
    {"phpass", 0, FN_CHECK, S("cartman-literal"), "$P$TY4wDqTc2pAAMdiABXmW61CJKyAeHP.", "$P$T: count 31 refused"},
    {"phpass", 0, FN_CHECK, S("cartman-literal"), "$P$!Y4wDqTc2pAAMdiABXmW61CJKyAeHP.", "$P$!: not a count"},
    {"phpass", 0, FN_CHECK, S("cartman-literal"), P_B "x", "$P$B with 35 characters"},
    {"phpass", 0, FN_CHECK, S("cartman-literal"), "$P$BY4wDqTc2pAAMdiABXmW61CJKyAeHP", "$P$B with 33 characters"},
    {"phpbb", 1, FN_CHECK, S("cartman-literal"), H_B, "$H$B (accepted by WordPress 6.1-6.7)"},
    {"phpbb", 0, FN_CHECK, S("wrong"), H_B, "$H$B: wrong password"},
    {"phpbb", 1, FN_CHECK, S("cartman-literal"), "$H$BY4wDqTc2pAAMdiABXmW61CJKyAeHP.", "$P$B relabelled $H$"},
    {"phpass", 1, FN_CHECK, S("nul\0inside"), P_NUL, "$P$: a NUL byte inside counts"},
    {"phpass", 0, FN_CHECK, S("nul"), P_NUL, "$P$: a NUL byte does not end the password"},
    {"phpass", 0, FN_CHECK, S("  padded pass \t\n"), P_PADDED, "$P$: wp_hash_password trimmed; check does not"},
    {"phpass", 1, FN_CHECK, S("padded pass"), P_PADDED, "$P$: the trimmed password"},
    {"phpass", 1, FN_LOGIN, S("  padded pass \t\n"), P_PADDED, "login trims"},
    {"phpass", 1, FN_LOGIN, S(QUOTED), P_SLASHED, "login tries the addslashes() form (set through wp-login.php)"},
    {"phpass", 0, FN_CHECK, S(QUOTED), P_SLASHED, "check does not add slashes"},
    {"phpass", 1, FN_CHECK, S(QUOTED_SLASHED), P_SLASHED, "check of the slashed form"},
    {"phpass", 0, FN_LOGIN, S(QUOTED_SLASHED "x"), P_SLASHED, "login: slashed form plus a character"},
    /* plain bcrypt */
    {"bcrypt", 1, FN_CHECK, S("cartman-literal"), Y10, "$2y$10$ from password_hash"},
    {"bcrypt", 0, FN_CHECK, S("cartman-literaL"), Y10, "$2y$10$: wrong password"},
    {"bcrypt", 1, FN_CHECK, S("cartman-literal\0and more"), Y10, "$2y$: PHP's bcrypt stops at NUL"},
    {"bcrypt", 1, FN_CHECK, S(LONG_OTHER), Y4LONG, "$2y$: only 72 bytes count"},
    {"bcrypt", 0, FN_CHECK, S(LONG71), Y4LONG, "$2y$: 71 bytes are not enough"},
    {"bcrypt", 1, FN_CHECK, S(UNI), B2A, "$2a$ from crypt(), unicode"},
    {"bcrypt", 1, FN_CHECK, S(UNI), B2B, "$2b$ from crypt(), unicode"},
    {"bcrypt", 1, FN_CHECK, S(UNI), B2X, "$2x$ from crypt(), unicode (the old sign-extension behaviour)"},
    {"bcrypt", 0, FN_CHECK, S(UNI), "$2y$04$P3Fl4Rr6W/3GlrCP8RhMUemS4MTdHcxp5q7WQMpzUeiWoLXqHA9BC",
     "$2x$ relabelled $2y$"},
    {"bcrypt", 0, FN_CHECK, S("cartman-literal"), Y10 "x", "$2y$ with 61 characters"},
    {"unknown", 0, FN_CHECK, S("cartman-literal"), "$2y$10$K5Qv5EB1IkqFa58jCkodx.", "$2y$ setting only (MD5 branch)"},
    /* $wp$ */
    {"wp_bcrypt", 1, FN_CHECK, S("cartman-literal"), WP10, "$wp$2y$10$"},
    {"wp_bcrypt", 0, FN_CHECK, S("cartman-literal!"), WP10, "$wp$2y$10$: wrong password"},
    {"wp_bcrypt", 1, FN_LOGIN, S(" cartman-literal "), WP10, "$wp$2y$10$: login trims"},
    {"bcrypt", 0, FN_CHECK, S("cartman-literal"), WP10 + 3, "$wp$ hash without its prefix"},
    {"wp_bcrypt", 1, FN_CHECK, S(LONG100), WPLONG, "$wp$: 100 bytes"},
    {"wp_bcrypt", 0, FN_CHECK, S(LONG_OTHER), WPLONG, "$wp$: no 72-byte truncation"},
    /* argon2 */
    {"argon2", 1, FN_CHECK, S("cartman-literal"), A2ID, "$argon2id$"},
    {"argon2", 0, FN_CHECK, S("cartman-literal."), A2ID, "$argon2id$: wrong password"},
    {"argon2", 1, FN_CHECK, S("cartman-literal"), A2I, "$argon2i$"},
    {"argon2", 0, FN_CHECK, S("cartman-literal"),
     "$argon2i$v=19$m=1024,t=2,p=1$cVhKNWVZV1JibWRBelk1Qw$ADUoKLuCC8UKV1di15gYV9E1fKI86a7R7VVtgQhrdVd",
     "$argon2i$: last hash character changed"},
    {"argon2", 0, FN_CHECK, S("cartman-literal"),
     "$argon2id$v=19$m=2097152,t=2,p=1$OThXeXNTRVg0akpsY1JibA$5d7TO/S6D8aajrU/L3H/hFhOXVY1g5E7SiJvuDEzd6I",
     "$argon2id$: m over LIMIT_ARGON2_MEMORY_KIB refused before any work"},
    {"argon2", 0, FN_CHECK, S("cartman-literal"),
     "$argon2id$v=19$m=1024,t=1000,p=1$OThXeXNTRVg0akpsY1JibA$5d7TO/S6D8aajrU/L3H/hFhOXVY1g5E7SiJvuDEzd6I",
     "$argon2id$: t over LIMIT_ARGON2_TIME_COST refused"},
    {"argon2", 0, FN_CHECK, S("cartman-literal"),
     "$argon2id$v=19$m=1024,t=2,p=64$OThXeXNTRVg0akpsY1JibA$5d7TO/S6D8aajrU/L3H/hFhOXVY1g5E7SiJvuDEzd6I",
     "$argon2id$: p over LIMIT_ARGON2_LANES refused"},
    {"argon2", 0, FN_CHECK, S("cartman-literal"),
     "$argon2id$v=19$m=99999999999,t=2,p=1$OThXeXNTRVg0akpsY1JibA$5d7TO/S6D8aajrU/L3H/hFhOXVY1g5E7SiJvuDEzd6I",
     "$argon2id$: m overflowing 32 bits refused"},
    {"unknown", 0, FN_CHECK, S("cartman-literal"),
     "$argon2d$v=19$m=1024,t=2,p=1$OThXeXNTRVg0akpsY1JibA$5d7TO/S6D8aajrU/L3H/hFhOXVY1g5E7SiJvuDEzd6I",
     "$argon2d$ (PHP's password_verify does not take it either)"},
    /* formats WordPress never wrote */
    {"unknown", 0, FN_CHECK, S("cartman-literal"), SHA512, "$6$ sha512-crypt of the right password is refused"},
    {"unknown", 0, FN_CHECK, S("cartman-literal"), "$wp" SHA512, "$wp followed by something other than bcrypt"},
    /* application passwords */
    {"generic", 0, FN_CHECK, S(""), GEN_EMPTY, "$generic$ given to wp_password_check"},
    {"generic", 1, FN_APP, S(""), GEN_EMPTY, "wp_fast_hash(\"\") from the reference"},
    {"generic", 1, FN_APP, S("k7Zv Hd9y tATY mD6E gMT5 GUyI"), GEN_APP, "the reference's example, chunked"},
    {"generic", 1, FN_APP, S("k7Zv-Hd9y-tATY-mD6E-gMT5-GUyI"), GEN_APP, "with dashes"},
    {"generic", 1, FN_APP, S("k7ZvHd9ytATYmD6EgMT5GUyI"), GEN_APP, "as 24 characters"},
    {"generic", 0, FN_APP, S("k7zv hd9y tatY mD6E gMT5 GUyI"), GEN_APP, "case-sensitive"},
    {"generic", 0, FN_APP, S("k7ZvHd9ytATYmD6EgMT5GUy"), GEN_APP, "23 characters"},
    {"generic", 0, FN_APP, S("k7ZvHd9ytATYmD6EgMT5GUyI"), "$generic$khTS-OHVbtzYnusaMB0Hs9cLFSAWOz1TxxMx-3J",
     "stored value of 48 characters"},
    {"generic", 0, FN_CHECK, S("k7ZvHd9ytATYmD6EgMT5GUyI"), GEN_APP, "$generic$ is not an account password (check)"},
    {"generic", 0, FN_LOGIN, S("k7ZvHd9ytATYmD6EgMT5GUyI"), GEN_APP, "$generic$ is not an account password (login)"},
    {"md5", 1, FN_APP, S("pass word"), "5f4dcc3b5aa765d61d8327deb882cf99",
     "app password stored as md5, spaces stripped"},
    {"phpass", 0, FN_APP, S("cartman-literal"), P_B, "app check strips '-' before a $P$ check"},
    /* sign-in quirks */
    {"md5", 0, FN_LOGIN, S("0"), "cfcd208495d565ef66e7dff9f98764da", "login refuses \"0\" (PHP empty())"},
    {"md5", 0, FN_LOGIN, S(" \t\r\n"), "d41d8cd98f00b204e9800998ecf8427e", "login refuses what trims to \"\""},
};

static const char *fn_name(enum fn fn)
{
    return fn == FN_CHECK ? "check" : fn == FN_APP ? "app" : "login";
}

static bool run_fn(enum fn fn, const char *pw, size_t plen, const char *hash, size_t hlen)
{
    switch (fn) {
    case FN_CHECK: return wp_password_check(pw, plen, hash, hlen);
    case FN_APP: return wp_app_password_check(pw, plen, hash, hlen);
    case FN_LOGIN: return wp_password_check_login(pw, plen, hash, hlen);
    }
    return false;
}

/* A copy of exactly len bytes (no terminator), so that ASan sees any over-read. */
static char *exact_copy(const char *s, size_t len)
{
    char *c = malloc(len > 0 ? len : 1);
    if (c == NULL)
        abort();
    if (len > 0)
        memcpy(c, s, len);
    return c;
}

static void run_case(const char *kind, int expect, enum fn fn, const char *pw, size_t plen, const char *hash,
                     size_t hlen, const char *what)
{
    char *p = exact_copy(pw, plen), *h = exact_copy(hash, hlen);
    const char *got_kind = wp_password_kind_name(wp_password_kind(h, hlen));
    int got = run_fn(fn, p, plen, h, hlen);

    if (!tap_ok(strcmp(got_kind, kind) == 0 && got == expect, "%s %s -> %d: %s", fn_name(fn), kind, expect, what))
        tap_diag("  got kind %s, result %d; hash '%.*s', password %zu bytes", got_kind, got, (int)hlen, hash, plen);
    free(p);
    free(h);
}

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        run_case(r->kind, r->expect, r->fn, r->pw, r->plen, r->hash, strlen(r->hash), r->what);
    }
}

/* ---- the length cap, with passwords built at run time ---- */

static void test_caps(void)
{
    char *pw = malloc(LIMIT_PASSWORD_BYTES + 1);

    if (pw == NULL)
        abort();
    memset(pw, 'a', LIMIT_PASSWORD_BYTES + 1);
    run_case("md5", 1, FN_CHECK, pw, LIMIT_PASSWORD_BYTES + 1, S(MD5_4097A),
             "md5 of 4097 bytes matches: the MD5 branch runs before the cap, as in WordPress");
    memcpy(pw, LONG100, 72); /* Y4LONG only reads the first 72 bytes */
    run_case("bcrypt", 1, FN_CHECK, pw, LIMIT_PASSWORD_BYTES, S(Y4LONG), "$2y$: 4096 bytes, the first 72 match");
    run_case("bcrypt", 0, FN_CHECK, pw, LIMIT_PASSWORD_BYTES + 1, S(Y4LONG), "$2y$: 4097 bytes refused");
    tap_ok(wp_password_check_bcrypt(pw, LIMIT_PASSWORD_BYTES + 1, S(Y4LONG)),
           "wp_password_check_bcrypt (connection keys) has no 4096 cap");
    run_case("wp_bcrypt", 0, FN_LOGIN, pw, LIMIT_PASSWORD_BYTES + 1, S(WP10), "login: 4097 bytes refused");
    free(pw);
}

/* ---- phpass computes exactly what PHP computed ---- */

static void test_phpass_exact(void)
{
    char out[WP_PASSWORD_PHPASS_LEN + 1];

    memset(out, 0, sizeof out);
    TAP_EQ_INT(wp_password_phpass(S("cartman-literal"), S(P_B), out), 0, "phpass $P$B computes");
    TAP_EQ_STR(out, P_B, "phpass count 'B': byte for byte the hash wp_hash_password made");
    memset(out, 0, sizeof out);
    TAP_EQ_INT(wp_password_phpass(S("cartman-literal"), P_D, 12, out), 0, "phpass from a 12-character setting");
    TAP_EQ_STR(out, P_D, "phpass count 'D': the hash PasswordHash(10, true) made");
    memset(out, 0, sizeof out);
    TAP_EQ_INT(wp_password_phpass(S("nul\0inside"), S(P_NUL), out), 0, "phpass with a NUL byte computes");
    TAP_EQ_STR(out, P_NUL, "phpass with a NUL byte: the hash PHP made");
    TAP_EQ_INT(wp_password_phpass(S("x"), S(P_4), out), -1, "phpass setting with count 6 refused");
    TAP_EQ_INT(wp_password_phpass(S("x"), S("$P$T12345678"), out), -1, "phpass setting with count 31 refused");
    TAP_EQ_INT(wp_password_phpass(S("x"), S("$X$B12345678"), out), -1, "phpass setting with another prefix refused");
    TAP_EQ_INT(wp_password_phpass(S("x"), S("$P$B1234567"), out), -1, "phpass setting of 11 characters refused");
}

static void test_fast_hash(void)
{
    char out[WP_PASSWORD_FAST_HASH_LEN + 1];

    memset(out, 0, sizeof out);
    TAP_EQ_INT(wp_password_fast_hash(S(""), out), 0, "wp_fast_hash(\"\") computes");
    TAP_EQ_STR(out, GEN_EMPTY, "wp_fast_hash(\"\") is the reference's value");
    memset(out, 0, sizeof out);
    TAP_EQ_INT(wp_password_fast_hash(S("k7ZvHd9ytATYmD6EgMT5GUyI"), out), 0, "wp_fast_hash(app password) computes");
    TAP_EQ_STR(out, GEN_APP, "wp_fast_hash of the reference's application password is its example");
}

/* ---- kinds ---- */

static void test_kinds(void)
{
    static const struct {
        const char *hash;
        enum wp_hash_kind kind;
    } k[] = {
        {"5f4dcc3b5aa765d61d8327deb882cf99", WP_HASH_MD5},
        {"5F4DCC3B5AA765D61D8327DEB882CF99", WP_HASH_MD5},
        {"5f4dcc3b5aa765d61d8327deb882cf9g", WP_HASH_UNKNOWN},
        {"*", WP_HASH_UNKNOWN},
        {"", WP_HASH_UNKNOWN},
        {P_B, WP_HASH_PHPASS},
        {H_B, WP_HASH_PHPBB},
        {Y10, WP_HASH_BCRYPT},
        {B2A, WP_HASH_BCRYPT},
        {B2B, WP_HASH_BCRYPT},
        {B2X, WP_HASH_BCRYPT},
        {"$2c$04$P3Fl4Rr6W/3GlrCP8RhMUemS4MTdHcxp5q7WQMpzUeiWoLXqHA9BC", WP_HASH_UNKNOWN},
        {WP10, WP_HASH_WP_BCRYPT},
        {"$wp$2b$04$OY04OlgFkbRC5dBtaL1xNOVdYzdO5IPMOcnJU24e6UVk/TlD8qekq", WP_HASH_WP_BCRYPT},
        {"$wp" A2ID, WP_HASH_UNKNOWN},
        {A2ID, WP_HASH_ARGON2},
        {A2I, WP_HASH_ARGON2},
        {GEN_APP, WP_HASH_GENERIC},
        {SHA512, WP_HASH_UNKNOWN},
    };

    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        enum wp_hash_kind got = wp_password_kind(k[i].hash, strlen(k[i].hash));
        if (!tap_ok(got == k[i].kind, "kind of %.12s... is %s", k[i].hash, wp_password_kind_name(k[i].kind)))
            tap_diag("  got %s", wp_password_kind_name(got));
    }
}

/* ---- PHP string helpers and the sign-in forms ---- */

static void test_trim(void)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
        size_t outlen;
    } t[] = {
        {S(""), S("")},
        {S("pw"), S("pw")},
        {S(" \t\n\r\0\x0Bpw \t\n\r\0\x0B"), S("pw")},
        {S(" a b "), S("a b")},
        {S("\f pw"), S("\f pw")}, /* form feed is not in PHP's default set */
        {S(" \0 "), S("")},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *p = t[i].in;
        size_t n = wp_php_trim(&p, t[i].len);
        tap_eq_mem(p, n, t[i].out, t[i].outlen, "wp_php_trim");
    }
}

static void test_addslashes(void)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
        size_t outlen;
    } t[] = {
        {S(""), S("")},
        {S("plain"), S("plain")},
        {S(QUOTED), S(QUOTED_SLASHED)},
        {S("a\0b"), S("a\\0b")},
        {S("\\\\"), S("\\\\\\\\")},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = 99;
        char *o = wp_php_addslashes(t[i].in, t[i].len, &n);
        tap_eq_mem(o, n, t[i].out, t[i].outlen, "wp_php_addslashes");
        tap_ok(o[n] == '\0', "wp_php_addslashes terminates its copy");
        free(o);
    }
}

static void test_normalize(void)
{
    char buf[64];
    const char in[] = "k7Zv Hd9y-tATY\tmD6E_gMT5ü GUyI!";
    size_t n = wp_app_password_normalize(in, sizeof in - 1, buf);

    tap_eq_mem(buf, n, S("k7ZvHd9ytATYmD6EgMT5GUyI"), "wp_app_password_normalize keeps [A-Za-z0-9]");
    memcpy(buf, in, sizeof in);
    n = wp_app_password_normalize(buf, sizeof in - 1, buf);
    tap_eq_mem(buf, n, S("k7ZvHd9ytATYmD6EgMT5GUyI"), "wp_app_password_normalize in place");
}

static void test_login_forms(void)
{
    struct wp_login_forms f;

    TAP_EQ_INT(wp_password_login_candidates(S("  plain pw "), &f), 1, "login forms: no quotes, one form");
    tap_eq_mem(f.form[0], f.len[0], S("plain pw"), "login forms: trimmed");
    wp_password_login_forms_free(&f);

    TAP_EQ_INT(wp_password_login_candidates(S(" " QUOTED " "), &f), 2, "login forms: quotes, two forms");
    tap_eq_mem(f.form[0], f.len[0], S(QUOTED), "login forms: first the typed password, trimmed");
    tap_eq_mem(f.form[1], f.len[1], S(QUOTED_SLASHED), "login forms: then wp-login.php's slashed form");
    wp_password_login_forms_free(&f);

    TAP_EQ_INT(wp_password_login_candidates(S(" pw\0"), &f), 2, "login forms: trailing NUL");
    tap_eq_mem(f.form[0], f.len[0], S("pw"), "login forms: trim drops the NUL");
    tap_eq_mem(f.form[1], f.len[1], S("pw\\0"), "login forms: addslashes first, so wp-login.php keeps \"\\0\"");
    wp_password_login_forms_free(&f);

    TAP_EQ_INT(wp_password_login_candidates(S("\0"), &f), 1, "login forms: a lone NUL");
    tap_eq_mem(f.form[0], f.len[0], S("\\0"), "login forms: only the slashed form is not empty");
    wp_password_login_forms_free(&f);

    TAP_EQ_INT(wp_password_login_candidates(S(" 0 "), &f), 0, "login forms: \"0\" is empty() to PHP");
    wp_password_login_forms_free(&f);
    TAP_EQ_INT(wp_password_login_candidates(S(""), &f), 0, "login forms: empty");
    wp_password_login_forms_free(&f);
}

/* ---- connection-key hashing ---- */

static void test_hash_bcrypt(void)
{
    char a[64], b[64];

    TAP_EQ_INT(wp_password_hash_bcrypt(S("connection-key-1"), 4, a), 0, "hash_bcrypt cost 4");
    tap_ok(strlen(a) == WP_PASSWORD_BCRYPT_LEN && strncmp(a, "$2y$04$", 7) == 0, "hash_bcrypt: $2y$04$, 60 chars");
    tap_ok(wp_password_check_bcrypt(S("connection-key-1"), a, strlen(a)), "hash_bcrypt verifies");
    tap_ok(wp_password_check(S("connection-key-1"), a, strlen(a)), "hash_bcrypt verifies as a WordPress hash");
    tap_ok(!wp_password_check_bcrypt(S("connection-key-2"), a, strlen(a)), "hash_bcrypt: other key fails");
    TAP_EQ_INT(wp_password_hash_bcrypt(S("connection-key-1"), 4, b), 0, "hash_bcrypt again");
    tap_ok(strcmp(a, b) != 0, "hash_bcrypt: random salt, two hashes differ");
    TAP_EQ_INT(wp_password_hash_bcrypt(S("connection-key-1"), 10, a), 0, "hash_bcrypt cost 10");
    tap_ok(strncmp(a, "$2y$10$", 7) == 0 && wp_password_check_bcrypt(S("connection-key-1"), a, strlen(a)),
           "hash_bcrypt cost 10: $2y$10$ and verifies");
    TAP_EQ_INT(wp_password_hash_bcrypt(S("k"), 3, a), -1, "hash_bcrypt: cost 3 refused");
    TAP_EQ_INT(wp_password_hash_bcrypt(S("k"), 32, a), -1, "hash_bcrypt: cost 32 refused");
    TAP_EQ_INT(wp_password_hash_bcrypt(S(LONG100), 4, a), -1, "hash_bcrypt: over 72 bytes refused");
    TAP_EQ_INT(wp_password_hash_bcrypt(S("a\0b"), 4, a), -1, "hash_bcrypt: NUL byte refused");
    TAP_EQ_INT(wp_password_hash_bcrypt(LONG100, 72, 4, a), 0, "hash_bcrypt: exactly 72 bytes");
    tap_ok(wp_password_check_bcrypt(S(LONG100), a, strlen(a)), "hash_bcrypt: 72 bytes verify (and so does more)");
}

/* ---- first calls from several threads at once (pthread_once) ---- */

static void *thread_main(void *arg)
{
    bool *ok = arg;
    *ok = wp_app_password_check(S("k7Zv Hd9y tATY mD6E gMT5 GUyI"), S(GEN_APP)) &&
          wp_password_check(S("password"), S("5f4dcc3b5aa765d61d8327deb882cf99")) &&
          wp_password_check(S("cartman-literal"), S(P_B)) && !wp_password_check(S("x"), S(P_B));
    return NULL;
}

static void test_threads_first(void)
{
    pthread_t t[8];
    bool ok[8] = {false};
    bool all = true;

    for (int i = 0; i < 8; i++)
        if (pthread_create(&t[i], NULL, thread_main, &ok[i]) != 0)
            abort();
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        all = all && ok[i];
    }
    tap_ok(all, "first calls from 8 threads at once (lazy OpenSSL fetch)");
}

/* ---- the vectors file ---- */

static char *b64_decode(const char *in, size_t len, size_t *outlen)
{
    unsigned char *out = malloc(len / 4 * 3 + 1);
    int n;

    if (out == NULL)
        abort();
    if (len % 4 != 0 || len > (size_t)0x7fffffff) {
        free(out);
        return NULL;
    }
    n = len > 0 ? EVP_DecodeBlock(out, (const unsigned char *)in, (int)len) : 0;
    if (n < 0) {
        free(out);
        return NULL;
    }
    if (len > 0 && in[len - 1] == '=')
        n--;
    if (len > 1 && in[len - 2] == '=')
        n--;
    *outlen = (size_t)n;
    return (char *)out;
}

/* Splits line at tabs into exactly n fields (the last one runs to the end). */
static bool split_tabs(char *line, size_t len, char **field, size_t *flen, int n)
{
    char *p = line, *end = line + len;

    for (int i = 0; i < n; i++) {
        char *tab = i < n - 1 ? memchr(p, '\t', (size_t)(end - p)) : NULL;
        if (i < n - 1 && tab == NULL)
            return false;
        field[i] = p;
        flen[i] = (size_t)((tab != NULL ? tab : end) - p);
        if (tab != NULL)
            p = tab + 1;
    }
    return memchr(field[n - 1], '\t', flen[n - 1]) == NULL;
}

static void run_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, note[200] = "";
    size_t cap = 0;
    ssize_t got;
    int lineno = 0, count = 0;

    tap_ok(f != NULL, "open the WordPress vectors file named by WP_PASSWORD_VECTORS");
    if (f == NULL)
        return;
    while ((got = getline(&line, &cap, f)) != -1) {
        size_t len = (size_t)got, flen[5], plen = 0;
        char *field[5], *pw, kind[16], what[300];
        enum fn fn;
        int expect;

        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        if (line[0] == '#') {
            size_t skip = len > 1 && line[1] == ' ' ? 2 : 1;
            size_t n = len - skip < sizeof note - 1 ? len - skip : sizeof note - 1;
            memcpy(note, line + skip, n);
            note[n] = '\0';
            continue;
        }
        if (!split_tabs(line, len, field, flen, 5) || flen[0] >= sizeof kind || flen[1] != 1 ||
            (field[1][0] != '0' && field[1][0] != '1') || (pw = b64_decode(field[3], flen[3], &plen)) == NULL) {
            tap_ok(0, "vectors line %d is well formed", lineno);
            continue;
        }
        memcpy(kind, field[0], flen[0]);
        kind[flen[0]] = '\0';
        expect = field[1][0] - '0';
        if (flen[2] == 5 && memcmp(field[2], "check", 5) == 0)
            fn = FN_CHECK;
        else if (flen[2] == 3 && memcmp(field[2], "app", 3) == 0)
            fn = FN_APP;
        else if (flen[2] == 5 && memcmp(field[2], "login", 5) == 0)
            fn = FN_LOGIN;
        else {
            tap_ok(0, "vectors line %d: unknown function '%.*s'", lineno, (int)flen[2], field[2]);
            free(pw);
            continue;
        }
        snprintf(what, sizeof what, "vectors line %d: %s", lineno, note);
        run_case(kind, expect, fn, pw, plen, field[4], flen[4], what);
        OPENSSL_cleanse(pw, plen);
        free(pw);
        note[0] = '\0';
        count++;
    }
    free(line);
    fclose(f);
    tap_ok(count > 0, "the vectors file held %d vectors", count);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(void)
{
    const char *vectors = getenv("WP_PASSWORD_VECTORS");
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    test_threads_first();
    test_kinds();
    test_rows();
    test_caps();
    test_phpass_exact();
    test_fast_hash();
    test_trim();
    test_addslashes();
    test_normalize();
    test_login_forms();
    test_hash_bcrypt();
    tap_diag("literal rows took %.2f s", seconds_since(&t0));

    if (vectors == NULL || vectors[0] == '\0') {
        tap_ok(1, "WordPress vectors # SKIP WP_PASSWORD_VECTORS is not set; make them with "
                  "php tests/vectors/make-wp-password-vectors.php > FILE");
    } else {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        run_vectors(vectors);
        tap_diag("vectors from %s took %.2f s", vectors, seconds_since(&t1));
    }
    return tap_done();
}

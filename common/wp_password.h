/*
 * common/wp_password.h — WordPress password checks, for every format WordPress has written.
 *
 * Verifies what sits in wp_users.user_pass and in the _application_passwords user meta:
 * MD5 (legacy), phpass portable ($P$, and phpBB's $H$), plain bcrypt ($2a$/$2b$/$2x$/$2y$),
 * WordPress 6.8+'s $wp$2y$ (bcrypt over an HMAC-SHA-384 pre-hash), argon2i/argon2id, and
 * WordPress 6.8+'s $generic$ application passwords (keyed BLAKE2b). The formulas and quirks are
 * in shared/reference/wordpress-auth.md; each function below says which WordPress function it
 * mirrors and where it deliberately differs.
 *
 * Every comparison of hash output is constant-time (CRYPTO_memcmp, or libargon2's own
 * constant-time compare). Lengths are compared first; they are public.
 *
 * Thread-safety: every function may be called from any thread at once. The OpenSSL algorithm
 * objects are fetched once (pthread_once) and shared read-only; everything else is per call.
 *
 * Speed: bcrypt (about 50-80 ms at cost 10), phpass (2^k MD5 rounds, a few ms at the default) and
 * argon2 (PHP defaults: 64 MiB, about 100 ms) are deliberately slow: call them off the event loop.
 * MD5 and $generic$ are fast.
 *
 * Nothing here writes a hash except wp_password_hash_bcrypt() (connection keys); the daemons never
 * write wp_users.user_pass.
 */
#ifndef COMMON_WP_PASSWORD_H
#define COMMON_WP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

enum wp_hash_kind {
    WP_HASH_UNKNOWN = 0, /* anything else, including "*" and other short junk */
    WP_HASH_MD5,         /* 32 hex digits (only lowercase ever matches, as in WordPress) */
    WP_HASH_PHPASS,      /* $P$ phpass portable */
    WP_HASH_PHPBB,       /* $H$ phpass portable, phpBB3's prefix */
    WP_HASH_BCRYPT,      /* $2a$ $2b$ $2x$ $2y$ with no prefix (bcrypt plugins, PHP password_hash) */
    WP_HASH_WP_BCRYPT,   /* $wp$2y$ (WordPress 6.8+); $wp followed by any bcrypt variant */
    WP_HASH_ARGON2,      /* $argon2i$ and $argon2id$ (a site's wp_hash_password_algorithm filter) */
    WP_HASH_GENERIC,     /* $generic$ wp_fast_hash (6.8+ application passwords, reset keys) */
};

#define WP_PASSWORD_PHPASS_LEN 34 /* $P$ + count + 8 salt + 22 digest */
#define WP_PASSWORD_BCRYPT_LEN 60 /* $2y$NN$ + 22 salt + 31 digest */
#define WP_PASSWORD_FAST_HASH_LEN 49 /* $generic$ + 40 base64url characters */

/* Classifies a stored hash by its layout. Only the prefix (and, for MD5, 32 hex digits) is
 * looked at; whether the rest is well formed is up to the check. */
enum wp_hash_kind wp_password_kind(const char *hash, size_t len);

/* "md5", "phpass", "phpbb", "bcrypt", "wp_bcrypt", "argon2", "generic" or "unknown". */
const char *wp_password_kind_name(enum wp_hash_kind kind);

/*
 * wp_check_password() of WordPress 6.8+, plus $H$, with no trimming or unslashing of `password`
 * (WordPress does neither at this point; see wp_password_check_login). In WordPress's order:
 *
 *   1. hlen <= 32: MD5 branch. True only when hash is exactly the 32 lowercase hex digits of
 *      MD5(password). "*" (what wp_hash_password writes for a password over 4096 bytes), an
 *      uppercase MD5 and other short junk land here and never match. As in WordPress this
 *      branch comes before the length cap: MD5 is cheap, and a password set by SQL MD5() of any
 *      length keeps working.
 *   2. plen > LIMIT_PASSWORD_BYTES (4096): false.
 *   3. $wp + bcrypt: bcrypt-verify base64(HMAC-SHA-384(key "wp-sha384", password)) against
 *      hash + 3. The whole password counts (the pre-hash is 64 bytes, under bcrypt's 72).
 *   4. $P$ and $H$: phpass portable, count character 7..30 (others are refused), 34 characters.
 *      $H$ is accepted although WordPress 6.8 no longer does: 6.1 to 6.7 accepted it, so a site
 *      that has not upgraded yet has users who sign in with such a hash today.
 *   5. Plain bcrypt: as PHP's password_verify, which reads the password as a C string and only
 *      its first 72 bytes (a NUL byte ends it; a longer password with the same 72 bytes matches).
 *   6. argon2i / argon2id: libargon2's argon2_verify (whole password, NUL bytes included), after
 *      refusing parameters above LIMIT_ARGON2_* (a hash cannot make us allocate without bound).
 *
 * $generic$ is false (WordPress's wp_check_password does not understand it either), and so is
 * every format WordPress never wrote (for example $1$/$5$/$6$ crypt, which PHP's password_verify
 * would also take): those are refused rather than handed to libxcrypt, which knows many more.
 * Hashes longer than LIMIT_PASSWORD_HASH_BYTES (wp_users.user_pass is varchar(255)) are false.
 */
bool wp_password_check(const char *password, size_t plen, const char *hash, size_t hlen);

/* Plain bcrypt ($2a$/$2b$/$2x$/$2y$) verification with PHP password_verify's semantics (step 5
 * above), without the 4096-byte cap: for connection keys, stored as $2y$ so that keys made by
 * PHP's password_hash() verify. libxcrypt's crypt_rn with a struct crypt_data (~32 KB) allocated
 * on the heap per call, because worker threads may have small stacks; next to bcrypt's tens of
 * milliseconds the allocation costs nothing. */
bool wp_password_check_bcrypt(const char *password, size_t plen, const char *hash, size_t hlen);

/*
 * Computes the phpass portable hash of `password` with the setting taken from the first 12
 * characters of `setting` ($P$ or $H$, count character, 8 salt characters), as class-phpass.php's
 * crypt_private(): all 2^k MD5 rounds. Writes the 34 characters and a NUL to `out`.
 * Returns 0, or -1 for a bad setting (prefix, count outside 7..30, shorter than 12).
 */
int wp_password_phpass(const char *password, size_t plen, const char *setting, size_t slen,
                       char out[WP_PASSWORD_PHPASS_LEN + 1]);

/*
 * Hashes a connection key as PHP's password_hash(PASSWORD_BCRYPT) does: "$2y$", the cost, a
 * salt of 16 bytes from RAND_bytes (crypt_gensalt_rn). Writes 60 characters and a NUL to `out`.
 * Returns 0, or -1 when cost is outside 4..31, when the input has a NUL byte or is longer than
 * 72 bytes (bcrypt would silently ignore the rest), or when randomness or libxcrypt fails.
 */
int wp_password_hash_bcrypt(const char *pw, size_t len, unsigned cost, char out[64]);

/*
 * WordPress 6.8+'s wp_fast_hash(): "$generic$" + base64url, no padding, of the 30-byte keyed
 * BLAKE2b (key: the 17 bytes "wp_fast_hash_6.8+") of msg. Writes 49 characters and a NUL.
 * Returns 0, or -1 when OpenSSL fails.
 */
int wp_password_fast_hash(const char *msg, size_t len, char out[WP_PASSWORD_FAST_HASH_LEN + 1]);

/* ---- sign-in forms (reference §2.5) ---- */

/* PHP's trim() with its default set: space, \t, \n, \r, \0, \x0B. Advances *p past the leading
 * ones and returns the length left after dropping the trailing ones. */
size_t wp_php_trim(const char **p, size_t len);

/* PHP's addslashes(): a backslash before ' " and \, and NUL becomes the two bytes "\0".
 * Returns a malloc'd, NUL-terminated copy (free it; it may hold a password, so cleanse it
 * first) and its length in *outlen. Allocation failure aborts, as everywhere in this project. */
char *wp_php_addslashes(const char *in, size_t len, size_t *outlen);

/*
 * The password forms a sign-in page tries so that it accepts what wp-login.php accepts, and a
 * little more. WordPress's own sign-in runs wp_magic_quotes() (addslashes on $_POST), passes
 * $_POST['pwd'] on still slashed (wp_signon), then wp_authenticate() trims it, and
 * wp_authenticate_username_password() refuses it when PHP's empty() says so ("" or "0").
 *
 *   form 1: trim(typed)             — the password as typed. wp-login.php itself does not try
 *           this; it is what a user whose password was set through the PHP API, the REST API or
 *           the profile screen (which unslash) has hashed, and such users with ' " \ or NUL in
 *           their password are otherwise locked out of wp-login.php (reference §2.5).
 *   form 2: trim(addslashes(typed)) — exactly what wp-login.php checks; what a password set
 *           through wp-login.php (reset), install.php or any other slashed path was hashed as.
 *           Only when it differs from form 1, i.e. when typed has ' " \ or NUL.
 *
 * The order in form 2 is WordPress's: addslashes, then trim. It differs from
 * addslashes(trim(typed)) only for NUL bytes at either end, which trim would drop and addslashes
 * turns into "\0", which trim keeps.
 *
 * A form that is "" or "0" is left out (WordPress refuses it). Both forms are trimmed for every
 * hash kind, argon2 included, even though WordPress's argon2 branch hashes untrimmed passwords:
 * wp_authenticate() trims the submitted password whatever the hash, so a padded argon2
 * password cannot sign in through wp-login.php either.
 *
 * Fills `forms` and returns how many forms there are (0, 1 or 2). Free with
 * wp_password_login_forms_free().
 */
struct wp_login_forms {
    const char *form[2];
    size_t len[2];
    int n;
    char *slashed; /* the allocation behind the slashed form, or NULL */
    size_t slashed_len;
};
int wp_password_login_candidates(const char *typed, size_t len, struct wp_login_forms *forms);
void wp_password_login_forms_free(struct wp_login_forms *forms);

/* wp_password_check() of each form of wp_password_login_candidates(), in that order; true at the
 * first match. A typed password without ' " \ and NUL costs one check, one with them up to two. */
bool wp_password_check_login(const char *typed, size_t len, const char *hash, size_t hlen);

/* ---- application passwords (reference §3) ---- */

/* Keeps only [A-Za-z0-9] (wp_authenticate_application_password's preg_replace), so the chunked
 * "abcd efgh ..." form and dashes do not matter. `out` needs room for len bytes and may be `in`.
 * Returns the new length; no NUL is written. */
size_t wp_app_password_normalize(const char *in, size_t len, char *out);

/*
 * WP_Application_Passwords::check_password() of WordPress 6.8+, including the normalisation its
 * caller does first: a $generic$ stored value is compared with wp_fast_hash(normalized)
 * (constant-time, no length cap: WordPress has none there and the hash is cheap); any other
 * stored value goes to wp_password_check() (6.1-6.7's $P$ application passwords keep working).
 * The user's account password is not accepted here; that is the caller's concern (only entries
 * of _application_passwords are ever passed as `stored`).
 */
bool wp_app_password_check(const char *supplied, size_t slen, const char *stored, size_t stlen);

#endif

<?php
/*
 * tests/vectors/make-wp-password-vectors.php — password test vectors made with WordPress's own code.
 *
 *     php tests/vectors/make-wp-password-vectors.php [WORDPRESS_DIR] > build/wp-password-vectors.tsv
 *     WP_PASSWORD_VECTORS=build/wp-password-vectors.tsv prove -v build/asan/tests/test_wp_password
 *
 * WORDPRESS_DIR defaults to /usr/share/wordpress (Debian's `wordpress` package, WordPress 6.1).
 * Salts are random: every run prints new hashes with the same expectations. Takes a few seconds.
 *
 * Output: one vector per line, tab-separated,
 *
 *     kind <TAB> expected (0|1) <TAB> function (check|app|login) <TAB> base64(password) <TAB> stored hash
 *
 * kind is what wp_password_kind_name() must say of the stored hash. function is the C function the
 * vector is for: check = wp_password_check, app = wp_app_password_check, login =
 * wp_password_check_login. A line starting with '#' says what the next vector shows.
 *
 * Where the hashes come from:
 *   - WordPress 6.1 formats (MD5, $P$, application passwords before 6.8): Debian's WordPress itself,
 *     wp-includes/pluggable.php's wp_hash_password(), wp_check_password() and wp_generate_password(),
 *     class-phpass.php's PasswordHash and WP_Application_Passwords::chunk_password(). pluggable.php
 *     is loaded without a database (it only defines functions); the only stubs are apply_filters(),
 *     which returns its value unchanged (a site with no plugin filters), and absint(), functions.php's
 *     one-liner, which wp_rand() calls.
 *   - 6.8+ formats, which 6.1 lacks ($wp$2y$, argon2 through the wp_hash_password_algorithm filter,
 *     $generic$): the wp68_* functions below, transcribed from WordPress 6.8's pluggable.php,
 *     functions.php and class-wp-application-passwords.php as shared/reference/wordpress-auth.md
 *     gives them, on PHP's own password_hash()/password_verify(), hash_hmac() and libsodium.
 *
 * No expected value is typed in blind: every vector is run through the PHP function that defines
 * the C function's contract (cm_check, cm_app, cm_login below) and the script stops when the result
 * differs from what the vector is meant to show.
 */

error_reporting(E_ALL);
set_error_handler(function ($no, $str, $file, $line) {
    throw new ErrorException($str, 0, $no, $file, $line);
});

$wp_dir = rtrim($argv[1] ?? '/usr/share/wordpress', '/');
if (!is_file("$wp_dir/wp-includes/pluggable.php")) {
    fwrite(STDERR, "usage: php make-wp-password-vectors.php [WORDPRESS_DIR]\n  no WordPress at $wp_dir\n");
    exit(2);
}
define('ABSPATH', "$wp_dir/");
define('WPINC', 'wp-includes');

/* The two stubs (see the header). */
function apply_filters($hook_name, $value)
{
    return $value;
}
function absint($maybeint)
{
    return abs((int) $maybeint);
}

require ABSPATH . WPINC . '/pluggable.php';
require_once ABSPATH . WPINC . '/class-phpass.php';
require ABSPATH . WPINC . '/class-wp-application-passwords.php';

$wp_version = '';
require ABSPATH . WPINC . '/version.php';

/* ---- WordPress 6.8+, transcribed (Debian's 6.1 has none of this) ---- */

/* wp_hash_password() of 6.8 with the wp_hash_password_algorithm / _options filters given as arguments. */
function wp68_hash_password(string $password, $algorithm = PASSWORD_BCRYPT, array $options = []): string
{
    if (strlen($password) > 4096) {
        return '*';
    }
    if (PASSWORD_BCRYPT !== $algorithm) {
        return password_hash($password, $algorithm, $options);
    }
    $password_to_hash = base64_encode(hash_hmac('sha384', trim($password), 'wp-sha384', true));
    return '$wp' . password_hash($password_to_hash, $algorithm, $options);
}

/* wp_check_password() of 6.8, without the branch for a plugin-replaced global $wp_hasher. */
function wp68_check_password(string $password, string $hash): bool
{
    if (strlen($hash) <= 32) {
        return hash_equals($hash, md5($password));
    }
    if (strlen($password) > 4096) {
        return false;
    }
    if (str_starts_with($hash, '$wp')) {
        $password_to_verify = base64_encode(hash_hmac('sha384', $password, 'wp-sha384', true));
        return password_verify($password_to_verify, substr($hash, 3));
    }
    if (str_starts_with($hash, '$P$')) {
        return (new PasswordHash(8, true))->CheckPassword($password, $hash);
    }
    return password_verify($password, $hash);
}

function wp68_fast_hash(string $message): string
{
    $hashed = sodium_crypto_generichash($message, 'wp_fast_hash_6.8+', 30);
    return '$generic$' . sodium_bin2base64($hashed, SODIUM_BASE64_VARIANT_URLSAFE_NO_PADDING);
}

function wp68_verify_fast_hash(string $message, string $hash): bool
{
    if (!str_starts_with($hash, '$generic$')) {
        return (new PasswordHash(8, true))->CheckPassword($message, $hash);
    }
    return hash_equals($hash, wp68_fast_hash($message));
}

/* WP_Application_Passwords::check_password() of 6.8. */
function wp68_app_check_password(string $password, string $hash): bool
{
    if (!str_starts_with($hash, '$generic$')) {
        return wp68_check_password($password, $hash);
    }
    return wp68_verify_fast_hash($password, $hash);
}

/* ---- the contracts of the C functions, in terms of the above ---- */

function cm_kind(string $h): string
{
    if (strlen($h) <= 32) {
        return strlen($h) === 32 && ctype_xdigit($h) ? 'md5' : 'unknown';
    }
    if (str_starts_with($h, '$wp')) {
        return preg_match('/^\$2[abxy]\$/', substr($h, 3)) ? 'wp_bcrypt' : 'unknown';
    }
    if (str_starts_with($h, '$P$')) {
        return 'phpass';
    }
    if (str_starts_with($h, '$H$')) {
        return 'phpbb';
    }
    if (preg_match('/^\$2[abxy]\$/', $h)) {
        return 'bcrypt';
    }
    if (str_starts_with($h, '$argon2i$') || str_starts_with($h, '$argon2id$')) {
        return 'argon2';
    }
    return str_starts_with($h, '$generic$') ? 'generic' : 'unknown';
}

/* wp_password_check: 6.8's wp_check_password, plus $H$ exactly as 6.1's wp_check_password checks it. */
function cm_check(string $pw, string $hash): bool
{
    if (strlen($hash) > 32 && str_starts_with($hash, '$H$')) {
        return wp_check_password($pw, $hash); /* Debian's 6.1, the real thing */
    }
    if (cm_kind($hash) === 'unknown' && strlen($hash) > 32) {
        return false; /* formats WordPress never wrote are refused (none are emitted) */
    }
    return wp68_check_password($pw, $hash);
}

/* wp_app_password_check: wp_authenticate_application_password()'s clean-up, then 6.8's check. */
function cm_app(string $supplied, string $stored): bool
{
    $password = preg_replace('/[^a-z\d]/i', '', $supplied);
    return wp68_app_check_password($password, $stored);
}

/* What wp-login.php checks: wp_magic_quotes() slashes $_POST, wp_signon() passes it on, wp_authenticate()
 * trims it, wp_authenticate_username_password() refuses an empty() one. */
function wp_login_accepts(string $typed, string $hash): bool
{
    $password = trim(addslashes($typed));
    return !empty($password) && cm_check($password, $hash);
}

/* wp_password_check_login: the as-typed (trimmed) form first, then what wp-login.php checks. */
function cm_login(string $typed, string $hash): bool
{
    $raw = trim($typed);
    return (!empty($raw) && cm_check($raw, $hash)) || wp_login_accepts($typed, $hash);
}

/* ---- output ---- */

$count = 0;
$slow = 0;

function vec(string $kind, int $expect, string $fn, string $pw, string $hash, string $what): void
{
    global $count, $slow;

    $got = match ($fn) {
        'check' => cm_check($pw, $hash),
        'app' => cm_app($pw, $hash),
        'login' => cm_login($pw, $hash),
    };
    if (cm_kind($hash) !== $kind || (int) $got !== $expect || strpbrk($hash, "\t\r\n") !== false) {
        fwrite(STDERR, "vector disagrees with PHP: $what: kind " . cm_kind($hash) . " (want $kind), $fn = "
            . var_export($got, true) . " (want $expect)\n");
        exit(1);
    }
    if ($fn === 'login') {
        $what .= ' [wp-login.php itself: ' . (wp_login_accepts($pw, $hash) ? 'accepts' : 'refuses') . ']';
    }
    if (in_array($kind, ['bcrypt', 'wp_bcrypt', 'argon2'], true)) {
        $slow++;
    }
    printf("# %s\n%s\t%d\t%s\t%s\t%s\n", $what, $kind, $expect, $fn, base64_encode($pw), $hash);
    $count++;
}

$phpass = new PasswordHash(8, true);

/* crypt_private() without its 7..30 range check, to make a well-formed hash WordPress must refuse. */
function phpass_any_count(string $pw, string $setting): string
{
    global $phpass;
    $count = 1 << strpos($phpass->itoa64, $setting[3]);
    $hash = md5(substr($setting, 4, 8) . $pw, true);
    do {
        $hash = md5($hash . $pw, true);
    } while (--$count);
    return substr($setting, 0, 12) . $phpass->encode64($hash, 16);
}

function phpass_setting(string $prefix, string $count_char): string
{
    global $phpass;
    $s = $phpass->gensalt_private($phpass->get_random_bytes(6));
    return $prefix . $count_char . substr($s, 4, 8);
}

/* A bcrypt salt for crypt() with any variant prefix. */
function bcrypt_setting(string $variant, int $cost): string
{
    $salt = substr(strtr(base64_encode(random_bytes(16)), '+', '.'), 0, 22);
    return '$' . $variant . '$' . str_pad((string) $cost, 2, '0', STR_PAD_LEFT) . '$' . $salt;
}

$ascii = 'correct horse battery staple';
$uni = "p\u{e4}ssw\u{f6}rd \u{2713} \u{65e5}\u{672c}\u{8a9e} \u{1f511}";
$long = str_repeat('0123456789', 10);                       /* 100 bytes */
$long_other = substr($long, 0, 72) . 'and then a different tail';
$p4096 = str_repeat('pw-4096/', 512);
$p4097 = $p4096 . 'x';
$padded = "  padded pass \t\n";
$quoted = 'it\'s a "quoted" pass\\word';
$nul = "nul\0inside";
$fast_bcrypt = ['cost' => 4];                                /* wp_hash_password_options; semantics do not depend on cost */
$fast_argon = ['memory_cost' => 1024, 'time_cost' => 2, 'threads' => 1];

echo "# WordPress password vectors, made by tests/vectors/make-wp-password-vectors.php\n";
echo "# with WordPress $wp_version from $wp_dir and PHP " . PHP_VERSION . "\n";
echo "# kind\texpected\tfunction\tbase64(password)\thash\n";

/* ---- MD5 (WordPress < 2.5, SQL MD5()) ---- */
$h = md5($ascii);
vec('md5', 1, 'check', $ascii, $h, 'md5: lowercase hex of the password');
vec('md5', 0, 'check', $ascii . '!', $h, 'md5: wrong password');
vec('md5', 0, 'check', $ascii, strtoupper($h), 'md5: uppercase hex never matches (hash_equals on lowercase)');
vec('unknown', 0, 'check', $ascii, substr($h, 0, 31) . 'G', 'md5 branch: 32 characters that are not hex never match');
vec('unknown', 0, 'check', $ascii, substr($h, 0, 31), 'md5 branch: 31 characters never match');
vec('md5', 1, 'check', $uni, md5($uni), 'md5: unicode bytes');
vec('md5', 1, 'check', '', md5(''), 'md5: empty password, as wp_check_password');
vec('md5', 1, 'check', $p4097, md5($p4097), 'md5: 4097 bytes still match (MD5 branch runs before the 4096 cap, as in WordPress)');
vec('unknown', 0, 'check', '', '*', '"*" (wp_hash_password of a password over 4096 bytes) matches nothing');
vec('unknown', 0, 'check', '*', '*', '"*" does not match "*" either');
vec('unknown', 0, 'check', $p4097, wp_hash_password($p4097), 'wp_hash_password(4097 bytes) is "*" and never matches');
vec('md5', 1, 'login', $padded, md5(trim($padded)), 'login trims: md5 of the trimmed password');
vec('md5', 1, 'check', '0', md5('0'), 'check of "0" against md5("0")');
vec('md5', 0, 'login', '0', md5('0'), 'login refuses "0" (PHP empty()), as wp_authenticate_username_password');
vec('md5', 0, 'login', " \t", md5(''), 'login refuses a password that trims to ""');

/* ---- phpass $P$ (WordPress <= 6.7: wp_hash_password) ---- */
$h = wp_hash_password($ascii);
vec('phpass', 1, 'check', $ascii, $h, '$P$B from wp_hash_password');
vec('phpass', 0, 'check', 'correct horse battery stapler', $h, '$P$B: wrong password');
vec('phpass', 1, 'login', $ascii, $h, '$P$B: login with the right password');
vec('phpass', 0, 'login', 'Correct horse battery staple', $h, '$P$B: login is case-sensitive');
$h = wp_hash_password('');
vec('phpass', 1, 'check', '', $h, '$P$B of the empty password');
vec('phpass', 0, 'login', '', $h, 'login refuses the empty password even when it is the hash\'s');
$h = wp_hash_password($uni);
vec('phpass', 1, 'check', $uni, $h, '$P$B: unicode bytes');
vec('phpass', 0, 'check', "pa\u{308}ssw\u{f6}rd \u{2713} \u{65e5}\u{672c}\u{8a9e} \u{1f511}", $h,
    '$P$B: no unicode normalisation (the same text with a decomposed a-umlaut fails)');
$h = wp_hash_password($long);
vec('phpass', 1, 'check', $long, $h, '$P$B: 100 bytes');
vec('phpass', 0, 'check', $long_other, $h, '$P$B: no 72-byte truncation (same first 72 bytes, other tail)');
$h = wp_hash_password($p4096);
vec('phpass', 1, 'check', $p4096, $h, '$P$B: 4096 bytes is allowed');
$h = $phpass->crypt_private($p4097, phpass_setting('$P$', 'B'));
vec('phpass', 0, 'check', $p4097, $h, '$P$B: 4097 bytes is refused although the hash is of exactly that password');
$h = $phpass->crypt_private($nul, phpass_setting('$P$', 'B'));
vec('phpass', 1, 'check', $nul, $h, '$P$B: a NUL byte inside counts');
vec('phpass', 0, 'check', 'nul', $h, '$P$B: and does not end the password');
$h = wp_hash_password($padded);
vec('phpass', 0, 'check', $padded, $h, 'wp_hash_password trims: check with the padded password fails');
vec('phpass', 1, 'check', trim($padded), $h, 'wp_hash_password trims: check with the trimmed password works');
vec('phpass', 1, 'login', $padded, $h, 'login trims: the padded password signs in');
$h = wp_hash_password(addslashes($quoted));
vec('phpass', 1, 'login', $quoted, $h, 'set through wp-login.php (slashed): login with quotes and backslash');
vec('phpass', 0, 'check', $quoted, $h, 'set through wp-login.php (slashed): check with the typed password fails');
vec('phpass', 1, 'check', addslashes($quoted), $h, 'set through wp-login.php (slashed): check with the slashed form works');
$h = wp_hash_password($quoted);
vec('phpass', 1, 'login', $quoted, $h, 'set through the PHP/REST API (raw): our login accepts the typed password');
vec('phpass', 1, 'check', $quoted, $h, 'set through the PHP/REST API (raw): check works');
$typed = "pw ends in NUL\0";
$h = wp_hash_password(addslashes($typed));
vec('phpass', 1, 'login', $typed, $h, 'login: addslashes before trim (a trailing NUL becomes a kept "\\\\0")');
$typed = "\x0B\t\r\n pw with every trim char \0 \n";
$h = wp_hash_password(addslashes($typed));
vec('phpass', 1, 'login', $typed, $h, 'login: space \\t \\n \\r \\0 \\x0B are trimmed');
$h = (new PasswordHash(10, true))->HashPassword($ascii);
vec('phpass', 1, 'check', $ascii, $h, '$P$D from PasswordHash(10, true): count read from the hash');
vec('phpass', 0, 'check', $ascii . ' ', $h, '$P$D: wrong password');
$h = $phpass->crypt_private($ascii, phpass_setting('$P$', $phpass->itoa64[7]));
vec('phpass', 1, 'check', $ascii, $h, '$P$5 (2^7 rounds), the lowest count WordPress accepts');
$h = $phpass->crypt_private($ascii, phpass_setting('$P$', $phpass->itoa64[16]));
vec('phpass', 1, 'check', $ascii, $h, '$P$E (2^16 rounds)');
$s = phpass_setting('$P$', 'B');
if (phpass_any_count($ascii, $s) !== $phpass->crypt_private($ascii, $s)) {
    fwrite(STDERR, "phpass_any_count disagrees with crypt_private\n");
    exit(1);
}
$h = phpass_any_count($ascii, phpass_setting('$P$', $phpass->itoa64[6]));
vec('phpass', 0, 'check', $ascii, $h, '$P$4 (2^6 rounds, correctly computed) is refused: count below 7');
vec('phpass', 0, 'check', $ascii, substr(wp_hash_password($ascii), 0, 33), '$P$ of 33 characters never matches');

/* ---- phpBB3 $H$ (accepted by 6.1-6.7) ---- */
$h = $phpass->crypt_private($ascii, phpass_setting('$H$', 'B'));
vec('phpbb', 1, 'check', $ascii, $h, '$H$B from phpass crypt_private (phpBB3 prefix, same algorithm)');
vec('phpbb', 0, 'check', 'wrong', $h, '$H$B: wrong password');
$h = '$H$' . substr(wp_hash_password($uni), 3);
vec('phpbb', 1, 'check', $uni, $h, '$H$: a $P$ hash with the prefix replaced');
vec('phpbb', 1, 'login', $uni, $h, '$H$: login');

/* ---- plain bcrypt (bcrypt plugins; PHP password_hash) ---- */
$h = password_hash($ascii, PASSWORD_BCRYPT);
vec('bcrypt', 1, 'check', $ascii, $h, '$2y$10$ from password_hash');
vec('bcrypt', 0, 'check', $ascii . 'x', $h, '$2y$10$: wrong password');
$h = password_hash($long, PASSWORD_BCRYPT, $fast_bcrypt);
vec('bcrypt', 1, 'check', $long_other, $h, '$2y$: only the first 72 bytes count (other tail matches)');
vec('bcrypt', 0, 'check', substr($long, 0, 71), $h, '$2y$: 71 of those 72 bytes do not');
$h = password_hash(substr($p4096, 0, 72), PASSWORD_BCRYPT, $fast_bcrypt);
vec('bcrypt', 1, 'check', substr($p4096, 0, 600), $h, '$2y$: 600 bytes (over libxcrypt\'s 512-byte limit) as PHP: first 72');
vec('bcrypt', 1, 'check', $p4096, $h, '$2y$: 4096 bytes, first 72 count');
vec('bcrypt', 0, 'check', $p4097, $h, '$2y$: 4097 bytes refused although its first 72 bytes match');
$h = password_hash('nul', PASSWORD_BCRYPT, $fast_bcrypt);
vec('bcrypt', 1, 'check', $nul, $h, '$2y$: PHP\'s bcrypt stops at a NUL byte');
foreach (['2a', '2b', '2x', '2y'] as $v) {
    $h = crypt($uni, bcrypt_setting($v, 5));
    vec('bcrypt', 1, 'check', $uni, $h, "\$$v\$ from crypt(), unicode password");
}
$h = crypt($uni, bcrypt_setting('2x', 5));
vec('bcrypt', 0, 'check', $uni, '$2y$' . substr($h, 4), '$2x$ (old sign-extension bug) hash relabelled $2y$ does not match 8-bit input');
$h = password_hash(trim($padded), PASSWORD_BCRYPT, $fast_bcrypt);
vec('bcrypt', 1, 'login', $padded, $h, '$2y$: login trims');
vec('bcrypt', 0, 'check', $padded, $h, '$2y$: check does not trim');

/* ---- WordPress 6.8+ $wp$2y$ ---- */
$h = wp68_hash_password($ascii);
vec('wp_bcrypt', 1, 'check', $ascii, $h, '$wp$2y$10$ (6.8 wp_hash_password)');
vec('wp_bcrypt', 0, 'check', 'correct horse battery stapl', $h, '$wp$2y$10$: wrong password');
vec('bcrypt', 0, 'check', $ascii, substr($h, 3), '$wp$ hash with the prefix removed is not the password\'s bcrypt');
vec('wp_bcrypt', 1, 'login', $ascii, $h, '$wp$2y$10$: login');
$h = wp68_hash_password('', PASSWORD_BCRYPT, $fast_bcrypt);
vec('wp_bcrypt', 1, 'check', '', $h, '$wp$: empty password');
$h = wp68_hash_password($uni, PASSWORD_BCRYPT, $fast_bcrypt);
vec('wp_bcrypt', 1, 'check', $uni, $h, '$wp$: unicode');
$h = wp68_hash_password($long);
vec('wp_bcrypt', 1, 'check', $long, $h, '$wp$2y$10$: 100 bytes');
vec('wp_bcrypt', 0, 'check', $long_other, $h, '$wp$: no 72-byte truncation (the pre-hash covers every byte)');
$h = wp68_hash_password($p4096, PASSWORD_BCRYPT, $fast_bcrypt);
vec('wp_bcrypt', 1, 'check', $p4096, $h, '$wp$: 4096 bytes');
$h = '$wp' . password_hash(base64_encode(hash_hmac('sha384', $p4097, 'wp-sha384', true)), PASSWORD_BCRYPT, $fast_bcrypt);
vec('wp_bcrypt', 0, 'check', $p4097, $h, '$wp$: 4097 bytes refused although the hash is of exactly that password');
$h = wp68_hash_password($padded);
vec('wp_bcrypt', 0, 'check', $padded, $h, '$wp$: hashed trimmed, checked untrimmed: padded check fails');
vec('wp_bcrypt', 1, 'check', trim($padded), $h, '$wp$: trimmed check works');
vec('wp_bcrypt', 1, 'login', $padded, $h, '$wp$: login trims');
$h = wp68_hash_password(addslashes($quoted));
vec('wp_bcrypt', 1, 'login', $quoted, $h, '$wp$: set through wp-login.php (slashed), login');
vec('wp_bcrypt', 0, 'check', $quoted, $h, '$wp$: set through wp-login.php (slashed), check with typed fails');
$h = wp68_hash_password($nul, PASSWORD_BCRYPT, $fast_bcrypt);
vec('wp_bcrypt', 0, 'check', 'nul', $h, '$wp$: a NUL byte does not end the password (pre-hash)');
vec('wp_bcrypt', 1, 'check', $nul, $h, '$wp$: the whole password with its NUL');
$h = wp68_hash_password($ascii, PASSWORD_BCRYPT, ['cost' => 12]);
vec('wp_bcrypt', 1, 'check', $ascii, $h, '$wp$2y$12$ (PHP 8.4 default cost)');
$h = '$wp' . crypt(base64_encode(hash_hmac('sha384', $ascii, 'wp-sha384', true)), bcrypt_setting('2b', 4));
vec('wp_bcrypt', 1, 'check', $ascii, $h, '$wp$2b$: password_verify takes any bcrypt variant after $wp');

/* ---- argon2 (a site's wp_hash_password_algorithm filter; no $wp, no pre-hash, no trim) ---- */
$h = wp68_hash_password($ascii, PASSWORD_ARGON2ID);
vec('argon2', 1, 'check', $ascii, $h, '$argon2id$ with PHP defaults');
vec('argon2', 0, 'check', $ascii . '.', $h, '$argon2id$: wrong password');
$h = wp68_hash_password($ascii, PASSWORD_ARGON2I);
vec('argon2', 1, 'check', $ascii, $h, '$argon2i$ with PHP defaults');
vec('argon2', 0, 'check', 'x' . $ascii, $h, '$argon2i$: wrong password');
$h = wp68_hash_password($padded, PASSWORD_ARGON2ID, $fast_argon);
vec('argon2', 1, 'check', $padded, $h, '$argon2id$: hashed untrimmed, so the padded check works');
vec('argon2', 0, 'check', trim($padded), $h, '$argon2id$: and the trimmed one fails');
vec('argon2', 0, 'login', $padded, $h, '$argon2id$: login trims anyway, so a padded argon2 password cannot sign in');
$h = wp68_hash_password($uni, PASSWORD_ARGON2ID, $fast_argon);
vec('argon2', 1, 'login', $uni, $h, '$argon2id$: unicode login');
$h = password_hash($p4097, PASSWORD_ARGON2ID, $fast_argon);
vec('argon2', 0, 'check', $p4097, $h, '$argon2id$: 4097 bytes refused although the hash is of exactly that password');
$h = wp68_hash_password($nul, PASSWORD_ARGON2I, $fast_argon);
vec('argon2', 1, 'check', $nul, $h, '$argon2i$: NUL byte inside counts');
vec('argon2', 0, 'check', 'nul', $h, '$argon2i$: and does not end the password');
$h = wp68_hash_password(addslashes($quoted), PASSWORD_ARGON2ID, $fast_argon);
vec('argon2', 1, 'login', $quoted, $h, '$argon2id$: set through wp-login.php (slashed), login');

/* ---- application passwords ---- */
do {
    $app = wp_generate_password(24, false);          /* as create_new_application_password() */
} while (strtolower($app) === $app || !preg_match('/[a-z]/', $app));
$wrong = substr($app, 0, 23) . ($app[23] === 'A' ? 'B' : 'A');
$chunked = WP_Application_Passwords::chunk_password($app);
$dashed = implode('-', str_split($app, 4));

$h = wp_hash_password($app);                         /* 6.1's create_new_application_password() */
vec('phpass', 1, 'app', $chunked, $h, "6.1 application password (\$P\$) in the chunked form \"$chunked\"");
vec('phpass', 1, 'app', $dashed, $h, '6.1 application password with dashes');
vec('phpass', 1, 'app', $app, $h, '6.1 application password as 24 characters');
vec('phpass', 0, 'app', strtolower($chunked), $h, '6.1 application password: case-sensitive');
vec('phpass', 0, 'app', $wrong, $h, '6.1 application password: one character off');

$h = wp68_fast_hash($app);                           /* 6.8's create_new_application_password() */
vec('generic', 1, 'app', $chunked, $h, '6.8 application password ($generic$), chunked');
vec('generic', 1, 'app', $dashed, $h, '6.8 application password, dashes');
vec('generic', 1, 'app', " $app\n", $h, '6.8 application password, surrounding whitespace stripped');
vec('generic', 0, 'app', strtolower($app), $h, '6.8 application password: case-sensitive');
vec('generic', 0, 'app', $wrong, $h, '6.8 application password: one character off');
vec('generic', 0, 'check', $app, $h, '$generic$ given to wp_check_password is false');
vec('generic', 0, 'login', $app, $h, '$generic$ is not an account password');
vec('generic', 1, 'app', '', wp68_fast_hash(''), 'wp_fast_hash("")');
vec('generic', 1, 'app', "\u{e9}-", wp68_fast_hash(''), 'non-ASCII and dashes are stripped before hashing');
$big = str_repeat('A1b2', 1100);
vec('generic', 1, 'app', $big, wp68_fast_hash($big), '$generic$: no length cap (4400 characters), as WordPress');
vec('generic', 0, 'app', $app, substr(wp68_fast_hash($app), 0, 48), '$generic$ of 48 characters never matches');
$h = wp68_hash_password($app, PASSWORD_BCRYPT, $fast_bcrypt);
vec('wp_bcrypt', 1, 'app', $chunked, $h, 'an application password stored as $wp$ goes to wp_check_password');
$h = md5($app);
vec('md5', 1, 'app', $chunked, $h, 'an application password stored as MD5 goes to wp_check_password');

echo "# $count vectors, $slow of them bcrypt or argon2\n";
fwrite(STDERR, "$count vectors ($slow bcrypt/argon2)\n");

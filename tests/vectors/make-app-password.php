<?php
/*
 * tests/vectors/make-app-password.php — an application password made by WordPress's own code.
 *
 *     CARTMAN_DB_* env ... php tests/vectors/make-app-password.php USER_ID NAME [WORDPRESS_DIR]
 *
 * Loads Debian's WordPress (default /usr/share/wordpress, 6.1) against the test database with SHORTINIT
 * (DB_* from the CARTMAN_DB_* variables, $table_prefix from CARTMAN_DB_PREFIX), requires the few files
 * that WP_Application_Passwords::create_new_application_password() needs beyond that, creates an
 * application password for USER_ID and prints the plain password, chunked as WordPress shows it
 * ("abcd efgh …"), on stdout. The usermeta row and the using_application_passwords option are written
 * by WordPress itself.
 */
error_reporting(E_ALL & ~E_DEPRECATED);
if ($argc < 3) {
    fwrite(STDERR, "usage: make-app-password.php USER_ID NAME [WORDPRESS_DIR]\n");
    exit(2);
}
$user_id = (int)$argv[1];
$name = $argv[2];
$wp = rtrim($argv[3] ?? '/usr/share/wordpress', '/') . '/';

define('DB_NAME', getenv('CARTMAN_DB_NAME'));
define('DB_USER', getenv('CARTMAN_DB_USER'));
define('DB_PASSWORD', getenv('CARTMAN_DB_PASSWORD'));
$host = getenv('CARTMAN_DB_HOST') ?: '127.0.0.1';
$port = getenv('CARTMAN_DB_PORT');
define('DB_HOST', $port ? "$host:$port" : $host);
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$table_prefix = getenv('CARTMAN_DB_PREFIX') ?: 'wp_';
define('ABSPATH', $wp);
define('WP_CONTENT_DIR', sys_get_temp_dir());
define('SHORTINIT', true);
define('WP_DEBUG', false);
require ABSPATH . 'wp-settings.php';

require_once ABSPATH . WPINC . '/class-wp-user.php';
require_once ABSPATH . WPINC . '/class-wp-role.php';
require_once ABSPATH . WPINC . '/class-wp-roles.php';
require_once ABSPATH . WPINC . '/capabilities.php';
require_once ABSPATH . WPINC . '/user.php';
require_once ABSPATH . WPINC . '/pluggable.php';
require_once ABSPATH . WPINC . '/class-wp-application-passwords.php';
require_once ABSPATH . WPINC . '/ms-functions.php';
if (!function_exists('__')) { // l10n is not loaded with SHORTINIT; only error messages use it
    function __($text, $domain = 'default') { return $text; }
}

$made = WP_Application_Passwords::create_new_application_password($user_id, array('name' => $name));
if (is_wp_error($made)) {
    fwrite(STDERR, 'make-app-password: ' . $made->get_error_message() . "\n");
    exit(1);
}
echo WP_Application_Passwords::chunk_password($made[0]), "\n";

<?php
/*
 * tests/vectors/wp-shortinit.php — Debian's WordPress loaded against the test database, for the
 * scripts here that let WordPress's own code write rows (make-app-password.php, make-wp-user.php).
 *
 *     $wp = '/usr/share/wordpress/';   // the WordPress directory, with its trailing '/'
 *     require __DIR__ . '/wp-shortinit.php';
 *
 * Required at the top level of the script (wp-settings.php reads $table_prefix and sets its globals
 * there). Defines DB_* from the CARTMAN_DB_* variables and $table_prefix from CARTMAN_DB_PREFIX, loads
 * wp-settings.php with SHORTINIT, then the files users, roles and capabilities need beyond that
 * (pluggable.php, user.php, ms-functions.php …) and an identity __() (l10n is not loaded with
 * SHORTINIT; only error messages use it). What else a script needs it requires itself.
 */
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
require_once ABSPATH . WPINC . '/ms-functions.php';
if (!function_exists('__')) {
    function __($text, $domain = 'default') { return $text; }
}

<?php
/*
 * tests/vectors/make-wp-user.php — a user made by WordPress's own code.
 *
 *     CARTMAN_DB_* env ... php tests/vectors/make-wp-user.php LOGIN EMAIL PASSWORD api|form [ROLE [WORDPRESS_DIR]]
 *
 * Loads Debian's WordPress (default /usr/share/wordpress, 6.1) against the test database
 * (wp-shortinit.php), requires the few files wp_insert_user() needs beyond that, and creates the
 * user with wp_insert_user() itself: the wp_users row (user_pass = wp_hash_password(), which hashes
 * trim(password)) and the {prefix}capabilities usermeta (WP_User::set_role(), serialize() by WordPress),
 * ROLE defaulting to shop_manager. Prints the new user's ID on stdout.
 *
 * PASSWORD is what the person types. How it reaches the hash:
 *   api   wp_insert_user(['user_pass' => PASSWORD]), as the PHP API and the REST API do (the raw password
 *         is hashed);
 *   form  wp_insert_user(['user_pass' => wp_slash(PASSWORD)]), as wp-admin/install.php does
 *         (wp_install(…, wp_slash($admin_password))) and as wp-login.php's forms hand on the slashed
 *         $_POST value: the hash of addslashes(PASSWORD).
 */
error_reporting(E_ALL & ~E_DEPRECATED);
if ($argc < 5 || !in_array($argv[4], array('api', 'form'), true)) {
    fwrite(STDERR, "usage: make-wp-user.php LOGIN EMAIL PASSWORD api|form [ROLE [WORDPRESS_DIR]]\n");
    exit(2);
}
$login = $argv[1];
$email = $argv[2];
$password = $argv[3];
$mode = $argv[4];
$role = $argv[5] ?? 'shop_manager';
$wp = rtrim($argv[6] ?? '/usr/share/wordpress', '/') . '/';

require __DIR__ . '/wp-shortinit.php';
require_once ABSPATH . WPINC . '/kses.php';   // pre_user_description runs wp_filter_kses
require_once ABSPATH . WPINC . '/blocks.php';  // … whose filters call filter_block_content()
require_once ABSPATH . WPINC . '/class-wp-block-parser.php';

$made = wp_insert_user(array(
    'user_login' => $login,
    'user_email' => $email,
    'user_pass' => $mode === 'form' ? wp_slash($password) : $password,
    'role' => $role,
));
if (is_wp_error($made)) {
    fwrite(STDERR, 'make-wp-user: ' . $made->get_error_message() . "\n");
    exit(1);
}
echo $made, "\n";

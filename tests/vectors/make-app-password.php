<?php
/*
 * tests/vectors/make-app-password.php — an application password made by WordPress's own code.
 *
 *     CARTMAN_DB_* env ... php tests/vectors/make-app-password.php USER_ID NAME [WORDPRESS_DIR]
 *
 * Loads Debian's WordPress (default /usr/share/wordpress, 6.1) against the test database
 * (wp-shortinit.php), requires the class WP_Application_Passwords beyond that, creates an
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

require __DIR__ . '/wp-shortinit.php';
require_once ABSPATH . WPINC . '/class-wp-application-passwords.php';

$made = WP_Application_Passwords::create_new_application_password($user_id, array('name' => $name));
if (is_wp_error($made)) {
    fwrite(STDERR, 'make-app-password: ' . $made->get_error_message() . "\n");
    exit(1);
}
echo WP_Application_Passwords::chunk_password($made[0]), "\n";

<?php
/*
 * tests/integration/wp-meta-display.php — what WooCommerce's REST API v3 prints as display_value of an
 * order item's text meta, computed by WordPress's own code (Debian's `wordpress` package):
 * wc_clean( wpautop( make_clickable( wp_kses_post( rawurldecode( $value ) ) ) ) ), as
 * WC_Order_Item::get_formatted_meta_data and WC_REST_Orders_V2_Controller do it.
 *
 *     php tests/integration/wp-meta-display.php VALUE...   → one JSON string per line
 *
 * formatting.php and kses.php are loaded without a database; the stubs below are what a site without
 * plugin filters would answer.
 */
function apply_filters($tag, $value) { return $value; }
function do_action() {}
function get_option($name, $default = false) { return $name === 'blog_charset' ? 'UTF-8' : $default; }
function is_admin() { return false; }
function current_filter() { return ''; }
function wp_installing() { return false; }
function _deprecated_function() {}
function has_filter() { return false; }
function is_multisite() { return false; }
function wp_allowed_protocols() {
    return array('http', 'https', 'ftp', 'ftps', 'mailto', 'news', 'irc', 'irc6', 'ircs', 'gopher', 'nntp', 'feed',
                 'telnet', 'mms', 'rtsp', 'sms', 'svn', 'tel', 'fax', 'xmpp', 'webcal', 'urn');
}
$wp = getenv('WORDPRESS_DIR') ?: '/usr/share/wordpress';
require "$wp/wp-includes/formatting.php";
require "$wp/wp-includes/kses.php";
foreach (array_slice($argv, 1) as $v) {
    // wc_clean() is sanitize_text_field() for a scalar
    echo json_encode(sanitize_text_field(wpautop(make_clickable(wp_kses_post(rawurldecode($v))))),
                     JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}

/*
 * tests/unit/test_wp_config.c — common/wp_config: wp-config.php texts and the settings they must give
 * (WordPress's own sample among them), texts that must be refused with the reason, and DB_HOST
 * splitting as wpdb::parse_db_host() does it. Expected values were checked against PHP 8.2 running
 * the same text and WordPress 6.1's parse_db_host().
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/wp_config.h"
#include "tests/tap.h"

/* WordPress 6.1's wp-config-sample.php (Debian's /usr/share/wordpress/wp-config-sample.php), verbatim. */
static const char wp_sample[] =
    "<?php\n"
    "/**\n"
    " * The base configuration for WordPress\n"
    " *\n"
    " * The wp-config.php creation script uses this file during the installation.\n"
    " * You don't have to use the web site, you can copy this file to \"wp-config.php\"\n"
    " * and fill in the values.\n"
    " *\n"
    " * This file contains the following configurations:\n"
    " *\n"
    " * * Database settings\n"
    " * * Secret keys\n"
    " * * Database table prefix\n"
    " * * ABSPATH\n"
    " *\n"
    " * @link https://wordpress.org/support/article/editing-wp-config-php/\n"
    " *\n"
    " * @package WordPress\n"
    " */\n"
    "\n"
    "// ** Database settings - You can get this info from your web host ** //\n"
    "/** The name of the database for WordPress */\n"
    "define( 'DB_NAME', 'database_name_here' );\n"
    "\n"
    "/** Database username */\n"
    "define( 'DB_USER', 'username_here' );\n"
    "\n"
    "/** Database password */\n"
    "define( 'DB_PASSWORD', 'password_here' );\n"
    "\n"
    "/** Database hostname */\n"
    "define( 'DB_HOST', 'localhost' );\n"
    "\n"
    "/** Database charset to use in creating database tables. */\n"
    "define( 'DB_CHARSET', 'utf8' );\n"
    "\n"
    "/** The database collate type. Don't change this if in doubt. */\n"
    "define( 'DB_COLLATE', '' );\n"
    "\n"
    "/**#@+\n"
    " * Authentication unique keys and salts.\n"
    " *\n"
    " * Change these to different unique phrases! You can generate these using\n"
    " * the {@link https://api.wordpress.org/secret-key/1.1/salt/ WordPress.org secret-key service}.\n"
    " *\n"
    " * You can change these at any point in time to invalidate all existing cookies.\n"
    " * This will force all users to have to log in again.\n"
    " *\n"
    " * @since 2.6.0\n"
    " */\n"
    "define( 'AUTH_KEY',         'put your unique phrase here' );\n"
    "define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );\n"
    "define( 'LOGGED_IN_KEY',    'put your unique phrase here' );\n"
    "define( 'NONCE_KEY',        'put your unique phrase here' );\n"
    "define( 'AUTH_SALT',        'put your unique phrase here' );\n"
    "define( 'SECURE_AUTH_SALT', 'put your unique phrase here' );\n"
    "define( 'LOGGED_IN_SALT',   'put your unique phrase here' );\n"
    "define( 'NONCE_SALT',       'put your unique phrase here' );\n"
    "\n"
    "/**#@-*/\n"
    "\n"
    "/**\n"
    " * WordPress database table prefix.\n"
    " *\n"
    " * You can have multiple installations in one database if you give each\n"
    " * a unique prefix. Only numbers, letters, and underscores please!\n"
    " */\n"
    "$table_prefix = 'wp_';\n"
    "\n"
    "/**\n"
    " * For developers: WordPress debugging mode.\n"
    " *\n"
    " * Change this to true to enable the display of notices during development.\n"
    " * It is strongly recommended that plugin and theme developers use WP_DEBUG\n"
    " * in their development environments.\n"
    " *\n"
    " * For information on other constants that can be used for debugging,\n"
    " * visit the documentation.\n"
    " *\n"
    " * @link https://wordpress.org/support/article/debugging-in-wordpress/\n"
    " */\n"
    "define( 'WP_DEBUG', false );\n"
    "\n"
    "/* Add any custom values between this line and the \"stop editing\" line. */\n"
    "\n"
    "\n"
    "\n"
    "/* That's all, stop editing! Happy publishing. */\n"
    "\n"
    "/** Absolute path to the WordPress directory. */\n"
    "if ( ! defined( 'ABSPATH' ) ) {\n"
    "\tdefine( 'ABSPATH', __DIR__ . '/' );\n"
    "}\n"
    "\n"
    "/** Sets up WordPress vars and included files. */\n"
    "require_once ABSPATH . 'wp-settings.php';\n"
    ;

/* The other required settings, for rows that test one key. */
#define REST_NO_PASSWORD "define('DB_NAME','n'); define('DB_USER','u'); define('DB_HOST','h'); $table_prefix = 'wp_';\n"
#define REST_NO_NAME "define('DB_USER','u'); define('DB_PASSWORD','p'); define('DB_HOST','h'); $table_prefix = 'wp_';\n"
#define REST "define('DB_NAME','n');\n" REST_NO_NAME

struct parse_row {
    const char *name;
    const char *src;
    const char *db_name, *db_user, *db_password, *db_host;
    const char *db_charset; /* NULL: not defined */
    const char *prefix;
};

static const struct parse_row parse_rows[] = {
    {"double quotes, odd spacing, ; and \\' in a password",
     "<?php\n"
     "define(\"DB_NAME\",\"shop\");define ( 'DB_USER' , \"cartman\" ) ;\n"
     "define(\"DB_PASSWORD\", 'p@ss;\\'word');\n"
     "define( 'DB_HOST', '127.0.0.1:3307' );\n"
     "$table_prefix = \"wc_\";\n",
     "shop", "cartman", "p@ss;'word", "127.0.0.1:3307", NULL, "wc_"},
    {"single-quote escapes: only \\' and \\\\",
     "<?php define('DB_NAME', 'it\\'s'); define('DB_USER', 'back\\\\slash'); define('DB_PASSWORD', 'a\\nb\\$c\\\"d');\n"
     "define('DB_HOST', 'localhost'); $table_prefix = 'wp_';",
     "it's", "back\\slash", "a\\nb\\$c\\\"d", "localhost", NULL, "wp_"},
    {"double-quote escapes",
     "<?php define(\"DB_NAME\", \"q\\\"b\\\\s\\$d\"); define('DB_USER', \"tab\\tnl\\ncr\\r\");\n"
     "define('DB_PASSWORD', \"\\x41\\101\\u{e9}\\u{1F600}\\q\\x\\v\\f\\e$ {x} \\{\");\n"
     "define('DB_HOST', \"localhost:/var/run/mysqld/mysqld.sock\"); $table_prefix = \"wp2_\";",
     "q\"b\\s$d", "tab\tnl\ncr\r", "AA\xc3\xa9\xf0\x9f\x98\x80\\q\\x\v\f\x1b$ {x} \\{",
     "localhost:/var/run/mysqld/mysqld.sock", NULL, "wp2_"},
    {"comments hide defines",
     "<?php\n"
     "// define('DB_NAME', 'line comment');\n"
     "# define('DB_NAME', 'hash comment');\n"
     "/* define('DB_NAME', 'block comment');\n"
     "   $table_prefix = 'bad-'; */\n"
     "/** define('DB_NAME', 'doc comment') */ define('DB_NAME', 'real'); // define('DB_USER', 'x');\n"
     "define('DB_USER', 'u'); define('DB_PASSWORD', 'p'); define('DB_HOST', 'h'); $table_prefix = 'wp_';\n",
     "real", "u", "p", "h", NULL, "wp_"},
    {"defines inside strings, heredocs and inline HTML do not count",
     "<html><?php define('DB_NAME', 'n'); ?> define('DB_USER', 'html');\n"
     "<?php $a = \"define('DB_USER', 'dq')\"; $b = 'define(\"DB_USER\", \"sq\")';\n"
     "$c = \"{$x[\"define('DB_USER', 'interp')\"]}\";\n"
     "$d = <<<EOT\n"
     "  define('DB_USER', 'heredoc');\n"
     "  EOT;\n"
     "$e = <<<'NOW'\n"
     "$table_prefix = 'nowdoc';\n"
     "NOW;\n"
     "$f = `define('DB_USER', 'shell')`;\n"
     "define('DB_USER', 'u') ?>\n"
     "<p>define('DB_PASSWORD', 'html again')</p>\n"
     "<?php define('DB_PASSWORD', 'p'); define('DB_HOST', 'h'); $table_prefix = 'wp_' ?>",
     "n", "u", "p", "h", NULL, "wp_"},
    {"a // comment ends at ?>",
     "<?php define('DB_NAME', 'n'); // comment ?> define('DB_USER', 'html') <?php\n" REST_NO_NAME,
     "n", "u", "p", "h", NULL, "wp_"},
    {"DEFINE is case-insensitive, methods and other constants are ignored",
     "<?php\n"
     "$obj->define('DB_NAME', getenv('X')); Foo::define('DB_NAME', 1); function define_it() {}\n"
     "define('WP_HOME', getenv('HOME') . '/x'); define('DB_COLLATE', '');\n"
     "if (!defined('DB_NAME')) DEFINE('DB_NAME', 'n');\n"
     "Define('DB_USER', 'u', true); define('DB_PASSWORD', ''); define('DB_HOST', '[::1]:3306');\n"
     "if (!isset($table_prefix)) { $table_prefix = 'Wp_2024_'; } global $table_prefix; echo $table_prefix == 'x';\n",
     "n", "u", "", "[::1]:3306", NULL, "Wp_2024_"},
    {"DB_CHARSET, also empty",
     "<?php define('DB_CHARSET', ''); " REST, "n", "u", "p", "h", "", "wp_"},
    {"b'' binary string prefix and CRLF line ends",
     "<?php\r\ndefine('DB_NAME', b'n');\r\ndefine('DB_CHARSET', B\"utf8mb4\");\r\n" REST_NO_NAME,
     "n", "u", "p", "h", "utf8mb4", "wp_"},
    {"WordPress's wp-config-sample.php", wp_sample,
     "database_name_here", "username_here", "password_here", "localhost", "utf8", "wp_"},
};

struct bad_row {
    const char *name;
    const char *src;
    size_t len; /* 0: strlen(src) */
    const char *err;
};

static const struct bad_row bad_rows[] = {
    {"getenv() value", "<?php define('DB_PASSWORD', getenv('WP_DB_PASSWORD')); " REST, 0,
     "DB_PASSWORD is not a string literal"},
    {"concatenated value", "<?php define('DB_NAME', 'shop' . '_prod'); " REST_NO_NAME, 0,
     "DB_NAME is not a string literal"},
    {"interpolated value", "<?php define('DB_USER', \"user_$suffix\"); " REST, 0, "DB_USER is not a string literal"},
    {"{$} interpolated value", "<?php define('DB_USER', \"{$u}\"); " REST, 0, "DB_USER is not a string literal"},
    {"constant value", "<?php define('DB_HOST', MY_DB_HOST); " REST, 0, "DB_HOST is not a string literal"},
    {"heredoc value", "<?php define('DB_HOST', <<<EOT\nlocalhost\nEOT); " REST, 0, "DB_HOST is not a string literal"},
    {"number value", "<?php define('DB_PASSWORD', 1234); " REST, 0, "DB_PASSWORD is not a string literal"},
    {"bad \\u{} escape", "<?php define('DB_PASSWORD', \"\\u{110000}\"); " REST, 0, "DB_PASSWORD is not a string literal"},
    {"defined twice", "<?php define('DB_NAME', 'a'); " REST, 0, "DB_NAME is defined more than once"},
    {"defined twice in if/else",
     "<?php if (getenv('PROD')) { define('DB_HOST', 'db1'); } else { define('DB_HOST', 'db2'); } " REST, 0,
     "DB_HOST is defined more than once"},
    {"NUL from an escape", "<?php define('DB_PASSWORD', \"a\\0b\"); " REST, 0, "DB_PASSWORD contains a NUL byte"},
    {"missing DB_HOST", "<?php define('DB_NAME','n'); define('DB_USER','u'); define('DB_PASSWORD','p'); $table_prefix='wp_';",
     0, "DB_HOST is not defined"},
    {"missing DB_NAME", "<?php " REST_NO_NAME, 0, "DB_NAME is not defined"},
    {"missing $table_prefix", "<?php define('DB_NAME','n'); define('DB_USER','u'); define('DB_PASSWORD','p'); define('DB_HOST','h');",
     0, "$table_prefix is not set"},
    {"no <?php tag", "define('DB_NAME','n'); " REST_NO_NAME, 0, "DB_NAME is not defined"},
    {"<?phpx is not an open tag", "<?phpx define('DB_NAME','n'); " REST_NO_NAME, 0, "DB_NAME is not defined"},
    {"prefix with a dash", "<?php $table_prefix = 'wp-'; " REST_NO_NAME, 0,
     "$table_prefix may only contain A-Z, a-z, 0-9 and _"},
    {"prefix with a space", "<?php $table_prefix = \"wp _\"; " REST_NO_NAME, 0,
     "$table_prefix may only contain A-Z, a-z, 0-9 and _"},
    {"empty prefix", "<?php " REST_NO_NAME "$table_prefix = '';", 0, "$table_prefix is assigned more than once"},
    {"prefix from getenv", "<?php $table_prefix = getenv('P') ?: 'wp_'; " REST_NO_NAME, 0,
     "$table_prefix is not a string literal"},
    {"prefix concatenated", "<?php $table_prefix = 'wp_' . 'x'; " REST_NO_NAME, 0,
     "$table_prefix is not a string literal"},
    {"prefix appended", "<?php " REST "$table_prefix .= 'x';", 0, "$table_prefix is not a string literal"},
    {"prefix too long",
     "<?php $table_prefix = 'a23456789012345678901234567890123456789012345678901234567890123456789';" REST_NO_NAME, 0,
     "$table_prefix is longer than LIMIT_TABLE_PREFIX_BYTES"},
    {"unterminated string", "<?php define('DB_NAME', 'n);", 0, "unterminated string"},
    {"unterminated double-quoted string", "<?php define('DB_NAME', \"n\\\");", 0, "unterminated string"},
    {"unterminated comment", "<?php /* define('DB_NAME', 'n');", 0, "unterminated comment"},
    {"unterminated heredoc", "<?php $x = <<<EOT\nabc\n", 0, "unterminated heredoc"},
};

struct split_row {
    const char *in;
    int rc;
    const char *host;
    unsigned port;
    const char *socket;
};

static const struct split_row split_rows[] = {
    {"localhost", 0, "localhost", 0, ""},
    {"127.0.0.1:3307", 0, "127.0.0.1", 3307, ""},
    {"localhost:/var/run/mysqld/mysqld.sock", 0, "localhost", 0, "/var/run/mysqld/mysqld.sock"},
    {":/tmp/mysql.sock", 0, "", 0, "/tmp/mysql.sock"},
    {"[::1]:3306", 0, "::1", 3306, ""},
    {"[::1]", 0, "::1", 0, ""},
    {"::1", 0, "::1", 0, ""},
    {"2001:db8::5", 0, "2001:db8::5", 0, ""},
    {"[2001:db8::5]:3310:/tmp/s.sock", 0, "2001:db8::5", 3310, "/tmp/s.sock"},
    {"db.example.com:0", 0, "db.example.com", 0, ""},
    {"db.example.com:abc", 0, "db.example.com", 0, ""},
    {"127.0.0.1:3306/x", 0, "127.0.0.1", 3306, ""},
    {"0:3306", 0, "", 3306, ""},
    {"", 0, "", 0, ""},
    {"db:65535", 0, "db", 65535, ""},
    {"db:65536", -1, "", 0, ""},
    {"db:99999999999999999999999", -1, "", 0, ""},
    {"zz::1", -1, "", 0, ""},
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
        const struct parse_row *r = &parse_rows[i];
        struct wp_config c;
        const char *err = NULL;
        char name[160];
        int rc = wp_config_parse(r->src, strlen(r->src), &c, &err);
        if (!tap_ok(rc == 0, "parses: %s", r->name))
            tap_diag("  error: %s", err);
        snprintf(name, sizeof name, "%s: DB_NAME", r->name);
        TAP_EQ_STR(c.db_name, r->db_name, name);
        snprintf(name, sizeof name, "%s: DB_USER", r->name);
        TAP_EQ_STR(c.db_user, r->db_user, name);
        snprintf(name, sizeof name, "%s: DB_PASSWORD", r->name);
        TAP_EQ_STR(c.db_password, r->db_password, name);
        snprintf(name, sizeof name, "%s: DB_HOST", r->name);
        TAP_EQ_STR(c.db_host, r->db_host, name);
        snprintf(name, sizeof name, "%s: DB_CHARSET", r->name);
        TAP_EQ_INT(c.has_charset, r->db_charset != NULL, name);
        TAP_EQ_STR(c.db_charset, r->db_charset ? r->db_charset : "", name);
        snprintf(name, sizeof name, "%s: $table_prefix", r->name);
        TAP_EQ_STR(c.table_prefix, r->prefix, name);
    }
}

static void test_rejects(void)
{
    for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
        const struct bad_row *r = &bad_rows[i];
        struct wp_config c;
        const char *err = NULL;
        size_t len = r->len ? r->len : strlen(r->src);
        int rc = wp_config_parse(r->src, len, &c, &err);
        TAP_EQ_INT(rc, -1, r->name);
        TAP_EQ_STR(err, r->err, r->name);
        tap_ok(c.db_name[0] == '\0' && c.table_prefix[0] == '\0', "%s: output zeroed", r->name);
    }
}

static void test_limits(void)
{
    struct wp_config c;
    const char *err = NULL;
    char src[1024];
    char value[LIMIT_WP_CONFIG_VALUE_BYTES + 2];
    int rc;

    memset(value, 'x', sizeof value - 1);
    value[LIMIT_WP_CONFIG_VALUE_BYTES] = '\0';
    snprintf(src, sizeof src, "<?php define('DB_PASSWORD', '%s'); %s", value, REST_NO_PASSWORD);
    rc = wp_config_parse(src, strlen(src), &c, &err);
    TAP_EQ_INT(rc, 0, "a value of LIMIT_WP_CONFIG_VALUE_BYTES fits");
    TAP_EQ_INT(strlen(c.db_password), LIMIT_WP_CONFIG_VALUE_BYTES, "and is kept whole");
    value[LIMIT_WP_CONFIG_VALUE_BYTES] = 'x';
    value[LIMIT_WP_CONFIG_VALUE_BYTES + 1] = '\0';
    snprintf(src, sizeof src, "<?php define('DB_PASSWORD', '%s'); %s", value, REST_NO_PASSWORD);
    rc = wp_config_parse(src, strlen(src), &c, &err);
    TAP_EQ_INT(rc, -1, "a value one byte longer is refused");
    TAP_EQ_STR(err, "DB_PASSWORD is longer than LIMIT_WP_CONFIG_VALUE_BYTES", "with the key named");

    /* the 'a\0b' row above was cut by strlen(); with the real length the NUL is refused */
    static const char nul_src[] = "<?php define('DB_NAME', 'a\0b'); " REST_NO_NAME;
    rc = wp_config_parse(nul_src, sizeof nul_src - 1, &c, &err);
    TAP_EQ_INT(rc, -1, "a NUL byte inside a value is refused");
    TAP_EQ_STR(err, "DB_NAME contains a NUL byte", "NUL byte error");

    /* counted input: bytes after len are never read */
    static const char cut[] = "<?php " REST "define('DB_CHARSET', 'latin1');";
    rc = wp_config_parse(cut, strlen(cut) - strlen("define('DB_CHARSET', 'latin1');"), &c, &err);
    TAP_EQ_INT(rc, 0, "stops at len");
    TAP_EQ_INT(c.has_charset, 0, "nothing after len is read");

    size_t big = (size_t)LIMIT_WP_CONFIG_BYTES + 1;
    char *huge = malloc(big);
    if (huge == NULL)
        abort();
    memset(huge, ' ', big);
    rc = wp_config_parse(huge, big, &c, &err);
    TAP_EQ_INT(rc, -1, "input over LIMIT_WP_CONFIG_BYTES is refused");
    TAP_EQ_STR(err, "wp-config.php is larger than LIMIT_WP_CONFIG_BYTES", "size error");
    free(huge);
}

static void test_split_host(void)
{
    for (size_t i = 0; i < sizeof split_rows / sizeof split_rows[0]; i++) {
        const struct split_row *r = &split_rows[i];
        char host[64], sock[64], name[96];
        unsigned port = 12345;
        int rc = wp_config_split_host(r->in, host, sizeof host, &port, sock, sizeof sock);
        snprintf(name, sizeof name, "split '%s'", r->in);
        TAP_EQ_INT(rc, r->rc, name);
        if (r->rc != 0)
            continue;
        TAP_EQ_STR(host, r->host, name);
        TAP_EQ_INT(port, r->port, name);
        TAP_EQ_STR(sock, r->socket, name);
    }

    char small[4], sock[64];
    unsigned port;
    TAP_EQ_INT(wp_config_split_host("localhost", small, sizeof small, &port, sock, sizeof sock), -1,
               "host that does not fit is refused");
    TAP_EQ_INT(wp_config_split_host("h:/var/run/mysqld/mysqld.sock", sock, sizeof sock, &port, small, sizeof small), -1,
               "socket that does not fit is refused");
}

int main(void)
{
    test_parse();
    test_rejects();
    test_limits();
    test_split_host();
    return tap_done();
}

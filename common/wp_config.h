/*
 * common/wp_config.h — the database settings and table prefix of a real WordPress wp-config.php.
 *
 * Reads, without running any PHP: define('DB_NAME' | 'DB_USER' | 'DB_PASSWORD' | 'DB_HOST' |
 * 'DB_CHARSET', <value>) and `$table_prefix = <value>;`. The file is tokenised as PHP does: text
 * outside <?php ... ?> (or <?= ... ?>) is ignored, and so is everything in //, # and block comments,
 * inside other strings and in heredocs, so a commented-out define() never counts. define is matched
 * case-insensitively (PHP function names are), not after ->, ?->, :: or `function`.
 *
 * Values must be one string literal: '...' (escapes \' and \\ only) or "..." (escapes \" \\ \$ \n
 * \t \r \v \e \f, octal \0-\377, \xHH, \u{...}; unknown escapes stay as written, as in PHP). A value
 * built from anything else (getenv(), constants, concatenation, "$interpolation", heredoc) is an
 * error naming the key ("DB_PASSWORD is not a string literal") — we never guess.
 *
 * Control flow is not evaluated, so a key defined twice (or $table_prefix assigned twice, or
 * changed with .=) is an error rather than a guess which branch runs. DB_NAME, DB_USER,
 * DB_PASSWORD, DB_HOST and $table_prefix are required; DB_CHARSET is optional. Values longer than
 * LIMIT_WP_CONFIG_VALUE_BYTES or containing a NUL byte are errors. $table_prefix must match
 * [A-Za-z0-9_]+ (WordPress refuses other characters) and fit LIMIT_TABLE_PREFIX_BYTES.
 * Files included with require/include are not followed.
 */
#ifndef COMMON_WP_CONFIG_H
#define COMMON_WP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/limits.h"

struct wp_config {
    char db_name[LIMIT_WP_CONFIG_VALUE_BYTES + 1];
    char db_user[LIMIT_WP_CONFIG_VALUE_BYTES + 1];
    char db_password[LIMIT_WP_CONFIG_VALUE_BYTES + 1];
    char db_host[LIMIT_WP_CONFIG_VALUE_BYTES + 1]; /* as written; split it with wp_config_split_host */
    char db_charset[LIMIT_WP_CONFIG_VALUE_BYTES + 1]; /* "" when not defined */
    bool has_charset;                                 /* DB_CHARSET was defined (possibly as '') */
    char table_prefix[LIMIT_TABLE_PREFIX_BYTES + 1];
};

/*
 * Parses len bytes of wp-config.php text (not NUL-terminated, at most LIMIT_WP_CONFIG_BYTES).
 * Returns 0 and fills *out (all strings NUL-terminated), or -1 with *err set to a static message and
 * *out zeroed.
 */
int wp_config_parse(const char *src, size_t len, struct wp_config *out, const char **err);

/*
 * Splits a DB_HOST value as WordPress's wpdb::parse_db_host() does before mysqli_real_connect():
 *   "localhost"                              → host "localhost", port 0, socket ""
 *   "127.0.0.1:3307"                         → host "127.0.0.1", port 3307
 *   "localhost:/var/run/mysqld/mysqld.sock"  → host "localhost", socket "/var/run/mysqld/mysqld.sock"
 *   ":/tmp/mysql.sock"                       → host "", socket "/tmp/mysql.sock"
 *   "[::1]:3306"                             → host "::1", port 3306 (two or more ':' mean IPv6;
 *                                              brackets are dropped, as libmysqlclient wants)
 * The socket is everything after the first ":/" (the '/' included). A port of 0 or none gives 0
 * (the client default); text after the port is ignored, as WordPress's unanchored pattern does.
 * Returns 0, or -1 when the value does not parse (an IPv6 form without a hex address), the port is
 * above 65535, or host/socket do not fit hostlen/socketlen (including the NUL).
 */
int wp_config_split_host(const char *db_host, char *host, size_t hostlen, unsigned *port, char *socket,
                         size_t socketlen);

#endif

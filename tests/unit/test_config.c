/*
 * tests/unit/test_config.c — common/config: defaults, the --config file, a real wp-config.php, the
 * CARTMAN_* environment, and which source wins.
 */
#include <stdlib.h>
#include <unistd.h>

#include "common/config.h"
#include "tests/tap.h"

static char *write_temp(const char *text)
{
    static char paths[8][64];
    static int n;
    char *p = paths[n++ % 8];
    snprintf(p, 64, "/tmp/cartman-config-XXXXXX");
    int fd = mkstemp(p);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        abort();
    close(fd);
    return p;
}

static const char WP_CONFIG[] = "<?php\n"
                                "// ** Database settings - You can get this info from your web host ** //\n"
                                "define( 'DB_NAME', 'shop_db' );\n"
                                "define( 'DB_USER', 'shop_user' );\n"
                                "define( 'DB_PASSWORD', 'p@ss;\\'word#1' );\n"
                                "define( 'DB_HOST', 'db.internal:3307' );\n"
                                "/* define( 'DB_HOST', 'commented-out' ); */\n"
                                "$table_prefix = 'shop7_';\n"
                                "require_once ABSPATH . 'wp-settings.php';\n";

int main(void)
{
    struct config c;
    char err[512];
    const char *empty_env[] = {NULL};

    tap_ok(config_load(&c, CONFIG_APID, NULL, empty_env, err, sizeof err) == 0, "defaults load");
    TAP_EQ_STR(c.listen, "127.0.0.1:9443", "apid listens on 9443 by default");
    TAP_EQ_STR(c.db_prefix, "wp_", "default table prefix");
    tap_ok(c.access_log, "access log on by default");
    config_load(&c, CONFIG_AUTHD, NULL, empty_env, err, sizeof err);
    TAP_EQ_STR(c.listen, "127.0.0.1:8443", "authd listens on 8443 by default");

    char *file = write_temp("# deployment\n"
                            "db_host = file-host\n"
                            "db_name = from_file\n"
                            "workers = 3\n"
                            "access_log = off\n"
                            "db_password = \"with # hash\"\n");
    tap_ok(config_load(&c, CONFIG_APID, file, empty_env, err, sizeof err) == 0, "config file loads");
    TAP_EQ_STR(c.db_host, "file-host", "file sets db_host");
    TAP_EQ_INT(c.workers, 3, "file sets workers");
    tap_ok(!c.access_log, "file turns the access log off");
    TAP_EQ_STR(c.db_password, "with # hash", "quoted value keeps its #");

    const char *env[] = {"CARTMAN_DB_HOST=env-host", "CARTMAN_WORKERS=5", "CARTMAN_UNRELATED_SCRIPT_VAR=1", "PATH=/bin", NULL};
    tap_ok(config_load(&c, CONFIG_APID, file, env, err, sizeof err) == 0, "file + environment load");
    TAP_EQ_STR(c.db_host, "env-host", "the environment wins over the file");
    TAP_EQ_INT(c.workers, 5, "CARTMAN_WORKERS");
    TAP_EQ_STR(c.db_name, "from_file", "file values the environment does not set stay");

    char *bad_file = write_temp("no_such_key = 1\n");
    tap_ok(config_load(&c, CONFIG_APID, bad_file, empty_env, err, sizeof err) == -1 && strstr(err, "no_such_key") &&
               strstr(err, "line 1"),
           "an unknown key in the file is an error naming it and its line (%s)", err);
    const char *bad_env[] = {"CARTMAN_WORKERS=many", NULL};
    tap_ok(config_load(&c, CONFIG_APID, NULL, bad_env, err, sizeof err) == -1 && strstr(err, "CARTMAN_WORKERS"),
           "a malformed environment value is an error naming the variable (%s)", err);
    const char *too_many[] = {"CARTMAN_WORKERS=1000", NULL};
    tap_ok(config_load(&c, CONFIG_APID, NULL, too_many, err, sizeof err) == -1, "workers are capped");
    tap_ok(config_load(&c, CONFIG_APID, "/nonexistent/cartman.conf", empty_env, err, sizeof err) == -1,
           "a missing config file is an error");

    /* wp-config.php: database settings and table prefix */
    char *wp = write_temp(WP_CONFIG);
    char wp_env_buf[128];
    snprintf(wp_env_buf, sizeof wp_env_buf, "CARTMAN_WP_CONFIG=%s", wp);
    const char *wp_env[] = {wp_env_buf, NULL};
    tap_ok(config_load(&c, CONFIG_APID, NULL, wp_env, err, sizeof err) == 0, "wp-config.php loads (%s)", err);
    TAP_EQ_STR(c.db_name, "shop_db", "DB_NAME");
    TAP_EQ_STR(c.db_user, "shop_user", "DB_USER");
    TAP_EQ_STR(c.db_password, "p@ss;'word#1", "DB_PASSWORD with an escaped quote");
    TAP_EQ_STR(c.db_host, "db.internal", "DB_HOST host part (not the commented-out one)");
    TAP_EQ_INT(c.db_port, 3307, "DB_HOST port part");
    TAP_EQ_STR(c.db_prefix, "shop7_", "$table_prefix");

    const char *wp_env2[] = {wp_env_buf, "CARTMAN_DB_PREFIX=override_", NULL};
    config_load(&c, CONFIG_APID, NULL, wp_env2, err, sizeof err);
    TAP_EQ_STR(c.db_prefix, "override_", "an explicit setting wins over wp-config.php");

    char wp_file_line[160];
    snprintf(wp_file_line, sizeof wp_file_line, "wp_config = %s\ndb_user = file_user\n", wp);
    char *file_with_wp = write_temp(wp_file_line);
    tap_ok(config_load(&c, CONFIG_APID, file_with_wp, empty_env, err, sizeof err) == 0, "wp_config named in the file");
    TAP_EQ_STR(c.db_name, "shop_db", "read from the wp-config.php the file names");
    TAP_EQ_STR(c.db_user, "file_user", "and the file's own settings win");

    char *socket_wp = write_temp("<?php define('DB_NAME','n'); define('DB_USER','u'); define('DB_PASSWORD','');"
                                 " define('DB_HOST','localhost:/run/mysqld/mysqld.sock'); $table_prefix='wp_';");
    snprintf(wp_env_buf, sizeof wp_env_buf, "CARTMAN_WP_CONFIG=%s", socket_wp);
    tap_ok(config_load(&c, CONFIG_APID, NULL, wp_env, err, sizeof err) == 0, "socket DB_HOST loads");
    TAP_EQ_STR(c.db_socket, "/run/mysqld/mysqld.sock", "socket path from DB_HOST");
    struct db_config dc = config_db(&c);
    tap_ok(dc.host == NULL && dc.socket != NULL, "a socket DB_HOST connects through the socket");

    char *bad_wp = write_temp("<?php define('DB_NAME', getenv('X')); define('DB_USER','u'); define('DB_PASSWORD','');"
                              " define('DB_HOST','h'); $table_prefix='wp_';");
    snprintf(wp_env_buf, sizeof wp_env_buf, "CARTMAN_WP_CONFIG=%s", bad_wp);
    tap_ok(config_load(&c, CONFIG_APID, NULL, wp_env, err, sizeof err) == -1 && strstr(err, "DB_NAME"),
           "a computed DB_NAME is an error naming it (%s)", err);

    /* reverse proxies */
    tap_ok(c.trusted.n == 0 && !c.proxy_forwarded, "by default no proxy is trusted and X-Forwarded-* is the family");
    const char *proxy_env[] = {"CARTMAN_TRUSTED_PROXIES=10.0.0.0/8, 2001:db8::/32", "CARTMAN_PROXY_HEADER=Forwarded", NULL};
    tap_ok(config_load(&c, CONFIG_APID, NULL, proxy_env, err, sizeof err) == 0 && c.trusted.n == 2 && c.proxy_forwarded,
           "trusted_proxies parsed into two ranges, proxy_header forwarded");
    const char *bad_proxy_env[] = {"CARTMAN_TRUSTED_PROXIES=10.0.0.0/8 proxy.example", NULL};
    tap_ok(config_load(&c, CONFIG_APID, NULL, bad_proxy_env, err, sizeof err) == -1 && strstr(err, "trusted_proxies"),
           "a name in trusted_proxies is an error naming the key (%s)", err);
    const char *bad_header_env[] = {"CARTMAN_PROXY_HEADER=x-real-ip", NULL};
    tap_ok(config_load(&c, CONFIG_APID, NULL, bad_header_env, err, sizeof err) == -1 && strstr(err, "proxy_header"),
           "an unknown proxy_header is an error (%s)", err);

    unlink(file);
    unlink(bad_file);
    unlink(wp);
    unlink(file_with_wp);
    unlink(socket_wp);
    unlink(bad_wp);
    return tap_done();
}

/*
 * common/config.c — loading deployment settings from defaults, wp-config.php, a file and the environment.
 *
 * Owns the table of settings (key, type, where it is stored) and the order of sources. The parsing of
 * the two file formats is in common/config_file.c and common/wp_config.c; this file only reads files
 * (bounded by limits.h) and applies what they say.
 */
#include "common/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config_file.h"
#include "common/limits.h"
#include "common/wp_config.h"

enum setting_type { SET_STR, SET_UINT, SET_BOOL };

struct setting {
    const char *key;
    enum setting_type type;
    size_t offset;
};

#define STR(k, field) {k, SET_STR, offsetof(struct config, field)}
#define UINT(k, field) {k, SET_UINT, offsetof(struct config, field)}
#define BOOL(k, field) {k, SET_BOOL, offsetof(struct config, field)}

static const struct setting settings[] = {
    STR("db_host", db_host),         UINT("db_port", db_port),       STR("db_socket", db_socket),
    STR("db_user", db_user),         STR("db_password", db_password), STR("db_name", db_name),
    STR("db_prefix", db_prefix),     STR("wp_config", wp_config),    STR("listen", listen),
    STR("listen_h2c", listen_h2c),   STR("tls_cert", tls_cert),      STR("tls_key", tls_key),
    UINT("workers", workers),        BOOL("access_log", access_log), STR("authd_url", authd_url),
    STR("apid_url", apid_url),       STR("signing_key", signing_key), BOOL("dev_mode", dev_mode),
    STR("log_level", log_level),     STR("smtp_url", smtp_url),      STR("templates_dir", templates_dir),
    STR("authd_ca", authd_ca),       STR("smtp_tls", smtp_tls),      STR("smtp_ca", smtp_ca),
    STR("trusted_proxies", trusted_proxies), STR("proxy_header", proxy_header),
    UINT("order_cache_ttl", order_cache_ttl),
};

void config_defaults(struct config *cfg, enum config_daemon which)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->db_host, sizeof cfg->db_host, "127.0.0.1");
    cfg->db_port = 3306;
    snprintf(cfg->db_prefix, sizeof cfg->db_prefix, "wp_");
    snprintf(cfg->listen, sizeof cfg->listen, "%s", which == CONFIG_AUTHD ? "127.0.0.1:8443" : "127.0.0.1:9443");
    snprintf(cfg->authd_url, sizeof cfg->authd_url, "https://127.0.0.1:8443");
    snprintf(cfg->apid_url, sizeof cfg->apid_url, "https://127.0.0.1:9443");
    snprintf(cfg->log_level, sizeof cfg->log_level, "info");
    snprintf(cfg->templates_dir, sizeof cfg->templates_dir, "templates");
    snprintf(cfg->smtp_tls, sizeof cfg->smtp_tls, "auto");
    snprintf(cfg->proxy_header, sizeof cfg->proxy_header, "x-forwarded");
    cfg->access_log = true;
    cfg->order_cache_ttl = 10;
}

static const struct setting *find_setting(const char *key, size_t keylen)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (strlen(settings[i].key) == keylen && memcmp(settings[i].key, key, keylen) == 0)
            return &settings[i];
    return NULL;
}

static int parse_bool(const char *v, size_t n, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strlen(yes[i]) == n && strncasecmp(v, yes[i], n) == 0)
            return *out = true, 0;
        if (strlen(no[i]) == n && strncasecmp(v, no[i], n) == 0)
            return *out = false, 0;
    }
    return -1;
}

static int parse_uint(const char *v, size_t n, unsigned *out)
{
    if (n == 0 || n > 9)
        return -1;
    unsigned x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (unsigned)(v[i] - '0');
    }
    *out = x;
    return 0;
}

int config_set(struct config *cfg, const char *key, size_t keylen, const char *value, size_t valuelen, char *err,
               size_t errlen)
{
    const struct setting *s = find_setting(key, keylen);
    if (s == NULL) {
        snprintf(err, errlen, "unknown setting '%.*s'", (int)(keylen > 64 ? 64 : keylen), key);
        return -1;
    }
    char *field = (char *)cfg + s->offset;
    switch (s->type) {
    case SET_STR:
        if (valuelen >= CONFIG_STR || memchr(value, '\0', valuelen) != NULL) {
            snprintf(err, errlen, "%s: value too long or contains NUL", s->key);
            return -1;
        }
        memcpy(field, value, valuelen);
        field[valuelen] = '\0';
        return 0;
    case SET_UINT:
        if (parse_uint(value, valuelen, (unsigned *)(void *)field) != 0) {
            snprintf(err, errlen, "%s: expected a whole number", s->key);
            return -1;
        }
        return 0;
    case SET_BOOL:
        if (parse_bool(value, valuelen, (bool *)(void *)field) != 0) {
            snprintf(err, errlen, "%s: expected true/false, yes/no, on/off or 1/0", s->key);
            return -1;
        }
        return 0;
    }
    return -1;
}

/* Reads a whole regular file of at most max bytes into a malloc'd buffer. */
static char *read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        snprintf(err, errlen, "%s: not a regular file of at most %zu bytes", path, max);
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        abort();
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0) {
            snprintf(err, errlen, "%s: read failed", path);
            free(buf);
            close(fd);
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

struct file_ctx {
    struct config *cfg;
    char *err;
    size_t errlen;
};

static int on_file_entry(const char *key, size_t keylen, const char *value, size_t valuelen, unsigned line, void *ud)
{
    struct file_ctx *fc = ud;
    char why[256];
    if (config_set(fc->cfg, key, keylen, value, valuelen, why, sizeof why) != 0) {
        snprintf(fc->err, fc->errlen, "line %u: %s", line, why);
        return -1;
    }
    return 0;
}

static int load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = read_file(path, LIMIT_CONFIG_FILE_BYTES, &len, err, errlen);
    if (text == NULL)
        return -1;
    char why[300] = "";
    struct file_ctx fc = {cfg, why, sizeof why};
    const char *perr = NULL;
    unsigned line = 0;
    int rc = config_file_parse(text, len, on_file_entry, &fc, &perr, &line);
    if (rc != 0) {
        if (why[0])
            snprintf(err, errlen, "%s: %s", path, why);
        else
            snprintf(err, errlen, "%s: line %u: %s", path, line, perr ? perr : "syntax error");
    }
    free(text);
    return rc;
}

static int load_wp_config(struct config *cfg, char *err, size_t errlen)
{
    size_t len;
    char *text = read_file(cfg->wp_config, LIMIT_WP_CONFIG_BYTES, &len, err, errlen);
    if (text == NULL)
        return -1;
    struct wp_config wp;
    const char *perr = NULL;
    int rc = wp_config_parse(text, len, &wp, &perr);
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", cfg->wp_config, perr ? perr : "cannot read the database settings");
        return -1;
    }
    char host[CONFIG_STR], sock[CONFIG_STR];
    unsigned port = 0;
    if (wp_config_split_host(wp.db_host, host, sizeof host, &port, sock, sizeof sock) != 0) {
        snprintf(err, errlen, "%s: DB_HOST is not host[:port] or host:/socket", cfg->wp_config);
        return -1;
    }
    snprintf(cfg->db_host, sizeof cfg->db_host, "%s", strcmp(host, "localhost") == 0 && sock[0] ? "" : host);
    cfg->db_port = port ? port : 3306;
    snprintf(cfg->db_socket, sizeof cfg->db_socket, "%s", sock);
    snprintf(cfg->db_user, sizeof cfg->db_user, "%s", wp.db_user);
    snprintf(cfg->db_password, sizeof cfg->db_password, "%s", wp.db_password);
    snprintf(cfg->db_name, sizeof cfg->db_name, "%s", wp.db_name);
    snprintf(cfg->db_prefix, sizeof cfg->db_prefix, "%s", wp.table_prefix);
    return 0;
}

/* Applies CARTMAN_<KEY> variables; `only` limits it to one key (NULL: all). */
static int load_env(struct config *cfg, const char *const *envp, const char *only, char *err, size_t errlen)
{
    static const char P[] = "CARTMAN_";
    for (const char *const *e = envp; e && *e; e++) {
        if (strncmp(*e, P, sizeof P - 1) != 0)
            continue;
        const char *name = *e + sizeof P - 1, *eq = strchr(name, '=');
        if (eq == NULL)
            continue;
        char key[64];
        size_t n = (size_t)(eq - name);
        if (n == 0 || n >= sizeof key)
            continue;
        for (size_t i = 0; i < n; i++)
            key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
        key[n] = '\0';
        if (only ? strcmp(key, only) != 0 : find_setting(key, n) == NULL)
            continue; /* other CARTMAN_* variables belong to scripts and tests */
        char why[256];
        if (config_set(cfg, key, n, eq + 1, strlen(eq + 1), why, sizeof why) != 0) {
            snprintf(err, errlen, "CARTMAN_%.*s: %s", (int)n, name, why);
            return -1;
        }
    }
    return 0;
}

int config_load(struct config *cfg, enum config_daemon which, const char *config_path, const char *const *envp, char *err,
                size_t errlen)
{
    config_defaults(cfg, which);
    /* wp-config.php first, so that explicit settings override what it says */
    if (load_env(cfg, envp, "wp_config", err, errlen) != 0)
        return -1;
    if (config_path && !cfg->wp_config[0]) {
        struct config probe;
        config_defaults(&probe, which);
        if (load_file(&probe, config_path, err, errlen) != 0)
            return -1;
        memcpy(cfg->wp_config, probe.wp_config, sizeof cfg->wp_config);
    }
    if (cfg->wp_config[0] && load_wp_config(cfg, err, errlen) != 0)
        return -1;
    if (config_path && load_file(cfg, config_path, err, errlen) != 0)
        return -1;
    if (load_env(cfg, envp, NULL, err, errlen) != 0)
        return -1;
    if (cfg->workers > LIMIT_WORKERS) {
        snprintf(err, errlen, "workers: at most %d", LIMIT_WORKERS);
        return -1;
    }
    if (cfg->order_cache_ttl > LIMIT_ORDER_CACHE_TTL_S) {
        snprintf(err, errlen, "order_cache_ttl: at most %d seconds", LIMIT_ORDER_CACHE_TTL_S);
        return -1;
    }
    const char *why = NULL;
    if (cidr_list_parse(cfg->trusted_proxies, strlen(cfg->trusted_proxies), &cfg->trusted, &why) != 0) {
        snprintf(err, errlen, "trusted_proxies: %s (a list of addresses or CIDR ranges is expected)", why);
        return -1;
    }
    if (strcasecmp(cfg->proxy_header, "x-forwarded") == 0) {
        cfg->proxy_forwarded = false;
    } else if (strcasecmp(cfg->proxy_header, "forwarded") == 0) {
        cfg->proxy_forwarded = true;
    } else {
        snprintf(err, errlen, "proxy_header: expected x-forwarded or forwarded");
        return -1;
    }
    return 0;
}

struct db_config config_db(const struct config *cfg)
{
    return (struct db_config){
        .host = cfg->db_host[0] ? cfg->db_host : NULL,
        .port = cfg->db_port,
        .socket = cfg->db_socket[0] ? cfg->db_socket : NULL,
        .user = cfg->db_user,
        .password = cfg->db_password,
        .name = cfg->db_name,
        .prefix = cfg->db_prefix,
    };
}

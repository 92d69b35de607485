/*
 * common/config.h — deployment settings of both daemons.
 *
 * Sources, later ones winning: built-in defaults; the database settings and $table_prefix of a real
 * WordPress wp-config.php (CARTMAN_WP_CONFIG or `wp_config = …`); a `key = value` file given with
 * --config; CARTMAN_* environment variables (key `db_host` ↔ CARTMAN_DB_HOST). Run-time policy
 * (HTTPS enforcement, allowlists, rate limits) is not here: it lives in the database.
 */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cidr.h"
#include "common/db.h"

#define CONFIG_STR 512

struct config {
    /* database */
    char db_host[CONFIG_STR];
    unsigned db_port;
    char db_socket[CONFIG_STR];
    char db_user[CONFIG_STR];
    char db_password[CONFIG_STR];
    char db_name[CONFIG_STR];
    char db_prefix[CONFIG_STR];
    char wp_config[CONFIG_STR]; /* path of wp-config.php, read at load time */
    /* HTTP */
    char listen[CONFIG_STR];     /* TLS listener, host:port */
    char listen_h2c[CONFIG_STR]; /* optional cleartext listener (HTTP/1.1 and h2c), host:port */
    char tls_cert[CONFIG_STR];
    char tls_key[CONFIG_STR];
    unsigned workers; /* 0: one per CPU */
    unsigned order_cache_ttl; /* apid: age limit in seconds of rendered orders kept in memory; 0: none kept */
    bool access_log;
    /* reverse proxies: only a peer inside trusted_proxies may say who the client is and whether it
     * came over HTTPS, in the headers proxy_header names ("x-forwarded": X-Forwarded-For and
     * X-Forwarded-Proto, the default; "forwarded": RFC 7239 Forwarded); the other family is ignored */
    char trusted_proxies[CONFIG_STR]; /* CIDR list, "" none */
    char proxy_header[CONFIG_STR];
    struct cidr_list trusted;         /* trusted_proxies parsed by config_load */
    bool proxy_forwarded;             /* proxy_header is "forwarded" */
    /* identity */
    char authd_url[CONFIG_STR]; /* public URL of authd = the token issuer */
    char apid_url[CONFIG_STR];  /* public URL of apid = the token audience */
    char authd_ca[CONFIG_STR];  /* apid: CA file (PEM) that verifies authd's TLS certificate; "": system CAs */
    char signing_key[CONFIG_STR]; /* authd: ES256 private key PEM file */
    bool dev_mode;
    char smtp_url[CONFIG_STR]; /* apid: outgoing mail, smtp://[user:password@]host:port[/ehlo-name] or smtps:// */
    char smtp_tls[CONFIG_STR]; /* apid: STARTTLS on smtp://: "auto" (required when the URL has a password,
                                  used when offered otherwise), "starttls" (required), "none" */
    char smtp_ca[CONFIG_STR];  /* apid: CA file (PEM) that verifies the SMTP server; "": system CAs */
    char templates_dir[CONFIG_STR]; /* authd: directory of the page templates, default "templates" */
    /* logging */
    char log_level[CONFIG_STR];
};

enum config_daemon { CONFIG_AUTHD, CONFIG_APID };

/* Fills cfg with the daemon's defaults. */
void config_defaults(struct config *cfg, enum config_daemon which);

/* Applies one `key = value` setting (file keys; environment names map onto them). 0, or -1 with err. */
int config_set(struct config *cfg, const char *key, size_t keylen, const char *value, size_t valuelen, char *err,
               size_t errlen);

/* Loads everything: defaults, wp-config.php, the --config file (path may be NULL), the environment.
 * envp is the environment (pass `environ`). 0, or -1 with a message naming the source. */
int config_load(struct config *cfg, enum config_daemon which, const char *config_path, const char *const *envp, char *err,
                size_t errlen);

/* A db_config view of the database settings (pointers into cfg). */
struct db_config config_db(const struct config *cfg);

#endif

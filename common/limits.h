/*
 * common/limits.h — every cap in one place.
 *
 * Sizes that bound what a client can make us hold. Smaller before authentication than after.
 */
#ifndef COMMON_LIMITS_H
#define COMMON_LIMITS_H

/* HTTP */
#define LIMIT_REQUEST_HEADERS_BYTES ((size_t)16 * 1024)   /* total request header bytes */
#define LIMIT_REQUEST_BODY_PREAUTH ((size_t)16 * 1024)    /* body accepted on public routes (forms, token endpoint) */
#define LIMIT_REQUEST_BODY_DEFAULT ((size_t)1024 * 1024)  /* body accepted on authenticated JSON routes */
#define LIMIT_REQUEST_BODY_UPLOAD ((size_t)16 * 1024 * 1024) /* authenticated image uploads */
#define LIMIT_PATH_PARAMS 8                       /* {name} segments in one route */
#define LIMIT_PATH_BYTES 2048                     /* request path incl. query */
#define LIMIT_WORKERS 64                          /* worker threads per daemon */
#define LIMIT_ORDER_CACHE_TTL_S 3600              /* apid: the age limit of rendered orders kept in memory */
#define LIMIT_SHUTDOWN_GRACE_MS 5000              /* in-flight requests get this long after SIGTERM */
#define LIMIT_ROUTE_SEGMENTS 16                   /* '/'-separated segments in a route pattern or routed path */
#define LIMIT_FORM_FIELDS 64                      /* fields in one query string or form body */
#define LIMIT_CIDR_ENTRIES 256                    /* ranges in the trusted proxies or the IP allowlist */
#define LIMIT_FORWARDED_HOPS 32                   /* Forwarded / X-Forwarded-For entries looked at */

/* Orders (apid) */
#define LIMIT_ORDER_NOTE_BYTES 16384              /* a note sent with PATCH /orders/{id} or POST /orders/{id}/notes */
#define LIMIT_ORDER_WRITE_BODY ((size_t)64 * 1024)        /* the JSON body of those two routes */

/* Logging */
#define LIMIT_LOG_LINE_BYTES 4096                 /* one log line, = PIPE_BUF so a pipe never splits it */

/* JSON */
#define LIMIT_JSON_DEPTH 32

/* PHP serialize() input */
#define LIMIT_PHP_SERIALIZED_BYTES (4 * 1024 * 1024)
#define LIMIT_PHP_SERIALIZED_DEPTH 32

/* Passwords: WordPress refuses anything longer (wp_hash_password returns '*') */
#define LIMIT_PASSWORD_BYTES 4096
#define LIMIT_PASSWORD_HASH_BYTES 255             /* a stored hash; wp_users.user_pass is varchar(255) */
#define LIMIT_ARGON2_MEMORY_KIB (1024 * 1024)     /* argon2 m= we agree to spend on one check (PHP default 64 MiB) */
#define LIMIT_ARGON2_TIME_COST 32                 /* argon2 t= (PHP default 4) */
#define LIMIT_ARGON2_LANES 16                     /* argon2 p=, libargon2 starts one thread per lane (PHP default 1) */

/* Configuration */
#define LIMIT_CONFIG_FILE_BYTES ((size_t)64 * 1024)
#define LIMIT_CONFIG_VALUE_BYTES 4096
#define LIMIT_CONFIG_KEY_BYTES 64                 /* a key of the --config file */
#define LIMIT_WP_CONFIG_BYTES ((size_t)1024 * 1024)
#define LIMIT_WP_CONFIG_VALUE_BYTES 255           /* DB_NAME, DB_USER, DB_PASSWORD, DB_HOST, DB_CHARSET, unescaped */

/* Templates (common/template.c) */
#define LIMIT_TEMPLATE_SOURCE_BYTES ((size_t)256 * 1024) /* one template file */
#define LIMIT_TEMPLATE_FILES 256                  /* templates in one set (one templates/ directory) */
#define LIMIT_TEMPLATE_NAME_BYTES 64              /* a {{name}}, a {{> partial}} or a template's name */
#define LIMIT_TEMPLATE_DEPTH 16                   /* sections nested inside one template */
#define LIMIT_TEMPLATE_PARTIAL_DEPTH 8            /* {{> partial}} inside partials */
#define LIMIT_TEMPLATE_OUTPUT_BYTES ((size_t)1024 * 1024) /* one rendered page or mail body */
#define LIMIT_TEMPLATE_RENDER_STEPS ((unsigned long)1024 * 1024) /* text pieces, tags and loop turns in one render */

/* Outgoing mail (common/mail_address.c, common/mail_outbox.c, common/mail_build.c) */
#define LIMIT_MAIL_ADDRESS_BYTES 254              /* local@domain: an SMTP path is at most 256 with its <> */
#define LIMIT_MAIL_LOCAL_BYTES 64                 /* the part before '@' (RFC 5321) */
#define LIMIT_MAIL_NAME_BYTES 200                 /* a display name */
#define LIMIT_MAIL_FIELD_BYTES 320                /* "Name <local@domain>" as stored (to_addr varchar(320)) */
#define LIMIT_MAIL_SUBJECT_CHARS 250              /* subject varchar(250) */
#define LIMIT_MAIL_BODY_BYTES ((size_t)1024 * 1024) /* one text or HTML body */
#define LIMIT_MAIL_KIND_BYTES 40                  /* kind and object_type: [a-z0-9_] */

/* Database */
#define LIMIT_DB_CONNECT_TIMEOUT_S 5
#define LIMIT_DB_READ_TIMEOUT_S 30
#define LIMIT_DB_WRITE_TIMEOUT_S 30
#define LIMIT_DB_PARAMS 128                       /* bound parameters in one statement (a page of 100 ids) */
#define LIMIT_DB_STMT_CACHE 128                   /* prepared statements cached per connection */
#define LIMIT_TABLE_PREFIX_BYTES 64

/* Offload pool (common/offload.h) */
#define LIMIT_OFFLOAD_THREADS 16                  /* pool threads per process */
#define LIMIT_OFFLOAD_QUEUE 256                   /* jobs waiting; more get 503 + Retry-After */

/* Rate limits (common/rate_limit.h): named defaults until they come from cartman_settings */
#define LIMIT_RATE_KEYS 65536                     /* keys held per process; the stalest are evicted */
#define LIMIT_RATE_KEY_BYTES 128                  /* a key ("ip:2001:db8::1", "client:abc") */
#define LIMIT_RATE_TOKEN_IP_BURST 60              /* token endpoint, per IP: burst */
#define LIMIT_RATE_TOKEN_IP_PER_S 5.0             /*   and sustained requests per second */
#define LIMIT_RATE_TOKEN_CLIENT_BURST 600         /* token endpoint, per confidential client */
#define LIMIT_RATE_TOKEN_CLIENT_PER_S 50.0
#define LIMIT_RATE_API_IP_BURST 1200              /* apid, per IP: burst */
#define LIMIT_RATE_API_IP_PER_S 200.0             /*   and sustained requests per second */
#define LIMIT_RATE_API_CREDENTIAL_BURST 600       /* apid, per credential (grant) */
#define LIMIT_RATE_API_CREDENTIAL_PER_S 100.0
#define LIMIT_RATE_BROWSER_IP_BURST 200           /* sign-in pages (/oauth/authorize, /login, /logout), per IP */
#define LIMIT_RATE_BROWSER_IP_PER_S 10.0

/* Reports (common/report_range.h, apid/reports_sales.c) */
#define LIMIT_REPORT_DAYS 366                     /* days in one GET /reports/sales range */

/* Refunds (apid/refund_request.h) */
#define LIMIT_REFUND_BODY_BYTES ((size_t)64 * 1024) /* POST /orders/{id}/refund body */
#define LIMIT_REFUND_LINES 100                    /* line_items in one refund */
#define LIMIT_REFUND_TAX_RATES 8                  /* refund_tax entries of one line */
#define LIMIT_REFUND_REASON_BYTES 2000            /* reason, UTF-8 bytes */

/* Tokens and keys */
#define LIMIT_TOKEN_BYTES 4096                    /* a refresh or access token presented to us */
#define LIMIT_CONNECTION_KEY_BYTES 72             /* bcrypt reads at most 72 bytes */
#define LIMIT_APP_PASSWORDS 64                    /* _application_passwords entries checked per user */

#endif

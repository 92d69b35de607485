/*
 * common/http_server.h — the HTTP/1.1 + HTTP/2 server both daemons run (libh2o 2.2.5).
 *
 *   static int get_order(struct http_call *call) {
 *       size_t len;
 *       const char *id = http_param(call, "id", &len);           // "/orders/{id}", decoded
 *       const char *page = http_query(call, "page", NULL);       // NULL when absent
 *       struct app_worker *aw = call->worker->data;              // what worker_init stored
 *       ...
 *       http_reply_json(call->req, 200, body);                   // common/http_reply.h
 *       return 0;
 *   }
 *   static const struct http_route api[] = {
 *       {HTTP_GET, "/orders/{id}", get_order, 0, HTTP_ROUTE_NO_STORE, &scope_orders_read},
 *   };
 *
 * Before a handler runs, the server has answered by itself: 400 cartman_bad_request (malformed path),
 * 404/405 rest_no_route (405 with Allow), 413 cartman_body_too_large (body over the route's
 * max_body), 414 cartman_uri_too_long (path + query over LIMIT_PATH_BYTES), 431
 * cartman_headers_too_large (request headers over LIMIT_REQUEST_HEADERS_BYTES). A body over the
 * largest max_body of all routes is refused by h2o itself before any of this (HTTP/1.1: plain-text
 * 413; HTTP/2: the stream is reset with REFUSED_STREAM).
 *
 * Threads: `workers` threads, each with its own event loop, h2o context and SO_REUSEPORT listening
 * sockets. A handler runs on its worker's thread and must not block it for long.
 */
#ifndef COMMON_HTTP_SERVER_H
#define COMMON_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <h2o.h>

#include "common/cidr.h"
#include "common/form_urlencoded.h"
#include "common/http_router.h"

struct http_worker {
    unsigned index;     /* 0 .. workers-1 */
    void *data;         /* set by worker_init: the daemon's per-worker state (its DB connection) */
    h2o_context_t *ctx; /* this worker's h2o context: ctx->loop, ctx->queue for h2o_multithread */
};

struct http_server_config {
    const char *name;       /* daemon name, for log lines */
    const char *listen;     /* TLS listener "127.0.0.1:8443", "[::1]:8443", "*:8443"; NULL/"": none */
    const char *tls_cert;   /* PEM certificate chain file (TLS 1.2+, ALPN h2 and http/1.1) */
    const char *tls_key;    /* PEM private key file */
    const char *listen_h2c; /* optional cleartext listener: HTTP/1.1, and HTTP/2 with prior knowledge
                               or Upgrade: h2c; NULL/"": none */
    unsigned workers;       /* 0: one per CPU; at most LIMIT_WORKERS */
    bool access_log;        /* one log_access line per request */
    /* Reverse proxies (may be NULL/empty): only when the TCP peer is inside trusted_proxies are its
     * forwarding headers read — Forwarded (RFC 7239) when proxy_forwarded, else X-Forwarded-For and
     * X-Forwarded-Proto — for http_client_addr and http_is_secure (common/forwarded.h). */
    const struct cidr_list *trusted_proxies;
    bool proxy_forwarded;
    /* Runs after routing and the size caps, before the route's handler: 0 to go on, or -1 after
     * answering (the handler then never runs). May be NULL. */
    int (*admit)(struct http_call *call);
    const struct http_route_group *groups;
    size_t ngroups;
    void *app; /* handed to worker_init and worker_fini */
    /* On each worker thread before it serves: set w->data. 0, or -1 (after logging why) to abort the
     * start. May be NULL. */
    int (*worker_init)(void *app, struct http_worker *w);
    /* On each worker thread after its loop stopped, before its h2o context is disposed: release
     * w->data, unregister h2o_multithread receivers and stop whatever still posts to w->ctx->queue.
     * Runs for every worker whose worker_init succeeded. May be NULL. */
    void (*worker_fini)(void *app, struct http_worker *w);
};

/*
 * Runs the server until SIGTERM or SIGINT, then shuts down gracefully and returns 0. Returns -1 after
 * logging why when it cannot start (bad address, port in use, unreadable certificate or key, bad
 * route table, a worker_init failure); no thread is left behind then.
 * Call it from the main thread, before starting other threads (or block SIGTERM and SIGINT in
 * them): it blocks those signals in every thread and waits for them with sigwait. SIGPIPE is ignored.
 */
int http_server_run(const struct http_server_config *cfg);

/* One request, as a handler sees it. Lives in req->pool. */
struct http_call {
    h2o_req_t *req;                 /* method, headers, req->entity (the body, base NULL if none) */
    struct http_worker *worker;     /* index, data */
    const struct http_route *route; /* route->data: the daemon's per-route data */
    /* private: use the functions below */
    struct http_match match_;
    int query_state_; /* 0 not parsed, 1 parsed, -1 malformed */
    const char *query_err_;
    struct form_field *query_;
    size_t nquery_;
    int client_state_; /* 0 not resolved yet, 1 resolved */
    bool client_known_, secure_;
    uint8_t client_addr_[16];
    char client_[64];
};

/* A path parameter ("id" for "/orders/{id}"): decoded, NUL-terminated, never empty; NULL if absent. */
const char *http_param(struct http_call *call, const char *name, size_t *len);
/* Path parameter name as a database id (http_match_param_id): false for anything else. */
bool http_param_id(struct http_call *call, const char *name, uint64_t *out);

/* The first query-string field called name (decoded, NUL-terminated), or NULL when absent or when
 * the query string is malformed (bad %-escape, NUL, over LIMIT_FORM_FIELDS fields). */
const char *http_query(struct http_call *call, const char *name, size_t *len);

/* All query fields. 0, or -1 with *err when the query string is malformed. For strict endpoints
 * (OAuth): reject malformed queries and repeated parameters (form_count(...) > 1). */
int http_query_fields(struct http_call *call, const struct form_field **fields, size_t *n, const char **err);

/* The body as application/x-www-form-urlencoded fields. 0, or -1 with *err (wrong Content-Type,
 * malformed body, over LIMIT_FORM_FIELDS fields). */
int http_body_form(struct http_call *call, const struct form_field **fields, size_t *n, const char **err);

/* The value of the first request header called name (lower-case, "authorization"), or NULL. Not
 * NUL-terminated: use *len. */
const char *http_header(struct http_call *call, const char *name, size_t *len);

/* The client's IP address as text ("127.0.0.1", "::1"; IPv4 on a dual-stack socket as IPv4); "" if
 * unknown. The TCP peer, unless the peer is a trusted proxy: then the client its forwarding header
 * names (the rightmost address that is not a trusted proxy; see http_server_config). */
const char *http_client_addr(struct http_call *call);

/* The same address as 16 bytes (common/cidr.h form). */
const uint8_t *http_client_addr_bytes(struct http_call *call);

/* False when a trusted proxy forwarded the request without naming the client by address ("unknown",
 * an obfuscated name, a malformed header): http_client_addr is then the nearest proxy's address. */
bool http_client_known(struct http_call *call);

/* Whether the request came over TLS (this connection). */
bool http_is_tls(const struct http_call *call);

/* Whether the client reached us over HTTPS: this connection is TLS, or a trusted proxy says the
 * client's request was https (a proxy's "http" wins over our own TLS). */
bool http_is_secure(struct http_call *call);

#endif

/*
 * common/http_router.h — the route table: method + path pattern → handler.
 *
 * A pattern is literal segments and {name} parameters: "/orders/{id}/notes". A parameter matches one
 * non-empty segment, percent-decoded, and stays a string (the handler validates it). Routes come in
 * groups mounted under a prefix; apid mounts the same table under "/cartman/v1" and
 * "/wp-json/cartman/v1", so both reach it, and "/cartman/v1" and "/cartman/v1/" both reach its "/".
 *
 * Matching rules:
 *   - one trailing '/' is ignored ("/orders/" is "/orders"); literals compare case-sensitively;
 *   - a literal segment beats a parameter at the same place ("/products/categories" wins over
 *     "/products/{id}" whatever the table order);
 *   - HEAD matches a GET route (unless the table has its own HEAD route);
 *   - a path with a "." or ".." segment (also %2e-encoded), a NUL byte (raw or %00), an encoded
 *     slash (%2F) or a bad %-escape is rejected as a bad path (400), never matched.
 * The router is pure (no I/O, no globals); the tables it is built from must outlive it.
 */
#ifndef COMMON_HTTP_ROUTER_H
#define COMMON_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

enum http_method {
    HTTP_GET = 1u << 0,
    HTTP_HEAD = 1u << 1,
    HTTP_POST = 1u << 2,
    HTTP_PUT = 1u << 3,
    HTTP_PATCH = 1u << 4,
    HTTP_DELETE = 1u << 5,
    HTTP_OPTIONS = 1u << 6,
};

/* The HTTP_* bit for a method token ("GET"; case-sensitive), or 0 for anything else. */
unsigned http_method_parse(const char *s, size_t len);

/* Writes a method mask as an Allow header value ("GET, HEAD, POST") into buf; returns its length. */
size_t http_methods_format(unsigned methods, char *buf, size_t cap);

struct http_call; /* common/http_server.h */

/* Answers the request (always) and returns 0; -1 makes the server answer 500. */
typedef int (*http_handler_fn)(struct http_call *call);

#define HTTP_ROUTE_NO_STORE (1u << 0) /* every response of this route carries Cache-Control: no-store */
#define HTTP_ROUTE_ANY_TRANSPORT (1u << 1) /* served over cleartext too, from anywhere (/healthz): the
                                            * daemons' HTTPS rule skips it */
#define HTTP_ROUTE_USER (1u << 8)     /* flag bits from here upwards belong to the daemon */

struct http_route {
    unsigned method;         /* exactly one HTTP_* */
    const char *pattern;     /* "/", "/orders", "/orders/{id}/notes" */
    http_handler_fn handler;
    size_t max_body;         /* request body bytes accepted; 0: none (413 otherwise) */
    unsigned flags;          /* HTTP_ROUTE_* */
    const void *data;        /* the daemon's own per-route data (scope, rate class, ...) */
};

struct http_route_group {
    const char *prefix;               /* "" (root) or "/cartman/v1" (no trailing '/') */
    const struct http_route *routes;
    size_t nroutes;
};

struct http_router;

/* Checks and compiles the groups. NULL with *err (a static string) on a malformed or duplicate route. */
struct http_router *http_router_create(const struct http_route_group *groups, size_t ngroups, const char **err);
void http_router_free(struct http_router *r);

/* The largest max_body of any route (the server's global body cap). */
size_t http_router_max_body(const struct http_router *r);

enum http_match_status {
    HTTP_MATCH_OK,
    HTTP_MATCH_NOT_FOUND,          /* 404: no route has this path */
    HTTP_MATCH_METHOD_NOT_ALLOWED, /* 405: the path exists, not with this method; see allowed */
    HTTP_MATCH_BAD_PATH,           /* 400: see reason */
};

struct http_param {
    const char *name;  /* points into the route's pattern: counted, not NUL-terminated */
    size_t name_len;
    const char *value; /* decoded, NUL-terminated, inside the match */
    size_t value_len;
};

struct http_match {
    const struct http_route *route; /* HTTP_MATCH_OK */
    unsigned allowed;               /* HTTP_MATCH_METHOD_NOT_ALLOWED: the methods this path accepts */
    const char *reason;             /* HTTP_MATCH_BAD_PATH: why (for logs, not for clients) */
    size_t nparams;
    struct http_param params[LIMIT_PATH_PARAMS];
    char buf[LIMIT_PATH_BYTES + 1]; /* decoded segments */
};

/* Matches a counted path (no query string) for a method (an HTTP_* bit, or 0 for an unknown method). */
enum http_match_status http_router_match(const struct http_router *r, unsigned method, const char *path, size_t len,
                                         struct http_match *m);

/* The decoded value of path parameter name, or NULL; *len gets its length when len is not NULL. */
const char *http_match_param(const struct http_match *m, const char *name, size_t *len);

/* Path parameter name as a database id ("/orders/{id}"): decimal digits only, 1 to UINT64_MAX (leading
 * zeros allowed, no sign, no spaces). false, *out untouched, for anything else or a missing parameter. */
bool http_match_param_id(const struct http_match *m, const char *name, uint64_t *out);

#endif

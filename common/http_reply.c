/*
 * common/http_reply.c — turning results into HTTP responses.
 *
 * Owns: status lines, the JSON and WordPress-error bodies (serialised straight into req->pool),
 * header validation (no CR/LF injection), HEAD handling, X-Content-Type-Options on every body.
 * Does not: decide statuses or error codes (callers do), stream large bodies, compress, or set
 * CORS headers.
 */
#include "common/http_reply.h"

#include <string.h>

#include "common/log.h"

static h2o_generator_t http_reply_generator = {NULL, NULL};

const char *http_reply_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

static int http_reply_is_head(const h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

/* Sends body[0..len), which must live in req->pool (or be static), as the whole response. */
static void http_reply_send(h2o_req_t *req, int status, const char *ctype, size_t ctype_len, const char *body,
                            size_t len)
{
    req->res.status = status;
    req->res.reason = http_reply_reason(status);
    if (ctype != NULL) {
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, ctype, ctype_len, 1);
        h2o_set_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                              H2O_STRLIT("nosniff"), 1);
    }
    /* 204 and 304 have no body and no Content-Length */
    req->res.content_length = status == 204 || status == 304 ? SIZE_MAX : len;
    h2o_start_response(req, &http_reply_generator);
    if (len == 0 || http_reply_is_head(req)) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    } else {
        h2o_iovec_t buf = h2o_iovec_init(body, len);
        h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
    }
}

/* jansson writes the body in pieces; they are collected in one pool buffer that doubles as needed
 * (the outgrown copies are released with the pool). */
struct http_reply_buf {
    h2o_mem_pool_t *pool;
    char *base;
    size_t len, cap;
};

static int http_reply_collect(const char *s, size_t n, void *data)
{
    struct http_reply_buf *b = data;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        char *grown = h2o_mem_alloc_pool(b->pool, cap);
        if (b->len)
            memcpy(grown, b->base, b->len);
        b->base = grown;
        b->cap = cap;
    }
    memcpy(b->base + b->len, s, n);
    b->len += n;
    return 0;
}

static const char http_reply_500[] =
    "{\"code\":\"cartman_internal_error\",\"message\":\"Internal server error.\",\"data\":{\"status\":500}}";

void http_reply_json(h2o_req_t *req, int status, json_t *body)
{
    struct http_reply_buf b = {&req->pool, NULL, 0, 0};
    if (body == NULL || json_dump_callback(body, http_reply_collect, &b, JSON_COMPACT) != 0) {
        log_error("http_reply_json: cannot serialise the response body (status %d)", status);
        json_decref(body);
        http_reply_send(req, 500, H2O_STRLIT("application/json; charset=UTF-8"), http_reply_500,
                        sizeof http_reply_500 - 1);
        return;
    }
    json_decref(body);
    http_reply_send(req, status, H2O_STRLIT("application/json; charset=UTF-8"), b.base, b.len);
}

void http_reply_json_text(h2o_req_t *req, int status, const char *json, size_t len)
{
    char *copy = h2o_mem_alloc_pool(&req->pool, len + 1);
    memcpy(copy, json, len);
    copy[len] = '\0';
    http_reply_send(req, status, H2O_STRLIT("application/json; charset=UTF-8"), copy, len);
}

void http_reply_error(h2o_req_t *req, int status, const char *code, const char *message)
{
    json_t *body = json_pack("{s:s, s:s, s:{s:i}}", "code", code != NULL ? code : "cartman_error", "message",
                             message != NULL ? message : http_reply_reason(status), "data", "status", status);
    http_reply_json(req, status, body);
}

void http_reply_body(h2o_req_t *req, int status, const char *content_type, const char *body, size_t len)
{
    h2o_iovec_t copy = h2o_strdup(&req->pool, body, len);
    http_reply_send(req, status, content_type, strlen(content_type), copy.base, copy.len);
}

void http_reply_status(h2o_req_t *req, int status)
{
    http_reply_send(req, status, NULL, 0, NULL, 0);
}

void http_reply_redirect(h2o_req_t *req, int status, const char *location)
{
    if (http_reply_set_header(req, "location", location) != 0) {
        http_reply_error(req, 500, "cartman_internal_error", "Internal server error.");
        return;
    }
    http_reply_send(req, status, NULL, 0, NULL, 0);
}

static int http_reply_header_ok(const char *name, const char *value)
{
    static const char token_extra[] = "!#$%&'*+-.^_`|~";
    if (name == NULL || value == NULL || name[0] == '\0')
        return 0;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && strchr(token_extra, c) == NULL)
            return 0;
    }
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 0;
    }
    return 1;
}

static int http_reply_header(h2o_req_t *req, const char *name, const char *value, int replace)
{
    if (!http_reply_header_ok(name, value)) {
        log_error("http_reply: refused an invalid response header %s", name != NULL ? name : "(null)");
        return -1;
    }
    /* HTTP/2 requires lower-case names; h2o stores pointers, so both strings go into the pool */
    h2o_iovec_t n = h2o_strdup(&req->pool, name, SIZE_MAX);
    h2o_strtolower(n.base, n.len);
    h2o_iovec_t v = h2o_strdup(&req->pool, value, SIZE_MAX);
    if (replace)
        h2o_set_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 1, v.base, v.len, 1);
    else
        h2o_add_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 1, NULL, v.base, v.len);
    return 0;
}

int http_reply_set_header(h2o_req_t *req, const char *name, const char *value)
{
    return http_reply_header(req, name, value, 1);
}

int http_reply_add_header(h2o_req_t *req, const char *name, const char *value)
{
    return http_reply_header(req, name, value, 0);
}

void http_reply_rate_limit_headers(h2o_req_t *req, unsigned retry_after, unsigned limit, unsigned remaining,
                                   unsigned reset_s)
{
    static const char *const names[] = {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"};
    const unsigned values[] = {retry_after, limit, remaining, reset_s};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char v[24];
        snprintf(v, sizeof v, "%u", values[i]);
        http_reply_set_header(req, names[i], v);
    }
}

void http_reply_no_store(h2o_req_t *req)
{
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"), 1);
    h2o_set_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("pragma"), 1, H2O_STRLIT("no-cache"), 1);
}

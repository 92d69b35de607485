/*
 * common/http_reply.h — every HTTP response of both daemons leaves through here.
 *
 * Errors use WordPress's REST form: {"code":"cartman_…","message":"…","data":{"status":N}}.
 * Messages are fixed, human-readable strings: never an internal error, SQL or a stack trace.
 * HEAD requests get the headers (with Content-Length) and no body. Headers set before the reply
 * (http_reply_set_header, http_reply_no_store) are kept. Each function answers the request once:
 * call exactly one http_reply_json/error/body/status/redirect per request.
 */
#ifndef COMMON_HTTP_REPLY_H
#define COMMON_HTTP_REPLY_H

#include <stddef.h>

#include <h2o.h>
#include <jansson.h>

/* Sends body as JSON (Content-Type: application/json; charset=UTF-8) and drops the reference to it
 * (also on failure). NULL body, or one jansson cannot serialise, becomes a 500 error. */
void http_reply_json(h2o_req_t *req, int status, json_t *body);

/* Sends len bytes of ready JSON text (copied into the request's pool) with the same headers as
 * http_reply_json. */
void http_reply_json_text(h2o_req_t *req, int status, const char *json, size_t len);

/* Sends {"code": code, "message": message, "data": {"status": status}}. */
void http_reply_error(h2o_req_t *req, int status, const char *code, const char *message);

/* Sends len bytes of body (copied) with the given Content-Type: HTML pages, JavaScript. */
void http_reply_body(h2o_req_t *req, int status, const char *content_type, const char *body, size_t len);

/* Sends an empty response (204, 304, or anything with no body). */
void http_reply_status(h2o_req_t *req, int status);

/* Sends a redirect (302, 303) to location, with an empty body. */
void http_reply_redirect(h2o_req_t *req, int status, const char *location);

/* Sets (replacing) or adds (for Set-Cookie, Link) a response header. Names are case-insensitive
 * tokens; values must not contain CR, LF or other control characters. Both are copied.
 * 0, or -1 (logged, header not set) for an invalid name or value. */
int http_reply_set_header(h2o_req_t *req, const char *name, const char *value);
int http_reply_add_header(h2o_req_t *req, const char *name, const char *value);

/* Retry-After and the RateLimit-Limit/-Remaining/-Reset headers of a refused request (429). */
void http_reply_rate_limit_headers(h2o_req_t *req, unsigned retry_after, unsigned limit, unsigned remaining,
                                   unsigned reset_s);

/* Cache-Control: no-store and Pragma: no-cache (tokens, credentials, personal data). */
void http_reply_no_store(h2o_req_t *req);

/* The reason phrase HTTP/1.1 sends for a status ("Not Found"). */
const char *http_reply_reason(int status);

#endif

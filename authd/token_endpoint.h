/*
 * authd/token_endpoint.h — POST /oauth/token (client_credentials with a connection key, password with a
 * WordPress application password, refresh_token), POST /oauth/revoke (RFC 7009) and
 * POST /oauth/introspect (RFC 7662).
 *
 * Bodies are application/x-www-form-urlencoded (at most LIMIT_REQUEST_BODY_PREAUTH bytes); a repeated
 * parameter is invalid_request. Errors are RFC 6749 §5.2 JSON ({"error","error_description"}): 400
 * invalid_request / invalid_grant / unsupported_grant_type / invalid_scope / unauthorized_client,
 * 401 invalid_client (with WWW-Authenticate: Basic when the client tried Basic), 429
 * temporarily_unavailable with Retry-After and RateLimit-* when rate-limited, 503 when the database or
 * the offload pool is unavailable. Every response carries Cache-Control: no-store and Pragma: no-cache.
 *
 * Clients: client_credentials and password are for the built-in cartman-mobile and for confidential
 * clients (a registered public client gets unauthorized_client); confidential clients always prove
 * their secret (for client_credentials the secret is the connection key itself), a secret sent by a
 * public client on other grants is ignored. Rate limits: per IP on all three endpoints, and per
 * confidential client; a public client is shared by every phone, so it is only limited per IP.
 * Revocation and introspection of access tokens check the ES256 signature against authd's own JWKS
 * (current and previous keys) before trusting the sid claim.
 */
#ifndef AUTHD_TOKEN_ENDPOINT_H
#define AUTHD_TOKEN_ENDPOINT_H

#include "common/http_router.h"

extern const struct http_route token_endpoint_routes[];
#define TOKEN_ENDPOINT_NROUTES 3

#define TOKEN_ACCESS_LIFETIME_S 900
#define TOKEN_NBF_LEEWAY_S 60 /* clock skew tolerated on nbf when authd checks its own tokens */

/* For other grants (authd/authorization_code.c): the OAuth error answer, and the success answer for a
 * grant just created (access token + refresh token). */
struct http_call;
struct grant;
void token_endpoint_error(struct http_call *call, int status, const char *error, const char *desc);
void token_endpoint_respond(struct http_call *call, const struct grant *g, const char *scope, const char *refresh);

#endif

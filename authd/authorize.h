/*
 * authd/authorize.h — the browser part of "Log in with your store" (RFC 6749 §4.1, RFC 7636, RFC 8252,
 * RFC 9207):
 *
 *   GET  /oauth/authorize   validates the request, keeps it server-side ({p}cartman_auth_requests,
 *                           AUTHORIZE_REQUEST_LIFE_S) under a random request id, then shows the sign-in
 *                           page (no session) or the consent page
 *   GET  /login             the sign-in page (?request=ID: for a pending request; with a session, the
 *                           consent page for it)
 *   POST /login             WordPress sign-in (login or e-mail + password), lockout, session cookie
 *   POST /oauth/authorize   the consent decision: approve → 303 to the redirect URI with code, state,
 *                           iss; deny → error=access_denied
 *   POST /logout            ends the session
 *
 * An unknown client, a missing, repeated or unregistered redirect_uri, or a malformed query is shown as
 * an error page (400) and never redirected; every other error is redirected to the redirect URI with
 * error, error_description, state and iss. Every page carries Cache-Control: no-store, a strict
 * Content-Security-Policy, X-Frame-Options: DENY and Referrer-Policy: no-referrer. All five routes share
 * a rate limit per client IP (LIMIT_RATE_BROWSER_IP_*; 429 page with Retry-After).
 */
#ifndef AUTHD_AUTHORIZE_H
#define AUTHD_AUTHORIZE_H

#include "common/http_router.h"

#define AUTHORIZE_REQUEST_LIFE_S 600

extern const struct http_route authorize_routes[];
#define AUTHORIZE_NROUTES 5

#endif

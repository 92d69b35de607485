/*
 * apid/guard.c — the authentication phase of every protected route (apid/guard.h): credential, scope,
 * then the handler.
 *
 * Owns: reading the credential headers, turning a failed check into the HTTP answer (401 with an RFC
 * 6750 WWW-Authenticate, 403 insufficient_scope, 503 while authd's keys or the revocation list are not
 * available) and the identity handed to the handler. Does not: verify tokens (apid/bearer.c).
 * Not yet: application passwords (Authorization: Basic) and connection keys (X-CartMan-Key) get a 401
 * that says so; per-credential and per-IP rate limits are not applied here yet.
 */
#include "apid/guard.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apid/bearer.h"
#include "common/daemon.h"
#include "common/http_reply.h"

#define REALM "Bearer realm=\"cartman\""

static void challenge(struct http_call *call, int status, const char *www, const char *code, const char *message)
{
    http_reply_no_store(call->req);
    if (www != NULL)
        http_reply_set_header(call->req, "WWW-Authenticate", www);
    http_reply_error(call->req, status, code, message);
}

static void invalid_token(struct http_call *call, const char *why)
{
    char www[400];
    snprintf(www, sizeof www, REALM ", error=\"invalid_token\", error_description=\"%s\"", why);
    challenge(call, 401, www, "cartman_invalid_token", why);
}

/* Whether the space-separated list has the scope (a whole word). */
static bool has_scope(const char *list, const char *scope)
{
    size_t n = strlen(scope);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && memcmp(p, scope, n) == 0)
            return true;
        p = e;
    }
    return false;
}

static bool token_chars(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}

static const char *pool_strdup(h2o_mem_pool_t *pool, const char *s)
{
    size_t n = strlen(s);
    char *p = h2o_mem_alloc_pool(pool, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static int bearer(struct http_call *call, const struct apid_route_policy *policy, const char *tok, size_t len)
{
    const struct config *cfg = ((struct daemon_worker *)call->worker->data)->cfg;
    struct bearer_claims c;
    const char *why = "";
    enum bearer_result r = bearer_check(tok, len, cfg->authd_url, cfg->apid_url, (int64_t)time(NULL), &c, &why);
    switch (r) {
    case BEARER_OK:
        break;
    case BEARER_UNAVAILABLE:
        http_reply_no_store(call->req);
        http_reply_set_header(call->req, "Retry-After", "5");
        http_reply_error(call->req, 503, "cartman_auth_unavailable", why);
        return 0;
    case BEARER_INVALID:
    case BEARER_UNKNOWN_KID:
    case BEARER_REVOKED:
    default:
        invalid_token(call, why);
        return 0;
    }
    if (policy->scope != NULL && !has_scope(c.scope, policy->scope)) {
        char www[200], msg[200];
        snprintf(www, sizeof www, REALM ", error=\"insufficient_scope\", scope=\"%s\"", policy->scope);
        snprintf(msg, sizeof msg, "This token does not grant the %s scope.", policy->scope);
        challenge(call, 403, www, "cartman_insufficient_scope", msg);
        return 0;
    }
    struct apid_identity who = {
        .kind = APID_CRED_BEARER,
        .user_id = c.user_id,
        .grant_id = c.grant_id,
        .client_id = pool_strdup(&call->req->pool, c.client_id),
        .scope = pool_strdup(&call->req->pool, c.scope),
    };
    return policy->handler(call, &who);
}

int apid_guard(struct http_call *call)
{
    const struct apid_route_policy *policy = call->route->data;
    size_t len = 0;
    const char *auth = http_header(call, "authorization", &len);
    if (auth != NULL) {
        if (len > 7 && strncasecmp(auth, "Bearer ", 7) == 0) {
            const char *t = auth + 7;
            size_t n = len - 7;
            while (n > 0 && *t == ' ') {
                t++;
                n--;
            }
            while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
                n--;
            if (n == 0 || !token_chars(t, n)) {
                invalid_token(call, "The token is malformed.");
                return 0;
            }
            return bearer(call, policy, t, n);
        }
        if (len >= 6 && strncasecmp(auth, "Basic ", 6) == 0) {
            challenge(call, 401, REALM, "cartman_auth_not_supported",
                      "Application passwords are not supported by this API yet: use an OAuth access token (Bearer).");
            return 0;
        }
        challenge(call, 401, REALM, "cartman_auth_not_supported",
                  "This authorization scheme is not supported: use an OAuth access token (Bearer).");
        return 0;
    }
    if (http_header(call, "x-cartman-key", &len) != NULL) {
        challenge(call, 401, REALM, "cartman_auth_not_supported",
                  "Connection keys are not supported by this API yet: exchange the key for an access token at the "
                  "token endpoint (client_credentials) and send it as a Bearer token.");
        return 0;
    }
    challenge(call, 401, REALM, "cartman_not_logged_in", "You are not currently logged in.");
    return 0;
}

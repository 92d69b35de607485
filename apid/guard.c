/*
 * apid/guard.c — the authentication phase of every protected route (apid/guard.h): credential, scope,
 * then the handler.
 *
 * Owns: the IP allowlist check (the cached security settings, common/security_settings.h: no query
 * per request; until they were read once, 503), reading the credential headers, turning a failed check into the HTTP answer (401 with an RFC
 * 6750 WWW-Authenticate, 403 insufficient_scope, 503 while authd's keys or the revocation list are not
 * available) and the identity handed to the handler. Does not: verify tokens (apid/bearer.c).
 * Rate limits (common/rate_limit_settings.h, per process): per IP before any credential is checked, and per
 * credential (the grant) after; cartman_settings rows rate_limit_api_ip and rate_limit_api_credential
 * ("BURST/PER_SECOND") override the defaults of limits.h and are re-read at most every 5 seconds (by one
 * request; the others do not wait). Refusal: 429 cartman_rate_limited with Retry-After and RateLimit-*.
 * Application passwords (Authorization: Basic) are checked by apid/app_password.c and carry every
 * scope (WordPress gives them the user's full rights; the user must have manage_woocommerce).
 * Connection keys (X-CartMan-Key with X-CartMan-Timestamp within 300 s of the server clock) are
 * checked by apid/connection_key.c and carry every scope as well. A refused application password or
 * connection key counts towards the sign-in lockout and a freshly verified one clears it
 * (apid/credential_lockout.h).
 */
#include "apid/guard.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apid/app_password.h"
#include "apid/bearer.h"
#include "apid/connection_key.h"
#include "apid/credential_lockout.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/rate_limit.h"
#include "common/rate_limit_settings.h"
#include "common/security_settings.h"

#define REALM "Bearer realm=\"cartman\""
#define ALL_SCOPES "orders:read orders:write products:read products:write reports:read tickets:read tickets:write"

/* ---- rate limits ---- */

static struct rate_limit_settings api_limits = {
    .what = "API rate limits",
    .limit = {{"rate_limit_api_ip", "per IP", LIMIT_RATE_API_IP_BURST, LIMIT_RATE_API_IP_PER_S},
              {"rate_limit_api_credential", "per credential", LIMIT_RATE_API_CREDENTIAL_BURST,
               LIMIT_RATE_API_CREDENTIAL_PER_S}},
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

/* Takes a token from the bucket of kind:id; on refusal answers 429 and returns -1. */
static int rate_limit_or_reply(struct http_call *call, struct rate_limit *rl, const char *kind, const char *id)
{
    struct rate_limit_result r = rate_limit_take_for(rl, kind, id);
    if (r.allowed)
        return 0;
    http_reply_rate_limit_headers(call->req, r.retry_after, r.limit, r.remaining, r.reset_s);
    http_reply_no_store(call->req);
    http_reply_error(call->req, 429, "cartman_rate_limited", "Too many requests: retry after the time in Retry-After.");
    return -1;
}

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
    char gid[24];
    snprintf(gid, sizeof gid, "%llu", (unsigned long long)c.grant_id);
    if (rate_limit_or_reply(call, api_limits.table[1], "grant", gid) != 0)
        return 0;
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

/* After an application password or a connection key verified (a->user_id != 0) or not. */
static void credential_done(struct http_call *call, const struct credential_attempt *a, enum apid_credential kind)
{
    const struct apid_route_policy *policy = call->route->data;
    uint64_t user_id = a->user_id;
    if (user_id == 0 && !a->malformed)
        credential_lockout_failed(call, a, kind == APID_CRED_APP_PASSWORD ? "wrong_password" : "invalid_key");
    else if (user_id != 0 && !a->cached)
        credential_lockout_succeeded(call, a);
    if (user_id == 0 && kind == APID_CRED_APP_PASSWORD) {
        challenge(call, 401, "Basic realm=\"cartman\", charset=\"UTF-8\"", "cartman_invalid_credentials",
                  "The user name or application password is not valid, or the account may not manage the store.");
        return;
    }
    if (user_id == 0) {
        challenge(call, 401, REALM, "cartman_invalid_credentials",
                  "The connection key is not valid (wrong, revoked or expired), or its account may not manage the "
                  "store.");
        return;
    }
    char uid[24];
    snprintf(uid, sizeof uid, "%llu", (unsigned long long)user_id);
    if (rate_limit_or_reply(call, api_limits.table[1], "user", uid) != 0)
        return;
    if (policy->scope != NULL && !has_scope(ALL_SCOPES, policy->scope)) {
        challenge(call, 403, NULL, "cartman_insufficient_scope", "This credential does not grant this scope.");
        return;
    }
    struct apid_identity who = {.kind = kind, .user_id = user_id, .grant_id = 0, .client_id = "", .scope = ALL_SCOPES};
    policy->handler(call, &who);
}

static void basic_done(struct http_call *call, const struct credential_attempt *a)
{
    credential_done(call, a, APID_CRED_APP_PASSWORD);
}

static void key_done(struct http_call *call, const struct credential_attempt *a)
{
    credential_done(call, a, APID_CRED_CONNECTION_KEY);
}

/* X-CartMan-Key: the timestamp first (it is cheap and says what is wrong), then the key. */
static int connection_key(struct http_call *call, const char *key, size_t klen)
{
    size_t tlen = 0;
    const char *ts = http_header(call, "x-cartman-timestamp", &tlen);
    long long t = 0;
    bool ok = ts != NULL && tlen > 0 && tlen <= 12;
    for (size_t i = 0; ok && i < tlen; i++) {
        ok = ts[i] >= '0' && ts[i] <= '9';
        t = t * 10 + (ts[i] - '0');
    }
    if (!ok) {
        challenge(call, 401, REALM, "cartman_timestamp_required",
                  "X-CartMan-Timestamp (the current time in Unix seconds) is required with X-CartMan-Key.");
        return 0;
    }
    long long skew = t - (long long)time(NULL);
    if (skew > CONNECTION_KEY_SKEW_S || skew < -CONNECTION_KEY_SKEW_S) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "X-CartMan-Timestamp is %lld seconds %s the server clock; at most %d are allowed. Check the device's "
                 "date and time.",
                 skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of", CONNECTION_KEY_SKEW_S);
        challenge(call, 401, REALM, "cartman_timestamp_skew", msg);
        return 0;
    }
    connection_key_check(call, key, klen, key_done);
    return 0;
}

/* The IP allowlist of the security settings. 0, or -1 after answering. */
static int allowlist_or_reply(struct http_call *call)
{
    const struct security_settings *s = security_settings_get(call->worker->data);
    if (!s->loaded) { /* whether an allowlist is set is not known yet: the database was never reached */
        http_reply_no_store(call->req);
        http_reply_set_header(call->req, "Retry-After", "5");
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return -1;
    }
    if (security_settings_allows(s, http_client_known(call), http_client_addr_bytes(call)))
        return 0;
    log_debug("apid: %s is not in the IP allowlist", http_client_known(call) ? http_client_addr(call) : "(unknown)");
    http_reply_no_store(call->req);
    http_reply_error(call->req, 403, "cartman_ip_not_allowed", "This address may not use the API of this store.");
    return -1;
}

int apid_guard(struct http_call *call)
{
    const struct apid_route_policy *policy = call->route->data;
    if (!(call->route->flags & APID_ROUTE_ANY_ADDRESS) && allowlist_or_reply(call) != 0)
        return 0;
    rate_limit_settings_refresh(&api_limits, daemon_worker_db(call->worker->data));
    if (rate_limit_or_reply(call, api_limits.table[0], "ip", http_client_addr(call)) != 0)
        return 0;
    if (call->route->flags & APID_ROUTE_PUBLIC)
        return policy->handler(call, NULL);
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
        if (len > 6 && strncasecmp(auth, "Basic ", 6) == 0) {
            const char *b = auth + 6;
            size_t n = len - 6;
            while (n > 0 && *b == ' ')
                b++, n--;
            while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t'))
                n--;
            app_password_check(call, b, n, basic_done);
            return 0;
        }
        challenge(call, 401, REALM, "cartman_auth_not_supported",
                  "This authorization scheme is not supported: use an OAuth access token (Bearer).");
        return 0;
    }
    const char *key = http_header(call, "x-cartman-key", &len);
    if (key != NULL)
        return connection_key(call, key, len);
    challenge(call, 401, REALM, "cartman_not_logged_in", "You are not currently logged in.");
    return 0;
}

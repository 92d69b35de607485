/*
 * authd/token_endpoint.c — the token, revocation and introspection endpoints.
 *
 * Owns: request parsing (form body, client authentication by HTTP Basic or client_secret_post), the
 * grant types client_credentials (a connection key as the secret), password (WordPress application
 * passwords only) and refresh_token, scopes, issuing the token response, revocation, introspection,
 * per-IP and per-client rate limits, and turning every outcome into its OAuth HTTP answer (oauth_reply
 * and oauth_error are the only places that build responses here).
 * grant_type=authorization_code is parsed and its client authenticated here, then handed to
 * authd/authorization_code.c (codes, PKCE), which answers through token_endpoint_error/_respond.
 * Deliberately does not: the browser flow (authd/authorize.c), SQL of grants
 * and refresh tokens (authd/grants.c), key storage (authd/connection_keys.c), lockout bookkeeping
 * (common/lockout.c), signing (authd/signing.c).
 *
 * Slow hashes (bcrypt for connection keys, phpass for 6.1-era application passwords) run on the
 * offload pool; all application-password checks are offloaded, $generic$ ones too, so that the time
 * to answer does not say which kind of hash (or whether a user) was found. Refresh grants never touch
 * a slow hash and run inline: one transaction of short indexed statements.
 */
#include "authd/token_endpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "authd/app.h"
#include "authd/authorization_code.h"
#include "authd/clients.h"
#include "authd/connection_keys.h"
#include "authd/discovery.h"
#include "authd/grants.h"
#include "common/lockout.h"
#include "authd/signing.h"
#include "common/audit.h"
#include "common/http_reply.h"
#include "common/http_server.h"
#include "common/jose.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/offload.h"
#include "common/php_serialize.h"
#include "common/rate_limit.h"
#include "common/rate_limit_settings.h"
#include "common/security_settings.h"
#include "common/store.h"
#include "common/wp_password.h"

#define BASIC_REALM "Basic realm=\"CartMan\", charset=\"UTF-8\""

/* ---- rate limits: one table per limit, per process; cartman_settings rows rate_limit_token_ip and
 * rate_limit_token_client ("BURST/PER_SECOND") override the defaults of limits.h ---- */

static struct rate_limit_settings token_limits = {
    .what = "token endpoint rate limits",
    .limit = {{"rate_limit_token_ip", "per IP", LIMIT_RATE_TOKEN_IP_BURST, LIMIT_RATE_TOKEN_IP_PER_S},
              {"rate_limit_token_client", "per confidential client", LIMIT_RATE_TOKEN_CLIENT_BURST,
               LIMIT_RATE_TOKEN_CLIENT_PER_S}},
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

/* ---- responses: the one place that turns outcomes into HTTP ---- */

static void no_store(h2o_req_t *req)
{
    http_reply_no_store(req);
    http_reply_set_header(req, "pragma", "no-cache");
}

static void oauth_error(struct http_call *call, int status, const char *error, const char *desc, bool basic)
{
    no_store(call->req);
    if (status == 401 && basic)
        http_reply_set_header(call->req, "www-authenticate", BASIC_REALM);
    http_reply_json(call->req, status, json_pack("{s:s, s:s}", "error", error, "error_description", desc));
}

static void rate_limited(struct http_call *call, const struct rate_limit_result *r)
{
    http_reply_rate_limit_headers(call->req, r->retry_after, r->limit, r->remaining, r->reset_s);
    oauth_error(call, 429, "temporarily_unavailable", "Too many requests; retry after the time in Retry-After.", false);
}

/* Takes a token from key's bucket; on refusal answers 429 and returns -1. */
static int rate_limit_or_reply(struct http_call *call, struct rate_limit *rl, const char *kind, const char *id)
{
    struct rate_limit_result r = rate_limit_take_for(rl, kind, id);
    if (r.allowed)
        return 0;
    rate_limited(call, &r);
    return -1;
}

/* ---- the request: form and client authentication ---- */

struct token_req {
    struct http_call *call;
    const struct form_field *f;
    size_t n;
    const char *ip;
    /* client authentication as presented */
    bool basic;
    char *client_id, *secret; /* pool copies, NUL-terminated; NULL when absent */
    size_t client_id_len, secret_len;
    struct client client;
};

static const char *param(const struct token_req *t, const char *name, size_t *len)
{
    const struct form_field *f = form_find(t->f, t->n, name);
    if (f == NULL)
        return NULL;
    if (len)
        *len = f->value_len;
    return f->value;
}

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Standard or URL-safe base64, padding optional. Returns the decoded length or -1. out needs len bytes. */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
    while (len > 0 && in[len - 1] == '=')
        len--;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_val((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (len % 4 == 1)
        return -1;
    return (long)o;
}

/* RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
static char *form_decode(h2o_mem_pool_t *pool, const char *s, size_t len, size_t *out_len)
{
    struct form_field f[1];
    size_t n = 0;
    const char *err;
    char *tmp = h2o_mem_alloc_pool(pool, len + 3);
    tmp[0] = 'v';
    tmp[1] = '=';
    memcpy(tmp + 2, s, len);
    if (memchr(s, '&', len) != NULL || memchr(s, '=', len) != NULL ||
        form_urlencoded_parse(pool, tmp, len + 2, f, 1, &n, &err) != 0)
        return NULL;
    if (n == 0) {
        *out_len = 0;
        char *e = h2o_mem_alloc_pool(pool, 1);
        e[0] = '\0';
        return e;
    }
    *out_len = f[0].value_len;
    return (char *)(uintptr_t)f[0].value;
}

static char *pool_strndup(h2o_mem_pool_t *pool, const char *s, size_t len)
{
    char *d = h2o_mem_alloc_pool(pool, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Parses the form and the client credentials. On failure it has answered; returns -1. */
static int token_req_parse_or_reply(struct http_call *call, struct token_req *t)
{
    memset(t, 0, sizeof *t);
    t->call = call;
    t->ip = http_client_addr(call);
    const char *err;
    if (http_body_form(call, &t->f, &t->n, &err) != 0) {
        oauth_error(call, 400, "invalid_request", "The body must be application/x-www-form-urlencoded.", false);
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (form_count(t->f, t->n, t->f[i].name) > 1) {
            oauth_error(call, 400, "invalid_request", "A parameter is repeated.", false);
            return -1;
        }
    }
    size_t alen;
    const char *auth = http_header(call, "authorization", &alen);
    if (auth != NULL && alen > 6 && strncasecmp(auth, "Basic ", 6) == 0) {
        t->basic = true;
        const char *b = auth + 6;
        size_t blen = alen - 6;
        while (blen > 0 && *b == ' ')
            b++, blen--;
        unsigned char *raw = h2o_mem_alloc_pool(&call->req->pool, blen + 1);
        long rn = blen <= (size_t)2 * LIMIT_TOKEN_BYTES ? b64_decode(b, blen, raw) : -1;
        const unsigned char *colon = rn > 0 ? memchr(raw, ':', (size_t)rn) : NULL;
        if (colon == NULL) {
            oauth_error(call, 401, "invalid_client", "Malformed Basic credentials.", true);
            return -1;
        }
        size_t idl = (size_t)(colon - raw), sl = (size_t)rn - idl - 1;
        t->client_id = form_decode(&call->req->pool, (const char *)raw, idl, &t->client_id_len);
        t->secret = form_decode(&call->req->pool, (const char *)colon + 1, sl, &t->secret_len);
        OPENSSL_cleanse(raw, (size_t)rn);
        if (t->client_id == NULL || t->secret == NULL) {
            oauth_error(call, 401, "invalid_client", "Malformed Basic credentials.", true);
            return -1;
        }
        size_t bl;
        const char *body_id = param(t, "client_id", &bl);
        if (param(t, "client_secret", NULL) != NULL ||
            (body_id && (bl != t->client_id_len || memcmp(body_id, t->client_id, bl) != 0))) {
            oauth_error(call, 400, "invalid_request", "Use one client authentication method.", false);
            return -1;
        }
    } else if (auth != NULL) {
        oauth_error(call, 401, "invalid_client", "Unsupported Authorization scheme.", false);
        return -1;
    } else {
        size_t l;
        const char *v = param(t, "client_id", &l);
        if (v) {
            t->client_id = pool_strndup(&call->req->pool, v, l);
            t->client_id_len = l;
        }
        v = param(t, "client_secret", &l);
        if (v) {
            t->secret = (char *)(uintptr_t)v; /* NUL-terminated in the pool */
            t->secret_len = l;
        }
    }
    if (t->client_id_len > 100 || t->secret_len > LIMIT_TOKEN_BYTES ||
        (t->client_id && memchr(t->client_id, '\0', t->client_id_len))) {
        oauth_error(call, 401, "invalid_client", "Unknown client.", t->basic);
        return -1;
    }
    return 0;
}

/* Finds the client (client_id required). On failure answers 401 invalid_client (or 503). */
static int client_find_or_reply(struct token_req *t, struct db *db)
{
    if (t->client_id == NULL || t->client_id_len == 0) {
        oauth_error(t->call, 401, "invalid_client", "client_id is required.", t->basic);
        return -1;
    }
    int rc = clients_find(db, t->client_id, t->client_id_len, &t->client);
    if (rc < 0) {
        http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return -1;
    }
    if (rc != 0) {
        audit_log(db, "token.client", "denied", 0, NULL, t->ip, "unknown_client");
        oauth_error(t->call, 401, "invalid_client", "Unknown client.", t->basic);
        return -1;
    }
    if (t->client.confidential &&
        rate_limit_or_reply(t->call, token_limits.table[1], "client", t->client.client_id) != 0)
        return -1;
    return 0;
}

/* Confidential clients must prove their secret (public ones have none: a secret they send is ignored). */
static int client_secret_or_reply(struct token_req *t, struct db *db)
{
    if (!t->client.confidential)
        return 0;
    if (t->secret != NULL && clients_check_secret(&t->client, t->secret, t->secret_len))
        return 0;
    audit_log(db, "token.client", "denied", 0, t->client.client_id, t->ip, "bad_client_secret");
    oauth_error(t->call, 401, "invalid_client", "Client authentication failed.", t->basic);
    return -1;
}

/* ---- scopes ---- */

/* The scope to grant: the requested one (must be known, allowed to the client) or everything the user's
 * role and the client allow. On failure answers invalid_scope. Result in the pool. */
static const char *scope_or_reply(struct token_req *t)
{
    size_t len;
    const char *want = param(t, "scope", &len);
    const char *client_allowed = t->client.allowed_scopes[0] ? t->client.allowed_scopes : DISCOVERY_SCOPES;
    if (want == NULL) {
        return client_allowed;
    }
    if (len > 500 || !grants_scope_subset(want, len, DISCOVERY_SCOPES) ||
        !grants_scope_subset(want, len, client_allowed)) {
        oauth_error(t->call, 400, "invalid_scope", "The requested scope is unknown or not allowed.", false);
        return NULL;
    }
    char *out = h2o_mem_alloc_pool(&t->call->req->pool, len + 1); /* the scopes one space apart */
    size_t o = grants_scope_normalize(want, len, out);
    if (o == 0) {
        oauth_error(t->call, 400, "invalid_scope", "The requested scope is empty.", false);
        return NULL;
    }
    return out;
}

/* Whether the user may use the app at all (manage_woocommerce). -1 database error. */
static int user_may_use_app(struct db *db, uint64_t user_id)
{
    json_t *caps = store_user_capabilities(db, user_id);
    if (caps == NULL)
        return -1;
    int ok = store_can(caps, "manage_woocommerce") ? 1 : 0;
    json_decref(caps);
    return ok;
}

/* ---- the success response ---- */

static void token_response(struct http_call *call, const struct grant *g, const char *scope,
                           const char refresh[GRANTS_TOKEN_BUF])
{
    struct authd_app *app = authd_app_of(call);
    char sub[24];
    snprintf(sub, sizeof sub, "%" PRIu64, g->user_id);
    int64_t now = (int64_t)time(NULL);
    struct access_claims c = {.iss = app->cfg->authd_url, .sub = sub, .aud = app->cfg->apid_url,
                              .client_id = g->client_id, .scope = scope, .sid = g->id, .iat = now,
                              .exp = now + TOKEN_ACCESS_LIFETIME_S};
    size_t len;
    char *at = signing_access_token(app->keys, &c, NULL, &len);
    if (at == NULL) {
        log_error("token: cannot sign an access token");
        oauth_error(call, 500, "server_error", "The token could not be issued.", false);
        return;
    }
    no_store(call->req);
    http_reply_json(call->req, 200,
                    json_pack("{s:s%, s:s, s:i, s:s, s:s}", "access_token", at, len, "token_type", "Bearer", "expires_in",
                              TOKEN_ACCESS_LIFETIME_S, "refresh_token", refresh, "scope", scope));
    OPENSSL_cleanse(at, len);
    free(at);
}

void token_endpoint_error(struct http_call *call, int status, const char *error, const char *desc)
{
    oauth_error(call, status, error, desc, false);
}

void token_endpoint_respond(struct http_call *call, const struct grant *g, const char *scope, const char *refresh)
{
    token_response(call, g, scope, refresh);
}

static void audit_grant(struct db *db, const char *event, const char *result, uint64_t user_id, const char *client_id,
                        const char *ip, uint64_t grant_id, const char *reason)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, grant_id);
    json_t *d = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    audit_write(db, &(struct audit_event){.event = event, .result = result, .user_id = user_id,
                                          .client_id = client_id, .ip = ip, .object_type = grant_id ? "grant" : NULL,
                                          .object_id = grant_id ? oid : NULL, .detail = d});
    json_decref(d);
}

/* Creates the grant for a verified user and answers. */
static void issue_new_grant(struct token_req *t, struct db *db, uint64_t user_id, const char *scope,
                            const char *grant_type, const char *event)
{
    int may = user_may_use_app(db, user_id);
    if (may < 0) {
        http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return;
    }
    if (!may) {
        audit_grant(db, event, "denied", user_id, t->client.client_id, t->ip, 0, "not_shop_manager");
        oauth_error(t->call, 400, "invalid_grant", "This account may not manage the store (manage_woocommerce).",
                    false);
        return;
    }
    struct grant g;
    char refresh[GRANTS_TOKEN_BUF];
    if (grants_create(db, user_id, t->client.client_id, scope, grant_type, t->ip, &g, refresh) != 0) {
        http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return;
    }
    audit_grant(db, event, "ok", user_id, t->client.client_id, t->ip, g.id, NULL);
    token_response(t->call, &g, scope, refresh);
    OPENSSL_cleanse(refresh, sizeof refresh);
}

/* ---- grant_type=client_credentials: a connection key as the client secret ---- */

struct cc_job {
    struct token_req *t;
    const char *scope;
    struct connection_key key;
    char secret[CONNECTION_KEY_MAX + 1];
    size_t len;
    bool ok;
};

static void cc_work(void *data)
{
    struct cc_job *j = data;
    j->ok = connection_key_verify(j->secret, j->len, &j->key);
}

static void cc_done(struct http_call *call, void *data)
{
    struct cc_job *j = data;
    struct token_req *t = j->t;
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return;
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, j->key.id);
    if (!j->ok) {
        json_t *d = json_pack("{s:s}", "reason", j->key.user_id == 0 ? "unknown_key"
                                                 : j->key.usable       ? "wrong_key"
                                                                       : "revoked_or_expired");
        audit_write(db, &(struct audit_event){.event = "token.client_credentials", .result = "denied",
                                              .user_id = j->key.user_id, .client_id = t->client.client_id,
                                              .ip = t->ip, .object_type = "connection_key", .object_id = oid,
                                              .detail = d});
        json_decref(d);
        oauth_error(call, 401, "invalid_client", "The connection key is not valid (wrong, revoked or expired).",
                    t->basic);
        return;
    }
    connection_key_mark_used(db, j->key.id, t->ip);
    issue_new_grant(t, db, j->key.user_id, j->scope, "client_credentials", "token.client_credentials");
}

static void cc_free(void *data)
{
    struct cc_job *j = data;
    OPENSSL_cleanse(j, sizeof *j);
    free(j);
}

static void grant_client_credentials(struct token_req *t, struct db *db)
{
    if (t->secret == NULL || t->secret_len == 0) {
        oauth_error(t->call, 401, "invalid_client", "The connection key (client_secret) is required.", t->basic);
        return;
    }
    const char *scope = scope_or_reply(t);
    if (scope == NULL)
        return;
    struct cc_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        abort();
    j->t = t;
    j->scope = scope;
    uint64_t id = 0;
    if (connection_key_parse(t->secret, t->secret_len, &id) == 0) {
        if (connection_key_load(db, id, &j->key) != 0) {
            cc_free(j);
            http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
            return;
        }
        memcpy(j->secret, t->secret, t->secret_len);
        j->len = t->secret_len;
    } else {
        j->key.usable = false; /* still spends one bcrypt: a malformed key answers as slowly as a wrong one */
    }
    offload_submit_or_reply(t->call, cc_work, cc_done, j, cc_free);
}

/* ---- grant_type=password: WordPress application passwords only ---- */

/* phpass of "cartman-no-such-user": checked when the user does not exist or has no application password,
 * so that the answer takes as long as a real check. */
static const char DUMMY_APP_HASH[] = "$P$BVQSm8newLiIbn4ktmIW3hp.PxoPpn0";

struct pw_job {
    struct token_req *t;
    const char *scope;
    uint64_t user_id; /* 0: not found */
    char user_key[128];
    char *password;
    size_t plen;
    size_t nhash;
    char *hashes[LIMIT_APP_PASSWORDS];
    json_t *entries[LIMIT_APP_PASSWORDS]; /* borrowed from meta */
    json_t *meta;                         /* the unserialized _application_passwords */
    char *meta_raw;
    size_t meta_raw_len;
    long match;
};

static void pw_work(void *data)
{
    struct pw_job *j = data;
    j->match = -1;
    if (j->nhash == 0) {
        wp_app_password_check(j->password, j->plen, DUMMY_APP_HASH, sizeof DUMMY_APP_HASH - 1);
        return;
    }
    for (size_t i = 0; i < j->nhash && j->match < 0; i++)
        if (wp_app_password_check(j->password, j->plen, j->hashes[i], strlen(j->hashes[i])))
            j->match = (long)i;
}

static void pw_free(void *data)
{
    struct pw_job *j = data;
    if (j->password) {
        OPENSSL_cleanse(j->password, j->plen);
        free(j->password);
    }
    for (size_t i = 0; i < j->nhash; i++)
        free(j->hashes[i]);
    json_decref(j->meta);
    free(j->meta_raw);
    free(j);
}

static const char SQL_APP_PASSWORDS[] =
    "SELECT meta_value FROM {p}usermeta WHERE user_id = ? AND meta_key = '_application_passwords' LIMIT 1";
static const char SQL_APP_PASSWORDS_SET[] =
    "UPDATE {p}usermeta SET meta_value = ? WHERE user_id = ? AND meta_key = '_application_passwords' AND meta_value = ?";

/* record_application_password_usage(): last_used and last_ip, at most once a day. Best effort. */
static void pw_record_usage(struct db *db, struct pw_job *j)
{
    json_t *e = j->entries[j->match];
    json_t *lu = json_object_get(e, "last_used");
    int64_t now = (int64_t)time(NULL);
    if (json_is_integer(lu) && json_integer_value(lu) + 86400 > now)
        return;
    json_object_set_new(e, "last_used", json_integer(now));
    json_object_set_new(e, "last_ip", json_string(j->t->ip));
    size_t len;
    char *ser = php_serialize(j->meta, &len);
    if (ser == NULL)
        return;
    struct db_value p[] = {DB_STRN(ser, len), DB_UINT(j->user_id), DB_STRN(j->meta_raw, j->meta_raw_len)};
    if (db_exec(db, SQL_APP_PASSWORDS_SET, p, 3, NULL) != 0)
        log_warn("token: cannot record application password usage: %s", db_error(db));
    free(ser);
}

static void pw_done(struct http_call *call, void *data)
{
    struct pw_job *j = data;
    struct token_req *t = j->t;
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return;
    const struct lockout_policy *pol = &security_settings_get(call->worker->data)->lockout;
    if (j->match < 0 || j->user_id == 0) {
        lockout_record_failure(db, pol, t->ip, j->user_key);
        audit_grant(db, "token.password", "denied", j->user_id, t->client.client_id, t->ip, 0,
                    j->user_id ? "wrong_password" : "unknown_user");
        oauth_error(call, 400, "invalid_grant", "The user name or application password is not valid.", false);
        return;
    }
    lockout_record_success(db, t->ip, j->user_key);
    pw_record_usage(db, j);
    issue_new_grant(t, db, j->user_id, j->scope, "password", "token.password");
}

static void pw_load_hashes(struct pw_job *j, struct db *db)
{
    struct db_value p[] = {DB_UINT(j->user_id)};
    struct db_rows rows;
    if (db_query(db, SQL_APP_PASSWORDS, p, 1, &rows) != 0)
        return;
    if (rows.nrows == 1 && db_cell(&rows, 0, 0)) {
        const char *err;
        j->meta = php_unserialize(db_cell(&rows, 0, 0), db_cell_len(&rows, 0, 0), &err);
        j->meta_raw_len = db_cell_len(&rows, 0, 0);
        j->meta_raw = malloc(j->meta_raw_len + 1);
        if (j->meta_raw == NULL)
            abort();
        memcpy(j->meta_raw, db_cell(&rows, 0, 0), j->meta_raw_len + 1);
    }
    db_rows_free(&rows);
    if (j->meta == NULL)
        return;
    /* an array with integer keys: a JSON array, or an object when keys were not renumbered */
    size_t idx;
    const char *k;
    json_t *e;
    if (json_is_array(j->meta)) {
        json_array_foreach(j->meta, idx, e) {
            json_t *pw = json_object_get(e, "password");
            if (j->nhash < LIMIT_APP_PASSWORDS && json_is_string(pw)) {
                j->entries[j->nhash] = e;
                j->hashes[j->nhash++] = strdup(json_string_value(pw));
            }
        }
    } else if (json_is_object(j->meta)) {
        json_object_foreach(j->meta, k, e) {
            json_t *pw = json_object_get(e, "password");
            if (j->nhash < LIMIT_APP_PASSWORDS && json_is_string(pw)) {
                j->entries[j->nhash] = e;
                j->hashes[j->nhash++] = strdup(json_string_value(pw));
            }
        }
    }
    for (size_t i = 0; i < j->nhash; i++)
        if (j->hashes[i] == NULL)
            abort();
}

static void grant_password(struct token_req *t, struct db *db)
{
    size_t ulen, plen;
    const char *user = param(t, "username", &ulen), *pass = param(t, "password", &plen);
    if (user == NULL || pass == NULL || ulen == 0 || plen == 0) {
        oauth_error(t->call, 400, "invalid_request", "username and password are required.", false);
        return;
    }
    const char *scope = scope_or_reply(t);
    if (scope == NULL)
        return;
    struct store_options opts;
    if (store_options_load(db, &opts) != 0) {
        http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return;
    }
    if (!opts.app_passwords_in_use) {
        audit_grant(db, "token.password", "denied", 0, t->client.client_id, t->ip, 0, "app_passwords_unused");
        oauth_error(t->call, 400, "invalid_grant", "The user name or application password is not valid.", false);
        return;
    }
    struct pw_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        abort();
    j->t = t;
    j->scope = scope;
    struct store_user u;
    int found = ulen <= 100 && plen <= LIMIT_PASSWORD_BYTES ? store_user_find(db, user, ulen, &u) : 0;
    if (found < 0) {
        pw_free(j);
        http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return;
    }
    if (found == 1) {
        j->user_id = u.id;
        snprintf(j->user_key, sizeof j->user_key, "%" PRIu64, u.id);
    } else {
        size_t n = ulen < sizeof j->user_key - 1 ? ulen : sizeof j->user_key - 1;
        for (size_t i = 0; i < n; i++)
            j->user_key[i] = (char)((user[i] >= 'A' && user[i] <= 'Z') ? user[i] + 32 : user[i]);
        j->user_key[n] = '\0';
    }
    const struct lockout_policy *pol = &security_settings_get(t->call->worker->data)->lockout;
    unsigned retry;
    int locked = lockout_check(db, pol, t->ip, j->user_key, &retry);
    if (locked != 0) {
        pw_free(j);
        if (locked < 0) {
            http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
            return;
        }
        audit_grant(db, "token.password", "denied", found == 1 ? u.id : 0, t->client.client_id, t->ip, 0, "locked_out");
        http_reply_rate_limit_headers(t->call->req, retry, pol->user_max, 0, retry);
        oauth_error(t->call, 400, "invalid_grant", "Too many failed sign-ins; try again later.", false);
        return;
    }
    if (found == 1)
        pw_load_hashes(j, db);
    j->password = malloc(plen ? plen : 1);
    if (j->password == NULL)
        abort();
    j->plen = plen <= LIMIT_PASSWORD_BYTES ? plen : 0;
    memcpy(j->password, pass, j->plen);
    offload_submit_or_reply(t->call, pw_work, pw_done, j, pw_free);
}

/* ---- grant_type=refresh_token ---- */

static void grant_refresh(struct token_req *t, struct db *db)
{
    size_t len, slen = 0;
    const char *rt = param(t, "refresh_token", &len);
    if (rt == NULL || len == 0) {
        oauth_error(t->call, 400, "invalid_request", "refresh_token is required.", false);
        return;
    }
    const char *narrow = param(t, "scope", &slen);
    if (narrow != NULL && (slen == 0 || slen > 500)) {
        oauth_error(t->call, 400, "invalid_scope", "The requested scope is not allowed.", false);
        return;
    }
    if (len > LIMIT_TOKEN_BYTES) {
        oauth_error(t->call, 400, "invalid_grant", "The refresh token is not valid.", false);
        return;
    }
    struct grant g;
    char refresh[GRANTS_TOKEN_BUF];
    struct grants_refresh_req rq = {.token = rt, .len = len, .client_id = t->client.client_id, .narrow = narrow,
                                    .narrow_len = slen, .ip = t->ip};
    /* one transaction: the rotation (or refusal), the user's capability check and the audit row */
    switch (grants_refresh(db, &rq, &g, refresh)) {
    case GRANTS_ROTATED:
    case GRANTS_GRACE:
        break;
    case GRANTS_ERROR:
        http_reply_error(t->call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return;
    case GRANTS_BAD_SCOPE:
        oauth_error(t->call, 400, "invalid_scope", "The requested scope is wider than the grant.", false);
        return;
    case GRANTS_USER_DENIED:
        oauth_error(t->call, 400, "invalid_grant", "This account may no longer manage the store.", false);
        return;
    case GRANTS_REUSE_REVOKED:
    case GRANTS_WRONG_CLIENT:
    case GRANTS_INVALID:
    default:
        oauth_error(t->call, 400, "invalid_grant", "The refresh token is not valid.", false);
        return;
    }
    const char *scope = narrow != NULL ? pool_strndup(&t->call->req->pool, narrow, slen) : g.scope;
    token_response(t->call, &g, scope, refresh);
    OPENSSL_cleanse(refresh, sizeof refresh);
}

/* ---- POST /oauth/token ---- */

/* The prologue of the three token endpoints: database, per-IP limit, the parsed form. NULL after
 * answering. */
static struct token_req *token_begin_or_reply(struct http_call *call, struct db **db)
{
    *db = daemon_db_or_reply(call);
    if (*db == NULL)
        return NULL;
    rate_limit_settings_refresh(&token_limits, *db);
    if (rate_limit_or_reply(call, token_limits.table[0], "ip", http_client_addr(call)) != 0)
        return NULL;
    struct token_req *t = h2o_mem_alloc_pool(&call->req->pool, sizeof *t);
    return token_req_parse_or_reply(call, t) == 0 ? t : NULL;
}

static int token_post(struct http_call *call)
{
    struct db *db;
    struct token_req *t = token_begin_or_reply(call, &db);
    if (t == NULL)
        return 0;
    size_t glen;
    const char *gt = param(t, "grant_type", &glen);
    if (gt == NULL) {
        oauth_error(call, 400, "invalid_request", "grant_type is required.", false);
        return 0;
    }
    enum { G_NONE, G_CC, G_PW, G_RT, G_CODE } kind = G_NONE;
    if (strcmp(gt, "client_credentials") == 0)
        kind = G_CC;
    else if (strcmp(gt, "password") == 0)
        kind = G_PW;
    else if (strcmp(gt, "refresh_token") == 0)
        kind = G_RT;
    else if (strcmp(gt, "authorization_code") == 0)
        kind = G_CODE;
    if (kind == G_NONE) {
        oauth_error(call, 400, "unsupported_grant_type", "This grant type is not supported here.", false);
        return 0;
    }
    if (client_find_or_reply(t, db) != 0)
        return 0;
    /* connection keys and application passwords are the store owner's own credentials: only the CartMan
     * app (built-in) and confidential clients (the owner's backends) may exchange them, never a
     * registered third-party public client */
    if ((kind == G_CC || kind == G_PW) && !t->client.builtin && !t->client.confidential) {
        oauth_error(call, 400, "unauthorized_client", "This client may not use this grant type.", false);
        return 0;
    }
    switch (kind) {
    case G_CC:
        grant_client_credentials(t, db);
        break;
    case G_PW:
        if (client_secret_or_reply(t, db) == 0)
            grant_password(t, db);
        break;
    case G_CODE:
        if (client_secret_or_reply(t, db) == 0)
            authorization_code_grant(call, db, &t->client, t->f, t->n);
        break;
    default:
        if (client_secret_or_reply(t, db) == 0)
            grant_refresh(t, db);
        break;
    }
    return 0;
}

/* ---- access tokens we issued: ES256 verified against our own JWKS ---- */

static EVP_PKEY *jwk_to_pkey(json_t *jwk)
{
    const char *x = json_string_value(json_object_get(jwk, "x")), *y = json_string_value(json_object_get(jwk, "y"));
    unsigned char xb[33], yb[33];
    if (x == NULL || y == NULL || strlen(x) != 43 || strlen(y) != 43 || jose_base64url_decode(x, 43, xb) != 32 ||
        jose_base64url_decode(y, 43, yb) != 32)
        return NULL;
    return jose_p256_public(xb, yb);
}

/* Whether the claims make a token that is valid now: our issuer, apid as the audience, inside exp/nbf
 * (nbf with a small leeway for clock skew between instances). */
static bool access_claims_valid(const json_t *p, const struct config *cfg, int64_t now)
{
    const char *iss = json_string_value(json_object_get(p, "iss"));
    const json_t *aud = json_object_get(p, "aud"), *exp = json_object_get(p, "exp"), *nbf = json_object_get(p, "nbf");
    bool aud_ok = json_is_string(aud) && strcmp(json_string_value(aud), cfg->apid_url) == 0;
    size_t i;
    const json_t *a;
    json_array_foreach(aud, i, a) aud_ok = aud_ok || (json_is_string(a) && strcmp(json_string_value(a), cfg->apid_url) == 0);
    return iss != NULL && strcmp(iss, cfg->authd_url) == 0 && aud_ok && json_is_integer(exp) && json_is_integer(nbf) &&
           json_integer_value(exp) > now && json_integer_value(nbf) <= now + TOKEN_NBF_LEEWAY_S;
}

/* The payload of an access token signed by one of our published keys (ES256, typ at+jwt, kid known) whose
 * claims are valid now (access_claims_valid), or NULL. */
static json_t *access_token_verify(struct signing_keys *keys, const struct config *cfg, const char *tok, size_t len)
{
    const char *d1 = memchr(tok, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
    if (d1 == NULL || d2 == NULL || len > LIMIT_TOKEN_BYTES || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)))
        return NULL;
    unsigned char buf[LIMIT_TOKEN_BYTES];
    long n = jose_base64url_decode(tok, (size_t)(d1 - tok), buf);
    json_t *hdr = n > 0 ? json_loadb((const char *)buf, (size_t)n, 0, NULL) : NULL;
    const char *alg = json_string_value(json_object_get(hdr, "alg")), *kid = json_string_value(json_object_get(hdr, "kid"));
    const char *typ = json_string_value(json_object_get(hdr, "typ"));
    json_t *payload = NULL;
    unsigned char sig[LIMIT_TOKEN_BYTES];
    if (alg && kid && typ && strcmp(alg, "ES256") == 0 && strcmp(typ, "at+jwt") == 0 &&
        jose_base64url_decode(d2 + 1, len - (size_t)(d2 + 1 - tok), sig) == 64) {
        json_t *jwks = signing_jwks(keys);
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(jwks, "keys"), i, k) {
            const char *kk = json_string_value(json_object_get(k, "kid"));
            if (kk == NULL || strcmp(kk, kid) != 0)
                continue;
            EVP_PKEY *pk = jwk_to_pkey(k);
            if (pk && jose_es256_verify(pk, tok, (size_t)(d2 - tok), sig)) {
                n = jose_base64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), buf);
                payload = n > 0 ? json_loadb((const char *)buf, (size_t)n, 0, NULL) : NULL;
            }
            EVP_PKEY_free(pk);
            break;
        }
        json_decref(jwks);
    }
    json_decref(hdr);
    if (payload && (!json_is_object(payload) || !access_claims_valid(payload, cfg, (int64_t)time(NULL)))) {
        json_decref(payload);
        payload = NULL;
    }
    return payload;
}

/* ---- POST /oauth/revoke (RFC 7009) ---- */

static int revoke_post(struct http_call *call)
{
    struct db *db;
    struct token_req *t = token_begin_or_reply(call, &db);
    if (t == NULL)
        return 0;
    size_t len;
    const char *tok = param(t, "token", &len);
    if (tok == NULL || len == 0) {
        oauth_error(call, 400, "invalid_request", "token is required.", false);
        return 0;
    }
    if (client_find_or_reply(t, db) != 0 || client_secret_or_reply(t, db) != 0)
        return 0;
    uint64_t grant_id = 0;
    const char *kind = "unknown";
    if (len <= LIMIT_TOKEN_BYTES && memchr(tok, '.', len) != NULL) {
        json_t *p = access_token_verify(authd_app_of(call)->keys, authd_app_of(call)->cfg, tok, len);
        const char *cid = json_string_value(json_object_get(p, "client_id"));
        if (p && cid && strcmp(cid, t->client.client_id) == 0 && json_is_integer(json_object_get(p, "sid"))) {
            grant_id = (uint64_t)json_integer_value(json_object_get(p, "sid"));
            kind = "access_token";
        }
        json_decref(p);
    } else if (len <= LIMIT_TOKEN_BYTES) {
        struct grant g;
        bool active;
        int64_t exp;
        if (grants_find_refresh(db, tok, len, &g, &active, &exp) == 1 && strcmp(g.client_id, t->client.client_id) == 0) {
            grant_id = g.id;
            kind = "refresh_token";
        }
    }
    if (grant_id != 0) {
        int r = grants_revoke(db, grant_id, "revoked_by_client");
        if (r < 0) {
            http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
            return 0;
        }
        struct grant g;
        bool revoked;
        uint64_t uid = grants_load(db, grant_id, &g, &revoked) == 1 ? g.user_id : 0;
        audit_grant(db, "token.revoke", "ok", uid, t->client.client_id, t->ip, grant_id, kind);
    } else {
        audit_grant(db, "token.revoke", "ignored", 0, t->client.client_id, t->ip, 0, "unknown_token");
    }
    no_store(call->req);
    http_reply_json(call->req, 200, json_object());
    return 0;
}

/* ---- POST /oauth/introspect (RFC 7662) ---- */

static int introspect_post(struct http_call *call)
{
    struct db *db;
    struct token_req *t = token_begin_or_reply(call, &db);
    if (t == NULL)
        return 0;
    if (client_find_or_reply(t, db) != 0)
        return 0;
    if (!t->client.confidential) {
        oauth_error(call, 401, "invalid_client", "Introspection is for confidential clients.", t->basic);
        return 0;
    }
    if (client_secret_or_reply(t, db) != 0)
        return 0;
    size_t len;
    const char *tok = param(t, "token", &len);
    if (tok == NULL || len == 0) {
        oauth_error(call, 400, "invalid_request", "token is required.", false);
        return 0;
    }
    json_t *out = NULL;
    char sub[24];
    if (len <= LIMIT_TOKEN_BYTES && memchr(tok, '.', len) != NULL) {
        json_t *p = access_token_verify(authd_app_of(call)->keys, authd_app_of(call)->cfg, tok, len);
        json_t *sid = json_object_get(p, "sid"), *exp = json_object_get(p, "exp");
        struct grant g;
        bool revoked = true;
        if (p && json_is_integer(sid) && json_is_integer(exp) && grants_load(db, (uint64_t)json_integer_value(sid), &g, &revoked) == 1 && !revoked) {
            out = json_pack("{s:b, s:O*, s:O*, s:O*, s:O, s:O*, s:O, s:s, s:O*, s:O*}", "active", 1, "scope",
                            json_object_get(p, "scope"), "client_id", json_object_get(p, "client_id"), "sub",
                            json_object_get(p, "sub"), "exp", exp, "iat", json_object_get(p, "iat"), "sid", sid,
                            "token_type", "Bearer", "iss", json_object_get(p, "iss"), "aud", json_object_get(p, "aud"));
        }
        json_decref(p);
    } else if (len <= LIMIT_TOKEN_BYTES) {
        struct grant g;
        bool active;
        int64_t exp;
        if (grants_find_refresh(db, tok, len, &g, &active, &exp) == 1 && active) {
            snprintf(sub, sizeof sub, "%" PRIu64, g.user_id);
            out = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "active", 1, "scope", g.scope, "client_id",
                            g.client_id, "sub", sub, "exp", (json_int_t)exp, "iat", (json_int_t)g.created, "sid",
                            (json_int_t)g.id, "token_type", "refresh_token");
        }
    }
    if (out == NULL)
        out = json_pack("{s:b}", "active", 0);
    no_store(call->req);
    http_reply_json(call->req, 200, out);
    return 0;
}

const struct http_route token_endpoint_routes[] = {
    {HTTP_POST, "/oauth/token", token_post, LIMIT_REQUEST_BODY_PREAUTH, HTTP_ROUTE_NO_STORE, NULL},
    {HTTP_POST, "/oauth/revoke", revoke_post, LIMIT_REQUEST_BODY_PREAUTH, HTTP_ROUTE_NO_STORE, NULL},
    {HTTP_POST, "/oauth/introspect", introspect_post, LIMIT_REQUEST_BODY_PREAUTH, HTTP_ROUTE_NO_STORE, NULL},
};
_Static_assert(sizeof token_endpoint_routes / sizeof token_endpoint_routes[0] == TOKEN_ENDPOINT_NROUTES,
               "TOKEN_ENDPOINT_NROUTES");

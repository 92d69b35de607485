/*
 * authd/authorize.c — the authorization endpoint and the sign-in, consent and sign-out pages.
 *
 * Owns: strict validation of authorization requests, the pending requests table, the sign-in form
 * (WordPress password check on the offload pool, manage_woocommerce required, lockout, audit), the
 * consent decision and the redirects back to the app (code/error + state + iss), and the pages' HTTP
 * headers.
 * Deliberately does not: keep any state in memory (pending requests and sessions live in the database,
 * so any instance can serve any step), write wp_users (never), store codes (authd/authorization_code.c),
 * handle cookies and CSRF tokens (authd/sessions.c), or trust a hidden form field for anything but the
 * request id: the redirect URI, state, scope and PKCE challenge are read back from the table.
 */
#include "authd/authorize.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "authd/app.h"
#include "authd/authorization_code.h"
#include "authd/clients.h"
#include "authd/discovery.h"
#include "authd/grants.h"
#include "common/lockout.h"
#include "authd/sessions.h"
#include "common/audit.h"
#include "common/http_reply.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/offload.h"
#include "common/rate_limit.h"
#include "common/security_settings.h"
#include "common/store.h"
#include "common/template.h"
#include "common/wp_password.h"

#define CSP_HEAD "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
#define CSP_TAIL "; frame-ancestors 'none'; base-uri 'none'"
#define REDIRECT_MAX 2000
#define STATE_MAX 500
#define LOGIN_MAX 255

/* phpass of a fixed string: checked when the user does not exist, so that the answer takes as long. */
static const char DUMMY_HASH[] = "$P$BVQSm8newLiIbn4ktmIW3hp.PxoPpn0";

static const struct {
    const char *name, *description;
} SCOPE_TEXT[] = {
    {"orders:read", "See orders, customers' order details and transactions"},
    {"orders:write", "Change order status, add notes and make refunds"},
    {"products:read", "See products, stock and prices"},
    {"products:write", "Create, edit and delete products"},
    {"reports:read", "See sales reports"},
    {"tickets:read", "See support tickets"},
    {"tickets:write", "Reply to and update support tickets"},
};

static const char SQL_REQ_INSERT[] =
    "INSERT INTO {p}cartman_auth_requests (id_hash, client_id, redirect_uri, state, scope, code_challenge,"
    " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL ? SECOND)";
static const char SQL_REQ_PURGE[] = "DELETE FROM {p}cartman_auth_requests WHERE expires_at < UTC_TIMESTAMP() LIMIT 100";
static const char SQL_REQ_LOAD[] =
    "SELECT client_id, redirect_uri, state, scope, code_challenge FROM {p}cartman_auth_requests"
    " WHERE id_hash = ? AND expires_at > UTC_TIMESTAMP()";
static const char SQL_REQ_DELETE[] = "DELETE FROM {p}cartman_auth_requests WHERE id_hash = ?";

/* A pending authorization request, as stored. */
struct pending {
    char id[GRANTS_TOKEN_BUF]; /* as the browser holds it */
    char id_hash[65];
    struct client client;
    char redirect_uri[REDIRECT_MAX + 1];
    char state[STATE_MAX + 1];
    bool has_state;
    char scope[501];
    char challenge[129];
};

/* ---- pages ---- */

/* form_action: one more CSP source the page's forms may end up at (NULL: none). Chromium applies
 * form-action to the redirects that follow a form post, so the consent page names the app's redirect
 * origin. */
static void page_headers(h2o_req_t *req, const char *form_action)
{
    char csp[sizeof CSP_HEAD + sizeof CSP_TAIL + REDIRECT_MAX + 2];
    snprintf(csp, sizeof csp, "%s%s%s%s", CSP_HEAD, form_action ? " " : "", form_action ? form_action : "", CSP_TAIL);
    http_reply_no_store(req);
    http_reply_set_header(req, "content-security-policy", csp);
    http_reply_set_header(req, "x-frame-options", "DENY");
    http_reply_set_header(req, "referrer-policy", "no-referrer");
    http_reply_set_header(req, "x-content-type-options", "nosniff");
}

/* The CSP source for the origin of a (registered, validated) redirect URI: "https://host:port", or
 * "scheme:" for a private-use scheme or anything unusual. Pool memory. */
static const char *csp_origin(h2o_mem_pool_t *pool, const char *uri)
{
    size_t sl = strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    if (sl == 0 || uri[sl] != ':')
        return NULL;
    size_t n = sl + 1;
    if (uri[n] == '/' && uri[n + 1] == '/') {
        size_t a = strspn(uri + n + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]");
        char c = uri[n + 2 + a];
        if (a > 0 && (c == '\0' || c == '/' || c == '?' || c == '#'))
            n += 2 + a;
    }
    char *o = h2o_mem_alloc_pool(pool, n + 1);
    memcpy(o, uri, n);
    o[n] = '\0';
    return o;
}

static void render_page(struct http_call *call, struct db *db, int status, const char *name, json_t *data,
                        const char *form_action);

/* Renders template name with data (consumed), adding store_name. */
static void render(struct http_call *call, struct db *db, int status, const char *name, json_t *data)
{
    render_page(call, db, status, name, data, NULL);
}

static void render_page(struct http_call *call, struct db *db, int status, const char *name, json_t *data,
                        const char *form_action)
{
    struct authd_app *app = authd_app_of(call);
    struct store_options *o = h2o_mem_alloc_pool(&call->req->pool, sizeof *o);
    memset(o, 0, sizeof *o);
    if (db == NULL || store_options_load(db, o) != 0 || o->site_name[0] == '\0')
        snprintf(o->site_name, sizeof o->site_name, "%s", "Store");
    json_object_set_new(data, "store_name", json_string(o->site_name));
    if (strcmp(name, "logged_out") == 0 && (strncmp(o->home_url, "https://", 8) == 0 || strncmp(o->home_url, "http://", 7) == 0))
        json_object_set_new(data, "store_url", json_string(o->home_url));
    if (strcmp(name, "login") == 0 && (strncmp(o->site_url, "https://", 8) == 0 || strncmp(o->site_url, "http://", 7) == 0)) {
        char lost[sizeof o->site_url + 40];
        size_t sl = strlen(o->site_url);
        while (sl > 0 && o->site_url[sl - 1] == '/')
            sl--;
        snprintf(lost, sizeof lost, "%.*s/wp-login.php?action=lostpassword", (int)sl, o->site_url);
        json_object_set_new(data, "lost_password_url", json_string(lost));
    }
    struct template_out out;
    template_out_init(&out, 0);
    if (app->templates == NULL || template_set_render(app->templates, name, data, &out) != 0) {
        log_error("page %s: %s", name, out.err ? out.err : "no templates");
        http_reply_error(call->req, 500, "cartman_internal", "The page could not be shown.");
    } else {
        page_headers(call->req, form_action);
        http_reply_body(call->req, status, "text/html; charset=utf-8", out.buf, out.len);
    }
    template_out_free(&out);
    json_decref(data);
}

static int error_page(struct http_call *call, struct db *db, int status, const char *title, const char *message,
                      const char *detail)
{
    render(call, db, status, "error",
           json_pack("{s:s, s:s, s:s?}", "title", title, "message", message, "detail", detail));
    return 0;
}

/* The urlencoded body of a browser form, each field at most once. -1 after answering with an error page. */
static int form_or_page(struct http_call *call, struct db *db, const struct form_field **f, size_t *n)
{
    const char *err;
    if (http_body_form(call, f, n, &err) != 0) {
        error_page(call, db, 400, "Invalid form", "The form could not be read.", "invalid_request");
        return -1;
    }
    for (size_t i = 0; i < *n; i++) {
        if (form_count(*f, *n, (*f)[i].name) > 1) {
            error_page(call, db, 400, "Invalid form", "A form field is repeated.", "invalid_request");
            return -1;
        }
    }
    return 0;
}

static void db_down(struct http_call *call)
{
    http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
}

/* ---- a rate limit per IP over every route here (password guessing is the lockout's concern; this
 * bounds the pending requests and pages one address can create) ---- */

static struct rate_limit *rl_browser;
static pthread_once_t rl_once = PTHREAD_ONCE_INIT;

static void rl_init(void)
{
    rl_browser = rate_limit_create(LIMIT_RATE_BROWSER_IP_BURST, LIMIT_RATE_BROWSER_IP_PER_S, 0);
}

/* Takes a token for the peer's address; on refusal answers a 429 page and returns -1. */
static int rate_limit_or_page(struct http_call *call)
{
    pthread_once(&rl_once, rl_init);
    struct rate_limit_result r = rate_limit_take_for(rl_browser, "browser", http_client_addr(call));
    if (r.allowed)
        return 0;
    http_reply_rate_limit_headers(call->req, r.retry_after, r.limit, r.remaining, r.reset_s);
    error_page(call, NULL, 429, "Too many requests", "Too many requests from your address. Wait a moment, then try again.",
               "temporarily_unavailable");
    return -1;
}

/* ---- redirects back to the app ---- */

struct url {
    char b[REDIRECT_MAX + 3 * STATE_MAX + 3 * CONFIG_STR + 512];
    size_t n;
    bool overflow;
    char sep;
};

static void url_raw(struct url *u, const char *s, size_t len)
{
    if (u->overflow || u->n + len >= sizeof u->b) {
        u->overflow = true;
        return;
    }
    memcpy(u->b + u->n, s, len);
    u->n += len;
    u->b[u->n] = '\0';
}

static void url_param(struct url *u, const char *name, const char *value)
{
    static const char hexd[] = "0123456789ABCDEF";
    url_raw(u, &u->sep, 1);
    u->sep = '&';
    url_raw(u, name, strlen(name));
    url_raw(u, "=", 1);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            url_raw(u, (const char *)p, 1);
        } else {
            char e[3] = {'%', hexd[c >> 4], hexd[c & 15]};
            url_raw(u, e, 3);
        }
    }
}

static void url_start(struct url *u, const char *redirect_uri)
{
    u->n = 0;
    u->overflow = false;
    u->b[0] = '\0';
    url_raw(u, redirect_uri, strlen(redirect_uri));
    u->sep = strchr(redirect_uri, '?') ? '&' : '?';
}

static void redirect_finish(struct http_call *call, struct url *u, const char *state)
{
    if (state != NULL)
        url_param(u, "state", state);
    url_param(u, "iss", authd_app_of(call)->cfg->authd_url);
    if (u->overflow) {
        http_reply_error(call->req, 500, "cartman_internal", "The redirect could not be built.");
        return;
    }
    page_headers(call->req, NULL);
    http_reply_redirect(call->req, 303, u->b);
}

static int redirect_error(struct http_call *call, const char *redirect_uri, const char *state, const char *error,
                          const char *desc)
{
    struct url *u = h2o_mem_alloc_pool(&call->req->pool, sizeof *u);
    url_start(u, redirect_uri);
    url_param(u, "error", error);
    url_param(u, "error_description", desc);
    redirect_finish(call, u, state);
    return 0;
}

/* ---- pending requests ---- */

/* 1 loaded, 0 unknown or expired, -1 database error. */
static int pending_load(struct db *db, const char *id, size_t len, struct pending *p)
{
    memset(p, 0, sizeof *p);
    if (len != GRANTS_TOKEN_CHARS)
        return 0;
    memcpy(p->id, id, len);
    grants_token_hash(id, len, p->id_hash);
    struct db_value v[] = {DB_STRN(p->id_hash, 64)};
    struct db_rows rows;
    if (db_query(db, SQL_REQ_LOAD, v, 1, &rows) != 0)
        return -1;
    if (rows.nrows != 1) {
        db_rows_free(&rows);
        return 0;
    }
    char cid[CLIENTS_ID_BYTES];
    snprintf(cid, sizeof cid, "%s", db_cell(&rows, 0, 0) ? db_cell(&rows, 0, 0) : "");
    snprintf(p->redirect_uri, sizeof p->redirect_uri, "%s", db_cell(&rows, 0, 1) ? db_cell(&rows, 0, 1) : "");
    p->has_state = db_cell(&rows, 0, 2) != NULL;
    snprintf(p->state, sizeof p->state, "%s", p->has_state ? db_cell(&rows, 0, 2) : "");
    snprintf(p->scope, sizeof p->scope, "%s", db_cell(&rows, 0, 3) ? db_cell(&rows, 0, 3) : "");
    snprintf(p->challenge, sizeof p->challenge, "%s", db_cell(&rows, 0, 4) ? db_cell(&rows, 0, 4) : "");
    db_rows_free(&rows);
    int rc = clients_find(db, cid, strlen(cid), &p->client);
    return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

/* The scope to ask for: the requested one (known, allowed to the client; spacing normalised) or all that
 * the client may have. NULL when it is not acceptable. */
static const char *scope_resolve(h2o_mem_pool_t *pool, const struct client *c, const char *want, size_t len)
{
    const char *allowed = c->allowed_scopes[0] ? c->allowed_scopes : DISCOVERY_SCOPES;
    if (want == NULL)
        return allowed;
    if (len > 500 || !grants_scope_subset(want, len, DISCOVERY_SCOPES) || !grants_scope_subset(want, len, allowed))
        return NULL;
    char *out = h2o_mem_alloc_pool(pool, len + 1);
    size_t o = grants_scope_normalize(want, len, out);
    return o ? out : NULL;
}

/* ---- the two pages of the flow ---- */

static void login_page(struct http_call *call, struct db *db, int status, const struct pending *p, const char *login,
                       const char *error)
{
    const char *csrf = sessions_login_csrf(call);
    if (csrf == NULL) {
        http_reply_error(call->req, 500, "cartman_internal", "The page could not be shown.");
        return;
    }
    json_t *d = json_pack("{s:s, s:s}", "action", "/login", "csrf", csrf);
    if (p != NULL) {
        json_object_set_new(d, "request_id", json_string(p->id));
        json_object_set_new(d, "client_name", json_string(p->client.name));
    }
    if (login != NULL)
        json_object_set_new(d, "login", json_string(login));
    if (error != NULL)
        json_object_set_new(d, "error", json_string(error));
    render(call, db, status, "login", d);
}

static bool user_is_manager(struct db *db, uint64_t user_id, int *err)
{
    json_t *caps = store_user_capabilities(db, user_id);
    *err = caps == NULL;
    bool ok = caps != NULL && store_can(caps, "manage_woocommerce");
    json_decref(caps);
    return ok;
}

static void consent_page(struct http_call *call, struct db *db, const struct session *s, const struct pending *p)
{
    struct store_user *u = h2o_mem_alloc_pool(&call->req->pool, sizeof *u);
    int rc = store_user_by_id(db, s->user_id, u);
    if (rc < 0) {
        db_down(call);
        return;
    }
    int err = 0;
    if (rc == 0 || !user_is_manager(db, s->user_id, &err)) {
        if (err) {
            db_down(call);
            return;
        }
        login_page(call, db, 403, p, NULL, "This account cannot connect apps: only store administrators and shop managers can.");
        return;
    }
    json_t *scopes = json_array();
    const char *sc = p->scope;
    while (*sc) {
        size_t n = strcspn(sc, " ");
        for (size_t i = 0; i < sizeof SCOPE_TEXT / sizeof SCOPE_TEXT[0]; i++)
            if (strlen(SCOPE_TEXT[i].name) == n && memcmp(SCOPE_TEXT[i].name, sc, n) == 0)
                json_array_append_new(scopes, json_pack("{s:s, s:s}", "name", SCOPE_TEXT[i].name, "description",
                                                        SCOPE_TEXT[i].description));
        sc += n;
        while (*sc == ' ')
            sc++;
    }
    render_page(call, db, 200, "consent",
           json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "client_name", p->client.name, "user_display_name",
                     u->display_name[0] ? u->display_name : u->login, "user_login", u->login, "scopes", scopes,
                     "action", "/oauth/authorize", "csrf", s->csrf, "request_id", p->id),
           csp_origin(&call->req->pool, p->redirect_uri));
}

/* The next step for a pending request: consent with a live session, else sign-in. */
static void continue_request(struct http_call *call, struct db *db, const struct pending *p)
{
    struct session s;
    int rc = sessions_find(call, db, &s);
    if (rc < 0) {
        db_down(call);
        return;
    }
    if (rc == 1)
        consent_page(call, db, &s, p);
    else
        login_page(call, db, 200, p, NULL, NULL);
}

/* ---- GET /oauth/authorize ---- */

static const char *q(const struct form_field *f, size_t n, const char *name, size_t *len)
{
    const struct form_field *x = form_find(f, n, name);
    if (x == NULL)
        return NULL;
    *len = x->value_len;
    return x->value;
}

static int authorize_get(struct http_call *call)
{
    if (rate_limit_or_page(call) != 0)
        return 0;
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return 0;
    const struct form_field *f;
    size_t n;
    const char *err;
    if (http_query_fields(call, &f, &n, &err) != 0)
        return error_page(call, db, 400, "Invalid request", "The app sent a malformed sign-in request.", "invalid_request");
    if (form_count(f, n, "client_id") != 1)
        return error_page(call, db, 400, "Invalid request", "The app did not identify itself (client_id missing or repeated).",
                          "invalid_request");
    if (form_count(f, n, "redirect_uri") != 1)
        return error_page(call, db, 400, "Invalid request", "The app did not say where to return (redirect_uri missing or repeated).",
                          "invalid_request");
    size_t cl = 0, rl = 0;
    const char *cid = q(f, n, "client_id", &cl), *ru = q(f, n, "redirect_uri", &rl);
    struct pending *p = h2o_mem_alloc_pool(&call->req->pool, sizeof *p);
    memset(p, 0, sizeof *p);
    int rc = cl < CLIENTS_ID_BYTES && memchr(cid, '\0', cl) == NULL ? clients_find(db, cid, cl, &p->client) : 1;
    if (rc < 0) {
        db_down(call);
        return 0;
    }
    if (rc != 0) {
        audit_log(db, "authorize", "denied", 0, NULL, http_client_addr(call), "unknown_client");
        return error_page(call, db, 400, "Unknown app", "This app is not registered with the store.", "invalid_client");
    }
    if (rl > REDIRECT_MAX || !clients_redirect_uri_allowed(&p->client, ru, rl, authd_app_of(call)->cfg->dev_mode)) {
        audit_log(db, "authorize", "denied", 0, p->client.client_id, http_client_addr(call), "redirect_uri_not_allowed");
        return error_page(call, db, 400, "Invalid redirect address",
                          "The address the app asked to return to is not registered for it.", "invalid_request");
    }
    memcpy(p->redirect_uri, ru, rl);
    /* From here on, errors go back to the app. */
    size_t sl = 0;
    const char *state = form_count(f, n, "state") == 1 ? q(f, n, "state", &sl) : NULL;
    if (state != NULL && (sl > STATE_MAX || sl == 0))
        state = NULL;
    for (size_t i = 0; i < n; i++)
        if (form_count(f, n, f[i].name) > 1)
            return redirect_error(call, p->redirect_uri, state, "invalid_request", "A parameter is repeated.");
    if (form_find(f, n, "state") != NULL && state == NULL)
        return redirect_error(call, p->redirect_uri, NULL, "invalid_request", "state must be 1 to 500 characters.");
    size_t len;
    const char *rt = q(f, n, "response_type", &len);
    if (rt == NULL)
        return redirect_error(call, p->redirect_uri, state, "invalid_request", "response_type is required.");
    if (strcmp(rt, "code") != 0)
        return redirect_error(call, p->redirect_uri, state, "unsupported_response_type", "Only response_type=code is supported.");
    const char *method = q(f, n, "code_challenge_method", &len);
    const char *challenge = q(f, n, "code_challenge", &len);
    if (challenge == NULL)
        return redirect_error(call, p->redirect_uri, state, "invalid_request", "PKCE is required: code_challenge is missing.");
    if (method == NULL || strcmp(method, "S256") != 0)
        return redirect_error(call, p->redirect_uri, state, "invalid_request", "code_challenge_method must be S256.");
    if (!authorization_code_pkce_chars_ok(challenge, len, false))
        return redirect_error(call, p->redirect_uri, state, "invalid_request",
                              "code_challenge must be 43 to 128 base64url characters.");
    memcpy(p->challenge, challenge, len);
    size_t scl = 0;
    const char *want = q(f, n, "scope", &scl);
    const char *scope = scope_resolve(&call->req->pool, &p->client, want, scl);
    if (scope == NULL)
        return redirect_error(call, p->redirect_uri, state, "invalid_scope", "The requested scope is unknown or not allowed.");
    snprintf(p->scope, sizeof p->scope, "%s", scope);
    if (state != NULL) {
        memcpy(p->state, state, sl);
        p->has_state = true;
    }
    if (grants_new_token(p->id, p->id_hash) != 0) {
        http_reply_error(call->req, 500, "cartman_internal", "The request could not be started.");
        return 0;
    }
    db_exec(db, SQL_REQ_PURGE, NULL, 0, NULL);
    struct db_value v[] = {DB_STRN(p->id_hash, 64),   DB_STR(p->client.client_id),
                           DB_STR(p->redirect_uri),   p->has_state ? DB_STR(p->state) : DB_NULLV,
                           DB_STR(p->scope),          DB_STR(p->challenge),
                           DB_INT(AUTHORIZE_REQUEST_LIFE_S)};
    if (db_exec(db, SQL_REQ_INSERT, v, 7, NULL) != 0) {
        db_down(call);
        return 0;
    }
    continue_request(call, db, p);
    return 0;
}

/* ---- GET /login ---- */

static int login_get(struct http_call *call)
{
    if (rate_limit_or_page(call) != 0)
        return 0;
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return 0;
    size_t len;
    const char *rid = http_query(call, "request", &len);
    if (rid == NULL) {
        login_page(call, db, 200, NULL, NULL, NULL);
        return 0;
    }
    struct pending *p = h2o_mem_alloc_pool(&call->req->pool, sizeof *p);
    int rc = pending_load(db, rid, len, p);
    if (rc < 0) {
        db_down(call);
        return 0;
    }
    if (rc == 0)
        return error_page(call, db, 400, "Request expired", "This sign-in request has expired or was already used.",
                          "invalid_request");
    continue_request(call, db, p);
    return 0;
}

/* ---- POST /login ---- */

struct login_job {
    struct pending *p; /* NULL: no pending request (pool memory of the request) */
    uint64_t user_id;  /* 0: no such user */
    char user_key[LOGIN_MAX + 1];
    char login[LOGIN_MAX + 1];
    char hash[LIMIT_PASSWORD_HASH_BYTES + 1];
    char *password;
    size_t plen;
    bool ok;
};

static void login_job_free(void *data)
{
    struct login_job *j = data;
    if (j->password) {
        OPENSSL_cleanse(j->password, j->plen);
        free(j->password);
    }
    OPENSSL_cleanse(j, sizeof *j);
    free(j);
}

static void login_work(void *data)
{
    struct login_job *j = data;
    bool ok = wp_password_check_login(j->password, j->plen, j->hash, strlen(j->hash));
    j->ok = ok && j->user_id != 0;
}

static void audit_login(struct db *db, const char *result, uint64_t user_id, const struct pending *p, const char *ip,
                        const char *reason)
{
    audit_log(db, "login", result, user_id, p ? p->client.client_id : NULL, ip, reason);
}

static void login_done(struct http_call *call, void *data)
{
    struct login_job *j = data;
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return;
    const char *ip = http_client_addr(call);
    const struct lockout_policy *pol = &security_settings_get(call->worker->data)->lockout;
    if (!j->ok) {
        lockout_record_failure(db, pol, ip, j->user_key);
        audit_login(db, "denied", j->user_id, j->p, ip, j->user_id ? "wrong_password" : "unknown_user");
        login_page(call, db, 400, j->p, j->login, "The username or password is incorrect.");
        return;
    }
    int err = 0;
    /* A right password for an account that may not connect apps is no successful sign-in: it clears no
     * lockout (else any customer account could reset its address's count while guessing others). */
    if (!user_is_manager(db, j->user_id, &err)) {
        if (err) {
            db_down(call);
            return;
        }
        audit_login(db, "denied", j->user_id, j->p, ip, "not_shop_manager");
        login_page(call, db, 403, j->p, j->login,
                   "This account cannot connect apps: only store administrators and shop managers can.");
        return;
    }
    lockout_record_success(db, ip, j->user_key);
    struct session old, s;
    if (sessions_find(call, db, &old) == 1) { /* never keep a session id across a sign-in */
        struct db_value v[] = {DB_STRN(old.id_hash, 64)};
        db_exec(db, "DELETE FROM {p}cartman_sessions WHERE id_hash = ?", v, 1, NULL);
    }
    if (sessions_create(call, db, j->user_id, &s) != 0) {
        db_down(call);
        return;
    }
    audit_login(db, "ok", j->user_id, j->p, ip, NULL);
    char loc[80];
    if (j->p != NULL)
        snprintf(loc, sizeof loc, "/login?request=%s", j->p->id);
    else
        snprintf(loc, sizeof loc, "/login");
    page_headers(call->req, NULL);
    http_reply_redirect(call->req, 303, loc);
}

static int login_post(struct http_call *call)
{
    if (rate_limit_or_page(call) != 0)
        return 0;
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return 0;
    const struct form_field *f;
    size_t n;
    if (form_or_page(call, db, &f, &n) != 0)
        return 0;
    size_t len = 0;
    const char *csrf = q(f, n, "csrf", &len);
    if (!sessions_login_csrf_ok(call, csrf, len)) {
        audit_log(db, "login", "denied", 0, NULL, http_client_addr(call), "csrf");
        return error_page(call, db, 403, "Form expired",
                          "The sign-in form has expired or was not sent from this site. Go back and try again.", "csrf");
    }
    struct pending *p = NULL;
    const char *rid = q(f, n, "request_id", &len);
    if (rid != NULL && len > 0) { /* the form without a pending request posts it empty */
        p = h2o_mem_alloc_pool(&call->req->pool, sizeof *p);
        int rc = pending_load(db, rid, len, p);
        if (rc < 0) {
            db_down(call);
            return 0;
        }
        if (rc == 0)
            return error_page(call, db, 400, "Request expired", "This sign-in request has expired or was already used.",
                              "invalid_request");
    }
    size_t ll = 0, pl = 0;
    const char *login = q(f, n, "login", &ll);
    const char *pass = q(f, n, "password", &pl);
    if (login != NULL)
        ll = wp_php_trim(&login, ll);
    if (login == NULL || ll == 0 || pass == NULL || pl == 0) {
        login_page(call, db, 400, p, NULL, "Enter your username or email address and your password.");
        return 0;
    }
    if (ll > LOGIN_MAX || memchr(login, '\0', ll) != NULL) {
        login_page(call, db, 400, p, NULL, "The username or password is incorrect.");
        return 0;
    }
    struct login_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        abort();
    j->p = p;
    memcpy(j->login, login, ll);
    struct store_user *u = h2o_mem_alloc_pool(&call->req->pool, sizeof *u);
    int found = store_user_find(db, login, ll, u);
    if (found < 0) {
        login_job_free(j);
        db_down(call);
        return 0;
    }
    if (found == 1) {
        j->user_id = u->id;
        snprintf(j->user_key, sizeof j->user_key, "%" PRIu64, u->id);
        snprintf(j->hash, sizeof j->hash, "%s", u->pass);
        OPENSSL_cleanse(u->pass, sizeof u->pass);
    } else {
        for (size_t i = 0; i < ll; i++)
            j->user_key[i] = (char)((login[i] >= 'A' && login[i] <= 'Z') ? login[i] + 32 : login[i]);
        snprintf(j->hash, sizeof j->hash, "%s", DUMMY_HASH);
    }
    const char *ip = http_client_addr(call);
    const struct lockout_policy *pol = &security_settings_get(call->worker->data)->lockout;
    unsigned retry = 0;
    int locked = lockout_check(db, pol, ip, j->user_key, &retry);
    if (locked != 0) {
        uint64_t uid = j->user_id;
        login_job_free(j);
        if (locked < 0) {
            db_down(call);
            return 0;
        }
        audit_login(db, "denied", uid, p, ip, "locked_out");
        http_reply_rate_limit_headers(call->req, retry, pol->user_max, 0, retry);
        login_page(call, db, 429, p, NULL, "Too many failed sign-ins. Wait a few minutes, then try again.");
        return 0;
    }
    j->plen = pl <= LIMIT_PASSWORD_BYTES ? pl : 0;
    j->password = malloc(j->plen ? j->plen : 1);
    if (j->password == NULL)
        abort();
    memcpy(j->password, pass, j->plen);
    offload_submit_or_reply(call, login_work, login_done, j, login_job_free);
    return 0;
}

/* ---- POST /oauth/authorize: the consent decision ---- */

/* The prologue of the forms that act on a session (consent decision, logout): rate limit, database,
 * the form, the session. 1 with a session, 0 without one, -1 after answering. */
static int session_form_begin(struct http_call *call, struct db **db, const struct form_field **f, size_t *n,
                              struct session *s)
{
    if (rate_limit_or_page(call) != 0)
        return -1;
    *db = daemon_db_or_reply(call);
    if (*db == NULL || form_or_page(call, *db, f, n) != 0)
        return -1;
    int rc = sessions_find(call, *db, s);
    if (rc < 0)
        db_down(call);
    return rc;
}


static int decision_post(struct http_call *call)
{
    struct db *db;
    const struct form_field *f;
    size_t n;
    struct session s;
    int rc = session_form_begin(call, &db, &f, &n, &s);
    if (rc < 0)
        return 0;
    if (rc == 0)
        return error_page(call, db, 403, "Signed out", "Your session has ended. Start again from the app.", "login_required");
    size_t len = 0;
    const char *csrf = q(f, n, "csrf", &len);
    if (!sessions_csrf_ok(&s, csrf, len)) {
        audit_log(db, "authorize", "denied", s.user_id, NULL, http_client_addr(call), "csrf");
        return error_page(call, db, 403, "Form expired",
                          "The form has expired or was not sent from this site. Start again from the app.", "csrf");
    }
    const char *decision = q(f, n, "decision", &len);
    bool approve = decision && strcmp(decision, "approve") == 0, deny = decision && strcmp(decision, "deny") == 0;
    if (!approve && !deny)
        return error_page(call, db, 400, "Invalid form", "Choose Approve or Deny.", "invalid_request");
    const char *rid = q(f, n, "request_id", &len);
    struct pending *p = h2o_mem_alloc_pool(&call->req->pool, sizeof *p);
    memset(p, 0, sizeof *p);
    rc = rid ? pending_load(db, rid, len, p) : 0;
    struct db_value v[] = {DB_STRN(p->id_hash, 64)};
    struct db_exec_result del = {0};
    if (rc == 1 && db_exec(db, SQL_REQ_DELETE, v, 1, &del) != 0)
        rc = -1;
    if (rc < 0) {
        db_down(call);
        return 0;
    }
    if (rc == 0 || del.affected != 1)
        return error_page(call, db, 400, "Request expired", "This sign-in request has expired or was already used.",
                          "invalid_request");
    const char *ip = http_client_addr(call);
    const char *state = p->has_state ? p->state : NULL;
    if (deny) {
        audit_log(db, "authorize", "denied", s.user_id, p->client.client_id, ip, "user_denied");
        return redirect_error(call, p->redirect_uri, state, "access_denied", "The user denied the request.");
    }
    int dberr = 0;
    if (!user_is_manager(db, s.user_id, &dberr)) {
        if (dberr) {
            db_down(call);
            return 0;
        }
        audit_log(db, "authorize", "denied", s.user_id, p->client.client_id, ip, "not_shop_manager");
        return redirect_error(call, p->redirect_uri, state, "access_denied", "This account may not manage the store.");
    }
    char code[GRANTS_TOKEN_BUF];
    if (authorization_code_create(db, p->client.client_id, s.user_id, p->redirect_uri, p->scope, p->challenge, code) != 0) {
        db_down(call);
        return 0;
    }
    audit_log(db, "authorize", "ok", s.user_id, p->client.client_id, ip, NULL);
    struct url *u = h2o_mem_alloc_pool(&call->req->pool, sizeof *u);
    url_start(u, p->redirect_uri);
    url_param(u, "code", code);
    OPENSSL_cleanse(code, sizeof code);
    redirect_finish(call, u, state);
    OPENSSL_cleanse(u->b, sizeof u->b);
    return 0;
}

/* ---- POST /logout ---- */

static int logout_post(struct http_call *call)
{
    struct db *db;
    const struct form_field *f;
    size_t n;
    struct session s;
    int rc = session_form_begin(call, &db, &f, &n, &s);
    if (rc < 0)
        return 0;
    size_t len = 0;
    if (rc == 1) {
        const char *csrf = q(f, n, "csrf", &len);
        if (!sessions_csrf_ok(&s, csrf, len)) {
            audit_log(db, "logout", "denied", s.user_id, NULL, http_client_addr(call), "csrf");
            return error_page(call, db, 403, "Form expired",
                              "The form has expired or was not sent from this site.", "csrf");
        }
        if (sessions_delete(call, db, &s) != 0) {
            db_down(call);
            return 0;
        }
        audit_log(db, "logout", "ok", s.user_id, NULL, http_client_addr(call), NULL);
    }
    char login_url[80] = "/login";
    const char *rid = q(f, n, "request_id", &len);
    if (rid != NULL && len == GRANTS_TOKEN_CHARS && authorization_code_pkce_chars_ok(rid, len, false))
        snprintf(login_url, sizeof login_url, "/login?request=%s", rid);
    render(call, db, 200, "logged_out", json_pack("{s:s}", "login_url", login_url));
    return 0;
}

const struct http_route authorize_routes[] = {
    {HTTP_GET, "/oauth/authorize", authorize_get, 0, HTTP_ROUTE_NO_STORE, NULL},
    {HTTP_POST, "/oauth/authorize", decision_post, LIMIT_REQUEST_BODY_PREAUTH, HTTP_ROUTE_NO_STORE, NULL},
    {HTTP_GET, "/login", login_get, 0, HTTP_ROUTE_NO_STORE, NULL},
    {HTTP_POST, "/login", login_post, LIMIT_REQUEST_BODY_PREAUTH, HTTP_ROUTE_NO_STORE, NULL},
    {HTTP_POST, "/logout", logout_post, LIMIT_REQUEST_BODY_PREAUTH, HTTP_ROUTE_NO_STORE, NULL},
};
_Static_assert(sizeof authorize_routes / sizeof authorize_routes[0] == AUTHORIZE_NROUTES, "AUTHORIZE_NROUTES");

/*
 * authd/discovery.c — GET /.well-known/oauth-authorization-server (RFC 8414), GET /oauth/jwks.json
 * (RFC 7517) and GET /oauth/discover.
 *
 * The metadata and the JWKS are serialised ahead (once at start-up, once per key set) and served as
 * bytes with a public cache lifetime of 300 s. /oauth/discover checks a client and redirect URI the way
 * /oauth/authorize will (authd/clients.h) and answers OAuth-style errors; it never redirects. Not here:
 * the endpoints the metadata names (token, authorize, revoke, introspect).
 */
#include "authd/discovery.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "authd/app.h"
#include "authd/clients.h"
#include "authd/signing.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/store.h"

#define PUBLIC_CACHE "public, max-age=300"

char *discovery_metadata(const struct config *cfg, size_t *len)
{
    const char *base = cfg->authd_url;
    int blen = (int)strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    char ep[5][CONFIG_STR + 32];
    static const char *const paths[] = {"/oauth/authorize", "/oauth/token", "/oauth/revoke", "/oauth/introspect",
                                        "/oauth/jwks.json"};
    for (size_t i = 0; i < 5; i++)
        snprintf(ep[i], sizeof ep[i], "%.*s%s", blen, base, paths[i]);
    json_t *scopes = json_array();
    const char *s = DISCOVERY_SCOPES;
    while (*s) {
        size_t n = strcspn(s, " ");
        json_array_append_new(scopes, json_stringn(s, n));
        s += n;
        s += *s == ' ';
    }
    json_t *m = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[s], s:[s,s,s,s], s:[s], s:[s,s,s], s:[s,s,s], s:[s,s], s:o,"
        " s:b, s:[s]}",
        "issuer", cfg->authd_url, "authorization_endpoint", ep[0], "token_endpoint", ep[1], "revocation_endpoint", ep[2],
        "introspection_endpoint", ep[3], "jwks_uri", ep[4], "response_types_supported", "code",
        "response_modes_supported", "query", "grant_types_supported", "authorization_code", "refresh_token",
        "client_credentials", "password", "code_challenge_methods_supported", "S256",
        "token_endpoint_auth_methods_supported", "none", "client_secret_basic", "client_secret_post",
        "revocation_endpoint_auth_methods_supported", "none", "client_secret_basic", "client_secret_post",
        "introspection_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post",
        "scopes_supported", scopes, "authorization_response_iss_parameter_supported", 1,
        "access_token_signing_alg_values_supported", "ES256");
    char *out = m ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(m);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

static int get_metadata(struct http_call *call)
{
    struct authd_app *app = authd_app_of(call);
    http_reply_set_header(call->req, "cache-control", PUBLIC_CACHE);
    http_reply_body(call->req, 200, "application/json", app->metadata_json, app->metadata_len);
    return 0;
}

static void send_jwks(void *arg, const char *body, size_t len)
{
    http_reply_body(arg, 200, "application/jwk-set+json", body, len);
}

static int get_jwks(struct http_call *call)
{
    struct authd_app *app = authd_app_of(call);
    signing_keys_reload_if_changed(app->keys);
    http_reply_set_header(call->req, "cache-control", PUBLIC_CACHE);
    signing_jwks_body(app->keys, send_jwks, call->req);
    return 0;
}

static void oauth_error(h2o_req_t *req, int status, const char *error, const char *description)
{
    http_reply_json(req, status, json_pack("{s:s, s:s}", "error", error, "error_description", description));
}

/* The single value of a required query parameter; answers invalid_request and returns NULL otherwise. */
static const struct form_field *one_param(struct http_call *call, const struct form_field *f, size_t n,
                                          const char *name)
{
    size_t count = form_count(f, n, name);
    if (count == 1)
        return form_find(f, n, name);
    char msg[96];
    snprintf(msg, sizeof msg, count ? "The %s parameter is repeated." : "The %s parameter is required.", name);
    oauth_error(call->req, 400, "invalid_request", msg);
    return NULL;
}

static int get_discover(struct http_call *call)
{
    struct authd_app *app = authd_app_of(call);
    const struct form_field *f;
    size_t n;
    const char *err;
    if (http_query_fields(call, &f, &n, &err) != 0) {
        oauth_error(call->req, 400, "invalid_request", "The query string is malformed.");
        return 0;
    }
    const struct form_field *cid = one_param(call, f, n, "client_id");
    if (cid == NULL)
        return 0;
    const struct form_field *ru = one_param(call, f, n, "redirect_uri");
    if (ru == NULL)
        return 0;
    struct daemon_worker *w = call->worker->data;
    struct client c;
    int rc = clients_find(daemon_worker_db(w), cid->value, cid->value_len, &c);
    if (rc < 0) {
        oauth_error(call->req, 503, "temporarily_unavailable", "The client registry cannot be read now.");
        return 0;
    }
    if (rc != 0) {
        oauth_error(call->req, 400, "invalid_client", "Unknown client_id.");
        return 0;
    }
    if (!clients_redirect_uri_allowed(&c, ru->value, ru->value_len, app->cfg->dev_mode)) {
        oauth_error(call->req, 400, "invalid_request", "The redirect_uri is not registered for this client.");
        return 0;
    }
    struct db *db = daemon_db_or_reply(call);
    if (db == NULL)
        return 0;
    struct store_options opt;
    if (store_options_load(db, &opt) != 0) {
        oauth_error(call->req, 503, "temporarily_unavailable", "The store settings cannot be read now.");
        return 0;
    }
    const char *api = app->cfg->apid_url;
    int alen = (int)strlen(api);
    while (alen > 0 && api[alen - 1] == '/')
        alen--;
    char api_url[CONFIG_STR + 16];
    snprintf(api_url, sizeof api_url, "%.*s/cartman/v1", alen, api);
    http_reply_json(call->req, 200,
                    json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}", "ok", 1, "store_name", opt.site_name, "store_url",
                              opt.home_url, "issuer", app->cfg->authd_url, "api_url", api_url, "client_name", c.name));
    return 0;
}

const struct http_route discovery_routes[] = {
    {HTTP_GET, "/.well-known/oauth-authorization-server", get_metadata, 0, 0, NULL},
    {HTTP_GET, "/oauth/jwks.json", get_jwks, 0, 0, NULL},
    {HTTP_GET, "/oauth/discover", get_discover, 0, HTTP_ROUTE_NO_STORE, NULL},
};
_Static_assert(sizeof discovery_routes / sizeof discovery_routes[0] == DISCOVERY_NROUTES, "DISCOVERY_NROUTES");

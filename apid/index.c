/*
 * apid/index.c — the API index, shaped like WordPress's own REST index (name, description, url,
 * namespace, routes keyed by path) plus where to get tokens. The store's name and URL are read from
 * the database on each request (one indexed query on wp_options).
 */
#include "apid/index.h"

#include <stdio.h>
#include <string.h>

#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/store.h"

#define API_VERSION "1.0"
#define API_NAMESPACE "cartman/v1"

/* Set once at start-up, before the workers run; read-only afterwards. */
static const struct http_route *index_routes;
static size_t index_nroutes;
static const char *index_prefix = "/cartman/v1";

void apid_index_set_routes(const struct http_route *routes, size_t n, const char *prefix)
{
    index_routes = routes;
    index_nroutes = n;
    index_prefix = prefix;
}

static json_t *route_list(void)
{
    json_t *routes = json_object();
    for (size_t i = 0; i < index_nroutes; i++) {
        char path[256];
        const char *pat = index_routes[i].pattern;
        snprintf(path, sizeof path, "%s%s", index_prefix, strcmp(pat, "/") == 0 ? "" : pat);
        json_t *entry = json_object_get(routes, path);
        if (entry == NULL) {
            entry = json_pack("{s:s, s:[]}", "namespace", API_NAMESPACE, "methods");
            json_object_set_new(routes, path, entry);
        }
        char methods[64];
        http_methods_format(index_routes[i].method, methods, sizeof methods);
        json_array_append_new(json_object_get(entry, "methods"), json_string(methods));
    }
    return routes;
}

static json_t *url_join(const char *base, const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", base, path);
    return json_string(buf);
}

int apid_index(struct http_call *call)
{
    struct store_options opt;
    struct db *db = daemon_store_or_reply(call, &opt);
    if (db == NULL)
        return 0;
    const struct config *cfg = ((struct daemon_worker *)call->worker->data)->cfg;
    json_t *oauth = json_object();
    json_object_set_new(oauth, "issuer", json_string(cfg->authd_url));
    json_object_set_new(oauth, "metadata", url_join(cfg->authd_url, "/.well-known/oauth-authorization-server"));
    json_object_set_new(oauth, "authorize", url_join(cfg->authd_url, "/oauth/authorize"));
    json_object_set_new(oauth, "token", url_join(cfg->authd_url, "/oauth/token"));

    json_t *body = json_object();
    json_object_set_new(body, "name", json_string(opt.site_name));
    json_object_set_new(body, "description", json_string("CartMan Connect API"));
    json_object_set_new(body, "url", json_string(opt.home_url));
    json_object_set_new(body, "namespace", json_string(API_NAMESPACE));
    json_object_set_new(body, "api_version", json_string(API_VERSION));
    json_object_set_new(body, "authentication", json_pack("{s:o}", "oauth2", oauth));
    json_object_set_new(body, "routes", route_list());
    http_reply_json(call->req, 200, body);
    return 0;
}

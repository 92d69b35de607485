/*
 * apid/connection_test.c — GET /connection-test, what the app shows after connecting: the user behind
 * the credential (id, login, display name, roles, granted scopes, credential kind) and the store's
 * health (WordPress db_version, WooCommerce version, database reachable, HPOS, currency, timezone,
 * whether this request came over TLS, wp-admin shortcuts).
 *
 * Does not: check the credential (apid/guard.c did). When the database is down it still answers 200
 * with "database": {"reachable": false} and what it knows without the database.
 */
#include "apid/connection_test.h"

#include <stdio.h>
#include <string.h>

#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/store.h"

static const char *kind_name(enum apid_credential k)
{
    switch (k) {
    case APID_CRED_BEARER:
        return "oauth";
    case APID_CRED_APP_PASSWORD:
        return "application_password";
    case APID_CRED_CONNECTION_KEY:
        return "connection_key";
    }
    return "unknown";
}

static json_t *scope_list(const char *scope)
{
    json_t *a = json_array();
    for (const char *p = scope; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p)
            json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
        p = e;
    }
    return a;
}

static json_t *url(const char *base, const char *path)
{
    char buf[1200];
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    snprintf(buf, sizeof buf, "%.*s%s", (int)n, base, path);
    return json_string(buf);
}

int apid_connection_test(struct http_call *call, const struct apid_identity *who)
{
    struct daemon_worker *w = call->worker->data;
    json_t *user = json_pack("{s:I, s:s, s:o, s:s}", "id", (json_int_t)who->user_id, "credential", kind_name(who->kind),
                             "scopes", scope_list(who->scope), "client_id", who->client_id);
    json_t *store = json_object();
    json_t *db_state = json_object();
    struct db *db = daemon_worker_db(w);
    struct store_options opt;
    bool reachable = db != NULL && store_options_load(db, &opt) == 0;
    json_object_set_new(db_state, "reachable", json_boolean(reachable));
    if (reachable) {
        struct store_user u;
        if (store_user_by_id(db, who->user_id, &u) == 1) {
            json_object_set_new(user, "login", json_string(u.login));
            json_object_set_new(user, "display_name", json_string(u.display_name));
        }
        json_t *caps = store_user_capabilities(db, who->user_id);
        json_t *roles = json_object_get(caps, "roles");
        json_object_set_new(user, "roles", json_is_array(roles) ? json_incref(roles) : json_array());
        json_decref(caps);

        json_object_set_new(store, "name", json_string(opt.site_name));
        json_object_set_new(store, "url", json_string(opt.home_url));
        json_object_set_new(store, "wordpress_db_version", json_string(opt.wp_db_version));
        json_object_set_new(store, "woocommerce_version", json_string(opt.wc_version));
        json_object_set_new(store, "hpos", json_boolean(opt.hpos));
        json_object_set_new(store, "currency", json_string(opt.currency));
        if (opt.timezone[0]) {
            json_object_set_new(store, "timezone", json_string(opt.timezone));
        } else {
            char tz[32];
            snprintf(tz, sizeof tz, "UTC%+g", opt.gmt_offset);
            json_object_set_new(store, "timezone", json_string(tz));
        }
        json_t *admin = json_object();
        json_object_set_new(admin, "dashboard", url(opt.site_url, "/wp-admin/"));
        json_object_set_new(admin, "orders", url(opt.site_url, opt.hpos ? "/wp-admin/admin.php?page=wc-orders"
                                                                          : "/wp-admin/edit.php?post_type=shop_order"));
        json_object_set_new(admin, "products", url(opt.site_url, "/wp-admin/edit.php?post_type=product"));
        json_object_set_new(store, "admin_urls", admin);
    }
    json_object_set_new(store, "database", db_state);
    json_object_set_new(store, "https", json_boolean(http_is_secure(call)));
    json_t *body = json_pack("{s:b, s:o, s:o}", "ok", reachable, "user", user, "store", store);
    http_reply_no_store(call->req);
    http_reply_json(call->req, 200, body);
    return 0;
}

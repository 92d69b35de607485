/*
 * common/store.c — reading site options, users and capabilities from the WordPress tables.
 *
 * Reads only. Never writes wp_users (a rehash could lock out a site on an older WordPress).
 */
#include "common/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/php_serialize.h"

static const char SQL_OPTIONS[] =
    "SELECT option_name, option_value FROM {p}options WHERE option_name IN ('blogname', 'siteurl', 'home',"
    " 'admin_email', 'timezone_string', 'gmt_offset', 'woocommerce_currency', 'woocommerce_price_num_decimals',"
    " 'woocommerce_version', 'db_version', 'woocommerce_custom_orders_table_enabled',"
    " 'woocommerce_custom_orders_table_data_sync_enabled', 'using_application_passwords', 'permalink_structure',"
    " 'woocommerce_checkout_pay_endpoint', 'woocommerce_checkout_page_id', 'woocommerce_force_ssl_checkout')";

/* The checkout page and up to three ancestors (get_page_uri), one row. */
static const char SQL_PAGE[] =
    "SELECT p.post_name, p.post_status, p1.post_name, p2.post_name, p3.post_name, p3.post_parent FROM {p}posts p"
    " LEFT JOIN {p}posts p1 ON p1.ID = p.post_parent AND p.post_parent > 0"
    " LEFT JOIN {p}posts p2 ON p2.ID = p1.post_parent AND p1.post_parent > 0"
    " LEFT JOIN {p}posts p3 ON p3.ID = p2.post_parent AND p2.post_parent > 0"
    " WHERE p.ID = ? AND p.post_type = 'page'";

static void copy_cell(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* wc_get_checkout_url() for a page id (get_permalink of a page): plain permalinks home/?page_id=N,
 * otherwise home/parent/slug/ (the trailing slash as the structure ends); a draft page or one nested
 * deeper than this reads is given as ?page_id=N, as WordPress does for drafts. */
static int checkout_url(struct db *db, struct store_options *o, uint64_t page_id, bool force_ssl)
{
    struct db_value p = DB_UINT(page_id);
    struct db_rows rows;
    if (db_query(db, SQL_PAGE, &p, 1, &rows) != 0)
        return -1;
    char home[sizeof o->home_url];
    snprintf(home, sizeof home, "%s", o->home_url);
    size_t hl = strlen(home);
    while (hl > 0 && home[hl - 1] == '/')
        home[--hl] = '\0';
    if (rows.nrows == 1) {
        const char *status = db_cell(&rows, 0, 1);
        const char *deeper = db_cell(&rows, 0, 5);
        bool pretty = o->permalink_structure[0] && status && strcmp(status, "publish") == 0 &&
                      !(deeper && strcmp(deeper, "0") != 0);
        if (pretty) {
            char path[512] = "";
            size_t pl = 0;
            for (int c = 4; c >= 0; c = c == 2 ? 0 : c - 1) {
                const char *seg = db_cell(&rows, 0, (size_t)c);
                if (c == 1 || seg == NULL || seg[0] == '\0')
                    continue;
                int n = snprintf(path + pl, sizeof path - pl, "/%s", seg);
                if (n > 0 && (size_t)n < sizeof path - pl)
                    pl += (size_t)n;
            }
            size_t sl = strlen(o->permalink_structure);
            snprintf(o->checkout_url, sizeof o->checkout_url, "%s%s%s", home, path,
                     o->permalink_structure[sl - 1] == '/' ? "/" : "");
        } else {
            snprintf(o->checkout_url, sizeof o->checkout_url, "%s/?page_id=%llu", home, (unsigned long long)page_id);
        }
        if (force_ssl && strncmp(o->checkout_url, "http:", 5) == 0) {
            char tmp[sizeof o->checkout_url];
            snprintf(tmp, sizeof tmp, "https:%s", o->checkout_url + 5);
            snprintf(o->checkout_url, sizeof o->checkout_url, "%s", tmp);
        }
    }
    db_rows_free(&rows);
    return 0;
}

int store_options_load(struct db *db, struct store_options *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->currency, sizeof o->currency, "USD"); /* WooCommerce's default */
    o->price_decimals = 2;
    struct db_rows rows;
    unsigned long long page_id = 0;
    bool force_ssl = false;
    if (db_query(db, SQL_OPTIONS, NULL, 0, &rows) != 0)
        return -1;
    for (size_t r = 0; r < rows.nrows; r++) {
        const char *k = db_cell(&rows, r, 0), *v = db_cell(&rows, r, 1);
        size_t n = db_cell_len(&rows, r, 1);
        if (k == NULL || v == NULL)
            continue;
        if (strcmp(k, "blogname") == 0)
            copy_cell(o->site_name, sizeof o->site_name, v, n);
        else if (strcmp(k, "siteurl") == 0)
            copy_cell(o->site_url, sizeof o->site_url, v, n);
        else if (strcmp(k, "home") == 0)
            copy_cell(o->home_url, sizeof o->home_url, v, n);
        else if (strcmp(k, "admin_email") == 0)
            copy_cell(o->admin_email, sizeof o->admin_email, v, n);
        else if (strcmp(k, "timezone_string") == 0)
            copy_cell(o->timezone, sizeof o->timezone, v, n);
        else if (strcmp(k, "gmt_offset") == 0)
            o->gmt_offset = n ? strtod(v, NULL) : 0;
        else if (strcmp(k, "woocommerce_currency") == 0 && n)
            copy_cell(o->currency, sizeof o->currency, v, n);
        else if (strcmp(k, "woocommerce_price_num_decimals") == 0 && n)
            o->price_decimals = (unsigned)strtoul(v, NULL, 10) > 8 ? 8 : (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "woocommerce_version") == 0)
            copy_cell(o->wc_version, sizeof o->wc_version, v, n);
        else if (strcmp(k, "db_version") == 0)
            copy_cell(o->wp_db_version, sizeof o->wp_db_version, v, n);
        else if (strcmp(k, "woocommerce_custom_orders_table_enabled") == 0)
            o->hpos = strcmp(v, "yes") == 0;
        else if (strcmp(k, "woocommerce_custom_orders_table_data_sync_enabled") == 0)
            o->hpos_sync = strcmp(v, "yes") == 0;
        else if (strcmp(k, "using_application_passwords") == 0)
            o->app_passwords_in_use = n > 0 && strcmp(v, "0") != 0;
        else if (strcmp(k, "permalink_structure") == 0)
            copy_cell(o->permalink_structure, sizeof o->permalink_structure, v, n);
        else if (strcmp(k, "woocommerce_checkout_pay_endpoint") == 0)
            copy_cell(o->checkout_pay_endpoint, sizeof o->checkout_pay_endpoint, v, n);
        else if (strcmp(k, "woocommerce_checkout_page_id") == 0)
            page_id = strtoull(v, NULL, 10);
        else if (strcmp(k, "woocommerce_force_ssl_checkout") == 0)
            force_ssl = strcmp(v, "yes") == 0;
    }
    db_rows_free(&rows);
    if (page_id > 0 && checkout_url(db, o, page_id, force_ssl) != 0)
        return -1;
    return 0;
}

static const char SQL_USER_BY_LOGIN[] =
    "SELECT ID, user_login, user_email, display_name, user_pass FROM {p}users WHERE user_login = ? LIMIT 1";
static const char SQL_USER_BY_EMAIL[] =
    "SELECT ID, user_login, user_email, display_name, user_pass FROM {p}users WHERE user_email = ? LIMIT 1";
static const char SQL_USER_BY_ID[] =
    "SELECT ID, user_login, user_email, display_name, user_pass FROM {p}users WHERE ID = ?";

static int user_query(struct db *db, const char *sql, struct db_value param, struct store_user *u)
{
    struct db_rows rows;
    if (db_query(db, sql, &param, 1, &rows) != 0)
        return -1;
    int found = rows.nrows > 0;
    if (found) {
        memset(u, 0, sizeof *u);
        u->id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        copy_cell(u->login, sizeof u->login, db_cell(&rows, 0, 1), db_cell_len(&rows, 0, 1));
        copy_cell(u->email, sizeof u->email, db_cell(&rows, 0, 2), db_cell_len(&rows, 0, 2));
        copy_cell(u->display_name, sizeof u->display_name, db_cell(&rows, 0, 3), db_cell_len(&rows, 0, 3));
        copy_cell(u->pass, sizeof u->pass, db_cell(&rows, 0, 4), db_cell_len(&rows, 0, 4));
    }
    db_rows_free(&rows);
    return found;
}

/* WordPress's is_email() in spirit: local@domain.tld, at least 6 characters. */
static bool looks_like_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (n < 6 || at == NULL || at == s)
        return false;
    const char *dom = at + 1;
    size_t dn = n - (size_t)(dom - s);
    const char *dot = memchr(dom, '.', dn);
    return dot != NULL && dot != dom && dot != s + n - 1;
}

int store_user_find(struct db *db, const char *name, size_t len, struct store_user *out)
{
    if (len == 0 || len > 100)
        return 0;
    int rc = user_query(db, SQL_USER_BY_LOGIN, DB_STRN(name, len), out);
    if (rc != 0 || !looks_like_email(name, len))
        return rc;
    return user_query(db, SQL_USER_BY_EMAIL, DB_STRN(name, len), out);
}

int store_user_by_id(struct db *db, uint64_t id, struct store_user *out)
{
    return user_query(db, SQL_USER_BY_ID, DB_UINT(id), out);
}

/* PHP's boolean conversion: false, 0, 0.0, "", "0", null and [] are false. */
static bool php_truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_TRUE:
        return true;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    case JSON_STRING:
        return json_string_length(v) > 0 && strcmp(json_string_value(v), "0") != 0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    default:
        return false;
    }
}

json_t *store_resolve_capabilities(const json_t *roles_def, const json_t *user_caps)
{
    json_t *roles = json_array(), *caps = json_object();
    const char *key;
    json_t *val;
    /* json_object_foreach takes a non-const object; iteration does not modify it */
    json_t *uc = (json_t *)(uintptr_t)user_caps, *rd = (json_t *)(uintptr_t)roles_def;
    if (json_is_object(uc)) {
        json_object_foreach(uc, key, val) {
            json_t *role = json_is_object(rd) ? json_object_get(rd, key) : NULL;
            if (role == NULL)
                continue;
            json_array_append_new(roles, json_string(key));
            json_t *rcaps = json_object_get(role, "capabilities");
            const char *ck;
            json_t *cv;
            if (json_is_object(rcaps)) {
                json_object_foreach(rcaps, ck, cv) json_object_set_new(caps, ck, json_boolean(php_truthy(cv)));
            }
        }
        /* the user's own entries (role keys included, as WordPress merges them) win */
        json_object_foreach(uc, key, val) json_object_set_new(caps, key, json_boolean(php_truthy(val)));
    }
    json_t *out = json_object();
    json_object_set_new(out, "roles", roles);
    json_object_set_new(out, "caps", caps);
    return out;
}

bool store_can(const json_t *resolved, const char *cap)
{
    return json_is_true(json_object_get(json_object_get(resolved, "caps"), cap));
}

bool store_caps_allow(const json_t *roles_def, const json_t *user_caps, const char *cap)
{
    if (!json_is_object(user_caps))
        return false;
    const json_t *own = json_object_get(user_caps, cap);
    if (own != NULL)
        return php_truthy(own);
    bool can = false;
    const char *key;
    json_t *val;
    json_t *uc = (json_t *)(uintptr_t)user_caps; /* iteration does not modify it */
    json_object_foreach(uc, key, val) {
        const json_t *role = json_is_object(roles_def) ? json_object_get(roles_def, key) : NULL;
        const json_t *v = json_object_get(json_object_get(role, "capabilities"), cap);
        if (v != NULL)
            can = php_truthy(v);
    }
    return can;
}

static const char SQL_ROLES[] = "SELECT option_value FROM {p}options WHERE option_name = CONCAT(?, 'user_roles')";
static const char SQL_USER_CAPS[] =
    "SELECT meta_value FROM {p}usermeta WHERE user_id = ? AND meta_key = CONCAT(?, 'capabilities') LIMIT 1";

static json_t *load_serialized(struct db *db, const char *sql, const struct db_value *p, size_t n, bool *failed)
{
    struct db_rows rows;
    if (db_query(db, sql, p, n, &rows) != 0) {
        *failed = true;
        return NULL;
    }
    json_t *v = NULL;
    if (rows.nrows > 0 && db_cell(&rows, 0, 0)) {
        const char *err = NULL;
        v = php_unserialize(db_cell(&rows, 0, 0), db_cell_len(&rows, 0, 0), &err);
        if (v == NULL)
            *failed = true;
    }
    db_rows_free(&rows);
    return v;
}

/* The role definitions ({prefix}user_roles) are one large serialized option that changes rarely: each
 * thread keeps its parsed copy for ROLES_TTL_S seconds (like other settings), so a capability check costs
 * one small usermeta read. The user's own capabilities are always read fresh. */
#define ROLES_TTL_S 5.0
static _Thread_local struct {
    const struct db *db;
    char prefix[64];
    json_t *roles;
    double fetched;
    bool valid;
} roles_cache;

/* A new reference to the role definitions (NULL when the option is absent); *failed on error. */
static json_t *roles_cached(struct db *db, bool *failed)
{
    const char *prefix = db_prefix(db);
    double now = clock_mono_s();
    if (roles_cache.valid && roles_cache.db == db && strcmp(roles_cache.prefix, prefix) == 0 &&
        now - roles_cache.fetched < ROLES_TTL_S && now >= roles_cache.fetched)
        return json_incref(roles_cache.roles);
    struct db_value rp[] = {DB_STR(prefix)};
    json_t *roles = load_serialized(db, SQL_ROLES, rp, 1, failed);
    if (*failed)
        return NULL;
    json_decref(roles_cache.roles);
    roles_cache.roles = json_incref(roles);
    roles_cache.db = db;
    snprintf(roles_cache.prefix, sizeof roles_cache.prefix, "%s", prefix);
    roles_cache.fetched = now;
    roles_cache.valid = strlen(prefix) < sizeof roles_cache.prefix;
    return roles;
}

void store_thread_release(void)
{
    json_decref(roles_cache.roles);
    memset(&roles_cache, 0, sizeof roles_cache);
}

int store_meta_can(struct db *db, const char *caps_meta, size_t len, const char *cap)
{
    bool failed = false;
    json_t *caps = NULL;
    if (caps_meta != NULL) {
        const char *err = NULL;
        caps = php_unserialize(caps_meta, len, &err);
        if (caps == NULL)
            return -1;
    }
    json_t *roles = roles_cached(db, &failed);
    int rc = failed ? -1 : store_caps_allow(roles, caps, cap) ? 1 : 0;
    json_decref(roles);
    json_decref(caps);
    return rc;
}

json_t *store_user_capabilities(struct db *db, uint64_t user_id)
{
    bool failed = false;
    json_t *roles = roles_cached(db, &failed);
    struct db_value up[] = {DB_UINT(user_id), DB_STR(db_prefix(db))};
    json_t *caps = failed ? NULL : load_serialized(db, SQL_USER_CAPS, up, 2, &failed);
    json_t *out = failed ? NULL : store_resolve_capabilities(roles, caps);
    json_decref(roles);
    json_decref(caps);
    return out;
}

/*
 * tests/unit/test_store.c — common/store: capability resolution as WP_User::get_role_caps (pure rows
 * from WordPress's own serialized values), and, against the seeded test store of `make test`, options,
 * user lookup by login (case-insensitive) and e-mail, and who may use the app (also from a meta value
 * read by the caller, store_meta_can).
 */
#include <stdlib.h>

#include "common/php_serialize.h"
#include "common/store.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

/* Roles as WordPress stores them in {prefix}user_roles (trimmed to the capabilities that matter). */
static const char ROLES[] =
    "a:4:{s:13:\"administrator\";a:2:{s:4:\"name\";s:13:\"Administrator\";s:12:\"capabilities\";a:4:{"
    "s:4:\"read\";b:1;s:14:\"manage_options\";b:1;s:18:\"manage_woocommerce\";b:1;s:24:\"view_woocommerce_reports\";b:1;}}"
    "s:12:\"shop_manager\";a:2:{s:4:\"name\";s:12:\"Shop manager\";s:12:\"capabilities\";a:3:{"
    "s:4:\"read\";b:1;s:18:\"manage_woocommerce\";b:1;s:24:\"view_woocommerce_reports\";b:1;}}"
    "s:8:\"customer\";a:2:{s:4:\"name\";s:8:\"Customer\";s:12:\"capabilities\";a:1:{s:4:\"read\";b:1;}}"
    "s:10:\"subscriber\";a:2:{s:4:\"name\";s:10:\"Subscriber\";s:12:\"capabilities\";a:2:{s:4:\"read\";b:1;s:7:\"level_0\";b:1;}}}";

static void test_resolve(void)
{
    static const struct {
        const char *caps; /* {prefix}capabilities as WordPress writes it (reference §5) */
        const char *roles, *cap;
        bool can;
    } rows[] = {
        {"a:1:{s:13:\"administrator\";b:1;}", "[\"administrator\"]", "manage_options", true},
        {"a:1:{s:13:\"administrator\";b:1;}", "[\"administrator\"]", "manage_woocommerce", true},
        {"a:1:{s:12:\"shop_manager\";b:1;}", "[\"shop_manager\"]", "manage_woocommerce", true},
        {"a:1:{s:12:\"shop_manager\";b:1;}", "[\"shop_manager\"]", "manage_options", false},
        {"a:2:{s:10:\"subscriber\";b:1;s:12:\"shop_manager\";b:1;}", "[\"subscriber\",\"shop_manager\"]",
         "manage_woocommerce", true},
        /* a denied capability removes what the role grants */
        {"a:2:{s:12:\"shop_manager\";b:1;s:18:\"manage_woocommerce\";b:0;}", "[\"shop_manager\"]", "manage_woocommerce",
         false},
        {"a:2:{s:12:\"shop_manager\";b:1;s:18:\"manage_woocommerce\";b:0;}", "[\"shop_manager\"]",
         "view_woocommerce_reports", true},
        /* WordPress counts a role key whatever its value */
        {"a:1:{s:12:\"shop_manager\";b:0;}", "[\"shop_manager\"]", "manage_woocommerce", true},
        /* a single granted capability without a role */
        {"a:2:{s:8:\"customer\";b:1;s:18:\"manage_woocommerce\";b:1;}", "[\"customer\"]", "manage_woocommerce", true},
        {"a:1:{s:8:\"customer\";b:1;}", "[\"customer\"]", "manage_woocommerce", false},
        /* unknown role names are not roles */
        {"a:1:{s:5:\"ghost\";b:1;}", "[]", "read", false},
        {"a:0:{}", "[]", "read", false},
    };
    const char *err = NULL;
    json_t *roles = php_unserialize(ROLES, sizeof ROLES - 1, &err);
    if (!tap_ok(roles != NULL, "roles option unserializes"))
        return;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *caps = php_unserialize(rows[i].caps, strlen(rows[i].caps), &err);
        json_t *res = store_resolve_capabilities(roles, caps);
        char *got_roles = json_dumps(json_object_get(res, "roles"), JSON_COMPACT);
        char name[160];
        snprintf(name, sizeof name, "row %zu roles", i);
        TAP_EQ_STR(got_roles, rows[i].roles, name);
        tap_ok(store_can(res, rows[i].cap) == rows[i].can, "row %zu: user_can(%s) is %s", i, rows[i].cap,
               rows[i].can ? "true" : "false");
        tap_ok(store_caps_allow(roles, caps, rows[i].cap) == rows[i].can, "row %zu: store_caps_allow agrees", i);
        free(got_roles);
        json_decref(res);
        json_decref(caps);
    }
    tap_ok(!store_caps_allow(roles, NULL, "read"), "no capabilities at all: nothing");
    json_decref(roles);
}

static void test_live(void)
{
    struct db *db = test_db_connect(NULL);
    if (!tap_ok(db != NULL, "connects to the seeded test store"))
        return;
    struct store_options o;
    tap_ok(store_options_load(db, &o) == 0, "options load");
    tap_ok(o.site_name[0] != '\0', "site name is set (%s)", o.site_name);
    TAP_EQ_STR(o.currency, "EUR", "currency of the demo store");
    TAP_EQ_STR(o.timezone, "Europe/Berlin", "timezone of the demo store");
    tap_ok(o.hpos, "the demo store uses HPOS");

    struct store_user u, v;
    tap_ok(store_user_find(db, "admin", 5, &u) == 1 && strcmp(u.login, "admin") == 0, "finds admin by login");
    tap_ok(store_user_find(db, "ADMIN", 5, &v) == 1 && v.id == u.id, "login names are case-insensitive");
    tap_ok(store_user_find(db, u.email, strlen(u.email), &v) == 1 && v.id == u.id, "finds admin by e-mail");
    tap_ok(store_user_find(db, "nobody-here", 11, &v) == 0, "an unknown login is not found");
    tap_ok(store_user_find(db, "x' OR '1'='1", 12, &v) == 0, "SQL metacharacters in a login find nothing");

    static const struct {
        const char *login;
        bool manage_woocommerce, manage_options;
    } who[] = {
        {"admin", true, true},
        {"manager", true, false},
        {"denied_manager", false, false},
        {"subscriber", false, false},
    };
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        if (!tap_ok(store_user_find(db, who[i].login, strlen(who[i].login), &v) == 1, "finds %s", who[i].login))
            continue;
        json_t *res = store_user_capabilities(db, v.id);
        tap_ok(res && store_can(res, "manage_woocommerce") == who[i].manage_woocommerce,
               "%s: manage_woocommerce is %d", who[i].login, who[i].manage_woocommerce);
        tap_ok(res && store_can(res, "manage_options") == who[i].manage_options, "%s: manage_options is %d",
               who[i].login, who[i].manage_options);
        json_decref(res);
        /* the same answer from a meta value the caller read itself (as the refresh grant does) */
        struct db_value p[] = {DB_UINT(v.id), DB_STR(db_prefix(db))};
        struct db_rows rows;
        if (db_query(db, "SELECT meta_value FROM {p}usermeta WHERE user_id = ? AND meta_key = CONCAT(?, 'capabilities')",
                     p, 2, &rows) == 0 && rows.nrows == 1) {
            TAP_EQ_INT(store_meta_can(db, db_cell(&rows, 0, 0), db_cell_len(&rows, 0, 0), "manage_woocommerce"),
                       who[i].manage_woocommerce, "store_meta_can agrees");
        } else {
            tap_ok(0, "%s has a capabilities row", who[i].login);
        }
        db_rows_free(&rows);
    }
    TAP_EQ_INT(store_meta_can(db, NULL, 0, "manage_woocommerce"), 0, "store_meta_can: no row, no capability");
    TAP_EQ_INT(store_meta_can(db, "a:1:{", 5, "manage_woocommerce"), -1, "store_meta_can: a broken value is an error");
    db_close(db);
}

int main(void)
{
    test_resolve();
    if (getenv("CARTMAN_DB_NAME"))
        test_live();
    else
        tap_diag("CARTMAN_DB_NAME is not set: the live store tests run under `make test`");
    return tap_done();
}

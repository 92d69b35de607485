/*
 * common/store.h — the WordPress/WooCommerce store model basics both daemons read.
 *
 * Site options (name, URLs, timezone, currency, which order storage is authoritative), user lookup by
 * login or e-mail as WordPress does it, and role/capability resolution as WP_User::get_role_caps.
 */
#ifndef COMMON_STORE_H
#define COMMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/db.h"

struct store_options {
    char site_name[256];   /* blogname */
    char site_url[512];    /* siteurl: where WordPress lives (wp-admin links) */
    char home_url[512];    /* home: the storefront */
    char admin_email[256];
    char timezone[64];     /* timezone_string, or "" when the site uses a fixed gmt_offset */
    double gmt_offset;     /* hours, used when timezone is "" */
    char currency[8];      /* woocommerce_currency */
    unsigned price_decimals; /* woocommerce_price_num_decimals */
    char wc_version[32];   /* woocommerce_version */
    char wp_db_version[16];/* db_version */
    bool hpos;             /* woocommerce_custom_orders_table_enabled = yes: HPOS is authoritative */
    bool hpos_sync;        /* woocommerce_custom_orders_table_data_sync_enabled = yes */
    bool app_passwords_in_use; /* using_application_passwords */
    char permalink_structure[128]; /* "" plain permalinks */
    char checkout_pay_endpoint[64]; /* woocommerce_checkout_pay_endpoint, "" the default order-pay */
    char checkout_url[1100]; /* wc_get_checkout_url(): the checkout page's permalink, "" when no page is
                              * set (woocommerce_checkout_page_id) or it is gone: then the home URL */
};

/* Reads every option above in one query (and, when a checkout page is set, its post and parents in
 * one more). 0, or -1 (db_error). Missing options keep WordPress defaults. */
int store_options_load(struct db *db, struct store_options *out);

struct store_user {
    uint64_t id;
    char login[61];
    char email[101];
    char display_name[251];
    char pass[256]; /* user_pass: the hash, for the password checks only */
};

/* Finds a user as WordPress's sign-in does: by user_login (case-insensitive through the collation),
 * then, when the name looks like an e-mail address, by user_email. 1 found, 0 not found, -1 error. */
int store_user_find(struct db *db, const char *name, size_t len, struct store_user *out);
int store_user_by_id(struct db *db, uint64_t id, struct store_user *out);

/* The user's effective capabilities {cap: bool} and roles, resolved as WP_User::get_role_caps:
 * every key of {prefix}capabilities naming a role in {prefix}user_roles is a role (whatever its
 * value); the roles' capabilities are merged in order; the user's own entries go on top, so b:0 denies
 * a capability a role grants. Returns a new object {"roles": [...], "caps": {...}} or NULL (-1 cases:
 * database error, or stored values that do not unserialize — logged by the caller). */
json_t *store_user_capabilities(struct db *db, uint64_t user_id);

/* Pure part of the above, for tests: roles_def is the unserialized {prefix}user_roles option,
 * user_caps the unserialized {prefix}capabilities meta. */
json_t *store_resolve_capabilities(const json_t *roles_def, const json_t *user_caps);

/* user_can(): true when the resolved value of cap is truthy. */
bool store_can(const json_t *resolved, const char *cap);

/* store_can(store_resolve_capabilities(roles_def, user_caps), cap) without building the merged set:
 * the user's own entry for cap wins, else the last of the user's roles that names cap. Pure. */
bool store_caps_allow(const json_t *roles_def, const json_t *user_caps, const char *cap);

/* The same answer as store_user_capabilities + store_can, for a caller that read the user's
 * {prefix}capabilities meta value itself, inside its own statement (caps_meta NULL: the user has none).
 * The role definitions come from the same per-thread cache. 1 yes, 0 no, -1 error (the roles could not be
 * read, or a stored value does not unserialize). */
int store_meta_can(struct db *db, const char *caps_meta, size_t len, const char *cap);

/* Frees the calling thread's cached role definitions; for a thread that checked capabilities and now
 * ends before its process does. */
void store_thread_release(void);

#endif

/*
 * authd/seed_options.c — the wp_options rows of the demo store: WordPress's site settings, the
 * roles ({prefix}user_roles) and WooCommerce's store settings.
 *
 * Options that a store already has are kept (seeding into an existing store must not change its
 * URL, currency or roles); only woocommerce_custom_orders_table_created is always set, since the
 * generator has just made sure those tables exist.
 * The roles are WordPress's five (populate_roles() in wp-admin/includes/schema.php, capabilities in
 * the order WordPress adds them) and WooCommerce's customer and shop_manager
 * (WC_Install::create_roles), with WooCommerce's core capabilities added to administrator and
 * shop_manager.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authd/seed_model.h"
#include "authd/seed_text.h"
#include "common/php_serialize.h"

static const char *const admin_caps[] = {
    "switch_themes", "edit_themes", "activate_plugins", "edit_plugins", "edit_users", "edit_files", "manage_options",
    "moderate_comments", "manage_categories", "manage_links", "upload_files", "import", "unfiltered_html",
    "edit_posts", "edit_others_posts", "edit_published_posts", "publish_posts", "edit_pages", "read", "level_10",
    "level_9", "level_8", "level_7", "level_6", "level_5", "level_4", "level_3", "level_2", "level_1", "level_0",
    "edit_others_pages", "edit_published_pages", "publish_pages", "delete_pages", "delete_others_pages",
    "delete_published_pages", "delete_posts", "delete_others_posts", "delete_published_posts",
    "delete_private_posts", "edit_private_posts", "read_private_posts", "delete_private_pages",
    "edit_private_pages", "read_private_pages", "delete_users", "create_users", "unfiltered_upload",
    "edit_dashboard", "update_plugins", "delete_plugins", "install_plugins", "update_themes", "install_themes",
    "update_core", "list_users", "remove_users", "promote_users", "edit_theme_options", "delete_themes", "export",
    NULL};
static const char *const editor_caps[] = {
    "moderate_comments", "manage_categories", "manage_links", "upload_files", "unfiltered_html", "edit_posts",
    "edit_others_posts", "edit_published_posts", "publish_posts", "edit_pages", "read", "level_7", "level_6",
    "level_5", "level_4", "level_3", "level_2", "level_1", "level_0", "edit_others_pages", "edit_published_pages",
    "publish_pages", "delete_pages", "delete_others_pages", "delete_published_pages", "delete_posts",
    "delete_others_posts", "delete_published_posts", "delete_private_posts", "edit_private_posts",
    "read_private_posts", "delete_private_pages", "edit_private_pages", "read_private_pages", NULL};
static const char *const author_caps[] = {"upload_files", "edit_posts", "edit_published_posts", "publish_posts", "read",
                                          "level_2", "level_1", "level_0", "delete_posts", "delete_published_posts",
                                          NULL};
static const char *const contributor_caps[] = {"edit_posts", "read", "level_1", "level_0", "delete_posts", NULL};
static const char *const subscriber_caps[] = {"read", "level_0", NULL};
static const char *const customer_caps[] = {"read", NULL};
static const char *const shop_manager_caps[] = {
    "level_9", "level_8", "level_7", "level_6", "level_5", "level_4", "level_3", "level_2", "level_1", "level_0",
    "read", "read_private_pages", "read_private_posts", "edit_posts", "edit_pages", "edit_published_posts",
    "edit_published_pages", "edit_private_pages", "edit_private_posts", "edit_others_posts", "edit_others_pages",
    "publish_posts", "publish_pages", "delete_posts", "delete_pages", "delete_private_pages", "delete_private_posts",
    "delete_published_pages", "delete_published_posts", "delete_others_posts", "delete_others_pages",
    "manage_categories", "manage_links", "moderate_comments", "upload_files", "export", "import", "list_users",
    "edit_theme_options", NULL};

/* WC_Install::get_core_capabilities(): two core capabilities, then 17 per post type. */
static void add_wc_caps(json_t *caps)
{
    static const char *const types[] = {"product", "shop_order", "shop_coupon"};
    static const char *const patterns[][2] = {
        {"edit_", ""},          {"read_", ""},           {"delete_", ""},          {"edit_", "s"},
        {"edit_others_", "s"},  {"publish_", "s"},       {"read_private_", "s"},   {"delete_", "s"},
        {"delete_private_", "s"}, {"delete_published_", "s"}, {"delete_others_", "s"}, {"edit_private_", "s"},
        {"edit_published_", "s"}, {"manage_", "_terms"}, {"edit_", "_terms"},      {"delete_", "_terms"},
        {"assign_", "_terms"}};
    json_object_set_new(caps, "manage_woocommerce", json_true());
    json_object_set_new(caps, "view_woocommerce_reports", json_true());
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
            char cap[64];
            snprintf(cap, sizeof cap, "%s%s%s", patterns[p][0], types[t], patterns[p][1]);
            json_object_set_new(caps, cap, json_true());
        }
    }
}

static void add_role(json_t *roles, const char *key, const char *name, const char *const *list, bool wc)
{
    json_t *caps = json_object();
    for (size_t i = 0; list[i]; i++)
        json_object_set_new(caps, list[i], json_true());
    if (wc)
        add_wc_caps(caps);
    json_object_set_new(roles, key, json_pack("{s:s, s:o}", "name", name, "capabilities", caps));
}

static char *roles_value(void)
{
    json_t *roles = json_object();
    add_role(roles, "administrator", "Administrator", admin_caps, true);
    add_role(roles, "editor", "Editor", editor_caps, false);
    add_role(roles, "author", "Author", author_caps, false);
    add_role(roles, "contributor", "Contributor", contributor_caps, false);
    add_role(roles, "subscriber", "Subscriber", subscriber_caps, false);
    add_role(roles, "customer", "Customer", customer_caps, false);
    add_role(roles, "shop_manager", "Shop manager", shop_manager_caps, true);
    char *s = php_serialize(roles, NULL);
    json_decref(roles);
    if (s == NULL)
        abort();
    return s;
}

static char *serialize_or_die(json_t *v)
{
    char *s = php_serialize(v, NULL);
    json_decref(v);
    if (s == NULL)
        abort();
    return s;
}

static int put(struct seed_ctx *c, const char *name, const char *value, bool autoload, bool overwrite)
{
    static const char keep[] = "INSERT INTO {p}options (option_name, option_value, autoload) VALUES (?, ?, ?)"
                               " ON DUPLICATE KEY UPDATE option_id = option_id";
    static const char replace[] = "INSERT INTO {p}options (option_name, option_value, autoload) VALUES (?, ?, ?)"
                                  " ON DUPLICATE KEY UPDATE option_value = VALUES(option_value), autoload = VALUES(autoload)";
    struct db_value p[3] = {DB_STR(name), DB_STR(value), DB_STR(autoload ? "yes" : "no")};
    if (db_exec(c->db, overwrite ? replace : keep, p, 3, NULL) != 0) {
        snprintf(c->err, sizeof c->err, "option %s: %s", name, db_error(c->db));
        return -1;
    }
    return 0;
}

struct option {
    const char *name, *value;
};

#define WIDGET_BLOCK \
    "a:6:{i:2;a:1:{s:7:\"content\";s:19:\"<!-- wp:search /-->\";}i:3;a:1:{s:7:\"content\";s:154:\"<!-- wp:group -->" \
    "<div class=\"wp-block-group\"><!-- wp:heading --><h2>Recent Posts</h2><!-- /wp:heading --><!-- wp:latest-posts /-->" \
    "</div><!-- /wp:group -->\";}i:4;a:1:{s:7:\"content\";s:227:\"<!-- wp:group --><div class=\"wp-block-group\">" \
    "<!-- wp:heading --><h2>Recent Comments</h2><!-- /wp:heading --><!-- wp:latest-comments {\"displayAvatar\":false," \
    "\"displayDate\":false,\"displayExcerpt\":false} /--></div><!-- /wp:group -->\";}i:5;a:1:{s:7:\"content\";s:146:" \
    "\"<!-- wp:group --><div class=\"wp-block-group\"><!-- wp:heading --><h2>Archives</h2><!-- /wp:heading -->" \
    "<!-- wp:archives /--></div><!-- /wp:group -->\";}i:6;a:1:{s:7:\"content\";s:150:\"<!-- wp:group -->" \
    "<div class=\"wp-block-group\"><!-- wp:heading --><h2>Categories</h2><!-- /wp:heading --><!-- wp:categories /-->" \
    "</div><!-- /wp:group -->\";}s:12:\"_multiwidget\";i:1;}"
#define SIDEBARS_WIDGETS \
    "a:4:{s:19:\"wp_inactive_widgets\";a:0:{}s:9:\"sidebar-1\";a:3:{i:0;s:7:\"block-2\";i:1;s:7:\"block-3\";i:2;" \
    "s:7:\"block-4\";}s:9:\"sidebar-2\";a:2:{i:0;s:7:\"block-5\";i:1;s:7:\"block-6\";}s:13:\"array_version\";i:3;}"

/* The rest of WordPress 6.1's populate_options() defaults (wp-admin/includes/schema.php; its "fat" options
 * are not autoloaded) and the widgets wp_install_defaults() sets up. A real store has them all: without
 * them WordPress looks each missing autoloaded option up with a query of its own on every request. */
struct wp_default {
    const char *name, *value;
    bool autoload;
};
static const struct wp_default wp_defaults[] = {
    {"use_balanceTags", "0", true}, {"use_smilies", "1", true}, {"require_name_email", "1", true},
    {"comments_notify", "1", true}, {"posts_per_rss", "10", true}, {"rss_use_excerpt", "0", true},
    {"mailserver_url", "mail.example.com", true}, {"mailserver_login", "login@example.com", true},
    {"mailserver_pass", "password", true}, {"mailserver_port", "110", true}, {"default_category", "1", true},
    {"default_comment_status", "open", true}, {"default_ping_status", "open", true},
    {"default_pingback_flag", "1", true}, {"posts_per_page", "10", true}, {"comment_moderation", "0", true},
    {"moderation_notify", "1", true}, {"rewrite_rules", "", true}, {"hack_file", "0", true},
    {"moderation_keys", "", false}, {"category_base", "", true}, {"ping_sites", "http://rpc.pingomatic.com/", true},
    {"comment_max_links", "2", true}, {"default_email_category", "1", true}, {"recently_edited", "", false},
    {"comment_registration", "0", true}, {"html_type", "text/html", true}, {"use_trackback", "0", true},
    {"upload_path", "", true}, {"blog_public", "1", true}, {"default_link_category", "2", true},
    {"show_on_front", "posts", true}, {"tag_base", "", true}, {"show_avatars", "1", true},
    {"avatar_rating", "G", true}, {"upload_url_path", "", true}, {"thumbnail_size_w", "150", true},
    {"thumbnail_size_h", "150", true}, {"thumbnail_crop", "1", true}, {"medium_size_w", "300", true},
    {"medium_size_h", "300", true}, {"avatar_default", "mystery", true}, {"large_size_w", "1024", true},
    {"large_size_h", "1024", true}, {"image_default_link_type", "none", true}, {"image_default_size", "", true},
    {"image_default_align", "", true}, {"close_comments_for_old_posts", "0", true},
    {"close_comments_days_old", "14", true}, {"thread_comments", "1", true}, {"thread_comments_depth", "5", true},
    {"page_comments", "0", true}, {"comments_per_page", "50", true}, {"default_comments_page", "newest", true},
    {"comment_order", "asc", true}, {"sticky_posts", "a:0:{}", true}, {"widget_categories", "a:0:{}", true},
    {"widget_text", "a:0:{}", true}, {"widget_rss", "a:0:{}", true}, {"uninstall_plugins", "a:0:{}", false},
    {"page_for_posts", "0", true}, {"page_on_front", "0", true}, {"default_post_format", "0", true},
    {"link_manager_enabled", "0", true}, {"finished_splitting_shared_terms", "1", true}, {"site_icon", "0", true},
    {"medium_large_size_w", "768", true}, {"medium_large_size_h", "0", true},
    {"wp_page_for_privacy_policy", "0", true}, {"show_comments_cookies_opt_in", "1", true},
    {"disallowed_keys", "", false}, {"comment_previously_approved", "1", true},
    {"auto_plugin_theme_update_emails", "a:0:{}", false}, {"auto_update_core_dev", "enabled", true},
    {"auto_update_core_minor", "enabled", true}, {"auto_update_core_major", "enabled", true},
    {"wp_force_deactivated_plugins", "a:0:{}", true},
    {"links_updated_date_format", "F j, Y g:i a", true},
    {"widget_block", WIDGET_BLOCK, true},
    {"sidebars_widgets", SIDEBARS_WIDGETS, true},
};

static int put_site_options(struct seed_ctx *c)
{
    const struct option site[] = {
        {"siteurl", c->site_url}, {"home", c->site_url}, {"blogname", "CartMan Demo Store"},
        {"blogdescription", "Demo data for CartMan Connect"}, {"admin_email", c->staff[SEED_ADMIN].email},
        {"users_can_register", "0"}, {"start_of_week", "1"}, {"timezone_string", "Europe/Berlin"},
        {"gmt_offset", ""}, {"date_format", "F j, Y"}, {"time_format", "H:i"},
        {"permalink_structure", "/%postname%/"}, {"blog_charset", "UTF-8"}, {"default_role", "subscriber"},
        {"db_version", SEED_WP_DB_VERSION}, {"initial_db_version", SEED_WP_DB_VERSION}, {"WPLANG", ""},
        {"uploads_use_yearmonth_folders", "1"}, {"template", "twentytwentythree"},
        {"stylesheet", "twentytwentythree"}, {"using_application_passwords", "1"},
    };
    for (size_t i = 0; i < sizeof site / sizeof site[0]; i++)
        if (put(c, site[i].name, site[i].value, true, false) != 0)
            return -1;
    for (size_t i = 0; i < sizeof wp_defaults / sizeof wp_defaults[0]; i++)
        if (put(c, wp_defaults[i].name, wp_defaults[i].value, wp_defaults[i].autoload, false) != 0)
            return -1;
    char lifespan[24]; /* the admin e-mail was confirmed at install: asked again after 6 × MONTH_IN_SECONDS */
    snprintf(lifespan, sizeof lifespan, "%" PRId64, c->anchor + (int64_t)6 * 30 * 86400);
    if (put(c, "admin_email_lifespan", lifespan, true, false) != 0)
        return -1;
    char key[128], *v = roles_value();
    snprintf(key, sizeof key, "%suser_roles", db_prefix(c->db));
    int rc = put(c, key, v, true, false);
    free(v);
    if (rc == 0) {
        v = serialize_or_die(json_pack("[s]", "woocommerce/woocommerce.php"));
        rc = put(c, "active_plugins", v, true, false);
        free(v);
    }
    return rc;
}

static int put_shipping_settings(struct seed_ctx *c)
{
    char name[96];
    snprintf(name, sizeof name, "woocommerce_flat_rate_%" PRIu64 "_settings", c->cat.flat_rate_instance);
    char *v = serialize_or_die(json_pack("{s:s, s:s, s:s}", "title", "Flat rate", "tax_status", "taxable", "cost", "4.90"));
    int rc = put(c, name, v, true, false);
    free(v);
    if (rc != 0)
        return -1;
    snprintf(name, sizeof name, "woocommerce_free_shipping_%" PRIu64 "_settings", c->cat.free_shipping_instance);
    v = serialize_or_die(json_pack("{s:s, s:s, s:s, s:s}", "title", "Free shipping", "requires", "min_amount",
                                   "min_amount", "50", "ignore_discounts", "no"));
    rc = put(c, name, v, true, false);
    free(v);
    return rc;
}

static int put_wc_options(struct seed_ctx *c)
{
    char cat_id[24], installed[24];
    snprintf(cat_id, sizeof cat_id, "%" PRIu64, c->cat.terms[c->cat.term_uncategorized].term_id);
    snprintf(installed, sizeof installed, "%" PRId64, c->anchor - (int64_t)(SEED_DAYS + 40) * 86400);
    const struct option wc[] = {
        {"woocommerce_store_address", "Friedrichstraße 123"}, {"woocommerce_store_city", "Berlin"},
        {"woocommerce_default_country", "DE"}, {"woocommerce_store_postcode", "10117"},
        {"woocommerce_currency", SEED_CURRENCY}, {"woocommerce_currency_pos", "right_space"},
        {"woocommerce_price_thousand_sep", "."}, {"woocommerce_price_decimal_sep", ","},
        {"woocommerce_price_num_decimals", "2"}, {"woocommerce_calc_taxes", "yes"},
        {"woocommerce_prices_include_tax", "no"}, {"woocommerce_tax_based_on", "shipping"},
        {"woocommerce_tax_round_at_subtotal", "no"}, {"woocommerce_tax_display_shop", "excl"},
        {"woocommerce_tax_display_cart", "excl"}, {"woocommerce_enable_coupons", "yes"},
        {"woocommerce_manage_stock", "yes"}, {"woocommerce_hold_stock_minutes", "60"},
        {"woocommerce_notify_low_stock_amount", "2"}, {"woocommerce_notify_no_stock_amount", "0"},
        {"woocommerce_stock_format", ""}, {"woocommerce_weight_unit", "kg"}, {"woocommerce_dimension_unit", "cm"},
        {"woocommerce_enable_reviews", "yes"}, {"woocommerce_version", SEED_WC_VERSION},
        {"woocommerce_db_version", SEED_WC_VERSION},
        {"woocommerce_custom_orders_table_enabled", c->hpos ? "yes" : "no"},
        {"woocommerce_custom_orders_table_data_sync_enabled", "no"},
        {"woocommerce_attribute_lookup_enabled", "no"}, {"woocommerce_analytics_enabled", "yes"},
        {"woocommerce_admin_install_timestamp", installed}, {"default_product_cat", cat_id},
        /* WooCommerce's installer copies these from blogname and admin_email; its mails use them */
        {"woocommerce_email_from_name", "CartMan Demo Store"},
        {"woocommerce_email_from_address", c->staff[SEED_ADMIN].email},
    };
    for (size_t i = 0; i < sizeof wc / sizeof wc[0]; i++)
        if (put(c, wc[i].name, wc[i].value, true, false) != 0)
            return -1;
    if (put(c, "woocommerce_custom_orders_table_created", "yes", true, true) != 0)
        return -1;
    return put_shipping_settings(c);
}

int seed_options_write(struct seed_ctx *c)
{
    if (put_site_options(c) != 0 || put_wc_options(c) != 0)
        return -1;
    return 0;
}

/*
 * apid/order_write.c — writes one order as WooCommerce does: the lock, status and dates, notes, stock,
 * sales and coupon counts, wc_order_stats, the caches an order save clears.
 *
 * Owns: the SQL of those writes in both storages (HPOS wc_orders + wc_order_operational_data +
 * wc_orders_meta; posts + postmeta), the sync-on mirroring, the order of the side effects (as the
 * hooks of WC_Order::status_transition run: effects of woocommerce_order_status_<to> first, the
 * transition note last), and the wording of the notes WooCommerce writes.
 * Does not: open or close transactions (the caller does), parse requests, answer HTTP, read the full
 * order back (apid/orders_read.c), or write refund orders (apid/order_refund.c).
 * Locks, in this order by every writer: the order's authoritative row (order_write_lock), the post
 * rows of all the order's products in ascending id (before any product is written), then store-wide
 * rows (the outofstock term's count, transients and their versions; order_write_touch last). A
 * deadlock the server still reports (two stock-status flips racing on the term count) fails the call;
 * the route handlers retry the whole transaction.
 */
#include "apid/order_write.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/download_files.h"
#include "apid/order_downloads.h"
#include "apid/order_mail.h"
#include "apid/order_refund.h"
#include "apid/orders_read.h"
#include "common/limits.h"
#include "common/log.h"

#define NOTE_TEXT_BYTES 8192 /* a stock note: one "name old→new" entry per line */

/* ---- small helpers ------------------------------------------------------------------------------ */

static uint64_t to_u64(const char *s)
{
    return s ? strtoull(s, NULL, 10) : 0;
}

static long long to_ll(const char *s)
{
    return s ? (long long)strtod(s, NULL) : 0;
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int fail(struct db *db, const char *what)
{
    log_warn("order_write: %s: %s", what, db_error(db));
    return -1;
}

/* tm → "Y-m-d H:i:s" */
static void fmt_ymdhis(const struct tm *g, char out[20])
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)(g->tm_year + 1900) % 10000u,
             (unsigned)(g->tm_mon + 1) % 100u, (unsigned)g->tm_mday % 100u, (unsigned)g->tm_hour % 100u,
             (unsigned)g->tm_min % 100u, (unsigned)g->tm_sec % 100u);
    memcpy(out, tmp, 19);
    out[19] = '\0';
}

void order_write_clock_at(const struct store_options *opt, int64_t unix_ts, struct order_clock *out)
{
    time_t t = (time_t)unix_ts;
    struct tm g;
    gmtime_r(&t, &g);
    out->unix_ts = unix_ts;
    fmt_ymdhis(&g, out->gmt);
    char local[20], gmt_t[20];
    if (orders_gmt_to_store(opt, out->gmt, local, gmt_t) == 0) {
        local[10] = ' ';
        memcpy(out->local, local, sizeof out->local);
    } else {
        memcpy(out->local, out->gmt, sizeof out->local);
    }
}

void order_write_clock(const struct store_options *opt, struct order_clock *out)
{
    order_write_clock_at(opt, (int64_t)time(NULL), out);
}

/* "Y-m-d H:i:s" GMT → store time "Y-m-d H:i:s"; "" stays "". */
static void gmt_to_local(const struct store_options *opt, const char *gmt, char out[20])
{
    char local[20], g[20];
    if (gmt[0] && orders_gmt_to_store(opt, gmt, local, g) == 0) {
        local[10] = ' ';
        memcpy(out, local, 20);
    } else {
        out[0] = '\0';
    }
}

static const struct {
    const char *status, *label;
} labels[] = {
    {"pending", "Pending payment"}, {"processing", "Processing"}, {"on-hold", "On hold"},
    {"completed", "Completed"},     {"cancelled", "Cancelled"},   {"refunded", "Refunded"},
    {"failed", "Failed"},           {"checkout-draft", "Draft"},
};

const char *order_status_label(const char *status)
{
    const char *s = strncmp(status, "wc-", 3) == 0 ? status + 3 : status;
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (strcmp(labels[i].status, s) == 0)
            return labels[i].label;
    return s;
}

bool order_status_settable(const char *status)
{
    static const char *const ok[] = {"processing", "completed", "on-hold", "cancelled", "refunded"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strcmp(ok[i], status) == 0)
            return true;
    return false;
}

/* ---- meta upserts ------------------------------------------------------------------------------ */

/* update_metadata: replace every row of key, or add one. sel/upd/ins are the table's statements. */
static int meta_put(struct db *db, const char *sel, const char *upd, const char *ins, uint64_t id, const char *key,
                    const char *value)
{
    struct db_value p[3] = {DB_UINT(id), DB_STR(key)};
    struct db_rows r;
    if (db_query(db, sel, p, 2, &r) != 0)
        return fail(db, "meta read");
    bool exists = r.nrows > 0;
    db_rows_free(&r);
    if (exists) {
        struct db_value u[3] = {DB_STR(value), DB_UINT(id), DB_STR(key)};
        return db_exec(db, upd, u, 3, NULL) == 0 ? 0 : fail(db, "meta update");
    }
    struct db_value i[3] = {DB_UINT(id), DB_STR(key), DB_STR(value)};
    return db_exec(db, ins, i, 3, NULL) == 0 ? 0 : fail(db, "meta insert");
}

static int postmeta_put(struct db *db, uint64_t id, const char *key, const char *value)
{
    return meta_put(db, "SELECT meta_id FROM {p}postmeta WHERE post_id = ? AND meta_key = ? LIMIT 1",
                    "UPDATE {p}postmeta SET meta_value = ? WHERE post_id = ? AND meta_key = ?",
                    "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES (?, ?, ?)", id, key, value);
}

static int ordermeta_put(struct db *db, uint64_t id, const char *key, const char *value)
{
    return meta_put(db, "SELECT id FROM {p}wc_orders_meta WHERE order_id = ? AND meta_key = ? LIMIT 1",
                    "UPDATE {p}wc_orders_meta SET meta_value = ? WHERE order_id = ? AND meta_key = ?",
                    "INSERT INTO {p}wc_orders_meta (order_id, meta_key, meta_value) VALUES (?, ?, ?)", id, key, value);
}

static int itemmeta_put(struct db *db, uint64_t item, const char *key, const char *value)
{
    return meta_put(db, "SELECT meta_id FROM {p}woocommerce_order_itemmeta WHERE order_item_id = ? AND meta_key = ? LIMIT 1",
                    "UPDATE {p}woocommerce_order_itemmeta SET meta_value = ? WHERE order_item_id = ? AND meta_key = ?",
                    "INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES (?, ?, ?)",
                    item, key, value);
}

int order_write_meta(struct db *db, const struct store_options *opt, const struct order_locked *o, const char *key,
                     const char *value)
{
    (void)opt;
    if (o->hpos_copy && ordermeta_put(db, o->id, key, value) != 0)
        return -1;
    if (o->posts_copy && postmeta_put(db, o->id, key, value) != 0)
        return -1;
    return 0;
}

/* ---- the lock ---------------------------------------------------------------------------------- */

static const char H_LOCK[] =
    "SELECT o.type, o.status, o.customer_id, o.billing_email, o.currency, o.total_amount, d.date_paid_gmt,"
    " d.date_completed_gmt, d.order_stock_reduced, d.recorded_sales, d.coupon_usages_are_counted,"
    " d.download_permission_granted, d.order_key FROM {p}wc_orders o LEFT JOIN {p}wc_order_operational_data d"
    " ON d.order_id = o.id WHERE o.id = ? FOR UPDATE";
static const char P_LOCK[] =
    "SELECT p.post_status, m.meta_key, m.meta_value FROM {p}posts p LEFT JOIN {p}postmeta m ON m.post_id = p.ID"
    " AND m.meta_key IN ('_customer_user', '_billing_email', '_order_currency', '_order_total', '_date_paid',"
    " '_date_completed', '_order_stock_reduced', '_recorded_sales', '_recorded_coupon_usage_counts',"
    " '_download_permissions_granted', '_order_key') WHERE p.ID = ? AND p.post_type = 'shop_order' FOR UPDATE";
static const char P_COPY[] = "SELECT post_type FROM {p}posts WHERE ID = ? FOR UPDATE";
static const char H_COPY[] = "SELECT type FROM {p}wc_orders WHERE id = ? FOR UPDATE";

static void ts_to_gmt(const char *ts, char out[20])
{
    out[0] = '\0';
    if (ts == NULL || *ts == '\0')
        return;
    char *end;
    long long v = strtoll(ts, &end, 10);
    if (*end != '\0' || v <= 0)
        return;
    time_t t = (time_t)v;
    struct tm g;
    gmtime_r(&t, &g);
    fmt_ymdhis(&g, out);
}

static bool yes(const char *s)
{
    return s && (strcmp(s, "yes") == 0 || strcmp(s, "1") == 0 || strcmp(s, "true") == 0);
}

int order_write_lock(struct db *db, const struct store_options *opt, uint64_t id, struct order_locked *out)
{
    memset(out, 0, sizeof *out);
    out->id = id;
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    if (opt->hpos) {
        if (db_query(db, H_LOCK, p, 1, &r) != 0)
            return fail(db, "lock");
        if (r.nrows == 0 || db_cell(&r, 0, 0) == NULL || strcmp(db_cell(&r, 0, 0), "shop_order") != 0) {
            db_rows_free(&r);
            return 0;
        }
        copy(out->status, sizeof out->status, db_cell(&r, 0, 1));
        out->customer_id = to_u64(db_cell(&r, 0, 2));
        copy(out->billing_email, sizeof out->billing_email, db_cell(&r, 0, 3));
        copy(out->currency, sizeof out->currency, db_cell(&r, 0, 4));
        copy(out->total, sizeof out->total, db_cell(&r, 0, 5));
        copy(out->date_paid_gmt, sizeof out->date_paid_gmt, db_cell(&r, 0, 6));
        copy(out->date_completed_gmt, sizeof out->date_completed_gmt, db_cell(&r, 0, 7));
        out->stock_reduced = yes(db_cell(&r, 0, 8));
        out->recorded_sales = yes(db_cell(&r, 0, 9));
        out->coupon_counted = yes(db_cell(&r, 0, 10));
        out->downloads_granted = yes(db_cell(&r, 0, 11));
        copy(out->order_key, sizeof out->order_key, db_cell(&r, 0, 12));
        out->hpos_copy = true;
        db_rows_free(&r);
        if (opt->hpos_sync) {
            if (db_query(db, P_COPY, p, 1, &r) != 0)
                return fail(db, "lock posts copy");
            out->posts_copy = r.nrows > 0 && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "shop_order") == 0;
            db_rows_free(&r);
        }
        return 1;
    }
    if (db_query(db, P_LOCK, p, 1, &r) != 0)
        return fail(db, "lock");
    if (r.nrows == 0) {
        db_rows_free(&r);
        return 0;
    }
    copy(out->status, sizeof out->status, db_cell(&r, 0, 0));
    for (size_t i = 0; i < r.nrows; i++) {
        const char *k = db_cell(&r, i, 1), *v = db_cell(&r, i, 2);
        if (k == NULL)
            continue;
        if (strcmp(k, "_customer_user") == 0)
            out->customer_id = to_u64(v);
        else if (strcmp(k, "_billing_email") == 0)
            copy(out->billing_email, sizeof out->billing_email, v);
        else if (strcmp(k, "_order_currency") == 0)
            copy(out->currency, sizeof out->currency, v);
        else if (strcmp(k, "_order_total") == 0)
            copy(out->total, sizeof out->total, v);
        else if (strcmp(k, "_date_paid") == 0)
            ts_to_gmt(v, out->date_paid_gmt);
        else if (strcmp(k, "_date_completed") == 0)
            ts_to_gmt(v, out->date_completed_gmt);
        else if (strcmp(k, "_order_stock_reduced") == 0)
            out->stock_reduced = yes(v);
        else if (strcmp(k, "_recorded_sales") == 0)
            out->recorded_sales = yes(v);
        else if (strcmp(k, "_recorded_coupon_usage_counts") == 0)
            out->coupon_counted = yes(v);
        else if (strcmp(k, "_download_permissions_granted") == 0)
            out->downloads_granted = yes(v);
        else if (strcmp(k, "_order_key") == 0)
            copy(out->order_key, sizeof out->order_key, v);
    }
    out->posts_copy = true;
    db_rows_free(&r);
    if (opt->hpos_sync) {
        if (db_query(db, H_COPY, p, 1, &r) != 0)
            return fail(db, "lock hpos copy");
        out->hpos_copy = r.nrows > 0 && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "shop_order") == 0;
        db_rows_free(&r);
    }
    return 1;
}

/* ---- order flags and dates ------------------------------------------------------------------------- */

enum flag { FLAG_STOCK, FLAG_SALES, FLAG_COUPONS, FLAG_DOWNLOADS };
static const struct {
    const char *hpos_sql, *meta;
} flags[] = {
    [FLAG_STOCK] = {"UPDATE {p}wc_order_operational_data SET order_stock_reduced = ? WHERE order_id = ?",
                    "_order_stock_reduced"},
    [FLAG_SALES] = {"UPDATE {p}wc_order_operational_data SET recorded_sales = ? WHERE order_id = ?", "_recorded_sales"},
    [FLAG_COUPONS] = {"UPDATE {p}wc_order_operational_data SET coupon_usages_are_counted = ? WHERE order_id = ?",
                      "_recorded_coupon_usage_counts"},
    [FLAG_DOWNLOADS] = {"UPDATE {p}wc_order_operational_data SET download_permission_granted = ? WHERE order_id = ?",
                        "_download_permissions_granted"},
};

static int set_flag(struct db *db, struct order_locked *o, enum flag f, bool v)
{
    if (o->hpos_copy) {
        struct db_value p[2] = {DB_INT(v ? 1 : 0), DB_UINT(o->id)};
        if (db_exec(db, flags[f].hpos_sql, p, 2, NULL) != 0)
            return fail(db, "flag");
    }
    if (o->posts_copy && postmeta_put(db, o->id, flags[f].meta, v ? "yes" : "no") != 0)
        return -1;
    bool *field[] = {[FLAG_STOCK] = &o->stock_reduced, [FLAG_SALES] = &o->recorded_sales,
                     [FLAG_COUPONS] = &o->coupon_counted, [FLAG_DOWNLOADS] = &o->downloads_granted};
    *field[f] = v;
    return 0;
}

/* date_paid (paid = true) or date_completed to now in every copy. */
static int set_date(struct db *db, const struct store_options *opt, struct order_locked *o, bool paid,
                    const struct order_clock *now)
{
    (void)opt;
    if (o->hpos_copy) {
        struct db_value p[2] = {DB_STR(now->gmt), DB_UINT(o->id)};
        if (db_exec(db,
                    paid ? "UPDATE {p}wc_order_operational_data SET date_paid_gmt = ? WHERE order_id = ?"
                         : "UPDATE {p}wc_order_operational_data SET date_completed_gmt = ? WHERE order_id = ?",
                    p, 2, NULL) != 0)
            return fail(db, "date");
    }
    if (o->posts_copy) {
        char ts[24];
        snprintf(ts, sizeof ts, "%" PRId64, now->unix_ts);
        if (postmeta_put(db, o->id, paid ? "_date_paid" : "_date_completed", ts) != 0 ||
            postmeta_put(db, o->id, paid ? "_paid_date" : "_completed_date", now->local) != 0)
            return -1;
    }
    copy(paid ? o->date_paid_gmt : o->date_completed_gmt, 20, now->gmt);
    return 0;
}

/* WC_Cache_Helper::get_transient_version($group, true): set_transient("<group>-transient-version",
 * time()), which adds the option (autoloaded) when it is missing. */
static int bump_transient_version(struct db *db, const struct store_options *opt, const char *name, int64_t ts)
{
    char v[24];
    snprintf(v, sizeof v, "%" PRId64, ts);
    /* WordPress 6.6 (db_version 57155) writes autoload 'on', earlier versions 'yes' */
    const char *autoload = strtol(opt->wp_db_version, NULL, 10) >= 57155 ? "on" : "yes";
    struct db_value p[3] = {DB_STR(name), DB_STR(v), DB_STR(autoload)};
    if (db_exec(db,
                "INSERT INTO {p}options (option_name, option_value, autoload) VALUES (?, ?, ?)"
                " ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)",
                p, 3, NULL) != 0)
        return fail(db, "transient version");
    return 0;
}

int order_write_touch(struct db *db, const struct store_options *opt, const struct order_locked *o,
                      const struct order_clock *now)
{
    if (o->hpos_copy) {
        struct db_value p[2] = {DB_STR(now->gmt), DB_UINT(o->id)};
        if (db_exec(db, "UPDATE {p}wc_orders SET date_updated_gmt = ? WHERE id = ?", p, 2, NULL) != 0)
            return fail(db, "touch");
        if (opt->wc_version[0]) {
            struct db_value v[2] = {DB_STR(opt->wc_version), DB_UINT(o->id)};
            if (db_exec(db, "UPDATE {p}wc_order_operational_data SET woocommerce_version = ? WHERE order_id = ?", v, 2,
                        NULL) != 0)
                return fail(db, "touch version");
        }
    }
    if (o->posts_copy) {
        struct db_value p[3] = {DB_STR(now->local), DB_STR(now->gmt), DB_UINT(o->id)};
        if (db_exec(db, "UPDATE {p}posts SET post_modified = ?, post_modified_gmt = ? WHERE ID = ?", p, 3, NULL) != 0)
            return fail(db, "touch post");
        if (opt->wc_version[0] && postmeta_put(db, o->id, "_order_version", opt->wc_version) != 0)
            return -1;
    }
    /* wc_delete_shop_order_transients */
    if (db_exec(db,
                "DELETE FROM {p}options WHERE option_name IN ('_transient_wc_admin_report',"
                " '_transient_timeout_wc_admin_report') OR option_name LIKE '\\_transient\\_wc\\_report\\_%'"
                " OR option_name LIKE '\\_transient\\_timeout\\_wc\\_report\\_%'",
                NULL, 0, NULL) != 0)
        return fail(db, "report transients");
    if (o->customer_id) {
        struct db_value p[1] = {DB_UINT(o->customer_id)};
        if (db_exec(db,
                    "DELETE FROM {p}usermeta WHERE user_id = ? AND meta_key IN ('_money_spent', '_order_count',"
                    " '_last_order')",
                    p, 1, NULL) != 0)
            return fail(db, "customer meta");
    }
    return bump_transient_version(db, opt, "_transient_orders-transient-version", now->unix_ts);
}

/* ---- notes ----------------------------------------------------------------------------------------- */

static void site_host(const struct store_options *opt, char *out, size_t cap)
{
    const char *u = opt->site_url;
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    size_t n = strcspn(p, "/:?#");
    if (n >= 4 && strncmp(p, "www.", 4) == 0) {
        p += 4;
        n -= 4;
    }
    if (n == 0) {
        snprintf(out, cap, "noreply.com");
        return;
    }
    snprintf(out, cap, "%.*s", (int)n, p);
}

int order_write_add_note(struct db *db, const struct store_options *opt, uint64_t order_id, const char *text,
                         bool customer_note, uint64_t user_id, const struct order_clock *now, uint64_t *note_id)
{
    char author[256] = "WooCommerce", email[512];
    struct store_user u;
    int found = user_id ? store_user_by_id(db, user_id, &u) : 0;
    if (found < 0)
        return fail(db, "note author");
    if (found == 1) {
        copy(author, sizeof author, u.display_name);
        copy(email, sizeof email, u.email);
    } else {
        char host[256];
        site_host(opt, host, sizeof host);
        snprintf(email, sizeof email, "woocommerce@%s", host);
    }
    struct db_value p[6] = {DB_UINT(order_id), DB_STR(author), DB_STR(email), DB_STR(now->local), DB_STR(now->gmt),
                            DB_STR(text)};
    struct db_exec_result res;
    if (db_exec(db,
                "INSERT INTO {p}comments (comment_post_ID, comment_author, comment_author_email, comment_author_url,"
                " comment_author_IP, comment_date, comment_date_gmt, comment_content, comment_karma, comment_approved,"
                " comment_agent, comment_type, comment_parent, user_id)"
                " VALUES (?, ?, ?, '', '', ?, ?, ?, 0, '1', 'WooCommerce', 'order_note', 0, 0)",
                p, 6, &res) != 0)
        return fail(db, "note insert");
    if (customer_note) {
        struct db_value m[1] = {DB_UINT(res.insert_id)};
        if (db_exec(db,
                    "INSERT INTO {p}commentmeta (comment_id, meta_key, meta_value) VALUES (?, 'is_customer_note', '1')",
                    m, 1, NULL) != 0)
            return fail(db, "note meta");
    }
    /* wp_update_comment_count_now */
    struct db_value c[2] = {DB_UINT(order_id), DB_UINT(order_id)};
    if (db_exec(db,
                "UPDATE {p}posts SET comment_count = (SELECT COUNT(*) FROM {p}comments WHERE comment_post_ID = ?"
                " AND comment_approved = '1') WHERE ID = ?",
                c, 2, NULL) != 0)
        return fail(db, "comment count");
    if (note_id)
        *note_id = res.insert_id;
    return 0;
}

/* ---- stock ----------------------------------------------------------------------------------------- */

struct stock_options {
    bool manage;          /* woocommerce_manage_stock = yes */
    long long no_stock;   /* woocommerce_notify_no_stock_amount */
    bool downloads_after_payment; /* woocommerce_downloads_grant_access_after_payment != no */
};

static int stock_options(struct db *db, struct stock_options *so)
{
    so->manage = false;
    so->no_stock = 0;
    so->downloads_after_payment = true;
    struct db_rows r;
    if (db_query(db,
                 "SELECT option_name, option_value FROM {p}options WHERE option_name IN ('woocommerce_manage_stock',"
                 " 'woocommerce_notify_no_stock_amount', 'woocommerce_downloads_grant_access_after_payment')",
                 NULL, 0, &r) != 0)
        return fail(db, "stock options");
    for (size_t i = 0; i < r.nrows; i++) {
        const char *k = db_cell(&r, i, 0), *v = db_cell(&r, i, 1) ? db_cell(&r, i, 1) : "";
        if (strcmp(k, "woocommerce_manage_stock") == 0)
            so->manage = strcmp(v, "yes") == 0;
        else if (strcmp(k, "woocommerce_notify_no_stock_amount") == 0)
            so->no_stock = llabs(strtoll(v, NULL, 10));
        else
            so->downloads_after_payment = strcmp(v, "no") != 0;
    }
    db_rows_free(&r);
    return 0;
}

struct product {
    uint64_t id, parent;
    bool variation, manages;
    char name[400], sku[128], backorders[16], stock_status[16];
    bool has_stock;
    long long stock;
};

static const char PRODUCT_SQL[] =
    "SELECT p.ID, p.post_type, p.post_parent, p.post_title,"
    " MAX(IF(m.meta_key = '_manage_stock', m.meta_value, NULL)), MAX(IF(m.meta_key = '_stock', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_sku', m.meta_value, NULL)), MAX(IF(m.meta_key = '_backorders', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_stock_status', m.meta_value, NULL)) FROM {p}posts p LEFT JOIN {p}postmeta m"
    " ON m.post_id = p.ID AND m.meta_key IN ('_manage_stock', '_stock', '_sku', '_backorders', '_stock_status')"
    " WHERE p.ID = ? AND p.post_type IN ('product', 'product_variation') GROUP BY p.ID, p.post_type, p.post_parent,"
    " p.post_title";

/* 1 found, 0 no such product, -1 error. */
static int product_read(struct db *db, uint64_t id, struct product *out)
{
    memset(out, 0, sizeof *out);
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db, PRODUCT_SQL, p, 1, &r) != 0)
        return fail(db, "product");
    if (r.nrows == 0) {
        db_rows_free(&r);
        return 0;
    }
    out->id = id;
    out->variation = strcmp(db_cell(&r, 0, 1), "product_variation") == 0;
    out->parent = to_u64(db_cell(&r, 0, 2));
    copy(out->name, sizeof out->name, db_cell(&r, 0, 3));
    out->manages = db_cell(&r, 0, 4) && strcmp(db_cell(&r, 0, 4), "yes") == 0;
    out->has_stock = db_cell(&r, 0, 5) != NULL;
    out->stock = to_ll(db_cell(&r, 0, 5));
    copy(out->sku, sizeof out->sku, db_cell(&r, 0, 6));
    copy(out->backorders, sizeof out->backorders, db_cell(&r, 0, 7) ? db_cell(&r, 0, 7) : "no");
    copy(out->stock_status, sizeof out->stock_status, db_cell(&r, 0, 8) ? db_cell(&r, 0, 8) : "instock");
    db_rows_free(&r);
    return 1;
}

/* WC_Product::get_formatted_name: "Name (SKU)" or "Name (#id)"; a variation without its own SKU
 * shows its parent's. */
static int formatted_name(struct db *db, const struct product *pr, char *out, size_t cap)
{
    const char *sku = pr->sku;
    struct product parent;
    if (sku[0] == '\0' && pr->variation && pr->parent) {
        int rc = product_read(db, pr->parent, &parent);
        if (rc < 0)
            return -1;
        if (rc == 1)
            sku = parent.sku;
    }
    if (sku[0])
        snprintf(out, cap, "%s (%s)", pr->name, sku);
    else
        snprintf(out, cap, "%s (#%" PRIu64 ")", pr->name, pr->id);
    return 0;
}

/* The product whose _stock changes for pr (get_stock_managed_by_id), or 0 when none manages stock. */
static int stock_holder(struct db *db, const struct product *pr, struct product *holder)
{
    if (pr->manages) {
        *holder = *pr;
        return 1;
    }
    if (pr->variation && pr->parent) {
        int rc = product_read(db, pr->parent, holder);
        if (rc <= 0)
            return rc;
        return holder->manages ? 1 : 0;
    }
    return 0;
}

static uint64_t outofstock_tt(struct db *db, int *err)
{
    struct db_rows r;
    *err = 0;
    if (db_query(db,
                 "SELECT tt.term_taxonomy_id FROM {p}terms t JOIN {p}term_taxonomy tt ON tt.term_id = t.term_id"
                 " WHERE tt.taxonomy = 'product_visibility' AND t.slug = 'outofstock' LIMIT 1",
                 NULL, 0, &r) != 0) {
        *err = fail(db, "outofstock term");
        return 0;
    }
    uint64_t tt = r.nrows ? to_u64(db_cell(&r, 0, 0)) : 0;
    db_rows_free(&r);
    return tt;
}

/* _stock_status and what follows it: the outofstock visibility term (and its count), the lookup row. */
static int set_stock_status(struct db *db, uint64_t id, const char *status)
{
    if (postmeta_put(db, id, "_stock_status", status) != 0)
        return -1;
    struct db_value l[2] = {DB_STR(status), DB_UINT(id)};
    if (db_exec(db, "UPDATE {p}wc_product_meta_lookup SET stock_status = ? WHERE product_id = ?", l, 2, NULL) != 0)
        return fail(db, "lookup status");
    int err;
    uint64_t tt = outofstock_tt(db, &err);
    if (err)
        return -1;
    if (tt == 0)
        return 0;
    struct db_value p[2] = {DB_UINT(id), DB_UINT(tt)};
    if (strcmp(status, "outofstock") == 0) {
        if (db_exec(db, "INSERT IGNORE INTO {p}term_relationships (object_id, term_taxonomy_id, term_order) VALUES (?, ?, 0)",
                    p, 2, NULL) != 0)
            return fail(db, "outofstock term add");
    } else if (db_exec(db, "DELETE FROM {p}term_relationships WHERE object_id = ? AND term_taxonomy_id = ?", p, 2,
                       NULL) != 0) {
        return fail(db, "outofstock term remove");
    }
    /* _update_post_term_count: published objects */
    struct db_value c[2] = {DB_UINT(tt), DB_UINT(tt)};
    if (db_exec(db,
                "UPDATE {p}term_taxonomy SET count = (SELECT COUNT(*) FROM {p}term_relationships tr JOIN {p}posts p"
                " ON p.ID = tr.object_id WHERE tr.term_taxonomy_id = ? AND p.post_status = 'publish')"
                " WHERE term_taxonomy_id = ?",
                c, 2, NULL) != 0)
        return fail(db, "term count");
    return 0;
}

/* A product's post row, locked: every write to a product (stock, status, sales, lookup, parent sync)
 * happens under it. */
static int lock_stock(struct db *db, uint64_t id)
{
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db, "SELECT ID FROM {p}posts WHERE ID = ? FOR UPDATE", p, 1, &r) != 0)
        return fail(db, "product lock");
    db_rows_free(&r);
    return 0;
}

/* wc_delete_product_transients(id): the fixed-name product transients, the ones named after the
 * product, and the product transient version. */
static int product_transients(struct db *db, const struct store_options *opt, uint64_t id, const struct order_clock *now)
{
    static const char *const fixed[] = {"wc_products_onsale", "wc_featured_products", "wc_outofstock_count",
                                        "wc_low_stock_count"};
    static const char *const per_id[] = {"wc_product_children_", "wc_var_prices_", "wc_related_",
                                         "wc_child_has_weight_", "wc_child_has_dimensions_"};
    char names[18][96];
    struct db_value p[18];
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        snprintf(names[n], sizeof names[n], "_transient_%s", fixed[i]);
        n++;
        snprintf(names[n], sizeof names[n], "_transient_timeout_%s", fixed[i]);
        n++;
    }
    for (size_t i = 0; i < 5; i++) {
        snprintf(names[n], sizeof names[n], "_transient_%s%" PRIu64, per_id[i], id);
        n++;
        snprintf(names[n], sizeof names[n], "_transient_timeout_%s%" PRIu64, per_id[i], id);
        n++;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = DB_STR(names[i]);
    if (db_exec(db,
                "DELETE FROM {p}options WHERE option_name IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p,
                n, NULL) != 0)
        return fail(db, "product transients");
    return bump_transient_version(db, opt, "_transient_product-transient-version", now->unix_ts);
}

/* The product save that follows a stock change: modified date and transients. */
static int product_saved(struct db *db, const struct store_options *opt, uint64_t id, const struct order_clock *now)
{
    struct db_value m[3] = {DB_STR(now->local), DB_STR(now->gmt), DB_UINT(id)};
    if (db_exec(db, "UPDATE {p}posts SET post_modified = ?, post_modified_gmt = ? WHERE ID = ?", m, 3, NULL) != 0)
        return fail(db, "product modified");
    return product_transients(db, opt, id, now);
}

/* WC_Product_Variable::sync after a variation's save: the parent's stock status from its published
 * variations (when the parent does not manage stock itself), then the parent's own save. */
static int sync_variable_parent(struct db *db, const struct store_options *opt, uint64_t parent_id,
                                const struct order_clock *now)
{
    struct product parent;
    int rc = product_read(db, parent_id, &parent);
    if (rc <= 0)
        return rc;
    if (!parent.manages) {
        struct db_value p[1] = {DB_UINT(parent_id)};
        struct db_rows r;
        if (db_query(db,
                     "SELECT SUM(m.meta_value = 'instock'), SUM(m.meta_value = 'onbackorder') FROM {p}posts v"
                     " JOIN {p}postmeta m ON m.post_id = v.ID AND m.meta_key = '_stock_status'"
                     " WHERE v.post_parent = ? AND v.post_type = 'product_variation' AND v.post_status = 'publish'",
                     p, 1, &r) != 0)
            return fail(db, "variations' stock status");
        const char *status = to_u64(db_cell(&r, 0, 0)) > 0 ? "instock"
                             : to_u64(db_cell(&r, 0, 1)) > 0 ? "onbackorder"
                                                              : "outofstock";
        db_rows_free(&r);
        if (strcmp(status, parent.stock_status) != 0 && set_stock_status(db, parent_id, status) != 0)
            return -1;
    }
    return product_saved(db, opt, parent_id, now);
}

static int product_stock(struct db *db, const struct store_options *opt, const struct stock_options *so,
                         uint64_t product_id, long long delta,
                         const struct order_clock *now, long long *from, long long *to)
{
    struct product pr, h;
    int rc = product_read(db, product_id, &pr);
    if (rc <= 0)
        return rc;
    rc = stock_holder(db, &pr, &h);
    if (rc <= 0)
        return rc;
    if (lock_stock(db, h.id) != 0 || product_read(db, h.id, &h) < 0)
        return -1;
    if (!h.has_stock) {
        char zero[] = "0";
        if (postmeta_put(db, h.id, "_stock", zero) != 0)
            return -1;
    }
    /* wc_update_product_stock → update_product_stock: one relative UPDATE */
    struct db_value p[2] = {DB_DOUBLE((double)delta), DB_UINT(h.id)};
    if (db_exec(db, "UPDATE {p}postmeta SET meta_value = meta_value + ? WHERE post_id = ? AND meta_key = '_stock'", p,
                2, NULL) != 0)
        return fail(db, "stock update");
    long long old = h.stock;
    if (product_read(db, h.id, &h) < 0)
        return -1;
    long long now_stock = h.stock;
    /* the product save that follows: stock status (validate_props), lookup row, modified date */
    const char *status = now_stock > so->no_stock ? "instock" : strcmp(h.backorders, "no") != 0 ? "onbackorder"
                                                                                               : "outofstock";
    if (strcmp(status, h.stock_status) != 0 && set_stock_status(db, h.id, status) != 0)
        return -1;
    struct db_value l[2] = {DB_DOUBLE((double)now_stock), DB_UINT(h.id)};
    if (db_exec(db, "UPDATE {p}wc_product_meta_lookup SET stock_quantity = ? WHERE product_id = ?", l, 2, NULL) != 0)
        return fail(db, "lookup stock");
    if (product_saved(db, opt, h.id, now) != 0)
        return -1;
    if (h.variation && h.parent && sync_variable_parent(db, opt, h.parent, now) < 0)
        return -1;
    if (from)
        *from = old;
    if (to)
        *to = now_stock;
    return 1;
}

int order_write_product_stock(struct db *db, const struct store_options *opt, uint64_t product_id, long long delta,
                              const struct order_clock *now, long long *from, long long *to)
{
    struct stock_options so;
    if (stock_options(db, &so) != 0)
        return -1;
    return product_stock(db, opt, &so, product_id, delta, now, from, to);
}

struct line {
    uint64_t item, product, variation;
    long long qty, reduced;
    bool has_reduced;
    bool downloadable; /* read only by LINES_DL_SQL: the line's product or variation has _downloadable = yes */
};

static const char LINES_SQL[] =
    "SELECT i.order_item_id, MAX(IF(m.meta_key = '_product_id', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_variation_id', m.meta_value, NULL)), MAX(IF(m.meta_key = '_qty', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_reduced_stock', m.meta_value, NULL)) FROM {p}woocommerce_order_items i"
    " LEFT JOIN {p}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id AND m.meta_key IN"
    " ('_product_id', '_variation_id', '_qty', '_reduced_stock') WHERE i.order_id = ? AND i.order_item_type = 'line_item'"
    " GROUP BY i.order_item_id ORDER BY i.order_item_id";

/* The same lines and, in the same round trip, whether each line's product (the variation when there
 * is one) is downloadable: the status change needs it to grant download permissions, and an order
 * without downloadable lines then costs no further query. */
static const char LINES_DL_SQL[] =
    "SELECT l.item, l.product, l.variation, l.qty, l.reduced, (SELECT d.meta_value FROM {p}postmeta d"
    " WHERE d.post_id = CAST(IF(l.variation > 0, l.variation, l.product) AS UNSIGNED) AND d.meta_key = '_downloadable'"
    " ORDER BY d.meta_id LIMIT 1) FROM (SELECT i.order_item_id AS item,"
    " MAX(IF(m.meta_key = '_product_id', m.meta_value, NULL)) AS product,"
    " MAX(IF(m.meta_key = '_variation_id', m.meta_value, NULL)) AS variation,"
    " MAX(IF(m.meta_key = '_qty', m.meta_value, NULL)) AS qty, MAX(IF(m.meta_key = '_reduced_stock', m.meta_value, NULL))"
    " AS reduced FROM {p}woocommerce_order_items i LEFT JOIN {p}woocommerce_order_itemmeta m"
    " ON m.order_item_id = i.order_item_id AND m.meta_key IN ('_product_id', '_variation_id', '_qty', '_reduced_stock')"
    " WHERE i.order_id = ? AND i.order_item_type = 'line_item' GROUP BY i.order_item_id) l ORDER BY l.item";

/* The order's line items into *out (malloc'd, free() it; NULL when there are none), with sql
 * LINES_SQL or LINES_DL_SQL. 0, or -1. */
static int read_lines_with(struct db *db, const char *sql, uint64_t order_id, struct line **out, size_t *n)
{
    struct db_value p[1] = {DB_UINT(order_id)};
    struct db_rows r;
    *out = NULL;
    *n = 0;
    if (db_query(db, sql, p, 1, &r) != 0)
        return fail(db, "line items");
    if (r.nrows > 0) {
        *out = calloc(r.nrows, sizeof **out);
        if (*out == NULL)
            abort();
    }
    for (size_t i = 0; i < r.nrows; i++) {
        struct line *l = &(*out)[(*n)++];
        l->item = to_u64(db_cell(&r, i, 0));
        l->product = to_u64(db_cell(&r, i, 1));
        l->variation = to_u64(db_cell(&r, i, 2));
        l->qty = to_ll(db_cell(&r, i, 3));
        l->has_reduced = db_cell(&r, i, 4) != NULL && db_cell(&r, i, 4)[0] != '\0';
        l->reduced = to_ll(db_cell(&r, i, 4));
        l->downloadable = r.ncols > 5 && download_files_is_yes(db_cell(&r, i, 5));
    }
    db_rows_free(&r);
    return 0;
}

static int read_lines(struct db *db, uint64_t order_id, struct line **out, size_t *n)
{
    return read_lines_with(db, LINES_SQL, order_id, out, n);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Locks every product the lines may change (the line's product or variation and a variation's
 * parent), in ascending id, before anything of them is written: two orders sharing products then
 * never wait on each other in opposite orders. */
static int lock_line_stock(struct db *db, const struct line *lines, size_t n)
{
    if (n == 0)
        return 0;
    uint64_t *ids = calloc(2 * n, sizeof *ids);
    if (ids == NULL)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = lines[i].variation ? lines[i].variation : lines[i].product;
        if (id)
            ids[k++] = id;
        if (lines[i].variation && lines[i].product)
            ids[k++] = lines[i].product;
    }
    qsort(ids, k, sizeof *ids, cmp_u64);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            rc = lock_stock(db, ids[i]);
    free(ids);
    if (rc != 0)
        return -1;
    return 0;
}

static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    int n = snprintf(buf + *len, cap - *len, "%s", s);
    if (n > 0)
        *len = (size_t)n < cap - *len ? *len + (size_t)n : cap - 1;
}

static int stock_lines(struct db *db, const struct store_options *opt, struct order_locked *o, bool reduce,
                       const struct order_clock *now, const struct stock_options *so_, struct line *lines, size_t n);

/* reduce (true) or restore (false) the stock of every line: the shared body of the two passes. */
static int stock_pass(struct db *db, const struct store_options *opt, struct order_locked *o, bool reduce,
                      const struct order_clock *now)
{
    struct stock_options so;
    if (stock_options(db, &so) != 0)
        return -1;
    if (reduce && !so.manage)
        return 0; /* wc_reduce_stock_levels returns early; the flag is still set by the caller */
    struct line *lines;
    size_t n;
    if (read_lines(db, o->id, &lines, &n) != 0)
        return -1;
    int rc = stock_lines(db, opt, o, reduce, now, &so, lines, n);
    free(lines);
    return rc;
}

static int stock_lines(struct db *db, const struct store_options *opt, struct order_locked *o, bool reduce,
                       const struct order_clock *now, const struct stock_options *so_, struct line *lines, size_t n)
{
    const struct stock_options so = *so_;
    if (lock_line_stock(db, lines, n) != 0)
        return -1;
    char text[NOTE_TEXT_BYTES];
    size_t len = 0;
    text[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        struct line *l = &lines[i];
        if (reduce ? l->has_reduced : !l->has_reduced)
            continue;
        uint64_t pid = l->variation ? l->variation : l->product;
        struct product pr, h;
        int rc = pid ? product_read(db, pid, &pr) : 0;
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        rc = stock_holder(db, &pr, &h);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        long long qty = reduce ? l->qty : l->reduced;
        long long from, to;
        rc = product_stock(db, opt, &so, pid, reduce ? -qty : qty, now, &from, &to);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        char num[32];
        if (reduce) {
            snprintf(num, sizeof num, "%lld", qty);
            if (itemmeta_put(db, l->item, "_reduced_stock", num) != 0)
                return -1;
        } else {
            struct db_value p[1] = {DB_UINT(l->item)};
            if (db_exec(db, "DELETE FROM {p}woocommerce_order_itemmeta WHERE order_item_id = ? AND meta_key = '_reduced_stock'",
                        p, 1, NULL) != 0)
                return fail(db, "reduced_stock delete");
        }
        char name[600];
        if (formatted_name(db, &pr, name, sizeof name) != 0)
            return -1;
        /* wc_trigger_stock_change_notifications: the low / out-of-stock e-mail of the product whose stock moved */
        if (reduce) {
            char held[600];
            if (formatted_name(db, &h, held, sizeof held) != 0 || order_mail_stock(db, opt, pid, h.id, held, to) != 0)
                return -1;
            if (to < 0 && order_mail_backorder(db, opt, o->id, h.id, held, from - to) != 0)
                return -1;
        }
        char entry[700];
        snprintf(entry, sizeof entry, "%s%s %lld&rarr;%lld", len ? ", " : "", name, from, to);
        append(text, sizeof text, &len, entry);
    }
    if (len) {
        char note[NOTE_TEXT_BYTES + 64];
        snprintf(note, sizeof note, "%s %s", reduce ? "Stock levels reduced:" : "Stock levels increased:", text);
        if (order_write_add_note(db, opt, o->id, note, false, 0, now, NULL) != 0)
            return -1;
    }
    return 0;
}

int order_write_reduce_stock(struct db *db, const struct store_options *opt, struct order_locked *o,
                             const struct order_clock *now)
{
    if (o->stock_reduced)
        return 0;
    if (stock_pass(db, opt, o, true, now) != 0)
        return -1;
    return set_flag(db, o, FLAG_STOCK, true);
}

int order_write_restore_stock(struct db *db, const struct store_options *opt, struct order_locked *o,
                              const struct order_clock *now)
{
    if (!o->stock_reduced)
        return 0;
    if (stock_pass(db, opt, o, false, now) != 0)
        return -1;
    return set_flag(db, o, FLAG_STOCK, false);
}

int order_write_item_restock(struct db *db, const struct store_options *opt, struct order_locked *o, uint64_t item_id,
                             long long qty, const struct order_clock *now)
{
    struct line *lines, l = {0};
    size_t n;
    if (read_lines(db, o->id, &lines, &n) != 0)
        return -1;
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (lines[i].item == item_id) {
            l = lines[i];
            found = true;
        }
    int lrc = lock_line_stock(db, lines, n);
    free(lines);
    if (lrc != 0)
        return -1;
    if (!found || !l.has_reduced || qty <= 0)
        return 0;
    uint64_t pid = l.variation ? l.variation : l.product;
    long long from, to;
    int rc = order_write_product_stock(db, opt, pid, qty, now, &from, &to);
    if (rc <= 0)
        return rc;
    char num[32];
    snprintf(num, sizeof num, "%lld", l.reduced - qty);
    if (itemmeta_put(db, item_id, "_reduced_stock", num) != 0)
        return -1;
    struct db_value p[1] = {DB_UINT(item_id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT meta_value FROM {p}woocommerce_order_itemmeta WHERE order_item_id = ?"
                 " AND meta_key = '_restock_refunded_items' LIMIT 1",
                 p, 1, &r) != 0)
        return fail(db, "restocked read");
    long long before = r.nrows ? to_ll(db_cell(&r, 0, 0)) : 0;
    db_rows_free(&r);
    snprintf(num, sizeof num, "%lld", before + qty);
    if (itemmeta_put(db, item_id, "_restock_refunded_items", num) != 0)
        return -1;
    char note[160];
    snprintf(note, sizeof note, "Item #%" PRIu64 " stock increased from %lld to %lld.", pid, from, to);
    return order_write_add_note(db, opt, o->id, note, false, 0, now, NULL);
}

/* ---- sales, coupons, downloads, reserved stock ------------------------------------------------------- */

static int cmp_line_product(const void *a, const void *b)
{
    return cmp_u64(&((const struct line *)a)->product, &((const struct line *)b)->product);
}

static int sales_lines(struct db *db, struct line *lines, size_t n);

/* wc_update_total_sales_counts */
static int record_sales(struct db *db, struct order_locked *o)
{
    if (o->recorded_sales)
        return 0;
    struct line *lines;
    size_t n;
    if (read_lines(db, o->id, &lines, &n) != 0)
        return -1;
    int rc = lines ? sales_lines(db, lines, n) : 0;
    free(lines);
    return rc != 0 ? -1 : set_flag(db, o, FLAG_SALES, true);
}

static int sales_lines(struct db *db, struct line *lines, size_t n)
{
    qsort(lines, n, sizeof *lines, cmp_line_product); /* rows locked in ascending product id */
    for (size_t i = 0; i < n; i++) {
        if (lines[i].product == 0 || lines[i].qty == 0)
            continue;
        struct product pr;
        int rc = product_read(db, lines[i].product, &pr);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        struct db_value s[1] = {DB_UINT(pr.id)};
        struct db_rows r;
        if (db_query(db, "SELECT meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key = 'total_sales' FOR UPDATE",
                     s, 1, &r) != 0)
            return fail(db, "total_sales");
        long long total = (r.nrows ? to_ll(db_cell(&r, 0, 0)) : 0) + llabs(lines[i].qty);
        db_rows_free(&r);
        char num[32];
        snprintf(num, sizeof num, "%lld", total);
        if (postmeta_put(db, pr.id, "total_sales", num) != 0)
            return -1;
        struct db_value l[2] = {DB_INT(total), DB_UINT(pr.id)};
        if (db_exec(db, "UPDATE {p}wc_product_meta_lookup SET total_sales = ? WHERE product_id = ?", l, 2, NULL) != 0)
            return fail(db, "lookup sales");
    }
    return 0;
}

/* wc_update_coupon_usage_counts */
static int coupon_counts(struct db *db, struct order_locked *o, bool cancelled)
{
    bool increase;
    if (cancelled && o->coupon_counted)
        increase = false;
    else if (!cancelled && !o->coupon_counted)
        increase = true;
    else
        return 0;
    if (set_flag(db, o, FLAG_COUPONS, increase) != 0)
        return -1;
    struct db_value p[1] = {DB_UINT(o->id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT c.ID FROM {p}woocommerce_order_items i JOIN {p}posts c ON c.post_title = i.order_item_name"
                 " AND c.post_type = 'shop_coupon' AND c.post_status = 'publish'"
                 " WHERE i.order_id = ? AND i.order_item_type = 'coupon' ORDER BY c.ID",
                 p, 1, &r) != 0)
        return fail(db, "coupons");
    char used_by[340];
    if (o->customer_id)
        snprintf(used_by, sizeof used_by, "%" PRIu64, o->customer_id);
    else
        copy(used_by, sizeof used_by, o->billing_email);
    int rc = 0;
    for (size_t i = 0; i < r.nrows && rc == 0; i++) {
        uint64_t cid = to_u64(db_cell(&r, i, 0));
        struct db_value c[1] = {DB_UINT(cid)};
        struct db_rows u;
        if (db_query(db, "SELECT meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key = 'usage_count' FOR UPDATE",
                     c, 1, &u) != 0) {
            rc = fail(db, "usage_count");
            break;
        }
        long long count = u.nrows ? to_ll(db_cell(&u, 0, 0)) : 0;
        db_rows_free(&u);
        count = increase ? count + 1 : count > 0 ? count - 1 : 0;
        char num[32];
        snprintf(num, sizeof num, "%lld", count);
        rc = postmeta_put(db, cid, "usage_count", num);
        if (rc != 0)
            break;
        if (increase) {
            struct db_value a[2] = {DB_UINT(cid), DB_STR(used_by)};
            if (db_exec(db, "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES (?, '_used_by', ?)", a, 2,
                        NULL) != 0)
                rc = fail(db, "used_by add");
        } else if (used_by[0]) {
            struct db_value d[2] = {DB_UINT(cid), DB_STR(used_by)};
            if (db_exec(db, "DELETE FROM {p}postmeta WHERE post_id = ? AND meta_key = '_used_by' AND meta_value = ? LIMIT 1",
                        d, 2, NULL) != 0)
                rc = fail(db, "used_by remove");
        }
    }
    db_rows_free(&r);
    return rc;
}

/* ---- wc_order_stats ----------------------------------------------------------------------------------- */

int order_write_stats(struct db *db, const struct store_options *opt, const struct order_locked *o)
{
    char paid[20], completed[20];
    gmt_to_local(opt, o->date_paid_gmt, paid);
    gmt_to_local(opt, o->date_completed_gmt, completed);
    struct db_value p[4] = {DB_STR(o->status), paid[0] ? DB_STR(paid) : DB_NULLV,
                            completed[0] ? DB_STR(completed) : DB_NULLV, DB_UINT(o->id)};
    if (db_exec(db, "UPDATE {p}wc_order_stats SET status = ?, date_paid = ?, date_completed = ? WHERE order_id = ?", p,
                4, NULL) != 0)
        return fail(db, "stats");
    struct db_value r[2] = {DB_STR(o->status), DB_UINT(o->id)};
    if (db_exec(db, "UPDATE {p}wc_order_stats SET status = ? WHERE parent_id = ?", r, 2, NULL) != 0)
        return fail(db, "refund stats");
    /* the analytics import invalidates the reports cache (ReportsCache::invalidate) */
    return bump_transient_version(db, opt, "_transient_woocommerce_reports-transient-version", (int64_t)time(NULL));
}

/* ---- the status change ------------------------------------------------------------------------------- */

/* WC_Order::needs_processing: some line item's product is not both virtual and downloadable. */
static int needs_processing(struct db *db, uint64_t order_id, bool *out)
{
    struct db_value p[1] = {DB_UINT(order_id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT COUNT(*), COALESCE(SUM(IF(l.virtual = 1 AND l.downloadable = 1, 0, 1)), 0)"
                 " FROM {p}woocommerce_order_items i JOIN {p}woocommerce_order_itemmeta pm"
                 " ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'"
                 " LEFT JOIN {p}woocommerce_order_itemmeta vm ON vm.order_item_id = i.order_item_id"
                 " AND vm.meta_key = '_variation_id'"
                 " JOIN {p}wc_product_meta_lookup l ON l.product_id = IF(vm.meta_value > 0, vm.meta_value, pm.meta_value)"
                 " WHERE i.order_id = ? AND i.order_item_type = 'line_item'",
                 p, 1, &r) != 0)
        return fail(db, "needs processing");
    *out = r.nrows > 0 && to_u64(db_cell(&r, 0, 1)) > 0;
    db_rows_free(&r);
    return 0;
}

static int set_status_column(struct db *db, const struct order_locked *o, const char *status)
{
    struct db_value p[2] = {DB_STR(status), DB_UINT(o->id)};
    if (o->hpos_copy && db_exec(db, "UPDATE {p}wc_orders SET status = ? WHERE id = ?", p, 2, NULL) != 0)
        return fail(db, "status");
    if (o->posts_copy && db_exec(db, "UPDATE {p}posts SET post_status = ? WHERE ID = ?", p, 2, NULL) != 0)
        return fail(db, "post status");
    return 0;
}

/* The transition once the order's products are locked; dl: its downloadable lines when the
 * permissions may be granted (see order_write_set_status). */
static int transition(struct db *db, const struct store_options *opt, struct order_locked *o, const char *to,
                      const char *key, const char *from, const char *note, uint64_t user_id,
                      const struct order_clock *now, const struct order_download_line *dl, size_t ndl)
{
    if (set_status_column(db, o, key) != 0)
        return -1;
    copy(o->status, sizeof o->status, key);
    /* set_status: maybe_set_date_paid, maybe_set_date_completed */
    if (o->date_paid_gmt[0] == '\0' && (strcmp(to, "processing") == 0 || strcmp(to, "completed") == 0)) {
        bool np;
        if (needs_processing(db, o->id, &np) != 0)
            return -1;
        const char *paid_status = np ? "processing" : "completed";
        if ((strcmp(to, paid_status) == 0 || (np && strcmp(to, "completed") == 0)) && set_date(db, opt, o, true, now) != 0)
            return -1;
    }
    if (strcmp(to, "completed") == 0 && set_date(db, opt, o, false, now) != 0)
        return -1;
    /* status_transition(): woocommerce_order_status_<to> handlers, in WooCommerce's priority order */
    bool paid_like = strcmp(to, "processing") == 0 || strcmp(to, "completed") == 0 || strcmp(to, "on-hold") == 0;
    bool cancelled = strcmp(to, "cancelled") == 0;
    if (paid_like) {
        if (order_write_reduce_stock(db, opt, o, now) != 0 || record_sales(db, o) != 0)
            return -1;
    }
    if (cancelled && order_write_restore_stock(db, opt, o, now) != 0)
        return -1;
    if ((paid_like || cancelled) && coupon_counts(db, o, cancelled) != 0)
        return -1;
    /* wc_downloadable_product_permissions: once per order (the flag), on completed, and on processing
     * unless the store grants access only on completion */
    if (!o->downloads_granted && (strcmp(to, "completed") == 0 || strcmp(to, "processing") == 0)) {
        bool grant = strcmp(to, "completed") == 0;
        if (!grant) {
            struct stock_options so;
            if (stock_options(db, &so) != 0)
                return -1;
            grant = so.downloads_after_payment;
        }
        if (grant && (order_downloads_grant(db, opt, o, dl, ndl, now) != 0 || set_flag(db, o, FLAG_DOWNLOADS, true) != 0))
            return -1;
    }
    if (paid_like || cancelled) {
        struct db_value p[1] = {DB_UINT(o->id)};
        if (db_exec(db, "DELETE FROM {p}wc_reserved_stock WHERE order_id = ?", p, 1, NULL) != 0)
            return fail(db, "reserved stock");
    }
    /* woocommerce_order_status_refunded → wc_order_fully_refunded: a refund of what is left */
    if (strcmp(to, "refunded") == 0) {
        uint64_t refund_id;
        if (order_refund_remaining(db, opt, o, user_id, now, &refund_id) != 0)
            return -1;
    }
    /* the transition note: trim($note . ' ' . $transition_note) */
    char text[LIMIT_ORDER_NOTE_BYTES + 160];
    if (from[0])
        snprintf(text, sizeof text, "%s Order status changed from %s to %s.", note ? note : "", order_status_label(from),
                 order_status_label(key));
    else
        snprintf(text, sizeof text, "%s Order status set to %s.", note ? note : "", order_status_label(key));
    size_t skip = strspn(text, " \t\n\r\v");
    memmove(text, text + skip, strlen(text + skip) + 1);
    if (order_write_add_note(db, opt, o->id, text, false, user_id, now, NULL) != 0)
        return -1;
    if (order_write_stats(db, opt, o) != 0)
        return -1;
    /* save(): the modified date and the caches, last: store-wide rows (options) are locked after the
     * order's products, in the same order by every writer */
    return order_write_touch(db, opt, o, now);
}

int order_write_set_status(struct db *db, const struct store_options *opt, struct order_locked *o, const char *to,
                           const char *note, uint64_t user_id, const struct order_clock *now, bool *changed)
{
    if (changed)
        *changed = false;
    if (o == NULL || to == NULL || now == NULL)
        return -1;
    char key[32], from[24];
    snprintf(key, sizeof key, "wc-%s", to);
    if (strcmp(o->status, key) == 0)
        return 0;
    copy(from, sizeof from, o->status);
    /* the lines, read once to lock their products; when this transition may grant download
     * permissions, the same query says which lines are downloadable */
    bool may_grant = !o->downloads_granted && (strcmp(to, "completed") == 0 || strcmp(to, "processing") == 0);
    struct line *lines;
    size_t n;
    if (read_lines_with(db, may_grant ? LINES_DL_SQL : LINES_SQL, o->id, &lines, &n) != 0)
        return -1;
    int rc = lock_line_stock(db, lines, n);
    struct order_download_line *dl = NULL;
    size_t ndl = 0;
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].downloadable)
            continue;
        if (dl == NULL && (dl = calloc(n, sizeof *dl)) == NULL)
            abort();
        dl[ndl].product_id = lines[i].variation ? lines[i].variation : lines[i].product;
        dl[ndl].qty = lines[i].qty;
        ndl++;
    }
    free(lines);
    if (rc == 0)
        rc = transition(db, opt, o, to, key, from, note, user_id, now, dl, ndl);
    free(dl);
    if (rc == 0 && changed)
        *changed = true;
    return rc;
}

/*
 * apid/order_downloads.c — inserts an order's download permissions (wc_downloadable_product_permissions
 * with wc_downloadable_file_permission for each file).
 *
 * Owns: the SQL that reads a line's product download meta and inserts the permission rows, and the
 * dates those rows carry. Does not: decide whether the order gets them (apid/order_write.c, with the
 * order's flag and the store option), interpret the meta (apid/download_files.c), or revoke anything:
 * WooCommerce keeps the rows on cancel and refund and deletes them only with the order.
 */
#include "apid/order_downloads.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "apid/download_files.h"
#include "apid/orders_read.h"
#include "common/log.h"

static const char PRODUCT_SQL[] =
    "SELECT MAX(IF(m.meta_key = '_downloadable', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_downloadable_files', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_download_limit', m.meta_value, NULL)),"
    " MAX(IF(m.meta_key = '_download_expiry', m.meta_value, NULL))"
    " FROM {p}posts p LEFT JOIN {p}postmeta m ON m.post_id = p.ID AND m.meta_key IN ('_downloadable',"
    " '_downloadable_files', '_download_limit', '_download_expiry')"
    " WHERE p.ID = ? AND p.post_type IN ('product', 'product_variation') GROUP BY p.ID";

static const char INSERT_SQL[] =
    "INSERT INTO {p}woocommerce_downloadable_product_permissions (download_id, product_id, user_id, user_email,"
    " order_id, order_key, downloads_remaining, access_granted, download_count, access_expires)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)";

/* The day the expiry counts from: the order's completion day in store time (WC_DateTime::format
 * of date_completed), else today in UTC (current_time('mysql', true)). */
static void expiry_base(const struct store_options *opt, const struct order_locked *o, const struct order_clock *now,
                        char day[11])
{
    char local[20], gmt[20];
    const char *from = now->gmt;
    if (o->date_completed_gmt[0] && orders_gmt_to_store(opt, o->date_completed_gmt, local, gmt) == 0)
        from = local;
    memcpy(day, from, 10);
    day[10] = '\0';
}

static int grant_line(struct db *db, const struct order_locked *o, const struct order_download_line *l,
                      const char *granted, const char *base_day)
{
    struct db_value p[1] = {DB_UINT(l->product_id)};
    struct db_rows r;
    if (db_query(db, PRODUCT_SQL, p, 1, &r) != 0) {
        log_warn("order_downloads: product: %s", db_error(db));
        return -1;
    }
    if (r.nrows == 0 || !download_files_is_yes(db_cell(&r, 0, 0))) {
        db_rows_free(&r);
        return 0; /* gone, or no longer downloadable */
    }
    struct download_ids ids;
    const char *why = NULL;
    download_files_ids(db_cell(&r, 0, 1), db_cell(&r, 0, 1) ? db_cell_len(&r, 0, 1) : 0, &ids, &why);
    long long limit = download_files_number(db_cell(&r, 0, 2));
    long long expiry = download_files_number(db_cell(&r, 0, 3));
    db_rows_free(&r);
    char remaining[24], expires[20];
    bool fits = download_files_remaining(limit, l->qty, remaining);
    bool has_expiry = download_files_expires(base_day, expiry, expires);
    if (!fits && ids.n) {
        log_warn("order_downloads: order %" PRIu64 ", product %" PRIu64 ": downloads_remaining does not fit its column;"
                 " no permission stored (as WooCommerce)", o->id, l->product_id);
        download_ids_free(&ids);
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < ids.n && rc == 0; i++) {
        struct db_value v[9] = {DB_STR(ids.id[i]),        DB_UINT(l->product_id), DB_UINT(o->customer_id),
                                DB_STR(o->billing_email), DB_UINT(o->id),         DB_STR(o->order_key),
                                DB_STR(remaining),        DB_STR(granted),        has_expiry ? DB_STR(expires) : DB_NULLV};
        if (db_exec(db, INSERT_SQL, v, 9, NULL) != 0) {
            log_warn("order_downloads: insert: %s", db_error(db));
            rc = -1;
        }
    }
    download_ids_free(&ids);
    return rc;
}

int order_downloads_grant(struct db *db, const struct store_options *opt, const struct order_locked *o,
                          const struct order_download_line *lines, size_t n, const struct order_clock *now)
{
    if (n == 0)
        return 0;
    /* wpdb refuses the insert when a value is longer than its column: no row for any file then */
    if (download_files_chars(o->billing_email) > DOWNLOAD_EMAIL_CHARS ||
        download_files_chars(o->order_key) > DOWNLOAD_EMAIL_CHARS) {
        log_warn("order_downloads: order %" PRIu64 ": billing e-mail or order key longer than 200 characters;"
                 " no permission stored (as WooCommerce)", o->id);
        return 0;
    }
    char granted[20], base_day[11];
    snprintf(granted, sizeof granted, "%.10s 00:00:00", now->gmt);
    expiry_base(opt, o, now, base_day);
    for (size_t i = 0; i < n; i++)
        if (grant_line(db, o, &lines[i], granted, base_day) != 0)
            return -1;
    return 0;
}

/*
 * apid/order_downloads.h — the download permissions of one order, as wc_downloadable_product_permissions
 * writes them when the order becomes completed (or processing): one row in
 * woocommerce_downloadable_product_permissions per file of each downloadable line.
 *
 * Runs inside the status change's transaction (apid/order_write.c decides when: the order's
 * download_permission_granted flag not yet set, and the woocommerce_downloads_grant_access_after_payment
 * option for processing), after the order and its products are locked; it reads product meta and
 * inserts rows, and locks nothing store-wide.
 */
#ifndef APID_ORDER_DOWNLOADS_H
#define APID_ORDER_DOWNLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "apid/order_write.h"
#include "common/db.h"
#include "common/store.h"

/* A line item whose product was seen downloadable when the lines were read. */
struct order_download_line {
    uint64_t product_id; /* the variation when the line has one, else the product */
    long long qty;       /* the line's _qty */
};

/*
 * For each line in order, when its product (or variation) still exists and is downloadable, for
 * each of its files (apid/download_files.h): a row with download_id, product_id, order_id,
 * order_key, user_email = the billing e-mail, user_id = the customer (0 for a guest),
 * downloads_remaining = _download_limit × qty ("" when unlimited), access_granted = today (UTC,
 * midnight), access_expires = NULL, or _download_expiry days after the day the order was completed
 * (store date; today in UTC when it never was), download_count 0. A row whose values do not fit
 * their columns is skipped, as WordPress's insert fails for it. The order's flag is the caller's.
 * 0, or -1 (database error, logged: roll back).
 */
int order_downloads_grant(struct db *db, const struct store_options *opt, const struct order_locked *o,
                          const struct order_download_line *lines, size_t n, const struct order_clock *now);

#endif

/*
 * apid/order_write.h — the write primitives for one WooCommerce order, as WooCommerce itself writes
 * them (shared/reference/woocommerce-storage.md §1.5, §1.6, §2, §3, §4, §7), in either storage.
 *
 * Every function runs inside a transaction the caller opened (db_begin) and that the caller commits
 * or rolls back; none of them commits. The first call is always order_write_lock, which locks the
 * order's authoritative row (SELECT … FOR UPDATE), so two writers of one order never interleave.
 * Storage: the store's options say which copy is authoritative (HPOS wc_orders* or posts/postmeta);
 * when WooCommerce's sync option is on, every primitive also writes the other copy when it exists
 * (a real shop_order post, or a wc_orders row), keeping post_modified_gmt = date_updated_gmt.
 *
 * A typical status change (what PATCH /orders/{id} does):
 *
 *   struct order_clock now;
 *   struct order_locked o;
 *   order_write_clock(opt, &now);
 *   db_begin(db);
 *   if (order_write_lock(db, opt, id, &o) != 1) → rollback, 404 / 503
 *   if (order_write_set_status(db, opt, &o, "completed", note, who->user_id, &now, NULL) != 0) → rollback, 503
 *   db_commit(db);
 *
 * A refund (POST /orders/{id}/refund) locks the parent the same way, inserts its refund order,
 * restocks with order_write_item_restock, adds its notes with order_write_add_note, bumps the parent
 * with order_write_touch (last: it locks store-wide rows) and, when fully refunded, calls
 * order_write_set_status(…, "refunded", …).
 *
 * Lock order (keep it when adding writes): the order row, then all its products' post rows in
 * ascending id (order_write_set_status and order_write_item_restock take them before writing any
 * product), then store-wide rows. A transaction that still fails with "Deadlock found" can simply be
 * run again: the handlers retry it (see orders_patch.c).
 *
 * E-mails: a stock reduction that reaches the low or out-of-stock threshold queues the admin's notice
 * here (apid/order_mail.c); the transition's own e-mail is queued by the caller (orders_patch.c).
 * Not done here (a direct SQL writer cannot, or the demo store never needs it): payment gateway calls,
 * webhooks, the Action Scheduler import (wc_order_stats is updated directly instead).
 */
#ifndef APID_ORDER_WRITE_H
#define APID_ORDER_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/db.h"
#include "common/store.h"

/* One instant, in the three forms the tables want. Taken once per request so every row of one write
 * carries the same time. */
struct order_clock {
    int64_t unix_ts;   /* seconds since the epoch */
    char gmt[20];      /* "Y-m-d H:i:s" UTC: HPOS dates, *_gmt columns */
    char local[20];    /* "Y-m-d H:i:s" in the store's time zone: post_modified, comment_date, _paid_date */
};

/* Now, in the store's time zone. */
void order_write_clock(const struct store_options *opt, struct order_clock *out);
/* The same for a given instant (tests). */
void order_write_clock_at(const struct store_options *opt, int64_t unix_ts, struct order_clock *out);

/* The order as the primitives need it, read from the authoritative copy under the lock. */
struct order_locked {
    uint64_t id;
    char status[24];               /* "wc-processing", "trash", ... as stored */
    uint64_t customer_id;          /* WordPress user id, 0 for a guest */
    char billing_email[321];
    char order_key[256];           /* longer keys are cut (download permissions refuse them anyway) */
    char currency[8];
    char total[40];                /* order total as stored (decimal string) */
    char date_paid_gmt[20];        /* "" when unset */
    char date_completed_gmt[20];   /* "" when unset */
    bool stock_reduced;            /* order_stock_reduced / _order_stock_reduced */
    bool recorded_sales;           /* recorded_sales / _recorded_sales */
    bool coupon_counted;           /* coupon_usages_are_counted / _recorded_coupon_usage_counts */
    bool downloads_granted;        /* download_permission_granted / _download_permissions_granted */
    bool hpos_copy;                /* a wc_orders row exists (HPOS authoritative, or synced) */
    bool posts_copy;               /* a real shop_order post exists (posts authoritative, or synced) */
};

/* Locks order id for writing (inside a transaction) and reads it. 1 locked (in *out), 0 no such order
 * (refunds and other types are not orders), -1 database error (logged). */
int order_write_lock(struct db *db, const struct store_options *opt, uint64_t id, struct order_locked *out);

/* WooCommerce's label of a status, with or without the "wc-" prefix ("wc-pending" → "Pending
 * payment"); an unknown status is returned as it is. */
const char *order_status_label(const char *status);

/* Whether status (without prefix) is one a client may set with PATCH: processing, completed,
 * on-hold, cancelled, refunded. */
bool order_status_settable(const char *status);

/* Changes the status to `to` (without the "wc-" prefix) as $order->update_status($to, $note, true)
 * does from the order screen: status and modified date in every copy, date_paid / date_completed,
 * the note "<note> Order status changed from X to Y." (author: the user user_id, or "WooCommerce"
 * when 0), then the transition's side effects — stock reduced (processing, completed, on-hold) or
 * restored (cancelled) with their notes and item meta, product total_sales, coupon usage, download
 * permissions and their flag (apid/order_downloads.c), reserved stock released — the wc_order_stats rows of the order and its refunds, and the
 * order caches WooCommerce clears. o is updated. Nothing is written when the status is already `to`
 * (returns 0, *changed false). 0, or -1 (database error, logged: roll back).
 * note may be NULL or "". changed may be NULL. */
int order_write_set_status(struct db *db, const struct store_options *opt, struct order_locked *o, const char *to,
                           const char *note, uint64_t user_id, const struct order_clock *now, bool *changed);

/* Adds an order note as WC_Order::add_order_note: a comments row of type order_note (author the
 * user user_id's display name and e-mail, or "WooCommerce" / woocommerce@<site host> when 0),
 * commentmeta is_customer_note = 1 for a customer note, and the post's comment_count. The order is
 * not modified otherwise. 0 (id in *note_id when not NULL), or -1. */
int order_write_add_note(struct db *db, const struct store_options *opt, uint64_t order_id, const char *text,
                         bool customer_note, uint64_t user_id, const struct order_clock *now, uint64_t *note_id);

/* wc_reduce_stock_levels + the order flag: for each line item without _reduced_stock whose product
 * manages stock, stock -= qty (see order_write_product_stock), item meta _reduced_stock = qty, one note "Stock levels
 * reduced: …"; then order_stock_reduced = true. Does nothing when the order is already reduced or the
 * store does not manage stock. 0, or -1. */
int order_write_reduce_stock(struct db *db, const struct store_options *opt, struct order_locked *o,
                             const struct order_clock *now);

/* wc_increase_stock_levels + the flag: every line item with _reduced_stock gets that much back, the
 * meta is deleted, one note "Stock levels increased: …"; then order_stock_reduced = false. Does
 * nothing unless the order's stock is reduced. 0, or -1. */
int order_write_restore_stock(struct db *db, const struct store_options *opt, struct order_locked *o,
                              const struct order_clock *now);

/* Changes the stock of product_id (a product or variation; a variation that inherits its parent's
 * stock changes the parent's) by delta, as wc_update_product_stock and the product save after it:
 * _stock, _stock_status, the outofstock visibility term and its count, wc_product_meta_lookup,
 * post_modified, the product transients; for a variation, its variable parent's stock status
 * (WC_Product_Variable::sync). 1 changed (old and new stock in
 * *from and *to when not NULL), 0 the product is gone or does not manage stock, -1 error. */
int order_write_product_stock(struct db *db, const struct store_options *opt, uint64_t product_id, long long delta,
                              const struct order_clock *now, long long *from, long long *to);

/* For a refund's restock (wc_restock_refunded_items) of qty units of line item item_id: stock += qty
 * through order_write_product_stock, _reduced_stock -= qty, _restock_refunded_items += qty, and the
 * note "Item #%s stock increased from %s to %s.". Does nothing (returns 0) when the item has no
 * _reduced_stock or its product does not manage stock. 0, or -1. */
int order_write_item_restock(struct db *db, const struct store_options *opt, struct order_locked *o, uint64_t item_id,
                             long long qty, const struct order_clock *now);

/* Marks the order modified now in every copy (HPOS date_updated_gmt; post_modified, _gmt) and clears
 * the caches WooCommerce clears on an order save (report transients, the customer's order-count meta,
 * the orders transient version, added when missing as set_transient does). 0, or -1. */
int order_write_touch(struct db *db, const struct store_options *opt, const struct order_locked *o,
                      const struct order_clock *now);

/* Sets order meta key to value in every copy (HPOS wc_orders_meta; postmeta), as update_meta_data:
 * replaces the value, adds the row when missing. 0, or -1. */
int order_write_meta(struct db *db, const struct store_options *opt, const struct order_locked *o, const char *key,
                     const char *value);

/* The wc_order_stats rows after a status change: the order's status, date_paid and date_completed
 * (store time), and the status of its refunds' rows (refund rows carry the parent's status); then the
 * reports cache version (_transient_woocommerce_reports-transient-version), as the analytics import
 * bumps it. 0, or -1. */
int order_write_stats(struct db *db, const struct store_options *opt, const struct order_locked *o);

#endif

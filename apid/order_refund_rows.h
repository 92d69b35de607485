/*
 * apid/order_refund_rows.h — the row-level writes a refund needs that are not refund-specific:
 * order notes, order item rows and meta, order meta in either storage, the parent's status and
 * modified dates, and restocking a product. Each call is one or a few statements inside the caller's
 * transaction; none commits.
 *
 * These are shaped to move into the shared order write primitives (apid/order_write) once those
 * exist: same arguments, no refund knowledge.
 */
#ifndef APID_ORDER_REFUND_ROWS_H
#define APID_ORDER_REFUND_ROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/db.h"
#include "common/store.h"

/* One instant in the three forms WordPress stores: GMT and store-local "Y-m-d H:i:s". */
struct rows_clock {
    time_t now;
    char gmt[20];
    char local[20];
};

/* Now, for this store's time zone. 0, or -1 when the clock cannot be formatted. */
int rows_clock_now(const struct store_options *opt, struct rows_clock *c);

/* The label WooCommerce shows for a status ("wc-processing" → "Processing"); the status itself when
 * unknown. */
const char *rows_status_label(const char *status);

/* Adds one order meta row: wc_orders_meta when hpos_table, else postmeta. */
int rows_order_meta_add(struct db *db, bool hpos_table, uint64_t order_id, const char *key, const char *value);

/* A system order note (author "WooCommerce", as WC_Order::add_order_note for a note not added by a
 * user), and the order post's comment_count recounted as wp_update_comment_count does. */
int rows_note_add(struct db *db, const struct store_options *opt, const struct rows_clock *c, uint64_t order_id,
                  const char *text);

/* An order item row; its ID in *item_id. */
int rows_item_add(struct db *db, uint64_t order_id, const char *name, const char *type, uint64_t *item_id);
int rows_item_meta_add(struct db *db, uint64_t item_id, const char *key, const char *value);
/* update_meta_data + save: updates the first row with that key, or adds one. */
int rows_item_meta_set(struct db *db, uint64_t item_id, const char *key, const char *value);

/* Sets the order's status (NULL: leave it) and bumps its modified date, in the authoritative storage
 * and, when sync is on, in the other one. */
int rows_order_touch(struct db *db, const struct store_options *opt, const struct rows_clock *c, uint64_t order_id,
                     const char *status);

/* wc_update_product_stock(product, qty, 'increase') for the product or variation id: the unit that
 * manages the stock (a variation whose _manage_stock is "parent" uses its parent's), its _stock, its
 * stock status (meta, wc_product_meta_lookup, the product_visibility "outofstock" term) and its
 * modified date. *managed false (nothing written) when no unit manages stock. Old and new stock are
 * integers as wc_stock_amount gives them. */
int rows_stock_increase(struct db *db, const struct rows_clock *c, uint64_t product_id, uint64_t parent_id, int64_t qty,
                        bool *managed, int64_t *old_stock, int64_t *new_stock);

#endif

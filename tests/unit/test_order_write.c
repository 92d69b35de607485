/*
 * tests/unit/test_order_write.c — apid/order_write: status labels, the clock's three forms, and,
 * against the seeded test store of `make test`, the primitives the refund module uses (a refunded
 * item's restock, a product's stock, order meta) and a status change's note wording. Every database
 * check runs inside a transaction that is rolled back, so the shared store is left as it was.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apid/order_write.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

static void test_labels(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"wc-pending", "Pending payment"}, {"pending", "Pending payment"}, {"wc-processing", "Processing"},
        {"on-hold", "On hold"},            {"wc-completed", "Completed"},   {"cancelled", "Cancelled"},
        {"refunded", "Refunded"},          {"wc-failed", "Failed"},         {"wc-checkout-draft", "Draft"},
        {"wc-shipped", "shipped"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        TAP_EQ_STR(order_status_label(rows[i].in), rows[i].want, rows[i].in);
    const char *settable[] = {"processing", "completed", "on-hold", "cancelled", "refunded"};
    const char *not_settable[] = {"pending", "failed", "trash", "wc-processing", "", "Processing"};
    for (size_t i = 0; i < 5; i++)
        tap_ok(order_status_settable(settable[i]), "settable: %s", settable[i]);
    for (size_t i = 0; i < 6; i++)
        tap_ok(!order_status_settable(not_settable[i]), "not settable: '%s'", not_settable[i]);
}

static void test_clock(void)
{
    struct store_options berlin = {.timezone = "Europe/Berlin"}, fixed = {.timezone = "", .gmt_offset = 5.5};
    struct order_clock c;
    order_write_clock_at(&berlin, 1795768776, &c);
    TAP_EQ_STR(c.gmt, "2026-11-27 08:39:36", "clock: GMT");
    TAP_EQ_STR(c.local, "2026-11-27 09:39:36", "clock: Berlin in winter");
    order_write_clock_at(&berlin, 1784000000, &c);
    TAP_EQ_STR(c.local, "2026-07-14 05:33:20", "clock: Berlin in summer");
    order_write_clock_at(&fixed, 1795768776, &c);
    TAP_EQ_STR(c.local, "2026-11-27 14:09:36", "clock: a fixed +5:30 offset");
    tap_ok(c.unix_ts == 1795768776, "clock: unix time kept");
}

static char *one(struct db *db, const char *sql, uint64_t id)
{
    static char buf[4096];
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    buf[0] = '\0';
    if (db_query(db, sql, p, 1, &r) != 0) {
        snprintf(buf, sizeof buf, "ERR");
        return buf;
    }
    if (r.nrows > 0 && db_cell(&r, 0, 0))
        snprintf(buf, sizeof buf, "%s", db_cell(&r, 0, 0));
    db_rows_free(&r);
    return buf;
}

static void test_db(void)
{
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "database reachable");
        return;
    }
    struct store_options opt;
    tap_ok(store_options_load(db, &opt) == 0, "store options");
    struct order_clock now;
    order_write_clock(&opt, &now);

    /* a completed order's line whose stock was reduced: restock one unit of it, as a refund does */
    struct db_rows r;
    int rc = db_query(db,
                      "SELECT o.id, i.order_item_id, IF(v.meta_value > 0, v.meta_value, p.meta_value), rs.meta_value"
                      " FROM {p}wc_orders o JOIN {p}woocommerce_order_items i ON i.order_id = o.id"
                      " JOIN {p}woocommerce_order_itemmeta rs ON rs.order_item_id = i.order_item_id"
                      " AND rs.meta_key = '_reduced_stock' AND rs.meta_value > 1"
                      " JOIN {p}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'"
                      " LEFT JOIN {p}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id"
                      " AND v.meta_key = '_variation_id' WHERE o.type = 'shop_order' AND o.status = 'wc-completed'"
                      " AND NOT EXISTS (SELECT 1 FROM {p}woocommerce_order_itemmeta x WHERE x.order_item_id = i.order_item_id"
                      " AND x.meta_key = '_restock_refunded_items') ORDER BY o.id LIMIT 1",
                      NULL, 0, &r);
    if (!tap_ok(rc == 0 && r.nrows == 1, "a completed order with a reduced line")) {
        if (rc == 0)
            db_rows_free(&r);
        db_close(db);
        return;
    }
    uint64_t order_id = strtoull(db_cell(&r, 0, 0), NULL, 10), item = strtoull(db_cell(&r, 0, 1), NULL, 10);
    uint64_t product = strtoull(db_cell(&r, 0, 2), NULL, 10);
    long long reduced = strtoll(db_cell(&r, 0, 3), NULL, 10);
    db_rows_free(&r);
    long long stock0 = strtoll(one(db, "SELECT meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key = '_stock'", product),
                               NULL, 10);

    tap_ok(db_begin(db) == 0, "begin");
    struct order_locked o;
    TAP_EQ_INT(order_write_lock(db, &opt, order_id, &o), 1, "lock the order");
    TAP_EQ_STR(o.status, "wc-completed", "  its status");
    tap_ok(o.stock_reduced && o.recorded_sales && o.hpos_copy && !o.posts_copy, "  its flags and copies (HPOS, sync off)");
    TAP_EQ_INT(order_write_item_restock(db, &opt, &o, item, 1, &now), 0, "restock one unit of item");
    char want[160], num[32];
    snprintf(num, sizeof num, "%lld", stock0 + 1);
    TAP_EQ_STR(one(db, "SELECT meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key = '_stock'", product), num,
               "  _stock + 1");
    TAP_EQ_STR(one(db, "SELECT stock_quantity FROM {p}wc_product_meta_lookup WHERE product_id = ?", product), num,
               "  the lookup row follows");
    snprintf(num, sizeof num, "%lld", reduced - 1);
    TAP_EQ_STR(one(db, "SELECT meta_value FROM {p}woocommerce_order_itemmeta WHERE order_item_id = ? AND meta_key = '_reduced_stock'",
                   item),
               num, "  _reduced_stock - 1");
    TAP_EQ_STR(one(db, "SELECT meta_value FROM {p}woocommerce_order_itemmeta WHERE order_item_id = ?"
                       " AND meta_key = '_restock_refunded_items'",
                   item),
               "1", "  _restock_refunded_items = 1");
    snprintf(want, sizeof want, "Item #%" PRIu64 " stock increased from %lld to %lld.", product, stock0, stock0 + 1);
    TAP_EQ_STR(one(db, "SELECT comment_content FROM {p}comments WHERE comment_post_ID = ? ORDER BY comment_ID DESC LIMIT 1",
                   order_id),
               want, "  the note");
    TAP_EQ_STR(one(db, "SELECT comment_author FROM {p}comments WHERE comment_post_ID = ? ORDER BY comment_ID DESC LIMIT 1",
                   order_id),
               "WooCommerce", "  by WooCommerce");
    TAP_EQ_INT(order_write_item_restock(db, &opt, &o, 999999999, 1, &now), 0, "an unknown item restocks nothing");

    long long from = 0, to = 0;
    TAP_EQ_INT(order_write_product_stock(db, &opt, product, -2, &now, &from, &to), 1, "product stock - 2");
    tap_ok(from == stock0 + 1 && to == stock0 - 1, "  from %lld to %lld", from, to);
    TAP_EQ_INT(order_write_product_stock(db, &opt, 999999999, 1, &now, NULL, NULL), 0, "an unknown product: nothing");

    TAP_EQ_INT(order_write_meta(db, &opt, &o, "_cartman_test", "a"), 0, "order meta added");
    TAP_EQ_INT(order_write_meta(db, &opt, &o, "_cartman_test", "b"), 0, "order meta replaced");
    TAP_EQ_STR(one(db, "SELECT GROUP_CONCAT(meta_value) FROM {p}wc_orders_meta WHERE order_id = ? AND meta_key = '_cartman_test'",
                   order_id),
               "b", "  one row, the new value");

    bool changed = true;
    TAP_EQ_INT(order_write_set_status(db, &opt, &o, "completed", "x", 0, &now, &changed), 0, "same status");
    tap_ok(!changed, "  changes nothing");
    TAP_EQ_INT(order_write_set_status(db, &opt, &o, "on-hold", "  Waiting for stock.  ", 0, &now, &changed), 0,
               "completed → on-hold by the system");
    tap_ok(changed, "  changed");
    TAP_EQ_STR(one(db, "SELECT comment_content FROM {p}comments WHERE comment_post_ID = ? ORDER BY comment_ID DESC LIMIT 1",
                   order_id),
               "Waiting for stock.   Order status changed from Completed to On hold.", "  the note, trimmed as PHP's trim");
    TAP_EQ_STR(one(db, "SELECT status FROM {p}wc_order_stats WHERE order_id = ?", order_id), "wc-on-hold",
               "  wc_order_stats");
    tap_ok(db_rollback(db) == 0, "rollback: the shared store is unchanged");
    snprintf(num, sizeof num, "%lld", stock0);
    TAP_EQ_STR(one(db, "SELECT meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key = '_stock'", product), num,
               "  _stock as before");
    db_close(db);
}

int main(void)
{
    test_labels();
    test_clock();
    test_db();
    return tap_done();
}

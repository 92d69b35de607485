/*
 * apid/order_refund_rows.c — generic order writes used by refunds: notes, item rows and meta, order
 * meta, status and modified dates in both storages, and product restocking with everything
 * WooCommerce keeps in step with stock (meta, lookup row, visibility term, modified date).
 *
 * Does not: decide anything about refunds, open or close transactions, or check input (callers pass
 * values they validated). Every statement is parameterised.
 */
#include "apid/order_refund_rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/orders_read.h"
#include "common/log.h"

int rows_clock_now(const struct store_options *opt, struct rows_clock *c)
{
    struct tm tm;
    c->now = time(NULL);
    if (gmtime_r(&c->now, &tm) == NULL)
        return -1;
    char gmt[32], iso_local[20], iso_gmt[20];
    snprintf(gmt, sizeof gmt, "%04d-%02d-%02d %02d:%02d:%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
    if (orders_gmt_to_store(opt, gmt, iso_local, iso_gmt) != 0)
        return -1;
    memcpy(c->gmt, gmt, 19);
    c->gmt[19] = '\0';
    memcpy(c->local, iso_local, 20);
    c->local[10] = ' ';
    return 0;
}

static const struct {
    const char *status, *label;
} labels[] = {
    {"wc-pending", "Pending payment"}, {"wc-processing", "Processing"}, {"wc-on-hold", "On hold"},
    {"wc-completed", "Completed"},     {"wc-cancelled", "Cancelled"},   {"wc-refunded", "Refunded"},
    {"wc-failed", "Failed"},           {"wc-checkout-draft", "Draft"},
};

const char *rows_status_label(const char *status)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].status, status) == 0)
            return labels[i].label;
    return status;
}

static int exec(struct db *db, const char *sql, const struct db_value *p, size_t n, struct db_exec_result *out,
                const char *what)
{
    if (db_exec(db, sql, p, n, out) != 0) {
        log_warn("refund: %s failed: %s", what, db_error(db));
        return -1;
    }
    return 0;
}

int rows_order_meta_add(struct db *db, bool hpos_table, uint64_t order_id, const char *key, const char *value)
{
    struct db_value p[] = {DB_UINT(order_id), DB_STR(key), DB_STR(value)};
    return exec(db,
                hpos_table ? "INSERT INTO {p}wc_orders_meta (order_id, meta_key, meta_value) VALUES (?, ?, ?)"
                           : "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES (?, ?, ?)",
                p, 3, NULL, "order meta");
}

/* woocommerce@ + the site's host without "www." (WC_Order::add_order_note). */
static void note_email(const struct store_options *opt, char *out, size_t cap)
{
    const char *u = opt->home_url[0] ? opt->home_url : opt->site_url;
    const char *h = strstr(u, "://");
    h = h ? h + 3 : u;
    if (strncmp(h, "www.", 4) == 0)
        h += 4;
    size_t n = strcspn(h, ":/?#");
    if (n == 0)
        snprintf(out, cap, "woocommerce@noreply.com");
    else
        snprintf(out, cap, "woocommerce@%.*s", (int)n, h);
}

int rows_note_add(struct db *db, const struct store_options *opt, const struct rows_clock *c, uint64_t order_id,
                  const char *text)
{
    char email[300];
    note_email(opt, email, sizeof email);
    struct db_value p[] = {DB_UINT(order_id), DB_STR(email), DB_STR(c->local), DB_STR(c->gmt), DB_STR(text)};
    if (exec(db,
             "INSERT INTO {p}comments (comment_post_ID, comment_author, comment_author_email, comment_author_url,"
             " comment_author_IP, comment_date, comment_date_gmt, comment_content, comment_karma, comment_approved,"
             " comment_agent, comment_type, comment_parent, user_id)"
             " VALUES (?, 'WooCommerce', ?, '', '', ?, ?, ?, 0, '1', 'WooCommerce', 'order_note', 0, 0)",
             p, 5, NULL, "order note") != 0)
        return -1;
    struct db_value q[] = {DB_UINT(order_id), DB_UINT(order_id)};
    return exec(db,
                "UPDATE {p}posts SET comment_count = (SELECT COUNT(*) FROM {p}comments WHERE comment_post_ID = ?"
                " AND comment_approved = '1') WHERE ID = ?",
                q, 2, NULL, "comment count");
}

int rows_item_add(struct db *db, uint64_t order_id, const char *name, const char *type, uint64_t *item_id)
{
    struct db_value p[] = {DB_STR(name), DB_STR(type), DB_UINT(order_id)};
    struct db_exec_result r;
    if (exec(db, "INSERT INTO {p}woocommerce_order_items (order_item_name, order_item_type, order_id) VALUES (?, ?, ?)",
             p, 3, &r, "order item") != 0)
        return -1;
    *item_id = r.insert_id;
    return 0;
}

int rows_item_meta_add(struct db *db, uint64_t item_id, const char *key, const char *value)
{
    struct db_value p[] = {DB_UINT(item_id), DB_STR(key), DB_STR(value)};
    return exec(db, "INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES (?, ?, ?)", p,
                3, NULL, "item meta");
}

int rows_item_meta_set(struct db *db, uint64_t item_id, const char *key, const char *value)
{
    struct db_value p[] = {DB_UINT(item_id), DB_STR(key)};
    struct db_rows r;
    if (db_query(db, "SELECT MIN(meta_id) FROM {p}woocommerce_order_itemmeta WHERE order_item_id = ? AND meta_key = ?", p,
                 2, &r) != 0) {
        log_warn("refund: item meta lookup failed: %s", db_error(db));
        return -1;
    }
    const char *mid = r.nrows ? db_cell(&r, 0, 0) : NULL;
    uint64_t meta_id = mid ? strtoull(mid, NULL, 10) : 0;
    db_rows_free(&r);
    if (meta_id == 0)
        return rows_item_meta_add(db, item_id, key, value);
    struct db_value u[] = {DB_STR(value), DB_UINT(meta_id)};
    return exec(db, "UPDATE {p}woocommerce_order_itemmeta SET meta_value = ? WHERE meta_id = ?", u, 2, NULL,
                "item meta update");
}

int rows_order_touch(struct db *db, const struct store_options *opt, const struct rows_clock *c, uint64_t order_id,
                     const char *status)
{
    bool hpos_rows = opt->hpos || opt->hpos_sync, post_rows = !opt->hpos || opt->hpos_sync;
    if (hpos_rows) {
        struct db_value p[] = {DB_STR(status ? status : ""), DB_STR(status ? status : ""), DB_STR(c->gmt),
                               DB_UINT(order_id)};
        if (exec(db, "UPDATE {p}wc_orders SET status = IF(? = '', status, ?), date_updated_gmt = ? WHERE id = ?", p, 4,
                 NULL, "order status (HPOS)") != 0)
            return -1;
    }
    if (post_rows) {
        struct db_value p[] = {DB_STR(status ? status : ""), DB_STR(status ? status : ""), DB_STR(c->local),
                               DB_STR(c->gmt), DB_UINT(order_id)};
        if (exec(db,
                 "UPDATE {p}posts SET post_status = IF(? = '', post_status, ?), post_modified = ?,"
                 " post_modified_gmt = ? WHERE ID = ?",
                 p, 5, NULL, "order status (posts)") != 0)
            return -1;
    }
    return 0;
}

/* The meta values of one product that decide its stock. */
struct stock_meta {
    char manage[16], status[24], backorders[16];
    bool has_stock;
    double stock;
};

static int stock_meta_read(struct db *db, uint64_t id, struct stock_meta *m)
{
    memset(m, 0, sizeof *m);
    struct db_value p[] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT meta_key, meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key IN"
                 " ('_manage_stock', '_stock', '_stock_status', '_backorders') ORDER BY meta_id FOR UPDATE",
                 p, 1, &r) != 0) {
        log_warn("refund: stock meta read failed: %s", db_error(db));
        return -1;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        const char *k = db_cell(&r, i, 0), *v = db_cell(&r, i, 1) ? db_cell(&r, i, 1) : "";
        if (strcmp(k, "_manage_stock") == 0 && !m->manage[0])
            snprintf(m->manage, sizeof m->manage, "%s", v);
        else if (strcmp(k, "_stock_status") == 0 && !m->status[0])
            snprintf(m->status, sizeof m->status, "%s", v);
        else if (strcmp(k, "_backorders") == 0 && !m->backorders[0])
            snprintf(m->backorders, sizeof m->backorders, "%s", v);
        else if (strcmp(k, "_stock") == 0 && !m->has_stock) {
            m->has_stock = true;
            m->stock = strtod(v, NULL);
        }
    }
    db_rows_free(&r);
    return 0;
}

static int set_post_meta(struct db *db, uint64_t id, const char *key, const char *value)
{
    struct db_value p[] = {DB_STR(value), DB_UINT(id), DB_STR(key)};
    struct db_exec_result r;
    if (exec(db, "UPDATE {p}postmeta SET meta_value = ? WHERE post_id = ? AND meta_key = ?", p, 3, &r, "product meta") != 0)
        return -1;
    if (r.affected > 0)
        return 0;
    struct db_value a[] = {DB_UINT(id), DB_STR(key), DB_STR(value)};
    struct db_rows chk;
    if (db_query(db, "SELECT COUNT(*) FROM {p}postmeta WHERE post_id = ? AND meta_key = ?", a, 2, &chk) != 0)
        return -1;
    bool exists = chk.nrows && db_cell(&chk, 0, 0) && strcmp(db_cell(&chk, 0, 0), "0") != 0;
    db_rows_free(&chk);
    if (exists) /* same value already there */
        return 0;
    return exec(db, "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES (?, ?, ?)", a, 3, NULL,
                "product meta add");
}

/* Stock status leaves "outofstock": the product_visibility term goes, and its count with it. */
static int drop_outofstock_term(struct db *db, uint64_t id)
{
    struct db_value p[] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT tt.term_taxonomy_id FROM {p}term_relationships tr JOIN {p}term_taxonomy tt"
                 " ON tt.term_taxonomy_id = tr.term_taxonomy_id JOIN {p}terms t ON t.term_id = tt.term_id"
                 " WHERE tr.object_id = ? AND tt.taxonomy = 'product_visibility' AND t.slug = 'outofstock'",
                 p, 1, &r) != 0) {
        log_warn("refund: visibility term read failed: %s", db_error(db));
        return -1;
    }
    uint64_t tt = r.nrows && db_cell(&r, 0, 0) ? strtoull(db_cell(&r, 0, 0), NULL, 10) : 0;
    db_rows_free(&r);
    if (tt == 0)
        return 0;
    struct db_value d[] = {DB_UINT(id), DB_UINT(tt)};
    if (exec(db, "DELETE FROM {p}term_relationships WHERE object_id = ? AND term_taxonomy_id = ?", d, 2, NULL,
             "visibility term") != 0)
        return -1;
    struct db_value c[] = {DB_UINT(tt)};
    return exec(db, "UPDATE {p}term_taxonomy SET count = GREATEST(count, 1) - 1 WHERE term_taxonomy_id = ?", c, 1, NULL,
                "term count");
}

int rows_stock_increase(struct db *db, const struct rows_clock *c, uint64_t product_id, uint64_t parent_id, int64_t qty,
                        bool *managed, int64_t *old_stock, int64_t *new_stock)
{
    *managed = false;
    struct stock_meta m;
    uint64_t id = product_id;
    if (stock_meta_read(db, id, &m) != 0)
        return -1;
    if (strcmp(m.manage, "parent") == 0 && parent_id != 0) { /* a variation stocked by its parent */
        id = parent_id;
        if (stock_meta_read(db, id, &m) != 0)
            return -1;
    }
    if (strcmp(m.manage, "yes") != 0)
        return 0;
    *managed = true;
    *old_stock = (int64_t)m.stock;
    /* the atomic update WC_Product_Data_Store_CPT::update_product_stock runs */
    struct db_value p[] = {DB_INT(qty), DB_UINT(id)};
    if (m.has_stock) {
        if (exec(db, "UPDATE {p}postmeta SET meta_value = meta_value + ? WHERE post_id = ? AND meta_key = '_stock'", p, 2,
                 NULL, "stock") != 0)
            return -1;
    } else {
        char v[32];
        snprintf(v, sizeof v, "%" PRId64, qty);
        if (set_post_meta(db, id, "_stock", v) != 0)
            return -1;
    }
    double now_stock = m.stock + (double)qty;
    *new_stock = (int64_t)now_stock;
    /* validate_props: managed stock above the no-stock amount (0) is in stock; otherwise on backorder
     * when backorders are allowed, else out of stock */
    const char *status = now_stock > 0 ? "instock"
                         : (strcmp(m.backorders, "no") != 0 && m.backorders[0]) ? "onbackorder"
                                                                                 : "outofstock";
    if (strcmp(status, m.status) != 0) {
        if (set_post_meta(db, id, "_stock_status", status) != 0)
            return -1;
        if (strcmp(m.status, "outofstock") == 0 && drop_outofstock_term(db, id) != 0)
            return -1;
    }
    struct db_value l[] = {DB_DOUBLE(now_stock), DB_STR(status), DB_UINT(id)};
    if (exec(db, "UPDATE {p}wc_product_meta_lookup SET stock_quantity = ?, stock_status = ? WHERE product_id = ?", l, 3,
             NULL, "product lookup") != 0)
        return -1;
    struct db_value t[] = {DB_STR(c->local), DB_STR(c->gmt), DB_UINT(id)};
    return exec(db, "UPDATE {p}posts SET post_modified = ?, post_modified_gmt = ? WHERE ID = ?", t, 3, NULL,
                "product modified");
}

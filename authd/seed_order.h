/*
 * authd/seed_order.h — one generated order and its refund, shared by seed_orders.c (the order, its
 * items and notes), seed_refunds.c (the refund) and seed_analytics.c (wc_order_stats and the
 * lookup tables). Internal to the demo generator.
 */
#ifndef AUTHD_SEED_ORDER_H
#define AUTHD_SEED_ORDER_H

#include "authd/seed_model.h"

#define SEED_MAX_LINES 4
#define SEED_MAX_NOTES 12

enum seed_payment { SEED_PAY_BACS, SEED_PAY_COD, SEED_PAY_STRIPE, SEED_PAY_PAYPAL, SEED_NPAY };

struct seed_line {
    const struct seed_unit *u;
    unsigned qty;
    int64_t subtotal, subtotal_tax, total, tax; /* cents, excluding tax / tax */
    uint64_t item_id;
    int64_t reduced;   /* _reduced_stock as it ends up (0 after a full restock) */
    int64_t restocked; /* _restock_refunded_items */
    bool stock_noted;  /* the unit manages stock and this order reduced it */
    int64_t stock_from, stock_to;
};

struct seed_note {
    int64_t t;
    bool customer;   /* is_customer_note */
    bool by_manager; /* added by the shop manager in wp-admin, else by WooCommerce */
    char text[640];
};

struct seed_refund_line {
    unsigned line; /* index into seed_order.lines */
    unsigned qty;
    int64_t total, tax;
    uint64_t item_id;
};

struct seed_refund {
    uint64_t id;
    int64_t date;
    bool full, with_items, refunded_payment;
    const char *reason;
    struct seed_refund_line lines[SEED_MAX_LINES];
    unsigned nlines, qty;
    bool shipping, fee;
    uint64_t ship_item, fee_item, tax_items[2];
    int64_t tax[2];    /* item and fee tax refunded per rate (positive) */
    int64_t ship_tax, ship_cost, fee_amount, fee_tax;
    int64_t amount;    /* positive: the refund's total is -amount */
    int64_t cart_tax;  /* positive */
};

struct seed_order {
    uint64_t id;
    enum seed_status status;
    enum seed_payment pay;
    bool admin_created;
    int64_t created, paid, completed, modified; /* 0 = not set */
    bool registered, returning;
    unsigned customer; /* registered customer index or guest index */
    uint64_t user_id, lookup_id;
    struct seed_person bill, ship;
    char email[160], key[24], cart_hash[40], txn[40], ip[48];
    const char *user_agent, *customer_note;
    struct seed_line lines[SEED_MAX_LINES];
    unsigned nlines, qty;
    bool free_shipping;
    int64_t ship_cost, ship_tax;
    uint64_t ship_item;
    bool fee;
    int64_t fee_amount, fee_tax;
    uint64_t fee_item;
    int coupon; /* index into seed_catalog.coupons, -1 = none */
    int64_t discount, discount_tax;
    uint64_t coupon_item;
    int64_t tax[2]; /* item and fee tax per rate */
    uint64_t tax_items[2];
    int64_t cart_tax, total;
    bool stock_reduced, recorded_sales, coupon_counted, downloads_granted, email_sent;
    struct seed_note notes[SEED_MAX_NOTES];
    unsigned nnotes;
    bool has_refund;
    struct seed_refund refund;
};

const char *seed_payment_id(enum seed_payment p);
const char *seed_payment_title(enum seed_payment p);

/* Appends an order note (ignored once SEED_MAX_NOTES are there). */
void seed_note_add(struct seed_order *o, int64_t t, bool customer, bool by_manager, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Refunds: decides whether and how the order is refunded (status refunded: fully; some completed
 * orders: partially), restocks, and adds its notes. Then writes the refund's rows. */
void seed_refund_plan(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o);
void seed_refund_write(struct seed_ctx *c, struct seed_order *o);

/* Item rows shared by orders and refunds; sign is 1 for an order, -1 for a refund. A refund's item is
 * what wc_create_refund() saves: a new item of the refunded one's class, so only that class's own
 * properties (its data store's meta) with the refunded amounts, plus _refunded_item_id; the visible
 * meta of the original (variation attributes, the shipping line's "Items") stays behind, and a fee
 * keeps the original's _fee_amount (set_total does not change the amount). */
void seed_write_line_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, const struct seed_line *l,
                          unsigned qty, int64_t total, int64_t subtotal, int64_t tax, int64_t subtotal_tax, int sign,
                          uint64_t refunded_item);
void seed_write_shipping_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, const struct seed_order *o,
                              int sign, uint64_t refunded_item);
void seed_write_fee_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, int64_t fee_amount, int64_t total,
                         int64_t tax, int sign, uint64_t refunded_item);
void seed_write_tax_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, unsigned rate, int64_t tax,
                         int64_t ship_tax);
void seed_write_notes(struct seed_ctx *c, const struct seed_order *o);
/* The order's (or refund's) row in wp_posts, placeholder or full, per storage. */
void seed_write_order_post(struct seed_ctx *c, uint64_t id, uint64_t parent, const char *type, const char *status,
                           int64_t created, int64_t modified, const char *password, const char *excerpt,
                           uint64_t comment_count);
/* Order-level meta in the authoritative store (wc_orders_meta or postmeta). */
void seed_order_meta(struct seed_ctx *c, uint64_t id, const char *key, const char *value);
void seed_order_meta_cents(struct seed_ctx *c, uint64_t id, const char *key, int64_t cents);

/* wc_order_stats, wc_order_product_lookup, wc_order_tax_lookup, wc_order_coupon_lookup. */
void seed_analytics_order(struct seed_ctx *c, const struct seed_order *o);
void seed_analytics_refund(struct seed_ctx *c, const struct seed_order *o);

#endif

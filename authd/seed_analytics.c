/*
 * authd/seed_analytics.c — WooCommerce Analytics rows of the demo orders, as the wc-admin import
 * (OrdersScheduler → Orders\Stats\DataStore, Products, Taxes and Coupons data stores) would leave
 * them for WooCommerce 9.3: wc_order_stats, wc_order_product_lookup, wc_order_tax_lookup,
 * wc_order_coupon_lookup.
 *
 * Orders of every status get rows (the import skips only auto-draft, trash and test-mode orders);
 * dates are site-local, plus date_created_gmt; status keeps the wc- prefix; customer_id is the
 * wc_customer_lookup ID. Refunds get their own rows with negative values and their parent's status;
 * for a full refund without items the values come from the refund object itself (num_items_sold,
 * tax and shipping 0, net = total), which is what 9.3 does (the "new full refund data" of 10.2+ is
 * not on for this version). A line's shipping is its share of the order's shipping by quantity,
 * unrounded, as Order::get_item_shipping_amount computes it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "authd/seed_order.h"
#include "authd/seed_text.h"

static void date_local(struct seed_table *t, int64_t when)
{
    char d[SEED_DATE_LEN];
    if (when == 0) {
        seed_row_null(t);
        return;
    }
    seed_fmt_local(when, d);
    seed_row_str(t, d);
}

static void date_gmt(struct seed_table *t, int64_t when)
{
    char d[SEED_DATE_LEN];
    seed_fmt_gmt(when, d);
    seed_row_str(t, d);
}

static void money(struct seed_table *t, double cents)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.6f", cents / 100.0);
    seed_row_str(t, buf);
}

struct stats {
    uint64_t id, parent;
    int64_t created, paid, completed;
    int64_t items, total, tax, shipping;
    int returning; /* -1 NULL */
    const char *status;
    uint64_t customer;
};

static void stats_row(struct seed_ctx *c, const struct stats *s)
{
    struct seed_table *t = c->t.stats;
    seed_row_u64(t, s->id);
    seed_row_u64(t, s->parent);
    date_local(t, s->created);
    date_gmt(t, s->created);
    date_local(t, s->paid);
    date_local(t, s->completed);
    seed_row_i64(t, s->items);
    seed_row_cents(t, s->total);
    seed_row_cents(t, s->tax);
    seed_row_cents(t, s->shipping);
    seed_row_cents(t, s->total - s->tax - s->shipping);
    if (s->returning < 0)
        seed_row_null(t);
    else
        seed_row_u64(t, (uint64_t)s->returning);
    seed_row_str(t, s->status);
    seed_row_u64(t, s->customer);
    seed_row_end(t);
}

static void product_row(struct seed_ctx *c, uint64_t item, uint64_t order, const struct seed_unit *u, uint64_t customer,
                        int64_t when, int64_t qty, int64_t net, int64_t coupon, int64_t tax, double ship, double ship_tax)
{
    struct seed_table *t = c->t.product_lookup;
    seed_row_u64(t, item);
    seed_row_u64(t, order);
    seed_row_u64(t, u->product_id);
    seed_row_u64(t, u->product_id == u->id ? 0 : u->id);
    seed_row_u64(t, customer);
    date_local(t, when);
    seed_row_i64(t, qty);
    seed_row_cents(t, net);
    money(t, (double)(net + tax) + ship + ship_tax);
    seed_row_cents(t, coupon);
    seed_row_cents(t, tax);
    money(t, ship);
    money(t, ship_tax);
    seed_row_end(t);
}

static void tax_row(struct seed_ctx *c, uint64_t order, uint64_t rate_id, int64_t when, int64_t order_tax,
                    int64_t ship_tax)
{
    struct seed_table *t = c->t.tax_lookup;
    seed_row_u64(t, order);
    seed_row_u64(t, rate_id);
    date_local(t, when);
    seed_row_cents(t, ship_tax);
    seed_row_cents(t, order_tax);
    seed_row_cents(t, order_tax + ship_tax);
    seed_row_end(t);
}

void seed_analytics_order(struct seed_ctx *c, const struct seed_order *o)
{
    struct stats s = {o->id, 0, o->created, o->paid, o->completed, o->qty, o->total, o->cart_tax + o->ship_tax,
                      o->ship_cost, o->returning, seed_status_key(o->status), o->lookup_id};
    stats_row(c, &s);
    for (unsigned i = 0; i < o->nlines; i++) {
        const struct seed_line *l = &o->lines[i];
        double share = (double)l->qty / (double)o->qty;
        product_row(c, l->item_id, o->id, l->u, o->lookup_id, o->created, l->qty, l->total, l->subtotal - l->total,
                    l->tax, (double)o->ship_cost * share, (double)o->ship_tax * share);
    }
    for (unsigned k = 0; k < 2; k++)
        if (o->tax_items[k])
            tax_row(c, o->id, c->cat.tax[k].id, o->created, o->tax[k], k == 0 ? o->ship_tax : 0);
    if (o->coupon >= 0) {
        struct seed_table *t = c->t.coupon_lookup;
        seed_row_u64(t, o->id);
        seed_row_u64(t, c->cat.coupons[o->coupon].id);
        date_local(t, o->created);
        seed_row_cents(t, o->discount);
        seed_row_end(t);
    }
}

void seed_analytics_refund(struct seed_ctx *c, const struct seed_order *o)
{
    const struct seed_refund *r = &o->refund;
    int64_t ship = r->shipping ? r->ship_cost : 0, ship_tax = r->shipping ? r->ship_tax : 0;
    struct stats s = {r->id, o->id, r->date, r->date, r->date, -(int64_t)r->qty, -r->amount, -(r->cart_tax + ship_tax),
                      -ship, -1, seed_status_key(o->status), o->lookup_id};
    stats_row(c, &s);
    for (unsigned i = 0; i < r->nlines; i++) {
        const struct seed_refund_line *rl = &r->lines[i];
        double share = (double)rl->qty / (double)o->qty;
        product_row(c, rl->item_id, r->id, o->lines[rl->line].u, o->lookup_id, r->date, -(int64_t)rl->qty, -rl->total, 0,
                    -rl->tax, -(double)ship * share, -(double)ship_tax * share);
    }
    for (unsigned k = 0; k < 2; k++)
        if (r->tax_items[k])
            tax_row(c, r->id, c->cat.tax[k].id, r->date, -r->tax[k], k == 0 ? -ship_tax : 0);
}

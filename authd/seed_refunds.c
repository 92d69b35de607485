/*
 * authd/seed_refunds.c — refunds of the demo orders, as wc_create_refund() writes them.
 *
 * Owns: which orders are refunded and how — every order in status refunded has a full refund,
 * half of them made in wp-admin with every item, shipping and the fee (negative items,
 * _refunded_item_id, restocked), the other half by setting the status to refunded
 * (wc_order_fully_refunded: no items, reason "Order fully refunded.", no restock); a few completed
 * orders have a partial refund of one unit of their first line — and the refund's rows: its post,
 * its HPOS rows or postmeta, its items and meta (_refund_amount, _refunded_by, _refunded_payment,
 * _refund_reason, _refund_type).
 * The refund's ID comes right after its order's: generated orders take IDs in order, and the
 * refund is generated with its order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "authd/seed_order.h"
#include "authd/seed_text.h"

static const char *const reasons[] = {"Customer returned the goods", "Damaged in transit", "Wrong size",
                                      "Ordered twice by mistake", ""};

static void restock(struct seed_ctx *c, struct seed_order *o, unsigned li, unsigned qty, int64_t t)
{
    struct seed_line *l = &o->lines[li];
    if (!l->stock_noted || l->reduced < (int64_t)qty)
        return;
    struct seed_unit *u = &c->cat.units[l->u - c->cat.units];
    int64_t from = u->stock;
    u->stock += qty;
    l->reduced -= qty;
    l->restocked += qty;
    seed_note_add(o, t, false, false, "Item #%" PRIu64 " stock increased from %" PRId64 " to %" PRId64 ".", u->id, from,
                  u->stock);
}

static void refund_all_items(struct seed_ctx *c, struct seed_order *o)
{
    struct seed_refund *r = &o->refund;
    for (unsigned i = 0; i < o->nlines; i++) {
        const struct seed_line *l = &o->lines[i];
        r->lines[r->nlines++] = (struct seed_refund_line){i, l->qty, l->total, l->tax, 0};
        r->tax[l->u->tax] += l->tax;
        r->qty += l->qty;
        r->amount += l->total + l->tax;
        restock(c, o, i, l->qty, r->date);
    }
    r->shipping = o->ship_cost != 0 || o->ship_tax != 0; /* wc_create_refund skips a line with nothing
                                                            refunded: free shipping gets no refund item */
    r->ship_cost = o->ship_cost;
    r->ship_tax = o->ship_tax;
    r->amount += o->ship_cost + o->ship_tax;
    if (o->fee) {
        r->fee = true;
        r->fee_amount = o->fee_amount;
        r->fee_tax = o->fee_tax;
        r->tax[0] += o->fee_tax;
        r->amount += o->fee_amount + o->fee_tax;
    }
}

static void refund_one_unit(struct seed_ctx *c, struct seed_order *o)
{
    struct seed_refund *r = &o->refund;
    const struct seed_line *l = &o->lines[0];
    int64_t total = l->total / l->qty, tax = l->tax / l->qty;
    r->lines[r->nlines++] = (struct seed_refund_line){0, 1, total, tax, 0};
    r->tax[l->u->tax] += tax;
    r->qty = 1;
    r->amount = total + tax;
    restock(c, o, 0, 1, r->date);
}

void seed_refund_plan(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o)
{
    struct seed_refund *r = &o->refund;
    memset(r, 0, sizeof *r);
    o->has_refund = true;
    c->n_refunds++;
    r->id = c->id.post++;
    int64_t base = o->completed ? o->completed : o->paid;
    int64_t want = base + seed_rng_range(rng, 3600, 10 * SEED_DAY);
    r->date = want < c->anchor ? want : base + (c->anchor - base) / 2;
    r->full = o->status == SEED_REFUNDED;
    r->with_items = !r->full || seed_rng_chance(rng, 500);
    r->refunded_payment = r->with_items && (o->pay == SEED_PAY_STRIPE || o->pay == SEED_PAY_PAYPAL);
    r->reason = r->with_items ? reasons[seed_rng_below(rng, sizeof reasons / sizeof reasons[0])] : "Order fully refunded.";
    enum seed_status before = o->completed ? SEED_COMPLETED : SEED_PROCESSING;
    if (!r->full) {
        refund_one_unit(c, o);
    } else if (r->with_items) {
        refund_all_items(c, o);
    } else {
        r->amount = o->total;
        seed_note_add(o, r->date, false, false,
                      "Order status set to refunded. To return funds to the customer you will need to issue a refund "
                      "through your payment gateway.");
    }
    r->cart_tax = r->tax[0] + r->tax[1];
    if (r->full) {
        seed_note_add(o, r->date, false, false, "Order status changed from %s to %s.", seed_status_label(before),
                      seed_status_label(SEED_REFUNDED));
        o->modified = r->date;
    }
}

static void write_hpos_refund(struct seed_ctx *c, const struct seed_order *o)
{
    const struct seed_refund *r = &o->refund;
    char d[SEED_DATE_LEN];
    struct seed_table *t = c->t.orders;
    seed_fmt_gmt(r->date, d);
    seed_row_u64(t, r->id);
    seed_row_str(t, "wc-completed");
    seed_row_str(t, SEED_CURRENCY);
    seed_row_str(t, "shop_order_refund");
    seed_row_cents(t, -r->cart_tax);
    seed_row_cents(t, -r->amount);
    seed_row_null(t); /* customer_id, billing_email: a refund has no such property */
    seed_row_null(t);
    seed_row_str(t, d);
    seed_row_str(t, d);
    seed_row_u64(t, o->id);
    for (int i = 0; i < 6; i++) /* payment_method ... customer_note */
        seed_row_null(t);
    seed_row_end(t);
    t = c->t.opdata;
    seed_row_u64(t, c->id.opdata++);
    seed_row_u64(t, r->id);
    seed_row_null(t);
    seed_row_str(t, SEED_WC_VERSION);
    seed_row_u64(t, 0);
    seed_row_u64(t, 0);
    for (int i = 0; i < 7; i++) /* download_permission_granted ... date_completed_gmt */
        seed_row_null(t);
    seed_row_cents(t, r->shipping ? -r->ship_tax : 0);
    seed_row_cents(t, r->shipping ? -r->ship_cost : 0);
    seed_row_cents(t, 0);
    seed_row_cents(t, 0);
    seed_row_null(t);
    seed_row_end(t);
}

/* Posts storage keeps the refund's totals in postmeta too (WC_Order_Refund_Data_Store_CPT). */
static void write_posts_refund_meta(struct seed_ctx *c, const struct seed_order *o)
{
    const struct seed_refund *r = &o->refund;
    seed_order_meta(c, r->id, "_order_currency", SEED_CURRENCY);
    seed_order_meta_cents(c, r->id, "_cart_discount", 0);
    seed_order_meta_cents(c, r->id, "_cart_discount_tax", 0);
    seed_order_meta_cents(c, r->id, "_order_shipping", r->shipping ? -r->ship_cost : 0);
    seed_order_meta_cents(c, r->id, "_order_shipping_tax", r->shipping ? -r->ship_tax : 0);
    seed_order_meta_cents(c, r->id, "_order_tax", -r->cart_tax);
    seed_order_meta_cents(c, r->id, "_order_total", -r->amount);
    seed_order_meta(c, r->id, "_order_version", SEED_WC_VERSION);
    seed_order_meta(c, r->id, "_prices_include_tax", "no");
}

static void write_refund_items(struct seed_ctx *c, struct seed_order *o)
{
    struct seed_refund *r = &o->refund;
    for (unsigned i = 0; i < r->nlines; i++) {
        struct seed_refund_line *rl = &r->lines[i];
        const struct seed_line *l = &o->lines[rl->line];
        rl->item_id = c->id.item++;
        seed_write_line_item(c, rl->item_id, r->id, l, rl->qty, rl->total, rl->total, rl->tax, rl->tax, -1, l->item_id);
    }
    if (r->fee) {
        r->fee_item = c->id.item++;
        seed_write_fee_item(c, r->fee_item, r->id, o->fee_amount, -r->fee_amount, -r->fee_tax, -1, o->fee_item);
    }
    if (r->shipping) {
        r->ship_item = c->id.item++;
        seed_write_shipping_item(c, r->ship_item, r->id, o, -1, o->ship_item);
    }
    for (unsigned k = 0; k < 2; k++) {
        int64_t ship_tax = k == 0 && r->shipping ? r->ship_tax : 0;
        if (r->tax[k] == 0 && ship_tax == 0)
            continue;
        r->tax_items[k] = c->id.item++;
        seed_write_tax_item(c, r->tax_items[k], r->id, k, -r->tax[k], -ship_tax);
    }
}

/* Also records the refund's item IDs on it, for the analytics rows written next. */
void seed_refund_write(struct seed_ctx *c, struct seed_order *o)
{
    const struct seed_refund *r = &o->refund;
    char buf[32];
    seed_write_order_post(c, r->id, o->id, "shop_order_refund", "wc-completed", r->date, r->date, "", r->reason, 0);
    if (c->hpos)
        write_hpos_refund(c, o);
    else
        write_posts_refund_meta(c, o);
    seed_order_meta_cents(c, r->id, "_refund_amount", r->amount);
    snprintf(buf, sizeof buf, "%" PRIu64, c->staff[SEED_MANAGER].id);
    seed_order_meta(c, r->id, "_refunded_by", buf);
    seed_order_meta(c, r->id, "_refunded_payment", r->refunded_payment ? "1" : "");
    seed_order_meta(c, r->id, "_refund_reason", r->reason);
    seed_order_meta(c, r->id, "_refund_type", r->full ? "full" : "partial");
    write_refund_items(c, o);
}

/*
 * authd/seed_orders.c — the demo store's orders, as WooCommerce's checkout and admin leave them.
 *
 * Owns: the order loop (chronological, IDs ascending, one PRNG stream so that the rows do not depend
 * on how they are batched), what each order is (customer, items, coupon, fee, shipping, taxes,
 * status and its dates), the stock it reduces and the sales it records, its rows in the
 * authoritative store — HPOS (a shop_order_placehold post + wc_orders, wc_order_addresses,
 * wc_order_operational_data, wc_orders_meta) or posts (shop_order post + postmeta) — its items and
 * item meta, its notes, and the download permissions its payment granted.
 * Does not: refunds (seed_refunds.c) or analytics rows (seed_analytics.c).
 * Money is integer cents throughout; tax is rounded per line, half up, as WooCommerce rounds at
 * subtotal level with the default settings ("round tax at subtotal level" off).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authd/seed_order.h"
#include "authd/seed_text.h"

#define FLAT_RATE_CENTS 490
#define FREE_SHIPPING_FROM_CENTS 5000
#define COD_FEE_CENTS 200
#define CHUNK_ORDERS 10000 /* rows are flushed (and committed) every CHUNK_ORDERS orders */

static const char *const payment_ids[SEED_NPAY] = {"bacs", "cod", "stripe", "ppcp-gateway"};
static const char *const payment_titles[SEED_NPAY] = {"Direct bank transfer", "Cash on delivery",
                                                      "Credit Card (Stripe)", "PayPal"};

const char *seed_payment_id(enum seed_payment p)
{
    return payment_ids[p];
}

const char *seed_payment_title(enum seed_payment p)
{
    return payment_titles[p];
}

static const char *const user_agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
    "Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile "
    "Safari/537.36",
};

static const char *const customer_notes[] = {
    "Please leave the parcel with a neighbour if I am not at home.",
    "Bitte nicht klingeln, das Baby schläft.",
    "This is a gift - please do not put the invoice in the parcel.",
    "Delivery after 5 pm, please.",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

void seed_note_add(struct seed_order *o, int64_t t, bool customer, bool by_manager, const char *fmt, ...)
{
    if (o->nnotes == SEED_MAX_NOTES)
        return;
    struct seed_note *n = &o->notes[o->nnotes++];
    n->t = t;
    n->customer = customer;
    n->by_manager = by_manager;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
}

static int64_t tax_of(int64_t cents, unsigned percent)
{
    return (cents * (int64_t)percent + 50) / 100;
}

/* A time after `from` that is still before today 00:00 UTC (the anchor): `want` when it is. */
static int64_t before_anchor(const struct seed_ctx *c, int64_t from, int64_t want)
{
    return want < c->anchor ? want : from + (c->anchor - from) / 2;
}

static void random_text(struct seed_rng *rng, const char *alphabet, size_t n, char *out)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[seed_rng_below(rng, (uint32_t)k)];
    out[n] = '\0';
}

static enum seed_status pick_status(const struct seed_ctx *c, struct seed_rng *rng, int64_t created)
{
    /* pending, processing, on-hold, completed, cancelled, refunded, failed */
    static const unsigned recent[SEED_NSTATUS] = {10, 55, 10, 15, 3, 2, 5};
    static const unsigned week[SEED_NSTATUS] = {3, 30, 6, 52, 4, 2, 3};
    static const unsigned older[SEED_NSTATUS] = {2, 2, 1, 80, 6, 5, 4};
    int64_t age = c->anchor - created;
    const unsigned *w = age < 2 * SEED_DAY ? recent : age < 7 * SEED_DAY ? week : older;
    return (enum seed_status)seed_rng_weighted(rng, w, SEED_NSTATUS);
}

static enum seed_payment pick_payment(struct seed_rng *rng, enum seed_status st)
{
    static const unsigned any[SEED_NPAY] = {15, 10, 50, 25};
    static const unsigned online[SEED_NPAY] = {0, 0, 65, 35};
    static const unsigned hold[SEED_NPAY] = {90, 10, 0, 0};
    if (st == SEED_ON_HOLD)
        return (enum seed_payment)seed_rng_weighted(rng, hold, SEED_NPAY);
    if (st == SEED_FAILED)
        return (enum seed_payment)seed_rng_weighted(rng, online, SEED_NPAY);
    return (enum seed_payment)seed_rng_weighted(rng, any, SEED_NPAY);
}

static void pick_customer(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o, bool force_first)
{
    char login[96];
    o->registered = force_first || seed_rng_chance(rng, 700);
    if (o->registered) {
        unsigned k = force_first ? 0
                     : seed_rng_chance(rng, 500) ? seed_rng_below(rng, c->cust.count)
                                                 : seed_rng_below(rng, c->cust.count / 10 ? c->cust.count / 10 : 1);
        o->customer = k;
        o->user_id = c->cust.first_user_id + k;
        o->lookup_id = c->cust.first_lookup_id + k;
        o->returning = c->cust.last_active[k] != 0;
        c->cust.last_active[k] = o->created;
        seed_customer_identity(c, k, &o->bill, login, sizeof login, o->email, sizeof o->email);
    } else {
        unsigned g = seed_rng_below(rng, c->cust.nguests);
        o->customer = g;
        o->user_id = 0;
        o->returning = c->cust.guest_lookup[g] != 0;
        if (!o->returning) {
            c->cust.guest_lookup[g] = c->id.customer++;
            c->cust.guest_order[c->cust.nguests_seen++] = g;
        }
        o->lookup_id = c->cust.guest_lookup[g];
        c->cust.guest_last_active[g] = o->created;
        seed_guest_identity(c, g, &o->bill, o->email, sizeof o->email);
    }
    o->ship = o->bill;
    if (seed_rng_chance(rng, 100)) { /* a gift: shipped to someone else */
        seed_person_make(c->seed, (2ULL << 40) + o->id, &o->ship);
        o->ship.company[0] = '\0';
    }
}

static void pick_lines(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o)
{
    static const unsigned nlines_w[SEED_MAX_LINES] = {50, 30, 13, 7};
    static const unsigned qty_w[5] = {70, 20, 7, 2, 1};
    unsigned n = 1 + seed_rng_weighted(rng, nlines_w, SEED_MAX_LINES);
    bool allow_soldout = o->created < c->anchor - 30 * SEED_DAY;
    o->nlines = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct seed_unit *u = seed_catalog_pick(&c->cat, rng, allow_soldout);
        unsigned qty = 1 + seed_rng_weighted(rng, qty_w, 5);
        struct seed_line *same = NULL;
        for (unsigned j = 0; j < o->nlines; j++)
            if (o->lines[j].u == u)
                same = &o->lines[j];
        if (same) {
            same->qty += qty;
            continue;
        }
        struct seed_line *l = &o->lines[o->nlines++];
        memset(l, 0, sizeof *l);
        l->u = u;
        l->qty = qty;
    }
}

/* Line amounts, the coupon, shipping, the cash-on-delivery fee and the totals. */
static void price_order(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o)
{
    const struct seed_catalog *cat = &c->cat;
    o->coupon = seed_rng_chance(rng, 80) ? (int)seed_rng_below(rng, 2) : -1;
    int64_t items = 0;
    o->qty = 0;
    o->tax[0] = o->tax[1] = 0;
    o->discount = o->discount_tax = 0;
    for (unsigned i = 0; i < o->nlines; i++) {
        struct seed_line *l = &o->lines[i];
        unsigned pct = cat->tax[l->u->tax].percent;
        l->subtotal = l->u->price * l->qty;
        l->subtotal_tax = tax_of(l->subtotal, pct);
        int64_t off = o->coupon >= 0 ? (l->subtotal * cat->coupons[o->coupon].percent + 50) / 100 : 0;
        l->total = l->subtotal - off;
        l->tax = tax_of(l->total, pct);
        o->discount += off;
        o->discount_tax += l->subtotal_tax - l->tax;
        o->tax[l->u->tax] += l->tax;
        items += l->total;
        o->qty += l->qty;
    }
    o->free_shipping = items >= FREE_SHIPPING_FROM_CENTS;
    o->ship_cost = o->free_shipping ? 0 : FLAT_RATE_CENTS;
    o->ship_tax = tax_of(o->ship_cost, cat->tax[0].percent);
    o->fee = o->pay == SEED_PAY_COD;
    o->fee_amount = o->fee ? COD_FEE_CENTS : 0;
    o->fee_tax = tax_of(o->fee_amount, cat->tax[0].percent);
    o->tax[0] += o->fee_tax;
    o->cart_tax = o->tax[0] + o->tax[1];
    o->total = items + o->fee_amount + o->ship_cost + o->cart_tax + o->ship_tax;
}

/* WooCommerce's wc_reduce_stock_levels: managed units only, once per order, with its note. */
static void reduce_stock(struct seed_ctx *c, struct seed_order *o, int64_t t)
{
    char text[600];
    size_t len = 0;
    o->stock_reduced = true;
    for (unsigned i = 0; i < o->nlines; i++) {
        struct seed_line *l = &o->lines[i];
        struct seed_unit *u = &c->cat.units[l->u - c->cat.units];
        if (u->soldout)
            continue;
        l->stock_noted = true;
        l->stock_from = u->stock;
        u->stock -= l->qty;
        l->stock_to = u->stock;
        l->reduced = l->qty;
        int n = snprintf(text + len, sizeof text - len, "%s%s (%s) %" PRId64 "&rarr;%" PRId64, len ? ", " : "", u->name,
                         u->sku, l->stock_from, l->stock_to);
        if (n > 0 && (size_t)n < sizeof text - len)
            len += (size_t)n;
    }
    if (len)
        seed_note_add(o, t, false, false, "Stock levels reduced: %s", text);
}

static void record_sales(struct seed_ctx *c, struct seed_order *o)
{
    o->recorded_sales = true;
    for (unsigned i = 0; i < o->nlines; i++)
        c->cat.products[o->lines[i].u->product].total_sales += o->lines[i].qty;
}

static void status_note(struct seed_order *o, int64_t t, enum seed_status from, enum seed_status to)
{
    seed_note_add(o, t, false, false, "Order status changed from %s to %s.", seed_status_label(from),
                  seed_status_label(to));
}

/* Paid: on-hold first for bank transfers, then processing. Stock is reduced on the first of them. */
static void pay_order(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o)
{
    if (o->pay == SEED_PAY_BACS) {
        int64_t hold = o->created + seed_rng_range(rng, 5, 60);
        reduce_stock(c, o, hold);
        status_note(o, hold, SEED_PENDING, SEED_ON_HOLD);
        o->paid = before_anchor(c, hold, hold + seed_rng_range(rng, 2 * SEED_HOUR, 30 * SEED_HOUR));
        status_note(o, o->paid, SEED_ON_HOLD, SEED_PROCESSING);
    } else {
        o->paid = before_anchor(c, o->created, o->created + seed_rng_range(rng, 5, 120));
        reduce_stock(c, o, o->paid);
        status_note(o, o->paid, SEED_PENDING, SEED_PROCESSING);
    }
    o->modified = o->paid;
    o->downloads_granted = o->email_sent = true;
    record_sales(c, o);
    if (o->pay == SEED_PAY_STRIPE) {
        memcpy(o->txn, "pi_3", 4);
        random_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24, o->txn + 4);
    } else if (o->pay == SEED_PAY_PAYPAL) {
        random_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 17, o->txn);
    }
}

static void complete_order(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o)
{
    o->completed = before_anchor(c, o->paid, o->paid + seed_rng_range(rng, 12 * SEED_HOUR, 4 * SEED_DAY));
    status_note(o, o->completed, SEED_PROCESSING, SEED_COMPLETED);
    o->modified = o->completed;
    int64_t tracking = o->completed + seed_rng_range(rng, 300, 3600);
    if (seed_rng_chance(rng, 150) && tracking < c->anchor)
        seed_note_add(o, tracking, true, true, "Your order is on its way. DHL tracking number: 00340434%012" PRIu64 ".",
                      (uint64_t)(seed_rng_next(rng) % 1000000000000ULL));
}

static void run_status(struct seed_ctx *c, struct seed_rng *rng, struct seed_order *o)
{
    o->coupon_counted = o->status != SEED_CANCELLED && o->status != SEED_FAILED;
    o->modified = o->created;
    switch (o->status) {
    case SEED_PENDING:
        break;
    case SEED_FAILED:
        o->modified = before_anchor(c, o->created, o->created + seed_rng_range(rng, 60, 900));
        status_note(o, o->modified, SEED_PENDING, SEED_FAILED);
        break;
    case SEED_CANCELLED:
        o->modified = before_anchor(c, o->created, o->created + 3600 + seed_rng_range(rng, 0, 1800));
        seed_note_add(o, o->modified, false, false, "Unpaid order cancelled - time limit reached. Order status changed from %s to %s.",
                      seed_status_label(SEED_PENDING), seed_status_label(SEED_CANCELLED));
        break;
    case SEED_ON_HOLD: {
        int64_t t = before_anchor(c, o->created, o->created + seed_rng_range(rng, 5, 60));
        reduce_stock(c, o, t);
        status_note(o, t, SEED_PENDING, SEED_ON_HOLD);
        o->modified = t;
        o->email_sent = true;
        record_sales(c, o);
        break;
    }
    case SEED_PROCESSING:
        pay_order(c, rng, o);
        break;
    case SEED_COMPLETED:
        pay_order(c, rng, o);
        complete_order(c, rng, o);
        break;
    case SEED_REFUNDED:
        pay_order(c, rng, o);
        if (seed_rng_chance(rng, 600))
            complete_order(c, rng, o);
        break;
    case SEED_NSTATUS:
        break;
    }
}

static void plan_order(struct seed_ctx *c, struct seed_rng *rng, unsigned i, struct seed_order *o)
{
    int64_t span = (int64_t)SEED_DAYS * 86400, start = c->anchor - span;
    int64_t slot_start = start + (int64_t)i * span / c->norders, slot_end = start + ((int64_t)i + 1) * span / c->norders;
    memset(o, 0, sizeof *o);
    o->id = c->id.post++;
    o->created = slot_start + (slot_end > slot_start ? seed_rng_range(rng, 0, slot_end - slot_start - 1) : 0);
    bool forced = c->norders >= SEED_NSTATUS && i >= c->norders - SEED_NSTATUS;
    o->status = forced ? (enum seed_status)(c->norders - 1 - i) : pick_status(c, rng, o->created);
    o->pay = pick_payment(rng, o->status);
    o->admin_created = seed_rng_chance(rng, 30);
    pick_customer(c, rng, o, forced);
    memcpy(o->key, "wc_order_", 9);
    random_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 13, o->key + 9);
    if (!o->admin_created) {
        random_text(rng, "0123456789abcdef", 32, o->cart_hash);
        static const char *const nets[] = {"203.0.113.", "198.51.100.", "192.0.2."}; /* RFC 5737 */
        unsigned net = seed_rng_below(rng, 4), host = 1 + seed_rng_below(rng, 250);
        if (net < 3)
            snprintf(o->ip, sizeof o->ip, "%s%u", nets[net], host);
        else
            snprintf(o->ip, sizeof o->ip, "2001:db8::%x", host); /* RFC 3849 */
        o->user_agent = user_agents[seed_rng_below(rng, N_OF(user_agents))];
        o->customer_note = seed_rng_chance(rng, 60) ? customer_notes[seed_rng_below(rng, N_OF(customer_notes))] : NULL;
    }
    pick_lines(c, rng, o);
    price_order(c, rng, o);
    run_status(c, rng, o);
    if (o->coupon >= 0 && o->coupon_counted)
        c->cat.coupons[o->coupon].usage_count++;
}

/* ---- rows ---- */

void seed_order_meta(struct seed_ctx *c, uint64_t id, const char *key, const char *value)
{
    if (c->hpos)
        seed_meta(c->t.ordermeta, &c->id.ordermeta, id, key, value);
    else
        seed_meta(c->t.postmeta, &c->id.postmeta, id, key, value);
}

void seed_order_meta_cents(struct seed_ctx *c, uint64_t id, const char *key, int64_t cents)
{
    char buf[32];
    seed_fmt_cents(cents, buf, sizeof buf);
    seed_order_meta(c, id, key, buf);
}

/* wp_posts: HPOS writes a placeholder (type shop_order_placehold, status draft, no title) whose ID
 * the order takes; posts storage writes the order itself. Titles and slugs as wp_insert_post makes
 * them ("Order &ndash; Nov 05, 2025 @ 03:12 PM", "order-nov-05-2025-0312-pm", "-2" on a repeat), the
 * date in UTC (the data stores' get_post_title formats PHP's "now", which WordPress keeps in UTC). */
void seed_write_order_post(struct seed_ctx *c, uint64_t id, uint64_t parent, const char *type, const char *status,
                           int64_t created, int64_t modified, const char *password, const char *excerpt,
                           uint64_t comment_count)
{
    char guid[512], title[96] = "", name[96] = "", when[48];
    bool placeholder = c->hpos;
    const char *post_type = placeholder ? "shop_order_placehold" : type;
    snprintf(guid, sizeof guid, "%s/?post_type=%s&#038;p=%" PRIu64, c->site_url, post_type, id);
    if (!placeholder) {
        int r = strcmp(type, "shop_order") == 0 ? 0 : 1;
        int64_t minute = created / 60 - c->slug_base;
        unsigned repeat = minute >= 0 && minute < c->slug_minutes ? ++c->slug_count[r][minute] : 1;
        seed_fmt_title_date(created, when, sizeof when);
        snprintf(title, sizeof title, "%s &ndash; %s", r == 0 ? "Order" : "Refund", when);
        seed_slugify(title, name, sizeof name - 8);
        if (repeat > 1) /* wp_unique_post_slug */
            snprintf(name + strlen(name), 8, "-%u", repeat);
    }
    struct seed_post_row row = {.id = id, .author = 1, .parent = parent, .comment_count = comment_count,
                                .date = created, .modified = placeholder ? created : modified,
                                .title = title, .excerpt = placeholder ? "" : excerpt,
                                .status = placeholder ? "draft" : status, .comment_status = "closed",
                                .ping_status = "closed", .password = placeholder ? "" : password, .name = name,
                                .guid = guid, .type = post_type};
    seed_write_post(c, &row);
}

static void address_index(const struct seed_person *p, const char *email, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s %s %s %s %s %s %s %s %s%s%s %s", p->first, p->last, p->company, p->address_1,
             p->address_2, p->city, p->state, p->postcode, p->country, email ? " " : "", email ? email : "", p->phone);
}

static void hpos_address(struct seed_ctx *c, uint64_t order_id, const char *type, const struct seed_person *p,
                         const char *email)
{
    struct seed_table *t = c->t.addresses;
    seed_row_u64(t, c->id.address++);
    seed_row_u64(t, order_id);
    seed_row_str(t, type);
    seed_row_str(t, p->first);
    seed_row_str(t, p->last);
    seed_row_str(t, p->company);
    seed_row_str(t, p->address_1);
    seed_row_str(t, p->address_2);
    seed_row_str(t, p->city);
    seed_row_str(t, p->state);
    seed_row_str(t, p->postcode);
    seed_row_str(t, p->country);
    if (email)
        seed_row_str(t, email);
    else
        seed_row_null(t);
    seed_row_str(t, p->phone);
    seed_row_end(t);
}

static void date_or_null(struct seed_table *t, int64_t when)
{
    char d[SEED_DATE_LEN];
    if (when == 0) {
        seed_row_null(t);
        return;
    }
    seed_fmt_gmt(when, d);
    seed_row_str(t, d);
}

static void write_hpos_order(struct seed_ctx *c, const struct seed_order *o)
{
    struct seed_table *t = c->t.orders;
    seed_row_u64(t, o->id);
    seed_row_str(t, seed_status_key(o->status));
    seed_row_str(t, SEED_CURRENCY);
    seed_row_str(t, "shop_order");
    seed_row_cents(t, o->cart_tax);
    seed_row_cents(t, o->total);
    seed_row_u64(t, o->user_id);
    seed_row_str(t, o->email);
    date_or_null(t, o->created);
    date_or_null(t, o->modified);
    seed_row_u64(t, 0);
    seed_row_str(t, seed_payment_id(o->pay));
    seed_row_str(t, seed_payment_title(o->pay));
    seed_row_str(t, o->txn);
    seed_row_str(t, o->ip);
    seed_row_str(t, o->user_agent ? o->user_agent : "");
    seed_row_str(t, o->customer_note ? o->customer_note : "");
    seed_row_end(t);
    hpos_address(c, o->id, "billing", &o->bill, o->email);
    hpos_address(c, o->id, "shipping", &o->ship, NULL);
    t = c->t.opdata;
    seed_row_u64(t, c->id.opdata++);
    seed_row_u64(t, o->id);
    seed_row_str(t, o->admin_created ? "admin" : "checkout");
    seed_row_str(t, SEED_WC_VERSION);
    seed_row_u64(t, 0);
    seed_row_u64(t, o->coupon_counted);
    seed_row_u64(t, o->downloads_granted);
    seed_row_str(t, o->cart_hash);
    seed_row_u64(t, o->email_sent);
    seed_row_str(t, o->key);
    seed_row_u64(t, o->stock_reduced);
    date_or_null(t, o->paid);
    date_or_null(t, o->completed);
    seed_row_cents(t, o->ship_tax);
    seed_row_cents(t, o->ship_cost);
    seed_row_cents(t, o->discount_tax);
    seed_row_cents(t, o->discount);
    seed_row_u64(t, o->recorded_sales);
    seed_row_end(t);
}

static void meta_if(struct seed_ctx *c, uint64_t id, const char *key, const char *value)
{
    if (value && *value) /* update_or_delete_post_meta: '' is deleted, not stored */
        seed_order_meta(c, id, key, value);
}

static void address_meta(struct seed_ctx *c, uint64_t id, const char *kind, const struct seed_person *p,
                         const char *email)
{
    const char *values[] = {p->first, p->last, p->company, p->address_1, p->address_2, p->city,
                            p->state, p->postcode, p->country, email, p->phone};
    static const char *const fields[] = {"first_name", "last_name", "company", "address_1", "address_2", "city",
                                         "state", "postcode", "country", "email", "phone"};
    char key[40];
    for (size_t f = 0; f < N_OF(fields); f++) {
        snprintf(key, sizeof key, "_%s_%s", kind, fields[f]);
        meta_if(c, id, key, values[f]);
    }
}

static void date_meta(struct seed_ctx *c, uint64_t id, const char *stamp_key, const char *local_key, int64_t when)
{
    char d[SEED_DATE_LEN];
    if (when == 0)
        return;
    snprintf(d, sizeof d, "%" PRId64, when);
    seed_order_meta(c, id, stamp_key, d);
    seed_fmt_local(when, d);
    seed_order_meta(c, id, local_key, d);
}

static void write_posts_order_meta(struct seed_ctx *c, const struct seed_order *o)
{
    char buf[32];
    uint64_t id = o->id;
    seed_order_meta(c, id, "_order_key", o->key);
    snprintf(buf, sizeof buf, "%" PRIu64, o->user_id);
    seed_order_meta(c, id, "_customer_user", buf);
    seed_order_meta(c, id, "_payment_method", seed_payment_id(o->pay));
    seed_order_meta(c, id, "_payment_method_title", seed_payment_title(o->pay));
    meta_if(c, id, "_transaction_id", o->txn);
    meta_if(c, id, "_customer_ip_address", o->ip);
    meta_if(c, id, "_customer_user_agent", o->user_agent);
    seed_order_meta(c, id, "_created_via", o->admin_created ? "admin" : "checkout");
    meta_if(c, id, "_cart_hash", o->cart_hash);
    seed_order_meta(c, id, "_order_currency", SEED_CURRENCY);
    seed_order_meta_cents(c, id, "_cart_discount", o->discount);
    seed_order_meta_cents(c, id, "_cart_discount_tax", o->discount_tax);
    seed_order_meta_cents(c, id, "_order_shipping", o->ship_cost);
    seed_order_meta_cents(c, id, "_order_shipping_tax", o->ship_tax);
    seed_order_meta_cents(c, id, "_order_tax", o->cart_tax);
    seed_order_meta_cents(c, id, "_order_total", o->total);
    seed_order_meta(c, id, "_order_version", SEED_WC_VERSION);
    seed_order_meta(c, id, "_prices_include_tax", "no");
    date_meta(c, id, "_date_paid", "_paid_date", o->paid);
    date_meta(c, id, "_date_completed", "_completed_date", o->completed);
    seed_order_meta(c, id, "_download_permissions_granted", o->downloads_granted ? "yes" : "no");
    seed_order_meta(c, id, "_recorded_sales", o->recorded_sales ? "yes" : "no");
    seed_order_meta(c, id, "_recorded_coupon_usage_counts", o->coupon_counted ? "yes" : "no");
    seed_order_meta(c, id, "_order_stock_reduced", o->stock_reduced ? "yes" : "no");
    seed_order_meta(c, id, "_new_order_email_sent", o->email_sent ? "true" : "false");
    address_meta(c, id, "billing", &o->bill, o->email);
    address_meta(c, id, "shipping", &o->ship, NULL);
}

/* wc_downloadable_product_permissions ran when the order was paid (processing): one row per file of
 * each downloadable line, access granted that day (UTC), expiring _download_expiry days later (the
 * order was not completed yet, so the count starts that day). */
static void write_download_permissions(struct seed_ctx *c, const struct seed_order *o)
{
    if (!o->downloads_granted || o->paid == 0)
        return;
    struct seed_table *t = c->t.download_permissions;
    char granted[SEED_DATE_LEN], expires[SEED_DATE_LEN], remaining[24], id[37];
    int64_t day = o->paid - o->paid % SEED_DAY;
    seed_fmt_gmt(day, granted);
    for (unsigned i = 0; i < o->nlines; i++) {
        const struct seed_unit *u = o->lines[i].u;
        if (u->nfiles == 0)
            continue;
        if (u->download_limit < 0)
            remaining[0] = '\0';
        else
            snprintf(remaining, sizeof remaining, "%" PRId64, (int64_t)u->download_limit * o->lines[i].qty);
        if (u->download_expiry > 0)
            seed_fmt_gmt(day + u->download_expiry * SEED_DAY, expires);
        for (unsigned f = 0; f < u->nfiles; f++) {
            seed_download_id(u->id, f, id);
            seed_row_str(t, id);
            seed_row_u64(t, u->id);
            seed_row_u64(t, o->id);
            seed_row_str(t, o->key);
            seed_row_str(t, o->email);
            seed_row_u64(t, o->user_id);
            seed_row_str(t, remaining);
            seed_row_str(t, granted);
            if (u->download_expiry > 0)
                seed_row_str(t, expires);
            else
                seed_row_null(t);
            seed_row_u64(t, 0);
            seed_row_end(t);
        }
    }
}

static void write_order_rows(struct seed_ctx *c, const struct seed_order *o)
{
    char index[600];
    seed_write_order_post(c, o->id, 0, "shop_order", seed_status_key(o->status), o->created, o->modified, o->key,
                          o->customer_note ? o->customer_note : "", o->nnotes);
    if (c->hpos)
        write_hpos_order(c, o);
    else
        write_posts_order_meta(c, o);
    address_index(&o->bill, o->email, index, sizeof index);
    seed_order_meta(c, o->id, "_billing_address_index", index);
    address_index(&o->ship, NULL, index, sizeof index);
    seed_order_meta(c, o->id, "_shipping_address_index", index);
    write_download_permissions(c, o);
}

/* ---- items ---- */

static void item_row(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, const char *name, const char *type)
{
    struct seed_table *t = c->t.items;
    seed_row_u64(t, item_id);
    seed_row_str(t, name);
    seed_row_str(t, type);
    seed_row_u64(t, order_id);
    seed_row_end(t);
    c->n_items++;
}

static void imeta(struct seed_ctx *c, uint64_t item, const char *key, const char *value)
{
    seed_meta(c->t.itemmeta, &c->id.itemmeta, item, key, value);
}

static void imeta_cents(struct seed_ctx *c, uint64_t item, const char *key, int64_t cents)
{
    seed_meta_cents(c->t.itemmeta, &c->id.itemmeta, item, key, cents);
}

static void imeta_i64(struct seed_ctx *c, uint64_t item, const char *key, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    imeta(c, item, key, buf);
}

/* _line_tax_data / taxes: array('total' => array(rate_id => '1.23'), 'subtotal' => ...). Written
 * from a fixed shape for speed (millions of rows); the layout is PHP serialize()'s. */
static void tax_data(uint64_t rate_id, const int64_t *total, const int64_t *subtotal, char *out, size_t cap)
{
    char a[32], b[32];
    size_t len = 0;
    seed_ser_raw(out, cap, &len, "a:%d:{s:5:\"total\";", subtotal ? 2 : 1);
    if (total) {
        seed_fmt_cents(*total, a, sizeof a);
        seed_ser_raw(out, cap, &len, "a:1:{i:%" PRIu64 ";", rate_id);
        seed_ser_str(out, cap, &len, a);
        seed_ser_raw(out, cap, &len, "}");
    } else {
        seed_ser_raw(out, cap, &len, "a:0:{}");
    }
    if (subtotal) {
        seed_fmt_cents(*subtotal, b, sizeof b);
        seed_ser_raw(out, cap, &len, "s:8:\"subtotal\";a:1:{i:%" PRIu64 ";", rate_id);
        seed_ser_str(out, cap, &len, b);
        seed_ser_raw(out, cap, &len, "}");
    }
    seed_ser_raw(out, cap, &len, "}");
}

static const char *const color_slugs[] = {"red", "blue", "green", "black", "white", "grey"};
static const char *const size_slugs[] = {"s", "m", "l", "xl"};

void seed_write_line_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, const struct seed_line *l,
                          unsigned qty, int64_t total, int64_t subtotal, int64_t tax, int64_t subtotal_tax, int sign,
                          uint64_t refunded_item)
{
    const struct seed_unit *u = l->u;
    char buf[256];
    item_row(c, item_id, order_id, u->name, "line_item");
    imeta_i64(c, item_id, "_product_id", (int64_t)u->product_id);
    imeta_i64(c, item_id, "_variation_id", u->product_id == u->id ? 0 : (int64_t)u->id);
    imeta_i64(c, item_id, "_qty", sign * (int64_t)qty);
    imeta(c, item_id, "_tax_class", u->tax ? "reduced-rate" : "");
    imeta_cents(c, item_id, "_line_subtotal", sign * subtotal);
    imeta_cents(c, item_id, "_line_subtotal_tax", sign * subtotal_tax);
    imeta_cents(c, item_id, "_line_total", sign * total);
    imeta_cents(c, item_id, "_line_tax", sign * tax);
    int64_t t = sign * tax, st = sign * subtotal_tax;
    tax_data(c->cat.tax[u->tax].id, &t, &st, buf, sizeof buf);
    imeta(c, item_id, "_line_tax_data", buf);
    if (sign > 0 && u->color >= 0) { /* visible meta: a refund's copy of the item does not carry it */
        imeta(c, item_id, "pa_color", color_slugs[u->color]);
        imeta(c, item_id, "pa_size", size_slugs[u->size]);
    }
    if (sign > 0 && l->stock_noted)
        imeta_i64(c, item_id, "_reduced_stock", l->reduced);
    if (sign > 0 && l->restocked)
        imeta_i64(c, item_id, "_restock_refunded_items", l->restocked);
    if (refunded_item)
        imeta_i64(c, item_id, "_refunded_item_id", (int64_t)refunded_item);
}

void seed_write_shipping_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, const struct seed_order *o,
                              int sign, uint64_t refunded_item)
{
    char buf[512];
    size_t len = 0;
    item_row(c, item_id, order_id, o->free_shipping ? "Free shipping" : "Flat rate", "shipping");
    imeta(c, item_id, "method_id", o->free_shipping ? "free_shipping" : "flat_rate");
    imeta_i64(c, item_id, "instance_id",
              (int64_t)(o->free_shipping ? c->cat.free_shipping_instance : c->cat.flat_rate_instance));
    imeta_cents(c, item_id, "cost", sign * o->ship_cost);
    imeta_cents(c, item_id, "total_tax", sign * o->ship_tax);
    int64_t t = sign * o->ship_tax;
    tax_data(c->cat.tax[0].id, o->free_shipping ? NULL : &t, NULL, buf, sizeof buf);
    imeta(c, item_id, "taxes", buf);
    if (sign > 0) { /* visible meta of checkout's shipping line: a refund's copy does not carry it */
        buf[0] = '\0';
        for (unsigned i = 0; i < o->nlines; i++) {
            int n = snprintf(buf + len, sizeof buf - len, "%s%s &times; %u", i ? ", " : "", o->lines[i].u->name,
                             o->lines[i].qty);
            if (n > 0 && (size_t)n < sizeof buf - len)
                len += (size_t)n;
        }
        imeta(c, item_id, "Items", buf);
    }
    if (refunded_item)
        imeta_i64(c, item_id, "_refunded_item_id", (int64_t)refunded_item);
}

void seed_write_fee_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, int64_t fee_amount, int64_t total,
                         int64_t tax, int sign, uint64_t refunded_item)
{
    char buf[160];
    item_row(c, item_id, order_id, "Cash on delivery fee", "fee");
    imeta_cents(c, item_id, "_fee_amount", fee_amount);
    imeta(c, item_id, "_tax_class", "");
    imeta(c, item_id, "_tax_status", "taxable");
    if (sign > 0) {
        imeta_cents(c, item_id, "_line_subtotal", total);
        imeta_cents(c, item_id, "_line_subtotal_tax", tax);
    }
    imeta_cents(c, item_id, "_line_total", total);
    imeta_cents(c, item_id, "_line_tax", tax);
    tax_data(c->cat.tax[0].id, &tax, sign > 0 ? &tax : NULL, buf, sizeof buf);
    imeta(c, item_id, "_line_tax_data", buf);
    if (refunded_item)
        imeta_i64(c, item_id, "_refunded_item_id", (int64_t)refunded_item);
}

void seed_write_tax_item(struct seed_ctx *c, uint64_t item_id, uint64_t order_id, unsigned rate, int64_t tax,
                         int64_t ship_tax)
{
    const struct seed_tax_rate *r = &c->cat.tax[rate];
    item_row(c, item_id, order_id, r->code, "tax");
    imeta_i64(c, item_id, "rate_id", (int64_t)r->id);
    imeta(c, item_id, "label", r->label);
    imeta(c, item_id, "compound", "");
    imeta_cents(c, item_id, "tax_amount", tax);
    imeta_cents(c, item_id, "shipping_tax_amount", ship_tax);
    imeta_i64(c, item_id, "rate_percent", r->percent);
}

/* Checkout's order: line items, fees, shipping, taxes, coupons (WC_Checkout::create_order). */
static void write_items(struct seed_ctx *c, struct seed_order *o)
{
    for (unsigned i = 0; i < o->nlines; i++) {
        struct seed_line *l = &o->lines[i];
        l->item_id = c->id.item++;
        seed_write_line_item(c, l->item_id, o->id, l, l->qty, l->total, l->subtotal, l->tax, l->subtotal_tax, 1, 0);
    }
    if (o->fee) {
        o->fee_item = c->id.item++;
        seed_write_fee_item(c, o->fee_item, o->id, o->fee_amount, o->fee_amount, o->fee_tax, 1, 0);
    }
    o->ship_item = c->id.item++;
    seed_write_shipping_item(c, o->ship_item, o->id, o, 1, 0);
    for (unsigned r = 0; r < 2; r++) {
        if (o->tax[r] == 0 && (r != 0 || o->ship_tax == 0))
            continue;
        o->tax_items[r] = c->id.item++;
        seed_write_tax_item(c, o->tax_items[r], o->id, r, o->tax[r], r == 0 ? o->ship_tax : 0);
    }
    if (o->coupon >= 0) {
        const struct seed_coupon *k = &c->cat.coupons[o->coupon];
        o->coupon_item = c->id.item++;
        item_row(c, o->coupon_item, o->id, k->code, "coupon");
        imeta_cents(c, o->coupon_item, "discount_amount", o->discount);
        imeta_cents(c, o->coupon_item, "discount_amount_tax", o->discount_tax);
        if (o->coupon_counted) { /* WC_Coupon_Data_Store_CPT::increase_usage_count */
            char who[160];
            snprintf(who, sizeof who, "%" PRIu64, o->user_id);
            seed_meta(c->t.postmeta, &c->id.postmeta, k->id, "_used_by", o->user_id ? who : o->email);
        }
    }
}

void seed_write_notes(struct seed_ctx *c, const struct seed_order *o)
{
    char author_email[160], date[SEED_DATE_LEN], gmt[SEED_DATE_LEN];
    snprintf(author_email, sizeof author_email, "woocommerce@%s", c->host);
    for (unsigned i = 0; i < o->nnotes; i++) {
        const struct seed_note *n = &o->notes[i];
        const struct seed_account *m = &c->staff[SEED_MANAGER];
        uint64_t cid = c->id.comment++;
        struct seed_table *t = c->t.comments;
        seed_fmt_local(n->t, date);
        seed_fmt_gmt(n->t, gmt);
        seed_row_u64(t, cid);
        seed_row_u64(t, o->id);
        seed_row_str(t, n->by_manager ? m->display : "WooCommerce");
        seed_row_str(t, n->by_manager ? m->email : author_email);
        seed_row_str(t, "");
        seed_row_str(t, "");
        seed_row_str(t, date);
        seed_row_str(t, gmt);
        seed_row_str(t, n->text);
        seed_row_u64(t, 0);
        seed_row_str(t, "1");
        seed_row_str(t, "WooCommerce");
        seed_row_str(t, "order_note");
        seed_row_u64(t, 0);
        seed_row_u64(t, 0);
        seed_row_end(t);
        if (n->customer)
            seed_meta(c->t.commentmeta, &c->id.commentmeta, cid, "is_customer_note", "1");
        c->n_notes++;
    }
}

/* ---- the loop ---- */

static void progress(const struct seed_ctx *c, unsigned done, const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double s = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
    fprintf(stderr, "seed-demo: %u/%u orders, %" PRIu64 " rows loaded (%.1f s)\n", done, c->norders,
            seed_loader_rows(c->ld), s);
}

int seed_orders_generate(struct seed_ctx *c, struct seed_rng *rng)
{
    struct seed_order o;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned report_every = c->norders >= 100000 ? 100000 : c->norders;
    for (unsigned i = 0; i < c->norders; i++) {
        plan_order(c, rng, i, &o);
        if (o.status == SEED_REFUNDED || (o.status == SEED_COMPLETED && seed_rng_chance(rng, 40)))
            seed_refund_plan(c, rng, &o);
        write_order_rows(c, &o);
        write_items(c, &o);
        seed_write_notes(c, &o);
        seed_analytics_order(c, &o);
        if (o.has_refund) {
            seed_refund_write(c, &o);
            seed_analytics_refund(c, &o);
        }
        if ((i + 1) % CHUNK_ORDERS == 0 || i + 1 == c->norders) {
            if (seed_checkpoint(c, i + 1 < c->norders) != 0)
                return -1;
            if ((i + 1) % report_every == 0 || i + 1 == c->norders)
                progress(c, i + 1, &t0);
        }
    }
    return 0;
}

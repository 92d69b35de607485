/*
 * apid/order_refund.c — POST /orders/{id}/refund and the refund behind status "refunded".
 *
 * Owns what wc_create_refund() decides and writes: the checks against the order (it exists and is an
 * order, each line is one of its line items, fees or shipping lines, quantities and amounts within
 * what earlier refunds left), the refund order (post, HPOS rows or postmeta, or both when sync is
 * on), its negative items and tax lines, restocking (wc_restock_refunded_items), the parent turning
 * "refunded" when nothing is left, the analytics rows (wc_order_stats, wc_order_product_lookup,
 * wc_order_tax_lookup) the wc-admin import would write, the audit row and the REST v3 refund answer.
 * Everything happens in one transaction that starts by locking the parent order's row, so two
 * refunds of one order run one after the other and the second sees the first.
 *
 * Does not: call a payment gateway (refunded_payment stays false: a manual refund), write e-mails
 * (apid/order_mail.c queues the refund's) or parse the body (refund_request.c). Locking, notes,
 * restocking, the status change and the parent's dates are apid/order_write.c's primitives.
 */
#include "apid/order_refund.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/order_request.h"
#include "apid/order_mail.h"
#include "apid/order_write.h"
#include "apid/orders_read.h"
#include "apid/refund_request.h"
#include "common/audit.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/log.h"
#include "common/php_serialize.h"

#define MAX_RATES 16
#define REASON_FULL "Order fully refunded."
#define NOTE_STATUS_REFUNDED                                                                                           \
    "Order status set to refunded. To return funds to the customer you will need to issue a refund through your "      \
    "payment gateway."

struct rate_amt {
    uint64_t rate;
    int64_t amount;
};

/* One item of the parent order, with what earlier refunds took from it. */
struct pitem {
    uint64_t id;
    char type[16];
    char *name;
    json_t *meta; /* meta_key → first meta_value */
    int64_t qty, total, tax;
    struct rate_amt taxes[MAX_RATES];
    size_t ntaxes;
    int64_t ref_qty, ref_total, ref_tax; /* already refunded, positive */
};

struct parent {
    uint64_t id;
    struct order_locked o; /* locked by order_write_lock */
    char status[32], currency[16];
    bool prices_include_tax;
    int64_t total, refunded; /* refunded so far, positive */
    struct pitem *items;
    size_t nitems;
    int64_t line_qty; /* quantities of all line items */
};

struct rline {
    struct pitem *src;
    int64_t qty, total, tax;
    struct rate_amt taxes[MAX_RATES];
    size_t ntaxes;
    uint64_t item_id;
};

struct rtax {
    uint64_t rate;
    int64_t tax, ship_tax; /* positive here, written negative */
    const struct pitem *src;
    uint64_t item_id;
};

struct plan {
    int64_t amount;
    const char *reason;
    bool restock, full;
    uint64_t user_id;
    struct rline lines[LIMIT_REFUND_LINES];
    size_t nlines;
    struct rtax taxes[MAX_RATES];
    size_t ntaxes;
    int64_t cart_tax, ship_total, ship_tax, qty;
    uint64_t refund_id;
    struct order_clock clock;
};

/* ---- money ---------------------------------------------------------------------------------- */

/* A stored decimal ("12.5", "-3.20000000", "") as minor units, rounded as WooCommerce prints it. */
static int64_t money_db(const char *s, unsigned dp)
{
    char buf[80];
    orders_money(s ? s : "", dp, buf, sizeof buf);
    bool neg = buf[0] == '-';
    int64_t v = 0;
    for (const char *p = buf + neg; *p; p++)
        if (*p >= '0' && *p <= '9')
            v = v * 10 + (*p - '0');
    return neg ? -v : v;
}

static json_t *jmoney(int64_t v, unsigned dp)
{
    char b[40];
    refund_money_format(v, dp, b, sizeof b);
    return json_string(b);
}

static const char *meta_str(const json_t *meta, const char *key)
{
    const char *s = json_string_value(json_object_get(meta, key));
    return s ? s : "";
}

static uint64_t u64(const char *s)
{
    return s ? strtoull(s, NULL, 10) : 0;
}

/* ---- new rows: the refund order's meta, its items and their meta --------------------------------- */

/* Meta rows go in one multi-row INSERT per owner (up to META_BATCH rows): a refund is then a few
 * dozen round trips instead of a hundred. The statements' text is built once per process. */
#define META_BATCH 16
enum meta_table { META_ITEM, META_HPOS, META_POST };
static const char *const meta_insert_head[] = {
    "INSERT INTO {p}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES ",
    "INSERT INTO {p}wc_orders_meta (order_id, meta_key, meta_value) VALUES ",
    "INSERT INTO {p}postmeta (post_id, meta_key, meta_value) VALUES ",
};
static char meta_sql[3][META_BATCH + 1][128 + 10 * META_BATCH];
static pthread_once_t meta_sql_once = PTHREAD_ONCE_INIT;

static void meta_sql_build(void)
{
    for (int t = 0; t < 3; t++)
        for (int n = 1; n <= META_BATCH; n++) {
            char *o = meta_sql[t][n];
            size_t cap = sizeof meta_sql[t][n], len = (size_t)snprintf(o, cap, "%s", meta_insert_head[t]);
            for (int i = 0; i < n && len < cap; i++)
                len += (size_t)snprintf(o + len, cap - len, "%s(?, ?, ?)", i ? ", " : "");
        }
}

struct meta_batch {
    enum meta_table table;
    uint64_t owner;
    size_t n;
    const char *key[META_BATCH], *value[META_BATCH];
    char text[META_BATCH][48]; /* values formatted here */
    int rc;                    /* -1 once a flush failed */
};

static void mb_init(struct meta_batch *b, enum meta_table table, uint64_t owner)
{
    b->table = table;
    b->owner = owner;
    b->n = 0;
    b->rc = 0;
}

static void mb_flush(struct db *db, struct meta_batch *b)
{
    if (b->n == 0 || b->rc != 0)
        return;
    pthread_once(&meta_sql_once, meta_sql_build);
    struct db_value p[3 * META_BATCH];
    for (size_t i = 0; i < b->n; i++) {
        p[3 * i] = DB_UINT(b->owner);
        p[3 * i + 1] = DB_STR(b->key[i]);
        p[3 * i + 2] = DB_STR(b->value[i]);
    }
    if (db_exec(db, meta_sql[b->table][b->n], p, 3 * b->n, NULL) != 0)
        b->rc = -1;
    b->n = 0;
}

/* value must live until the next flush */
static void mb_add(struct db *db, struct meta_batch *b, const char *key, const char *value)
{
    if (b->n == META_BATCH)
        mb_flush(db, b);
    b->key[b->n] = key;
    b->value[b->n] = value;
    b->n++;
}

static void mb_money(struct db *db, struct meta_batch *b, const char *key, int64_t v, unsigned dp)
{
    if (b->n == META_BATCH)
        mb_flush(db, b);
    refund_money_format(v, dp, b->text[b->n], sizeof b->text[b->n]);
    mb_add(db, b, key, b->text[b->n]);
}

static void mb_u64(struct db *db, struct meta_batch *b, const char *key, uint64_t v)
{
    if (b->n == META_BATCH)
        mb_flush(db, b);
    snprintf(b->text[b->n], sizeof b->text[b->n], "%" PRIu64, v);
    mb_add(db, b, key, b->text[b->n]);
}

static void mb_i64(struct db *db, struct meta_batch *b, const char *key, int64_t v)
{
    if (b->n == META_BATCH)
        mb_flush(db, b);
    snprintf(b->text[b->n], sizeof b->text[b->n], "%" PRId64, v);
    mb_add(db, b, key, b->text[b->n]);
}

static int mb_done(struct db *db, struct meta_batch *b)
{
    mb_flush(db, b);
    return b->rc;
}

static int item_add(struct db *db, uint64_t order_id, const char *name, const char *type, uint64_t *item_id)
{
    struct db_value p[] = {DB_STR(name), DB_STR(type), DB_UINT(order_id)};
    struct db_exec_result r;
    if (db_exec(db, "INSERT INTO {p}woocommerce_order_items (order_item_name, order_item_type, order_id) VALUES (?, ?, ?)",
                p, 3, &r) != 0)
        return -1;
    *item_id = r.insert_id;
    return 0;
}

/* The rates and amounts of a serialized tax array's "total" part (_line_tax_data, taxes). */
static size_t parse_taxes(const char *ser, unsigned dp, struct rate_amt *out, size_t cap)
{
    if (ser == NULL || *ser == '\0')
        return 0;
    const char *err = NULL;
    json_t *v = php_unserialize(ser, strlen(ser), &err);
    if (v == NULL)
        return 0;
    json_t *tot = json_object_get(v, "total");
    size_t n = 0;
    const char *k;
    json_t *a;
    if (json_is_object(tot)) {
        json_object_foreach(tot, k, a) {
            char num[64];
            const char *s = json_string_value(a);
            if (s == NULL && json_is_number(a)) {
                snprintf(num, sizeof num, "%.10f", json_number_value(a));
                s = num;
            }
            if (s == NULL || n == cap)
                continue;
            out[n++] = (struct rate_amt){u64(k), money_db(s, dp)};
        }
    }
    json_decref(v);
    return n;
}

/* ---- reading the parent ---------------------------------------------------------------------- */

/* The locked order's money facts; prices_include_tax is not in struct order_locked. 1, or -1. */
static int fill_parent(struct db *db, const struct store_options *opt, struct parent *p)
{
    struct db_value v[] = {DB_UINT(p->id)};
    struct db_rows r;
    p->total = money_db(p->o.total, opt->price_decimals);
    snprintf(p->status, sizeof p->status, "%s", p->o.status);
    snprintf(p->currency, sizeof p->currency, "%s", p->o.currency);
    if (db_query(db,
                 opt->hpos ? "SELECT prices_include_tax = 1 FROM {p}wc_order_operational_data WHERE order_id = ?"
                           : "SELECT meta_value = 'yes' FROM {p}postmeta WHERE post_id = ? AND meta_key = '_prices_include_tax'",
                 v, 1, &r) != 0)
        return -1;
    p->prices_include_tax = r.nrows && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "1") == 0;
    db_rows_free(&r);
    return 1;
}

/* Locks the order (order_write_lock). 1 an order, 0 nothing refundable by that id, 2 the id is a
 * refund, -1 database error. */
static int lock_parent(struct db *db, const struct store_options *opt, uint64_t id, struct parent *p)
{
    memset(p, 0, sizeof *p);
    p->id = id;
    int rc = order_write_lock(db, opt, id, &p->o);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return fill_parent(db, opt, p);
    struct db_value v[] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db,
                 opt->hpos ? "SELECT type FROM {p}wc_orders WHERE id = ?" : "SELECT post_type FROM {p}posts WHERE ID = ?",
                 v, 1, &r) != 0)
        return -1;
    bool refund = r.nrows && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "shop_order_refund") == 0;
    db_rows_free(&r);
    return refund ? 2 : 0;
}

static void parent_free(struct parent *p)
{
    for (size_t i = 0; i < p->nitems; i++) {
        free(p->items[i].name);
        json_decref(p->items[i].meta);
    }
    free(p->items);
    p->items = NULL;
    p->nitems = 0;
}

static struct pitem *find_item(struct parent *p, uint64_t id)
{
    for (size_t i = 0; i < p->nitems; i++)
        if (p->items[i].id == id)
            return &p->items[i];
    return NULL;
}

static int load_items(struct db *db, const struct store_options *opt, struct parent *p)
{
    struct db_value v[] = {DB_UINT(p->id)};
    struct db_rows r;
    unsigned dp = opt->price_decimals;
    if (db_query(db,
                 "SELECT i.order_item_id, i.order_item_type, i.order_item_name, m.meta_key, m.meta_value"
                 " FROM {p}woocommerce_order_items i LEFT JOIN {p}woocommerce_order_itemmeta m"
                 " ON m.order_item_id = i.order_item_id WHERE i.order_id = ? ORDER BY i.order_item_id, m.meta_id",
                 v, 1, &r) != 0)
        return -1;
    p->items = calloc(r.nrows ? r.nrows : 1, sizeof *p->items);
    if (p->items == NULL)
        abort();
    for (size_t i = 0; i < r.nrows; i++) {
        uint64_t id = u64(db_cell(&r, i, 0));
        struct pitem *it = p->nitems ? &p->items[p->nitems - 1] : NULL;
        if (it == NULL || it->id != id) {
            it = &p->items[p->nitems++];
            it->id = id;
            snprintf(it->type, sizeof it->type, "%s", db_cell(&r, i, 1) ? db_cell(&r, i, 1) : "");
            it->name = strdup(db_cell(&r, i, 2) ? db_cell(&r, i, 2) : "");
            it->meta = json_object();
            if (it->name == NULL)
                abort();
        }
        const char *k = db_cell(&r, i, 3), *val = db_cell(&r, i, 4);
        if (k && json_object_get(it->meta, k) == NULL)
            json_object_set_new(it->meta, k, json_string(val ? val : ""));
    }
    db_rows_free(&r);
    for (size_t i = 0; i < p->nitems; i++) {
        struct pitem *it = &p->items[i];
        bool ship = strcmp(it->type, "shipping") == 0;
        it->qty = strtoll(meta_str(it->meta, "_qty"), NULL, 10);
        it->total = money_db(meta_str(it->meta, ship ? "cost" : "_line_total"), dp);
        it->tax = money_db(meta_str(it->meta, ship ? "total_tax" : "_line_tax"), dp);
        it->ntaxes = parse_taxes(meta_str(it->meta, ship ? "taxes" : "_line_tax_data"), dp, it->taxes, MAX_RATES);
        if (strcmp(it->type, "line_item") == 0)
            p->line_qty += it->qty;
    }
    return 0;
}

static const char H_REFUNDED[] =
    "SELECT COALESCE(SUM(total_amount), 0) FROM {p}wc_orders WHERE parent_order_id = ? AND type = 'shop_order_refund'";
static const char P_REFUNDED[] =
    "SELECT COALESCE(SUM(m.meta_value), 0) FROM {p}posts r JOIN {p}postmeta m ON m.post_id = r.ID"
    " AND m.meta_key = '_refund_amount' WHERE r.post_parent = ? AND r.post_type = 'shop_order_refund'";
#define REFUND_ITEMS_SQL(ids)                                                                                          \
    "SELECT rm.meta_value, m.meta_key, m.meta_value FROM {p}woocommerce_order_items ri"                                \
    " JOIN {p}woocommerce_order_itemmeta rm ON rm.order_item_id = ri.order_item_id AND rm.meta_key = '_refunded_item_id'" \
    " JOIN {p}woocommerce_order_itemmeta m ON m.order_item_id = ri.order_item_id"                                      \
    " AND m.meta_key IN ('_qty', '_line_total', 'cost', '_line_tax', 'total_tax') WHERE ri.order_id IN (" ids ")"
static const char H_REFUND_ITEMS[] =
    REFUND_ITEMS_SQL("SELECT id FROM {p}wc_orders WHERE parent_order_id = ? AND type = 'shop_order_refund'");
static const char P_REFUND_ITEMS[] =
    REFUND_ITEMS_SQL("SELECT ID FROM {p}posts WHERE post_parent = ? AND post_type = 'shop_order_refund'");

static int load_refunded(struct db *db, const struct store_options *opt, struct parent *p)
{
    struct db_value v[] = {DB_UINT(p->id)};
    struct db_rows r;
    unsigned dp = opt->price_decimals;
    if (db_query(db, opt->hpos ? H_REFUNDED : P_REFUNDED, v, 1, &r) != 0)
        return -1;
    int64_t sum = r.nrows ? money_db(db_cell(&r, 0, 0), dp) : 0;
    p->refunded = opt->hpos ? -sum : sum;
    db_rows_free(&r);
    if (db_query(db, opt->hpos ? H_REFUND_ITEMS : P_REFUND_ITEMS, v, 1, &r) != 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        struct pitem *it = find_item(p, u64(db_cell(&r, i, 0)));
        if (it == NULL)
            continue;
        const char *k = db_cell(&r, i, 1), *val = db_cell(&r, i, 2);
        if (strcmp(k, "_qty") == 0)
            it->ref_qty -= strtoll(val ? val : "0", NULL, 10);
        else if (strcmp(k, "_line_total") == 0 || strcmp(k, "cost") == 0)
            it->ref_total -= money_db(val, dp);
        else
            it->ref_tax -= money_db(val, dp);
    }
    db_rows_free(&r);
    return 0;
}

/* ---- the plan: the request checked against the order ------------------------------------------ */

static int reject(struct refund_error *err, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int reject(struct refund_error *err, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    err->status = status;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static void add_rate(struct plan *pl, const struct parent *p, uint64_t rate, int64_t tax, int64_t ship_tax)
{
    for (size_t i = 0; i < pl->ntaxes; i++)
        if (pl->taxes[i].rate == rate) {
            pl->taxes[i].tax += tax;
            pl->taxes[i].ship_tax += ship_tax;
            return;
        }
    if (pl->ntaxes == MAX_RATES)
        return;
    const struct pitem *src = NULL;
    for (size_t i = 0; i < p->nitems && src == NULL; i++)
        if (strcmp(p->items[i].type, "tax") == 0 && u64(meta_str(p->items[i].meta, "rate_id")) == rate)
            src = &p->items[i];
    pl->taxes[pl->ntaxes++] = (struct rtax){rate, tax, ship_tax, src, 0};
}

static int plan_lines(const struct store_options *opt, struct parent *p, const struct refund_request *req,
                      struct plan *pl, struct refund_error *err)
{
    unsigned dp = opt->price_decimals;
    char a[40], b[40];
    for (size_t i = 0; i < req->nlines; i++) {
        const struct refund_line_req *lr = &req->lines[i];
        struct pitem *it = find_item(p, lr->id);
        if (it == NULL || (strcmp(it->type, "line_item") != 0 && strcmp(it->type, "fee") != 0 &&
                           strcmp(it->type, "shipping") != 0))
            return reject(err, 400, "cartman_invalid_line_item",
                          "line_items[%zu]: %" PRIu64 " is not a line item, fee or shipping line of order %" PRIu64 ".",
                          i, lr->id, p->id);
        bool product = strcmp(it->type, "line_item") == 0;
        if (!product && lr->qty != 0)
            return reject(err, 400, "cartman_invalid_line_item",
                          "line_items[%zu]: a %s line has no quantity to refund.", i, it->type);
        if (lr->qty > it->qty - it->ref_qty)
            return reject(err, 400, "cartman_invalid_refund_quantity",
                          "line_items[%zu]: quantity %" PRId64 " is more than the %" PRId64 " left to refund.", i,
                          lr->qty, it->qty - it->ref_qty > 0 ? it->qty - it->ref_qty : 0);
        if (lr->total > it->total - it->ref_total) {
            refund_money_format(lr->total, dp, a, sizeof a);
            refund_money_format(it->total - it->ref_total, dp, b, sizeof b);
            return reject(err, 400, "cartman_invalid_refund_amount",
                          "line_items[%zu]: refund_total %s is more than the %s left on that line.", i, a, b);
        }
        struct rline *rl = &pl->lines[pl->nlines++];
        memset(rl, 0, sizeof *rl);
        rl->src = it;
        rl->qty = lr->qty;
        rl->total = lr->total;
        for (size_t k = 0; k < lr->ntax; k++) {
            uint64_t rate = lr->tax[k].rate_id;
            int64_t amt = lr->tax[k].amount;
            if (amt == 0)
                continue; /* array_filter drops zero taxes */
            if (rate == 0) {
                if (it->ntaxes != 1)
                    return reject(err, 400, "cartman_invalid_refund_tax",
                                  "line_items[%zu]: the line has %zu tax rates; give refund_tax as [{id, refund_total}].",
                                  i, it->ntaxes);
                rate = it->taxes[0].rate;
            }
            size_t t = 0;
            while (t < it->ntaxes && it->taxes[t].rate != rate)
                t++;
            if (t == it->ntaxes)
                return reject(err, 400, "cartman_invalid_refund_tax",
                              "line_items[%zu]: tax rate %" PRIu64 " is not charged on that line.", i, rate);
            if (amt > it->taxes[t].amount)
                return reject(err, 400, "cartman_invalid_refund_tax",
                              "line_items[%zu]: refund_tax is more than the line's tax.", i);
            rl->taxes[rl->ntaxes++] = (struct rate_amt){rate, amt};
            rl->tax += amt;
        }
        if (rl->tax > it->tax - it->ref_tax) {
            refund_money_format(rl->tax, dp, a, sizeof a);
            refund_money_format(it->tax - it->ref_tax, dp, b, sizeof b);
            return reject(err, 400, "cartman_invalid_refund_tax",
                          "line_items[%zu]: refund_tax %s is more than the %s of tax left on that line.", i, a, b);
        }
        if (rl->qty == 0 && rl->total == 0 && rl->tax == 0) { /* nothing refunded on this line: skipped */
            pl->nlines--;
            continue;
        }
        bool ship = strcmp(it->type, "shipping") == 0;
        for (size_t k = 0; k < rl->ntaxes; k++)
            add_rate(pl, p, rl->taxes[k].rate, ship ? 0 : rl->taxes[k].amount, ship ? rl->taxes[k].amount : 0);
        if (ship) {
            pl->ship_total += rl->total;
            pl->ship_tax += rl->tax;
        } else {
            pl->cart_tax += rl->tax;
        }
        if (product)
            pl->qty += rl->qty;
    }
    return 0;
}

static int plan_make(const struct store_options *opt, struct parent *p, const struct refund_request *req,
                     uint64_t user_id, struct plan *pl, struct refund_error *err)
{
    unsigned dp = opt->price_decimals;
    pl->amount = req->amount;
    pl->reason = req->reason;
    pl->restock = req->restock;
    pl->user_id = user_id;
    if (plan_lines(opt, p, req, pl, err) != 0)
        return -1;
    int64_t left = p->total - p->refunded;
    if (pl->amount > left) {
        char a[40], b[40];
        refund_money_format(pl->amount, dp, a, sizeof a);
        refund_money_format(left > 0 ? left : 0, dp, b, sizeof b);
        return reject(err, 400, "cartman_invalid_refund_amount",
                      "Invalid refund amount: %s is more than the %s left to refund on order %" PRIu64 ".", a, b, p->id);
    }
    pl->full = left - pl->amount == 0;
    return 0;
}

/* ---- writing the refund --------------------------------------------------------------------- */

/* sanitize_title of "Refund &ndash; Nov 27, 2026 @ 08:45 AM": entities go, then anything but
 * [a-z0-9 _-], spaces become dashes. */
static void slugify(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    bool dash = false;
    for (const char *s = in; *s && o + 2 < cap; s++) {
        if (*s == '&') {
            const char *semi = strchr(s, ';');
            if (semi) {
                s = semi;
                continue;
            }
        }
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            if (dash && o > 0)
                out[o++] = '-';
            dash = false;
            out[o++] = c;
        } else if (c == ' ' || c == '-') {
            dash = true;
        }
    }
    out[o] = '\0';
}

static int insert_post(struct db *db, const struct store_options *opt, struct plan *pl, uint64_t parent, bool full_post)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const struct order_clock *c = &pl->clock;
    char title[96] = "", name[120] = "";
    if (full_post) { /* the title's date is PHP's "now" in WordPress's default zone, UTC */
        struct tm tm;
        time_t now = (time_t)c->unix_ts;
        gmtime_r(&now, &tm);
        int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
        snprintf(title, sizeof title, "Refund &ndash; %s %02d, %04d @ %02d:%02d %s", months[tm.tm_mon % 12],
                 tm.tm_mday % 100, (tm.tm_year + 1900) % 10000, h12 % 100, tm.tm_min % 100,
                 tm.tm_hour < 12 ? "AM" : "PM");
        char base[100];
        slugify(title, base, sizeof base);
        snprintf(name, sizeof name, "%s", base);
        for (unsigned n = 2; n < 1000; n++) { /* wp_unique_post_slug */
            struct db_value q[] = {DB_STR(name)};
            struct db_rows r;
            if (db_query(db,
                         "SELECT 1 FROM {p}posts WHERE post_name = ? AND post_type = 'shop_order_refund' LIMIT 1", q, 1,
                         &r) != 0)
                return -1;
            size_t found = r.nrows;
            db_rows_free(&r);
            if (!found)
                break;
            snprintf(name, sizeof name, "%s-%u", base, n);
        }
    }
    struct db_value p[] = {DB_STR(c->local),
                           DB_STR(c->gmt),
                           DB_STR(title),
                           DB_STR(full_post ? pl->reason : ""),
                           DB_STR(full_post ? "wc-completed" : "draft"),
                           DB_STR(name),
                           DB_STR(c->local),
                           DB_STR(c->gmt),
                           DB_UINT(parent),
                           DB_STR(full_post ? "shop_order_refund" : "shop_order_placehold")};
    struct db_exec_result r;
    if (db_exec(db,
                "INSERT INTO {p}posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt,"
                " post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified,"
                " post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type,"
                " comment_count) VALUES (1, ?, ?, '', ?, ?, ?, 'closed', 'closed', '', ?, '', '', ?, ?, '', ?, '', 0, ?,"
                " '', 0)",
                p, 10, &r) != 0)
        return -1;
    pl->refund_id = r.insert_id;
    char guid[700];
    snprintf(guid, sizeof guid, "%s/?post_type=%s&#038;p=%" PRIu64, opt->home_url[0] ? opt->home_url : opt->site_url,
             full_post ? "shop_order_refund" : "shop_order_placehold", pl->refund_id);
    struct db_value g[] = {DB_STR(guid), DB_UINT(pl->refund_id)};
    return db_exec(db, "UPDATE {p}posts SET guid = ? WHERE ID = ?", g, 2, NULL);
}

static int write_hpos(struct db *db, const struct store_options *opt, const struct parent *p, const struct plan *pl)
{
    unsigned dp = opt->price_decimals;
    char tax[40], total[40], st[40], stax[40];
    refund_money_format(-pl->cart_tax, dp, tax, sizeof tax);
    refund_money_format(-pl->amount, dp, total, sizeof total);
    refund_money_format(-pl->ship_total, dp, st, sizeof st);
    refund_money_format(-pl->ship_tax, dp, stax, sizeof stax);
    struct db_value o[] = {DB_UINT(pl->refund_id), DB_STR(p->currency), DB_STR(tax), DB_STR(total),
                           DB_STR(pl->clock.gmt), DB_STR(pl->clock.gmt), DB_UINT(p->id)};
    if (db_exec(db,
                "INSERT INTO {p}wc_orders (id, status, currency, type, tax_amount, total_amount, date_created_gmt,"
                " date_updated_gmt, parent_order_id) VALUES (?, 'wc-completed', ?, 'shop_order_refund', ?, ?, ?, ?, ?)",
                o, 7, NULL) != 0)
        return -1;
    struct db_value d[] = {DB_UINT(pl->refund_id), DB_STR(opt->wc_version), DB_INT(p->prices_include_tax), DB_STR(stax),
                           DB_STR(st)};
    return db_exec(db,
                   "INSERT INTO {p}wc_order_operational_data (order_id, woocommerce_version, prices_include_tax,"
                   " coupon_usages_are_counted, shipping_tax_amount, shipping_total_amount, discount_tax_amount,"
                   " discount_total_amount) VALUES (?, ?, ?, 0, ?, ?, 0, 0)",
                   d, 5, NULL);
}

static int write_meta(struct db *db, const struct store_options *opt, const struct parent *p, const struct plan *pl,
                      bool hpos_table)
{
    unsigned dp = opt->price_decimals;
    struct meta_batch b;
    mb_init(&b, hpos_table ? META_HPOS : META_POST, pl->refund_id);
    if (!hpos_table) { /* WC_Order_Refund_Data_Store_CPT keeps the totals as postmeta too */
        mb_add(db, &b, "_order_currency", p->currency);
        mb_money(db, &b, "_cart_discount", 0, dp);
        mb_money(db, &b, "_cart_discount_tax", 0, dp);
        mb_money(db, &b, "_order_shipping", -pl->ship_total, dp);
        mb_money(db, &b, "_order_shipping_tax", -pl->ship_tax, dp);
        mb_money(db, &b, "_order_tax", -pl->cart_tax, dp);
        mb_money(db, &b, "_order_total", -pl->amount, dp);
        mb_add(db, &b, "_order_version", opt->wc_version);
        mb_add(db, &b, "_prices_include_tax", p->prices_include_tax ? "yes" : "no");
    }
    mb_money(db, &b, "_refund_amount", pl->amount, dp);
    mb_u64(db, &b, "_refunded_by", pl->user_id ? pl->user_id : 1);
    mb_add(db, &b, "_refunded_payment", "");
    mb_add(db, &b, "_refund_reason", pl->reason);
    mb_add(db, &b, "_refund_type", pl->full ? "full" : "partial");
    return mb_done(db, &b);
}

/* {total: {rate: "-x"}, subtotal: {...}} as WooCommerce serializes it (empty arrays when untaxed). */
static json_t *tax_map(const struct rline *rl, unsigned dp)
{
    if (rl->ntaxes == 0)
        return json_array();
    json_t *m = json_object();
    for (size_t k = 0; k < rl->ntaxes; k++) {
        char key[24];
        snprintf(key, sizeof key, "%" PRIu64, rl->taxes[k].rate);
        json_object_set_new(m, key, jmoney(-rl->taxes[k].amount, dp));
    }
    return m;
}

static char *tax_data(const struct rline *rl, unsigned dp, bool with_subtotal)
{
    json_t *root = json_object();
    json_object_set_new(root, "total", tax_map(rl, dp));
    if (with_subtotal)
        json_object_set_new(root, "subtotal", tax_map(rl, dp));
    char *s = php_serialize(root, NULL);
    json_decref(root);
    if (s == NULL)
        abort();
    return s;
}

static int write_item(struct db *db, const struct store_options *opt, const struct plan *pl, struct rline *rl)
{
    unsigned dp = opt->price_decimals;
    const struct pitem *it = rl->src;
    if (item_add(db, pl->refund_id, it->name, it->type, &rl->item_id) != 0)
        return -1;
    struct meta_batch b;
    mb_init(&b, META_ITEM, rl->item_id);
    char *td = tax_data(rl, dp, strcmp(it->type, "line_item") == 0);
    if (strcmp(it->type, "line_item") == 0) {
        mb_add(db, &b, "_product_id", meta_str(it->meta, "_product_id"));
        mb_add(db, &b, "_variation_id", meta_str(it->meta, "_variation_id"));
        mb_i64(db, &b, "_qty", -rl->qty);
        mb_add(db, &b, "_tax_class", meta_str(it->meta, "_tax_class"));
        mb_money(db, &b, "_line_subtotal", -rl->total, dp);
        mb_money(db, &b, "_line_subtotal_tax", -rl->tax, dp);
        mb_money(db, &b, "_line_total", -rl->total, dp);
        mb_money(db, &b, "_line_tax", -rl->tax, dp);
        mb_add(db, &b, "_line_tax_data", td);
    } else if (strcmp(it->type, "fee") == 0) {
        mb_add(db, &b, "_fee_amount", meta_str(it->meta, "_fee_amount"));
        mb_add(db, &b, "_tax_class", meta_str(it->meta, "_tax_class"));
        mb_add(db, &b, "_tax_status", meta_str(it->meta, "_tax_status"));
        mb_money(db, &b, "_line_total", -rl->total, dp);
        mb_money(db, &b, "_line_tax", -rl->tax, dp);
        mb_add(db, &b, "_line_tax_data", td);
    } else { /* shipping */
        mb_add(db, &b, "method_id", meta_str(it->meta, "method_id"));
        mb_add(db, &b, "instance_id", meta_str(it->meta, "instance_id"));
        mb_money(db, &b, "cost", -rl->total, dp);
        mb_money(db, &b, "total_tax", -rl->tax, dp);
        mb_add(db, &b, "taxes", td);
    }
    mb_u64(db, &b, "_refunded_item_id", it->id);
    int rc = mb_done(db, &b);
    free(td);
    return rc;
}

static int write_tax_items(struct db *db, const struct store_options *opt, struct plan *pl)
{
    unsigned dp = opt->price_decimals;
    for (size_t i = 0; i < pl->ntaxes; i++) {
        struct rtax *t = &pl->taxes[i];
        const json_t *m = t->src ? t->src->meta : NULL;
        if (item_add(db, pl->refund_id, t->src ? t->src->name : "", "tax", &t->item_id) != 0)
            return -1;
        struct meta_batch b;
        mb_init(&b, META_ITEM, t->item_id);
        mb_u64(db, &b, "rate_id", t->rate);
        mb_add(db, &b, "label", meta_str(m, "label"));
        mb_add(db, &b, "compound", meta_str(m, "compound"));
        mb_money(db, &b, "tax_amount", -t->tax, dp);
        mb_money(db, &b, "shipping_tax_amount", -t->ship_tax, dp);
        mb_add(db, &b, "rate_percent", meta_str(m, "rate_percent"));
        if (mb_done(db, &b) != 0)
            return -1;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool restocks(const struct rline *rl)
{
    return strcmp(rl->src->type, "line_item") == 0 && rl->qty != 0 &&
           strtoll(meta_str(rl->src->meta, "_reduced_stock"), NULL, 10) != 0;
}

/* The lock order every order writer keeps (order_write.c): the order row, then the posts rows of every
 * product about to change, in ascending id, before any of them is written. */
static int lock_products(struct db *db, const struct plan *pl)
{
    uint64_t ids[2 * LIMIT_REFUND_LINES] = {0};
    size_t n = 0;
    for (size_t i = 0; i < pl->nlines; i++) {
        const struct rline *rl = &pl->lines[i];
        if (!restocks(rl))
            continue;
        uint64_t product = u64(meta_str(rl->src->meta, "_product_id")), variation = u64(meta_str(rl->src->meta, "_variation_id"));
        if (product)
            ids[n++] = product;
        if (variation)
            ids[n++] = variation;
    }
    qsort(ids, n, sizeof ids[0], cmp_u64);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ids[i] == ids[i - 1])
            continue;
        struct db_value v[] = {DB_UINT(ids[i])};
        struct db_rows r;
        if (db_query(db, "SELECT ID FROM {p}posts WHERE ID = ? FOR UPDATE", v, 1, &r) != 0)
            return -1;
        db_rows_free(&r);
    }
    return 0;
}

/* wc_restock_refunded_items: line items with a refunded quantity whose _reduced_stock is set (a
 * "0" is PHP-falsy, so skipped too); order_write_item_restock does the stock, the item meta and the
 * note. */
static int restock(struct db *db, const struct store_options *opt, struct parent *p, struct plan *pl)
{
    if (lock_products(db, pl) != 0)
        return -1;
    for (size_t i = 0; i < pl->nlines; i++) {
        const struct rline *rl = &pl->lines[i];
        if (!restocks(rl))
            continue;
        if (order_write_item_restock(db, opt, &p->o, rl->src->id, (long long)rl->qty, &pl->clock) != 0)
            return -1;
    }
    return 0;
}

/* The rows the wc-admin import (Orders\Stats, Products, Taxes data stores) writes for a refund, then
 * order_write_stats: the parent's row, its refunds' status, the reports cache version the import
 * bumps. Skipped when the parent has no stats row (the store has not imported it either). */
static int write_analytics(struct db *db, const struct store_options *opt, const struct parent *p,
                           const struct plan *pl, const char *parent_status)
{
    struct db_value v[] = {DB_UINT(p->id)};
    struct db_rows r;
    if (db_query(db, "SELECT customer_id FROM {p}wc_order_stats WHERE order_id = ?", v, 1, &r) != 0)
        return -1;
    bool has = r.nrows > 0;
    uint64_t customer = has ? u64(db_cell(&r, 0, 0)) : 0;
    db_rows_free(&r);
    if (!has)
        return 0;
    double scale = 1.0;
    for (unsigned i = 0; i < opt->price_decimals && i < 8; i++)
        scale *= 10.0;
    int64_t tax = pl->cart_tax + pl->ship_tax;
    const struct order_clock *c = &pl->clock;
    struct db_value s[] = {DB_UINT(pl->refund_id),
                           DB_UINT(p->id),
                           DB_STR(c->local),
                           DB_STR(c->gmt),
                           DB_STR(c->local),
                           DB_STR(c->local),
                           DB_INT(-pl->qty),
                           DB_DOUBLE((double)-pl->amount / scale),
                           DB_DOUBLE((double)-tax / scale),
                           DB_DOUBLE((double)-pl->ship_total / scale),
                           DB_DOUBLE((double)(-pl->amount + tax + pl->ship_total) / scale),
                           DB_STR(parent_status),
                           DB_UINT(customer)};
    if (db_exec(db,
                "REPLACE INTO {p}wc_order_stats (order_id, parent_id, date_created, date_created_gmt, date_paid,"
                " date_completed, num_items_sold, total_sales, tax_total, shipping_total, net_total, returning_customer,"
                " status, customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                s, 13, NULL) != 0)
        return -1;
    for (size_t i = 0; i < pl->nlines; i++) {
        const struct rline *rl = &pl->lines[i];
        if (strcmp(rl->src->type, "line_item") != 0)
            continue;
        double share = p->line_qty > 0 ? (double)rl->qty / (double)p->line_qty : 0.0;
        double ship = (double)pl->ship_total * share / scale, ship_tax = (double)pl->ship_tax * share / scale;
        double net = (double)rl->total / scale, ltax = (double)rl->tax / scale;
        uint64_t product = u64(meta_str(rl->src->meta, "_product_id"));
        uint64_t variation = u64(meta_str(rl->src->meta, "_variation_id"));
        struct db_value pr[] = {DB_UINT(rl->item_id), DB_UINT(pl->refund_id), DB_UINT(product), DB_UINT(variation),
                                DB_UINT(customer),    DB_STR(c->local),      DB_INT(-rl->qty), DB_DOUBLE(-net),
                                DB_DOUBLE(-(net + ltax + ship + ship_tax)),  DB_DOUBLE(-ltax), DB_DOUBLE(-ship),
                                DB_DOUBLE(-ship_tax)};
        if (db_exec(db,
                    "REPLACE INTO {p}wc_order_product_lookup (order_item_id, order_id, product_id, variation_id,"
                    " customer_id, date_created, product_qty, product_net_revenue, product_gross_revenue, coupon_amount,"
                    " tax_amount, shipping_amount, shipping_tax_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                    pr, 12, NULL) != 0)
            return -1;
    }
    for (size_t i = 0; i < pl->ntaxes; i++) {
        const struct rtax *t = &pl->taxes[i];
        struct db_value tx[] = {DB_UINT(pl->refund_id), DB_UINT(t->rate), DB_STR(c->local),
                                DB_DOUBLE((double)-t->ship_tax / scale), DB_DOUBLE((double)-t->tax / scale),
                                DB_DOUBLE((double)-(t->tax + t->ship_tax) / scale)};
        if (db_exec(db,
                    "REPLACE INTO {p}wc_order_tax_lookup (order_id, tax_rate_id, date_created, shipping_tax, order_tax,"
                    " total_tax) VALUES (?, ?, ?, ?, ?, ?)",
                    tx, 6, NULL) != 0)
            return -1;
    }
    /* the import re-imports the parent with its refunds and invalidates the reports cache */
    return order_write_stats(db, opt, &p->o);
}

/* Everything wc_create_refund writes, in the caller's transaction. set_status: the parent turns
 * refunded here when fully refunded (false when the caller is the status change itself). */
static int refund_write(struct db *db, const struct store_options *opt, struct parent *p, struct plan *pl,
                        bool set_status, const char *extra_note)
{
    bool hpos_rows = opt->hpos || opt->hpos_sync, post_rows = !opt->hpos || opt->hpos_sync;
    if (insert_post(db, opt, pl, p->id, post_rows) != 0)
        return -1;
    if (hpos_rows && (write_hpos(db, opt, p, pl) != 0 || write_meta(db, opt, p, pl, true) != 0))
        return -1;
    if (post_rows && write_meta(db, opt, p, pl, false) != 0)
        return -1;
    for (size_t i = 0; i < pl->nlines; i++)
        if (write_item(db, opt, pl, &pl->lines[i]) != 0)
            return -1;
    if (write_tax_items(db, opt, pl) != 0)
        return -1;
    if (pl->restock && restock(db, opt, p, pl) != 0)
        return -1;
    if (extra_note && order_write_add_note(db, opt, p->id, extra_note, false, 0, &pl->clock, NULL) != 0)
        return -1;
    if (write_analytics(db, opt, p, pl, p->o.status) != 0)
        return -1;
    /* $order->set_date_modified(time()); $order->save(); and, when nothing is left,
     * $order->update_status('refunded') (a system note, not the user's) */
    int rc = set_status && pl->full && strcmp(p->o.status, "wc-refunded") != 0
                 ? order_write_set_status(db, opt, &p->o, "refunded", NULL, 0, &pl->clock, NULL)
                 : order_write_touch(db, opt, &p->o, &pl->clock);
    if (rc != 0)
        return -1;
    /* woocommerce_order_fully_refunded / _partially_refunded: the customer's e-mail, in this transaction */
    return order_mail_refund(db, opt, p->id, pl->refund_id, !pl->full);
}

/* ---- the answer ----------------------------------------------------------------------------- */

static json_t *taxes_json(const struct rline *rl, unsigned dp, bool subtotal)
{
    json_t *a = json_array();
    for (size_t k = 0; k < rl->ntaxes; k++) {
        json_t *t = json_object();
        json_object_set_new(t, "id", json_integer((json_int_t)rl->taxes[k].rate));
        json_object_set_new(t, "total", jmoney(-rl->taxes[k].amount, dp));
        if (subtotal)
            json_object_set_new(t, "subtotal", jmoney(-rl->taxes[k].amount, dp));
        json_array_append_new(a, t);
    }
    return a;
}

static json_t *refund_json(const struct store_options *opt, const struct plan *pl)
{
    unsigned dp = opt->price_decimals;
    double scale = 1.0;
    for (unsigned i = 0; i < dp && i < 8; i++)
        scale *= 10.0;
    char local[20], gmt[20];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)pl->refund_id));
    if (orders_gmt_to_store(opt, pl->clock.gmt, local, gmt) == 0) {
        json_object_set_new(o, "date_created", json_string(local));
        json_object_set_new(o, "date_created_gmt", json_string(gmt));
    }
    json_object_set_new(o, "amount", jmoney(pl->amount, dp));
    json_object_set_new(o, "reason", json_string(pl->reason));
    json_object_set_new(o, "refunded_by", json_integer((json_int_t)(pl->user_id ? pl->user_id : 1)));
    json_object_set_new(o, "refunded_payment", json_false());
    json_object_set_new(o, "meta_data", json_array());
    json_t *lines = json_array(), *fees = json_array(), *ships = json_array(), *taxes = json_array();
    for (size_t i = 0; i < pl->nlines; i++) {
        const struct rline *rl = &pl->lines[i];
        const struct pitem *it = rl->src;
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer((json_int_t)rl->item_id));
        if (strcmp(it->type, "line_item") == 0) {
            json_object_set_new(j, "name", json_string(it->name));
            json_object_set_new(j, "product_id", json_integer((json_int_t)u64(meta_str(it->meta, "_product_id"))));
            json_object_set_new(j, "variation_id", json_integer((json_int_t)u64(meta_str(it->meta, "_variation_id"))));
            json_object_set_new(j, "quantity", json_integer(-rl->qty));
            json_object_set_new(j, "tax_class", json_string(meta_str(it->meta, "_tax_class")));
            json_object_set_new(j, "subtotal", jmoney(-rl->total, dp));
            json_object_set_new(j, "subtotal_tax", jmoney(-rl->tax, dp));
            json_object_set_new(j, "total", jmoney(-rl->total, dp));
            json_object_set_new(j, "total_tax", jmoney(-rl->tax, dp));
            json_object_set_new(j, "taxes", taxes_json(rl, dp, true));
            json_object_set_new(j, "meta_data", json_array());
            json_object_set_new(j, "price", json_real(rl->qty ? -(double)rl->total / scale / (double)rl->qty : 0.0));
            json_object_set_new(j, "refund_total", json_real((double)rl->total / scale));
            json_object_set_new(j, "refunded_item_id", json_integer((json_int_t)it->id));
            json_array_append_new(lines, j);
        } else {
            bool ship = strcmp(it->type, "shipping") == 0;
            json_object_set_new(j, ship ? "method_title" : "name", json_string(it->name));
            if (ship)
                json_object_set_new(j, "method_id", json_string(meta_str(it->meta, "method_id")));
            json_object_set_new(j, "total", jmoney(-rl->total, dp));
            json_object_set_new(j, "total_tax", jmoney(-rl->tax, dp));
            json_object_set_new(j, "taxes", taxes_json(rl, dp, false));
            json_object_set_new(j, "refunded_item_id", json_integer((json_int_t)it->id));
            json_array_append_new(ship ? ships : fees, j);
        }
    }
    for (size_t i = 0; i < pl->ntaxes; i++) {
        const struct rtax *t = &pl->taxes[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer((json_int_t)t->item_id));
        json_object_set_new(j, "rate_code", json_string(t->src ? t->src->name : ""));
        json_object_set_new(j, "rate_id", json_integer((json_int_t)t->rate));
        json_object_set_new(j, "tax_total", jmoney(-t->tax, dp));
        json_object_set_new(j, "shipping_tax_total", jmoney(-t->ship_tax, dp));
        json_array_append_new(taxes, j);
    }
    json_object_set_new(o, "line_items", lines);
    json_object_set_new(o, "shipping_lines", ships);
    json_object_set_new(o, "fee_lines", fees);
    json_object_set_new(o, "tax_lines", taxes);
    json_object_set_new(o, "restock", json_boolean(pl->restock));
    return o;
}

/* ---- entry points --------------------------------------------------------------------------- */

static void audit(struct http_call *call, struct db *db, const struct apid_identity *who, uint64_t order_id,
                  const char *result, json_t *detail)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, order_id);
    struct audit_event e = {.event = "order.refund",
                            .result = result,
                            .user_id = who->user_id,
                            .client_id = who->client_id && *who->client_id ? who->client_id : NULL,
                            .ip = http_client_addr(call),
                            .object_type = "order",
                            .object_id = oid,
                            .detail = detail};
    audit_write(db, &e);
    json_decref(detail);
}

static bool refundable_status(const char *s)
{
    return strcmp(s, "trash") != 0 && strcmp(s, "auto-draft") != 0 && strcmp(s, "draft") != 0 &&
           strcmp(s, "wc-checkout-draft") != 0;
}

#define REFUND_ATTEMPTS 3 /* a transaction the server aborted as a deadlock is run again */

enum attempt { DONE, REFUSED, DB_ERROR, RETRY };

static bool deadlocked(const struct db *db)
{
    return strstr(db_error(db), "Deadlock found") != NULL;
}

/* One transaction: lock, read, check, write, commit. Rolled back unless DONE. *p is the caller's (the
 * plan's lines point into its items): freed here before it is filled again, by the caller at the end. */
static enum attempt refund_once(struct db *db, const struct store_options *opt, uint64_t id,
                                const struct refund_request *req, uint64_t user_id, struct parent *pp,
                                struct plan *pl, struct refund_error *err)
{
    struct parent *p = pp;
    enum attempt res = DB_ERROR;
    parent_free(p);
    memset(p, 0, sizeof *p);
    memset(pl, 0, sizeof *pl);
    order_write_clock(opt, &pl->clock);
    if (db_begin(db) != 0)
        return DB_ERROR;
    int rc = lock_parent(db, opt, id, p);
    if (rc < 0)
        goto rollback;
    res = REFUSED;
    if (rc == 0) {
        reject(err, 404, "cartman_order_invalid_id", "Invalid ID.");
        goto rollback;
    }
    if (rc == 2) {
        reject(err, 400, "cartman_refund_of_refund", "%" PRIu64 " is a refund; only orders can be refunded.", id);
        goto rollback;
    }
    if (!refundable_status(p->status)) {
        reject(err, 400, "cartman_order_not_refundable", "An order in status %s cannot be refunded.", p->status);
        goto rollback;
    }
    res = DB_ERROR;
    if (load_items(db, opt, p) != 0 || load_refunded(db, opt, p) != 0)
        goto rollback;
    if (plan_make(opt, p, req, user_id, pl, err) != 0) {
        res = REFUSED;
        goto rollback;
    }
    if (refund_write(db, opt, p, pl, true, NULL) != 0 || db_commit(db) != 0)
        goto rollback;
    return DONE;
rollback:
    if (res == DB_ERROR && deadlocked(db))
        res = RETRY;
    db_rollback(db);
    return res;
}

int order_refund_post(struct http_call *call, const struct apid_identity *who)
{
    uint64_t id;
    if (!order_request_id_or_reply(call, "Invalid ID.", &id))
        return 0;
    struct store_options opt;
    struct db *db = daemon_store_or_reply(call, &opt);
    if (db == NULL)
        return 0;
    struct refund_request *req = calloc(1, sizeof *req);
    struct plan *pl = calloc(1, sizeof *pl);
    if (req == NULL || pl == NULL)
        abort();
    struct refund_error err = {0};
    struct parent p = {0};
    enum attempt res = REFUSED;
    if (refund_request_parse(call->req->entity.base, call->req->entity.len, opt.price_decimals, req, &err) == 0) {
        for (int attempt = 1; attempt <= REFUND_ATTEMPTS; attempt++) {
            res = refund_once(db, &opt, id, req, who->user_id, &p, pl, &err);
            if (res != RETRY)
                break;
            log_warn("refund: order %" PRIu64 ": deadlock, attempt %d of %d", id, attempt, REFUND_ATTEMPTS);
        }
    }
    if (res == DONE) {
        char amount[40];
        refund_money_format(pl->amount, opt.price_decimals, amount, sizeof amount);
        audit(call, db, who, id, "ok",
              json_pack("{s:I, s:s, s:b, s:i, s:b}", "refund_id", (json_int_t)pl->refund_id, "amount", amount,
                        "restock", pl->restock, "line_items", (int)pl->nlines, "fully_refunded", pl->full));
        http_reply_no_store(call->req);
        http_reply_json(call->req, 201, refund_json(&opt, pl));
    } else if (res == REFUSED) {
        audit(call, db, who, id, "denied", json_pack("{s:s}", "reason", err.code));
        http_reply_error(call->req, err.status, err.code, err.message);
    } else {
        log_warn("refund: order %" PRIu64 ": database error: %s", id, db_error(db));
        audit(call, db, who, id, "error", NULL);
        http_reply_error(call->req, 503, "cartman_db_unavailable",
                         "The refund could not be saved; nothing was changed. Try again.");
    }
    parent_free(&p);
    free(req);
    free(pl);
    return 0;
}

int order_refund_remaining(struct db *db, const struct store_options *opt, struct order_locked *o, uint64_t user_id,
                           const struct order_clock *now, uint64_t *refund_id)
{
    *refund_id = 0;
    struct plan *pl = calloc(1, sizeof *pl);
    if (pl == NULL)
        abort();
    struct parent p = {0};
    p.id = o->id;
    p.o = *o;
    int rc = -1;
    if (fill_parent(db, opt, &p) != 1 || load_items(db, opt, &p) != 0 || load_refunded(db, opt, &p) != 0)
        goto out;
    rc = 0;
    if (p.total - p.refunded <= 0) /* wc_order_fully_refunded: nothing left, nothing to do */
        goto out;
    pl->clock = *now;
    pl->amount = p.total - p.refunded;
    pl->reason = REASON_FULL;
    pl->full = true;
    pl->user_id = user_id;
    rc = refund_write(db, opt, &p, pl, false, NOTE_STATUS_REFUNDED);
    if (rc != 0)
        goto out;
    *refund_id = pl->refund_id;
    char oid[24], amount[40];
    snprintf(oid, sizeof oid, "%" PRIu64, o->id);
    refund_money_format(pl->amount, opt->price_decimals, amount, sizeof amount);
    json_t *d = json_pack("{s:I, s:s, s:s}", "refund_id", (json_int_t)pl->refund_id, "amount", amount, "via", "status");
    struct audit_event e = {.event = "order.refund", .result = "ok", .user_id = user_id, .object_type = "order",
                            .object_id = oid, .detail = d};
    audit_write(db, &e);
    json_decref(d);
out:
    parent_free(&p);
    free(pl);
    return rc;
}

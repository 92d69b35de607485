/*
 * apid/transactions.c — GET /transactions.
 *
 * Owns: what counts as a transaction and the SQL that lists them from whichever order storage is
 * authoritative. A payment is an order (type shop_order, not trashed or a draft) whose payment date
 * is set — WooCommerce sets date_paid once, when the payment completes, and never clears it — dated
 * at that moment, for the order's total. A refund is a refund order (shop_order_refund) of an order
 * that is not trashed, dated at its creation, for its amount (positive), with the refunded order's
 * payment method and gateway transaction ID. Both share the order ID space, so `id` is unique.
 * Filters, paging headers, dates and money come from apid/orders_read.c.
 * Does not: write anything, or read gateway data that WooCommerce does not store.
 *
 * Queries: a page is one statement: each kind contributes the keys of its newest page*per_page rows
 * in date order (HPOS payments walk the index cartman_date_paid of authd migration 4, refunds
 * type_status_date), the union of keys is sorted and cut, and the page's rows are joined last. The total is a COUNT (about 0.5 s on 100,000
 * orders: it joins every paid order to check its type and status), skipped when the page itself ends
 * the list, and under HPOS cached per thread until an order is created or changed (see apid/count_cache.h). Under posts storage the payment date is the _date_paid meta (Unix
 * time, not indexed as a number): lists there scan the store's _date_paid rows.
 */
#include "apid/transactions.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/count_cache.h"
#include "apid/orders_read.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/json_out.h"
#include "common/log.h"

/* Every list first picks the page's keys (id, order_id, kind, at) from the candidates of each kind,
 * sorted in memory (keys only: no TEXT column forces an on-disk temporary table), and only then joins
 * the page's rows for their columns. */
#define PAGE " LIMIT ? OFFSET ?"
#define SORTED(parts) "SELECT * FROM (" parts ") u ORDER BY u.at DESC, u.id DESC" PAGE

/* ---- HPOS ---------------------------------------------------------------------------------------- */

#define H_PAY_FROM                                                                                                  \
    " FROM {p}wc_order_operational_data d JOIN {p}wc_orders o ON o.id = d.order_id"                                \
    " WHERE d.date_paid_gmt > ? AND d.date_paid_gmt < ? AND o.type = 'shop_order'"                                \
    " AND o.status NOT IN ('trash', 'auto-draft', 'draft', 'wc-checkout-draft')"
#define H_PAY                                                                                                       \
    "SELECT d.order_id AS id, d.order_id AS order_id, 'payment' AS kind, d.date_paid_gmt AS at" H_PAY_FROM        \
    " ORDER BY d.date_paid_gmt DESC, d.order_id DESC"
#define H_REF_FROM                                                                                                  \
    " FROM {p}wc_orders r JOIN {p}wc_orders p ON p.id = r.parent_order_id WHERE r.type = 'shop_order_refund'"      \
    " AND r.date_created_gmt > ? AND r.date_created_gmt < ? AND p.status <> 'trash'"
#define H_REF "SELECT r.id AS id, r.parent_order_id AS order_id, 'refund' AS kind, r.date_created_gmt AS at" H_REF_FROM
/* WooCommerce gives every refund the status completed: those come from type_status_date in date order
 * (no sort), any others (none in WooCommerce itself) are sorted apart */
#define H_REF_DONE "(" H_REF " AND r.status = 'wc-completed' ORDER BY r.date_created_gmt DESC, r.id DESC LIMIT ?)"
#define H_REF_OTHER "(" H_REF " AND r.status <> 'wc-completed' ORDER BY r.date_created_gmt DESC, r.id DESC LIMIT ?)"
/* o: the transaction's own row (order or refund); p: the order paid (for a payment, o itself) */
#define H_ROWS(keys)                                                                                                \
    "SELECT o.id, t.order_id, t.kind, o.total_amount, COALESCE(NULLIF(o.currency, ''), p.currency),"               \
    " p.payment_method, p.payment_method_title, p.transaction_id, t.at, o.status FROM (" keys ") t"                \
    " JOIN {p}wc_orders o ON o.id = t.id JOIN {p}wc_orders p ON p.id = t.order_id ORDER BY t.at DESC, t.id DESC"

static const char *const H_LIST[3] = {
    H_ROWS(SORTED("(" H_PAY " LIMIT ?) UNION ALL " H_REF_DONE " UNION ALL " H_REF_OTHER)),
    H_ROWS(H_PAY PAGE),
    H_ROWS(SORTED(H_REF_DONE " UNION ALL " H_REF_OTHER)),
};
static const char *const H_COUNT[3] = {"SELECT (SELECT COUNT(*)" H_PAY_FROM ") + (SELECT COUNT(*)" H_REF_FROM ")",
                                       "SELECT COUNT(*)" H_PAY_FROM, "SELECT COUNT(*)" H_REF_FROM};

/* ---- posts --------------------------------------------------------------------------------------- */

/* keys: id, order_id, kind, at (Unix time) */
#define P_PAY_FROM                                                                                                  \
    " FROM {p}postmeta pm JOIN {p}posts o ON o.ID = pm.post_id WHERE pm.meta_key = '_date_paid'"                   \
    " AND CAST(pm.meta_value AS UNSIGNED) > ? AND CAST(pm.meta_value AS UNSIGNED) < ? AND o.post_type = 'shop_order'" \
    " AND o.post_status NOT IN ('trash', 'auto-draft', 'draft', 'wc-checkout-draft')"
#define P_PAY                                                                                                       \
    "SELECT o.ID AS id, o.ID AS order_id, 'payment' AS kind, CAST(pm.meta_value AS UNSIGNED) AS at" P_PAY_FROM     \
    " ORDER BY 4 DESC, 1 DESC"
#define P_REF_FROM                                                                                                  \
    " FROM {p}posts r JOIN {p}posts p ON p.ID = r.post_parent WHERE r.post_type = 'shop_order_refund'"             \
    " AND r.post_date_gmt > ? AND r.post_date_gmt < ? AND p.post_status <> 'trash'"
#define P_REF                                                                                                       \
    "SELECT r.ID AS id, r.post_parent AS order_id, 'refund' AS kind,"                                              \
    " TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', r.post_date_gmt) AS at" P_REF_FROM " ORDER BY 4 DESC, 1 DESC"
#define META(id, key) "(SELECT meta_value FROM {p}postmeta WHERE post_id = " id " AND meta_key = " key " LIMIT 1)"
#define P_ROWS(keys)                                                                                                \
    "SELECT t.id, t.order_id, t.kind, IF(t.kind = 'payment', " META("t.id", "'_order_total'") ", "                 \
    META("t.id", "'_refund_amount'") "), COALESCE(" META("t.id", "'_order_currency'") ", "                          \
    META("t.order_id", "'_order_currency'") "), " META("t.order_id", "'_payment_method'") ", "                      \
    META("t.order_id", "'_payment_method_title'") ", " META("t.order_id", "'_transaction_id'") ", t.at,"           \
    " o.post_status FROM (" keys ") t JOIN {p}posts o ON o.ID = t.id ORDER BY t.at DESC, t.id DESC"
static const char *const P_LIST[3] = {
    P_ROWS(SORTED("(" P_PAY " LIMIT ?) UNION ALL (" P_REF " LIMIT ?)")),
    P_ROWS(P_PAY PAGE),
    P_ROWS(P_REF PAGE),
};
static const char *const P_COUNT[3] = {"SELECT (SELECT COUNT(*)" P_PAY_FROM ") + (SELECT COUNT(*)" P_REF_FROM ")",
                                       "SELECT COUNT(*)" P_PAY_FROM, "SELECT COUNT(*)" P_REF_FROM};

/* ---- filters ------------------------------------------------------------------------------------- */

static int64_t epoch_of(const char *gmt)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(gmt, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

int transactions_filter_parse(const struct transactions_args *a, const struct store_options *opt,
                              struct transactions_filter *f, int *status, const char **code, const char **message)
{
    memset(f, 0, sizeof *f);
    *status = 400;
    *code = "rest_invalid_param";
    if (orders_paging_parse(a->page, a->per_page, &f->page, &f->per_page, message) != 0)
        return -1;
    *code = "cartman_invalid_param";
    f->type = TRANSACTIONS_ALL;
    if (a->type && *a->type && strcmp(a->type, "any") != 0) {
        if (strcmp(a->type, "payment") == 0) {
            f->type = TRANSACTIONS_PAYMENTS;
        } else if (strcmp(a->type, "refund") == 0) {
            f->type = TRANSACTIONS_REFUNDS;
        } else {
            *message = "Invalid parameter(s): type (payment or refund)";
            return -1;
        }
    }
    snprintf(f->after_gmt, sizeof f->after_gmt, "1000-01-01 00:00:00");
    snprintf(f->before_gmt, sizeof f->before_gmt, "9999-12-31 23:59:59");
    if (a->after && orders_parse_date_gmt(opt, a->after, f->after_gmt) != 0) {
        *message = "Invalid parameter(s): after";
        return -1;
    }
    if (a->before && orders_parse_date_gmt(opt, a->before, f->before_gmt) != 0) {
        *message = "Invalid parameter(s): before";
        return -1;
    }
    if (strcmp(f->after_gmt, f->before_gmt) >= 0) {
        *message = "Invalid parameter(s): after is not earlier than before";
        return -1;
    }
    f->after_epoch = epoch_of(f->after_gmt);
    if (f->after_epoch < 0)
        f->after_epoch = 0; /* a payment date is a positive Unix time */
    f->before_epoch = epoch_of(f->before_gmt);
    return 0;
}

/* ---- totals -------------------------------------------------------------------------------------- */

/* Totals under HPOS are kept in apid/count_cache while no order was created or changed (highest id,
 * latest date_updated_gmt: WooCommerce bumps it on every order save, and a refund is an order) and for
 * at most COUNT_CACHE_TTL_S; a permanent delete of an older order shows within the TTL. Under posts
 * storage (no index on post_modified_gmt) totals are always counted. */
static const char SQL_FP[] = "SELECT MAX(id), MAX(date_updated_gmt), UTC_TIMESTAMP() FROM {p}wc_orders";

/* true with fp set when a total counted now may be cached */
static bool fingerprint(struct db *db, char *fp, size_t cap)
{
    struct db_rows r;
    if (db_query(db, SQL_FP, NULL, 0, &r) != 0 || r.nrows != 1)
        return false;
    const char *maxid = db_cell(&r, 0, 0), *upd = db_cell(&r, 0, 1), *now = db_cell(&r, 0, 2);
    /* a write in the same second as the latest one would leave the fingerprint as it is */
    bool ok = maxid && upd && now && epoch_of(now) - epoch_of(upd) >= 2;
    if (ok)
        snprintf(fp, cap, "%s|%s", maxid, upd);
    db_rows_free(&r);
    return ok;
}


/* ---- reading ------------------------------------------------------------------------------------- */

static void put_str(struct json_out *w, const char *key, const char *v)
{
    json_out_key(w, key);
    json_out_string(w, v ? v : "");
}

static void row_json(const struct db_rows *r, size_t i, const struct store_options *opt, struct json_out *w)
{
    const char *kind = db_cell(r, i, 2);
    bool refund = kind && strcmp(kind, "refund") == 0;
    json_out_object_open(w);
    json_out_key(w, "id");
    json_out_uint(w, strtoull(db_cell(r, i, 0) ? db_cell(r, i, 0) : "0", NULL, 10));
    json_out_key(w, "order_id");
    json_out_uint(w, strtoull(db_cell(r, i, 1) ? db_cell(r, i, 1) : "0", NULL, 10));
    put_str(w, "type", refund ? "refund" : "payment");
    const char *amt = db_cell(r, i, 3);
    if (refund && opt->hpos && amt) /* HPOS keeps a refund's total negative; the amount refunded is positive */
        amt = amt[0] == '-' ? amt + 1 : "0";
    char money[64];
    orders_money(amt, opt->price_decimals, money, sizeof money);
    put_str(w, "amount", money);
    const char *cur = db_cell(r, i, 4);
    put_str(w, "currency", cur && *cur ? cur : opt->currency);
    put_str(w, "payment_method", db_cell(r, i, 5));
    put_str(w, "payment_method_title", db_cell(r, i, 6));
    put_str(w, "transaction_id", db_cell(r, i, 7));
    const char *at = db_cell(r, i, 8);
    char gmt[20] = "", local[20], gout[20];
    if (at && !opt->hpos) { /* posts: Unix time */
        time_t t = (time_t)strtoll(at, NULL, 10);
        struct tm g;
        gmtime_r(&t, &g);
        strftime(gmt, sizeof gmt, "%Y-%m-%d %H:%M:%S", &g);
        at = gmt;
    }
    bool ok = at && orders_gmt_to_store(opt, at, local, gout) == 0;
    json_out_key(w, "date");
    json_out_string_or_null(w, ok ? local : NULL);
    json_out_key(w, "date_gmt");
    json_out_string_or_null(w, ok ? gout : NULL);
    const char *st = db_cell(r, i, 9);
    if (st && strncmp(st, "wc-", 3) == 0)
        st += 3;
    put_str(w, "status", st);
    json_out_object_close(w);
}

int transactions_read(struct db *db, const struct store_options *opt, const struct transactions_filter *f,
                      struct json_out *w, uint64_t *total)
{
    struct db_value p[12];
    size_t n = 0, nf;
    unsigned long long offset = (unsigned long long)(f->page - 1) * f->per_page;
    struct db_value lo = opt->hpos ? DB_STR(f->after_gmt) : DB_INT(f->after_epoch);
    struct db_value hi = opt->hpos ? DB_STR(f->before_gmt) : DB_INT(f->before_epoch);
    struct db_value rlo = DB_STR(f->after_gmt), rhi = DB_STR(f->before_gmt), k = DB_UINT(offset + f->per_page);
    if (f->type != TRANSACTIONS_REFUNDS) {
        p[n++] = lo;
        p[n++] = hi;
        if (f->type == TRANSACTIONS_ALL)
            p[n++] = k;
    }
    if (f->type != TRANSACTIONS_PAYMENTS) {
        /* HPOS: completed refunds, then the others; posts: all refunds */
        for (int part = 0; part < (opt->hpos ? 2 : 1); part++) {
            p[n++] = rlo;
            p[n++] = rhi;
            if (f->type == TRANSACTIONS_ALL || opt->hpos)
                p[n++] = k;
        }
    }
    p[n++] = DB_UINT(f->per_page);
    p[n++] = DB_UINT(offset);
    struct db_rows r;
    const char *sql = opt->hpos ? H_LIST[f->type] : P_LIST[f->type];
    if (db_query(db, sql, p, n, &r) != 0) {
        log_warn("transactions: list query failed: %s", db_error(db));
        return -1;
    }
    json_out_array_open(w);
    for (size_t i = 0; i < r.nrows; i++)
        row_json(&r, i, opt, w);
    json_out_array_close(w);
    size_t rows = r.nrows;
    db_rows_free(&r);
    if (rows < f->per_page && (rows > 0 || f->page == 1)) {
        *total = offset + rows; /* the page ends the list */
        return 0;
    }
    char key[80], fp[COUNT_CACHE_FP_BYTES] = "";
    snprintf(key, sizeof key, "%d|%s|%s", (int)f->type, f->after_gmt, f->before_gmt);
    bool cacheable = opt->hpos && fingerprint(db, fp, sizeof fp);
    if (cacheable && count_cache_get(db, "transactions", key, fp, total))
        return 0;
    /* the count takes the date bounds only */
    n = 0;
    if (f->type != TRANSACTIONS_REFUNDS) {
        p[n++] = lo;
        p[n++] = hi;
    }
    if (f->type != TRANSACTIONS_PAYMENTS) {
        p[n++] = rlo;
        p[n++] = rhi;
    }
    nf = n;
    struct db_rows cr;
    if (db_query(db, opt->hpos ? H_COUNT[f->type] : P_COUNT[f->type], p, nf, &cr) != 0 || cr.nrows != 1) {
        log_warn("transactions: count query failed: %s", db_error(db));
        return -1;
    }
    *total = strtoull(db_cell(&cr, 0, 0) ? db_cell(&cr, 0, 0) : "0", NULL, 10);
    db_rows_free(&cr);
    if (cacheable)
        count_cache_put(db, "transactions", key, fp, *total);
    return 0;
}

/* ---- HTTP ---------------------------------------------------------------------------------------- */

int transactions_list(struct http_call *call, const struct apid_identity *who)
{
    (void)who;
    struct db *db;
    const struct store_options *opt = orders_options_or_reply(call, &db);
    if (opt == NULL)
        return 0;
    struct transactions_args a = {
        .type = http_query(call, "type", NULL), .after = http_query(call, "after", NULL),
        .before = http_query(call, "before", NULL), .page = http_query(call, "page", NULL),
        .per_page = http_query(call, "per_page", NULL),
    };
    struct transactions_filter f;
    int status;
    const char *code, *msg;
    if (transactions_filter_parse(&a, opt, &f, &status, &code, &msg) != 0) {
        http_reply_error(call->req, status, code, msg);
        return 0;
    }
    struct json_out w;
    json_out_init(&w);
    json_out_reserve(&w, (size_t)f.per_page * 400);
    uint64_t total = 0;
    int rc = transactions_read(db, opt, &f, &w, &total);
    static const char *const names[] = {"type", "after", "before"};
    const char *const vals[] = {a.type, a.after, a.before};
    orders_reply_page(call, rc, &w, names, vals, 3, f.page, f.per_page, total);
    return 0;
}

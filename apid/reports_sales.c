/*
 * apid/reports_sales.c — GET /reports/sales.
 *
 * Owns: reading the sums of a range of store days from wc_order_stats (orders in processing, completed
 * and on-hold, and their refund rows, which carry the parent's status), the per-thread cache of the
 * past days of the last 90, and the JSON shape (definitions: apid/docs/reports.md). The range rules
 * are common/report_range.c's; time zones, money formatting, store options are apid/orders_read.c's.
 * Does not: read the order tables (an order WooCommerce's analytics import has not reached yet is not
 * counted, exactly as in WooCommerce Analytics), or write anything.
 *
 * Queries: one statement sums a range per day (from the covering index cartman_date_status_totals,
 * authd migration 4) together with the coupon discounts of the same orders. Days before today are
 * cached per worker thread under a fingerprint: WooCommerce's reports cache version (the transient
 * its analytics import bumps on every change of wc_order_stats), under HPOS the latest
 * wc_orders.date_updated_gmt (every order write bumps it, ours included), and at most CACHE_TTL_S old.
 * Today and later days are always read.
 */
#include "apid/reports_sales.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/orders_read.h"
#include "common/clock.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/json_out.h"
#include "common/log.h"

#define CACHE_DAYS 90    /* past days kept: the 89 days before today (period=90d), and one spare */
#define CACHE_TTL_S 30.0 /* a cached day is re-read at least this often */

#define R_STATUSES " IN ('wc-processing', 'wc-completed', 'wc-on-hold')"
static const char SQL_DAYS[] =
    "SELECT 's', DATE_FORMAT(date_created, '%Y-%m-%d'), SUM(parent_id = 0), SUM(num_items_sold), SUM(total_sales),"
    " SUM(tax_total), SUM(shipping_total), SUM(net_total), SUM(IF(net_total < 0, net_total, 0))"
    " FROM {p}wc_order_stats WHERE date_created >= ? AND date_created < ? AND status" R_STATUSES " GROUP BY 2"
    " UNION ALL"
    " SELECT 'c', DATE_FORMAT(s.date_created, '%Y-%m-%d'), 0, 0, SUM(c.discount_amount), 0, 0, 0, 0"
    " FROM {p}wc_order_coupon_lookup c JOIN {p}wc_order_stats s ON s.order_id = c.order_id"
    " WHERE c.date_created >= ? AND c.date_created < ? AND s.date_created >= ? AND s.date_created < ?"
    " AND s.status" R_STATUSES " GROUP BY 2";
#define VERSION_SQL                                                                                                 \
    "(SELECT option_value FROM {p}options WHERE option_name = '_transient_woocommerce_reports-transient-version')"
static const char SQL_FP_HPOS[] =
    "SELECT " VERSION_SQL ", (SELECT MAX(date_updated_gmt) FROM {p}wc_orders), UNIX_TIMESTAMP()";
static const char SQL_FP_POSTS[] = "SELECT " VERSION_SQL ", NULL, UNIX_TIMESTAMP()";

int64_t reports_store_today(const struct store_options *opt)
{
    struct tm tm;
    orders_store_tm(opt, time(NULL), &tm);
    return report_day_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

static int64_t micro(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    return (int64_t)llroundl(strtold(s, NULL) * 1000000.0L);
}

static void local_midnight(int64_t day, char out[20])
{
    char d[11];
    report_date_format(day, d);
    snprintf(out, 20, "%s 00:00:00", d);
}

/* Adds the sums of days first..last (store time) into days[0..]; day first is days[0]. */
static int read_range(struct db *db, int64_t first, int64_t last, struct report_sums *days)
{
    char lo[20], hi[20];
    local_midnight(first, lo);
    local_midnight(last + 1, hi);
    struct db_value p[6] = {DB_STR(lo), DB_STR(hi), DB_STR(lo), DB_STR(hi), DB_STR(lo), DB_STR(hi)};
    struct db_rows r;
    if (db_query(db, SQL_DAYS, p, 6, &r) != 0) {
        log_warn("reports: sales query failed: %s", db_error(db));
        return -1;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        const char *kind = db_cell(&r, i, 0), *date = db_cell(&r, i, 1);
        int64_t day;
        if (kind == NULL || date == NULL || report_date_parse(date, strlen(date), &day) != 0 || day < first ||
            day > last)
            continue;
        struct report_sums *d = &days[day - first];
        if (kind[0] == 'c') {
            d->discounts += micro(db_cell(&r, i, 4));
            continue;
        }
        d->orders += strtoll(db_cell(&r, i, 2) ? db_cell(&r, i, 2) : "0", NULL, 10);
        d->items += strtoll(db_cell(&r, i, 3) ? db_cell(&r, i, 3) : "0", NULL, 10);
        d->sales += micro(db_cell(&r, i, 4));
        d->taxes += micro(db_cell(&r, i, 5));
        d->shipping += micro(db_cell(&r, i, 6));
        d->net += micro(db_cell(&r, i, 7));
        d->refunds += micro(db_cell(&r, i, 8));
    }
    db_rows_free(&r);
    return 0;
}

/* ---- the cache of past days ----------------------------------------------------------------- */

struct past_cache {
    const struct db *db;
    int64_t today; /* the cache holds today-CACHE_DAYS+1 .. today-1 */
    char fp[160];
    double at;
    struct report_sums days[CACHE_DAYS - 1];
};
static _Thread_local struct past_cache past;

static int64_t gmt_epoch(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (s == NULL || strlen(s) < 19 || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                              &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* Makes the cache hold the past days of today's window. 0, or -1 (database error). */
static int past_load(struct db *db, const struct store_options *opt, int64_t today)
{
    struct db_rows r;
    if (db_query(db, opt->hpos ? SQL_FP_HPOS : SQL_FP_POSTS, NULL, 0, &r) != 0 || r.nrows != 1) {
        log_warn("reports: fingerprint query failed: %s", db_error(db));
        return -1;
    }
    const char *version = db_cell(&r, 0, 0), *updated = db_cell(&r, 0, 1), *now_s = db_cell(&r, 0, 2);
    char fp[160];
    snprintf(fp, sizeof fp, "%.60s|%.30s", version ? version : "-", updated ? updated : "-");
    /* a change in the same second as the latest one would leave the fingerprint as it is */
    int64_t now = now_s ? strtoll(now_s, NULL, 10) : 0, latest = gmt_epoch(updated);
    int64_t v = version ? strtoll(version, NULL, 10) : 0;
    if (v > latest && v < 100000000000LL)
        latest = v;
    bool cacheable = now - latest >= 2;
    db_rows_free(&r);
    double t = clock_mono_s();
    if (past.db == db && past.today == today && t - past.at <= CACHE_TTL_S && strcmp(past.fp, fp) == 0)
        return 0;
    past.db = NULL;
    memset(past.days, 0, sizeof past.days);
    if (read_range(db, today - (CACHE_DAYS - 1), today - 1, past.days) != 0)
        return -1;
    if (cacheable) {
        past.db = db;
        past.today = today;
        past.at = t;
        snprintf(past.fp, sizeof past.fp, "%s", fp);
    }
    return 0;
}

int reports_read_days(struct db *db, const struct store_options *opt, const struct report_range *rg, int64_t today,
                      struct report_sums *days)
{
    int64_t plo = rg->first, phi = rg->last < today - 1 ? rg->last : today - 1;
    if (plo <= phi) {
        if (plo >= today - (CACHE_DAYS - 1)) {
            if (past_load(db, opt, today) != 0)
                return -1;
            memcpy(&days[0], &past.days[plo - (today - (CACHE_DAYS - 1))],
                   (size_t)(phi - plo + 1) * sizeof(struct report_sums));
        } else if (read_range(db, plo, phi, days) != 0) {
            return -1;
        }
    }
    int64_t llo = rg->first > today ? rg->first : today;
    if (llo <= rg->last && read_range(db, llo, rg->last, days + (llo - rg->first)) != 0)
        return -1;
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* The answer is written straight as text with common/json_out (a 90-day report is about 1,000
 * values: building them as jansson objects cost about 6 µs per day of the series). */

static void money(struct json_out *w, const char *key, const struct store_options *opt, int64_t m)
{
    char raw[48], out[48];
    uint64_t a = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    snprintf(raw, sizeof raw, "%s%" PRIu64 ".%06" PRIu64, m < 0 ? "-" : "", a / 1000000u, a % 1000000u);
    orders_money(raw, opt->price_decimals, out, sizeof out);
    json_out_key(w, key);
    json_out_string(w, out);
}

static void put_sums(struct json_out *w, const struct store_options *opt, const struct report_sums *s)
{
    int64_t refunds = -s->refunds;
    /* net / orders rounded once, half away from zero, to the store's decimals (at most 6) */
    int64_t aov = 0, unit = 1;
    for (unsigned i = opt->price_decimals < 6 ? opt->price_decimals : 6; i < 6; i++)
        unit *= 10;
    if (s->orders > 0) {
        int64_t q = s->orders * unit, a = s->net < 0 ? -s->net : s->net;
        aov = (a + q / 2) / q * unit;
        if (s->net < 0)
            aov = -aov;
    }
    money(w, "gross_sales", opt, s->sales + s->discounts - s->taxes - s->shipping + refunds);
    money(w, "net_sales", opt, s->net);
    json_out_key(w, "orders");
    json_out_int(w, (long long)s->orders);
    json_out_key(w, "items_sold");
    json_out_int(w, (long long)s->items);
    money(w, "average_order_value", opt, aov);
    money(w, "refunds", opt, refunds);
    money(w, "shipping", opt, s->shipping);
    money(w, "taxes", opt, s->taxes);
    money(w, "discounts", opt, s->discounts);
}

static void add_sums(struct report_sums *to, const struct report_sums *s)
{
    to->orders += s->orders;
    to->items += s->items;
    to->sales += s->sales;
    to->taxes += s->taxes;
    to->shipping += s->shipping;
    to->net += s->net;
    to->refunds += s->refunds;
    to->discounts += s->discounts;
}

void reports_sales_render(const struct store_options *opt, const struct report_range *r,
                          const struct report_sums *days, struct json_out *w)
{
    char d[11], tz[16];
    json_out_object_open(w);
    json_out_key(w, "period");
    json_out_string(w, report_period_name(r->period));
    report_date_format(r->first, d);
    json_out_key(w, "after");
    json_out_string(w, d);
    report_date_format(r->last, d);
    json_out_key(w, "before");
    json_out_string(w, d);
    if (opt->timezone[0] == '\0') { /* a fixed offset, as WordPress's "UTC+5.5" */
        long mins = lround(opt->gmt_offset * 60.0);
        snprintf(tz, sizeof tz, "%c%02ld:%02ld", mins < 0 ? '-' : '+', labs(mins) / 60 % 100, labs(mins) % 60);
    }
    json_out_key(w, "timezone");
    json_out_string(w, opt->timezone[0] ? opt->timezone : tz);
    json_out_key(w, "currency");
    json_out_string(w, opt->currency);
    struct report_sums total = {0};
    for (int64_t day = r->first; day <= r->last; day++)
        add_sums(&total, &days[day - r->first]);
    json_out_key(w, "totals");
    json_out_object_open(w);
    put_sums(w, opt, &total);
    json_out_object_close(w);
    json_out_key(w, "days");
    json_out_array_open(w);
    for (int64_t day = r->first; day <= r->last; day++) {
        json_out_object_open(w);
        report_date_format(day, d);
        json_out_key(w, "date");
        json_out_string(w, d);
        put_sums(w, opt, &days[day - r->first]);
        json_out_object_close(w);
    }
    json_out_array_close(w);
    json_out_object_close(w);
}

/* ---- HTTP -------------------------------------------------------------------------------------- */

int reports_sales(struct http_call *call, const struct apid_identity *who)
{
    (void)who;
    struct db *db;
    const struct store_options *opt = orders_options_or_reply(call, &db);
    if (opt == NULL)
        return 0;
    size_t pl = 0, al = 0, bl = 0;
    const char *period = http_query(call, "period", &pl), *after = http_query(call, "after", &al),
               *before = http_query(call, "before", &bl);
    int64_t today = reports_store_today(opt);
    struct report_range r;
    const char *err = NULL;
    if (report_range_parse(period, pl, after, al, before, bl, today, &r, &err) != 0) {
        http_reply_error(call->req, 400, "cartman_invalid_param", err);
        return 0;
    }
    size_t n = (size_t)(r.last - r.first + 1);
    struct report_sums *days = h2o_mem_alloc_pool(&call->req->pool, n * sizeof *days);
    memset(days, 0, n * sizeof *days);
    if (reports_read_days(db, opt, &r, today, days) != 0) {
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return 0;
    }
    struct json_out w;
    json_out_init(&w);
    json_out_reserve(&w, 320 * n + 512);
    reports_sales_render(opt, &r, days, &w);
    http_reply_no_store(call->req);
    http_reply_json_text(call->req, 200, w.buf, w.len);
    json_out_free(&w);
    return 0;
}

/*
 * apid/orders_read.c — GET /orders and GET /orders/{id}.
 *
 * Owns: parsing and validating the list filters, the SQL that reads orders from whichever storage is
 * authoritative (HPOS: wc_orders + wc_order_operational_data + wc_order_addresses; legacy: posts +
 * postmeta; items, notes and refunds are shared tables), and the WooCommerce REST v3 JSON shape.
 * Does not: write anything, check credentials or scopes (apid_guard did), or decide which meta keys
 * are shown and how a meta value is printed (apid/order_meta.c; the allowlist is a security setting).
 *
 * Round trips: an HPOS list is one query for the page's keys (id, created, updated), plus one query by
 * id for the orders the order cache (apid/order_cache.c) does not hold (with their visible meta rows
 * joined, so meta costs no query of its own), plus, only when neither the page itself nor the
 * per-thread count cache (see count_cache) tells the total, one COUNT over an index; a posts list is the
 * page query (every postmeta row of the page's orders) plus that COUNT. An order starts with its head:
 * the order's type and fingerprint (date_updated_gmt or post_modified_gmt, its refunds' ids, the
 * database's clock) and its notes, in one query. While the fingerprint is unchanged and the entry is
 * younger than the age limit (config order_cache_ttl), the order without its notes comes from the order
 * cache: one query. Otherwise two more follow — the order row with addresses, operational data, its
 * refunds and (HPOS) its meta rows (posts: the order and refund posts with their postmeta); items with
 * item meta, SKU, image, attribute labels and the products' virtual/downloadable flags
 * (needs_processing; a list row asks it of the server in a subquery) — and the rendering is
 * kept once the order's last save is two seconds old and its rows match the head. Writers read
 * uncached (orders_read_one_json). None sorts or UNIONs on the server (temporary tables): rows are
 * ordered here. Store options are cached per worker thread for a few seconds, so they cost no query on
 * most requests.
 *
 * Replies are written as JSON text with common/json_out (no jansson tree on the hot path); the jansson
 * forms of the API parse that text for callers that edit it.
 *
 * Indexes: HPOS lists walk date_created (several statuses), type_status_date (one status) or
 * customer_id_billing_email (customer); counts use the same indexes. A deeper HPOS page starts from a
 * kept page-start key (apid/orders_page_keys, see hpos_list_write) instead of walking its OFFSET. Not indexed, as in WooCommerce
 * itself: search by billing name or a part of the e-mail (LIKE '%…%', bounded by LIMIT on the page
 * query, a scan for the count), and under posts storage a list over several statuses, which sorts every
 * order (wp_posts has no index that starts with post_date). Status lists use IN with
 * ORDERS_STATUS_SLOTS placeholders, unused slots repeat the first status.
 *
 * Time zones: HPOS and posts keep GMT dates; store time is computed in C with the C library's zone
 * database. The zone is loaded under one process-wide mutex (TZ set once per zone change, then
 * localtime_r/mktime), so no other code in the process may rely on TZ or localtime (none does); each
 * worker keeps the offsets it asked for per quarter hour (see store_offset), and dates are parsed and
 * printed here without the C library.
 */
#include "apid/orders_read.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/count_cache.h"
#include "apid/order_cache.h"
#include "apid/order_meta.h"
#include "apid/order_request.h"
#include "apid/orders_page_keys.h"
#include "common/clock.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/log.h"
#include "common/php_serialize.h"
#include "common/security_settings.h"

#define OPTIONS_TTL_S 5.0

/* ---- money and time ---------------------------------------------------------------------- */

void orders_money(const char *src, unsigned decimals, char *out, size_t cap)
{
    char digits[80];
    size_t nd = 0, intlen = 0;
    bool neg = false, seen_point = false;
    const char *p = src ? src : "";
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; *p && nd < sizeof digits - 2; p++) {
        if (*p >= '0' && *p <= '9') {
            digits[nd++] = *p;
            if (!seen_point)
                intlen++;
        } else if (*p == '.' && !seen_point) {
            seen_point = true;
        } else {
            break;
        }
    }
    if (decimals > 8)
        decimals = 8;
    /* pad the fraction to decimals + 1 digits */
    while (nd < intlen + decimals + 1 && nd < sizeof digits - 1)
        digits[nd++] = '0';
    size_t keep = intlen + decimals;
    bool round_up = digits[keep] >= '5';
    char res[82];
    size_t rn = keep;
    memcpy(res + 1, digits, keep);
    res[0] = '0';
    if (round_up) {
        size_t i = keep;
        while (i > 0 && res[i] == '9')
            res[i--] = '0';
        res[i] = (char)(res[i] + 1);
    }
    /* res[0..rn] holds the leading carry digit then keep digits */
    size_t start = 0, int_end = intlen + 1;
    while (start + 1 < int_end && res[start] == '0')
        start++;
    bool zero = true;
    for (size_t i = start; i <= rn; i++)
        if (res[i] != '0')
            zero = false;
    size_t o = 0;
    if (neg && !zero && o + 1 < cap)
        out[o++] = '-';
    for (size_t i = start; i < int_end && o + 1 < cap; i++)
        out[o++] = res[i];
    if (decimals > 0 && o + 1 < cap)
        out[o++] = '.';
    for (size_t i = int_end; i <= rn && o + 1 < cap; i++)
        out[o++] = res[i];
    if (cap > 0)
        out[o < cap ? o : cap - 1] = '\0';
}

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
static char tz_loaded[72];

static bool zone_name_ok(const char *z)
{
    if (z[0] == '\0' || z[0] == '/' || strstr(z, "..") != NULL)
        return false;
    for (const char *p = z; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '/' ||
              *p == '_' || *p == '-' || *p == '+'))
            return false;
    return true;
}

/* Caller holds tz_mu. */
static void tz_use(const char *zone)
{
    if (strcmp(tz_loaded, zone) == 0)
        return;
    char v[80];
    snprintf(v, sizeof v, ":%s", zone);
    setenv("TZ", v, 1);
    tzset();
    snprintf(tz_loaded, sizeof tz_loaded, "%s", zone);
}

void orders_store_tm(const struct store_options *opt, time_t t, struct tm *out)
{
    if (zone_name_ok(opt->timezone)) {
        pthread_mutex_lock(&tz_mu);
        tz_use(opt->timezone);
        localtime_r(&t, out);
        pthread_mutex_unlock(&tz_mu);
    } else {
        t += (time_t)(opt->gmt_offset * 3600.0);
        gmtime_r(&t, out);
    }
}

static time_t store_tm_to_utc(const struct store_options *opt, struct tm *local)
{
    if (zone_name_ok(opt->timezone)) {
        pthread_mutex_lock(&tz_mu);
        tz_use(opt->timezone);
        local->tm_isdst = -1;
        time_t t = mktime(local);
        pthread_mutex_unlock(&tz_mu);
        return t;
    }
    return timegm(local) - (time_t)(opt->gmt_offset * 3600.0);
}

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }
static bool digits_at(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "Y-m-d H:i:s" (T or space) → tm; true when well-formed and in range. */
static bool parse_ymdhis(const char *s, struct tm *tm)
{
    if (strlen(s) < 19 || !digits_at(s, 4) || s[4] != '-' || !digits_at(s + 5, 2) || s[7] != '-' ||
        !digits_at(s + 8, 2) || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || !digits_at(s + 11, 2) ||
        s[13] != ':' || !digits_at(s + 14, 2) || s[16] != ':' || !digits_at(s + 17, 2))
        return false;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = two(s) * 100 + two(s + 2) - 1900;
    tm->tm_mon = two(s + 5) - 1;
    tm->tm_mday = two(s + 8);
    tm->tm_hour = two(s + 11);
    tm->tm_min = two(s + 14);
    tm->tm_sec = two(s + 17);
    if (tm->tm_year < 0 || tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > 31 ||
        tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60)
        return false;
    return true;
}

static void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
}

/* "Y-m-d?H:i:s" of broken-down fields (each taken modulo its width, as %04u/%02u would print them). */
static void fmt_fields(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned se, char out[20], char sep)
{
    y %= 10000u;
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, mo % 100u);
    out[7] = '-';
    put2(out + 8, d % 100u);
    out[10] = sep;
    put2(out + 11, h % 100u);
    out[13] = ':';
    put2(out + 14, mi % 100u);
    out[16] = ':';
    put2(out + 17, se % 100u);
    out[19] = '\0';
}

static void fmt_tm(const struct tm *tm, char out[20], char sep)
{
    fmt_fields((unsigned)(tm->tm_year + 1900), (unsigned)(tm->tm_mon + 1), (unsigned)tm->tm_mday,
               (unsigned)tm->tm_hour, (unsigned)tm->tm_min, (unsigned)tm->tm_sec, out, sep);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil); a day past
 * the month's end rolls over as timegm's does. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t tm_to_epoch(const struct tm *tm)
{
    return days_from_civil(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) * 86400 + (int64_t)tm->tm_hour * 3600 +
           (int64_t)tm->tm_min * 60 + tm->tm_sec;
}

static void fmt_epoch(int64_t t, char out[20], char sep)
{
    int64_t z = (t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
    int64_t secs = t - z * 86400;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    fmt_fields((unsigned)y, (unsigned)m, (unsigned)d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
               (unsigned)(secs % 60), out, sep);
}

/* The store's UTC offset at t. A named zone is asked of the C library (under tz_mu) once per
 * quarter hour of UTC time and per thread: the answer is kept when the offset is the same at both
 * ends of the quarter (no zone changes its offset twice within 15 minutes), so a page of orders
 * costs a few lookups instead of one locked localtime_r per date. */
#define TZ_BUCKET_S 900
#define TZ_SLOTS 1024
struct tz_slot {
    int64_t bucket_plus_1; /* 0: empty */
    long offset;
};
static _Thread_local struct {
    char zone[72];
    struct tz_slot slot[TZ_SLOTS];
} tz_cache;

static long zone_offset_at(const char *zone, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    pthread_mutex_lock(&tz_mu);
    tz_use(zone);
    struct tm *ok = localtime_r(&tt, &tm);
    pthread_mutex_unlock(&tz_mu);
    return ok ? tm.tm_gmtoff : 0;
}

static long store_offset(const struct store_options *opt, int64_t t)
{
    if (!zone_name_ok(opt->timezone))
        return (long)(time_t)(opt->gmt_offset * 3600.0);
    size_t zl = strlen(opt->timezone);
    if (zl >= sizeof tz_cache.zone)
        return zone_offset_at(opt->timezone, t);
    if (strcmp(tz_cache.zone, opt->timezone) != 0) {
        memset(&tz_cache, 0, sizeof tz_cache);
        memcpy(tz_cache.zone, opt->timezone, zl + 1);
    }
    int64_t b = (t >= 0 ? t / TZ_BUCKET_S : -((-t + TZ_BUCKET_S - 1) / TZ_BUCKET_S));
    struct tz_slot *sl = &tz_cache.slot[(uint64_t)b % TZ_SLOTS];
    if (sl->bucket_plus_1 == b + 1)
        return sl->offset;
    long lo = zone_offset_at(opt->timezone, b * TZ_BUCKET_S), hi = zone_offset_at(opt->timezone, b * TZ_BUCKET_S + TZ_BUCKET_S - 1);
    if (lo != hi)
        return zone_offset_at(opt->timezone, t);
    sl->bucket_plus_1 = b + 1;
    sl->offset = lo;
    return lo;
}

int orders_gmt_to_store(const struct store_options *opt, const char *gmt, char local_out[20], char gmt_out[20])
{
    struct tm tm;
    if (gmt == NULL || !parse_ymdhis(gmt, &tm) || tm.tm_year + 1900 < 1971)
        return -1;
    fmt_tm(&tm, gmt_out, 'T');
    int64_t t = tm_to_epoch(&tm);
    fmt_epoch(t + store_offset(opt, t), local_out, 'T');
    return 0;
}

int orders_parse_date_gmt(const struct store_options *opt, const char *s, char out[20])
{
    struct tm tm;
    if (!parse_ymdhis(s, &tm))
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!digits_at(p, 1))
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    time_t t;
    if (*p == '\0') {
        t = store_tm_to_utc(opt, &tm);
    } else {
        long off = 0;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1;
            p++;
            if (!digits_at(p, 2))
                return -1;
            off = two(p) * 3600L;
            p += 2;
            if (*p == ':')
                p++;
            if (digits_at(p, 2)) {
                off += two(p) * 60L;
                p += 2;
            }
            off *= sign;
        }
        if (*p != '\0')
            return -1;
        t = timegm(&tm) - off;
    }
    struct tm g;
    if (gmtime_r(&t, &g) == NULL || g.tm_year + 1900 < 1000 || g.tm_year + 1900 > 9999)
        return -1;
    fmt_tm(&g, out, ' ');
    return 0;
}

/* ---- list filters ---------------------------------------------------------------------------- */

static const char *const known_statuses[] = {"pending", "processing", "on-hold", "completed", "cancelled",
                                             "refunded", "failed", "checkout-draft", "trash"};
static const char *const known_db_statuses[] = {"wc-pending", "wc-processing", "wc-on-hold", "wc-completed",
                                                "wc-cancelled", "wc-refunded", "wc-failed", "wc-checkout-draft",
                                                "trash"};
#define DEFAULT_STATUSES 7 /* "any": the first seven (no drafts, no trash), as WooCommerce's list */

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 20 || !digits_at(s, strlen(s)))
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno != 0 || v > max)
        return false;
    *out = v;
    return true;
}

int orders_paging_parse(const char *page, const char *per_page, unsigned *page_out, unsigned *per_page_out,
                        const char **message)
{
    uint64_t v;
    *page_out = 1;
    if (page) {
        if (!parse_uint(page, 1000000, &v) || v < 1) {
            *message = "Invalid parameter(s): page";
            return -1;
        }
        *page_out = (unsigned)v;
    }
    *per_page_out = ORDERS_PER_PAGE_DEFAULT;
    if (per_page) {
        if (!parse_uint(per_page, ORDERS_PER_PAGE_MAX, &v) || v < 1) {
            *message = "Invalid parameter(s): per_page (must be between 1 and 100)";
            return -1;
        }
        *per_page_out = (unsigned)v;
    }
    return 0;
}

int orders_filter_parse(const struct orders_list_args *a, const struct store_options *opt, struct orders_filter *f,
                        int *status, const char **code, const char **message)
{
    memset(f, 0, sizeof *f);
    *status = 400;
    *code = "rest_invalid_param";
    if (orders_paging_parse(a->page, a->per_page, &f->page, &f->per_page, message) != 0)
        return -1;
    *code = "cartman_invalid_param";
    if (a->status && *a->status && strcmp(a->status, "any") != 0) {
        const char *p = a->status;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n > 3 && strncmp(p, "wc-", 3) == 0) {
                p += 3;
                n -= 3;
            }
            size_t k = 0;
            for (; k < sizeof known_statuses / sizeof *known_statuses; k++)
                if (strlen(known_statuses[k]) == n && memcmp(known_statuses[k], p, n) == 0)
                    break;
            if (k == sizeof known_statuses / sizeof *known_statuses) {
                *message = "Invalid parameter(s): status";
                return -1;
            }
            bool dup = false;
            for (size_t j = 0; j < f->nstatuses; j++)
                dup = dup || f->statuses[j] == known_db_statuses[k];
            if (!dup)
                f->statuses[f->nstatuses++] = known_db_statuses[k];
            if (e == NULL)
                break;
            p = e + 1;
        }
    }
    if (f->nstatuses == 0) {
        for (size_t k = 0; k < DEFAULT_STATUSES; k++)
            f->statuses[f->nstatuses++] = known_db_statuses[k];
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
    if (a->customer) {
        if (!parse_uint(a->customer, UINT64_MAX, &f->customer)) {
            *message = "Invalid parameter(s): customer";
            return -1;
        }
        f->has_customer = true;
    }
    if (a->search && *a->search) {
        if (strlen(a->search) > 200) {
            *message = "Invalid parameter(s): search";
            return -1;
        }
        f->search = a->search;
    }
    return 0;
}

/* ---- SQL ------------------------------------------------------------------------------------- */

#define ADDR(x)                                                                                                   \
    x ".first_name, " x ".last_name, " x ".company, " x ".address_1, " x ".address_2, " x ".city, " x ".state, " x \
      ".postcode, " x ".country, " x ".email, " x ".phone"
/* WC_Order::needs_processing: a line item whose product (the variation when there is one) exists and is
 * not both virtual and downloadable; products are looked up in wc_product_meta_lookup (virtual,
 * downloadable), which has a row exactly for every product and variation. */
#define NEEDS_PROC(idexpr)                                                                                          \
    "(SELECT COUNT(*) FROM {p}woocommerce_order_items ni JOIN {p}woocommerce_order_itemmeta np"                    \
    " ON np.order_item_id = ni.order_item_id AND np.meta_key = '_product_id'"                                      \
    " LEFT JOIN {p}woocommerce_order_itemmeta nv ON nv.order_item_id = ni.order_item_id"                           \
    " AND nv.meta_key = '_variation_id' JOIN {p}wc_product_meta_lookup nl ON nl.product_id ="                      \
    " CAST(IF(nv.meta_value > 0, nv.meta_value, np.meta_value) AS UNSIGNED) WHERE ni.order_id = " idexpr          \
    " AND ni.order_item_type = 'line_item' AND NOT (nl.`virtual` = 1 AND nl.downloadable = 1))"
#define H_COLS                                                                                                      \
    "o.id, o.parent_order_id, o.status, o.currency, o.tax_amount, o.total_amount, o.customer_id, "                 \
    "o.date_created_gmt, o.date_updated_gmt, o.payment_method, o.payment_method_title, o.transaction_id, "         \
    "o.ip_address, o.user_agent, o.customer_note, d.created_via, d.woocommerce_version, d.prices_include_tax, "    \
    "d.cart_hash, d.order_key, d.date_paid_gmt, d.date_completed_gmt, d.shipping_tax_amount, "                     \
    "d.shipping_total_amount, d.discount_tax_amount, d.discount_total_amount, " ADDR("b") ", " ADDR("s") ", o.type"
#define H_ADDR_JOIN                                                                                                 \
    " LEFT JOIN {p}wc_order_addresses b ON b.order_id = o.id AND b.address_type = 'billing'"
#define H_JOINS                                                                                                     \
    " LEFT JOIN {p}wc_order_operational_data d ON d.order_id = o.id" H_ADDR_JOIN                                   \
    " LEFT JOIN {p}wc_order_addresses s ON s.order_id = o.id AND s.address_type = 'shipping'"
#define H_FROM " FROM {p}wc_orders o" H_JOINS
/* the count cache's fingerprint: highest id, latest modification, the server's clock (one index probe each) */
#define H_FP ", (SELECT MAX(id) FROM {p}wc_orders), (SELECT MAX(date_updated_gmt) FROM {p}wc_orders), UTC_TIMESTAMP()"
#define STATUS_IN(col) col " IN (?,?,?,?,?,?,?,?,?)"
#define H_WHERE                                                                                                     \
    " WHERE o.type = 'shop_order' AND " STATUS_IN("o.status") " AND o.date_created_gmt > ? AND o.date_created_gmt < ?"
#define H_CUST " AND o.customer_id = ?"
#define H_SEARCH " AND (o.id = ? OR o.billing_email LIKE ? OR CONCAT_WS(' ', b.first_name, b.last_name) LIKE ?)"
#define H_ORDER " ORDER BY o.date_created_gmt DESC, o.id DESC LIMIT ? OFFSET ?"

/* The same pages as keys only (id, created, updated and the fingerprint): the rows themselves mostly
 * come from the order cache (see order_cache), the others from H_ROWS by id. */
#define H_PAGE_KEYS "SELECT o.id, o.date_created_gmt, o.date_updated_gmt" H_FP " FROM (SELECT o.id FROM {p}wc_orders o"
#define H_PAGE_KEYS_END ") k JOIN {p}wc_orders o ON o.id = k.id"
/* Several statuses and no customer: one walk down date_created, which reads each order's row anyway
 * (the index has no status), so the keys come straight from it; the optimizer would otherwise prefer
 * the covering type_status_date and sort every matching row. One status walks type_status_date and a
 * customer's orders customer_id_billing_email, both covering: there the rows are joined after the
 * walk (a deferred join), so the orders skipped by OFFSET are never read. */
#define H_PAGE_KEYS_BY_DATE                                                                                         \
    "SELECT o.id, o.date_created_gmt, o.date_updated_gmt" H_FP " FROM {p}wc_orders o FORCE INDEX (date_created)"
static const char *const H_KEYS_BY_DATE_LIST[2] = {H_PAGE_KEYS_BY_DATE H_WHERE H_ORDER,
                                                   H_PAGE_KEYS_BY_DATE H_ADDR_JOIN H_WHERE H_SEARCH H_ORDER};
static const char *const H_KEYS_LIST[2][2] = {
    {H_PAGE_KEYS H_WHERE H_ORDER H_PAGE_KEYS_END, H_PAGE_KEYS H_ADDR_JOIN H_WHERE H_SEARCH H_ORDER H_PAGE_KEYS_END},
    {H_PAGE_KEYS H_WHERE H_CUST H_ORDER H_PAGE_KEYS_END,
     H_PAGE_KEYS H_ADDR_JOIN H_WHERE H_CUST H_SEARCH H_ORDER H_PAGE_KEYS_END},
};
/* The same keys from a kept page-start key on (apid/orders_page_keys): the orders at or after the key
 * (date_created_gmt, id) in list order, so a deep page skips only the orders between the key and the
 * page instead of every order before it. The range is on date_created_gmt (the index walked), the id
 * only breaks ties. */
#define H_SEEK " AND o.date_created_gmt <= ? AND (o.date_created_gmt < ? OR o.id <= ?)"
static const char *const H_KEYS_BY_DATE_SEEK[2] = {H_PAGE_KEYS_BY_DATE H_WHERE H_SEEK H_ORDER,
                                                   H_PAGE_KEYS_BY_DATE H_ADDR_JOIN H_WHERE H_SEARCH H_SEEK H_ORDER};
static const char *const H_KEYS_SEEK[2][2] = {
    {H_PAGE_KEYS H_WHERE H_SEEK H_ORDER H_PAGE_KEYS_END,
     H_PAGE_KEYS H_ADDR_JOIN H_WHERE H_SEARCH H_SEEK H_ORDER H_PAGE_KEYS_END},
    {H_PAGE_KEYS H_WHERE H_CUST H_SEEK H_ORDER H_PAGE_KEYS_END,
     H_PAGE_KEYS H_ADDR_JOIN H_WHERE H_CUST H_SEARCH H_SEEK H_ORDER H_PAGE_KEYS_END},
};
#define Q10 "?,?,?,?,?,?,?,?,?,?"
/* ORDERS_PER_PAGE_MAX placeholders; unused ones repeat the first id */
/* The rows come with their meta rows (one row per meta row, or one with NULLs): without an
 * allowlist the protected keys are left out on the server already, so an order without visible meta
 * is one row. */
#define H_ROWS_IN                                                                                                   \
    " WHERE o.id IN (" Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 ")"
#define H_META_COLS ", mm.id, mm.meta_key, mm.meta_value"
#define H_META_JOIN " LEFT JOIN {p}wc_orders_meta mm ON mm.order_id = o.id"
#define H_META_PUBLIC " AND LEFT(mm.meta_key, 1) <> '_'"
#define H_COLS_LIST H_COLS ", " NEEDS_PROC("o.id")
static const char *const H_ROWS[2] = {"SELECT " H_COLS_LIST H_META_COLS H_FROM H_META_JOIN H_META_PUBLIC H_ROWS_IN,
                                      "SELECT " H_COLS_LIST H_META_COLS H_FROM H_META_JOIN H_ROWS_IN};
_Static_assert(ORDERS_PER_PAGE_MAX == 100, "H_ROWS has ORDERS_PER_PAGE_MAX placeholders");

static const char *const H_COUNT[2][2] = {
    {"SELECT COUNT(*) FROM {p}wc_orders o" H_WHERE,
     "SELECT COUNT(*) FROM {p}wc_orders o" H_ADDR_JOIN H_WHERE H_SEARCH},
    {"SELECT COUNT(*) FROM {p}wc_orders o" H_WHERE H_CUST,
     "SELECT COUNT(*) FROM {p}wc_orders o" H_ADDR_JOIN H_WHERE H_CUST H_SEARCH},
};
/* The order with its refunds (id, reason, total, date) and its meta rows (id, key, value; the same two
 * forms as H_ROWS), one row per refund and meta row: both come along with the order row instead of
 * costing a query of their own (an order has few refunds, and without an allowlist few visible meta
 * rows), so an order is at most three round trips. */
/* (needs_processing: NULL here, computed from the order's items) */
#define H_ONE_COLS "SELECT " H_COLS ", NULL, r.id, rm.meta_value, r.total_amount, r.date_created_gmt" H_META_COLS H_FROM
#define H_ONE_REFUNDS                                                                                               \
    " LEFT JOIN {p}wc_orders r ON r.parent_order_id = o.id AND r.type = 'shop_order_refund'"                       \
    " LEFT JOIN {p}wc_orders_meta rm ON rm.order_id = r.id AND rm.meta_key = '_refund_reason'"
static const char *const H_ONE[2] = {H_ONE_COLS H_ONE_REFUNDS H_META_JOIN H_META_PUBLIC " WHERE o.id = ?",
                                     H_ONE_COLS H_ONE_REFUNDS H_META_JOIN " WHERE o.id = ?"};

#define P_COLS_BASE "p.ID, p.post_parent, p.post_status, p.post_date_gmt, p.post_modified_gmt, p.post_excerpt, "
#define P_COLS P_COLS_BASE NEEDS_PROC("p.ID")
/* columns of the posts queries: P_COLS, then the meta row (key, value, id), then (P_ONE) the post type */
enum { PC_NEEDS = 6, PC_KEY, PC_VAL, PC_MID, PC_TYPE };
#define P_WHERE                                                                                                     \
    " WHERE post_type = 'shop_order' AND " STATUS_IN("post_status") " AND post_date_gmt > ? AND post_date_gmt < ?"
#define P_CUST " AND ID IN (SELECT post_id FROM {p}postmeta WHERE meta_key = '_customer_user' AND meta_value = ?)"
#define P_SEARCH                                                                                                    \
    " AND (ID = ? OR ID IN (SELECT post_id FROM {p}postmeta WHERE meta_key IN ('_billing_email', "                \
    "'_billing_address_index') AND (meta_value LIKE ? OR meta_value LIKE ?)))"
#define P_PAGE_OPEN                                                                                                 \
    "SELECT " P_COLS ", m.meta_key, m.meta_value, m.meta_id FROM (SELECT ID, post_parent, post_status, post_date, "           \
    "post_date_gmt, post_modified_gmt, post_excerpt FROM {p}posts"
#define P_PAGE_CLOSE                                                                                                \
    " ORDER BY post_date DESC, ID DESC LIMIT ? OFFSET ?) p LEFT JOIN {p}postmeta m ON m.post_id = p.ID"            \
    " ORDER BY p.post_date DESC, p.ID DESC, m.meta_id"
static const char *const P_LIST[2][2] = {
    {P_PAGE_OPEN P_WHERE P_PAGE_CLOSE, P_PAGE_OPEN P_WHERE P_SEARCH P_PAGE_CLOSE},
    {P_PAGE_OPEN P_WHERE P_CUST P_PAGE_CLOSE, P_PAGE_OPEN P_WHERE P_CUST P_SEARCH P_PAGE_CLOSE},
};
static const char *const P_COUNT[2][2] = {
    {"SELECT COUNT(*) FROM {p}posts" P_WHERE, "SELECT COUNT(*) FROM {p}posts" P_WHERE P_SEARCH},
    {"SELECT COUNT(*) FROM {p}posts" P_WHERE P_CUST, "SELECT COUNT(*) FROM {p}posts" P_WHERE P_CUST P_SEARCH},
};
/* The order post and its refund posts, each with its postmeta. */
static const char P_ONE[] = "SELECT " P_COLS_BASE "NULL, m.meta_key, m.meta_value, m.meta_id, p.post_type FROM {p}posts p"
                            " LEFT JOIN {p}postmeta m ON m.post_id = p.ID WHERE (p.ID = ? AND p.post_type = 'shop_order')"
                            " OR (p.post_parent = ? AND p.post_type = 'shop_order_refund') ORDER BY p.ID, m.meta_id";

/* ---- one order, storage-neutral ------------------------------------------------------------- */

enum col {
    C_ID, C_PARENT, C_STATUS, C_CURRENCY, C_CART_TAX, C_TOTAL, C_CUSTOMER, C_CREATED, C_MODIFIED, C_PAY_METHOD,
    C_PAY_TITLE, C_TXN, C_IP, C_UA, C_NOTE, C_CREATED_VIA, C_VERSION, C_PIT, C_CART_HASH, C_KEY, C_PAID,
    C_COMPLETED, C_SHIP_TAX, C_SHIP_TOTAL, C_DISC_TAX, C_DISC_TOTAL, C_BILL, C_SHIP = C_BILL + 11,
    C_TYPE = C_SHIP + 11, C_NEEDS_PROC, NCOLS
};
static const char *const addr_fields[11] = {"first_name", "last_name", "company",  "address_1", "address_2", "city",
                                            "state",      "postcode",  "country", "email",     "phone"};

/* An order meta row (wc_orders_meta or postmeta). */
struct meta_row {
    uint64_t id;
    const char *key, *val;
};

struct flat {
    const char *v[NCOLS];
    char paid[20], completed[20]; /* posts: timestamps turned into GMT dates */
    struct meta_row *meta;        /* the order's meta rows, nmeta of them, any order; NULL when none */
    size_t nmeta;
};

static const struct {
    const char *key;
    int col;
} post_meta_map[] = {
    {"_order_currency", C_CURRENCY}, {"_order_tax", C_CART_TAX}, {"_order_total", C_TOTAL},
    {"_customer_user", C_CUSTOMER}, {"_payment_method", C_PAY_METHOD}, {"_payment_method_title", C_PAY_TITLE},
    {"_transaction_id", C_TXN}, {"_customer_ip_address", C_IP}, {"_customer_user_agent", C_UA},
    {"_created_via", C_CREATED_VIA}, {"_order_version", C_VERSION}, {"_prices_include_tax", C_PIT},
    {"_cart_hash", C_CART_HASH}, {"_order_key", C_KEY}, {"_date_paid", C_PAID}, {"_date_completed", C_COMPLETED},
    {"_order_shipping_tax", C_SHIP_TAX}, {"_order_shipping", C_SHIP_TOTAL}, {"_cart_discount_tax", C_DISC_TAX},
    {"_cart_discount", C_DISC_TOTAL},
};

/* A field from the order's postmeta rows, which come in meta id order: the first row of a key wins, as
 * get_post_meta( $id, $key, true ) returns it (a second _order_total row a plugin added is meta, not
 * the total). */
static void post_meta_set(struct flat *f, const char *key, const char *val)
{
    if (key == NULL)
        return;
    for (size_t i = 0; i < sizeof post_meta_map / sizeof *post_meta_map; i++)
        if (strcmp(post_meta_map[i].key, key) == 0) {
            if (f->v[post_meta_map[i].col] == NULL)
                f->v[post_meta_map[i].col] = val;
            return;
        }
    for (int t = 0; t < 2; t++) {
        const char *pre = t == 0 ? "_billing_" : "_shipping_";
        size_t pl = strlen(pre);
        if (strncmp(key, pre, pl) == 0)
            for (int k = 0; k < 11; k++)
                if (strcmp(key + pl, addr_fields[k]) == 0 && f->v[(t == 0 ? C_BILL : C_SHIP) + k] == NULL)
                    f->v[(t == 0 ? C_BILL : C_SHIP) + k] = val;
    }
}

/* posts: unix timestamps → GMT dates; 'yes'/'no' → 1/0 */
static void post_flat_finish(struct flat *f)
{
    const char *ts[2] = {f->v[C_PAID], f->v[C_COMPLETED]};
    char *buf[2] = {f->paid, f->completed};
    int col[2] = {C_PAID, C_COMPLETED};
    for (int i = 0; i < 2; i++) {
        uint64_t t;
        f->v[col[i]] = NULL;
        if (ts[i] && parse_uint(ts[i], (uint64_t)253402300799, &t) && t > 0) {
            time_t tt = (time_t)t;
            struct tm g;
            gmtime_r(&tt, &g);
            fmt_tm(&g, buf[i], ' ');
            f->v[col[i]] = buf[i];
        }
    }
    if (f->v[C_PIT])
        f->v[C_PIT] = strcmp(f->v[C_PIT], "yes") == 0 ? "1" : "0";
    f->v[C_TYPE] = "shop_order";
}

static uint64_t u64(const char *s)
{
    uint64_t v = 0;
    if (s && parse_uint(s, UINT64_MAX, &v))
        return v;
    return 0;
}

/* Members of the reply, written in the order WooCommerce's REST controller puts them. */
static void kstr(struct json_out *w, const char *key, const char *s)
{
    json_out_key(w, key);
    json_out_string(w, s ? s : "");
}

static void kint(struct json_out *w, const char *key, long long v)
{
    json_out_key(w, key);
    json_out_int(w, v);
}

static void kmoney(struct json_out *w, const struct store_options *opt, const char *key, const char *s)
{
    char buf[64];
    orders_money(s, opt->price_decimals, buf, sizeof buf);
    kstr(w, key, buf);
}

static void kmoney_sum(struct json_out *w, const struct store_options *opt, const char *key, const char *a,
                       const char *b)
{
    char buf[64];
    long double s = strtold(a ? a : "0", NULL) + strtold(b ? b : "0", NULL);
    snprintf(buf, sizeof buf, "%.8Lf", s);
    kmoney(w, opt, key, buf);
}

/* name (store time) and name_gmt, or both null when gmt is no date. */
static void kdates(struct json_out *w, const struct store_options *opt, const char *name, const char *name_gmt,
                   const char *gmt)
{
    char local[20], g[20];
    bool ok = gmt && orders_gmt_to_store(opt, gmt, local, g) == 0;
    json_out_key(w, name);
    json_out_string_or_null(w, ok ? local : NULL);
    json_out_key(w, name_gmt);
    json_out_string_or_null(w, ok ? g : NULL);
}

static void address_write(struct json_out *w, const struct flat *f, int base, bool with_email)
{
    json_out_object_open(w);
    for (int k = 0; k < 11; k++)
        if (with_email || k != 9)
            kstr(w, addr_fields[k], f->v[base + k]);
    json_out_object_close(w);
}

static void order_meta_write(struct json_out *w, struct flat *f, const char *allow);

/* WC_Order::get_checkout_payment_url( false ): the checkout page's order-pay endpoint (pretty
 * permalinks: .../order-pay/ID/, plain: &order-pay=ID) with pay_for_order=true and the order key. */
static void payment_url(const struct store_options *opt, uint64_t id, const char *key, char *out, size_t cap)
{
    const char *base = opt->checkout_url[0] ? opt->checkout_url : opt->home_url;
    const char *ep = opt->checkout_pay_endpoint[0] ? opt->checkout_pay_endpoint : "order-pay";
    /* add_query_arg() leaves the value as it is (order keys are wc_order_ and letters and digits) */
    const char *enc_key = key ? key : "";
    if (opt->permalink_structure[0]) {
        size_t bl = strlen(base);
        const char *q = strchr(base, '?');
        size_t path_len = q ? (size_t)(q - base) : bl;
        while (path_len > 0 && (base[path_len - 1] == '/' || base[path_len - 1] == '\\'))
            path_len--;
        size_t sl = strlen(opt->permalink_structure);
        bool slash = opt->permalink_structure[sl - 1] == '/';
        snprintf(out, cap, "%.*s/%s/%" PRIu64 "%s%s%s%spay_for_order=true&key=%s", (int)path_len, base, ep, id,
                 slash ? "/" : "", q ? q : "", q ? "" : "?", q ? "&" : "", enc_key);
    } else {
        snprintf(out, cap, "%s%s%s=%" PRIu64 "&pay_for_order=true&key=%s", base, strchr(base, '?') ? "&" : "?", ep,
                 id, enc_key);
    }
}

/* The order's own members; the caller has opened its object and closes it. */
static void order_members(struct json_out *w, struct flat *f, const struct store_options *opt, const char *allow)
{
    uint64_t id = u64(f->v[C_ID]);
    const char *st = f->v[C_STATUS] ? f->v[C_STATUS] : "";
    if (strncmp(st, "wc-", 3) == 0)
        st += 3;
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, id);
    kint(w, "id", (long long)id);
    kint(w, "parent_id", (long long)u64(f->v[C_PARENT]));
    kstr(w, "number", num);
    kstr(w, "order_key", f->v[C_KEY]);
    kstr(w, "created_via", f->v[C_CREATED_VIA]);
    kstr(w, "version", f->v[C_VERSION]);
    kstr(w, "status", st);
    kstr(w, "currency", f->v[C_CURRENCY] && *f->v[C_CURRENCY] ? f->v[C_CURRENCY] : opt->currency);
    kdates(w, opt, "date_created", "date_created_gmt", f->v[C_CREATED]);
    kdates(w, opt, "date_modified", "date_modified_gmt", f->v[C_MODIFIED]);
    kmoney(w, opt, "discount_total", f->v[C_DISC_TOTAL]);
    kmoney(w, opt, "discount_tax", f->v[C_DISC_TAX]);
    kmoney(w, opt, "shipping_total", f->v[C_SHIP_TOTAL]);
    kmoney(w, opt, "shipping_tax", f->v[C_SHIP_TAX]);
    kmoney(w, opt, "cart_tax", f->v[C_CART_TAX]);
    kmoney(w, opt, "total", f->v[C_TOTAL]);
    kmoney_sum(w, opt, "total_tax", f->v[C_CART_TAX], f->v[C_SHIP_TAX]);
    json_out_key(w, "prices_include_tax");
    json_out_bool(w, f->v[C_PIT] && strcmp(f->v[C_PIT], "1") == 0);
    kint(w, "customer_id", (long long)u64(f->v[C_CUSTOMER]));
    kstr(w, "customer_ip_address", f->v[C_IP]);
    kstr(w, "customer_user_agent", f->v[C_UA]);
    kstr(w, "customer_note", f->v[C_NOTE]);
    json_out_key(w, "billing");
    address_write(w, f, C_BILL, true);
    json_out_key(w, "shipping");
    address_write(w, f, C_SHIP, false);
    kstr(w, "payment_method", f->v[C_PAY_METHOD]);
    kstr(w, "payment_method_title", f->v[C_PAY_TITLE]);
    kstr(w, "transaction_id", f->v[C_TXN]);
    kdates(w, opt, "date_paid", "date_paid_gmt", f->v[C_PAID]);
    kdates(w, opt, "date_completed", "date_completed_gmt", f->v[C_COMPLETED]);
    kstr(w, "cart_hash", f->v[C_CART_HASH]);
    order_meta_write(w, f, allow);
    char url[1600];
    payment_url(opt, id, f->v[C_KEY], url, sizeof url);
    kstr(w, "payment_url", url);
    json_out_key(w, "is_editable");
    json_out_bool(w, strcmp(st, "pending") == 0 || strcmp(st, "on-hold") == 0 || strcmp(st, "auto-draft") == 0);
    json_out_key(w, "needs_payment");
    json_out_bool(w, (strcmp(st, "pending") == 0 || strcmp(st, "failed") == 0) &&
                         strtold(f->v[C_TOTAL] ? f->v[C_TOTAL] : "0", NULL) > 0);
    json_out_key(w, "needs_processing");
    json_out_bool(w, u64(f->v[C_NEEDS_PROC]) > 0);
    char admin[700];
    if (opt->hpos)
        snprintf(admin, sizeof admin, "%s/wp-admin/admin.php?page=wc-orders&action=edit&id=%" PRIu64, opt->site_url,
                 id);
    else
        snprintf(admin, sizeof admin, "%s/wp-admin/post.php?post=%" PRIu64 "&action=edit", opt->site_url, id);
    kstr(w, "admin_url", admin);
}

static void hpos_flat(const struct db_rows *r, size_t row, struct flat *f)
{
    memset(f, 0, sizeof *f);
    for (int c = 0; c < NCOLS; c++)
        f->v[c] = db_cell(r, row, (size_t)c);
}

static int cmp_meta(const void *x, const void *y)
{
    const struct meta_row *p = x, *q = y;
    return p->id < q->id ? -1 : p->id > q->id;
}

/* meta_data as $order->get_meta_data() holds it for the REST controller, by meta id, narrowed to what
 * apid shows (apid/order_meta.h). Sorts f's meta rows. */
static void order_meta_write(struct json_out *w, struct flat *f, const char *allow)
{
    if (f->nmeta > 1)
        qsort(f->meta, f->nmeta, sizeof *f->meta, cmp_meta);
    json_out_key(w, "meta_data");
    json_out_array_open(w);
    for (size_t i = 0; i < f->nmeta; i++) {
        const struct meta_row *m = &f->meta[i];
        if (i > 0 && m->id == f->meta[i - 1].id)
            continue; /* a join repeated the row */
        if (!order_meta_visible(allow, m->key))
            continue;
        json_out_object_open(w);
        kint(w, "id", (long long)m->id);
        kstr(w, "key", m->key);
        json_out_key(w, "value");
        order_meta_value_write(w, m->val);
        json_out_object_close(w);
    }
    json_out_array_close(w);
}

/* Posts rows: P_COLS, meta_key, meta_value, meta_id; consecutive rows of one order. Fills f from rows
 * [*row, end) and advances *row past them; the meta rows go to meta (room for every row of r). */
static void posts_flat(const struct db_rows *r, size_t *row, struct flat *f, struct meta_row *meta)
{
    memset(f, 0, sizeof *f);
    const char *id = db_cell(r, *row, 0);
    f->v[C_ID] = id;
    f->v[C_PARENT] = db_cell(r, *row, 1);
    f->v[C_STATUS] = db_cell(r, *row, 2);
    f->v[C_CREATED] = db_cell(r, *row, 3);
    f->v[C_MODIFIED] = db_cell(r, *row, 4);
    f->v[C_NOTE] = db_cell(r, *row, 5);
    f->v[C_NEEDS_PROC] = db_cell(r, *row, PC_NEEDS);
    f->meta = meta;
    for (; *row < r->nrows && strcmp(db_cell(r, *row, 0), id) == 0; (*row)++) {
        const char *key = db_cell(r, *row, PC_KEY);
        post_meta_set(f, key, db_cell(r, *row, PC_VAL));
        if (key != NULL)
            meta[f->nmeta++] = (struct meta_row){u64(db_cell(r, *row, PC_MID)), key, db_cell(r, *row, PC_VAL)};
    }
    post_flat_finish(f);
}

struct row_key {
    uint64_t a, b;
    const char *date; /* notes and refunds: newest first */
    size_t row;
};

static int cmp_item_rows(const void *x, const void *y)
{
    const struct row_key *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

/* date DESC, id DESC, as MariaDB orders them (NULL dates last) */
static int cmp_newest_first(const void *x, const void *y)
{
    const struct row_key *p = x, *q = y;
    int c = p->date && q->date ? strcmp(q->date, p->date) : (p->date != NULL) - (q->date != NULL);
    if (c != 0)
        return p->date && q->date ? c : -c;
    if (p->a != q->a)
        return p->a > q->a ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL)
        abort();
    return p;
}

/* ---- list ------------------------------------------------------------------------------------ */

static void like_pattern(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    out[o++] = '%';
    for (; *s && o + 3 < cap; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o++] = '%';
    out[o] = '\0';
}

static size_t filter_params(const struct orders_filter *f, struct db_value *p, char *like, size_t likecap)
{
    size_t n = 0;
    for (size_t i = 0; i < ORDERS_STATUS_SLOTS; i++)
        p[n++] = DB_STR(f->statuses[i < f->nstatuses ? i : 0]);
    p[n++] = DB_STR(f->after_gmt);
    p[n++] = DB_STR(f->before_gmt);
    if (f->has_customer)
        p[n++] = DB_UINT(f->customer);
    if (f->search) {
        uint64_t id = 0;
        (void)parse_uint(f->search, UINT64_MAX, &id);
        like_pattern(f->search, like, likecap);
        p[n++] = DB_UINT(id);
        p[n++] = DB_STR(like);
        p[n++] = DB_STR(like);
    }
    return n;
}

/* Totals of filtered lists are kept in apid/count_cache, valid while the fingerprint (highest order id,
 * latest date_updated_gmt) is unchanged and for at most COUNT_CACHE_TTL_S. WooCommerce bumps
 * date_updated_gmt on every order save (status, trash, edits) and new orders get higher ids, so a cached
 * total is exact for every change WooCommerce makes through its own API except a permanent delete of an
 * order that is neither the newest nor followed by any other order change: that one shows within the
 * TTL. count_key spells a filter as the cache's key. */
static bool count_key(const struct orders_filter *f, char key[COUNT_CACHE_KEY_BYTES])
{
    size_t o = 0;
    for (size_t i = 0; i < f->nstatuses; i++) {
        int n = snprintf(key + o, COUNT_CACHE_KEY_BYTES - o, "%s,", f->statuses[i]);
        if (n < 0 || (size_t)n >= COUNT_CACHE_KEY_BYTES - o)
            return false;
        o += (size_t)n;
    }
    int n = snprintf(key + o, COUNT_CACHE_KEY_BYTES - o, "|%s|%s|%d:%" PRIu64 "|%d:%s", f->after_gmt, f->before_gmt,
                     f->has_customer, f->customer, f->search != NULL, f->search ? f->search : "");
    return n >= 0 && (size_t)n < COUNT_CACHE_KEY_BYTES - o;
}


static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* What a rendered order depends on besides its rows. */
static uint64_t options_hash(const struct db *db, const struct store_options *opt, const char *allow)
{
    uint64_t h = 14695981039346656037ULL;
    h = fnv1a(h, allow, strlen(allow) + 1);
    h = fnv1a(h, opt->home_url, strlen(opt->home_url) + 1);
    h = fnv1a(h, opt->checkout_url, strlen(opt->checkout_url) + 1);
    h = fnv1a(h, opt->checkout_pay_endpoint, strlen(opt->checkout_pay_endpoint) + 1);
    h = fnv1a(h, opt->permalink_structure, strlen(opt->permalink_structure) + 1);
    const char *pre = db_prefix(db);
    h = fnv1a(h, pre, strlen(pre) + 1);
    h = fnv1a(h, opt->site_url, strlen(opt->site_url) + 1);
    h = fnv1a(h, opt->timezone, strlen(opt->timezone) + 1);
    h = fnv1a(h, opt->currency, strlen(opt->currency) + 1);
    h = fnv1a(h, &opt->gmt_offset, sizeof opt->gmt_offset);
    h = fnv1a(h, &opt->price_decimals, sizeof opt->price_decimals);
    return fnv1a(h, &opt->hpos, sizeof opt->hpos);
}

static bool settled(const char *updated, const char *dbnow)
{
    struct tm a, b;
    return updated && dbnow && parse_ymdhis(updated, &a) && parse_ymdhis(dbnow, &b) &&
           tm_to_epoch(&b) - tm_to_epoch(&a) >= 2;
}

/* The first and last keys a page query read (the first is the order before the page when skip is 1). */
struct page_edges {
    char first_date[20], last_date[20];
    uint64_t first_id, last_id;
};

static void edge_copy(char out[20], const char *date)
{
    snprintf(out, 20, "%s", date ? date : "");
}

/* HPOS page: keys first, then the rows the cache does not have, in one query by id. The first skip keys
 * (0 or 1: the order before the page, read to remember where the page starts) are not written. A seek
 * (seek_fp set) is stale, and 1 is returned with nothing written, unless it read that fingerprint and,
 * when seek_id is not 0, starts with that order. Leaves the fingerprint columns in fp/cacheable. */
static int hpos_page_write(struct json_out *w, struct db *db, const struct store_options *opt, const char *allow,
                           const char *sql, const struct db_value *p, size_t n, size_t skip, const char *seek_fp,
                           uint64_t seek_id, size_t *norders, char fp[COUNT_CACHE_FP_BYTES], bool *cacheable,
                           struct page_edges *edges)
{
    struct db_rows k;
    if (db_query(db, sql, p, n, &k) != 0) {
        log_warn("orders: list query failed: %s", db_error(db));
        return -1;
    }
    struct row_key *ord = xcalloc(k.nrows, sizeof *ord);
    for (size_t i = 0; i < k.nrows; i++)
        ord[i] = (struct row_key){u64(db_cell(&k, i, 0)), 0, db_cell(&k, i, 1), i};
    qsort(ord, k.nrows, sizeof *ord, cmp_newest_first);
    const char *dbnow = k.nrows ? db_cell(&k, 0, 5) : NULL;
    if (k.nrows > 0) {
        const char *maxid = db_cell(&k, 0, 3), *maxupd = db_cell(&k, 0, 4);
        struct tm a, b;
        if (maxid && maxupd && dbnow && parse_ymdhis(maxupd, &a) && parse_ymdhis(dbnow, &b)) {
            snprintf(fp, COUNT_CACHE_FP_BYTES, "%s|%s", maxid, maxupd);
            /* a write in the same second as the latest one would leave the fingerprint unchanged */
            *cacheable = tm_to_epoch(&b) - tm_to_epoch(&a) >= 2;
        }
    }
    if (seek_fp != NULL && (strcmp(fp, seek_fp) != 0 || (seek_id != 0 && (k.nrows == 0 || ord[0].a != seek_id)))) {
        free(ord);
        db_rows_free(&k);
        fp[0] = '\0';
        *cacheable = false;
        return 1;
    }
    if (k.nrows > 0) {
        edge_copy(edges->first_date, ord[0].date);
        edges->first_id = ord[0].a;
        edge_copy(edges->last_date, ord[k.nrows - 1].date);
        edges->last_id = ord[k.nrows - 1].a;
    }
    uint64_t oh = options_hash(db, opt, allow);
    /* the cached orders are copied aside; the others' rows come in one query */
    struct db_value ids[ORDERS_PER_PAGE_MAX];
    size_t nmiss = 0, *at = xcalloc(k.nrows, sizeof *at), *len = xcalloc(k.nrows, sizeof *len);
    bool *hit = xcalloc(k.nrows, sizeof *hit);
    struct json_out hits;
    json_out_init(&hits);
    json_out_array_open(&hits);
    for (size_t i = skip; i < k.nrows && nmiss < ORDERS_PER_PAGE_MAX; i++) {
        const char *upd = db_cell(&k, ord[i].row, 2);
        hit[i] = upd != NULL && order_cache_list_get(&hits, ord[i].a, upd, oh, &at[i], &len[i]);
        if (!hit[i])
            ids[nmiss++] = DB_UINT(ord[i].a);
    }
    struct db_rows r = {0};
    if (nmiss > 0) {
        for (size_t i = nmiss; i < ORDERS_PER_PAGE_MAX; i++)
            ids[i] = ids[0];
        if (db_query(db, H_ROWS[allow[0] != '\0'], ids, ORDERS_PER_PAGE_MAX, &r) != 0) {
            log_warn("orders: list rows query failed: %s", db_error(db));
            json_out_free(&hits);
            free(hit);
            free(at);
            free(len);
            free(ord);
            db_rows_free(&k);
            return -1;
        }
    }
    struct meta_row *meta = xcalloc(r.nrows, sizeof *meta);
    json_out_array_open(w);
    for (size_t i = skip; i < k.nrows; i++) {
        uint64_t id = ord[i].a;
        const char *upd = db_cell(&k, ord[i].row, 2);
        if (hit[i]) {
            json_out_raw(w, hits.buf + at[i], len[i]);
            continue;
        }
        /* the order's rows, one per meta row (H_ROWS) */
        size_t row = r.nrows, nmeta = 0;
        for (size_t j = 0; j < r.nrows; j++) {
            if (u64(db_cell(&r, j, C_ID)) != id)
                continue;
            row = j;
            if (db_cell(&r, j, NCOLS) != NULL)
                meta[nmeta++] = (struct meta_row){u64(db_cell(&r, j, NCOLS)), db_cell(&r, j, NCOLS + 1),
                                                  db_cell(&r, j, NCOLS + 2)};
        }
        if (row == r.nrows)
            continue; /* gone between the two queries */
        struct flat fl;
        hpos_flat(&r, row, &fl);
        fl.meta = meta;
        fl.nmeta = nmeta;
        json_out_object_open(w);
        size_t start = w->len;
        order_members(w, &fl, opt, allow);
        json_out_object_close(w);
        const char *upd_row = db_cell(&r, row, C_MODIFIED);
        if (upd_row && upd && strcmp(upd_row, upd) == 0 && settled(upd_row, dbnow))
            order_cache_list_put(id, upd_row, oh, w->buf + start - 1, w->len - start + 1);
    }
    json_out_array_close(w);
    *norders = k.nrows > skip ? k.nrows - skip : 0;
    free(meta);
    db_rows_free(&r);
    json_out_free(&hits);
    free(hit);
    free(at);
    free(len);
    free(ord);
    db_rows_free(&k);
    return 0;
}

/* An HPOS list page. A page after the first also reads the order just before it, and the key of that
 * order and of the page's last one are kept (apid/orders_page_keys) under the fingerprint read with
 * them, when it is settled. A later page of the same filter starts from the nearest kept key at or
 * before it with a keyset seek, which skips only the orders between that key and the page; the seek
 * reads the fingerprint in the same statement, and when that is not the kept one (an order was created
 * or saved since), or the kept order is no longer where it was, the page is read again with OFFSET. The
 * fingerprint is the count cache's, so the same holds as for totals: every change WooCommerce makes
 * shows at once except a permanent delete of an order that is neither the newest nor followed by any
 * other change, which shows within ORDERS_PAGE_KEYS_TTL_S. */
static int hpos_list_write(struct json_out *w, struct db *db, const struct store_options *opt, const char *allow,
                           const struct orders_filter *f, struct db_value *p, size_t nf, unsigned long long offset,
                           size_t *norders, char fp[COUNT_CACHE_FP_BYTES], bool *cacheable)
{
    int c = f->has_customer, s = f->search != NULL;
    bool by_date = c == 0 && f->nstatuses > 1;
    char key[COUNT_CACHE_KEY_BYTES];
    bool keyed = count_key(f, key);
    size_t skip = offset > 0;
    struct page_edges edges = {0};
    struct orders_page_key pk;
    int rc = 1;
    if (keyed && offset > 0 && orders_page_keys_find(db, key, offset, &pk)) {
        struct db_value q[24];
        memcpy(q, p, nf * sizeof *q);
        size_t n = nf;
        q[n++] = DB_STR(pk.date);
        q[n++] = DB_STR(pk.date);
        q[n++] = DB_UINT(pk.id);
        q[n++] = DB_UINT(f->per_page + 1);
        q[n++] = DB_UINT(offset - pk.offset);
        rc = hpos_page_write(w, db, opt, allow, by_date ? H_KEYS_BY_DATE_SEEK[s] : H_KEYS_SEEK[c][s], q, n, 1, pk.fp,
                             offset == pk.offset ? pk.id : 0, norders, fp, cacheable, &edges);
    }
    if (rc == 1) {
        p[nf] = DB_UINT(f->per_page + skip);
        p[nf + 1] = DB_UINT(offset - skip);
        rc = hpos_page_write(w, db, opt, allow, by_date ? H_KEYS_BY_DATE_LIST[s] : H_KEYS_LIST[c][s], p, nf + 2, skip,
                             NULL, 0, norders, fp, cacheable, &edges);
    }
    if (rc != 0)
        return -1;
    if (keyed && *cacheable && fp[0] && *norders > 0) {
        if (skip)
            orders_page_keys_put(db, key, offset, edges.first_date, edges.first_id, fp);
        orders_page_keys_put(db, key, offset + *norders, edges.last_date, edges.last_id, fp);
    }
    return 0;
}

int orders_read_list_json(struct db *db, const struct store_options *opt, const struct orders_filter *f,
                          struct json_out *w, uint64_t *total)
{
    struct db_value p[24];
    char like[512];
    size_t n = filter_params(f, p, like, sizeof like);
    size_t nf = n;
    unsigned long long offset = (unsigned long long)(f->page - 1) * f->per_page;
    p[n++] = DB_UINT(f->per_page);
    p[n++] = DB_UINT(offset);
    int c = f->has_customer, s = f->search != NULL;
    size_t norders = 0;
    char key[COUNT_CACHE_KEY_BYTES], fp[COUNT_CACHE_FP_BYTES] = "";
    const char *allow = security_settings_peek()->order_meta_allowlist;
    bool cacheable = false;
    if (opt->hpos) {
        if (hpos_list_write(w, db, opt, allow, f, p, nf, offset, &norders, fp, &cacheable) != 0)
            return -1;
    } else {
        struct db_rows r;
        if (db_query(db, P_LIST[c][s], p, n, &r) != 0) {
            log_warn("orders: list query failed: %s", db_error(db));
            return -1;
        }
        struct meta_row *meta = xcalloc(r.nrows, sizeof *meta);
        json_out_array_open(w);
        size_t i = 0;
        while (i < r.nrows) {
            struct flat fl;
            posts_flat(&r, &i, &fl, meta);
            json_out_object_open(w);
            order_members(w, &fl, opt, allow);
            json_out_object_close(w);
            norders++;
        }
        json_out_array_close(w);
        free(meta);
        db_rows_free(&r);
    }
    if (norders < f->per_page && (norders > 0 || f->page == 1)) {
        *total = offset + norders; /* the page itself ends the list: exact without counting */
    } else if (fp[0] && count_key(f, key) && count_cache_get(db, "orders", key, fp, total)) {
        /* counted before, and no order was created or modified since */
    } else {
        struct db_rows cr;
        if (db_query(db, opt->hpos ? H_COUNT[c][s] : P_COUNT[c][s], p, nf, &cr) != 0 || cr.nrows != 1) {
            log_warn("orders: count query failed: %s", db_error(db));
            return -1;
        }
        *total = u64(db_cell(&cr, 0, 0));
        db_rows_free(&cr);
        if (cacheable && count_key(f, key))
            count_cache_put(db, "orders", key, fp, *total);
    }
    return 0;
}

int orders_read_list(struct db *db, const struct store_options *opt, const struct orders_filter *f, json_t **page,
                     uint64_t *total)
{
    struct json_out w;
    json_out_init(&w);
    int rc = orders_read_list_json(db, opt, f, &w, total);
    if (rc == 0 && (*page = json_loadb(w.buf, w.len, 0, NULL)) == NULL)
        rc = -1;
    json_out_free(&w);
    return rc;
}

/* ---- one order: items, notes, refunds --------------------------------------------------------- */

struct item_meta {
    uint64_t id;
    const char *key, *val;
    const char *attr_label; /* the attribute taxonomy's label when the key names one (pa_…), else NULL */
    const char *term_name;  /* the term of that taxonomy whose slug is the value, else NULL */
};

struct item {
    uint64_t id;
    const char *type, *name;
    const char *sku, *variation_sku; /* from the product lookup joined to _product_id/_variation_id */
    const char *image, *image_id, *variation_image, *variation_image_id; /* their _thumbnail_id */
    const char *attributes;   /* the product's _product_attributes (serialized), NULL when none */
    const char *parent_title; /* the product's post_title, NULL when the product is gone */
    bool has_product, has_variation;
    bool product_vd, variation_vd; /* the product / variation is both virtual and downloadable */
    const struct item_meta *meta;
    size_t nmeta;
};

/* An item meta value as WooCommerce's getters read it: the first row of that key, "" when absent. */
static const char *raw(const struct item *it, const char *k)
{
    for (size_t i = 0; i < it->nmeta; i++)
        if (strcmp(it->meta[i].key, k) == 0)
            return it->meta[i].val ? it->meta[i].val : "";
    return "";
}

/* The item's product as $item->get_product() finds it: the variation when there is one, else the
 * product; false when that post is gone (no wc_product_meta_lookup row). */
static bool item_has_product(const struct item *it)
{
    return u64(raw(it, "_variation_id")) > 0 ? it->has_variation : it->has_product;
}

/* A tax amount as get_taxes() holds it: the stored string (set_taxes ran it through wc_format_decimal,
 * which leaves a decimal string as it is); a stored float as PHP prints it. */
static void tax_amount_write(struct json_out *w, const char *key, const json_t *v)
{
    json_out_key(w, key);
    if (json_is_string(v)) {
        json_out_string(w, json_string_value(v));
    } else if (json_is_number(v)) {
        char buf[32];
        json_out_format_php_float(json_number_value(v), buf);
        json_out_string(w, buf);
    } else {
        json_out_string(w, "");
    }
}

/* WooCommerce's taxes array from a serialized {total: {rate: amount}, subtotal: {...}} (a shipping
 * item of an old order may hold the bare {rate: amount}): {id, total, subtotal}, subtotal "" when the
 * item has none, the amounts not rounded (get_order_item_data formats only the item's own totals). */
static void taxes_write(struct json_out *w, const char *key, const char *ser, bool bare_ok)
{
    json_out_key(w, key);
    json_out_array_open(w);
    const char *err = NULL;
    json_t *v = ser && *ser ? php_unserialize(ser, strlen(ser), &err) : NULL;
    json_t *tot = json_object_get(v, "total"), *sub = json_object_get(v, "subtotal");
    if (tot == NULL && bare_ok && json_is_object(v) && json_object_get(v, "subtotal") == NULL)
        tot = v;
    const char *rate;
    json_t *amt;
    if (json_is_object(tot)) {
        json_object_foreach(tot, rate, amt) {
            json_out_object_open(w);
            kint(w, "id", (long long)u64(rate));
            tax_amount_write(w, "total", amt);
            tax_amount_write(w, "subtotal", json_object_get(sub, rate));
            json_out_object_close(w);
        }
    }
    json_decref(v);
    json_out_array_close(w);
}

/* wc_attribute_label( str_replace( 'attribute_', '', key ), $product ): the attribute taxonomy's
 * label, else (with a product) the name the parent product's attribute of that sanitize_title'd key
 * was given, else the key itself. Returns a malloc'd string. */
static char *item_meta_label(const struct item *it, const struct item_meta *m, const char *key, bool product)
{
    size_t kl = strlen(key);
    char *ak = malloc(kl + 1);
    if (ak == NULL)
        abort();
    size_t o = 0;
    for (size_t i = 0; i < kl;) {
        if (strncmp(key + i, "attribute_", 10) == 0) {
            i += 10;
            continue;
        }
        ak[o++] = key[i++];
    }
    ak[o] = '\0';
    if (m->attr_label != NULL) {
        free(ak);
        return strdup(m->attr_label);
    }
    if (product && it->attributes) {
        const char *err = NULL;
        json_t *attrs = php_unserialize(it->attributes, strlen(it->attributes), &err);
        char slug[256];
        order_meta_sanitize_title(ak, slug, sizeof slug);
        const char *name = json_string_value(json_object_get(json_object_get(attrs, slug), "name"));
        if (name != NULL) {
            free(ak);
            ak = strdup(name);
        }
        json_decref(attrs);
    }
    return ak;
}

/* meta_data of an item as get_order_item_data() writes it: {id, key, value, display_key,
 * display_value}; a row get_formatted_meta_data() formats (a scalar that is not "") has key and value
 * rawurldecode'd and the display forms cleaned, any other keeps its value and repeats it. */
static void item_meta_write(struct json_out *w, const struct item *it, const char *allow)
{
    bool product = strcmp(it->type, "line_item") == 0 && item_has_product(it);
    json_out_key(w, "meta_data");
    json_out_array_open(w);
    for (size_t i = 0; i < it->nmeta; i++) {
        const struct item_meta *m = &it->meta[i];
        if (!order_meta_item_visible(allow, it->type, m->key))
            continue;
        json_out_object_open(w);
        kint(w, "id", (long long)m->id);
        char *text = NULL;
        if (order_meta_scalar_text(m->val, &text)) {
            char *key = order_meta_rawurldecode(m->key);
            char *label = item_meta_label(it, m, key, product);
            char *shown = m->attr_label && m->term_name && m->term_name[0] ? strdup(m->term_name)
                                                                            : order_meta_kses(text);
            char *dk = order_meta_clean(label), *dv = order_meta_clean(shown);
            kstr(w, "key", key);
            kstr(w, "value", text);
            kstr(w, "display_key", dk);
            kstr(w, "display_value", dv);
            free(dk);
            free(dv);
            free(shown);
            free(label);
            free(key);
            free(text);
        } else {
            kstr(w, "key", m->key);
            json_out_key(w, "value");
            order_meta_value_write(w, m->val);
            kstr(w, "display_key", m->key);
            json_out_key(w, "display_value");
            order_meta_value_write(w, m->val);
        }
        json_out_object_close(w);
    }
    json_out_array_close(w);
}

/* The coupon a coupon line describes, as get_order_item_data() rebuilds it: from coupon_info (JSON
 * [id, code, discount_type, amount, free_shipping], WC 8.7+) or the older coupon_data (serialized
 * props); a new WC_Coupon's defaults (fixed_cart, 0, false) otherwise. */
static void coupon_extra_write(struct json_out *w, const struct item *it)
{
    const char *type = "fixed_cart";
    double amount = 0;
    bool free_shipping = false;
    json_t *info = NULL, *data = NULL;
    const char *ci = raw(it, "coupon_info"), *cd = raw(it, "coupon_data");
    const char *err = NULL;
    if (*ci && (info = json_loads(ci, JSON_DECODE_ANY, NULL)) != NULL && json_is_array(info)) {
        const json_t *t = json_array_get(info, 2), *a = json_array_get(info, 3), *f = json_array_get(info, 4);
        if (json_is_string(t))
            type = json_string_value(t);
        amount = json_is_number(a) ? json_number_value(a) : json_is_string(a) ? strtod(json_string_value(a), NULL) : 0;
        free_shipping = json_is_true(f) || (json_is_integer(f) && json_integer_value(f) != 0);
    } else if (*cd && (data = php_unserialize(cd, strlen(cd), &err)) != NULL && json_is_object(data)) {
        const json_t *t = json_object_get(data, "discount_type"), *a = json_object_get(data, "amount"),
                     *f = json_object_get(data, "free_shipping");
        if (json_is_string(t) && json_string_length(t) > 0)
            type = json_string_value(t);
        amount = json_is_number(a) ? json_number_value(a) : json_is_string(a) ? strtod(json_string_value(a), NULL) : 0;
        free_shipping = json_is_true(f) || (json_is_string(f) && strcmp(json_string_value(f), "yes") == 0);
    }
    kstr(w, "discount_type", type);
    json_out_key(w, "nominal_amount");
    json_out_php_float(w, amount);
    json_out_key(w, "free_shipping");
    json_out_bool(w, free_shipping);
    json_decref(info);
    json_decref(data);
}

static void item_write(struct json_out *w, const struct store_options *opt, const struct item *it, const char *allow)
{
    json_out_object_open(w);
    kint(w, "id", (long long)it->id);
    if (strcmp(it->type, "line_item") == 0) {
        kstr(w, "name", it->name);
        kint(w, "product_id", (long long)u64(raw(it, "_product_id")));
        const char *variation = raw(it, "_variation_id");
        bool is_variation = u64(variation) > 0, product = item_has_product(it);
        kint(w, "variation_id", (long long)u64(variation));
        long long qty = strtoll(raw(it, "_qty"), NULL, 10);
        kint(w, "quantity", qty);
        kstr(w, "tax_class", raw(it, "_tax_class"));
        kmoney(w, opt, "subtotal", raw(it, "_line_subtotal"));
        kmoney(w, opt, "subtotal_tax", raw(it, "_line_subtotal_tax"));
        kmoney(w, opt, "total", raw(it, "_line_total"));
        kmoney(w, opt, "total_tax", raw(it, "_line_tax"));
        taxes_write(w, "taxes", raw(it, "_line_tax_data"), false);
        item_meta_write(w, it, allow);
        /* the variation's SKU when there is a variation; null when the product is gone */
        json_out_key(w, "sku");
        json_out_string_or_null(w, !product ? NULL : is_variation ? (it->variation_sku ? it->variation_sku : "")
                                                               : (it->sku ? it->sku : ""));
        /* a PHP float: total / quantity, printed as json_encode prints it */
        json_out_key(w, "price");
        json_out_php_float(w, qty ? strtod(raw(it, "_line_total"), NULL) / (double)qty : 0.0);
        /* get_image_id(): a variation's own image, else its parent's */
        const char *img = it->image, *img_id = it->image_id;
        if (is_variation && u64(it->variation_image_id) > 0) {
            img = it->variation_image;
            img_id = it->variation_image_id;
        }
        if (!product)
            img = img_id = NULL;
        json_out_key(w, "image");
        json_out_object_open(w);
        kint(w, "id", (long long)u64(img_id));
        kstr(w, "src", u64(img_id) > 0 ? img : "");
        json_out_object_close(w);
        json_out_key(w, "parent_name");
        json_out_string_or_null(w, product && is_variation ? (it->parent_title ? it->parent_title : "") : NULL);
    } else if (strcmp(it->type, "shipping") == 0) {
        kstr(w, "method_title", it->name);
        kstr(w, "method_id", raw(it, "method_id"));
        kstr(w, "instance_id", raw(it, "instance_id"));
        kmoney(w, opt, "total", raw(it, "cost"));
        kmoney(w, opt, "total_tax", raw(it, "total_tax"));
        taxes_write(w, "taxes", raw(it, "taxes"), true);
        item_meta_write(w, it, allow);
    } else if (strcmp(it->type, "fee") == 0) {
        kstr(w, "name", it->name);
        kstr(w, "tax_class", raw(it, "_tax_class"));
        kstr(w, "tax_status", raw(it, "_tax_status"));
        kstr(w, "amount", raw(it, "_fee_amount"));
        kmoney(w, opt, "total", raw(it, "_line_total"));
        kmoney(w, opt, "total_tax", raw(it, "_line_tax"));
        taxes_write(w, "taxes", raw(it, "_line_tax_data"), false);
        item_meta_write(w, it, allow);
    } else if (strcmp(it->type, "coupon") == 0) {
        kstr(w, "code", it->name);
        kstr(w, "discount", raw(it, "discount_amount"));
        kstr(w, "discount_tax", raw(it, "discount_amount_tax"));
        item_meta_write(w, it, allow);
        coupon_extra_write(w, it);
    } else { /* tax */
        kstr(w, "rate_code", it->name);
        kint(w, "rate_id", (long long)u64(raw(it, "rate_id")));
        kstr(w, "label", raw(it, "label"));
        json_out_key(w, "compound");
        json_out_bool(w, strcmp(raw(it, "compound"), "1") == 0);
        kmoney(w, opt, "tax_total", raw(it, "tax_amount"));
        kmoney(w, opt, "shipping_tax_total", raw(it, "shipping_tax_amount"));
        json_out_key(w, "rate_percent");
        json_out_php_float(w, strtod(raw(it, "rate_percent"), NULL));
        item_meta_write(w, it, allow);
    }
    json_out_object_close(w);
}

/* Items: one row per item meta (item id, type, name, meta id, key, value), with
 *  - on the _product_id and _variation_id rows the product's SKU, virtual and downloadable flags from
 *    wc_product_meta_lookup (a row there also says the product exists) and its thumbnail (_thumbnail_id
 *    and the attachment's URL);
 *  - on the _product_id row the product's title, and one more row with its _product_attributes (labels
 *    of custom attributes): thumbnail and attributes come from one postmeta join, the row's postmeta
 *    key tells which it is;
 *  - on a row whose key names an attribute taxonomy (pa_…, with or without attribute_) the taxonomy's
 *    label, and the term whose slug is the value (looked up only on such rows: a slug lookup for every
 *    meta value cost about 40 index reads an order).
 * Rows are put in (item, meta) order here rather than by the server (a sort of longtext rows there
 * costs a temporary table); a join that repeats a meta row is read once. */
#define ITEM_ATTR_KEY "REPLACE(m.meta_key, 'attribute_', '')"
static const char ITEMS_SQL[] =
    "SELECT i.order_item_id, i.order_item_type, i.order_item_name, m.meta_id, m.meta_key, m.meta_value, l.sku, a.guid,"
    " t.meta_value, at.attribute_label, te.name, t.meta_key, pp.post_title, l.product_id, l.`virtual`, l.downloadable"
    " FROM {p}woocommerce_order_items i LEFT JOIN {p}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id"
    " LEFT JOIN {p}wc_product_meta_lookup l ON m.meta_key IN ('_product_id', '_variation_id')"
    " AND l.product_id = m.meta_value"
    " LEFT JOIN {p}postmeta t IGNORE INDEX (meta_key) ON m.meta_key IN ('_product_id', '_variation_id')"
    " AND t.post_id = m.meta_value AND (t.meta_key = '_thumbnail_id'"
    " OR (t.meta_key = '_product_attributes' AND m.meta_key = '_product_id'))"
    " LEFT JOIN {p}posts a ON t.meta_key = '_thumbnail_id' AND a.ID = t.meta_value"
    " LEFT JOIN {p}posts pp ON m.meta_key = '_product_id' AND pp.ID = m.meta_value"
    " LEFT JOIN {p}woocommerce_attribute_taxonomies at ON LEFT(" ITEM_ATTR_KEY ", 3) = 'pa_'"
    " AND at.attribute_name = SUBSTRING(" ITEM_ATTR_KEY ", 4)"
    " LEFT JOIN ({p}term_taxonomy tt JOIN {p}terms te ON te.term_id = tt.term_id)"
    " ON te.slug = IF(at.attribute_id IS NULL, NULL, m.meta_value) AND tt.taxonomy = " ITEM_ATTR_KEY
    " WHERE i.order_id = ?";

/* An order's items as read by ITEMS_SQL; the strings point into rows. */
struct items {
    struct db_rows rows;
    struct item *item;
    struct item_meta *meta;
    size_t n;
};

static void items_free(struct items *x)
{
    free(x->item);
    free(x->meta);
    db_rows_free(&x->rows);
    memset(x, 0, sizeof *x);
}

static bool flag_set(const char *v)
{
    return v != NULL && strcmp(v, "1") == 0;
}

static int items_load(struct db *db, uint64_t id, struct items *x)
{
    memset(x, 0, sizeof *x);
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows *r = &x->rows;
    if (db_query(db, ITEMS_SQL, p, 1, r) != 0) {
        log_warn("orders: items query failed: %s", db_error(db));
        return -1;
    }
    struct row_key *ord = xcalloc(r->nrows, sizeof *ord);
    struct item_meta *metas = x->meta = xcalloc(r->nrows, sizeof *metas);
    struct item *items = x->item = xcalloc(r->nrows, sizeof *items);
    for (size_t i = 0; i < r->nrows; i++)
        ord[i] = (struct row_key){u64(db_cell(r, i, 0)), u64(db_cell(r, i, 3)), NULL, i};
    qsort(ord, r->nrows, sizeof *ord, cmp_item_rows);
    size_t nitems = 0, nmetas = 0;
    for (size_t k = 0; k < r->nrows;) {
        struct item *it = &items[nitems++];
        it->id = ord[k].a;
        it->meta = &metas[nmetas];
        size_t first = nmetas;
        for (; k < r->nrows && ord[k].a == it->id; k++) {
            size_t row = ord[k].row;
            it->type = db_cell(r, row, 1);
            it->name = db_cell(r, row, 2);
            const char *key = db_cell(r, row, 4);
            if (key == NULL)
                continue;
            bool repeat = nmetas > first && metas[nmetas - 1].id == ord[k].b;
            const char *pm_key = db_cell(r, row, 11); /* which postmeta row of the product this is */
            bool thumb = pm_key && strcmp(pm_key, "_thumbnail_id") == 0;
            bool exists = db_cell(r, row, 13) != NULL;
            if (strcmp(key, "_product_id") == 0) {
                if (!it->has_product && exists) {
                    it->has_product = true;
                    it->sku = db_cell(r, row, 6);
                    it->product_vd = flag_set(db_cell(r, row, 14)) && flag_set(db_cell(r, row, 15));
                }
                if (thumb && it->image_id == NULL) {
                    it->image = db_cell(r, row, 7);
                    it->image_id = db_cell(r, row, 8);
                }
                if (pm_key && !thumb && it->attributes == NULL)
                    it->attributes = db_cell(r, row, 8);
                if (it->parent_title == NULL)
                    it->parent_title = db_cell(r, row, 12);
            } else if (strcmp(key, "_variation_id") == 0) {
                if (!it->has_variation && exists) {
                    it->has_variation = true;
                    it->variation_sku = db_cell(r, row, 6);
                    it->variation_vd = flag_set(db_cell(r, row, 14)) && flag_set(db_cell(r, row, 15));
                }
                if (thumb && it->variation_image_id == NULL) {
                    it->variation_image = db_cell(r, row, 7);
                    it->variation_image_id = db_cell(r, row, 8);
                }
            }
            if (!repeat)
                metas[nmetas++] = (struct item_meta){ord[k].b, key, db_cell(r, row, 5), db_cell(r, row, 9),
                                                     db_cell(r, row, 10)};
        }
        it->nmeta = nmetas - first;
        if (it->type == NULL)
            it->type = "";
    }
    x->n = nitems;
    free(ord);
    return 0;
}

/* WC_Order::needs_processing from the loaded items (the list asks NEEDS_PROC of the server). */
static bool items_need_processing(const struct items *x)
{
    for (size_t i = 0; i < x->n; i++) {
        const struct item *it = &x->item[i];
        if (strcmp(it->type, "line_item") != 0 || !item_has_product(it))
            continue;
        if (!(u64(raw(it, "_variation_id")) > 0 ? it->variation_vd : it->product_vd))
            return true;
    }
    return false;
}

static void items_write(struct json_out *w, const struct store_options *opt, const struct items *x, const char *allow)
{
    static const char *const types[] = {"line_item", "tax", "shipping", "fee", "coupon"};
    static const char *const keys[] = {"line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines"};
    for (int t = 0; t < 5; t++) {
        json_out_key(w, keys[t]);
        json_out_array_open(w);
        for (size_t i = 0; i < x->n; i++)
            if (strcmp(x->item[i].type, types[t]) == 0)
                item_write(w, opt, &x->item[i], allow);
        json_out_array_close(w);
    }
}

struct refund {
    uint64_t id;
    const char *reason, *total, *date;
};

static void refunds_write(struct json_out *w, const struct store_options *opt, struct refund *rf, size_t n)
{
    struct row_key *ord = xcalloc(n, sizeof *ord);
    for (size_t i = 0; i < n; i++)
        ord[i] = (struct row_key){rf[i].id, 0, rf[i].date, i};
    qsort(ord, n, sizeof *ord, cmp_newest_first);
    json_out_key(w, "refunds");
    json_out_array_open(w);
    for (size_t k = 0; k < n; k++) {
        const struct refund *x = &rf[ord[k].row];
        json_out_object_open(w);
        kint(w, "id", (long long)x->id);
        kstr(w, "reason", x->reason);
        const char *t = x->total;
        char neg[72];
        if (t && t[0] != '-' && strtod(t, NULL) != 0.0) { /* a refund's total is negative */
            snprintf(neg, sizeof neg, "-%s", t);
            t = neg;
        }
        kmoney(w, opt, "total", t);
        json_out_object_close(w);
    }
    json_out_array_close(w);
    free(ord);
}

/* The head of a full order: the order's type and fingerprint — date_updated_gmt (posts:
 * post_modified_gmt), the ids of its refunds, the database's clock — and its notes, in one row per
 * (refund, note) pair (NULL columns where there is none). No row: no such id. Joins rather than
 * scalar subqueries: MariaDB plans each subquery anew on every execution, which cost twice the join's
 * CPU (make bench); an order has few refunds, so the pairs stay few. */
#define HEAD_NOTES                                                                                                  \
    " c.comment_ID, c.comment_content, cm.meta_value, c.comment_date_gmt, c.comment_author"
#define HEAD_NOTES_JOIN(id)                                                                                         \
    " LEFT JOIN {p}comments c ON c.comment_post_ID = " id " AND c.comment_type = 'order_note'"                     \
    " LEFT JOIN {p}commentmeta cm ON cm.comment_id = c.comment_ID AND cm.meta_key = 'is_customer_note'"
static const char H_HEAD[] = "SELECT o.id, o.type, o.date_updated_gmt, UTC_TIMESTAMP(), r.id," HEAD_NOTES
                             " FROM {p}wc_orders o LEFT JOIN {p}wc_orders r ON r.parent_order_id = o.id"
                             " AND r.type = 'shop_order_refund'" HEAD_NOTES_JOIN("o.id") " WHERE o.id = ?";
static const char P_HEAD[] = "SELECT p.ID, p.post_type, p.post_modified_gmt, UTC_TIMESTAMP(), r.ID," HEAD_NOTES
                             " FROM {p}posts p LEFT JOIN {p}posts r ON r.post_parent = p.ID"
                             " AND r.post_type = 'shop_order_refund'" HEAD_NOTES_JOIN("p.ID") " WHERE p.ID = ?";
enum head_col { HD_ID, HD_TYPE, HD_UPDATED, HD_NOW, HD_REFUND, HD_NOTE };

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* "count:highest id" of the refunds the head rows r name (each once per note). */
static void head_refunds(const struct db_rows *r, char *out, size_t cap)
{
    uint64_t *ids = xcalloc(r->nrows, sizeof *ids);
    size_t n = 0, distinct = 0;
    for (size_t i = 0; i < r->nrows; i++)
        if (db_cell(r, i, HD_REFUND) != NULL)
            ids[n++] = u64(db_cell(r, i, HD_REFUND));
    qsort(ids, n, sizeof *ids, cmp_u64);
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || ids[i] != ids[i - 1];
    snprintf(out, cap, "%zu:%" PRIu64, distinct, n ? ids[n - 1] : 0);
    free(ids);
}

/* The notes of the head rows r, newest first, each once. */
static void notes_write(struct json_out *w, const struct store_options *opt, const struct db_rows *r)
{
    struct row_key *ord = xcalloc(r->nrows, sizeof *ord);
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        if (db_cell(r, i, HD_NOTE) != NULL)
            ord[n++] = (struct row_key){u64(db_cell(r, i, HD_NOTE)), 0, db_cell(r, i, HD_NOTE + 3), i};
    qsort(ord, n, sizeof *ord, cmp_newest_first);
    json_out_key(w, "notes");
    json_out_array_open(w);
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && ord[k].a == ord[k - 1].a)
            continue; /* the same note on the row of another refund */
        size_t i = ord[k].row;
        json_out_object_open(w);
        kint(w, "id", (long long)ord[k].a);
        kstr(w, "author", db_cell(r, i, HD_NOTE + 4));
        kdates(w, opt, "date_created", "date_created_gmt", db_cell(r, i, HD_NOTE + 3));
        kstr(w, "note", db_cell(r, i, HD_NOTE + 1));
        const char *cn = db_cell(r, i, HD_NOTE + 2);
        json_out_key(w, "customer_note");
        json_out_bool(w, cn && strcmp(cn, "1") == 0);
        json_out_object_close(w);
    }
    json_out_array_close(w);
    free(ord);
}

/* Posts: rows of the order and of its refunds (posts with their postmeta, ordered by post). Fills fl
 * from the order's rows and rf (at most cap) from each refund's; false when the order is not there. */
static bool posts_one(const struct db_rows *r, uint64_t id, struct flat *fl, struct meta_row *meta,
                      struct refund *rf, size_t cap, size_t *nrf)
{
    bool found = false;
    *nrf = 0;
    for (size_t i = 0; i < r->nrows;) {
        const char *type = db_cell(r, i, PC_TYPE);
        if (u64(db_cell(r, i, 0)) == id && type && strcmp(type, "shop_order") == 0) {
            posts_flat(r, &i, fl, meta);
            found = true;
            continue;
        }
        const char *pid = db_cell(r, i, 0);
        struct refund *x = *nrf < cap ? &rf[(*nrf)++] : NULL;
        if (x)
            *x = (struct refund){u64(pid), NULL, NULL, db_cell(r, i, 3)};
        for (; i < r->nrows && strcmp(db_cell(r, i, 0), pid) == 0; i++) {
            const char *k = db_cell(r, i, PC_KEY);
            if (x && k && x->reason == NULL && strcmp(k, "_refund_reason") == 0)
                x->reason = db_cell(r, i, PC_VAL);
            else if (x && k && x->total == NULL && strcmp(k, "_order_total") == 0)
                x->total = db_cell(r, i, PC_VAL);
        }
    }
    return found;
}

/* The order's own rows (order, refunds, meta, items) rendered into w after its opening brace: members,
 * line items to refunds. 1, 0 when the order is gone (w untouched), -1. When cache_fp is not NULL and the
 * rows are those the head described (same date_updated_gmt, same refunds), the rendering is kept in the
 * order cache under that fingerprint. */
static int body_write(struct json_out *w, struct db *db, const struct store_options *opt, const char *allow,
                      uint64_t id, const char *head_updated, const char *cache_fp, uint64_t oh)
{
    struct db_value p[2] = {DB_UINT(id), DB_UINT(id)};
    struct db_rows r;
    if (db_query(db, opt->hpos ? H_ONE[allow[0] != '\0'] : P_ONE, p, opt->hpos ? 1 : 2, &r) != 0) {
        log_warn("orders: order query failed: %s", db_error(db));
        return -1;
    }
    struct flat fl;
    struct refund *rf = xcalloc(r.nrows, sizeof *rf);
    struct meta_row *meta = xcalloc(r.nrows, sizeof *meta);
    size_t nrf = 0;
    bool found = false;
    if (opt->hpos) {
        enum { REFUND = NCOLS, META = NCOLS + 4 }; /* H_ONE's columns after the order's */
        if (r.nrows > 0) {
            hpos_flat(&r, 0, &fl);
            found = fl.v[C_TYPE] && strcmp(fl.v[C_TYPE], "shop_order") == 0;
        }
        size_t nmeta = 0;
        for (size_t i = 0; found && i < r.nrows; i++) {
            const char *rid = db_cell(&r, i, REFUND);
            bool seen = rid == NULL;
            for (size_t k = 0; !seen && k < nrf; k++)
                seen = rf[k].id == u64(rid); /* the same refund on the row of another meta row */
            if (!seen)
                rf[nrf++] = (struct refund){u64(rid), db_cell(&r, i, REFUND + 1), db_cell(&r, i, REFUND + 2),
                                            db_cell(&r, i, REFUND + 3)};
            if (db_cell(&r, i, META) != NULL) /* repeated per refund: order_meta_write keeps each id once */
                meta[nmeta++] = (struct meta_row){u64(db_cell(&r, i, META)), db_cell(&r, i, META + 1),
                                                  db_cell(&r, i, META + 2)};
        }
        if (found) {
            fl.meta = meta;
            fl.nmeta = nmeta;
        }
    } else {
        found = posts_one(&r, id, &fl, meta, rf, r.nrows, &nrf);
    }
    int rc = 0;
    struct items items = {0};
    if (found && items_load(db, id, &items) != 0) { /* first: needs_processing is one of the members */
        found = false;
        rc = -1;
    }
    if (found) {
        fl.v[C_NEEDS_PROC] = items_need_processing(&items) ? "1" : "0";
        json_out_object_open(w);
        size_t members = w->len;
        order_members(w, &fl, opt, allow);
        size_t rest = w->len;
        items_write(w, opt, &items, allow);
        refunds_write(w, opt, rf, nrf);
        rc = 1;
        uint64_t maxrf = 0;
        for (size_t i = 0; i < nrf; i++)
            maxrf = rf[i].id > maxrf ? rf[i].id : maxrf;
        char seen[48];
        snprintf(seen, sizeof seen, "%zu:%" PRIu64, nrf, maxrf);
        if (cache_fp && fl.v[C_MODIFIED] && head_updated && strcmp(fl.v[C_MODIFIED], head_updated) == 0 &&
            strcmp(seen, cache_fp) == 0 && w->len > rest && w->buf[rest] == ',')
            order_cache_detail_put(id, head_updated, cache_fp, oh, w->buf + members, rest - members,
                                   w->buf + rest + 1, w->len - rest - 1);
    }
    items_free(&items);
    free(meta);
    free(rf);
    db_rows_free(&r);
    return rc;
}

/* The full order: the head (fingerprint and notes), then the cached rendering or the order's rows. */
static int read_one(struct db *db, const struct store_options *opt, uint64_t id, struct json_out *w, bool use_cache)
{
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows h;
    if (db_query(db, opt->hpos ? H_HEAD : P_HEAD, p, 1, &h) != 0) {
        log_warn("orders: order head query failed: %s", db_error(db));
        return -1;
    }
    const char *type = h.nrows > 0 ? db_cell(&h, 0, HD_TYPE) : NULL;
    if (type == NULL || strcmp(type, "shop_order") != 0) {
        db_rows_free(&h);
        return 0;
    }
    const char *allow = security_settings_peek()->order_meta_allowlist;
    const char *upd = db_cell(&h, 0, HD_UPDATED);
    char fp[ORDER_CACHE_FP_BYTES];
    head_refunds(&h, fp, sizeof fp);
    bool keyed = use_cache && upd != NULL;
    uint64_t oh = options_hash(db, opt, allow);
    int rc = 1;
    if (!keyed || !order_cache_detail_get(w, id, upd, fp, oh))
        /* a rendering is kept only once the order's last save is two seconds old: a second save in the
         * same second would leave date_updated_gmt as it is */
        rc = body_write(w, db, opt, allow, id, upd, keyed && settled(upd, db_cell(&h, 0, HD_NOW)) ? fp : NULL, oh);
    if (rc == 1) {
        notes_write(w, opt, &h);
        json_out_object_close(w);
    }
    db_rows_free(&h);
    return rc;
}

int orders_read_one_json(struct db *db, const struct store_options *opt, uint64_t id, struct json_out *w)
{
    return read_one(db, opt, id, w, false);
}

int orders_read_one_cached_json(struct db *db, const struct store_options *opt, uint64_t id, struct json_out *w)
{
    return read_one(db, opt, id, w, true);
}

int orders_read_one(struct db *db, const struct store_options *opt, uint64_t id, json_t **out)
{
    struct json_out w;
    json_out_init(&w);
    int rc = orders_read_one_json(db, opt, id, &w);
    if (rc == 1 && (*out = json_loadb(w.buf, w.len, 0, NULL)) == NULL)
        rc = -1;
    json_out_free(&w);
    return rc;
}

/* ---- HTTP -------------------------------------------------------------------------------------- */

struct options_cache {
    struct store_options opt;
    double at;
    const struct db *db;
};
static _Thread_local struct options_cache options_cache;

const struct store_options *orders_options_or_reply(struct http_call *call, struct db **dbp)
{
    struct db *db = *dbp = daemon_db_or_reply(call);
    if (db == NULL)
        return NULL;
    double now = clock_mono_s();
    if (options_cache.db != db || now - options_cache.at > OPTIONS_TTL_S) {
        if (store_options_load(db, &options_cache.opt) != 0) {
            options_cache.db = NULL;
            http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
            return NULL;
        }
        options_cache.db = db;
        options_cache.at = now;
    }
    return &options_cache.opt;
}

static void append_enc(char *buf, size_t cap, size_t *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s && *o + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '_' || ch == '.' || ch == '~') {
            buf[(*o)++] = (char)ch;
        } else {
            buf[(*o)++] = '%';
            buf[(*o)++] = hex[ch >> 4];
            buf[(*o)++] = hex[ch & 15];
        }
    }
    buf[*o] = '\0';
}

static void link_url(struct http_call *call, const char *const *names, const char *const *vals, size_t n,
                     unsigned page, unsigned per_page, char *buf, size_t cap)
{
    h2o_req_t *req = call->req;
    size_t plen = req->path_normalized.len;
    int w = snprintf(buf, cap, "%s://%.*s%.*s?", http_is_secure(call) ? "https" : "http", (int)req->authority.len,
                     req->authority.base, (int)(plen < 1024 ? plen : 1024), req->path_normalized.base);
    size_t o = w > 0 && (size_t)w < cap ? (size_t)w : 0;
    for (size_t i = 0; i < n; i++) {
        if (vals[i] == NULL)
            continue;
        append_enc(buf, cap, &o, names[i]);
        if (o + 2 < cap)
            buf[o++] = '=';
        buf[o] = '\0';
        append_enc(buf, cap, &o, vals[i]);
        if (o + 2 < cap)
            buf[o++] = '&';
        buf[o] = '\0';
    }
    snprintf(buf + o, cap - o, "page=%u&per_page=%u", page, per_page);
}

static void reply_paging(struct http_call *call, const char *const *names, const char *const *vals, size_t n,
                         unsigned page, unsigned per_page, uint64_t total)
{
    uint64_t pages = (total + per_page - 1) / per_page;
    char num[32];
    snprintf(num, sizeof num, "%" PRIu64, total);
    http_reply_set_header(call->req, "X-WP-Total", num);
    snprintf(num, sizeof num, "%" PRIu64, pages);
    http_reply_set_header(call->req, "X-WP-TotalPages", num);
    char link[2 * 2400 + 32], url[2400];
    size_t lo = 0;
    link[0] = '\0';
    if (page > 1 && pages > 0) {
        link_url(call, names, vals, n, page - 1 <= pages ? page - 1 : (unsigned)pages, per_page, url, sizeof url);
        lo += (size_t)snprintf(link + lo, sizeof link - lo, "<%s>; rel=\"prev\"", url);
    }
    if (page < pages) {
        link_url(call, names, vals, n, page + 1, per_page, url, sizeof url);
        snprintf(link + lo, sizeof link - lo, "%s<%s>; rel=\"next\"", lo ? ", " : "", url);
    }
    if (link[0])
        http_reply_set_header(call->req, "Link", link);
}

void orders_reply_page(struct http_call *call, int read_rc, struct json_out *w, const char *const *names,
                       const char *const *vals, size_t n, unsigned page, unsigned per_page, uint64_t total)
{
    if (read_rc != 0) {
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
    } else {
        reply_paging(call, names, vals, n, page, per_page, total);
        http_reply_no_store(call->req);
        http_reply_json_text(call->req, 200, w->buf, w->len);
    }
    json_out_free(w);
}

int orders_list(struct http_call *call, const struct apid_identity *who)
{
    (void)who;
    struct db *db;
    const struct store_options *opt = orders_options_or_reply(call, &db);
    if (opt == NULL)
        return 0;
    struct orders_list_args a = {
        .status = http_query(call, "status", NULL), .after = http_query(call, "after", NULL),
        .before = http_query(call, "before", NULL), .search = http_query(call, "search", NULL),
        .customer = http_query(call, "customer", NULL), .page = http_query(call, "page", NULL),
        .per_page = http_query(call, "per_page", NULL),
    };
    struct orders_filter f;
    int status;
    const char *code, *msg;
    if (orders_filter_parse(&a, opt, &f, &status, &code, &msg) != 0) {
        http_reply_error(call->req, status, code, msg);
        return 0;
    }
    struct json_out w;
    json_out_init(&w);
    json_out_reserve(&w, (size_t)f.per_page * 2048);
    uint64_t total = 0;
    int rc = orders_read_list_json(db, opt, &f, &w, &total);
    static const char *const names[] = {"status", "after", "before", "search", "customer"};
    const char *const vals[] = {a.status, a.after, a.before, a.search, a.customer};
    orders_reply_page(call, rc, &w, names, vals, 5, f.page, f.per_page, total);
    return 0;
}

int orders_get(struct http_call *call, const struct apid_identity *who)
{
    (void)who;
    uint64_t id;
    if (!order_request_id_or_reply(call, "Invalid ID.", &id))
        return 0;
    struct db *db;
    const struct store_options *opt = orders_options_or_reply(call, &db);
    if (opt == NULL)
        return 0;
    struct json_out w;
    json_out_init(&w);
    json_out_reserve(&w, 8192);
    int rc = orders_read_one_cached_json(db, opt, id, &w);
    if (rc < 0)
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
    else if (rc == 0)
        http_reply_error(call->req, 404, "cartman_order_invalid_id", "Invalid ID.");
    else {
        http_reply_no_store(call->req);
        http_reply_json_text(call->req, 200, w.buf, w.len);
    }
    json_out_free(&w);
    return 0;
}

/*
 * tests/unit/test_orders_read.c — apid/orders_read: money rounding, store-time conversion and list
 * filter validation (tables), and, against the seeded test store of `make test`, list pages and
 * totals and full orders compared with SQL recomputations.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apid/orders_read.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

static void test_money(void)
{
    static const struct {
        const char *in;
        unsigned dec;
        const char *want;
    } rows[] = {
        {"12.34000000", 2, "12.34"}, {"0.00500000", 2, "0.01"}, {"0.00499999", 2, "0.00"}, {"", 2, "0.00"},
        {"-4.50000000", 2, "-4.50"}, {"99.995", 2, "100.00"}, {"-0.001", 2, "0.00"}, {"7", 0, "7"},
        {"1234567.891", 3, "1234567.891"}, {"5.5", 0, "6"}, {"abc", 2, "0.00"}, {"-12", 2, "-12.00"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[64];
        orders_money(rows[i].in, rows[i].dec, out, sizeof out);
        TAP_EQ_STR(out, rows[i].want, rows[i].in);
    }
}

static void test_time(void)
{
    struct store_options berlin = {.timezone = "Europe/Berlin"}, fixed = {.timezone = "", .gmt_offset = -5.5};
    static const struct {
        int zone;
        const char *gmt, *local;
    } rows[] = {
        {0, "2026-01-15 12:00:00", "2026-01-15T13:00:00"}, {0, "2026-07-15 12:00:00", "2026-07-15T14:00:00"},
        {0, "2026-10-25 00:59:59", "2026-10-25T02:59:59"}, {0, "2026-10-25 01:00:00", "2026-10-25T02:00:00"},
        {1, "2026-01-15 12:00:00", "2026-01-15T06:30:00"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char local[20], g[20];
        int rc = orders_gmt_to_store(rows[i].zone == 0 ? &berlin : &fixed, rows[i].gmt, local, g);
        TAP_EQ_INT(rc, 0, rows[i].gmt);
        TAP_EQ_STR(local, rows[i].local, rows[i].gmt);
    }
    /* zones with half- and quarter-hour offsets and half-hour DST changes, each date asked twice (the
     * second answer comes from the per-thread offset cache), with what `TZ=zone date` prints */
    static const struct {
        const char *zone, *gmt, *local;
    } more[] = {
        {"Australia/Lord_Howe", "2026-04-04 14:59:59", "2026-04-05T01:59:59"},
        {"Australia/Lord_Howe", "2026-04-04 15:00:00", "2026-04-05T01:30:00"},
        {"Asia/Kathmandu", "2026-01-15 12:00:00", "2026-01-15T17:45:00"},
        {"America/St_Johns", "2026-03-08 05:29:59", "2026-03-08T01:59:59"},
        {"America/St_Johns", "2026-03-08 05:30:00", "2026-03-08T03:00:00"},
        {"Europe/Berlin", "2026-03-29 00:59:59", "2026-03-29T01:59:59"},
        {"Europe/Berlin", "2026-03-29 01:00:00", "2026-03-29T03:00:00"},
        {"Europe/Berlin", "2026-02-31 12:00:00", "2026-03-03T13:00:00"},
    };
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
            struct store_options z = {.timezone = ""};
            snprintf(z.timezone, sizeof z.timezone, "%s", more[i].zone);
            char local[20], g[20];
            TAP_EQ_INT(orders_gmt_to_store(&z, more[i].gmt, local, g), 0, more[i].gmt);
            TAP_EQ_STR(local, more[i].local, more[i].zone);
        }
    char l[20], g[20];
    TAP_EQ_INT(orders_gmt_to_store(&berlin, "0000-00-00 00:00:00", l, g), -1, "zero date is no date");
    TAP_EQ_INT(orders_gmt_to_store(&berlin, "garbage", l, g), -1, "garbage is no date");
}

static void test_filters(void)
{
    struct store_options berlin = {.timezone = "Europe/Berlin"};
    static const struct {
        struct orders_list_args a;
        int ok;
        const char *code, *after, *before;
        unsigned nstat;
    } rows[] = {
        {{0}, 1, NULL, "1000-01-01 00:00:00", "9999-12-31 23:59:59", 7},
        {{.status = "processing"}, 1, NULL, NULL, NULL, 1},
        {{.status = "processing,completed,wc-on-hold,processing"}, 1, NULL, NULL, NULL, 3},
        {{.status = "any"}, 1, NULL, NULL, NULL, 7},
        {{.status = "bogus"}, 0, "cartman_invalid_param", NULL, NULL, 0},
        {{.status = "processing,"}, 1, NULL, NULL, NULL, 1},
        {{.status = "processing,,x"}, 0, "cartman_invalid_param", NULL, NULL, 0},
        {{.status = "' OR 1=1 --"}, 0, "cartman_invalid_param", NULL, NULL, 0},
        {{.after = "2026-07-01T00:00:00"}, 1, NULL, "2026-06-30 22:00:00", NULL, 7},
        {{.after = "2026-01-01T00:00:00Z"}, 1, NULL, "2026-01-01 00:00:00", NULL, 7},
        {{.before = "2026-01-01T00:00:00+05:30"}, 1, NULL, NULL, "2025-12-31 18:30:00", 7},
        {{.before = "2026-01-01 10:00:00.123-02:00"}, 1, NULL, NULL, "2026-01-01 12:00:00", 7},
        {{.after = "2026-01-01"}, 0, "cartman_invalid_param", NULL, NULL, 0},
        {{.after = "2026-13-01T00:00:00"}, 0, "cartman_invalid_param", NULL, NULL, 0},
        {{.before = "2026-01-01T00:00:00+5"}, 0, "cartman_invalid_param", NULL, NULL, 0},
        {{.per_page = "0"}, 0, "rest_invalid_param", NULL, NULL, 0},
        {{.per_page = "101"}, 0, "rest_invalid_param", NULL, NULL, 0},
        {{.per_page = "100"}, 1, NULL, NULL, NULL, 7},
        {{.per_page = "-1"}, 0, "rest_invalid_param", NULL, NULL, 0},
        {{.page = "0"}, 0, "rest_invalid_param", NULL, NULL, 0},
        {{.page = "1x"}, 0, "rest_invalid_param", NULL, NULL, 0},
        {{.customer = "5"}, 1, NULL, NULL, NULL, 7},
        {{.customer = "5 OR 1"}, 0, "cartman_invalid_param", NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct orders_filter f;
        int status;
        const char *code = NULL, *msg = NULL;
        int rc = orders_filter_parse(&rows[i].a, &berlin, &f, &status, &code, &msg);
        char name[64];
        snprintf(name, sizeof name, "filter row %zu", i);
        TAP_EQ_INT(rc == 0, rows[i].ok, name);
        if (!rows[i].ok) {
            TAP_EQ_INT(status, 400, name);
            TAP_EQ_STR(code, rows[i].code, name);
            continue;
        }
        TAP_EQ_INT(f.nstatuses, rows[i].nstat, name);
        if (rows[i].after)
            TAP_EQ_STR(f.after_gmt, rows[i].after, name);
        if (rows[i].before)
            TAP_EQ_STR(f.before_gmt, rows[i].before, name);
    }
}

static const char *sql1(struct db *db, const char *sql, uint64_t id, char *buf, size_t cap)
{
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    buf[0] = '\0';
    if (db_query(db, sql, p, id ? 1 : 0, &r) != 0 || r.nrows == 0) {
        tap_diag("query: %s", db_error(db));
        return buf;
    }
    snprintf(buf, cap, "%s", db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
    db_rows_free(&r);
    return buf;
}

static void test_live(struct db *db)
{
    struct store_options opt;
    if (!tap_ok(store_options_load(db, &opt) == 0, "options"))
        return;
    char want[128];
    struct orders_filter f;
    int status;
    const char *code, *msg;
    struct orders_list_args none = {.per_page = "20"};
    orders_filter_parse(&none, &opt, &f, &status, &code, &msg);
    json_t *page = NULL;
    uint64_t total = 0;
    tap_ok(orders_read_list(db, &opt, &f, &page, &total) == 0, "list");
    const char *cnt_sql = opt.hpos ? "SELECT COUNT(*) FROM {p}wc_orders WHERE type = 'shop_order' AND status IN "
                                     "('wc-pending','wc-processing','wc-on-hold','wc-completed','wc-cancelled',"
                                     "'wc-refunded','wc-failed')"
                                   : "SELECT COUNT(*) FROM {p}posts WHERE post_type = 'shop_order' AND post_status IN "
                                     "('wc-pending','wc-processing','wc-on-hold','wc-completed','wc-cancelled',"
                                     "'wc-refunded','wc-failed')";
    TAP_EQ_INT(total, strtoull(sql1(db, cnt_sql, 0, want, sizeof want), NULL, 10), "unfiltered total");
    TAP_EQ_INT(json_array_size(page), 20, "page size");
    const char *newest = opt.hpos ? "SELECT id FROM {p}wc_orders WHERE type = 'shop_order' AND status <> 'trash' "
                                    "ORDER BY date_created_gmt DESC, id DESC LIMIT 1"
                                  : "SELECT ID FROM {p}posts WHERE post_type = 'shop_order' "
                                    "ORDER BY post_date DESC, ID DESC LIMIT 1";
    uint64_t first = (uint64_t)json_integer_value(json_object_get(json_array_get(page, 0), "id"));
    TAP_EQ_INT(first, strtoull(sql1(db, newest, 0, want, sizeof want), NULL, 10), "newest first");
    json_decref(page);

    /* a few orders in full, against SQL */
    static const char *const totals_h =
        "SELECT CONCAT(o.total_amount, '|', o.billing_email, '|', o.status, '|', "
        "(SELECT COUNT(*) FROM {p}woocommerce_order_items i WHERE i.order_id = o.id AND i.order_item_type = 'line_item'), '|', "
        "(SELECT COUNT(*) FROM {p}wc_orders r WHERE r.parent_order_id = o.id AND r.type = 'shop_order_refund')) "
        "FROM {p}wc_orders o WHERE o.id = ?";
    static const char *const totals_p =
        "SELECT CONCAT((SELECT meta_value FROM {p}postmeta WHERE post_id = p.ID AND meta_key = '_order_total'), '|', "
        "(SELECT meta_value FROM {p}postmeta WHERE post_id = p.ID AND meta_key = '_billing_email'), '|', p.post_status, '|', "
        "(SELECT COUNT(*) FROM {p}woocommerce_order_items i WHERE i.order_id = p.ID AND i.order_item_type = 'line_item'), '|', "
        "(SELECT COUNT(*) FROM {p}posts r WHERE r.post_parent = p.ID AND r.post_type = 'shop_order_refund')) "
        "FROM {p}posts p WHERE p.ID = ?";
    static const char *const some = "SELECT GROUP_CONCAT(id) FROM (SELECT o.id FROM {p}wc_orders o WHERE o.type = "
                                    "'shop_order' ORDER BY (SELECT COUNT(*) FROM {p}wc_orders r WHERE "
                                    "r.parent_order_id = o.id) DESC, o.id LIMIT 5) x";
    static const char *const some_p = "SELECT GROUP_CONCAT(ID) FROM (SELECT p.ID FROM {p}posts p WHERE p.post_type = "
                                      "'shop_order' ORDER BY (SELECT COUNT(*) FROM {p}posts r WHERE "
                                      "r.post_parent = p.ID) DESC, p.ID LIMIT 5) x";
    char ids[256];
    sql1(db, opt.hpos ? some : some_p, 0, ids, sizeof ids);
    for (char *p = ids; *p;) {
        uint64_t id = strtoull(p, &p, 10);
        if (*p == ',')
            p++;
        json_t *o = NULL;
        char name[64], got[512];
        snprintf(name, sizeof name, "order %" PRIu64, id);
        if (!tap_ok(orders_read_one(db, &opt, id, &o) == 1, "%s found", name))
            continue;
        sql1(db, opt.hpos ? totals_h : totals_p, id, want, sizeof want);
        char total_s[64];
        char *bar = strchr(want, '|');
        *bar = '\0';
        orders_money(want, opt.price_decimals, total_s, sizeof total_s);
        *bar = '|';
        snprintf(got, sizeof got, "%s|%s|wc-%s|%zu|%zu", total_s,
                 json_string_value(json_object_get(json_object_get(o, "billing"), "email")),
                 json_string_value(json_object_get(o, "status")), json_array_size(json_object_get(o, "line_items")),
                 json_array_size(json_object_get(o, "refunds")));
        char want_fmt[512];
        snprintf(want_fmt, sizeof want_fmt, "%s%s", total_s, strchr(want, '|'));
        TAP_EQ_STR(got, want_fmt, name);
        json_decref(o);
    }
    /* the reply text and the jansson form agree, the text twice the same (the second list from the cache) */
    struct json_out w1, w2;
    json_out_init(&w1);
    json_out_init(&w2);
    uint64_t t1 = 0, t2 = 0;
    tap_ok(orders_read_list_json(db, &opt, &f, &w1, &t1) == 0 && orders_read_list_json(db, &opt, &f, &w2, &t2) == 0,
           "list as text, twice");
    TAP_EQ_STR(w2.buf, w1.buf, "the cached list is the same text");
    TAP_EQ_INT(t2, t1, "and the same total");
    json_t *parsed = json_loadb(w1.buf, w1.len, 0, NULL);
    tap_ok(json_is_array(parsed) && json_array_size(parsed) == 20, "the text is a JSON array of 20 orders");
    json_decref(parsed);
    json_out_reset(&w1);
    uint64_t first_id = strtoull(sql1(db, newest, 0, want, sizeof want), NULL, 10);
    TAP_EQ_INT(orders_read_one_json(db, &opt, first_id, &w1), 1, "newest order as text");
    parsed = json_loadb(w1.buf, w1.len, 0, NULL);
    TAP_EQ_INT(json_integer_value(json_object_get(parsed, "id")), first_id, "its id");
    tap_ok(json_is_array(json_object_get(parsed, "notes")) && json_is_array(json_object_get(parsed, "refunds")),
           "with notes and refunds");
    json_decref(parsed);
    json_out_reset(&w1);
    TAP_EQ_INT(orders_read_one_json(db, &opt, 999999999, &w1), 0, "unknown id as text");
    TAP_EQ_INT(w1.len, 0, "writes nothing");
    json_out_free(&w1);
    json_out_free(&w2);

    json_t *o = NULL;
    TAP_EQ_INT(orders_read_one(db, &opt, 999999999, &o), 0, "unknown id");
    uint64_t refund = strtoull(sql1(db, opt.hpos ? "SELECT MIN(id) FROM {p}wc_orders WHERE type = 'shop_order_refund'"
                                                 : "SELECT MIN(ID) FROM {p}posts WHERE post_type = 'shop_order_refund'",
                                    0, want, sizeof want), NULL, 10);
    TAP_EQ_INT(orders_read_one(db, &opt, refund, &o), 0, "a refund is not an order");
}

int main(void)
{
    test_money();
    test_time();
    test_filters();
    if (getenv("CARTMAN_DB_NAME")) {
        struct db *db = test_db_connect(NULL);
        if (tap_ok(db != NULL, "connect")) {
            test_live(db);
            db_close(db);
        }
    } else {
        tap_diag("CARTMAN_DB_NAME is not set: the live store tests run under `make test`");
    }
    return tap_done();
}

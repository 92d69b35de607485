/*
 * tests/unit/test_report_range.c — common/report_range: calendar arithmetic against known days,
 * strict dates, and the range rules of GET /reports/sales (tables).
 */
#include <string.h>

#include "common/limits.h"
#include "common/report_range.h"
#include "tests/tap.h"

static void test_calendar(void)
{
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t day;
    } rows[] = {
        {1970, 1, 1, 0}, {1970, 1, 2, 1}, {1969, 12, 31, -1}, {2000, 2, 29, 11016}, {2000, 3, 1, 11017},
        {2026, 3, 29, 20541}, {2026, 10, 25, 20751}, {2026, 11, 27, 20784}, {2100, 3, 1, 47541}, {9999, 12, 31, 2932896},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%04lld-%02u-%02u", (long long)rows[i].y, rows[i].m, rows[i].d);
        TAP_EQ_INT(report_day_from_civil(rows[i].y, rows[i].m, rows[i].d), rows[i].day, name);
        int64_t y;
        unsigned m, d;
        report_day_to_civil(rows[i].day, &y, &m, &d);
        tap_ok(y == rows[i].y && m == rows[i].m && d == rows[i].d, "%s back from day %lld", name,
               (long long)rows[i].day);
        if (rows[i].y >= 1970) {
            char out[11];
            report_date_format(rows[i].day, out);
            TAP_EQ_STR(out, name, "formatted");
        }
    }
    /* every day of four centuries round-trips */
    int bad = 0;
    for (int64_t day = -1000; day < 146097 + 1000; day++) {
        int64_t y;
        unsigned m, d;
        report_day_to_civil(day, &y, &m, &d);
        bad += report_day_from_civil(y, m, d) != day;
    }
    TAP_EQ_INT(bad, 0, "400 years of days round-trip");
}

static void test_dates(void)
{
    static const struct {
        const char *in;
        int ok;
        int64_t day;
    } rows[] = {
        {"2026-11-27", 1, 20784}, {"2024-02-29", 1, 19782}, {"1970-01-01", 1, 0}, {"9999-12-31", 1, 2932896},
        {"2026-02-29", 0, 0},     {"2100-02-29", 0, 0},     {"2026-13-01", 0, 0}, {"2026-00-10", 0, 0},
        {"2026-04-31", 0, 0},     {"2026-11-00", 0, 0},     {"1969-12-31", 0, 0}, {"2026-1-01", 0, 0},
        {"2026-11-27T00:00:00", 0, 0}, {"2026/11/27", 0, 0}, {"", 0, 0},          {"+026-11-27", 0, 0},
        {"2026-11-2 ", 0, 0},    {"' OR 1=1 -", 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t day = -99;
        int rc = report_date_parse(rows[i].in, strlen(rows[i].in), &day);
        TAP_EQ_INT(rc == 0, rows[i].ok, rows[i].in);
        if (rows[i].ok)
            TAP_EQ_INT(day, rows[i].day, rows[i].in);
    }
    int64_t day;
    TAP_EQ_INT(report_date_parse("2026-11-27", 9, &day), -1, "counted: a short length is not a date");
    TAP_EQ_INT(report_date_parse("2026-11-27\0", 11, &day), -1, "counted: a NUL after it is not a date");
    TAP_EQ_INT(report_date_parse(NULL, 10, &day), -1, "NULL is not a date");
}

static void test_ranges(void)
{
    const int64_t today = 20784; /* 2026-11-27 */
    static const struct {
        const char *period, *after, *before;
        int ok;
        enum report_period p;
        int64_t first, last;
    } rows[] = {
        {NULL, NULL, NULL, 1, REPORT_7D, 20778, 20784},
        {"today", NULL, NULL, 1, REPORT_TODAY, 20784, 20784},
        {"7d", NULL, NULL, 1, REPORT_7D, 20778, 20784},
        {"30d", NULL, NULL, 1, REPORT_30D, 20755, 20784},
        {"90d", NULL, NULL, 1, REPORT_90D, 20695, 20784},
        {NULL, "2026-10-20", "2026-10-31", 1, REPORT_CUSTOM, 20746, 20757},
        {NULL, "2026-11-27", "2026-11-27", 1, REPORT_CUSTOM, 20784, 20784},
        {NULL, "2026-11-01", NULL, 1, REPORT_CUSTOM, 20758, 20784},
        {NULL, "2025-11-27", "2026-11-27", 1, REPORT_CUSTOM, 20419, 20784}, /* 366 days */
        {NULL, "2025-11-26", "2026-11-27", 0, REPORT_CUSTOM, 0, 0},         /* 367 days */
        {NULL, "2026-12-01", "2026-12-31", 1, REPORT_CUSTOM, 20788, 20818}, /* future days are allowed */
        {NULL, "2026-11-02", "2026-11-01", 0, REPORT_CUSTOM, 0, 0},
        {NULL, NULL, "2026-11-01", 0, REPORT_CUSTOM, 0, 0},
        {"7d", "2026-11-01", NULL, 0, REPORT_CUSTOM, 0, 0},
        {"today", NULL, "2026-11-01", 0, REPORT_CUSTOM, 0, 0},
        {"1y", NULL, NULL, 0, REPORT_CUSTOM, 0, 0},
        {"", NULL, NULL, 0, REPORT_CUSTOM, 0, 0},
        {"7D", NULL, NULL, 0, REPORT_CUSTOM, 0, 0},
        {"7d ", NULL, NULL, 0, REPORT_CUSTOM, 0, 0},
        {"7d' OR '1'='1", NULL, NULL, 0, REPORT_CUSTOM, 0, 0},
        {NULL, "2026-11-01' --", NULL, 0, REPORT_CUSTOM, 0, 0},
        {NULL, "2026-11-01", "yesterday", 0, REPORT_CUSTOM, 0, 0},
        {NULL, "2026-11-01T00:00:00Z", NULL, 0, REPORT_CUSTOM, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "range %zu (%s|%s|%s)", i, rows[i].period ? rows[i].period : "-",
                 rows[i].after ? rows[i].after : "-", rows[i].before ? rows[i].before : "-");
        struct report_range r;
        const char *err = NULL;
        int rc = report_range_parse(rows[i].period, rows[i].period ? strlen(rows[i].period) : 0, rows[i].after,
                                    rows[i].after ? strlen(rows[i].after) : 0, rows[i].before,
                                    rows[i].before ? strlen(rows[i].before) : 0, today, &r, &err);
        TAP_EQ_INT(rc == 0, rows[i].ok, name);
        if (!rows[i].ok) {
            tap_ok(err != NULL && strncmp(err, "Invalid parameter(s): ", 22) == 0, "%s: says why", name);
            continue;
        }
        TAP_EQ_INT(r.period, rows[i].p, name);
        TAP_EQ_INT(r.first, rows[i].first, name);
        TAP_EQ_INT(r.last, rows[i].last, name);
        tap_ok(r.last - r.first + 1 <= LIMIT_REPORT_DAYS, "%s: within the cap", name);
    }
    TAP_EQ_STR(report_period_name(REPORT_90D), "90d", "period name");
    TAP_EQ_STR(report_period_name(REPORT_CUSTOM), "custom", "custom name");
}

int main(void)
{
    test_calendar();
    test_dates();
    test_ranges();
    return tap_done();
}

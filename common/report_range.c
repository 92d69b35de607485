/*
 * common/report_range.c — parses the date range of GET /reports/sales (see report_range.h).
 *
 * Owns the calendar arithmetic (days since 1970-01-01 in the proleptic Gregorian calendar, after
 * Howard Hinnant's days_from_civil) and the rules of the range fields. Does not know time zones, the
 * clock, HTTP or SQL: the caller passes today's store day and turns days into query bounds.
 */
#include "common/report_range.h"

#include <stdbool.h>
#include <string.h>

#include "common/limits.h"

int64_t report_day_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (int64_t)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void report_day_to_civil(int64_t day, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int report_date_parse(const char *s, size_t len, int64_t *day)
{
    unsigned y, m, d;
    if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) != 0 || digits(s + 5, 2, &m) != 0 ||
        digits(s + 8, 2, &d) != 0)
        return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return -1;
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *day = report_day_from_civil(y, m, d);
    return 0;
}

void report_date_format(int64_t day, char out[11])
{
    int64_t y;
    unsigned m, d;
    report_day_to_civil(day, &y, &m, &d);
    unsigned uy = y < 0 ? 0u : y > 9999 ? 9999u : (unsigned)y;
    out[0] = (char)('0' + uy / 1000);
    out[1] = (char)('0' + uy / 100 % 10);
    out[2] = (char)('0' + uy / 10 % 10);
    out[3] = (char)('0' + uy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

static const struct {
    const char *name;
    enum report_period period;
    int64_t days;
} periods[] = {{"today", REPORT_TODAY, 1}, {"7d", REPORT_7D, 7}, {"30d", REPORT_30D, 30}, {"90d", REPORT_90D, 90}};

const char *report_period_name(enum report_period p)
{
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++)
        if (periods[i].period == p)
            return periods[i].name;
    return "custom";
}

int report_range_parse(const char *period, size_t period_len, const char *after, size_t after_len,
                       const char *before, size_t before_len, int64_t today, struct report_range *out,
                       const char **err)
{
    memset(out, 0, sizeof *out);
    if (period != NULL && (after != NULL || before != NULL)) {
        *err = "Invalid parameter(s): period cannot be combined with after or before";
        return -1;
    }
    if (after == NULL && before == NULL) {
        size_t k = 1; /* no period: the last 7 days */
        if (period != NULL) {
            for (k = 0; k < sizeof periods / sizeof periods[0]; k++)
                if (strlen(periods[k].name) == period_len && memcmp(periods[k].name, period, period_len) == 0)
                    break;
            if (k == sizeof periods / sizeof periods[0]) {
                *err = "Invalid parameter(s): period (one of today, 7d, 30d, 90d)";
                return -1;
            }
        }
        out->period = periods[k].period;
        out->last = today;
        out->first = today - periods[k].days + 1;
        return 0;
    }
    if (after == NULL) {
        *err = "Invalid parameter(s): before needs after";
        return -1;
    }
    if (report_date_parse(after, after_len, &out->first) != 0) {
        *err = "Invalid parameter(s): after (a date, YYYY-MM-DD)";
        return -1;
    }
    out->last = today;
    if (before != NULL && report_date_parse(before, before_len, &out->last) != 0) {
        *err = "Invalid parameter(s): before (a date, YYYY-MM-DD)";
        return -1;
    }
    if (out->first > out->last) {
        *err = "Invalid parameter(s): after is later than before";
        return -1;
    }
    if (out->last - out->first + 1 > LIMIT_REPORT_DAYS) {
        *err = "Invalid parameter(s): the range is longer than 366 days";
        return -1;
    }
    out->period = REPORT_CUSTOM;
    return 0;
}

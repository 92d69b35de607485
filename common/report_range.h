/*
 * common/report_range.h — the date range of a sales report: `period=today|7d|30d|90d`, or a custom
 * `after`/`before` pair of store dates (YYYY-MM-DD, both days included).
 *
 * Pure: counted strings in, store-calendar day numbers out. The caller says which day "today" is in
 * the store's time zone; this module knows nothing about zones, clocks or the database.
 */
#ifndef COMMON_REPORT_RANGE_H
#define COMMON_REPORT_RANGE_H

#include <stddef.h>
#include <stdint.h>

/* A day of the proleptic Gregorian calendar as days since 1970-01-01 (negative before). */
int64_t report_day_from_civil(int64_t y, unsigned m, unsigned d);
void report_day_to_civil(int64_t day, int64_t *y, unsigned *m, unsigned *d);

/* Strict "YYYY-MM-DD" (a real calendar day, years 1970-9999). 0, or -1. */
int report_date_parse(const char *s, size_t len, int64_t *day);
/* "YYYY-MM-DD" of day (years 0-9999), NUL-terminated. */
void report_date_format(int64_t day, char out[11]);

enum report_period { REPORT_TODAY, REPORT_7D, REPORT_30D, REPORT_90D, REPORT_CUSTOM };

struct report_range {
    enum report_period period;
    int64_t first, last; /* store days, both included; first <= last */
};

/*
 * period, after and before are the query fields as received (NULL when absent; not NUL-terminated).
 * Neither given: the last 7 days. A period ends today and counts today: 7d is today and the 6 days
 * before. after without before ends today; before without after, a period with after or before, an
 * unknown period, a malformed or impossible date, after later than before and a range over
 * LIMIT_REPORT_DAYS days are refused: -1 with *err naming the field and the rule.
 */
int report_range_parse(const char *period, size_t period_len, const char *after, size_t after_len,
                       const char *before, size_t before_len, int64_t today, struct report_range *out,
                       const char **err);

/* "today", "7d", "30d", "90d", "custom". */
const char *report_period_name(enum report_period p);

#endif

/*
 * authd/seed_text.c — dates, money, slugs and serialized fragments for the demo generator.
 *
 * Owns: the Europe/Berlin rule (the demo store's time zone; the EU summer-time rule is fixed by
 * directive 2000/84/EC, so no tz database is needed and the output does not depend on the host).
 * Does not: parse PHP-serialized data or serialize general values (common/php_serialize does).
 */
#include "authd/seed_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t seed_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void seed_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/* Unix time of 01:00 UTC on the last Sunday of month m (March or October) of year y. */
static int64_t last_sunday_0100(int64_t y, unsigned m)
{
    int64_t last = seed_days_from_civil(y, m, 31);
    int64_t weekday = (last + 4) % 7; /* 1970-01-01 was a Thursday (4); 0 = Sunday */
    if (weekday < 0)
        weekday += 7;
    return (last - weekday) * 86400 + 3600;
}

int64_t seed_berlin_offset(int64_t t)
{
    int64_t y;
    unsigned m, d;
    seed_civil_from_days(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y, &m, &d);
    return t >= last_sunday_0100(y, 3) && t < last_sunday_0100(y, 10) ? 7200 : 3600;
}

static void fmt_utc(int64_t t, char out[SEED_DATE_LEN])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400, y;
    unsigned m, d;
    seed_civil_from_days(days, &y, &m, &d);
    snprintf(out, SEED_DATE_LEN, "%04" PRId64 "-%02u-%02u %02u:%02u:%02u", y, m, d, (unsigned)(secs / 3600),
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

void seed_fmt_gmt(int64_t t, char out[SEED_DATE_LEN])
{
    fmt_utc(t, out);
}

void seed_fmt_local(int64_t t, char out[SEED_DATE_LEN])
{
    fmt_utc(t + seed_berlin_offset(t), out);
}

void seed_fmt_title_date(int64_t t, char *out, size_t outlen)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400, y;
    unsigned m, d, h = (unsigned)(secs / 3600), h12 = h % 12 ? h % 12 : 12;
    seed_civil_from_days(days, &y, &m, &d);
    snprintf(out, outlen, "%s %02u, %04" PRId64 " @ %02u:%02u %s", months[m - 1], d, y, h12, (unsigned)(secs / 60 % 60),
             h < 12 ? "AM" : "PM");
}

void seed_fmt_cents(int64_t cents, char *out, size_t outlen)
{
    uint64_t a = cents < 0 ? (uint64_t)(-cents) : (uint64_t)cents;
    snprintf(out, outlen, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", a / 100, a % 100);
}

void seed_slugify(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    bool dash = false;
    for (const char *p = in; *p && o + 2 < outlen; p++) {
        char c = *p;
        if (*p == '&') { /* "&ndash;" becomes a dash, any other entity goes (sanitize_title_with_dashes) */
            const char *semi = strchr(p, ';');
            if (semi && semi - p < 10) {
                dash = dash || strncmp(p, "&ndash;", 7) == 0 || strncmp(p, "&mdash;", 7) == 0;
                p = semi;
                continue;
            }
        }
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            if (dash && o > 0)
                out[o++] = '-';
            out[o++] = c;
            dash = false;
        } else if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/') {
            dash = true;
        }
        /* anything else (' : , @ ( ) &) is dropped without a dash, as WordPress does */
    }
    out[o] = '\0';
}

void seed_ser_raw(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len)
        abort(); /* a fixed-size template overflowed: a generator bug, not input */
    *len += (size_t)n;
}

void seed_ser_str(char *out, size_t cap, size_t *len, const char *s)
{
    seed_ser_raw(out, cap, len, "s:%zu:\"%s\";", strlen(s), s);
}

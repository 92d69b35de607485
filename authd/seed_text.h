/*
 * authd/seed_text.h — text the demo generator writes: dates in UTC and in the store's time zone
 * (Europe/Berlin), money, slugs, and PHP-serialized fragments with correct byte counts.
 */
#ifndef AUTHD_SEED_TEXT_H
#define AUTHD_SEED_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define SEED_DATE_LEN 20 /* "YYYY-MM-DD HH:MM:SS" + NUL */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), and back. */
int64_t seed_days_from_civil(int64_t y, unsigned m, unsigned d);
void seed_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Europe/Berlin's offset from UTC at instant t: 7200 in summer time (last Sunday of March 01:00 UTC
 * to last Sunday of October 01:00 UTC), else 3600. */
int64_t seed_berlin_offset(int64_t t);

/* "YYYY-MM-DD HH:MM:SS" of t in UTC / in Europe/Berlin. */
void seed_fmt_gmt(int64_t t, char out[SEED_DATE_LEN]);
void seed_fmt_local(int64_t t, char out[SEED_DATE_LEN]);
/* PHP's date('M d, Y @ h:i A') of t in UTC ("Nov 05, 2025 @ 02:12 PM"): WooCommerce titles order and
 * refund posts with PHP's "now", and WordPress runs PHP in UTC whatever the store's time zone. */
void seed_fmt_title_date(int64_t t, char *out, size_t outlen);

/* Cents as "12.34" / "-0.50". */
void seed_fmt_cents(int64_t cents, char *out, size_t outlen);

/* sanitize_title() for the ASCII titles the generator uses: lowercase; spaces, dots, slashes, dashes
 * and "&ndash;" become one '-'; other entities and characters outside [a-z0-9_] are dropped; no '-'
 * at either end ("Order &ndash; Nov 05, 2025 @ 03:12 PM" → "order-nov-05-2025-0312-pm"). */
void seed_slugify(const char *in, char *out, size_t outlen);

/* Appends PHP serialize() of a string, s:N:"...";, to out at *len (bounded by cap; aborts on overflow). */
void seed_ser_str(char *out, size_t cap, size_t *len, const char *s);
/* Appends printf-formatted raw text (for i:N; b:1; a:N:{ ... }). */
void seed_ser_raw(char *out, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif

/*
 * apid/download_files.c — WooCommerce's download-permission rules as pure functions: the download
 * ids of _downloadable_files, the meaning of _download_limit / _download_expiry, and the
 * downloads_remaining and access_expires values of a permission row.
 *
 * Owns: those rules and the column-size checks wpdb applies before inserting.
 * Does not: read or write the database (apid/order_downloads.c), know about clocks or time zones
 * (the caller passes the day), or parse PHP serialization itself (common/php_serialize.c).
 */
#include "apid/download_files.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/php_serialize.h"
#include "common/report_range.h"

#define NUMBER_MAX 999999999999LL /* saturation: far beyond any column, still exact in a double */

size_t download_files_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* isset($value['name'], $value['file']): an array holding both keys with non-null values. A JSON
 * array here is a PHP list (keys 0..n-1), which has neither. */
static bool has_name_and_file(const json_t *v)
{
    if (!json_is_object(v))
        return false;
    const json_t *name = json_object_get(v, "name"), *file = json_object_get(v, "file");
    return name && !json_is_null(name) && file && !json_is_null(file);
}

static void add_id(struct download_ids *out, size_t cap, const char *key)
{
    if (download_files_chars(key) > DOWNLOAD_ID_CHARS || strlen(key) >= DOWNLOAD_ID_BYTES || out->n >= cap)
        return;
    snprintf(out->id[out->n], DOWNLOAD_ID_BYTES, "%s", key);
    out->n++;
}

int download_files_ids(const char *src, size_t len, struct download_ids *out, const char **err)
{
    out->n = 0;
    out->id = NULL;
    const char *why = NULL;
    json_t *v = src && len ? php_unserialize(src, len, &why) : NULL;
    if (v == NULL) {
        if (err)
            *err = why ? why : "empty";
        return 0;
    }
    size_t cap = json_is_object(v) ? json_object_size(v) : json_is_array(v) ? json_array_size(v) : 0;
    if (cap == 0) {
        if (err)
            *err = json_is_object(v) || json_is_array(v) ? "no files" : "not an array";
        json_decref(v);
        return 0;
    }
    out->id = calloc(cap, sizeof *out->id);
    if (out->id == NULL)
        abort();
    if (json_is_object(v)) {
        const char *key;
        json_t *value;
        json_object_foreach(v, key, value) {
            if (has_name_and_file(value)) /* array_filter's falsy values never have both */
                add_id(out, cap, key);
        }
    } else {
        /* a list: keys 0..n-1; its values are checked the same way */
        for (size_t i = 0; i < cap; i++) {
            const json_t *value = json_array_get(v, i);
            char key[24];
            snprintf(key, sizeof key, "%zu", i);
            if (has_name_and_file(value)) /* array_filter's falsy values never have both */
                add_id(out, cap, key);
        }
    }
    json_decref(v);
    if (out->n == 0) {
        free(out->id);
        out->id = NULL;
        if (err)
            *err = "no file with a name and a path";
    }
    return 0;
}

void download_ids_free(struct download_ids *ids)
{
    free(ids->id);
    ids->id = NULL;
    ids->n = 0;
}

/* PHP 8's (int) of a string: leading whitespace, an optional sign, then the longest numeric prefix
 * (digits, optional fraction, optional exponent) converted as a number; no numeric prefix → 0. The
 * magnitude saturates at NUMBER_MAX. */
static long long php_int(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    const char *digits = s;
    long long ip = 0;
    while (isdigit((unsigned char)*s)) {
        if (ip <= NUMBER_MAX)
            ip = ip * 10 + (*s - '0');
        s++;
    }
    bool have_int = s > digits;
    bool fraction = false;
    if (*s == '.' && (have_int || isdigit((unsigned char)s[1]))) {
        fraction = true;
        s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (!have_int && !fraction)
        return 0;
    if ((*s == 'e' || *s == 'E') &&
        (isdigit((unsigned char)s[1]) || ((s[1] == '+' || s[1] == '-') && isdigit((unsigned char)s[2])))) {
        /* an exponent: the whole prefix is a float (1e3 → 1000, 2.5e-1 → 0) */
        char buf[64];
        const char *end = s + 1 + (s[1] == '+' || s[1] == '-');
        while (isdigit((unsigned char)*end))
            end++;
        size_t n = (size_t)(end - digits);
        if (n >= sizeof buf)
            n = sizeof buf - 1;
        memcpy(buf, digits, n);
        buf[n] = '\0';
        double d = strtod(buf, NULL);
        long long v = d >= (double)NUMBER_MAX ? NUMBER_MAX : (long long)d;
        return neg ? -v : v;
    }
    if (ip > NUMBER_MAX)
        ip = NUMBER_MAX;
    return neg ? -ip : ip;
}

long long download_files_number(const char *value)
{
    if (value == NULL || value[0] == '\0')
        return -1;
    long long v = php_int(value);
    if (v == -1)
        return -1;
    return v < 0 ? -v : v;
}

bool download_files_remaining(long long limit, long long qty, char out[24])
{
    out[0] = '\0';
    if (limit < 0)
        return true;
    if (qty < 0)
        qty = -qty;
    if (qty > NUMBER_MAX)
        qty = NUMBER_MAX;
    if (limit > NUMBER_MAX)
        limit = NUMBER_MAX;
    /* both at most 10^12: the product may not fit 63 bits, so compare before multiplying */
    if (limit != 0 && qty > 999999999LL / limit)
        return false;
    snprintf(out, 24, "%lld", limit * qty);
    return strlen(out) <= DOWNLOAD_REMAINING_CHARS;
}

bool download_files_expires(const char *from_day, long long expiry, char out[20])
{
    out[0] = '\0';
    int64_t day;
    if (expiry <= 0 || from_day == NULL || report_date_parse(from_day, strlen(from_day), &day) != 0)
        return false;
    int64_t last = report_day_from_civil(9999, 12, 31);
    int64_t at = expiry > last - day ? last : day + expiry;
    char ymd[11];
    report_date_format(at, ymd);
    snprintf(out, 20, "%s 00:00:00", ymd);
    return true;
}

bool download_files_is_yes(const char *value)
{
    if (value == NULL)
        return false;
    return strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0;
}

/*
 * apid/download_files.h — the rules WooCommerce applies when it grants a customer access to the
 * files of a downloadable product (wc_downloadable_file_permission), as pure functions: which
 * download ids a product's _downloadable_files meta holds, what its _download_limit and
 * _download_expiry mean, and the values of one row of woocommerce_downloadable_product_permissions.
 *
 * Pure: counted strings and numbers in, values out; no I/O, no clock, no time zones (the caller
 * passes the dates). The rows themselves are written by apid/order_downloads.c.
 */
#ifndef APID_DOWNLOAD_FILES_H
#define APID_DOWNLOAD_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* The table's column sizes (characters): WordPress's wpdb refuses an insert whose value is longer,
 * so WooCommerce then stores no row for that file. */
#define DOWNLOAD_ID_CHARS 36          /* download_id varchar(36) */
#define DOWNLOAD_EMAIL_CHARS 200      /* user_email, order_key varchar(200) */
#define DOWNLOAD_REMAINING_CHARS 9    /* downloads_remaining varchar(9) */
#define DOWNLOAD_ID_BYTES (4 * DOWNLOAD_ID_CHARS + 1)

struct download_ids {
    size_t n;
    char (*id)[DOWNLOAD_ID_BYTES]; /* n ids, NUL-terminated, in the meta's order; malloc'd */
};

/*
 * The download ids of a product's _downloadable_files meta (len bytes of serialized PHP, not
 * NUL-terminated), as WC_Product_Data_Store_CPT::read_downloads + get_downloads see them: the keys
 * of the array, in order, whose value is an array with both "name" and "file" set (not null);
 * falsy values (array_filter) are dropped. Keys longer than DOWNLOAD_ID_CHARS characters are left
 * out (WooCommerce's insert of them fails). A value that is not a serialized array, or that
 * php_unserialize refuses, has no downloads: out->n = 0 and *err (when err is not NULL) says why;
 * that is not an error. Returns 0; free with download_ids_free.
 */
int download_files_ids(const char *src, size_t len, struct download_ids *out, const char **err);
void download_ids_free(struct download_ids *ids);

/*
 * _download_limit or _download_expiry as WC_Product::set_download_limit / set_download_expiry read
 * them: NULL (no meta), "" or a value whose integer is -1 → -1 (unlimited, never expires); anything
 * else → absint(value) (PHP's (int) of the text: leading blanks and sign, digits, a fraction or
 * exponent, anything after ignored; "abc" → 0). Saturates at 999999999999.
 */
long long download_files_number(const char *value);

/*
 * downloads_remaining for limit (as above) × the line's quantity: "" when limit < 0, else the
 * absolute product as decimal text (WC_Customer_Download::set_downloads_remaining absint).
 * false when the text would not fit the column (WooCommerce stores no row then).
 */
bool download_files_remaining(long long limit, long long qty, char out[24]);

/*
 * access_expires: from_day ("YYYY-MM-DD", the day the count starts) + expiry days at midnight,
 * "YYYY-MM-DD 00:00:00" (WC_Customer_Download_Data_Store stores date('Y-m-d', ...)). expiry <= 0:
 * no expiry, false. A date past 9999-12-31 is clamped to it (the column's last day). false also when
 * from_day is not a date.
 */
bool download_files_expires(const char *from_day, long long expiry, char out[20]);

/* Whether a _downloadable meta value means yes (wc_string_to_bool: "yes", "true", "1"; case-blind). */
bool download_files_is_yes(const char *value);

/* The number of UTF-8 characters in s (what the column sizes count). */
size_t download_files_chars(const char *s);

#endif

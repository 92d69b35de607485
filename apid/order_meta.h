/*
 * apid/order_meta.h — which meta of an order and of its items the order JSON shows, and how a meta
 * value is written there, as WooCommerce's REST API v3 does (meta_data of an order, meta_data with
 * display_key/display_value of an item), narrowed by the admin's allowlist.
 *
 * The policy, in two steps:
 *   1. WooCommerce's own view ($order->get_meta_data()): every row of the order's meta (wc_orders_meta
 *      or postmeta) ordered by meta id, without the data store's internal keys (the CPT data store's
 *      $internal_meta_keys, the order's data keys prefixed with '_') and keys starting with 'wp_' in
 *      any case (WC_Data_Store_WP::exclude_internal_meta_keys); the same list under HPOS, where the
 *      REST controller filters the CPT keys out again;
 *   2. apid's security decision: protected keys (WordPress's is_protected_meta: the first character
 *      that is printable ASCII is '_') often hold gateway tokens and customer identifiers, so they
 *      are left out unless the admin listed the key in the setting order_meta_allowlist
 *      ({prefix}cartman_settings, common/security_settings.h).
 * Item meta follows the same two steps with the item data stores' internal keys.
 *
 * Pure functions, no I/O (fuzzed by tests/fuzz/fuzz_order_meta.c); writers append to a json_out.
 */
#ifndef APID_ORDER_META_H
#define APID_ORDER_META_H

#include <stdbool.h>
#include <stddef.h>

#include "common/json_out.h"

/* WordPress's is_protected_meta(): after dropping every byte that is not printable ASCII (a
 * conservative reading of its preg_replace, which keeps Latin-1 letters too), the key starts with '_'. */
bool order_meta_protected(const char *key);

/* Whether WooCommerce leaves key out of an order's get_meta_data() (step 1 above). */
bool order_meta_internal(const char *key);

/* Whether the allowlist (the setting's text: keys separated by commas or line breaks, blanks around
 * them ignored; NULL or "" lists nothing) names key exactly. */
bool order_meta_listed(const char *allowlist, const char *key);

/* Steps 1 and 2 for an order's meta row. */
bool order_meta_visible(const char *allowlist, const char *key);

/* Steps 1 and 2 for a meta row of an item of type ("line_item", "shipping", "fee", "coupon", "tax"). */
bool order_meta_item_visible(const char *allowlist, const char *type, const char *key);

/* A stored meta value as WordPress's maybe_unserialize() returns it, written as JSON: serialized
 * PHP (common/php_serialize) becomes the JSON value, anything else (including serialized objects,
 * which php_unserialize refuses) stays the stored string. NULL writes "". */
void order_meta_value_write(struct json_out *w, const char *val);

/* The same value for display_value/display_key of an item meta row; true when WooCommerce formats
 * it (get_formatted_meta_data: a scalar that is not ""), and then *text is a malloc'd string: the value
 * as PHP's (string) cast prints it, rawurldecode'd — the form WooCommerce also returns as "value" and
 * "key" of such a row. */
bool order_meta_scalar_text(const char *val, char **text);

/* PHP's rawurldecode of s into a malloc'd string. */
char *order_meta_rawurldecode(const char *s);

/* WordPress's sanitize_text_field (wc_clean) of s, malloc'd: invalid UTF-8 gives "", tags are
 * stripped (a '<' that opens no tag becomes "&lt;"), runs of blanks and line breaks become one space,
 * the ends are trimmed, and %XX sequences are removed. */
char *order_meta_clean(const char *s);

/* wp_kses_post of a meta value as it matters once order_meta_clean follows: every tag (from '<' to the
 * next '>' or the end) removed, a lone '>' as "&gt;", an '&' that starts no entity as "&amp;". */
char *order_meta_kses(const char *s);

/* WordPress's sanitize_title for the ASCII range: lower case, blanks and '-' runs as one '-', other
 * characters than [a-z0-9_-] dropped, no '-' at either end. Writes at most cap bytes. */
void order_meta_sanitize_title(const char *s, char *out, size_t cap);

#endif

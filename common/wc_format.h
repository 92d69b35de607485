/*
 * common/wc_format.h — WooCommerce's and WordPress's text formatting for e-mail bodies: prices as
 * wc_price() writes them, dates as PHP's date() with the site's date_format, and the plain-text
 * pipeline WC_Email::get_content() runs over a plain e-mail (tags stripped, entities replaced,
 * wordwrap at 70 columns).
 *
 * Every function is pure: no I/O, no globals, counted or NUL-terminated input, output into the
 * caller's buffer or a malloc'd one. Allocation failure aborts.
 */
#ifndef COMMON_WC_FORMAT_H
#define COMMON_WC_FORMAT_H

#include <stddef.h>
#include <time.h>

/* The store's price options (woocommerce_currency, _currency_pos, _price_thousand_sep,
 * _price_decimal_sep, _price_num_decimals). */
struct wc_price_format {
    char currency[8];      /* "EUR" */
    char position[16];     /* left, right, left_space, right_space (anything else: left) */
    char thousand_sep[16]; /* may be empty */
    char decimal_sep[16];  /* may be empty */
    unsigned decimals;     /* at most 8 are used */
};

/* WooCommerce's defaults: USD, left, ",", ".", 2. */
void wc_price_format_default(struct wc_price_format *f);

/* get_woocommerce_currency_symbol(): the symbol as WooCommerce stores it, HTML entities included
 * ("&euro;", "&#36;", "CHF"); a code it does not know is its own symbol. Never NULL. */
const char *wc_currency_symbol(const char *code);

/*
 * wc_price() without the <span> markup: the decimal string amount (optional '-', digits, optional
 * '.' and digits; anything after that is ignored, nothing at all is 0) rounded half away from zero to
 * f->decimals places, grouped with thousand_sep, decimal_sep before the decimals, the symbol placed
 * by position with "&nbsp;" for the *_space forms, and "-" in front of a negative amount
 * ("-12,50&nbsp;&euro;"). Writes at most cap bytes (NUL included; cap 0 writes nothing); returns the
 * length it needed, as snprintf does.
 */
size_t wc_price(const struct wc_price_format *f, const char *amount, char *out, size_t cap);

/*
 * PHP's date($format) for the broken-down local time tm (tm_gmtoff is the offset for O, P and Z;
 * names are English, as WordPress's date_i18n in an en_US site): d D j l N S w z W F m M n t L o Y y
 * a A g G h H i s u v e T P O Z c r U, "\\" escapes the next character, anything else is copied.
 * e and T write "UTC" offsets as "+HH:MM" (the zone's name is not known here). Returns the length
 * needed; writes at most cap bytes, NUL-terminated when cap > 0.
 */
size_t wc_date(const char *format, const struct tm *tm, char *out, size_t cap);

/*
 * What WC_Email::get_content() does to a plain-text e-mail: wp_strip_all_tags (script and style
 * elements with their content, then every tag, then trim), WC_Email's $plain_search replacements in
 * their order (CR dropped, &nbsp; &quot; &rsquo; &gt; &lt; &amp; &copy; &trade; &reg; &mdash; &ndash;
 * &bull; &pound; &euro; &dollar; and their numeric forms, runs of spaces to one), and wordwrap(…, 70).
 * One deliberate difference: where WooCommerce deletes every other entity, numeric references
 * (&#322;, &#x142;) and &yen; are decoded to UTF-8 first, so a currency symbol such as "zł" or "kr"
 * survives; other named entities are deleted as WooCommerce deletes them.
 * Returns a malloc'd NUL-terminated string (the caller frees it), its length in *out_len if not NULL.
 */
char *wc_plain_text(const char *src, size_t len, size_t *out_len);

/* PHP's wordwrap($s, width, "\n", false) in place over len bytes: a space becomes a newline where a
 * line would pass width bytes; a word longer than width stays whole. */
void wc_wordwrap(char *s, size_t len, size_t width);

#endif

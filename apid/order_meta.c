/*
 * apid/order_meta.c — the meta policy and meta value forms of the order JSON (apid/order_meta.h).
 *
 * Owns: WooCommerce's internal meta key lists (orders and the five item types), WordPress's
 * is_protected_meta, the allowlist text, maybe_unserialize into JSON, and the text clean-ups
 * WooCommerce applies to display_key/display_value (rawurldecode, wp_kses_post, sanitize_text_field,
 * sanitize_title). Does not: read the database (apid/orders_read.c does, and looks up attribute
 * labels and term names there) or decide anything about other objects' meta.
 */
#include "apid/order_meta.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/hex_digit.h"
#include "common/php_serialize.h"

/* WC_Order_Data_Store_CPT::$internal_meta_keys, then WC_Order's data keys (abstract order and order)
 * prefixed with '_' as WC_Data_Store_WP::filter_raw_meta_data adds them. */
static const char *const order_internal[] = {
    "_customer_user", "_order_key", "_order_currency", "_billing_first_name", "_billing_last_name",
    "_billing_company", "_billing_address_1", "_billing_address_2", "_billing_city", "_billing_state",
    "_billing_postcode", "_billing_country", "_billing_email", "_billing_phone", "_shipping_first_name",
    "_shipping_last_name", "_shipping_company", "_shipping_address_1", "_shipping_address_2", "_shipping_city",
    "_shipping_state", "_shipping_postcode", "_shipping_country", "_shipping_phone", "_completed_date",
    "_paid_date", "_edit_lock", "_edit_last", "_cart_discount", "_cart_discount_tax", "_order_shipping",
    "_order_shipping_tax", "_order_tax", "_order_total", "_payment_method", "_payment_method_title",
    "_transaction_id", "_customer_ip_address", "_customer_user_agent", "_created_via", "_order_version",
    "_prices_include_tax", "_date_completed", "_date_paid", "_payment_tokens", "_billing_address_index",
    "_shipping_address_index", "_recorded_sales", "_recorded_coupon_usage_counts",
    "_download_permissions_granted", "_order_stock_reduced",
    /* data keys */
    "_parent_id", "_status", "_currency", "_version", "_date_created", "_date_modified", "_discount_total",
    "_discount_tax", "_shipping_total", "_shipping_tax", "_cart_tax", "_total", "_total_tax", "_customer_id",
    "_billing", "_shipping", "_customer_note", "_cart_hash", "_new_order_email_sent", NULL};

/* Each item data store's $internal_meta_keys, then the item's data keys prefixed with '_'. */
static const char *const item_common[] = {"_order_id", "_name", NULL};
static const char *const item_line[] = {"_product_id", "_variation_id", "_qty", "_tax_class", "_line_subtotal",
                                        "_line_subtotal_tax", "_line_total", "_line_tax", "_line_tax_data",
                                        "_quantity", "_subtotal", "_subtotal_tax", "_total", "_total_tax",
                                        "_taxes", NULL};
static const char *const item_fee[] = {"_fee_amount", "_tax_class", "_tax_status", "_line_subtotal",
                                       "_line_subtotal_tax", "_line_total", "_line_tax", "_line_tax_data",
                                       "_amount", "_total", "_total_tax", "_taxes", NULL};
static const char *const item_shipping[] = {"method_id", "instance_id", "cost", "total_tax", "taxes", "tax_status",
                                            "_method_title", "_method_id", "_instance_id", "_total",
                                            "_total_tax", "_taxes", "_tax_status", NULL};
static const char *const item_tax[] = {"rate_id", "label", "compound", "tax_amount", "shipping_tax_amount",
                                       "rate_percent", "_rate_code", "_rate_id", "_label", "_compound",
                                       "_tax_total", "_shipping_tax_total", "_rate_percent", NULL};
static const char *const item_coupon[] = {"discount_amount", "discount_amount_tax", "_code", "_discount",
                                          "_discount_tax", NULL};

static bool in_list(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (strcmp(*list, key) == 0)
            return true;
    return false;
}

bool order_meta_protected(const char *key)
{
    for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p; p++)
        if (*p >= 0x20 && *p <= 0x7e)
            return *p == '_';
    return false;
}

static bool wp_prefixed(const char *key)
{
    return strncasecmp(key, "wp_", 3) == 0;
}

bool order_meta_internal(const char *key)
{
    return key == NULL || wp_prefixed(key) || in_list(order_internal, key);
}

bool order_meta_listed(const char *allowlist, const char *key)
{
    if (allowlist == NULL || key == NULL)
        return false;
    size_t kl = strlen(key);
    const char *p = allowlist;
    while (*p) {
        size_t n = strcspn(p, ",\r\n");
        const char *s = p, *e = p + n;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == kl && kl > 0 && memcmp(s, key, kl) == 0)
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

bool order_meta_visible(const char *allowlist, const char *key)
{
    if (order_meta_internal(key))
        return false;
    return !order_meta_protected(key) || order_meta_listed(allowlist, key);
}

bool order_meta_item_visible(const char *allowlist, const char *type, const char *key)
{
    if (key == NULL || wp_prefixed(key) || in_list(item_common, key))
        return false;
    const char *const *list = strcmp(type, "line_item") == 0  ? item_line
                              : strcmp(type, "fee") == 0      ? item_fee
                              : strcmp(type, "shipping") == 0 ? item_shipping
                              : strcmp(type, "tax") == 0      ? item_tax
                              : strcmp(type, "coupon") == 0   ? item_coupon
                                                              : NULL;
    if (list && in_list(list, key))
        return false;
    return !order_meta_protected(key) || order_meta_listed(allowlist, key);
}

/* ---- values ------------------------------------------------------------------------------------ */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
        s++;
    return s;
}

/* maybe_unserialize: is_serialized trims, so does unserialize's caller. NULL when not serialized data
 * php_unserialize accepts. */
static json_t *maybe_unserialize(const char *val)
{
    const char *s = skip_ws(val);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n < 2 || !(s[n - 1] == ';' || s[n - 1] == '}') || strchr("Nbidsa", s[0]) == NULL)
        return NULL;
    const char *err = NULL;
    return php_unserialize(s, n, &err);
}

static void jansson_write(struct json_out *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        json_out_object_open(w);
        json_object_foreach(v, k, x) {
            json_out_key(w, k);
            jansson_write(w, x);
        }
        json_out_object_close(w);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        json_out_array_open(w);
        json_array_foreach(v, i, x) jansson_write(w, x);
        json_out_array_close(w);
        break;
    }
    case JSON_STRING:
        json_out_string(w, json_string_value(v)); /* a NUL byte inside ends it */
        break;
    case JSON_INTEGER:
        json_out_int(w, (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        json_out_php_float(w, json_real_value(v));
        break;
    case JSON_TRUE:
        json_out_bool(w, true);
        break;
    case JSON_FALSE:
        json_out_bool(w, false);
        break;
    default:
        json_out_null(w);
        break;
    }
}

/* Containers nested in v (0 for a scalar). */
static unsigned nesting(json_t *v)
{
    unsigned deepest = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            unsigned d = nesting(x);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            unsigned d = nesting(x);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    return 0;
}

void order_meta_value_write(struct json_out *w, const char *val)
{
    json_t *v = val ? maybe_unserialize(val) : NULL;
    if (v == NULL) {
        json_out_string(w, val ? val : "");
        return;
    }
    /* php_unserialize nests up to LIMIT_PHP_SERIALIZED_DEPTH levels and the reply already has a few
     * open: a value that would not fit json_out's LIMIT_JSON_DEPTH is written as its stored text */
    if (w->depth + nesting(v) > LIMIT_JSON_DEPTH) {
        json_out_string(w, val);
    } else {
        jansson_write(w, v);
    }
    json_decref(v);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d == NULL)
        abort();
    return d;
}

char *order_meta_rawurldecode(const char *s)
{
    char *out = xstrdup(s);
    size_t o = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        int h, l;
        if (*p == '%' && (h = hex_digit((unsigned char)p[1])) >= 0 && (l = hex_digit((unsigned char)p[2])) >= 0) {
            char c = (char)(h * 16 + l);
            p += 2;
            if (c == '\0')
                break; /* a C string ends here, as json_out would end it */
            out[o++] = c;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

bool order_meta_scalar_text(const char *val, char **text)
{
    json_t *v = val ? maybe_unserialize(val) : NULL;
    char buf[64];
    const char *s = NULL;
    bool scalar = true;
    if (v == NULL) {
        s = val ? val : "";
    } else if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        s = buf;
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof buf, "%.14G", json_real_value(v)); /* PHP's (string) uses precision = 14 */
        s = buf;
    } else if (json_is_true(v)) {
        s = "1";
    } else if (json_is_false(v)) {
        s = "";
    } else {
        scalar = false; /* null, arrays */
    }
    /* '' === $meta->value skips only the empty string itself; false is formatted (as "") */
    bool is_text = v == NULL || json_is_string(v);
    bool formatted = scalar && !(is_text && s[0] == '\0');
    if (formatted)
        *text = order_meta_rawurldecode(s);
    json_decref(v);
    return formatted;
}

/* ---- text clean-ups ------------------------------------------------------------------------------ */

static bool utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (n == 9 || (n == 1 && c < 0xc2) || (n == 3 && c > 0xf4))
            return false;
        uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1f) : n == 2 ? (c & 0x0f) : (c & 0x07);
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        s += n + 1;
    }
    return true;
}

/* The named entities wp_kses_normalize_entities keeps: HTML 4.01's 252 and &apos; (sorted, strcmp). */
static const char *const entity_names[] = {
    "AElig", "Aacute", "Acirc", "Agrave", "Alpha", "Aring", "Atilde", "Auml", "Beta", "Ccedil", "Chi", "Dagger",
    "Delta", "ETH", "Eacute", "Ecirc", "Egrave", "Epsilon", "Eta", "Euml", "Gamma", "Iacute", "Icirc", "Igrave",
    "Iota", "Iuml", "Kappa", "Lambda", "Mu", "Ntilde", "Nu", "OElig", "Oacute", "Ocirc", "Ograve", "Omega",
    "Omicron", "Oslash", "Otilde", "Ouml", "Phi", "Pi", "Prime", "Psi", "Rho", "Scaron", "Sigma", "THORN", "Tau",
    "Theta", "Uacute", "Ucirc", "Ugrave", "Upsilon", "Uuml", "Xi", "Yacute", "Yuml", "Zeta", "aacute", "acirc",
    "acute", "aelig", "agrave", "alefsym", "alpha", "amp", "and", "ang", "apos", "aring", "asymp", "atilde",
    "auml", "bdquo", "beta", "brvbar", "bull", "cap", "ccedil", "cedil", "cent", "chi", "circ", "clubs", "cong",
    "copy", "crarr", "cup", "curren", "dArr", "dagger", "darr", "deg", "delta", "diams", "divide", "eacute",
    "ecirc", "egrave", "empty", "emsp", "ensp", "epsilon", "equiv", "eta", "eth", "euml", "euro", "exist", "fnof",
    "forall", "frac12", "frac14", "frac34", "frasl", "gamma", "ge", "gt", "hArr", "harr", "hearts", "hellip",
    "iacute", "icirc", "iexcl", "igrave", "image", "infin", "int", "iota", "iquest", "isin", "iuml", "kappa",
    "lArr", "lambda", "lang", "laquo", "larr", "lceil", "ldquo", "le", "lfloor", "lowast", "loz", "lrm", "lsaquo",
    "lsquo", "lt", "macr", "mdash", "micro", "middot", "minus", "mu", "nabla", "nbsp", "ndash", "ne", "ni", "not",
    "notin", "nsub", "ntilde", "nu", "oacute", "ocirc", "oelig", "ograve", "oline", "omega", "omicron", "oplus",
    "or", "ordf", "ordm", "oslash", "otilde", "otimes", "ouml", "para", "part", "permil", "perp", "phi", "pi",
    "piv", "plusmn", "pound", "prime", "prod", "prop", "psi", "quot", "rArr", "radic", "rang", "raquo", "rarr",
    "rceil", "rdquo", "real", "reg", "rfloor", "rho", "rlm", "rsaquo", "rsquo", "sbquo", "scaron", "sdot", "sect",
    "shy", "sigma", "sigmaf", "sim", "spades", "sub", "sube", "sum", "sup", "sup1", "sup2", "sup3", "supe",
    "szlig", "tau", "there4", "theta", "thetasym", "thinsp", "thorn", "tilde", "times", "trade", "uArr", "uacute",
    "uarr", "ucirc", "ugrave", "uml", "upsih", "upsilon", "uuml", "weierp", "xi", "yacute", "yen", "yuml", "zeta",
    "zwj", "zwnj",
};

static int cmp_name(const void *k, const void *e)
{
    return strcmp(k, *(const char *const *)e);
}

/* The entity at p as wp_kses_normalize_entities writes it (a known name; decimal without leading zeros,
 * padded to three digits; hex without leading zeros), its length in *used; 0 when p starts none and
 * its '&' is to be "&amp;". */
static size_t entity_at(const char *p, char out[24], size_t *used)
{
    const char *q = p + 1;
    if (*q == '#') {
        q++;
        bool hex = *q == 'x' || *q == 'X';
        if (hex)
            q++;
        const char *d = q;
        while (hex ? hex_digit((unsigned char)*q) >= 0 : (*q >= '0' && *q <= '9'))
            q++;
        if (q == d || *q != ';' || q - d > 16)
            return 0;
        while (d < q - 1 && *d == '0')
            d++;
        unsigned long cp = strtoul(d, NULL, hex ? 16 : 10);
        /* valid_unicode() */
        if (!(cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
              (cp >= 0x10000 && cp <= 0x10ffff)))
            return 0;
        int n = hex ? snprintf(out, 24, "&#x%.*s;", (int)(q - d), d)
                    : snprintf(out, 24, "&#%s%.*s;", q - d == 1 ? "00" : q - d == 2 ? "0" : "", (int)(q - d), d);
        *used = (size_t)(q - p) + 1;
        return n > 0 && n < 24 ? (size_t)n : 0;
    }
    const char *d = q;
    while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
        q++;
    if (q == d || *q != ';' || q - d > 16)
        return 0;
    char name[20];
    memcpy(name, d, (size_t)(q - d));
    name[q - d] = '\0';
    if (bsearch(name, entity_names, sizeof entity_names / sizeof *entity_names, sizeof *entity_names, cmp_name) == NULL)
        return 0;
    *used = (size_t)(q - p) + 1;
    return (size_t)snprintf(out, 24, "&%s;", name);
}

char *order_meta_kses(const char *s)
{
    s = s ? s : "";
    size_t n = strlen(s);
    char *out = malloc(n * 5 + 1);
    if (out == NULL)
        abort();
    size_t o = 0;
    for (const char *p = s; *p;) {
        if (*p == '<') {
            const char *e = strchr(p, '>');
            p = e ? e + 1 : p + strlen(p);
        } else if (*p == '>') {
            memcpy(out + o, "&gt;", 4);
            o += 4;
            p++;
        } else if (*p == '&') {
            char ent[24];
            size_t used = 0, en = entity_at(p, ent, &used);
            if (en == 0) {
                memcpy(out + o, "&amp;", 5);
                o += 5;
                p++;
            } else {
                memcpy(out + o, ent, en);
                o += en;
                p += used;
            }
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

char *order_meta_clean(const char *s)
{
    s = s ? s : "";
    if (!utf8_valid((const unsigned char *)s))
        return xstrdup("");
    size_t n = strlen(s);
    char *a = malloc(n * 4 + 1);
    if (a == NULL)
        abort();
    size_t o = 0;
    /* wp_pre_kses_less_than + wp_strip_all_tags: '<' up to the next '>' (with no other '<' first) is a
     * tag and goes; a '<' that closes no tag is text, "&lt;" */
    for (const char *p = s; *p;) {
        if (*p == '<') {
            const char *q = p + 1;
            while (*q && *q != '<' && *q != '>')
                q++;
            if (*q == '>') {
                p = q + 1;
                continue;
            }
            memcpy(a + o, "&lt;", 4);
            o += 4;
            p++;
            continue;
        }
        a[o++] = *p++;
    }
    a[o] = '\0';
    /* [\r\n\t ]+ → ' ', then trim (PHP's trim also drops NUL and \v) */
    size_t k = 0;
    for (size_t i = 0; i < o; i++) {
        char c = a[i];
        if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
            if (k == 0 || a[k - 1] != ' ')
                a[k++] = ' ';
        } else {
            a[k++] = c;
        }
    }
    a[k] = '\0';
    /* remove %XX until none is left; then runs of spaces → one, trim again */
    bool found = false;
    for (bool again = true; again;) {
        again = false;
        size_t m = 0;
        for (size_t i = 0; a[i];) {
            if (a[i] == '%' && hex_digit((unsigned char)a[i + 1]) >= 0 && hex_digit((unsigned char)a[i + 2]) >= 0) {
                i += 3;
                again = found = true;
            } else {
                a[m++] = a[i++];
            }
        }
        a[m] = '\0';
    }
    if (found) {
        size_t m = 0;
        for (size_t i = 0; a[i]; i++)
            if (a[i] != ' ' || m == 0 || a[m - 1] != ' ')
                a[m++] = a[i];
        a[m] = '\0';
    }
    char *b = a;
    while (*b == ' ' || *b == '\v')
        b++;
    size_t len = strlen(b);
    while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\v'))
        len--;
    memmove(a, b, len);
    a[len] = '\0';
    return a;
}

void order_meta_sanitize_title(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (const char *p = s ? s : ""; *p && o + 1 < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == ' ' || c == '-' || c == '\t') {
            if (o > 0 && out[o - 1] != '-')
                out[o++] = '-';
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            out[o++] = c;
        }
    }
    while (o > 0 && out[o - 1] == '-')
        o--;
    out[o] = '\0';
}

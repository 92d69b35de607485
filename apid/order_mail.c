/*
 * apid/order_mail.c — WooCommerce's order e-mails (WC_Email_* and WC_Emails::low_stock/no_stock),
 * queued in the caller's transaction.
 *
 * Owns: which e-mail a transition, refund, customer note or stock change sends; the e-mail settings
 * (woocommerce_<id>_settings) and their defaults; WooCommerce's placeholders; the data the plain-text
 * templates get (items, WC_Order::get_order_item_totals, formatted addresses) with money as wc_price and
 * dates in the store's date_format; the plain-text pipeline of WC_Email::get_content; one outbox row per
 * recipient. Does not: write the order (apid/order_write.c, apid/order_refund.c), send mail (the outbox
 * sender) or build the MIME message (common/mail_build.c). Only the plain bodies are written: WooCommerce's
 * HTML variants (email_type html/multipart) are sent as their plain-text form.
 */
#include "apid/order_mail.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "apid/orders_read.h"
#include "common/log.h"
#include "common/mail_outbox.h"
#include "common/php_serialize.h"
#include "common/template.h"
#include "common/wc_format.h"

/* ---- templates ------------------------------------------------------------------------------- */

static pthread_mutex_t tpl_mu = PTHREAD_MUTEX_INITIALIZER;
static struct template_set *tpl_set; /* loaded on first use, kept for the process's life */
static char tpl_dir[CONFIG_STR] = "templates";

void order_mail_configure(const struct config *cfg)
{
    if (cfg->templates_dir[0])
        snprintf(tpl_dir, sizeof tpl_dir, "%s", cfg->templates_dir);
}

static const struct template_set *templates(void)
{
    pthread_mutex_lock(&tpl_mu);
    if (tpl_set == NULL) {
        char err[256];
        tpl_set = template_set_load_dir(tpl_dir, err, sizeof err);
        if (tpl_set == NULL)
            log_error("order mail: templates: %s", err);
    }
    pthread_mutex_unlock(&tpl_mu);
    return tpl_set;
}

/* ---- options --------------------------------------------------------------------------------- */

/* What the e-mails read from {p}options, in one query per e-mail. */
struct mail_opts {
    struct wc_price_format price; /* currency set per order */
    char date_format[64];
    char footer[1024];
    char from_address[256];
    char base_country[8];
    bool calc_taxes, tax_itemized, billing_only;
    bool tax_display_incl; /* woocommerce_tax_display_cart = incl: prices shown with their tax */
    bool downloads_after_payment; /* woocommerce_downloads_grant_access_after_payment (default yes) */
    json_t *settings; /* woocommerce_<id>_settings unserialized (an object), or NULL */
    /* stock notifications */
    char stock_recipient[512];
    bool notify_low, notify_no;
    long long low_amount, no_amount;
};

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int opts_load(struct db *db, const struct store_options *opt, const char *email_id, struct mail_opts *mo)
{
    memset(mo, 0, sizeof *mo);
    wc_price_format_default(&mo->price);
    copy(mo->price.currency, sizeof mo->price.currency, opt->currency);
    mo->price.thousand_sep[0] = '\0'; /* wc_get_price_thousand_separator: get_option(), "" when absent */
    mo->price.decimals = opt->price_decimals;
    copy(mo->date_format, sizeof mo->date_format, "F j, Y");
    mo->tax_itemized = true; /* woocommerce_tax_total_display defaults to itemized */
    mo->notify_low = mo->notify_no = true;
    mo->downloads_after_payment = true;
    mo->low_amount = 2;
    copy(mo->stock_recipient, sizeof mo->stock_recipient, opt->admin_email);
    char settings_name[96];
    snprintf(settings_name, sizeof settings_name, "woocommerce_%s_settings", email_id ? email_id : "");
    struct db_value p[1] = {DB_STR(settings_name)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT option_name, option_value FROM {p}options WHERE option_name IN ('woocommerce_currency_pos',"
                 " 'woocommerce_price_thousand_sep', 'woocommerce_price_decimal_sep', 'date_format',"
                 " 'woocommerce_email_footer_text', 'woocommerce_email_from_address', 'woocommerce_default_country',"
                 " 'woocommerce_calc_taxes', 'woocommerce_tax_total_display', 'woocommerce_tax_display_cart',"
                 " 'woocommerce_ship_to_destination', 'woocommerce_downloads_grant_access_after_payment',"
                 " 'woocommerce_stock_email_recipient', 'woocommerce_notify_low_stock', 'woocommerce_notify_no_stock',"
                 " 'woocommerce_notify_low_stock_amount', 'woocommerce_notify_no_stock_amount', ?)",
                 p, 1, &r) != 0) {
        log_warn("order mail: options: %s", db_error(db));
        return -1;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        const char *k = db_cell(&r, i, 0), *v = db_cell(&r, i, 1) ? db_cell(&r, i, 1) : "";
        if (strcmp(k, "woocommerce_currency_pos") == 0)
            copy(mo->price.position, sizeof mo->price.position, v);
        else if (strcmp(k, "woocommerce_price_thousand_sep") == 0)
            copy(mo->price.thousand_sep, sizeof mo->price.thousand_sep, v);
        else if (strcmp(k, "woocommerce_price_decimal_sep") == 0)
            copy(mo->price.decimal_sep, sizeof mo->price.decimal_sep, v[0] ? v : "."); /* "" → "." */
        else if (strcmp(k, "date_format") == 0 && v[0])
            copy(mo->date_format, sizeof mo->date_format, v);
        else if (strcmp(k, "woocommerce_email_footer_text") == 0)
            copy(mo->footer, sizeof mo->footer, v);
        else if (strcmp(k, "woocommerce_email_from_address") == 0)
            copy(mo->from_address, sizeof mo->from_address, v);
        else if (strcmp(k, "woocommerce_default_country") == 0) {
            copy(mo->base_country, sizeof mo->base_country, v);
            char *colon = strchr(mo->base_country, ':');
            if (colon)
                *colon = '\0';
        } else if (strcmp(k, "woocommerce_calc_taxes") == 0)
            mo->calc_taxes = strcmp(v, "yes") == 0;
        else if (strcmp(k, "woocommerce_tax_total_display") == 0)
            mo->tax_itemized = strcmp(v, "itemized") == 0;
        else if (strcmp(k, "woocommerce_tax_display_cart") == 0)
            mo->tax_display_incl = strcmp(v, "incl") == 0;
        else if (strcmp(k, "woocommerce_downloads_grant_access_after_payment") == 0)
            mo->downloads_after_payment = strcmp(v, "yes") == 0;
        else if (strcmp(k, "woocommerce_ship_to_destination") == 0)
            mo->billing_only = strcmp(v, "billing_only") == 0;
        else if (strcmp(k, "woocommerce_stock_email_recipient") == 0 && v[0])
            copy(mo->stock_recipient, sizeof mo->stock_recipient, v);
        else if (strcmp(k, "woocommerce_notify_low_stock") == 0)
            mo->notify_low = strcmp(v, "no") != 0;
        else if (strcmp(k, "woocommerce_notify_no_stock") == 0)
            mo->notify_no = strcmp(v, "no") != 0;
        else if (strcmp(k, "woocommerce_notify_low_stock_amount") == 0)
            mo->low_amount = strtoll(v, NULL, 10);
        else if (strcmp(k, "woocommerce_notify_no_stock_amount") == 0)
            mo->no_amount = llabs(strtoll(v, NULL, 10));
        else if (strcmp(k, settings_name) == 0 && v[0]) {
            const char *err = NULL;
            json_t *s = php_unserialize(v, strlen(v), &err);
            if (json_is_object(s))
                mo->settings = s;
            else {
                json_decref(s);
                log_warn("order mail: %s does not unserialize (%s); WooCommerce's defaults apply", settings_name,
                         err ? err : "not an array");
            }
        }
    }
    db_rows_free(&r);
    return 0;
}

static void opts_free(struct mail_opts *mo)
{
    json_decref(mo->settings);
    mo->settings = NULL;
}

/* WC_Settings_API::get_option($key, $empty_value): the stored value; the form field's default when the
 * key is absent (dflt_absent); empty_value when the stored value is "" and empty_value is not NULL. */
static const char *setting(const struct mail_opts *mo, const char *key, const char *dflt_absent,
                           const char *empty_value)
{
    json_t *v = json_object_get(mo->settings, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s == NULL)
        return empty_value && (dflt_absent == NULL || dflt_absent[0] == '\0') ? empty_value : dflt_absent;
    if (s[0] == '\0' && empty_value)
        return empty_value;
    return s;
}

/* ---- small text helpers ---------------------------------------------------------------------- */

struct text {
    char *p;
    size_t len, cap;
};

static void tput(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t c = t->cap ? t->cap : 128;
        while (t->len + n + 1 > c)
            c *= 2;
        t->p = realloc(t->p, c);
        if (t->p == NULL)
            abort();
        t->cap = c;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void tputs(struct text *t, const char *s)
{
    tput(t, s, strlen(s));
}

/* str_replace($find, $replace, $s) with arrays: each pair in turn over the result of the previous. */
static char *replace_all(const char *s, const char *const *find, const char *const *with, size_t n)
{
    char *cur = strdup(s ? s : "");
    if (cur == NULL)
        abort();
    for (size_t k = 0; k < n; k++) {
        size_t fl = strlen(find[k]);
        if (fl == 0 || strstr(cur, find[k]) == NULL)
            continue;
        struct text t = {0};
        tput(&t, "", 0);
        for (const char *p = cur; *p;) {
            const char *hit = strstr(p, find[k]);
            if (hit == NULL) {
                tputs(&t, p);
                break;
            }
            tput(&t, p, (size_t)(hit - p));
            tputs(&t, with[k] ? with[k] : "");
            p = hit + fl;
        }
        free(cur);
        cur = t.p;
    }
    return cur;
}

/* wp_specialchars_decode($s, ENT_QUOTES) */
static char *specialchars_decode(const char *s)
{
    static const char *const find[] = {"&#039;", "&#39;", "&#x27;", "&quot;", "&#034;", "&#34;", "&#x22;",
                                       "&lt;",   "&#060;", "&#60;", "&gt;",  "&#062;", "&#62;", "&amp;", "&#038;", "&#38;"};
    static const char *const with[] = {"'", "'", "'", "\"", "\"", "\"", "\"", "<", "<", "<", ">", ">", ">", "&", "&", "&"};
    return replace_all(s, find, with, sizeof find / sizeof *find);
}

/* wp_parse_url(home_url(), PHP_URL_HOST) */
static void url_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url ? url : "", "://");
    p = p ? p + 3 : (url ? url : "");
    const char *at = NULL;
    for (const char *q = p; *q && *q != '/' && *q != '?' && *q != '#'; q++)
        if (*q == '@')
            at = q;
    if (at)
        p = at + 1;
    size_t n = strcspn(p, ":/?#");
    if (*p == '[')
        n = strcspn(p, "]/") + (p[strcspn(p, "]/")] == ']');
    snprintf(out, cap, "%.*s", (int)n, p);
}

static void money(const struct mail_opts *mo, const char *amount, char *out, size_t cap)
{
    wc_price(&mo->price, amount, out, cap);
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        return strtod(json_string_value(v), NULL);
    return json_is_number(v) ? json_number_value(v) : 0.0;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A decimal string of v with the store's decimals (for sums and differences of money). */
static void fixed(double v, unsigned dp, char *out, size_t cap)
{
    snprintf(out, cap, "%.*f", (int)(dp > 8 ? 8 : dp), v);
}

/* ---- dates ----------------------------------------------------------------------------------- */

static bool parse_iso(const char *s, struct tm *tm)
{
    memset(tm, 0, sizeof *tm);
    int y, mo, d, h, mi, se;
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
        return false;
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = se;
    return true;
}

/* wc_format_datetime($order->get_date_created()): the store's date_format, in store time. */
static void order_date(const struct mail_opts *mo, const json_t *order, char *out, size_t cap)
{
    struct tm local, gmt;
    out[0] = '\0';
    if (!parse_iso(str(order, "date_created"), &local))
        return;
    if (parse_iso(str(order, "date_created_gmt"), &gmt)) {
        struct tm a = local, b = gmt;
        long diff = (long)(timegm(&a) - timegm(&b));
        local.tm_gmtoff = diff;
    }
    wc_date(mo->date_format, &local, out, cap);
}

/* ---- addresses ------------------------------------------------------------------------------- */

static const struct {
    const char *code, *name;
} countries[] = {
    {"AT", "Austria"},        {"BE", "Belgium"},     {"CA", "Canada"},      {"CH", "Switzerland"},
    {"CZ", "Czech Republic"}, {"DE", "Germany"},     {"DK", "Denmark"},     {"ES", "Spain"},
    {"FI", "Finland"},        {"FR", "France"},      {"GB", "United Kingdom (UK)"}, {"IE", "Ireland"},
    {"IT", "Italy"},          {"LU", "Luxembourg"},  {"NL", "Netherlands"}, {"NO", "Norway"},
    {"PL", "Poland"},         {"PT", "Portugal"},    {"SE", "Sweden"},      {"US", "United States (US)"},
    {"AU", "Australia"},      {"NZ", "New Zealand"},
};

/* WC_Countries::get_address_formats() for the countries above; others use the default. */
static const char *address_format(const char *cc)
{
    static const char *const postcode_city[] = {"AT", "BE", "CH", "CZ", "DE", "DK", "FI", "LU", "NL", "NO", "PL", "PT", "SE"};
    for (size_t i = 0; i < sizeof postcode_city / sizeof *postcode_city; i++)
        if (strcmp(cc, postcode_city[i]) == 0)
            return "{company}\n{name}\n{address_1}\n{address_2}\n{postcode} {city}\n{country}";
    if (strcmp(cc, "US") == 0)
        return "{name}\n{company}\n{address_1}\n{address_2}\n{city}, {state_code} {postcode}\n{country}";
    if (strcmp(cc, "FR") == 0)
        return "{company}\n{name}\n{address_1}\n{address_2}\n{postcode} {city_upper}\n{country}";
    if (strcmp(cc, "ES") == 0)
        return "{name}\n{company}\n{address_1}\n{address_2}\n{postcode} {city}\n{state}\n{country}";
    if (strcmp(cc, "IT") == 0)
        return "{company}\n{name}\n{address_1}\n{address_2}\n{postcode}\n{city}\n{state_upper}\n{country}";
    if (strcmp(cc, "CA") == 0 || strcmp(cc, "AU") == 0)
        return "{company}\n{name}\n{address_1}\n{address_2}\n{city} {state_code} {postcode}\n{country}";
    return "{name}\n{company}\n{address_1}\n{address_2}\n{city}\n{state}\n{postcode}\n{country}";
}

static char *upper(const char *s)
{
    char *u = strdup(s ? s : "");
    if (u == NULL)
        abort();
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

/* WC_Countries::get_formatted_address: the lines, empty ones dropped; the country only when it is not
 * the store's base country. An address without any field gives no lines. */
static json_t *formatted_address(const struct mail_opts *mo, const json_t *a)
{
    json_t *lines = json_array();
    const char *cc = str(a, "country");
    char name[512];
    snprintf(name, sizeof name, "%s %s", str(a, "first_name"), str(a, "last_name"));
    const char *country = cc;
    for (size_t i = 0; i < sizeof countries / sizeof *countries; i++)
        if (strcmp(countries[i].code, cc) == 0)
            country = countries[i].name;
    if (strcmp(cc, mo->base_country) == 0)
        country = "";
    char *city_u = upper(str(a, "city")), *state_u = upper(str(a, "state"));
    /* the placeholders that contain another's name first ({city_upper} before {city}) */
    const char *find[] = {"{city_upper}", "{state_upper}", "{state_code}", "{first_name}", "{last_name}", "{name}",
                          "{company}", "{address_1}", "{address_2}", "{city}", "{state}", "{postcode}", "{country}"};
    const char *with[] = {city_u, state_u, str(a, "state"), str(a, "first_name"), str(a, "last_name"), name,
                          str(a, "company"), str(a, "address_1"), str(a, "address_2"), str(a, "city"), str(a, "state"),
                          str(a, "postcode"), country};
    char *f = replace_all(address_format(cc), find, with, sizeof find / sizeof *find);
    free(city_u);
    free(state_u);
    for (char *line = f; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        /* trim, and runs of blanks to one */
        char buf[1024] = "";
        size_t bl = 0;
        for (size_t i = 0; i < n && bl + 1 < sizeof buf; i++) {
            char c = line[i];
            if (c == '\t')
                c = ' ';
            if (c == ' ' && (bl == 0 || buf[bl - 1] == ' '))
                continue;
            buf[bl++] = c;
        }
        while (bl > 0 && buf[bl - 1] == ' ')
            bl--;
        /* a line left with only a comma ("{city}, {state_code}" with both empty) goes too */
        if (bl > 0 && !(bl == 1 && buf[0] == ','))
            json_array_append_new(lines, json_stringn(buf, bl));
        line = nl ? nl + 1 : NULL;
    }
    free(f);
    return lines;
}

/* ---- the order table ------------------------------------------------------------------------- */

static const char *const eu_vat[] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                                     "IT", "LT", "LU", "LV", "MC", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IM", "NO"};

/* WC_Countries::tax_or_vat(): "VAT" in the EU (and Norway, the Isle of Man, Monaco), else "Tax". */
static bool vat(const struct mail_opts *mo)
{
    for (size_t i = 0; i < sizeof eu_vat / sizeof *eu_vat; i++)
        if (strcmp(mo->base_country, eu_vat[i]) == 0)
            return true;
    return false;
}

static const char *ex_tax_label(const struct mail_opts *mo)
{
    return vat(mo) ? " <small class=\"tax_label\">(ex. VAT)</small>" : " <small class=\"tax_label\">(ex. tax)</small>";
}

static void total_row(json_t *rows, const char *label, const char *value)
{
    json_array_append_new(rows, json_pack("{s:s, s:s}", "label", label, "value", value));
}

static const char *inc_tax_label(const struct mail_opts *mo)
{
    return vat(mo) ? "&nbsp;<small class=\"tax_label\">(incl. VAT)</small>"
                   : "&nbsp;<small class=\"tax_label\">(incl. tax)</small>";
}

/* The tax the order's refunds gave back, by rate id (WC_Order::get_total_tax_refunded_by_rate_id). */
struct refunded_tax {
    uint64_t rate_id;
    double amount;
};
#define MAX_REFUNDED_RATES 16

/* WC_Order::get_order_item_totals() with the store's woocommerce_tax_display_cart (what
 * email-order-details.php calls it with): subtotal, discount, shipping, fees, taxes ("excl" only),
 * payment method, refunds, total (with "(includes …)" under "incl"). */
static json_t *item_totals(const struct mail_opts *mo, const json_t *order, const struct refunded_tax *rt, size_t nrt)
{
    json_t *rows = json_array();
    unsigned dp = mo->price.decimals;
    bool pit = json_is_true(json_object_get(order, "prices_include_tax"));
    bool incl = mo->tax_display_incl;
    char a[64], m[160], v[1200];
    size_t i;
    json_t *it;
    /* get_subtotal_to_display: the line subtotals, plus their taxes under "incl" */
    double subtotal = 0, subtotal_tax = 0;
    json_array_foreach(json_object_get(order, "line_items"), i, it) {
        subtotal += num(it, "subtotal");
        subtotal_tax += num(it, "subtotal_tax");
    }
    fixed(subtotal + (incl ? subtotal_tax : 0), dp, a, sizeof a);
    money(mo, a, m, sizeof m);
    snprintf(v, sizeof v, "%s%s", m, !incl && pit && mo->calc_taxes ? ex_tax_label(mo) : "");
    total_row(rows, "Subtotal:", v);
    /* get_discount_to_display: get_total_discount(ex_tax = the display is "excl") */
    if (num(order, "discount_total") > 0) {
        fixed(num(order, "discount_total") + (incl ? num(order, "discount_tax") : 0), dp, a, sizeof a);
        money(mo, a, m, sizeof m);
        snprintf(v, sizeof v, "-%s", m);
        total_row(rows, "Discount:", v);
    }
    const json_t *ships = json_object_get(order, "shipping_lines");
    if (json_array_size(ships) > 0) {
        char names[512] = "";
        size_t nl = 0;
        json_array_foreach(ships, i, it) {
            int w = snprintf(names + nl, sizeof names - nl, "%s%s", i ? ", " : "", str(it, "method_title"));
            if (w > 0)
                nl = nl + (size_t)w < sizeof names ? nl + (size_t)w : sizeof names - 1;
        }
        double ship = num(order, "shipping_total"), ship_tax = num(order, "shipping_tax");
        if (ship > 0.0 || ship < 0.0) {
            /* get_shipping_to_display */
            const char *label = "";
            if (!incl) {
                money(mo, str(order, "shipping_total"), m, sizeof m);
                label = ship_tax > 0 && pit ? ex_tax_label(mo) : "";
            } else {
                fixed(ship + ship_tax, dp, a, sizeof a);
                money(mo, a, m, sizeof m);
                label = ship_tax > 0 && !pit ? inc_tax_label(mo) : "";
            }
            snprintf(v, sizeof v, "%s%s&nbsp;<small class=\"shipped_via\">via %s</small>", m, label, names);
        } else {
            snprintf(v, sizeof v, "%s", names);
        }
        total_row(rows, "Shipping:", v);
    }
    json_array_foreach(json_object_get(order, "fee_lines"), i, it) {
        char label[300];
        snprintf(label, sizeof label, "%s:", str(it, "name"));
        fixed(num(it, "total") + (incl ? num(it, "total_tax") : 0), dp, a, sizeof a);
        money(mo, a, m, sizeof m);
        total_row(rows, label, m);
    }
    /* add_order_item_totals_tax_rows: only when the display is "excl" */
    if (mo->calc_taxes && !incl) {
        if (mo->tax_itemized) {
            json_array_foreach(json_object_get(order, "tax_lines"), i, it) {
                char label[300];
                snprintf(label, sizeof label, "%s:", str(it, "label"));
                fixed(num(it, "tax_total") + num(it, "shipping_tax_total"), dp, a, sizeof a);
                money(mo, a, m, sizeof m);
                total_row(rows, label, m);
            }
        } else {
            money(mo, str(order, "total_tax"), m, sizeof m);
            total_row(rows, vat(mo) ? "VAT:" : "Tax:", m);
        }
    }
    const char *pmt = str(order, "payment_method_title");
    if (num(order, "total") > 0 && pmt[0] && strcmp(pmt, "other") != 0)
        total_row(rows, "Payment method:", pmt);
    double refunded = 0;
    json_array_foreach(json_object_get(order, "refunds"), i, it) {
        /* the REST refund total is negative; wc_price('-' . $refund->get_amount()) */
        refunded += -num(it, "total");
        const char *reason = str(it, "reason");
        money(mo, str(it, "total"), m, sizeof m);
        total_row(rows, reason[0] ? reason : "Refund:", m);
    }
    /* get_formatted_order_total: under "incl" the taxes it includes, less what refunds gave back */
    struct text tax = {0};
    tput(&tax, "", 0);
    const json_t *tax_lines = json_object_get(order, "tax_lines");
    if (mo->calc_taxes && incl && json_array_size(tax_lines) > 0) {
        if (mo->tax_itemized) {
            json_array_foreach(tax_lines, i, it) {
                double t = num(it, "tax_total") + num(it, "shipping_tax_total");
                uint64_t rate = (uint64_t)json_integer_value(json_object_get(it, "rate_id"));
                for (size_t k = 0; refunded > 0 && k < nrt; k++)
                    if (rt[k].rate_id == rate)
                        t -= rt[k].amount;
                fixed(t, dp, a, sizeof a);
                money(mo, a, m, sizeof m);
                tputs(&tax, i ? ", " : "");
                tputs(&tax, m);
                tputs(&tax, " ");
                tputs(&tax, str(it, "label"));
            }
        } else {
            double t = num(order, "total_tax");
            for (size_t k = 0; refunded > 0 && k < nrt; k++)
                t -= rt[k].amount;
            fixed(t, dp, a, sizeof a);
            money(mo, a, m, sizeof m);
            tputs(&tax, m);
            tputs(&tax, vat(mo) ? " VAT" : " Tax");
        }
    }
    char tax_string[700] = "";
    if (tax.len > 0)
        snprintf(tax_string, sizeof tax_string, " <small class=\"includes_tax\">(includes %s)</small>", tax.p);
    free(tax.p);
    money(mo, str(order, "total"), m, sizeof m);
    if (refunded > 0) {
        char left[160];
        fixed(num(order, "total") - refunded, dp, a, sizeof a);
        money(mo, a, left, sizeof left);
        snprintf(v, sizeof v, "<del aria-hidden=\"true\">%s</del> <ins>%s%s</ins>", m, left, tax_string);
    } else {
        snprintf(v, sizeof v, "%s%s", m, tax_string);
    }
    total_row(rows, "Total:", v);
    return rows;
}

/* wc_is_attribute_in_product_name: name contains " value," or ends with " value" (case-insensitive). */
static bool attribute_in_name(const char *value, const char *name)
{
    size_t vl = strlen(value), nl = strlen(name);
    if (vl == 0)
        return false;
    for (size_t i = 0; i + vl + 1 <= nl; i++) {
        if (name[i] != ' ' || strncasecmp(name + i + 1, value, vl) != 0)
            continue;
        if (name[i + 1 + vl] == ',' || i + 1 + vl == nl)
            return true;
    }
    return false;
}

/* The line items as email-order-items.php lists them: name, the SKU in admin e-mails, quantity, the
 * line subtotal (get_formatted_line_subtotal with the store's tax display), visible meta, the purchase
 * note (notes: order_item_id as text → note, NULL for none). */
static json_t *items(const struct mail_opts *mo, const json_t *order, bool admin, const json_t *notes)
{
    json_t *arr = json_array();
    bool pit = json_is_true(json_object_get(order, "prices_include_tax"));
    size_t i, k;
    json_t *it, *md;
    json_array_foreach(json_object_get(order, "line_items"), i, it) {
        char a[64], m[160], v[400];
        if (mo->tax_display_incl) {
            fixed(num(it, "subtotal") + num(it, "subtotal_tax"), mo->price.decimals, a, sizeof a);
            money(mo, a, m, sizeof m);
            snprintf(v, sizeof v, "%s", m);
        } else {
            money(mo, str(it, "subtotal"), m, sizeof m);
            snprintf(v, sizeof v, "%s%s", m, pit && mo->calc_taxes ? ex_tax_label(mo) : "");
        }
        struct text meta = {0};
        tput(&meta, "", 0);
        /* wc_display_item_meta over get_formatted_meta_data('_'): the display forms apid/orders_read.c
         * wrote (labels, term names, cleaned values) of the rows that are not hidden ('_'), scalar and
         * not "", less a variation's attribute values its name already shows */
        bool variation = json_integer_value(json_object_get(it, "variation_id")) > 0;
        json_array_foreach(json_object_get(it, "meta_data"), k, md) {
            const json_t *val = json_object_get(md, "value"), *dv = json_object_get(md, "display_value");
            if (str(md, "key")[0] == '_' || !json_is_string(val) || json_string_length(val) == 0 || !json_is_string(dv))
                continue;
            if (variation && attribute_in_name(json_string_value(dv), str(it, "name")))
                continue;
            tputs(&meta, "\n- ");
            tputs(&meta, str(md, "display_key"));
            tputs(&meta, ": ");
            tputs(&meta, json_string_value(dv));
        }
        /* the product's purchase note under the line (show_purchase_note: a paid order, the customer's
         * e-mail); its tags go with the plain-text pass */
        char iid[24];
        snprintf(iid, sizeof iid, "%lld", (long long)json_integer_value(json_object_get(it, "id")));
        const char *note = json_string_value(json_object_get(notes, iid));
        if (note && note[0]) {
            tputs(&meta, "\n");
            tputs(&meta, note);
        }
        json_t *row = json_pack("{s:s, s:I, s:s, s:s}", "name", str(it, "name"), "quantity",
                                json_integer_value(json_object_get(it, "quantity")), "subtotal", v, "meta_text",
                                meta.p);
        free(meta.p);
        if (row == NULL)
            continue;
        if (admin && str(it, "sku")[0])
            json_object_set_new(row, "sku", json_string(str(it, "sku")));
        json_array_append_new(arr, row);
    }
    return arr;
}

/* WC_Order::needs_shipping_address(): a shipping line whose method is not local pickup. */
static bool needs_shipping(const json_t *order)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(order, "shipping_lines"), i, it) {
        const char *m = str(it, "method_id");
        if (strcmp(m, "local_pickup") != 0 && strcmp(m, "pickup_location") != 0)
            return true;
    }
    return false;
}

/* The tax of the order's refunds by rate id (their tax lines' tax_amount and shipping_tax_amount, as
 * positive amounts); only read when the totals show it (display "incl" and a refund). 0, or -1. */
static int refunded_taxes(struct db *db, const struct store_options *opt, uint64_t order_id, struct refunded_tax *out,
                          size_t cap, size_t *n)
{
    *n = 0;
    struct db_value p[1] = {DB_UINT(order_id)};
    struct db_rows r;
    if (db_query(db,
                 opt->hpos ? "SELECT rm.meta_value, SUM(ABS(t.meta_value)) FROM {p}wc_orders ro"
                             " JOIN {p}woocommerce_order_items i ON i.order_id = ro.id AND i.order_item_type = 'tax'"
                             " JOIN {p}woocommerce_order_itemmeta rm ON rm.order_item_id = i.order_item_id AND rm.meta_key = 'rate_id'"
                             " JOIN {p}woocommerce_order_itemmeta t ON t.order_item_id = i.order_item_id"
                             " AND t.meta_key IN ('tax_amount', 'shipping_tax_amount')"
                             " WHERE ro.parent_order_id = ? AND ro.type = 'shop_order_refund' GROUP BY rm.meta_value"
                           : "SELECT rm.meta_value, SUM(ABS(t.meta_value)) FROM {p}posts ro"
                             " JOIN {p}woocommerce_order_items i ON i.order_id = ro.ID AND i.order_item_type = 'tax'"
                             " JOIN {p}woocommerce_order_itemmeta rm ON rm.order_item_id = i.order_item_id AND rm.meta_key = 'rate_id'"
                             " JOIN {p}woocommerce_order_itemmeta t ON t.order_item_id = i.order_item_id"
                             " AND t.meta_key IN ('tax_amount', 'shipping_tax_amount')"
                             " WHERE ro.post_parent = ? AND ro.post_type = 'shop_order_refund' GROUP BY rm.meta_value",
                 p, 1, &r) != 0) {
        log_warn("order mail: refunded taxes: %s", db_error(db));
        return -1;
    }
    for (size_t i = 0; i < r.nrows && *n < cap; i++) {
        out[*n].rate_id = strtoull(db_cell(&r, i, 0) ? db_cell(&r, i, 0) : "0", NULL, 10);
        out[*n].amount = strtod(db_cell(&r, i, 1) ? db_cell(&r, i, 1) : "0", NULL);
        (*n)++;
    }
    db_rows_free(&r);
    return 0;
}

/* ---- purchase notes and downloads ------------------------------------------------------------ */

/* WC_Order::is_paid(): processing or completed (wc_get_is_paid_statuses). */
static bool order_paid(const json_t *order)
{
    const char *st = str(order, "status");
    return strcmp(st, "processing") == 0 || strcmp(st, "completed") == 0;
}

/* The purchase note of each line's product (WC_Product::get_purchase_note: a variation has its parent's),
 * as {"<order_item_id>": note} for the lines that have one. 0, or -1. */
static int purchase_notes(struct db *db, uint64_t order_id, json_t **out)
{
    *out = json_object();
    struct db_value p[1] = {DB_UINT(order_id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT i.order_item_id, n.meta_value FROM {p}woocommerce_order_items i"
                 " JOIN {p}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'"
                 " JOIN {p}posts p ON p.ID = pm.meta_value AND p.post_type = 'product'"
                 " JOIN {p}postmeta n ON n.post_id = p.ID AND n.meta_key = '_purchase_note'"
                 " WHERE i.order_id = ? AND i.order_item_type = 'line_item' AND n.meta_value <> ''",
                 p, 1, &r) != 0) {
        log_warn("order mail: purchase notes: %s", db_error(db));
        return -1;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        json_t *v = json_string(db_cell(&r, i, 1));
        if (v) /* a note that is not UTF-8 is left out */
            json_object_set_new(*out, db_cell(&r, i, 0), v);
    }
    db_rows_free(&r);
    return 0;
}

/* A stored "YYYY-MM-DD HH:MM:SS" in date_format (date_i18n of access_expires). */
static void stored_date(const struct mail_opts *mo, const char *s, char *out, size_t cap)
{
    struct tm tm = {0};
    out[0] = '\0';
    if (s == NULL || sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    struct tm norm;
    if (gmtime_r(&t, &norm) == NULL)
        return;
    wc_date(mo->date_format, &norm, out, cap);
}

/* The permission rows of the order's lines, without a line its refunds took back whole
 * (get_qty_refunded_for_item equal to the quantity). */
#define DOWNLOADS_SQL(refund_ids)                                                                                     \
    "SELECT d.download_id, d.product_id, d.access_expires, p.post_title, f.meta_value"                               \
    " FROM {p}woocommerce_order_items i"                                                                              \
    " JOIN {p}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'"    \
    " LEFT JOIN {p}woocommerce_order_itemmeta vm ON vm.order_item_id = i.order_item_id AND vm.meta_key = '_variation_id'" \
    " LEFT JOIN {p}woocommerce_order_itemmeta qm ON qm.order_item_id = i.order_item_id AND qm.meta_key = '_qty'"     \
    " LEFT JOIN (SELECT rr.meta_value AS item_id, SUM(rq.meta_value) AS qty FROM {p}woocommerce_order_items ri"       \
    " JOIN {p}woocommerce_order_itemmeta rr ON rr.order_item_id = ri.order_item_id AND rr.meta_key = '_refunded_item_id'" \
    " JOIN {p}woocommerce_order_itemmeta rq ON rq.order_item_id = ri.order_item_id AND rq.meta_key = '_qty'"         \
    " WHERE ri.order_id IN (" refund_ids ") GROUP BY rr.meta_value) rf ON rf.item_id = i.order_item_id"              \
    " JOIN {p}woocommerce_downloadable_product_permissions d ON d.order_id = i.order_id AND d.user_email = ?"         \
    " AND d.product_id = IF(COALESCE(vm.meta_value, 0) > 0, vm.meta_value, pm.meta_value)"                          \
    " JOIN {p}posts p ON p.ID = d.product_id"                                                                         \
    " JOIN {p}postmeta dl ON dl.post_id = p.ID AND dl.meta_key = '_downloadable' AND dl.meta_value = 'yes'"          \
    " LEFT JOIN {p}postmeta f ON f.post_id = p.ID AND f.meta_key = '_downloadable_files'"                           \
    " WHERE i.order_id = ? AND i.order_item_type = 'line_item'"                                                      \
    " AND NOT (COALESCE(rf.qty, 0) <> 0 AND ABS(rf.qty) = COALESCE(qm.meta_value, 0))"                              \
    " ORDER BY i.order_item_id, d.permission_id"
static const char H_DOWNLOADS[] =
    DOWNLOADS_SQL("SELECT id FROM {p}wc_orders WHERE parent_order_id = ? AND type = 'shop_order_refund'");
static const char P_DOWNLOADS[] =
    DOWNLOADS_SQL("SELECT ID FROM {p}posts WHERE post_parent = ? AND post_type = 'shop_order_refund'");

/* WC_Order::get_downloadable_items() as WC_Emails::order_downloads lists them: per line item, its
 * product's (or variation's) permissions for this order and billing e-mail in the order they were
 * granted, each file the product still has and is still downloadable: {product_name, download_name,
 * download_url (home_url/?download_file=&order=&uid=sha256(e-mail)&key=), expires (date_format or
 * "Never")}. 0, or -1. */
static int downloads(struct db *db, const struct store_options *opt, const struct mail_opts *mo, const json_t *order,
                     uint64_t order_id, json_t **out)
{
    *out = json_array();
    const char *email = str(json_object_get(order, "billing"), "email");
    struct db_value p[3] = {DB_UINT(order_id), DB_STR(email), DB_UINT(order_id)};
    struct db_rows r;
    if (db_query(db, opt->hpos ? H_DOWNLOADS : P_DOWNLOADS, p, 3, &r) != 0) {
        log_warn("order mail: downloads: %s", db_error(db));
        return -1;
    }
    unsigned char h[32];
    unsigned hl = 0;
    char uid[65] = "";
    if (EVP_Digest(email, strlen(email), h, &hl, EVP_sha256(), NULL) == 1 && hl == sizeof h)
        for (size_t i = 0; i < sizeof h; i++)
            snprintf(uid + 2 * i, 3, "%02x", h[i]);
    char home[512];
    snprintf(home, sizeof home, "%s", opt->home_url);
    size_t hlen = strlen(home);
    if (hlen == 0 || home[hlen - 1] != '/') /* trailingslashit */
        snprintf(home + hlen, sizeof home - hlen, "/");
    for (size_t i = 0; i < r.nrows; i++) {
        const char *files = db_cell(&r, i, 4), *id = db_cell(&r, i, 0);
        const char *err = NULL;
        json_t *fa = files ? php_unserialize(files, db_cell_len(&r, i, 4), &err) : NULL;
        json_t *file = json_object_get(fa, id ? id : "");
        const char *fname = json_string_value(json_object_get(file, "name"));
        if (fname != NULL && json_is_string(json_object_get(file, "file"))) { /* WC_Product::has_file */
            char url[1200], expires[128];
            snprintf(url, sizeof url, "%s?download_file=%s&order=%s&uid=%s&key=%s", home, db_cell(&r, i, 1),
                     str(order, "order_key"), uid, id);
            stored_date(mo, db_cell(&r, i, 2), expires, sizeof expires);
            json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "product_name", db_cell(&r, i, 3) ? db_cell(&r, i, 3) : "",
                                    "download_name", fname, "download_url", url, "expires",
                                    expires[0] ? expires : "Never");
            if (row)
                json_array_append_new(*out, row);
        }
        json_decref(fa);
    }
    db_rows_free(&r);
    return 0;
}

/* ---- one e-mail ------------------------------------------------------------------------------ */

struct email {
    const char *id;          /* WooCommerce's e-mail id, the settings' name and the outbox kind */
    const char *kind;        /* the outbox kind when it differs from id (a partial refund) */
    const char *tpl;         /* templates/<tpl>.txt */
    bool admin;              /* sent to the recipient setting (else the billing e-mail) */
    const char *subject_key; /* the setting that overrides the default subject ("subject") */
    const char *heading_key;
    const char *subject, *heading, *additional;
};

/* The store-wide placeholders plus the order's ({order_date}, {order_number}, and
 * {order_billing_full_name} for the cancelled-order e-mail), then {blogname}: WC_Email::format_string. */
static char *format_string(const char *s, const char *const *ph, size_t n)
{
    return replace_all(s, ph, ph + n, n);
}

/* Splits a comma-separated recipient list into addresses the outbox accepts (get_recipient drops what
 * is_email refuses). */
static size_t recipients(const char *list, char out[][321], size_t max)
{
    size_t n = 0;
    const char *p = list ? list : "";
    while (*p && n < max) {
        size_t len = strcspn(p, ",");
        const char *s = p, *e = p + len;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
            e--;
        if (e > s && (size_t)(e - s) < 321) {
            snprintf(out[n], 321, "%.*s", (int)(e - s), s);
            struct mail_message m = {.to = out[n], .subject = "x", .body_text = "", .kind = "x"};
            const char *field, *err;
            if (mail_message_check(&m, &field, &err) == 0)
                n++;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return n;
}

#define MAX_RECIPIENTS 16

static int enqueue_all(struct db *db, char to[][321], size_t n, const char *reply_to, const char *subject,
                       const char *body, const char *kind, const char *object_type, uint64_t object_id)
{
    for (size_t i = 0; i < n; i++) {
        struct mail_message m = {.to = to[i], .reply_to = reply_to, .subject = subject, .body_text = body,
                                 .kind = kind, .object_type = object_type, .object_id = object_id};
        int q = mail_outbox_enqueue(db, &m);
        if (q == MAIL_OUTBOX_INVALID)
            log_warn("order mail: %s %s #%" PRIu64 ": not queued (refused by the outbox)", kind, object_type, object_id);
        else if (q != MAIL_OUTBOX_OK)
            return -1;
    }
    return 0;
}

/* Renders and queues e for order_id. extra: template keys of this e-mail (note, partial). */
static int send_order_mail(struct db *db, const struct store_options *opt, const struct email *e, uint64_t order_id,
                           json_t *extra, bool *queued)
{
    if (queued)
        *queued = false;
    struct mail_opts mo;
    if (opts_load(db, opt, e->id, &mo) != 0)
        return -1;
    int rc = 0;
    json_t *order = NULL, *data = NULL;
    char *subject = NULL, *heading = NULL, *additional = NULL, *footer = NULL, *blogname = NULL, *body = NULL;
    if (strcmp(setting(&mo, "enabled", "yes", NULL), "yes") != 0)
        goto out; /* is_enabled() */
    rc = orders_read_one(db, opt, order_id, &order);
    if (rc <= 0) {
        rc = rc == 0 ? 0 : -1;
        goto out;
    }
    rc = 0;
    copy(mo.price.currency, sizeof mo.price.currency, str(order, "currency"));
    const json_t *billing = json_object_get(order, "billing");
    char to[MAX_RECIPIENTS][321];
    size_t nto = recipients(e->admin ? setting(&mo, "recipient", "", opt->admin_email) : str(billing, "email"), to,
                            MAX_RECIPIENTS);
    if (nto == 0)
        goto out; /* get_recipient() is empty: nothing is sent */
    const struct template_set *set = templates();
    if (set == NULL) {
        rc = -1;
        goto out;
    }
    struct refunded_tax rt[MAX_REFUNDED_RATES];
    size_t nrt = 0;
    if (mo.calc_taxes && mo.tax_display_incl && json_array_size(json_object_get(order, "refunds")) > 0 &&
        refunded_taxes(db, opt, order_id, rt, MAX_REFUNDED_RATES, &nrt) != 0) {
        rc = -1;
        goto out;
    }
    /* show_purchase_note (is_paid, not to the admin) and WC_Emails::order_downloads (not to the admin,
     * not the refund e-mail, is_download_permitted) */
    json_t *notes = NULL, *dls = NULL;
    bool permitted = strcmp(str(order, "status"), "completed") == 0 ||
                     (mo.downloads_after_payment && strcmp(str(order, "status"), "processing") == 0);
    if ((!e->admin && order_paid(order) && purchase_notes(db, order_id, &notes) != 0) ||
        (!e->admin && permitted && strcmp(e->id, "customer_refunded_order") != 0 &&
         downloads(db, opt, &mo, order, order_id, &dls) != 0)) {
        json_decref(notes);
        json_decref(dls);
        rc = -1;
        goto out;
    }
    char date[128], host[256], full_name[512];
    order_date(&mo, order, date, sizeof date);
    url_host(opt->home_url, host, sizeof host);
    blogname = specialchars_decode(opt->site_name);
    snprintf(full_name, sizeof full_name, "%s %s", str(billing, "first_name"), str(billing, "last_name"));
    const char *ph[] = {"{site_title}", "{site_address}", "{site_url}", "{store_email}", "{order_date}",
                        "{order_number}", "{order_billing_full_name}", "{blogname}",
                        blogname, host, host, mo.from_address, date, str(order, "number"), full_name, blogname};
    size_t nph = 8;
    subject = format_string(setting(&mo, e->subject_key, "", e->subject), ph, nph);
    heading = format_string(setting(&mo, e->heading_key, "", e->heading), ph, nph);
    additional = format_string(setting(&mo, "additional_content", e->additional, NULL), ph, nph);
    /* woocommerce_email_footer_text through WC_Emails::replace_placeholders */
    const char *fph[] = {"{site_title}", "{site_address}", "{site_url}", "{woocommerce}", "{WooCommerce}",
                         blogname, host, host, "<a href=\"https://woocommerce.com\">WooCommerce</a>",
                         "<a href=\"https://woocommerce.com\">WooCommerce</a>"};
    footer = replace_all(mo.footer, fph, fph + 5, 5);
    char *date_u = upper(date);
    json_t *baddr = formatted_address(&mo, billing), *saddr = formatted_address(&mo, json_object_get(order, "shipping"));
    bool has_shipping = !mo.billing_only && needs_shipping(order) && json_array_size(saddr) > 0;
    data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:s, s:o, s:b, s:s, s:s, s:s}",
                     "heading", heading, "first_name", str(billing, "first_name"), "order_number",
                     str(order, "number"), "order_date_upper", date_u, "billing_full_name", full_name, "blogname",
                     blogname, "items", items(&mo, order, e->admin, notes), "totals", item_totals(&mo, order, rt, nrt),
                     "customer_note", str(order, "customer_note"), "billing_address", baddr, "billing_phone",
                     str(billing, "phone"), "billing_email", str(billing, "email"), "shipping_address", saddr,
                     "has_shipping", has_shipping, "shipping_phone", str(json_object_get(order, "shipping"), "phone"),
                     "additional_content", additional, "footer", footer);
    free(date_u);
    json_decref(notes);
    if (data && json_array_size(dls) > 0) {
        json_object_set(data, "downloads", dls);
        json_object_set_new(data, "has_downloads", json_true());
    }
    json_decref(dls);
    if (data == NULL) {
        log_warn("order mail: %s: order %" PRIu64 " has text that is not UTF-8; not queued", e->id, order_id);
        goto out;
    }
    if (e->admin)
        json_object_set_new(data, "admin_url", json_string(str(order, "admin_url")));
    if (extra)
        json_object_update(data, extra);
    char tname[96];
    snprintf(tname, sizeof tname, "%s.txt", e->tpl);
    struct template_out out;
    template_out_init(&out, 0);
    if (template_set_render(set, tname, data, &out) != 0) {
        log_error("order mail: %s: %s", tname, out.err ? out.err : "render failed");
        template_out_free(&out);
        rc = -1;
        goto out;
    }
    body = wc_plain_text(out.buf, out.len, NULL);
    template_out_free(&out);
    /* admin order e-mails answer to the customer (WC_Email::get_headers) */
    char reply[700] = "";
    const char *bemail = str(billing, "email");
    if (e->admin && bemail[0] && (str(billing, "first_name")[0] || str(billing, "last_name")[0]))
        snprintf(reply, sizeof reply, "%s %s <%s>", str(billing, "first_name"), str(billing, "last_name"), bemail);
    if (reply[0]) {
        struct mail_message chk = {.to = reply, .subject = "x", .body_text = "", .kind = "x"};
        const char *field, *err;
        if (mail_message_check(&chk, &field, &err) != 0)
            reply[0] = '\0'; /* a name the outbox refuses: no Reply-To rather than no mail */
    }
    rc = enqueue_all(db, to, nto, reply[0] ? reply : NULL, subject, body, e->kind ? e->kind : e->id, "order",
                     order_id);
    if (queued)
        *queued = rc == 0; /* WC_Email::send was called (wp_mail's result is not looked at) */
out:
    free(subject);
    free(heading);
    free(additional);
    free(footer);
    free(blogname);
    free(body);
    json_decref(data);
    json_decref(order);
    opts_free(&mo);
    return rc;
}

/* ---- the triggers ---------------------------------------------------------------------------- */

static const struct email E_NEW_ORDER = {"new_order", NULL, "admin_new_order", true, "subject", "heading",
                                        "[{site_title}]: New order #{order_number}", "New Order: #{order_number}",
                                        "Congratulations on the sale."};
static const struct email E_PROCESSING = {"customer_processing_order", NULL, "customer_processing_order", false,
                                          "subject", "heading", "Your {site_title} order has been received!",
                                          "Thank you for your order", "Thanks for using {site_url}!"};
static const struct email E_COMPLETED = {"customer_completed_order", NULL, "customer_completed_order", false,
                                         "subject", "heading", "Your {site_title} order is now complete",
                                         "Thanks for shopping with us", "Thanks for shopping with us."};
static const struct email E_ON_HOLD = {"customer_on_hold_order", NULL, "customer_on_hold_order", false,
                                       "subject", "heading", "Your {site_title} order has been received!",
                                       "Thank you for your order", "We look forward to fulfilling your order soon."};
static const struct email E_CANCELLED = {"cancelled_order", NULL, "admin_cancelled_order", true, "subject", "heading",
                                         "[{site_title}]: Order #{order_number} has been cancelled",
                                         "Order Cancelled: #{order_number}", "Thanks for reading."};
static const struct email E_FAILED = {"failed_order", NULL, "admin_failed_order", true, "subject", "heading",
                                      "[{site_title}]: Order #{order_number} has failed", "Order Failed: #{order_number}",
                                      "Hopefully they’ll be back. Read more about <a "
                                      "href=\"https://woocommerce.com/document/managing-orders/\">troubleshooting "
                                      "failed payments</a>."};
static const struct email E_REFUND_FULL = {"customer_refunded_order", NULL, "customer_refunded_order", false,
                                           "subject_full", "heading_full",
                                           "Your {site_title} order #{order_number} has been refunded",
                                           "Order Refunded: {order_number}", "We hope to see you again soon."};
static const struct email E_REFUND_PARTIAL = {"customer_refunded_order", "customer_partially_refunded_order",
                                              "customer_refunded_order", false, "subject_partial", "heading_partial",
                                              "Your {site_title} order #{order_number} has been partially refunded",
                                              "Partial Refund: Order {order_number}", "We hope to see you again soon."};
static const struct email E_NOTE = {"customer_note", NULL, "customer_note", false, "subject", "heading",
                                    "Note added to your {site_title} order from {order_date}",
                                    "A note has been added to your order", "Thanks for reading."};

static bool one_of(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i]; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* _new_order_email_sent of the order, from its authoritative copy: "true" once the new-order e-mail went. */
static int new_order_sent(struct db *db, const struct store_options *opt, uint64_t id, bool *sent)
{
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    *sent = false;
    if (db_query(db,
                 opt->hpos ? "SELECT meta_value FROM {p}wc_orders_meta WHERE order_id = ? AND meta_key = '_new_order_email_sent'"
                           : "SELECT meta_value FROM {p}postmeta WHERE post_id = ? AND meta_key = '_new_order_email_sent'",
                 p, 1, &r) != 0) {
        log_warn("order mail: _new_order_email_sent: %s", db_error(db));
        return -1;
    }
    *sent = r.nrows > 0 && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "true") == 0;
    db_rows_free(&r);
    return 0;
}

int order_mail_status(struct db *db, const struct store_options *opt, const struct order_locked *o, const char *from,
                      const char *to)
{
    static const char *const to_processing[] = {"pending", "failed", "cancelled", "on-hold", NULL};
    static const char *const to_on_hold[] = {"pending", "failed", "cancelled", NULL};
    static const char *const to_cancelled[] = {"processing", "on-hold", "pending", NULL};
    static const char *const to_failed[] = {"pending", "on-hold", NULL};
    static const char *const new_from[] = {"pending", "failed", "cancelled", NULL};
    static const char *const new_to[] = {"processing", "completed", "on-hold", NULL};
    if (o == NULL || from == NULL || to == NULL)
        return 0;
    if (strncmp(from, "wc-", 3) == 0)
        from += 3;
    if (strncmp(to, "wc-", 3) == 0)
        to += 3;
    /* WC_Email_New_Order first: WC_Emails registers it before the customer e-mails on the same hooks */
    if (one_of(from, new_from) && one_of(to, new_to)) {
        bool sent, queued;
        if (new_order_sent(db, opt, o->id, &sent) != 0)
            return -1;
        if (!sent) {
            if (send_order_mail(db, opt, &E_NEW_ORDER, o->id, NULL, &queued) != 0)
                return -1;
            /* $order->update_meta_data('_new_order_email_sent', 'true'); $order->save(); */
            if (queued && order_write_meta(db, opt, o, "_new_order_email_sent", "true") != 0)
                return -1;
        }
    }
    const struct email *e = NULL;
    if (strcmp(to, "processing") == 0 && one_of(from, to_processing))
        e = &E_PROCESSING;
    else if (strcmp(to, "completed") == 0 && strcmp(from, "completed") != 0)
        e = &E_COMPLETED;
    else if (strcmp(to, "on-hold") == 0 && one_of(from, to_on_hold))
        e = &E_ON_HOLD;
    else if (strcmp(to, "cancelled") == 0 && one_of(from, to_cancelled))
        e = &E_CANCELLED;
    else if (strcmp(to, "failed") == 0 && one_of(from, to_failed))
        e = &E_FAILED;
    return e ? send_order_mail(db, opt, e, o->id, NULL, NULL) : 0;
}

int order_mail_refund(struct db *db, const struct store_options *opt, uint64_t order_id, uint64_t refund_id,
                      bool partial)
{
    (void)refund_id; /* the plain template shows the order with all its refunds, not this one alone */
    json_t *extra = json_pack("{s:b}", "partial", partial);
    int rc = send_order_mail(db, opt, partial ? &E_REFUND_PARTIAL : &E_REFUND_FULL, order_id, extra, NULL);
    json_decref(extra);
    return rc;
}

int order_mail_customer_note(struct db *db, const struct store_options *opt, uint64_t order_id, const char *note)
{
    json_t *extra = json_pack("{s:s?}", "note", note);
    int rc = send_order_mail(db, opt, &E_NOTE, order_id, extra, NULL);
    json_decref(extra);
    return rc;
}

/* ---- stock ----------------------------------------------------------------------------------- */

/* The product's _low_stock_amount, "" when unset; its parent in *parent. 1 found, 0 not, -1 error. */
static int low_stock_meta(struct db *db, uint64_t id, char *out, size_t cap, uint64_t *parent, bool *variation)
{
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db,
                 "SELECT p.post_type, p.post_parent, m.meta_value FROM {p}posts p LEFT JOIN {p}postmeta m"
                 " ON m.post_id = p.ID AND m.meta_key = '_low_stock_amount' WHERE p.ID = ? LIMIT 1",
                 p, 1, &r) != 0) {
        log_warn("order mail: low stock amount: %s", db_error(db));
        return -1;
    }
    if (r.nrows == 0) {
        db_rows_free(&r);
        return 0;
    }
    *variation = strcmp(db_cell(&r, 0, 0), "product_variation") == 0;
    *parent = strtoull(db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "0", NULL, 10);
    copy(out, cap, db_cell(&r, 0, 2));
    db_rows_free(&r);
    return 1;
}

int order_mail_stock(struct db *db, const struct store_options *opt, uint64_t product_id, uint64_t holder_id,
                     const char *name, long long stock)
{
    struct mail_opts mo;
    if (opts_load(db, opt, NULL, &mo) != 0)
        return -1;
    /* wc_get_low_stock_amount: the product's, else (a variation) its parent's, else the store's */
    char low[64] = "";
    uint64_t parent = 0;
    bool variation = false;
    int rc = low_stock_meta(db, product_id, low, sizeof low, &parent, &variation);
    if (rc >= 0 && low[0] == '\0' && variation && parent) {
        uint64_t pp;
        bool pv;
        rc = low_stock_meta(db, parent, low, sizeof low, &pp, &pv);
    }
    if (rc < 0) {
        opts_free(&mo);
        return -1;
    }
    long long low_amount = low[0] ? llabs(strtoll(low, NULL, 10)) : llabs(mo.low_amount);
    const char *kind = NULL;
    char subject[600], body[1200];
    char *blogname = specialchars_decode(opt->site_name);
    /* html_entity_decode(wp_strip_all_tags(get_formatted_name())): no wordwrap for wp_mail's body */
    char *plain_name = wc_plain_text(name ? name : "", name ? strlen(name) : 0, NULL);
    for (char *c = plain_name; *c; c++)
        if (*c == '\n')
            *c = ' ';
    if (stock <= mo.no_amount) {
        if (mo.notify_no) {
            kind = "no_stock";
            snprintf(subject, sizeof subject, "[%s] Product out of stock", blogname);
            snprintf(body, sizeof body, "%s is out of stock.", plain_name);
        }
    } else if (stock <= low_amount && mo.notify_low) {
        kind = "low_stock";
        snprintf(subject, sizeof subject, "[%s] Product low in stock", blogname);
        snprintf(body, sizeof body, "%s is low in stock. There are %lld left.", plain_name, stock);
    }
    rc = 0;
    if (kind) {
        char to[MAX_RECIPIENTS][321];
        size_t n = recipients(mo.stock_recipient, to, MAX_RECIPIENTS);
        rc = enqueue_all(db, to, n, NULL, subject, body, kind, "product", holder_id);
    }
    free(blogname);
    free(plain_name);
    opts_free(&mo);
    return rc;
}

int order_mail_backorder(struct db *db, const struct store_options *opt, uint64_t order_id, uint64_t holder_id,
                         const char *name, long long quantity)
{
    if (quantity == 0)
        return 0; /* ! $args['quantity'] */
    struct mail_opts mo;
    if (opts_load(db, opt, NULL, &mo) != 0)
        return -1;
    char *blogname = specialchars_decode(opt->site_name);
    char *plain_name = wc_plain_text(name ? name : "", name ? strlen(name) : 0, NULL);
    for (char *c = plain_name; *c; c++)
        if (*c == '\n')
            *c = ' ';
    char subject[600], body[1200];
    snprintf(subject, sizeof subject, "[%s] Product backorder", blogname);
    snprintf(body, sizeof body, "%lld units of %s have been backordered in order #%" PRIu64 ".", llabs(quantity),
             plain_name, order_id);
    char to[MAX_RECIPIENTS][321];
    size_t n = recipients(mo.stock_recipient, to, MAX_RECIPIENTS);
    int rc = enqueue_all(db, to, n, NULL, subject, body, "backorder", "product", holder_id);
    free(blogname);
    free(plain_name);
    opts_free(&mo);
    return rc;
}

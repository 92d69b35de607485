/*
 * tests/unit/test_order_meta.c — apid/order_meta: which keys the order JSON shows (WooCommerce's
 * internal keys, 'wp_' in any case, WordPress's protected keys and the allowlist), maybe_unserialize
 * into JSON, and the display clean-ups against rows made with WordPress 6.1's own
 * sanitize_text_field(wpautop(make_clickable(wp_kses_post(rawurldecode(v))))) (Debian's wordpress
 * package, tests/integration/wp-meta-display.php).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/order_meta.h"
#include "tests/tap.h"

static void test_visible(void)
{
    static const struct {
        const char *allow, *key;
        bool want;
    } rows[] = {
        {"", "gift_note", true},
        {"", "_stripe_customer_id", false},
        {"_stripe_customer_id", "_stripe_customer_id", true},
        {" a , _stripe_customer_id \n b", "_stripe_customer_id", true},
        {"_stripe", "_stripe_customer_id", false},
        {"_stripe_customer_id", "_stripe_customer_id2", false},
        {"_billing_email", "_billing_email", false},   /* internal: WooCommerce never lists it */
        {"_order_total", "_order_total", false},
        {"_new_order_email_sent", "_new_order_email_sent", false}, /* a data key, prefixed */
        {"", "wp_trace", false},
        {"", "WP_Trace", false},                          /* stripos */
        {"", "\x01_token", false},                        /* is_protected_meta drops the control byte */
        {"", "w_p", true},
        {"", "", true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        TAP_EQ_INT(order_meta_visible(rows[i].allow, rows[i].key), rows[i].want, rows[i].key);
    TAP_EQ_INT(order_meta_item_visible("", "line_item", "pa_color"), 1, "item: pa_color");
    TAP_EQ_INT(order_meta_item_visible("", "line_item", "_reduced_stock"), 0, "item: _reduced_stock is protected");
    TAP_EQ_INT(order_meta_item_visible("_reduced_stock", "line_item", "_reduced_stock"), 1, "item: unless listed");
    TAP_EQ_INT(order_meta_item_visible("_qty", "line_item", "_qty"), 0, "item: _qty is internal");
    TAP_EQ_INT(order_meta_item_visible("", "shipping", "method_id"), 0, "shipping: method_id is internal");
    TAP_EQ_INT(order_meta_item_visible("", "shipping", "Items"), 1, "shipping: Items");
    TAP_EQ_INT(order_meta_item_visible("", "coupon", "coupon_info"), 1, "coupon: coupon_info is meta");
}

static void test_values(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"plain", "\"plain\""},
        {"a:2:{i:0;s:7:\"morning\";i:1;s:7:\"evening\";}", "[\"morning\",\"evening\"]"},
        {"a:2:{s:4:\"size\";d:1.5;s:7:\"fragile\";b:1;}", "{\"size\":1.5,\"fragile\":true}"},
        {" i:42; ", "42"},
        {"O:8:\"stdClass\":0:{}", "\"O:8:\\\"stdClass\\\":0:{}\""},
        {"s:3:\"ab\";", "\"s:3:\\\"ab\\\";\""},
        {"N;", "null"},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct json_out w;
        json_out_init(&w);
        order_meta_value_write(&w, rows[i].in);
        TAP_EQ_STR(w.buf ? w.buf : "", rows[i].want, rows[i].in);
        json_out_free(&w);
    }
    static const struct {
        const char *in;
        bool formatted;
        const char *text;
    } sc[] = {
        {"Happy%20day", true, "Happy day"}, {"", false, NULL}, {"s:0:\"\";", false, NULL},
        {"i:5;", true, "5"}, {"b:0;", true, ""}, {"a:0:{}", false, NULL}, {"d:0.5;", true, "0.5"},
    };
    for (size_t i = 0; i < sizeof sc / sizeof *sc; i++) {
        char *t = NULL;
        bool f = order_meta_scalar_text(sc[i].in, &t);
        TAP_EQ_INT(f, sc[i].formatted, sc[i].in);
        if (f)
            TAP_EQ_STR(t, sc[i].text, sc[i].in);
        free(t);
    }
}

/* value (before rawurldecode) → WordPress's display_value */
static void test_display_like_wordpress(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"Happy%20birthday <b>Ann</b> & co", "Happy birthday Ann &amp; co"},
        {"a < b > c", "a c"},
        {"see https://x.example/a?b=1 now", "see https://x.example/a?b=1 now"},
        {"two\n\nlines\tand  tabs", "two lines and tabs"},
        {"50%2525 off %41", "50 off A"},
        {"<script>x</script>y", "xy"},
        {"&amp; &#38; &#x0026; &bogus &x; &eacute; &#0000065;", "&amp; &#038; &#x26; &amp;bogus &amp;x; &eacute; &#065;"},
        {"Blue & <i>green</i>", "Blue &amp; green"},
        {"x > y", "x &gt; y"},
        {"tail <", "tail"},
        {"caf%C3%A9 \xe2\x80\x94 na\xc3\xafve", "caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve"},
        {"  lead <i>in</i>  ", "lead in"},
        {"bad \xff utf-8", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *d = order_meta_rawurldecode(rows[i].in), *k = order_meta_kses(d), *c = order_meta_clean(k);
        char name[32];
        snprintf(name, sizeof name, "display row %zu", i);
        TAP_EQ_STR(c, rows[i].want, name);
        free(d);
        free(k);
        free(c);
    }
    char t[64];
    order_meta_sanitize_title("Gift Wrap -- Size", t, sizeof t);
    TAP_EQ_STR(t, "gift-wrap-size", "sanitize_title");
}

int main(void)
{
    test_visible();
    test_values();
    test_display_like_wordpress();
    return tap_done();
}

/*
 * tests/unit/test_wc_format.c — common/wc_format: wc_price in every currency position and separator
 * set, PHP date() formats, and WC_Email's plain-text pipeline (tags, entities, wordwrap) against what
 * PHP and WooCommerce print (tables).
 */
#include <stdlib.h>
#include <string.h>

#include "common/wc_format.h"
#include "tests/tap.h"

static void test_price(void)
{
    static const struct {
        const char *cur, *pos, *ts, *ds;
        unsigned dec;
        const char *in, *want;
    } rows[] = {
        {"USD", "left", ",", ".", 2, "12.5", "&#36;12.50"},
        {"USD", "left", ",", ".", 2, "1234567.891", "&#36;1,234,567.89"},
        {"USD", "left", ",", ".", 2, "-3", "-&#36;3.00"},
        {"EUR", "right_space", ".", ",", 2, "1234.5", "1.234,50&nbsp;&euro;"},
        {"EUR", "right_space", ".", ",", 2, "-19.99", "-19,99&nbsp;&euro;"},
        {"EUR", "right", ".", ",", 2, "0.005", "0,01&euro;"},
        {"EUR", "right", ".", ",", 2, "0.004", "0,00&euro;"},
        {"GBP", "left_space", "", ".", 2, "1000000", "&pound;&nbsp;1000000.00"},
        {"JPY", "left", ",", ".", 0, "1999.5", "&yen;2,000"},
        {"CHF", "left_space", "'", ".", 2, "99.995", "&#67;&#72;&#70;&nbsp;100.00"},
        {"XYZ", "right_space", " ", ",", 3, "1.23456", "1,235&nbsp;XYZ"},
        {"EUR", "bogus", ".", ",", 2, "", "&euro;0,00"},
        {"EUR", "left", ".", ",", 2, "999.999", "&euro;1.000,00"},
        {"EUR", "left", ".", ",", 2, "abc", "&euro;0,00"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct wc_price_format f;
        wc_price_format_default(&f);
        snprintf(f.currency, sizeof f.currency, "%s", rows[i].cur);
        snprintf(f.position, sizeof f.position, "%s", rows[i].pos);
        snprintf(f.thousand_sep, sizeof f.thousand_sep, "%s", rows[i].ts);
        snprintf(f.decimal_sep, sizeof f.decimal_sep, "%s", rows[i].ds);
        f.decimals = rows[i].dec;
        char out[96];
        size_t n = wc_price(&f, rows[i].in, out, sizeof out);
        TAP_EQ_STR(out, rows[i].want, rows[i].in);
        TAP_EQ_INT((long long)n, (long long)strlen(rows[i].want), "its length");
    }
    /* a short buffer: truncated, NUL-terminated, the full length returned */
    struct wc_price_format f;
    wc_price_format_default(&f);
    char small[5];
    TAP_EQ_INT((long long)wc_price(&f, "1234", small, sizeof small), 13, "needed length");
    TAP_EQ_STR(small, "&#36", "truncated");
}

static void test_date(void)
{
    struct tm t = {.tm_year = 126, .tm_mon = 10, .tm_mday = 27, .tm_hour = 14, .tm_min = 5, .tm_sec = 9,
                   .tm_gmtoff = 3600};
    static const struct {
        const char *fmt, *want;
    } rows[] = {
        {"F j, Y", "November 27, 2026"},
        {"j. F Y", "27. November 2026"},
        {"d/m/Y", "27/11/2026"},
        {"Y-m-d", "2026-11-27"},
        {"D, M jS", "Fri, Nov 27th"},
        {"l N w z", "Friday 5 5 330"},
        {"W o t L", "48 2026 30 0"},
        {"g:i a G:i A h H s", "2:05 pm 14:05 PM 02 14 09"},
        {"c", "2026-11-27T14:05:09+01:00"},
        {"r", "Fri, 27 Nov 2026 14:05:09 +0100"},
        {"U", "1795784709"},
        {"O P Z", "+0100 +01:00 3600"},
        {"\\Y\\-Y \\\\", "Y-2026 \\"},
        {"", ""},
        {"é F", "é November"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char out[96];
        wc_date(rows[i].fmt, &t, out, sizeof out);
        TAP_EQ_STR(out, rows[i].want, rows[i].fmt);
    }
    struct tm s = {.tm_year = 120, .tm_mon = 11, .tm_mday = 31}; /* 2020-12-31: ISO week 53 of 2020 */
    char out[32];
    wc_date("W o jS", &s, out, sizeof out);
    TAP_EQ_STR(out, "53 2020 31st", "ISO week 53");
    struct tm u = {.tm_year = 121, .tm_mon = 0, .tm_mday = 3}; /* 2021-01-03: still week 53 of 2020 */
    wc_date("W o D", &u, out, sizeof out);
    TAP_EQ_STR(out, "53 2020 Sun", "early January in last year's week");
    struct tm bad = {.tm_year = 126, .tm_mon = 40, .tm_mday = 99, .tm_hour = -3, .tm_gmtoff = 1L << 40};
    wc_date("Y-m-d H O", &bad, out, sizeof out);
    TAP_EQ_STR(out, "2026-12-31 00 +0000", "out-of-range fields are clamped");
}

static void test_plain(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"Just to let you know &mdash; we've received it", "Just to let you know -- we've received it"},
        {"12,50&nbsp;&euro;", "12,50 EUR"},
        {"&#36;3.00 &pound;1 &#036;", "$3.00 £1 $"},
        {"10,00&nbsp;&#107;&#114;", "10,00 kr"},
        {"&#x142;&yen;&hellip;", "ł¥"},
        /* one pass each, as preg_replace: "&amp;amp;" becomes "&amp;", which the unknown-entity pass deletes */
        {"Tom &amp;amp; Jerry &AMP; co", "Tom Jerry & co"},
        {"<span class=\"a>b\">12</span> <b>x</b>", "12 x"},
        {"a < b and c <d", "a < b and c"},
        {"x<!-- hidden > still -->y", "xy"},
        {"<script>alert(1)</script>ok<style>p{}</style>", "ok"},
        {"  \r\n padded  lines\r\n  ", "padded lines"},
        {"&#0; &#10; &#xD800; &#99999999;", " "}, /* trim() runs before the entities go */
        {"&quot;q&rdquo; &#8217;s &copy; &trade; &reg; &ndash; &bull; &dollar;", "\"q\" 's (c) (tm) (R) - * $"},
        {"a  b   c", "a b c"},
        {"no;entity & here;", "no;entity & here;"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        size_t n;
        char *out = wc_plain_text(rows[i].in, strlen(rows[i].in), &n);
        TAP_EQ_STR(out, rows[i].want, rows[i].in);
        TAP_EQ_INT((long long)n, (long long)strlen(out), "length");
        free(out);
    }
}

static void test_wordwrap(void)
{
    static const struct {
        const char *in, *want;
        size_t width;
    } rows[] = {
        /* PHP: wordwrap("The quick brown fox", 10, "\n") */
        {"The quick brown fox", "The quick\nbrown fox", 10},
        {"A very long woooooooooooord.", "A very\nlong\nwoooooooooooord.", 8},
        {"short\nlines stay", "short\nlines stay", 10},
        {"exactly ten and more", "exactly\nten and\nmore", 10},
        {"nospacesatalllongerthanwidth", "nospacesatalllongerthanwidth", 5},
        {"", "", 70},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", rows[i].in);
        wc_wordwrap(buf, strlen(buf), rows[i].width);
        TAP_EQ_STR(buf, rows[i].want, rows[i].in);
    }
}

int main(void)
{
    test_price();
    test_date();
    test_plain();
    test_wordwrap();
    return tap_done();
}

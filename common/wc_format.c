/*
 * common/wc_format.c — wc_price(), PHP's date() and WC_Email's plain-text pipeline, for e-mail bodies.
 *
 * Owns: the currency symbols WooCommerce knows, rounding and grouping a decimal string as
 * number_format() does, the date() format characters, tag stripping, WC_Email's $plain_search
 * replacements and PHP's wordwrap(). Does not: read options (the callers pass them in), render
 * templates (common/template.c) or know which e-mail is sent (apid/order_mail.c).
 */
#include "common/wc_format.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a bounded writer ------------------------------------------------------------------------ */

struct sink {
    char *out;
    size_t cap, len;
};

static void put(struct sink *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++, s->len++)
        if (s->cap && s->len < s->cap - 1)
            s->out[s->len] = p[i];
}

static void puts_(struct sink *s, const char *p)
{
    put(s, p, strlen(p));
}

static size_t finish(struct sink *s)
{
    if (s->cap)
        s->out[s->len < s->cap ? s->len : s->cap - 1] = '\0';
    return s->len;
}

/* ---- prices ---------------------------------------------------------------------------------- */

void wc_price_format_default(struct wc_price_format *f)
{
    memset(f, 0, sizeof *f);
    memcpy(f->currency, "USD", 4);
    memcpy(f->position, "left", 5);
    memcpy(f->thousand_sep, ",", 2);
    memcpy(f->decimal_sep, ".", 2);
    f->decimals = 2;
}

static const struct {
    const char *code, *symbol;
} symbols[] = {
    {"AED", "&#x62f;.&#x625;"}, {"ARS", "&#36;"}, {"AUD", "&#36;"}, {"BGN", "&#1083;&#1074;."},
    {"BRL", "&#82;&#36;"}, {"CAD", "&#36;"}, {"CHF", "&#67;&#72;&#70;"}, {"CLP", "&#36;"},
    {"CNY", "&yen;"}, {"COP", "&#36;"}, {"CZK", "&#75;&#269;"}, {"DKK", "kr."},
    {"EUR", "&euro;"}, {"GBP", "&pound;"}, {"HKD", "&#36;"}, {"HUF", "&#70;&#116;"},
    {"IDR", "Rp"}, {"ILS", "&#8362;"}, {"INR", "&#8377;"}, {"ISK", "kr."},
    {"JPY", "&yen;"}, {"KRW", "&#8361;"}, {"MXN", "&#36;"}, {"MYR", "&#82;&#77;"},
    {"NGN", "&#8358;"}, {"NOK", "&#107;&#114;"}, {"NZD", "&#36;"}, {"PHP", "&#8369;"},
    {"PLN", "&#122;&#322;"}, {"RON", "lei"}, {"RUB", "&#8381;"}, {"SEK", "&#107;&#114;"},
    {"SGD", "&#36;"}, {"THB", "&#3647;"}, {"TRY", "&#8378;"}, {"TWD", "&#78;&#84;&#36;"},
    {"UAH", "&#8372;"}, {"USD", "&#36;"}, {"VND", "&#8363;"}, {"ZAR", "&#82;"},
};

const char *wc_currency_symbol(const char *code)
{
    if (code == NULL)
        return "";
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++)
        if (strcmp(symbols[i].code, code) == 0)
            return symbols[i].symbol;
    return code;
}

#define PRICE_DIGITS 40 /* integer digits kept; a longer amount is not money */

size_t wc_price(const struct wc_price_format *f, const char *amount, char *out, size_t cap)
{
    const char *p = amount ? amount : "";
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    /* digits: integer part, then the fraction; one spare leading zero for a carry */
    char d[PRICE_DIGITS + 20];
    size_t n = 0, ni = 0;
    d[n++] = '0';
    while (*p >= '0' && *p <= '9') {
        if (ni < PRICE_DIGITS) {
            d[n++] = *p;
            ni++;
        }
        p++;
    }
    unsigned dec = f->decimals > 8 ? 8 : f->decimals;
    size_t nf = 0;
    char frac[9] = {0};
    bool round_up = false;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (nf < dec)
                frac[nf] = *p;
            else if (nf == dec)
                round_up = *p >= '5';
            nf++;
            p++;
        }
    }
    for (size_t i = 0; i < dec; i++)
        d[n++] = (char)((i < nf && frac[i]) ? frac[i] : '0');
    if (round_up) {
        size_t i = n;
        while (i > 0) {
            i--;
            if (d[i] == '9') {
                d[i] = '0';
            } else {
                d[i]++;
                break;
            }
        }
    }
    /* wc_price: $negative = $price < 0, judged on the value before rounding */
    bool nonzero_input = false;
    for (const char *q = amount ? amount : ""; *q; q++)
        if (*q >= '1' && *q <= '9')
            nonzero_input = true;
    neg = neg && nonzero_input;
    /* integer digits without the leading zeros (one kept) */
    size_t int_end = n - dec, start = 0;
    while (start + 1 < int_end && d[start] == '0')
        start++;
    char num[PRICE_DIGITS * 2 + 64];
    struct sink s = {num, sizeof num, 0};
    for (size_t i = start; i < int_end; i++) {
        put(&s, &d[i], 1);
        size_t left = int_end - i - 1;
        if (left && left % 3 == 0)
            puts_(&s, f->thousand_sep);
    }
    if (dec) {
        puts_(&s, f->decimal_sep);
        put(&s, d + int_end, dec);
    }
    finish(&s);
    const char *sym = wc_currency_symbol(f->currency);
    struct sink o = {out, cap, 0};
    if (neg)
        puts_(&o, "-");
    if (strcmp(f->position, "right") == 0) {
        puts_(&o, num);
        puts_(&o, sym);
    } else if (strcmp(f->position, "left_space") == 0) {
        puts_(&o, sym);
        puts_(&o, "&nbsp;");
        puts_(&o, num);
    } else if (strcmp(f->position, "right_space") == 0) {
        puts_(&o, num);
        puts_(&o, "&nbsp;");
        puts_(&o, sym);
    } else {
        puts_(&o, sym);
        puts_(&o, num);
    }
    return finish(&o);
}

/* ---- dates ----------------------------------------------------------------------------------- */

static const char *const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};
static const char *const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

static bool leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long long y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 1 && leap(y) ? 29 : dm[m];
}

/* days since 1970-01-01 of a proleptic Gregorian date (m 1..12) */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int p_year(long long y)
{
    long long v = (y + y / 4 - y / 100 + y / 400) % 7;
    return (int)(v < 0 ? v + 7 : v);
}

static int iso_weeks(long long y)
{
    return p_year(y) == 4 || p_year(y - 1) == 3 ? 53 : 52;
}

static void num(struct sink *s, long long v, int width)
{
    char b[32];
    snprintf(b, sizeof b, "%0*lld", width, v);
    puts_(s, b);
}

static void offset(struct sink *s, long off, bool colon)
{
    char b[16];
    long a = off < 0 ? -off : off;
    snprintf(b, sizeof b, "%c%02ld%s%02ld", off < 0 ? '-' : '+', (a / 3600) % 100, colon ? ":" : "", (a / 60) % 60);
    puts_(s, b);
}

size_t wc_date(const char *format, const struct tm *tm, char *out, size_t cap)
{
    struct sink s = {out, cap, 0};
    long long y = (long long)tm->tm_year + 1900;
    int mon = tm->tm_mon < 0 ? 0 : tm->tm_mon > 11 ? 11 : tm->tm_mon;
    int dim = days_in_month(y, mon);
    int day = tm->tm_mday < 1 ? 1 : tm->tm_mday > dim ? dim : tm->tm_mday;
    int hour = tm->tm_hour < 0 ? 0 : tm->tm_hour > 23 ? 23 : tm->tm_hour;
    int min = tm->tm_min < 0 ? 0 : tm->tm_min > 59 ? 59 : tm->tm_min;
    int sec = tm->tm_sec < 0 ? 0 : tm->tm_sec > 60 ? 60 : tm->tm_sec;
    long off = tm->tm_gmtoff;
    if (off < -86400 || off > 86400)
        off = 0;
    long long days = days_from_civil(y, mon + 1, day);
    int wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int yday = (int)(days - days_from_civil(y, 1, 1));
    int iso_wday = wday == 0 ? 7 : wday;
    long long iso_year = y;
    int week = (yday + 1 - iso_wday + 10) / 7;
    if (week < 1) {
        iso_year = y - 1;
        week = iso_weeks(iso_year);
    } else if (week > iso_weeks(y)) {
        iso_year = y + 1;
        week = 1;
    }
    for (const char *p = format ? format : ""; *p; p++) {
        switch (*p) {
        case 'd': num(&s, day, 2); break;
        case 'D': put(&s, day_names[wday], 3); break;
        case 'j': num(&s, day, 1); break;
        case 'l': puts_(&s, day_names[wday]); break;
        case 'N': num(&s, iso_wday, 1); break;
        case 'S':
            puts_(&s, (day % 10 == 1 && day != 11) ? "st" : (day % 10 == 2 && day != 12) ? "nd"
                                                        : (day % 10 == 3 && day != 13) ? "rd" : "th");
            break;
        case 'w': num(&s, wday, 1); break;
        case 'z': num(&s, yday, 1); break;
        case 'W': num(&s, week, 2); break;
        case 'F': puts_(&s, month_names[mon]); break;
        case 'm': num(&s, mon + 1, 2); break;
        case 'M': put(&s, month_names[mon], 3); break;
        case 'n': num(&s, mon + 1, 1); break;
        case 't': num(&s, dim, 1); break;
        case 'L': num(&s, leap(y), 1); break;
        case 'o': num(&s, iso_year, 1); break;
        case 'Y': num(&s, y, y < 0 ? 5 : 4); break;
        case 'y': num(&s, ((y % 100) + 100) % 100, 2); break;
        case 'a': puts_(&s, hour < 12 ? "am" : "pm"); break;
        case 'A': puts_(&s, hour < 12 ? "AM" : "PM"); break;
        case 'g': num(&s, hour % 12 ? hour % 12 : 12, 1); break;
        case 'G': num(&s, hour, 1); break;
        case 'h': num(&s, hour % 12 ? hour % 12 : 12, 2); break;
        case 'H': num(&s, hour, 2); break;
        case 'i': num(&s, min, 2); break;
        case 's': num(&s, sec, 2); break;
        case 'u': puts_(&s, "000000"); break;
        case 'v': puts_(&s, "000"); break;
        case 'e':
        case 'T':
        case 'P': offset(&s, off, true); break;
        case 'O': offset(&s, off, false); break;
        case 'Z': num(&s, off, 1); break;
        case 'c':
            num(&s, y, 4);
            put(&s, "-", 1);
            num(&s, mon + 1, 2);
            put(&s, "-", 1);
            num(&s, day, 2);
            put(&s, "T", 1);
            num(&s, hour, 2);
            put(&s, ":", 1);
            num(&s, min, 2);
            put(&s, ":", 1);
            num(&s, sec, 2);
            offset(&s, off, true);
            break;
        case 'r':
            put(&s, day_names[wday], 3);
            put(&s, ", ", 2);
            num(&s, day, 2);
            put(&s, " ", 1);
            put(&s, month_names[mon], 3);
            put(&s, " ", 1);
            num(&s, y, 4);
            put(&s, " ", 1);
            num(&s, hour, 2);
            put(&s, ":", 1);
            num(&s, min, 2);
            put(&s, ":", 1);
            num(&s, sec, 2);
            put(&s, " ", 1);
            offset(&s, off, false);
            break;
        case 'U': num(&s, days * 86400 + (long long)hour * 3600 + (long long)min * 60 + sec - off, 1); break;
        case '\\':
            if (p[1]) {
                p++;
                put(&s, p, 1);
            }
            break;
        default: put(&s, p, 1); break;
        }
    }
    return finish(&s);
}

/* ---- the plain-text pipeline ----------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
};

static void bput(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (b->len + n + 1 > c)
            c *= 2;
        b->p = realloc(b->p, c);
        if (b->p == NULL)
            abort();
        b->cap = c;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static bool ieq_prefix(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

/* preg_replace('@<(script|style)[^>]*?>.*?</\1>@si', '', $s) */
static void drop_script_style(const char *s, size_t len, struct buf *out)
{
    size_t i = 0;
    while (i < len) {
        const char *name = NULL;
        if (s[i] == '<') {
            if (ieq_prefix(s + i + 1, len - i - 1, "script"))
                name = "script";
            else if (ieq_prefix(s + i + 1, len - i - 1, "style"))
                name = "style";
        }
        if (name) {
            size_t nl = strlen(name);
            const char *gt = memchr(s + i, '>', len - i);
            size_t j = gt ? (size_t)(gt - s) + 1 : len, end = len + 1;
            for (size_t k = j; gt && k + 2 + nl < len + 1; k++)
                if (s[k] == '<' && s[k + 1] == '/' && ieq_prefix(s + k + 2, len - k - 2, name) && k + 2 + nl < len &&
                    s[k + 2 + nl] == '>') {
                    end = k + 3 + nl;
                    break;
                }
            if (gt && end <= len) {
                i = end;
                continue;
            }
        }
        bput(out, s + i, 1);
        i++;
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* strip_tags(): a '<' not followed by blank opens a tag that ends at the next '>' outside quotes;
 * <!-- … --> is dropped whole; a tag never closed runs to the end. */
static void strip_tags(const char *s, size_t len, struct buf *out)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] != '<' || i + 1 >= len || is_space(s[i + 1])) {
            bput(out, s + i, 1);
            i++;
            continue;
        }
        if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            size_t j = i + 4;
            while (j + 2 < len && memcmp(s + j, "-->", 3) != 0)
                j++;
            i = j + 2 < len ? j + 3 : len;
            continue;
        }
        char q = 0;
        size_t j = i + 1;
        for (; j < len; j++) {
            if (q) {
                if (s[j] == q)
                    q = 0;
            } else if (s[j] == '"' || s[j] == '\'') {
                q = s[j];
            } else if (s[j] == '>') {
                break;
            }
        }
        i = j < len ? j + 1 : len;
    }
}

/* One of WC_Email's entity patterns: the names it matches ("#160" stands for #0*160) and what a
 * match becomes. */
struct entity_rule {
    const char *const *names;
    const char *with;
};

static const char *const N_NBSP[] = {"nbsp", "#160", NULL};
static const char *const N_QUOT[] = {"quot", "rdquo", "ldquo", "#8220", "#8221", "#147", "#148", NULL};
static const char *const N_APOS[] = {"apos", "rsquo", "lsquo", "#8216", "#8217", NULL};
static const char *const N_GT[] = {"gt", NULL};
static const char *const N_LT[] = {"lt", NULL};
static const char *const N_AMP38[] = {"#38", NULL};
static const char *const N_AMP[] = {"amp", NULL};
static const char *const N_COPY[] = {"copy", "#169", NULL};
static const char *const N_TRADE[] = {"trade", "#8482", "#153", NULL};
static const char *const N_REG[] = {"reg", "#174", NULL};
static const char *const N_MDASH[] = {"mdash", "#151", "#8212", NULL};
static const char *const N_NDASH[] = {"ndash", "minus", "#8211", "#8722", NULL};
static const char *const N_BULL[] = {"bull", "#149", "#8226", NULL};
static const char *const N_POUND[] = {"pound", "#163", NULL};
static const char *const N_EURO[] = {"euro", "#8364", NULL};
static const char *const N_DOLLAR[] = {"dollar", "#36", NULL};

static const struct entity_rule rules[] = {
    {N_NBSP, " "},   {N_QUOT, "\""},  {N_APOS, "'"},   {N_GT, ">"},      {N_LT, "<"},     {N_AMP38, "&"},
    {N_AMP, "&"},    {N_COPY, "(c)"}, {N_TRADE, "(tm)"}, {N_REG, "(R)"}, {N_MDASH, "--"}, {N_NDASH, "-"},
    {N_BULL, "*"},   {N_POUND, "£"},  {N_EURO, "EUR"}, {N_DOLLAR, "$"},
};

/* Does the entity name (between '&' and ';') match one of names, case-insensitively, with any zeros
 * after a '#'? */
static bool name_matches(const char *name, size_t n, const char *const *names)
{
    for (size_t k = 0; names[k]; k++) {
        const char *w = names[k];
        const char *s = name;
        size_t len = n;
        if (w[0] == '#') {
            if (len == 0 || s[0] != '#')
                continue;
            s++;
            len--;
            w++;
            while (len > 0 && s[0] == '0') { /* #0*160: the pattern's digits never start with 0 */
                s++;
                len--;
            }
        }
        if (len == strlen(w) && ieq_prefix(s, len, w))
            return true;
    }
    return false;
}

/* The entity at s[i] ('&'): the length of its name (up to ';') when it is '&' [^&\s;]+ ';', else 0. */
static size_t entity_at(const char *s, size_t len, size_t i)
{
    size_t j = i + 1;
    while (j < len && s[j] != '&' && s[j] != ';' && !is_space(s[j]))
        j++;
    if (j >= len || s[j] != ';' || j == i + 1)
        return 0;
    return j - i - 1;
}

static void entity_pass(struct buf *in, const struct entity_rule *r)
{
    struct buf out = {0};
    bput(&out, "", 0);
    for (size_t i = 0; i < in->len;) {
        size_t n = in->p[i] == '&' ? entity_at(in->p, in->len, i) : 0;
        if (n && name_matches(in->p + i + 1, n, r->names)) {
            bput(&out, r->with, strlen(r->with));
            i += n + 2;
        } else {
            bput(&out, in->p + i, 1);
            i++;
        }
    }
    free(in->p);
    *in = out;
}

static size_t utf8_encode(unsigned long cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* &#N; &#xH; (printable code points) and &yen; to UTF-8; then every other entity deleted. */
static void decode_rest(struct buf *in)
{
    struct buf out = {0};
    bput(&out, "", 0);
    for (size_t i = 0; i < in->len;) {
        size_t n = in->p[i] == '&' ? entity_at(in->p, in->len, i) : 0;
        if (n == 0) {
            bput(&out, in->p + i, 1);
            i++;
            continue;
        }
        const char *name = in->p + i + 1;
        unsigned long cp = 0;
        bool ok = false;
        if (n == 3 && ieq_prefix(name, n, "yen")) {
            cp = 0xA5;
            ok = true;
        } else if (name[0] == '#' && n >= 2) {
            bool hex = name[1] == 'x' || name[1] == 'X';
            size_t k = hex ? 2 : 1;
            ok = k < n && n - k <= 8;
            for (; ok && k < n; k++) {
                char c = name[k];
                unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                             : hex && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                             : hex && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                           : 99;
                if (v == 99)
                    ok = false;
                else
                    cp = cp * (hex ? 16 : 10) + v;
            }
            ok = ok && cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0) && !(cp >= 0xD800 && cp <= 0xDFFF) &&
                 cp <= 0x10FFFF;
        }
        if (ok) {
            char u[4] = {0};
            bput(&out, u, utf8_encode(cp, u));
        }
        i += n + 2;
    }
    free(in->p);
    *in = out;
}

void wc_wordwrap(char *s, size_t len, size_t width)
{
    size_t laststart = 0, lastspace = 0;
    for (size_t cur = 0; cur < len; cur++) {
        if (s[cur] == '\n') {
            laststart = lastspace = cur + 1;
        } else if (s[cur] == ' ') {
            if (cur - laststart >= width) {
                s[cur] = '\n';
                laststart = cur + 1;
            }
            lastspace = cur;
        } else if (cur - laststart >= width && laststart != lastspace) {
            s[lastspace] = '\n';
            laststart = lastspace + 1;
        }
    }
}

char *wc_plain_text(const char *src, size_t len, size_t *out_len)
{
    struct buf a = {0}, b = {0};
    bput(&a, "", 0);
    bput(&b, "", 0);
    drop_script_style(src ? src : "", src ? len : 0, &a);
    strip_tags(a.p, a.len, &b);
    free(a.p);
    /* trim() */
    size_t s = 0, e = b.len;
    while (s < e && (is_space(b.p[s]) || b.p[s] == '\0'))
        s++;
    while (e > s && (is_space(b.p[e - 1]) || b.p[e - 1] == '\0'))
        e--;
    struct buf t = {0};
    bput(&t, "", 0);
    for (size_t i = s; i < e; i++)
        if (b.p[i] != '\r') /* "/\r/" → '' */
            bput(&t, b.p + i, 1);
    free(b.p);
    for (size_t r = 0; r < sizeof rules / sizeof *rules; r++)
        entity_pass(&t, &rules[r]);
    decode_rest(&t);
    /* "/[ ]{2,}/" → ' ' */
    struct buf u = {0};
    bput(&u, "", 0);
    for (size_t i = 0; i < t.len; i++)
        if (!(t.p[i] == ' ' && i > 0 && t.p[i - 1] == ' '))
            bput(&u, t.p + i, 1);
    free(t.p);
    wc_wordwrap(u.p, u.len, 70);
    if (out_len)
        *out_len = u.len;
    return u.p;
}

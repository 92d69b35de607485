/*
 * common/json_out.c — JSON text written directly into a growable buffer.
 *
 * Owns: separators, string escaping (the escapes jansson uses, so replies keep their bytes),
 * integers, and PHP's shortest-round-trip float form. Does not: parse JSON, check that keys are
 * unique or that the caller closes what it opened (a test's job), or send anything.
 */
#include "common/json_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_out_init(struct json_out *w)
{
    memset(w, 0, sizeof *w);
    w->first[0] = true;
}

void json_out_reset(struct json_out *w)
{
    w->len = 0;
    w->depth = 0;
    w->after_key = false;
    w->first[0] = true;
}

void json_out_free(struct json_out *w)
{
    free(w->buf);
    json_out_init(w);
}

static void grow(struct json_out *w, size_t n)
{
    if (w->len + n + 1 <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (b == NULL)
        abort();
    w->buf = b;
    w->cap = cap;
}

void json_out_reserve(struct json_out *w, size_t n)
{
    grow(w, n);
}

static void put(struct json_out *w, const char *s, size_t n)
{
    grow(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void put_c(struct json_out *w, char c)
{
    grow(w, 1);
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

/* Before any value or key: a comma unless it is the first member or the value of a key. */
static void sep(struct json_out *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        put_c(w, ',');
    w->first[w->depth] = false;
}

static void open_c(struct json_out *w, char c)
{
    sep(w);
    if (w->depth >= LIMIT_JSON_DEPTH)
        abort();
    put_c(w, c);
    w->first[++w->depth] = true;
}

static void close_c(struct json_out *w, char c)
{
    if (w->depth == 0)
        abort();
    w->depth--;
    put_c(w, c);
}

void json_out_object_open(struct json_out *w) { open_c(w, '{'); }
void json_out_object_close(struct json_out *w) { close_c(w, '}'); }
void json_out_array_open(struct json_out *w) { open_c(w, '['); }
void json_out_array_close(struct json_out *w) { close_c(w, ']'); }

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

/* Printable ASCII other than '"' and '\\' goes out as it is. */
static size_t plain_run(const unsigned char *s)
{
    const unsigned char *p = s;
    while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return (size_t)(p - s);
}

/* "str" followed by tail (at most 2 bytes), in one step when str needs no escape. */
static void put_escaped_tail(struct json_out *w, const char *str, const char *tail, size_t tn)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    size_t run0 = plain_run(s);
    if (s[run0] == '\0') {
        grow(w, run0 + 2 + tn);
        char *o = w->buf + w->len;
        o[0] = '"';
        memcpy(o + 1, s, run0);
        o[run0 + 1] = '"';
        memcpy(o + run0 + 2, tail, tn);
        w->len += run0 + 2 + tn;
        w->buf[w->len] = '\0';
        return;
    }
    put_c(w, '"');
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        if (s > run)
            put(w, (const char *)run, (size_t)(s - run));
        if (*s == '\0')
            break;
        if (*s >= 0x80) {
            size_t n = utf8_len(s);
            if (n == 0) {
                put(w, "\xEF\xBF\xBD", 3);
                s++;
            } else {
                put(w, (const char *)s, n);
                s += n;
            }
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (*s) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*s >> 4];
            esc[5] = hex[*s & 15];
            n = 6;
        }
        put(w, esc, n);
        s++;
    }
    put_c(w, '"');
    put(w, tail, tn);
}

void json_out_key(struct json_out *w, const char *key)
{
    sep(w);
    put_escaped_tail(w, key, ":", 1);
    w->after_key = true;
}

void json_out_string(struct json_out *w, const char *s)
{
    sep(w);
    put_escaped_tail(w, s ? s : "", "", 0);
}

void json_out_string_or_null(struct json_out *w, const char *s)
{
    if (s == NULL)
        json_out_null(w);
    else
        json_out_string(w, s);
}

void json_out_uint(struct json_out *w, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sep(w);
    put(w, tmp + i, sizeof tmp - i);
}

void json_out_int(struct json_out *w, long long v)
{
    if (v >= 0) {
        json_out_uint(w, (unsigned long long)v);
        return;
    }
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = 0ULL - (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    tmp[--i] = '-';
    sep(w);
    put(w, tmp + i, sizeof tmp - i);
}

void json_out_raw(struct json_out *w, const char *json, size_t len)
{
    sep(w);
    put(w, json, len);
}

void json_out_bool(struct json_out *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void json_out_null(struct json_out *w)
{
    sep(w);
    put(w, "null", 4);
}

/* As PHP's php_gcvt(value, 17, '.', 'e') in mode 0 (serialize_precision -1): the shortest digits
 * that read back as v, then plain notation while the decimal point falls within -3..17 digits of
 * them, else d.ddde±x. */
size_t json_out_format_php_float(double v, char out[32])
{
    if (v != v || v - v != 0) /* NaN, ±inf */
        v = 0;
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is [-]d[.ddd]e±XX */
    const char *p = e;
    size_t o = 0;
    if (*p == '-')
        out[o++] = *p++;
    char digits[24];
    size_t nd = 0;
    for (; *p != 'e' && nd < 20; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    p++; /* 'e' */
    int esign = *p++ == '-' ? -1 : 1, ex = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        ex = ex * 10 + (*p - '0');
    int decpt = esign * ex + 1; /* digits before the decimal point */
    if (digits[0] == '0')
        decpt = 1;
    if (decpt < 0 ? decpt < -3 : decpt > 17) {
        out[o++] = digits[0];
        out[o++] = '.';
        if (nd == 1)
            out[o++] = '0';
        for (size_t i = 1; i < nd; i++)
            out[o++] = digits[i];
        int x = decpt - 1;
        out[o++] = 'e';
        out[o++] = x < 0 ? '-' : '+';
        if (x < 0)
            x = -x;
        char t[8];
        size_t tn = 0;
        do {
            t[tn++] = (char)('0' + x % 10);
            x /= 10;
        } while (x);
        while (tn)
            out[o++] = t[--tn];
    } else if (decpt <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = decpt; i < 0; i++)
            out[o++] = '0';
        for (size_t i = 0; i < nd; i++)
            out[o++] = digits[i];
    } else {
        size_t i = 0;
        for (int k = 0; k < decpt; k++)
            out[o++] = (char)(i < nd ? digits[i++] : '0');
        if (i < nd) {
            out[o++] = '.';
            while (i < nd)
                out[o++] = digits[i++];
        }
    }
    out[o] = '\0';
    return o;
}

void json_out_php_float(struct json_out *w, double v)
{
    char tmp[32];
    size_t n = json_out_format_php_float(v, tmp);
    sep(w);
    put(w, tmp, n);
}

/*
 * common/php_serialize.c — PHP serialize()/unserialize() for plain data; the mapping is in the header.
 *
 * Owns: a strict reader (recursive descent over counted bytes, capped in size and depth), the writer,
 * and PHP's float text (serialize_precision = -1: the shortest digits that read back as the same
 * double, laid out as php_gcvt() does).
 * Does not: objects, references, custom serializers, PHP session encoding, or repairing damaged data
 * (WordPress's maybe_unserialize() heuristics belong to the caller). Floats never go through the
 * locale's decimal point, so setlocale() cannot change what is read or written.
 */
#include "common/php_serialize.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"

/* The smallest array element, "i:0;N;": bounds a declared count before any work is done. */
#define MIN_ELEMENT_BYTES 6
/* Longest d: text we read; PHP writes at most 24 ("-2.2250738585072014E-308"). */
#define MAX_FLOAT_TEXT 64

static json_t *must(json_t *v)
{
    if (v == NULL)
        abort();
    return v;
}

/* ---- reading ---------------------------------------------------------------------------------- */

struct reader {
    const char *p;
    const char *end;
    const char *err;
};

static int fail(struct reader *r, const char *msg)
{
    if (r->err == NULL)
        r->err = msg;
    return -1;
}

static int expect(struct reader *r, char c, const char *msg)
{
    if (r->p >= r->end)
        return fail(r, "truncated input");
    if (*r->p != c)
        return fail(r, msg);
    r->p++;
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Canonical unsigned decimal ("0" or [1-9][0-9]*) no larger than limit, then the byte term. */
static int read_uint(struct reader *r, uint64_t limit, char term, uint64_t *out)
{
    const char *start = r->p;
    uint64_t v = 0;
    if (r->p < r->end && *r->p == '+')
        return fail(r, "number with a '+' sign");
    while (r->p < r->end && is_digit(*r->p)) {
        unsigned d = (unsigned)(*r->p - '0');
        if (v > (limit - d) / 10)
            return fail(r, "number out of range");
        v = v * 10 + d;
        r->p++;
    }
    if (r->p == start)
        return fail(r, r->p >= r->end ? "truncated input" : "expected a number");
    if (*start == '0' && r->p - start > 1)
        return fail(r, "number with a leading zero");
    if (expect(r, term, "malformed number") < 0)
        return -1;
    *out = v;
    return 0;
}

/* Canonical int64 ("-"? then as read_uint, never "-0"), then term. */
static int read_int(struct reader *r, char term, long long *out)
{
    bool neg = r->p < r->end && *r->p == '-';
    uint64_t v;
    if (neg)
        r->p++;
    if (read_uint(r, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, term, &v) < 0)
        return -1;
    if (neg && v == 0)
        return fail(r, "integer -0");
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(long long)v;
    else
        *out = (long long)v;
    return 0;
}

static bool starts_with(const struct reader *r, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(r->end - r->p) >= n && memcmp(r->p, lit, n) == 0;
}

static bool is_float_byte(char c)
{
    return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

/* Skips [0-9]+ within [*q, end); false when there is none. */
static bool skip_digits(const char **q, const char *end)
{
    const char *start = *q;
    while (*q < end && is_digit(**q))
        (*q)++;
    return *q > start;
}

/*
 * d: text: -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)? then ';'. Converted as "<all digits>e<exponent>" so
 * no decimal point (and no locale) is involved.
 */
static int read_double(struct reader *r, double *out)
{
    char text[MAX_FLOAT_TEXT + 24];
    const char *q = r->p, *end, *int_start, *frac_start;
    size_t n = 0, tl = 0, frac = 0;
    long exp = 0;
    bool exp_neg = false;

    if (starts_with(r, "INF;") || starts_with(r, "-INF;") || starts_with(r, "NAN;"))
        return fail(r, "non-finite float (INF, NAN) has no JSON form");
    while (r->p + tl < r->end && tl <= MAX_FLOAT_TEXT && is_float_byte(r->p[tl]))
        tl++;
    if (tl > MAX_FLOAT_TEXT)
        return fail(r, "float text too long");
    if (tl == 0 && r->p == r->end)
        return fail(r, "truncated input");
    end = r->p + tl;
    if (q < end && *q == '-')
        text[n++] = *q++;
    int_start = q;
    if (!skip_digits(&q, end))
        return fail(r, q < end && *q == '+' ? "number with a '+' sign" : "malformed float");
    memcpy(text + n, int_start, (size_t)(q - int_start));
    n += (size_t)(q - int_start);
    if (q < end && *q == '.') {
        frac_start = ++q;
        if (!skip_digits(&q, end))
            return fail(r, "malformed float");
        frac = (size_t)(q - frac_start);
        memcpy(text + n, frac_start, frac);
        n += frac;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            exp_neg = *q++ == '-';
        for (const char *e = q; e < end && is_digit(*e); e++)
            if (exp < 100000) /* beyond any double; keeps the sum below in range */
                exp = exp * 10 + (*e - '0');
        if (!skip_digits(&q, end))
            return fail(r, "malformed float");
    }
    if (q != end)
        return fail(r, "malformed float");
    r->p = end;
    if (expect(r, ';', "malformed float") < 0)
        return -1;
    snprintf(text + n, sizeof text - n, "e%ld", (exp_neg ? -exp : exp) - (long)frac);
    *out = strtod(text, NULL);
    if (!isfinite(*out))
        return fail(r, "non-finite float (INF, NAN) has no JSON form");
    return 0;
}

/* After "s:": <len>:"<len bytes>" then term (';' for values, ';' for keys too). */
static int read_string(struct reader *r, const char **s, size_t *n)
{
    uint64_t len;
    if (read_uint(r, UINT64_MAX, ':', &len) < 0)
        return -1;
    if (r->end - r->p < 3 || len > (uint64_t)(r->end - r->p) - 3)
        return fail(r, "string length exceeds input");
    if (expect(r, '"', "malformed string") < 0)
        return -1;
    *s = r->p;
    *n = (size_t)len;
    r->p += len;
    if (expect(r, '"', "string length does not match its bytes") < 0 || expect(r, ';', "malformed string") < 0)
        return -1;
    return 0;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF (jansson's rule too). */
static bool utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], cp, min;
        size_t need;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i - 1 < need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

/* PHP turns a string key that is a canonical integer into an int key (ZEND_HANDLE_NUMERIC_STR). */
static bool php_int_key(const char *s, size_t n, long long *out)
{
    size_t i = 0;
    bool neg = n > 0 && s[0] == '-';
    uint64_t v = 0, limit;
    if (neg)
        i = 1;
    if (i == n || !is_digit(s[i]) || (s[i] == '0' && (neg || n - i > 1)))
        return false;
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d;
        if (!is_digit(s[i]))
            return false;
        d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(long long)v) : (long long)v;
    return true;
}

/* An array under construction: a JSON array while its keys are 0..n-1 in order, else an object. */
struct php_array {
    json_t *v;
    bool is_list;
};

static void to_object(struct php_array *a)
{
    json_t *obj = must(json_object());
    size_t i;
    json_t *el;
    json_array_foreach (a->v, i, el) {
        char key[24];
        int kn = snprintf(key, sizeof key, "%zu", i);
        if (json_object_setn_new_nocheck(obj, key, (size_t)kn, json_incref(el)) < 0)
            abort();
    }
    json_decref(a->v);
    a->v = obj;
    a->is_list = false;
}

static void put_int_key(struct php_array *a, long long k, json_t *val)
{
    char key[24];
    int kn;
    if (a->is_list) {
        size_t size = json_array_size(a->v);
        if (k >= 0 && (unsigned long long)k < size) { /* duplicate key: last wins, in place */
            if (json_array_set_new(a->v, (size_t)k, val) < 0)
                abort();
            return;
        }
        if (k >= 0 && (unsigned long long)k == size) {
            if (json_array_append_new(a->v, val) < 0)
                abort();
            return;
        }
        to_object(a);
    }
    kn = snprintf(key, sizeof key, "%lld", k);
    if (json_object_setn_new_nocheck(a->v, key, (size_t)kn, val) < 0)
        abort();
}

static json_t *read_value(struct reader *r, unsigned depth);

/* After "a:". depth counts this array. */
static json_t *read_array(struct reader *r, unsigned depth)
{
    uint64_t count;
    struct php_array a;

    if (depth > LIMIT_PHP_SERIALIZED_DEPTH) {
        fail(r, "arrays nested deeper than LIMIT_PHP_SERIALIZED_DEPTH");
        return NULL;
    }
    if (read_uint(r, UINT64_MAX, ':', &count) < 0 || expect(r, '{', "malformed array") < 0)
        return NULL;
    if (count > (uint64_t)(r->end - r->p) / MIN_ELEMENT_BYTES) {
        fail(r, "array count exceeds input");
        return NULL;
    }
    a.v = must(json_array());
    a.is_list = true;
    for (uint64_t i = 0; i < count; i++) {
        long long ik = 0;
        const char *sk = NULL;
        size_t skn = 0;
        bool int_key;
        json_t *val;

        if (r->p >= r->end) {
            fail(r, "truncated input");
            goto error;
        }
        if (*r->p == '}') {
            fail(r, "array has fewer elements than its count");
            goto error;
        }
        if (starts_with(r, "i:")) {
            r->p += 2;
            if (read_int(r, ';', &ik) < 0)
                goto error;
            int_key = true;
        } else if (starts_with(r, "s:")) {
            r->p += 2;
            if (read_string(r, &sk, &skn) < 0)
                goto error;
            if (!utf8_valid(sk, skn)) {
                fail(r, "array key is not valid UTF-8");
                goto error;
            }
            if (memchr(sk, '\0', skn) != NULL) { /* jansson's lookups and json_equal stop at NUL */
                fail(r, "array key contains a NUL byte");
                goto error;
            }
            int_key = php_int_key(sk, skn, &ik);
        } else {
            fail(r, "array key must be i: or s:");
            goto error;
        }
        val = read_value(r, depth);
        if (val == NULL)
            goto error;
        if (int_key) {
            put_int_key(&a, ik, val);
        } else {
            if (a.is_list)
                to_object(&a);
            if (json_object_setn_new_nocheck(a.v, sk, skn, val) < 0)
                abort();
        }
    }
    if (r->p < r->end && *r->p != '}') {
        fail(r, "array has more elements than its count");
        goto error;
    }
    if (expect(r, '}', "malformed array") < 0)
        goto error;
    return a.v;
error:
    json_decref(a.v);
    return NULL;
}

/* depth is the number of arrays around this value. */
static json_t *read_value(struct reader *r, unsigned depth)
{
    char type;
    long long i = 0;
    double d = 0;
    const char *s = NULL;
    size_t n = 0;

    if (r->p >= r->end) {
        fail(r, "truncated input");
        return NULL;
    }
    type = *r->p++;
    if (type == 'N')
        return expect(r, ';', "malformed null") < 0 ? NULL : must(json_null());
    if (type == 'O' || type == 'C') {
        fail(r, "objects (O:, C:) are not supported");
        return NULL;
    }
    if (type == 'r' || type == 'R') {
        fail(r, "references (r:, R:) are not supported");
        return NULL;
    }
    if (type == 'E') {
        fail(r, "enums (E:) are not supported");
        return NULL;
    }
    if (type == 'S') {
        fail(r, "escaped strings (S:) are not supported");
        return NULL;
    }
    if (type != 'b' && type != 'i' && type != 'd' && type != 's' && type != 'a') {
        fail(r, "unknown type");
        return NULL;
    }
    if (expect(r, ':', "malformed value") < 0)
        return NULL;
    switch (type) {
    case 'b':
        if (r->p < r->end && (*r->p == '0' || *r->p == '1')) {
            bool b = *r->p++ == '1';
            return expect(r, ';', "malformed boolean") < 0 ? NULL : must(json_boolean(b));
        }
        fail(r, r->p >= r->end ? "truncated input" : "malformed boolean");
        return NULL;
    case 'i':
        return read_int(r, ';', &i) < 0 ? NULL : must(json_integer(i));
    case 'd':
        return read_double(r, &d) < 0 ? NULL : must(json_real(d));
    case 's':
        if (read_string(r, &s, &n) < 0)
            return NULL;
        if (!utf8_valid(s, n)) {
            fail(r, "string is not valid UTF-8");
            return NULL;
        }
        return must(json_stringn_nocheck(s, n));
    default: /* 'a' */
        return read_array(r, depth + 1);
    }
}

json_t *php_unserialize(const char *src, size_t len, const char **err)
{
    struct reader r = {src, src + len, NULL};
    json_t *v;

    if (len == 0) {
        *err = "empty input";
        return NULL;
    }
    if (len > (size_t)LIMIT_PHP_SERIALIZED_BYTES) {
        *err = "input larger than LIMIT_PHP_SERIALIZED_BYTES";
        return NULL;
    }
    v = read_value(&r, 0);
    if (v != NULL && r.p != r.end) {
        json_decref(v);
        v = NULL;
        fail(&r, "trailing bytes after the value");
    }
    if (v == NULL)
        *err = r.err;
    return v;
}

/* ---- writing ---------------------------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len;
    size_t cap;
};

static void put(struct buf *b, const void *s, size_t n)
{
    if (b->cap - b->len <= n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len <= n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (b->p == NULL)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/*
 * The shortest decimal M·10^E (M without trailing zeros) that strtod() reads back as a (finite, > 0):
 * what zend_dtoa() mode 0 returns. For each length p, the only p-digit candidates are the two
 * neighbours of a, and printf's correctly rounded "%.*e" is the nearer one, so trying it and its
 * two neighbours finds the shortest, and among equally short ones the nearest.
 */
static void shortest_digits(double a, char *digits, size_t size, int *decpt)
{
    char tmp[48];
    uint64_t m = 0;
    int e10 = 0;

    for (int p = 1; p <= 17; p++) {
        int e;
        char *q;
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
        m = 0;
        for (q = tmp; *q != '\0' && *q != 'e'; q++)
            if (is_digit(*q))
                m = m * 10 + (uint64_t)(*q - '0');
        e = (int)strtol(q + 1, NULL, 10);
        e10 = e - (p - 1);
        if (p == 17)
            break; /* 17 significant digits always read back */
        const uint64_t cand[3] = {m, m + 1, m - 1};
        for (int k = 0; k < 3; k++) {
            snprintf(tmp, sizeof tmp, "%" PRIu64 "e%d", cand[k], e10);
            if (strtod(tmp, NULL) == a) {
                m = cand[k];
                goto found;
            }
        }
    }
found:;
    int n = snprintf(digits, size, "%" PRIu64, m);
    *decpt = n + e10;
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
}

/* PHP 8 serialize() text of a finite double: php_gcvt(value, 17, '.', 'E') with mode 0. */
static void php_double_text(double v, char *out, size_t size)
{
    char digits[24];
    int decpt, nd, i;
    size_t o = 0;

    if (signbit(v))
        out[o++] = '-';
    if (v == 0) {
        snprintf(out + o, size - o, "0");
        return;
    }
    shortest_digits(fabs(v), digits, sizeof digits, &decpt);
    nd = (int)strlen(digits);
    if (decpt < 0 ? decpt < -3 : decpt > 17) {
        /* d.dddE+x, with ".0" for a single digit */
        snprintf(out + o, size - o, "%c.%sE%+d", digits[0], nd > 1 ? digits + 1 : "0", decpt - 1);
    } else if (decpt < 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (i = decpt; i < 0; i++)
            out[o++] = '0';
        snprintf(out + o, size - o, "%s", digits);
    } else {
        for (i = 0; i < decpt; i++) {
            if (i < nd)
                out[o++] = digits[i];
            else
                out[o++] = '0';
        }
        if (nd > decpt) {
            if (decpt == 0)
                out[o++] = '0';
            out[o++] = '.';
            for (i = decpt; i < nd; i++)
                out[o++] = digits[i];
        }
        out[o] = '\0';
    }
}

static int write_value(struct buf *b, const json_t *v, unsigned depth);

static int write_key(struct buf *b, const char *key, size_t n)
{
    char tmp[48];
    long long k;
    if (memchr(key, '\0', n) != NULL)
        return -1; /* php_unserialize refuses such keys */
    if (php_int_key(key, n, &k)) {
        snprintf(tmp, sizeof tmp, "i:%lld;", k);
        puts_(b, tmp);
    } else {
        snprintf(tmp, sizeof tmp, "s:%zu:\"", n);
        puts_(b, tmp);
        put(b, key, n);
        puts_(b, "\";");
    }
    return 0;
}

static int write_value(struct buf *b, const json_t *v, unsigned depth)
{
    char tmp[64];

    if (b->len > (size_t)LIMIT_PHP_SERIALIZED_BYTES)
        return -1;
    switch (json_typeof(v)) {
    case JSON_NULL:
        puts_(b, "N;");
        return 0;
    case JSON_TRUE:
        puts_(b, "b:1;");
        return 0;
    case JSON_FALSE:
        puts_(b, "b:0;");
        return 0;
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "i:%" JSON_INTEGER_FORMAT ";", json_integer_value(v));
        puts_(b, tmp);
        return 0;
    case JSON_REAL: {
        double d = json_real_value(v);
        if (!isfinite(d))
            return -1;
        puts_(b, "d:");
        php_double_text(d, tmp, sizeof tmp);
        puts_(b, tmp);
        puts_(b, ";");
        return 0;
    }
    case JSON_STRING:
        snprintf(tmp, sizeof tmp, "s:%zu:\"", json_string_length(v));
        puts_(b, tmp);
        put(b, json_string_value(v), json_string_length(v));
        puts_(b, "\";");
        return 0;
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (depth + 1 > LIMIT_PHP_SERIALIZED_DEPTH)
            return -1;
        snprintf(tmp, sizeof tmp, "a:%zu:{", n);
        puts_(b, tmp);
        for (size_t i = 0; i < n; i++) {
            snprintf(tmp, sizeof tmp, "i:%zu;", i);
            puts_(b, tmp);
            if (write_value(b, json_array_get(v, i), depth + 1) < 0)
                return -1;
        }
        puts_(b, "}");
        return 0;
    }
    case JSON_OBJECT: {
        /* jansson's iterators take a non-const object; they do not modify it. */
        json_t *obj = (json_t *)(uintptr_t)v;
        if (depth + 1 > LIMIT_PHP_SERIALIZED_DEPTH)
            return -1;
        snprintf(tmp, sizeof tmp, "a:%zu:{", json_object_size(v));
        puts_(b, tmp);
        for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
            if (write_key(b, json_object_iter_key(it), json_object_iter_key_len(it)) < 0 ||
                write_value(b, json_object_iter_value(it), depth + 1) < 0)
                return -1;
        }
        puts_(b, "}");
        return 0;
    }
    }
    return -1;
}

char *php_serialize(const json_t *v, size_t *len_out)
{
    struct buf b = {NULL, 0, 0};
    if (v == NULL || write_value(&b, v, 0) < 0 || b.len > (size_t)LIMIT_PHP_SERIALIZED_BYTES) {
        free(b.p);
        return NULL;
    }
    if (len_out != NULL)
        *len_out = b.len;
    return b.p;
}

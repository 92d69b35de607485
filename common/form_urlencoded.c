/*
 * common/form_urlencoded.c — the application/x-www-form-urlencoded parser (query strings too).
 *
 * Owns: splitting on '&' and the first '=', '+' → space, %XX decoding, the field cap.
 * Does not: interpret values (numbers, booleans), check UTF-8, handle multipart bodies, or treat ';'
 * as a separator. Pure: no I/O and no globals; output lives in the caller's pool.
 */
#include "common/form_urlencoded.h"

#include <string.h>

#include "common/hex_digit.h"

/* Decodes src[0..len) into a pool copy; NUL-terminated, length in *out_len. NULL with *err on bad input. */
static const char *form_decode(h2o_mem_pool_t *pool, const char *src, size_t len, size_t *out_len, const char **err)
{
    char *dst = h2o_mem_alloc_pool(pool, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '+') {
            dst[o++] = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hex_digit((unsigned char)src[i + 1]) : -1;
            int lo = i + 2 < len ? hex_digit((unsigned char)src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *err = "bad percent-escape";
                return NULL;
            }
            if (hi == 0 && lo == 0) {
                *err = "NUL byte";
                return NULL;
            }
            dst[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '\0') {
            *err = "NUL byte";
            return NULL;
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o] = '\0';
    *out_len = o;
    return dst;
}

int form_urlencoded_parse(h2o_mem_pool_t *pool, const char *src, size_t len, struct form_field *fields,
                          size_t max_fields, size_t *nfields, const char **err)
{
    size_t n = 0, pos = 0;

    *nfields = 0;
    while (pos < len) {
        const char *piece = src + pos;
        const char *amp = memchr(piece, '&', len - pos);
        size_t plen = amp != NULL ? (size_t)(amp - piece) : len - pos;
        pos += plen + (amp != NULL);
        if (plen == 0)
            continue;
        if (n == max_fields) {
            *err = "too many fields";
            return -1;
        }
        const char *eq = memchr(piece, '=', plen);
        size_t nlen = eq != NULL ? (size_t)(eq - piece) : plen;
        struct form_field *f = &fields[n];
        if ((f->name = form_decode(pool, piece, nlen, &f->name_len, err)) == NULL)
            return -1;
        if (eq != NULL) {
            if ((f->value = form_decode(pool, eq + 1, plen - nlen - 1, &f->value_len, err)) == NULL)
                return -1;
        } else {
            f->value = "";
            f->value_len = 0;
        }
        n++;
    }
    *nfields = n;
    return 0;
}

const struct form_field *form_find(const struct form_field *f, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (f[i].name_len == len && memcmp(f[i].name, name, len) == 0)
            return &f[i];
    return NULL;
}

size_t form_count(const struct form_field *f, size_t n, const char *name)
{
    size_t len = strlen(name), count = 0;
    for (size_t i = 0; i < n; i++)
        count += f[i].name_len == len && memcmp(f[i].name, name, len) == 0;
    return count;
}

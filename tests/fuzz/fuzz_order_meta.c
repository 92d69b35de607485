/*
 * tests/fuzz/fuzz_order_meta.c — libFuzzer target for apid/order_meta (the meta policy and the value
 * forms of the order JSON).
 *
 * The input is split at the first two '\n' into an allowlist, a key and a value. Checks, beyond "no
 * crash": a visible key is neither internal nor (unless listed) protected; every value written makes
 * valid JSON; the cleaned text has no '<', no control character, no run of two spaces, no blank at
 * either end; kses output has no '<'; a sanitized title holds only [a-z0-9_-].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apid/order_meta.h"
#include "common/json_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *piece(const uint8_t *data, size_t size, size_t *at)
{
    size_t s = *at, e = s;
    while (e < size && data[e] != '\n')
        e++;
    char *p = malloc(e - s + 1);
    if (p == NULL)
        abort();
    for (size_t i = s; i < e; i++)
        p[i - s] = (char)(data[i] ? data[i] : ' '); /* C strings: NUL never reaches these functions */
    p[e - s] = '\0';
    *at = e < size ? e + 1 : e;
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;
    char *allow = piece(data, size, &at), *key = piece(data, size, &at);
    char *val = malloc(size - at + 1);
    if (val == NULL)
        abort();
    for (size_t i = at; i < size; i++)
        val[i - at] = (char)(data[i] ? data[i] : ' ');
    val[size - at] = '\0';

    if (order_meta_visible(allow, key) &&
        (order_meta_internal(key) || (order_meta_protected(key) && !order_meta_listed(allow, key))))
        abort();
    static const char *const types[] = {"line_item", "shipping", "fee", "coupon", "tax"};
    for (size_t t = 0; t < 5; t++)
        if (order_meta_item_visible(allow, types[t], key) && order_meta_protected(key) &&
            !order_meta_listed(allow, key))
            abort();

    struct json_out w;
    json_out_init(&w);
    json_out_array_open(&w);
    order_meta_value_write(&w, val);
    order_meta_value_write(&w, key);
    json_out_array_close(&w);
    json_t *parsed = json_loadb(w.buf, w.len, 0, NULL);
    if (parsed == NULL)
        abort();
    json_decref(parsed);
    json_out_free(&w);

    char *text = NULL;
    if (order_meta_scalar_text(val, &text)) {
        char *k = order_meta_kses(text), *c = order_meta_clean(k);
        if (strchr(k, '<') != NULL || strchr(c, '<') != NULL)
            abort();
        size_t n = strlen(c);
        if (n > 0 && (c[0] == ' ' || c[n - 1] == ' '))
            abort();
        for (size_t i = 0; i < n; i++)
            if (c[i] == '\n' || c[i] == '\r' || c[i] == '\t' || (c[i] == ' ' && c[i + 1] == ' '))
                abort();
        free(k);
        free(c);
        free(text);
    }
    char *d = order_meta_rawurldecode(val), *c2 = order_meta_clean(val);
    if (strlen(d) > strlen(val))
        abort();
    free(d);
    free(c2);
    char title[64];
    order_meta_sanitize_title(key, title, sizeof title);
    for (const char *p = title; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            abort();
    free(allow);
    free(key);
    free(val);
    return 0;
}

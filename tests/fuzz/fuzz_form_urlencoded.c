/*
 * tests/fuzz/fuzz_form_urlencoded.c — libFuzzer target for common/form_urlencoded.
 *
 * Checks, beyond "no crash": every field stays within the cap, decoded strings are NUL-terminated and
 * never longer than the input, and form_find agrees with form_count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/form_urlencoded.h"
#include "common/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    h2o_mem_pool_t pool;
    struct form_field f[LIMIT_FORM_FIELDS];
    size_t n = 0;
    const char *err = NULL;

    /* a private copy, so ASan catches any read past len */
    char *src = malloc(size ? size : 1);
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    h2o_mem_init_pool(&pool);
    if (form_urlencoded_parse(&pool, src, size, f, LIMIT_FORM_FIELDS, &n, &err) == 0) {
        if (n > LIMIT_FORM_FIELDS)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (f[i].name_len > size || f[i].value_len > size || f[i].name[f[i].name_len] != '\0' ||
                f[i].value[f[i].value_len] != '\0')
                abort();
            char name[64];
            if (f[i].name_len < sizeof name && memchr(f[i].name, '\0', f[i].name_len) == NULL) {
                memcpy(name, f[i].name, f[i].name_len + 1);
                const struct form_field *first = form_find(f, n, name);
                if (first == NULL || first > &f[i] || form_count(f, n, name) == 0)
                    abort();
            }
        }
    } else if (err == NULL || n != 0) {
        abort();
    }
    h2o_mem_clear_pool(&pool);
    free(src);
    return 0;
}

/*
 * tests/fuzz/fuzz_php_serialize.c — php_unserialize on arbitrary bytes; whatever it accepts must
 * survive php_serialize and a second php_unserialize unchanged (json_equal), and the second
 * serialization must be byte-identical to the first.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/php_serialize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *err = NULL;
    json_t *v = php_unserialize((const char *)data, size, &err);
    if (v == NULL) {
        if (err == NULL)
            abort();
        return 0;
    }
    size_t len1 = 0, len2 = 0;
    char *s1 = php_serialize(v, &len1);
    if (s1 == NULL)
        abort();
    json_t *w = php_unserialize(s1, len1, &err);
    if (w == NULL || !json_equal(v, w))
        abort();
    char *s2 = php_serialize(w, &len2);
    if (s2 == NULL || len1 != len2 || memcmp(s1, s2, len1) != 0)
        abort();
    free(s1);
    free(s2);
    json_decref(v);
    json_decref(w);
    return 0;
}

/*
 * tests/fuzz/fuzz_json_body.c — libFuzzer target for common/json_body.
 *
 * Checks, beyond "no crash": an accepted body is an object holding only the listed fields, each of
 * its declared type and size; a refusal always carries a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct json_body_field fields[] = {
    {"status", JSON_BODY_STRING, true, 32},
    {"note", JSON_BODY_STRING, false, 64},
    {"customer_note", JSON_BODY_BOOL, false, 0},
    {"qty", JSON_BODY_UINT, false, 1000},
    {"line_items", JSON_BODY_ANY, false, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1); /* a private copy, so ASan catches any read past size */
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    char err[160] = "";
    json_t *o = json_body_parse(src, size, fields, sizeof fields / sizeof fields[0], err, sizeof err);
    if (o == NULL) {
        if (err[0] == '\0')
            abort();
    } else {
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "status")) ||
            json_string_length(json_object_get(o, "status")) > 32)
            abort();
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) {
            size_t i = 0;
            while (i < sizeof fields / sizeof fields[0] && strcmp(fields[i].name, k) != 0)
                i++;
            if (i == sizeof fields / sizeof fields[0])
                abort();
            if ((fields[i].type == JSON_BODY_BOOL && !json_is_boolean(v)) ||
                (fields[i].type == JSON_BODY_UINT && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                                                      json_integer_value(v) > 1000)))
                abort();
        }
        json_decref(o);
    }
    free(src);
    return 0;
}

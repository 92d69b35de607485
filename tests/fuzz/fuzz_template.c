/*
 * tests/fuzz/fuzz_template.c — template_parse on arbitrary bytes, then, when it parses, renders
 * against a fixed JSON value with a few partials (and the template itself as partial "self").
 *
 * Input: the first byte picks the kind ('T' a text template, anything else HTML), the rest is the
 * source. Checks: a refusal comes with a message; a render stays within its maximum, is
 * NUL-terminated with no NUL inside, and a failed one leaves the output as it was; a render into a
 * small buffer succeeds exactly when the full page fits, with the same bytes; and in an HTML
 * template none of < > " ' ` = reaches the output unless the template text itself contains it,
 * although the data is full of them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/limits.h"
#include "common/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMALL_MAX 256

static const char DATA[] =
    "{\"store_name\": \"<script>alert(1)</script>\", \"client_name\": \"\\\" onmouseover='x' `y` a=b\","
    " \"csrf\": \"tok=&=\", \"n\": 42, \"r\": 0.5, \"zero\": 0, \"t\": true, \"f\": false, \"nul\": null,"
    " \"empty\": \"\", \"none\": [], \"obj\": {}, \"nul_byte\": \"a\\u0000b\", \"ctl\": \"\\r\\n\\u001b\","
    " \"utf8\": \"Caf\\u00e9 \\ud83d\\uded2\","
    " \"user\": {\"name\": \"<b>\", \"login\": \"o'neil\", \"meta\": {\"a\": \"=\"}},"
    " \"scopes\": [{\"name\": \"orders:read\", \"description\": \"<i>orders</i>\"},"
    "              {\"name\": \"x\", \"description\": \"\\\"'\"}],"
    " \"matrix\": [[1, \"<\"], [], [\">\", [\"`\"]]],"
    " \"list\": [\"a\", \"<\", 1, true, null, {\"name\": \"'\"}, [\"=\"]],"
    " \"many\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]}";

static json_t *fixed_data(void)
{
    static json_t *v;
    if (v == NULL) {
        v = json_loads(DATA, JSON_ALLOW_NUL, NULL);
        if (v == NULL)
            abort();
    }
    return v;
}

static void add(struct template_set *set, const char *name, const char *src)
{
    const char *err = NULL;
    struct template *t = template_parse(src, strlen(src), &err, NULL);
    if (t == NULL || template_set_add(set, name, t) != 0)
        abort();
}

static void check_out(const struct template_out *out, int rc, size_t before, size_t max)
{
    if (rc == 0) {
        if (out->err != NULL || out->buf == NULL || out->len > max || out->buf[out->len] != '\0' ||
            strlen(out->buf) != out->len)
            abort();
    } else if (rc != -1 || out->err == NULL || out->len != before) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data + 1, *err = NULL;
    size_t len = size ? size - 1 : 0;
    bool text = size > 0 && data[0] == 'T';
    unsigned line = 0;
    struct template *t;
    struct template_set *set;
    struct template_out full, small;
    int rc, rc_small;

    if (size == 0)
        return 0;
    t = text ? template_parse_text(src, len, &err, &line) : template_parse(src, len, &err, &line);
    if (t == NULL) {
        if (err == NULL)
            abort();
        return 0;
    }
    if (line != 0)
        abort();
    set = template_set_new();
    add(set, "item", "[{{name}}|{{.}}|{{description}}]");
    add(set, "list", "{{#list}}{{> item}}{{/list}}");
    add(set, "deep", "{{#matrix}}{{#.}}{{.}}{{/.}}{{> deep}}{{/matrix}}");
    if (template_set_add(set, "self", t) != 0) /* the set owns t from here */
        abort();

    template_out_init(&full, 0);
    rc = template_render(t, fixed_data(), set, &full);
    check_out(&full, rc, 0, LIMIT_TEMPLATE_OUTPUT_BYTES);

    template_out_init(&small, SMALL_MAX);
    rc_small = template_render(t, fixed_data(), set, &small);
    check_out(&small, rc_small, 0, SMALL_MAX);
    if (rc == 0 && full.len <= SMALL_MAX &&
        (rc_small != 0 || small.len != full.len || memcmp(small.buf, full.buf, full.len) != 0))
        abort();
    if (rc == 0 && full.len > SMALL_MAX && rc_small == 0)
        abort();

    if (rc == 0 && !text) {
        for (const char *c = "<>\"'`="; *c; c++)
            if (memchr(src, *c, len) == NULL && memchr(full.buf, *c, full.len) != NULL)
                abort(); /* a data byte reached the page unescaped */
    }
    template_out_free(&full);
    template_out_free(&small);
    template_set_free(set);
    return 0;
}

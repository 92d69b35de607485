/*
 * tests/unit/test_json_out.c — common/json_out: the same bytes as jansson's compact dump for
 * strings, integers and nesting (jansson is the reference), and PHP's json_encode form of doubles
 * (serialize_precision -1) from a table made with PHP 8.2.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_out.h"
#include "tests/tap.h"

static void test_strings_like_jansson(void)
{
    static const char *const rows[] = {
        "", "plain", "quote \" and backslash \\", "slash / stays", "tab\tnl\ncr\rbs\bff\f", "\x01\x1f\x7f",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "<script>alert(1)</script>", "\xe2\x80\xa8 line separator",
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct json_out w;
        json_out_init(&w);
        json_out_object_open(&w);
        json_out_key(&w, rows[i]);
        json_out_string(&w, rows[i]);
        json_out_key(&w, "n");
        json_out_array_open(&w);
        json_out_string(&w, rows[i]);
        json_out_int(&w, -42);
        json_out_array_close(&w);
        json_out_object_close(&w);
        json_t *j = json_pack("{s:s, s:[s, i]}", rows[i], rows[i], "n", rows[i], -42);
        char *want = json_dumps(j, JSON_COMPACT);
        char name[32];
        snprintf(name, sizeof name, "string row %zu", i);
        TAP_EQ_STR(w.buf, want, name);
        free(want);
        json_decref(j);
        json_out_free(&w);
    }
}

static void test_values_like_jansson(void)
{
    struct json_out w;
    json_out_init(&w);
    json_out_array_open(&w);
    json_out_object_open(&w);
    json_out_object_close(&w);
    json_out_array_open(&w);
    json_out_array_close(&w);
    json_out_int(&w, 0);
    json_out_int(&w, -9223372036854775807LL - 1);
    json_out_uint(&w, 9223372036854775807ULL);
    json_out_bool(&w, true);
    json_out_bool(&w, false);
    json_out_null(&w);
    json_out_string_or_null(&w, NULL);
    json_out_string(&w, NULL);
    json_out_object_open(&w);
    json_out_key(&w, "a");
    json_out_object_open(&w);
    json_out_key(&w, "b");
    json_out_array_open(&w);
    json_out_array_close(&w);
    json_out_object_close(&w);
    json_out_key(&w, "c");
    json_out_int(&w, 1);
    json_out_object_close(&w);
    json_out_array_close(&w);
    json_t *j = json_pack("[{}, [], i, I, I, b, b, n, n, s, {s:{s:[]}, s:i}]", 0, (json_int_t)(-9223372036854775807LL - 1),
                          (json_int_t)9223372036854775807LL, 1, 0, "", "a", "b", "c", 1);
    char *want = json_dumps(j, JSON_COMPACT);
    TAP_EQ_STR(w.buf, want, "values and nesting");
    free(want);
    json_decref(j);
    size_t cap = w.cap;
    json_out_reset(&w);
    json_out_int(&w, 7);
    TAP_EQ_STR(w.buf, "7", "reset starts over");
    tap_ok(w.cap == cap, "reset keeps the buffer");
    json_out_free(&w);

    json_out_init(&w);
    json_out_string(&w, "bad \xff\xfe utf-8 \xc3");
    TAP_EQ_STR(w.buf, "\"bad \xef\xbf\xbd\xef\xbf\xbd utf-8 \xef\xbf\xbd\"", "invalid UTF-8 becomes U+FFFD");
    json_out_free(&w);
}

static void test_php_float(void)
{
    /* php -r 'ini_set("serialize_precision", -1); echo json_encode($v);' */
    static const struct {
        double v;
        const char *want;
    } rows[] = {
        {22.9, "22.9"}, {45.8 / 2, "22.9"}, {23.0, "23"}, {0.0, "0"}, {-0.0, "-0"}, {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"}, {10.0 / 3, "3.3333333333333335"}, {-4.5, "-4.5"}, {19.0, "19"},
        {0.0001, "0.0001"}, {0.00001, "1.0e-5"}, {1.5e-7, "1.5e-7"}, {100000000000000000.0, "1.0e+17"}, {12345678901234567.0, "12345678901234568"},
        {1e18, "1.0e+18"}, {1.25e20, "1.25e+20"}, {123456789.125, "123456789.125"}, {1e308, "1.0e+308"},
        {5e-324, "5.0e-324"}, {0.5, "0.5"}, {0.05, "0.05"}, {1234.5678, "1234.5678"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char out[32];
        json_out_format_php_float(rows[i].v, out);
        TAP_EQ_STR(out, rows[i].want, rows[i].want);
    }
}

int main(void)
{
    test_strings_like_jansson();
    test_values_like_jansson();
    test_php_float();
    return tap_done();
}

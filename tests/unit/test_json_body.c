/*
 * tests/unit/test_json_body.c — common/json_body: accepted bodies and every refusal, with the message
 * the client sees. The field list is the one PATCH /orders/{id} uses plus a boolean and an integer.
 */
#include <stdio.h>
#include <string.h>

#include "common/json_body.h"
#include "common/limits.h"
#include "tests/tap.h"

static const struct json_body_field fields[] = {
    {"status", JSON_BODY_STRING, true, 10},
    {"note", JSON_BODY_STRING, false, 20},
    {"customer_note", JSON_BODY_BOOL, false, 0},
    {"qty", JSON_BODY_UINT, false, 100},
};

static void test_table(void)
{
    static const struct {
        const char *in;
        const char *want; /* "ok" or the error message */
    } rows[] = {
        {"{\"status\":\"completed\"}", "ok"},
        {"  {\"status\": \"on-hold\", \"note\": \"Paid.\"}\n", "ok"},
        {"{\"status\":\"x\",\"customer_note\":true,\"qty\":0}", "ok"},
        {"{\"status\":\"x\",\"qty\":100}", "ok"},
        {"{\"status\":\"x\",\"note\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", "ok"},
        {"", "The request body must be a JSON object."},
        {"[]", "The request body must be a JSON object."},
        {"\"completed\"", "The request body must be a JSON object."},
        {"null", "The request body must be a JSON object."},
        {"{", "The request body is not valid JSON."},
        {"{\"status\":\"x\"} {}", "The request body is not valid JSON."},
        {"{\"status\":'x'}", "The request body is not valid JSON."},
        {"{\"status\":\"\\ud800\"}", "The request body is not valid JSON."},
        {"{\"status\":\"a\\u0000b\"}", "The request body is not valid JSON."},
        {"{\"status\":\"\xff\"}", "The request body is not valid JSON."},
        {"{\"status\":\"x\",\"status\":\"y\"}", "The JSON body repeats a field."},
        {"{}", "Missing parameter(s): status"},
        {"{\"note\":\"n\"}", "Missing parameter(s): status"},
        {"{\"status\":\"x\",\"colour\":\"red\"}", "Unknown field: colour"},
        {"{\"status\":\"x\",\"\":1}", "Unknown field."},
        {"{\"status\":\"x\",\"a\\nb\":1}", "Unknown field."},
        {"{\"status\":1}", "Invalid parameter(s): status"},
        {"{\"status\":null}", "Invalid parameter(s): status"},
        {"{\"status\":[\"x\"]}", "Invalid parameter(s): status"},
        {"{\"status\":\"01234567890\"}", "Invalid parameter(s): status"},
        {"{\"status\":\"x\",\"note\":\"012345678901234567890\"}", "Invalid parameter(s): note"},
        {"{\"status\":\"x\",\"customer_note\":\"true\"}", "Invalid parameter(s): customer_note"},
        {"{\"status\":\"x\",\"customer_note\":1}", "Invalid parameter(s): customer_note"},
        {"{\"status\":\"x\",\"qty\":-1}", "Invalid parameter(s): qty"},
        {"{\"status\":\"x\",\"qty\":101}", "Invalid parameter(s): qty"},
        {"{\"status\":\"x\",\"qty\":1.5}", "Invalid parameter(s): qty"},
        {"{\"status\":\"x\",\"qty\":\"1\"}", "Invalid parameter(s): qty"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[160] = "";
        json_t *o = json_body_parse(rows[i].in, strlen(rows[i].in), fields, sizeof fields / sizeof fields[0], err,
                                    sizeof err);
        char name[200];
        snprintf(name, sizeof name, "row %zu: %.60s", i, rows[i].in);
        TAP_EQ_STR(o ? "ok" : err, rows[i].want, name);
        json_decref(o);
    }
}

static void test_depth(void)
{
    char deep[400], err[160];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"status\":\"x\",\"note\":");
    for (int i = 0; i < LIMIT_JSON_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < LIMIT_JSON_DEPTH; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    json_t *o = json_body_parse(deep, n, fields, 4, err, sizeof err);
    TAP_EQ_STR(o ? "ok" : err, "The JSON body is nested too deeply.", "nesting over LIMIT_JSON_DEPTH is refused before decoding");
    json_decref(o);
    const char *brackets_in_string = "{\"status\":\"[[[[[[[[[[\",\"note\":\"{{{{{{{{{{{{{{{{{{{{\"}";
    o = json_body_parse(brackets_in_string, strlen(brackets_in_string), fields, 4, err, sizeof err);
    TAP_EQ_STR(o ? "ok" : err, "ok", "brackets inside strings do not count as nesting");
    json_decref(o);
    o = json_body_parse("{\"status\":\"x\"}", 5, fields, 4, err, sizeof err);
    TAP_EQ_STR(o ? "ok" : err, "The request body is not valid JSON.", "the length is honoured (no NUL needed)");
    json_decref(o);
}

int main(void)
{
    test_table();
    test_depth();
    return tap_done();
}

/*
 * tests/unit/test_refund_request.c — apid/refund_request: money in and out for 0, 2 and 8 decimals,
 * and whole bodies → the parsed request ("amount=… restock=… lines=[id:qty:total:tax…]") or the
 * error code.
 */
#include <stdio.h>
#include <string.h>

#include "apid/refund_request.h"
#include "tests/tap.h"

static void test_money(void)
{
    static const struct {
        const char *json; /* a JSON value */
        unsigned dp;
        const char *want; /* the formatted minor units, or "ERR" */
    } rows[] = {
        {"\"12.50\"", 2, "12.50"},   {"\"12.5\"", 2, "12.50"},   {"\"12\"", 2, "12.00"},    {"12", 2, "12.00"},
        {"12.5", 2, "12.50"},        {"0.1", 2, "0.10"},         {"19.99", 2, "19.99"},     {"\"0.07\"", 2, "0.07"},
        {"\"1.001\"", 2, "ERR"},     {"1.001", 2, "ERR"},        {"\"-1\"", 2, "ERR"},      {"-1", 2, "ERR"},
        {"\"1e2\"", 2, "ERR"},       {"\" 1\"", 2, "ERR"},       {"\"1.\"", 2, "ERR"},      {"\".5\"", 2, "ERR"},
        {"\"\"", 2, "ERR"},          {"true", 2, "ERR"},         {"null", 2, "ERR"},        {"\"9999999999.99\"", 2, "9999999999.99"},
        {"\"10000000000\"", 2, "ERR"}, {"\"5\"", 0, "5"},        {"\"5.0\"", 0, "ERR"},     {"7", 0, "7"},
        {"\"0.00000001\"", 8, "0.00000001"}, {"1.5", 8, "1.50000000"}, {"\"１\"", 2, "ERR"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_error_t je;
        json_t *v = json_loads(rows[i].json, JSON_DECODE_ANY, &je);
        int64_t m = 0;
        const char *why = NULL;
        char got[64] = "ERR", name[96];
        if (v && refund_money_parse(v, rows[i].dp, &m, &why) == 0)
            refund_money_format(m, rows[i].dp, got, sizeof got);
        snprintf(name, sizeof name, "money %s (%u decimals)", rows[i].json, rows[i].dp);
        TAP_EQ_STR(got, rows[i].want, name);
        json_decref(v);
    }
    char neg[32];
    refund_money_format(-1190, 2, neg, sizeof neg);
    TAP_EQ_STR(neg, "-11.90", "negative minor units format with a sign");
}

static void render(const struct refund_request *r, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "amount=%lld restock=%d reason=%s lines=[", (long long)r->amount, r->restock,
                                r->reason);
    for (size_t i = 0; i < r->nlines && o < cap; i++) {
        const struct refund_line_req *l = &r->lines[i];
        o += (size_t)snprintf(out + o, cap - o, "%s%llu:%lld:%lld", i ? " " : "", (unsigned long long)l->id,
                              (long long)l->qty, (long long)l->total);
        for (size_t k = 0; k < l->ntax && o < cap; k++)
            o += (size_t)snprintf(out + o, cap - o, ":%llu=%lld", (unsigned long long)l->tax[k].rate_id,
                                  (long long)l->tax[k].amount);
    }
    if (o < cap)
        snprintf(out + o, cap - o, "]");
}

static void test_bodies(void)
{
    static const struct {
        const char *body, *want;
    } rows[] = {
        {"{\"restock\": false, \"amount\": \"12.50\"}", "amount=1250 restock=0 reason= lines=[]"},
        {"{\"restock\": true, \"reason\": \"Broken\", \"line_items\": [{\"id\": 18, \"quantity\": 1, \"refund_total\": "
         "\"10.00\", \"refund_tax\": \"1.90\"}]}",
         "amount=1190 restock=1 reason=Broken lines=[18:1:1000:0=190]"},
        {"{\"restock\": true, \"amount\": 11.9, \"line_items\": [{\"id\": 18, \"quantity\": 1, \"refund_total\": 10, "
         "\"refund_tax\": [{\"id\": 3, \"refund_total\": \"1.90\"}]}]}",
         "amount=1190 restock=1 reason= lines=[18:1:1000:3=190]"},
        {"{\"restock\": false, \"line_items\": [{\"id\": 7, \"refund_total\": \"4.90\"}, {\"id\": 8, \"refund_total\": 2}]}",
         "amount=690 restock=0 reason= lines=[7:0:490 8:0:200]"},
        {"{\"restock\": false, \"amount\": \"5\", \"line_items\": [{\"id\": 7, \"refund_total\": \"4.90\"}]}",
         "ERR cartman_refund_amount_mismatch"},
        {"{\"restock\": false, \"amount\": \"0\"}", "ERR cartman_invalid_refund_amount"},
        {"{\"restock\": false, \"line_items\": [{\"id\": 7, \"quantity\": 2, \"refund_total\": 0}]}",
         "ERR cartman_invalid_refund_amount"},
        {"{\"restock\": false}", "ERR rest_invalid_param"},
        {"{\"amount\": \"1\"}", "ERR rest_invalid_param"},
        {"{\"restock\": 1, \"amount\": \"1\"}", "ERR rest_invalid_param"},
        {"{\"restock\": false, \"amount\": \"1\", \"extra\": 1}", "ERR rest_invalid_param"},
        {"{\"restock\": false, \"line_items\": [{\"id\": 7, \"refund_total\": 1}, {\"id\": 7, \"refund_total\": 1}]}",
         "ERR rest_invalid_param"},
        {"{\"restock\": false, \"line_items\": [{\"id\": 0, \"refund_total\": 1}]}", "ERR rest_invalid_param"},
        {"{\"restock\": false, \"line_items\": [{\"id\": 7, \"refund_total\": 1, \"refund_tax\": [{\"id\": 1, "
         "\"refund_total\": 1}, {\"id\": 1, \"refund_total\": 1}]}]}",
         "ERR rest_invalid_param"},
        {"{\"restock\": false, \"reason\": \"a\\u0001b\", \"amount\": 1}", "ERR rest_invalid_param"},
        {"{\"restock\": false, \"amount\": 1, \"amount\": 2}", "ERR cartman_invalid_json"},
        {"[]", "ERR cartman_invalid_json"},
        {"{\"restock\": false, \"amount\": 1} x", "ERR cartman_invalid_json"},
        {"", "ERR cartman_invalid_json"},
    };
    static struct refund_request req;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct refund_error err;
        char got[512], name[64];
        if (refund_request_parse(rows[i].body, strlen(rows[i].body), 2, &req, &err) == 0)
            render(&req, got, sizeof got);
        else
            snprintf(got, sizeof got, "ERR %s", err.code);
        snprintf(name, sizeof name, "body %zu", i);
        TAP_EQ_STR(got, rows[i].want, name);
    }
}

int main(void)
{
    test_money();
    test_bodies();
    return tap_done();
}

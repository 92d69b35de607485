/*
 * apid/refund_request.c — parses and checks the JSON body of POST /orders/{id}/refund.
 *
 * Owns: the body's shape (known fields only, types, bounds), money parsing and formatting in the
 * store's smallest unit, and the "amount equals the lines" rule. Does not: look at the order (which
 * items exist, what remains refundable), talk to the database, or answer HTTP.
 */
#include "apid/refund_request.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(struct refund_error *err, const char *code, const char *fmt, ...)
{
    va_list ap;
    err->status = 400;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static int64_t pow10i(unsigned n)
{
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

int refund_money_parse(const json_t *v, unsigned decimals, int64_t *out, const char **why)
{
    if (decimals > 8)
        decimals = 8;
    int64_t scale = pow10i(decimals);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0) {
            *why = "must not be negative";
            return -1;
        }
        if (i >= pow10i(REFUND_MONEY_INT_DIGITS)) {
            *why = "is too large";
            return -1;
        }
        *out = (int64_t)i * scale;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d < 0) {
            *why = "must not be negative";
            return -1;
        }
        if (d >= (double)pow10i(REFUND_MONEY_INT_DIGITS)) {
            *why = "is too large";
            return -1;
        }
        double scaled = d * (double)scale, r = nearbyint(scaled);
        if (fabs(scaled - r) > 1e-6 * (r > 1.0 ? r : 1.0)) {
            *why = "has more decimals than the store's currency";
            return -1;
        }
        *out = (int64_t)r;
        return 0;
    }
    if (!json_is_string(v)) {
        *why = "must be a decimal string or a number";
        return -1;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v), i = 0, intdigits = 0, fracdigits = 0;
    if (len > 0 && s[0] == '-') {
        *why = "must not be negative";
        return -1;
    }
    int64_t units = 0, frac = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, intdigits++) {
        if (intdigits >= REFUND_MONEY_INT_DIGITS) {
            *why = "is too large";
            return -1;
        }
        units = units * 10 + (s[i] - '0');
    }
    if (intdigits == 0) {
        *why = "must be a decimal string such as \"12.50\"";
        return -1;
    }
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, fracdigits++) {
            if (fracdigits >= decimals) {
                *why = "has more decimals than the store's currency";
                return -1;
            }
            frac = frac * 10 + (s[i] - '0');
        }
        if (fracdigits == 0) {
            *why = "must be a decimal string such as \"12.50\"";
            return -1;
        }
    }
    if (i != len) {
        *why = "must be a decimal string such as \"12.50\"";
        return -1;
    }
    for (size_t k = fracdigits; k < decimals; k++)
        frac *= 10;
    *out = units * scale + frac;
    return 0;
}

void refund_money_format(int64_t v, unsigned decimals, char *out, size_t cap)
{
    if (decimals > 8)
        decimals = 8;
    int64_t scale = pow10i(decimals);
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (decimals == 0)
        snprintf(out, cap, "%s%" PRIu64, v < 0 ? "-" : "", a);
    else
        snprintf(out, cap, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", a / (uint64_t)scale, (int)decimals,
                 a % (uint64_t)scale);
}

static int money_field(const json_t *v, unsigned decimals, const char *name, int64_t *out, struct refund_error *err)
{
    const char *why = NULL;
    if (refund_money_parse(v, decimals, out, &why) != 0)
        return fail(err, "rest_invalid_param", "%s %s.", name, why);
    return 0;
}

static bool uint_field(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static int parse_tax(json_t *v, unsigned decimals, size_t line, struct refund_line_req *l,
                     struct refund_error *err)
{
    char name[96];
    if (!json_is_array(v)) {
        snprintf(name, sizeof name, "line_items[%zu].refund_tax", line);
        if (money_field(v, decimals, name, &l->tax[0].amount, err) != 0)
            return -1;
        l->tax[0].rate_id = 0;
        l->ntax = 1;
        return 0;
    }
    if (json_array_size(v) > LIMIT_REFUND_TAX_RATES)
        return fail(err, "rest_invalid_param", "line_items[%zu].refund_tax has more than %d rates.", line,
                    LIMIT_REFUND_TAX_RATES);
    size_t i;
    json_t *t;
    json_array_foreach(v, i, t) {
        if (!json_is_object(t))
            return fail(err, "rest_invalid_param", "line_items[%zu].refund_tax[%zu] must be an object.", line, i);
        const char *key;
        json_t *f;
        json_object_foreach(t, key, f) {
            if (strcmp(key, "id") != 0 && strcmp(key, "refund_total") != 0)
                return fail(err, "rest_invalid_param", "line_items[%zu].refund_tax[%zu] has an unknown field.", line, i);
        }
        struct refund_tax_req *r = &l->tax[l->ntax];
        if (!uint_field(json_object_get(t, "id"), &r->rate_id) || r->rate_id == 0)
            return fail(err, "rest_invalid_param", "line_items[%zu].refund_tax[%zu].id must be a tax rate ID.", line, i);
        for (size_t k = 0; k < l->ntax; k++)
            if (l->tax[k].rate_id == r->rate_id)
                return fail(err, "rest_invalid_param", "line_items[%zu].refund_tax names rate %" PRIu64 " twice.", line,
                            r->rate_id);
        const json_t *amt = json_object_get(t, "refund_total");
        if (amt == NULL)
            return fail(err, "rest_invalid_param", "line_items[%zu].refund_tax[%zu].refund_total is required.", line, i);
        snprintf(name, sizeof name, "line_items[%zu].refund_tax[%zu].refund_total", line, i);
        if (money_field(amt, decimals, name, &r->amount, err) != 0)
            return -1;
        l->ntax++;
    }
    return 0;
}

static int parse_line(json_t *v, unsigned decimals, size_t i, struct refund_request *out, struct refund_error *err)
{
    if (!json_is_object(v))
        return fail(err, "rest_invalid_param", "line_items[%zu] must be an object.", i);
    const char *key;
    json_t *f;
    json_object_foreach(v, key, f) {
        if (strcmp(key, "id") != 0 && strcmp(key, "quantity") != 0 && strcmp(key, "refund_total") != 0 &&
            strcmp(key, "refund_tax") != 0)
            return fail(err, "rest_invalid_param", "line_items[%zu] has an unknown field.", i);
    }
    struct refund_line_req *l = &out->lines[i];
    memset(l, 0, sizeof *l);
    if (!uint_field(json_object_get(v, "id"), &l->id) || l->id == 0)
        return fail(err, "rest_invalid_param", "line_items[%zu].id must be an order item ID.", i);
    for (size_t k = 0; k < i; k++)
        if (out->lines[k].id == l->id)
            return fail(err, "rest_invalid_param", "line_items names item %" PRIu64 " twice.", l->id);
    const json_t *q = json_object_get(v, "quantity");
    uint64_t qty = 0;
    if (q != NULL && (!uint_field(q, &qty) || qty > 1000000))
        return fail(err, "rest_invalid_param", "line_items[%zu].quantity must be a whole number from 0.", i);
    l->qty = (int64_t)qty;
    const json_t *t = json_object_get(v, "refund_total");
    if (t == NULL)
        return fail(err, "rest_invalid_param", "line_items[%zu].refund_total is required.", i);
    char name[64];
    snprintf(name, sizeof name, "line_items[%zu].refund_total", i);
    if (money_field(t, decimals, name, &l->total, err) != 0)
        return -1;
    json_t *tax = json_object_get(v, "refund_tax");
    if (tax != NULL && parse_tax(tax, decimals, i, l, err) != 0)
        return -1;
    return 0;
}

int refund_request_parse(const char *body, size_t len, unsigned decimals, struct refund_request *out,
                         struct refund_error *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (body == NULL || len == 0)
        return fail(err, "cartman_invalid_json", "The request body must be a JSON object.");
    if (len > LIMIT_REFUND_BODY_BYTES)
        return fail(err, "cartman_invalid_json", "The request body is too large.");
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(err, "cartman_invalid_json", "The request body is not valid JSON.");
    int rc = -1;
    if (!json_is_object(root)) {
        fail(err, "cartman_invalid_json", "The request body must be a JSON object.");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "amount") != 0 && strcmp(key, "reason") != 0 && strcmp(key, "line_items") != 0 &&
            strcmp(key, "restock") != 0) {
            fail(err, "rest_invalid_param", "Unknown field; allowed: amount, reason, line_items, restock.");
            goto out;
        }
    }
    v = json_object_get(root, "restock");
    if (!json_is_boolean(v)) {
        fail(err, "rest_invalid_param", "restock is required and must be true or false.");
        goto out;
    }
    out->restock = json_is_true(v);
    v = json_object_get(root, "reason");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v)) {
            fail(err, "rest_invalid_param", "reason must be a string.");
            goto out;
        }
        size_t rl = json_string_length(v);
        if (rl > LIMIT_REFUND_REASON_BYTES) {
            fail(err, "rest_invalid_param", "reason is longer than %d bytes.", LIMIT_REFUND_REASON_BYTES);
            goto out;
        }
        const char *rs = json_string_value(v);
        for (size_t i = 0; i < rl; i++)
            if ((unsigned char)rs[i] < 0x20 && rs[i] != '\n' && rs[i] != '\t' && rs[i] != '\r') {
                fail(err, "rest_invalid_param", "reason must not contain control characters.");
                goto out;
            }
        memcpy(out->reason, rs, rl);
        out->reason[rl] = '\0';
    }
    v = json_object_get(root, "amount");
    if (v != NULL) {
        if (money_field(v, decimals, "amount", &out->amount, err) != 0)
            goto out;
        out->has_amount = true;
    }
    v = json_object_get(root, "line_items");
    if (v != NULL) {
        if (!json_is_array(v)) {
            fail(err, "rest_invalid_param", "line_items must be an array.");
            goto out;
        }
        if (json_array_size(v) > LIMIT_REFUND_LINES) {
            fail(err, "rest_invalid_param", "line_items has more than %d entries.", LIMIT_REFUND_LINES);
            goto out;
        }
        size_t i;
        json_t *l;
        json_array_foreach(v, i, l) {
            if (parse_line(l, decimals, i, out, err) != 0)
                goto out;
            out->nlines = i + 1;
        }
    }
    int64_t sum = 0;
    bool overflow = false;
    for (size_t i = 0; i < out->nlines; i++) {
        overflow |= __builtin_add_overflow(sum, out->lines[i].total, &sum);
        for (size_t k = 0; k < out->lines[i].ntax; k++)
            overflow |= __builtin_add_overflow(sum, out->lines[i].tax[k].amount, &sum);
    }
    if (overflow) {
        fail(err, "rest_invalid_param", "The line items add up to more than can be refunded.");
        goto out;
    }
    if (!out->has_amount && out->nlines == 0) {
        fail(err, "rest_invalid_param", "Give an amount, line_items, or both.");
        goto out;
    }
    if (!out->has_amount) {
        out->amount = sum;
    } else if (out->nlines > 0 && sum != out->amount) {
        char a[40], b[40];
        refund_money_format(out->amount, decimals, a, sizeof a);
        refund_money_format(sum, decimals, b, sizeof b);
        fail(err, "cartman_refund_amount_mismatch", "amount %s does not match the line items' totals and taxes (%s).",
             a, b);
        goto out;
    }
    if (out->amount >= pow10i(REFUND_MONEY_INT_DIGITS) * pow10i(decimals > 8 ? 8 : decimals)) {
        fail(err, "rest_invalid_param", "The refund amount is too large.");
        goto out;
    }
    if (out->amount <= 0) {
        fail(err, "cartman_invalid_refund_amount", "The refund amount must be greater than zero.");
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

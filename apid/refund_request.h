/*
 * apid/refund_request.h — the body of POST /orders/{id}/refund, parsed and checked on its own.
 *
 *   {"amount"?: money, "reason"?: string, "restock": bool,
 *    "line_items"?: [{"id": int, "quantity"?: int, "refund_total": money,
 *                     "refund_tax"?: money | [{"id": rate_id, "refund_total": money}]}]}
 *
 * Money is a decimal string ("12.50") or a JSON number with at most the store's decimals, never
 * negative; it is held as an integer count of the store's smallest unit (cents for 2 decimals).
 * Pure: no I/O, no globals; what it cannot know (does the order have this item, is that much left
 * to refund) is order_refund.c's job.
 */
#ifndef APID_REFUND_REQUEST_H
#define APID_REFUND_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/limits.h"

#define REFUND_MONEY_INT_DIGITS 10 /* at most 9,999,999,999 in major units */

struct refund_tax_req {
    uint64_t rate_id; /* 0: "refund_tax" was a plain amount, for the item's only tax rate */
    int64_t amount;
};

struct refund_line_req {
    uint64_t id;        /* order_item_id of the order's line_item, fee or shipping item */
    int64_t qty;        /* 0 when absent */
    int64_t total;      /* refund_total, excluding tax */
    size_t ntax;
    struct refund_tax_req tax[LIMIT_REFUND_TAX_RATES];
};

struct refund_request {
    bool has_amount;
    int64_t amount;     /* what the customer gets back, tax included; set from the lines when absent */
    char reason[LIMIT_REFUND_REASON_BYTES + 1];
    bool restock;
    size_t nlines;
    struct refund_line_req lines[LIMIT_REFUND_LINES];
};

struct refund_error {
    int status;          /* 400 */
    const char *code;    /* "rest_invalid_param", "cartman_invalid_json" */
    char message[160];
};

/* Parses body (len bytes, not NUL-terminated) for a store with decimals places (0..8). 0, or -1 with
 * *err filled. The amount, when given with line items, must equal their totals plus taxes. */
int refund_request_parse(const char *body, size_t len, unsigned decimals, struct refund_request *out,
                         struct refund_error *err);

/* A money value (string or number) as minor units. 0, or -1 with a reason in *why (static). */
int refund_money_parse(const json_t *v, unsigned decimals, int64_t *out, const char **why);

/* Writes minor units as a decimal string with decimals places ("-12.50"). */
void refund_money_format(int64_t v, unsigned decimals, char *out, size_t cap);

#endif

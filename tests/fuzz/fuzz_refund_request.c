/*
 * tests/fuzz/fuzz_refund_request.c — libFuzzer target for apid/refund_request (the body of
 * POST /orders/{id}/refund).
 *
 * The first byte picks the store's decimals (0..8); the rest is the body. Checks, beyond "no crash":
 * an accepted request stays within every cap, has a positive amount equal to its lines when both are
 * given, a NUL-terminated reason, and its amount survives format → parse unchanged; a refused one
 * always says why with a 400.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apid/refund_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned decimals = data[0] % 9;
    size_t len = size - 1;
    char *body = malloc(len ? len : 1); /* a private copy, so ASan catches any read past len */
    struct refund_request *req = malloc(sizeof *req);
    if (body == NULL || req == NULL)
        abort();
    memcpy(body, data + 1, len);
    struct refund_error err;
    if (refund_request_parse(body, len, decimals, req, &err) == 0) {
        if (req->nlines > LIMIT_REFUND_LINES || req->amount <= 0 || strlen(req->reason) > LIMIT_REFUND_REASON_BYTES)
            abort();
        int64_t sum = 0;
        for (size_t i = 0; i < req->nlines; i++) {
            if (req->lines[i].ntax > LIMIT_REFUND_TAX_RATES || req->lines[i].qty < 0 || req->lines[i].total < 0 ||
                req->lines[i].id == 0)
                abort();
            sum += req->lines[i].total;
            for (size_t k = 0; k < req->lines[i].ntax; k++)
                sum += req->lines[i].tax[k].amount;
        }
        if (req->nlines > 0 && sum != req->amount)
            abort();
        char text[64];
        refund_money_format(req->amount, decimals, text, sizeof text);
        json_t *s = json_string(text);
        int64_t back = -1;
        const char *why = NULL;
        if (s == NULL || refund_money_parse(s, decimals, &back, &why) != 0 || back != req->amount)
            abort();
        json_decref(s);
    } else if (err.status != 400 || err.code == NULL || err.message[0] == '\0') {
        abort();
    }
    free(req);
    free(body);
    return 0;
}

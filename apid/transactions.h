/*
 * apid/transactions.h — GET /transactions: payments (orders with a payment date) and refunds (refund
 * orders), newest first, from HPOS or legacy posts storage (see apid/docs/transactions.md).
 */
#ifndef APID_TRANSACTIONS_H
#define APID_TRANSACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "apid/guard.h"
#include "common/db.h"
#include "common/json_out.h"
#include "common/store.h"

enum transactions_type { TRANSACTIONS_ALL, TRANSACTIONS_PAYMENTS, TRANSACTIONS_REFUNDS };

/* The query fields as received (NULL when absent). */
struct transactions_args {
    const char *type, *after, *before, *page, *per_page;
};

struct transactions_filter {
    enum transactions_type type;
    char after_gmt[20], before_gmt[20]; /* "Y-m-d H:i:s" UTC, exclusive bounds */
    int64_t after_epoch, before_epoch;  /* the same instants as Unix time (posts keep _date_paid so) */
    unsigned page, per_page;
};

/* Validates args. 0, or -1 with the status, code and message of the 400 to answer. */
int transactions_filter_parse(const struct transactions_args *a, const struct store_options *opt,
                              struct transactions_filter *f, int *status, const char **code, const char **message);

/* Writes one page (a JSON array) to w and sets the number of matching transactions. 0, or -1
 * (database error, logged; w holds a partial text then). */
int transactions_read(struct db *db, const struct store_options *opt, const struct transactions_filter *f,
                      struct json_out *w, uint64_t *total);

int transactions_list(struct http_call *call, const struct apid_identity *who);

#endif

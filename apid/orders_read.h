/*
 * apid/orders_read.h — GET /orders and GET /orders/{id}: the read side of orders, from HPOS tables
 * (wc_orders + wc_order_addresses + wc_order_operational_data) or legacy posts storage (posts +
 * postmeta), whichever the store says is authoritative, shaped as WooCommerce REST API v3 orders.
 */
#ifndef APID_ORDERS_READ_H
#define APID_ORDERS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "apid/guard.h"
#include "common/db.h"
#include "common/json_out.h"
#include "common/store.h"

#define ORDERS_PER_PAGE_DEFAULT 10
#define ORDERS_PER_PAGE_MAX 100
#define ORDERS_STATUS_SLOTS 9 /* every status a list may ask for: IN (?,?,...) has this many slots */

/* The query fields of GET /orders, as received (NULL when absent). */
struct orders_list_args {
    const char *status, *after, *before, *search, *customer, *page, *per_page;
};

/* A parsed, validated list request. */
struct orders_filter {
    const char *statuses[ORDERS_STATUS_SLOTS]; /* "wc-processing", ... (static strings) */
    size_t nstatuses;
    char after_gmt[20], before_gmt[20]; /* "Y-m-d H:i:s" UTC; open bounds are far dates */
    const char *search;                /* NULL: no search */
    uint64_t customer;                 /* customer user id; has_customer says whether given */
    bool has_customer;
    unsigned page, per_page;
};

/* Validates args into f. 0, or -1 with the HTTP status, error code and message to answer with. */
int orders_filter_parse(const struct orders_list_args *args, const struct store_options *opt, struct orders_filter *f,
                        int *status, const char **code, const char **message);

/* One page of orders (newest first) as a JSON array appended to w, and the exact total of matching
 * orders. At most two queries. 0, or -1 (database error, logged; w then holds a partial text). */
int orders_read_list_json(struct db *db, const struct store_options *opt, const struct orders_filter *f,
                          struct json_out *w, uint64_t *total);

/* The full order id as a JSON object appended to w. 1 found, 0 no such order (refunds and other
 * types are not orders; w untouched), -1 database error (w then holds a partial text). Three queries:
 * the head (fingerprint and notes), the order with its refunds, the items. */
int orders_read_one_json(struct db *db, const struct store_options *opt, uint64_t id, struct json_out *w);

/* The same for GET /orders/{id}: the order without its notes comes from the order cache while the
 * head's fingerprint is unchanged (one query), and is kept there after a rendering (three). Not for
 * writers: inside a transaction the head would see uncommitted rows. */
int orders_read_one_cached_json(struct db *db, const struct store_options *opt, uint64_t id, struct json_out *w);

/* The same as jansson trees, for callers that edit them. Replies should use the _json forms: jansson
 * prints the one double field (a line item's price, a tax line's rate_percent) with 17 digits where
 * WooCommerce prints the shortest form (22.9, not 22.899999999999999). */
int orders_read_list(struct db *db, const struct store_options *opt, const struct orders_filter *f, json_t **page,
                     uint64_t *total);
int orders_read_one(struct db *db, const struct store_options *opt, uint64_t id, json_t **out);

/* Money as WooCommerce prints it: the decimal string src rounded (half away from zero) to decimals
 * places; "" or NULL is 0. Writes at most cap bytes into out. */
void orders_money(const char *src, unsigned decimals, char *out, size_t cap);

/* "Y-m-d H:i:s" UTC to store time "Y-m-dTH:i:s" (and the UTC form "Y-m-dTH:i:s"). 0, or -1 if
 * the input is not such a date. */
int orders_gmt_to_store(const struct store_options *opt, const char *gmt, char local_out[20], char gmt_out[20]);

/* Helpers the other read routes (GET /transactions, GET /reports/sales) share with the order list. */

/* page and per_page as received (NULL when absent): page >= 1, per_page 1..ORDERS_PER_PAGE_MAX,
 * default ORDERS_PER_PAGE_DEFAULT. 0, or -1 with the message of a 400 rest_invalid_param. */
int orders_paging_parse(const char *page, const char *per_page, unsigned *page_out, unsigned *per_page_out,
                        const char **message);

/* Answers one page of a list of total items: read_rc 0 → 200 with the JSON in w, X-WP-Total,
 * X-WP-TotalPages and Link (prev/next, keeping the n filters names[i]=vals[i] that are not NULL);
 * otherwise 503 cartman_db_unavailable. Frees w either way. */
void orders_reply_page(struct http_call *call, int read_rc, struct json_out *w, const char *const *names,
                       const char *const *vals, size_t n, unsigned page, unsigned per_page, uint64_t total);

/* An ISO 8601 date-time as WordPress's rest_parse_date accepts it (no offset: store time) to
 * "Y-m-d H:i:s" UTC. 0, or -1 when malformed. */
int orders_parse_date_gmt(const struct store_options *opt, const char *s, char out[20]);

/* The store's wall clock at UTC instant t (timezone_string, or gmt_offset when that is empty). */
void orders_store_tm(const struct store_options *opt, time_t t, struct tm *out);

/* The worker's database connection (into *db) and the store options, cached per worker thread for a few
 * seconds; NULL after answering 503. */
const struct store_options *orders_options_or_reply(struct http_call *call, struct db **db);

/* The route handlers (route data: struct apid_route_policy). */
int orders_list(struct http_call *call, const struct apid_identity *who);
int orders_get(struct http_call *call, const struct apid_identity *who);

#endif

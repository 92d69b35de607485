/*
 * apid/reports_sales.h — GET /reports/sales: sales totals and a per-day series of a store-time date
 * range, from WooCommerce's analytics table wc_order_stats (see apid/docs/reports.md).
 */
#ifndef APID_REPORTS_SALES_H
#define APID_REPORTS_SALES_H

#include <stddef.h>
#include <stdint.h>


#include "apid/guard.h"
#include "common/db.h"
#include "common/json_out.h"
#include "common/report_range.h"
#include "common/store.h"

/* The sums of one store day, or of a whole range; money in millionths of the currency unit. */
struct report_sums {
    int64_t orders, items;
    int64_t sales, taxes, shipping, net, refunds, discounts; /* refunds: the negative net of refund rows */
};

/* Today's date in the store's time zone, as a report_range day. */
int64_t reports_store_today(const struct store_options *opt);

/* Sums of the days r->first..r->last (one struct per day, zeroed by the caller) read from
 * wc_order_stats; past days come from a per-thread cache while WooCommerce's reports cache version
 * (and, under HPOS, the latest order change) stays the same. 0, or -1 (database error, logged). */
int reports_read_days(struct db *db, const struct store_options *opt, const struct report_range *r, int64_t today,
                      struct report_sums *days);

/* The JSON answer of a range whose day sums are known, written to w. */
void reports_sales_render(const struct store_options *opt, const struct report_range *r,
                          const struct report_sums *days, struct json_out *w);

/* The route handler (route data: struct apid_route_policy, scope reports:read). */
int reports_sales(struct http_call *call, const struct apid_identity *who);

#endif

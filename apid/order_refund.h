/*
 * apid/order_refund.h — refunds as WooCommerce's wc_create_refund() makes them, straight into the
 * store's tables: POST /orders/{id}/refund, and the refund that setting an order's status to
 * "refunded" creates (wc_order_fully_refunded).
 */
#ifndef APID_ORDER_REFUND_H
#define APID_ORDER_REFUND_H

#include <stdint.h>

#include "apid/guard.h"
#include "apid/order_write.h"
#include "common/db.h"
#include "common/store.h"

/* POST /orders/{id}/refund (route data: struct apid_route_policy, scope orders:write). */
int order_refund_post(struct http_call *call, const struct apid_identity *who);

/*
 * wc_order_fully_refunded, the handler of a change to status "refunded": order_write_set_status calls
 * it inside its transaction, with the order locked and its status already wc-refunded, before the
 * "Order status changed" note. When something remains refundable it creates a refund of all of it
 * (reason "Order fully refunded.", no items, no restock, refunded_by user_id), adds the note "Order
 * status set to refunded. To return funds …" and an audit row; *refund_id gets its ID (0 when nothing
 * remained). 0, or -1 on a database error (the caller rolls back).
 */
int order_refund_remaining(struct db *db, const struct store_options *opt, struct order_locked *o, uint64_t user_id,
                           const struct order_clock *now, uint64_t *refund_id);

#endif

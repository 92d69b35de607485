/*
 * apid/order_refund.h — refunds as WooCommerce's wc_create_refund() makes them, straight into the
 * store's tables: POST /orders/{id}/refund, and the refund that setting an order's status to
 * "refunded" creates (wc_order_fully_refunded).
 */
#ifndef APID_ORDER_REFUND_H
#define APID_ORDER_REFUND_H

#include <stdint.h>

#include "apid/guard.h"
#include "common/db.h"
#include "common/store.h"

/* POST /orders/{id}/refund (route data: struct apid_route_policy, scope orders:write). */
int order_refund_post(struct http_call *call, const struct apid_identity *who);

/*
 * wc_order_fully_refunded for PATCH /orders/{id} {"status": "refunded"}: call it inside the caller's
 * transaction, with the order's row locked (SELECT ... FOR UPDATE) and its status already set to
 * wc-refunded, before the "Order status changed" note. When something remains refundable it creates
 * a refund of it (reason "Order fully refunded.", no items, no restock, refunded_by user_id) and adds
 * the note "Order status set to refunded. To return funds …"; *refund_id gets its ID (0 when nothing
 * remained). 0, or -1 on a database error (the caller rolls back).
 */
int order_refund_remaining(struct db *db, const struct store_options *opt, uint64_t order_id, uint64_t user_id,
                           uint64_t *refund_id);

#endif

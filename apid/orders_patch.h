/*
 * apid/orders_patch.h — PATCH /orders/{id}: change an order's status as the order screen does
 * ({"status": "processing"|"completed"|"on-hold"|"cancelled"|"refunded", "note"?: "…"}), answered
 * with the updated order in the shape of GET /orders/{id}.
 */
#ifndef APID_ORDERS_PATCH_H
#define APID_ORDERS_PATCH_H

#include "apid/guard.h"

/* The route handler (scope orders:write). */
int orders_patch(struct http_call *call, const struct apid_identity *who);

#endif

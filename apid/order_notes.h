/*
 * apid/order_notes.h — GET /orders/{id}/notes (newest first, WooCommerce REST v3 order-note shape:
 * id, author, date_created, date_created_gmt, note, customer_note, added_by_user; ?type=any|customer|
 * internal as WooCommerce's) and POST
 * /orders/{id}/notes ({"note": "…", "customer_note"?: bool}; a customer note is e-mailed to the
 * customer).
 */
#ifndef APID_ORDER_NOTES_H
#define APID_ORDER_NOTES_H

#include "apid/guard.h"

int order_notes_list(struct http_call *call, const struct apid_identity *who);   /* scope orders:read */
int order_notes_create(struct http_call *call, const struct apid_identity *who); /* scope orders:write */

#endif

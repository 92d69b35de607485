/*
 * apid/order_request.h — what the /orders/{id}/... handlers read from the request before they touch
 * the database, each as an ..._or_reply: on failure the answer has been sent and the handler returns.
 */
#ifndef APID_ORDER_REQUEST_H
#define APID_ORDER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/http_server.h"
#include "common/json_body.h"

/* The order id of the path ({id}: digits, 1 to UINT64_MAX), or 404 cartman_order_invalid_id with
 * message (WooCommerce's words on that route: "Invalid ID." or "Invalid order ID.") and false. */
bool order_request_id_or_reply(struct http_call *call, const char *message, uint64_t *id);

/* The request body as a JSON object of the fields allowed (common/json_body.h), or 400
 * cartman_invalid_param saying what is wrong and NULL. The caller json_decref's the object. */
json_t *order_request_body_or_reply(struct http_call *call, const struct json_body_field *fields, size_t nfields);

#endif

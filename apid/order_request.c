/*
 * apid/order_request.c — the order id of the path and the JSON body of an order route, or their 4xx
 * answers (apid/order_request.h).
 *
 * Owns: which error code and status each of those refusals gets on the order routes. Does not: read
 * the id (common/http_router.c, http_match_param_id) or the JSON (common/json_body.c), nor check that
 * the order exists (the handler, under its lock).
 */
#include "apid/order_request.h"

#include "common/http_reply.h"

bool order_request_id_or_reply(struct http_call *call, const char *message, uint64_t *id)
{
    if (http_param_id(call, "id", id))
        return true;
    http_reply_error(call->req, 404, "cartman_order_invalid_id", message);
    return false;
}

json_t *order_request_body_or_reply(struct http_call *call, const struct json_body_field *fields, size_t nfields)
{
    char err[160];
    json_t *body = json_body_parse(call->req->entity.base, call->req->entity.len, fields, nfields, err, sizeof err);
    if (body == NULL)
        http_reply_error(call->req, 400, "cartman_invalid_param", err);
    return body;
}

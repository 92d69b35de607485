/*
 * apid/orders_patch.c — PATCH /orders/{id}.
 *
 * Owns: the request (id, JSON body: status and an optional note), the transaction around the write
 * (apid/order_write.c does the rows, apid/order_mail.c queues the transition's e-mail), the audit row
 * and the answer (the order as GET /orders/{id} shows it, read after the commit). Does not: decide what a transition writes (order_write.c; for
 * "refunded" that includes the refund of what is left, apid/order_refund.c).
 * Bad input (unknown field, wrong type, unknown status, unknown order, a body over
 * LIMIT_ORDER_WRITE_BODY) is refused before the transaction opens, so it changes nothing.
 */
#include "apid/orders_patch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/order_mail.h"
#include "apid/order_request.h"
#include "apid/order_write.h"
#include "apid/orders_read.h"
#include "common/audit.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/json_body.h"
#include "common/limits.h"
#include "common/log.h"

static const struct json_body_field patch_fields[] = {
    {"status", JSON_BODY_STRING, true, 32},
    {"note", JSON_BODY_STRING, false, LIMIT_ORDER_NOTE_BYTES},
};

static void audit(struct db *db, struct http_call *call, const struct apid_identity *who, uint64_t id,
                  const char *result, const char *from, const char *to, bool changed)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, id);
    json_t *d = json_pack("{s:s, s:s}", "from", from, "to", to);
    if (!changed)
        json_object_set_new(d, "changed", json_false());
    struct audit_event e = {.event = "order.status", .result = result, .user_id = who->user_id,
                            .client_id = who->client_id && who->client_id[0] ? who->client_id : NULL,
                            .ip = http_client_addr(call), .object_type = "order", .object_id = oid, .detail = d};
    audit_write(db, &e);
    json_decref(d);
}

static int db_down(struct http_call *call)
{
    http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
    return 0;
}

#define WRITE_ATTEMPTS 3 /* a transaction the server aborted as a deadlock is run again */
#define RETRY 1

static bool deadlocked(const struct db *db)
{
    return strstr(db_error(db), "Deadlock found") != NULL;
}

/* One attempt: 0 done (committed), 404, 409, RETRY (rolled back after a deadlock), -1 (rolled back). */
static int patch_once(struct http_call *call, const struct apid_identity *who, struct db *db,
                      const struct store_options *opt, uint64_t id, const char *to, const char *note,
                      const struct order_clock *now)
{
    struct order_locked o;
    if (db_begin(db) != 0)
        return -1;
    int rc = order_write_lock(db, opt, id, &o);
    if (rc <= 0) {
        bool dl = rc < 0 && deadlocked(db);
        db_rollback(db);
        return rc == 0 ? 404 : dl ? RETRY : -1;
    }
    if (strcmp(o.status, "trash") == 0) {
        db_rollback(db);
        return 409;
    }
    char from[sizeof o.status];
    const char *st = strncmp(o.status, "wc-", 3) == 0 ? o.status + 3 : o.status;
    memmove(from, st, strlen(st) + 1);
    bool changed = false;
    if (order_write_set_status(db, opt, &o, to, note, who->user_id, now, &changed) != 0) {
        bool dl = deadlocked(db);
        db_rollback(db);
        if (dl)
            return RETRY;
        audit(db, call, who, id, "error", from, to, false);
        return -1;
    }
    /* the e-mail WooCommerce's woocommerce_order_status_<from>_to_<to> notification sends, in this transaction */
    if (changed && order_mail_status(db, opt, &o, from, to) != 0) {
        bool dl = deadlocked(db);
        db_rollback(db);
        return dl ? RETRY : -1;
    }
    if (changed)
        audit(db, call, who, id, "ok", from, to, true);
    if (db_commit(db) != 0) {
        bool dl = deadlocked(db);
        db_rollback(db);
        return dl ? RETRY : -1;
    }
    return 0;
}

int orders_patch(struct http_call *call, const struct apid_identity *who)
{
    uint64_t id;
    if (!order_request_id_or_reply(call, "Invalid ID.", &id))
        return 0;
    json_t *body = order_request_body_or_reply(call, patch_fields, sizeof patch_fields / sizeof *patch_fields);
    if (body == NULL)
        return 0;
    char to[40], note[LIMIT_ORDER_NOTE_BYTES + 1];
    snprintf(to, sizeof to, "%s", json_string_value(json_object_get(body, "status")));
    json_t *jn = json_object_get(body, "note");
    bool bad_note = jn && memchr(json_string_value(jn), '\0', json_string_length(jn)) != NULL;
    snprintf(note, sizeof note, "%s", jn ? json_string_value(jn) : "");
    json_decref(body);
    if (strncmp(to, "wc-", 3) == 0)
        memmove(to, to + 3, strlen(to + 3) + 1);
    if (bad_note) {
        http_reply_error(call->req, 400, "cartman_invalid_param", "Invalid parameter(s): note");
        return 0;
    }
    if (!order_status_settable(to)) {
        http_reply_error(call->req, 400, "cartman_invalid_param",
                         "Invalid parameter(s): status (one of processing, completed, on-hold, cancelled, refunded)");
        return 0;
    }
    struct store_options opt;
    struct db *db = daemon_store_or_reply(call, &opt);
    if (db == NULL)
        return 0;
    struct order_clock now;
    order_write_clock(&opt, &now);
    int rc = -1;
    for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
        rc = patch_once(call, who, db, &opt, id, to, note, &now);
        if (rc != RETRY)
            break;
        log_warn("orders: PATCH %" PRIu64 ": deadlock, attempt %d of %d", id, attempt, WRITE_ATTEMPTS);
    }
    if (rc == 404) {
        http_reply_error(call->req, 404, "cartman_order_invalid_id", "Invalid ID.");
        return 0;
    }
    if (rc == 409) {
        http_reply_error(call->req, 409, "cartman_order_trashed", "The order is in the trash; restore it first.");
        return 0;
    }
    if (rc != 0)
        return db_down(call);
    struct json_out out;
    json_out_init(&out);
    rc = orders_read_one_json(db, &opt, id, &out);
    if (rc <= 0) {
        json_out_free(&out);
        return db_down(call);
    }
    http_reply_no_store(call->req);
    http_reply_json_text(call->req, 200, out.buf, out.len);
    json_out_free(&out);
    return 0;
}

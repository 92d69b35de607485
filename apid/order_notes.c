/*
 * apid/order_notes.c — GET and POST /orders/{id}/notes.
 *
 * Owns: the notes' JSON shape (WooCommerce REST v3: author as stored, "WooCommerce" for system notes;
 * dates from comment_date / comment_date_gmt), the request checks, the transaction of a new note
 * (order locked, comments + commentmeta + comment_count through apid/order_write.c, the customer
 * e-mail queued in the same transaction through apid/order_mail.c) and its audit row.
 * Does not: send mail (the outbox sender does) or change the order's status.
 */
#include "apid/order_notes.h"

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

#define NOTES_MAX 1000 /* notes listed for one order */

static const struct json_body_field note_fields[] = {
    {"note", JSON_BODY_STRING, true, LIMIT_ORDER_NOTE_BYTES},
    {"customer_note", JSON_BODY_BOOL, false, 0},
};

static int db_down(struct http_call *call)
{
    http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
    return 0;
}

static const char NOTES_SQL[] =
    "SELECT c.comment_ID, c.comment_author, c.comment_date, c.comment_date_gmt, c.comment_content, cm.meta_value"
    " FROM {p}comments c LEFT JOIN {p}commentmeta cm ON cm.comment_id = c.comment_ID AND cm.meta_key = 'is_customer_note'"
    " WHERE c.comment_post_ID = ? AND c.comment_type = 'order_note' AND c.comment_approved = '1'"
    " ORDER BY c.comment_date_gmt DESC, c.comment_ID DESC LIMIT " "1000";
static const char ONE_NOTE_SQL[] =
    "SELECT c.comment_ID, c.comment_author, c.comment_date, c.comment_date_gmt, c.comment_content, cm.meta_value"
    " FROM {p}comments c LEFT JOIN {p}commentmeta cm ON cm.comment_id = c.comment_ID AND cm.meta_key = 'is_customer_note'"
    " WHERE c.comment_ID = ?";

static json_t *iso(const char *d)
{
    if (d == NULL || strlen(d) != 19 || strncmp(d, "0000", 4) == 0)
        return json_null();
    char b[20];
    memcpy(b, d, 20);
    b[10] = 'T';
    return json_string(b);
}

static json_t *note_json(const struct db_rows *r, size_t i)
{
    const char *author = db_cell(r, i, 1) ? db_cell(r, i, 1) : "";
    const char *cn = db_cell(r, i, 5);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer((json_int_t)strtoull(db_cell(r, i, 0), NULL, 10)));
    json_object_set_new(j, "author", json_string(author));
    json_object_set_new(j, "date_created", iso(db_cell(r, i, 2)));
    json_object_set_new(j, "date_created_gmt", iso(db_cell(r, i, 3)));
    json_object_set_new(j, "note", json_string(db_cell(r, i, 4) ? db_cell(r, i, 4) : ""));
    json_object_set_new(j, "customer_note", json_boolean(cn && strcmp(cn, "0") != 0 && cn[0] != '\0'));
    json_object_set_new(j, "added_by_user", json_boolean(strcmp(author, "WooCommerce") != 0));
    return j;
}


/* 1 an order (either storage), 0 not, -1 error. */
static int order_exists(struct db *db, const struct store_options *opt, uint64_t id)
{
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db,
                 opt->hpos ? "SELECT 1 FROM {p}wc_orders WHERE id = ? AND type = 'shop_order'"
                           : "SELECT 1 FROM {p}posts WHERE ID = ? AND post_type = 'shop_order'",
                 p, 1, &r) != 0)
        return -1;
    int found = r.nrows > 0;
    db_rows_free(&r);
    return found;
}

int order_notes_list(struct http_call *call, const struct apid_identity *who)
{
    (void)who;
    uint64_t id;
    if (!order_request_id_or_reply(call, "Invalid order ID.", &id))
        return 0;
    /* WooCommerce's type filter: any (default), customer, internal */
    int want = 0;
    const char *type = http_query(call, "type", NULL);
    if (type != NULL && strcmp(type, "any") != 0) {
        if (strcmp(type, "customer") == 0) {
            want = 1;
        } else if (strcmp(type, "internal") == 0) {
            want = 2;
        } else {
            http_reply_error(call->req, 400, "rest_invalid_param", "Invalid parameter(s): type (any, customer or internal)");
            return 0;
        }
    }
    struct store_options opt;
    struct db *db = daemon_store_or_reply(call, &opt);
    if (db == NULL)
        return 0;
    int rc = order_exists(db, &opt, id);
    if (rc < 0)
        return db_down(call);
    if (rc == 0) {
        http_reply_error(call->req, 404, "cartman_order_invalid_id", "Invalid order ID.");
        return 0;
    }
    struct db_value p[1] = {DB_UINT(id)};
    struct db_rows r;
    if (db_query(db, NOTES_SQL, p, 1, &r) != 0)
        return db_down(call);
    json_t *arr = json_array();
    for (size_t i = 0; i < r.nrows && i < NOTES_MAX; i++) {
        json_t *n = note_json(&r, i);
        bool customer = json_is_true(json_object_get(n, "customer_note"));
        if (want == 0 || (want == 1) == customer)
            json_array_append_new(arr, n);
        else
            json_decref(n);
    }
    db_rows_free(&r);
    http_reply_no_store(call->req);
    http_reply_json(call->req, 200, arr);
    return 0;
}

int order_notes_create(struct http_call *call, const struct apid_identity *who)
{
    uint64_t id;
    if (!order_request_id_or_reply(call, "Invalid order ID.", &id))
        return 0;
    json_t *body = order_request_body_or_reply(call, note_fields, sizeof note_fields / sizeof *note_fields);
    if (body == NULL)
        return 0;
    json_t *jn = json_object_get(body, "note");
    const char *text = json_string_value(jn);
    size_t tlen = json_string_length(jn);
    bool customer = json_is_true(json_object_get(body, "customer_note"));
    bool blank = true;
    for (size_t i = 0; i < tlen && blank; i++)
        blank = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
    if (blank || memchr(text, '\0', tlen) != NULL) {
        json_decref(body);
        http_reply_error(call->req, 400, "cartman_invalid_param", "Invalid parameter(s): note (must not be empty)");
        return 0;
    }
    struct store_options opt;
    struct db *db = daemon_store_or_reply(call, &opt);
    if (db == NULL) {
        json_decref(body);
        return 0;
    }
    struct order_clock now;
    order_write_clock(&opt, &now);
    struct order_locked o;
    uint64_t note_id = 0;
    if (db_begin(db) != 0) {
        json_decref(body);
        return db_down(call);
    }
    int rc = order_write_lock(db, &opt, id, &o);
    if (rc <= 0) {
        db_rollback(db);
        json_decref(body);
        if (rc < 0)
            return db_down(call);
        http_reply_error(call->req, 404, "cartman_order_invalid_id", "Invalid order ID.");
        return 0;
    }
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, id);
    struct audit_event e = {.event = "order.note", .result = "ok", .user_id = who->user_id,
                            .client_id = who->client_id && who->client_id[0] ? who->client_id : NULL,
                            .ip = http_client_addr(call), .object_type = "order", .object_id = oid};
    if (order_write_add_note(db, &opt, id, text, customer, who->user_id, &now, &note_id) != 0 ||
        (customer && order_mail_customer_note(db, &opt, id, text) != 0)) {
        db_rollback(db);
        json_decref(body);
        e.result = "error";
        audit_write(db, &e);
        return db_down(call);
    }
    json_decref(body);
    json_t *d = json_pack("{s:I, s:b}", "note_id", (json_int_t)note_id, "customer_note", customer);
    e.detail = d;
    audit_write(db, &e);
    json_decref(d);
    if (db_commit(db) != 0) {
        db_rollback(db);
        return db_down(call);
    }
    struct db_value p[1] = {DB_UINT(note_id)};
    struct db_rows r;
    if (db_query(db, ONE_NOTE_SQL, p, 1, &r) != 0)
        return db_down(call);
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_down(call);
    }
    json_t *j = note_json(&r, 0);
    db_rows_free(&r);
    http_reply_no_store(call->req);
    http_reply_json(call->req, 201, j);
    return 0;
}

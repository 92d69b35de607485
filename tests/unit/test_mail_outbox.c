/*
 * tests/unit/test_mail_outbox.c — common/mail_outbox: which messages are refused (and name the field),
 * and against the live test database that an enqueued row joins the caller's transaction: visible
 * inside it with every column as given, gone after a rollback; a refused message inserts nothing.
 * Everything here rolls back, so apid's sender never sees these rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/mail_outbox.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

static struct mail_message good(void)
{
    return (struct mail_message){
        .to = "Anna M\xc3\xbcller <anna@example.com>",
        .reply_to = "shop@example.com",
        .subject = "Your order #123 \xe2\x80\x93 a note",
        .body_text = "Hello Anna,\nyour parcel left today.\n",
        .body_html = "<p>Hello Anna,</p>",
        .kind = "customer_note",
        .object_type = "order",
        .object_id = 123,
    };
}

static void test_check(void)
{
    char big[LIMIT_MAIL_BODY_BYTES + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    static const struct {
        const char *what;
        int field; /* which member to replace */
        const char *value;
        const char *want_field; /* NULL: accepted */
    } rows[] = {
        {"a good message", -1, NULL, NULL},
        {"no recipient", 0, "", "to"},
        {"an injected To", 0, "a@example.com\r\nBcc: x@example.com", "to"},
        {"a bad Reply-To", 1, "nobody", "reply_to"},
        {"no Reply-To is fine", 1, NULL, NULL},
        {"no subject", 2, "", "subject"},
        {"an injected subject", 2, "Hi\r\nBcc: x@example.com", "subject"},
        {"a subject in bad UTF-8", 2, "\xc3(", "subject"},
        {"a body in bad UTF-8", 3, "\xff", "body_text"},
        {"an empty body is allowed", 3, "", NULL},
        {"no HTML is fine", 4, NULL, NULL},
        {"no kind", 5, "", "kind"},
        {"a kind with a space", 5, "customer note", "kind"},
        {"an object type with a dash", 6, "shop-order", "object_type"},
        {"no object type is fine", 6, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mail_message m = good();
        const char **slot[] = {&m.to, &m.reply_to, &m.subject, &m.body_text, &m.body_html, &m.kind, &m.object_type};
        if (rows[i].field >= 0)
            *slot[rows[i].field] = rows[i].value;
        const char *field = NULL, *err = NULL;
        int rc = mail_message_check(&m, &field, &err);
        if (rows[i].want_field == NULL) {
            tap_ok(rc == 0, "%s: accepted", rows[i].what);
        } else {
            tap_ok(rc != 0 && field && strcmp(field, rows[i].want_field) == 0 && err, "%s: refused on %s (%s)",
                   rows[i].what, rows[i].want_field, err ? err : "-");
        }
    }
    struct mail_message m = good();
    const char *field, *err;
    m.body_text = big;
    tap_ok(mail_message_check(&m, &field, &err) != 0 && strcmp(field, "body_text") == 0, "a body over 1 MiB is refused");
    big[LIMIT_MAIL_BODY_BYTES] = '\0';
    tap_ok(mail_message_check(&m, &field, &err) == 0, "a body of exactly 1 MiB is accepted");
}

static long long count_rows(struct db *db)
{
    struct db_rows r;
    if (db_query(db, "SELECT COUNT(*) FROM {p}cartman_mail_outbox", NULL, 0, &r) != 0)
        return -1;
    long long n = r.nrows == 1 && db_cell(&r, 0, 0) ? strtoll(db_cell(&r, 0, 0), NULL, 10) : -1;
    db_rows_free(&r);
    return n;
}

static void test_enqueue(struct db *db)
{
    long long before = count_rows(db);
    tap_ok(before >= 0, "the outbox table is readable");
    struct mail_message m = good();
    tap_ok(db_begin(db) == 0, "begin");
    TAP_EQ_INT(mail_outbox_enqueue(db, &m), MAIL_OUTBOX_OK, "a good message is enqueued");
    struct db_rows r;
    int rc = db_query(db,
                      "SELECT to_addr, reply_to, subject, body_text, body_html, kind, object_type, object_id, status,"
                      " attempts, next_attempt_at <= UTC_TIMESTAMP(), claim_token IS NULL, sent_at IS NULL"
                      " FROM {p}cartman_mail_outbox WHERE id = LAST_INSERT_ID()",
                      NULL, 0, &r);
    if (tap_ok(rc == 0 && r.nrows == 1, "the row is visible inside the transaction")) {
        const char *want[] = {m.to, m.reply_to, m.subject, m.body_text, m.body_html, "customer_note", "order", "123",
                              "pending", "0", "1", "1", "1"};
        static const char *const col[] = {"to_addr", "reply_to", "subject", "body_text", "body_html", "kind",
                                          "object_type", "object_id", "status", "attempts", "due now",
                                          "no claim", "not sent"};
        for (size_t c = 0; c < sizeof want / sizeof want[0]; c++)
            TAP_EQ_STR(db_cell(&r, 0, c), want[c], col[c]);
    }
    if (rc == 0)
        db_rows_free(&r);
    tap_ok(db_rollback(db) == 0, "rollback");
    TAP_EQ_INT(count_rows(db), before, "after the rollback the row is gone");

    m.reply_to = NULL;
    m.body_html = NULL;
    m.object_type = NULL;
    m.object_id = 0;
    tap_ok(db_begin(db) == 0, "begin");
    TAP_EQ_INT(mail_outbox_enqueue(db, &m), MAIL_OUTBOX_OK, "a message without the optional parts");
    rc = db_query(db, "SELECT reply_to IS NULL, body_html IS NULL, object_type, object_id FROM {p}cartman_mail_outbox"
                      " WHERE id = LAST_INSERT_ID()", NULL, 0, &r);
    if (tap_ok(rc == 0 && r.nrows == 1, "its row")) {
        TAP_EQ_STR(db_cell(&r, 0, 0), "1", "reply_to is NULL");
        TAP_EQ_STR(db_cell(&r, 0, 1), "1", "body_html is NULL");
        TAP_EQ_STR(db_cell(&r, 0, 2), "", "object_type is empty");
        TAP_EQ_STR(db_cell(&r, 0, 3), "0", "object_id is 0");
        db_rows_free(&r);
    }
    m.to = "victim@example.com\r\nBcc: many@example.com";
    TAP_EQ_INT(mail_outbox_enqueue(db, &m), MAIL_OUTBOX_INVALID, "an injected recipient is refused");
    db_rollback(db);
    TAP_EQ_INT(count_rows(db), before, "nothing was left in the outbox");
}

int main(void)
{
    test_check();
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "the test database is reachable");
        return tap_done();
    }
    test_enqueue(db);
    db_close(db);
    return tap_done();
}

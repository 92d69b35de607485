/*
 * common/mail_outbox.h — queueing outgoing mail in {p}cartman_mail_outbox.
 *
 *   struct mail_message m = {.to = "Anna <anna@example.com>", .subject = "Your order",
 *                            .body_text = "…", .kind = "customer_note", .object_type = "order",
 *                            .object_id = 123};
 *   if (db_begin(db) == 0 && write_the_note(db) == 0 && mail_outbox_enqueue(db, &m) == 0) db_commit(db);
 *
 * Enqueueing is one INSERT on the caller's connection, so inside the caller's transaction the mail
 * exists exactly when the change it reports is committed; a rollback drops it too. Nothing is sent
 * here: apid's sender (apid/mail_sender.c) claims due rows, sends them over SMTP and retries with
 * backoff, so an SMTP outage delays mail but loses none. The From address is the store's (WooCommerce
 * options), read when the mail is sent.
 */
#ifndef COMMON_MAIL_OUTBOX_H
#define COMMON_MAIL_OUTBOX_H

#include <stdint.h>

#include "common/db.h"

struct mail_message {
    const char *to;          /* one recipient: "a@example.com" or "Name <a@example.com>" */
    const char *reply_to;    /* optional (NULL or ""), same form */
    const char *subject;     /* UTF-8, one line, 1..LIMIT_MAIL_SUBJECT_CHARS characters */
    const char *body_text;   /* UTF-8 plain text, any line endings, at most LIMIT_MAIL_BODY_BYTES */
    const char *body_html;   /* optional HTML alternative (NULL or "") */
    const char *kind;        /* what the mail is: [a-z0-9_]{1,40}, e.g. "customer_note", "ticket_reply" */
    const char *object_type; /* what it concerns: [a-z0-9_]{0,40}, e.g. "order", "ticket"; NULL or "" for none */
    uint64_t object_id;      /* the object's id, 0 for none */
};

enum {
    MAIL_OUTBOX_OK = 0,
    MAIL_OUTBOX_DB_ERROR = -1, /* the INSERT failed: db_error(db) says why; a transaction should roll back */
    MAIL_OUTBOX_INVALID = -2,  /* the message was refused before touching the database */
};

/* Checks a message without the database: 0, or -1 with *field ("to", "reply_to", "subject",
 * "body_text", "body_html", "kind", "object_type") and *err (a static sentence) set. Callers that
 * take an address from a request run this first and answer 400 naming the field. */
int mail_message_check(const struct mail_message *m, const char **field, const char **err);

/* Validates m and inserts it as a pending row, due now. MAIL_OUTBOX_OK, _DB_ERROR or _INVALID (logged
 * at warning level with the field, never the values). The new row's id is LAST_INSERT_ID() on db. */
int mail_outbox_enqueue(struct db *db, const struct mail_message *m);

#endif

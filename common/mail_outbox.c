/*
 * common/mail_outbox.c — checking a message and inserting it into {p}cartman_mail_outbox.
 *
 * Owns the outbox row's shape on the way in. It does not send, build MIME or read the store's From
 * address: that is the sender's (apid/mail_sender.c, common/mail_build.c).
 */
#include "common/mail_outbox.h"

#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/mail_address.h"

static const char SQL_INSERT[] =
    "INSERT INTO {p}cartman_mail_outbox (to_addr, reply_to, subject, body_text, body_html, kind, object_type,"
    " object_id, status, attempts, next_attempt_at, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, UTC_TIMESTAMP(), UTC_TIMESTAMP())";

static bool present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static int check_word(const char *s, bool required, const char **err)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        *err = "is required";
        return required ? -1 : 0;
    }
    if (n > LIMIT_MAIL_KIND_BYTES) {
        *err = "is too long";
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
            *err = "may contain only a-z, 0-9 and '_'";
            return -1;
        }
    return 0;
}

static int check_body(const char *s, size_t n, const char **err)
{
    if (n > LIMIT_MAIL_BODY_BYTES) {
        *err = "is too long";
        return -1;
    }
    if (!mail_utf8_valid(s, n, NULL)) {
        *err = "is not valid UTF-8 text";
        return -1;
    }
    return 0;
}

int mail_message_check(const struct mail_message *m, const char **field, const char **err)
{
    struct mail_address a;
    *field = "to";
    if (!present(m->to)) {
        *err = "is required";
        return -1;
    }
    if (mail_address_parse(m->to, strlen(m->to), &a, err) != 0)
        return -1;
    *field = "reply_to";
    if (present(m->reply_to) && mail_address_parse(m->reply_to, strlen(m->reply_to), &a, err) != 0)
        return -1;
    *field = "subject";
    if (!present(m->subject)) {
        *err = "is required";
        return -1;
    }
    if (mail_header_value_check(m->subject, strlen(m->subject), LIMIT_MAIL_SUBJECT_CHARS, err) != 0)
        return -1;
    *field = "body_text";
    if (m->body_text == NULL) {
        *err = "is required";
        return -1;
    }
    if (check_body(m->body_text, strlen(m->body_text), err) != 0)
        return -1;
    *field = "body_html";
    if (present(m->body_html) && check_body(m->body_html, strlen(m->body_html), err) != 0)
        return -1;
    *field = "kind";
    if (check_word(m->kind, true, err) != 0)
        return -1;
    *field = "object_type";
    if (check_word(m->object_type, false, err) != 0)
        return -1;
    *field = NULL;
    *err = NULL;
    return 0;
}

int mail_outbox_enqueue(struct db *db, const struct mail_message *m)
{
    const char *field, *err;
    if (mail_message_check(m, &field, &err) != 0) {
        log_warn("mail outbox: message refused: %s %s", field, err);
        return MAIL_OUTBOX_INVALID;
    }
    struct db_value p[] = {
        DB_STR(m->to),
        present(m->reply_to) ? DB_STR(m->reply_to) : DB_NULLV,
        DB_STR(m->subject),
        DB_STR(m->body_text),
        present(m->body_html) ? DB_STR(m->body_html) : DB_NULLV,
        DB_STR(m->kind),
        DB_STR(present(m->object_type) ? m->object_type : ""),
        DB_UINT(m->object_id),
    };
    if (db_exec(db, SQL_INSERT, p, sizeof p / sizeof p[0], NULL) != 0)
        return MAIL_OUTBOX_DB_ERROR;
    return MAIL_OUTBOX_OK;
}

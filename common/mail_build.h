/*
 * common/mail_build.h — an RFC 5322 message from checked parts, ready for SMTP.
 *
 *   Date: Fri, 27 Nov 2026 08:37:27 +0000
 *   From: =?UTF-8?B?...?= <shop@example.com>
 *   To: "Anna" <anna@example.com>
 *   Subject: Your order
 *   Message-ID: <cartman.42.1795768647@example.com>
 *   MIME-Version: 1.0
 *   Auto-Submitted: auto-generated
 *   Content-Type: text/plain; charset=UTF-8           (multipart/alternative when there is HTML)
 *   Content-Transfer-Encoding: quoted-printable
 *
 * Pure: no I/O, no clock, no randomness (the caller passes the date and the Message-ID), so the same
 * input gives the same bytes. Lines end in CRLF and stay within 78 characters except where an address
 * itself is longer; non-ASCII display names and subjects become RFC 2047 encoded words (UTF-8, base64)
 * split on character boundaries; bodies are quoted-printable (RFC 2045) with every line ending
 * normalised to CRLF and a '.' opening a line encoded, so no relay can mistake it for the end of data.
 * The multipart boundary starts with "=_", which quoted-printable output can never contain.
 * The inputs must have passed common/mail_address.h's checks; this file trusts them.
 */
#ifndef COMMON_MAIL_BUILD_H
#define COMMON_MAIL_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "common/mail_address.h"

struct mail_build_input {
    const struct mail_address *from;
    const struct mail_address *to;
    const struct mail_address *reply_to; /* NULL: none */
    const char *subject;
    size_t subject_len;
    const char *text; /* the plain-text body */
    size_t text_len;
    const char *html; /* NULL: a single text/plain part */
    size_t html_len;
    int64_t date;           /* unix seconds, written in UTC */
    const char *message_id; /* without the angle brackets: "left@right", printable ASCII */
};

/* The whole message, NUL-terminated, malloc'd (free it); its length in *len. */
char *mail_build(const struct mail_build_input *in, size_t *len);

/* Pieces, exposed for the tests. Each appends to a malloc'd buffer it grows. */
struct mail_buf {
    char *p;
    size_t len, cap;
};
void mail_buf_add(struct mail_buf *b, const char *s, size_t n);
/* Quoted-printable body: CRLF line ends, lines of at most 76 characters. */
void mail_build_qp(struct mail_buf *b, const char *s, size_t n);
/* A header field "Name: value" + CRLF with value as text (raw, or encoded words when needed). */
void mail_build_text_header(struct mail_buf *b, const char *name, const char *s, size_t n);
/* A header field "Name: phrase <addr>" + CRLF. */
void mail_build_address_header(struct mail_buf *b, const char *name, const struct mail_address *a);
/* "Fri, 27 Nov 2026 08:37:27 +0000" into out (at least 32 bytes). */
void mail_build_date(int64_t t, char *out, size_t cap);

#endif

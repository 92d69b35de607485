/*
 * common/mail_address.h — what may go into an outgoing mail's headers: addresses and header values.
 *
 *   "shop@example.com"                 → name "",             addr "shop@example.com"
 *   "Anna Müller <anna@example.com>"   → name "Anna Müller",  addr "anna@example.com"
 *   "\"Smith, J.\" <j@example.com>"    → name "Smith, J.",    addr "j@example.com"
 *
 * Pure functions over counted strings, no I/O. The address is what WordPress's is_email() accepts
 * and SMTP can carry without extensions: an ASCII dot-atom local part (RFC 5322 atext, at most 64
 * bytes) and a domain of at least two LDH labels (IDNs in their xn-- form). Quoted local parts, address
 * literals, comments, groups and lists are refused. Display names and header values are UTF-8 text
 * without control characters: a CR, LF or NUL anywhere is an error, so nothing a customer types can
 * add a header (no header injection). Encoding for the wire is common/mail_build.c's job.
 */
#ifndef COMMON_MAIL_ADDRESS_H
#define COMMON_MAIL_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/limits.h"

struct mail_address {
    char name[LIMIT_MAIL_NAME_BYTES + 1]; /* display name, unquoted and unescaped, UTF-8; "" when none */
    char addr[LIMIT_MAIL_ADDRESS_BYTES + 1]; /* local@domain */
};

/* Parses one address, with or without a display name, surrounding spaces allowed.
 * 0, or -1 with *err set to a static sentence (no input bytes in it). */
int mail_address_parse(const char *s, size_t len, struct mail_address *out, const char **err);

/* Only the local@domain form (no display name, no spaces): 0 / -1 with *err. */
int mail_address_check_addr(const char *s, size_t len, const char **err);

/* A header value such as a subject or a display name: valid UTF-8 of at most max_chars characters,
 * no control characters (C0 other than TAB, DEL, C1). 0 / -1 with *err. */
int mail_header_value_check(const char *s, size_t len, size_t max_chars, const char **err);

/* Valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and no NUL. *chars (may be NULL)
 * gets the number of characters. true / false. */
bool mail_utf8_valid(const char *s, size_t len, size_t *chars);

#endif
